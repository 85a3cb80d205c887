// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: the kernel API (labyrinth.h) tested from inside the kernel,
 * through the exported functions, as another driver calls them. One
 * function and one table row per test, as lib/test_vmalloc.c does; run
 * one at a time by LAB_IOC_SELFTEST (tests/vm/test_module.c runs them
 * all and prints one TAP line each).
 *
 * Every test gives back every page it allocated, on every path; a check
 * that fails records its line and carries on where it safely can.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/cpumask.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/delay.h>

#include "lab.h"

/* An owner no other user of the module has (tests run one at a time). */
#define LAB_ST_OWNER	0x5e1f7e57ULL
#define LAB_ST_OTHER	0x07e4e5ULL

struct lab_st {
	u64 iterations;
	u64 checks;
	u64 failures;
	u64 info;
	bool skipped;
	char msg[sizeof_field(struct lab_selftest, message)];
};

static __printf(4, 5) bool lab_st_check(struct lab_st *st, bool ok, int line,
					const char *fmt, ...)
{
	va_list ap;
	int n;

	st->checks++;
	if (ok)
		return true;
	if (!st->failures++) {
		n = scnprintf(st->msg, sizeof(st->msg), "line %d: ", line);
		va_start(ap, fmt);
		vscnprintf(st->msg + n, sizeof(st->msg) - n, fmt, ap);
		va_end(ap);
	}
	return false;
}

