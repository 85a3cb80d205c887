// SPDX-License-Identifier: GPL-2.0
#include "thresholds.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t thr_first_increase(const struct series *s, enum series_col c)
{
	size_t i;

	for (i = 1; i < s->n; i++)
		if (s->col[c][i] > s->col[c][0])
			return i;
	return THR_NONE;
}

/*
 * /proc/zoneinfo folds watermark_boost into "min", and the boost comes and
 * goes (it jumps right when a drain fragments the zone). 6.1's
 * zone_watermark_fast() ignores the boost for order-0 __GFP_ATOMIC at the
 * min mark, so the dip is measured against the unboosted min: the boost
 * only ever adds, so that is the lowest min the run saw.
 */
void thr_deepest_dip(const struct series *s, struct thr_dip *d)
{
	uint64_t base = 0;
	size_t i;

	d->idx = THR_NONE;
	d->t = 0;
	d->free = d->min = d->below = 0;
	for (i = 0; i < s->n; i++) {
		uint64_t m = s->col[COL_MIN][i];

		/* a row without watermarks (zone not read) says nothing */
		if (m && (!base || m < base))
			base = m;
	}
	if (!base)
		return;
	for (i = 0; i < s->n; i++) {
		uint64_t f = s->col[COL_FREE][i];

		if (!s->col[COL_MIN][i] || f >= base)
			continue;
		if (d->idx == THR_NONE || base - f > d->below) {
			d->idx = i;
			d->t = s->t[i];
			d->free = f;
			d->min = base;
			d->below = base - f;
		}
	}
}

size_t thr_last_before(const struct series *s, double t_s)
{
	size_t i, best = THR_NONE;

	for (i = 0; i < s->n && s->t[i] <= t_s; i++)
		best = i;
	return best;
}

void thr_series_loss(const struct series *s, struct thr_loss *l)
{
	double iv = (double)s->interval_ms / 1000.0;
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < s->n; i++) {
		double dt = i ? s->t[i] - s->t[i - 1] : 0;
		uint64_t missing;

		l->ring_lost += s->col[COL_LOST][i];
		if (dt > l->longest_gap_s)
			l->longest_gap_s = dt;
		if (!i || iv <= 0 || dt <= 1.5 * iv)
			continue;
		missing = (uint64_t)(dt / iv + 0.5) - 1;
		l->missed += missing;
		if (l->ngaps < THR_MAX_GAPS) {
			l->gap[l->ngaps].t0 = s->t[i - 1];
			l->gap[l->ngaps].t1 = s->t[i];
			l->gap[l->ngaps].missing = missing;
		}
		l->ngaps++;
	}
}

size_t thr_failure_rates(const struct series *s, double window_s,
			 struct thr_rate **out)
{
	struct thr_rate *r = NULL;
	size_t n = 0, i, start = 0;

	*out = NULL;
	if (s->n < 2 || window_s <= 0)
		return 0;
	for (i = 1; i < s->n; i++) {
		bool last = i == s->n - 1;

		if (s->t[i] - s->t[start] < window_s && !last)
			continue;
		r = xrealloc(r, (n + 1) * sizeof(*r));
		r[n].t0 = s->t[start];
		r[n].t1 = s->t[i];
		r[n].attempts = s->col[COL_ATTEMPTS][i] -
				s->col[COL_ATTEMPTS][start];
		r[n].failures = (s->col[COL_FAIL_GENUINE][i] +
				 s->col[COL_FAIL_INJECTED][i]) -
				(s->col[COL_FAIL_GENUINE][start] +
				 s->col[COL_FAIL_INJECTED][start]);
		r[n].rate = r[n].attempts ?
			(double)r[n].failures / (double)r[n].attempts : 0.0;
		n++;
		start = i;
	}
	*out = r;
	return n;
}

enum verdict thr_verdict(const struct observed *o, enum sc_expect expect)
{
	if (o->panic)
		return V_PANIC;
	if (o->splat)
		return V_SPLAT;
	if (o->error)
		return V_ERROR;
	if (o->timeout)
		return V_TIMEOUT;
	if (expect == SC_EXPECT_OOM && o->oom)
		return V_OOM;
	if (expect == SC_EXPECT_ATOMIC_FAILURE && o->atomic_failure)
		return V_ATOMIC_FAILURE;
	if (o->oom)
		return V_OOM;
	if (o->atomic_failure && !o->exhaust)
		return V_ATOMIC_FAILURE;
	return V_SURVIVE;
}

bool thr_expect_met(enum verdict v, enum sc_expect expect)
{
	switch (expect) {
	case SC_EXPECT_ATOMIC_FAILURE:
		return v == V_ATOMIC_FAILURE;
	case SC_EXPECT_OOM:
		return v == V_OOM;
	case SC_EXPECT_PANIC:
		return v == V_PANIC;
	case SC_EXPECT_CRASH:
		return v == V_PANIC || v == V_SPLAT;
	case SC_EXPECT_SURVIVE:
		return v == V_SURVIVE;
	default:
		return false;
	}
}
