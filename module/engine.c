// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: spam engines. An engine is one configuration running on a
 * set of CPUs, one instance per CPU, in one context:
 *
 *   hrtimer        pinned HARD hrtimer: hard-IRQ context
 *   irq_work       the pinned hrtimer raises a per-CPU irq_work (self-IPI)
 *   softirq        pinned SOFT hrtimer: HRTIMER_SOFTIRQ
 *   kthread-atomic a bound SCHED_FIFO kthread that allocates with a
 *                  spinlock held and IRQs off, in chunks, sleeping on an
 *                  absolute hrtimer between ticks
 *
 * Each instance owns its counters and its held pages and is the only one
 * that writes them (its callback; its shred work writes only its own
 * fields; the stop path writes them after the callbacks are gone), so
 * the hot path takes no lock and touches no shared cache line.
 * Engine-wide are only the held-pages cap, reserved with one atomic add
 * per tick (and settled with one more at its end), and the failure
 * count towards stop_after_failures.
 *
 * The time budget (see LAB_TICK_PAGES_MAX in the uapi header): a tick
 * gives back at most LAB_TICK_PAGES_MAX pages of expired churn, allocates
 * at most LAB_TICK_PAGES_MAX pages (catch-up included), and stops early
 * past LAB_TICK_NS_MAX. Shredding that would not fit (crypto, or any
 * shred of an order > 0 block) is deferred: the tick claims the block
 * (after which it is nobody else's) and queues it to the instance's
 * shred work on lab_shred_wq, which shreds and frees it in process
 * context on the same CPU, resting with the ticks; a full queue
 * (LAB_DEFER_MAX_PAGES) stops the tick's allocations.
 * After a tick of d ns no engine callback runs on that CPU for
 * LAB_REST_FACTOR * d ns (lab_rest_until, per CPU, for all engines).
 * What a tick could not do is counted, never forced.
 *
 * Held pages: drain and the leaked share of leak-fraction sit on a list
 * threaded through page->lru, with the allocation's handle in the
 * block's first 8 bytes (the block is ours and is shredded or given
 * back as it is); churn pages sit in a FIFO ring with their deadlines
 * and handles, which are monotonic because ticks are.
 *
 * Locks: lab_mutex protects the engine table (never held across a user
 * copy, an allocation or a stop); each engine's stop_mutex serialises
 * its stop; engines are reference-counted so that stats can read one
 * without either lock. A stop condition seen in a callback sets
 * ->stopping (every callback checks it first) and queues stop_work on
 * lab_wq, a WQ_MEM_RECLAIM workqueue: under memory pressure its rescuer
 * still runs the work that gives memory back.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/kthread.h>
#include <linux/kref.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <linux/uaccess.h>
#include <linux/random.h>
#include <linux/math64.h>
#include <linux/cpu.h>

#include "lab.h"
#include "engine.h"

static DEFINE_MUTEX(lab_mutex);		/* lab_engines[], lab_engine_next */
static struct lab_engine *lab_engines[LAB_MAX_ENGINES];
static u32 lab_engine_next;
static struct workqueue_struct *lab_wq;		/* stop, watchdog */
static struct workqueue_struct *lab_shred_wq;	/* deferred shreds */
/* local_clock() ns before which no engine callback starts on this CPU */
static DEFINE_PER_CPU(u64, lab_rest_until);

u64 lab_default_held_cap(void)
{
	/*
	 * All of RAM: a drain's natural end is its first failure, and a
	 * small guest has more than 90% of its RAM free. Scenarios that
	 * must not exhaust the machine set their own cap.
	 */
	return totalram_pages();
}

/* ---- the hot path ------------------------------------------------------ */

static void lab_request_stop(struct lab_engine *e, int reason)
{
	if (cmpxchg(&e->stop_reason, LAB_STOP_NONE, reason) == LAB_STOP_NONE) {
		WRITE_ONCE(e->stop_request_ns, ktime_get_ns());
		WRITE_ONCE(e->stopping, true);
		queue_work(lab_wq, &e->stop_work);
	}
}

#define LAB_INC(field) WRITE_ONCE(field, (field) + 1)
#define LAB_ADD(field, n) WRITE_ONCE(field, (field) + (n))

/*
 * Rest after a callback that took d ns: no engine callback on this CPU
 * before end + LAB_REST_FACTOR * d. Callbacks of different contexts nest
 * on one CPU (a hard-IRQ tick on top of a softirq one), so only ever
 * push the time later, with an interrupt-safe cmpxchg.
 */
static void lab_rest_after(u64 end, u64 d)
{
	u64 until = end + LAB_REST_FACTOR * d, old;

	do {
		old = this_cpu_read(lab_rest_until);
		if (old >= until)
			return;
	} while (this_cpu_cmpxchg(lab_rest_until, old, until) != old);
}

/* ns this CPU still rests, 0 if none */
static u64 lab_resting(void)
{
	u64 until = this_cpu_read(lab_rest_until), now = local_clock();

	return until > now ? until - now : 0;
}

static u64 lab_engine_held(struct lab_engine *e)
{
	u64 sum = 0;
	int cpu;

	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

		sum += atomic_long_read(&in->held_pages) +
		       atomic_long_read(&in->deferred_pages);
	}
	return sum;
}

static void lab_snapshot(struct lab_inst *in, u64 attempt)
{
	struct lab_engine *e = in->eng;
	struct lab_snapshot *s = &in->first_failure;
	struct lab_zone_state zs;

	lab_zone_state(lab_gfp(e->cfg.gfp), true, &zs);
	s->pages_held = lab_engine_held(e);
	s->zone_free_pages = zs.free;
	s->wmark_min = zs.min;
	s->wmark_low = zs.low;
	s->wmark_high = zs.high;
	s->nr_reserved_highatomic = zs.highatomic;
	s->global_free_pages = zs.global_free;
	s->watermark_boost = zs.boost;
	s->zone_name[0] = zs.name[0];
	s->zone_name[1] = zs.name[1];
	s->engine_id = e->id;
	s->context = e->cfg.context;
	s->cpu = in->cpu;
	s->order = e->cfg.order;
	s->attempt = attempt;
	/* Last: a reader takes time_ns != 0 as "snapshot complete". */
	smp_store_release(&s->time_ns, ktime_get_ns());
}

/*
 * One callback's budget and, for kthread-atomic, its IRQs-off chunk.
 * The callback checks it before each allocation and each free.
 */
struct lab_tick_env {
	u64 start;		/* local_clock() at the callback's start */
	u64 now;		/* the latest local_clock() read */
	u64 free_units;		/* pages it may still give back */
	u64 deferred;		/* pages it queued for a deferred shred */
	u64 allocated;		/* pages it allocated */
	u64 freed;		/* pages it gave back inline */
	struct list_head fresh;	/* new drain/leaked blocks, for in->held */
	u64 fresh_pages;
	spinlock_t *lock;	/* kthread-atomic: the lock held, else NULL */
	unsigned long *flags;	/* ...and its saved IRQ flags */
	u64 chunk_start;	/* kthread-atomic: IRQs off since */
	u64 chunk_pages;	/* ...pages done in this chunk */
	u64 irqs_off_max;
	u64 call_max;		/* the longest page allocator call */
	u64 work;		/* pages allocated and given back */
	u64 busy;		/* kthread-atomic: time in chunks so far */
};

