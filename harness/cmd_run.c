// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth run`, `labyrinth list`, `labyrinth check`: the scenario
 * subcommands. Option parsing and help here; the run itself is run.c.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_run.h"
#include "commands.h"
#include "run.h"
#include "scenario.h"
#include "util.h"

static void run_usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth run [OPTIONS] SCENARIO\n"
"\n"
"Run one scenario here (as root: in the labyrinth VM, or on a test\n"
"machine): save and set the kernel knobs it names, load the module, start\n"
"stress-ng and bpftrace, spam the reserves, sample /proc and the module\n"
"every sample_interval, restore every knob, and write the report into\n"
"a new directory under reports/. Exit 0 when the scenario's expect= was\n"
"met, 1 when not, 2 bad scenario, 3 cannot run here, 4 skipped (e.g. no\n"
"fault injection in this kernel), 5 internal error; the driver under test\n"
"(--module, [target]): 6 did not load, 7 setup failed, 8 check failed,\n"
"9 did not unload.\n"
"\n"
"Options:\n"
"  -s, --set SECTION.KEY=VALUE  override a scenario key (repeatable), with\n"
"                               the same checks as the file; engines:\n"
"                               engine.NAME.KEY (or engine.KEY if only one)\n"
"  -o, --out DIR                parent of the run directory (default:\n"
"                               reports/ of the source tree)\n"
"      --run-dir DIR            exactly this run directory\n"
"      --state-dir DIR          knob state and lock (default %s)\n"
"      --outside-vm             run a vm_only scenario on this machine\n"
"      --module 'PATH.ko [param=value ...]'\n"
"                               the driver under test: loaded before the\n"
"                               scenario, unloaded after (repeatable)\n"
"      --nic-module PATH        [nic]: load this driver module first\n"
"                               (repeatable, dependencies first; what\n"
"                               'vm run --nic' passes to the guest)\n"
"  -q, --quiet                  no progress line and no summary\n"
"  -h, --help                   this help\n"
"\n"
"Examples:\n"
"  labyrinth vm run scenarios/default.ini       # the usual way: in a VM\n"
"  sudo labyrinth run scenarios/drain-hrtimer.ini\n"
"  labyrinth run scenarios/target-driver.ini \\\n"
"      --set 'fail_page_alloc.scope=chain:lab_refill_tick=>lab_refill_ring'\n"
"  labyrinth run scenarios/irq-under-pressure.ini --set engine.irq.rate=20000\n"
"\n"
"Keys: 'labyrinth check --keys'. Shipped scenarios: 'labyrinth list'.\n",
		KNOBS_STATE_DIR_DOC);
}

int scenario_open_cli(struct scenario *sc, const char *path, char **sets,
		      size_t nsets, bool notes)
{
	char err[1024], *scripts = run_script_dir(path);
	size_t i;

	memset(sc, 0, sizeof(*sc));
	sc->script_dir = scripts;
	if (scenario_load(sc, path, err, sizeof(err)) && !sc->nerrors) {
		lab_err("%s", err);	/* not read at all */
		free(scripts);
		return -1;
	}
	for (i = 0; i < nsets; i++)
		scenario_set(sc, sets[i], err, sizeof(err));
	scenario_finish(sc, err, sizeof(err));
	sc->script_dir = NULL;
	free(scripts);
	for (i = 0; notes && i < sc->nnotes; i++)
		fprintf(stderr, "labyrinth: note: %s\n", sc->notes[i]);
	for (i = 0; i < sc->nerrors; i++)
		lab_err("%s", sc->errors[i]);
	if (sc->nerrors > 1)
		lab_err("%s: %zu errors", path, sc->nerrors);
	return sc->nerrors ? -1 : 0;
}

static char *join_argv(int argc, char **argv)
{
	char *s = xstrdup("labyrinth"), *n;
	int i;

	for (i = 0; i < argc; i++) {
		n = xasprintf("%s %s", s, argv[i]);
		free(s);
		s = n;
	}
	return s;
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_RUN_DIR = 256, OPT_STATE, OPT_OUTSIDE, OPT_MODULE,
	       OPT_NIC_MODULE };
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "outside-vm", no_argument, NULL, OPT_OUTSIDE },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "nic-module", required_argument, NULL, OPT_NIC_MODULE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct run_opts o = { 0 };
	struct scenario sc;
	char **sets = NULL, *out = NULL, *scripts, *cmdline;
	size_t nsets = 0, nmods = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			sets[nsets++] = optarg;
			break;
		case 'o':
			o.out_base = optarg;
			break;
		case OPT_RUN_DIR:
			o.run_dir = optarg;
			break;
		case OPT_STATE:
			o.state_dir = optarg;
			break;
		case OPT_OUTSIDE:
			o.allow_outside_vm = true;
			break;
		case OPT_MODULE:
			o.modules = xrealloc(o.modules, (o.nmodules + 1) *
					     sizeof(*o.modules));
			o.modules[o.nmodules++] = optarg;
			break;
		case OPT_NIC_MODULE:
			o.nic_modules = xrealloc(o.nic_modules, (nmods + 2) *
						 sizeof(char *));
			o.nic_modules[nmods++] = optarg;
			o.nic_modules[nmods] = NULL;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			run_usage(stdout);
			ret = LAB_EXIT_OK;
			goto out_sets;
		default:
			run_usage(stderr);
			ret = LAB_EXIT_USAGE;
			goto out_sets;
		}
	}
	ret = LAB_EXIT_USAGE;
	if (optind != argc - 1) {
		lab_err("run: expected one SCENARIO file (see 'labyrinth run "
			"--help'; 'labyrinth list' shows the shipped ones)");
		goto out_sets;
	}
	if (scenario_open_cli(&sc, argv[optind], sets, nsets, false)) {
		scenario_free(&sc);
		goto out_sets;
	}
	free(sets);
	sets = NULL;
	scripts = run_script_dir(argv[optind]);
	if (!o.out_base && !o.run_dir)
		o.out_base = out = run_default_out_base();
	o.script_dir = scripts;
	o.command = cmdline = join_argv(argc, argv);
	ret = run_scenario(&sc, &o);
	scenario_free(&sc);
	free(scripts);
	free(out);
	free(cmdline);
