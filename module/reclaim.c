// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: held pages that yield to direct reclaim
 * (LAB_START_F_YIELD_TO_RECLAIM).
 *
 * Why. An engine that holds the reserve exhausted holds pages nothing else
 * can reclaim. GFP_ATOMIC fails below about 3/8 of the min watermark, but
 * every allocation that may sleep (a page fault, GFP_KERNEL, the 9p
 * root's GFP_NOFS) needs the zone above min. A guest with nothing else to
 * reclaim (no swap, no page cache to speak of) then sends every such
 * allocation to the OOM killer: the ballast, the shell, then "System is
 * deadlocked on memory", within seconds. A driver author's question ("what
 * does my driver do while GFP_ATOMIC fails?") needs the reserve exhausted
 * for longer than that, and a live machine.
 *
 * How (checked against mm/vmscan.c and mm/page_alloc.c of 6.1 and 6.12;
 * 6.12's shrinker core is mm/shrinker.c):
 *
 *  - A task whose allocation fails enters direct reclaim
 *    (__alloc_pages_direct_reclaim -> try_to_free_pages -> shrink_node),
 *    which calls every shrinker through shrink_slab(). If reclaim made no
 *    progress it returns at once, without trying the allocation again;
 *    progress is the pages the LRU scan freed plus what shrinkers
 *    credited to current->reclaim_state (6.1: ->reclaimed_slab, added in
 *    shrink_node(); 6.4+: mm_account_reclaimed_pages(), added by
 *    flush_reclaim_state() for global reclaim). With progress it tries the
 *    allocation, drains the per-CPU lists (where pages freed here sit
 *    first) and tries once more. If that still fails and free plus
 *    reclaimable pages are below min, should_reclaim_retry() says no and
 *    the OOM killer runs: so the pages must be there when reclaim ends.
 *
 *  - So this shrinker, called from a task in direct reclaim, gives back
 *    enough of the engines' held pages to bring the zone the request can
 *    use to its low watermark plus the lowmem reserve that request needs
 *    and the highatomic reserve (what __zone_watermark_ok() subtracts),
 *    shredding each first, and credits them as reclaimed. Low, not min:
 *    the engines take pages back at their rate meanwhile, and the task
 *    must still find its page when reclaim returns; above low, the
 *    allocations after it take the fast path too.
 *
 *  - Never to kswapd (count 0, scan SHRINK_STOP under current_is_kswapd()):
 *    kswapd balances to the high watermark and would give the reserve
 *    back every time. It fails instead, and after MAX_RECLAIM_RETRIES
 *    failures it stops trying and leaves the node to direct reclaim
 *    (which is also what lets throttle_direct_reclaim() through: it holds
 *    tasks back while free is below half of min, until kswapd has given
 *    up).
 *
 *  - Nothing else: memcg reclaim never calls a shrinker that is not
 *    memcg-aware, and a caller with no shortfall (drop_caches) gets 0.
 *
 *  - Not NUMA-aware: the shortfall is that of the reclaiming task's node.
 *
 * The engines take the pages back on their next ticks, at their rate; the
 * reserve is exhausted again a few milliseconds later. What was given back
 * is counted per engine and CPU (lab_counters.reclaim_pages, _calls) and
 * in the series (lab_sample.reclaim_pages, _calls).
 *
 * Locks. lab_reclaim_mutex guards the list of yielding engines, and a
 * scan holds it for its whole walk, so an engine's stop, which takes the
 * engine off the list first (lab_reclaim_del() in lab_engine_stop()),
 * waits for a running scan and is never touched by a later one: the
 * engine and its per-CPU lists stay valid while a scan uses them. Nothing
 * allocates memory under lab_reclaim_mutex (the add and the del only link
 * and unlink), so taking it inside reclaim cannot recurse into reclaim.
 * Each CPU's list of held blocks is guarded by its raw held_lock: the
 * instance's tick takes it once per tick to publish its new blocks (in
 * hard IRQ, softirq or with IRQs off in kthread-atomic), and the scan
 * takes it, IRQs off, to detach at most LAB_RECLAIM_BATCH blocks at a
 * time; claims, shreds and frees run with no lock held. On the tick's own
 * CPU the lock is uncontended (the scan holds it with IRQs off, so the
 * tick cannot interrupt it); on another CPU a tick waits at most one
 * batch of list moves. Raw: the tick's hard-IRQ context allows no
 * sleeping lock, even on PREEMPT_RT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/sched.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

#include "engine.h"

/* Blocks detached from a CPU's list per critical section. */
#define LAB_RECLAIM_BATCH	64

static DEFINE_MUTEX(lab_reclaim_mutex);
static LIST_HEAD(lab_reclaim_list);	/* yielding engines */
static atomic64_t lab_reclaim_pages_total = ATOMIC64_INIT(0);
static atomic64_t lab_reclaim_calls_total = ATOMIC64_INIT(0);

void lab_reclaim_add(struct lab_engine *e)
{
	mutex_lock(&lab_reclaim_mutex);
	list_add_tail(&e->reclaim_node, &lab_reclaim_list);
	mutex_unlock(&lab_reclaim_mutex);
}

/* Idempotent: a second stop of the engine finds it off the list. */
void lab_reclaim_del(struct lab_engine *e)
{
	mutex_lock(&lab_reclaim_mutex);
	list_del_init(&e->reclaim_node);
	mutex_unlock(&lab_reclaim_mutex);
}

void lab_reclaim_totals(u64 *pages, u64 *calls)
{
	*pages = atomic64_read(&lab_reclaim_pages_total);
	*calls = atomic64_read(&lab_reclaim_calls_total);
}

/*
 * The pages a task reclaiming for @gfp lacks: 0 when a zone it may use
 * is above its low watermark plus the reserves __zone_watermark_ok()
 * keeps from such a request, else what the highest such zone (where the
 * engines' GFP_ATOMIC pages come from first) lacks.
 */
static unsigned long lab_reclaim_need(gfp_t gfp)
{
	struct pglist_data *pgdat = NODE_DATA(numa_node_id());
	int high = gfp_zone(gfp), i;
	unsigned long need = 0;

	for (i = high; i >= 0; i--) {
		struct zone *z = &pgdat->node_zones[i];
		unsigned long free, want;

		if (!managed_zone(z))
			continue;
		free = zone_page_state_snapshot(z, NR_FREE_PAGES);
		want = low_wmark_pages(z) + z->lowmem_reserve[high] +
		       READ_ONCE(z->nr_reserved_highatomic);
		if (free > want)
			return 0;
		if (!need)
			need = want - free;
	}
	return need;
}

/* Put blocks the allocator refused back where they were (held). */
static void lab_inst_unyield(struct lab_inst *in, struct list_head *refused,
			     u64 pages)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&in->held_lock, flags);
	list_splice_tail(refused, &in->held);
	atomic_long_add(pages, &in->list_pages);
	raw_spin_unlock_irqrestore(&in->held_lock, flags);
}