static bool lab_tick_late(struct lab_tick_env *env)
{
	return env->now - env->start >= LAB_TICK_NS_MAX;
}

/*
 * kthread-atomic: end the IRQs-off chunk once it did LAB_CHUNK_PAGES
 * pages or took LAB_CHUNK_NS, let interrupts (and other RT tasks) in,
 * and start the next one.
 */
static void lab_tick_chunk(struct lab_tick_env *env, u64 pages)
{
	if (!env->lock)
		return;
	env->chunk_pages += pages;
	if (env->chunk_pages < LAB_CHUNK_PAGES &&
	    env->now - env->chunk_start < LAB_CHUNK_NS)
		return;
	env->irqs_off_max = max(env->irqs_off_max,
				env->now - env->chunk_start);
	env->busy += env->now - env->chunk_start;
	spin_unlock_irqrestore(env->lock, *env->flags);
	cond_resched();
	spin_lock_irqsave(env->lock, *env->flags);
	env->now = local_clock();
	env->chunk_start = env->now;
	env->chunk_pages = 0;
}

/*
 * Give one held block back. Refusal-aware: if the allocator refuses (a
 * bug: the block was ours), it stays counted as held and the refusal is
 * counted, so the engine's held_now shows the loss instead of hiding it.
 */
static void lab_put_block(struct lab_inst *in, struct page *page, u64 handle,
			  struct lab_tick_env *env)
{
	struct lab_engine *e = in->eng;
	u64 pages = 1ULL << e->cfg.order;
	unsigned long flags;
	unsigned int order;
	int ret;

	ret = lab_claim(e->owner, page, handle, &order);
	if (unlikely(ret)) {
		if (ret == -EPERM)
			LAB_INC(in->c.violation_non_owner);
		else if (ret == -EALREADY)
			LAB_INC(in->c.violation_double_free);
		else
			LAB_INC(in->c.violation_unknown);
		return;
	}
	atomic_long_sub(pages, &in->held_pages);
	if (e->defer && env) {
		raw_spin_lock_irqsave(&in->defer_lock, flags);
		list_add_tail(&page->lru, &in->deferred);
		raw_spin_unlock_irqrestore(&in->defer_lock, flags);
		atomic_long_add(pages, &in->deferred_pages);
		env->deferred += pages;
		env->free_units--;
		env->work++;
		return;
	}
	lab_give_back(page, order, e->cfg.shred);
	LAB_INC(in->c.frees);
	if (env) {
		u64 units = e->cfg.shred == LAB_SHRED_NONE ? 1 : pages;

		env->free_units -= units;
		env->work += units;
		env->freed += pages;
	}
}

static struct lab_held *lab_ring_pop(struct lab_inst *in)
{
	struct lab_held *h = &in->ring[in->ring_head];

	in->ring_head = (in->ring_head + 1) % in->ring_cap;
	in->ring_count--;
	return h;
}

static void lab_churn_expire(struct lab_inst *in, struct lab_tick_env *env)
{
	u64 pages = 1ULL << in->eng->cfg.order, t;
	struct lab_held *h;

	while (in->ring_count && in->ring[in->ring_head].deadline <= env->now &&
	       env->free_units >= pages && !lab_tick_late(env)) {
		h = lab_ring_pop(in);
		lab_put_block(in, h->page, h->handle, env);
		t = local_clock();
		env->call_max = max(env->call_max, t - env->now);
		env->now = t;
		lab_tick_chunk(env, pages);
	}
}

static u64 lab_rng(struct lab_inst *in)
{
	u64 x = in->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	in->rng = x;
	return x;
}

/*
 * Keep a new block: on the tick's fresh list (handle in the block), which
 * goes onto in->held at the end of the tick, or in the ring.
 */
static void lab_hold(struct lab_inst *in, struct page *page, u64 handle,
		     struct lab_tick_env *env)
{
	struct lab_engine *e = in->eng;
	struct lab_held *h;

	if (e->cfg.policy == LAB_POLICY_DRAIN ||
	    (e->cfg.policy == LAB_POLICY_LEAK_FRACTION &&
	     lab_rng(in) % LAB_PPM_MAX < e->cfg.leak_ppm)) {
		*(u64 *)page_address(page) = handle;
		list_add_tail(&page->lru, &env->fresh);
		env->fresh_pages += 1ULL << e->cfg.order;
		return;
	}
	h = &in->ring[(in->ring_head + in->ring_count) % in->ring_cap];
	h->page = page;
	h->handle = handle;
	h->deadline = env->now + e->cfg.hold_ns;
	in->ring_count++;
}

/*
 * The tick's new blocks onto in->held, where the shrinker may take them:
 * one short critical section per tick. irqsave: the lock's class is
 * taken in hard IRQ (hrtimer ticks), softirq and process context.
 */
static void lab_hold_publish(struct lab_inst *in, struct lab_tick_env *env)
{
	unsigned long flags;

	if (!env->fresh_pages)
		return;
	raw_spin_lock_irqsave(&in->held_lock, flags);
	list_splice_tail_init(&env->fresh, &in->held);
	atomic_long_add(env->fresh_pages, &in->list_pages);
	raw_spin_unlock_irqrestore(&in->held_lock, flags);
	env->fresh_pages = 0;
}

/*
 * The engine's first genuine failure starts its exhaust phase: the
 * first CPU to fail sets the deadline, from its snapshot's time.
 */
static void lab_exhaust_arm(struct lab_engine *e, u64 t)
{
	if (e->cfg.exhaust_ns && !READ_ONCE(e->exhaust_deadline))
		cmpxchg64(&e->exhaust_deadline, 0, t + e->cfg.exhaust_ns);
}

/* The exhaust phase is over: stop, and so give everything back. */
static bool lab_exhaust_over(struct lab_engine *e)
{
	u64 deadline = READ_ONCE(e->exhaust_deadline);

	if (!deadline || ktime_get_ns() < deadline)
		return false;
	lab_request_stop(e, LAB_STOP_EXHAUSTED);
	return true;
}

/*
 * Reserve room under the engine's held-pages cap for up to n allocations
 * of this tick; returns how many fit and sets *capped when that is fewer
 * than asked. The caller requests the stop only after making the
 * allocations that do fit: asking here would make its loop see
 * e->stopping and stop short of the cap. The reservation is settled
 * against what the tick really did at the end of lab_tick().
 */
static u64 lab_tick_reserve(struct lab_inst *in, u64 n, u64 *reserved,
			    bool *capped)
{
	struct lab_engine *e = in->eng;
	u64 pages = 1ULL << e->cfg.order, want = n * pages, got, over;

	got = atomic64_add_return(want, &e->held);
	if (got > e->cfg.held_cap) {
		over = min(got - e->cfg.held_cap, want);
		atomic64_sub(over, &e->held);
		want -= over;
		n = div64_u64(want, pages);
		want = n * pages;
		LAB_INC(in->c.cap_hits);
		*capped = true;
	}
	*reserved = want;
	return n;
}