#define CHECK(st, cond, fmt, ...) \
	lab_st_check(st, !!(cond), __LINE__, fmt, ##__VA_ARGS__)

static struct page *st_alloc(u64 owner, u32 order, u64 *handle)
{
	return labyrinth_void_alloc_page_gfp_atomic_exclusive(owner,
							      LAB_GFP_NOWARN,
							      order, handle);
}

static int st_free(u64 owner, struct page *page, u64 handle)
{
	return labyrinth_void_free_page_exclusive(owner, page, handle,
						  LAB_SHRED_NONE);
}

static int st_pause(u64 i)
{
	if (fatal_signal_pending(current))
		return -EINTR;
	if (!(i % 64))
		cond_resched();
	return 0;
}

/*
 * Alloc A, free A, alloc B (with preemption off, the per-CPU list hands
 * A's page back: info counts the rounds where it did), free A's handle
 * again: refused as stale, and B's free still works (had the stale free
 * freed B, B's own free would be refused).
 */
static int st_stale_reuse_order(struct lab_st *st, u32 order, u64 rounds)
{
	struct page *a, *b;
	u64 ha, hb, i;
	int ret;

	for (i = 0; i < rounds; i++) {
		preempt_disable();
		a = st_alloc(LAB_ST_OWNER, order, &ha);
		ret = a ? st_free(LAB_ST_OWNER, a, ha) : -ENOMEM;
		b = a ? st_alloc(LAB_ST_OWNER, order, &hb) : NULL;
		preempt_enable();
		if (!CHECK(st, a && !ret && b,
			   "order %u: alloc/free/alloc failed (%d)", order,
			   ret)) {
			if (b)
				st_free(LAB_ST_OWNER, b, hb);
			return 0;
		}
		st->info += a == b;
		CHECK(st, ha != hb, "order %u: same handle twice", order);
		ret = st_free(LAB_ST_OWNER, a, ha);
		CHECK(st, ret == -EALREADY,
		      "order %u round %llu: stale free returned %d", order, i,
		      ret);
		ret = st_free(LAB_ST_OWNER, b, hb);
		CHECK(st, !ret, "order %u round %llu: live free returned %d",
		      order, i, ret);
		ret = st_pause(i);
		if (ret)
			return ret;
	}
	return 0;
}

static int st_stale_free_after_reuse(struct lab_st *st)
{
	return st_stale_reuse_order(st, 0, st->iterations);
}

static int st_stale_free_high_order(struct lab_st *st)
{
	u32 order;
	int ret;

	for (order = 1; order <= LAB_ORDER_MAX; order++) {
		ret = st_stale_reuse_order(st, order, st->iterations);
		if (ret)
			return ret;
	}
	return 0;
}

static int st_double_free(struct lab_st *st)
{
	struct page *p;
	u64 h, i;
	int ret;

	for (i = 0; i < st->iterations; i++) {
		p = st_alloc(LAB_ST_OWNER, 0, &h);
		if (!CHECK(st, p, "allocation failed"))
			return 0;
		CHECK(st, !st_free(LAB_ST_OWNER, p, h), "first free refused");
		ret = st_free(LAB_ST_OWNER, p, h);
		CHECK(st, ret == -EALREADY, "second free returned %d", ret);
		ret = st_pause(i);
		if (ret)
			return ret;
	}
	return 0;
}

/* A non-owner with the live handle: EPERM; with a stale one: EALREADY. */
static int st_non_owner(struct lab_st *st)
{
	struct page *p;
	u64 h;
	int ret;

	p = st_alloc(LAB_ST_OWNER, 0, &h);
	if (!CHECK(st, p, "allocation failed"))
		return 0;
	ret = st_free(LAB_ST_OTHER, p, h);
	CHECK(st, ret == -EPERM, "non-owner free returned %d", ret);
	CHECK(st, !st_free(LAB_ST_OWNER, p, h), "owner's free refused");
	ret = st_free(LAB_ST_OTHER, p, h);
	CHECK(st, ret == -EALREADY, "non-owner stale free returned %d", ret);
	return 0;
}

/*
 * A page the allocator never handed out: refused, ENOENT with a handle
 * whose check cannot match; made-up handles never free it (info: how
 * many of them looked like stale handles, about 1 in 65536).
 */
static int st_foreign_page(struct lab_st *st)
{
	struct page *p = alloc_page(GFP_KERNEL);
	u64 i;
	int ret;

	if (!CHECK(st, p, "alloc_page failed"))
		return 0;
	ret = st_free(LAB_ST_OWNER, p, lab_unissued_handle(p));
	CHECK(st, ret == -ENOENT, "foreign page: %d", ret);
	for (i = 0; i < st->iterations; i++) {
		ret = st_free(LAB_ST_OWNER, p, get_random_u64());
		CHECK(st, ret == -ENOENT || ret == -EALREADY,
		      "foreign page, random handle: %d", ret);
		if (!ret)
			break;	/* freed: it is not ours to free again */
		st->info += ret == -EALREADY;
	}
	CHECK(st, st->info <= st->iterations / 1000 + 2,
	      "%llu of %llu random handles looked stale", st->info,
	      st->iterations);
	if (i == st->iterations)
		__free_page(p);
	return 0;
}

/* Tail pages of a block, and another block's handle: ENOENT. */
static int st_tail_and_wrong_page(struct lab_st *st)
{
	struct page *a, *b;
	u64 ha, hb;
	int ret, i;

	a = st_alloc(LAB_ST_OWNER, 2, &ha);
	b = st_alloc(LAB_ST_OWNER, 0, &hb);
	if (!CHECK(st, a && b, "allocation failed"))
		goto out;
	for (i = 1; i < 4; i++) {
		ret = st_free(LAB_ST_OWNER, a + i, ha);
		CHECK(st, ret == -ENOENT, "tail page %d: %d", i, ret);
	}
	ret = st_free(LAB_ST_OWNER, b, ha);
	CHECK(st, ret == -ENOENT, "another block's handle: %d", ret);
	ret = st_free(LAB_ST_OWNER, a, hb);
	CHECK(st, ret == -ENOENT, "another block's handle (head): %d", ret);
	ret = st_free(LAB_ST_OWNER, NULL, ha);
	CHECK(st, ret == -ENOENT, "NULL page: %d", ret);
	ret = st_free(LAB_ST_OWNER, a, lab_unissued_handle(a));
	CHECK(st, ret == -ENOENT, "made-up handle on a live block: %d", ret);
out:
	/* Both still live: the refusals freed nothing. */
	if (a)
		CHECK(st, !st_free(LAB_ST_OWNER, a, ha), "block a lost");
	if (b)
		CHECK(st, !st_free(LAB_ST_OWNER, b, hb), "block b lost");
	return 0;
}

/* The exported API refuses reserved owners and bad arguments. */
static int st_bad_arguments(struct lab_st *st)
{
	static const u64 bad[] = { 0, LAB_OWNER_RESERVED_MIN,
				   LAB_OWNER_ENGINE(1), LAB_OWNER_RESERVED_MAX };
	struct page *p;
	u64 h = 1;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = st_alloc(bad[i], 0, &h);
		CHECK(st, !p && !h, "owner %#llx accepted", bad[i]);
		if (p)
			lab_free(bad[i], p, h, LAB_SHRED_NONE);
	}
	p = labyrinth_void_alloc_page_gfp_atomic_exclusive(LAB_ST_OWNER, 0,
							   LAB_ORDER_MAX + 1,
							   &h);
	CHECK(st, !p, "order %d accepted", LAB_ORDER_MAX + 1);
	p = labyrinth_void_alloc_page_gfp_atomic_exclusive(LAB_ST_OWNER,
							   1U << 31, 0, &h);
	CHECK(st, !p, "unknown gfp bit accepted");
	/* A kernel pointer is a fine owner. */
	p = st_alloc((u64)(unsigned long)st, 0, &h);
	if (CHECK(st, p, "kernel pointer owner refused"))
		CHECK(st, !st_free((u64)(unsigned long)st, p, h),
		      "kernel pointer owner's free refused");
	p = st_alloc(LAB_ST_OWNER, 0, &h);
	if (!CHECK(st, p, "allocation failed"))
		return 0;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ret = labyrinth_void_free_page_exclusive(bad[i], p, h,
							 LAB_SHRED_NONE);
		CHECK(st, ret == -EINVAL, "free by owner %#llx: %d", bad[i],
		      ret);
	}
	ret = labyrinth_void_free_page_exclusive(LAB_ST_OWNER, p, h,
						 LAB_SHRED_COUNT);
	CHECK(st, ret == -EINVAL, "shred %d: %d", LAB_SHRED_COUNT, ret);
	CHECK(st, !st_free(LAB_ST_OWNER, p, h), "page lost");
	return 0;
}

