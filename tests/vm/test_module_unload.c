// SPDX-License-Identifier: GPL-2.0
/*
 * Description: module unload while engines spam on every CPU in every
 * context, run inside the VM as root with the module NOT loaded (the
 * tests load it themselves, from module/labyrinth.ko or
 * $LABYRINTH_MODULE). Detached engines outlive their fd, so nothing
 * holds the module and rmmod goes ahead mid-spam: module exit must stop
 * them and give every page back. MemFree must come back.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "labdev.h"
#include "sample.h"
#include "util.h"
#include "vm_mem.h"

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void load(void)
{
	char *path;

	ck_assert_msg(!labdev_module_loaded(),
		      "labyrinth already loaded: this test loads it itself");
	path = labdev_module_path();
	ck_assert_msg(path, "labyrinth.ko not found");
	ck_assert_int_eq(labdev_module_load(path, NULL), 0);
	free(path);
}

/*
 * Start detached engines in all four contexts on all CPUs, let them run,
 * close the fd, unload mid-spam. drain: the hrtimer engine drains (at
 * least a sixteenth of RAM, capped at half), so the unload also has a
 * lot to give back.
 */
static void unload_during_spam(int drain)
{
	long total = meminfo_kb("MemTotal:"), before, after, tol;
	struct labdev d;
	struct lab_start s;
	uint32_t ids[LAB_CTX_COUNT], ctx;
	uint64_t held = 0;

	ck_assert_int_gt(total, 0);
	load();
	ck_assert_int_eq(labdev_open(&d), 0);
	/* Freshly loaded: nothing held, the baseline is the module's own. */
	sleep_ms(200);
	before = free_kb();
	/* Backwards: the hrtimer engine (the drain) starts last, so the
	 * others' load cannot delay this loop between its start and the
	 * wait below.
	 */
	for (ctx = LAB_CTX_COUNT; ctx-- > 0;) {
		memset(&s, 0, sizeof(s));
		s.flags = LAB_START_F_DETACH;
		s.context = ctx;
		s.gfp = LAB_GFP_NOWARN;
		s.shred = ctx % 2 ? LAB_SHRED_FAST : LAB_SHRED_ZERO;
		/* As fast as the engine accepts ticks: the overload rule
		 * leaves the CPU a period between overrunning ticks.
		 */
		s.rate = 1000000;
		s.burst = 64;
		if (drain && ctx == LAB_CTX_HRTIMER) {
			/* Half of RAM, held until the unload: all of it
			 * would leave the OOM killer nothing to kill but
			 * this test (and then panic), which is a scenario,
			 * not a test of unload.
			 */
			s.policy = LAB_POLICY_DRAIN;
			s.held_cap = d.ver.total_ram_pages / 2;
			/* Slow enough (the cap in 30 s) not to reach the
			 * cap, which would stop it, before the unload: the
			 * other engines starve this process for seconds on
			 * a slow (KASAN, TCG) kernel.
			 */
			s.rate = d.ver.total_ram_pages / 60 /
				 (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
		} else {
			s.policy = LAB_POLICY_CHURN;
			s.hold_ns = 2000000;
		}
		s.watchdog_ms = 120000;
		ck_assert_int_eq(labdev_start(&d, &s), 0);
		ck_assert_uint_ge(s.nr_cpus, 1);
		ids[ctx] = s.engine_id;
	}
	labdev_close(&d);	/* detached: they keep going */
	if (!drain) {
		sleep_ms(1000);
	} else {
		/* Until the drain holds a sixteenth of RAM: at its rate
		 * the cap (half) is still 25 s away.
		 */
		struct lab_stats st;
		unsigned int waited = 0;

		ck_assert_int_eq(labdev_open(&d), 0);
		for (;;) {
			ck_assert_int_eq(labdev_stats(&d, ids[0], &st, NULL,
						      NULL), 0);
			ck_assert_msg(st.state == LAB_STATE_RUNNING,
				      "drain engine stopped (%s) after %llu attempts, %llu held, %llu frees, cap %llu, %u ms",
				      labdev_stop_reason_name(st.stop_reason),
				      (unsigned long long)st.total.attempts,
				      (unsigned long long)st.total.held_now,
				      (unsigned long long)st.total.frees,
				      (unsigned long long)d.ver.total_ram_pages / 2,
				      waited);
			if (st.total.held_now >= d.ver.total_ram_pages / 16)
				break;
			ck_assert_msg(waited < 60000,
				      "drain holds %llu pages after 60 s",
				      (unsigned long long)st.total.held_now);
			sleep_ms(50);
			waited += 50;
		}
		labdev_close(&d);
	}

	ck_assert_int_eq(labdev_open(&d), 0);
	ck_assert_int_eq(labdev_held(&d, &held), 0);
	for (ctx = 0; ctx < LAB_CTX_COUNT; ctx++) {
		struct lab_stats st;

		ck_assert_int_eq(labdev_stats(&d, ids[ctx], &st, NULL, NULL),
				 0);
		printf("# %s engine %u: %s, %llu attempts, %llu held, %llu bursts dropped\n",
		       labdev_context_name(ctx), ids[ctx],
		       labdev_stop_reason_name(st.stop_reason),
		       (unsigned long long)st.total.attempts,
		       (unsigned long long)st.total.held_now,
		       (unsigned long long)st.total.bursts_dropped);
	}
	labdev_close(&d);
	printf("# unload during %s spam: %llu pages held at rmmod, %ld kB free (MemFree + per-CPU lists) before\n",
	       drain ? "drain+churn" : "churn", (unsigned long long)held,
	       before);
	fflush(stdout);
	ck_assert_uint_gt(held, 0);
	if (drain)
		ck_assert_uint_ge(held, total / 16 / (getpagesize() / 1024));

	ck_assert_int_eq(labdev_module_unload(), 0);
	ck_assert(!labdev_module_loaded());
	sleep_ms(500);
	after = free_kb();
	/* The page cache a drain evicted only makes "after" larger; a leak
	 * of what the engines held would be far beyond 2%.
	 */
	tol = total / 50;
	printf("# free after unload %ld kB (before %ld, tolerance %ld)\n",
	       after, before, tol);
	fflush(stdout);
	ck_assert_msg(after >= before - tol,
		      "free %ld kB (MemFree + per-CPU lists) after unload, %ld before: pages leaked?",
		      after, before);
}

START_TEST(test_unload_during_churn_spam)
{
	unload_during_spam(0);
}
END_TEST

START_TEST(test_unload_during_drain_spam)
{
	unload_during_spam(1);
}
END_TEST

/* Reload after the unloads: a clean module, nothing held. */
START_TEST(test_reload_clean)
{
	struct labdev d;
	uint64_t held = 1;

	load();
	ck_assert_int_eq(labdev_open(&d), 0);
	ck_assert_int_eq(labdev_held(&d, &held), 0);
	ck_assert_uint_eq(held, 0);
	/* An open fd pins the module: unload is refused, not forced. */
	ck_assert_int_eq(labdev_module_unload(), -EWOULDBLOCK);
	labdev_close(&d);
	ck_assert_int_eq(labdev_module_unload(), 0);
}
END_TEST

static Suite *unload_suite(void)
{
	Suite *s = suite_create("module-unload");
	TCase *tc = tcase_create("unload");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_unload_during_churn_spam);
	tcase_add_test(tc, test_unload_during_drain_spam);
	tcase_add_test(tc, test_reload_clean);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(unload_suite)
