// SPDX-License-Identifier: GPL-2.0
/*
 * Description: exhaustion phases (run_pulse.h, outcome.h): the windows
 * outcome_compute() makes of an engine's pulses and the series (drain,
 * hold, release to recovery, gap; a phase the record ended in is open),
 * what each window counts (allocation failure messages, labyrinth's own
 * failures, OOM kills, pages given back to reclaim), their JSON, and
 * pulses.live.csv written and read back (a torn line dropped).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "outcome.h"
#include "outcome_json.h"
#include "run_pulse.h"

/*
 * Ten seconds at 100 ms: free above low (1300 > 1225) except from 1.9 s
 * to 5.2 s and from 8.9 s on; genuine failures grow during the holds,
 * reclaim_pages during the first hold.
 */
static void make_series(struct series *s)
{
	uint64_t row[COL_MAX];
	int i;

	series_init(s, SERIES_MODULE, 100);
	for (i = 0; i <= 100; i++) {
		double t = i / 10.0;
		int low = (t >= 1.9 && t < 5.25) || t >= 8.9;

		memset(row, 0, sizeof(row));
		row[COL_FREE] = low ? 400 : 1300;
		row[COL_MIN] = 980;
		row[COL_LOW] = 1225;
		row[COL_HIGH] = 1470;
		row[COL_FAIL_GENUINE] = t < 2 ? 0 : t < 5 ? (uint64_t)(t * 10) -
					20 : t < 9 ? 30 : 30 + (uint64_t)(t * 10) - 90;
		row[COL_RECLAIM] = t < 3 ? 0 : t < 6 ? 500 : 800;
		series_append(s, t, row);
	}
}

static void make_events(struct kevents *ev)
{
	memset(ev, 0, sizeof(*ev));
	kevents_add(ev, 3.0, "swapper/0: page allocation failure: order:0, "
		    "mode:0xa20(GFP_ATOMIC)");
	kevents_add(ev, 4.0, "kworker/1:1: page allocation failure: "
		    "order:0, mode:0xa20(GFP_ATOMIC)");
	kevents_add(ev, 9.5, "swapper/1: page allocation failure: order:0, "
		    "mode:0xa20(GFP_ATOMIC)");
	kevents_add(ev, 5.1, "Out of memory: Killed process 9 (lab-ballast) "
		    "total-vm:66000kB, anon-rss:65536kB, oom_score_adj:1000");
}

/* Pulse 1: 0 to 2 drain, 2 to 5 hold, release; pulse 2 from 7.3, its
 * hold from 9.0 still going when the record ends at 10.0. */
static const struct outcome_pulse pulses[] = {
	{ .t_start = 0.0, .t_fail = 2.0, .t_release = 5.0, .t_stopped = 5.1 },
	{ .t_start = 7.3, .t_fail = 9.0, .t_release = -1, .t_stopped = -1 },
};

static void compute(struct run_outcome *o, struct series *s,
		    struct kevents *ev)
{
	struct outcome_engine eng = {
		.name = "hold", .pulses = pulses, .npulses = 2, .stop_t = -1,
	};
	struct outcome_input in = {
		.expect = SC_EXPECT_SURVIVE, .s = s, .eng = &eng, .neng = 1,
		.ev = ev, .t_end = 10.0,
	};

	make_series(s);
	make_events(ev);
	outcome_compute(&in, o);
}