/*
 * What the module wrote into struct page is gone after the free, for
 * orders that go through the per-CPU lists and those that do not. Read
 * right after the free: the page may be someone else's already, whose
 * values cannot be our owner and tag.
 */
static int st_fields_cleared(struct lab_st *st)
{
	static const u32 orders[] = { 0, 3, 4, LAB_ORDER_MAX };
	unsigned long tag;
	struct page *p;
	int i;
	u64 h;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		p = st_alloc(LAB_ST_OWNER, orders[i], &h);
		if (!CHECK(st, p, "order %u: allocation failed", orders[i]))
			continue;
		tag = READ_ONCE(p->private);
		CHECK(st, READ_ONCE(p->index) == LAB_ST_OWNER && tag,
		      "order %u: owner/tag not in the page", orders[i]);
		if (!CHECK(st, !st_free(LAB_ST_OWNER, p, h),
			   "order %u: free refused", orders[i]))
			continue;
		CHECK(st, READ_ONCE(p->index) != LAB_ST_OWNER,
		      "order %u: owner left in page->index", orders[i]);
		CHECK(st, READ_ONCE(p->private) != tag,
		      "order %u: tag left in page->private", orders[i]);
	}
	return 0;
}

/* One page's handles over many allocations: no two alike. */
static int st_handles_unique(struct lab_st *st)
{
	u64 prev[64] = {}, h, i;
	struct page *p;
	int j, ret;

	for (i = 0; i < st->iterations; i++) {
		p = st_alloc(LAB_ST_OWNER, 0, &h);
		if (!CHECK(st, p, "allocation failed"))
			return 0;
		for (j = 0; j < ARRAY_SIZE(prev); j++)
			if (!CHECK(st, prev[j] != h, "handle %#llx repeated",
				   h))
				break;
		prev[i % ARRAY_SIZE(prev)] = h;
		CHECK(st, !st_free(LAB_ST_OWNER, p, h), "free refused");
		ret = st_pause(i);
		if (ret)
			return ret;
	}
	return 0;
}

/* Each refusal is counted once, in the allocator's violation counters. */
static int st_refusals_counted(struct lab_st *st)
{
	struct lab_counters c;
	u64 before[3] = {}, after[3] = {}, h;
	struct page *p;
	int cpu;

	for_each_possible_cpu(cpu) {
		lab_alloc_read(cpu, &c);
		before[0] += c.violation_non_owner;
		before[1] += c.violation_double_free;
		before[2] += c.violation_unknown;
	}
	p = st_alloc(LAB_ST_OWNER, 0, &h);
	if (!CHECK(st, p, "allocation failed"))
		return 0;
	st_free(LAB_ST_OTHER, p, h);
	st_free(LAB_ST_OWNER, p + 0, lab_unissued_handle(p));
	CHECK(st, !st_free(LAB_ST_OWNER, p, h), "free refused");
	st_free(LAB_ST_OWNER, p, h);
	for_each_possible_cpu(cpu) {
		lab_alloc_read(cpu, &c);
		after[0] += c.violation_non_owner;
		after[1] += c.violation_double_free;
		after[2] += c.violation_unknown;
	}
	CHECK(st, after[0] - before[0] == 1 && after[1] - before[1] == 1 &&
	      after[2] - before[2] == 1,
	      "violations counted %llu/%llu/%llu, want 1/1/1",
	      after[0] - before[0], after[1] - before[1],
	      after[2] - before[2]);
	return 0;
}

/* ---- races on two CPUs ---------------------------------------------- */

struct lab_race {
	struct page *page;
	u64 handle;
	atomic_t go;
	atomic_t done;
	int ret;
};

/* On the other CPU, in its IPI (hard IRQ): wait for go, then free. */
static void lab_race_remote(void *arg)
{
	struct lab_race *r = arg;
	unsigned int spins = 0;

	while (!atomic_read_acquire(&r->go) && ++spins < 100000000)
		cpu_relax();
	r->ret = st_free(LAB_ST_OWNER, r->page, r->handle);
	atomic_set_release(&r->done, 1);
}

