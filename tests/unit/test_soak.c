// SPDX-License-Identifier: GPL-2.0
/*
 * Description: soaks without a VM. The statistics on textbook data (the
 * Mann-Whitney U test exact and with ties, Fisher's exact test,
 * quantiles); the plan's run order and shards; and `labyrinth vm soak`
 * end to end with tests/fixtures/soak/fake-vm-run as the runner
 * (LABYRINTH_SOAK_RUNNER; what each run comes to is a function of its
 * index): 2 scenarios x 3 runs at -j 2 with one run forced to panic
 * (the soak completes, counts it, exits 1), an infrastructure error, a
 * skip on the stock kernel, shards merged equal to the unsharded
 * aggregate, Ctrl-C (the runs in flight stopped and reaped, the
 * aggregate written) then --resume, soak.json validated and broken ones
 * refused by path, compare on distributions, KCIDB statuses, JUnit
 * cases, and the command line's errors.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "fake_runner.h"
#include "commands.h"
#include "soak.h"
#include "soak_report.h"
#include "stats.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

static json_t *cell(json_t *soak, const char *scenario, const char *kernel)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(soak, "cells"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "scenario")),
			    scenario) &&
		    !strcmp(json_string_value(json_object_get(c, "kernel")),
			    kernel))
			return c;
	ck_abort_msg("no cell %s on %s", scenario, kernel);
	return NULL;
}

static long long ji(json_t *j, const char *a, const char *b)
{
	json_t *x = json_object_get(j, a);

	if (b)
		x = json_object_get(x, b);
	return json_integer_value(x);
}


static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* ---- statistics ---------------------------------------------------------- */

START_TEST(quantiles_type7)
{
	double a[] = { 1, 2, 3, 4 }, b[20];
	size_t i;

	for (i = 0; i < 20; i++)
		b[i] = (double)(i + 1);
	ck_assert_double_eq_tol(stats_quantile(a, 4, 0.5), 2.5, 1e-12);
	ck_assert_double_eq_tol(stats_quantile(b, 20, 0.95), 19.05, 1e-12);
	ck_assert_double_eq_tol(stats_quantile(a, 1, 0.95), 1, 1e-12);
	ck_assert(isnan(stats_quantile(a, 0, 0.5)));
}
END_TEST

/*
 * The example of scipy.stats.mannwhitneyu's documentation: U = 17,
 * exact two-sided p = 1/9 (14 of the 126 orderings are as extreme),
 * 0.11134688653314 with the normal approximation.
 */
START_TEST(mann_whitney_exact_textbook)
{
	double x[] = { 19, 22, 16, 29, 24 }, y[] = { 20, 11, 17, 12 };
	struct mw_result r;

	ck_assert_int_eq(stats_mann_whitney(x, 5, y, 4, &r), 0);
	ck_assert(r.exact);
	ck_assert_double_eq_tol(r.u, 17, 1e-12);
	ck_assert_double_eq_tol(r.p, 1.0 / 9, 1e-12);
	/* the other way round: U2 = n1 n2 - U1, the same p */
	ck_assert_int_eq(stats_mann_whitney(y, 4, x, 5, &r), 0);
	ck_assert_double_eq_tol(r.u, 3, 1e-12);
	ck_assert_double_eq_tol(r.p, 1.0 / 9, 1e-12);
}
END_TEST

/*
 * With ties: the normal approximation, tie-corrected variance
 * n1 n2 / 12 ((N + 1) - sum(t^3 - t) / (N (N - 1))) and the 0.5
 * continuity correction: U = 8.5, sum(t^3 - t) = 114, sigma =
 * 7.66109050281, z = 2.02321066359, p = 0.0430514327289 (by hand).
 */
START_TEST(mann_whitney_ties_normal)
{
	double x[] = { 1, 2, 2, 3, 3, 3, 4 }, y[] = { 2, 3, 4, 4, 5, 5, 6 };
	double same[] = { 5, 5, 5 };
	struct mw_result r;

	ck_assert_int_eq(stats_mann_whitney(x, 7, y, 7, &r), 0);
	ck_assert(!r.exact);
	ck_assert_double_eq_tol(r.u, 8.5, 1e-12);
	ck_assert_double_eq_tol(r.z, 2.02321066358720, 1e-9);
	ck_assert_double_eq_tol(r.p, 0.0430514327289452, 1e-9);
	/* all equal: no evidence of a shift */
	ck_assert_int_eq(stats_mann_whitney(same, 3, same, 3, &r), 0);
	ck_assert_double_eq_tol(r.p, 1, 1e-12);
	ck_assert_int_eq(stats_mann_whitney(same, 0, same, 3, &r), -1);
	ck_assert(isnan(r.p));
}
END_TEST

