// SPDX-License-Identifier: GPL-2.0
/*
 * Description: a run's outcome and report, from recorded data: a
 * finished run (the module's series, /proc series, kmsg, engine stats)
 * gives a valid report whose thresholds agree with its series; on the
 * host, a guest that panicked (report.partial.json + the streamed series
 * + the console log) becomes a complete report with the panic verdict;
 * and the same recorded run gives the same outcome whether the guest
 * finished it or the host completed it from the stream.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "outcome.h"
#include "outcome_json.h"
#include "report.h"
#include "run.h"
#include "run_pulse.h"
#include "run_report.h"
#include "sampler.h"
#include "util.h"
#include "vm.h"
#include "xml_check.h"

static char dir[64], err[1024];

/* What a run records, from fixtures: no kernel needed. */
struct fake {
	struct run_record rec;
	struct scenario sc;
	struct series s, proc;
	struct kmsg km;
};

static char *top_path(const char *rel)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static void read_csv(const char *rel, struct series *s, int want)
{
	char *p = top_path(rel), *text;

	ck_assert_int_eq(read_file(p, &text, NULL), 0);
	ck_assert_int_eq(series_csv_read(text, s, err, sizeof(err)), want);
	free(text);
	free(p);
}

/* The kernel's messages of the recorded run, as /dev/kmsg gave them
 * (t0 = 100 s): an allocation failure at 0.41 s, an OOM kill at 0.55 s. */
static const char *const kmsg_records[] = {
	"4,1,100410000,-;swapper/0: page allocation failure: order:0, "
	"mode:0xa20(GFP_ATOMIC)",
	"4,2,100440000,-;bigheap invoked oom-killer: gfp_mask=0xcc0, "
	"order=0, oom_score_adj=1000",
	"3,3,100550000,-;Out of memory: Killed process 9 (lab-ballast) "
	"total-vm:66000kB, anon-rss:65536kB, oom_score_adj:1000",
};

/* ...and as the console showed them to the host. */
static const char console_log[] =
	"[   99.000000] before the run: not its message\n"
	"[  100.410000] swapper/0: page allocation failure: order:0, "
	"mode:0xa20(GFP_ATOMIC)\n"
	"[  100.440000] bigheap invoked oom-killer: gfp_mask=0xcc0, "
	"order=0, oom_score_adj=1000\n"
	"[  100.550000] Out of memory: Killed process 9 (lab-ballast) "
	"total-vm:66000kB, anon-rss:65536kB, oom_score_adj:1000\n";

