// SPDX-License-Identifier: GPL-2.0
/*
 * The outcome of a run from what it recorded (see outcome.h). Pure
 * functions of their input; tested on recorded series and logs.
 */
#include "outcome.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labdev.h"
#include "util.h"

/* Row i of the series. */
static void series_row(const struct series *s, size_t i,
		       struct outcome_sample *out)
{
	out->found = true;
	out->t = s->t[i];
	out->free = s->col[COL_FREE][i];
	out->held = s->col[COL_HELD][i];
	out->min = s->col[COL_MIN][i];
	out->low = s->col[COL_LOW][i];
	out->high = s->col[COL_HIGH][i];
}

void outcome_sample_at(const struct series *s, double t,
		       struct outcome_sample *out)
{
	size_t i = thr_last_before(s, t);

	memset(out, 0, sizeof(*out));
	if (i != THR_NONE)
		series_row(s, i, out);
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * The first genuine failure: the earliest engine snapshot (exact: the
 * module took it in the failing call), else the first sample whose
 * genuine count moved (the guest died before its stats were read).
 */
static void first_failure(const struct outcome_input *in,
			  struct outcome_failure *f)
{
	const struct lab_snapshot *best = NULL;
	const struct series *s = in->s;
	size_t i, besti = 0, idx;
	char zone[24];

	memset(f, 0, sizeof(*f));
	for (i = 0; i < in->neng; i++) {
		const struct lab_snapshot *sn = &in->eng[i].first;

		if (in->eng[i].have_stats && sn->time_ns &&
		    (!best || sn->time_ns < best->time_ns)) {
			best = sn;
			besti = i;
		}
	}
	if (best) {
		/* 6.1 ignores watermark_boost for order-0 GFP_ATOMIC: the
		 * 3/8 rule is about the unboosted marks */
		f->found = f->at.found = true;
		f->source = SRC_SNAPSHOT;
		f->at.t = (double)best->time_ns / 1e9 - in->t0;
		f->at.free = best->zone_free_pages;
		f->at.held = best->pages_held;
		f->boost = best->watermark_boost;
		f->at.min = sub0(best->wmark_min, f->boost);
		f->at.low = sub0(best->wmark_low, f->boost);
		f->at.high = sub0(best->wmark_high, f->boost);
		f->global_free = best->global_free_pages;
		snprintf(f->zone, sizeof(f->zone), "%s",
			 labdev_zone_name(best, zone));
		snprintf(f->engine, sizeof(f->engine), "%s",
			 in->eng[besti].name);
		f->context = in->eng[besti].context;
		f->cpu = best->cpu;
		f->order = best->order;
		f->cpu_known = true;
		return;
	}
	idx = thr_first_increase(s, COL_FAIL_GENUINE);
	if (idx == THR_NONE || !in->neng)
		return;
	f->found = true;
	f->source = SRC_SERIES;
	series_row(s, idx, &f->at);
	f->boost = s->col[COL_BOOST][idx];
	f->global_free = s->col[COL_GLOBAL_FREE][idx];
	snprintf(f->zone, sizeof(f->zone), "%s", s->zone[0] ? s->zone :
		 "unknown");
	/* one engine: it is that one's; several: the first is named */
	snprintf(f->engine, sizeof(f->engine), "%s", in->eng[0].name);
	f->context = in->eng[0].context;
}

/*
 * The lowest free while below min. The failure snapshot is a sample too,
 * exact and taken at the very moment the reserve said no: the dip can
 * never be shallower than the failure (the plot and the thresholds agree
 * by construction).
 */
static void deepest_dip(const struct outcome_input *in,
			const struct outcome_failure *f, struct outcome_dip *d)
{
	struct thr_dip td;
	uint64_t min;

	memset(d, 0, sizeof(*d));
	thr_deepest_dip(in->s, &td);
	if (td.idx != THR_NONE) {
		d->found = true;
		d->source = SRC_SERIES;
		d->t = td.t;
		d->free = td.free;
		d->min = td.min;
	}
	/* against the series' min (the run's lowest), else the snapshot's */
	min = d->found ? d->min : f->at.min;
	if (f->found && f->source == SRC_SNAPSHOT && f->at.free < min &&
	    (!d->found || f->at.free < d->free)) {
		d->found = true;
		d->source = SRC_SNAPSHOT;
		d->t = f->at.t;
		d->free = f->at.free;
		d->min = min;
	}
	if (d->found)
		d->below = d->min - d->free;
}

static int cmp_oom(const void *a, const void *b)
{
	double x = ((const struct outcome_oom *)a)->k.t_s;
	double y = ((const struct outcome_oom *)b)->k.t_s;

	return x < y ? -1 : x > y;
}

static void oom_kills(const struct outcome_input *in, struct run_outcome *o)
{
	size_t i;

	o->ooms = NULL;
	o->nooms = 0;
	for (i = 0; in->ev && i < in->ev->n; i++) {
		const struct kevent *e = &in->ev->v[i];

		if (!e->has_oom)
			continue;
		o->ooms = xrealloc(o->ooms, (o->nooms + 1) * sizeof(*o->ooms));
		o->ooms[o->nooms].k = e->oom;
		outcome_sample_at(in->s, e->t_s, &o->ooms[o->nooms].at);
		o->nooms++;
	}
	if (o->nooms > 1)
		qsort(o->ooms, o->nooms, sizeof(*o->ooms), cmp_oom);
}

static void panic_threshold(const struct outcome_input *in,
			    struct outcome_panic *p)
{
	const struct kevent *e = in->ev ? kevents_first(in->ev, CON_PANIC) :
				 NULL;
	const struct series *s = in->s;

