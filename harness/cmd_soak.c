// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth vm soak`: every scenario of a plan, again and again, each run
 * in a fresh VM (vm_pool.h), on every kernel of a matrix, into one soak
 * directory (soak.h). `labyrinth soak merge` (cmd_soak_merge.c) puts the
 * shards of one soak back together.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "cmd_soak.h"
#include "commands.h"
#include "run_report.h"
#include "scenario.h"
#include "soak.h"
#include "soak_report.h"
#include "util.h"
#include "vm.h"
#include "vm_kernel.h"
#include "vm_pool.h"

#define SOAK_DEFAULT_ITERATIONS 10

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth vm soak [OPTIONS] SCENARIO...\n"
"       labyrinth vm soak --resume DIR [-j JOBS] [-q]\n"
"\n"
"Run every scenario again and again, each run in a fresh VM, on every\n"
"kernel of the matrix, and write the aggregate: soak.json (the source of\n"
"the rest), soak.html (verdict counts, flaky scenarios, the distribution\n"
"of every threshold, a link to each run's report), junit.xml (one test\n"
"case per scenario x kernel) and summary.txt, beside runs/ (each run's\n"
"own result directory). A panic, hang or infrastructure error in one run\n"
"never ends the soak. Ctrl-C stops the runs in flight and writes the\n"
"aggregate of the finished ones; --resume DIR continues.\n"
"\n"
"Plan:\n"
"  -n, --iterations N     runs of each scenario on each kernel (default %d)\n"
"  -d, --duration DUR     instead: start runs until DUR has passed\n"
"                         (e.g. 8h; the runs then in flight finish)\n"
"      --matrix LIST      kernels, e.g. 6.1,6.12,stock,6.1-debug\n"
"                         (default: --kver, else 6.1)\n"
"      --kver K, --variant V   one kernel (as for 'vm run')\n"
"  -s, --set S.K=V        override a scenario key in every run (repeatable)\n"
"      --shard [KERNEL:]K/N   run only this machine's share: K of N equal\n"
"                         shares of every scenario's iterations; with\n"
"                         KERNEL, of that kernel's runs only (a CI job\n"
"                         per kernel and shard; the other kernels need\n"
"                         not be built). 'labyrinth soak merge' puts the\n"
"                         shards together\n"
"      --id NAME          the soak's name (default: a hash of the plan,\n"
"                         the same on every shard); KCIDB ids use it\n"
"VM (every run): -m/--mem MB, -c/--cpus N, -t/--timeout DUR, --accel A\n"
"Running:\n"
"  -j, --jobs N           VMs at once (default: one per CPU, as many as\n"
"                         memory holds counting each VM's --mem)\n"
"  -o, --out DIR          the soak directory (default reports/soak-TIME)\n"
"      --resume DIR       continue an interrupted soak (its plan)\n"
"  -q, --quiet            no summary at the end\n"
"  -h, --help             this text\n"
"\n"
"Progress (runs done/total, running, elapsed, ETA, verdicts per scenario)\n"
"is drawn only when stderr is a terminal.\n"
"\n"
"Exit status: 0 every run met its expectation (skips allowed), 1 a run\n"
"did not (a verdict other than expected, a timeout, an infrastructure\n"
"error) or the soak was interrupted, 2 bad arguments or scenarios, 3 could\n"
"not run (kernel not built, no run could start a VM), 4 every run was\n"
"skipped, 5 the aggregate could not be written.\n"
"\n"
"Examples:\n"
"  labyrinth vm soak -n 50 scenarios/default.ini\n"
"  labyrinth vm soak -n 3 -j 2 scenarios/default.ini scenarios/panic-on-oom.ini\n"
"  labyrinth vm soak --matrix 6.1,6.12,stock -n 20 -o soak/ scenarios/*.ini\n"
"  labyrinth vm soak --duration 8h --matrix 6.1-debug scenarios/churn-soak.ini\n"
"  labyrinth vm soak --shard 2/4 --id ci-42 -n 100 -o s2 scenarios/default.ini\n"
"  labyrinth vm soak --matrix 6.1,6.12 --shard 6.12:1/2 -o s3 scenarios/*.ini\n"
"  labyrinth vm soak --resume reports/soak-20261129T101500Z\n"
"  labyrinth compare --old-kernel 6.1 --new-kernel 6.12 soak/ soak/\n",
		SOAK_DEFAULT_ITERATIONS);
}

enum {
	OPT_MATRIX = 0x3000, OPT_RESUME, OPT_SHARD, OPT_ID,
};