static void fake_run(struct fake *f, const char *scenario)
{
	char *p = top_path(scenario);
	size_t i;

	memset(f, 0, sizeof(*f));
	ck_assert_msg(scenario_load(&f->sc, p, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_msg(scenario_finish(&f->sc, err, sizeof(err)) == 0, "%s",
		      err);
	free(p);
	series_init(&f->s, SERIES_MODULE, 10);
	series_init(&f->proc, SERIES_PROC, 100);
	snprintf(f->s.zone, sizeof(f->s.zone), "DMA32");
	read_csv("tests/fixtures/series/module.csv", &f->s, 60);
	read_csv("tests/fixtures/series/proc.csv", &f->proc, 6);
	f->km.fd = -1;
	f->km.t0 = 100.0;
	for (i = 0; i < ARRAY_SIZE(kmsg_records); i++)
		kmsg_feed(&f->km, kmsg_records[i]);
	f->rec.sc = &f->sc;
	f->rec.dir = xstrdup(dir);
	f->rec.id = xstrdup("test-run");
	f->rec.t0 = 100.0;
	f->rec.t0_wall = 1795490000.0;
	f->rec.t_end = 0.6;
	f->rec.system = run_system_json();
	f->rec.s = &f->s;
	f->rec.proc = &f->proc;
	f->rec.ev = &f->km.ev;
}

static void free_fake(struct fake *f)
{
	outcome_free(&f->rec.out);
	series_free(&f->s);
	series_free(&f->proc);
	json_decref(f->rec.system);
	free(f->rec.dir);
	free(f->rec.id);
	kmsg_close(&f->km);
	scenario_free(&f->sc);
}

/* The module's own account of engine 0: a snapshot at the failure. */
static void engine_stats(struct fake *f, double t_fail, uint64_t free_pages,
			 uint64_t held)
{
	struct engine_record *e = &f->rec.eng[0];
	struct lab_snapshot *sn = &e->st.first_failure;

	e->started = e->have_stats = true;
	e->st.total.attempts = 2405;
	e->st.total.successes = 1640;
	e->st.total.fail_genuine = 760;
	e->st.total.fail_injected_private = 5;
	e->st.stop_ns = (uint64_t)((100.0 + 0.58) * 1e9);
	sn->time_ns = (uint64_t)((100.0 + t_fail) * 1e9 + 0.5);
	sn->zone_free_pages = free_pages;
	sn->wmark_min = 980 + 1024;
	sn->wmark_low = 1225 + 1024;
	sn->wmark_high = 1470 + 1024;
	sn->watermark_boost = 1024;
	sn->pages_held = held;
	memcpy(sn->zone_name, "DMA32", 5);
	e->st.total.latency_hist[9] = 2405;
	/* the module's time budget (ABI 2.0) */
	e->st.total.ticks = 18;
	e->st.total.callback_max_ns = 412345;
	e->st.total.irqs_off_max_ns = 412345;
	e->st.total.callback_hist[18] = 18;
	e->st.total.bursts_dropped = 2;
	e->st.total.budget_cuts = 7;
}

/* The engine's time budget reaches report.json and the text summary. */
static void budget_in_report(json_t *rep)
{
	json_t *b = json_object_get(json_array_get(json_object_get(rep,
		"engines"), 0), "budget");
	char *text;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(json_integer_value(json_object_get(b, "ticks")), 18);
	ck_assert_int_eq(json_integer_value(json_object_get(b,
		"callback_max_ns")), 412345);
	ck_assert_int_eq(json_integer_value(json_object_get(b,
		"allocations_cut")), 7);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(b,
		"callback_log2_ns"), 18)), 18);
	text = report_summary_string(rep);
	ck_assert_msg(strstr(text, "IRQs off") && strstr(text, "412"),
		      "%s", text);
	free(text);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lab-runhost-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	remove_tree(dir);
}

static json_t *at(json_t *r, const char *path)
{
	char key[64];
	const char *p = path, *dot;

	while (r && *p) {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? (size_t)(dot - p) : strlen(p)), p);
		r = json_object_get(r, key);
		p += strlen(key) + (dot ? 1 : 0);
	}
	return r;
}

static double num(json_t *r, const char *path)
{
	return json_number_value(at(r, path));
}

