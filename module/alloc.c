// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: the exclusive atomic allocator.
 *
 * Ownership record: the page itself. While a block is ours, the page
 * allocator leaves page->index and page->private of its first page to
 * the owner (drivers use them the same way), so we keep the owner in
 * page->index and a keyed tag of (struct page address, owner, generation)
 * with the order in its low bits in page->private. No table, no lock, no
 * cache line shared between CPUs: allocation and free cost a few
 * multiplies on a struct page the caller touches anyway, from any context
 * on every CPU at once.
 *
 * Generations: every allocation takes the next value of its CPU's
 * counter; the counters start CPU-number apart (CPU number in the top
 * bits), so a generation is unique machine-wide until one CPU has made
 * 2^(LAB_GEN_BITS - cpu bits) allocations, after which its values run
 * into the next CPU's (documented in labyrinth.h as the wrap bound). The
 * caller's handle is (generation, a 16-bit keyed check of (page,
 * generation)). A free computes the tag the claimed (page, owner,
 * generation) would have and claims the page with one cmpxchg from that
 * tag to 0: a stale generation never equals a live page's tag (for one
 * page and owner, the tag is injective in the generation), and of two
 * racing frees only one sees the tag.
 *
 * A refused free is classified from what the page holds now: the tag the
 * page's current holder (page->index) would have at the claimed
 * generation matches -> the generation is live, the claimant is not its
 * owner (EPERM); else the handle's check matches the page -> a handle we
 * issued for this page, no longer live (EALREADY); else a page or handle
 * we never issued (ENOENT). Classification reads racy values; whatever it
 * reads, nothing is freed.
 *
 * The keys come from the CRNG at load: a made-up claim is accepted with
 * probability about 2^-59. A bug catcher for trusted kernel callers, not
 * a security boundary.
 *
 * struct page fields written: ->index (owner) and ->private (tag) of the
 * first page, at allocation; both are 0 again before __free_pages(), on
 * every path and order (for order >= 4, 6.1 frees without the per-CPU
 * lists, which would otherwise rewrite ->index). Engines also thread held
 * pages on ->lru, which every free path of the page allocator overwrites.
 *
 * Failure causes, decided before alloc_pages() so that none is a guess:
 *  - the private fault attribute (debugfs labyrinth/);
 *  - LAB_INJECT_HOOK, an error-injection point a BPF override() can fail
 *    (called while the inject_hook parameter is set);
 *  - the kernel's own fail_page_alloc attribute, found through its
 *    debugfs files at load: while it is armed the module makes
 *    fail_page_alloc's decision for its own allocation (the kernel's
 *    checks, then the exported should_fail() on the kernel's attribute,
 *    so times/interval/space count down as if the kernel had decided),
 *    and exempts the real call from a second decision with __GFP_HIGHMEM,
 *    which fail_page_alloc ignores (ignore-gfp-highmem, default Y) and
 *    which selects the same zone as no zone bit on a 64-bit kernel.
 *    module/README.md has the reasoning and the limits.
 * A NULL from alloc_pages() after all that is genuine.
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
#include <linux/fault-inject.h>
#include <linux/error-injection.h>
#include <linux/debugfs.h>
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/sched.h>

#include "lab.h"

/* page->private: tag bits, a marker bit that keeps it non-zero, order. */
#define LAB_TAG_ORDER_MASK	0xfUL
#define LAB_TAG_MARK		0x10UL
#define LAB_TAG_LOW		0x1fUL
/* Handle: generation in the top 48 bits, check in the low 16. */
#define LAB_GEN_BITS		48
#define LAB_GEN_MASK		((1ULL << LAB_GEN_BITS) - 1)
#define LAB_CHK_BITS		16
#define LAB_CHK_MASK		((1ULL << LAB_CHK_BITS) - 1)

