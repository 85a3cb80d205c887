// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth compare`: which thresholds and rates moved between two runs,
 * and by how much. A CI regression gate: a metric past the tolerance (in
 * either direction: a threshold that moved is a behaviour change to look
 * at, whichever way it went), a threshold reached in one run only, or a
 * changed verdict, each count as one move.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "util.h"

/*
 * The thresholds' numbers, one row each: what compare shows of a run and
 * what a soak gathers the distribution of (soak.c).
 */
const struct threshold_metric threshold_metrics[THRESHOLD_NMETRICS] = {
	{ "first_atomic_failure", "t_s", U_SECS },
	{ "first_atomic_failure", "free_pages", U_PAGES },
	{ "first_atomic_failure", "free_over_min", U_RATIO },
	{ "first_atomic_failure", "pages_held", U_PAGES },
	{ "first_oom_kill", "t_s", U_SECS },
	{ "first_oom_kill", "free_pages", U_PAGES },
	{ "first_oom_kill", "pages_held", U_PAGES },
	{ "panic", "t_s", U_SECS },
	{ "deepest_dip", "free_pages", U_PAGES },
	{ "deepest_dip", "below_min_pages", U_PAGES },
};

const char *metric_unit_name(enum metric_unit u)
{
	static const char *const names[] = {
		[U_SECS] = "s", [U_PAGES] = "pages", [U_RATIO] = "ratio",
		[U_PCT] = "%", [U_NS] = "ns", [U_COUNT] = "count",
	};

	return names[u];
}

struct cmp {
	FILE *f;
	double tol;
	int moved;
};

void fmt_unit(char *buf, size_t len, double v, enum metric_unit u)
{
	switch (u) {
	case U_SECS: snprintf(buf, len, "%.3f s", v); break;
	case U_RATIO: snprintf(buf, len, "%.4f", v); break;
	case U_PCT: snprintf(buf, len, "%.3f%%", v); break;
	case U_NS: fmt_ns(buf, len, v); break;
	case U_PAGES:
	case U_COUNT: fmt_num(buf, len, v, 10); break;
	}
}

static void row(struct cmp *c, const char *label, const char *o,
		const char *n, const char *change, int moved)
{
	if (moved)
		c->moved++;
	if (c->f)
		fprintf(c->f, "%-34.34s %14.14s %14.14s %9.9s%s\n", label, o, n,
			change, moved ? " !" : "");
}

static void cmp_num(struct cmp *c, const char *label, double o, double n,
		    enum metric_unit u)
{
	char so[32], sn[32], ch[32];
	double pct;
	int moved;

	if (isnan(o) && isnan(n))
		return;
	fmt_unit(so, sizeof(so), o, u);
	fmt_unit(sn, sizeof(sn), n, u);
	if (isnan(o) || isnan(n)) {
		row(c, label, isnan(o) ? "-" : so, isnan(n) ? "-" : sn,
		    isnan(o) ? "appeared" : "vanished", 1);
		return;
	}
	if (o == n) {
		pct = 0;
	} else if (o == 0) {
		pct = INFINITY;
	} else {
		pct = (n - o) / fabs(o) * 100;
	}
	moved = fabs(pct) > c->tol;
	if (isinf(pct))
		snprintf(ch, sizeof(ch), "from 0");
	else
		snprintf(ch, sizeof(ch), "%+.1f%%", pct);
	row(c, label, so, sn, ch, moved);
}

/* Every row of threshold_metrics[] for this threshold. */
static void cmp_threshold(struct cmp *c, json_t *o, json_t *n,
			  const char *name)
{
	char path[128], label[128];
	json_t *to, *tn;
	size_t i;

	snprintf(path, sizeof(path), "thresholds.%s", name);
	to = jp(o, path);
	tn = jp(n, path);
	if (!to && !tn) {
		row(c, name, "-", "-", "", 0);
		return;
	}
	if (!to || !tn) {
		row(c, name, to ? "reached" : "not reached",
		    tn ? "reached" : "not reached",
		    to ? "vanished" : "appeared", 1);
		return;
	}
	for (i = 0; i < THRESHOLD_NMETRICS; i++) {
		const struct threshold_metric *m = &threshold_metrics[i];

		if (strcmp(m->threshold, name))
			continue;
		snprintf(label, sizeof(label), "%s.%s", name, m->key);
		cmp_num(c, label, jp_num(to, m->key, NAN),
			jp_num(tn, m->key, NAN), m->unit);
	}
}

static json_t *engine_by_id(json_t *r, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(jp(r, "engines"), i, e)
		if (!strcmp(jp_str(e, "id", ""), id))
			return e;
	return NULL;
}

