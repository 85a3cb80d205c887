// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth vm sweep`: one scenario key varied across fresh VMs to the
 * smallest value at which a run crashes, OOMs or fails an atomic
 * allocation (sweep.h). Each value tried is a soak of its own (K runs,
 * cmd_soak.h's scheduler and pool: the same children, the same Ctrl-C),
 * in points/NN-VALUE/ of the sweep directory; sweep.json is rewritten
 * after every point, so an interrupted sweep keeps what finished.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "cmd_soak.h"
#include "commands.h"
#include "run.h"
#include "run_report.h"
#include "scenario.h"
#include "soak_report.h"
#include "sweep.h"
#include "util.h"
#include "vm.h"
#include "vm_kernel.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth vm sweep [OPTIONS] SCENARIO --vary KEY=LOW..HIGH\n"
"\n"
"Vary one scenario key from LOW to HIGH, each value in fresh VMs, to find\n"
"the smallest value at which a run reaches --until. Writes sweep.json,\n"
"sweep.html (the failure rate per value, plotted), summary.txt (the same\n"
"as text) and reproducer.ini (the scenario with that value, ready for\n"
"'labyrinth vm run'), beside points/ (a soak directory per value).\n"
"A value fails when any of its runs reaches --until; failures are taken\n"
"to get likelier as the value grows, and a curve where they do not is\n"
"reported as not monotone. Ctrl-C stops the runs in flight and writes\n"
"what finished.\n"
"\n"
"Search:\n"
"      --vary KEY=LOW..HIGH  the key, as --set names it (engine.rate,\n"
"                         engine.NAME.hold, scenario.ballast,\n"
"                         fail_page_alloc.probability), and its range in\n"
"                         the key's unit: 1000..40000, 10ms..2s, 64M..900M\n"
"      --until OUTCOME    crash (panic or splat; default), oom, or\n"
"                         atomic-failure (a genuine one)\n"
"      --bisect           halve the range (default) down to --resolution\n"
"      --resolution R     bisect until the failing and passing values are\n"
"                         R apart (default (HIGH-LOW)/%d, at least 1)\n"
"      --step S           instead: try LOW, LOW+S, ... HIGH, every one\n"
"  -r, --runs-per-point K runs of each value (default 1)\n"
"  -s, --set S.K=V        another scenario key for every run (repeatable)\n"
"      --kver K, --variant V   the kernel (as for 'vm run'; default 6.1)\n"
"VM (every run): -m/--mem MB, -c/--cpus N, -t/--timeout DUR, --accel A\n"
"Running:\n"
"  -j, --jobs N           VMs at once within a value (default as vm soak)\n"
"  -o, --out DIR          the sweep directory (default reports/sweep-TIME)\n"
"  -q, --quiet            no summary at the end\n"
"  -h, --help             this text\n"
"\n"
"Progress is drawn only when stderr is a terminal.\n"
"\n"
"Exit status: 0 a failing value was found (reproducer.ini written),\n"
"1 nothing in the range reached --until, or the sweep was interrupted,\n"
"2 bad arguments or scenario, 3 could not run (kernel not built, no run\n"
"of a value could run), 4 the scenario cannot run on this kernel,\n"
"5 the results could not be written.\n"
"\n"
"Examples:\n"
"  labyrinth vm sweep scenarios/default.ini --until atomic-failure \\\n"
"      --vary engine.held_cap=50000..240000 --resolution 10000\n"
"  labyrinth vm sweep scenarios/target-driver.ini -r 3 \\\n"
"      --vary engine.rate=1000..40000\n"
"  labyrinth vm sweep scenarios/oom-threshold.ini --until oom \\\n"
"      --vary scenario.ballast=64M..768M --step 64M\n"
"  labyrinth vm sweep scenarios/inject-probability.ini -r 5 \\\n"
"      --vary fail_page_alloc.probability=0.5..20 --kver 6.12\n",
		SWEEP_BISECT_DIVS);
}

/* What `vm sweep` was asked. */
struct sweep_cli {
	struct vm_opts vo;
	const char *vary, *until, *step, *resolution, *out;
	uint64_t runs;
	unsigned int jobs;
	char **sets;
	size_t nsets;
	const char *scenario;
	bool quiet, timeout_given, bisect;
};