struct lab_alloc_pcpu {
	/*
	 * This CPU's generation counter (see above). It moves once per
	 * successful allocation, so it also counts them: successes are
	 * gen - gen_base, one per-CPU update fewer on the hot path.
	 */
	u64 gen;
	u64 gen_base;
	u64 fail_genuine;
	u64 fail_private;
	u64 fail_kernel;
	u64 fail_unattributed;
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

static u64 lab_key[3] __read_mostly;

/* ---- tags and handles -------------------------------------------------- */

/*
 * Keyed by the struct page's address, not its pfn: without
 * SPARSEMEM_VMEMMAP (the test kernel) page_to_pfn() is a section lookup
 * that would cost more than the rest of the bookkeeping together.
 * Each step (xor with a key and the owner, multiply by an odd key,
 * xorshift) is a bijection, so for one page the mix is injective in the
 * owner, and the generation, xored in above the low bits, makes the tag
 * injective in the generation for one (page, owner): a stale handle of
 * the same owner can never equal the live tag. One multiply: the free
 * path computes it for every free (TCG charges every extra load).
 */
static __always_inline unsigned long lab_tag(const struct page *page,
					     u64 owner, u64 gen,
					     unsigned int order)
{
	u64 x = ((unsigned long)page ^ owner ^ lab_key[0]) * lab_key[1];

	x ^= x >> 29;
	x ^= gen << LAB_CHK_BITS;
	return (unsigned long)((x & ~LAB_TAG_LOW) | LAB_TAG_MARK | order);
}

static __always_inline u64 lab_chk(const struct page *page, u64 gen)
{
	u64 x = ((unsigned long)page ^ (gen * lab_key[2])) * lab_key[1];

	return x >> (64 - LAB_CHK_BITS);
}

static __always_inline u64 lab_next_gen(void)
{
	/*
	 * this_cpu_inc_return() is one interrupt-safe instruction on x86
	 * (irq-safe everywhere): each counter value is handed out once,
	 * even if the task migrates right after, so no preempt_disable().
	 */
	return this_cpu_inc_return(lab_pcpu.gen) & LAB_GEN_MASK;
}

/* ---- gfp ---------------------------------------------------------------- */

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

/* fail-nth (/proc/self/fail-nth) counts every fault point of the task. */
static __always_inline bool lab_task_fail_nth(void)
{
	return in_task() && READ_ONCE(current->fail_nth);
}

static __always_inline unsigned long lab_private_prob(void)
{
	return READ_ONCE(lab_fail_attr.probability);
}

static bool lab_should_inject(unsigned int order)
{
	/* Skip the call while the attribute is idle. */
	if (likely(!lab_private_prob()) && !lab_task_fail_nth())
		return false;
	return should_fail(&lab_fail_attr, PAGE_SIZE << order);
}
#else
static __always_inline bool lab_task_fail_nth(void)
{
	return false;
}

static __always_inline unsigned long lab_private_prob(void)
{
	return 0;
}

static bool lab_should_inject(unsigned int order)
{
	return false;
}
#endif

static struct dentry *lab_debugfs;
static bool lab_private_inject;

/* ---- the BPF injection point -------------------------------------------- */

/*
 * LAB_INJECT_HOOK: returns false unless a BPF program overrides it. It
 * takes the arguments of should_fail_alloc_page() so that the harness's
 * generated scope programs filter it the same way. __noipa keeps the
 * compiler from assuming its result (it would otherwise drop the call).
 * Called only while inject_hook is set: a call and its return cost an
 * allocation about a third of the raw allocator's time under TCG.
 */
static bool inject_hook;
module_param(inject_hook, bool, 0600);
MODULE_PARM_DESC(inject_hook,
		 "call " LAB_INJECT_HOOK "() before every allocation, for BPF override() programs (default: off; labyrinth run sets it for scope = module:labyrinth)");

__noipa noinline bool labyrinth_should_fail_alloc_page(gfp_t gfp,
						       unsigned int order)
{
	return false;
}
ALLOW_ERROR_INJECTION(labyrinth_should_fail_alloc_page, TRUE);

/* ---- the kernel's fail_page_alloc --------------------------------------- */

enum lab_fpa_verdict { LAB_FPA_EXEMPT, LAB_FPA_INJECT, LAB_FPA_AMBIGUOUS };

/* &lab_fpa.attr->probability once found: the fast path reads it as is. */
static const unsigned long lab_no_prob;
static const unsigned long *lab_fpa_prob __read_mostly = &lab_no_prob;

#if IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) && \
	IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
/*
 * The kernel's fail_page_alloc attribute and its page-allocator knobs,
 * found at load from their debugfs files: for debugfs_create_ul/u32/bool/
 * atomic_t files, the inode's i_private is the address of the value, so
 * container_of() of "probability" is the struct fault_attr, with no
 * layout guess and no kallsyms; the other files of the attribute are
 * cross-checked against it. The attribute is static in the kernel: the
 * pointers stay valid for the module's lifetime.
 */
static struct {
	struct fault_attr *attr;
	const u32 *min_order;
	const bool *ignore_highmem;
	const bool *ignore_reclaim;
	bool exempt_ok;		/* __GFP_HIGHMEM changes no zone choice */
} lab_fpa;

static void *lab_debugfs_data(struct dentry *dir, const char *name)
{
	struct dentry *d = debugfs_lookup(name, dir);
	void *data = NULL;

	if (IS_ERR_OR_NULL(d))
		return NULL;
	if (d_really_is_positive(d))
		data = d_inode(d)->i_private;
	dput(d);
	return data;
}

static void lab_fpa_find(void)
{
	struct dentry *dir = debugfs_lookup("fail_page_alloc", NULL);
	struct fault_attr *attr;
	unsigned long *prob;
	unsigned int v;

	if (IS_ERR_OR_NULL(dir)) {
		pr_info("labyrinth: no fail_page_alloc in debugfs: its injections count as genuine\n");
		return;
	}
	prob = lab_debugfs_data(dir, "probability");
	attr = prob ? container_of(prob, struct fault_attr, probability) :
		      NULL;
	if (!attr ||
	    lab_debugfs_data(dir, "interval") != &attr->interval ||
	    lab_debugfs_data(dir, "times") != &attr->times ||
	    lab_debugfs_data(dir, "space") != &attr->space ||
	    lab_debugfs_data(dir, "verbose") != &attr->verbose ||
	    lab_debugfs_data(dir, "task-filter") != &attr->task_filter) {
		pr_warn("labyrinth: fail_page_alloc's debugfs files are not a fault attribute: its injections count as genuine\n");
		goto out;
	}
	lab_fpa.min_order = lab_debugfs_data(dir, "min-order");
	lab_fpa.ignore_highmem = lab_debugfs_data(dir, "ignore-gfp-highmem");
	lab_fpa.ignore_reclaim = lab_debugfs_data(dir, "ignore-gfp-wait");
	if (!lab_fpa.min_order || !lab_fpa.ignore_highmem ||
	    !lab_fpa.ignore_reclaim) {
		pr_warn("labyrinth: fail_page_alloc lacks min-order/ignore-gfp-*: its injections count as genuine\n");
		goto out;
	}
	/*
	 * The exemption must not change where the page comes from: without
	 * CONFIG_HIGHMEM (every 64-bit kernel) gfp_zone() maps __GFP_HIGHMEM
	 * to ZONE_NORMAL, as it maps no zone bit at all.
	 */
	lab_fpa.exempt_ok = !IS_ENABLED(CONFIG_HIGHMEM);
	for (v = 0; v <= LAB_GFP_ALL; v++)
		if (gfp_zone(lab_gfp_table[v] | __GFP_HIGHMEM) !=
		    gfp_zone(lab_gfp_table[v]))
			lab_fpa.exempt_ok = false;
	if (!lab_fpa.exempt_ok)
		pr_warn("labyrinth: __GFP_HIGHMEM selects another zone here: fail_page_alloc's failures of our allocations count as unattributed\n");
	/* Last: lab_fpa.attr != NULL publishes the rest (init, no race). */
	lab_fpa.attr = attr;
	lab_fpa_prob = &attr->probability;
out:
	dput(dir);
}

static __always_inline bool lab_fpa_armed(void)
{
	return lab_fpa.attr && (READ_ONCE(lab_fpa.attr->probability) ||
				lab_task_fail_nth());
}

/*
 * fail_page_alloc's decision for one of our allocations, as
 * should_fail_alloc_page() makes it (6.1 mm/page_alloc.c, 6.12
 * mm/fail_page_alloc.c): the same checks in the same order, then
 * should_fail() on the kernel's attribute with the same size (pages).
 * Its one difference: should_fail() has no FAULT_NOWARN, so with
 * fail_page_alloc/verbose > 0 the FAULT_INJECTION notice is printed for
 * a __GFP_NOWARN allocation too.
 */
static enum lab_fpa_verdict lab_fpa_decide(gfp_t gfp, unsigned int order)
{
	if (!lab_fpa.exempt_ok || !READ_ONCE(*lab_fpa.ignore_highmem))
		return LAB_FPA_AMBIGUOUS;
	if (order < READ_ONCE(*lab_fpa.min_order) || (gfp & __GFP_NOFAIL))
		return LAB_FPA_EXEMPT;
	if (READ_ONCE(*lab_fpa.ignore_reclaim) &&
	    (gfp & __GFP_DIRECT_RECLAIM))
		return LAB_FPA_EXEMPT;
	return should_fail(lab_fpa.attr, 1 << order) ? LAB_FPA_INJECT :
						       LAB_FPA_EXEMPT;
}

static bool lab_fpa_counted(void)
{
	return lab_fpa.attr && lab_fpa.exempt_ok &&
	       READ_ONCE(*lab_fpa.ignore_highmem);
}
#else
static void lab_fpa_find(void)
{
}

static __always_inline bool lab_fpa_armed(void)
{
	return false;
}

static enum lab_fpa_verdict lab_fpa_decide(gfp_t gfp, unsigned int order)
{
	return LAB_FPA_AMBIGUOUS;
}

static bool lab_fpa_counted(void)
{
	return false;
}
#endif

/*
 * Any injection that may fail this allocation: either attribute's
 * probability, the BPF injection point, or fail-nth of the task.
 * lab_fpa_prob points at the kernel's fail_page_alloc probability, or at
 * a zero without one.
 */
static __always_inline bool lab_inject_maybe(void)
{
	return (READ_ONCE(*lab_fpa_prob) | lab_private_prob() |
		READ_ONCE(inject_hook)) || lab_task_fail_nth();
}

bool lab_inject_armed(void)
{
#ifdef CONFIG_FAULT_INJECTION
	if (READ_ONCE(lab_fail_attr.probability))
		return true;
#endif
	return lab_fpa_armed();
}

/* ---- the allocator ----------------------------------------------------- */

static noinline struct page *lab_alloc_fail(enum lab_page_fail cause,
					    enum lab_page_fail *why)
{
	switch (cause) {
	case LAB_PAGE_FAIL_INJECTED_PRIVATE:
		this_cpu_inc(lab_pcpu.fail_private);
		break;
	case LAB_PAGE_FAIL_INJECTED_KERNEL:
		this_cpu_inc(lab_pcpu.fail_kernel);
		break;
	case LAB_PAGE_FAIL_UNATTRIBUTED:
		this_cpu_inc(lab_pcpu.fail_unattributed);
		break;
	default:
		this_cpu_inc(lab_pcpu.fail_genuine);
		break;
	}
	if (why)
		*why = cause;
	return NULL;
}

/* A new block is ours: owner, tag, handle, counters. Any context. */
static __always_inline struct page *lab_own(struct page *page, u64 owner,
					    unsigned int order, u64 *handle,
					    enum lab_page_fail *why)
{
	u64 gen = lab_next_gen();