	memset(p, 0, sizeof(*p));
	if (!e && !in->vm.panic)
		return;
	p->found = true;
	/* without the console's line: the last moment there is data for */
	p->t = e ? e->t_s : s->n ? s->t[s->n - 1] : 0;
	/* the panic line itself; the runner's evidence is the first splat
	 * that led to it (reported as the crash) */
	snprintf(p->message, sizeof(p->message), "%s",
		 in->vm.panic_msg && in->vm.panic_msg[0] ? in->vm.panic_msg :
		 e ? e->text :
		 in->vm.evidence && in->vm.evidence[0] ? in->vm.evidence :
		 "kernel panic");
	outcome_sample_at(s, p->t, &p->last);
}

/*
 * The exhaustion window: from the first genuine failure until the engine
 * that failed first stopped (its stats say when), else until the pages
 * it held went back (the series shows it), else the end of the record.
 */
static void exhaustion_window(const struct outcome_input *in,
			      struct run_outcome *o)
{
	const struct outcome_failure *f = &o->first_failure;
	const struct series *s = in->s;
	double end = -1, peak = 0;
	size_t i;

	if (!f->found)
		return;
	for (i = 0; i < in->neng; i++)
		if (!strcmp(in->eng[i].name, f->engine) &&
		    in->eng[i].stop_t >= f->at.t)
			end = in->eng[i].stop_t;
	for (i = 0; end < 0 && i < s->n; i++) {
		if (s->t[i] < f->at.t) {
			peak = (double)s->col[COL_HELD][i];
			continue;
		}
		if ((double)s->col[COL_HELD][i] > peak)
			peak = (double)s->col[COL_HELD][i];
		else if ((double)s->col[COL_HELD][i] < peak / 2)
			end = s->t[i];
	}
	if (end < 0)
		end = o->panic.found ? o->panic.t :
		      s->n ? s->t[s->n - 1] : f->at.t;
	if (end < f->at.t)
		end = f->at.t;
	snprintf(o->windows[0].kind, sizeof(o->windows[0].kind),
		 "exhaustion");
	snprintf(o->windows[0].label, sizeof(o->windows[0].label),
		 "exhausted: first genuine failure to engine stop");
	o->windows[0].t0 = f->at.t;
	o->windows[0].t1 = end;
	o->nwindows = 1;
}

/* A cumulative column's growth over [t0, t1). */
static uint64_t col_delta(const struct series *s, enum series_col c,
			  double t0, double t1)
{
	size_t a, b;

	if (!s || !s->n)
		return 0;
	a = thr_last_before(s, t0);
	b = thr_last_before(s, t1);
	if (b == THR_NONE)
		return 0;
	return sub0(s->col[c][b], a == THR_NONE ? 0 : s->col[c][a]);
}

/* Kernel messages of a kind in [t0, t1). */
static uint64_t events_in(const struct kevents *ev, enum console_kind kind,
			  double t0, double t1)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; ev && i < ev->n; i++)
		if (ev->v[i].kind == kind && ev->v[i].t_s >= t0 &&
		    ev->v[i].t_s < t1)
			n++;
	return n;
}