/* Large samples, no ties: the approximation, and a clear shift. */
START_TEST(mann_whitney_large_shift)
{
	double a[30], b[30];
	struct mw_result r;
	size_t i;

	for (i = 0; i < 30; i++) {
		a[i] = (double)i;
		b[i] = (double)i + 20.5;
	}
	ck_assert_int_eq(stats_mann_whitney(a, 30, b, 30, &r), 0);
	ck_assert(!r.exact);
	ck_assert(r.p < 1e-4);
}
END_TEST

/* Fisher's "lady tasting tea": [[3, 1], [1, 3]], two-sided p = 34/70. */
START_TEST(fisher_exact_textbook)
{
	ck_assert_double_eq_tol(stats_fisher_exact(3, 1, 1, 3), 34.0 / 70,
				1e-9);
	ck_assert_double_eq_tol(stats_fisher_exact(8, 2, 1, 5),
				0.034965034965035, 1e-9);
	ck_assert_double_eq_tol(stats_fisher_exact(5, 0, 5, 0), 1, 1e-12);
	ck_assert_double_eq_tol(stats_fisher_exact(0, 0, 0, 0), 1, 1e-12);
}
END_TEST

/* ---- the plan ------------------------------------------------------------ */

START_TEST(plan_order_and_shards)
{
	struct soak_plan p = { .nsc = 3, .nk = 2, .iterations = 7,
			       .shard_kernel = -1 };
	uint64_t total, i, it, sum;
	size_t k, s, n;
	unsigned int shard;

	total = soak_plan_total(&p);
	ck_assert_int_eq(total, 42);
	soak_plan_decode(&p, 0, &it, &k, &s);
	ck_assert(it == 0 && k == 0 && s == 0);
	soak_plan_decode(&p, 1, &it, &k, &s);
	ck_assert(it == 0 && k == 0 && s == 1);	/* scenario fastest */
	soak_plan_decode(&p, 3, &it, &k, &s);
	ck_assert(it == 0 && k == 1 && s == 0);
	soak_plan_decode(&p, 41, &it, &k, &s);
	ck_assert(it == 6 && k == 1 && s == 2);
	for (n = 1; n <= 5; n++) {
		p.nshards = (unsigned int)n;
		sum = 0;
		for (shard = 1; shard <= n; shard++) {
			uint64_t mine = 0;

			p.shard = shard;
			for (i = 0; i < total; i++)
				mine += soak_plan_in_shard(&p, i);
			ck_assert_int_eq(mine, soak_plan_shard_total(&p));
			sum += mine;
		}
		/* every index in exactly one shard */
		ck_assert_int_eq(sum, total);
	}
	/* per kernel: each of its runs in exactly one of its shards */
	p.nshards = 3;
	for (k = 0; k < 2; k++) {
		p.shard_kernel = (int)k;
		sum = 0;
		for (shard = 1; shard <= 3; shard++) {
			uint64_t mine = 0;

			p.shard = shard;
			for (i = 0; i < total; i++) {
				size_t kk, ss;

				if (!soak_plan_in_shard(&p, i))
					continue;
				soak_plan_decode(&p, i, &it, &kk, &ss);
				ck_assert_uint_eq(kk, k);
				mine++;
			}
			ck_assert_int_eq(mine, soak_plan_shard_total(&p));
			sum += mine;
		}
		ck_assert_int_eq(sum, total / 2);
	}
}
END_TEST

