// SPDX-License-Identifier: GPL-2.0
/*
 * struct run_outcome and the series as report.json's blocks (schema:
 * reports/schema/README.md). Serialisation only: every value here was
 * decided by outcome_compute().
 */
#include "outcome_json.h"

#include <math.h>
#include <string.h>

#include "util.h"
#include "vocab.h"

#define JI(v) json_integer((json_int_t)(v))
/* Times of the series to 0.1 ms, as its t_s: a gap's ends are samples. */
#define JT(t) json_real(round((t) * 1e4) / 1e4)

static const char *const source_names[] = {
	[SRC_SNAPSHOT] = "module snapshot",
	[SRC_SERIES] = "module series (sample resolution)",
};

static json_t *observed_json(const struct observed *ob)
{
	json_t *o = json_object();

	json_object_set_new(o, "atomic_failure",
			    json_boolean(ob->atomic_failure));
	json_object_set_new(o, "oom", json_boolean(ob->oom));
	json_object_set_new(o, "panic", json_boolean(ob->panic));
	json_object_set_new(o, "splat", json_boolean(ob->splat));
	json_object_set_new(o, "timeout", json_boolean(ob->timeout));
	json_object_set_new(o, "error", json_boolean(ob->error));
	json_object_set_new(o, "exhaust", json_boolean(ob->exhaust));
	return o;
}

json_t *outcome_json(const struct run_outcome *o)
{
	json_t *j = json_object();

	json_object_set_new(j, "verdict", json_string(vocab_str(&vocab_verdict,
								 o->verdict)));
	json_object_set_new(j, "expect", json_string(vocab_str(&vocab_expect,
								o->expect)));
	json_object_set_new(j, "expect_met", json_boolean(o->expect_met));
	json_object_set_new(j, "reason", json_string(o->reason));
	json_object_set_new(j, "observed", observed_json(&o->obs));
	return j;
}

int outcome_from_json(json_t *j, struct run_outcome *o)
{
	json_t *ob = json_object_get(j, "observed");
	uint32_t v, e;

	memset(o, 0, sizeof(*o));
	if (!json_is_object(ob) ||
	    vocab_parse(&vocab_verdict, json_string_value(json_object_get(
			j, "verdict")) ?: "", &v) < 0 ||
	    vocab_parse(&vocab_expect, json_string_value(json_object_get(
			j, "expect")) ?: "", &e) < 0)
		return -1;
	o->verdict = (enum verdict)v;
	o->expect = e;
	o->expect_met = json_is_true(json_object_get(j, "expect_met"));
	snprintf(o->reason, sizeof(o->reason), "%s",
		 json_string_value(json_object_get(j, "reason")) ?: "");
	o->obs.atomic_failure = json_is_true(json_object_get(ob,
							     "atomic_failure"));
	o->obs.oom = json_is_true(json_object_get(ob, "oom"));
	o->obs.panic = json_is_true(json_object_get(ob, "panic"));
	o->obs.splat = json_is_true(json_object_get(ob, "splat"));
	o->obs.timeout = json_is_true(json_object_get(ob, "timeout"));
	o->obs.error = json_is_true(json_object_get(ob, "error"));
	o->obs.exhaust = json_is_true(json_object_get(ob, "exhaust"));
	return 0;
}

static json_t *sample_json(const struct outcome_sample *s)
{
	json_t *o;

	if (!s->found)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(s->t));
	json_object_set_new(o, "free_pages", JI(s->free));
	json_object_set_new(o, "pages_held", JI(s->held));
	json_object_set_new(o, "min", JI(s->min));
	json_object_set_new(o, "low", JI(s->low));
	json_object_set_new(o, "high", JI(s->high));
	return o;
}