START_TEST(test_windows)
{
	static const char *const kinds[] = {
		"drain", "hold", "release", "gap", "drain", "hold",
	};
	struct run_outcome o;
	struct series s;
	struct kevents ev;
	const struct outcome_window *w = o.windows;
	size_t i;

	compute(&o, &s, &ev);
	ck_assert_uint_eq(o.nwindows, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_str_eq(w[i].kind, kinds[i]);
		ck_assert(w[i].phase);
		ck_assert_str_eq(w[i].engine, "hold");
		ck_assert_uint_eq(w[i].pulse, i < 4 ? 1 : 2);
		ck_assert(w[i].t1 >= w[i].t0);
	}
	ck_assert_double_eq_tol(w[1].t0, 2.0, 1e-9);
	ck_assert_double_eq_tol(w[1].t1, 5.0, 1e-9);
	/* the hold saw both allocation failure messages, 30 failures of
	 * labyrinth's own, 500 pages given back to reclaim */
	ck_assert_uint_eq(w[1].alloc_failure_msgs, 2);
	ck_assert_uint_eq(w[1].lab_failures, 30);
	ck_assert_uint_eq(w[1].reclaim_pages, 500);
	ck_assert_uint_eq(w[1].oom_kills, 0);
	/* release: from the stop to the first sample above low after
	 * every page was back (5.3 s): recovery 0.3 s; the OOM kill */
	ck_assert_double_eq_tol(w[2].t0, 5.0, 1e-9);
	ck_assert_double_eq_tol(w[2].t1, 5.3, 1e-9);
	ck_assert_double_eq_tol(w[2].recovery_s, 0.3, 1e-9);
	ck_assert_uint_eq(w[2].oom_kills, 1);
	/* gap to the next pulse; the second hold is open to the end */
	ck_assert_double_eq_tol(w[3].t1, 7.3, 1e-9);
	ck_assert(!w[4].open);
	ck_assert(w[5].open);
	ck_assert_double_eq_tol(w[5].t1, 10.0, 1e-9);
	/* the failures are the experiment; the OOM kill is an outcome */
	ck_assert(o.obs.exhaust);
	ck_assert_int_eq(o.verdict, V_OOM);
	ck_assert_uint_eq(w[5].alloc_failure_msgs, 1);
	ck_assert(strstr(w[5].label, "not over"));
	outcome_free(&o);
	series_free(&s);
	kevents_free(&ev);
}
END_TEST

/* An engine without phases keeps the one exhaustion window. */
START_TEST(test_no_phases)
{
	struct outcome_engine eng = { .name = "a", .stop_t = -1 };
	struct outcome_input in = { .neng = 1, .eng = &eng };
	struct run_outcome o;
	struct series s;
	struct kevents ev;

	make_series(&s);
	make_events(&ev);
	in.s = &s;
	in.ev = &ev;
	outcome_compute(&in, &o);
	ck_assert_uint_eq(o.nwindows, 1);
	ck_assert_str_eq(o.windows[0].kind, "exhaustion");
	ck_assert(!o.windows[0].phase);
	outcome_free(&o);
	series_free(&s);
	kevents_free(&ev);
}
END_TEST

START_TEST(test_windows_json)
{
	struct run_outcome o;
	struct series s;
	struct kevents ev;
	json_t *a, *w;

	compute(&o, &s, &ev);
	a = outcome_windows_json(&o);
	ck_assert_uint_eq(json_array_size(a), 6);
	w = json_array_get(a, 2);
	ck_assert_str_eq(json_string_value(json_object_get(w, "kind")),
			 "release");
	ck_assert_int_eq(json_integer_value(json_object_get(w, "pulse")), 1);
	ck_assert_double_eq_tol(json_real_value(json_object_get(w,
				"recovery_s")), 0.3, 1e-9);
	ck_assert(json_is_false(json_object_get(w, "open")));
	/* recovery_s belongs to a release only */
	ck_assert_ptr_null(json_object_get(json_array_get(a, 1),
					   "recovery_s"));
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_array_get(a, 1), "alloc_failure_messages")), 2);
	json_decref(a);
	outcome_free(&o);
	series_free(&s);
	kevents_free(&ev);
}
END_TEST

