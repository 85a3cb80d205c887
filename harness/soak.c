// SPDX-License-Identifier: GPL-2.0
/*
 * A soak's data: the plan, each run's record, the aggregate per scenario
 * and kernel, and soak.json (see soak.h; the file is documented in
 * reports/schema/soak.md). Nothing here runs anything: cmd_soak.c runs,
 * this file counts.
 */
#include "soak.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "run_report.h"
#include "stats.h"
#include "thresholds.h"
#include "util.h"

/* ---- the plan ------------------------------------------------------------ */

void soak_plan_decode(const struct soak_plan *p, uint64_t index,
		      uint64_t *iteration, size_t *kernel, size_t *scenario)
{
	uint64_t per_iter = (uint64_t)p->nsc * p->nk;

	*iteration = index / per_iter;
	*kernel = (size_t)(index % per_iter / p->nsc);
	*scenario = (size_t)(index % p->nsc);
}

/* The cell's number among those the shard splits (-1: none of them). */
static long long shard_cell(const struct soak_plan *p, size_t k, size_t s)
{
	if (p->shard_kernel < 0)
		return (long long)(k * p->nsc + s);
	return (int)k == p->shard_kernel ? (long long)s : -1;
}

bool soak_plan_in_shard(const struct soak_plan *p, uint64_t index)
{
	uint64_t it;
	size_t k, s;
	long long c;

	soak_plan_decode(p, index, &it, &k, &s);
	c = shard_cell(p, k, s);
	return c >= 0 && (it + (uint64_t)c) % p->nshards == p->shard - 1;
}

uint64_t soak_plan_total(const struct soak_plan *p)
{
	return p->iterations * p->nsc * p->nk;
}

uint64_t soak_plan_shard_total(const struct soak_plan *p)
{
	uint64_t n = p->nshards, total = 0, r;
	size_t k, s;
	long long c;

	/* per cell, the iterations it with (it + c) % n == shard - 1 */
	for (k = 0; k < p->nk; k++)
		for (s = 0; s < p->nsc; s++) {
			c = shard_cell(p, k, s);
			if (c < 0)
				continue;
			r = (p->shard - 1 + n - (uint64_t)c % n) % n;
			if (r < p->iterations)
				total += (p->iterations - 1 - r) / n + 1;
		}
	return total;
}

int soak_kernel_parse(const char *name, struct soak_kernel *k, char *err,
		      size_t errlen)
{
	const char *dash = strrchr(name, '-');

	memset(k, 0, sizeof(*k));
	if (strlen(name) >= sizeof(k->name)) {
		snprintf(err, errlen, "'%s': too long for a kernel name", name);
		return -1;
	}
	snprintf(k->name, sizeof(k->name), "%s", name);
	if (dash && !strcmp(dash + 1, "debug")) {
		snprintf(k->kver, sizeof(k->kver), "%.*s",
			 (int)(dash - name), name);
		snprintf(k->variant, sizeof(k->variant), "debug");
	} else {
		snprintf(k->kver, sizeof(k->kver), "%s", name);
		snprintf(k->variant, sizeof(k->variant), "default");
	}
	if (strcmp(k->kver, "6.1") && strcmp(k->kver, "6.12") &&
	    strcmp(k->kver, "stock")) {
		snprintf(err, errlen, "'%s': expected 6.1, 6.12 or stock, "
			 "each optionally with -debug (e.g. 6.1-debug)", name);
		return -1;
	}
	if (!strcmp(k->kver, "stock") && !strcmp(k->variant, "debug")) {
		snprintf(err, errlen, "'%s': the stock kernel has no debug "
			 "variant (kernel/KERNELS.md)", name);
		return -1;
	}
	return 0;
}

void soak_plan_free(struct soak_plan *p)
{
	size_t i;

	for (i = 0; i < p->nsc; i++)
		free(p->sc[i].file);
	free(p->sc);
	for (i = 0; i < p->nsets; i++)
		free(p->sets[i]);
	free(p->sets);
	memset(p, 0, sizeof(*p));
}