enum {
	OPT_VARY = 0x3100, OPT_UNTIL, OPT_STEP, OPT_RESOLUTION, OPT_BISECT,
};

/* One option; 0, or -1 after saying what was wrong. */
static int sweep_opt(struct sweep_cli *o, int c, char *arg)
{
	uint64_t v;
	int ret;

	switch (c) {
	case OPT_VARY: o->vary = arg; return 0;
	case OPT_UNTIL: o->until = arg; return 0;
	case OPT_STEP: o->step = arg; return 0;
	case OPT_RESOLUTION: o->resolution = arg; return 0;
	case OPT_BISECT: o->bisect = true; return 0;
	case 'o': o->out = arg; return 0;
	case 'q': o->quiet = true; return 0;
	case 's':
		o->sets = xrealloc(o->sets, (o->nsets + 1) * sizeof(*o->sets));
		o->sets[o->nsets++] = arg;
		return 0;
	case 'r':
	case 'j':
		if (parse_u64(arg, 1, c == 'r' ? 1000 : 4096, &v)) {
			lab_err("vm sweep: %s %s: expected 1 to %d", c == 'r' ?
				"--runs-per-point" : "--jobs", arg,
				c == 'r' ? 1000 : 4096);
			return -1;
		}
		if (c == 'r')
			o->runs = v;
		else
			o->jobs = (unsigned int)v;
		return 0;
	case 'k':
		lab_err("vm sweep: --kernel is not for sweeps: they run a "
			"cached kernel (--kver; make kernel KVER=...)");
		return -1;
	case 't':
		o->timeout_given = true;
		break;
	}
	ret = vm_opts_getopt(&o->vo, "vm sweep", c, arg);
	if (ret > 0)
		lab_err("vm sweep: see 'labyrinth vm sweep --help'");
	return ret ? -1 : 0;
}

