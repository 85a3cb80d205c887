// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: spam engines. An engine is one configuration running on a
 * set of CPUs, one instance per CPU, in one context:
 *
 *   hrtimer        pinned HARD hrtimer: hard-IRQ context
 *   irq_work       the pinned hrtimer raises a per-CPU irq_work (self-IPI)
 *   softirq        pinned SOFT hrtimer: HRTIMER_SOFTIRQ
 *   kthread-atomic a bound kthread that allocates with a spinlock held and
 *                  IRQs off, sleeping on an absolute hrtimer between ticks
 *
 * Each instance owns its counters and its held pages and is the only one
 * that writes them, so the hot path takes no lock and touches no shared
 * cache line. Engine-wide are only the held-pages cap, reserved with one
 * atomic add per tick (and corrected with one more at its end), and the
 * failure count towards stop_after_failures (failures are rare until
 * they are all there is).
 *
 * Held pages: drain and the leaked share of leak-fraction sit on a list
 * threaded through page->lru (the page is ours); churn pages sit in a
 * FIFO ring with their deadlines, which are monotonic because ticks are.
 *
 * Stopping: a stop condition seen in IRQ context sets ->stopping (every
 * callback checks it first) and queues stop_work; the stop itself runs in
 * process context under lab_mutex: cancel the timers, sync the irq_works,
 * stop the kthreads, then free (shred) every held page.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/xarray.h>
#include <linux/uaccess.h>
#include <linux/random.h>
#include <linux/math64.h>
#include <linux/cpu.h>

#include "lab.h"

struct lab_held {
	struct page *page;
	u64 deadline;
};

struct lab_inst {
	struct lab_engine *eng;
	unsigned int cpu;
	struct hrtimer timer;
	struct irq_work iw;
	atomic_t iw_bursts;
	bool iw_overloaded;		/* irq_work ticks overran: rest */
	unsigned int slow_ticks;	/* ticks in a row that took >= period */
	struct task_struct *thread;
	spinlock_t lock;		/* kthread-atomic: held while spamming */
	struct list_head held;		/* drain / leaked pages */
	struct lab_held *ring;		/* churn pages, FIFO */
	u32 ring_cap, ring_head, ring_count;
	u64 held_pages;			/* both of the above, in pages */
	u64 rng;
	struct lab_counters c;
};

struct lab_engine {
	u32 id;
	struct lab_start cfg;
	struct file *file;		/* NULL when detached */
	u64 owner;
	u64 period_ns;
	atomic64_t failures;
	atomic64_t held;		/* pages held + reserved, all CPUs */
	bool stopping;
	int stop_reason;
	int state;
	bool kprobe_ref;
	u64 start_ns, stop_ns;
	cpumask_var_t cpus;
	struct lab_inst __percpu *inst;
	struct work_struct stop_work;
	struct delayed_work watchdog;
};

DEFINE_MUTEX(lab_mutex);
static DEFINE_XARRAY_ALLOC1(lab_engines);
static u32 lab_engine_next;
static unsigned int lab_nr_engines;

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
		WRITE_ONCE(e->stopping, true);
		queue_work(system_unbound_wq, &e->stop_work);
	}
}

static u64 lab_engine_held(struct lab_engine *e)
{
	u64 sum = 0;
	int cpu;

	for_each_cpu(cpu, e->cpus)
		sum += READ_ONCE(per_cpu_ptr(e->inst, cpu)->held_pages);
	return sum;
}