	page->index = owner;
	page->private = lab_tag(page, owner, gen, order);
	*handle = gen << LAB_CHK_BITS | lab_chk(page, gen);
	if (unlikely(order))
		this_cpu_add(lab_pcpu.extra_alloc, (1UL << order) - 1);
	if (why)
		*why = LAB_PAGE_OK;
	return page;
}

/*
 * An allocation while some fault injection may be armed: the private
 * attribute, the BPF injection point, then fail_page_alloc's decision
 * made here and the real call exempted from it.
 */
static noinline struct page *lab_alloc_armed(u64 owner, gfp_t gfp,
					     unsigned int order, u64 *handle,
					     enum lab_page_fail *why)
{
	enum lab_page_fail cause = LAB_PAGE_FAIL_GENUINE;
	struct page *page;

	*handle = 0;
	if (lab_should_inject(order))
		return lab_alloc_fail(LAB_PAGE_FAIL_INJECTED_PRIVATE, why);
	if (READ_ONCE(inject_hook) &&
	    labyrinth_should_fail_alloc_page(gfp, order))
		return lab_alloc_fail(LAB_PAGE_FAIL_INJECTED_KERNEL, why);
	if (lab_fpa_armed()) {
		switch (lab_fpa_decide(gfp, order)) {
		case LAB_FPA_INJECT:
			return lab_alloc_fail(LAB_PAGE_FAIL_INJECTED_KERNEL,
					      why);
		case LAB_FPA_EXEMPT:
			gfp |= __GFP_HIGHMEM;
			break;
		case LAB_FPA_AMBIGUOUS:
			cause = LAB_PAGE_FAIL_UNATTRIBUTED;
			break;
		}
	}
	page = alloc_pages(gfp, order);
	if (unlikely(!page))
		return lab_alloc_fail(cause, why);
	return lab_own(page, owner, order, handle, why);
}

/*
 * The allocation; the callers have checked owner, gfpv and order (the
 * exported function for other drivers, the ioctls and engines for
 * theirs). Any context. The path with nothing armed is the one `make
 * bench` measures: one test of every injection source, alloc_pages().
 */
struct page *lab_alloc(u64 owner, u32 gfpv, u32 order, u64 *handle,
		       enum lab_page_fail *why)
{
	gfp_t gfp = lab_gfp_table[gfpv & LAB_GFP_ALL];
	struct page *page;

