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
#include "nic.h"
#include "run.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"
#include "vm_kernel.h"

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
"      --run-dir DIR            exactly this run directory (its name is\n"
"                               the run id; what vm soak uses)\n"
"  -q, --quiet                  no progress, no summary\n"
"      --module 'PATH.ko [param=value ...]'\n"
"                               the driver under test: loaded in the guest\n"
"                               before the scenario starts, unloaded after\n"
"                               (repeatable: loaded in order); see also the\n"
"                               scenario's [target] section\n"
"      --nic e1000|virtio-net   a driver under test: two such NICs on one\n"
"                               QEMU hub (no host network), the second in\n"
"                               its own network namespace, a UDP flood\n"
"                               between them during the run, and the\n"
"                               report's driver_under_test section\n"
"                               (= --set nic.model=MODEL; tune the flood\n"
"                               with the scenario's [nic] keys)\n"
"VM options (as for 'labyrinth vm'):\n"
"  -m, --mem MB                 guest RAM (default 1024)\n"
"  -c, --cpus N                 vCPUs (default 2)\n"
"  -t, --timeout DURATION       wall clock for boot + run, 1s to 7d\n"
"                               (default: the scenario's duration + 5 min)\n"
"      --accel A                auto (default), kvm, tcg or tcg-multi\n"
"                               (as for 'labyrinth vm')\n"
"      --variant default|debug  which cached test kernel (debug: KASAN,\n"
"                               lockdep)\n"
"      --kver 6.1|6.12|stock    which cached kernel (default 6.1); a\n"
"                               scenario that needs what that kernel\n"
"                               lacks (stock: fault injection) is\n"
"                               skipped, exit 4\n"
"  -k, --kernel BZIMAGE         boot this kernel instead\n"
"  -h, --help                   this help\n"
"\n"
"Examples:\n"
"  labyrinth vm run scenarios/default.ini\n"
"  labyrinth vm run scenarios/panic-on-oom.ini\n"
"  labyrinth vm run --variant debug --timeout 30m scenarios/churn-soak.ini\n"
"  labyrinth vm run --kver stock scenarios/default.ini\n"
"  labyrinth vm run --module 'mydrv.ko debug=1' scenarios/hold-exhausted.ini\n"
"  labyrinth vm run scenarios/nic-e1000-rx.ini\n"
"  labyrinth vm run --nic virtio-net --kver 6.12 "
"scenarios/nic-e1000-rx.ini\n"
"  labyrinth vm run --mem 2048 --set engine.rate=50000 "
"scenarios/drain-hrtimer.ini\n"
"\n"
"Exit status: as for 'labyrinth run' (0 expect met, 1 not met, 2 bad\n"
"input, 3 cannot run, 4 skipped, 5 internal error; the driver under test:\n"
"6 a module did not load, 7 setup failed, 8 check failed, 9 a module did\n"
"not unload).\n");
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

enum { OPT_RUN_DIR = 0x2000, OPT_MODULE, OPT_NIC };

/* What `vm run` was asked: run options, VM options, the scenario. */
struct vm_run_opts {
	struct vm_opts vo;
	char **sets;
	size_t nsets;
	char **modules;		/* absolute PATH.ko [params] */
	size_t nmodules;
	const char *out_base;
	const char *run_dir;
	bool quiet, timeout_given;
	const char *scenario;
	char *nic_set;		/* "nic.model=MODEL" from --nic */
	char **nic_modules;	/* the driver's .ko paths, for the guest */
	struct argv devices;	/* the NICs and their hub, for QEMU */
};

/*
 * --module 'PATH.ko [param=value ...]': the path made absolute (the
 * guest sees the host's root at the same paths) and checked here, before
 * a VM boots for nothing.
 */
static int add_module(struct vm_run_opts *o, const char *spec)
{
	size_t n = strcspn(spec, " \t");
	char *path = xasprintf("%.*s", (int)n, spec), *abs;

	if (!n || n < 4 || strcmp(path + n - 3, ".ko") ||
	    access(path, R_OK)) {
		lab_err("vm run: --module '%s': %s", spec, !n || n < 4 ||
			strcmp(path + n - 3, ".ko") ? "expected 'PATH.ko "
			"[param=value ...]'" : strerror(errno));
		free(path);
		return -1;
	}
	abs = abspath(path);
	o->modules = xrealloc(o->modules, (o->nmodules + 1) *
			      sizeof(*o->modules));
	o->modules[o->nmodules++] = xasprintf("%s%s", abs, spec + n);
	free(abs);
	free(path);
	return 0;
}