START_TEST(test_pulses_live_roundtrip)
{
	struct outcome_pulse got[2][OUTCOME_MAX_PULSES];
	struct scenario sc = { .nengines = 2 };
	static struct run_record rec;
	size_t n[2] = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	rec.sc = &sc;
	memcpy(rec.eng[1].pulse, pulses, sizeof(pulses));
	rec.eng[1].npulses = 2;
	f = open_memstream(&buf, &len);
	pulses_write(f, &rec);
	fclose(f);
	ck_assert(strstr(buf, "1,2,7.300000,9.000000,-1.000000,-1.000000\n"));
	ck_assert_uint_eq(pulses_read(buf, got, n, 2), 2);
	ck_assert_uint_eq(n[0], 0);
	ck_assert_uint_eq(n[1], 2);
	ck_assert_double_eq_tol(got[1][0].t_stopped, 5.1, 1e-9);
	ck_assert_double_eq_tol(got[1][1].t_release, -1, 1e-9);
	/* a torn last line (the guest died mid-write) is dropped */
	buf[len - 3] = '\0';
	n[1] = 0;
	ck_assert_uint_eq(pulses_read(buf, got, n, 2), 1);
	ck_assert_uint_eq(n[1], 1);
	/* an engine index past the scenario's is not taken */
	n[0] = n[1] = 0;
	ck_assert_uint_eq(pulses_read("7,1,0,1,2,3\n", got, n, 2), 0);
	free(buf);
}
END_TEST

/* The guest died before it read the module's failure time: the hold
 * starts at the first failure the series or the console shows. */
START_TEST(test_hold_start_after_crash)
{
	static const struct outcome_pulse died = {
		.t_start = 0.0, .t_fail = -1, .t_release = -1, .t_stopped = -1,
	};
	struct outcome_engine eng = {
		.name = "hold", .pulses = &died, .npulses = 1, .stop_t = -1,
	};
	struct outcome_input in = { .neng = 1, .eng = &eng, .t_end = 10.0 };
	struct run_outcome o;
	struct series s;
	struct kevents ev;

	make_series(&s);
	make_events(&ev);
	in.s = &s;
	in.ev = &ev;
	/* the series' first genuine failure (2.1 s: the count moves from
	 * 0 at 2.0 s) */
	outcome_compute(&in, &o);
	ck_assert_uint_eq(o.nwindows, 2);
	ck_assert_str_eq(o.windows[1].kind, "hold");
	ck_assert_double_eq_tol(o.windows[1].t0, 2.1, 1e-9);
	ck_assert(o.windows[1].open);
	outcome_free(&o);
	/* an allocation failure message before it wins */
	kevents_add(&ev, 1.5, "lab_refill: page allocation failure: "
		    "order:0, mode:0xa20(GFP_ATOMIC)");
	outcome_compute(&in, &o);
	ck_assert_double_eq_tol(o.windows[1].t0, 1.5, 1e-9);
	outcome_free(&o);
	series_free(&s);
	kevents_free(&ev);
}
END_TEST

START_TEST(test_place)
{
	struct run_outcome o;
	struct series s;
	struct kevents ev;
	const struct outcome_window *w;
	double since;
	char buf[96];

	compute(&o, &s, &ev);
	w = outcome_place(o.windows, o.nwindows, 1.0, 3.25, &since, buf,
			  sizeof(buf));
	ck_assert_ptr_eq(w, &o.windows[1]);
	ck_assert_double_eq_tol(since, 2.25, 1e-9);
	ck_assert_str_eq(buf, "1.2 s into hold of pulse 1");
	/* in the second pulse's drain; no threshold: from the first hold */
	w = outcome_place(o.windows, o.nwindows, -1, 8.0, &since, buf,
			  sizeof(buf));
	ck_assert_str_eq(w->kind, "drain");
	ck_assert_uint_eq(w->pulse, 2);
	ck_assert_double_eq_tol(since, 6.0, 1e-9);
	ck_assert_str_eq(buf, "0.7 s into drain of pulse 2");
	/* before anything */
	ck_assert_ptr_null(outcome_place(o.windows, o.nwindows, -1, -0.5,
					 &since, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "");
	ck_assert(since < 0);
	outcome_free(&o);
	series_free(&s);
	kevents_free(&ev);
}
END_TEST

static Suite *phases_suite(void)
{
	Suite *s = suite_create("phases");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_no_phases);
	tcase_add_test(tc, test_windows_json);
	tcase_add_test(tc, test_pulses_live_roundtrip);
	tcase_add_test(tc, test_hold_start_after_crash);
	tcase_add_test(tc, test_place);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(phases_suite)
