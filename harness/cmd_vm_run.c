// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth vm run SCENARIO`: boot the test kernel with the run's result
 * directory shared read-write, run `labyrinth run` in it, and on the host
 * make the report complete (run_host.c) — in particular when the guest
 * panicked or hung and could not write it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "commands.h"
#include "vm_console.h"
#include "kmsg.h"
#include "report.h"
#include "run.h"
#include "run_report.h"
#include "sample.h"
#include "scenario.h"
#include "thresholds.h"
#include "util.h"
#include "vm.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth vm run [OPTIONS] SCENARIO\n"
"\n"
"Boot the test kernel in QEMU, run the scenario in it as root, and leave\n"
"the result directory on the host (reports/RUN-ID/ by default). A guest\n"
"that panics or hangs still gets a complete report: the VM runner's\n"
"verdict, the console log, and every sample the guest streamed before it\n"
"died. Exit status as for 'labyrinth run' (0 = expect met).\n"
"\n"
"Run options (as for 'labyrinth run'):\n"
"  -s, --set SECTION.KEY=VALUE  override a scenario key (repeatable)\n"
"  -o, --out DIR                parent of the run directory\n"
"  -q, --quiet                  no progress, no summary\n"
"VM options (as for 'labyrinth vm'):\n"
"  -m, --mem MB                 guest RAM (default 1024)\n"
"  -c, --cpus N                 vCPUs (default 2)\n"
"  -t, --timeout DURATION       wall clock for boot + run (default: the\n"
"                               scenario's duration + 5 min)\n"
"      --accel auto|kvm|tcg     accelerator (default auto)\n"
"      --variant default|debug  which cached test kernel (debug: KASAN,\n"
"                               lockdep)\n"
"  -k, --kernel BZIMAGE         boot this kernel instead\n"
"  -h, --help                   this help\n"
"\n"
"Examples:\n"
"  labyrinth vm run scenarios/default.ini\n"
"  labyrinth vm run scenarios/panic-on-oom.ini\n"
"  labyrinth vm run --variant debug --timeout 30m scenarios/churn-soak.ini\n"
"  labyrinth vm run --mem 2048 --set engine.rate=50000 "
"scenarios/drain-hrtimer.ini\n");
}

static char *abspath(const char *p)
{
	char buf[PATH_MAX];

	if (realpath(p, buf))
		return xstrdup(buf);
	if (p[0] == '/')
		return xstrdup(p);
	if (!getcwd(buf, sizeof(buf)))
		return xstrdup(p);
	return xasprintf("%s/%s", buf, p);
}

