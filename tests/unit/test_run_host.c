// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the reports a run produces pass the report schema's own
 * validator: a finished run (series, kmsg, engines, injection) and, on
 * the host, a run whose guest panicked: report.partial.json + the
 * streamed samples + the console log become a complete report with the
 * panic verdict, the panic threshold and the last sample before it.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "report.h"
#include "run.h"
#include "run_report.h"
#include "util.h"
#include "vm.h"

static char dir[64], err[1024];

static char *top_path(const char *rel)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

/* A run as run.c leaves it, from recorded data: no kernel needed. */
static void fake_run(struct run *r, struct scenario *sc, const char *file)
{
	char *p = top_path(file), *csv, *text;
	int n;

	memset(r, 0, sizeof(*r));
	memset(sc, 0, sizeof(*sc));
	ck_assert_msg(scenario_load(sc, p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(scenario_finish(sc, err, sizeof(err)) == 0, "%s", err);
	free(p);
	r->sc = sc;
	r->dir = xstrdup(dir);
	r->id = xstrdup("test-run");
	r->t0 = 100.0;
	r->t0_wall = 1795490000.0;
	r->scope_tr[0] = r->scope_tr[1] = -1;
	r->system = run_system_json();
	series_init(&r->s, 10);
	snprintf(r->s.zone, sizeof(r->s.zone), "DMA32");
	csv = top_path("tests/fixtures/series/drain.csv");
	ck_assert_int_eq(read_file(csv, &text, NULL), 0);
	n = series_csv_read(text, &r->s, err, sizeof(err));
	ck_assert_int_eq(n, 60);
	free(text);
	free(csv);
}

static void free_fake(struct run *r, struct scenario *sc)
{
	series_free(&r->s);
	json_decref(r->system);
	free(r->dir);
	free(r->id);
	if (r->km.messages)
		kmsg_close(&r->km);
	scenario_free(sc);
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

START_TEST(test_finished_report_valid)
{
	struct scenario sc;
	struct run r;
	json_t *rep, *ff;

	fake_run(&r, &sc, "scenarios/default.ini");
	/* what the module's snapshot said (engine stats) */
	r.eng[0].started = r.eng[0].have_stats = true;
	r.eng[0].st.total.attempts = 1800;
	r.eng[0].st.total.successes = 1640;
	r.eng[0].st.total.fail_genuine = 160;
	r.eng[0].st.first_failure.time_ns = 100410000000ULL;
	r.eng[0].st.first_failure.zone_free_pages = 360;
	r.eng[0].st.first_failure.wmark_min = 980 + 1024;
	r.eng[0].st.first_failure.wmark_low = 1225 + 1024;
	r.eng[0].st.first_failure.wmark_high = 1470 + 1024;
	r.eng[0].st.first_failure.watermark_boost = 1024;
	r.eng[0].st.first_failure.pages_held = 1640;
	memcpy(r.eng[0].st.first_failure.zone_name, "DMA32", 5);
	r.eng[0].st.total.latency_hist[9] = 1800;
	/* the module's time budget (ABI 2.0) */
	r.eng[0].st.total.ticks = 18;
	r.eng[0].st.total.callback_max_ns = 412345;
	r.eng[0].st.total.irqs_off_max_ns = 412345;
	r.eng[0].st.total.callback_hist[18] = 18;
	r.eng[0].st.total.bursts_dropped = 2;
	r.eng[0].st.total.budget_cuts = 7;
	/* kernel messages as /dev/kmsg gave them */
	r.km.fd = -1;
	r.km.t0 = 100.0;
	r.km.messages = json_array();
	r.km_open = true;
	kmsg_feed(&r.km, "4,1,100410000,-;swapper/0: page allocation failure: "
		  "order:0, mode:0xa20(GFP_ATOMIC)");
	kmsg_feed(&r.km, "3,2,100550000,-;Out of memory: Killed process 9 "
		  "(lab-ballast) total-vm:66000kB, anon-rss:65536kB, "
		  "oom_score_adj:1000");
	r.t_end = 0.6;
	snprintf(r.stop_reason, sizeof(r.stop_reason), "first genuine atomic "
		 "failure at 0.41 s");

	rep = run_build_report(&r, false);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		rep, "outcome"), "verdict")), "atomic-failure");
	ck_assert(json_is_true(json_object_get(json_object_get(rep, "outcome"),
					       "expect_met")));
	ff = json_object_get(json_object_get(rep, "thresholds"),
			     "first_atomic_failure");
	ck_assert(fabs(json_real_value(json_object_get(ff, "t_s")) - 0.41) <
		  1e-6);
	/* the 3/8 rule is against the unboosted min */
	ck_assert_int_eq(json_integer_value(json_object_get(ff, "min")), 980);
	ck_assert(fabs(json_real_value(json_object_get(ff, "free_over_min")) -
		       360.0 / 980) < 1e-9);
	ck_assert_str_eq(json_string_value(json_object_get(ff, "engine")),
			 "irq");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		json_object_get(rep, "thresholds"), "first_oom_kill"),
		"victim_comm")), "lab-ballast");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(rep, "thresholds"), "deepest_dip"),
		"below_min_pages")), 620);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(rep,
		"series"), "t_s")), 60);
	ck_assert_uint_eq(json_array_size(json_object_get(rep,
							  "kernel_messages")),
			  2);
	budget_in_report(rep);
	json_decref(rep);
	free_fake(&r, &sc);
}
END_TEST