static int soak_opt_plan(struct soak_cli *o, int c, char *arg)
{
	switch (c) {
	case 'n':
		if (parse_u64(arg, 1, 1000000000, &o->iterations)) {
			lab_err("vm soak: --iterations %s: expected 1 to 1e9",
				arg);
			return -1;
		}
		return 0;
	case 'd':
		if (parse_duration_ms(arg, 1000, 365ULL * 86400 * 1000,
				      &o->duration_ms)) {
			lab_err("vm soak: --duration %s: expected a duration "
				"from 1s to 365d, e.g. 30m or 8h", arg);
			return -1;
		}
		return 0;
	case 's':
		o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
		o->sets[o->nsets++] = arg;
		return 0;
	case OPT_MATRIX:
		o->matrix = arg;
		return 0;
	case OPT_SHARD:
		o->shard = arg;
		return 0;
	case OPT_ID:
		o->id = arg;
		return 0;
	}
	return 1;
}

/* One option; 0, or -1 after saying what was wrong. */
static int soak_opt(struct soak_cli *o, int c, char *arg)
{
	uint64_t v;
	int ret = soak_opt_plan(o, c, arg);

	if (ret <= 0) {
		o->plan_given = true;
		return ret;
	}
	switch (c) {
	case 'j':
		if (parse_u64(arg, 1, 4096, &v)) {
			lab_err("vm soak: --jobs %s: expected 1 to 4096", arg);
			return -1;
		}
		o->jobs = (unsigned int)v;
		return 0;
	case 'o':
		o->out = arg;
		return 0;
	case OPT_RESUME:
		o->resume = arg;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'k':
		lab_err("vm soak: --kernel is not for soaks: they run the "
			"cached kernels of --matrix (make kernel KVER=...)");
		return -1;
	case 't':
		o->timeout_given = true;
		break;
	}
	o->vm_given = true;
	ret = vm_opts_getopt(&o->vo, "vm soak", c, arg);
	if (ret > 0)
		lab_err("vm soak: see 'labyrinth vm soak --help'");
	return ret ? -1 : 0;
}

/* -1 to go on, else the exit code. */
static int soak_parse(int argc, char **argv, struct soak_cli *o)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "matrix", required_argument, NULL, OPT_MATRIX },
		{ "set", required_argument, NULL, 's' },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "id", required_argument, NULL, OPT_ID },
		{ "jobs", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "resume", required_argument, NULL, OPT_RESUME },
		{ "quiet", no_argument, NULL, 'q' },
		VM_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	vm_opts_init(&o->vo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+" VM_OPTSTRING "n:d:s:j:o:qh",
				longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return LAB_EXIT_OK;
		}
		if (c == '?' || soak_opt(o, c, optarg))
			return LAB_EXIT_USAGE;
	}
	o->scenarios = argv + optind;
	o->nscenarios = (size_t)(argc - optind);
	if (o->resume && (o->plan_given || o->vm_given || o->nscenarios ||
			  o->out)) {
		lab_err("vm soak: with --resume the plan is the soak's own: "
			"give only -j and -q");
		return LAB_EXIT_USAGE;
	}
	if (!o->resume && !o->nscenarios) {
		lab_err("vm soak: no SCENARIO given (see 'labyrinth vm soak "
			"--help')");
		return LAB_EXIT_USAGE;
	}
	if (o->iterations && o->duration_ms) {
		lab_err("vm soak: --iterations or --duration, not both");
		return LAB_EXIT_USAGE;
	}
	return -1;
}

/* "[KERNEL:]K/N", KERNEL one of the plan's */
static int parse_shard(const char *s, struct soak_plan *p)
{
	uint64_t a, b;
	const char *colon = s ? strchr(s, ':') : NULL, *slash;
	char *left;
	size_t i;
	int ret;

	p->shard = p->nshards = 1;
	p->shard_kernel = -1;
	if (!s)
		return 0;
	if (colon) {
		for (i = 0; i < p->nk; i++)
			if (strlen(p->k[i].name) == (size_t)(colon - s) &&
			    !strncmp(p->k[i].name, s, (size_t)(colon - s)))
				p->shard_kernel = (int)i;
		if (p->shard_kernel < 0) {
			lab_err("vm soak: --shard %s: '%.*s' is not a kernel "
				"of --matrix", s, (int)(colon - s), s);
			return -1;
		}
		s = colon + 1;
	}
	slash = strchr(s, '/');
	if (!slash)
		goto bad;
	left = xasprintf("%.*s", (int)(slash - s), s);
	ret = parse_u64(left, 1, 1000000, &a) ||
	      parse_u64(slash + 1, 1, 1000000, &b);
	free(left);
	if (ret || a > b)
		goto bad;
	p->shard = (unsigned int)a;
	p->nshards = (unsigned int)b;
	return 0;
bad:
	lab_err("vm soak: --shard %s: expected [KERNEL:]K/N with 1 <= K <= N, "
		"e.g. 2/4 or 6.12:1/2", s);
	return -1;
}