static json_t *failure_json(const struct outcome_failure *f)
{
	json_t *o;

	if (!f->found)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(f->at.t));
	json_object_set_new(o, "pages_held", JI(f->at.held));
	json_object_set_new(o, "free_pages", JI(f->at.free));
	json_object_set_new(o, "zone", json_string(f->zone));
	json_object_set_new(o, "min", JI(f->at.min));
	json_object_set_new(o, "low", JI(f->at.low));
	json_object_set_new(o, "high", JI(f->at.high));
	json_object_set_new(o, "watermark_boost", JI(f->boost));
	json_object_set_new(o, "free_over_min", json_real(
		f->at.min ? (double)f->at.free / (double)f->at.min : 0));
	json_object_set_new(o, "engine", json_string(f->engine));
	json_object_set_new(o, "context", json_string(
		vocab_str(&vocab_context, f->context)));
	json_object_set_new(o, "cpu", f->cpu_known ? JI(f->cpu) :
			    json_null());
	if (f->source == SRC_SNAPSHOT)
		json_object_set_new(o, "order", JI(f->order));
	json_object_set_new(o, "global_free_pages", JI(f->global_free));
	json_object_set_new(o, "source", json_string(source_names[f->source]));
	return o;
}

static json_t *first_oom_json(const struct run_outcome *o)
{
	const struct outcome_oom *k = o->nooms ? &o->ooms[0] : NULL;
	json_t *j;

	if (!k)
		return json_null();
	j = json_object();
	json_object_set_new(j, "t_s", json_real(k->k.t_s));
	json_object_set_new(j, "victim_pid", JI(k->k.pid));
	json_object_set_new(j, "victim_comm", json_string(k->k.comm));
	json_object_set_new(j, "free_pages", JI(k->at.free));
	json_object_set_new(j, "pages_held", JI(k->at.held));
	return j;
}

static json_t *panic_json(const struct outcome_panic *p)
{
	json_t *o;

	if (!p->found)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(p->t));
	json_object_set_new(o, "message", json_string(p->message));
	json_object_set_new(o, "last_sample", sample_json(&p->last));
	return o;
}

static json_t *dip_json(const struct outcome_dip *d, const char *zone)
{
	json_t *o;

	if (!d->found)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(d->t));
	json_object_set_new(o, "free_pages", JI(d->free));
	json_object_set_new(o, "zone", json_string(zone && *zone ? zone :
						   "unknown"));
	json_object_set_new(o, "min", JI(d->min));
	json_object_set_new(o, "below_min_pages", JI(d->below));
	json_object_set_new(o, "source", json_string(source_names[d->source]));
	return o;
}

static json_t *rates_json(const struct run_outcome *o)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < o->nrates; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "t0_s", json_real(o->rates[i].t0));
		json_object_set_new(e, "t1_s", json_real(o->rates[i].t1));
		json_object_set_new(e, "attempts", JI(o->rates[i].attempts));
		json_object_set_new(e, "failures", JI(o->rates[i].failures));
		json_object_set_new(e, "rate", json_real(o->rates[i].rate));
		json_array_append_new(a, e);
	}
	return a;
}

json_t *outcome_thresholds_json(const struct run_outcome *o,
				const char *zone)
{
	json_t *th = json_object();

	json_object_set_new(th, "first_atomic_failure",
			    failure_json(&o->first_failure));
	json_object_set_new(th, "first_oom_kill", first_oom_json(o));
	json_object_set_new(th, "panic", panic_json(&o->panic));
	json_object_set_new(th, "deepest_dip", dip_json(&o->dip, zone));
	json_object_set_new(th, "failure_rate_per_s", rates_json(o));
	return th;
}

json_t *outcome_ooms_json(const struct run_outcome *o)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < o->nooms; i++) {
		const struct outcome_oom *k = &o->ooms[i];
		json_t *e = json_object();

		json_object_set_new(e, "t_s", json_real(k->k.t_s));
		json_object_set_new(e, "pid", JI(k->k.pid));
		json_object_set_new(e, "comm", json_string(k->k.comm));
		json_object_set_new(e, "anon_rss_kb", JI(k->k.anon_rss_kb));
		json_object_set_new(e, "total_vm_kb", JI(k->k.total_vm_kb));
		if (k->k.has_adj)
			json_object_set_new(e, "oom_score_adj",
					    JI(k->k.oom_score_adj));
		if (k->at.found) {
			json_object_set_new(e, "free_pages", JI(k->at.free));
			json_object_set_new(e, "pages_held", JI(k->at.held));
		}
		json_array_append_new(a, e);
	}
	return a;
}

