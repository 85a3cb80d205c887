// SPDX-License-Identifier: GPL-2.0
/*
 * The outcome of a run from what it recorded (see outcome.h). Pure
 * functions of their input; tested on recorded series and logs.
 */
#include "outcome.h"

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
	for (i = 0; i < in->neng; i++)
		if (in->eng[i].have_stats && in->eng[i].fail_genuine)
			ob->atomic_failure = true;
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
	snprintf(o->reason + n, sizeof(o->reason) - n,
		 "%s%s%s; %zu OOM kill%s, %llu genuine and %llu injected "
		 "allocation failures%s%s", stop,
		 sp ? "; kernel splat: " : "", sp ? sp->text : "", o->nooms,
		 o->nooms == 1 ? "" : "s", (unsigned long long)o->genuine,
		 (unsigned long long)o->injected,
		 in->st.restore_failed ? "; KNOBS NOT ALL RESTORED" : "",
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
	first_failure(in, &o->first_failure);
	oom_kills(in, o);
	panic_threshold(in, &o->panic);
	deepest_dip(in, &o->first_failure, &o->dip);
	o->nrates = thr_failure_rates(s, 1.0, &o->rates);
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