START_TEST(test_finished_report_valid)
{
	struct fake f;
	json_t *rep, *w;

	fake_run(&f, "scenarios/default.ini");
	/* the module's snapshot: 250 free, deeper than any sample (360) */
	engine_stats(&f, 0.405, 250, 1620);
	snprintf(f.rec.stop_reason, sizeof(f.rec.stop_reason), "first "
		 "genuine atomic failure at 0.41 s");
	run_record_outcome(&f.rec);
	rep = run_build_report(&f.rec);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(at(rep, "outcome.verdict")),
			 "atomic-failure");
	ck_assert(json_is_true(at(rep, "outcome.expect_met")));
	ck_assert(json_is_true(at(rep, "outcome.observed.atomic_failure")));
	ck_assert(fabs(num(rep, "thresholds.first_atomic_failure.t_s") -
		       0.405) < 1e-6);
	/* the 3/8 rule is against the unboosted min */
	ck_assert_int_eq(num(rep, "thresholds.first_atomic_failure.min"), 980);
	ck_assert(fabs(num(rep, "thresholds.first_atomic_failure."
			   "free_over_min") - 250.0 / 980) < 1e-9);
	ck_assert_str_eq(json_string_value(at(rep, "thresholds."
		"first_atomic_failure.engine")), "irq");
	/* the dip is the snapshot: never shallower than the failure */
	ck_assert_int_eq(num(rep, "thresholds.deepest_dip.free_pages"), 250);
	ck_assert_int_eq(num(rep, "thresholds.deepest_dip.below_min_pages"),
			 730);
	ck_assert_str_eq(json_string_value(at(rep, "thresholds.deepest_dip."
		"source")), "module snapshot");
	ck_assert_str_eq(json_string_value(at(rep, "thresholds."
		"first_oom_kill.victim_comm")), "lab-ballast");
	ck_assert_int_eq(num(rep, "thresholds.first_oom_kill.free_pages"),
			 360);
	/* exhaustion: from the failure to the engine's stop */
	w = json_array_get(at(rep, "windows"), 0);
	ck_assert_str_eq(json_string_value(at(w, "kind")), "exhaustion");
	ck_assert(fabs(num(w, "t0_s") - 0.405) < 1e-6);
	ck_assert(fabs(num(w, "t1_s") - 0.58) < 1e-6);
	ck_assert_uint_eq(json_array_size(at(rep, "series.t_s")), 60);
	ck_assert_str_eq(json_string_value(at(rep, "series.source")),
			 "module");
	ck_assert_uint_eq(json_array_size(at(rep, "proc_series.t_s")), 6);
	ck_assert_int_eq(num(rep, "series.loss.missing_samples"), 0);
	ck_assert_uint_eq(json_array_size(at(rep, "kernel_messages")), 3);
	ck_assert_int_eq(outcome_exit_code(&f.rec.out, &f.rec.st),
			 LAB_EXIT_OK);
	budget_in_report(rep);
	json_decref(rep);
	free_fake(&f);
}
END_TEST

/* Scoped injection: its counts in the report, valid, and what it failed
 * outside labyrinth said as injected in the verdict's reason. */
START_TEST(test_scoped_report)
{
	struct fake f;
	struct injector_rt *rt;
	json_t *rep;
	const char *reason;

	fake_run(&f, "scenarios/target-driver.ini");
	engine_stats(&f, 0.405, 250, 1620);
	rt = &f.rec.inj[INJ_PAGE_ALLOC];
	rt->scoped = true;
	rt->scope_injected[SCOPE_HOOK_KERNEL] = 7;
	rt->scope_injected[SCOPE_HOOK_MODULE] = 3;
	rt->scope = json_pack("{s:[{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}],"
		" s:i, s:[{s:s, s:s, s:i, s:[s]}]}", "hooks", "hook",
		"should_fail_alloc_page", "calls", 900, "filtered", 100,
		"left_to_module", 50, "stack_errors", 0, "matched", 70,
		"injected", 7, "stacks_lost", 0, "injected", 7, "sites", "site",
		"pipe_write+0x3ad", "hook", "should_fail_alloc_page",
		"injected", 7, "stack", "pipe_write+0x3ad");
	run_record_outcome(&f.rec);
	rep = run_build_report(&f.rec);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	reason = json_string_value(at(rep, "outcome.reason"));
	ck_assert_msg(strstr(reason, " injected allocation failures (+ 7 "
			     "injected by scope elsewhere)"), "%s", reason);
	ck_assert_str_eq(json_string_value(at(json_array_get(at(rep,
		"injection.injectors"), 0), "scope")),
		"chain:vfs_write=>pipe_write");
	ck_assert_int_eq(num(json_array_get(at(json_array_get(at(rep,
		"injection.injectors"), 0), "scoped.sites"), 0), "injected"),
		7);
	ck_assert_int_eq(num(rep, "schema_version"), REPORT_SCHEMA_VERSION);
	json_decref(rep);
	json_decref(rt->scope);
	free_fake(&f);
}
END_TEST