/* One failed allocation: count it; true when the engine must stop. */
static bool lab_tick_failed(struct lab_inst *in, enum lab_page_fail why)
{
	struct lab_engine *e = in->eng;
	struct lab_counters *c = &in->c;

	switch (why) {
	case LAB_PAGE_FAIL_INJECTED_PRIVATE:
		LAB_INC(c->fail_injected_private);
		break;
	case LAB_PAGE_FAIL_INJECTED_KERNEL:
		LAB_INC(c->fail_injected_kernel);
		break;
	case LAB_PAGE_FAIL_UNATTRIBUTED:
		LAB_INC(c->fail_unattributed);
		break;
	default:
		LAB_INC(c->fail_genuine);
		if (!in->first_failure.time_ns)
			lab_snapshot(in, c->attempts);
		lab_exhaust_arm(e, in->first_failure.time_ns);
		break;
	}
	if (e->cfg.stop_after_failures &&
	    (why == LAB_PAGE_FAIL_GENUINE ||
	     !(e->cfg.flags & LAB_START_F_STOP_GENUINE_ONLY)) &&
	    atomic64_inc_return(&e->failures) >= e->cfg.stop_after_failures) {
		lab_request_stop(e, LAB_STOP_FAILURES);
		return true;
	}
	return false;
}

/* The allocations of one tick: n blocks, within the budget. */
static void lab_tick_alloc(struct lab_inst *in, u64 n,
			   struct lab_tick_env *env)
{
	struct lab_engine *e = in->eng;
	struct lab_counters *c = &in->c;
	u64 pages = 1ULL << e->cfg.order, i, lat, handle;
	enum lab_page_fail why;
	struct page *page;

	for (i = 0; i < n; i++) {
		/*
		 * Any stop ends the tick at once, except the cap: what this
		 * CPU reserved fits under it, and another CPU finding the cap
		 * full must not cut that short (the engine would stop a burst
		 * or more below its cap).
		 */
		if (READ_ONCE(e->stopping) &&
		    READ_ONCE(e->stop_reason) != LAB_STOP_HELD_CAP)
			break;
		/* Out of time, or churn's ring is full (expiry lags). */
		if (lab_tick_late(env) ||
		    (in->ring && in->ring_count == in->ring_cap)) {
			LAB_ADD(c->budget_cuts, n - i);
			break;
		}
		page = lab_alloc(e->owner, e->cfg.gfp, e->cfg.order, &handle,
				 &why);
		lat = local_clock() - env->now;
		env->now += lat;
		env->call_max = max(env->call_max, lat);
		LAB_INC(c->latency_hist[lab_hist_bucket(lat)]);
		LAB_INC(c->attempts);
		/* Pairs with smp_rmb() in lab_inst_read(): an attempt is
		 * visible before its outcome.
		 */
		smp_wmb();
		env->work += pages;
		if (page) {
			u64 held = atomic_long_add_return(pages,
							  &in->held_pages);

			LAB_INC(c->successes);
			env->allocated += pages;
			if (held > c->held_peak)
				WRITE_ONCE(c->held_peak, held);
			lab_hold(in, page, handle, env);
		} else if (lab_tick_failed(in, why)) {
			break;
		}
		lab_tick_chunk(env, pages);
	}
}

static bool lab_defer_full(struct lab_inst *in)
{
	return atomic_long_read(&in->deferred_pages) >= LAB_DEFER_MAX_PAGES;
}

/*
 * One tick, in any context: give back what churn has held long enough,
 * then allocate nbursts bursts, within the budget; then measure it and
 * make the CPU rest in proportion. @lock/@flags: kthread-atomic's lock,
 * held with IRQs off on entry and exit (dropped between chunks), else
 * NULL.
 */
static void lab_tick(struct lab_inst *in, u64 nbursts, spinlock_t *lock,
		     unsigned long *flags)
{
	struct lab_engine *e = in->eng;
	struct lab_counters *c = &in->c;
	struct lab_tick_env env = {
		.free_units = LAB_TICK_PAGES_MAX,
		.lock = lock,
		.flags = flags,
	};
	u64 reserved = 0, n, d, end;
	bool capped = false;

	if (lab_exhaust_over(e))
		return;
	INIT_LIST_HEAD(&env.fresh);
	env.start = local_clock();
	env.now = env.start;
	env.chunk_start = env.start;
	if (in->ring_count && !lab_defer_full(in))
		lab_churn_expire(in, &env);
	n = nbursts * e->cfg.burst;
	if (n && lab_defer_full(in)) {
		/* The shred work is behind: do not add to its queue. */
		LAB_ADD(c->budget_cuts, n);
		n = 0;
	}
	if (n)
		n = lab_tick_reserve(in, n, &reserved, &capped);
	lab_tick_alloc(in, n, &env);
	lab_hold_publish(in, &env);
	/*
	 * Settle the cap: what this tick allocated, minus what it gave back
	 * inline (a block queued for a deferred shred stays counted until
	 * the shred work frees it), minus what it reserved. Not from
	 * held_pages: the shrinker takes pages meanwhile, and settles its
	 * own.
	 */
	atomic64_add((s64)env.allocated - (s64)env.freed - (s64)reserved,
		     &e->held);
	/* If it is resting (delayed), it stays so. */
	if (env.deferred)
		queue_delayed_work_on(in->cpu, lab_shred_wq, &in->shred_work, 0);
	if (capped)
		lab_request_stop(e, LAB_STOP_HELD_CAP);

	/*
	 * The callback's length d: its wall time, except for kthread-atomic,
	 * whose chunks only count: between them interrupts, softirqs and
	 * other RT tasks have the CPU, not the engine.
	 */
	end = local_clock();
	d = end - env.start;
	if (lock) {
		env.irqs_off_max = max(env.irqs_off_max,
				       end - env.chunk_start);
		d = env.busy + end - env.chunk_start;
	} else if (e->cfg.context != LAB_CTX_SOFTIRQ) {
		env.irqs_off_max = d;	/* hard IRQ: all of it */
	}
	LAB_INC(c->ticks);
	LAB_INC(c->callback_hist[lab_hist_bucket(d)]);
	if (d > c->callback_max_ns)
		WRITE_ONCE(c->callback_max_ns, d);
	if (env.irqs_off_max > c->irqs_off_max_ns)
		WRITE_ONCE(c->irqs_off_max_ns, env.irqs_off_max);
	if (env.call_max > c->call_max_ns)
		WRITE_ONCE(c->call_max_ns, env.call_max);
	if (env.work > c->tick_work_max)
		WRITE_ONCE(c->tick_work_max, env.work);
	lab_rest_after(end, d);
}

/* Bursts a tick makes up: what fits in its budget; the rest is dropped. */
static u64 lab_catch_up(struct lab_inst *in, u64 due)
{
	u64 limit = in->eng->catch_up;

	if (due <= limit)
		return due;
	LAB_ADD(in->c.bursts_dropped, due - limit);
	return limit;
}

static enum hrtimer_restart lab_timer_fn(struct hrtimer *t)
{
	struct lab_inst *in = container_of(t, struct lab_inst, timer);
	struct lab_engine *e = in->eng;
	ktime_t period = ns_to_ktime(e->period_ns), now;
	u64 due, rest;

	if (READ_ONCE(e->stopping))
		return HRTIMER_NORESTART;
	now = hrtimer_cb_get_time(t);
	due = hrtimer_forward(t, now, period);
	rest = lab_resting();
	if (rest) {
		/* Every burst due until the rest is over is dropped. */
		due += hrtimer_forward(t, ktime_add_ns(now, rest), period);
		LAB_ADD(in->c.bursts_dropped, due);
		return HRTIMER_RESTART;
	}
	due = lab_catch_up(in, due);
	if (e->cfg.context == LAB_CTX_IRQ_WORK) {
		atomic_add((int)due, &in->iw_bursts);
		irq_work_queue(&in->iw);
		return HRTIMER_RESTART;
	}
	lab_tick(in, due, NULL, NULL);
	/*
	 * The rest this tick asked for: expire after it, not in the middle
	 * of it (each expiry costs an interrupt, which the rest does not
	 * see). Every burst skipped is dropped.
	 */
	rest = lab_resting();
	if (rest)
		LAB_ADD(in->c.bursts_dropped,
			hrtimer_forward(t, ktime_add_ns(hrtimer_cb_get_time(t),
							rest), period));
	return HRTIMER_RESTART;
}

