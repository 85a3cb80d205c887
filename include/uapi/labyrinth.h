/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * labyrinth: the ioctl ABI of /dev/labyrinth, shared by the kernel module
 * (module/) and the userspace harness (harness/). One header, never copies.
 *
 * Modelled on include/uapi/linux/iommufd.h.
 */
#ifndef _UAPI_LABYRINTH_H
#define _UAPI_LABYRINTH_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * DOC: General ioctl format
 *
 * Every ioctl passes a pointer to a struct that starts with ``__u32 size``,
 * the number of bytes of the struct userspace knows about (normally
 * sizeof()). Fields are __u32 or __u64 only, __u64 fields and pointers are
 * __aligned_u64, padding is explicit ``__reserved`` fields that must be
 * zero. The struct is extended only at its end; a zero in a new field
 * always means "what the older ABI did". Output fields are written back
 * up to min(size, the kernel's size).
 *
 * The ioctl number carries no size (_IO), as in iommufd: the size is the
 * struct's first field.
 *
 * Errors, the same for every ioctl (each ioctl's own comment lists the
 * ones it can return, and tests/vm/fuzz_abi.c checks every errno against
 * that list):
 *
 *  - ENOTTY: unknown ioctl command.
 *  - EINVAL: ``size`` is smaller than the struct's first version (the
 *    smallest size that reaches its last mandatory field), or a field
 *    combination makes no sense (e.g. a CPU mask that selects no online
 *    CPU, a read() buffer smaller than one record).
 *  - E2BIG: ``size`` is larger than the kernel's struct and the bytes
 *    past the kernel's end are not all zero (a newer userspace asks for
 *    something this module does not know), or ``size`` is over a page.
 *  - EOPNOTSUPP: an unknown flag bit, an unknown enum value (context,
 *    policy, shred mode, gfp bit) or a non-zero ``__reserved`` field.
 *  - ERANGE: a number outside its documented range (rate, burst, order,
 *    work per tick, held-pages cap, leak ppm, watchdog, exhaust time,
 *    owner, bench iterations or chunk, selftest number, ...).
 *  - EFAULT: a pointer field (or the struct itself) is not readable or
 *    writable. If START succeeded but its result cannot be written
 *    back, the new engine is stopped and released before EFAULT returns.
 *  - EPERM: open() without CAP_SYS_ADMIN; LAB_GFP_MEMALLOC without
 *    LAB_START_F_ALLOW_MEMALLOC (or LAB_PAGE_F_ALLOW_MEMALLOC);
 *    LAB_IOC_PAGE_FREE by a non-owner.
 *  - EALREADY: LAB_IOC_PAGE_FREE of a page already freed (double or
 *    stale free).
 *  - ENOENT: no engine with that id; LAB_IOC_PAGE_FREE of a page id this
 *    fd never allocated, or of a page the allocator never handed out.
 *  - EBUSY: LAB_MAX_ENGINES engines exist already (stop them with
 *    LAB_STOP_F_RELEASE, or close their fd).
 *  - ENODEV: LAB_IOC_START in a context this kernel cannot run safely
 *    (its LAB_FEAT_CTX_* bit is clear: the hard-IRQ contexts on
 *    PREEMPT_RT, where the page allocator's locks sleep).
 *  - ENOMEM: the module could not allocate its own bookkeeping.
 *  - EINTR: LAB_IOC_BENCH or LAB_IOC_SELFTEST interrupted by a fatal
 *    signal; a blocking read() interrupted by a signal.
 *  - EAGAIN: read() on an O_NONBLOCK fd with no sample ready.
 *
 * ABI history: 1.0 (first release); structs grew without a minor bump
 * (lab_counters.bursts_dropped, lab_bench.*_min_chunk_ns). 2.0: ownership
 * handles (lab_page_alloc.handle, LAB_PAGE_FREE_F_HANDLE), the snapshot
 * moved out of lab_counters into lab_stats.first_failure so that
 * lab_counters (always the last member of its struct) can grow at its
 * end, per-tick work budget and callback timings, LAB_IOC_SELFTEST.
 * 2.1: exhaustion phases (lab_start.exhaust_ns, LAB_STOP_EXHAUSTED) and
 * held pages that yield to direct reclaim (LAB_START_F_YIELD_TO_RECLAIM;
 * lab_counters.reclaim_pages, reclaim_calls, stop_request_ns;
 * lab_sample.reclaim_pages, reclaim_calls); lab_bench.random_ns and
 * random_min_chunk_ns (get_random_bytes() alone, the crypto shred's
 * baseline), ENOMEM from LAB_IOC_BENCH.
 * struct lab_version keeps its 1.0 layout in every major version, so
 * that any userspace can read a module's version and refuse it.
 *
 * /dev/labyrinth is mode 0600 and open() also requires CAP_SYS_ADMIN:
 * the module can drain the machine's atomic reserves.
 */

#define LAB_DEVICE_PATH		"/dev/labyrinth"
#define LAB_DEBUGFS_DIR		"labyrinth"	/* under /sys/kernel/debug */

#define LAB_ABI_MAJOR		2	/* bumped on an incompatible change */
#define LAB_ABI_MINOR		1	/* bumped when a struct grows or a
					 * flag, ioctl or feature is added
					 */

#define LAB_TYPE		0xB8

enum {
	LAB_CMD_BASE = 0x80,
	LAB_CMD_GET_VERSION = LAB_CMD_BASE,
	LAB_CMD_START,
	LAB_CMD_STOP,
	LAB_CMD_STATS,
	LAB_CMD_SERIES,
	LAB_CMD_PAGE_ALLOC,
	LAB_CMD_PAGE_FREE,
	LAB_CMD_SHRED_VERIFY,
	LAB_CMD_BENCH,
	LAB_CMD_SELFTEST,
};

/* Features (struct lab_version.features). */
/* Private fault attribute (debugfs labyrinth/) fails the module's own
 * allocations: CONFIG_FAULT_INJECTION + CONFIG_FAULT_INJECTION_DEBUG_FS.
 */
#define LAB_FEAT_PRIVATE_INJECT		(1ULL << 0)
/* Failures injected by the kernel's fail_page_alloc into the module's
 * allocations are told apart from genuine ones: the module found the
 * kernel's fail_page_alloc attribute (CONFIG_FAIL_PAGE_ALLOC +
 * CONFIG_FAULT_INJECTION_DEBUG_FS) and makes its decision itself (see
 * module/README.md). Without it they count as genuine. Live: clear while
 * fail_page_alloc/ignore-gfp-highmem is N (then failures while
 * fail_page_alloc is armed count as fail_unattributed).
 */
#define LAB_FEAT_KERNEL_INJECT_COUNT	(1ULL << 1)
#define LAB_FEAT_CTX_HRTIMER		(1ULL << 2)
#define LAB_FEAT_CTX_IRQ_WORK		(1ULL << 3)
#define LAB_FEAT_CTX_SOFTIRQ		(1ULL << 4)
#define LAB_FEAT_CTX_KTHREAD_ATOMIC	(1ULL << 5)
#define LAB_FEAT_SERIES			(1ULL << 6)
#define LAB_FEAT_BENCH			(1ULL << 7)
#define LAB_FEAT_SHRED_VERIFY		(1ULL << 8)
#define LAB_FEAT_DETACH			(1ULL << 9)
#define LAB_FEAT_SELFTEST		(1ULL << 10)
/* LAB_INJECT_HOOK is an error-injection point (ALLOW_ERROR_INJECTION,
 * CONFIG_FUNCTION_ERROR_INJECTION): a BPF override() of it fails one
 * allocation of the module, counted in fail_injected_kernel.
 */
#define LAB_FEAT_INJECT_HOOK		(1ULL << 11)
/* lab_start.exhaust_ns: keep the reserve exhausted for a time after the
 * first genuine failure, then stop (LAB_STOP_EXHAUSTED). ABI 2.1.
 */
#define LAB_FEAT_EXHAUST		(1ULL << 12)
/* LAB_START_F_YIELD_TO_RECLAIM: the module's shrinker is registered. */
#define LAB_FEAT_YIELD_TO_RECLAIM	(1ULL << 13)

/*
 * The module's fault-injection point for BPF: bool fn(gfp_t gfp,
 * unsigned int order), called before every allocation the module makes
 * while the module parameter inject_hook is Y (LAB_INJECT_HOOK_PARAM;
 * default N, the call costs every allocation); it returns false unless a
 * BPF program overrides it (bpftrace --unsafe:
 * kprobe:labyrinth_should_fail_alloc_page { override(1); }). Same
 * arguments as the kernel's should_fail_alloc_page().
 */
#define LAB_INJECT_HOOK			"labyrinth_should_fail_alloc_page"
#define LAB_INJECT_HOOK_PARAM	"/sys/module/labyrinth/parameters/inject_hook"

/**
 * struct lab_version - LAB_IOC_GET_VERSION: what this module supports
 * @size: sizeof(struct lab_version)
 * @flags: must be 0
 * @abi_major: LAB_ABI_MAJOR of the module; refuse to run on a mismatch
 * @abi_minor: LAB_ABI_MINOR of the module
 * @features: LAB_FEAT_* bits
 * @nr_cpu_ids: CPU numbers go from 0 to nr_cpu_ids - 1 (size per-CPU
 *              arrays and CPU masks by it)
 * @max_engines: LAB_MAX_ENGINES
 * @page_size: PAGE_SIZE
 * @hist_buckets: LAB_HIST_BUCKETS
 * @max_order: largest accepted allocation order
 * @__reserved: 0
 * @default_held_cap: the held-pages cap used when lab_start.held_cap is 0
 *                    (derived from RAM)
 * @max_held_cap: the largest accepted lab_start.held_cap (total RAM pages)
 * @total_ram_pages: totalram_pages() at the time of the call
 * @tick_pages_max: out: LAB_TICK_PAGES_MAX (ABI 2.0)
 * @__reserved2: out: 0
 * @tick_ns_max: out: LAB_TICK_NS_MAX (ABI 2.0)
 *
 * The only struct whose first version stays accepted by every major
 * version (its minimum size is the 1.0 size, up to @total_ram_pages).
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, EFAULT.
 */
struct lab_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__aligned_u64 features;
	__u32 nr_cpu_ids;
	__u32 max_engines;
	__u32 page_size;
	__u32 hist_buckets;
	__u32 max_order;
	__u32 __reserved;
	__aligned_u64 default_held_cap;
	__aligned_u64 max_held_cap;
	__aligned_u64 total_ram_pages;
	__u32 tick_pages_max;
	__u32 __reserved2;
	__aligned_u64 tick_ns_max;
};
#define LAB_IOC_GET_VERSION _IO(LAB_TYPE, LAB_CMD_GET_VERSION)

