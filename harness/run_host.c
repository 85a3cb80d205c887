// SPDX-License-Identifier: GPL-2.0
/*
 * The host's completion of a run after `labyrinth vm run`: what the guest
 * left in the result directory, plus the VM runner's verdict and console
 * log, becomes a complete report.json (see run.h).
 *
 * A guest that died never wrote report.json, but it left the report as
 * known at t = 0 (report.partial.json: scenario, system, engines), every
 * sample it streamed (samples.live.csv, proc.live.csv), and the kernel
 * said the rest on the console. From those the host builds the same
 * struct outcome_input the guest would have, and outcome_compute()
 * decides, as it does in the guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "outcome_json.h"
#include "report.h"
#include "nic.h"
#include "run.h"
#include "run_pulse.h"
#include "sample.h"
#include "sampler.h"
#include "util.h"
#include "vm.h"
#include "vm_console.h"
#include "vm_crash.h"

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

static void outcome_vm_from(const struct vm_result *vr, struct outcome_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->present = true;
	vm->panic = vr->verdict == VM_PANIC;
	vm->splat = vr->verdict == VM_SPLAT;
	vm->timeout = vr->verdict == VM_TIMEOUT;
	vm->no_status = vr->verdict == VM_NO_STATUS;
	vm->evidence = vr->evidence;
	vm->panic_msg = vr->panic;
}

/* The report's vm block, and the console log beside the report. */
static void set_vm_block(json_t *rep, const char *dir,
			 const struct vm_result *vr)
{
	const char *rel = console_rel(dir, vr->console_log);
	json_t *vmj = json_object();

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
	json_object_set_new(json_object_get(rep, "files"), "console_log",
			    rel ? json_string(rel) : json_null());
}

/*
 * The guest's engine counters died with it, but its series has the
 * cumulative attempts and failures of all engines. With one engine they
 * are that engine's own; the injected ones go to the injector the page
 * allocation scope says (the column adds both kinds). With several
 * engines the totals cannot be split: the engines keep zeros and the
 * series keeps the totals.
 */
static void fill_engine_from_series(json_t *rep, const struct scenario *sc,
				    const struct series *s)
{
	json_t *engines = json_object_get(rep, "engines"), *e, *f;
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
	e = json_array_get(engines, 0);
	f = json_object_get(e, "failures");
	json_object_set_new(e, "attempts", json_integer((json_int_t)att));
	json_object_set_new(e, "successes", json_integer((json_int_t)
		(att >= gen + injd ? att - gen - injd : 0)));
	json_object_set_new(f, "genuine", json_integer((json_int_t)gen));
	json_object_set_new(f, sc->inject[INJ_PAGE_ALLOC].scope ==
			    SC_SCOPE_LABYRINTH ? "injected_private" :
			    "injected_kernel", json_integer((json_int_t)injd));
	json_object_set_new(e, "held_peak", json_integer((json_int_t)peak));
}

/* A streamed CSV back into a series (what reached the share). */
static void read_stream(const char *dir, const char *name, struct series *s)
{
	char *p = xasprintf("%s/%s", dir, name), *text, err[256];

	if (read_file(p, &text, NULL) == 0) {
		if (series_csv_read(text, s, err, sizeof(err)) < 0)
			lab_warn("%s: %s (the samples before it are used)", p,
				 err);
		free(text);
	}
	free(p);
}

/* The scenario as the guest ran it: its text and its --set overrides. */
static int scenario_of(json_t *rep, struct scenario *sc)
{
	json_t *jsc = json_object_get(rep, "scenario"), *o;
	char err[1024];
	size_t i;

	if (scenario_parse_string(sc, json_string_value(json_object_get(
			jsc, "file")) ?: "scenario", json_string_value(
			json_object_get(jsc, "text")) ?: "", err,
			sizeof(err)))
		goto bad;
	json_array_foreach(json_object_get(jsc, "overrides"), i, o)
		if (scenario_set(sc, json_string_value(o) ?: "", err,
				 sizeof(err)))
			goto bad;
	if (scenario_finish(sc, err, sizeof(err)))
		goto bad;
	return 0;
bad:
	lab_err("the partial report's scenario does not parse: %s", err);
	return -1;
}

/* A number at a JSON path of two keys, or def. */
static double num2(json_t *o, const char *a, const char *b, double def)
{
	json_t *x = json_object_get(json_object_get(o, a), b);

	return json_is_number(x) ? json_number_value(x) : def;
}

/*
 * The crash object: the console's first splat (vm_crash.h), when it
 * happened relative to the run's first genuine atomic failure, and the
 * exhaustion phase it fell in, which its headline says too: "CRASH in
 * f+0x34 [mod] (NULL pointer dereference, hard IRQ) 0.8 s into hold".
 */