/* When free pages were back above low after t (s), < 0: not seen. */
static double recovered_at(const struct series *s, double t)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->t[i] >= t && s->col[COL_FREE][i] > s->col[COL_LOW][i])
			return s->t[i];
	return -1;
}

/* Add one phase window [t0, t1) (t1 < 0: open, to end) with its counts. */
static void phase_window(const struct outcome_input *in,
			 struct run_outcome *o, const char *engine,
			 unsigned int pulse, const char *kind, double t0,
			 double t1, double end)
{
	struct outcome_window *w;

	if (t0 < 0 || o->nwindows == OUTCOME_MAX_WINDOWS)
		return;
	w = &o->windows[o->nwindows++];
	memset(w, 0, sizeof(*w));
	w->phase = true;
	w->open = t1 < 0;
	w->t0 = t0;
	w->t1 = t1 < 0 ? fmax(end, t0) : t1;
	w->pulse = pulse;
	w->recovery_s = -1;
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	snprintf(w->engine, sizeof(w->engine), "%s", engine);
	snprintf(w->label, sizeof(w->label), "%s%s, pulse %u of [engine %s]",
		 kind, w->open ? " (not over)" : "", pulse, engine);
	w->alloc_failure_msgs = events_in(in->ev, CON_ALLOC_FAILURE, w->t0,
					  w->t1);
	w->oom_kills = events_in(in->ev, CON_OOM_KILL, w->t0, w->t1);
	w->lab_failures = col_delta(in->s, COL_FAIL_GENUINE, w->t0, w->t1);
	w->reclaim_pages = col_delta(in->s, COL_RECLAIM, w->t0, w->t1);
}

/*
 * When a pulse's hold began, if the guest died before it read the
 * module's time: the first sign of a genuine failure after the pulse
 * started, in the streamed series or a "page allocation failure" message
 * on the console (a crashing driver's own failure often is the first),
 * < 0 when there is none.
 */
static double hold_start(const struct outcome_input *in,
			 const struct outcome_pulse *p)
{
	const struct series *s = in->s;
	double t = -1;
	size_t i;

	if (p->t_fail >= 0)
		return p->t_fail;
	for (i = 1; i < s->n; i++)
		if (s->t[i] >= p->t_start && s->col[COL_FAIL_GENUINE][i] >
		    s->col[COL_FAIL_GENUINE][i - 1]) {
			t = s->t[i];
			break;
		}
	for (i = 0; in->ev && i < in->ev->n; i++) {
		const struct kevent *k = &in->ev->v[i];

		if (k->kind == CON_ALLOC_FAILURE && k->t_s >= p->t_start &&
		    (t < 0 || k->t_s < t))
			t = k->t_s;
	}
	if (p->t_release >= 0 && t > p->t_release)
		return -1;
	return t;
}

/*
 * The phases of each pulse of each engine with an exhaust phase: drain
 * (start to first genuine failure), hold (to the stop), release (to free
 * pages back above low: recovery), gap (to the next pulse's start). A
 * phase the record ended in (a crash, the end of the run) is open, to
 * the panic or the last sample.
 */
static void phase_windows(const struct outcome_input *in,
			  struct run_outcome *o)
{
	const struct series *s = in->s;
	double end = o->panic.found ? o->panic.t :
		     s->n ? s->t[s->n - 1] : in->t_end;
	size_t i, k;

	for (i = 0; i < in->neng; i++) {
		const struct outcome_engine *e = &in->eng[i];

		for (k = 0; k < e->npulses; k++) {
			const struct outcome_pulse *p = &e->pulses[k];
			double next = k + 1 < e->npulses ?
				      e->pulses[k + 1].t_start : -1;
			double rec = p->t_stopped >= 0 ?
				     recovered_at(s, p->t_stopped) : -1;
			unsigned int n = (unsigned int)k + 1;
			double fail = hold_start(in, p);

			phase_window(in, o, e->name, n, "drain", p->t_start,
				     fail >= 0 ? fail : p->t_release, end);
			phase_window(in, o, e->name, n, "hold", fail,
				     p->t_release, end);
			phase_window(in, o, e->name, n, "release",
				     p->t_release, rec, end);
			if (p->t_release >= 0 && rec >= 0)
				o->windows[o->nwindows - 1].recovery_s =
					rec - p->t_release;
			if (next >= 0)
				phase_window(in, o, e->name, n, "gap",
					     rec >= 0 ? rec : p->t_stopped,
					     next, end);
		}
	}
}