/* A series with a hole: the gap is reported as loss, not drawn over. */
START_TEST(test_loss_reported)
{
	struct fake f;
	struct series g;
	size_t i;
	json_t *rep;

	fake_run(&f, "scenarios/default.ini");
	series_init(&g, SERIES_MODULE, 10);
	snprintf(g.zone, sizeof(g.zone), "DMA32");
	for (i = 0; i < f.s.n; i++) {
		uint64_t row[COL_MAX];
		size_t c;

		if (i >= 20 && i < 30)
			continue;	/* 10 ticks never taken */
		for (c = 0; c < COL_MAX; c++)
			row[c] = f.s.col[c][i];
		row[COL_LOST] = i == 45 ? 3 : 0;	/* ring full */
		series_append(&g, f.s.t[i], row);
	}
	f.rec.s = &g;
	run_record_outcome(&f.rec);
	rep = run_build_report(&f.rec);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(num(rep, "series.loss.missing_samples"), 10);
	ck_assert_int_eq(num(rep, "series.loss.ring_lost"), 3);
	ck_assert_int_eq(num(rep, "series.loss.gap_count"), 1);
	ck_assert(fabs(num(rep, "series.loss.longest_gap_s") - 0.11) < 1e-6);
	ck_assert(fabs(json_number_value(at(json_array_get(at(rep,
		"series.loss.gaps"), 0), "t0_s")) - 0.19) < 1e-6);
	ck_assert_int_eq(num(rep, "sampler.lost_samples"), 10);
	json_decref(rep);
	series_free(&g);
	free_fake(&f);
}
END_TEST

START_TEST(test_skipped_and_interrupted_valid)
{
	struct fake f;
	json_t *rep;

	fake_run(&f, "scenarios/inject-deterministic.ini");
	f.rec.st.skipped = true;
	snprintf(f.rec.stop_reason, sizeof(f.rec.stop_reason), "skipped: no "
		 "CONFIG_FAIL_PAGE_ALLOC");
	run_record_outcome(&f.rec);
	rep = run_build_report(&f.rec);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(at(rep, "outcome.verdict")),
			 "skipped");
	ck_assert(!json_is_true(at(rep, "outcome.expect_met")));
	ck_assert_int_eq(outcome_exit_code(&f.rec.out, &f.rec.st),
			 LAB_EXIT_SKIP);
	json_decref(rep);
	f.rec.st.skipped = false;
	f.rec.st.interrupted = 2;
	run_record_outcome(&f.rec);
	rep = run_build_report(&f.rec);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(at(rep, "outcome.verdict")),
			 "error");
	ck_assert_int_eq(outcome_exit_code(&f.rec.out, &f.rec.st),
			 LAB_EXIT_UNEXPECTED);
	f.rec.st.restore_failed = true;
	ck_assert_int_eq(outcome_exit_code(&f.rec.out, &f.rec.st),
			 LAB_EXIT_INTERNAL);
	json_decref(rep);
	free_fake(&f);
}
END_TEST