static void crash_block(json_t *rep, const struct vm_result *vr)
{
	struct outcome_window w[OUTCOME_MAX_WINDOWS];
	const struct outcome_window *in;
	struct crash_report c;
	double t0 = num2(rep, "run", "t0_monotonic_s", 0), since, t;
	char where[96], head[512];
	json_t *cj, *ph;
	size_t n;

	if (!vr->console_log || crash_parse_file(vr->console_log, &c) != 1) {
		json_object_set_new(rep, "crash", json_null());
		return;
	}
	cj = json_object();
	crash_json_fill(cj, &c, t0);
	t = c.ktime >= 0 ? c.ktime - t0 : -1;
	n = outcome_windows_from_json(json_object_get(rep, "windows"), w,
				      OUTCOME_MAX_WINDOWS);
	in = t >= 0 ? outcome_place(w, n, num2(json_object_get(rep,
			"thresholds"), "first_atomic_failure", "t_s", -1), t,
			&since, where, sizeof(where)) : NULL;
	if (t < 0) {
		since = -1;
		where[0] = '\0';
	}
	json_object_set_new(cj, "since_first_atomic_failure_s", since >= 0 ?
			    json_real(since) : json_null());
	ph = json_null();
	if (in) {
		ph = json_object();
		json_object_set_new(ph, "kind", json_string(in->kind));
		json_object_set_new(ph, "engine", json_string(in->engine));
		json_object_set_new(ph, "pulse", json_integer(in->pulse));
		json_object_set_new(ph, "into_s", json_real(t - in->t0));
	}
	json_object_set_new(cj, "phase", ph);
	crash_headline(&c, head, sizeof(head) - sizeof(where) - 1);
	if (where[0])
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
			 " %s", where);
	json_object_set_new(cj, "headline", json_string(head));
	json_object_set_new(rep, "crash", cj);
}

/* The pulses the guest recorded before it died (run_pulse.h). */
static void read_pulses(const char *dir, size_t nengines,
			struct outcome_pulse pulses[][OUTCOME_MAX_PULSES],
			size_t *npulses)
{
	char *path = xasprintf("%s/%s", dir, PULSES_LIVE_CSV), *text;
	size_t len;

	if (read_file(path, &text, &len) == 0) {
		pulses_read(text, pulses, npulses, nengines);
		free(text);
	}
	free(path);
}

/*
 * Everything the guest's own report would have said, from what it
 * streamed and what the console holds: the same input, the same
 * decision as in the guest.
 */
static int complete_from_stream(json_t *rep, const char *dir,
				const struct vm_result *vr,
				struct run_outcome *out)
{
	json_t *run = json_object_get(rep, "run");
	struct outcome_engine eng[SC_MAX_ENGINES];
	struct outcome_pulse pulses[SC_MAX_ENGINES][OUTCOME_MAX_PULSES];
	size_t npulses[SC_MAX_ENGINES] = { 0 };
	struct outcome_input in = { 0 };
	struct scenario sc;
	struct series s, proc;
	struct console_scan cs;
	struct kevents ev = { 0 };
	size_t i;

	memset(&sc, 0, sizeof(sc));
	if (scenario_of(rep, &sc)) {
		scenario_free(&sc);
		return -1;
	}
	series_init(&s, SERIES_MODULE, (unsigned int)sc.sample_interval_ms);
	series_init(&proc, SERIES_PROC, (unsigned int)sc.proc_interval_ms);
	snprintf(s.zone, sizeof(s.zone), "%s", json_string_value(
		json_object_get(json_object_get(rep, "series"), "zone")) ?:
		"unknown");
	read_stream(dir, SAMPLER_MODULE_CSV, &s);
	read_stream(dir, SAMPLER_PROC_CSV, &proc);
	in.t0 = json_number_value(json_object_get(run, "t0_monotonic_s"));
	console_scan_init(&cs);
	if (vr->console_log && console_scan_file(&cs, vr->console_log) == 0)
		kevents_from_console(&ev, &cs, in.t0);
	console_scan_free(&cs);
	read_pulses(dir, sc.nengines, pulses, npulses);
	for (i = 0; i < sc.nengines; i++) {
		memset(&eng[i], 0, sizeof(eng[i]));
		eng[i].name = sc.engine[i].name;
		eng[i].context = sc.engine[i].context;
		eng[i].stop_t = -1;
		eng[i].pulses = pulses[i];
		eng[i].npulses = npulses[i];
	}
	in.expect = sc.expect;
	in.s = &s;
	in.proc = &proc;
	in.eng = eng;
	in.neng = sc.nengines;
	in.ev = &ev;
	in.st.unfinished = true;
	outcome_vm_from(vr, &in.vm);
	outcome_compute(&in, out);

