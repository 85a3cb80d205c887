// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: the exclusive atomic allocator.
 *
 * Ownership record: the page itself. While a page is ours, the page
 * allocator leaves page->index and page->private to the owner (drivers
 * use them the same way), so we keep the owner handle in page->index and
 * a keyed tag of (page, owner, order) in page->private. No table, no lock,
 * no cache line shared between CPUs: allocation and free cost a multiply
 * or two on a struct page the caller touches anyway, from any context on
 * every CPU at once. A free claims the page with a cmpxchg on the tag, so
 * two racing frees of one page cannot both succeed.
 *
 * The tag is a keyed mix with a key drawn from the CRNG at load: a page
 * this allocator never handed out matches with probability 2^-59. It is
 * a bug catcher for trusted kernel callers, not a security boundary.
 *
 * The page allocator clears page->private and page->index as a page is
 * freed, so nothing in the page remembers that we freed it; but a free
 * page has a zero refcount. A refused free of a page that is free is a
 * double free; of a page in use (by anyone, including someone the page
 * allocator handed it to after our free) it is an unknown page.
 *
 * The hot path counts as little as it can: successes on alloc, frees on
 * free, failures by cause; attempts and pages held are derived on read.
 *
 * Failure causes: the private fault attribute is consulted before
 * alloc_pages(), so its failures are known for sure. Failures injected
 * by the kernel's fail_page_alloc look like any NULL; a kretprobe on
 * should_fail_alloc_page() bumps a per-CPU, per-context-level counter
 * whenever it returns true, and a NULL from alloc_pages() during which
 * the counter moved (same CPU, same level, preemption off) was injected.
 * The kretprobe slows every allocation in the system a little, so it is
 * armed only while an engine runs.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/mmzone.h>
#include <linux/vmstat.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/string.h>
#include <linux/preempt.h>
#include <linux/kprobes.h>
#include <linux/fault-inject.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>

#include "lab.h"

#define LAB_TAG_ORDER_MASK	0xfUL

struct lab_alloc_pcpu {
	u64 successes;
	u64 fail_genuine;
	u64 fail_private;
	u64 fail_kernel;
	u64 frees;
	/* pages - 1 of each order > 0 block allocated / freed */
	u64 extra_alloc;
	u64 extra_free;
	u64 v_non_owner;
	u64 v_double_free;
	u64 v_unknown;
};

static DEFINE_PER_CPU(struct lab_alloc_pcpu, lab_pcpu);
static DEFINE_PER_CPU(u64, lab_prng);
/* should_fail_alloc_page() returned true, by context level. */
static DEFINE_PER_CPU(unsigned long [4], lab_kinj);

static u64 lab_key_mul __read_mostly;
static u64 lab_key_xor __read_mostly;

/*
 * Off by default: toggling this kretprobe while other CPUs allocate has
 * crashed 6.1.192 (a call to address 0 from __alloc_pages, seen twice in
 * about eight test-suite runs) and the cause is not found yet. labyrinth
 * run turns it on only when a scenario injects through the kernel's
 * system-wide fail_page_alloc knobs, the only failures it tells apart.
 */
static bool kernel_inject_probe;
module_param(kernel_inject_probe, bool, 0444);
MODULE_PARM_DESC(kernel_inject_probe,
		 "tell fail_page_alloc's failures from genuine ones with a kretprobe on should_fail_alloc_page while engines run (default: off)");

/*
 * Keyed by the struct page's address, not its pfn: without
 * SPARSEMEM_VMEMMAP (the test kernel) page_to_pfn() is a section lookup
 * that would cost more than the rest of the bookkeeping together.
 */
static unsigned long lab_tag(const struct page *page, u64 owner,
			     unsigned int order)
{
	/*
	 * One keyed multiply: the free path reads the owner from
	 * page->index and only needs a page it never handed out to miss.
	 */
	u64 x = ((unsigned long)page ^ owner ^ lab_key_xor) * lab_key_mul;

	x ^= x >> 31;
	return (unsigned long)((x | BIT_ULL(63)) & ~LAB_TAG_ORDER_MASK) | order;
}

#define LAB_GFP(v) (((v) & LAB_GFP_NOWAIT ? GFP_NOWAIT : GFP_ATOMIC) |	\
		    ((v) & LAB_GFP_NOWARN ? __GFP_NOWARN : 0) |		\
		    ((v) & LAB_GFP_MEMALLOC ? __GFP_MEMALLOC : 0))

static const gfp_t lab_gfp_table[LAB_GFP_ALL + 1] = {
	LAB_GFP(0), LAB_GFP(1), LAB_GFP(2), LAB_GFP(3),
	LAB_GFP(4), LAB_GFP(5), LAB_GFP(6), LAB_GFP(7),
};