START_TEST(kernel_names)
{
	struct soak_kernel k;
	char err[256];

	ck_assert_int_eq(soak_kernel_parse("6.1-debug", &k, err, sizeof(err)),
			 0);
	ck_assert_str_eq(k.kver, "6.1");
	ck_assert_str_eq(k.variant, "debug");
	ck_assert_int_eq(soak_kernel_parse("stock", &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.variant, "default");
	ck_assert_int_eq(soak_kernel_parse("stock-debug", &k, err,
					   sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no debug variant"));
	ck_assert_int_eq(soak_kernel_parse("5.10", &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "expected 6.1, 6.12 or stock"));
}
END_TEST

/* ---- vm soak with the fake runner ---------------------------------------- */

/*
 * The short soak of the issue: 2 scenarios x 3 runs, -j 2, run 2 (the
 * default scenario's second) forced to panic. The soak completes, the
 * aggregate counts the panic (and calls the cell flaky), exit 1. Run 4
 * panics too with a report that says it expected to (as a run of
 * another scenario file would): the soak judges it by the plan's
 * expectation, unexpected as well.
 */
START_TEST(soak_counts_a_panic)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d), *junit, *html;
	json_t *j, *c;
	int rc;

	fake_env();
	setenv("FAKE_PANIC_INDEX", "2", 1);
	setenv("FAKE_LIE_INDEX", "4", 1);
	rc = SOAK(log, "-n", "3", "-j", "2", "-o", out, "scenarios/default.ini",
		  "scenarios/panic-on-oom.ini");
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	j = load_json(out, SOAK_JSON);
	ck_assert_int_eq(ji(j, "totals", "done"), 6);
	ck_assert_int_eq(ji(j, "totals", "unexpected"), 2);
	ck_assert(json_is_true(json_object_get(json_object_get(j, "totals"),
					       "complete")));
	c = cell(j, "default", "6.1");
	ck_assert_int_eq(ji(c, "verdicts", "atomic-failure"), 1);
	ck_assert_int_eq(ji(c, "verdicts", "panic"), 2);
	ck_assert_int_eq(ji(c, "unexpected", NULL), 2);
	ck_assert_int_eq(ji(c, "expect_met", NULL), 1);
	ck_assert(json_is_true(json_object_get(c, "flaky")));
	ck_assert_int_eq(ji(json_object_get(json_object_get(c, "thresholds"),
			    "first_atomic_failure"), "t_s", "n"), 1);
	c = cell(j, "panic-on-oom", "6.1");
	ck_assert_int_eq(ji(c, "verdicts", "panic"), 3);
	ck_assert_int_eq(ji(c, "unexpected", NULL), 0);
	ck_assert(json_is_false(json_object_get(c, "flaky")));
	/* one JUnit case per scenario x kernel, the flaky one failing */
	junit = slurp(out, SOAK_JUNIT);
	ck_assert_int_eq(count_str(junit, "<testcase "), 2);
	ck_assert_ptr_nonnull(strstr(junit, "failures=\"1\""));
	html = slurp(out, SOAK_HTML);
	ck_assert_ptr_nonnull(strstr(html, "runs/000002-default-6.1/"
				     "report.html"));
	ck_assert_ptr_nonnull(strstr(html, "<svg"));
	free(junit);
	free(html);
	json_decref(j);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

START_TEST(soak_skip_and_infrastructure)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *out2 = xasprintf("%s/s2", d), *out3 = xasprintf("%s/s3", d);
	char *log = xasprintf("%s/log", d);
	json_t *j, *c;
	int rc;

	fake_env();
	setenv("FAKE_INFRA_INDEX", "0", 1);
	rc = SOAK(log, "-n", "2", "-j", "2", "--matrix", "6.1,stock", "-o",
		  out, "scenarios/default.ini",
		  "scenarios/inject-probability.ini");
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	j = load_json(out, SOAK_JSON);
	c = cell(j, "inject-probability", "stock");
	ck_assert_int_eq(ji(c, "skipped", NULL), 2);
	ck_assert_int_eq(ji(c, "verdicts", "skipped"), 2);
	ck_assert_int_eq(ji(c, "unexpected", NULL), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c,
				     "skip_reason")), "CONFIG_F"));
	c = cell(j, "default", "6.1");
	ck_assert_int_eq(ji(c, "infrastructure_errors", NULL), 1);
	ck_assert_int_eq(ji(c, "verdicts", "error"), 1);
	ck_assert(json_is_false(json_object_get(c, "flaky")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "runs"), 0), "reason")),
		"fake infrastructure error"));
	json_decref(j);
	/* every run skipped: 4; every run an infrastructure error: 3 */
	unsetenv("FAKE_INFRA_INDEX");
	rc = SOAK(log, "-n", "2", "--kver", "stock", "-o", out2,
		  "scenarios/inject-probability.ini");
	ck_assert_msg(rc == 4, "exit %d, see %s", rc, log);
	setenv("FAKE_INFRA_INDEX", "all", 1);
	rc = SOAK(log, "-n", "2", "-o", out3, "scenarios/default.ini");
	ck_assert_msg(rc == 3, "exit %d, see %s", rc, log);
	free(out);
	free(out2);
	free(out3);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