char *soak_run_dirname(const struct soak_plan *p, uint64_t index)
{
	uint64_t it;
	size_t k, s;

	soak_plan_decode(p, index, &it, &k, &s);
	return xasprintf("%s/%06llu-%s-%s", SOAK_RUNS,
			 (unsigned long long)index, p->sc[s].name,
			 p->k[k].name);
}

static json_t *opt_int(uint64_t v)
{
	return v ? json_integer((json_int_t)v) : json_null();
}

static json_t *shard_json(unsigned int shard, unsigned int nshards,
			  const char *kernel)
{
	return json_pack("{s:i, s:i, s:o}", "index", shard, "count", nshards,
			 "kernel", kernel && *kernel ? json_string(kernel) :
			 json_null());
}

/* The plan without its id and shard: what every shard agrees on. */
static json_t *plan_body_json(const struct soak_plan *p)
{
	json_t *j = json_object(), *a = json_array(), *vm;
	size_t i;

	for (i = 0; i < p->nsc; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
			"name", p->sc[i].name, "file", p->sc[i].file,
			"sha256", p->sc[i].sha256, "expect",
			vocab_str(&vocab_expect, p->sc[i].expect)));
	json_object_set_new(j, "scenarios", a);
	a = json_array();
	for (i = 0; i < p->nk; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name",
			p->k[i].name, "kver", p->k[i].kver, "variant",
			p->k[i].variant));
	json_object_set_new(j, "kernels", a);
	a = json_array();
	for (i = 0; i < p->nsets; i++)
		json_array_append_new(a, json_string(p->sets[i]));
	json_object_set_new(j, "overrides", a);
	json_object_set_new(j, "iterations", opt_int(p->iterations));
	json_object_set_new(j, "duration_s", opt_int(p->duration_s));
	vm = json_pack("{s:i, s:i, s:s}", "mem_mb", p->mem_mb, "cpus",
		       p->cpus, "accel", p->accel);
	json_object_set_new(vm, "timeout_s", opt_int(p->timeout_s));
	json_object_set_new(j, "vm", vm);
	return j;
}

void soak_plan_default_id(struct soak_plan *p)
{
	json_t *j;
	char *text, hex[65];

	if (p->id[0])
		return;
	/* the same plan hashes the same on every shard */
	j = plan_body_json(p);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	sha256_hex(text, strlen(text), hex);
	snprintf(p->id, sizeof(p->id), "%.12s", hex);
	free(text);
	json_decref(j);
}

json_t *soak_plan_json(const struct soak_plan *p)
{
	json_t *j = plan_body_json(p);

	json_object_set_new(j, "id", json_string(p->id));
	json_object_set_new(j, "shard", shard_json(p->shard, p->nshards,
		p->shard_kernel >= 0 ? p->k[p->shard_kernel].name : NULL));
	return j;
}

bool soak_plan_same(const struct soak_plan *a, const struct soak_plan *b)
{
	json_t *ja = plan_body_json(a), *jb = plan_body_json(b);
	bool same = json_equal(ja, jb) && !strcmp(a->id, b->id);

	json_decref(ja);
	json_decref(jb);
	return same;
}

static int find_scenario(const struct soak_plan *p, const char *name,
			 size_t *out)
{
	for (*out = 0; *out < p->nsc; (*out)++)
		if (!strcmp(p->sc[*out].name, name))
			return 0;
	return -1;
}

static int find_kernel(const struct soak_plan *p, const char *name,
		       size_t *out)
{
	for (*out = 0; *out < p->nk; (*out)++)
		if (!strcmp(p->k[*out].name, name))
			return 0;
	return -1;
}

static int copy_str(char *dst, size_t len, json_t *v, const char *what,
		    char *err, size_t errlen)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) >= len) {
		snprintf(err, errlen, "%s: missing or longer than %zu "
			 "characters", what, len - 1);
		return -1;
	}
	snprintf(dst, len, "%s", s);
	return 0;
}

