// SPDX-License-Identifier: GPL-2.0
/*
 * A soak as it runs (cmd_soak.h): the soak directory made or reopened,
 * one run per index of the plan's shard started in the pool as slots
 * free up, each finished run's record written beside it and into
 * soak.json at once (so an interrupted soak loses only the runs in
 * flight), and at the end every format of the aggregate.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "cmd_soak.h"
#include "run.h"
#include "run_report.h"
#include "soak_report.h"
#include "vm.h"
#include "vm_kernel.h"

/* vm run stops its QEMU within ~2.5 s of SIGTERM */
#define SOAK_STOP_GRACE_S 20.0

static volatile sig_atomic_t soak_stop;
static unsigned int soak_catching;	/* soak_signals_catch() depth */
static struct sigaction soak_old_int, soak_old_term;

static void on_signal(int sig)
{
	soak_stop = sig;
}

void soak_signals_catch(void)
{
	struct sigaction sa = { 0 };

	if (soak_catching++)
		return;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	soak_stop = 0;
	sigaction(SIGINT, &sa, &soak_old_int);
	sigaction(SIGTERM, &sa, &soak_old_term);
}

void soak_signals_release(void)
{
	if (!soak_catching || --soak_catching)
		return;
	sigaction(SIGINT, &soak_old_int, NULL);
	sigaction(SIGTERM, &soak_old_term, NULL);
}

int soak_stop_signal(void)
{
	return soak_stop;
}

struct soak_run_ctx *soak_ctx_new(bool quiet, unsigned int jobs)
{
	struct soak_run_ctx *c = xcalloc(1, sizeof(*c));

	soak_init(&c->s);
	c->sc = xcalloc(SOAK_MAX_SCENARIOS, sizeof(*c->sc));
	c->skip = xcalloc(SOAK_MAX_SCENARIOS, sizeof(*c->skip));
	c->quiet = quiet;
	c->jobs = jobs;
	c->who = "vm soak";
	progress_init(&c->prog);
	return c;
}

void soak_ctx_free(struct soak_run_ctx *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < SOAK_MAX_SCENARIOS; i++)
		scenario_free(&c->sc[i]);
	for (i = 0; c->slots && i < c->pool.jobs; i++) {
		free(c->slots[i].dir);
		free(c->slots[i].log);
	}
	free(c->slots);
	vm_pool_free(&c->pool);
	soak_free(&c->s);
	free(c->skip);
	free(c->sc);
	free(c->dir);
	free(c);
}

int soak_exit_code(struct soak *s, bool interrupted)
{
	struct soak_totals t;

	soak_aggregate(s);
	soak_totals(s, &t);
	if (interrupted)
		return LAB_EXIT_UNEXPECTED;
	if (t.unexpected)
		return t.done && t.infra == t.done ? LAB_EXIT_ENV :
		       LAB_EXIT_UNEXPECTED;
	if (t.done && t.skipped == t.done)
		return LAB_EXIT_SKIP;
	return LAB_EXIT_OK;
}

/* ---- setting up ---------------------------------------------------------- */

/* Every kernel of the matrix is there, or nothing starts (unless a runner
 * of the caller's own finds its kernels). */
static int check_kernels(struct soak_run_ctx *c)
{
	const struct soak_plan *p = &c->s.plan;
	char *img, *initrd, why[512];
	struct vm_opts vo;
	size_t k;
	int ret = -1;

	if (getenv("LABYRINTH_SOAK_RUNNER"))
		return -1;
	for (k = 0; k < p->nk && ret < 0; k++) {
		/* a shard of one kernel needs that one only */
		if (p->shard_kernel >= 0 && (int)k != p->shard_kernel)
			continue;
		vm_opts_init(&vo);
		vo.kver = p->k[k].kver;
		vo.variant = p->k[k].variant;
		vm_kernel_boot_files(&vo, &img, &initrd);
		if (access(img, R_OK) || (initrd && access(initrd, R_OK))) {
			vm_kernel_missing(&vo, img, initrd, why, sizeof(why));
			lab_err("%s: kernel %s: %s", c->who, p->k[k].name,
				why);
			ret = LAB_EXIT_ENV;
		}
		free(img);
		free(initrd);
	}
	return ret;
}

/* Why each scenario cannot run on each kernel ("" when it can): the
 * same check `vm run` makes before it boots, made once per cell. */