/* What does not depend on the host's timing. */
static json_t *aggregate_of(const char *dir)
{
	json_t *j = load_json(dir, SOAK_JSON), *a, *x;
	size_t i;

	a = json_pack("{s:O, s:O, s:O}", "totals", json_object_get(j, "totals"),
		      "cells", json_object_get(j, "cells"),
		      "runs", json_object_get(j, "runs"));
	json_array_foreach(json_object_get(a, "cells"), i, x)
		json_object_del(x, "wall_s_mean");
	json_array_foreach(json_object_get(a, "runs"), i, x)
		json_object_del(x, "wall_s");
	json_decref(j);
	return a;
}

START_TEST(shards_merged_equal_one_machine)
{
	char *d = tmpdir(), *log = xasprintf("%s/log", d);
	char *all = xasprintf("%s/all", d), *sh[3], *merged, *kd[4];
	json_t *a, *b;
	int rc, i;

	fake_env();
	/* run 4: the default scenario's second run on 6.1, shard 2 of 3 */
	setenv("FAKE_PANIC_INDEX", "4", 1);
	rc = SOAK(log, "-n", "4", "-j", "2", "--matrix", "6.1,6.12", "-o",
		  all, "scenarios/default.ini", "scenarios/panic-on-oom.ini");
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	for (i = 0; i < 3; i++) {
		char shard[8];

		sh[i] = xasprintf("%s/shard%d", d, i + 1);
		snprintf(shard, sizeof(shard), "%d/3", i + 1);
		rc = SOAK(log, "-n", "4", "-j", "2", "--matrix", "6.1,6.12",
			  "--shard", shard, "-o", sh[i],
			  "scenarios/default.ini",
			  "scenarios/panic-on-oom.ini");
		ck_assert_msg(rc == (i == 1 ? 1 : 0), "shard %d: exit %d", i,
			      rc);
	}
	/* two shards of three: merged, but incomplete: exit 1 */
	merged = xasprintf("%s/m2", d);
	rc = MERGE(log, "-o", merged, sh[2], sh[0]);
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	free(merged);
	merged = xasprintf("%s/merged", d);
	rc = MERGE(log, "-o", merged, sh[2], sh[0], sh[1]);
	ck_assert_msg(rc == 1, "exit %d (run 4 panicked), see %s", rc, log);
	/* a shard twice, or of another soak: refused */
	free(merged);
	merged = xasprintf("%s/m3", d);
	ck_assert_int_eq(MERGE(log, "-o", merged, sh[0], sh[0]), 2);
	ck_assert_int_eq(MERGE(log, "-o", merged, sh[0], all), 2);
	free(merged);
	merged = xasprintf("%s/merged", d);
	a = aggregate_of(all);
	b = aggregate_of(merged);
	ck_assert_msg(json_equal(a, b), "the merged aggregate differs from "
		      "the unsharded one");
	ck_assert_int_eq(ji(a, "totals", "done"), 16);
	/* the runs' directories came along: soak.html's links work */
	{
		char *p = xasprintf("%s/runs/000004-default-6.1/"
				    "report.json", merged);

		ck_assert_int_eq(access(p, F_OK), 0);
		free(p);
	}
	json_decref(b);
	/* a CI matrix of kernel x shard: each job one kernel's share */
	for (i = 0; i < 4; i++) {
		char shard[16];

		free(sh[i < 3 ? i : 0]);
		sh[i < 3 ? i : 0] = NULL;
		snprintf(shard, sizeof(shard), "%s:%d/2", i < 2 ? "6.1" :
			 "6.12", i % 2 + 1);
		kd[i] = xasprintf("%s/k%d", d, i);
		rc = SOAK(log, "-n", "4", "-j", "2", "--matrix", "6.1,6.12",
			  "--shard", shard, "-o", kd[i],
			  "scenarios/default.ini",
			  "scenarios/panic-on-oom.ini");
		/* run 4 is 6.1's: iteration 1 + scenario 0 -> 6.1:2/2 */
		ck_assert_msg(rc == (i == 1 ? 1 : 0), "%s: exit %d", shard, rc);
	}
	free(merged);
	merged = xasprintf("%s/kmerged", d);
	rc = MERGE(log, "-o", merged, kd[3], kd[1], kd[0], kd[2]);
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	b = aggregate_of(merged);
	ck_assert_msg(json_equal(a, b), "the aggregate of kernel shards "
		      "differs from the unsharded one");
	json_decref(a);
	json_decref(b);
	for (i = 0; i < 4; i++)
		free(kd[i]);
	free(merged);
	free(all);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

static size_t records(const char *out)
{
	char *runs = xasprintf("%s/runs", out);
	DIR *dd = opendir(runs);
	struct dirent *de;
	size_t n = 0;

	while (dd && (de = readdir(dd))) {
		char *p = xasprintf("%s/%s/%s", runs, de->d_name, SOAK_RECORD);

		n += access(p, F_OK) == 0;
		free(p);
	}
	if (dd)
		closedir(dd);
	free(runs);
	return n;
}


/*
 * Ctrl-C in the middle: the runs in flight are stopped (no runner left,
 * their half-made directories gone), the finished ones are in soak.json
 * (incomplete, the session interrupted), exit 1; --resume runs what is
 * left and leaves the finished records as they were.
 */
START_TEST(interrupt_then_resume)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d), *pids = xasprintf("%s/pids", d);
	char *first = xasprintf("%s/runs/000000-default-6.1/%s", out,
				SOAK_RECORD), *before, *after, *runs;
	json_t *j, *sessions;
	double t0;
	pid_t pid;
	int rc;

	fake_env();
	mkdir(pids, 0755);
	setenv("FAKE_SLEEP", "0.4", 1);
	setenv("FAKE_PID_DIR", pids, 1);
	pid = soak_start(log, (const char *const[]){ "vm", "soak", "-n", "4",
		"-j", "2", "-o", out, "scenarios/default.ini",
		"scenarios/panic-on-oom.ini", NULL }, cmd_vm);
	for (t0 = now_mono(); records(out) < 3 && now_mono() - t0 < 30;)
		usleep(20 * 1000);
	ck_assert_uint_ge(records(out), 3);
	kill(pid, SIGINT);
	rc = soak_wait(pid);
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	/* every runner stopped and reaped */
	ck_assert_msg(entries(pids, true) == 0, "%zu runner(s) still running",
		      entries(pids, true));
	j = load_json(out, SOAK_JSON);
	ck_assert(json_is_false(json_object_get(json_object_get(j, "totals"),
						"complete")));
	ck_assert_int_eq(ji(j, "totals", "done"), (long long)records(out));
	runs = xasprintf("%s/runs", out);
	/* the runs stopped in flight left no directory */
	ck_assert_int_eq(entries(runs, false), records(out));
	free(runs);
	sessions = json_object_get(j, "sessions");
	ck_assert(json_is_true(json_object_get(json_array_get(sessions, 0),
					       "interrupted")));
	json_decref(j);
	ck_assert_int_eq(read_file(first, &before, NULL), 0);

	unsetenv("FAKE_SLEEP");
	rc = SOAK(log, "--resume", out);
	ck_assert_msg(rc == 0, "exit %d, see %s", rc, log);
	j = load_json(out, SOAK_JSON);
	ck_assert_int_eq(ji(j, "totals", "done"), 8);
	ck_assert(json_is_true(json_object_get(json_object_get(j, "totals"),
					       "complete")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "sessions")), 2);
	ck_assert_int_eq(read_file(first, &after, NULL), 0);
	ck_assert_str_eq(before, after);
	/* resuming a complete soak does nothing and says all is well */
	rc = SOAK(log, "--resume", out, "-q");
	ck_assert_int_eq(rc, 0);
	json_decref(j);
	free(before);
	free(after);
	free(first);
	free(pids);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

