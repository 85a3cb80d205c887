// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the start/stop soak of issue 8, run inside the VM as root
 * with the module loaded: LAB_SOAK_CYCLES (default 300) cycles, each
 * starting two engines in one of the four contexts (rotating) and
 * stopping them ~100 ms later, while the kernel's fail_page_alloc injects
 * system-wide at a fixed probability with a bounded countdown (times).
 *
 * The count must be exact, so only the module's allocations may be
 * eligible: fail_page_alloc's min-order is LAB_ORDER_MAX and
 * ignore-gfp-wait is Y, so only atomic order-10 allocations can be failed,
 * and nothing but the soak's order-10 engine makes those in the test
 * guest. The second engine (order 0, fast shred, never eligible) adds
 * start/stop churn in every context. At the end the allocator's
 * fail_injected_kernel must equal what fail_page_alloc's countdown says
 * it injected (times at the start minus times at the end), none may be
 * unattributed, and every page must be back. Splats fail the VM run
 * (tests/vm/20-module.sh); run it on the debug kernel too:
 *   make kernel module VARIANT=debug && VARIANT=debug tests/run-tests.sh --vm-only 20-module
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "labdev.h"
#include "util.h"

#define DBG_FPA "/sys/kernel/debug/fail_page_alloc"
#define SOAK_TIMES 1000000

static const char *const knobs[] = {
	"probability", "interval", "times", "space", "verbose", "min-order",
	"ignore-gfp-wait", "ignore-gfp-highmem", "task-filter",
};
static char *saved[sizeof(knobs) / sizeof(knobs[0])];

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int knob_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DBG_FPA "/%s", name);
	return write_file(path, val, strlen(val));
}

static long knob_long(const char *name)
{
	char path[128], *buf;
	size_t len;
	long v;

	snprintf(path, sizeof(path), DBG_FPA "/%s", name);
	if (read_file(path, &buf, &len))
		return -1;
	v = strtol(buf, NULL, 0);
	free(buf);
	return v;
}

static void knobs_save(void)
{
	char path[128];
	size_t i, len;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), DBG_FPA "/%s", knobs[i]);
		ck_assert_int_eq(read_file(path, &saved[i], &len), 0);
	}
}

static void knobs_restore(void)
{
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		if (!saved[i])
			continue;
		knob_set(knobs[i], saved[i]);
		free(saved[i]);
		saved[i] = NULL;
	}
}

static void allocator(struct labdev *d, struct lab_counters *c)
{
	struct lab_stats st;

	ck_assert_int_eq(labdev_stats(d, LAB_ENGINE_ALLOCATOR, &st, NULL, NULL),
			 0);
	*c = st.total;
}

static uint32_t start(struct labdev *d, uint32_t ctx, uint32_t order)
{
	struct lab_start s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.context = ctx;
	s.policy = LAB_POLICY_CHURN;
	s.order = order;
	s.gfp = LAB_GFP_NOWARN;
	s.shred = order ? LAB_SHRED_NONE : LAB_SHRED_FAST;
	s.burst = 1;
	s.rate = order ? 200 : 5000;
	s.hold_ns = 2000000;
	s.held_cap = 65536;
	s.watchdog_ms = 10000;
	ret = labdev_start(d, &s);
	ck_assert_msg(ret == 0, "START %s order %u: %s",
		      labdev_context_name(ctx), order, strerror(-ret));
	return s.engine_id;
}

static void stop(struct labdev *d, uint32_t id, struct lab_counters *sum)
{
	struct lab_stats st;
	uint64_t out;

	ck_assert_int_eq(labdev_stop(d, id, 0, NULL), 0);
	ck_assert_int_eq(labdev_stats(d, id, &st, NULL, NULL), 0);
	ck_assert_uint_eq(st.state, LAB_STATE_STOPPED);
	ck_assert_uint_eq(st.total.held_now, 0);
	out = st.total.successes + st.total.fail_genuine +
	      st.total.fail_injected_private + st.total.fail_injected_kernel +
	      st.total.fail_unattributed;
	ck_assert_uint_eq(out, st.total.attempts);
	sum->attempts += st.total.attempts;
	sum->fail_injected_kernel += st.total.fail_injected_kernel;
	sum->fail_genuine += st.total.fail_genuine;
	sum->fail_unattributed += st.total.fail_unattributed;
	ck_assert_int_eq(labdev_stop(d, id, LAB_STOP_F_RELEASE, NULL), 0);
}