/* Where an engine's allocations run. */
enum lab_context {
	/* Pinned hrtimer in HARD mode: hard-IRQ context. */
	LAB_CTX_HRTIMER = 0,
	/* irq_work raised by a per-CPU hrtimer: hard IRQ (self-IPI). */
	LAB_CTX_IRQ_WORK = 1,
	/* Pinned hrtimer in SOFT mode: the HRTIMER softirq. */
	LAB_CTX_SOFTIRQ = 2,
	/*
	 * Per-CPU kthread allocating under a spinlock with IRQs off. It is
	 * SCHED_FIFO (to keep its rate under load), and in 6.1 an RT task
	 * in task context gets ALLOC_HARDER even for GFP_NOWAIT.
	 */
	LAB_CTX_KTHREAD_ATOMIC = 3,
	LAB_CTX_COUNT
};

enum lab_policy {
	/* Hold every page until the engine stops. */
	LAB_POLICY_DRAIN = 0,
	/* Hold each page for hold_ns, then free it (an RX ring refill). */
	LAB_POLICY_CHURN = 1,
	/* Churn, but keep leak_ppm of the pages until the engine stops. */
	LAB_POLICY_LEAK_FRACTION = 2,
	LAB_POLICY_COUNT
};

/* How a page is overwritten before it goes back to the page allocator. */
enum lab_shred {
	LAB_SHRED_CRYPTO = 0,	/* get_random_bytes(): kernel CRNG */
	LAB_SHRED_FAST = 1,	/* per-CPU xorshift PRNG seeded by the CRNG */
	LAB_SHRED_ZERO = 2,
	LAB_SHRED_NONE = 3,
	LAB_SHRED_COUNT
};