/* Even a soak killed outright takes its runs with it (PR_SET_PDEATHSIG:
 * vm run gets SIGTERM, and stops its QEMU). */
START_TEST(sigkill_takes_the_runs_along)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d), *pids = xasprintf("%s/pids", d);
	double t0;
	pid_t pid;

	fake_env();
	mkdir(pids, 0755);
	setenv("FAKE_SLEEP", "30", 1);
	setenv("FAKE_PID_DIR", pids, 1);
	pid = soak_start(log, (const char *const[]){ "vm", "soak", "-n", "2",
		"-j", "2", "-o", out, "scenarios/default.ini", NULL }, cmd_vm);
	for (t0 = now_mono(); entries(pids, true) < 2 && now_mono() - t0 < 20;)
		usleep(20 * 1000);
	ck_assert_uint_eq(entries(pids, true), 2);
	kill(pid, SIGKILL);
	ck_assert_int_eq(soak_wait(pid), 128 + SIGKILL);
	for (t0 = now_mono(); entries(pids, true) && now_mono() - t0 < 10;)
		usleep(20 * 1000);
	ck_assert_msg(entries(pids, true) == 0, "%zu runner(s) outlived the "
		      "soak", entries(pids, true));
	free(pids);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

START_TEST(duration_mode)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d);
	json_t *j;
	int rc;

	fake_env();
	setenv("FAKE_SLEEP", "0.2", 1);
	rc = SOAK(log, "-d", "1s", "-j", "2", "-o", out,
		  "scenarios/default.ini");
	ck_assert_msg(rc == 0, "exit %d, see %s", rc, log);
	j = load_json(out, SOAK_JSON);
	ck_assert(json_is_null(json_object_get(json_object_get(j, "totals"),
					       "planned")));
	ck_assert_int_ge(ji(j, "totals", "done"), 2);
	ck_assert(json_is_true(json_object_get(json_object_get(j, "totals"),
					       "complete")));
	json_decref(j);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