out_sets:
	free(sets);
	free(o.nic_modules);
	free(o.modules);
	return ret;
}

/* ---- list ---------------------------------------------------------------- */

static char *scenario_dir(void)
{
	char exe[4096], *s;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		s = strrchr(exe, '/');
		if (s) {
			char *p;

			*s = '\0';
			p = xasprintf("%s/../scenarios", exe);
			if (!access(p, F_OK))
				return p;
			free(p);
			p = xasprintf("%s/../share/labyrinth/scenarios", exe);
			if (!access(p, F_OK))
				return p;
			free(p);
		}
	}
	return xstrdup("scenarios");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(int argc, char **argv)
{
	char *dir = NULL, **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int bad = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--help"))) {
		printf("Usage: labyrinth list [DIR]\n\n"
		       "One line per shipped scenario (or per .ini in DIR):\n"
		       "name, expected outcome, and its opening comment.\n\n"
		       "Examples:\n"
		       "  labyrinth list\n"
		       "  labyrinth list ~/my-scenarios\n");
		return LAB_EXIT_OK;
	}
	if (argc > 2) {
		lab_err("list: at most one directory");
		return LAB_EXIT_USAGE;
	}
	dir = argc == 2 ? xstrdup(argv[1]) : scenario_dir();
	d = opendir(dir);
	if (!d) {
		lab_err("list: cannot open %s: %m", dir);
		free(dir);
		return LAB_EXIT_USAGE;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".ini")) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]), err[512];
		struct scenario sc;
		char *sum;

		memset(&sc, 0, sizeof(sc));
		if (scenario_load(&sc, p, err, sizeof(err)) ||
		    scenario_finish(&sc, err, sizeof(err))) {
			printf("%-24s %-15s INVALID: %s\n", names[i], "-", err);
			bad = 1;
		} else {
			sum = sc.description[0] ? xstrdup(sc.description) :
			      scenario_summary_line(sc.text);
			/* one line, under 80 columns */
			printf("%-22.*s %-14s %.41s%s\n",
			       (int)(strlen(names[i]) - 4), names[i],
			       vocab_str(&vocab_expect, sc.expect), sum,
			       strlen(sum) > 41 ? "..." : "");
			free(sum);
		}
		scenario_free(&sc);	/* safe after a failed load too */
		free(p);
		free(names[i]);
	}
	free(names);
	free(dir);
	return bad ? LAB_EXIT_USAGE : LAB_EXIT_OK;
}

/* ---- check --------------------------------------------------------------- */

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "keys", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char **sets = NULL;
	size_t nsets = 0, i;
	int c, quiet = 0, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:kqh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			sets[nsets++] = optarg;
			break;
		case 'k':
			scenario_print_keys(stdout);
			free(sets);
			return LAB_EXIT_OK;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			printf(
"Usage: labyrinth check [--set S.K=V]... SCENARIO...\n"
"       labyrinth check --keys\n"
"\n"
"Validate scenario files without running them: syntax, every key and\n"
"value, cross-key rules, [trace] scripts present. Errors name the file,\n"
"line and key. --keys lists every section and key with what it allows.\n"
"\n"
"Examples:\n"
"  labyrinth check scenarios/*.ini\n"
"  labyrinth check --set engine.irq.rate=5000 scenarios/irq-under-pressure.ini\n"
"  labyrinth check --keys | less\n");
			free(sets);
			return LAB_EXIT_OK;
		default:
			free(sets);
			return LAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		lab_err("check: expected SCENARIO file(s) (or --keys)");
		free(sets);
		return LAB_EXIT_USAGE;
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		struct scenario sc;

		if (scenario_open_cli(&sc, argv[i], sets, nsets, true)) {
			bad = 1;
		} else if (!quiet) {
			size_t e;

			printf("%s: ok: expect %s, %zu engine%s%s%s%s%s\n",
			       argv[i], vocab_str(&vocab_expect, sc.expect),
			       sc.nengines,
			       sc.nengines == 1 ? "" : "s",
			       sc.inject[INJ_PAGE_ALLOC].present ?
			       ", fail_page_alloc" : "",
			       sc.inject[INJ_SLAB].present ? ", failslab" : "",
			       sc.pressure.present ? ", stress-ng" : "",
			       sc.vm_only ? ", VM only" : "");
			for (e = 0; e < sc.nengines; e++)
				printf("  engine %-10s %-8s %llu/s/CPU burst "
				       "%llu %s\n", sc.engine[e].name,
				       vocab_str(&vocab_context,
						 sc.engine[e].context),
				       (unsigned long long)sc.engine[e].rate,
				       (unsigned long long)sc.engine[e].burst,
				       vocab_str(&vocab_policy, sc_engine_policy(
						 &sc.engine[e])));
		}
		scenario_free(&sc);
	}
	free(sets);
	return bad ? LAB_EXIT_USAGE : LAB_EXIT_OK;
}