static void find_skips(struct soak_run_ctx *c)
{
	const struct soak_plan *p = &c->s.plan;
	size_t s, k;

	c->runnable = 0;
	for (s = 0; s < p->nsc; s++)
		for (k = 0; k < p->nk; k++) {
			const struct vm_kernel *vk = vm_kernel_find(p->k[k].kver);
			const char *lacks = vk ? vm_kernel_scenario_lacks(
				vk, p->k[k].variant, &c->sc[s], c->skip[s][k],
				sizeof(c->skip[s][k])) : NULL;

			if (!lacks)
				c->skip[s][k][0] = '\0';
			if (!lacks && (p->shard_kernel < 0 ||
				       (int)k == p->shard_kernel))
				c->runnable++;
		}
}

static void session_start(struct soak_run_ctx *c)
{
	struct soak_session *x;

	c->s.sessions = xrealloc(c->s.sessions, (c->s.nsessions + 1) *
				 sizeof(*c->s.sessions));
	c->session = c->s.nsessions++;
	x = &c->s.sessions[c->session];
	memset(x, 0, sizeof(*x));
	if (gethostname(x->hostname, sizeof(x->hostname) - 1))
		snprintf(x->hostname, sizeof(x->hostname), "unknown");
	run_iso_time(now_wall(), x->start_time, sizeof(x->start_time));
	x->jobs = c->pool.jobs;
	x->shard = c->s.plan.shard;
	x->nshards = c->s.plan.nshards;
	if (c->s.plan.shard_kernel >= 0)
		snprintf(x->shard_kernel, sizeof(x->shard_kernel), "%s",
			 c->s.plan.k[c->s.plan.shard_kernel].name);
	c->t0 = now_mono();
}

