// SPDX-License-Identifier: GPL-2.0
/*
 * Description: knob save/set/restore against a fake debugfs + procfs tree:
 * values come back after a normal restore, after a "crash" (state file
 * left behind, restored by the next open), knobs that vanished are skipped,
 * a second concurrent run is refused, and a scenario section arms every
 * fault-attribute knob it names.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "knobs.h"
#include "scenario.h"
#include "util.h"

static char root[256], state[300], err[1024];

static void put(const char *rel, const char *val)
{
	char *p = xasprintf("%s%s", root, rel), *dir = xstrdup(p);

	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(mkdir_p(dir, 0755), 0);
	ck_assert_int_eq(write_file(p, val, strlen(val)), 0);
	free(dir);
	free(p);
}

static char *get(const char *rel)
{
	static char buf[256];
	char *p = xasprintf("%s%s", root, rel), *v;

	ck_assert_int_eq(read_file(p, &v, NULL), 0);
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	free(p);
	return buf;
}

static const char *const fpa_knobs[][2] = {
	{ "probability", "0\n" }, { "interval", "1\n" }, { "times", "1\n" },
	{ "space", "0\n" }, { "verbose", "2\n" }, { "task-filter", "N\n" },
	{ "verbose_ratelimit_interval_ms", "0\n" },
	{ "verbose_ratelimit_burst", "0\n" }, { "min-order", "1\n" },
	{ "ignore-gfp-wait", "Y\n" }, { "ignore-gfp-highmem", "Y\n" },
	{ "cache-filter", "N\n" },
};

static void setup(void)
{
	size_t i;

	snprintf(root, sizeof(root), "/tmp/lab-knobs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(state, sizeof(state), "%s/run", root);
	for (i = 0; i < ARRAY_SIZE(fpa_knobs); i++) {
		char *a = xasprintf(DEBUGFS "/fail_page_alloc/%s",
				    fpa_knobs[i][0]);
		char *b = xasprintf(DEBUGFS "/failslab/%s", fpa_knobs[i][0]);

		put(a, fpa_knobs[i][1]);
		put(b, fpa_knobs[i][1]);
		free(a);
		free(b);
	}
	put("/proc/sys/vm/min_free_kbytes", "67584\n");
	put("/proc/sys/vm/panic_on_oom", "0\n");
	put("/sys/kernel/slab/kmalloc-64/failslab", "0\n");
}

static void teardown(void)
{
	remove_tree(root);
}

START_TEST(test_set_restore)
{
	struct knobs k;

	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_recover(&k, NULL, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_set(&k, "/proc/sys/vm/min_free_kbytes", "8192",
				   err, sizeof(err)), 0);
	ck_assert_str_eq(get("/proc/sys/vm/min_free_kbytes"), "8192");
	/* a second write keeps the first saved value */
	ck_assert_int_eq(knobs_set(&k, "/proc/sys/vm/min_free_kbytes", "4096",
				   err, sizeof(err)), 0);
	ck_assert_uint_eq(k.n, 1);
	ck_assert_int_eq(access(k.state_path, F_OK), 0);
	ck_assert_int_eq(knobs_restore(&k, err, sizeof(err)), 0);
	ck_assert_str_eq(get("/proc/sys/vm/min_free_kbytes"), "67584");
	/* restored: the state file is gone */
	ck_assert_int_eq(access(k.state_path, F_OK), -1);
	knobs_close(&k);
}
END_TEST

START_TEST(test_missing_knob)
{
	struct knobs k;

	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_set(&k, "/proc/sys/vm/nope", "1", err,
				   sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "/proc/sys/vm/nope") &&
		      strstr(err, "debugfs mounted"), "%s", err);
	/* nothing was saved for it, and no file was created */
	ck_assert_uint_eq(k.n, 0);
	ck_assert_int_eq(knobs_exists(&k, "/proc/sys/vm/nope"), 0);
	knobs_close(&k);
}
END_TEST

/* A run that dies (here: a child that _exit()s without restoring, the
 * same as SIGKILL for the state file) is cleaned up by the next open. */
START_TEST(test_crash_recovery)
{
	struct knobs k;
	char msg[256];
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct knobs c;

		if (knobs_open(&c, root, state, err, sizeof(err)) ||
		    knobs_set(&c, "/proc/sys/vm/panic_on_oom", "1", err,
			      sizeof(err)) ||
		    knobs_set(&c, DEBUGFS "/fail_page_alloc/probability", "50",
			      err, sizeof(err)))
			_exit(1);
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_str_eq(get("/proc/sys/vm/panic_on_oom"), "1");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/probability"), "50");

	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_recover(&k, msg, sizeof(msg), err, sizeof(err)),
			 2);
	ck_assert_msg(strstr(msg, "restored 2 kernel knobs") &&
		      strstr(msg, "did not finish"), "%s", msg);
	ck_assert_str_eq(get("/proc/sys/vm/panic_on_oom"), "0");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/probability"), "0");
	ck_assert_int_eq(knobs_recover(&k, msg, sizeof(msg), err, sizeof(err)),
			 0);
	knobs_close(&k);
}
END_TEST

