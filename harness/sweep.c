// SPDX-License-Identifier: GPL-2.0
/*
 * A threshold search's logic (sweep.h), with no VM and no file in it:
 * the key's values parsed and written in its unit, which value to try
 * next, and what the points tried add up to. tests/unit/test_sweep.c
 * drives it on made-up curves.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"
#include "util.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_word until_w[] = {
	{ SWEEP_UNTIL_CRASH, "crash", { NULL },
	  "a run panics or splats (oops, BUG, WARNING, KASAN, lockdep)" },
	{ SWEEP_UNTIL_OOM, "oom", { NULL }, "the OOM killer fires in a run" },
	{ SWEEP_UNTIL_ATOMIC_FAILURE, "atomic-failure", { NULL },
	  "a genuine GFP_ATOMIC failure in a run" },
};
const struct vocab vocab_sweep_until = {
	.what = "--until", .w = until_w, .n = ARRAY_SIZE(until_w),
};

static const struct vocab_word found_w[] = {
	{ SWEEP_FOUND_BOUNDARY, "boundary", { NULL },
	  "the smallest failing value, a passing one just below it" },
	{ SWEEP_FOUND_AT_LOW, "at-low", { NULL },
	  "LOW already fails: the boundary is at or below it" },
	{ SWEEP_FOUND_NONE, "none", { NULL }, "nothing up to HIGH failed" },
	{ SWEEP_FOUND_INCOMPLETE, "incomplete", { NULL },
	  "the sweep stopped before it knew" },
};
const struct vocab vocab_sweep_found = {
	.what = "found", .w = found_w, .n = ARRAY_SIZE(found_w),
};

void sweep_init(struct sweep *s)
{
	memset(s, 0, sizeof(*s));
	s->res.smallest_failing = s->res.largest_passing = -1;
	s->res.monotone = true;
}

void sweep_free(struct sweep *s)
{
	size_t i;

	for (i = 0; i < s->plan.nsets; i++)
		free(s->plan.sets[i]);
	free(s->plan.sets);
	free(s->plan.file);
	free(s->points);
	free(s->res.v);
	sweep_init(s);
}

/* ---- values in the key's unit --------------------------------------------- */

static const char *kind_example(enum sc_key_kind k)
{
	switch (k) {
	case SC_KEY_INTEGER:
		return "an integer, e.g. 1000..40000";
	case SC_KEY_DURATION:
		return "a duration, e.g. 10ms..2s";
	case SC_KEY_SIZE:
		return "a size, e.g. 64M..900M";
	default:
		return "a number, e.g. 0.5..20";
	}
}

double sweep_round(const struct sweep_key *k, double v)
{
	char buf[48];

	if (k->kind != SC_KEY_NUMBER)
		return floor(v);
	/* what sweep_format_value() writes: a value tried is the value
	 * the runs got, and two that write alike are one */
	snprintf(buf, sizeof(buf), "%.6g", v);
	return strtod(buf, NULL);
}

void sweep_format_value(const struct sweep_key *k, double v, char *buf,
			size_t len)
{
	unsigned long long u = (unsigned long long)v;

	switch (k->kind) {
	case SC_KEY_DURATION:
		if (u && u % 1000 == 0)
			snprintf(buf, len, "%llus", u / 1000);
		else
			snprintf(buf, len, "%llums", u);
		return;
	case SC_KEY_SIZE:
		if (u && u % (1ULL << 30) == 0)
			snprintf(buf, len, "%lluG", u >> 30);
		else if (u && u % (1ULL << 20) == 0)
			snprintf(buf, len, "%lluM", u >> 20);
		else if (u && u % 1024 == 0)
			snprintf(buf, len, "%lluk", u >> 10);
		else
			snprintf(buf, len, "%llu", u);
		return;
	case SC_KEY_NUMBER:
		snprintf(buf, len, "%.6g", v);
		return;
	default:
		snprintf(buf, len, "%llu", u);
	}
}