/* What the guest leaves at t = 0 and streams until it dies. */
static void guest_died(struct fake *f, size_t rows, const char *torn,
		       const char *clog_text, char **clog)
{
	char *p, *text, *all, *cut;
	json_t *rep;
	size_t i;

	f->rec.st.unfinished = true;
	run_record_outcome(&f->rec);
	rep = run_build_report(&f->rec);
	text = json_dumps(rep, JSON_INDENT(1));
	p = xasprintf("%s/%s", dir, RUN_PARTIAL);
	ck_assert_int_eq(write_file(p, text, strlen(text)), 0);
	free(p);
	free(text);
	json_decref(rep);
	/* the module's series up to row `rows`, then a torn line */
	p = top_path("tests/fixtures/series/module.csv");
	ck_assert_int_eq(read_file(p, &all, NULL), 0);
	free(p);
	for (cut = all, i = 0; i <= rows && cut; i++)
		cut = strchr(cut, '\n') + 1;
	*cut = '\0';
	strcat(all, torn);	/* died mid-line */
	p = xasprintf("%s/%s", dir, SAMPLER_MODULE_CSV);
	ck_assert_int_eq(write_file(p, all, strlen(all)), 0);
	free(p);
	free(all);
	p = top_path("tests/fixtures/series/proc.csv");
	ck_assert_int_eq(read_file(p, &all, NULL), 0);
	free(p);
	p = xasprintf("%s/%s", dir, SAMPLER_PROC_CSV);
	ck_assert_int_eq(write_file(p, all, strlen(all)), 0);
	free(p);
	free(all);
	*clog = xasprintf("%s/console.log.src", dir);
	ck_assert_int_eq(write_file(*clog, clog_text, strlen(clog_text)), 0);
}

START_TEST(test_panic_completed_on_host)
{
	struct fake f;
	struct vm_result vr;
	json_t *rep, *ls, *e;
	char *clog, *p, *text;
	int ret;

	fake_run(&f, "scenarios/panic-on-oom.ini");
	text = xasprintf("%s[  100.452000] Kernel panic - not syncing: Out of "
			 "memory: system-wide panic_on_oom is enabled\n",
			 console_log);
	guest_died(&f, 46, "0.4600,35", text, &clog);
	free(text);
	memset(&vr, 0, sizeof(vr));
	vr.verdict = VM_PANIC;
	vr.cmd_status = -1;
	snprintf(vr.evidence, sizeof(vr.evidence), "Kernel panic - not "
		 "syncing: Out of memory: system-wide panic_on_oom is enabled");
	vr.console_log = clog;
	snprintf(vr.accel, sizeof(vr.accel), "tcg");

	ret = run_complete_on_host(dir, &vr, true);
	ck_assert_int_eq(ret, LAB_EXIT_OK);
	ck_assert_int_eq(report_load(dir, &rep, err, sizeof(err)), 0);
	ck_assert_str_eq(json_string_value(at(rep, "outcome.verdict")),
			 "panic");
	ck_assert(json_is_true(at(rep, "outcome.expect_met")));
	ck_assert(fabs(num(rep, "thresholds.panic.t_s") - 0.452) < 1e-6);
	ls = at(rep, "thresholds.panic.last_sample");
	/* the last complete row the guest wrote before 0.452 s */
	ck_assert(fabs(num(ls, "t_s") - 0.45) < 1e-6);
	ck_assert_int_eq(num(ls, "free_pages"), 360);
	ck_assert_uint_eq(json_array_size(at(rep, "series.t_s")), 46);
	/* what the dead guest's sampling cost is not known, and said so */
	ck_assert(json_is_false(at(rep, "sampler.cpu_known")));
	/* the genuine failures it streamed are a threshold too */
	ck_assert_str_eq(json_string_value(at(rep, "thresholds."
		"first_atomic_failure.source")),
		"module series (sample resolution)");
	ck_assert_str_eq(json_string_value(at(rep, "files.console_log")),
			 "console.log");
	/* one engine: its counters come from the streamed series */
	e = json_array_get(at(rep, "engines"), 0);
	ck_assert_int_eq(num(e, "attempts"), 1844);
	ck_assert_int_gt(num(e, "held_peak"), 0);
	/* console lines before the run are not its messages */
	ck_assert_uint_eq(json_array_size(at(rep, "kernel_messages")), 4);
	p = xasprintf("%s/%s", dir, RUN_PARTIAL);
	ck_assert_int_eq(access(p, F_OK), -1);
	free(p);
	json_decref(rep);
	free(clog);
	free_fake(&f);

	/* nothing left by the guest: nothing to complete */
	remove_tree(dir);
	mkdir_p(dir, 0755);
	ck_assert_int_eq(run_complete_on_host(dir, &vr, true), -1);
}
END_TEST

