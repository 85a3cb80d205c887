// SPDX-License-Identifier: GPL-2.0
/*
 * Description: threshold detection on a recorded drain series (first
 * genuine failure, first OOM kill, deepest dip below min, last sample
 * before a panic, failure rate over time) and the verdict rules.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sample.h"
#include "thresholds.h"
#include "util.h"

static struct series s;

static void setup(void)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *p = xasprintf("%s/tests/fixtures/series/drain.csv",
			    top ? top : ".");
	char *text, err[256];

	ck_assert_int_eq(read_file(p, &text, NULL), 0);
	series_init(&s, SERIES_MODULE, 10);
	ck_assert_int_eq(series_csv_read(text, &s, err, sizeof(err)), 60);
	free(text);
	free(p);
}

static void teardown(void)
{
	series_free(&s);
}

START_TEST(test_first_failure)
{
	size_t i = thr_first_increase(&s, COL_FAIL_GENUINE);

	ck_assert_uint_eq(i, 41);
	ck_assert(fabs(s.t[i] - 0.41) < 1e-9);
	ck_assert_uint_eq(s.col[COL_FREE][i], 360);
	ck_assert_uint_eq(s.col[COL_HELD][i], 1640);
	/* 360 / 980 = 0.367: just under 3/8 of min, as 6.1 predicts */
	ck_assert(fabs((double)s.col[COL_FREE][i] / s.col[COL_MIN][i] -
		       0.3673) < 0.001);
	ck_assert_uint_eq(thr_first_increase(&s, COL_OOM_KILL), 55);
	/* a counter that never moves */
	ck_assert_uint_eq(thr_first_increase(&s, COL_COMPACT_STALL), THR_NONE);
}
END_TEST

START_TEST(test_deepest_dip)
{
	struct thr_dip d;
	struct series e;
	uint64_t row[COL_MAX] = { 0 };

	thr_deepest_dip(&s, &d);
	ck_assert_uint_ne(d.idx, THR_NONE);
	ck_assert_uint_eq(d.free, 360);
	ck_assert_uint_eq(d.min, 980);
	ck_assert_uint_eq(d.below, 620);
	/* first row at the bottom, not the last */
	ck_assert_uint_eq(d.idx, 40);

	/* never below min, or no watermarks read: no dip */
	series_init(&e, SERIES_MODULE, 10);
	row[COL_FREE] = 5000;
	row[COL_MIN] = 980;
	series_append(&e, 0.0, row);
	row[COL_FREE] = 10;
	row[COL_MIN] = 0;
	series_append(&e, 0.01, row);
	thr_deepest_dip(&e, &d);
	ck_assert_uint_eq(d.idx, THR_NONE);
	series_free(&e);

	/*
	 * A watermark boost (zoneinfo's min jumps from 980 to 3028) must not
	 * make a shallow dip look deep: 900 free is 80 below the real min,
	 * and 2000 free under the boost is not below it at all.
	 */
	series_init(&e, SERIES_MODULE, 10);
	row[COL_FREE] = 5000;
	row[COL_MIN] = 980;
	series_append(&e, 0.0, row);
	row[COL_FREE] = 2000;
	row[COL_MIN] = 3028;
	series_append(&e, 0.01, row);
	row[COL_FREE] = 900;
	row[COL_MIN] = 3028;
	series_append(&e, 0.02, row);
	thr_deepest_dip(&e, &d);
	ck_assert_uint_eq(d.idx, 2);
	ck_assert_uint_eq(d.min, 980);
	ck_assert_uint_eq(d.below, 80);
	series_free(&e);
}
END_TEST

START_TEST(test_last_before)
{
	ck_assert_uint_eq(thr_last_before(&s, 0.305), 30);
	ck_assert_uint_eq(thr_last_before(&s, 0.30), 30);
	ck_assert_uint_eq(thr_last_before(&s, 100), 59);
	ck_assert_uint_eq(thr_last_before(&s, -1), THR_NONE);
}
END_TEST

START_TEST(test_rates)
{
	struct thr_rate *r;
	size_t n = thr_failure_rates(&s, 0.1, &r), i;
	uint64_t att = 0, fail = 0;

	ck_assert_uint_ge(n, 5);
	for (i = 0; i < n; i++) {
		att += r[i].attempts;
		fail += r[i].failures;
		ck_assert(r[i].rate >= 0 && r[i].rate <= 1);
		if (i)
			ck_assert(r[i].t0 == r[i - 1].t1);
	}
	/* windows cover the whole series exactly */
	ck_assert_uint_eq(att, s.col[COL_ATTEMPTS][59] -
			  s.col[COL_ATTEMPTS][0]);
	ck_assert_uint_eq(fail, s.col[COL_FAIL_GENUINE][59] +
			  s.col[COL_FAIL_INJECTED][59] -
			  s.col[COL_FAIL_INJECTED][0]);
	/* the early windows only had injected failures, the last ones fail
	 * every attempt */
	ck_assert(r[0].rate < 0.01);
	ck_assert(r[n - 1].rate > 0.99);
	free(r);
	ck_assert_uint_eq(thr_failure_rates(&s, 0, &r), 0);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_verdict)
{
	struct observed o = { 0 };

	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_SURVIVE), V_SURVIVE);
	ck_assert(thr_expect_met(V_SURVIVE, SC_EXPECT_SURVIVE));
	o.atomic_failure = true;
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_SURVIVE), V_ATOMIC_FAILURE);
	ck_assert(!thr_expect_met(V_ATOMIC_FAILURE, SC_EXPECT_SURVIVE));
	/* exhaust phases: the failures are the experiment */
	o.exhaust = true;
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_SURVIVE), V_SURVIVE);
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_ATOMIC_FAILURE),
			 V_ATOMIC_FAILURE);
	o.exhaust = false;
	o.oom = true;
	/* both happened: the expected one is the verdict */
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_ATOMIC_FAILURE),
			 V_ATOMIC_FAILURE);
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_OOM), V_OOM);
	/* neither expected: the more severe */
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_SURVIVE), V_OOM);
	o.timeout = true;
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_OOM), V_TIMEOUT);
	o.splat = true;
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_OOM), V_SPLAT);
	o.panic = true;
	ck_assert_int_eq(thr_verdict(&o, SC_EXPECT_ATOMIC_FAILURE), V_PANIC);
	ck_assert(thr_expect_met(V_PANIC, SC_EXPECT_PANIC));
	ck_assert(!thr_expect_met(V_PANIC, SC_EXPECT_OOM));
	/* a reproducer expects a crash: a splat or a panic */
	ck_assert(thr_expect_met(V_PANIC, SC_EXPECT_CRASH));
	ck_assert(thr_expect_met(V_SPLAT, SC_EXPECT_CRASH));
	ck_assert(!thr_expect_met(V_SURVIVE, SC_EXPECT_CRASH));
	ck_assert_str_eq(vocab_str(&vocab_expect, SC_EXPECT_CRASH), "crash");
	ck_assert_str_eq(vocab_str(&vocab_verdict, V_ATOMIC_FAILURE),
			 "atomic-failure");
	ck_assert_str_eq(vocab_str(&vocab_verdict, V_SKIPPED), "skipped");
}
END_TEST

static Suite *thresholds_suite(void)
{
	Suite *su = suite_create("thresholds");
	TCase *tc = tcase_create("drain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_first_failure);
	tcase_add_test(tc, test_deepest_dip);
	tcase_add_test(tc, test_last_before);
	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_verdict);
	suite_add_tcase(su, tc);
	return su;
}

LAB_CHECK_MAIN(thresholds_suite)