static void lab_snapshot(struct lab_inst *in, u64 attempt)
{
	struct lab_engine *e = in->eng;
	struct lab_snapshot *s = &in->c.first_failure;
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

static void lab_put_page(struct lab_inst *in, struct page *page)
{
	lab_free(in->eng->owner, page, in->eng->cfg.shred);
	in->held_pages -= 1UL << in->eng->cfg.order;
	WRITE_ONCE(in->c.held_now, in->held_pages);
	WRITE_ONCE(in->c.frees, in->c.frees + 1);
}

static void lab_ring_pop(struct lab_inst *in)
{
	struct page *page = in->ring[in->ring_head].page;

	in->ring_head = (in->ring_head + 1) % in->ring_cap;
	in->ring_count--;
	lab_put_page(in, page);
}

static void lab_churn_expire(struct lab_inst *in, u64 now)
{
	while (in->ring_count && in->ring[in->ring_head].deadline <= now)
		lab_ring_pop(in);
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

static void lab_hold(struct lab_inst *in, struct page *page, u64 now)
{
	struct lab_engine *e = in->eng;
	u32 slot;

	if (e->cfg.policy == LAB_POLICY_DRAIN ||
	    (e->cfg.policy == LAB_POLICY_LEAK_FRACTION &&
	     lab_rng(in) % LAB_PPM_MAX < e->cfg.leak_ppm)) {
		list_add_tail(&page->lru, &in->held);
		return;
	}
	/* Sized for rate * hold plus catch-up; if a late tick still fills
	 * it, the oldest page (nearly due anyway) goes early.
	 */
	if (in->ring_count == in->ring_cap)
		lab_ring_pop(in);
	slot = (in->ring_head + in->ring_count) % in->ring_cap;
	in->ring[slot].page = page;
	in->ring[slot].deadline = now + e->cfg.hold_ns;
	in->ring_count++;
}

/*
 * Reserve room under the engine's held-pages cap for up to n allocations
 * of this tick; returns how many fit and sets *capped when that is fewer
 * than asked. The caller requests the stop only after making the
 * allocations that do fit: asking here would make its loop see
 * e->stopping and stop short of the cap. The reservation is settled
 * against what the tick really did at the end of lab_tick().
 */
static unsigned int lab_tick_reserve(struct lab_inst *in, unsigned int n,
				     u64 *reserved, bool *capped)
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
		WRITE_ONCE(in->c.cap_hits, in->c.cap_hits + 1);
		*capped = true;
	}
	*reserved = want;
	return n;
}

static void lab_dropped(struct lab_inst *in, u64 bursts)
{
	WRITE_ONCE(in->c.bursts_dropped, in->c.bursts_dropped + bursts);
}

/*
 * One tick: free what churn has held long enough, then allocate nbursts
 * bursts. Returns true when LAB_SLOW_TICKS ticks in a row each took a
 * whole period or more: the caller then leaves the CPU a full period
 * before the next one, so an engine asked for more than the CPU can do
 * slows down instead of taking the CPU away from everything else (rmmod
 * included). One slow tick is not enough: a vCPU preempted by its host
 * in the middle of a tick looks just like that.
 */
#define LAB_SLOW_TICKS	4