int sweep_parse_value(const struct sweep_key *k, const char *text,
		      double *v, char *err, size_t errlen)
{
	char lo[48], hi[48];
	uint64_t u = 0;
	int r;

	switch (k->kind) {
	case SC_KEY_INTEGER:
		r = parse_u64(text, 0, UINT64_MAX, &u);
		break;
	case SC_KEY_DURATION:
		r = parse_duration_ms(text, 0, UINT64_MAX, &u);
		break;
	case SC_KEY_SIZE:
		r = parse_size(text, 0, UINT64_MAX, &u);
		break;
	case SC_KEY_NUMBER:
		r = parse_double(text, -INFINITY, INFINITY, v);
		break;
	default:
		snprintf(err, errlen, "%s is not a number", k->path);
		return -1;
	}
	if (r) {
		snprintf(err, errlen, "'%s': %s takes %s", text, k->path,
			 kind_example(k->kind));
		return -1;
	}
	*v = k->kind == SC_KEY_NUMBER ? sweep_round(k, *v) : (double)u;
	if (*v < k->min || *v > k->max) {
		sweep_format_value(k, k->min, lo, sizeof(lo));
		sweep_format_value(k, k->max, hi, sizeof(hi));
		snprintf(err, errlen, "'%s' is out of range: %s takes %s to "
			 "%s", text, k->path, lo, hi);
		return -1;
	}
	return 0;
}

int sweep_parse_range(const struct sweep_key *k, const char *text,
		      double *low, double *high, char *err, size_t errlen)
{
	const char *dots = strstr(text, "..");
	char *left;
	int r;

	if (!dots || dots == text || !dots[2]) {
		snprintf(err, errlen, "'%s': expected LOW..HIGH, %s", text,
			 kind_example(k->kind));
		return -1;
	}
	left = xasprintf("%.*s", (int)(dots - text), text);
	r = sweep_parse_value(k, left, low, err, errlen);
	free(left);
	if (r || sweep_parse_value(k, dots + 2, high, err, errlen))
		return -1;
	if (!(*low < *high)) {
		snprintf(err, errlen, "'%s': LOW must be below HIGH (a sweep "
			 "looks for the smallest failing value between them)",
			 text);
		return -1;
	}
	return 0;
}

/* ---- points --------------------------------------------------------------- */

bool sweep_point_decided(const struct sweep_point *p)
{
	return p->ran > 0;
}

bool sweep_point_fails(const struct sweep_point *p)
{
	return p->hits > 0;
}

double sweep_point_rate(const struct sweep_point *p)
{
	return p->ran ? (double)p->hits / p->ran : NAN;
}

bool sweep_run_hits(enum sweep_until until, const struct soak_run *r)
{
	if (r->status != SOAK_RAN)
		return false;
	switch (until) {
	case SWEEP_UNTIL_CRASH:
		return r->verdict == V_PANIC || r->verdict == V_SPLAT;
	case SWEEP_UNTIL_OOM:
		/* threshold_metrics[4]: first_oom_kill.t_s */
		return r->verdict == V_OOM || !isnan(r->metric[4]);
	default:
		/* threshold_metrics[0]: first_atomic_failure.t_s */
		return r->verdict == V_ATOMIC_FAILURE || !isnan(r->metric[0]);
	}
}

void sweep_point_from_soak(struct sweep_point *pt, enum sweep_until until,
			   const struct soak *soak)
{
	size_t i;

	pt->runs = pt->ran = pt->hits = pt->infra = pt->skipped = 0;
	memset(pt->verdicts, 0, sizeof(pt->verdicts));
	pt->wall_s = 0;
	for (i = 0; i < soak->nruns; i++) {
		const struct soak_run *r = &soak->runs[i];

		pt->runs++;
		pt->ran += r->status == SOAK_RAN;
		pt->infra += r->status == SOAK_INFRA;
		pt->skipped += r->status == SOAK_SKIPPED;
		pt->hits += sweep_run_hits(until, r);
		if (r->verdict < V_MAX)
			pt->verdicts[r->verdict]++;
		pt->wall_s += r->wall_s;
	}
}

/* ---- the search ----------------------------------------------------------- */

static const struct sweep_point *find_point(const struct sweep *s, double v)
{
	size_t i;

	for (i = 0; i < s->npoints; i++)
		if (s->points[i].value == v)
			return &s->points[i];
	return NULL;
}

/* The smallest failing value and the largest passing one below it, as
 * point indices (-1: none). */