/* One option; 0, or -1 after saying what was wrong. */
static int vm_run_opt(struct vm_run_opts *o, int c, char *arg)
{
	switch (c) {
	case 's':
		o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
		o->sets[o->nsets++] = arg;
		return 0;
	case 'o':
		o->out_base = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_RUN_DIR:
		o->run_dir = arg;
		return 0;
	case OPT_MODULE:
		return add_module(o, arg);
	case OPT_NIC: {
		uint32_t m;

		if (vocab_parse(&vocab_nic_model, arg, &m) < 0) {
			lab_err("vm run: --nic %s: expected e1000 or "
				"virtio-net", arg);
			return -1;
		}
		free(o->nic_set);
		o->nic_set = xasprintf("nic.model=%s",
				       vocab_name(&vocab_nic_model, m));
		o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
		o->sets[o->nsets++] = o->nic_set;
		return 0;
	}
	case 't':
		o->timeout_given = true;
		break;
	}
	return vm_opts_getopt(&o->vo, "vm run", c, arg) ? -1 : 0;
}

static int vm_run_parse(int argc, char **argv, struct vm_run_opts *o)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
		{ "nic", required_argument, NULL, OPT_NIC },
		{ "quiet", no_argument, NULL, 'q' },
		{ "module", required_argument, NULL, OPT_MODULE },
		VM_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	vm_opts_init(&o->vo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+" VM_OPTSTRING "s:o:qh", longopts,
				NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return LAB_EXIT_OK;
		}
		if (vm_run_opt(o, c, optarg))
			return LAB_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		lab_err("vm run: expected one SCENARIO (see 'labyrinth vm run "
			"--help')");
		return LAB_EXIT_USAGE;
	}
	o->scenario = argv[optind];
	return -1;	/* go on */
}

/* A fresh result directory under out_base (absolute: the guest sees the
 * same path). NULL after saying why. */
static char *vm_run_dir(const struct vm_run_opts *o, const char *name)
{
	char *base, *id, *dir;
	size_t i;
	int ret;

	if (o->run_dir) {
		dir = xstrdup(o->run_dir);
	} else {
		base = abspath(o->out_base);
		id = run_make_id(name);
		dir = xasprintf("%s/%s", base, id);
		for (i = 2; access(dir, F_OK) == 0 && i < 100; i++) {
			free(dir);
			dir = xasprintf("%s/%s-%zu", base, id, i);
		}
		free(base);
		free(id);
	}
	ret = mkdir_p(dir, 0755);
	if (ret) {
		lab_err("vm run: cannot create %s: %s", dir, strerror(-ret));
		free(dir);
		return NULL;
	}
	/* absolute, now that it exists: the guest sees the same path */
	base = abspath(dir);
	free(dir);
	return base;
}

/* In the guest: labyrinth run --run-dir DIR --quiet [--set ...] SCENARIO */
static void guest_argv(struct argv *a, const struct vm_run_opts *o,
		       const char *dir)
{
	char buf[PATH_MAX], *scen = abspath(o->scenario);
	ssize_t len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	size_t i;

	argv_addf(a, "%.*s", (int)(len > 0 ? len : 0), buf);
	argv_add(a, "run");
	argv_add(a, "--run-dir");
	argv_add(a, dir);
	argv_add(a, "--quiet");
	for (i = 0; o->nic_modules && o->nic_modules[i]; i++) {
		argv_add(a, "--nic-module");
		argv_add(a, o->nic_modules[i]);
	}
	for (i = 0; i < o->nsets; i++) {
		argv_add(a, "--set");
		argv_add(a, o->sets[i]);
	}
	for (i = 0; i < o->nmodules; i++) {
		argv_add(a, "--module");
		argv_add(a, o->modules[i]);
	}
	argv_add(a, scen);
	free(scen);
}

/*
 * [nic]: two NICs of the model, each on port of one QEMU hub and nothing
 * else (no -netdev user/tap: traffic never leaves QEMU), with the MACs
 * the guest finds them by; and the driver's modules for the guest to
 * load. 0, or -1 after saying why.
 */