static void lab_irq_work_fn(struct irq_work *w)
{
	struct lab_inst *in = container_of(w, struct lab_inst, iw);
	u64 due = (unsigned int)atomic_xchg(&in->iw_bursts, 0);

	if (due && !READ_ONCE(in->eng->stopping))
		lab_tick(in, lab_catch_up(in, due), NULL, NULL);
}

static int lab_kthread_fn(void *arg)
{
	struct lab_inst *in = arg;
	struct lab_engine *e = in->eng;
	ktime_t next = ktime_get(), now, until;
	unsigned long flags;
	u64 due, rest, skip;

	while (!kthread_should_stop()) {
		/* This burst, and those a late wakeup missed. */
		now = ktime_get();
		due = 1;
		if (ktime_after(now, next))
			due += div64_u64(ktime_to_ns(ktime_sub(now, next)),
					 e->period_ns);
		next = ktime_add_ns(next, due * e->period_ns);
		due = lab_catch_up(in, due);
		if (!READ_ONCE(e->stopping)) {
			spin_lock_irqsave(&in->lock, flags);
			lab_tick(in, due, &in->lock, &flags);
			spin_unlock_irqrestore(&in->lock, flags);
		}
		rest = lab_resting();
		if (rest) {
			until = ktime_add_ns(ktime_get(), rest);
			if (ktime_after(until, next)) {
				skip = div64_u64(ktime_to_ns(ktime_sub(until,
								       next)),
						 e->period_ns) + 1;
				LAB_ADD(in->c.bursts_dropped, skip);
				next = ktime_add_ns(next, skip * e->period_ns);
			}
		}
		set_current_state(TASK_IDLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule_hrtimeout(&next, HRTIMER_MODE_ABS);
	}
	return 0;
}

/*
 * The deferred shreds of one instance, in process context on
 * lab_shred_wq, on the instance's CPU. Takes a batch under defer_lock,
 * shreds and frees it with the lock dropped, for at most LAB_TICK_NS_MAX
 * (or LAB_TICK_PAGES_MAX pages), and counts that time in the CPU's rest
 * as a tick does: ticks and shreds together take at most
 * 1 / (1 + LAB_REST_FACTOR) of the CPU. If more waits it comes back
 * after the rest, as a delayed work (the worker is free meanwhile, so
 * it never holds up the CPU's other work items); when the shreds fall
 * behind, ticks cut their allocations (LAB_DEFER_MAX_PAGES). It writes
 * only frees_deferred (a workqueue never runs one work item twice at
 * once) and the atomics.
 */
static void lab_shred_work_fn(struct work_struct *w)
{
	struct lab_inst *in = container_of(to_delayed_work(w), struct lab_inst,
					   shred_work);
	struct lab_engine *e = in->eng;
	unsigned int order = e->cfg.order, n;
	u64 start, end, done = 0, rest;
	struct page *page, *tmp;
	LIST_HEAD(batch);

	rest = lab_resting();
	if (rest)
		goto again;
	start = local_clock();
	for (;;) {
		n = 0;
		raw_spin_lock_irq(&in->defer_lock);
		list_for_each_entry_safe(page, tmp, &in->deferred, lru) {
			list_move_tail(&page->lru, &batch);
			if (++n == LAB_SHRED_BATCH)
				break;
		}
		raw_spin_unlock_irq(&in->defer_lock);
		if (!n)
			break;
		list_for_each_entry_safe(page, tmp, &batch, lru) {
			list_del(&page->lru);
			lab_give_back(page, order, e->cfg.shred);
		}
		/* Pairs with smp_load_acquire() in lab_inst_read(). */
		smp_store_release(&in->frees_deferred, in->frees_deferred + n);
		atomic_long_sub((long)n << order, &in->deferred_pages);
		atomic64_sub((s64)n << order, &e->held);
		done += (u64)n << order;
		if (local_clock() - start >= LAB_TICK_NS_MAX ||
		    done >= LAB_TICK_PAGES_MAX)
			break;
		cond_resched();
	}
	end = local_clock();
	lab_rest_after(end, end - start);
	if (!n)
		return;
	rest = LAB_REST_FACTOR * (end - start);
again:
	queue_delayed_work_on(in->cpu, lab_shred_wq, &in->shred_work,
			      nsecs_to_jiffies(rest) + 1);
}

/* ---- start ------------------------------------------------------------- */

static void lab_start_timer_on_cpu(void *arg)
{
	struct lab_inst *in = arg;
	enum hrtimer_mode mode = in->eng->cfg.context == LAB_CTX_SOFTIRQ ?
		HRTIMER_MODE_REL_PINNED_SOFT : HRTIMER_MODE_REL_PINNED_HARD;

	hrtimer_start(&in->timer, ns_to_ktime(in->eng->period_ns), mode);
}

static void lab_stop_work_fn(struct work_struct *w);
static void lab_watchdog_fn(struct work_struct *w);

static bool lab_context_supported(u32 ctx)
{
	static const u64 feat[LAB_CTX_COUNT] = {
		[LAB_CTX_HRTIMER] = LAB_FEAT_CTX_HRTIMER,
		[LAB_CTX_IRQ_WORK] = LAB_FEAT_CTX_IRQ_WORK,
		[LAB_CTX_SOFTIRQ] = LAB_FEAT_CTX_SOFTIRQ,
		[LAB_CTX_KTHREAD_ATOMIC] = LAB_FEAT_CTX_KTHREAD_ATOMIC,
	};

	return lab_features() & feat[ctx];
}

static int lab_validate_start(struct lab_start *cmd)
{
	if (cmd->flags & ~LAB_START_F_ALL)
		return -EOPNOTSUPP;
	if (cmd->context >= LAB_CTX_COUNT || cmd->policy >= LAB_POLICY_COUNT ||
	    cmd->shred >= LAB_SHRED_COUNT || (cmd->gfp & ~LAB_GFP_ALL))
		return -EOPNOTSUPP;
	if (!lab_context_supported(cmd->context))
		return -ENODEV;
	if ((cmd->gfp & LAB_GFP_MEMALLOC) &&
	    !(cmd->flags & LAB_START_F_ALLOW_MEMALLOC))
		return -EPERM;
	if (!cmd->burst)
		cmd->burst = 1;
	if (cmd->order > LAB_ORDER_MAX || cmd->burst > LAB_BURST_MAX ||
	    ((u64)cmd->burst << cmd->order) > LAB_TICK_PAGES_MAX ||
	    !cmd->rate || cmd->rate > LAB_RATE_MAX)
		return -ERANGE;
	if (div64_u64((u64)cmd->burst * NSEC_PER_SEC, cmd->rate) <
	    LAB_PERIOD_MIN_NS)
		return -ERANGE;
	if ((cmd->flags & LAB_START_F_YIELD_TO_RECLAIM) &&
	    !lab_reclaim_available())
		return -EOPNOTSUPP;
	if (cmd->exhaust_ns && (cmd->policy != LAB_POLICY_DRAIN ||
				cmd->exhaust_ns > LAB_HOLD_MAX_NS))
		return -ERANGE;
	if (cmd->policy == LAB_POLICY_DRAIN) {
		if (cmd->hold_ns || cmd->leak_ppm)
			return -ERANGE;
	} else {
		if (!cmd->hold_ns || cmd->hold_ns > LAB_HOLD_MAX_NS)
			return -ERANGE;
		if (cmd->leak_ppm > LAB_PPM_MAX ||
		    (cmd->policy == LAB_POLICY_CHURN && cmd->leak_ppm))
			return -ERANGE;
	}
	if (!cmd->held_cap)
		cmd->held_cap = lab_default_held_cap();
	if (cmd->held_cap > totalram_pages() ||
	    cmd->held_cap < (1ULL << cmd->order))
		return -ERANGE;
	if (!cmd->watchdog_ms)
		cmd->watchdog_ms = LAB_WATCHDOG_DEFAULT_MS;
	if (cmd->watchdog_ms > LAB_WATCHDOG_MAX_MS)
		return -ERANGE;
	if (cmd->cpu_mask_words > BITS_TO_U64(nr_cpu_ids) + 16 ||
	    (!cmd->cpu_mask_uptr != !cmd->cpu_mask_words))
		return -EINVAL;
	return 0;
}

/*
 * The CPUs asked for, copied from userspace before any lock: possible
 * CPUs only (online is decided under cpus_read_lock()).
 */
static int lab_copy_cpus(const struct lab_start *cmd, struct cpumask *mask)
{
	u32 w, nw = cmd->cpu_mask_words;
	unsigned int cpu;
	u64 *words;

	cpumask_clear(mask);
	if (!nw) {
		cpumask_copy(mask, cpu_possible_mask);
		return 0;
	}
	words = kcalloc(nw, sizeof(*words), GFP_KERNEL);
	if (!words)
		return -ENOMEM;
	if (copy_from_user(words, u64_to_user_ptr(cmd->cpu_mask_uptr),
			   nw * sizeof(*words))) {
		kfree(words);
		return -EFAULT;
	}
	for (w = 0; w < nw; w++)
		for (cpu = w * 64; words[w] && cpu < (w + 1) * 64; cpu++)
			if ((words[w] & BIT_ULL(cpu % 64)) &&
			    cpu < nr_cpu_ids && cpu_possible(cpu))
				cpumask_set_cpu(cpu, mask);
	kfree(words);
	return cpumask_empty(mask) ? -EINVAL : 0;
}

static void lab_engine_release(struct kref *ref)
{
	struct lab_engine *e = container_of(ref, struct lab_engine, ref);
	int cpu;

	if (e->inst) {
		for_each_possible_cpu(cpu)
			kvfree(per_cpu_ptr(e->inst, cpu)->ring);
		free_percpu(e->inst);
	}
	free_cpumask_var(e->cpus);
	kfree(e);
}

static int lab_inst_init(struct lab_engine *e, struct lab_inst *in,
			 unsigned int cpu)
{
	u64 ring;

	in->eng = e;
	in->cpu = cpu;
	spin_lock_init(&in->lock);
	raw_spin_lock_init(&in->defer_lock);
	raw_spin_lock_init(&in->held_lock);
	INIT_LIST_HEAD(&in->held);
	INIT_LIST_HEAD(&in->deferred);
	INIT_DELAYED_WORK(&in->shred_work, lab_shred_work_fn);
	in->rng = get_random_u64() | 1;
	if (e->cfg.policy == LAB_POLICY_DRAIN)
		return 0;
	/*
	 * Blocks in flight: rate * hold, plus two ticks' worth (a tick
	 * allocates before the next one expires), plus slack. When it is
	 * full anyway (expiry behind), ticks cut their allocations.
	 */
	ring = div64_u64(e->cfg.rate * div_u64(e->cfg.hold_ns, 1000),
			 USEC_PER_SEC) +
	       2ULL * (e->catch_up + 1) * e->cfg.burst + 16;
	ring = min(ring, div_u64(e->cfg.held_cap, 1U << e->cfg.order) + 1);
	in->ring_cap = (u32)min_t(u64, ring, 1U << 24);
	in->ring = kvcalloc(in->ring_cap, sizeof(*in->ring), GFP_KERNEL);
	return in->ring ? 0 : -ENOMEM;
}

/* Everything a new engine needs, allocated before any lock is taken. */
static struct lab_engine *lab_engine_alloc(struct lab_start *cmd,
					   struct file *file)
{
	struct lab_engine *e;
	int cpu, ret = -ENOMEM;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	kref_init(&e->ref);
	mutex_init(&e->stop_mutex);
	e->cfg = *cmd;
	e->file = (cmd->flags & LAB_START_F_DETACH) ? NULL : file;
	e->period_ns = div64_u64((u64)cmd->burst * NSEC_PER_SEC, cmd->rate);
	e->catch_up = max(1U, LAB_TICK_PAGES_MAX /
			      (cmd->burst << cmd->order));
	e->defer = cmd->shred == LAB_SHRED_CRYPTO ||
		   (cmd->order && cmd->shred != LAB_SHRED_NONE);
	atomic64_set(&e->failures, 0);
	atomic64_set(&e->held, 0);
	INIT_WORK(&e->stop_work, lab_stop_work_fn);
	INIT_DELAYED_WORK(&e->watchdog, lab_watchdog_fn);
	INIT_LIST_HEAD(&e->reclaim_node);
	e->state = LAB_STATE_RUNNING;
	if (!zalloc_cpumask_var(&e->cpus, GFP_KERNEL))
		goto err;
	ret = lab_copy_cpus(cmd, e->cpus);
	if (ret)
		goto err;
	e->inst = alloc_percpu(struct lab_inst);
	ret = -ENOMEM;
	if (!e->inst)
		goto err;
	for_each_cpu(cpu, e->cpus) {
		ret = lab_inst_init(e, per_cpu_ptr(e->inst, cpu), cpu);
		if (ret)
			goto err;
	}
	return e;
err:
	lab_engine_release(&e->ref);
	return ERR_PTR(ret);
}

/*
 * kthread-atomic: one thread per asked CPU that is online now, created
 * (not woken) before cpus_read_lock(). A CPU that goes offline before
 * lab_engine_go() is left out there.
 */
static int lab_engine_threads(struct lab_engine *e)
{
	struct task_struct *t;
	int cpu;

	if (e->cfg.context != LAB_CTX_KTHREAD_ATOMIC)
		return 0;
	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

		if (!cpu_online(cpu))
			continue;
		t = kthread_create_on_cpu(lab_kthread_fn, in, cpu,
					  "labyrinth/%u");
		if (IS_ERR(t))
			return PTR_ERR(t);
		in->thread = t;
	}
	return 0;
}