static void bracket(const struct sweep *s, int *fail, int *pass)
{
	size_t i;

	*fail = *pass = -1;
	for (i = 0; i < s->npoints; i++)
		if (sweep_point_decided(&s->points[i]) &&
		    sweep_point_fails(&s->points[i]) &&
		    (*fail < 0 || s->points[i].value < s->points[*fail].value))
			*fail = (int)i;
	for (i = 0; i < s->npoints; i++)
		if (sweep_point_decided(&s->points[i]) &&
		    !sweep_point_fails(&s->points[i]) &&
		    (*fail < 0 || s->points[i].value < s->points[*fail].value) &&
		    (*pass < 0 || s->points[i].value > s->points[*pass].value))
			*pass = (int)i;
}

static bool next_step(const struct sweep *s, double *value)
{
	const struct sweep_plan *p = &s->plan;
	double v;
	size_t i;

	for (i = 0; i <= SWEEP_MAX_POINTS; i++) {
		v = sweep_round(&p->key, p->low + (double)i * p->step);
		if (v > p->high)
			v = p->high;
		if (!find_point(s, v)) {
			*value = v;
			return true;
		}
		if (v >= p->high)
			break;
	}
	return false;
}

bool sweep_next(const struct sweep *s, double *value)
{
	const struct sweep_plan *p = &s->plan;
	const struct sweep_point *lo = find_point(s, p->low);
	const struct sweep_point *hi = find_point(s, p->high);
	double mid;
	int f, ps;

	if (s->stopped || s->interrupted || s->npoints >= SWEEP_MAX_POINTS)
		return false;
	if (p->method == SWEEP_STEP)
		return next_step(s, value);
	if (!lo) {
		*value = p->low;
		return true;
	}
	if (!sweep_point_decided(lo) || sweep_point_fails(lo))
		return false;
	if (!hi) {
		*value = p->high;
		return true;
	}
	bracket(s, &f, &ps);
	if (f < 0 || ps < 0)
		return false;
	if (s->points[f].value - s->points[ps].value <= p->resolution)
		return false;
	mid = sweep_round(&p->key, (s->points[f].value +
				    s->points[ps].value) / 2);
	if (mid <= s->points[ps].value || mid >= s->points[f].value ||
	    find_point(s, mid))
		return false;
	*value = mid;
	return true;
}

static int cmp_value(const void *a, const void *b, void *arg)
{
	const struct sweep_point *pts = arg;
	double x = pts[*(const size_t *)a].value;
	double y = pts[*(const size_t *)b].value;

	return (x > y) - (x < y);
}

/* Adjacent decided points, by value, where the failure rate falls. */
static void find_violations(struct sweep *s)
{
	size_t *ix = xcalloc(s->npoints + 1, sizeof(*ix)), n = 0, i;

	for (i = 0; i < s->npoints; i++)
		if (sweep_point_decided(&s->points[i]))
			ix[n++] = i;
	qsort_r(ix, n, sizeof(*ix), cmp_value, s->points);
	free(s->res.v);
	s->res.v = NULL;
	s->res.nv = 0;
	for (i = 0; i + 1 < n; i++) {
		if (!(sweep_point_rate(&s->points[ix[i]]) >
		      sweep_point_rate(&s->points[ix[i + 1]])))
			continue;
		s->res.v = xrealloc(s->res.v, (s->res.nv + 1) *
				    sizeof(*s->res.v));
		s->res.v[s->res.nv].lower = ix[i];
		s->res.v[s->res.nv++].higher = ix[i + 1];
	}
	s->res.monotone = s->res.nv == 0;
	free(ix);
}

void sweep_analyse(struct sweep *s)
{
	const struct sweep_plan *p = &s->plan;
	struct sweep_result *r = &s->res;
	double next;
	bool more = sweep_next(s, &next);
	int f, ps;
	size_t i;

	for (i = 0; i < s->npoints; i++)
		more |= !sweep_point_decided(&s->points[i]);
	find_violations(s);
	bracket(s, &f, &ps);
	r->smallest_failing = f;
	r->largest_passing = ps;
	if (more || s->stopped || s->interrupted)
		r->found = SWEEP_FOUND_INCOMPLETE;
	else if (f >= 0 && s->points[f].value <= p->low)
		r->found = SWEEP_FOUND_AT_LOW;
	else if (f >= 0 && ps >= 0)
		r->found = SWEEP_FOUND_BOUNDARY;
	else if (f < 0 && s->npoints)
		r->found = SWEEP_FOUND_NONE;
	else
		r->found = SWEEP_FOUND_INCOMPLETE;
}
