// SPDX-License-Identifier: GPL-2.0
/*
 * Exhaustion phases: the pulses of an engine with exhaust = DURATION
 * (see run_pulse.h).
 */
#include "run_pulse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAXU(a, b) ((a) > (b) ? (a) : (b))

/* What one more pulse adds: sums, except the maxima (as the module's
 * lab_counters_add(), and held_peak, a maximum across pulses). */
static void counters_add(struct lab_counters *t, const struct lab_counters *c)
{
	size_t i;

	t->attempts += c->attempts;
	t->successes += c->successes;
	t->fail_genuine += c->fail_genuine;
	t->fail_injected_private += c->fail_injected_private;
	t->fail_injected_kernel += c->fail_injected_kernel;
	t->fail_unattributed += c->fail_unattributed;
	t->frees += c->frees;
	t->held_now += c->held_now;
	t->held_peak = MAXU(t->held_peak, c->held_peak);
	t->violation_non_owner += c->violation_non_owner;
	t->violation_double_free += c->violation_double_free;
	t->violation_unknown += c->violation_unknown;
	t->cap_hits += c->cap_hits;
	for (i = 0; i < LAB_HIST_BUCKETS; i++) {
		t->latency_hist[i] += c->latency_hist[i];
		t->callback_hist[i] += c->callback_hist[i];
	}
	t->bursts_dropped += c->bursts_dropped;
	t->budget_cuts += c->budget_cuts;
	t->ticks += c->ticks;
	t->frees_deferred += c->frees_deferred;
	t->callback_max_ns = MAXU(t->callback_max_ns, c->callback_max_ns);
	t->irqs_off_max_ns = MAXU(t->irqs_off_max_ns, c->irqs_off_max_ns);
	t->call_max_ns = MAXU(t->call_max_ns, c->call_max_ns);
	t->tick_work_max = MAXU(t->tick_work_max, c->tick_work_max);
	t->reclaim_pages += c->reclaim_pages;
	t->reclaim_calls += c->reclaim_calls;
	t->stop_request_ns = MAXU(t->stop_request_ns, c->stop_request_ns);
}

void pulse_started(struct engine_record *rt, double t)
{
	struct outcome_pulse *p;

	if (rt->npulses == OUTCOME_MAX_PULSES)
		return;		/* the scenario's limit keeps it below */
	p = &rt->pulse[rt->npulses++];
	p->t_start = t;
	p->t_fail = p->t_release = p->t_stopped = -1;
	rt->released = false;
	rt->stopped = false;
	rt->next_start = -1;
}

void pulse_merge(struct engine_record *rt, struct lab_stats *st)
{
	struct lab_counters sum = rt->acc;

	if (rt->npulses <= 1)
		return;
	counters_add(&sum, &st->total);
	st->total = sum;
	if (rt->first.time_ns)
		st->first_failure = rt->first;
	if (rt->first_start_ns)
		st->start_ns = rt->first_start_ns;
}

/* CLOCK_MONOTONIC ns from the module, as s since run start. */
static double run_t(uint64_t ns, double t0)
{
	return ns ? (double)ns / 1e9 - t0 : -1;
}

void pulse_stopped_by_run(struct engine_record *rt, const struct lab_stats *st,
			  double t0)
{
	struct outcome_pulse *p;

	if (!rt->npulses || rt->released)
		return;
	p = &rt->pulse[rt->npulses - 1];
	if (p->t_fail < 0)
		p->t_fail = run_t(st->first_failure.time_ns, t0);
	if (st->state == LAB_STATE_STOPPED && p->t_release < 0) {
		p->t_release = run_t(st->total.stop_request_ns, t0);
		p->t_stopped = run_t(st->stop_ns, t0);
	}
}

/* The pulse's engine stopped itself: keep its record, release it. */
static void pulse_end(struct engine_record *rt, struct labdev *dev,
		      const struct lab_stats *st)
{
	uint64_t freed = 0;
	int ret;

	if (!rt->first.time_ns)
		rt->first = st->first_failure;
	if (!rt->first_start_ns)
		rt->first_start_ns = st->start_ns;
	rt->st = *st;
	counters_add(&rt->acc, &st->total);
	free(rt->cpus);
	rt->cpus = NULL;
	/* per-CPU counters: the last pulse's (the totals are all pulses') */
	if (labdev_stats(dev, rt->id, &rt->st, &rt->cpus, &rt->ncpus) == 0)
		rt->have_stats = true;
	rt->st.total = rt->acc;
	if (rt->first.time_ns)
		rt->st.first_failure = rt->first;
	rt->st.start_ns = rt->first_start_ns;
	ret = labdev_stop(dev, rt->id, LAB_STOP_F_RELEASE, &freed);
	if (ret)
		lab_warn("releasing engine %u after pulse %u: %s", rt->id,
			 rt->npulses, strerror(-ret));
	rt->freed += freed;
	rt->released = true;
	rt->stopped = true;
}