/*
 * GFP variant (lab_start.gfp, lab_page_alloc.gfp). 0 is GFP_ATOMIC, which
 * in 6.1 may dip to about 3/8 of the zone's min watermark.
 */
#define LAB_GFP_NOWAIT		(1U << 0)	/* GFP_NOWAIT instead of
						 * GFP_ATOMIC: stops at min
						 */
#define LAB_GFP_NOWARN		(1U << 1)	/* | __GFP_NOWARN */
#define LAB_GFP_MEMALLOC	(1U << 2)	/* | __GFP_MEMALLOC: ignores
						 * every watermark. Needs
						 * LAB_START_F_ALLOW_MEMALLOC
						 * (or the PAGE_ALLOC flag)
						 */
#define LAB_GFP_ALL		(LAB_GFP_NOWAIT | LAB_GFP_NOWARN | \
				 LAB_GFP_MEMALLOC)

/* lab_start.flags */
/* Say yes to LAB_GFP_MEMALLOC: this can take the last free page. */
#define LAB_START_F_ALLOW_MEMALLOC	(1U << 0)
/* stop_after_failures counts genuine failures only (not injected ones). */
#define LAB_START_F_STOP_GENUINE_ONLY	(1U << 1)
/* The engine outlives its fd: it stops on its own conditions, on
 * LAB_IOC_STOP from any fd, or on module unload.
 */
#define LAB_START_F_DETACH		(1U << 2)
/*
 * The engine's held pages (drain, and the kept share of leak-fraction)
 * are reclaimable by direct reclaim, never by kswapd: when a task that
 * may sleep cannot allocate, the module's shrinker shreds and frees as
 * many as bring the zone back to its low watermark (plus the lowmem
 * reserve its request needs), and counts them as reclaimed so that the
 * task's reclaim made progress and the OOM killer stays out. The engine
 * takes them again at its own rate. So GFP_ATOMIC callers keep failing
 * while the reserve is exhausted, and the machine lives: a guest whose
 * reserve is held with nothing reclaimable otherwise OOM-kills every
 * task and panics within seconds. Without it, nothing the engine holds
 * comes back before it stops (total exhaustion). EOPNOTSUPP when
 * LAB_FEAT_YIELD_TO_RECLAIM is clear. ABI 2.1.
 */
#define LAB_START_F_YIELD_TO_RECLAIM	(1U << 3)
#define LAB_START_F_ALL			(LAB_START_F_ALLOW_MEMALLOC | \
					 LAB_START_F_STOP_GENUINE_ONLY | \
					 LAB_START_F_DETACH | \
					 LAB_START_F_YIELD_TO_RECLAIM)

/* Limits (ERANGE outside them). */
#define LAB_MAX_ENGINES		64
#define LAB_RATE_MAX		10000000ULL	/* allocations/s per CPU */
#define LAB_BURST_MAX		1024		/* allocations per tick */
#define LAB_PERIOD_MIN_NS	10000ULL	/* burst * 1e9 / rate >= this */

/*
 * The work budget of one engine callback (tick), whatever the context:
 * at most LAB_TICK_PAGES_MAX pages allocated (an order-n block counts
 * 2^n, so burst << order <= LAB_TICK_PAGES_MAX, else ERANGE) plus at most
 * LAB_TICK_PAGES_MAX pages given back, and never more than
 * LAB_TICK_NS_MAX ns of it (checked after each allocation and free).
 * Shredding that would not fit (LAB_SHRED_CRYPTO, or any shred of an
 * order > 0 block) runs in process context, on the module's workqueue,
 * on the same CPU, before the page goes back to the page allocator.
 * After a callback (or a batch of deferred shreds) that took d ns, the
 * module runs no engine callback and no shred on that CPU for
 * LAB_REST_FACTOR * d ns: engines take at most 1 / (1 + LAB_REST_FACTOR)
 * of a CPU, however they are configured, plus the cost of the timer
 * interrupts themselves. What an engine could not do is counted
 * (bursts_dropped, budget_cuts), never forced.
 */
#define LAB_TICK_PAGES_MAX	1024
#define LAB_TICK_NS_MAX		1000000ULL
#define LAB_REST_FACTOR		3
#define LAB_HOLD_MAX_NS		(3600ULL * 1000000000ULL)
#define LAB_PPM_MAX		1000000
#define LAB_WATCHDOG_DEFAULT_MS	300000ULL	/* 5 min when 0 */
#define LAB_WATCHDOG_MAX_MS	(24ULL * 3600 * 1000)
#define LAB_ORDER_MAX		10