/* A phase window's own members (schema 3). */
static void phase_json(json_t *e, const struct outcome_window *w)
{
	json_object_set_new(e, "engine", json_string(w->engine));
	json_object_set_new(e, "pulse", json_integer(w->pulse));
	json_object_set_new(e, "open", json_boolean(w->open));
	json_object_set_new(e, "alloc_failure_messages",
			    JI(w->alloc_failure_msgs));
	json_object_set_new(e, "labyrinth_failures", JI(w->lab_failures));
	json_object_set_new(e, "oom_kills", JI(w->oom_kills));
	json_object_set_new(e, "reclaim_pages", JI(w->reclaim_pages));
	if (!strcmp(w->kind, "release"))
		json_object_set_new(e, "recovery_s", w->recovery_s >= 0 ?
				    json_real(w->recovery_s) : json_null());
}

json_t *outcome_windows_json(const struct run_outcome *o)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < o->nwindows; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "kind", json_string(o->windows[i].kind));
		json_object_set_new(e, "label",
				    json_string(o->windows[i].label));
		json_object_set_new(e, "t0_s", json_real(o->windows[i].t0));
		json_object_set_new(e, "t1_s", json_real(o->windows[i].t1));
		if (o->windows[i].phase)
			phase_json(e, &o->windows[i]);
		json_array_append_new(a, e);
	}
	return a;
}

json_t *kevents_json(const struct kevents *ev)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; ev && i < ev->n; i++) {
		json_t *m = json_object();

		json_object_set_new(m, "t_s", json_real(ev->v[i].t_s));
		json_object_set_new(m, "kind", json_string(
			console_report_kind(ev->v[i].kind)));
		json_object_set_new(m, "text", json_string(ev->v[i].text));
		json_array_append_new(a, m);
	}
	return a;
}

static json_t *loss_json(const struct thr_loss *l)
{
	json_t *o = json_object(), *gaps = json_array();
	size_t i;

	json_object_set_new(o, "ring_lost", JI(l->ring_lost));
	json_object_set_new(o, "missing_samples", JI(l->missed));
	json_object_set_new(o, "longest_gap_s", JT(l->longest_gap_s));
	json_object_set_new(o, "gap_count", JI(l->ngaps));
	for (i = 0; i < l->ngaps && i < THR_MAX_GAPS; i++) {
		json_t *g = json_object();

		json_object_set_new(g, "t0_s", JT(l->gap[i].t0));
		json_object_set_new(g, "t1_s", JT(l->gap[i].t1));
		json_object_set_new(g, "missing", JI(l->gap[i].missing));
		json_array_append_new(gaps, g);
	}
	json_object_set_new(o, "gaps", gaps);
	return o;
}

json_t *series_json(const struct series *s, const struct thr_loss *loss)
{
	json_t *o = json_object(), *t = json_array(), *fail = NULL;
	size_t i, c;

	json_object_set_new(o, "source", json_string(
		s->kind == SERIES_MODULE ? "module" : "proc"));
	json_object_set_new(o, "interval_ms", JI(s->interval_ms));
	if (s->kind == SERIES_MODULE) {
		json_object_set_new(o, "zone", json_string(s->zone[0] ?
							   s->zone :
							   "unknown"));
		fail = json_array();
	}
	for (i = 0; i < s->n; i++) {
		json_array_append_new(t, JT(s->t[i]));
		if (fail)
			json_array_append_new(fail, JI(
				s->col[COL_FAIL_GENUINE][i] +
				s->col[COL_FAIL_INJECTED][i]));
	}
	json_object_set_new(o, "t_s", t);
	if (fail)
		json_object_set_new(o, "failures", fail);
	for (c = 0; c < COL_MAX; c++) {
		json_t *a;

		if (series_col_kind((enum series_col)c) != s->kind)
			continue;
		a = json_array();
		for (i = 0; i < s->n; i++)
			json_array_append_new(a, JI(s->col[c][i]));
		json_object_set_new(o, series_col_name((enum series_col)c), a);
	}
	if (loss)
		json_object_set_new(o, "loss", loss_json(loss));
	return o;
}