static int plan_lists_from_json(json_t *j, struct soak_plan *p, char *err,
				size_t errlen)
{
	json_t *x;
	uint32_t w;
	size_t i;

	p->nsc = json_array_size(json_object_get(j, "scenarios"));
	p->sc = xcalloc(p->nsc ? p->nsc : 1, sizeof(*p->sc));
	json_array_foreach(json_object_get(j, "scenarios"), i, x) {
		p->sc[i].file = xstrdup(jp_str(x, "file", ""));
		if (copy_str(p->sc[i].name, sizeof(p->sc[i].name),
			     json_object_get(x, "name"), "scenario name", err,
			     errlen) ||
		    copy_str(p->sc[i].sha256, sizeof(p->sc[i].sha256),
			     json_object_get(x, "sha256"), "scenario sha256",
			     err, errlen))
			return -1;
		vocab_parse(&vocab_expect, jp_str(x, "expect", ""), &w);
		p->sc[i].expect = w;
	}
	p->nk = json_array_size(json_object_get(j, "kernels"));
	if (p->nk > SOAK_MAX_KERNELS) {
		snprintf(err, errlen, "$.plan.kernels: at most %d kernels",
			 SOAK_MAX_KERNELS);
		return -1;
	}
	json_array_foreach(json_object_get(j, "kernels"), i, x)
		if (soak_kernel_parse(jp_str(x, "name", ""), &p->k[i], err,
				      errlen))
			return -1;
	p->nsets = json_array_size(json_object_get(j, "overrides"));
	p->sets = xcalloc(p->nsets ? p->nsets : 1, sizeof(*p->sets));
	json_array_foreach(json_object_get(j, "overrides"), i, x)
		p->sets[i] = xstrdup(json_string_value(x) ?: "");
	return 0;
}

int soak_plan_from_json(json_t *j, struct soak_plan *p, char *err,
			size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (copy_str(p->id, sizeof(p->id), json_object_get(j, "id"),
		     "$.plan.id", err, errlen) ||
	    plan_lists_from_json(j, p, err, errlen)) {
		soak_plan_free(p);
		return -1;
	}
	p->iterations = (uint64_t)jp_int(j, "iterations", 0);
	p->duration_s = (uint64_t)jp_int(j, "duration_s", 0);
	p->shard = (unsigned int)jp_int(j, "shard.index", 1);
	p->nshards = (unsigned int)jp_int(j, "shard.count", 1);
	p->shard_kernel = -1;
	if (jp(j, "shard.kernel")) {
		size_t k;

		if (find_kernel(p, jp_str(j, "shard.kernel", ""), &k)) {
			snprintf(err, errlen, "$.plan.shard.kernel: '%s' is not "
				 "a kernel of the plan",
				 jp_str(j, "shard.kernel", ""));
			soak_plan_free(p);
			return -1;
		}
		p->shard_kernel = (int)k;
	}
	p->mem_mb = (unsigned int)jp_int(j, "vm.mem_mb", 1024);
	p->cpus = (unsigned int)jp_int(j, "vm.cpus", 2);
	p->timeout_s = (unsigned int)jp_int(j, "vm.timeout_s", 0);
	snprintf(p->accel, sizeof(p->accel), "%s",
		 jp_str(j, "vm.accel", "auto"));
	return 0;
}

/* ---- runs ---------------------------------------------------------------- */

void soak_init(struct soak *s)
{
	memset(s, 0, sizeof(*s));
}

static void cells_free(struct soak *s)
{
	size_t i, m;

	for (i = 0; i < s->ncells; i++)
		for (m = 0; m < THRESHOLD_NMETRICS; m++)
			free(s->cells[i].dist[m].v);
	free(s->cells);
	s->cells = NULL;
	s->ncells = 0;
}

void soak_free(struct soak *s)
{
	cells_free(s);
	free(s->runs);
	free(s->sessions);
	soak_plan_free(&s->plan);
	memset(s, 0, sizeof(*s));
}

int soak_add_run(struct soak *s, const struct soak_run *r)
{
	size_t lo = 0, hi = s->nruns, mid;

	/* binary search for the place: runs finish out of order under -j */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (s->runs[mid].index < r->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nruns && s->runs[lo].index == r->index)
		return -1;
	s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof(*s->runs));
	memmove(s->runs + lo + 1, s->runs + lo,
		(s->nruns - lo) * sizeof(*s->runs));
	s->runs[lo] = *r;
	s->nruns++;
	return 0;
}