static bool lab_tick(struct lab_inst *in, unsigned int nbursts)
{
	struct lab_engine *e = in->eng;
	struct lab_counters *c = &in->c;
	u64 pages = 1UL << e->cfg.order;
	u64 held_before = in->held_pages, reserved;
	u64 start = local_clock(), t0, lat;
	unsigned int i, n;
	enum lab_page_fail why;
	struct page *page;
	bool capped = false;

	if (in->ring_count)
		lab_churn_expire(in, start);
	n = lab_tick_reserve(in, e->cfg.burst * nbursts, &reserved, &capped);
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
		t0 = local_clock();
		page = lab_alloc(e->owner, e->cfg.gfp, e->cfg.order, &why);
		lat = local_clock() - t0;
		WRITE_ONCE(c->latency_hist[lab_hist_bucket(lat)],
			   c->latency_hist[lab_hist_bucket(lat)] + 1);
		WRITE_ONCE(c->attempts, c->attempts + 1);
		/* Pairs with smp_rmb() in lab_counters_add(). */
		smp_wmb();
		if (page) {
			WRITE_ONCE(c->successes, c->successes + 1);
			in->held_pages += pages;
			WRITE_ONCE(c->held_now, in->held_pages);
			if (in->held_pages > c->held_peak)
				WRITE_ONCE(c->held_peak, in->held_pages);
			lab_hold(in, page, t0 + lat);
			continue;
		}
		switch (why) {
		case LAB_PAGE_FAIL_INJECTED_PRIVATE:
			WRITE_ONCE(c->fail_injected_private,
				   c->fail_injected_private + 1);
			break;
		case LAB_PAGE_FAIL_INJECTED_KERNEL:
			WRITE_ONCE(c->fail_injected_kernel,
				   c->fail_injected_kernel + 1);
			break;
		default:
			WRITE_ONCE(c->fail_genuine, c->fail_genuine + 1);
			if (!c->first_failure.time_ns)
				lab_snapshot(in, c->attempts);
			break;
		}
		if (e->cfg.stop_after_failures &&
		    (why == LAB_PAGE_FAIL_GENUINE ||
		     !(e->cfg.flags & LAB_START_F_STOP_GENUINE_ONLY)) &&
		    atomic64_inc_return(&e->failures) >=
		    e->cfg.stop_after_failures) {
			lab_request_stop(e, LAB_STOP_FAILURES);
			break;
		}
	}
	/* Settle: what this CPU really holds now, minus what it reserved
	 * (churn frees and early ring pops included).
	 */
	atomic64_add((s64)(in->held_pages - held_before) - (s64)reserved,
		     &e->held);
	if (capped)
		lab_request_stop(e, LAB_STOP_HELD_CAP);
	if (local_clock() - start < e->period_ns) {
		in->slow_ticks = 0;
		return false;
	}
	return ++in->slow_ticks >= LAB_SLOW_TICKS;
}

/*
 * Ticks that a late timer missed are made up: up to 8 bursts, or up to
 * 1024 allocations when bursts are small, in one go. Softirqs and vCPUs
 * can be late by tens of milliseconds; the cap bounds the IRQ time.
 * What is not made up is counted in bursts_dropped.
 */
#define LAB_CATCH_UP_ALLOCS	1024U

static unsigned int lab_catch_up(struct lab_inst *in, u64 overruns)
{
	u64 limit = max(8U, LAB_CATCH_UP_ALLOCS / in->eng->cfg.burst);

	if (!overruns)
		return 1;
	if (overruns > limit)
		lab_dropped(in, overruns - limit);
	return min(overruns, limit);
}

static enum hrtimer_restart lab_timer_fn(struct hrtimer *t)
{
	struct lab_inst *in = container_of(t, struct lab_inst, timer);
	struct lab_engine *e = in->eng;
	unsigned int nb;

	if (READ_ONCE(e->stopping))
		return HRTIMER_NORESTART;
	nb = lab_catch_up(in, hrtimer_forward_now(t,
						  ns_to_ktime(e->period_ns)));
	if (e->cfg.context == LAB_CTX_IRQ_WORK) {
		/* The irq_work ticks overran: skip a period. */
		if (READ_ONCE(in->iw_overloaded)) {
			WRITE_ONCE(in->iw_overloaded, false);
			lab_dropped(in, nb);
			return HRTIMER_RESTART;
		}
		atomic_add(nb, &in->iw_bursts);
		irq_work_queue(&in->iw);
	} else if (lab_tick(in, nb)) {
		/* Rest a period: the next expiry is a period from now. */
		hrtimer_set_expires(t, ktime_add_ns(ktime_get(),
						    e->period_ns));
		lab_dropped(in, 1);
	}
	return HRTIMER_RESTART;
}

static void lab_irq_work_fn(struct irq_work *w)
{
	struct lab_inst *in = container_of(w, struct lab_inst, iw);
	unsigned int nb = atomic_xchg(&in->iw_bursts, 0);

	if (nb && !READ_ONCE(in->eng->stopping) && lab_tick(in, nb))
		WRITE_ONCE(in->iw_overloaded, true);
}