START_TEST(test_skipped_and_interrupted_valid)
{
	struct scenario sc;
	struct run r;
	json_t *rep;

	fake_run(&r, &sc, "scenarios/inject-deterministic.ini");
	r.skipped = true;
	snprintf(r.stop_reason, sizeof(r.stop_reason), "skipped: no "
		 "CONFIG_FAIL_PAGE_ALLOC");
	rep = run_build_report(&r, false);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		rep, "outcome"), "verdict")), "skipped");
	ck_assert(!json_is_true(json_object_get(json_object_get(rep,
		"outcome"), "expect_met")));
	json_decref(rep);
	r.skipped = false;
	r.interrupted = 2;
	rep = run_build_report(&r, false);
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		rep, "outcome"), "verdict")), "error");
	json_decref(rep);
	free_fake(&r, &sc);
}
END_TEST

START_TEST(test_panic_completed_on_host)
{
	struct scenario sc;
	struct run r;
	struct vm_result vr;
	json_t *rep, *pn, *ls;
	char *p, *text, *clog;
	int ret;

	fake_run(&r, &sc, "scenarios/panic-on-oom.ini");
	/* the guest wrote its partial report and streamed 46 samples */
	rep = run_build_report(&r, true);
	text = json_dumps(rep, JSON_INDENT(1));
	p = xasprintf("%s/%s", dir, RUN_PARTIAL);
	ck_assert_int_eq(write_file(p, text, strlen(text)), 0);
	free(p);
	free(text);
	json_decref(rep);
	{
		char *csv = top_path("tests/fixtures/series/drain.csv");
		char *all, *cut;
		int i;

		ck_assert_int_eq(read_file(csv, &all, NULL), 0);
		for (cut = all, i = 0; i < 47 && cut; i++)
			cut = strchr(cut, '\n') + 1;
		*cut = '\0';
		strcat(all, "0.4600,35");	/* torn: died mid-line */
		p = xasprintf("%s/%s", dir, RUN_LIVE_CSV);
		ck_assert_int_eq(write_file(p, all, strlen(all)), 0);
		free(p);
		free(all);
		free(csv);
	}
	clog = xasprintf("%s/console.log.src", dir);
	text = "[   99.000000] before the run: ignored\n"
	       "[  100.440000] bigheap invoked oom-killer: gfp_mask=0xcc0, "
	       "order=0, oom_score_adj=1000\n"
	       "[  100.452000] Kernel panic - not syncing: Out of memory: "
	       "system-wide panic_on_oom is enabled\n";
	ck_assert_int_eq(write_file(clog, text, strlen(text)), 0);
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
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		rep, "outcome"), "verdict")), "panic");
	ck_assert(json_is_true(json_object_get(json_object_get(rep, "outcome"),
					       "expect_met")));
	pn = json_object_get(json_object_get(rep, "thresholds"), "panic");
	ck_assert(fabs(json_real_value(json_object_get(pn, "t_s")) - 0.452) <
		  1e-6);
	ls = json_object_get(pn, "last_sample");
	/* the last complete row the guest wrote before 0.452 s */
	ck_assert(fabs(json_real_value(json_object_get(ls, "t_s")) - 0.45) <
		  1e-6);
	ck_assert_int_eq(json_integer_value(json_object_get(ls, "free_pages")),
			 360);
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(rep,
		"series"), "t_s")), 46);
	/* the genuine failures it streamed are a threshold too */
	ck_assert(json_is_object(json_object_get(json_object_get(rep,
		"thresholds"), "first_atomic_failure")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rep,
		"files"), "console_log")), "console.log");
	/* one engine: its counters come from the streamed series */
	{
		json_t *e = json_array_get(json_object_get(rep, "engines"), 0);
		json_t *ser = json_object_get(rep, "series");
		size_t n = json_array_size(json_object_get(ser, "t_s"));
		json_int_t att = json_integer_value(json_array_get(
			json_object_get(ser, "attempts"), n - 1));

		ck_assert_int_gt(att, 0);
		ck_assert_int_eq(json_integer_value(json_object_get(e,
			"attempts")), att);
		ck_assert_int_gt(json_integer_value(json_object_get(e,
			"held_peak")), 0);
	}
	/* console lines before the run are not its messages */
	ck_assert_uint_eq(json_array_size(json_object_get(rep,
							  "kernel_messages")),
			  2);
	p = xasprintf("%s/%s", dir, RUN_PARTIAL);
	ck_assert_int_eq(access(p, F_OK), -1);
	free(p);
	json_decref(rep);
	free(clog);
	free_fake(&r, &sc);

	/* nothing left by the guest: nothing to complete */
	remove_tree(dir);
	mkdir_p(dir, 0755);
	ck_assert_int_eq(run_complete_on_host(dir, &vr, true), -1);
}
END_TEST

static Suite *run_host_suite(void)
{
	Suite *s = suite_create("run_host");
	TCase *tc = tcase_create("reports");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_finished_report_valid);
	tcase_add_test(tc, test_skipped_and_interrupted_valid);
	tcase_add_test(tc, test_panic_completed_on_host);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(run_host_suite)