gfp_t lab_gfp(u32 gfpv)
{
	return lab_gfp_table[gfpv & LAB_GFP_ALL];
}

/* ---- private fault attribute ------------------------------------------ */

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(lab_fail_attr);

static bool lab_should_inject(unsigned int order)
{
	/*
	 * Skip the call while the attribute is idle; fail-nth still works
	 * in task context because it is checked here too.
	 */
	if (likely(!READ_ONCE(lab_fail_attr.probability)) &&
	    !(in_task() && READ_ONCE(current->fail_nth)))
		return false;
	return should_fail(&lab_fail_attr, PAGE_SIZE << order);
}
#else
static bool lab_should_inject(unsigned int order)
{
	return false;
}
#endif

static struct dentry *lab_debugfs;
static bool lab_private_inject;

/* ---- kernel fail_page_alloc recognition --------------------------------- */

#if IS_ENABLED(CONFIG_KRETPROBES) && IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC)
static int lab_kret_handler(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	if ((u8)regs_return_value(regs))
		this_cpu_inc(lab_kinj[interrupt_context_level()]);
	return 0;
}

static struct kretprobe lab_kret = {
	.kp.symbol_name = "should_fail_alloc_page",
	.kp.flags = KPROBE_FLAG_DISABLED,
	.handler = lab_kret_handler,
};
static unsigned int lab_kret_users;
#define LAB_HAVE_KRET 1
#else
#define LAB_HAVE_KRET 0
#endif

static bool lab_kret_registered;
static bool lab_kret_on;
static DEFINE_MUTEX(lab_kret_lock);

void lab_kprobe_get(void)
{
	mutex_lock(&lab_kret_lock);
#if LAB_HAVE_KRET
	if (lab_kret_registered && lab_kret_users++ == 0 &&
	    !enable_kretprobe(&lab_kret))
		WRITE_ONCE(lab_kret_on, true);
#endif
	mutex_unlock(&lab_kret_lock);
}

void lab_kprobe_put(void)
{
	mutex_lock(&lab_kret_lock);
#if LAB_HAVE_KRET
	if (lab_kret_registered && --lab_kret_users == 0 && lab_kret_on) {
		WRITE_ONCE(lab_kret_on, false);
		disable_kretprobe(&lab_kret);
	}
#endif
	mutex_unlock(&lab_kret_lock);
}

bool lab_kprobe_armed(void)
{
	return READ_ONCE(lab_kret_on);
}

/* ---- the allocator ----------------------------------------------------- */

/*
 * alloc_pages() with the kretprobe armed: same CPU, same context level
 * from before the call to after it, so that the per-CPU count of
 * should_fail_alloc_page() saying yes tells whether this call was failed.
 */
static noinline struct page *lab_alloc_probed(gfp_t gfp, unsigned int order,
					      bool *injected)
{
	struct page *page;
	unsigned long kinj;
	unsigned int lvl;

	preempt_disable();
	lvl = interrupt_context_level();
	kinj = __this_cpu_read(lab_kinj[lvl]);
	page = alloc_pages(gfp, order);
	*injected = !page && __this_cpu_read(lab_kinj[lvl]) != kinj;
	preempt_enable();
	return page;
}

struct page *lab_alloc(u64 owner, u32 gfpv, u32 order,
		       enum lab_page_fail *why)
{
	bool injected = false;
	struct page *page;

	if (unlikely(!owner || owner == LAB_OWNER_FREED ||
		     order > LAB_ORDER_MAX || (gfpv & ~LAB_GFP_ALL)))
		return NULL;
	if (unlikely(lab_should_inject(order))) {
		this_cpu_inc(lab_pcpu.fail_private);
		if (why)
			*why = LAB_PAGE_FAIL_INJECTED_PRIVATE;
		return NULL;
	}
	if (unlikely(READ_ONCE(lab_kret_on)))
		page = lab_alloc_probed(lab_gfp_table[gfpv], order,
					&injected);
	else
		page = alloc_pages(lab_gfp_table[gfpv], order);
	if (unlikely(!page)) {
		if (injected)
			this_cpu_inc(lab_pcpu.fail_kernel);
		else
			this_cpu_inc(lab_pcpu.fail_genuine);
		if (why)
			*why = injected ? LAB_PAGE_FAIL_INJECTED_KERNEL :
					  LAB_PAGE_FAIL_GENUINE;
		return NULL;
	}
	page->index = owner;
	page->private = lab_tag(page, owner, order);
	this_cpu_inc(lab_pcpu.successes);
	if (unlikely(order))
		this_cpu_add(lab_pcpu.extra_alloc, (1UL << order) - 1);
	if (why)
		*why = LAB_PAGE_OK;
	return page;
}