/**
 * struct lab_start - LAB_IOC_START: start one spam engine
 * @size: sizeof(struct lab_start)
 * @flags: LAB_START_F_*
 * @context: enum lab_context
 * @policy: enum lab_policy
 * @gfp: LAB_GFP_* bits
 * @order: allocation order, 0..LAB_ORDER_MAX (0: one page)
 * @shred: enum lab_shred, used when the engine frees its pages
 * @burst: allocations per tick per CPU, 1..LAB_BURST_MAX (0 means 1);
 *         burst << order <= LAB_TICK_PAGES_MAX
 * @rate: allocations per second per CPU, 1..LAB_RATE_MAX. The tick period
 *        is burst * 1e9 / rate ns and must be >= LAB_PERIOD_MIN_NS. A late
 *        tick catches up as many bursts as fit in LAB_TICK_PAGES_MAX
 *        pages (at least one), so the achieved rate is the asked one
 *        unless the CPU cannot keep up; the tick's work budget and the
 *        rest after each tick (LAB_REST_FACTOR) bound what an engine
 *        takes from a CPU. What is not made up is counted in
 *        lab_counters.bursts_dropped and budget_cuts.
 * @cpu_mask_uptr: pointer to a CPU bitmap, an array of __u64 words (bit
 *                 n of word w is CPU w * 64 + n); 0 selects every online
 *                 CPU. Offline CPUs are ignored; selecting none: EINVAL.
 * @cpu_mask_words: number of __u64 words at cpu_mask_uptr (0 with 0), at
 *                  most (nr_cpu_ids + 63) / 64 + 16 (else EINVAL)
 * @leak_ppm: LAB_POLICY_LEAK_FRACTION: parts per million of the pages
 *            held until stop, 0..LAB_PPM_MAX; must be 0 otherwise
 * @hold_ns: CHURN and LEAK_FRACTION: how long a page is held,
 *           1..LAB_HOLD_MAX_NS; must be 0 for DRAIN
 * @held_cap: most pages (of this engine, all CPUs; an order-n block
 *            counts 2^n) held at once. 0: lab_version.default_held_cap;
 *            up to lab_version.max_held_cap. Exact: each tick reserves
 *            its allocations under the cap first; the tick that reaches
 *            it stops the engine with LAB_STOP_HELD_CAP.
 * @stop_after_failures: stop the engine at the Nth failed allocation
 *                       (all CPUs together; any cause unless
 *                       LAB_START_F_STOP_GENUINE_ONLY). 0: never.
 * @watchdog_ms: stop the engine this long after start (LAB_STOP_WATCHDOG).
 *               0: LAB_WATCHDOG_DEFAULT_MS; 1..LAB_WATCHDOG_MAX_MS.
 * @engine_id: out: the new engine's id (>= 1)
 * @nr_cpus: out: how many CPUs the engine runs on
 * @exhaust_ns: LAB_POLICY_DRAIN only (else ERANGE): after the engine's
 *              first genuine failure (any CPU), keep the reserve
 *              exhausted this long, 1..LAB_HOLD_MAX_NS: the engine goes on
 *              trying at its rate and keeps every page it gets, so every
 *              other GFP_ATOMIC caller fails too; then it stops with
 *              LAB_STOP_EXHAUSTED and gives everything back (the
 *              release). The deadline is checked by every tick, so the
 *              stop comes at most one tick period (plus a rest) late;
 *              lab_counters.stop_request_ns says when. 0: no exhaust
 *              phase (ABI 2.0 behaviour). ABI 2.1.
 *
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, EPERM, EBUSY, ENODEV,
 * ENOMEM.
 */
struct lab_start {
	__u32 size;
	__u32 flags;
	__u32 context;
	__u32 policy;
	__u32 gfp;
	__u32 order;
	__u32 shred;
	__u32 burst;
	__aligned_u64 rate;
	__aligned_u64 cpu_mask_uptr;
	__u32 cpu_mask_words;
	__u32 leak_ppm;
	__aligned_u64 hold_ns;
	__aligned_u64 held_cap;
	__aligned_u64 stop_after_failures;
	__aligned_u64 watchdog_ms;
	__u32 engine_id;
	__u32 nr_cpus;
	__aligned_u64 exhaust_ns;
};
#define LAB_IOC_START _IO(LAB_TYPE, LAB_CMD_START)

/* lab_stop.flags */
/* After stopping, forget the engine (its stats are gone). */
#define LAB_STOP_F_RELEASE	(1U << 0)
#define LAB_STOP_F_ALL		LAB_STOP_F_RELEASE

/* Why an engine stopped (lab_stats.stop_reason). */
enum lab_stop_reason {
	LAB_STOP_NONE = 0,	/* still running */
	LAB_STOP_IOCTL = 1,
	LAB_STOP_FAILURES = 2,	/* stop_after_failures reached */
	LAB_STOP_HELD_CAP = 3,
	LAB_STOP_WATCHDOG = 4,
	LAB_STOP_CLOSE = 5,	/* its fd was closed */
	LAB_STOP_UNLOAD = 6,	/* module unload */
	/* lab_start.exhaust_ns after the first genuine failure (ABI 2.1) */
	LAB_STOP_EXHAUSTED = 7,
};

/**
 * struct lab_stop - LAB_IOC_STOP: stop an engine, free (shred) its pages
 * @size: sizeof(struct lab_stop)
 * @flags: LAB_STOP_F_*
 * @engine_id: the engine; an already stopped one is fine (nothing to do)
 * @__reserved: 0
 * @freed_pages: out: pages this call freed (an order-n block counts 2^n)
 *
 * Returns when every page of the engine is back in the page allocator.
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, EFAULT, ENOENT.
 */
struct lab_stop {
	__u32 size;
	__u32 flags;
	__u32 engine_id;
	__u32 __reserved;
	__aligned_u64 freed_pages;
};
#define LAB_IOC_STOP _IO(LAB_TYPE, LAB_CMD_STOP)

/* Latency histogram: bucket i counts calls that took [2^i, 2^(i+1)) ns,
 * bucket 0 also counts 0 ns, the last one everything longer.
 */
#define LAB_HIST_BUCKETS	32

/**
 * struct lab_snapshot - the state at an engine's first genuine failure
 * @time_ns: CLOCK_MONOTONIC ns of the failure; 0: no genuine failure yet
 * @pages_held: pages the engine held at that moment, all CPUs
 * @zone_free_pages: NR_FREE_PAGES of the zone the allocation tried first
 *                   (exact: per-CPU counter deltas folded in)
 * @wmark_min: that zone's min watermark (pages) as /proc/zoneinfo shows
 *             it: including watermark_boost
 * @wmark_low: ...low
 * @wmark_high: ...high
 * @nr_reserved_highatomic: that zone's highatomic reserve (pages)
 * @global_free_pages: free pages of the whole machine
 * @zone_name: the zone's name, NUL-padded ASCII ("DMA32", "Normal")
 * @engine_id: the engine
 * @context: its enum lab_context
 * @cpu: the CPU that failed
 * @order: the allocation order
 * @attempt: the failing attempt's number on that CPU (1-based)
 * @watermark_boost: the zone's watermark_boost (pages), included in
 *                   wmark_min/low/high. 6.1 ignores it for order-0
 *                   GFP_ATOMIC, which fails near 3/8 of
 *                   (wmark_min - watermark_boost).
 * @__reserved: written as 0; room to grow inside lab_stats
 */
