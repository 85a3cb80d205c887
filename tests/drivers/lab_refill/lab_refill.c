// SPDX-License-Identifier: GPL-2.0
/*
 * lab_refill: a driver under test for labyrinth's own tests.
 *
 * It behaves like the receive side of a small NIC: a ring of buffer
 * descriptors, each holding one page. A pinned hard-IRQ hrtimer plays the
 * device: every tick, the oldest @consume buffers are "received" (their
 * pages go back to the allocator, as when the stack frees an skb), then
 * the ring is refilled with GFP_ATOMIC pages, as RX refill does in an
 * interrupt or NAPI handler.
 *
 * The refill holds the bug a driver author must find, the one labyrinth
 * exists to expose: with the default parameters it uses the page without
 * checking the allocation, so the first GFP_ATOMIC failure (the reserve
 * drained) is a NULL pointer dereference in hard IRQ in lab_refill_ring().
 *
 *   nullcheck=1  the correct driver: a failed allocation is counted and
 *                the slot stays empty until a later tick (no crash)
 *   poison=1     a different bug on the same path: the failure path
 *                recycles a descriptor that is no longer on any list, and
 *                list_move() follows its LIST_POISON pointers (a general
 *                protection fault on a non-canonical address)
 *
 * Its counters are in /sys/kernel/debug/lab_refill/stats, so a test can
 * tell that an exhaustion reached the driver.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

static bool nullcheck;
module_param(nullcheck, bool, 0444);
MODULE_PARM_DESC(nullcheck, "Check every GFP_ATOMIC allocation and count failures (the correct driver; default: no check)");

static bool poison;
module_param(poison, bool, 0444);
MODULE_PARM_DESC(poison, "On allocation failure, recycle a descriptor already unlinked (use after list_del)");

static unsigned int ring_size = 256;
module_param(ring_size, uint, 0444);
MODULE_PARM_DESC(ring_size, "Descriptors in the ring, 1-1024 (default 256)");

static unsigned int consume = 32;
module_param(consume, uint, 0444);
MODULE_PARM_DESC(consume, "Buffers received per tick, 1-ring_size (default 32)");

static unsigned int period_us = 1000;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "Tick period in microseconds, 100-1000000 (default 1000)");

struct lab_rx_desc {
	struct list_head node;
	struct page *page;
	unsigned int index;
};

/*
 * Everything below is written only by the timer callback, which runs on
 * one CPU (pinned) and never concurrently with itself; init sets it up
 * before the timer starts and exit tears it down after hrtimer_cancel().
 * debugfs reads the counters with READ_ONCE(): a read may be one tick
 * stale, never torn (unsigned long, 64-bit).
 */
static struct lab_refill {
	struct hrtimer timer;
	ktime_t period;
	struct lab_rx_desc *desc;
	struct list_head posted;	/* holding a page, oldest first */
	struct list_head idle;		/* waiting for a page */
	unsigned long ticks;
	unsigned long received;
	unsigned long refilled;
	unsigned long alloc_failures;
	unsigned long posted_now;
	struct dentry *dir;
} lr;

static void lab_refill_receive(void)
{
	struct lab_rx_desc *d, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(d, tmp, &lr.posted, node) {
		if (n++ == consume)
			break;
		__free_page(d->page);
		d->page = NULL;
		list_move_tail(&d->node, &lr.idle);
		WRITE_ONCE(lr.received, lr.received + 1);
		WRITE_ONCE(lr.posted_now, lr.posted_now - 1);
	}
}

/*
 * Refill every idle descriptor: at most ring_size allocations per tick,
 * so the work in hard IRQ is bounded by the ring. noinline: a real
 * driver's refill is a function of its own, and the oops should name it
 * as it would there.
 */