struct page *labyrinth_void_alloc_page_gfp_atomic_exclusive(u64 owner,
							     u32 gfp_variant,
							     u32 order)
{
	return lab_alloc(owner, gfp_variant, order, NULL);
}
EXPORT_SYMBOL_GPL(labyrinth_void_alloc_page_gfp_atomic_exclusive);

/*
 * Fast shred: xorshift64 seeded per CPU from the CRNG, mixed with the page
 * so that a nested use of the per-CPU state (an IRQ on top of a softirq
 * engine) still writes different bytes to different pages.
 */
static void lab_prng_fill(struct page *page, size_t len)
{
	u64 *p = page_address(page);
	u64 x = this_cpu_read(lab_prng) ^
		((unsigned long)page * GOLDEN_RATIO_64);
	size_t i;

	if (!x)
		x = GOLDEN_RATIO_64;
	for (i = 0; i < len / sizeof(u64); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	this_cpu_write(lab_prng, x);
}

void lab_shred(struct page *page, unsigned int order, u32 mode)
{
	size_t len = PAGE_SIZE << order;

	switch (mode) {
	case LAB_SHRED_CRYPTO:
		get_random_bytes(page_address(page), len);
		break;
	case LAB_SHRED_FAST:
		lab_prng_fill(page, len);
		break;
	case LAB_SHRED_ZERO:
		memset(page_address(page), 0, len);
		break;
	default:
		break;
	}
}

/*
 * A refused free is the caller's bug, not ours: say it once per kind,
 * without a WARN splat (the VM runner would fail the run on it; the
 * counters are what the tests and the harness look at).
 */
#define lab_violation(ctr, what, owner) do {				\
	this_cpu_inc(ctr);						\
	pr_warn_once("labyrinth: refused free: %s (owner %#llx)\n",	\
		     what, owner);					\
} while (0)

int lab_free(u64 owner, struct page *page, u32 shred)
{
	unsigned long tag, cur;
	unsigned int order;
	u64 holder;

	/*
	 * @page must be a struct page (any page, ours or not), as for
	 * __free_pages(); a pointer that is not one is not checked here
	 * (a pfn_valid() round trip is a section lookup on every free).
	 */
	if (unlikely(!page))
		goto unknown;
	tag = READ_ONCE(page->private);
	order = tag & LAB_TAG_ORDER_MASK;
	holder = READ_ONCE(page->index);
	if (unlikely(order > LAB_ORDER_MAX ||
		     tag != lab_tag(page, holder, order))) {
		if (!page_ref_count(page))
			goto double_free;
		goto unknown;
	}
	if (unlikely(holder != owner)) {
		lab_violation(lab_pcpu.v_non_owner, "not the owner", owner);
		return -EPERM;
	}
	/* Claim it: of two racing frees only one gets past here. */
	cur = cmpxchg(&page->private, tag, 0);
	if (unlikely(cur != tag))
		goto double_free;

	if (shred != LAB_SHRED_NONE)
		lab_shred(page, order, shred);
	/* page->index and ->private: the page allocator resets both. */
	__free_pages(page, order);
	this_cpu_inc(lab_pcpu.frees);
	if (unlikely(order))
		this_cpu_add(lab_pcpu.extra_free, (1UL << order) - 1);
	return 0;

double_free:
	lab_violation(lab_pcpu.v_double_free, "double free", owner);
	return -EALREADY;
unknown:
	lab_violation(lab_pcpu.v_unknown, "page not handed out by labyrinth",
		      owner);
	return -ENOENT;
}

int labyrinth_void_free_page_exclusive(u64 owner, struct page *page,
				       u32 shred)
{
	return lab_free(owner, page, shred);
}
EXPORT_SYMBOL_GPL(labyrinth_void_free_page_exclusive);

/* ---- stats ------------------------------------------------------------- */

void lab_alloc_read(unsigned int cpu, struct lab_counters *c)
{
	const struct lab_alloc_pcpu *p = per_cpu_ptr(&lab_pcpu, cpu);

	c->successes = READ_ONCE(p->successes);
	c->fail_genuine = READ_ONCE(p->fail_genuine);
	c->fail_injected_private = READ_ONCE(p->fail_private);
	c->fail_injected_kernel = READ_ONCE(p->fail_kernel);
	c->attempts = c->successes + c->fail_genuine +
		      c->fail_injected_private + c->fail_injected_kernel;
	c->frees = READ_ONCE(p->frees);
	/* Pages allocated on one CPU and freed on another: per CPU the
	 * balance can be negative (it wraps); only the sum means "held".
	 */
	c->held_now = c->successes + READ_ONCE(p->extra_alloc) - c->frees -
		      READ_ONCE(p->extra_free);
	c->violation_non_owner = READ_ONCE(p->v_non_owner);
	c->violation_double_free = READ_ONCE(p->v_double_free);
	c->violation_unknown = READ_ONCE(p->v_unknown);
}