static double rate(json_t *e, const char *what)
{
	double att = jp_num(e, "attempts", 0);

	if (att <= 0)
		return NAN;
	if (!strcmp(what, "injected"))
		return 100 * (jp_num(e, "failures.injected_private", 0) +
			      jp_num(e, "failures.injected_kernel", 0)) / att;
	return 100 * jp_num(e, what, 0) / att;
}

static void cmp_engine(struct cmp *c, json_t *eo, json_t *en, const char *id)
{
	char label[128];

	if (!eo || !en) {
		snprintf(label, sizeof(label), "engine %s", id);
		row(c, label, eo ? "present" : "absent",
		    en ? "present" : "absent", eo ? "vanished" : "appeared", 1);
		return;
	}
	snprintf(label, sizeof(label), "engine %s: genuine failure rate", id);
	cmp_num(c, label, rate(eo, "failures.genuine"),
		rate(en, "failures.genuine"), U_PCT);
	snprintf(label, sizeof(label), "engine %s: injected failure rate", id);
	cmp_num(c, label, rate(eo, "injected"), rate(en, "injected"), U_PCT);
	snprintf(label, sizeof(label), "engine %s: success rate", id);
	cmp_num(c, label, rate(eo, "successes"), rate(en, "successes"), U_PCT);
	snprintf(label, sizeof(label), "engine %s: held peak", id);
	cmp_num(c, label, jp_num(eo, "held_peak", 0), jp_num(en, "held_peak", 0),
		U_PAGES);
	snprintf(label, sizeof(label), "engine %s: mean latency", id);
	cmp_num(c, label, latency_mean_ns(jp(eo, "latency_log2_ns")),
		latency_mean_ns(jp(en, "latency_log2_ns")), U_NS);
	snprintf(label, sizeof(label), "engine %s: owner violations", id);
	cmp_num(c, label, jp_num(eo, "owner_violations", 0),
		jp_num(en, "owner_violations", 0), U_COUNT);
}

static double splats(json_t *r)
{
	static const char *const kinds[] = {
		"warning", "bug", "oops", "lockdep", "kasan", "hung-task", NULL
	};
	const char *const *k;
	json_t *m;
	size_t i;
	double n = 0;

	json_array_foreach(jp(r, "kernel_messages"), i, m)
		for (k = kinds; *k; k++)
			if (!strcmp(*k, jp_str(m, "kind", "")))
				n++;
	return n;
}

int report_compare(FILE *f, json_t *o, json_t *n, double tolerance_pct)
{
	struct cmp c = { .f = f, .tol = tolerance_pct };
	const char *vo = jp_str(o, "outcome.verdict", "?");
	const char *vn = jp_str(n, "outcome.verdict", "?");
	json_t *e;
	size_t i;

	if (f) {
		if (strcmp(jp_str(o, "scenario.sha256", ""),
			   jp_str(n, "scenario.sha256", "")))
			fprintf(f, "note: the scenarios differ (%s vs %s, "
				"different sha256): moves may come from that\n",
				jp_str(o, "scenario.name", "?"),
				jp_str(n, "scenario.name", "?"));
		fprintf(f, "%-34s %14s %14s %9s\n", "metric", "old",
			"new", "change");
	}
	row(&c, "verdict", vo, vn, strcmp(vo, vn) ? "changed" : "",
	    strcmp(vo, vn) != 0);
	cmp_threshold(&c, o, n, "first_atomic_failure");
	cmp_threshold(&c, o, n, "first_oom_kill");
	cmp_threshold(&c, o, n, "panic");
	cmp_threshold(&c, o, n, "deepest_dip");
	cmp_num(&c, "OOM kills", (double)json_array_size(jp(o, "oom_kills")),
		(double)json_array_size(jp(n, "oom_kills")), U_COUNT);
	cmp_num(&c, "kernel splats", splats(o), splats(n), U_COUNT);
	json_array_foreach(jp(o, "engines"), i, e) {
		const char *id = jp_str(e, "id", "?");

		cmp_engine(&c, e, engine_by_id(n, id), id);
	}
	json_array_foreach(jp(n, "engines"), i, e) {
		const char *id = jp_str(e, "id", "?");

		if (!engine_by_id(o, id))
			cmp_engine(&c, NULL, e, id);
	}
	if (f) {
		if (c.moved)
			fprintf(f, "%d metric(s) moved past the %g%% tolerance "
				"(marked !)\n", c.moved, tolerance_pct);
		else
			fprintf(f, "no metric moved past the %g%% tolerance\n",
				tolerance_pct);
	}
	return c.moved;
}