	fill_engine_from_series(rep, &sc, &s);
	json_object_set_new(rep, "outcome", outcome_json(out));
	json_object_set_new(rep, "thresholds",
			    outcome_thresholds_json(out, s.zone));
	json_object_set_new(rep, "windows", outcome_windows_json(out));
	json_object_set_new(rep, "oom_kills", outcome_ooms_json(out));
	json_object_set_new(rep, "kernel_messages", kevents_json(&ev));
	json_object_set_new(rep, "series", series_json(&s, &out->loss));
	json_object_set_new(rep, "proc_series", series_json(&proc, NULL));
	json_object_set_new(run, "duration_s", json_real(
		out->panic.found && (!s.n || out->panic.t > s.t[s.n - 1]) ?
		out->panic.t : s.n ? s.t[s.n - 1] : 0));
	json_object_set_new(json_object_get(rep, "sampler"), "samples",
			    json_integer((json_int_t)s.n));
	json_object_set_new(json_object_get(rep, "sampler"), "proc_samples",
			    json_integer((json_int_t)proc.n));
	json_object_set_new(json_object_get(rep, "sampler"), "lost_samples",
			    json_integer((json_int_t)out->loss.missed));
	/* the guest died before it could say what its sampling cost */
	json_object_set_new(json_object_get(rep, "sampler"), "cpu_known",
			    json_false());
	kevents_free(&ev);
	series_free(&s);
	series_free(&proc);
	scenario_free(&sc);
	return 0;
}

/* The guest finished, but the VM saw worse: a splat it could not see,
 * or a hang while it wrote. Judge again with it. */
static int complete_finished(json_t *rep, const struct vm_result *vr,
			     struct run_outcome *out)
{
	struct outcome_vm vm;
	json_t *o = json_object_get(rep, "outcome");

	if (outcome_from_json(o, out)) {
		lab_err("the guest's report.json has no outcome.observed: "
			"written by an older labyrinth?");
		return -1;
	}
	outcome_vm_from(vr, &vm);
	outcome_apply_vm(out, &vm);
	json_object_set_new(rep, "outcome", outcome_json(out));
	return 0;
}

static json_t *load_guest_report(const char *dir, bool *from_partial)
{
	char *path = xasprintf("%s/%s", dir, REPORT_JSON), err[1024];
	json_t *rep = NULL;
	json_error_t je;

	*from_partial = access(path, F_OK) != 0;
	free(path);
	if (!*from_partial) {
		if (report_load(dir, &rep, err, sizeof(err)))
			lab_err("%s", err);
		return rep;
	}
	path = xasprintf("%s/%s", dir, RUN_PARTIAL);
	rep = json_load_file(path, 0, &je);
	free(path);
	return rep;
}

int run_complete_on_host(const char *dir, const struct vm_result *vr,
			 bool quiet)
{
	struct run_outcome out = { 0 };
	struct outcome_status st = { 0 };
	char err[1024];
	bool from_partial;
	json_t *rep = load_guest_report(dir, &from_partial);
	int ret = LAB_EXIT_INTERNAL;

	if (!rep)
		return from_partial ? -1 : LAB_EXIT_INTERNAL;
	set_vm_block(rep, dir, vr);
	if (from_partial ? complete_from_stream(rep, dir, vr, &out) :
	    complete_finished(rep, vr, &out))
		goto out;
	crash_block(rep, vr);
	if (report_write_all(dir, rep, REPORT_FMT_ALL, err, sizeof(err))) {
		char *p = xasprintf("%s/report.rejected.json", dir);
		char *text = json_dumps(rep, JSON_INDENT(1));

		lab_err("the completed report was not written: %s (kept as %s)",
			err, p);
		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
		goto out;
	}
	if (from_partial) {
		char *pp = xasprintf("%s/%s", dir, RUN_PARTIAL);

		unlink(pp);
		free(pp);
	}
	if (!quiet)
		report_print_summary(stdout, rep);
	printf("Report: %s/%s\n", dir, REPORT_HTML);
	/* after its report, the guest exits 5 only when a knob could not
	 * be put back: the report cannot say so, its status does */
	st.restore_failed = !from_partial &&
			    vr->cmd_status == LAB_EXIT_INTERNAL;
	st.dut_failed = nic_report_failed(rep);
	ret = outcome_exit_code(&out, &st);
	/* ...and a target step that failed after a run that passed */
	if (ret == LAB_EXIT_OK && !from_partial &&
	    vr->cmd_status >= LAB_EXIT_TARGET_CHECK &&
	    vr->cmd_status <= LAB_EXIT_MAX)
		ret = vr->cmd_status;
out:
	outcome_free(&out);
	json_decref(rep);
	return ret;
}