/*
 * Give back up to @want pages (whole blocks, so possibly a block more)
 * of one CPU's held blocks: detach a batch under held_lock, then claim,
 * shred and free it with no lock held. Returns the pages given back.
 * A block the allocator refuses (a bug: it was ours) goes back on the
 * list, still counted as held; the engine's stop counts the refusal.
 */
static u64 lab_inst_yield(struct lab_inst *in, u64 want)
{
	struct lab_engine *e = in->eng;
	u64 pages = 1ULL << e->cfg.order, done = 0, blocks = 0, bad = 0;
	struct page *page, *tmp;
	unsigned long flags;
	unsigned int n, order;
	LIST_HEAD(batch);
	LIST_HEAD(refused);

	while (done < want) {
		n = 0;
		raw_spin_lock_irqsave(&in->held_lock, flags);
		list_for_each_entry_safe(page, tmp, &in->held, lru) {
			list_move_tail(&page->lru, &batch);
			if (++n == LAB_RECLAIM_BATCH || done + n * pages >= want)
				break;
		}
		atomic_long_sub(n * pages, &in->list_pages);
		raw_spin_unlock_irqrestore(&in->held_lock, flags);
		if (!n)
			break;
		list_for_each_entry_safe(page, tmp, &batch, lru) {
			list_del(&page->lru);
			if (lab_claim(e->owner, page, *(u64 *)page_address(page),
				      &order)) {
				pr_warn_once("a held block was refused to the shrinker\n");
				list_add_tail(&page->lru, &refused);
				bad += pages;
				continue;
			}
			lab_give_back(page, order, e->cfg.shred);
			atomic_long_sub(pages, &in->held_pages);
			atomic64_sub(pages, &e->held);
			done += pages;
			blocks++;
		}
		if (bad)
			break;
		cond_resched();
	}
	if (bad)
		lab_inst_unyield(in, &refused, bad);
	if (blocks) {
		/* Single writer: lab_reclaim_mutex is held. */
		WRITE_ONCE(in->c.reclaim_pages, in->c.reclaim_pages + done);
		WRITE_ONCE(in->c.reclaim_calls, in->c.reclaim_calls + 1);
		/* Pairs with smp_load_acquire() in lab_inst_read(). */
		smp_store_release(&in->reclaim_frees,
				  in->reclaim_frees + blocks);
	}
	return done;
}