static int lab_kthread_fn(void *arg)
{
	struct lab_inst *in = arg;
	struct lab_engine *e = in->eng;
	ktime_t next = ktime_get(), now;
	unsigned long flags;
	bool overloaded;

	while (!kthread_should_stop()) {
		overloaded = false;
		if (!READ_ONCE(e->stopping)) {
			spin_lock_irqsave(&in->lock, flags);
			overloaded = lab_tick(in, 1);
			spin_unlock_irqrestore(&in->lock, flags);
		}
		/*
		 * A deadline in the past makes the sleep return at once, so
		 * a late wakeup is made up by the next ticks; a tick that
		 * itself took a period (the CPU cannot keep up), or a
		 * backlog of more than a second, is not.
		 */
		next = ktime_add_ns(next, e->period_ns);
		now = ktime_get();
		if (overloaded ||
		    ktime_before(ktime_add_ns(next, NSEC_PER_SEC), now)) {
			if (ktime_before(next, now))
				lab_dropped(in, div64_u64(ktime_to_ns(
					ktime_sub(now, next)), e->period_ns) + 1);
			next = ktime_add_ns(now, e->period_ns);
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

static int lab_validate_start(struct lab_start *cmd)
{
	if (cmd->flags & ~LAB_START_F_ALL)
		return -EOPNOTSUPP;
	if (cmd->context >= LAB_CTX_COUNT || cmd->policy >= LAB_POLICY_COUNT ||
	    cmd->shred >= LAB_SHRED_COUNT || (cmd->gfp & ~LAB_GFP_ALL))
		return -EOPNOTSUPP;
	if ((cmd->gfp & LAB_GFP_MEMALLOC) &&
	    !(cmd->flags & LAB_START_F_ALLOW_MEMALLOC))
		return -EPERM;
	if (!cmd->burst)
		cmd->burst = 1;
	if (cmd->order > LAB_ORDER_MAX || cmd->burst > LAB_BURST_MAX ||
	    !cmd->rate || cmd->rate > LAB_RATE_MAX)
		return -ERANGE;
	if (div64_u64((u64)cmd->burst * NSEC_PER_SEC, cmd->rate) <
	    LAB_PERIOD_MIN_NS)
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
	if (cmd->cpu_mask_words > BITS_TO_LONGS(nr_cpu_ids) + 16 ||
	    (!cmd->cpu_mask_uptr != !cmd->cpu_mask_words))
		return -EINVAL;
	return 0;
}

static int lab_read_cpus(struct lab_start *cmd, struct cpumask *mask)
{
	u64 __user *up = u64_to_user_ptr(cmd->cpu_mask_uptr);
	u32 w;
	int b;

	cpumask_clear(mask);
	if (!cmd->cpu_mask_words) {
		cpumask_copy(mask, cpu_online_mask);
		return 0;
	}
	for (w = 0; w < cmd->cpu_mask_words; w++) {
		u64 word;

		if (get_user(word, up + w))
			return -EFAULT;
		for (b = 0; b < 64; b++) {
			unsigned int cpu = w * 64 + b;

			if (!(word & BIT_ULL(b)))
				continue;
			if (cpu < nr_cpu_ids && cpu_online(cpu))
				cpumask_set_cpu(cpu, mask);
		}
	}
	return cpumask_empty(mask) ? -EINVAL : 0;
}

static void lab_engine_free(struct lab_engine *e)
{
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
	INIT_LIST_HEAD(&in->held);
	in->rng = get_random_u64() | 1;
	if (e->cfg.policy == LAB_POLICY_DRAIN)
		return 0;
	/* Pages in flight: rate * hold, plus catch-up bursts and slack. */
	ring = div64_u64(e->cfg.rate * div_u64(e->cfg.hold_ns, 1000),
			 USEC_PER_SEC) +
	       (max(8U, LAB_CATCH_UP_ALLOCS / e->cfg.burst) + 1ULL) *
	       e->cfg.burst + 16;
	ring = min(ring, div_u64(e->cfg.held_cap, 1U << e->cfg.order) + 1);
	in->ring_cap = (u32)min_t(u64, ring, 1U << 24);
	in->ring = kvcalloc(in->ring_cap, sizeof(*in->ring), GFP_KERNEL);
	return in->ring ? 0 : -ENOMEM;
}

int lab_engine_start(struct file *file, struct lab_start *cmd)
{
	struct lab_engine *e;
	unsigned int ncpus;
	int cpu, ret;
	u32 id;

	ret = lab_validate_start(cmd);
	if (ret)
		return ret;
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&e->cpus, GFP_KERNEL)) {
		kfree(e);
		return -ENOMEM;
	}
	e->cfg = *cmd;
	e->file = (cmd->flags & LAB_START_F_DETACH) ? NULL : file;
	e->period_ns = div64_u64((u64)cmd->burst * NSEC_PER_SEC, cmd->rate);
	atomic64_set(&e->failures, 0);
	atomic64_set(&e->held, 0);
	INIT_WORK(&e->stop_work, lab_stop_work_fn);
	INIT_DELAYED_WORK(&e->watchdog, lab_watchdog_fn);
	e->inst = alloc_percpu(struct lab_inst);
	if (!e->inst) {
		ret = -ENOMEM;
		goto err_free;
	}

	mutex_lock(&lab_mutex);
	/*
	 * Arm the kretprobe before cpus_read_lock(): enable_kprobe() takes
	 * kprobe_mutex, which nests cpu_hotplug_lock inside it (lockdep).
	 */
	lab_kprobe_get();
	e->kprobe_ref = true;
	cpus_read_lock();
	ret = lab_read_cpus(cmd, e->cpus);
	if (ret)
		goto err_unlock;
	ncpus = cpumask_weight(e->cpus);
	for_each_cpu(cpu, e->cpus) {
		ret = lab_inst_init(e, per_cpu_ptr(e->inst, cpu), cpu);
		if (ret)
			goto err_unlock;
	}
	if (lab_nr_engines >= LAB_MAX_ENGINES) {
		ret = -EBUSY;
		goto err_unlock;
	}
	ret = xa_alloc_cyclic(&lab_engines, &id, e, XA_LIMIT(1, INT_MAX),
			      &lab_engine_next, GFP_KERNEL);
	if (ret < 0)
		goto err_unlock;
	lab_nr_engines++;
	e->id = id;
	e->owner = LAB_OWNER_ENGINE(id);
	e->state = LAB_STATE_RUNNING;
	e->start_ns = ktime_get_ns();

	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

		switch (cmd->context) {
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
			in->thread = kthread_create_on_cpu(lab_kthread_fn, in,
							   cpu, "labyrinth/%u");
			if (IS_ERR(in->thread)) {
				in->thread = NULL;
				lab_request_stop(e, LAB_STOP_IOCTL);
				break;
			}
			/* Like a threaded IRQ handler: on time, ahead of
			 * the load it competes with.
			 */
			sched_set_fifo_low(in->thread);
			wake_up_process(in->thread);
			break;
		}
	}
	cpus_read_unlock();
	schedule_delayed_work(&e->watchdog,
			      msecs_to_jiffies(cmd->watchdog_ms));
	cmd->engine_id = id;
	cmd->nr_cpus = ncpus;
	mutex_unlock(&lab_mutex);
	return 0;

err_unlock:
	cpus_read_unlock();
	lab_kprobe_put();
	mutex_unlock(&lab_mutex);
err_free:
	lab_engine_free(e);
	return ret;
}