/* Stop the threads that never ran (the engine failed to start). */
static void lab_engine_threads_put(struct lab_engine *e)
{
	int cpu;

	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

		if (in->thread)
			kthread_stop(in->thread);
		in->thread = NULL;
	}
}

/*
 * Start every instance on the asked CPUs that are online, under
 * cpus_read_lock() so that none goes away meanwhile. Returns how many.
 */
static unsigned int lab_engine_go(struct lab_engine *e,
				  struct cpumask *unused)
{
	unsigned int n = 0;
	int cpu;

	cpus_read_lock();
	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

		if (!cpu_online(cpu) ||
		    (e->cfg.context == LAB_CTX_KTHREAD_ATOMIC && !in->thread)) {
			cpumask_set_cpu(cpu, unused);
			continue;
		}
		n++;
		switch (e->cfg.context) {
		case LAB_CTX_IRQ_WORK:
			init_irq_work(&in->iw, lab_irq_work_fn);
			fallthrough;
		case LAB_CTX_HRTIMER:
			hrtimer_init(&in->timer, CLOCK_MONOTONIC,
				     HRTIMER_MODE_REL_PINNED_HARD);
			in->timer.function = lab_timer_fn;
			smp_call_function_single(cpu, lab_start_timer_on_cpu,
						 in, 1);
			break;
		case LAB_CTX_SOFTIRQ:
			hrtimer_init(&in->timer, CLOCK_MONOTONIC,
				     HRTIMER_MODE_REL_PINNED_SOFT);
			in->timer.function = lab_timer_fn;
			smp_call_function_single(cpu, lab_start_timer_on_cpu,
						 in, 1);
			break;
		case LAB_CTX_KTHREAD_ATOMIC:
			/* Like a threaded IRQ handler: on time, ahead of
			 * the load it competes with; its rest keeps it
			 * from starving that load.
			 */
			sched_set_fifo_low(in->thread);
			wake_up_process(in->thread);
			break;
		}
	}
	cpumask_andnot(e->cpus, e->cpus, unused);
	cpus_read_unlock();
	return n;
}