/* The last "labyrinth: " line of a log that is not a warning: why. */
static void reason_from_log(const char *log, char *out, size_t len)
{
	char *text, *line, *save = NULL;

	if (!log || read_file(log, &text, NULL))
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "labyrinth: ", 11) &&
		    strncmp(line, "labyrinth: warning: ", 20))
			snprintf(out, len, "%s", line + 11);
	free(text);
}

/*
 * A value as soak.json (15 significant digits) will give it back: then a
 * soak aggregated from its runs' reports and one aggregated from records
 * read back (a resume, a merge of shards) compute with the same doubles,
 * to the last bit.
 */
static double as_stored(double v)
{
	char buf[32];

	if (!isfinite(v))
		return v;
	snprintf(buf, sizeof(buf), "%.15g", v);
	return strtod(buf, NULL);
}

/* What the run's report.json says. */
static void run_from_report(struct soak_run *r, json_t *rep)
{
	json_t *met = jp(rep, "outcome.expect_met");
	uint32_t v = V_ERROR;
	size_t m;

	r->status = SOAK_RAN;
	vocab_parse(&vocab_verdict, jp_str(rep, "outcome.verdict", ""), &v);
	r->verdict = v;
	if (v == V_SKIPPED)
		r->status = SOAK_SKIPPED;
	r->expect_met = met ? json_is_true(met) : -1;
	snprintf(r->reason, sizeof(r->reason), "%s",
		 jp_str(rep, "outcome.reason", ""));
	snprintf(r->release, sizeof(r->release), "%s",
		 jp_str(rep, "system.kernel_release", ""));
	if (is_utc_time(jp_str(rep, "run.start_time", "")))
		snprintf(r->start_time, sizeof(r->start_time), "%s",
			 jp_str(rep, "run.start_time", ""));
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		char path[96];

		snprintf(path, sizeof(path), "thresholds.%s.%s",
			 threshold_metrics[m].threshold,
			 threshold_metrics[m].key);
		r->metric[m] = as_stored(jp_num(rep, path, NAN));
	}
}

void soak_run_from_dir(struct soak_run *r, const char *run_dir,
		       const char *log, int exit_code, uint32_t expect)
{
	char err[1024], how[64];
	json_t *rep = NULL;
	size_t m;

	r->exit_code = exit_code;
	r->expect_met = -1;
	r->reason[0] = r->release[0] = '\0';
	for (m = 0; m < THRESHOLD_NMETRICS; m++)
		r->metric[m] = NAN;
	if (access(run_dir, F_OK) == 0 &&
	    report_load(run_dir, &rep, err, sizeof(err)) == 0) {
		run_from_report(r, rep);
		json_decref(rep);
		if (r->status != SOAK_RAN)
			return;
		/*
		 * Judged against the plan's expectation, which is what the
		 * soak asked for whatever the run says it expected; and vm
		 * run's status (outcome_exit_code) adds what the verdict
		 * cannot say, a knob that could not be put back. One rule
		 * with the run's own (expect = crash is met by two verdicts).
		 */
		r->expect_met = thr_expect_met(r->verdict, expect);
		r->unexpected = !r->expect_met || exit_code != 0;
		return;
	}
	reason_from_log(log, r->reason, sizeof(r->reason));
	if (exit_code == LAB_EXIT_SKIP) {
		r->status = SOAK_SKIPPED;
		r->verdict = V_SKIPPED;
		r->unexpected = false;
		return;
	}
	r->status = SOAK_INFRA;
	r->verdict = V_ERROR;
	r->unexpected = true;
	if (!r->reason[0]) {
		if (exit_code < 0)
			snprintf(how, sizeof(how), "killed by a signal");
		else
			snprintf(how, sizeof(how), "exit %d", exit_code);
		snprintf(r->reason, sizeof(r->reason), "no report.json and no "
			 "message (vm run: %s); see %s", how,
			 log ? log : run_dir);
	}
}