/* -1 to go on, else the exit code. */
static int sweep_parse(int argc, char **argv, struct sweep_cli *o)
{
	static const struct option longopts[] = {
		{ "vary", required_argument, NULL, OPT_VARY },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "resolution", required_argument, NULL, OPT_RESOLUTION },
		{ "bisect", no_argument, NULL, OPT_BISECT },
		{ "runs-per-point", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		VM_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *eq;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	vm_opts_init(&o->vo);
	optind = 1;
	while ((c = getopt_long(argc, argv, VM_OPTSTRING "r:s:j:o:qh",
				longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return LAB_EXIT_OK;
		}
		if (c == '?' || sweep_opt(o, c, optarg))
			return LAB_EXIT_USAGE;
	}
	if (argc - optind != 1) {
		lab_err("vm sweep: %s (see 'labyrinth vm sweep --help')",
			argc == optind ? "no SCENARIO given" :
			"one SCENARIO at a time");
		return LAB_EXIT_USAGE;
	}
	o->scenario = argv[optind];
	if (!o->vary) {
		lab_err("vm sweep: no --vary KEY=LOW..HIGH: say which key to "
			"vary, e.g. --vary engine.rate=1000..40000");
		return LAB_EXIT_USAGE;
	}
	eq = strchr(o->vary, '=');
	for (i = 0; eq && i < o->nsets; i++)
		if (!strncmp(o->sets[i], o->vary, (size_t)(eq - o->vary) + 1)) {
			lab_err("vm sweep: --set %s and --vary %s set the same "
				"key: drop the --set", o->sets[i], o->vary);
			return LAB_EXIT_USAGE;
		}
	if (o->step && (o->bisect || o->resolution)) {
		lab_err("vm sweep: --step tries every value; --bisect and "
			"--resolution are for a bisection: give one or the "
			"other");
		return LAB_EXIT_USAGE;
	}
	return -1;
}

/* ---- the plan ------------------------------------------------------------- */

/* KEY=LOW..HIGH against the scenario: the key, the range, the step. */
static int plan_key(const struct sweep_cli *o, struct scenario *sc,
		    struct sweep_plan *p)
{
	const char *eq = strchr(o->vary, '=');
	struct sc_key_info ki;
	char err[1024];
	size_t n;

	if (!eq || eq == o->vary) {
		lab_err("vm sweep: --vary '%s': expected KEY=LOW..HIGH, e.g. "
			"engine.rate=1000..40000", o->vary);
		return -1;
	}
	n = (size_t)(eq - o->vary);
	snprintf(p->key.path, sizeof(p->key.path), "%.*s", (int)n, o->vary);
	if (scenario_key_info(sc, p->key.path, &ki, err, sizeof(err))) {
		lab_err("vm sweep: %s", err);
		return -1;
	}
	if (ki.kind == SC_KEY_OTHER) {
		lab_err("vm sweep: --vary %s: [%s] %s takes %s, not a number: "
			"vary a count, a duration, a size or a percentage",
			p->key.path, ki.section, ki.name, ki.takes);
		return -1;
	}
	snprintf(p->key.section, sizeof(p->key.section), "%s", ki.section);
	snprintf(p->key.name, sizeof(p->key.name), "%s", ki.name);
	snprintf(p->key.old_name, sizeof(p->key.old_name), "%s", ki.old_name);
	p->key.kind = ki.kind;
	p->key.min = ki.min;
	p->key.max = ki.max;
	if (sweep_parse_range(&p->key, eq + 1, &p->low, &p->high, err,
			      sizeof(err))) {
		lab_err("vm sweep: --vary %s: %s", o->vary, err);
		return -1;
	}
	return 0;
}

static int plan_search(const struct sweep_cli *o, struct sweep_plan *p)
{
	/* a step or a resolution is a distance, not a value of the key */
	struct sweep_key span = p->key;
	char err[512];

	snprintf(span.path, sizeof(span.path), "a step of %.80s", p->key.path);
	uint32_t u = SWEEP_UNTIL_CRASH;

	if (o->until && vocab_parse(&vocab_sweep_until, o->until, &u) < 0) {
		lab_err("vm sweep: --until '%s': expected crash, oom or "
			"atomic-failure", o->until);
		return -1;
	}
	p->until = (enum sweep_until)u;
	p->runs_per_point = o->runs ? (unsigned int)o->runs : 1;
	p->method = o->step ? SWEEP_STEP : SWEEP_BISECT;
	if (o->step) {
		err[0] = '\0';
		span.min = 0;
		span.max = p->high - p->low;
		if (sweep_parse_value(&span, o->step, &p->step, err,
				      sizeof(err)) ||
		    sweep_round(&p->key, p->step) <= 0) {
			lab_err("vm sweep: --step %s: %s", o->step,
				err[0] ? err : "must be above 0");
			return -1;
		}
		if ((p->high - p->low) / p->step >= SWEEP_MAX_POINTS) {
			lab_err("vm sweep: --step %s: %.0f values, at most %d: "
				"take a larger step", o->step,
				(p->high - p->low) / p->step + 1,
				SWEEP_MAX_POINTS);
			return -1;
		}
		return 0;
	}
	if (o->resolution) {
		err[0] = '\0';
		span.min = 0;
		span.max = p->high - p->low;
		if (sweep_parse_value(&span, o->resolution, &p->resolution,
				      err, sizeof(err)) || !(p->resolution > 0)) {
			lab_err("vm sweep: --resolution %s: %s", o->resolution,
				err[0] ? err : "must be above 0");
			return -1;
		}
	} else {
		p->resolution = (p->high - p->low) / SWEEP_BISECT_DIVS;
	}
	if (p->key.kind != SC_KEY_NUMBER && p->resolution < 1)
		p->resolution = 1;
	return 0;
}

/* Both ends as the runs will get them: cross-key checks too (a hold on
 * a drain engine, a probability without a scope), before any VM. */
static int check_ends(const struct sweep_cli *o, struct sweep_plan *p)
{
	char **sets = xcalloc(o->nsets + 1, sizeof(*sets)), text[48];
	struct scenario sc;
	int ret = 0, end;

	if (o->nsets)
		memcpy(sets, o->sets, o->nsets * sizeof(*sets));
	for (end = 0; end < 2 && !ret; end++) {
		sweep_format_value(&p->key, end ? p->high : p->low, text,
				   sizeof(text));
		sets[o->nsets] = xasprintf("%s=%s", p->key.path, text);
		ret = scenario_open_cli(&sc, o->scenario, sets, o->nsets + 1,
					false);
		if (ret)
			lab_err("vm sweep: --vary %s: the scenario does not "
				"take %s = %s (above)", o->vary, p->key.path,
				text);
		scenario_free(&sc);
		free(sets[o->nsets]);
	}
	free(sets);
	return ret;
}

/* -1 to go on, else the exit code. */
static int plan_from_cli(const struct sweep_cli *o, struct sweep_plan *p)
{
	struct scenario sc;
	char err[256], kname[40], why[512];
	const struct vm_kernel *vk;
	int ret = LAB_EXIT_USAGE;
	size_t i;

	if (scenario_open_cli(&sc, o->scenario, o->sets, o->nsets, false))
		goto out;
	p->file = xstrdup(o->scenario);
	snprintf(p->name, sizeof(p->name), "%s", sc.name);
	memcpy(p->sha256, sc.sha256, sizeof(p->sha256));
	p->expect = sc.expect;
	snprintf(kname, sizeof(kname), "%s%s", o->vo.kver ?: VM_KVER_DEFAULT,
		 strcmp(o->vo.variant, "debug") ? "" : "-debug");
	if (soak_kernel_parse(kname, &p->kernel, err, sizeof(err))) {
		lab_err("vm sweep: --kver %s", err);
		goto out;
	}
	if (plan_key(o, &sc, p) || plan_search(o, p) || check_ends(o, p))
		goto out;
	vk = vm_kernel_find(p->kernel.kver);
	if (vk && vm_kernel_scenario_lacks(vk, p->kernel.variant, &sc, why,
					   sizeof(why))) {
		lab_err("vm sweep: %s: skipped on %s: %s", o->scenario,
			p->kernel.name, why);
		ret = LAB_EXIT_SKIP;
		goto out;
	}
	p->sets = xcalloc(o->nsets + 1, sizeof(*p->sets));
	for (i = 0; i < o->nsets; i++)
		p->sets[p->nsets++] = xstrdup(o->sets[i]);
	p->mem_mb = o->vo.mem_mb;
	p->cpus = o->vo.cpus;
	p->timeout_s = o->timeout_given ? o->vo.timeout_s : 0;
	snprintf(p->accel, sizeof(p->accel), "%s", o->vo.accel);
	ret = -1;
out:
	scenario_free(&sc);
	return ret;
}

/* ---- the search ----------------------------------------------------------- */

struct sweep_ctx {
	struct sweep s;
	const struct sweep_cli *o;
	char *dir;		/* absolute */
	char head[512];		/* the progress line above the point's */
	double t0;		/* now_mono() at the start */
};

static void progress_head(struct sweep_ctx *x, const struct sweep_point *pt)
{
	size_t i, n;

	n = (size_t)snprintf(x->head, sizeof(x->head), "sweep %s, %s until "
			     "%s: value #%zu, %s", x->s.plan.key.path,
			     x->s.plan.method == SWEEP_BISECT ? "bisecting" :
			     "stepping", vocab_str(&vocab_sweep_until,
						   x->s.plan.until),
			     x->s.npoints, pt->text);
	for (i = 0; i + 1 < x->s.npoints && n < sizeof(x->head); i++)
		n += (size_t)snprintf(x->head + n, sizeof(x->head) - n,
				      "%s%s %u/%u", i ? ", " : "; so far ",
				      x->s.points[i].text, x->s.points[i].hits,
				      x->s.points[i].ran);
}

/* The soak of one value; -1 to go on, else the sweep's exit code. */
static int point_soak(struct sweep_ctx *x, struct sweep_point *pt)
{
	const struct sweep_cli *o = x->o;
	char **sets = xcalloc(o->nsets + 1, sizeof(*sets));
	char *file = (char *)o->scenario, *path;
	struct soak_cli so;
	struct soak_run_ctx *c;
	int ret;

	memset(&so, 0, sizeof(so));
	so.vo = o->vo;
	so.iterations = x->s.plan.runs_per_point;
	so.scenarios = &file;
	so.nscenarios = 1;
	if (o->nsets)
		memcpy(sets, o->sets, o->nsets * sizeof(*sets));
	sets[o->nsets] = xasprintf("%s=%s", x->s.plan.key.path, pt->text);
	so.sets = sets;
	so.nsets = o->nsets + 1;
	so.timeout_given = o->timeout_given;
	c = soak_ctx_new(true, o->jobs);
	c->who = "vm sweep";
	c->nested = true;
	progress_head(x, pt);
	c->head = x->head;
	path = xasprintf("%s/%s", x->dir, pt->dir);
	ret = soak_plan_from_cli(&so, &c->s.plan, c->sc) ? LAB_EXIT_USAGE :
	      soak_ctx_create(c, path);
	if (ret < 0)
		ret = soak_ctx_run(c);
	sweep_point_from_soak(pt, x->s.plan.until, &c->s);
	x->s.interrupted = c->interrupted || soak_stop_signal();
	/* the point's own verdicts are its soak's business: only what
	 * stops the search is ours */
	if (ret == LAB_EXIT_UNEXPECTED || ret == LAB_EXIT_OK)
		ret = -1;
	soak_ctx_free(c);
	free(path);
	free(sets[o->nsets]);
	free(sets);
	return ret;
}

static int run_point(struct sweep_ctx *x, double value)
{
	struct sweep_point *pt;
	char err[1024];
	int ret;

	x->s.points = xrealloc(x->s.points, (x->s.npoints + 1) *
			       sizeof(*x->s.points));
	pt = &x->s.points[x->s.npoints++];
	memset(pt, 0, sizeof(*pt));
	sweep_format_value(&x->s.plan.key, value, pt->text, sizeof(pt->text));
	pt->value = value;	/* sweep_round()ed: what the text says */
	snprintf(pt->dir, sizeof(pt->dir), "%s/%02zu-%s", SWEEP_POINTS,
		 x->s.npoints - 1, pt->text);
	ret = point_soak(x, pt);
	if (x->s.interrupted || (ret < 0 && sweep_point_decided(pt))) {
		/* on to the next value, or to the end */
	} else if (pt->runs && !sweep_point_decided(pt)) {
		snprintf(x->s.stop_reason, sizeof(x->s.stop_reason),
			 "no run of %s = %s could run (%u infrastructure "
			 "error(s)): see %s/%s", x->s.plan.key.path, pt->text,
			 pt->infra, pt->dir, SOAK_HTML);
		lab_err("vm sweep: %s", x->s.stop_reason);
		x->s.stopped = true;
		ret = LAB_EXIT_ENV;
	} else {
		snprintf(x->s.stop_reason, sizeof(x->s.stop_reason),
			 "the soak of %s = %s could not run (exit status %d)",
			 x->s.plan.key.path, pt->text, ret);
		x->s.stopped = true;
		if (ret < 0)
			ret = LAB_EXIT_ENV;
	}
	x->s.elapsed_s = now_mono() - x->t0;
	if (sweep_write_all(x->dir, &x->s, err, sizeof(err)))
		lab_warn("vm sweep: %s", err);
	return ret;
}

/* The scenario with every --set and the smallest failing value in its
 * text, parsed like any scenario before it is kept. */
static int write_reproducer(struct sweep_ctx *x, const struct scenario *sc)
{
	const struct sweep_plan *p = &x->s.plan;
	const struct sweep_point *f = &x->s.points[x->s.res.smallest_failing];
	char *text = xstrdup(sc->text), *t, *path, *comment, err[1024];
	struct scenario chk, tmp;
	struct sc_key_info ki;
	size_t i;
	int ret = 0;

	memset(&chk, 0, sizeof(chk));
	scenario_parse_string(&tmp, p->file, sc->text, err, sizeof(err));
	for (i = 0; i < p->nsets && !ret; i++) {
		char *path_i = xstrdup(p->sets[i]), *eq = strchr(path_i, '=');

		*eq = '\0';
		ret = scenario_key_info(&tmp, path_i, &ki, err, sizeof(err));
		t = ret ? text : scenario_text_set(text, ki.section, ki.name,
			ki.old_name, eq + 1, "set by vm sweep --set");
		if (t != text)
			free(text);
		text = t;
		free(path_i);
	}
	scenario_free(&tmp);
	comment = xasprintf("labyrinth vm sweep: the smallest value of %s "
			    "at which a run reached %s (%u of %u runs; %s%s)",
			    p->key.path, vocab_str(&vocab_sweep_until, p->until),
			    f->hits, f->ran, x->s.res.largest_passing >= 0 ?
			    x->s.points[x->s.res.largest_passing].text :
			    "the lowest value tried",
			    x->s.res.largest_passing >= 0 ? " passed" : "");
	t = scenario_text_set(text, p->key.section, p->key.name,
			      p->key.old_name, f->text, comment);
	free(text);
	free(comment);
	path = xasprintf("%s/%s", x->dir, SWEEP_REPRO);
	if (ret || write_file_atomic(path, t, strlen(t)) ||
	    scenario_open_cli(&chk, path, NULL, 0, false)) {
		lab_err("vm sweep: internal: the reproducer %s could not be "
			"written or does not parse (above)", path);
		unlink(path);
		ret = -1;
	} else {
		snprintf(x->s.res.reproducer, sizeof(x->s.res.reproducer),
			 "%s", SWEEP_REPRO);
	}
	scenario_free(&chk);
	free(path);
	free(t);
	return ret;
}

/* A new, empty sweep directory (the default: reports/sweep-TIME). */
static int make_dir(struct sweep_ctx *x)
{
	char *dir;
	int ret;

	dir = x->o->out ? xstrdup(x->o->out) : run_default_stamped_dir("sweep");
	ret = mkdir_p(dir, 0755);
	if (!ret && rmdir(dir) == 0)
		ret = mkdir(dir, 0755) ? -errno : 0;
	else if (!ret)
		ret = -ENOTEMPTY;
	if (ret) {
		lab_err("vm sweep: %s: %s: choose another --out", dir,
			ret == -ENOTEMPTY ? "not empty" : strerror(-ret));
		free(dir);
		return ret == -ENOTEMPTY ? LAB_EXIT_USAGE : LAB_EXIT_ENV;
	}
	x->dir = realpath(dir, NULL);
	free(dir);
	return -1;
}

static int sweep_exit_code(const struct sweep *s, int ret)
{
	if (ret >= 0 && ret != LAB_EXIT_UNEXPECTED)
		return ret;
	if (s->interrupted)
		return LAB_EXIT_UNEXPECTED;
	return s->res.found == SWEEP_FOUND_BOUNDARY ||
	       s->res.found == SWEEP_FOUND_AT_LOW ? LAB_EXIT_OK :
	       LAB_EXIT_UNEXPECTED;
}

/* Try values until the search is over, or stopped; the exit code. */
static int search(struct sweep_ctx *x)
{
	struct scenario sc;
	char err[1024];
	double v;
	int ret = -1;

	memset(&sc, 0, sizeof(sc));
	soak_signals_catch();
	while (ret < 0 && !soak_stop_signal() && sweep_next(&x->s, &v))
		ret = run_point(x, v);
	x->s.interrupted |= soak_stop_signal() != 0;
	soak_signals_release();
	if (x->s.interrupted)
		lab_err("vm sweep: interrupted: %zu value(s) tried, the last "
			"one's finished runs kept", x->s.npoints);
	sweep_analyse(&x->s);
	if (x->s.res.smallest_failing >= 0 &&
	    !scenario_open_cli(&sc, x->o->scenario, NULL, 0, false) &&
	    write_reproducer(x, &sc))
		ret = LAB_EXIT_INTERNAL;
	scenario_free(&sc);
	x->s.elapsed_s = now_mono() - x->t0;
	if (sweep_write_all(x->dir, &x->s, err, sizeof(err))) {
		lab_err("vm sweep: %s", err);
		return LAB_EXIT_INTERNAL;
	}
	return sweep_exit_code(&x->s, ret);
}

int cmd_vm_sweep(int argc, char **argv)
{
	struct sweep_cli o;
	struct sweep_ctx x;
	int ret = sweep_parse(argc, argv, &o);

	memset(&x, 0, sizeof(x));
	sweep_init(&x.s);
	x.o = &o;
	if (ret >= 0)
		goto out;
	ret = plan_from_cli(&o, &x.s.plan);
	if (ret < 0)
		ret = make_dir(&x);
	if (ret >= 0)
		goto out;
	x.t0 = now_mono();
	run_iso_time(now_wall(), x.s.start_time, sizeof(x.s.start_time));
	ret = search(&x);
	if (!o.quiet) {
		char *s = sweep_summary_string(&x.s);

		fputs(s, stdout);
		free(s);
	}
	printf("Sweep: %s/%s\n", x.dir, SWEEP_HTML);
out:
	sweep_free(&x.s);
	free(x.dir);
	free(o.sets);
	return ret;
}