/* A free slot and a fresh id; lab_mutex held. -EBUSY when full. */
static int lab_table_add(struct lab_engine *e)
{
	int i, slot = -1;
	bool used;

	lockdep_assert_held(&lab_mutex);
	for (i = 0; i < LAB_MAX_ENGINES; i++)
		if (!lab_engines[i]) {
			slot = i;
			break;
		}
	if (slot < 0)
		return -EBUSY;
	do {
		/* ids count up from 1 and wrap below INT_MAX */
		lab_engine_next = lab_engine_next % INT_MAX + 1;
		used = false;
		for (i = 0; i < LAB_MAX_ENGINES; i++)
			if (lab_engines[i] &&
			    lab_engines[i]->id == lab_engine_next)
				used = true;
	} while (used);
	e->id = lab_engine_next;
	e->owner = LAB_OWNER_ENGINE(e->id);
	lab_engines[slot] = e;
	return 0;
}

int lab_engine_start(struct file *file, struct lab_start *cmd)
{
	cpumask_var_t unused;
	struct lab_engine *e;
	unsigned int ncpus = 0;
	int ret;

	ret = lab_validate_start(cmd);
	if (ret)
		return ret;
	if (!zalloc_cpumask_var(&unused, GFP_KERNEL))
		return -ENOMEM;
	e = lab_engine_alloc(cmd, file);
	if (IS_ERR(e)) {
		free_cpumask_var(unused);
		return PTR_ERR(e);
	}
	ret = lab_engine_threads(e);
	if (ret)
		goto err_threads;

	/*
	 * In the table and started under lab_mutex: LAB_IOC_STOP (from any
	 * fd: ids are guessable) finds it only once it is running.
	 */
	mutex_lock(&lab_mutex);
	ret = lab_table_add(e);
	if (!ret) {
		e->start_ns = ktime_get_ns();
		ncpus = lab_engine_go(e, unused);
	}
	mutex_unlock(&lab_mutex);
	if (ret)
		goto err_threads;
	/* Threads made for CPUs that went offline meanwhile never ran. */
	if (e->cfg.context == LAB_CTX_KTHREAD_ATOMIC) {
		int cpu;

		for_each_cpu(cpu, unused) {
			struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

			if (in->thread)
				kthread_stop(in->thread);
			in->thread = NULL;
		}
	}
	free_cpumask_var(unused);
	if (!ncpus) {
		/* Every asked CPU is offline: undo, as if never started. */
		lab_engine_abort(e->id);
		return -EINVAL;
	}
	queue_delayed_work(lab_wq, &e->watchdog,
			   msecs_to_jiffies(cmd->watchdog_ms));
	if (cmd->flags & LAB_START_F_YIELD_TO_RECLAIM)
		lab_reclaim_add(e);
	cmd->engine_id = e->id;
	cmd->nr_cpus = ncpus;
	return 0;

err_threads:
	lab_engine_threads_put(e);
	free_cpumask_var(unused);
	kref_put(&e->ref, lab_engine_release);
	return ret;
}

/* ---- stop -------------------------------------------------------------- */

/* Every callback of the instance has finished and none will run again. */
static void lab_inst_quiesce(struct lab_engine *e, struct lab_inst *in)
{
	switch (e->cfg.context) {
	case LAB_CTX_IRQ_WORK:
		hrtimer_cancel(&in->timer);
		irq_work_sync(&in->iw);
		break;
	case LAB_CTX_HRTIMER:
	case LAB_CTX_SOFTIRQ:
		hrtimer_cancel(&in->timer);
		break;
	case LAB_CTX_KTHREAD_ATOMIC:
		if (in->thread)
			kthread_stop(in->thread);
		in->thread = NULL;
		break;
	}
	/* No callback queues it any more; a running one finishes. */
	cancel_delayed_work_sync(&in->shred_work);
}

/*
 * Give back every block the instance holds, deferred ones included, in
 * process context (shredding inline, rescheduling as it goes). Its
 * callbacks and shred work are gone: the instance is ours alone.
 */
static u64 lab_inst_release(struct lab_inst *in)
{
	struct lab_engine *e = in->eng;
	u64 freed = 0, pages = 1ULL << e->cfg.order;
	struct page *page, *tmp;
	struct lab_held *h;
	unsigned int n = 0;
	LIST_HEAD(deferred);

	raw_spin_lock_irq(&in->defer_lock);
	list_splice_init(&in->deferred, &deferred);
	raw_spin_unlock_irq(&in->defer_lock);
	list_for_each_entry_safe(page, tmp, &deferred, lru) {
		list_del(&page->lru);
		lab_give_back(page, e->cfg.order, e->cfg.shred);
		/* As in the shred work: pairs with lab_inst_read(). */
		smp_store_release(&in->frees_deferred,
				  in->frees_deferred + 1);
		atomic_long_sub(pages, &in->deferred_pages);
		atomic64_sub(pages, &e->held);
		freed += pages;
		if (!(++n % 64))
			cond_resched();
	}
	while (in->ring_count) {
		h = lab_ring_pop(in);
		lab_put_block(in, h->page, h->handle, NULL);
		freed += pages;
		if (!(++n % 64))
			cond_resched();
	}
	list_for_each_entry_safe(page, tmp, &in->held, lru) {
		list_del(&page->lru);
		lab_put_block(in, page, *(u64 *)page_address(page), NULL);
		freed += pages;
		if (!(++n % 64))
			cond_resched();
	}
	atomic_long_set(&in->list_pages, 0);
	return freed;
}

/*
 * Stop an engine and give back all its pages; returns the pages freed.
 * Process context, e->stop_mutex only (the engine table's lab_mutex is
 * not needed: the caller holds a reference or is the engine's own work).
 * A second stop returns 0 once the first has finished.
 */