/* Wait for the remote free; false if it never came (r is then leaked). */
static bool lab_race_wait(struct lab_race *r)
{
	unsigned int ms = 0;

	while (!atomic_read_acquire(&r->done)) {
		if (++ms > 10000)
			return false;
		mdelay(1);
	}
	return true;
}

/*
 * Two CPUs free one allocation at once, @realloc: this CPU frees and
 * allocates again (usually the same page, a new handle) while the other
 * frees the old handle. Exactly one free of the old handle succeeds, the
 * other is EALREADY, and the new allocation is never freed by it.
 */
static int st_race(struct lab_st *st, bool realloc)
{
	struct lab_race *r = kzalloc(sizeof(*r), GFP_KERNEL);
	struct page *p2 = NULL;
	int cpu, other, ret, err = 0;
	u64 h2 = 0, i;

	if (!r)
		return -ENOMEM;
	for (i = 0; i < st->iterations; i++) {
		cpu = get_cpu();
		other = cpumask_any_but(cpu_online_mask, cpu);
		if (other >= nr_cpu_ids) {
			put_cpu();
			st->skipped = true;
			break;
		}
		r->page = st_alloc(LAB_ST_OWNER, 0, &r->handle);
		if (!CHECK(st, r->page, "allocation failed")) {
			put_cpu();
			break;
		}
		atomic_set(&r->go, 0);
		atomic_set(&r->done, 0);
		smp_call_function_single(other, lab_race_remote, r, 0);
		atomic_set_release(&r->go, 1);
		ret = st_free(LAB_ST_OWNER, r->page, r->handle);
		if (realloc)
			p2 = st_alloc(LAB_ST_OWNER, 0, &h2);
		put_cpu();
		if (!lab_race_wait(r)) {
			CHECK(st, false, "the other CPU never ran its free");
			return 0;	/* r stays: the IPI may still come */
		}
		CHECK(st, (!ret && r->ret == -EALREADY) ||
		      (ret == -EALREADY && !r->ret),
		      "round %llu: frees returned %d and %d", i, ret, r->ret);
		if (p2) {
			st->info += p2 == r->page;
			CHECK(st, !st_free(LAB_ST_OWNER, p2, h2),
			      "round %llu: the new allocation was freed by the stale handle",
			      i);
			p2 = NULL;
		}
		err = st_pause(i);
		if (err)
			break;
	}
	kfree(r);
	return err;
}

static int st_race_double_free(struct lab_st *st)
{
	return st_race(st, false);
}

static int st_race_stale_free_realloc(struct lab_st *st)
{
	return st_race(st, true);
}

static const struct {
	const char *name;
	int (*fn)(struct lab_st *st);
	u64 iterations;
} lab_selftests[] = {
	{ "stale_free_after_reuse", st_stale_free_after_reuse, 1000 },
	{ "stale_free_high_order", st_stale_free_high_order, 20 },
	{ "double_free", st_double_free, 100 },
	{ "non_owner", st_non_owner, 1 },
	{ "foreign_page", st_foreign_page, 10000 },
	{ "tail_and_wrong_page", st_tail_and_wrong_page, 1 },
	{ "bad_arguments", st_bad_arguments, 1 },
	{ "fields_cleared", st_fields_cleared, 1 },
	{ "handles_unique", st_handles_unique, 1000 },
	{ "refusals_counted", st_refusals_counted, 1 },
	{ "race_double_free", st_race_double_free, 1000 },
	{ "race_stale_free_realloc", st_race_stale_free_realloc, 1000 },
};

int lab_selftest_run(struct lab_selftest *cmd)
{
	struct lab_st *st;
	int ret;

	if (cmd->flags || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->test >= ARRAY_SIZE(lab_selftests) ||
	    cmd->iterations > LAB_SELFTEST_ITERS_MAX)
		return -ERANGE;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->iterations = cmd->iterations ? cmd->iterations :
			 lab_selftests[cmd->test].iterations;
	ret = lab_selftests[cmd->test].fn(st);
	if (!ret) {
		cmd->nr_tests = ARRAY_SIZE(lab_selftests);
		cmd->result = st->failures ? LAB_SELFTEST_FAIL :
			      st->skipped ? LAB_SELFTEST_SKIP :
			      LAB_SELFTEST_PASS;
		cmd->checks = st->checks;
		cmd->failures = st->failures;
		cmd->info = st->info;
		memset(cmd->name, 0, sizeof(cmd->name));
		strscpy((char *)cmd->name, lab_selftests[cmd->test].name,
			sizeof(cmd->name));
		memset(cmd->message, 0, sizeof(cmd->message));
		memcpy(cmd->message, st->msg,
		       min(sizeof(cmd->message), sizeof(st->msg)));
	}
	kfree(st);
	return ret;
}