/* ---- stop -------------------------------------------------------------- */

static u64 lab_inst_release(struct lab_inst *in)
{
	u64 freed = 0, pages = 1UL << in->eng->cfg.order;
	struct page *page, *tmp;
	unsigned int n = 0;

	while (in->ring_count) {
		lab_ring_pop(in);
		freed += pages;
		if (!(++n % 256))
			cond_resched();
	}
	list_for_each_entry_safe(page, tmp, &in->held, lru) {
		list_del(&page->lru);
		lab_put_page(in, page);
		freed += pages;
		if (!(++n % 256))
			cond_resched();
	}
	return freed;
}

/* Called with lab_mutex held. Returns the pages freed. */
static u64 lab_engine_stop_locked(struct lab_engine *e, int reason)
{
	u64 freed = 0;
	int cpu;

	if (e->state == LAB_STATE_STOPPED)
		return 0;
	cmpxchg(&e->stop_reason, LAB_STOP_NONE, reason);
	WRITE_ONCE(e->stopping, true);
	e->state = LAB_STATE_STOPPING;
	for_each_cpu(cpu, e->cpus) {
		struct lab_inst *in = per_cpu_ptr(e->inst, cpu);

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
	}
	/* Every callback has finished: the held pages are ours alone. */
	for_each_cpu(cpu, e->cpus)
		freed += lab_inst_release(per_cpu_ptr(e->inst, cpu));
	e->stop_ns = ktime_get_ns();
	e->state = LAB_STATE_STOPPED;
	if (e->kprobe_ref) {
		lab_kprobe_put();
		e->kprobe_ref = false;
	}
	return freed;
}