static u64 lab_engine_stop(struct lab_engine *e, int reason)
{
	u64 freed = 0;
	int cpu;

	mutex_lock(&e->stop_mutex);
	if (e->state == LAB_STATE_STOPPED)
		goto out;
	if (cmpxchg(&e->stop_reason, LAB_STOP_NONE, reason) == LAB_STOP_NONE)
		WRITE_ONCE(e->stop_request_ns, ktime_get_ns());
	WRITE_ONCE(e->stopping, true);
	/*
	 * Off the shrinker's list before anything else: once this returns
	 * no shrinker call touches the engine's lists, and none will.
	 */
	lab_reclaim_del(e);
	WRITE_ONCE(e->state, LAB_STATE_STOPPING);
	/* Not _sync: the watchdog may be the caller. */
	cancel_delayed_work(&e->watchdog);
	for_each_cpu(cpu, e->cpus)
		lab_inst_quiesce(e, per_cpu_ptr(e->inst, cpu));
	for_each_cpu(cpu, e->cpus)
		freed += lab_inst_release(per_cpu_ptr(e->inst, cpu));
	WRITE_ONCE(e->stop_ns, ktime_get_ns());
	/* Pairs with smp_load_acquire() in lab_engine_stats(). */
	smp_store_release(&e->state, LAB_STATE_STOPPED);
out:
	mutex_unlock(&e->stop_mutex);
	return freed;
}

static void lab_stop_work_fn(struct work_struct *w)
{
	struct lab_engine *e = container_of(w, struct lab_engine, stop_work);

	/* The reason is set already (lab_request_stop()). */
	lab_engine_stop(e, LAB_STOP_IOCTL);
}

static void lab_watchdog_fn(struct work_struct *w)
{
	struct lab_engine *e = container_of(to_delayed_work(w),
					    struct lab_engine, watchdog);

	lab_engine_stop(e, LAB_STOP_WATCHDOG);
}

/*
 * Forget a stopped engine that is out of the table: wait for its works
 * (they may still be running and find it stopped), drop the table's
 * reference. Stats readers may hold the last one.
 */
static void lab_engine_destroy(struct lab_engine *e)
{
	cancel_work_sync(&e->stop_work);
	cancel_delayed_work_sync(&e->watchdog);
	kref_put(&e->ref, lab_engine_release);
}

/* Find an engine and take a reference; NULL if there is none. */
static struct lab_engine *lab_engine_get(u32 id)
{
	struct lab_engine *e = NULL;
	int i;

	mutex_lock(&lab_mutex);
	for (i = 0; i < LAB_MAX_ENGINES; i++)
		if (lab_engines[i] && lab_engines[i]->id == id) {
			e = lab_engines[i];
			kref_get(&e->ref);
			break;
		}
	mutex_unlock(&lab_mutex);
	return e;
}

/* Take an engine out of the table; false if someone else did. */
static bool lab_table_del(struct lab_engine *e)
{
	bool found = false;
	int i;

	mutex_lock(&lab_mutex);
	for (i = 0; i < LAB_MAX_ENGINES; i++)
		if (lab_engines[i] == e) {
			lab_engines[i] = NULL;
			found = true;
		}
	mutex_unlock(&lab_mutex);
	return found;
}

static u64 lab_engine_stop_id(u32 id, bool release, int *err)
{
	struct lab_engine *e = lab_engine_get(id);
	u64 freed;

	if (!e) {
		*err = -ENOENT;
		return 0;
	}
	freed = lab_engine_stop(e, LAB_STOP_IOCTL);
	if (release && lab_table_del(e))
		lab_engine_destroy(e);
	kref_put(&e->ref, lab_engine_release);
	*err = 0;
	return freed;
}

/* START succeeded but its caller will never learn the id: undo it. */
void lab_engine_abort(u32 id)
{
	int err;

	lab_engine_stop_id(id, true, &err);
}

int lab_engine_stop_ioctl(struct lab_stop *cmd)
{
	int err;

	if (cmd->flags & ~LAB_STOP_F_ALL || cmd->__reserved)
		return -EOPNOTSUPP;
	cmd->freed_pages = lab_engine_stop_id(cmd->engine_id,
					      cmd->flags & LAB_STOP_F_RELEASE,
					      &err);
	return err;
}

static void lab_release_where(struct file *file, bool all, int reason)
{
	struct lab_engine *e, *tmp;
	LIST_HEAD(gone);
	int i;

	/* Out of the table under lab_mutex; the slow stops after it. */
	mutex_lock(&lab_mutex);
	for (i = 0; i < LAB_MAX_ENGINES; i++) {
		e = lab_engines[i];
		if (!e || (!all && e->file != file))
			continue;
		lab_engines[i] = NULL;
		list_add_tail(&e->gone, &gone);
	}
	mutex_unlock(&lab_mutex);
	list_for_each_entry_safe(e, tmp, &gone, gone) {
		list_del(&e->gone);
		lab_engine_stop(e, reason);
		lab_engine_destroy(e);
	}
}

void lab_engines_release_file(struct file *file)
{
	lab_release_where(file, false, LAB_STOP_CLOSE);
}

int lab_engines_init(void)
{
	/*
	 * Stop, watchdog and deferred-shred works give memory back, also
	 * when the machine has none left to start a worker: a rescuer
	 * each. Stops are unbound: a stop is long and CPU-bound, and on a
	 * per-CPU pool it would hold up every other work item queued on
	 * that CPU (concurrency management waits for a worker to sleep).
	 * Shreds are per CPU, so that they rest with the CPU's ticks; a
	 * batch is short and then the work item lets go of the worker.
	 */
	lab_wq = alloc_workqueue("labyrinth", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!lab_wq)
		return -ENOMEM;
	lab_shred_wq = alloc_workqueue("labyrinth_shred", WQ_MEM_RECLAIM, 0);
	if (!lab_shred_wq) {
		destroy_workqueue(lab_wq);
		return -ENOMEM;
	}
	return 0;
}

void lab_engines_exit(void)
{
	lab_release_where(NULL, true, LAB_STOP_UNLOAD);
	destroy_workqueue(lab_shred_wq);
	destroy_workqueue(lab_wq);
}

/* ---- stats ------------------------------------------------------------- */

static void lab_hist_add(u64 *t, const u64 *c)
{
	int i;

	for (i = 0; i < LAB_HIST_BUCKETS; i++)
		t[i] += c[i];
}

static void lab_counters_add(struct lab_counters *t,
			     const struct lab_counters *c)
{
	t->attempts += c->attempts;
	t->successes += c->successes;
	t->fail_genuine += c->fail_genuine;
	t->fail_injected_private += c->fail_injected_private;
	t->fail_injected_kernel += c->fail_injected_kernel;
	t->fail_unattributed += c->fail_unattributed;
	t->frees += c->frees;
	t->held_now += c->held_now;
	t->held_peak += c->held_peak;
	t->violation_non_owner += c->violation_non_owner;
	t->violation_double_free += c->violation_double_free;
	t->violation_unknown += c->violation_unknown;
	t->cap_hits += c->cap_hits;
	lab_hist_add(t->latency_hist, c->latency_hist);
	t->bursts_dropped += c->bursts_dropped;
	t->budget_cuts += c->budget_cuts;
	t->ticks += c->ticks;
	t->frees_deferred += c->frees_deferred;
	t->callback_max_ns = max(t->callback_max_ns, c->callback_max_ns);
	t->irqs_off_max_ns = max(t->irqs_off_max_ns, c->irqs_off_max_ns);
	lab_hist_add(t->callback_hist, c->callback_hist);
	t->call_max_ns = max(t->call_max_ns, c->call_max_ns);
	t->tick_work_max = max(t->tick_work_max, c->tick_work_max);
	t->reclaim_pages += c->reclaim_pages;
	t->reclaim_calls += c->reclaim_calls;
	t->stop_request_ns = max(t->stop_request_ns, c->stop_request_ns);
}

