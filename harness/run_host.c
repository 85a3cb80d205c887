// SPDX-License-Identifier: GPL-2.0
/*
 * The host's completion of a run after `labyrinth vm run`: what the guest
 * left in the result directory, plus the VM runner's verdict and console
 * log, becomes a complete report.json (see run.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "report.h"
#include "run.h"
#include "run_report.h"
#include "sample.h"
#include "thresholds.h"
#include "util.h"
#include "vm.h"
#include "vm_console.h"

/* Console lines may hold any bytes; JSON strings must be UTF-8. */
static json_t *ascii_string(const char *s)
{
	char *c = xstrdup(s), *p;
	json_t *j;

	for (p = c; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

static const char *vm_report_verdict(enum vm_verdict v)
{
	switch (v) {
	case VM_PANIC:
		return "panic";
	case VM_SPLAT:
		return "splat";
	case VM_TIMEOUT:
		return "timeout";
	default:
		return NULL;
	}
}

static void set_outcome(json_t *rep, const char *verdict, const char *why)
{
	json_t *out = json_object_get(rep, "outcome");
	const char *expect = json_string_value(json_object_get(out, "expect"));
	const char *old = json_string_value(json_object_get(out, "reason"));
	char *reason = xasprintf("%s%s%s", why, old && *old ? "; guest: " : "",
				 old ? old : "");

	json_object_set_new(out, "verdict", json_string(verdict));
	json_object_set_new(out, "expect_met", expect ?
			    json_boolean(!strcmp(expect, verdict)) :
			    json_null());
	json_object_set_new(out, "reason", json_string(reason));
	free(reason);
}

/* Copy the console log beside the report (the vm/ dir may be anywhere). */
static const char *console_rel(const char *dir, const char *console_log)
{
	char *want = xasprintf("%s/vm/console.log", dir);
	bool same = console_log && !strcmp(want, console_log);

	free(want);
	if (same)
		return "vm/console.log";
	if (console_log) {
		char *text, *dst = xasprintf("%s/console.log", dir);
		size_t len;

		if (read_file(console_log, &text, &len) == 0) {
			write_file_atomic(dst, text, len);
			free(text);
			free(dst);
			return "console.log";
		}
		free(dst);
	}
	return NULL;
}

/*
 * The guest's engine counters died with it, but the series it streamed has
 * the cumulative attempts and failures of all engines. With one engine
 * they are that engine's own; the injected ones go to the injector the
 * scenario's page-allocation scope names (the column adds both kinds).
 * With several engines the totals cannot be split: the engines keep zeros
 * and the series keeps the totals.
 */
static void fill_engine_from_series(json_t *rep, const struct series *s)
{
	json_t *engines = json_object_get(rep, "engines"), *e, *f, *inj;
	const char *scope = NULL;
	uint64_t att, gen, injd, peak = 0;
	size_t i, last;

	if (json_array_size(engines) != 1 || !s->n)
		return;
	last = s->n - 1;
	att = s->col[COL_ATTEMPTS][last];
	gen = s->col[COL_FAIL_GENUINE][last];
	injd = s->col[COL_FAIL_INJECTED][last];
	for (i = 0; i < s->n; i++)
		if (s->col[COL_HELD][i] > peak)
			peak = s->col[COL_HELD][i];
	json_array_foreach(json_object_get(json_object_get(rep, "injection"),
					   "injectors"), i, inj)
		if (!strcmp(json_string_value(json_object_get(inj, "name")) ?: "",
			    "fail_page_alloc"))
			scope = json_string_value(json_object_get(inj, "scope"));
	e = json_array_get(engines, 0);
	f = json_object_get(e, "failures");
	json_object_set_new(e, "attempts", json_integer((json_int_t)att));
	json_object_set_new(e, "successes", json_integer((json_int_t)
		(att >= gen + injd ? att - gen - injd : 0)));
	json_object_set_new(f, "genuine", json_integer((json_int_t)gen));
	json_object_set_new(f, scope && !strcmp(scope, "labyrinth") ?
			    "injected_private" : "injected_kernel",
			    json_integer((json_int_t)injd));
	json_object_set_new(e, "held_peak", json_integer((json_int_t)peak));
}

/* The guest never finished: rebuild series, thresholds, messages. */
static void fill_from_stream(json_t *rep, const char *dir,
			     const struct vm_result *vr, const char *clog)
{
	json_t *run = json_object_get(rep, "run");
	json_t *th = json_object_get(rep, "thresholds");
	double t0 = json_number_value(json_object_get(run, "t0_monotonic_s"));
	double t_panic = -1, t_end = 0;
	struct series s;
	struct console_scan cs;
	char *p, *text, err[256];
	json_t *msgs = json_array(), *ooms = json_array(), *first_oom = NULL;
	size_t i, idx;

	series_init(&s, (unsigned int)json_integer_value(json_object_get(
		json_object_get(rep, "series"), "interval_ms")));
	snprintf(s.zone, sizeof(s.zone), "%s", json_string_value(
		json_object_get(json_object_get(rep, "series"), "zone")) ?: "");
	p = xasprintf("%s/%s", dir, RUN_LIVE_CSV);
	if (read_file(p, &text, NULL) == 0) {
		if (series_csv_read(text, &s, err, sizeof(err)) < 0)
			lab_warn("%s: %s (the samples before it are used)", p,
				 err);
		free(text);
	}
	free(p);
	if (!strcmp(s.zone, "unknown") || !s.zone[0]) {
		/* the partial report was written before the first sample */
		json_t *zones = json_object_get(json_object_get(rep, "system"),
						"zones");
		json_t *z = json_array_get(zones, json_array_size(zones) - 1);

		snprintf(s.zone, sizeof(s.zone), "%s",
			 json_string_value(json_object_get(z, "name")) ?:
			 "unknown");
	}

	console_scan_init(&cs);
	if (clog && console_scan_file(&cs, clog) == 0) {
		for (i = 0; i < cs.nev; i++) {
			const struct console_event *e = &cs.ev[i];
			double t = e->ktime >= 0 ? e->ktime - t0 : 0;
			json_t *m;

			if (e->kind == CON_CMD_START || e->kind == CON_CMD_EXIT ||
			    e->ktime < t0)
				continue;
			if (e->kind == CON_PANIC && t_panic < 0)
				t_panic = t;
			if (json_array_size(msgs) < KMSG_KEEP_MAX) {
				m = json_object();
				json_object_set_new(m, "t_s", json_real(t));
				json_object_set_new(m, "kind", json_string(
					console_report_kind(e->kind)));
				json_object_set_new(m, "text",
						    ascii_string(e->text));
				json_array_append_new(msgs, m);
			}
			if (e->kind == CON_OOM_KILL) {
				struct kmsg_oom o;
				json_t *k;

				if (kmsg_parse_oom_kill(e->text, &o))
					continue;
				idx = thr_last_before(&s, t);
				k = json_object();
				json_object_set_new(k, "t_s", json_real(t));
				json_object_set_new(k, "pid",
						    json_integer(o.pid));
				json_object_set_new(k, "comm",
						    json_string(o.comm));
				json_object_set_new(k, "anon_rss_kb",
					json_integer(o.anon_rss_kb));
				json_object_set_new(k, "total_vm_kb",
					json_integer(o.total_vm_kb));
				if (!first_oom) {
					first_oom = json_object();
					json_object_set_new(first_oom, "t_s",
							    json_real(t));
					json_object_set_new(first_oom,
						"victim_pid",
						json_integer(o.pid));
					json_object_set_new(first_oom,
						"victim_comm",
						json_string(o.comm));
					json_object_set_new(first_oom,
						"free_pages", json_integer(
						idx == THR_NONE ? 0 :
						(json_int_t)
						s.col[COL_FREE][idx]));
					json_object_set_new(first_oom,
						"pages_held", json_integer(
						idx == THR_NONE ? 0 :
						(json_int_t)
						s.col[COL_HELD][idx]));
				}
				json_array_append_new(ooms, k);
			}
		}
	}
	console_scan_free(&cs);

	fill_engine_from_series(rep, &s);
	json_object_set_new(rep, "series", run_series_json(&s));
	json_object_set_new(rep, "kernel_messages", msgs);
	json_object_set_new(rep, "oom_kills", ooms);
	json_object_set_new(th, "first_oom_kill", first_oom ? first_oom :
			    json_null());
	json_object_set_new(th, "deepest_dip", run_dip_json(&s));
	idx = thr_first_increase(&s, COL_FAIL_GENUINE);
	if (idx != THR_NONE) {
		json_t *f = json_object(), *eng = json_array_get(
			json_object_get(rep, "engines"), 0);

		json_object_set_new(f, "t_s", json_real(s.t[idx]));
		json_object_set_new(f, "pages_held", json_integer(
			(json_int_t)s.col[COL_HELD][idx]));
		json_object_set_new(f, "free_pages", json_integer(
			(json_int_t)s.col[COL_FREE][idx]));
		json_object_set_new(f, "zone", json_string(s.zone));
		json_object_set_new(f, "min", json_integer(
			(json_int_t)s.col[COL_MIN][idx]));
		json_object_set_new(f, "low", json_integer(
			(json_int_t)s.col[COL_LOW][idx]));
		json_object_set_new(f, "high", json_integer(
			(json_int_t)s.col[COL_HIGH][idx]));
		json_object_set_new(f, "free_over_min", json_real(
			s.col[COL_MIN][idx] ? (double)s.col[COL_FREE][idx] /
			(double)s.col[COL_MIN][idx] : 0));
		json_object_set_new(f, "engine", json_string(json_string_value(
			json_object_get(eng, "id")) ?: "unknown"));
		json_object_set_new(f, "context", json_string(
			json_string_value(json_object_get(eng, "context")) ?:
			"hrtimer"));
		json_object_set_new(f, "cpu", json_integer(0));
		json_object_set_new(f, "source", json_string(
			"series (the guest died before reading the module's "
			"snapshot)"));
		json_object_set_new(th, "first_atomic_failure", f);
	}
	if (s.n)
		t_end = s.t[s.n - 1];
	if (vr->verdict == VM_PANIC) {
		json_t *pn = json_object();

		if (t_panic < 0)
			t_panic = t_end;
		json_object_set_new(pn, "t_s", json_real(t_panic));
		json_object_set_new(pn, "message", json_string(
			vr->evidence[0] ? vr->evidence : "kernel panic"));
		json_object_set_new(pn, "last_sample", run_sample_json(
			&s, thr_last_before(&s, t_panic)));
		json_object_set_new(th, "panic", pn);
		if (t_panic > t_end)
			t_end = t_panic;
	}
	json_object_set_new(run, "duration_s", json_real(t_end));
	json_object_set_new(json_object_get(rep, "sampler"), "samples",
			    json_integer((json_int_t)s.n));
	series_free(&s);
}

int run_complete_on_host(const char *dir, const struct vm_result *vr,
			 bool quiet)
{
	char *path = xasprintf("%s/%s", dir, REPORT_JSON), err[1024];
	const char *rel, *vmv;
	json_t *rep = NULL, *vmj, *files;
	bool from_partial = false;
	json_error_t je;
	int ret;

	if (access(path, F_OK) == 0) {
		if (report_load(dir, &rep, err, sizeof(err))) {
			lab_err("%s", err);
			free(path);
			return LAB_EXIT_INTERNAL;
		}
	} else {
		char *pp = xasprintf("%s/%s", dir, RUN_PARTIAL);

		rep = json_load_file(pp, 0, &je);
		free(pp);
		if (!rep) {
			free(path);
			return -1;
		}
		from_partial = true;
	}
	free(path);

	rel = console_rel(dir, vr->console_log);
	vmj = json_object();
	json_object_set_new(vmj, "verdict", json_string(
		vm_verdict_name(vr->verdict)));
	json_object_set_new(vmj, "evidence", json_string(vr->evidence));
	json_object_set_new(vmj, "console_log", rel ? json_string(rel) :
			    json_null());
	json_object_set_new(vmj, "accel", json_string(vr->accel));
	json_object_set_new(vmj, "boot_s", json_real(vr->boot_s));
	json_object_set_new(vmj, "total_s", json_real(vr->total_s));
	json_object_set_new(vmj, "command_status", json_integer(
		vr->cmd_status));
	json_object_set_new(rep, "vm", vmj);
	files = json_object_get(rep, "files");
	json_object_set_new(files, "console_log", rel ? json_string(rel) :
			    json_null());

	vmv = vm_report_verdict(vr->verdict);
	if (from_partial) {
		char why[700];

		fill_from_stream(rep, dir, vr, vr->console_log);
		snprintf(why, sizeof(why), "the VM %s: %s",
			 vr->verdict == VM_PANIC ? "panicked" :
			 vr->verdict == VM_TIMEOUT ? "hung (timeout)" :
			 "stopped before the run finished",
			 vr->evidence[0] ? vr->evidence : "no evidence");
		set_outcome(rep, vmv ? vmv : "error", why);
	} else if (vmv) {
		/* the guest finished but the VM saw worse (a splat it
		 * could not see, or it hung while writing) */
		const char *gv = json_string_value(json_object_get(
			json_object_get(rep, "outcome"), "verdict"));

		if (!gv || strcmp(gv, vmv)) {
			char why[700];

			snprintf(why, sizeof(why), "the VM runner saw a %s: %s",
				 vmv, vr->evidence);
			set_outcome(rep, vmv, why);
		}
	}
	ret = report_write_all(dir, rep, REPORT_FMT_ALL, err, sizeof(err));
	if (ret) {
		char *p = xasprintf("%s/report.rejected.json", dir);
		char *text = json_dumps(rep, JSON_INDENT(1));

		lab_err("the completed report was not written: %s (kept as %s)",
			err, p);
		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
		json_decref(rep);
		return LAB_EXIT_INTERNAL;
	}
	if (from_partial) {
		char *pp = xasprintf("%s/%s", dir, RUN_PARTIAL);

		unlink(pp);
		free(pp);
	}
	if (!quiet)
		report_print_summary(stdout, rep);
	printf("Report: %s/%s\n", dir, REPORT_HTML);
	ret = json_is_true(json_object_get(json_object_get(rep, "outcome"),
					   "expect_met")) ? LAB_EXIT_OK :
	      LAB_EXIT_UNEXPECTED;
	json_decref(rep);
	return ret;
}