struct lab_snapshot {
	__aligned_u64 time_ns;
	__aligned_u64 pages_held;
	__aligned_u64 zone_free_pages;
	__aligned_u64 wmark_min;
	__aligned_u64 wmark_low;
	__aligned_u64 wmark_high;
	__aligned_u64 nr_reserved_highatomic;
	__aligned_u64 global_free_pages;
	__aligned_u64 zone_name[2];
	__u32 engine_id;
	__u32 context;
	__u32 cpu;
	__u32 order;
	__aligned_u64 attempt;
	__aligned_u64 watermark_boost;
	__aligned_u64 __reserved[4];
};

/**
 * struct lab_counters - what an engine (or the allocator) did
 * @attempts: allocation calls
 * @successes: calls that returned a page
 * @fail_genuine: the page allocator said no
 * @fail_injected_private: failed by the module's private fault attribute
 * @fail_injected_kernel: failed by the kernel's fault injection: its
 *                        fail_page_alloc attribute, or a BPF override()
 *                        of LAB_INJECT_HOOK
 * @fail_unattributed: failed while fail_page_alloc was armed but could
 *                     not be told apart from a genuine failure
 *                     (fail_page_alloc/ignore-gfp-highmem = N)
 * @frees: blocks given back (shredded), one per freed allocation
 * @held_now: pages held now (order-n counts 2^n), including pages
 *            waiting for a deferred shred
 * @held_peak: most pages held at once (for an engine: sum of the per-CPU
 *             peaks, an upper bound of the engine's peak)
 * @violation_non_owner: frees refused: the caller does not own the page
 * @violation_double_free: frees refused: the page was already freed
 *                         (double or stale free)
 * @violation_unknown: frees refused: not a page (or handle) the
 *                     allocator handed out
 * @cap_hits: ticks cut short by the held-pages cap
 * @latency_hist: log2 histogram of the allocation call in ns (engines
 *                only: the allocator's own counters leave it 0)
 * @bursts_dropped: whole bursts not attempted: the timer was later than
 *                  one tick's work budget catches up, or the CPU was
 *                  resting after a long tick (LAB_REST_FACTOR)
 * @budget_cuts: allocations not attempted inside a tick: the tick's work
 *               budget or LAB_TICK_NS_MAX ran out, or too many pages
 *               wait for a deferred shred. Asked rate * time =
 *               attempts + budget_cuts + bursts_dropped * burst
 *               (within a burst per CPU).
 * @ticks: engine callbacks that ran
 * @frees_deferred: frees (included in @frees) whose shred ran in process
 *                  context on the module's workqueue
 * @callback_max_ns: the longest engine callback (a tick) in ns
 *                   (kthread-atomic: the time in its chunks, not the
 *                   gaps where interrupts ran); @total: the longest
 * @irqs_off_max_ns: the longest stretch the engine ran with interrupts
 *                   off (the whole callback in hard IRQ, one chunk of
 *                   kthread-atomic, 0 for softirq); @total: the longest
 * @callback_hist: log2 histogram of callback durations in ns
 * @call_max_ns: the longest single call into the page allocator inside a
 *               callback (an allocation, or a free with its inline
 *               shred): the kernel's own cost, which the budget cannot
 *               split (6.12 frees up to ~2000 pages from the per-CPU
 *               lists in one call); a callback overshoots
 *               LAB_TICK_NS_MAX by at most one call. @total: the longest
 * @tick_work_max: the most work one callback did: pages allocated plus
 *                 pages given back (a deferred block counts 1), at most
 *                 2 * LAB_TICK_PAGES_MAX. @total: the most
 * @reclaim_pages: pages of this engine the module's shrinker gave back
 *                 to direct reclaim (LAB_START_F_YIELD_TO_RECLAIM), shredded
 *                 and freed in the reclaiming task; their blocks are in
 *                 @frees too (ABI 2.1)
 * @reclaim_calls: shrinker calls that gave back pages of this CPU's
 *                 share (ABI 2.1)
 * @stop_request_ns: CLOCK_MONOTONIC ns at which the engine's stop was
 *                   decided (its stop condition, LAB_IOC_STOP, close or
 *                   unload): from then on it allocates nothing and gives
 *                   everything back, done at lab_stats.stop_ns. 0 while
 *                   it runs. The same in every CPU's counters; @total:
 *                   the value (ABI 2.1)
 *
 * In lab_stats.total every field is the sum over CPUs, except the *_max_ns
 * fields and stop_request_ns, the maximum. This struct is always the last member of the
 * struct that holds it, so it grows at its end (ABI 2.0 rule).
 */
struct lab_counters {
	__aligned_u64 attempts;
	__aligned_u64 successes;
	__aligned_u64 fail_genuine;
	__aligned_u64 fail_injected_private;
	__aligned_u64 fail_injected_kernel;
	__aligned_u64 fail_unattributed;
	__aligned_u64 frees;
	__aligned_u64 held_now;
	__aligned_u64 held_peak;
	__aligned_u64 violation_non_owner;
	__aligned_u64 violation_double_free;
	__aligned_u64 violation_unknown;
	__aligned_u64 cap_hits;
	__aligned_u64 latency_hist[LAB_HIST_BUCKETS];
	__aligned_u64 bursts_dropped;
	__aligned_u64 budget_cuts;
	__aligned_u64 ticks;
	__aligned_u64 frees_deferred;
	__aligned_u64 callback_max_ns;
	__aligned_u64 irqs_off_max_ns;
	__aligned_u64 callback_hist[LAB_HIST_BUCKETS];
	__aligned_u64 call_max_ns;
	__aligned_u64 tick_work_max;
	__aligned_u64 reclaim_pages;
	__aligned_u64 reclaim_calls;
	__aligned_u64 stop_request_ns;
};

/**
 * struct lab_cpu_stats - one CPU's share (element of lab_stats' array)
 * @cpu: CPU number
 * @flags: LAB_CPU_F_*
 * @c: its counters (last: grows at its end)
 */
struct lab_cpu_stats {
	__u32 cpu;
	__u32 flags;
	struct lab_counters c;
};
#define LAB_CPU_F_ENGINE	(1U << 0)	/* the engine runs on it */

/* lab_stats.engine_id for the allocator itself: every allocation and free
 * through labyrinth_void_alloc_page_gfp_atomic_exclusive() and its free
 * (all engines, LAB_IOC_PAGE_* and other drivers). Owner violations are
 * counted here.
 */