	if (unlikely(lab_inject_maybe()))
		return lab_alloc_armed(owner, gfp, order, handle, why);
	page = alloc_pages(gfp, order);
	if (unlikely(!page)) {
		*handle = 0;
		return lab_alloc_fail(LAB_PAGE_FAIL_GENUINE, why);
	}
	return lab_own(page, owner, order, handle, why);
}

bool lab_owner_valid(u64 owner)
{
	return owner && (owner < LAB_OWNER_RESERVED_MIN ||
			 owner > LAB_OWNER_RESERVED_MAX);
}

struct page *labyrinth_void_alloc_page_gfp_atomic_exclusive(u64 owner,
							     u32 gfp_variant,
							     u32 order,
							     u64 *handle)
{
	*handle = 0;
	if (unlikely(!lab_owner_valid(owner) || order > LAB_ORDER_MAX ||
		     (gfp_variant & ~LAB_GFP_ALL)))
		return NULL;
	return lab_alloc(owner, gfp_variant, order, handle, NULL);
}
EXPORT_SYMBOL_GPL(labyrinth_void_alloc_page_gfp_atomic_exclusive);

/*
 * Fast shred: xorshift64 seeded per CPU from the CRNG, mixed with the page
 * so that a nested use of the per-CPU state (an IRQ on top of a softirq
 * engine, or a migration of the deferred-shred worker) still writes
 * different bytes to different pages.
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
void lab_count_refusal(int err, u64 owner)
{
	switch (err) {
	case -EPERM:
		this_cpu_inc(lab_pcpu.v_non_owner);
		pr_warn_once("labyrinth: refused free: not the owner (owner %#llx)\n",
			     owner);
		break;
	case -EALREADY:
		this_cpu_inc(lab_pcpu.v_double_free);
		pr_warn_once("labyrinth: refused free: freed already (owner %#llx)\n",
			     owner);
		break;
	default:
		this_cpu_inc(lab_pcpu.v_unknown);
		pr_warn_once("labyrinth: refused free: page or handle not handed out by labyrinth (owner %#llx)\n",
			     owner);
		break;
	}
}

static noinline int lab_refused(u64 owner, struct page *page, u64 handle)
{
	u64 gen = handle >> LAB_CHK_BITS, holder;
	unsigned long tag;
	int err = -ENOENT;

	if (!page)
		goto out;
	tag = READ_ONCE(page->private);
	holder = READ_ONCE(page->index);
	if ((tag & LAB_TAG_ORDER_MASK) <= LAB_ORDER_MAX && holder != owner &&
	    tag == lab_tag(page, holder, gen, tag & LAB_TAG_ORDER_MASK))
		err = -EPERM;
	else if ((handle & LAB_CHK_MASK) == lab_chk(page, gen))
		err = -EALREADY;
out:
	lab_count_refusal(err, owner);
	return err;
}

/*
 * Claim a block: on 0 it is the caller's alone, ->private and ->index
 * are 0 again, *order is its order, and a give-back must follow. On an
 * error nothing changed and the refusal is counted. Any context.
 */
static __always_inline int __lab_claim(u64 owner, struct page *page,
				       u64 handle, unsigned int *order)
{
	unsigned long tag, want;

	/*
	 * @page must be a struct page (any page, ours or not), as for
	 * __free_pages(); a pointer that is not one is not checked here
	 * (a pfn_valid() round trip is a section lookup on every free).
	 */
	if (unlikely(!page))
		return lab_refused(owner, page, handle);
	tag = READ_ONCE(page->private);
	want = lab_tag(page, owner, handle >> LAB_CHK_BITS,
		       tag & LAB_TAG_ORDER_MASK);
	/* Of two racing claims only one moves the tag from want to 0. */
	if (unlikely(tag != want || (tag & LAB_TAG_ORDER_MASK) > LAB_ORDER_MAX ||
		     cmpxchg(&page->private, want, 0) != want))
		return lab_refused(owner, page, handle);
	/* Ours alone now: nothing we wrote may reach the next user. */
	WRITE_ONCE(page->index, 0);
	*order = tag & LAB_TAG_ORDER_MASK;
	return 0;
}

/* Shred and free a claimed block. Any context (the cost is the shred). */
static __always_inline void __lab_give_back(struct page *page,
					    unsigned int order, u32 shred)
{
	if (shred != LAB_SHRED_NONE)
		lab_shred(page, order, shred);
	__free_pages(page, order);
	this_cpu_inc(lab_pcpu.frees);
	if (unlikely(order))
		this_cpu_add(lab_pcpu.extra_free, (1UL << order) - 1);
}

int lab_claim(u64 owner, struct page *page, u64 handle, unsigned int *order)
{
	return __lab_claim(owner, page, handle, order);
}

void lab_give_back(struct page *page, unsigned int order, u32 shred)
{
	__lab_give_back(page, order, shred);
}

int lab_free(u64 owner, struct page *page, u64 handle, u32 shred)
{
	unsigned int order;
	int ret;

	ret = __lab_claim(owner, page, handle, &order);
	if (likely(!ret))
		__lab_give_back(page, order, shred);
	return ret;
}

/*
 * A handle certain to be refused for @page as "never handed out" (its
 * check is wrong), for the tests of pages the allocator never saw.
 */
u64 lab_unissued_handle(const struct page *page)
{
	u64 gen = LAB_GEN_MASK;

	return gen << LAB_CHK_BITS | (lab_chk(page, gen) ^ 1);
}

int labyrinth_void_free_page_exclusive(u64 owner, struct page *page,
				       u64 handle, u32 shred)
{
	if (unlikely(!lab_owner_valid(owner) || shred >= LAB_SHRED_COUNT))
		return -EINVAL;
	return lab_free(owner, page, handle, shred);
}
EXPORT_SYMBOL_GPL(labyrinth_void_free_page_exclusive);

/* ---- stats ------------------------------------------------------------- */

void lab_alloc_read(unsigned int cpu, struct lab_counters *c)
{
	const struct lab_alloc_pcpu *p = per_cpu_ptr(&lab_pcpu, cpu);

	c->successes = READ_ONCE(p->gen) - p->gen_base;
	c->fail_genuine = READ_ONCE(p->fail_genuine);
	c->fail_injected_private = READ_ONCE(p->fail_private);
	c->fail_injected_kernel = READ_ONCE(p->fail_kernel);
	c->fail_unattributed = READ_ONCE(p->fail_unattributed);
	/* Derived: always exactly the sum of the outcomes read. */
	c->attempts = c->successes + c->fail_genuine +
		      c->fail_injected_private + c->fail_injected_kernel +
		      c->fail_unattributed;
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
		s->fail_unattributed += c.fail_unattributed;
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
	u64 f = LAB_FEAT_CTX_SOFTIRQ | LAB_FEAT_CTX_KTHREAD_ATOMIC |
		LAB_FEAT_SERIES | LAB_FEAT_BENCH | LAB_FEAT_SHRED_VERIFY |
		LAB_FEAT_DETACH | LAB_FEAT_SELFTEST | LAB_FEAT_EXHAUST;

	/* PREEMPT_RT: the page allocator's spinlocks sleep: no hard IRQ. */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		f |= LAB_FEAT_CTX_HRTIMER | LAB_FEAT_CTX_IRQ_WORK;
	if (lab_private_inject)
		f |= LAB_FEAT_PRIVATE_INJECT;
	if (lab_fpa_counted())
		f |= LAB_FEAT_KERNEL_INJECT_COUNT;
	if (IS_ENABLED(CONFIG_FUNCTION_ERROR_INJECTION))
		f |= LAB_FEAT_INJECT_HOOK;
	if (lab_reclaim_available())
		f |= LAB_FEAT_YIELD_TO_RECLAIM;
	return f;
}

int lab_alloc_init(void)
{
	unsigned int cpu_bits = order_base_2(nr_cpu_ids);
	int cpu, i;

	BUILD_BUG_ON(LAB_ORDER_MAX > LAB_TAG_ORDER_MASK);
	for (i = 0; i < ARRAY_SIZE(lab_key); i++)
		lab_key[i] = get_random_u64() | 1;
	/* Generations: CPU number in the top bits of the 48. */
	for_each_possible_cpu(cpu) {
		per_cpu(lab_prng, cpu) = get_random_u64() | 1;
		per_cpu(lab_pcpu.gen, cpu) = cpu_bits ?
			(u64)cpu << (LAB_GEN_BITS - cpu_bits) : 0;
		per_cpu(lab_pcpu.gen_base, cpu) = per_cpu(lab_pcpu.gen, cpu);
	}

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
	lab_fpa_find();
	return 0;
}

void lab_alloc_exit(void)
{
	debugfs_remove_recursive(lab_debugfs);
}