void lab_zone_state(gfp_t gfp, bool exact, struct lab_zone_state *zs)
{
	struct pglist_data *pgdat = NODE_DATA(numa_node_id());
	struct zone *zone = NULL;
	int i;

	/* The zone the allocation tries first: the highest populated one
	 * it may use on the local node.
	 */
	for (i = gfp_zone(gfp); i >= 0; i--) {
		if (populated_zone(&pgdat->node_zones[i])) {
			zone = &pgdat->node_zones[i];
			break;
		}
	}
	memset(zs, 0, sizeof(*zs));
	zs->global_free = global_zone_page_state(NR_FREE_PAGES);
	if (!zone)
		return;
	zs->free = exact ? zone_page_state_snapshot(zone, NR_FREE_PAGES) :
			   zone_page_state(zone, NR_FREE_PAGES);
	zs->boost = zone->watermark_boost;
	zs->min = min_wmark_pages(zone);
	zs->low = low_wmark_pages(zone);
	zs->high = high_wmark_pages(zone);
	zs->highatomic = zone->nr_reserved_highatomic;
	strscpy((char *)zs->name, zone->name, sizeof(zs->name));
}

void lab_alloc_sum(struct lab_sample *s)
{
	struct lab_zone_state zs;
	struct lab_counters c;
	s64 held = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		lab_alloc_read(cpu, &c);
		s->attempts += c.attempts;
		s->successes += c.successes;
		s->fail_genuine += c.fail_genuine;
		s->fail_injected_private += c.fail_injected_private;
		s->fail_injected_kernel += c.fail_injected_kernel;
		s->frees += c.frees;
		held += (s64)c.held_now;
		s->violations += c.violation_non_owner +
				 c.violation_double_free + c.violation_unknown;
	}
	s->held = held > 0 ? held : 0;
	lab_zone_state(GFP_ATOMIC, true, &zs);
	s->zone_free_pages = zs.free;
	s->wmark_min = zs.min;
	s->wmark_low = zs.low;
	s->wmark_high = zs.high;
	s->nr_reserved_highatomic = zs.highatomic;
	s->global_free_pages = zs.global_free;
	s->watermark_boost = zs.boost;
}

u64 lab_features(void)
{
	u64 f = LAB_FEAT_CTX_HRTIMER | LAB_FEAT_CTX_IRQ_WORK |
		LAB_FEAT_CTX_SOFTIRQ | LAB_FEAT_CTX_KTHREAD_ATOMIC |
		LAB_FEAT_SERIES | LAB_FEAT_BENCH | LAB_FEAT_SHRED_VERIFY |
		LAB_FEAT_DETACH;

	if (lab_private_inject)
		f |= LAB_FEAT_PRIVATE_INJECT;
	if (lab_kret_registered)
		f |= LAB_FEAT_KERNEL_INJECT_COUNT;
	return f;
}

int lab_alloc_init(void)
{
	int cpu;

	lab_key_mul = get_random_u64() | 1;
	lab_key_xor = get_random_u64();
	for_each_possible_cpu(cpu)
		per_cpu(lab_prng, cpu) = get_random_u64() | 1;

#ifdef CONFIG_FAULT_INJECTION
	/* A stack dump per injected failure would flood the console at
	 * spam rates; debugfs labyrinth/verbose turns it back on.
	 */
	lab_fail_attr.verbose = 0;
#endif
#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
	lab_debugfs = fault_create_debugfs_attr(LAB_DEBUGFS_DIR, NULL,
						&lab_fail_attr);
	if (IS_ERR(lab_debugfs)) {
		pr_warn("labyrinth: no private fault attribute (%ld)\n",
			PTR_ERR(lab_debugfs));
		lab_debugfs = NULL;
	} else {
		lab_private_inject = true;
	}
#endif
#if LAB_HAVE_KRET
	if (kernel_inject_probe) {
		lab_kret.maxactive = 64 * num_possible_cpus();
		if (register_kretprobe(&lab_kret))
			pr_warn("labyrinth: no kretprobe on should_fail_alloc_page: kernel-injected failures count as genuine\n");
		else
			lab_kret_registered = true;
	}
#endif
	return 0;
}

void lab_alloc_exit(void)
{
#if LAB_HAVE_KRET
	if (lab_kret_registered)
		unregister_kretprobe(&lab_kret);
#endif
	debugfs_remove_recursive(lab_debugfs);
}