static void lab_hist_read(u64 *t, const u64 *c)
{
	int i;

	for (i = 0; i < LAB_HIST_BUCKETS; i++)
		t[i] = READ_ONCE(c[i]);
}

/*
 * One instance's counters while its callback may be writing them, field
 * by field. Frees before outcomes and outcomes before attempts, each
 * step after a read barrier: the callback writes them in the opposite
 * order (an attempt, smp_wmb(), its outcome), so a read never shows
 * more outcomes than attempts.
 */
static void lab_inst_read(struct lab_inst *in, struct lab_counters *c)
{
	const struct lab_counters *ic = &in->c;

	/* Pairs with smp_store_release() in the shred work. */
	c->frees_deferred = smp_load_acquire(&in->frees_deferred);
	c->frees = READ_ONCE(ic->frees) + c->frees_deferred;
	/* The shrinker's frees: pairs with its smp_store_release(). */
	c->frees += smp_load_acquire(&in->reclaim_frees);
	c->held_now = atomic_long_read(&in->held_pages) +
		      atomic_long_read(&in->deferred_pages);
	/* Frees before successes: a free is written after its success. */
	smp_rmb();
	c->successes = READ_ONCE(ic->successes);
	c->fail_genuine = READ_ONCE(ic->fail_genuine);
	c->fail_injected_private = READ_ONCE(ic->fail_injected_private);
	c->fail_injected_kernel = READ_ONCE(ic->fail_injected_kernel);
	c->fail_unattributed = READ_ONCE(ic->fail_unattributed);
	/* Pairs with smp_wmb() in lab_tick_alloc(). */
	smp_rmb();
	c->attempts = READ_ONCE(ic->attempts);
	c->held_peak = READ_ONCE(ic->held_peak);
	c->violation_non_owner = READ_ONCE(ic->violation_non_owner);
	c->violation_double_free = READ_ONCE(ic->violation_double_free);
	c->violation_unknown = READ_ONCE(ic->violation_unknown);
	c->cap_hits = READ_ONCE(ic->cap_hits);
	lab_hist_read(c->latency_hist, ic->latency_hist);
	c->bursts_dropped = READ_ONCE(ic->bursts_dropped);
	c->budget_cuts = READ_ONCE(ic->budget_cuts);
	c->ticks = READ_ONCE(ic->ticks);
	c->callback_max_ns = READ_ONCE(ic->callback_max_ns);
	c->irqs_off_max_ns = READ_ONCE(ic->irqs_off_max_ns);
	lab_hist_read(c->callback_hist, ic->callback_hist);
	c->call_max_ns = READ_ONCE(ic->call_max_ns);
	c->tick_work_max = READ_ONCE(ic->tick_work_max);
	c->reclaim_pages = READ_ONCE(ic->reclaim_pages);
	c->reclaim_calls = READ_ONCE(ic->reclaim_calls);
	c->stop_request_ns = READ_ONCE(in->eng->stop_request_ns);
}

/* The earliest complete first-failure snapshot of the engine. */
static void lab_first_failure(struct lab_engine *e, struct lab_snapshot *out)
{
	int cpu;

	for_each_cpu(cpu, e->cpus) {
		const struct lab_snapshot *s =
			&per_cpu_ptr(e->inst, cpu)->first_failure;
		/* Pairs with the release in lab_snapshot(). */
		u64 t = smp_load_acquire(&s->time_ns);

		if (t && (!out->time_ns || t < out->time_ns)) {
			*out = *s;
			out->time_ns = t;
		}
	}
}

static void lab_stats_header(struct lab_stats *cmd, struct lab_engine *e)
{
	if (!e) {
		cmd->state = LAB_STATE_RUNNING;
		cmd->stop_reason = LAB_STOP_NONE;
		cmd->context = 0;
		cmd->start_ns = lab_load_ns;
		cmd->stop_ns = 0;
		return;
	}
	/* Pairs with the release in lab_engine_stop(): STOPPED implies
	 * the final counters and stop_ns.
	 */
	cmd->state = smp_load_acquire(&e->state);
	if (cmd->state == LAB_STATE_RUNNING && READ_ONCE(e->stopping))
		cmd->state = LAB_STATE_STOPPING;
	cmd->stop_reason = READ_ONCE(e->stop_reason);
	cmd->context = e->cfg.context;
	cmd->start_ns = e->start_ns;
	cmd->stop_ns = READ_ONCE(e->stop_ns);
	lab_first_failure(e, &cmd->first_failure);
}

/*
 * LAB_IOC_STATS: the per-CPU buffer is allocated before anything is
 * looked up, the counters are read into it holding only a reference to
 * the engine (no lock), and copied out after.
 */
int lab_engine_stats(struct lab_stats *cmd)
{
	struct lab_cpu_stats __user *ucs = u64_to_user_ptr(cmd->cpu_stats_uptr);
	u32 usz = cmd->cpu_stats_size, n = min(cmd->nr_cpus, nr_cpu_ids);
	struct lab_engine *e = NULL;
	struct lab_cpu_stats *cs;
	struct lab_counters c;
	int cpu, ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->nr_cpus && (!cmd->cpu_stats_uptr ||
			     usz < offsetofend(struct lab_cpu_stats, flags)))
		return -EINVAL;
	cs = kvcalloc(max(n, 1U), sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	if (cmd->engine_id != LAB_ENGINE_ALLOCATOR) {
		e = lab_engine_get(cmd->engine_id);
		if (!e) {
			ret = -ENOENT;
			goto out;
		}
	}
	memset(&cmd->first_failure, 0, sizeof(cmd->first_failure));
	memset(&cmd->total, 0, sizeof(cmd->total));
	lab_stats_header(cmd, e);
	for_each_possible_cpu(cpu) {
		memset(&c, 0, sizeof(c));
		if (!e)
			lab_alloc_read(cpu, &c);
		else if (cpumask_test_cpu(cpu, e->cpus))
			lab_inst_read(per_cpu_ptr(e->inst, cpu), &c);
		lab_counters_add(&cmd->total, &c);
		if (cpu < n) {
			cs[cpu].cpu = cpu;
			cs[cpu].flags = e && cpumask_test_cpu(cpu, e->cpus) ?
					LAB_CPU_F_ENGINE : 0;
			cs[cpu].c = c;
		}
	}
	if (e)
		kref_put(&e->ref, lab_engine_release);
	/* Per-CPU balances of the allocator can wrap; the sum cannot. */
	if (!e && (s64)cmd->total.held_now < 0)
		cmd->total.held_now = 0;
	for (cpu = 0; cpu < n; cpu++) {
		if (copy_to_user((u8 __user *)ucs + (size_t)cpu * usz, &cs[cpu],
				 min_t(size_t, usz, sizeof(*cs)))) {
			ret = -EFAULT;
			goto out;
		}
	}
	cmd->nr_cpus = nr_cpu_ids;
out:
	kvfree(cs);
	return ret;
}