/* ---- soak.json: valid, and broken ones refused by path ------------------- */

static void expect_invalid(json_t *good, const char *what, json_t *broken,
			   const char *where)
{
	char err[1024];

	ck_assert_msg(soak_validate(broken, err, sizeof(err)) != 0,
		      "%s: accepted", what);
	ck_assert_msg(strstr(err, where), "%s: '%s' does not name %s", what,
		      err, where);
	json_decref(broken);
	(void)good;
}

START_TEST(soak_json_validation)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d), err[1024];
	json_t *j, *b, *runs;
	int rc;

	fake_env();
	rc = SOAK(log, "-n", "2", "-o", out, "scenarios/default.ini",
		  "scenarios/panic-on-oom.ini");
	ck_assert_int_eq(rc, 0);
	j = load_json(out, SOAK_JSON);
	ck_assert_msg(soak_validate(j, err, sizeof(err)) == 0, "%s", err);

	b = json_deep_copy(j);
	json_object_set_new(json_array_get(json_object_get(b, "cells"), 0),
			    "runs", json_integer(7));
	expect_invalid(j, "a cell's count", b, "$.cells[0]");

	b = json_deep_copy(j);
	runs = json_object_get(b, "runs");
	json_array_insert(runs, 0, json_array_get(runs, 1));
	json_array_remove(runs, 2);
	expect_invalid(j, "runs out of order", b, "$.runs[1].index");

	b = json_deep_copy(j);
	json_object_set_new(b, "schema_version", json_integer(99));
	expect_invalid(j, "a newer version", b, "newer");

	b = json_deep_copy(j);
	json_object_set_new(json_array_get(json_object_get(b, "runs"), 0),
			    "verdict", json_string("exploded"));
	expect_invalid(j, "an unknown verdict", b, "$.runs[0].verdict");

	b = json_deep_copy(j);
	json_object_set_new(json_object_get(json_object_get(json_object_get(
		json_array_get(json_object_get(b, "cells"), 0), "thresholds"),
		"first_atomic_failure"), "t_s"), "median", json_real(42));
	expect_invalid(j, "a median", b, "first_atomic_failure.t_s");

	b = json_deep_copy(j);
	json_object_set_new(b, "schema", json_string("labyrinth-report"));
	expect_invalid(j, "another kind of file", b, "$.schema");

	json_decref(j);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