#define LAB_ENGINE_ALLOCATOR	0

enum lab_engine_state {
	LAB_STATE_RUNNING = 1,
	/* A stop condition hit (in the engine, or LAB_IOC_STOP, close,
	 * unload): no new allocations; its pages are being freed.
	 */
	LAB_STATE_STOPPING = 2,
	LAB_STATE_STOPPED = 3,	/* every page is back */
};

/**
 * struct lab_stats - LAB_IOC_STATS: counters of an engine or the allocator
 * @size: sizeof(struct lab_stats)
 * @flags: must be 0
 * @engine_id: an engine id, or LAB_ENGINE_ALLOCATOR
 * @nr_cpus: in: elements at cpu_stats_uptr (0: no per-CPU stats);
 *           out: elements the kernel has (nr_cpu_ids). Fewer than that
 *           is fine: the first nr_cpus CPUs are written.
 * @cpu_stats_uptr: array of nr_cpus elements, each cpu_stats_size bytes
 * @cpu_stats_size: sizeof(struct lab_cpu_stats) as userspace knows it;
 *                  the kernel writes min(this, its own) bytes of each
 * @state: out: enum lab_engine_state (RUNNING for the allocator)
 * @stop_reason: out: enum lab_stop_reason
 * @context: out: enum lab_context (0 for the allocator)
 * @start_ns: out: CLOCK_MONOTONIC ns of the start (module load for the
 *            allocator)
 * @stop_ns: out: CLOCK_MONOTONIC ns of the stop, 0 while running
 * @first_failure: out: the earliest first genuine failure of any CPU
 *                 (engines only)
 * @total: out: the sum over CPUs (see struct lab_counters); last member,
 *         so the struct grows with it
 *
 * Read while the engine runs, every field is a live value, and
 * successes + failures <= attempts holds in every read (per CPU and in
 * total). Errors: EINVAL, E2BIG, EOPNOTSUPP, EFAULT, ENOENT, ENOMEM.
 */
struct lab_stats {
	__u32 size;
	__u32 flags;
	__u32 engine_id;
	__u32 nr_cpus;
	__aligned_u64 cpu_stats_uptr;
	__u32 cpu_stats_size;
	__u32 state;
	__u32 stop_reason;
	__u32 context;
	__aligned_u64 start_ns;
	__aligned_u64 stop_ns;
	struct lab_snapshot first_failure;
	struct lab_counters total;
};
#define LAB_IOC_STATS _IO(LAB_TYPE, LAB_CMD_STATS)

/*
 * Time series: samples are read() from the fd, one struct lab_sample per
 * record, after LAB_IOC_SERIES turned sampling on.
 *
 * Why a ring read through the fd rather than a sampling ioctl: the kernel
 * takes each sample on its own timer at a fixed interval, so the series
 * has no gaps when the harness is starved of CPU (exactly what happens
 * under stress-ng and a drained reserve), and read() hands over many
 * samples per syscall. The ring holds `capacity` samples; if userspace
 * falls that far behind, the newest samples are dropped and the next
 * sample written says how many in `lost`: a loss is never silent.
 * read() returns whole records only (EINVAL if the buffer cannot hold
 * one; EINVAL too before the first LAB_IOC_SERIES), blocks until one is
 * ready unless O_NONBLOCK (EAGAIN), returns 0 (end of file) once
 * sampling is off and every sample has been read; poll() says POLLIN
 * when a sample is ready and POLLHUP when sampling is off and none is.
 */
#define LAB_SERIES_INTERVAL_MIN_MS	1
#define LAB_SERIES_INTERVAL_MAX_MS	3600000
#define LAB_SERIES_CAPACITY_DEFAULT	8192
#define LAB_SERIES_CAPACITY_MAX		1048576

/**
 * struct lab_series - LAB_IOC_SERIES: start, restart or stop sampling
 * @size: sizeof(struct lab_series)
 * @flags: must be 0
 * @interval_ms: sampling interval, LAB_SERIES_INTERVAL_MIN_MS..MAX_MS;
 *               0 stops sampling (samples not read yet stay readable)
 * @capacity: ring size in samples; 0: LAB_SERIES_CAPACITY_DEFAULT, up to
 *            LAB_SERIES_CAPACITY_MAX. Restarting drops unread samples.
 * @sample_size: out: sizeof(struct lab_sample) of the module
 * @__reserved: 0
 *
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, ENOMEM.
 */
struct lab_series {
	__u32 size;
	__u32 flags;
	__u32 interval_ms;
	__u32 capacity;
	__u32 sample_size;
	__u32 __reserved;
};
#define LAB_IOC_SERIES _IO(LAB_TYPE, LAB_CMD_SERIES)

/**
 * struct lab_sample - one record of the time series (from read())
 * @size: sizeof(struct lab_sample) of the module: step by it, so an older
 *        reader skips fields added at the end
 * @__reserved: 0
 * @seq: sample number since LAB_IOC_SERIES, gaps mean lost samples
 * @time_ns: CLOCK_MONOTONIC ns
 * @lost: samples dropped (ring full) just before this one
 * @attempts: allocator-wide counters, cumulative since module load
 * @successes: ...
 * @fail_genuine: ...
 * @fail_injected_private: ...
 * @fail_injected_kernel: ...
 * @fail_unattributed: ...
 * @frees: ...
 * @held: pages held through the allocator now
 * @violations: owner violations, all kinds
 * @zone_free_pages: free pages of the zone GFP_ATOMIC tries first
 * @wmark_min: ...its min watermark
 * @wmark_low: ...low
 * @wmark_high: ...high
 * @nr_reserved_highatomic: ...its highatomic reserve
 * @global_free_pages: free pages of the machine
 * @watermark_boost: the zone's watermark_boost (included in wmark_*)
 * @reclaim_pages: pages all engines gave back to direct reclaim
 *                 (LAB_START_F_YIELD_TO_RECLAIM), cumulative since module
 *                 load (ABI 2.1)
 * @reclaim_calls: shrinker calls that gave pages back, cumulative (ABI 2.1)
 */