static const char *const status_names[] = {
	[SOAK_RAN] = "ran", [SOAK_SKIPPED] = "skipped",
	[SOAK_INFRA] = "infrastructure-error", NULL
};

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* {"first_atomic_failure": {"t_s": 1.2, ...} | null, ...} */
static json_t *run_thresholds_json(const struct soak_run *r)
{
	json_t *j = json_object(), *t = NULL;
	const char *cur = NULL;
	size_t m;

	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		const struct threshold_metric *tm = &threshold_metrics[m];

		if (!cur || strcmp(cur, tm->threshold)) {
			cur = tm->threshold;
			t = isnan(r->metric[m]) ? NULL : json_object();
			json_object_set_new(j, cur, t ? t : json_null());
		}
		if (t)
			json_object_set_new(t, tm->key,
					    num_or_null(r->metric[m]));
	}
	return j;
}

json_t *soak_run_json(const struct soak *s, const struct soak_run *r)
{
	const struct soak_plan *p = &s->plan;
	char *dir = soak_run_dirname(p, r->index), *rep;
	json_t *j;

	rep = r->status == SOAK_RAN ? xasprintf("%s/%s", dir, REPORT_HTML) :
	      NULL;
	j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:b, "
		      "s:s, s:o, s:s, s:f, s:s, s:o, s:o}",
		"index", (json_int_t)r->index,
		"iteration", (json_int_t)r->iteration,
		"scenario", p->sc[r->scenario].name,
		"kernel", p->k[r->kernel].name,
		"status", status_names[r->status],
		"exit_code", r->exit_code >= 0 ? json_integer(r->exit_code) :
			     json_null(),
		"verdict", vocab_str(&vocab_verdict, r->verdict),
		"expect", json_string(vocab_str(&vocab_expect,
				      p->sc[r->scenario].expect)),
		"expect_met", r->expect_met < 0 ? json_null() :
			      json_boolean(r->expect_met),
		"unexpected", r->unexpected,
		"reason", r->reason,
		"kernel_release", r->release[0] ? json_string(r->release) :
				  json_null(),
		"start_time", r->start_time,
		"wall_s", r->wall_s,
		"dir", dir,
		"report", rep ? json_string(rep) : json_null(),
		"thresholds", run_thresholds_json(r));
	free(dir);
	free(rep);
	return j;
}

int soak_run_from_json(const struct soak_plan *p, json_t *j,
		       struct soak_run *r, char *err, size_t errlen)
{
	uint64_t it;
	size_t k, sc, m, i;
	uint32_t w;

	memset(r, 0, sizeof(*r));
	r->index = (uint64_t)jp_int(j, "index", 0);
	r->iteration = (uint64_t)jp_int(j, "iteration", 0);
	if (find_scenario(p, jp_str(j, "scenario", ""), &r->scenario) ||
	    find_kernel(p, jp_str(j, "kernel", ""), &r->kernel)) {
		snprintf(err, errlen, "run %llu: scenario '%s' or kernel '%s' "
			 "is not in the plan", (unsigned long long)r->index,
			 jp_str(j, "scenario", ""), jp_str(j, "kernel", ""));
		return -1;
	}
	soak_plan_decode(p, r->index, &it, &k, &sc);
	if (it != r->iteration || k != r->kernel || sc != r->scenario) {
		snprintf(err, errlen, "run %llu: iteration %llu of %s on %s "
			 "is not what the plan puts at that index (%llu of %s "
			 "on %s)", (unsigned long long)r->index,
			 (unsigned long long)r->iteration,
			 p->sc[r->scenario].name, p->k[r->kernel].name,
			 (unsigned long long)it, p->sc[sc].name, p->k[k].name);
		return -1;
	}
	for (i = 0; status_names[i]; i++)
		if (!strcmp(status_names[i], jp_str(j, "status", "")))
			r->status = (enum soak_status)i;
	r->exit_code = (int)jp_int(j, "exit_code", -1);
	w = V_ERROR;
	vocab_parse(&vocab_verdict, jp_str(j, "verdict", ""), &w);
	r->verdict = w;
	r->expect_met = jp(j, "expect_met") ?
			json_is_true(jp(j, "expect_met")) : -1;
	r->unexpected = json_is_true(jp(j, "unexpected"));
	snprintf(r->reason, sizeof(r->reason), "%s", jp_str(j, "reason", ""));
	snprintf(r->release, sizeof(r->release), "%s",
		 jp_str(j, "kernel_release", ""));
	snprintf(r->start_time, sizeof(r->start_time), "%s",
		 jp_str(j, "start_time", ""));
	r->wall_s = jp_num(j, "wall_s", 0);
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		json_t *t = json_object_get(json_object_get(j, "thresholds"),
					    threshold_metrics[m].threshold);