/* The first splat that is not the panic itself (that one is a verdict
 * of its own). */
static const struct kevent *first_splat(const struct kevents *ev)
{
	size_t i;

	for (i = 0; ev && i < ev->n; i++)
		if (console_kind_is_splat(ev->v[i].kind) &&
		    ev->v[i].kind != CON_PANIC)
			return &ev->v[i];
	return NULL;
}

static void observe(const struct outcome_input *in, struct run_outcome *o)
{
	struct observed *ob = &o->obs;
	bool vm_said = in->vm.panic || in->vm.timeout || in->vm.splat;
	size_t i;

	memset(ob, 0, sizeof(*ob));
	ob->panic = in->vm.panic || o->panic.found;
	ob->splat = in->vm.splat || first_splat(in->ev);
	ob->timeout = in->vm.timeout;
	/* /proc/vmstat counts kills the log may have missed (no victim
	 * known, so no first_oom_kill threshold, but an OOM all the same) */
	ob->oom = o->nooms ||
		  (in->proc && thr_first_increase(in->proc, COL_OOM_KILL) !=
		   THR_NONE);
	ob->atomic_failure = o->genuine > 0 || o->first_failure.found;
	for (i = 0; i < in->neng; i++) {
		if (in->eng[i].have_stats && in->eng[i].fail_genuine)
			ob->atomic_failure = true;
		if (in->eng[i].npulses)
			ob->exhaust = true;
	}
	/* an unfinished run the VM explains is that, not an error */
	ob->error = in->st.error || in->st.interrupted ||
		    (in->st.unfinished && !vm_said);
}

static void decide(struct run_outcome *o, bool skipped)
{
	o->verdict = skipped ? V_SKIPPED : thr_verdict(&o->obs, o->expect);
	o->expect_met = thr_expect_met(o->verdict, o->expect);
}

static void reason(const struct outcome_input *in, struct run_outcome *o)
{
	const struct kevent *sp = first_splat(in->ev);
	const char *stop = in->stop_reason ? in->stop_reason : "";
	char elsewhere[24] = "";
	size_t n = 0;

	if (in->st.unfinished && in->vm.present &&
	    (in->vm.panic || in->vm.timeout || in->vm.no_status))
		n = (size_t)snprintf(o->reason, sizeof(o->reason),
				     "the VM %s: %s; ", in->vm.panic ?
				     "panicked" : in->vm.timeout ?
				     "hung (timeout)" :
				     "stopped before the run finished",
				     in->vm.evidence && in->vm.evidence[0] ?
				     in->vm.evidence : "no evidence");
	if (in->st.skipped) {
		snprintf(o->reason + n, sizeof(o->reason) - n, "%s", stop);
		return;
	}
	if (in->st.unfinished)
		stop = "the guest did not write its report (it panicked, "
		       "hung or was killed)";
	if (o->injected_elsewhere)
		snprintf(elsewhere, sizeof(elsewhere), "%llu",
			 (unsigned long long)o->injected_elsewhere);
	snprintf(o->reason + n, sizeof(o->reason) - n,
		 "%s%s%s; %zu OOM kill%s, %llu genuine and %llu injected "
		 "allocation failures%s%s%s%s%s", stop,
		 sp ? "; kernel splat: " : "", sp ? sp->text : "", o->nooms,
		 o->nooms == 1 ? "" : "s", (unsigned long long)o->genuine,
		 (unsigned long long)o->injected, elsewhere[0] ? " (+ " : "",
		 elsewhere, elsewhere[0] ? " injected by scope elsewhere)" :
		 "", in->st.restore_failed ? "; KNOBS NOT ALL RESTORED" : "",
		 in->st.held_after ? "; pages still held after stop" : "");
}

