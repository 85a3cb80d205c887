/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labyrinth: the engine's structures, shared by engine.c (the engines)
 * and reclaim.c (the shrinker that lets direct reclaim take held pages).
 * Nothing else includes this.
 */
#ifndef _LABYRINTH_ENGINE_H
#define _LABYRINTH_ENGINE_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "lab.h"

/* Blocks a kthread-atomic chunk allocates with IRQs off, at most. */
#define LAB_CHUNK_PAGES		64
/* ...and at most this long (ns). */
#define LAB_CHUNK_NS		(LAB_TICK_NS_MAX / 8)
/* Pages an instance may have waiting for a deferred shred. */
#define LAB_DEFER_MAX_PAGES	(4 * LAB_TICK_PAGES_MAX)
/* Blocks the shred work takes per round (then it may reschedule). */
#define LAB_SHRED_BATCH		16

struct lab_held {
	struct page *page;
	u64 deadline;
	u64 handle;
};

struct lab_inst {
	struct lab_engine *eng;
	unsigned int cpu;
	struct hrtimer timer;
	struct irq_work iw;
	atomic_t iw_bursts;
	struct task_struct *thread;
	spinlock_t lock;		/* kthread-atomic: held while spamming */
	/*
	 * Drain and leaked blocks. Only the instance's tick adds to it (one
	 * splice per tick) and only the shrinker (reclaim.c) takes from it
	 * while the engine runs, both under held_lock; the stop path walks
	 * it alone, once the ticks are gone and the engine is off the
	 * shrinker's list.
	 */
	struct list_head held;
	raw_spinlock_t held_lock;	/* held, list_pages; any context */
	atomic_long_t list_pages;	/* pages on held */
	struct lab_held *ring;		/* churn blocks, FIFO */
	u32 ring_cap, ring_head, ring_count;
	/* both of the above, in pages: the tick and the shrinker change it */
	atomic_long_t held_pages;
	u64 rng;
	struct lab_counters c;		/* the tick writes them, except: */
	/* reclaim_pages, reclaim_calls and reclaim_frees are the shrinker's,
	 * written under lab_reclaim_mutex only
	 */
	u64 reclaim_frees;		/* blocks it gave back (in frees) */
	struct lab_snapshot first_failure;

	/* deferred shreds: claimed blocks the shred work gives back */
	raw_spinlock_t defer_lock;	/* taken from hard IRQ too */
	struct list_head deferred;	/* under defer_lock */
	atomic_long_t deferred_pages;	/* claimed, not freed yet */
	u64 frees_deferred;		/* written by the shred work only */
	struct delayed_work shred_work;
};

struct lab_engine {
	struct kref ref;
	u32 id;
	struct lab_start cfg;
	struct file *file;		/* NULL when detached */
	u64 owner;
	u64 period_ns;
	u32 catch_up;			/* bursts one tick may make up */
	bool defer;			/* frees shred in process context */
	atomic64_t failures;
	atomic64_t held;		/* pages held + reserved, all CPUs */
	/* exhaust_ns after the first genuine failure (0: not yet): set
	 * once with cmpxchg64 by the first CPU that fails, read by ticks
	 */
	u64 exhaust_deadline;
	bool stopping;
	int stop_reason;
	int state;
	u64 start_ns, stop_ns;
	u64 stop_request_ns;		/* when the stop was decided */
	struct mutex stop_mutex;	/* serialises lab_engine_stop() */
	cpumask_var_t cpus;
	struct lab_inst __percpu *inst;
	struct work_struct stop_work;
	struct delayed_work watchdog;
	struct list_head gone;		/* lab_release_where() */
	struct list_head reclaim_node;	/* on reclaim.c's list, or empty */
};

/* reclaim.c: held pages that yield to direct reclaim (and lab.h) */
void lab_reclaim_add(struct lab_engine *e);
void lab_reclaim_del(struct lab_engine *e);

#endif /* _LABYRINTH_ENGINE_H */