		r->metric[m] = jp_num(t, threshold_metrics[m].key, NAN);
	}
	return 0;
}

/* ---- the aggregate ------------------------------------------------------- */

struct soak_cell *soak_cell(struct soak *s, size_t scenario, size_t kernel)
{
	return &s->cells[scenario * s->plan.nk + kernel];
}

static void dist_finish(struct soak_dist *d)
{
	double sum = 0;
	size_t i;

	stats_sort(d->v, d->n);
	for (i = 0; i < d->n; i++)
		sum += d->v[i];
	d->min = d->n ? d->v[0] : NAN;
	d->max = d->n ? d->v[d->n - 1] : NAN;
	d->median = stats_quantile(d->v, d->n, 0.5);
	d->p95 = stats_quantile(d->v, d->n, 0.95);
	d->mean = d->n ? sum / (double)d->n : NAN;
}

/* One run into its cell. */
static void cell_add(struct soak_cell *c, const struct soak_run *r,
		     uint32_t *first_verdict)
{
	size_t m;

	c->runs++;
	c->verdicts[r->verdict < V_MAX ? r->verdict : V_ERROR]++;
	c->unexpected += r->unexpected;
	c->wall_s += r->wall_s;
	if (r->status == SOAK_SKIPPED) {
		c->skipped++;
		if (!c->skip_reason)
			c->skip_reason = r->reason;
		return;
	}
	if (r->status == SOAK_INFRA) {
		c->infra++;
		return;
	}
	c->ran++;
	c->expect_met += r->expect_met == 1;
	/* runs that ran and came to different verdicts: flaky. An
	 * infrastructure error says nothing about the scenario. */
	if (*first_verdict == V_MAX)
		*first_verdict = r->verdict;
	else if (*first_verdict != r->verdict)
		c->flaky = true;
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		struct soak_dist *d = &c->dist[m];

		if (isnan(r->metric[m]))
			continue;
		d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
		d->v[d->n++] = r->metric[m];
	}
}

void soak_aggregate(struct soak *s)
{
	const struct soak_plan *p = &s->plan;
	uint32_t *first;
	size_t i, m;

	cells_free(s);
	s->ncells = p->nsc * p->nk;
	s->cells = xcalloc(s->ncells ? s->ncells : 1, sizeof(*s->cells));
	first = xcalloc(s->ncells ? s->ncells : 1, sizeof(*first));
	for (i = 0; i < s->ncells; i++) {
		s->cells[i].scenario = i / p->nk;
		s->cells[i].kernel = i % p->nk;
		first[i] = V_MAX;
	}
	for (i = 0; i < s->nruns; i++) {
		const struct soak_run *r = &s->runs[i];
		size_t c = r->scenario * p->nk + r->kernel;

		cell_add(&s->cells[c], r, &first[c]);
	}
	for (i = 0; i < s->ncells; i++) {
		struct soak_cell *c = &s->cells[i];

		if (c->runs)
			c->wall_s /= c->runs;
		for (m = 0; m < THRESHOLD_NMETRICS; m++)
			dist_finish(&c->dist[m]);
	}
	free(first);
}

void soak_totals(const struct soak *s, struct soak_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->planned = soak_plan_shard_total(&s->plan);
	for (i = 0; i < s->nruns; i++) {
		const struct soak_run *r = &s->runs[i];

		t->done++;
		t->ran += r->status == SOAK_RAN;
		t->skipped += r->status == SOAK_SKIPPED;
		t->infra += r->status == SOAK_INFRA;
		t->expect_met += r->expect_met == 1;
		t->unexpected += r->unexpected;
	}
	for (i = 0; i < s->ncells; i++)
		t->flaky_cells += s->cells[i].flaky;
	if (t->planned) {
		t->complete = t->done >= t->planned;
	} else {
		/* --duration: complete once its time was used up by
		 * sessions that were not interrupted at the end */
		double used = 0;

		for (i = 0; i < s->nsessions; i++)
			used += s->sessions[i].elapsed_s;
		t->complete = s->nsessions && used >= (double)s->plan.duration_s &&
			      !s->sessions[s->nsessions - 1].interrupted;
	}
}