/* The schema file names the same words and version as the C side. */
START_TEST(schema_file_speaks_the_vocabulary)
{
	char *p = top_path("reports/schema/soak.schema.json");
	json_error_t je;
	json_t *schema = json_load_file(p, 0, &je), *e;
	const struct vocab *v[] = { &vocab_verdict, &vocab_expect };
	const char *defs[] = { "verdict", "expect" };
	size_t i, k;

	ck_assert_msg(schema, "%s: %s", p, je.text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		json_object_get(schema, "properties"), "schema"), "const")),
		SOAK_SCHEMA_NAME);
	e = json_object_get(json_object_get(json_object_get(schema,
		"properties"), "schema_version"), "enum");
	ck_assert_int_eq(json_integer_value(json_array_get(e,
		json_array_size(e) - 1)), SOAK_SCHEMA_VERSION);
	for (k = 0; k < 2; k++) {
		e = json_object_get(json_object_get(json_object_get(schema,
			"$defs"), defs[k]), "enum");
		ck_assert_int_eq(json_array_size(e), v[k]->n);
		for (i = 0; i < v[k]->n; i++)
			ck_assert_str_eq(json_string_value(json_array_get(e, i)),
					 v[k]->w[i].name);
	}
	/* every threshold number a cell has */
	e = json_object_get(json_object_get(json_object_get(schema, "$defs"),
		"cell_thresholds"), "properties");
	for (i = 0; i < THRESHOLD_NMETRICS; i++)
		ck_assert_msg(json_object_get(json_object_get(json_object_get(
			json_object_get(e, threshold_metrics[i].threshold),
			"properties"), threshold_metrics[i].key), "$ref"),
			"%s.%s not in the schema", threshold_metrics[i].threshold,
			threshold_metrics[i].key);
	json_decref(schema);
	free(p);
}
END_TEST

/* ---- compare, KCIDB ------------------------------------------------------ */