static void lab_stop_work_fn(struct work_struct *w)
{
	struct lab_engine *e = container_of(w, struct lab_engine, stop_work);

	mutex_lock(&lab_mutex);
	lab_engine_stop_locked(e, LAB_STOP_IOCTL);
	mutex_unlock(&lab_mutex);
}

static void lab_watchdog_fn(struct work_struct *w)
{
	struct lab_engine *e = container_of(to_delayed_work(w),
					    struct lab_engine, watchdog);

	mutex_lock(&lab_mutex);
	lab_engine_stop_locked(e, LAB_STOP_WATCHDOG);
	mutex_unlock(&lab_mutex);
}

/*
 * Stop and forget engines. The caller has taken them out of the xarray
 * under lab_mutex and dropped it: the works may still be running and take
 * lab_mutex themselves, and find the engine stopped.
 */
static void lab_engine_destroy(struct lab_engine *e)
{
	cancel_work_sync(&e->stop_work);
	cancel_delayed_work_sync(&e->watchdog);
	lab_engine_free(e);
}

int lab_engine_stop_ioctl(struct lab_stop *cmd)
{
	struct lab_engine *e;

	if (cmd->flags & ~LAB_STOP_F_ALL || cmd->__reserved)
		return -EOPNOTSUPP;
	mutex_lock(&lab_mutex);
	e = xa_load(&lab_engines, cmd->engine_id);
	if (!e) {
		mutex_unlock(&lab_mutex);
		return -ENOENT;
	}
	cmd->freed_pages = lab_engine_stop_locked(e, LAB_STOP_IOCTL);
	if (cmd->flags & LAB_STOP_F_RELEASE) {
		xa_erase(&lab_engines, e->id);
		lab_nr_engines--;
	} else {
		e = NULL;
	}
	mutex_unlock(&lab_mutex);
	if (e)
		lab_engine_destroy(e);
	return 0;
}

static void lab_release_where(struct file *file, bool all, int reason)
{
	struct lab_engine *e;
	unsigned long id;
	LIST_HEAD(gone);
	struct {
		struct list_head node;
		struct lab_engine *e;
	} *g, *tmp;

	mutex_lock(&lab_mutex);
	xa_for_each(&lab_engines, id, e) {
		if (!all && e->file != file)
			continue;
		lab_engine_stop_locked(e, reason);
		g = kmalloc(sizeof(*g), GFP_KERNEL | __GFP_NOFAIL);
		g->e = e;
		list_add(&g->node, &gone);
		xa_erase(&lab_engines, id);
		lab_nr_engines--;
	}
	mutex_unlock(&lab_mutex);
	list_for_each_entry_safe(g, tmp, &gone, node) {
		lab_engine_destroy(g->e);
		kfree(g);
	}
}

void lab_engines_release_file(struct file *file)
{
	lab_release_where(file, false, LAB_STOP_CLOSE);
}

void lab_engines_exit(void)
{
	lab_release_where(NULL, true, LAB_STOP_UNLOAD);
}

/* ---- stats ------------------------------------------------------------- */