/* ---- soak.json ----------------------------------------------------------- */

static json_t *dist_json(const struct soak_dist *d, enum metric_unit u)
{
	json_t *v = json_array();
	size_t i;

	for (i = 0; i < d->n; i++)
		json_array_append_new(v, json_real(d->v[i]));
	return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "unit", metric_unit_name(u), "n", (json_int_t)d->n,
			 "min", num_or_null(d->min),
			 "median", num_or_null(d->median),
			 "p95", num_or_null(d->p95),
			 "max", num_or_null(d->max),
			 "mean", num_or_null(d->mean), "values", v);
}

static json_t *cell_json(const struct soak *s, const struct soak_cell *c)
{
	json_t *v = json_object(), *th = json_object(), *t = NULL;
	const char *cur = NULL;
	uint32_t k;
	size_t m;

	for (k = 0; k < V_MAX; k++)
		json_object_set_new(v, vocab_str(&vocab_verdict, k),
				    json_integer(c->verdicts[k]));
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		const struct threshold_metric *tm = &threshold_metrics[m];

		if (!cur || strcmp(cur, tm->threshold)) {
			cur = tm->threshold;
			t = json_object();
			json_object_set_new(th, cur, t);
		}
		json_object_set_new(t, tm->key, dist_json(&c->dist[m],
							  tm->unit));
	}
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:b, "
			 "s:o, s:o, s:o, s:o}",
		"scenario", s->plan.sc[c->scenario].name,
		"kernel", s->plan.k[c->kernel].name,
		"expect", vocab_str(&vocab_expect,
				    s->plan.sc[c->scenario].expect),
		"runs", c->runs, "ran", c->ran, "skipped", c->skipped,
		"infrastructure_errors", c->infra,
		"expect_met", c->expect_met, "unexpected", c->unexpected,
		"flaky", c->flaky, "verdicts", v,
		"skip_reason", c->skip_reason ? json_string(c->skip_reason) :
			       json_null(),
		"wall_s_mean", c->runs ? json_real(c->wall_s) : json_null(),
		"thresholds", th);
}

static json_t *session_json(const struct soak_session *x)
{
	return json_pack("{s:s, s:s, s:f, s:i, s:o, s:I, s:b}",
			 "hostname", x->hostname, "start_time", x->start_time,
			 "elapsed_s", x->elapsed_s, "jobs", x->jobs,
			 "shard", shard_json(x->shard, x->nshards,
					     x->shard_kernel),
			 "runs", (json_int_t)x->runs,
			 "interrupted", x->interrupted);
}

json_t *soak_json(struct soak *s)
{
	struct soak_totals t;
	json_t *j, *a;
	size_t i;

	soak_aggregate(s);
	soak_totals(s, &t);
	j = json_pack("{s:s, s:i, s:s, s:o}", "schema", SOAK_SCHEMA_NAME,
		      "schema_version", SOAK_SCHEMA_VERSION,
		      "labyrinth_version", labyrinth_version,
		      "plan", soak_plan_json(&s->plan));
	a = json_array();
	for (i = 0; i < s->nsessions; i++)
		json_array_append_new(a, session_json(&s->sessions[i]));
	json_object_set_new(j, "sessions", a);
	json_object_set_new(j, "totals", json_pack(
		"{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:b}",
		"planned", opt_int(t.planned), "done", (json_int_t)t.done,
		"ran", (json_int_t)t.ran, "skipped", (json_int_t)t.skipped,
		"infrastructure_errors", (json_int_t)t.infra,
		"expect_met", (json_int_t)t.expect_met,
		"unexpected", (json_int_t)t.unexpected,
		"flaky_cells", t.flaky_cells, "complete", t.complete));
	a = json_array();
	for (i = 0; i < s->ncells; i++)
		json_array_append_new(a, cell_json(s, &s->cells[i]));
	json_object_set_new(j, "cells", a);
	a = json_array();
	for (i = 0; i < s->nruns; i++)
		json_array_append_new(a, soak_run_json(s, &s->runs[i]));
	json_object_set_new(j, "runs", a);
	return j;
}