struct lab_sample {
	__u32 size;
	__u32 __reserved;
	__aligned_u64 seq;
	__aligned_u64 time_ns;
	__aligned_u64 lost;
	__aligned_u64 attempts;
	__aligned_u64 successes;
	__aligned_u64 fail_genuine;
	__aligned_u64 fail_injected_private;
	__aligned_u64 fail_injected_kernel;
	__aligned_u64 fail_unattributed;
	__aligned_u64 frees;
	__aligned_u64 held;
	__aligned_u64 violations;
	__aligned_u64 zone_free_pages;
	__aligned_u64 wmark_min;
	__aligned_u64 wmark_low;
	__aligned_u64 wmark_high;
	__aligned_u64 nr_reserved_highatomic;
	__aligned_u64 global_free_pages;
	__aligned_u64 watermark_boost;
	__aligned_u64 reclaim_pages;
	__aligned_u64 reclaim_calls;
};

/* lab_page_alloc.flags */
#define LAB_PAGE_F_ALLOW_MEMALLOC	(1U << 0)
#define LAB_PAGE_ALLOC_F_ALL		LAB_PAGE_F_ALLOW_MEMALLOC

/*
 * Owners in [LAB_OWNER_RESERVED_MIN, LAB_OWNER_RESERVED_MAX] are the
 * module's own (engines, bench): refused everywhere else (ERANGE here,
 * -EINVAL and NULL from the kernel API). The range holds neither user
 * nor kernel pointers on 64-bit machines (kernel pointers have bit 63
 * set), so a pointer is always a valid owner. 0 is never an owner.
 */
#define LAB_OWNER_RESERVED_MIN		(1ULL << 62)
#define LAB_OWNER_RESERVED_MAX		((1ULL << 63) - 1)

/**
 * struct lab_page_alloc - LAB_IOC_PAGE_ALLOC: one allocation, by owner
 * @size: sizeof(struct lab_page_alloc)
 * @flags: LAB_PAGE_F_*
 * @owner: the owner, non-zero, outside the reserved range (ERANGE)
 * @gfp: LAB_GFP_* bits
 * @order: 0..LAB_ORDER_MAX
 * @page_id: out: the page's id on this fd (an opaque number, not a pfn).
 *           The page stays allocated until LAB_IOC_PAGE_FREE by its
 *           owner or the close of the fd.
 * @result: out: 0, or which failure: LAB_PAGE_FAIL_*. The ioctl itself
 *          succeeds when the allocation fails; only bad arguments are
 *          errors.
 * @__reserved: 0
 * @handle: out: the allocation's ownership handle (what the kernel API
 *          returns): different for every allocation of the same page
 *
 * This (and LAB_IOC_PAGE_FREE) exists to test the ownership rules from
 * userspace: engines do not need it. Errors: EINVAL, E2BIG, EOPNOTSUPP,
 * ERANGE, EFAULT, EPERM, ENOMEM.
 */
struct lab_page_alloc {
	__u32 size;
	__u32 flags;
	__aligned_u64 owner;
	__u32 gfp;
	__u32 order;
	__aligned_u64 page_id;
	__u32 result;
	__u32 __reserved;
	__aligned_u64 handle;
};
#define LAB_IOC_PAGE_ALLOC _IO(LAB_TYPE, LAB_CMD_PAGE_ALLOC)

enum lab_page_fail {
	LAB_PAGE_OK = 0,
	LAB_PAGE_FAIL_GENUINE = 1,
	LAB_PAGE_FAIL_INJECTED_PRIVATE = 2,
	LAB_PAGE_FAIL_INJECTED_KERNEL = 3,
	LAB_PAGE_FAIL_UNATTRIBUTED = 4,
};

/* lab_page_free.flags */
/* Free a page the allocator never handed out: the module allocates a
 * plain page with alloc_page() and asks the labyrinth free to take it
 * (page_id is ignored, owner must still be valid, handle is used if
 * LAB_PAGE_FREE_F_HANDLE). The free must be refused with ENOENT and
 * counted as violation_unknown.
 */
#define LAB_PAGE_FREE_F_FOREIGN		(1U << 0)
/* Present @handle to the allocator instead of the handle the id was
 * allocated with: a stale handle must be refused (EALREADY), a made-up
 * one too (ENOENT), and the page stays allocated.
 */
#define LAB_PAGE_FREE_F_HANDLE		(1U << 1)
#define LAB_PAGE_FREE_F_ALL		(LAB_PAGE_FREE_F_FOREIGN | \
					 LAB_PAGE_FREE_F_HANDLE)

/**
 * struct lab_page_free - LAB_IOC_PAGE_FREE: free one page as owner
 * @size: sizeof(struct lab_page_free)
 * @flags: LAB_PAGE_FREE_F_*
 * @owner: who claims the page (non-zero, not reserved: else ERANGE)
 * @page_id: from LAB_IOC_PAGE_ALLOC on this fd
 * @shred: enum lab_shred
 * @__reserved: 0
 * @handle: with LAB_PAGE_FREE_F_HANDLE: the handle to present
 *
 * The fd remembers every id until close: a freed id is refused here
 * (EALREADY) without touching the page, which may belong to someone
 * else by now. A live id goes to the allocator, which decides: EPERM
 * non-owner, EALREADY a stale handle, ENOENT a page or handle it never
 * handed out. Each refusal is counted in the allocator's violation_*
 * counters. Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, EPERM,
 * EALREADY, ENOENT, ENOMEM.
 */
struct lab_page_free {
	__u32 size;
	__u32 flags;
	__aligned_u64 owner;
	__aligned_u64 page_id;
	__u32 shred;
	__u32 __reserved;
	__aligned_u64 handle;
};
#define LAB_IOC_PAGE_FREE _IO(LAB_TYPE, LAB_CMD_PAGE_FREE)

/**
 * struct lab_shred_verify - LAB_IOC_SHRED_VERIFY: test-only shred check
 * @size: sizeof(struct lab_shred_verify)
 * @flags: must be 0
 * @shred: enum lab_shred to check
 * @pattern: byte (0..255) the page is filled with before shredding
 * @page_size: out: bytes checked
 * @unchanged_bytes: out: bytes still equal to pattern after the shred
 * @zero_bytes: out: bytes that are 0 after the shred
 * @distinct_bytes: out: how many of the 256 byte values occur
 *
 * Allocates one page through the labyrinth allocator, fills it, runs the
 * very shred function the free path runs, counts, and frees the page.
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, ENOMEM.
 */