/*
 * A driver under test oopses in hard IRQ while the reserve is held: the
 * host's report has the crash object (from the recorded console of
 * tests/drivers/lab_refill, moved to the run's clock), when it came after
 * the first atomic failure, and the phase it fell in (from the pulses the
 * guest streamed), and its headline says so.
 */
START_TEST(test_crash_placed_on_host)
{
	struct fake f;
	struct vm_result vr;
	json_t *rep, *c;
	char *clog, *p, *src, *text, *line, *next;
	size_t n = 0;

	fake_run(&f, "scenarios/hold-exhausted.ini");
	p = top_path("tests/fixtures/console/lab-refill-null-irq.log");
	ck_assert_int_eq(read_file(p, &src, NULL), 0);
	free(p);
	/* its oops and panic (4.66 s after boot) at 0.46 s into the run */
	text = xcalloc(1, strlen(src) + 1);
	for (line = src; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "[    4.66", 9)) {
			n += (size_t)sprintf(text + n, "[  100.46%s\n",
					     line + 9);
		}
	}
	free(src);
	guest_died(&f, 46, "0.4600,35", text, &clog);
	free(text);
	p = xasprintf("%s/%s", dir, PULSES_LIVE_CSV);
	text = xstrdup("engine,pulse,t_start_s,t_fail_s,t_release_s,"
		       "t_stopped_s\n0,1,0.000000,0.300000,-1.000000,"
		       "-1.000000\n");
	ck_assert_int_eq(write_file(p, text, strlen(text)), 0);
	free(text);
	free(p);
	memset(&vr, 0, sizeof(vr));
	vr.verdict = VM_PANIC;
	vr.cmd_status = -1;
	snprintf(vr.evidence, sizeof(vr.evidence), "BUG: kernel NULL pointer "
		 "dereference");
	vr.console_log = clog;
	snprintf(vr.accel, sizeof(vr.accel), "tcg");

	/* expect = survive: a crash does not meet it */
	ck_assert_int_eq(run_complete_on_host(dir, &vr, true),
			 LAB_EXIT_UNEXPECTED);
	ck_assert_int_eq(report_load(dir, &rep, err, sizeof(err)), 0);
	c = at(rep, "crash");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(json_string_value(at(c, "function")),
			 "lab_refill_ring");
	ck_assert_str_eq(json_string_value(at(c, "module")), "lab_refill");
	ck_assert_str_eq(json_string_value(at(c, "context")), "hard-irq");
	ck_assert(fabs(num(c, "t_s") - 0.461573) < 1e-3);
	ck_assert_str_eq(json_string_value(at(c, "phase.kind")), "hold");
	ck_assert_int_eq(num(c, "phase.pulse"), 1);
	ck_assert(fabs(num(c, "phase.into_s") - 0.161573) < 1e-3);
	ck_assert(json_is_number(at(c, "since_first_atomic_failure_s")));
	ck_assert_str_eq(json_string_value(at(c, "headline")),
			 "CRASH in lab_refill_ring+0x34 [lab_refill] (NULL "
			 "pointer dereference, hard IRQ) 0.2 s into hold");
	/* the phases: drain, then the hold the crash ended */
	ck_assert_uint_eq(json_array_size(at(rep, "windows")), 2);
	ck_assert(json_is_true(at(json_array_get(at(rep, "windows"), 1),
				  "open")));
	/* the terminal summary leads with it, the HTML page too, and the
	 * page, its phases table and shaded plots included, is well-formed */
	text = report_summary_string(rep);
	ck_assert_msg(strstr(text, "crash    CRASH in lab_refill_ring+0x34"),
		      "%s", text);
	free(text);
	text = report_html(rep);
	ck_assert(strstr(text, "<p class=\"crash\"><b>CRASH in "
			 "lab_refill_ring+0x34"));
	ck_assert(strstr(text, "Exhaustion phases"));
	ck_assert(strstr(text, "class=\"w-ph-hold\""));
	ck_assert_msg(xml_check(text, NULL, NULL, err, sizeof(err)) == 0,
		      "%s", err);
	free(text);
	json_decref(rep);
	free(clog);
	free_fake(&f);
}
END_TEST