/* After the stop: free pages back above low, or waited long enough. */
static enum pulse_step pulse_recovery(struct engine_record *rt,
				      const struct sc_engine *e,
				      const struct series *s, double t)
{
	struct outcome_pulse *p = &rt->pulse[rt->npulses - 1];
	double back = -1;
	size_t n = s->n;

	if (n && s->t[n - 1] >= p->t_stopped &&
	    s->col[COL_FREE][n - 1] > s->col[COL_LOW][n - 1])
		back = s->t[n - 1];
	else if (t - p->t_stopped > PULSE_RECOVERY_WAIT_S)
		back = t;
	if (back < 0)
		return PULSE_WAIT;
	if (rt->npulses >= e->pulses)
		rt->pulses_done = true;
	else
		rt->next_start = back + (double)e->gap_ms / 1000.0;
	return PULSE_WAIT;
}

enum pulse_step pulse_poll(struct engine_record *rt, const struct sc_engine *e,
			   struct labdev *dev, const struct series *s,
			   double t0, double t, double *next)
{
	struct outcome_pulse *p;
	struct lab_stats st;

	if (!rt->started || rt->pulses_done || !rt->npulses)
		return PULSE_WAIT;
	p = &rt->pulse[rt->npulses - 1];
	if (rt->next_start >= 0) {
		if (t >= rt->next_start)
			return PULSE_START;
		*next = fmin(*next, rt->next_start);
		return PULSE_WAIT;
	}
	if (rt->released)
		return pulse_recovery(rt, e, s, t);
	if (labdev_stats(dev, rt->id, &st, NULL, NULL))
		return PULSE_WAIT;
	if (p->t_fail < 0 && st.first_failure.time_ns) {
		p->t_fail = run_t(st.first_failure.time_ns, t0);
		if (st.state != LAB_STATE_STOPPED)
			return PULSE_CHANGED;
	}
	if (st.state != LAB_STATE_STOPPED)
		return PULSE_WAIT;
	p->t_release = run_t(st.total.stop_request_ns, t0);
	p->t_stopped = run_t(st.stop_ns, t0);
	pulse_end(rt, dev, &st);
	return PULSE_CHANGED;
}

void pulse_phase(const struct engine_record *eng, const struct scenario *sc,
		 char *buf, size_t len)
{
	const struct engine_record *rt;
	const struct outcome_pulse *p;
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < sc->nengines; i++) {
		rt = &eng[i];
		if (!sc->engine[i].exhaust_ms || !rt->npulses)
			continue;
		p = &rt->pulse[rt->npulses - 1];
		snprintf(buf, len, "  pulse %u/%llu %s", rt->npulses,
			 (unsigned long long)sc->engine[i].pulses,
			 rt->next_start >= 0 ? "gap" : rt->released ?
			 "release" : p->t_fail >= 0 ? "hold" : "drain");
		return;
	}
}

void pulses_write(FILE *f, const struct run_record *rec)
{
	size_t i, k;

	fprintf(f, "engine,pulse,t_start_s,t_fail_s,t_release_s,"
		"t_stopped_s\n");
	for (i = 0; i < rec->sc->nengines; i++)
		for (k = 0; k < rec->eng[i].npulses; k++) {
			const struct outcome_pulse *p = &rec->eng[i].pulse[k];

			fprintf(f, "%zu,%zu,%.6f,%.6f,%.6f,%.6f\n", i, k + 1,
				p->t_start, p->t_fail, p->t_release,
				p->t_stopped);
		}
}

size_t pulses_read(const char *text, struct outcome_pulse
		   pulses[][OUTCOME_MAX_PULSES], size_t *npulses,
		   size_t nengines)
{
	const char *line = text, *nl;
	size_t rows = 0;

	while (line && *line && (nl = strchr(line, '\n'))) {
		struct outcome_pulse p;
		size_t eng, k;
		int used = 0;

		if (sscanf(line, "%zu,%zu,%lf,%lf,%lf,%lf%n", &eng, &k,
			   &p.t_start, &p.t_fail, &p.t_release, &p.t_stopped,
			   &used) == 6 && line + used == nl && eng < nengines &&
		    k >= 1 && k <= OUTCOME_MAX_PULSES) {
			pulses[eng][k - 1] = p;
			if (npulses[eng] < k)
				npulses[eng] = k;
			rows++;
		}
		line = nl + 1;
	}
	return rows;
}