int cmd_vm_run(int argc, char **argv)
{
	enum { OPT_ACCEL = 256, OPT_VARIANT };
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vm_opts vo;
	struct vm_result vr;
	struct scenario sc;
	char **sets = NULL, **gargv, *out_base = NULL, *dir, *id, *exe,
	     *scen, *vmdir;
	const char *shares[1];
	size_t nsets = 0, i, n;
	uint64_t timeout_ms = 0;
	int c, ret, quiet = 0;
	char buf[PATH_MAX];
	ssize_t len;

	vm_opts_init(&vo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:o:qm:c:t:k:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			sets[nsets++] = optarg;
			break;
		case 'o':
			free(out_base);
			out_base = xstrdup(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'm':
			if (vm_opts_set(&vo, "vm run", "mem", optarg))
				goto usage_err;
			break;
		case 'c':
			if (vm_opts_set(&vo, "vm run", "cpus", optarg))
				goto usage_err;
			break;
		case 't':
			if (parse_duration_ms(optarg, 10000, 48 * 3600000ULL,
					      &timeout_ms)) {
				lab_err("vm run: --timeout %s: expected a "
					"duration from 10s to 48h", optarg);
				goto usage_err;
			}
			break;
		case OPT_ACCEL:
			if (vm_opts_set(&vo, "vm run", "accel", optarg))
				goto usage_err;
			break;
		case OPT_VARIANT:
			if (vm_opts_set(&vo, "vm run", "variant", optarg))
				goto usage_err;
			break;
		case 'k':
			vo.kernel = optarg;
			break;
		case 'h':
			usage(stdout);
			free(sets);
			free(out_base);
			return LAB_EXIT_OK;
		default:
			goto usage_err;
		}
	}
	if (optind != argc - 1) {
		lab_err("vm run: expected one SCENARIO (see 'labyrinth vm run "
			"--help')");
		goto usage_err;
	}
	/* bad input is found here, before a VM boots for nothing */
	if (scenario_open_cli(&sc, argv[optind], sets, nsets, false)) {
		scenario_free(&sc);
		goto usage_err;
	}

	if (!out_base)
		out_base = run_default_out_base();
	id = run_make_id(sc.name);
	{
		char *base = abspath(out_base);

		dir = xasprintf("%s/%s", base, id);
		for (i = 2; access(dir, F_OK) == 0 && i < 100; i++) {
			free(dir);
			dir = xasprintf("%s/%s-%zu", base, id, i);
		}
		free(base);
	}
	free(id);
	ret = mkdir_p(dir, 0755);
	if (ret) {
		lab_err("vm run: cannot create %s: %s", dir, strerror(-ret));
		scenario_free(&sc);
		free(dir);
		free(sets);
		free(out_base);
		return LAB_EXIT_ENV;
	}
	vmdir = xasprintf("%s/vm", dir);

	len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	exe = len > 0 ? xasprintf("%.*s", (int)len, buf) : xstrdup(argv[0]);
	scen = abspath(argv[optind]);

	/* guest: labyrinth run --run-dir DIR --quiet [--set ...] SCENARIO */
	gargv = xcalloc(8 + 2 * nsets, sizeof(char *));
	n = 0;
	gargv[n++] = exe;
	gargv[n++] = "run";
	gargv[n++] = "--run-dir";
	gargv[n++] = dir;
	gargv[n++] = "--quiet";
	for (i = 0; i < nsets; i++) {
		gargv[n++] = "--set";
		gargv[n++] = sets[i];
	}
	gargv[n++] = scen;
	gargv[n] = NULL;

	shares[0] = dir;
	vo.shares = shares;
	vo.nshares = 1;
	vo.out_dir = vmdir;
	vo.quiet = quiet;
	/* TCG boots in seconds, bpftrace attaches in ~5 s per program,
	 * stress-ng and the module's own watchdog need their margin */
	vo.timeout_s = timeout_ms ? (unsigned int)(timeout_ms / 1000) :
		(unsigned int)((sc.duration_ms + sc.grace_ms) / 1000 + 300);
	scenario_free(&sc);

	if (!quiet)
		fprintf(stderr, "labyrinth: running %s in the VM; results in "
			"%s\n", argv[optind], dir);
	memset(&vr, 0, sizeof(vr));
	ret = vm_run(&vo, gargv, &vr);
	(void)ret;
	if (vr.verdict == VM_INFRA) {
		lab_err("vm run: the VM could not run: %s", vr.evidence);
		ret = LAB_EXIT_ENV;
	} else {
		ret = run_complete_on_host(dir, &vr, quiet);
		if (ret < 0) {
			/* the guest's run never got going: pass its status
			 * on (3 could not run, 4 skipped, 2 bad input) */
			ret = vr.cmd_status >= 0 && vr.cmd_status <= 5 &&
			      vr.cmd_status != 0 ? vr.cmd_status :
			      LAB_EXIT_UNEXPECTED;
			lab_err("vm run: the guest wrote no report (%s: %s); "
				"see %s/console.log", vm_verdict_name(
				vr.verdict), vr.evidence, vmdir);
		}
	}
	vm_result_free(&vr);
	free(gargv);
	free(exe);
	free(scen);
	free(vmdir);
	free(dir);
	free(sets);
	free(out_base);
	return ret;

usage_err:
	free(sets);
	free(out_base);
	return LAB_EXIT_USAGE;
}