static noinline void lab_refill_ring(void)
{
	struct lab_rx_desc *d, *tmp;
	struct page *page;

	list_for_each_entry_safe(d, tmp, &lr.idle, node) {
		page = alloc_page(GFP_ATOMIC);
		if (nullcheck && !page) {
			/* Leave it idle: the next tick retries. */
			WRITE_ONCE(lr.alloc_failures, lr.alloc_failures + 1);
			return;
		}
		if (poison && !page) {
			/*
			 * BUG (on purpose): the descriptor is unlinked to
			 * be dropped, and the recycle below moves it as if
			 * it were still on a list.
			 */
			list_del(&d->node);
			list_move_tail(&d->node, &lr.idle);
			return;
		}
		/*
		 * BUG (on purpose, unless nullcheck=1): page is NULL when the
		 * atomic reserve is exhausted.
		 */
		set_page_private(page, d->index);
		d->page = page;
		list_move_tail(&d->node, &lr.posted);
		WRITE_ONCE(lr.refilled, lr.refilled + 1);
		WRITE_ONCE(lr.posted_now, lr.posted_now + 1);
	}
}

static enum hrtimer_restart lab_refill_tick(struct hrtimer *t)
{
	WRITE_ONCE(lr.ticks, lr.ticks + 1);
	lab_refill_receive();
	lab_refill_ring();
	/*
	 * Forward from now, not from the missed expiry: a tick delayed by
	 * a slow guest does not turn into a burst of catch-up ticks.
	 */
	hrtimer_forward_now(t, lr.period);
	return HRTIMER_RESTART;
}

static int lab_refill_stats_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "ticks %lu\n", READ_ONCE(lr.ticks));
	seq_printf(m, "received %lu\n", READ_ONCE(lr.received));
	seq_printf(m, "refilled %lu\n", READ_ONCE(lr.refilled));
	seq_printf(m, "alloc_failures %lu\n", READ_ONCE(lr.alloc_failures));
	seq_printf(m, "posted %lu\n", READ_ONCE(lr.posted_now));
	seq_printf(m, "ring_size %u\n", ring_size);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_refill_stats);

static void lab_refill_free_ring(void)
{
	unsigned int i;

	for (i = 0; i < ring_size; i++)
		if (lr.desc[i].page)
			__free_page(lr.desc[i].page);
	kfree(lr.desc);
	lr.desc = NULL;
}

static int __init lab_refill_init(void)
{
	unsigned int i;

	if (!ring_size || ring_size > 1024 || !consume ||
	    consume > ring_size || period_us < 100 || period_us > 1000000) {
		pr_err("ring_size 1-1024, consume 1-ring_size, period_us 100-1000000\n");
		return -EINVAL;
	}
	if (nullcheck && poison) {
		pr_err("nullcheck and poison exclude each other\n");
		return -EINVAL;
	}
	lr.desc = kcalloc(ring_size, sizeof(*lr.desc), GFP_KERNEL);
	if (!lr.desc)
		return -ENOMEM;
	INIT_LIST_HEAD(&lr.posted);
	INIT_LIST_HEAD(&lr.idle);
	for (i = 0; i < ring_size; i++) {
		lr.desc[i].index = i;
		list_add_tail(&lr.desc[i].node, &lr.idle);
	}
	lr.dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, lr.dir, NULL,
			    &lab_refill_stats_fops);

	lr.period = ns_to_ktime((u64)period_us * NSEC_PER_USEC);
	/* HARD: the callback runs in hard IRQ, as a device interrupt does. */
	hrtimer_init(&lr.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	lr.timer.function = lab_refill_tick;
	hrtimer_start(&lr.timer, lr.period, HRTIMER_MODE_REL_PINNED_HARD);
	pr_info("refilling %u buffers every %u us on CPU %d (%s)\n",
		ring_size, period_us, raw_smp_processor_id(),
		nullcheck ? "checked" : poison ? "poison" : "unchecked");
	return 0;
}

static void __exit lab_refill_exit(void)
{
	/* Waits for a running callback: nothing touches the ring after. */
	hrtimer_cancel(&lr.timer);
	debugfs_remove_recursive(lr.dir);
	lab_refill_free_ring();
	pr_info("stopped: %lu refilled, %lu allocation failures\n",
		lr.refilled, lr.alloc_failures);
}

module_init(lab_refill_init);
module_exit(lab_refill_exit);
MODULE_DESCRIPTION("labyrinth test driver: RX-like GFP_ATOMIC ring refill from a hard-IRQ hrtimer");
MODULE_LICENSE("GPL");