static int plan_kernels(const struct soak_cli *o, struct soak_plan *p)
{
	char *list, *w, *save = NULL, err[256];
	size_t i;
	int ret = 0;

	if (o->matrix)
		list = xstrdup(o->matrix);
	else if (!strcmp(o->vo.variant, "debug"))
		list = xasprintf("%s-debug", o->vo.kver ?: VM_KVER_DEFAULT);
	else
		list = xstrdup(o->vo.kver ?: VM_KVER_DEFAULT);
	for (w = strtok_r(list, ",", &save); w && !ret;
	     w = strtok_r(NULL, ",", &save)) {
		if (p->nk == SOAK_MAX_KERNELS) {
			lab_err("vm soak: --matrix: at most %d kernels",
				SOAK_MAX_KERNELS);
			ret = -1;
		} else if (soak_kernel_parse(w, &p->k[p->nk], err,
					     sizeof(err))) {
			lab_err("vm soak: --matrix %s", err);
			ret = -1;
		} else {
			for (i = 0; i < p->nk; i++)
				if (!strcmp(p->k[i].name, w))
					break;
			if (i < p->nk) {
				lab_err("vm soak: --matrix names %s twice", w);
				ret = -1;
			}
			p->nk++;
		}
	}
	if (!ret && !p->nk) {
		lab_err("vm soak: --matrix is empty");
		ret = -1;
	}
	free(list);
	return ret;
}

/* The id the user gave: safe in a file name and a KCIDB id. */
static int plan_id(const char *id, struct soak_plan *p)
{
	if (!id) {
		soak_plan_default_id(p);
		return 0;
	}
	if (!*id || strlen(id) >= sizeof(p->id) ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != strlen(id)) {
		lab_err("vm soak: --id '%s': expected 1 to %zu letters, "
			"digits, '.', '_' or '-'", id, sizeof(p->id) - 1);
		return -1;
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	return 0;
}

int soak_plan_from_cli(const struct soak_cli *o, struct soak_plan *p,
		       struct scenario *sc)
{
	size_t i, j;

	memset(p, 0, sizeof(*p));
	if (o->nscenarios > SOAK_MAX_SCENARIOS) {
		lab_err("vm soak: at most %d scenarios", SOAK_MAX_SCENARIOS);
		return -1;
	}
	if (plan_kernels(o, p) || parse_shard(o->shard, p))
		return -1;
	p->sc = xcalloc(o->nscenarios, sizeof(*p->sc));
	for (i = 0; i < o->nscenarios; i++) {
		p->nsc++;
		if (scenario_open_cli(&sc[i], o->scenarios[i], o->sets,
				      o->nsets, false))
			return -1;
		p->sc[i].file = xstrdup(o->scenarios[i]);
		snprintf(p->sc[i].name, sizeof(p->sc[i].name), "%s",
			 sc[i].name);
		memcpy(p->sc[i].sha256, sc[i].sha256, sizeof(p->sc[i].sha256));
		p->sc[i].expect = sc[i].expect;
		for (j = 0; j < i; j++)
			if (!strcmp(p->sc[j].name, p->sc[i].name)) {
				lab_err("vm soak: %s and %s are both named '%s':"
					" a soak counts by name", p->sc[j].file,
					p->sc[i].file, p->sc[i].name);
				return -1;
			}
	}
	p->sets = xcalloc(o->nsets ? o->nsets : 1, sizeof(*p->sets));
	for (i = 0; i < o->nsets; i++)
		p->sets[p->nsets++] = xstrdup(o->sets[i]);
	p->iterations = o->duration_ms ? 0 : o->iterations ?:
			SOAK_DEFAULT_ITERATIONS;
	p->duration_s = (o->duration_ms + 999) / 1000;
	p->mem_mb = o->vo.mem_mb;
	p->cpus = o->vo.cpus;
	p->timeout_s = o->timeout_given ? o->vo.timeout_s : 0;
	snprintf(p->accel, sizeof(p->accel), "%s", o->vo.accel);
	return plan_id(o->id, p);
}

int cmd_vm_soak(int argc, char **argv)
{
	struct soak_cli o;
	struct soak_run_ctx *c = NULL;
	int ret = soak_parse(argc, argv, &o);

	if (ret >= 0)
		goto out;
	c = soak_ctx_new(o.quiet, o.jobs);
	if (o.resume) {
		ret = soak_ctx_resume(c, o.resume);
	} else {
		ret = soak_plan_from_cli(&o, &c->s.plan, c->sc) ?
		      LAB_EXIT_USAGE :
		      soak_ctx_create(c, o.out);
	}
	if (ret < 0)
		ret = soak_ctx_run(c);
out:
	soak_ctx_free(c);
	free(o.sets);
	return ret;
}