void outcome_compute(const struct outcome_input *in, struct run_outcome *o)
{
	const struct series *s = in->s;

	memset(o, 0, sizeof(*o));
	o->expect = in->expect;
	if (s->n) {
		o->genuine = s->col[COL_FAIL_GENUINE][s->n - 1];
		o->injected = s->col[COL_FAIL_INJECTED][s->n - 1];
	}
	o->injected_elsewhere = in->injected_elsewhere;
	first_failure(in, &o->first_failure);
	oom_kills(in, o);
	panic_threshold(in, &o->panic);
	deepest_dip(in, &o->first_failure, &o->dip);
	o->nrates = thr_failure_rates(s, 1.0, &o->rates);
	phase_windows(in, o);
	if (!o->nwindows)
		exhaustion_window(in, o);
	thr_series_loss(s, &o->loss);
	observe(in, o);
	decide(o, in->st.skipped);
	reason(in, o);
}

void outcome_free(struct run_outcome *o)
{
	free(o->ooms);
	free(o->rates);
	o->ooms = NULL;
	o->rates = NULL;
	o->nooms = o->nrates = 0;
}

void outcome_apply_vm(struct run_outcome *o, const struct outcome_vm *vm)
{
	enum verdict before = o->verdict;
	const char *what = vm->panic ? "panic" : vm->splat ? "splat" :
			   vm->timeout ? "timeout" : NULL;
	char *old;

	if (!what || o->verdict == V_SKIPPED)
		return;
	o->obs.panic |= vm->panic;
	o->obs.splat |= vm->splat;
	o->obs.timeout |= vm->timeout;
	decide(o, false);
	if (o->verdict == before)
		return;
	old = xstrdup(o->reason);
	snprintf(o->reason, sizeof(o->reason), "the VM runner saw a %s: %s; "
		 "guest: %s", what, vm->evidence ? vm->evidence : "", old);
	free(old);
}

int outcome_exit_code(const struct run_outcome *o,
		      const struct outcome_status *st)
{
	if (o->verdict == V_SKIPPED)
		return LAB_EXIT_SKIP;
	if (st->restore_failed)
		return LAB_EXIT_INTERNAL;
	return o->expect_met && !st->dut_failed ? LAB_EXIT_OK :
	       LAB_EXIT_UNEXPECTED;
}

const struct outcome_window *outcome_place(const struct outcome_window *w,
					   size_t n, double ff_t, double t,
					   double *since_ff, char *buf,
					   size_t len)
{
	const struct outcome_window *in = NULL;
	size_t i, pulses = 0;

	/* no threshold (the guest died first): the first hold began at
	 * the first failure the record shows */
	for (i = 0; ff_t < 0 && i < n; i++)
		if (w[i].phase && !strcmp(w[i].kind, "hold"))
			ff_t = w[i].t0;
	*since_ff = ff_t >= 0 && t >= ff_t ? t - ff_t : -1;
	for (i = 0; i < n; i++) {
		if (!w[i].phase)
			continue;
		if (w[i].pulse > pulses)
			pulses = w[i].pulse;
		if (w[i].t0 <= t && (!in || w[i].t0 >= in->t0))
			in = &w[i];
	}
	if (buf && len) {
		buf[0] = '\0';
		if (in && pulses > 1)
			snprintf(buf, len, "%.1f s into %s of pulse %u",
				 t - in->t0, in->kind, in->pulse);
		else if (in)
			snprintf(buf, len, "%.1f s into %s", t - in->t0,
				 in->kind);
		else if (*since_ff >= 0)
			snprintf(buf, len, "%.1f s after the first atomic "
				 "failure", *since_ff);
	}
	return in;
}

size_t outcome_windows_from_json(json_t *a, struct outcome_window *w,
				 size_t max)
{
	json_t *e;
	size_t i, n = 0;

	json_array_foreach(a, i, e) {
		json_t *p = json_object_get(e, "pulse");

		if (n == max)
			break;
		memset(&w[n], 0, sizeof(w[n]));
		snprintf(w[n].kind, sizeof(w[n].kind), "%s",
			 json_string_value(json_object_get(e, "kind")) ?: "");
		w[n].t0 = json_number_value(json_object_get(e, "t0_s"));
		w[n].t1 = json_number_value(json_object_get(e, "t1_s"));
		w[n].phase = json_is_integer(p);
		w[n].pulse = (unsigned int)json_integer_value(p);
		snprintf(w[n].engine, sizeof(w[n].engine), "%s",
			 json_string_value(json_object_get(e, "engine")) ?: "");
		n++;
	}
	return n;
}