START_TEST(test_vanished_knob_skipped)
{
	struct knobs k;
	char *p;

	put(DEBUGFS "/labyrinth/fail/probability", "0\n");
	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_set(&k, DEBUGFS "/labyrinth/fail/probability",
				   "10", err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_set(&k, "/proc/sys/vm/panic_on_oom", "2", err,
				   sizeof(err)), 0);
	/* the module was unloaded, its debugfs dir went with it */
	p = xasprintf("%s" DEBUGFS "/labyrinth", root);
	ck_assert_int_eq(remove_tree(p), 0);
	free(p);
	ck_assert_int_eq(knobs_restore(&k, err, sizeof(err)), 0);
	ck_assert_str_eq(get("/proc/sys/vm/panic_on_oom"), "0");
	knobs_close(&k);
}
END_TEST

START_TEST(test_restore_error_reported)
{
	struct knobs k;
	char *p;

	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_set(&k, "/proc/sys/vm/panic_on_oom", "2", err,
				   sizeof(err)), 0);
	/* a knob that refuses its old value: restore says which and keeps
	 * the state file so the next start tries again */
	p = xasprintf("%s/proc/sys/vm/panic_on_oom", root);
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_lt(knobs_restore(&k, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "panic_on_oom") && strstr(err, "'0'"), "%s",
		      err);
	ck_assert_int_eq(access(k.state_path, F_OK), 0);
	rmdir(p);
	free(p);
	knobs_close(&k);
}
END_TEST

START_TEST(test_lock)
{
	struct knobs a, b;

	ck_assert_int_eq(knobs_open(&a, root, state, err, sizeof(err)), 0);
	/* flock is per open file description: a second open conflicts
	 * even in the same process, as a second run would */
	ck_assert_int_eq(knobs_open(&b, root, state, err, sizeof(err)),
			 -EBUSY);
	ck_assert_msg(strstr(err, "another labyrinth run (pid"), "%s", err);
	knobs_close(&b);
	knobs_close(&a);
	ck_assert_int_eq(knobs_open(&b, root, state, err, sizeof(err)), 0);
	knobs_close(&b);
}
END_TEST

START_TEST(test_arm_fault_attr)
{
	struct scenario sc;
	struct knobs k;

	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(scenario_parse_string(&sc, "t.ini",
		"[engine a]\n[fail_page_alloc]\nscope = system\n"
		"probability = 2.5\ninterval = 3\ntimes = 100\nmin_order = 0\n"
		"task_filter = yes\n[failslab]\nscope = system\n"
		"probability = 100\ncache_filter = yes\ncaches = kmalloc-64\n",
		err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(injector_arm(&k, &injectors[INJ_PAGE_ALLOC],
		&sc.inject[INJ_PAGE_ALLOC], err, sizeof(err)), 0);
	/* 2.5% of every 3rd call = 5% of every 6th */
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/probability"), "5");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/interval"), "6");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/times"), "100");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/min-order"), "0");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/task-filter"), "Y");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/ignore-gfp-wait"), "N");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/verbose"), "0");
	ck_assert_int_eq(injector_arm(&k, &injectors[INJ_SLAB],
		&sc.inject[INJ_SLAB], err, sizeof(err)), 0);
	ck_assert_str_eq(get(DEBUGFS "/failslab/probability"), "100");
	ck_assert_str_eq(get(DEBUGFS "/failslab/times"), "-1");
	ck_assert_str_eq(get(DEBUGFS "/failslab/cache-filter"), "Y");
	ck_assert_str_eq(get("/sys/kernel/slab/kmalloc-64/failslab"), "1");
	ck_assert_int_eq(knobs_apply_sysctls(&k, &sc.kernel, err, sizeof(err)),
			 0);
	ck_assert_int_eq(knobs_restore(&k, err, sizeof(err)), 0);
	/* every one back, newline-insensitive */
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/probability"), "0");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/interval"), "1");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/times"), "1");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/min-order"), "1");
	ck_assert_str_eq(get(DEBUGFS "/fail_page_alloc/verbose"), "2");
	ck_assert_str_eq(get(DEBUGFS "/failslab/cache-filter"), "N");
	ck_assert_str_eq(get("/sys/kernel/slab/kmalloc-64/failslab"), "0");
	knobs_close(&k);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_sysctls)
{
	struct sc_kernel kn = { .min_free_kbytes = 2048, .panic_on_oom = 1,
				.watermark_scale_factor = -1,
				.oom_kill_allocating_task = -1,
				.overcommit_memory = -1 };
	struct knobs k;

	ck_assert_int_eq(knobs_open(&k, root, state, err, sizeof(err)), 0);
	ck_assert_int_eq(knobs_apply_sysctls(&k, &kn, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.n, 2);
	ck_assert_str_eq(get("/proc/sys/vm/min_free_kbytes"), "2048");
	ck_assert_str_eq(get("/proc/sys/vm/panic_on_oom"), "1");
	/* -1 knobs are left alone; one the kernel lacks is an error */
	kn.overcommit_memory = 1;
	ck_assert_int_eq(knobs_apply_sysctls(&k, &kn, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "overcommit_memory"), "%s", err);
	ck_assert_int_eq(knobs_restore(&k, err, sizeof(err)), 0);
	ck_assert_str_eq(get("/proc/sys/vm/min_free_kbytes"), "67584");
	knobs_close(&k);
}
END_TEST

static Suite *knobs_suite(void)
{
	Suite *s = suite_create("knobs");
	TCase *tc = tcase_create("fake-root");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_set_restore);
	tcase_add_test(tc, test_missing_knob);
	tcase_add_test(tc, test_crash_recovery);
	tcase_add_test(tc, test_vanished_knob_skipped);
	tcase_add_test(tc, test_restore_error_reported);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_arm_fault_attr);
	tcase_add_test(tc, test_sysctls);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(knobs_suite)