static void same(json_t *a, json_t *b, const char *path)
{
	char *x = json_dumps(at(a, path), JSON_COMPACT | JSON_ENCODE_ANY |
			     JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
	char *y = json_dumps(at(b, path), JSON_COMPACT | JSON_ENCODE_ANY |
			     JSON_SORT_KEYS | JSON_REAL_PRECISION(9));

	ck_assert_msg(x && y && !strcmp(x, y), "%s differs:\n guest %s\n host  "
		      "%s", path, x, y);
	free(x);
	free(y);
}

/*
 * One recorded run, two ways: the guest finished it (its series, its
 * kmsg; its engines' stats lost, so no snapshot) and the VM runner then
 * saw the kernel panic; or the guest died in that panic and the host
 * completed the run from the stream and the console. One outcome either
 * way (but for the panic's own threshold: only the console has it).
 */
START_TEST(test_same_outcome_either_way)
{
	static const char panic[] = "[  100.590000] Kernel panic - not "
		"syncing: Out of memory: system-wide panic_on_oom is enabled\n";
	struct fake f;
	struct vm_result vr;
	struct outcome_vm vm = { .present = true, .panic = true,
				 .evidence = "Kernel panic" };
	json_t *guest, *host;
	char *clog, *text;

	fake_run(&f, "scenarios/default.ini");
	run_record_outcome(&f.rec);
	ck_assert_int_eq(f.rec.out.verdict, V_ATOMIC_FAILURE);
	outcome_apply_vm(&f.rec.out, &vm);
	ck_assert_int_eq(f.rec.out.verdict, V_PANIC);
	guest = run_build_report(&f.rec);
	ck_assert_msg(report_validate(guest, err, sizeof(err)) == 0, "%s",
		      err);

	text = xasprintf("%s%s", console_log, panic);
	guest_died(&f, 60, "", text, &clog);
	free(text);
	memset(&vr, 0, sizeof(vr));
	vr.verdict = VM_PANIC;
	vr.cmd_status = -1;
	snprintf(vr.evidence, sizeof(vr.evidence), "Kernel panic");
	vr.console_log = clog;
	ck_assert_int_ge(run_complete_on_host(dir, &vr, true), 0);
	ck_assert_int_eq(report_load(dir, &host, err, sizeof(err)), 0);

	same(guest, host, "outcome.verdict");
	same(guest, host, "outcome.expect_met");
	same(guest, host, "outcome.observed");
	same(guest, host, "thresholds.first_atomic_failure");
	same(guest, host, "thresholds.first_oom_kill");
	same(guest, host, "thresholds.deepest_dip");
	same(guest, host, "thresholds.failure_rate_per_s");
	same(guest, host, "windows");
	same(guest, host, "oom_kills");
	same(guest, host, "series.loss");
	ck_assert_str_eq(json_string_value(at(host, "outcome.verdict")),
			 "panic");
	ck_assert(fabs(num(host, "thresholds.panic.t_s") - 0.59) < 1e-6);
	json_decref(guest);
	json_decref(host);
	free(clog);
	free_fake(&f);
}
END_TEST

static Suite *run_host_suite(void)
{
	Suite *s = suite_create("run_host");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_finished_report_valid);
	tcase_add_test(tc, test_loss_reported);
	tcase_add_test(tc, test_scoped_report);
	tcase_add_test(tc, test_skipped_and_interrupted_valid);
	tcase_add_test(tc, test_panic_completed_on_host);
	tcase_add_test(tc, test_crash_placed_on_host);
	tcase_add_test(tc, test_same_outcome_either_way);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(run_host_suite)
