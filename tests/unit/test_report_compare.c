// SPDX-License-Identifier: GPL-2.0
/*
 * Description: `labyrinth compare` on crafted pairs: identical runs, a
 * threshold moved just under and just over the tolerance, thresholds that
 * appear or vanish, a changed verdict, an engine missing; and the command's
 * exit codes, including a clear failure on a truncated report.json.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "commands.h"
#include "report.h"
#include "util.h"

static char *fixture_dir(const char *name)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/tests/fixtures/reports/%s", top ? top : ".", name);
}

static json_t *fixture(const char *name)
{
	char *d = fixture_dir(name), err[1024];
	json_t *r;

	ck_assert_msg(report_load(d, &r, err, sizeof(err)) == 0, "%s", err);
	free(d);
	return r;
}

/* Run compare, return moved count and the printed table in *out. */
static int cmp(json_t *o, json_t *n, double tol, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int moved;

	ck_assert_ptr_nonnull(f);
	moved = report_compare(f, o, n, tol);
	fclose(f);
	*out = buf;
	return moved;
}

static void set_ff(json_t *r, const char *key, json_t *v)
{
	json_object_set_new(json_object_get(json_object_get(r, "thresholds"),
					    "first_atomic_failure"), key, v);
}

START_TEST(identical_runs_do_not_move)
{
	json_t *a = fixture("good"), *b = fixture("good");
	char *out;

	ck_assert_int_eq(cmp(a, b, 0, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "no metric moved past the 0% "
				     "tolerance"));
	ck_assert_ptr_null(strstr(out, " !\n"));
	free(out);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(threshold_move_against_tolerance)
{
	json_t *a = fixture("good"), *b = fixture("good");
	char *out;

	set_ff(a, "t_s", json_real(10.0));
	set_ff(b, "t_s", json_real(10.5));
	ck_assert_int_eq(cmp(a, b, 10, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "first_atomic_failure.t_s"));
	ck_assert_ptr_nonnull(strstr(out, "+5.0%\n"));
	free(out);
	ck_assert_int_eq(cmp(a, b, 4, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "+5.0% !\n"));
	ck_assert_ptr_nonnull(strstr(out, "1 metric(s) moved past the 4% "
				     "tolerance"));
	free(out);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(recorded_pair_moves)
{
	json_t *a = fixture("good"), *b = fixture("moved");
	char *out;
	int moved = cmp(a, b, 10, &out);

	/* 367 -> 330 free pages at the first failure: -10.1%. */
	ck_assert_int_ge(moved, 2);
	ck_assert_ptr_nonnull(strstr(out, "first_atomic_failure.free_pages"));
	ck_assert_ptr_nonnull(strstr(out, "330    -10.1% !"));
	/* latency centre moved one log2 bucket: about twice as slow. */
	ck_assert_ptr_nonnull(strstr(out, "engine irq: mean latency"));
	free(out);
	/* Same pair, generous tolerance: nothing appeared or vanished. */
	ck_assert_int_eq(cmp(a, b, 1000, &out), 0);
	free(out);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(appear_vanish_verdict_engine)
{
	json_t *a = fixture("good"), *b = fixture("good");
	char *out;

	json_object_set_new(json_object_get(b, "thresholds"),
			    "first_oom_kill", json_null());
	ck_assert_int_eq(cmp(a, b, 1e6, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "first_oom_kill"));
	ck_assert_ptr_nonnull(strstr(out, "vanished !"));
	free(out);
	ck_assert_int_eq(cmp(b, a, 1e6, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "appeared !"));
	free(out);

	json_decref(b);
	b = fixture("panic");
	/* Verdict changed, a panic appeared: moves at any tolerance. */
	ck_assert_int_ge(cmp(a, b, 1e6, &out), 2);
	ck_assert_ptr_nonnull(strstr(out, "changed !"));
	free(out);

	json_decref(b);
	b = fixture("good");
	json_array_remove(json_object_get(b, "engines"), 1);
	ck_assert_int_eq(cmp(a, b, 1e6, &out), 1);
	ck_assert_ptr_nonnull(strstr(out, "engine soft"));
	ck_assert_ptr_nonnull(strstr(out, "vanished !"));
	free(out);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(command_exit_codes)
{
	char *good = fixture_dir("good"), *moved = fixture_dir("moved");
	char *trunc = fixture_dir("truncated");
	char a0[] = "compare", q[] = "--quiet", t[] = "--tolerance";
	char big[] = "1000", bad[] = "ten";

	ck_assert_int_eq(cmd_compare(4, (char *[]){ a0, q, good, good, NULL }),
			 LAB_EXIT_OK);
	ck_assert_int_eq(cmd_compare(4, (char *[]){ a0, q, good, moved,
						    NULL }),
			 LAB_EXIT_UNEXPECTED);
	ck_assert_int_eq(cmd_compare(6, (char *[]){ a0, q, t, big, good, moved,
						    NULL }),
			 LAB_EXIT_OK);
	ck_assert_int_eq(cmd_compare(4, (char *[]){ a0, q, good, trunc,
						    NULL }),
			 LAB_EXIT_USAGE);
	ck_assert_int_eq(cmd_compare(6, (char *[]){ a0, q, t, bad, good, good,
						    NULL }),
			 LAB_EXIT_USAGE);
	ck_assert_int_eq(cmd_compare(3, (char *[]){ a0, q, good, NULL }),
			 LAB_EXIT_USAGE);
	free(good);
	free(moved);
	free(trunc);
}
END_TEST

static Suite *report_compare_suite(void)
{
	Suite *s = suite_create("report_compare");
	TCase *tc = tcase_create("compare");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, identical_runs_do_not_move);
	tcase_add_test(tc, threshold_move_against_tolerance);
	tcase_add_test(tc, recorded_pair_moves);
	tcase_add_test(tc, appear_vanish_verdict_engine);
	tcase_add_test(tc, command_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(report_compare_suite)