/* What both a new and a resumed soak need before the first run. */
static int soak_setup(struct soak_run_ctx *c)
{
	const struct soak_plan *p = &c->s.plan;
	struct vm_pool_vm vm = {
		.mem_mb = p->mem_mb, .cpus = p->cpus,
		.timeout_s = p->timeout_s,
		.accel = strcmp(p->accel, "auto") ? p->accel : NULL,
	};
	char why[256], err[1024];
	int ret = check_kernels(c);

	if (ret >= 0)
		return ret;
	find_skips(c);
	if (!c->jobs)
		c->jobs = vm_pool_default_jobs(p->mem_mb, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%u: -j", c->jobs);
	lab_debug("%s: jobs %s", c->who, why);
	if (vm_pool_init(&c->pool, c->jobs, &vm))
		return LAB_EXIT_ENV;
	c->slots = xcalloc(c->pool.jobs, sizeof(*c->slots));
	session_start(c);
	if (soak_write_json(c->dir, &c->s, err, sizeof(err))) {
		lab_err("%s: %s", c->who, err);
		return LAB_EXIT_INTERNAL;
	}
	return -1;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

int soak_ctx_create(struct soak_run_ctx *c, const char *out)
{
	char *dir, *json;
	int ret;

	dir = out ? xstrdup(out) : run_default_stamped_dir("soak");
	json = xasprintf("%s/%s", dir, SOAK_JSON);
	ret = access(json, F_OK) == 0 ? 1 : !dir_empty(dir) ? 2 : 0;
	free(json);
	if (ret) {
		lab_err("%s: %s %s: choose another --out%s", c->who, dir,
			ret == 1 ? "holds a soak already" : "is not empty",
			ret == 1 ? ", or --resume it" : "");
		free(dir);
		return LAB_EXIT_USAGE;
	}
	ret = mkdir_p(dir, 0755);
	if (ret) {
		lab_err("%s: cannot create %s: %s", c->who, dir,
			strerror(-ret));
		free(dir);
		return LAB_EXIT_ENV;
	}
	c->dir = realpath(dir, NULL);
	free(dir);
	c->budget_s = (double)c->s.plan.duration_s;
	return soak_setup(c);
}

/* The runs left in the directory: a record makes a run done (also one
 * finished after soak.json was last written); a directory without one
 * was in flight when the soak stopped, and goes. */
static void scan_runs(struct soak_run_ctx *c)
{
	char *runs = xasprintf("%s/%s", c->dir, SOAK_RUNS), err[1024];
	struct dirent *de;
	struct soak_run r;
	DIR *d = opendir(runs);

	while (d && (de = readdir(d))) {
		char *path, *rec;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		path = xasprintf("%s/%s", runs, de->d_name);
		rec = xasprintf("%s/%s", path, SOAK_RECORD);
		if (access(rec, F_OK) == 0 &&
		    soak_run_load(&c->s.plan, rec, &r, err, sizeof(err)) == 0) {
			soak_add_run(&c->s, &r);	/* -1: it is there */
		} else {
			if (access(rec, F_OK) == 0)
				lab_warn("%s; running it again", err);
			remove_tree(path);
		}
		free(rec);
		free(path);
	}
	if (d)
		closedir(d);
	free(runs);
}

/* The plan's scenarios as they are now: the same files, or no resume. */
static int reopen_scenarios(struct soak_run_ctx *c)
{
	struct soak_plan *p = &c->s.plan;
	size_t i;

	for (i = 0; i < p->nsc; i++) {
		if (scenario_open_cli(&c->sc[i], p->sc[i].file, p->sets,
				      p->nsets, false))
			return LAB_EXIT_USAGE;
		if (strcmp(c->sc[i].sha256, p->sc[i].sha256)) {
			lab_err("vm soak: %s changed since the soak started "
				"(sha256 %.12s, now %.12s): a soak compares like "
				"with like; start a new one", p->sc[i].file,
				p->sc[i].sha256, c->sc[i].sha256);
			return LAB_EXIT_USAGE;
		}
	}
	return -1;
}

int soak_ctx_resume(struct soak_run_ctx *c, const char *dir)
{
	char err[1024];
	double used = 0;
	size_t i;
	int ret;

	if (soak_load(dir, &c->s, err, sizeof(err))) {
		lab_err("vm soak --resume: %s", err);
		return LAB_EXIT_USAGE;
	}
	c->dir = realpath(dir, NULL);
	ret = reopen_scenarios(c);
	if (ret >= 0)
		return ret;
	scan_runs(c);
	for (i = 0; i < c->s.nsessions; i++)
		used += c->s.sessions[i].elapsed_s;
	c->budget_s = (double)c->s.plan.duration_s - used;
	return soak_setup(c);
}

/* ---- running ------------------------------------------------------------- */

static bool has_run(const struct soak *s, uint64_t index)
{
	size_t lo = 0, hi = s->nruns, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->runs[mid].index == index)
			return true;
		if (s->runs[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static char *run_path(struct soak_run_ctx *c, uint64_t index,
		      const char *file)
{
	char *rel = soak_run_dirname(&c->s.plan, index);
	char *p = file ? xasprintf("%s/%s/%s", c->dir, rel, file) :
		  xasprintf("%s/%s", c->dir, rel);

	free(rel);
	return p;
}

/* A finished run: its record beside it, then in soak.json. */
static void record(struct soak_run_ctx *c, struct soak_run *r)
{
	char *path = run_path(c, r->index, SOAK_RECORD), *text, err[1024];
	json_t *j;

	soak_plan_decode(&c->s.plan, r->index, &r->iteration, &r->kernel,
			 &r->scenario);
	if (!r->start_time[0])
		run_iso_time(now_wall(), r->start_time, sizeof(r->start_time));
	j = soak_run_json(&c->s, r);
	text = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	if (!text || write_file_atomic(path, text, strlen(text)))
		lab_warn("cannot write %s: the run will be done again on "
			 "--resume", path);
	free(text);
	json_decref(j);
	free(path);
	soak_add_run(&c->s, r);
	c->s.sessions[c->session].runs++;
	c->s.sessions[c->session].elapsed_s = now_mono() - c->t0;
	if (soak_write_json(c->dir, &c->s, err, sizeof(err)))
		lab_warn("%s", err);
	if (r->unexpected && c->prog.enabled) {
		char *rel = soak_run_dirname(&c->s.plan, r->index);

		progress_clear(&c->prog);
		fprintf(stderr, "labyrinth: %s: %s, expected %s: %.100s\n", rel,
			vocab_str(&vocab_verdict, r->verdict),
			vocab_str(&vocab_expect,
				  c->s.plan.sc[r->scenario].expect), r->reason);
		free(rel);
	}
}

/* A run that needs no VM: the kernel lacks what the scenario needs. */
static void record_skip(struct soak_run_ctx *c, uint64_t index,
			const char *why)
{
	struct soak_run r = { .index = index };
	char *dir = run_path(c, index, NULL);
	size_t m;

	remove_tree(dir);
	mkdir_p(dir, 0755);
	free(dir);
	r.status = SOAK_SKIPPED;
	r.verdict = V_SKIPPED;
	r.exit_code = LAB_EXIT_SKIP;
	r.expect_met = -1;
	for (m = 0; m < THRESHOLD_NMETRICS; m++)
		r.metric[m] = NAN;
	snprintf(r.reason, sizeof(r.reason), "%s", why);
	record(c, &r);
}

static void start_run(struct soak_run_ctx *c, struct soak_slot *slot,
		      uint64_t index)
{
	const struct soak_plan *p = &c->s.plan;
	struct vm_job *j = &slot->job;
	uint64_t it;
	size_t k, sc;
	int ret;

	soak_plan_decode(p, index, &it, &k, &sc);
	free(slot->dir);
	free(slot->log);
	slot->dir = run_path(c, index, NULL);
	slot->log = run_path(c, index, SOAK_RUN_LOG);
	slot->index = index;
	remove_tree(slot->dir);		/* what an interrupted try left */
	mkdir_p(slot->dir, 0755);
	memset(j, 0, sizeof(*j));
	j->scenario = p->sc[sc].file;
	j->sets = p->sets;
	j->nsets = p->nsets;
	j->kver = p->k[k].kver;
	j->variant = p->k[k].variant;
	j->run_dir = slot->dir;
	j->log = slot->log;
	j->user = slot;
	ret = vm_pool_start(&c->pool, j);
	if (ret) {
		struct soak_run r = { .index = index };

		/* this run's infrastructure error, not the soak's end */
		soak_run_from_dir(&r, slot->dir, NULL, -1, p->sc[sc].expect);
		snprintf(r.reason, sizeof(r.reason), "cannot start vm run: %s",
			 strerror(-ret));
		record(c, &r);
		return;
	}
	slot->busy = true;
}

/* The next index of this shard not done yet; false when none is left to
 * start now. */
static bool next_index(struct soak_run_ctx *c, uint64_t *index)
{
	const struct soak_plan *p = &c->s.plan;
	uint64_t total = soak_plan_total(p);

	for (;;) {
		if (soak_stop || (p->iterations && c->next >= total) ||
		    (!p->iterations && now_mono() - c->t0 >= c->budget_s))
			return false;
		*index = c->next++;
		if (soak_plan_in_shard(p, *index) && !has_run(&c->s, *index))
			return true;
	}
}

/* Start (or record as skipped) the next index; false when none is left
 * to start now. */
static bool start_next(struct soak_run_ctx *c)
{
	const struct soak_plan *p = &c->s.plan;
	uint64_t index, it;
	size_t k, sc, i;

	for (;;) {
		if (!next_index(c, &index))
			return false;
		soak_plan_decode(p, index, &it, &k, &sc);
		if (!c->skip[sc][k][0])
			break;
		/* --duration: a skip is said once per cell, and a soak with
		 * nothing to run ends after saying so */
		if (p->iterations || it == 0) {
			record_skip(c, index, c->skip[sc][k]);
			return true;
		}
		if (!c->runnable)
			return false;
	}
	for (i = 0; i < c->pool.jobs && c->slots[i].busy; i++)
		;
	start_run(c, &c->slots[i], index);
	return true;
}

static void job_done(struct soak_run_ctx *c, struct vm_job *j)
{
	struct soak_slot *slot = j->user;
	struct soak_run r = { .index = slot->index };

	slot->busy = false;
	if (j->stopped) {
		/* stopped by us: not a result; --resume runs it again */
		remove_tree(slot->dir);
		return;
	}
	soak_plan_decode(&c->s.plan, slot->index, &r.iteration, &r.kernel,
			 &r.scenario);
	soak_run_from_dir(&r, slot->dir, slot->log, j->exit_code,
			  c->s.plan.sc[r.scenario].expect);
	r.wall_s = j->t_end - j->t_start;
	if (!r.start_time[0])
		run_iso_time(j->wall_start, r.start_time, sizeof(r.start_time));
	record(c, &r);
}

static void job_stopped(struct vm_job *j, void *arg)
{
	job_done(arg, j);
}

/* ---- progress ------------------------------------------------------------ */

#define PROGRESS_CELLS 8

static void draw_progress(struct soak_run_ctx *c, int force)
{
	const struct soak_plan *p = &c->s.plan;
	struct soak_totals t;
	struct sbuf b;
	char el[32], eta[32], counts[256];
	double elapsed = now_mono() - c->t0;
	uint64_t here = c->s.sessions[c->session].runs;
	size_t i;

	if (!c->prog.enabled)
		return;
	soak_aggregate(&c->s);
	soak_totals(&c->s, &t);
	soak_fmt_duration(el, sizeof(el), elapsed);
	if (!p->iterations)
		soak_fmt_duration(eta, sizeof(eta), c->budget_s - elapsed > 0 ?
				  c->budget_s - elapsed : 0);
	else if (here)
		soak_fmt_duration(eta, sizeof(eta), (double)(t.planned -
				  t.done) * elapsed / (double)here);
	else
		snprintf(eta, sizeof(eta), "?");
	sb_init(&b);
	if (c->head)
		sb_printf(&b, "%s\n", c->head);
	if (p->iterations)
		sb_printf(&b, "soak %s: %llu of %llu runs, %zu running, elapsed "
			  "%s, ETA %s", p->id, (unsigned long long)t.done,
			  (unsigned long long)t.planned, c->pool.nrunning, el,
			  eta);
	else
		sb_printf(&b, "soak %s: %llu runs, %zu running, elapsed %s, "
			  "%s left to start runs", p->id,
			  (unsigned long long)t.done, c->pool.nrunning, el, eta);
	for (i = 0; i < c->s.ncells && i < PROGRESS_CELLS; i++) {
		const struct soak_cell *cell = &c->s.cells[i];

		soak_verdict_counts(cell, counts, sizeof(counts));
		sb_printf(&b, "\n  %s on %s: %s%s", p->sc[cell->scenario].name,
			  p->k[cell->kernel].name, counts,
			  cell->unexpected ? " (unexpected!)" : "");
	}
	if (c->s.ncells > PROGRESS_CELLS)
		sb_printf(&b, "\n  ... %zu more", c->s.ncells - PROGRESS_CELLS);
	progress_lines(&c->prog, b.s, force);
	free(b.s);
}

/* ---- the soak ------------------------------------------------------------ */

static void loop(struct soak_run_ctx *c)
{
	struct vm_job *j;

	for (;;) {
		while (!vm_pool_full(&c->pool) && start_next(c))
			;
		if (soak_stop || !c->pool.nrunning)
			break;
		j = vm_pool_wait(&c->pool, 0.25);
		if (j)
			job_done(c, j);
		draw_progress(c, j != NULL);
	}
}

int soak_ctx_run(struct soak_run_ctx *c)
{
	struct soak_session *x;
	char err[1024];

	soak_signals_catch();
	draw_progress(c, 1);
	loop(c);
	c->interrupted = soak_stop != 0;
	if (c->interrupted) {
		progress_clear(&c->prog);
		if (c->nested)
			lab_err("%s: interrupted by SIG%s: stopping the %zu "
				"run(s) in flight", c->who,
				sigabbrev_np(soak_stop), c->pool.nrunning);
		else
			lab_err("%s: interrupted by SIG%s: stopping the %zu "
				"run(s) in flight; 'labyrinth vm soak --resume "
				"%s' continues", c->who, sigabbrev_np(soak_stop),
				c->pool.nrunning, c->dir);
		vm_pool_stop_all(&c->pool, SOAK_STOP_GRACE_S, job_stopped, c);
	}
	soak_signals_release();
	progress_clear(&c->prog);
	x = &c->s.sessions[c->session];
	x->elapsed_s = now_mono() - c->t0;
	x->interrupted = c->interrupted;
	if (soak_write_all(c->dir, &c->s, err, sizeof(err))) {
		lab_err("%s: %s", c->who, err);
		return LAB_EXIT_INTERNAL;
	}
	if (c->nested)
		return soak_exit_code(&c->s, c->interrupted);
	if (!c->quiet) {
		char *s = soak_summary_string(&c->s);

		fputs(s, stdout);
		free(s);
	}
	printf("Soak: %s/%s\n", c->dir, SOAK_HTML);
	return soak_exit_code(&c->s, c->interrupted);
}