START_TEST(test_soak_start_stop_under_fail_page_alloc)
{
	const char *env = getenv("LAB_SOAK_CYCLES");
	unsigned int cycles = env ? (unsigned int)atoi(env) : 300, i;
	struct lab_counters before, after, engines = { 0 };
	long times_left, injected;
	char mo[8], t[16];
	uint64_t held = 1;
	struct labdev d;
	uint32_t a, b;

	mlockall(MCL_CURRENT);
	ck_assert_int_eq(labdev_open(&d), 0);
	ck_assert_msg(labdev_has(&d, LAB_FEAT_KERNEL_INJECT_COUNT),
		      "the module did not find fail_page_alloc");
	knobs_save();
	snprintf(mo, sizeof(mo), "%d", LAB_ORDER_MAX);
	snprintf(t, sizeof(t), "%d", SOAK_TIMES);
	ck_assert_int_eq(knob_set("verbose", "0"), 0);
	ck_assert_int_eq(knob_set("task-filter", "N"), 0);
	ck_assert_int_eq(knob_set("space", "0"), 0);
	ck_assert_int_eq(knob_set("interval", "1"), 0);
	ck_assert_int_eq(knob_set("ignore-gfp-wait", "Y"), 0);
	ck_assert_int_eq(knob_set("ignore-gfp-highmem", "Y"), 0);
	ck_assert_int_eq(knob_set("min-order", mo), 0);
	ck_assert_int_eq(knob_set("times", t), 0);
	allocator(&d, &before);
	ck_assert_int_eq(knob_set("probability", "20"), 0);
	for (i = 0; i < cycles; i++) {
		uint32_t ctx = i % LAB_CTX_COUNT;

		a = start(&d, ctx, LAB_ORDER_MAX);
		b = start(&d, (ctx + 1) % LAB_CTX_COUNT, 0);
		sleep_ms(100);
		stop(&d, a, &engines);
		stop(&d, b, &engines);
	}
	ck_assert_int_eq(knob_set("probability", "0"), 0);
	times_left = knob_long("times");
	allocator(&d, &after);
	knobs_restore();
	ck_assert_int_eq(labdev_held(&d, &held), 0);
	labdev_close(&d);
	injected = SOAK_TIMES - times_left;
	printf("# soak: %u cycles, %llu allocations by the engines, fail_page_alloc injected %ld (countdown %d -> %ld), the module counted %llu kernel-injected (engines %llu), %llu genuine, %llu unattributed\n",
	       cycles, (unsigned long long)engines.attempts, injected,
	       SOAK_TIMES, times_left,
	       (unsigned long long)(after.fail_injected_kernel -
				    before.fail_injected_kernel),
	       (unsigned long long)engines.fail_injected_kernel,
	       (unsigned long long)engines.fail_genuine,
	       (unsigned long long)engines.fail_unattributed);
	fflush(stdout);
	ck_assert_int_gt(injected, 0);
	ck_assert_uint_eq(after.fail_injected_kernel -
			  before.fail_injected_kernel, (uint64_t)injected);
	ck_assert_uint_eq(engines.fail_injected_kernel, (uint64_t)injected);
	ck_assert_uint_eq(after.fail_unattributed - before.fail_unattributed,
			  0);
	ck_assert_uint_eq(held, 0);
}
END_TEST

/* Whatever failed, fail_page_alloc is disarmed and put back. */
static void teardown(void)
{
	knob_set("probability", "0");
	knobs_restore();
}

static Suite *soak_suite(void)
{
	Suite *s = suite_create("module_soak");
	TCase *tc = tcase_create("soak");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 3000);
	tcase_add_test(tc, test_soak_start_stop_under_fail_page_alloc);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(soak_suite)