struct lab_shred_verify {
	__u32 size;
	__u32 flags;
	__u32 shred;
	__u32 pattern;
	__u32 page_size;
	__u32 unchanged_bytes;
	__u32 zero_bytes;
	__u32 distinct_bytes;
};
#define LAB_IOC_SHRED_VERIFY _IO(LAB_TYPE, LAB_CMD_SHRED_VERIFY)

#define LAB_BENCH_ITERS_MAX	100000000ULL
#define LAB_BENCH_CHUNK_MAX	256

/**
 * struct lab_bench - LAB_IOC_BENCH: the allocator's overhead, measured
 * @size: sizeof(struct lab_bench)
 * @flags: must be 0
 * @iterations: alloc+free pairs per variant, 1..LAB_BENCH_ITERS_MAX
 * @chunk: pairs per timed chunk (0: 64, max LAB_BENCH_CHUNK_MAX). Chunks
 *         run with IRQs off, on one CPU, the four variants interleaved
 *         chunk by chunk (raw, none, fast, crypto) so drift hits them all
 *         alike. Each variant's next chunk is sized from its last one to
 *         take about LAB_TICK_NS_MAX, as an engine tick does (no clock is
 *         read inside a chunk: it would dilute the ratio); the first one
 *         is 8 pairs.
 * @__reserved: 0
 * @raw_ns: out: alloc_page(GFP_ATOMIC) + __free_page(), total ns
 * @shred_none_ns: out: labyrinth alloc + free, LAB_SHRED_NONE
 * @shred_fast_ns: out: ..., LAB_SHRED_FAST
 * @shred_crypto_ns: out: ..., LAB_SHRED_CRYPTO
 * @failures: out: allocations that failed (any variant; a failed pair
 *            still counts its time)
 * @cpu: out: the CPU it ran on
 * @kernel_inject_armed: out: 1 if fail_page_alloc (or the private
 *                       attribute) was armed during the run: the module
 *                       then decides injection itself, which costs
 * @raw_min_chunk_ns: out: the fastest chunk of the raw variant, in ns per
 *                    @chunk pairs (a chunk sized shorter is scaled up). Totals include whatever the host did
 *                    meanwhile (a preempted vCPU adds milliseconds to one
 *                    chunk); the fastest chunk is the undisturbed cost.
 * @shred_none_min_chunk_ns: out: ...of labyrinth with LAB_SHRED_NONE
 * @shred_fast_min_chunk_ns: out: ...LAB_SHRED_FAST
 * @shred_crypto_min_chunk_ns: out: ...LAB_SHRED_CRYPTO
 * @irqs_off_max_ns: out: the longest chunk (IRQs off), any variant
 * @random_ns: out: (ABI 2.1) get_random_bytes() filling one page, alone,
 *             @iterations times, interleaved with the four variants as a
 *             fifth: LAB_SHRED_CRYPTO's own work without the allocator,
 *             the baseline of its ratio. 0 from a 2.0 module.
 * @random_min_chunk_ns: out: (ABI 2.1) its fastest chunk, as
 *                       @raw_min_chunk_ns
 *
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, EINTR, ENOMEM.
 */
struct lab_bench {
	__u32 size;
	__u32 flags;
	__aligned_u64 iterations;
	__u32 chunk;
	__u32 __reserved;
	__aligned_u64 raw_ns;
	__aligned_u64 shred_none_ns;
	__aligned_u64 shred_fast_ns;
	__aligned_u64 shred_crypto_ns;
	__aligned_u64 failures;
	__u32 cpu;
	__u32 kernel_inject_armed;
	__aligned_u64 raw_min_chunk_ns;
	__aligned_u64 shred_none_min_chunk_ns;
	__aligned_u64 shred_fast_min_chunk_ns;
	__aligned_u64 shred_crypto_min_chunk_ns;
	__aligned_u64 irqs_off_max_ns;
	__aligned_u64 random_ns;
	__aligned_u64 random_min_chunk_ns;
};
#define LAB_IOC_BENCH _IO(LAB_TYPE, LAB_CMD_BENCH)

/* lab_selftest.result */
enum lab_selftest_result {
	LAB_SELFTEST_PASS = 0,
	LAB_SELFTEST_FAIL = 1,
	LAB_SELFTEST_SKIP = 2,	/* cannot run here (e.g. needs 2 CPUs) */
};

/**
 * struct lab_selftest - LAB_IOC_SELFTEST: run one in-kernel test
 * @size: sizeof(struct lab_selftest)
 * @flags: must be 0
 * @test: which test, 0..nr_tests - 1 (ERANGE past the end)
 * @__reserved: 0
 * @iterations: rounds for tests that loop (0: the test's default, at
 *              most LAB_SELFTEST_ITERS_MAX)
 * @nr_tests: out: how many tests the module has
 * @result: out: enum lab_selftest_result
 * @checks: out: assertions evaluated
 * @failures: out: assertions that failed
 * @info: out: a test-specific count (e.g. rounds where the page was
 *        really reused), for the log
 * @name: out: the test's name, NUL-padded ASCII
 * @message: out: the first failed assertion, NUL-padded ASCII
 *
 * The kernel API (labyrinth.h) tested from inside the kernel, as
 * lib/test_vmalloc.c does: each test is one function and one table row
 * in module/selftest.c. Tests allocate a few pages and give them back.
 * Errors: EINVAL, E2BIG, EOPNOTSUPP, ERANGE, EFAULT, EINTR, ENOMEM.
 */
struct lab_selftest {
	__u32 size;
	__u32 flags;
	__u32 test;
	__u32 __reserved;
	__aligned_u64 iterations;
	__u32 nr_tests;
	__u32 result;
	__aligned_u64 checks;
	__aligned_u64 failures;
	__aligned_u64 info;
	__aligned_u64 name[4];
	__aligned_u64 message[12];
};
#define LAB_IOC_SELFTEST _IO(LAB_TYPE, LAB_CMD_SELFTEST)
#define LAB_SELFTEST_ITERS_MAX	1000000ULL

#endif /* _UAPI_LABYRINTH_H */