static int vm_run_nics(struct vm_run_opts *o, const struct sc_nic *nic)
{
	static const char *const macs[2] = { NIC_MAC_SENDER, NIC_MAC_RECEIVER };
	const char *drv = nic_driver_module(nic->model);
	char err[1024];
	size_t i;

	if (vm_kernel_driver_paths(&o->vo, drv, &o->nic_modules, err,
				   sizeof(err)) < 0) {
		lab_err("vm run: [nic] model = %s: %s",
			vocab_str(&vocab_nic_model, nic->model), err);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		argv_add(&o->devices, "-netdev");
		argv_addf(&o->devices, "hubport,id=lab-nic%zu,hubid=%d", i,
			  NIC_HUB_ID);
		argv_add(&o->devices, "-device");
		argv_addf(&o->devices, "%s,netdev=lab-nic%zu,mac=%s",
			  nic_qemu_device(nic->model), i, macs[i]);
	}
	o->vo.devices = o->devices.v;
	return 0;
}

/* The VM ran, or not: complete the report, pick the exit status. */
static int vm_run_result(const char *dir, const struct vm_result *vr,
			 bool quiet)
{
	int ret;

	if (vr->verdict == VM_INFRA) {
		lab_err("vm run: the VM could not run: %s", vr->evidence);
		return LAB_EXIT_ENV;
	}
	ret = run_complete_on_host(dir, vr, quiet);
	if (ret >= 0)
		return ret;
	/* the guest's run never got going: pass its status on (3 could
	 * not run, 4 skipped, 2 bad input) */
	lab_err("vm run: the guest wrote no report (%s: %s); see %s/vm/"
		"console.log", vm_verdict_name(vr->verdict), vr->evidence, dir);
	return vr->cmd_status > 0 && vr->cmd_status <= LAB_EXIT_MAX ?
	       vr->cmd_status : LAB_EXIT_UNEXPECTED;
}

int cmd_vm_run(int argc, char **argv)
{
	struct vm_run_opts o;
	struct vm_result vr = { 0 };
	struct scenario sc;
	struct argv gargv = { 0 };
	char *dir = NULL, *vmdir = NULL, *out_base = NULL;
	const char *shares[1];
	int ret = vm_run_parse(argc, argv, &o);

	if (ret >= 0)
		goto out;
	/* bad input is found here, before a VM boots for nothing */
	ret = LAB_EXIT_USAGE;
	if (scenario_open_cli(&sc, o.scenario, o.sets, o.nsets, false)) {
		scenario_free(&sc);
		goto out;
	}
	/* a kernel without fault injection skips, before a VM boots */
	if (vm_kernel_skip_scenario(&o.vo, &sc)) {
		scenario_free(&sc);
		ret = LAB_EXIT_SKIP;
		goto out;
	}
	if (sc.nic.present && vm_run_nics(&o, &sc.nic)) {
		scenario_free(&sc);
		ret = LAB_EXIT_ENV;
		goto out;
	}
	if (!o.out_base && !o.run_dir)
		o.out_base = out_base = run_default_out_base();
	ret = LAB_EXIT_ENV;
	dir = vm_run_dir(&o, sc.name);
	if (!dir) {
		scenario_free(&sc);
		goto out;
	}
	vmdir = xasprintf("%s/vm", dir);
	guest_argv(&gargv, &o, dir);
	shares[0] = dir;
	o.vo.shares = shares;
	o.vo.nshares = 1;
	o.vo.out_dir = vmdir;
	o.vo.quiet = o.quiet;
	/* TCG boots in seconds, bpftrace attaches in ~5 s per program,
	 * stress-ng and the module's own watchdog need their margin */
	if (!o.timeout_given)
		o.vo.timeout_s = (unsigned int)((sc.duration_ms + sc.grace_ms) /
						1000 + 300);
	scenario_free(&sc);
	if (!o.quiet)
		fprintf(stderr, "labyrinth: running %s in the VM; results in "
			"%s\n", o.scenario, dir);
	vm_run(&o.vo, gargv.v, &vr);
	ret = vm_run_result(dir, &vr, o.quiet);
	vm_result_free(&vr);
out:
	argv_free(&gargv);
	free(vmdir);
	free(dir);
	free(out_base);
	free(o.sets);
	for (size_t i = 0; i < o.nmodules; i++)
		free(o.modules[i]);
	free(o.modules);
	free(o.nic_set);
	vm_kernel_free_paths(o.nic_modules);
	argv_free(&o.devices);
	return ret;
}