static int compare(const char *a, const char *b, char **text)
{
	struct soak_compare_opts opt = { .tolerance_pct = 10, .alpha = 0.05 };
	struct soak o, n;
	char err[1024], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int moved;

	ck_assert_msg(soak_load(a, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(soak_load(b, &n, err, sizeof(err)) == 0, "%s", err);
	moved = soak_compare(f, &o, &n, &opt);
	fclose(f);
	*text = buf;
	soak_free(&o);
	soak_free(&n);
	return moved;
}

START_TEST(compare_distributions)
{
	char *d = tmpdir(), *log = xasprintf("%s/log", d), *text;
	char *base = xasprintf("%s/base", d), *shift = xasprintf("%s/shift", d);
	char *s3 = xasprintf("%s/s3", d), *t3 = xasprintf("%s/t3", d);

	fake_env();
	ck_assert_int_eq(SOAK(log, "-n", "10", "-j", "2", "-o", base,
			      "scenarios/default.ini"), 0);
	setenv("FAKE_SHIFT", "100", 1);
	ck_assert_int_eq(SOAK(log, "-n", "10", "-j", "2", "-o", shift,
			      "scenarios/default.ini"), 0);
	/* 300..309 against 400..409: medians 304.5 and 404.5, +32.8 %,
	 * exact p = 2 / C(20, 10) */
	ck_assert_int_ge(compare(base, shift, &text), 1);
	ck_assert_msg(strstr(text, "free_pages") && strstr(text, "+32.8%"),
		      "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "1.1e-05"));
	free(text);
	ck_assert_int_eq(compare(base, base, &text), 0);
	free(text);
	/* 3 runs each: the same shift is not significant (p = 0.1) */
	ck_assert_int_eq(SOAK(log, "-n", "3", "-o", t3,
			      "scenarios/default.ini"), 0);
	unsetenv("FAKE_SHIFT");
	ck_assert_int_eq(SOAK(log, "-n", "3", "-o", s3,
			      "scenarios/default.ini"), 0);
	ck_assert_int_eq(compare(s3, t3, &text), 0);
	ck_assert_msg(strstr(text, "within the noise"), "%s", text);
	free(text);
	free(base);
	free(shift);
	free(s3);
	free(t3);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

START_TEST(kcidb_statuses)
{
	char *d = tmpdir(), *out = xasprintf("%s/s", d);
	char *log = xasprintf("%s/log", d), *text, err[1024];
	json_t *k, *t;
	struct soak s;
	size_t i, pass = 0, fail = 0, skip = 0, miss = 0, done = 0;

	fake_env();
	setenv("FAKE_PANIC_INDEX", "2", 1);
	setenv("FAKE_INFRA_INDEX", "4", 1);
	ck_assert_int_eq(SOAK(log, "-n", "3", "--matrix", "6.1,stock", "-o",
			      out, "scenarios/default.ini",
			      "scenarios/inject-probability.ini"), 1);
	ck_assert_msg(soak_load(out, &s, err, sizeof(err)) == 0, "%s", err);
	text = kcidb_from_soak(&s, "labyrinth");
	k = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(ji(k, "version", "major"), 5);
	ck_assert_int_eq(json_array_size(json_object_get(k, "builds")), 2);
	json_array_foreach(json_object_get(k, "tests"), i, t) {
		const char *st = json_string_value(json_object_get(t, "status"));

		pass += !strcmp(st, "PASS");
		fail += !strcmp(st, "FAIL");
		skip += !strcmp(st, "SKIP");
		miss += !strcmp(st, "MISS");
		done += !strcmp(st, "DONE") &&
			json_object_get(t, "number") != NULL;
	}
	/* 12 runs: run 2 panicked, run 4 never ran, 3 skipped on stock */
	ck_assert_int_eq(fail, 1);
	ck_assert_int_eq(miss, 1);
	ck_assert_int_eq(skip, 3);
	ck_assert_int_eq(pass, 7);
	/* 7 passing runs with 6 numbers each (first failure, dip), and
	 * the panic's time */
	ck_assert_int_eq(done, 7 * 6 + 1);
	json_decref(k);
	free(text);
	soak_free(&s);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

START_TEST(command_line_errors)
{
	char *d = tmpdir(), *log = xasprintf("%s/log", d);
	char *out = xasprintf("%s/s", d);

	fake_env();
	ck_assert_int_eq(SOAK(log, "--shard", "3/2", "scenarios/default.ini"),
			 2);
	ck_assert_int_eq(SOAK(log, "--matrix", "6.1,5.10",
			      "scenarios/default.ini"), 2);
	ck_assert_int_eq(SOAK(log, "--matrix", "6.1,6.1",
			      "scenarios/default.ini"), 2);
	ck_assert_int_eq(SOAK(log, "-n", "2", "-d", "1m",
			      "scenarios/default.ini"), 2);
	ck_assert_int_eq(SOAK(log, "--set", "scenario.nope=1",
			      "scenarios/default.ini"), 2);
	ck_assert_int_eq(SOAK(log, "--kernel", "/x", "scenarios/default.ini"),
			 2);
	ck_assert_int_eq(SOAK(log, "--resume", d, "scenarios/default.ini"), 2);
	ck_assert_int_eq(SOAK(log, "-n"), 2);
	ck_assert_int_eq(SOAK(log, "-n", "1", "-o", out,
			      "scenarios/default.ini"), 0);
	/* a soak directory is not a new soak's */
	ck_assert_int_eq(SOAK(log, "-n", "1", "-o", out,
			      "scenarios/default.ini"), 2);
	free(out);
	free(log);
	remove_tree(d);
	free(d);
}
END_TEST

static Suite *soak_suite(void)
{
	Suite *s = suite_create("soak");
	TCase *stats = tcase_create("stats"), *plan = tcase_create("plan");
	TCase *run = tcase_create("run");

	tcase_add_test(stats, quantiles_type7);
	tcase_add_test(stats, mann_whitney_exact_textbook);
	tcase_add_test(stats, mann_whitney_ties_normal);
	tcase_add_test(stats, mann_whitney_large_shift);
	tcase_add_test(stats, fisher_exact_textbook);
	tcase_add_test(plan, plan_order_and_shards);
	tcase_add_test(plan, kernel_names);
	tcase_add_test(plan, schema_file_speaks_the_vocabulary);
	/* shell-script runs, under ASan too: generous */
	tcase_set_timeout(run, 180);
	tcase_add_test(run, soak_counts_a_panic);
	tcase_add_test(run, soak_skip_and_infrastructure);
	tcase_add_test(run, shards_merged_equal_one_machine);
	tcase_add_test(run, interrupt_then_resume);
	tcase_add_test(run, sigkill_takes_the_runs_along);
	tcase_add_test(run, duration_mode);
	tcase_add_test(run, soak_json_validation);
	tcase_add_test(run, compare_distributions);
	tcase_add_test(run, kcidb_statuses);
	tcase_add_test(run, command_line_errors);
	suite_add_tcase(s, stats);
	suite_add_tcase(s, plan);
	suite_add_tcase(s, run);
	return s;
}

LAB_CHECK_MAIN(soak_suite)