static void lab_counters_add(struct lab_counters *t,
			     const struct lab_counters *c)
{
	const struct lab_snapshot *s = &c->first_failure;
	int i;

	/*
	 * Stats are read while engines run. lab_tick() counts an attempt
	 * before its outcome; reading the outcomes first and the attempts
	 * after a read barrier means a live read never shows more outcomes
	 * than attempts (a report validator rejects that, rightly).
	 */
	t->successes += READ_ONCE(c->successes);
	t->fail_genuine += READ_ONCE(c->fail_genuine);
	t->fail_injected_private += READ_ONCE(c->fail_injected_private);
	t->fail_injected_kernel += READ_ONCE(c->fail_injected_kernel);
	/* Pairs with smp_wmb() after the attempt count in lab_tick(). */
	smp_rmb();
	t->attempts += READ_ONCE(c->attempts);
	t->frees += c->frees;
	t->held_now += c->held_now;
	t->held_peak += c->held_peak;
	t->violation_non_owner += c->violation_non_owner;
	t->violation_double_free += c->violation_double_free;
	t->violation_unknown += c->violation_unknown;
	t->cap_hits += c->cap_hits;
	for (i = 0; i < LAB_HIST_BUCKETS; i++)
		t->latency_hist[i] += c->latency_hist[i];
	t->bursts_dropped += c->bursts_dropped;
	if (s->time_ns && (!t->first_failure.time_ns ||
			   s->time_ns < t->first_failure.time_ns))
		t->first_failure = *s;
}

/* A consistent-enough copy of one instance's counters. */
static void lab_inst_read(struct lab_inst *in, struct lab_counters *c)
{
	/* Pairs with the release in lab_snapshot(): fields before time. */
	u64 t = smp_load_acquire(&in->c.first_failure.time_ns);

	memcpy(c, &in->c, sizeof(*c));
	if (!t)
		memset(&c->first_failure, 0, sizeof(c->first_failure));
	else
		c->first_failure.time_ns = t;
}

int lab_engine_stats(struct lab_stats *cmd)
{
	struct lab_cpu_stats __user *ucs = u64_to_user_ptr(cmd->cpu_stats_uptr);
	struct lab_engine *e = NULL;
	struct lab_cpu_stats *cs;
	u32 usz = cmd->cpu_stats_size;
	int cpu, ret = 0;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->nr_cpus && (!cmd->cpu_stats_uptr ||
			     usz < offsetofend(struct lab_cpu_stats, flags)))
		return -EINVAL;
	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	memset(&cmd->total, 0, sizeof(cmd->total));

	mutex_lock(&lab_mutex);
	if (cmd->engine_id != LAB_ENGINE_ALLOCATOR) {
		e = xa_load(&lab_engines, cmd->engine_id);
		if (!e) {
			ret = -ENOENT;
			goto out;
		}
		cmd->state = e->state;
		cmd->stop_reason = READ_ONCE(e->stop_reason);
		cmd->context = e->cfg.context;
		cmd->start_ns = e->start_ns;
		cmd->stop_ns = e->stop_ns;
	} else {
		cmd->state = LAB_STATE_RUNNING;
		cmd->stop_reason = LAB_STOP_NONE;
		cmd->context = 0;
		cmd->start_ns = lab_load_ns;
		cmd->stop_ns = 0;
	}
	for_each_possible_cpu(cpu) {
		memset(cs, 0, sizeof(*cs));
		cs->cpu = cpu;
		if (!e) {
			lab_alloc_read(cpu, &cs->c);
		} else if (cpumask_test_cpu(cpu, e->cpus)) {
			cs->flags = LAB_CPU_F_ENGINE;
			lab_inst_read(per_cpu_ptr(e->inst, cpu), &cs->c);
		}
		lab_counters_add(&cmd->total, &cs->c);
		if (cpu < cmd->nr_cpus &&
		    copy_to_user((u8 __user *)ucs + (size_t)cpu * usz, cs,
				 min_t(size_t, usz, sizeof(*cs)))) {
			ret = -EFAULT;
			goto out;
		}
	}
	if (!e && (s64)cmd->total.held_now < 0)
		cmd->total.held_now = 0;
	cmd->nr_cpus = nr_cpu_ids;
out:
	mutex_unlock(&lab_mutex);
	kfree(cs);
	return ret;
}