/*
 * The two kernels this builds against, told apart by what their headers
 * define rather than by version numbers: 6.7 brought shrinker_alloc()
 * (and SHRINKER_ALLOCATED with it), after 6.4 had turned
 * reclaim_state->reclaimed_slab into mm_account_reclaimed_pages(). 6.1
 * has neither; 6.4 to 6.6 are not supported.
 */
#ifdef SHRINKER_ALLOCATED
#define LAB_SHRINKER_ALLOC	1
#else
#define LAB_SHRINKER_ALLOC	0
#endif

/* Credit pages freed outside the LRU to the task's reclaim. */
static void lab_account_reclaimed(unsigned long pages)
{
#if LAB_SHRINKER_ALLOC
	mm_account_reclaimed_pages(pages);
#else
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
#endif
}

static unsigned long lab_reclaim_count(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long n = 0;
	struct lab_engine *e;
	int cpu;

	if (current_is_kswapd() || list_empty_careful(&lab_reclaim_list) ||
	    !lab_reclaim_need(sc->gfp_mask))
		return 0;
	mutex_lock(&lab_reclaim_mutex);
	list_for_each_entry(e, &lab_reclaim_list, reclaim_node)
		for_each_cpu(cpu, e->cpus)
			n += atomic_long_read(&per_cpu_ptr(e->inst,
							   cpu)->list_pages);
	mutex_unlock(&lab_reclaim_mutex);
	return n;
}

/*
 * One call gives back the whole shortfall, whatever nr_to_scan says
 * (the shrinker's batch is 1, so that the core calls it even for a
 * few pages), and reports it as scanned; the core's next call finds no
 * shortfall and gets SHRINK_STOP.
 */
static unsigned long lab_reclaim_scan(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long need, freed = 0;
	struct lab_engine *e;
	int cpu;

	if (current_is_kswapd())
		return SHRINK_STOP;
	mutex_lock(&lab_reclaim_mutex);
	need = lab_reclaim_need(sc->gfp_mask);
	list_for_each_entry(e, &lab_reclaim_list, reclaim_node) {
		for_each_cpu(cpu, e->cpus) {
			if (freed >= need)
				goto done;
			freed += lab_inst_yield(per_cpu_ptr(e->inst, cpu),
						need - freed);
		}
	}
done:
	mutex_unlock(&lab_reclaim_mutex);
	if (!freed)
		return SHRINK_STOP;
	atomic64_add(freed, &lab_reclaim_pages_total);
	atomic64_inc(&lab_reclaim_calls_total);
	lab_account_reclaimed(freed);
	sc->nr_scanned = freed;
	return freed;
}

#if LAB_SHRINKER_ALLOC
static struct shrinker *lab_shrinker;

static int lab_shrinker_register(void)
{
	lab_shrinker = shrinker_alloc(0, "labyrinth");
	if (!lab_shrinker)
		return -ENOMEM;
	lab_shrinker->count_objects = lab_reclaim_count;
	lab_shrinker->scan_objects = lab_reclaim_scan;
	/* seeks 0: the core asks for half of what count says at every
	 * priority (not count >> priority), batch 1: even for one page
	 */
	lab_shrinker->seeks = 0;
	lab_shrinker->batch = 1;
	shrinker_register(lab_shrinker);
	return 0;
}

static void lab_shrinker_unregister(void)
{
	shrinker_free(lab_shrinker);	/* waits for running calls */
	lab_shrinker = NULL;
}
#else
static struct shrinker lab_shrinker_s = {
	.count_objects = lab_reclaim_count,
	.scan_objects = lab_reclaim_scan,
	.seeks = 0,
	.batch = 1,
};
static struct shrinker *lab_shrinker;

static int lab_shrinker_register(void)
{
	int ret = register_shrinker(&lab_shrinker_s, "labyrinth");

	if (!ret)
		lab_shrinker = &lab_shrinker_s;
	return ret;
}

static void lab_shrinker_unregister(void)
{
	unregister_shrinker(&lab_shrinker_s);	/* waits for running calls */
	lab_shrinker = NULL;
}
#endif

bool lab_reclaim_available(void)
{
	return lab_shrinker != NULL;
}

/* Not fatal: without it, LAB_FEAT_YIELD_TO_RECLAIM is clear. */
int lab_reclaim_init(void)
{
	int ret = lab_shrinker_register();

	if (ret)
		pr_warn("no shrinker (%d): engines cannot yield to reclaim\n",
			ret);
	return 0;
}

/* After every engine stopped: nothing is on the list. */
void lab_reclaim_exit(void)
{
	if (lab_shrinker)
		lab_shrinker_unregister();
}
