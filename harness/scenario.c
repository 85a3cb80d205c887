// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario parser. inih does the INI syntax; this file owns what is
 * allowed: one table row per key, with its type, range, default, where
 * its value goes (a sysctl, a fault attribute's debugfs file, a field of
 * LAB_IOC_START) and its help. The file parser, --set, the defaults,
 * `labyrinth check --keys`, the arming of fault attributes, the sysctls
 * and the engine start all read the same rows, so they cannot disagree.
 * A new key is one row (and, if it goes somewhere new, its destination).
 *
 * Errors do not stop the parse: every bad line of a file is reported,
 * each as FILE:LINE: [section] key = 'value': why; allowed: what.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scope.h"
#include "uapi/labyrinth.h"
#include "util.h"

bool sc_context_is_irq(uint32_t context)
{
	return context != LAB_CTX_KTHREAD_ATOMIC;
}

bool sc_engine_yields(const struct sc_engine *e)
{
	return e->yield == SC_YIELD_YES ||
	       (e->yield == SC_YIELD_AUTO && e->exhaust_ms);
}

uint32_t sc_engine_policy(const struct sc_engine *e)
{
	if (e->policy == LAB_POLICY_CHURN && e->leak > 0)
		return LAB_POLICY_LEAK_FRACTION;
	return e->policy;
}

/* ---- the key table ----------------------------------------------------- */

enum key_type {
	K_BOOL,
	K_U64,		/* min..max */
	K_LL,		/* kernel settings: -1 = leave alone, else min..max */
	K_TIMES,	/* "unlimited" / -1, or 0..max */
	K_DOUBLE,	/* dmin..dmax */
	K_DURATION,	/* min..max ms */
	K_ENUM,		/* a vocabulary (vocab.h) -> uint32_t */
	K_TEXT,		/* free text up to size */
	K_NAME,		/* [a-z0-9_-] word up to size */
	K_CPUS,
	K_SCOPE,
	K_GFP,		/* gfp_filter: atomic, or __GFP_X|!__GFP_Y */
	K_BYTES_PCT,	/* "256M" or "80%" */
	K_CACHES,	/* list of slab cache names */
	K_SCRIPTS,	/* list of bpftrace script names */
	K_STOP,		/* list of stop conditions */
	K_EXTRA,	/* extra stress-ng options */
	K_ADDR,		/* stack filter address (hex) */
	K_SIZE,		/* bytes: 4096, 64k, 512M */
};

enum sec_id {
	S_SCENARIO,
	S_KERNEL,
	S_ENGINE,
	S_INJECT,	/* every injector's section (injectors[]) */
	S_PRESSURE,
	S_TRACE,
	S_TARGET,
	S_NIC,
	S_MAX,
};

static const char *const section_names[S_MAX] = {
	"scenario", "kernel", "engine", NULL, "pressure", "trace", "target",
	"nic",
};

/* Where a key's value goes. */
enum dest_kind {
	D_RUN,		/* the run itself reads it (dest: what for) */
	D_SYSCTL,	/* dest: the /proc/sys file */
	D_ATTR,		/* dest: a file in the fault attribute's dir */
	D_SLAB,		/* dest: a printf path, one write per cache */
	D_ABI,		/* dest: the LAB_IOC_START field; abi_* say how */
};

/* How an [engine] value becomes its LAB_IOC_START field. */
enum abi_conv {
	A_COPY,		/* integer, into the field's size */
	A_MS_NS,	/* milliseconds -> nanoseconds */
	A_PPM,		/* fraction 0..1 -> parts per million */
	A_OR,		/* OR the value into the field */
	A_BIT,		/* a yes sets abi_bit in the field */
};

/* Flags of fault attribute keys. */
#define KF_GLOBAL_ONLY	(1u << 0)	/* not on the module's own */
#define KF_IF_EXISTS	(1u << 1)	/* newer kernels only */
#define KF_STACK	(1u << 2)	/* a stack filter key */
#define KF_DERIVED	(1u << 3)	/* written by sc_fault_attr_writes()
					 * itself, in the order it needs */

struct key_def {
	enum sec_id sec;
	const char *key;
	enum key_type type;
	size_t off;
	size_t size;
	uint64_t min, max;
	double dmin, dmax;
	const struct vocab *vocab;
	const char *dflt;		/* as in a file; NULL: 0/empty */
	enum dest_kind dest_kind;
	const char *dest;
	unsigned int flags;		/* KF_* */
	unsigned int needs;		/* INJ_F_* the injector must have */
	size_t abi_off, abi_size;
	enum abi_conv conv;
	uint32_t abi_bit;
	const char *old_key;		/* an earlier name, still read */
	const char *help;
};

#define SCO(f) offsetof(struct scenario, f), sizeof(((struct scenario *)0)->f)
#define KO(f) offsetof(struct sc_kernel, f), sizeof(((struct sc_kernel *)0)->f)
#define EO(f) offsetof(struct sc_engine, f), sizeof(((struct sc_engine *)0)->f)
#define IO(f) offsetof(struct sc_inject, f), sizeof(((struct sc_inject *)0)->f)
#define PO(f) offsetof(struct sc_pressure, f), \
	sizeof(((struct sc_pressure *)0)->f)
#define TO(f) offsetof(struct sc_target, f), \
	sizeof(((struct sc_target *)0)->f)
#define NO(f) offsetof(struct sc_nic, f), sizeof(((struct sc_nic *)0)->f)
#define ABI(f) .dest_kind = D_ABI, .dest = "lab_start." #f, \
	.abi_off = offsetof(struct lab_start, f), \
	.abi_size = sizeof(((struct lab_start *)0)->f)
#define SYSCTL(p) .dest_kind = D_SYSCTL, .dest = "/proc/sys/vm/" p
#define ATTR(f) .dest_kind = D_ATTR, .dest = f
#define RUN(what) .dest_kind = D_RUN, .dest = what

#define HOUR_MS (3600ULL * 1000)

static const struct key_def keys[] = {
	/* [scenario] */
	{ S_SCENARIO, "name", K_NAME, SCO(name), RUN("report names"),
	  .help = "short name for reports (default: the file name)" },
	{ S_SCENARIO, "description", K_TEXT, SCO(description),
	  RUN("report and list"),
	  .help = "one line saying what the run shows" },
	{ S_SCENARIO, "duration", K_DURATION, SCO(duration_ms), .min = 100,
	  .max = 24 * HOUR_MS, .dflt = "30s", RUN("the run's length"),
	  .help = "how long the run lasts at most" },
	{ S_SCENARIO, "sample_interval", K_DURATION, SCO(sample_interval_ms),
	  .min = LAB_SERIES_INTERVAL_MIN_MS, .max = 60000, .dflt = "10ms",
	  .dest_kind = D_RUN, .dest = "lab_series.interval_ms",
	  .help = "period of the module's exact series (free pages, "
	  "watermarks, pages held, failures)" },
	{ S_SCENARIO, "proc_interval", K_DURATION, SCO(proc_interval_ms),
	  .min = 10, .max = 60000, .dflt = "250ms",
	  RUN("the /proc secondary series"),
	  .help = "period of the secondary series from /proc/vmstat and "
	  "/proc/meminfo (OOM kills, reclaim, MemAvailable)" },
	{ S_SCENARIO, "expect", K_ENUM, SCO(expect), .vocab = &vocab_expect,
	  .dflt = "survive", RUN("the exit status"),
	  .help = "the outcome the run must produce to exit 0" },
	{ S_SCENARIO, "stop_on", K_STOP, SCO(stop_on), RUN("stop conditions"),
	  .help = "end the run early on: atomic-failure, oom, engines, none "
	  "(default from expect)" },
	{ S_SCENARIO, "grace", K_DURATION, SCO(grace_ms), .max = 600000,
	  .dflt = "500ms", RUN("sampling after a stop condition"),
	  .help = "keep sampling this long after a stop condition" },
	{ S_SCENARIO, "ballast", K_SIZE, SCO(ballast_bytes), .max = 1ULL << 40,
	  RUN("a child with oom_score_adj 1000"),
	  .help = "memory sacrificial children hold for the OOM killer to "
	  "take, in four parts, one per OOM kill (a minimal guest has no "
	  "other victim and would panic)" },
	{ S_SCENARIO, "vm_only", K_BOOL, SCO(vm_only), .dflt = "no",
	  RUN("refusal outside the VM"),
	  .help = "refuse to run outside the labyrinth VM (panics, OOM "
	  "storms)" },

	/* [kernel]: sysctls, set for the run, restored after */
	{ S_KERNEL, "min_free_kbytes", K_LL, KO(min_free_kbytes), .min = 128,
	  .max = 4194304, .dflt = "-1", SYSCTL("min_free_kbytes"),
	  .help = "vm.min_free_kbytes (sizes the reserves)" },
	{ S_KERNEL, "watermark_scale_factor", K_LL, KO(watermark_scale_factor),
	  .min = 1, .max = 3000, .dflt = "-1",
	  SYSCTL("watermark_scale_factor"),
	  .help = "vm.watermark_scale_factor (min-low-high gap)" },
	{ S_KERNEL, "panic_on_oom", K_LL, KO(panic_on_oom), .max = 2,
	  .dflt = "-1", SYSCTL("panic_on_oom"), .help = "vm.panic_on_oom" },
	{ S_KERNEL, "oom_kill_allocating_task", K_LL,
	  KO(oom_kill_allocating_task), .max = 1, .dflt = "-1",
	  SYSCTL("oom_kill_allocating_task"),
	  .help = "vm.oom_kill_allocating_task" },
	{ S_KERNEL, "overcommit_memory", K_LL, KO(overcommit_memory), .max = 2,
	  .dflt = "-1", SYSCTL("overcommit_memory"),
	  .help = "vm.overcommit_memory" },

	/* [engine NAME] */
	{ S_ENGINE, "context", K_ENUM, EO(context), .vocab = &vocab_context,
	  .dflt = "hrtimer", ABI(context),
	  .help = "where allocations run: hard IRQ (hrtimer, irq_work), "
	  "softirq, or a kthread under a spinlock (kthread-atomic)" },
	{ S_ENGINE, "cpus", K_CPUS, EO(cpus), .dflt = "all",
	  .dest_kind = D_ABI, .dest = "lab_start.cpu_mask_uptr",
	  .help = "\"all\" or a CPU list like 0,2-3 (CPUs 0..63)" },
	{ S_ENGINE, "rate", K_U64, EO(rate), .min = 1, .max = LAB_RATE_MAX,
	  .dflt = "1000", ABI(rate), .help = "allocations per second per CPU" },
	{ S_ENGINE, "burst", K_U64, EO(burst), .min = 1, .max = LAB_BURST_MAX,
	  .dflt = "1", ABI(burst), .help = "allocations per tick" },
	{ S_ENGINE, "policy", K_ENUM, EO(policy), .vocab = &vocab_policy,
	  .dflt = "drain", .dest_kind = D_ABI, .dest = "lab_start.policy",
	  .help = "drain: hold every page until stop; churn: hold each for "
	  "hold=; leak-fraction: churn keeping leak= of them" },
	{ S_ENGINE, "hold", K_DURATION, EO(hold_ms), .min = 1, .max = HOUR_MS,
	  ABI(hold_ns), .conv = A_MS_NS,
	  .help = "churn: how long each page is held" },
	{ S_ENGINE, "leak", K_DOUBLE, EO(leak), .dmax = 1.0, .dflt = "0",
	  ABI(leak_ppm), .conv = A_PPM,
	  .help = "churn: fraction of pages kept until stop (a leaking "
	  "refill path)" },
	{ S_ENGINE, "gfp", K_ENUM, EO(gfp), .vocab = &vocab_gfp,
	  .dflt = "atomic", ABI(gfp), .conv = A_OR,
	  .help = "GFP_ATOMIC or GFP_NOWAIT" },
	{ S_ENGINE, "nowarn", K_BOOL, EO(nowarn), .dflt = "no", ABI(gfp),
	  .conv = A_BIT, .abi_bit = LAB_GFP_NOWARN,
	  .help = "add __GFP_NOWARN (no \"page allocation failure\" splat)" },
	{ S_ENGINE, "memalloc", K_BOOL, EO(memalloc), .dflt = "no", ABI(gfp),
	  .conv = A_BIT, .abi_bit = LAB_GFP_MEMALLOC,
	  .help = "add __GFP_MEMALLOC (ignores watermarks: drains the "
	  "reserve itself)" },
	{ S_ENGINE, "order", K_U64, EO(order), .max = LAB_ORDER_MAX,
	  .dflt = "0", ABI(order), .help = "allocation order (0 = one page)" },
	{ S_ENGINE, "shred", K_ENUM, EO(shred), .vocab = &vocab_shred,
	  .dflt = "fast", ABI(shred),
	  .help = "how a page is overwritten before it is given back" },
	{ S_ENGINE, "held_cap", K_U64, EO(held_cap), .min = 1,
	  .max = 1ULL << 28, .dflt = "1048576", ABI(held_cap),
	  .old_key = "max_pages",
	  .help = "hard cap on pages this engine holds (the module clamps it "
	  "to the machine's RAM)" },
	{ S_ENGINE, "stop_after_failures", K_U64, EO(stop_after_failures),
	  .max = 1ULL << 40, .dflt = "0", ABI(stop_after_failures),
	  .help = "engine stops itself after N genuine failures (0 = never)" },
	{ S_ENGINE, "start", K_DURATION, EO(start_ms), .max = 24 * HOUR_MS,
	  .dflt = "0", RUN("delay before LAB_IOC_START"),
	  .help = "delay from the start of the run" },
	{ S_ENGINE, "exhaust", K_DURATION, EO(exhaust_ms), .max = HOUR_MS,
	  .dflt = "0", ABI(exhaust_ns), .conv = A_MS_NS,
	  .help = "drain: the length of the hold phase: after the first "
	  "genuine failure keep the reserve exhausted this long (keep trying "
	  "at rate, keep every page), then release everything (0: no "
	  "phases; the run then ends after the last pulse recovered)" },
	{ S_ENGINE, "pulses", K_U64, EO(pulses), .min = 1,
	  .max = 50,	/* OUTCOME_MAX_PULSES */
	  .dflt = "1", RUN("engine starts, one per pulse"),
	  .help = "with exhaust: drain, exhaust and release this many times "
	  "(refill-after-failure bugs show on the second pulse)" },
	{ S_ENGINE, "gap", K_DURATION, EO(gap_ms), .max = HOUR_MS,
	  .dflt = "2s", RUN("delay between pulses"),
	  .help = "with pulses: from one pulse's recovery (free pages back "
	  "above low, or 30 s after the release) to the next pulse's drain" },
	{ S_ENGINE, "yield_to_reclaim", K_ENUM, EO(yield), .vocab = &vocab_yield,
	  .dflt = "auto", .dest_kind = D_ABI,
	  .dest = "lab_start.flags LAB_START_F_YIELD_TO_RECLAIM",
	  .help = "may direct reclaim take held pages back (the engine takes "
	  "them again at its rate)? auto: yes with exhaust; no: total "
	  "exhaustion, the guest dies if it lasts" },

	/* [fail_page_alloc], [failslab]: one section per injectors[] row */
	{ S_INJECT, "scope", K_SCOPE, IO(scope), .dflt = "none",
	  RUN("which attribute, or a BPF override() program"),
	  .help = "what to fail: labyrinth, system, module:NAME, "
	  "function:SYMBOL, chain:F1=>F2 (F2 called under F1), none" },
	{ S_INJECT, "gfp_filter", K_GFP, IO(gfp_filter),
	  RUN("the scope program's gfp predicate"),
	  .help = "scoped only: fail only requests with these gfp flags "
	  "set (__GFP_X) and clear (!__GFP_X); atomic = GFP_ATOMIC-class" },
	{ S_INJECT, "probability", K_DOUBLE, IO(probability), .dmax = 100.0,
	  .dflt = "0", ATTR("probability"), .flags = KF_DERIVED,
	  .help = "percent of calls that fail" },
	{ S_INJECT, "interval", K_U64, IO(interval), .min = 1,
	  .max = UINT32_MAX, .dflt = "1", ATTR("interval"), .flags = KF_DERIVED,
	  .help = "fail only every Nth call" },
	{ S_INJECT, "times", K_TIMES, IO(times), .max = INT32_MAX,
	  .dflt = "unlimited", ATTR("times"), .flags = KF_DERIVED,
	  .help = "fail at most N times (\"unlimited\" or -1: no limit)" },
	{ S_INJECT, "space", K_U64, IO(space), .max = UINT32_MAX, .dflt = "0",
	  ATTR("space"),
	  .help = "let this many bytes of allocations through first" },
	{ S_INJECT, "verbose", K_U64, IO(verbose), .max = 2, .dflt = "0",
	  ATTR("verbose"),
	  .help = "0 silent, 1 one line per failure, 2 with a stack trace" },
	{ S_INJECT, "verbose_ratelimit_interval_ms", K_U64,
	  IO(verbose_ratelimit_interval_ms), .max = 3600000, .dflt = "5000",
	  ATTR("verbose_ratelimit_interval_ms"), .flags = KF_IF_EXISTS,
	  .help = "rate limit of verbose messages" },
	{ S_INJECT, "verbose_ratelimit_burst", K_U64,
	  IO(verbose_ratelimit_burst), .max = 100000, .dflt = "10",
	  ATTR("verbose_ratelimit_burst"), .flags = KF_IF_EXISTS,
	  .help = "messages per rate-limit interval" },
	{ S_INJECT, "task_filter", K_BOOL, IO(task_filter), .dflt = "no",
	  ATTR("task-filter"),
	  .help = "fail only tasks with make-it-fail set (never acts in IRQ "
	  "context)" },
	{ S_INJECT, "ignore_gfp_wait", K_BOOL, IO(ignore_gfp_wait),
	  .dflt = "no", ATTR("ignore-gfp-wait"), .flags = KF_GLOBAL_ONLY,
	  .needs = INJ_F_GFP_WAIT,
	  .help = "do not fail allocations that may sleep" },
	{ S_INJECT, "stacktrace_depth", K_U64, IO(stacktrace_depth), .min = 1,
	  .max = 32, .dflt = "32", ATTR("stacktrace-depth"), .flags = KF_STACK,
	  .help = "stack filter depth (not on x86_64)" },
	{ S_INJECT, "require_start", K_ADDR, IO(require_start),
	  .max = UINT64_MAX, ATTR("require-start"), .flags = KF_STACK,
	  .help = "stack filter (not on x86_64)" },
	{ S_INJECT, "require_end", K_ADDR, IO(require_end), .max = UINT64_MAX,
	  ATTR("require-end"), .flags = KF_STACK,
	  .help = "stack filter (not on x86_64)" },
	{ S_INJECT, "reject_start", K_ADDR, IO(reject_start),
	  .max = UINT64_MAX, ATTR("reject-start"), .flags = KF_STACK,
	  .help = "stack filter (not on x86_64)" },
	{ S_INJECT, "reject_end", K_ADDR, IO(reject_end), .max = UINT64_MAX,
	  ATTR("reject-end"), .flags = KF_STACK,
	  .help = "stack filter (not on x86_64)" },
	{ S_INJECT, "start", K_DURATION, IO(start_ms), .max = 24 * HOUR_MS,
	  .dflt = "0", RUN("delay before arming"),
	  .help = "arm injection this long after the run starts" },
	{ S_INJECT, "min_order", K_U64, IO(min_order), .max = LAB_ORDER_MAX,
	  .dflt = "0", ATTR("min-order"), .flags = KF_GLOBAL_ONLY,
	  .needs = INJ_F_ORDER,
	  .help = "smallest order failed (kernel default 1: order-0 never "
	  "fails)" },
	{ S_INJECT, "max_order", K_U64, IO(max_order), .max = LAB_ORDER_MAX,
	  .dflt = "10", RUN("the scope program's order predicate"),
	  .needs = INJ_F_ORDER,
	  .help = "scoped only: largest order failed (max_order = 0: "
	  "order 0 only)" },
	{ S_INJECT, "ignore_gfp_highmem", K_BOOL, IO(ignore_gfp_highmem),
	  .dflt = "no", ATTR("ignore-gfp-highmem"), .flags = KF_GLOBAL_ONLY,
	  .needs = INJ_F_HIGHMEM,
	  .help = "do not fail __GFP_HIGHMEM allocations" },
	{ S_INJECT, "cache_filter", K_BOOL, IO(cache_filter), .dflt = "no",
	  ATTR("cache-filter"), .flags = KF_GLOBAL_ONLY, .needs = INJ_F_CACHE,
	  .help = "fail only caches listed in caches=" },
	{ S_INJECT, "caches", K_CACHES, IO(caches), .dest_kind = D_SLAB,
	  .dest = "/sys/kernel/slab/%s/failslab", .flags = KF_GLOBAL_ONLY,
	  .needs = INJ_F_CACHE,
	  .help = "slab caches whose /sys/kernel/slab/NAME/failslab is set" },

	/* [pressure]: stress-ng */
	{ S_PRESSURE, "vm", K_U64, PO(vm), .max = 1024, RUN("stress-ng --vm"),
	  .help = "stress-ng --vm workers" },
	{ S_PRESSURE, "vm_bytes", K_BYTES_PCT, PO(vm_bytes), .dflt = "80%",
	  RUN("stress-ng --vm-bytes"),
	  .help = "--vm-bytes: a size (512M) or a percentage of RAM (80%)" },
	{ S_PRESSURE, "vm_method", K_NAME, PO(vm_method),
	  RUN("stress-ng --vm-method"),
	  .help = "--vm-method (stress-ng --vm-method which lists them)" },
	{ S_PRESSURE, "vm_keep", K_BOOL, PO(vm_keep), .dflt = "no",
	  RUN("stress-ng --vm-keep"),
	  .help = "--vm-keep: do not unmap and remap" },
	{ S_PRESSURE, "bigheap", K_U64, PO(bigheap), .max = 1024,
	  RUN("stress-ng --bigheap"),
	  .help = "stress-ng --bigheap workers (grow until OOM)" },
	{ S_PRESSURE, "page_in", K_BOOL, PO(page_in), .dflt = "no",
	  RUN("stress-ng --page-in"),
	  .help = "--page-in: touch allocated pages that are not resident" },
	{ S_PRESSURE, "malloc", K_U64, PO(malloc), .max = 1024,
	  RUN("stress-ng --malloc"), .help = "stress-ng --malloc workers" },
	{ S_PRESSURE, "mmap", K_U64, PO(mmap), .max = 1024,
	  RUN("stress-ng --mmap"), .help = "stress-ng --mmap workers" },
	{ S_PRESSURE, "mmap_bytes", K_BYTES_PCT, PO(mmap_bytes),
	  RUN("stress-ng --mmap-bytes"),
	  .help = "--mmap-bytes: a size or a percentage of RAM" },
	{ S_PRESSURE, "brk", K_U64, PO(brk), .max = 1024,
	  RUN("stress-ng --brk"), .help = "stress-ng --brk workers" },
	{ S_PRESSURE, "oomable", K_BOOL, PO(oomable), .dflt = "no",
	  RUN("stress-ng --oomable"),
	  .help = "--oomable: let the OOM killer take workers (OOM is the "
	  "point)" },
	{ S_PRESSURE, "start", K_DURATION, PO(start_ms), .max = 24 * HOUR_MS,
	  .dflt = "0", RUN("delay before stress-ng starts"),
	  .help = "delay from the start of the run" },
	{ S_PRESSURE, "extra", K_EXTRA, PO(extra), RUN("stress-ng options"),
	  .help = "more stress-ng options, e.g. \"--vm-hang 0 "
	  "--mmap-odirect\"" },

	/* [trace] */
	/* [target]: the driver under test */
	{ S_TARGET, "module", K_TEXT, TO(module),
	  RUN("finit_module before the run, delete_module after"),
	  .help = "the driver under test: path of its .ko (relative: to the "
	  "scenario file's directory), loaded before the scenario starts "
	  "and unloaded after; built for the kernel it runs on" },
	{ S_TARGET, "params", K_TEXT, TO(params), RUN("module parameters"),
	  .help = "its parameters, as for insmod: name=value ..." },
	{ S_TARGET, "setup", K_TEXT, TO(setup), RUN("sh -c, before the run"),
	  .help = "a command run after the module is loaded, before the "
	  "scenario starts; a non-zero status stops the run (exit 7)" },
	{ S_TARGET, "workload", K_TEXT, TO(workload),
	  RUN("sh -c, a child during the run"),
	  .help = "a command run as a child while the scenario runs (traffic "
	  "for the driver), stopped (SIGTERM) after; its status is recorded" },
	{ S_TARGET, "check", K_TEXT, TO(check), RUN("sh -c, after the run"),
	  .help = "a command run after the scenario, before the module is "
	  "unloaded; its status is recorded, non-zero fails the run (exit 8)" },

	{ S_TRACE, "scripts", K_SCRIPTS, SCO(trace), RUN("bpftrace children"),
	  .help = "bpftrace scripts from scenarios/bpftrace/, comma-separated: "
	  "atomic-rate, inject-vs-genuine, oom-kills, alloc-latency" },

	/* [nic]: a real driver under a UDP flood (VM only) */
	{ S_NIC, "model", K_ENUM, NO(model), .vocab = &vocab_nic_model,
	  RUN("vm run: two such NICs on one QEMU hub"),
	  .help = "the NIC pair the VM gets (vm run --nic sets it)" },
	{ S_NIC, "rate", K_U64, NO(rate), .min = 1, .max = 200000,
	  .dflt = "5000", RUN("the flood's send rate"),
	  .help = "UDP packets per second from the root namespace's NIC to "
	  "the other's" },
	{ S_NIC, "size", K_U64, NO(size), .min = 16, .max = 1472,
	  .dflt = "512", RUN("the flood's payload"),
	  .help = "UDP payload bytes per packet (1472 fills a 1500 MTU)" },
	{ S_NIC, "packets", K_U64, NO(packets), .min = 1, .max = 100000000,
	  .dflt = "2000000", RUN("the flood's bound in packets"),
	  .help = "the flood stops after sending this many" },
	{ S_NIC, "duration", K_DURATION, NO(duration_ms), .max = 24 * HOUR_MS,
	  .dflt = "0", RUN("the flood's bound in time"),
	  .help = "the flood stops after this long (0: the run's duration)" },
	{ S_NIC, "slice", K_DURATION, NO(slice_ms), .min = 10, .max = 10000,
	  .dflt = "100ms", RUN("the flood's counting period"),
	  .help = "packets and driver counters are recorded per slice" },
	{ S_NIC, "recover", K_DURATION, NO(recover_ms), .min = 100,
	  .max = 600000, .dflt = "5s", RUN("the recovery check"),
	  .help = "traffic must flow again this soon after the last "
	  "exhaustion window ends" },
	{ S_NIC, "start", K_DURATION, NO(start_ms), .max = 24 * HOUR_MS,
	  .dflt = "0", RUN("delay before the flood"),
	  .help = "delay from the start of the run" },
};

/* ---- diagnostics ------------------------------------------------------- */

struct parse_ctx {
	struct scenario *sc;
	const char *file;
	const char *where;	/* "FILE:LINE" or "--set 'x'" */
	char wherebuf[512];
	unsigned int line;
	unsigned int errors;	/* in this parse or --set */
	/* the current section as the reader saw it */
	enum sec_id cur_sec;	/* S_MAX: none, or a bad one */
	int cur_engine;		/* index into sc->engine, or -1 */
	struct sc_inject *cur_inject;
	char cur_name[128];
	bool skip_section;	/* its header was bad: one error is enough */
	/* reader state */
	const char *pos;
};

static void add_msg(char ***list, size_t *n, const char *where,
		    const char *fmt, va_list ap)
{
	char msg[900];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xasprintf("%s: %s", where, msg);
}

static void __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->sc->errors, &c->sc->nerrors, c->where, fmt, ap);
	va_end(ap);
	c->errors++;
}

static void __attribute__((format(printf, 2, 3)))
note(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(&c->sc->notes, &c->sc->nnotes, c->where, fmt, ap);
	va_end(ap);
}

static void set_where_line(struct parse_ctx *c)
{
	snprintf(c->wherebuf, sizeof(c->wherebuf), "%s:%u", c->file, c->line);
	c->where = c->wherebuf;
}

/* The first error since `from` into err (what callers print first). */
static int first_error(const struct scenario *sc, size_t from, char *err,
		       size_t errlen)
{
	if (sc->nerrors <= from)
		return 0;
	snprintf(err, errlen, "%s", sc->errors[from]);
	return -1;
}

/* What a key allows, for error messages and --keys. */
static void describe(const struct key_def *d, char *buf, size_t len)
{
	size_t n;

	switch (d->type) {
	case K_BOOL:
		snprintf(buf, len, "yes or no");
		break;
	case K_U64:
		snprintf(buf, len, "an integer from %llu to %llu",
			 (unsigned long long)d->min,
			 (unsigned long long)d->max);
		break;
	case K_LL:
		snprintf(buf, len, "an integer from %llu to %llu, or -1 to "
			 "leave the kernel's value alone",
			 (unsigned long long)d->min,
			 (unsigned long long)d->max);
		break;
	case K_TIMES:
		snprintf(buf, len, "an integer from 0 to %llu, or unlimited",
			 (unsigned long long)d->max);
		break;
	case K_DOUBLE:
		snprintf(buf, len, "a number from %g to %g", d->dmin, d->dmax);
		break;
	case K_DURATION:
		snprintf(buf, len, "a duration like 250ms, 10s, 5m, from "
			 "%llums to %llus", (unsigned long long)d->min,
			 (unsigned long long)(d->max / 1000));
		break;
	case K_ENUM:
		n = (size_t)snprintf(buf, len, "one of: ");
		if (n < len)
			vocab_list(d->vocab, buf + n, len - n);
		break;
	case K_TEXT:
		snprintf(buf, len, "text up to %zu characters", d->size - 1);
		break;
	case K_NAME:
		snprintf(buf, len, "a word of letters, digits, '-' and '_' up "
			 "to %zu characters", d->size - 1);
		break;
	case K_CPUS:
		snprintf(buf, len, "all, or a CPU list like 0,2-3 (0..63)");
		break;
	case K_SCOPE:
		snprintf(buf, len, "labyrinth, system, module:NAME, "
			 "function:SYMBOL, chain:F1=>F2[=>F3] or none");
		break;
	case K_GFP:
		snprintf(buf, len, "atomic (__GFP_HIGH|!__GFP_DIRECT_RECLAIM), "
			 "or __GFP_ flags, each set or !clear, joined by |");
		break;
	case K_BYTES_PCT:
		snprintf(buf, len, "a size like 512M or a percentage like 80%%");
		break;
	case K_CACHES:
		snprintf(buf, len, "comma-separated slab cache names (see "
			 "/sys/kernel/slab), at most %d", SC_MAX_LIST);
		break;
	case K_SCRIPTS:
		snprintf(buf, len, "comma-separated script names (files "
			 "scenarios/bpftrace/NAME.bt), at most %d",
			 SC_MAX_LIST);
		break;
	case K_STOP:
		snprintf(buf, len, "comma-separated: atomic-failure, oom, "
			 "engines, or none");
		break;
	case K_EXTRA:
		snprintf(buf, len, "stress-ng options separated by spaces "
			 "(not -Y, --timeout, --oomable, -t: labyrinth sets them)");
		break;
	case K_ADDR:
		snprintf(buf, len, "an address like 0xffffffffc0000000");
		break;
	case K_SIZE:
		snprintf(buf, len, "a size like 64M or 1G (0: none)");
		break;
	}
}

/* ---- value parsers ----------------------------------------------------- */

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static bool is_word(const char *s, size_t max, const char *extra)
{
	size_t n = 0;

	if (!*s)
		return false;
	for (; *s; s++, n++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    !(extra && strchr(extra, *s)))
			return false;
	}
	return n < max;
}

int parse_cpulist(const char *s, uint64_t *mask)
{
	uint64_t m = 0;
	const char *p = s;

	if (!strcmp(s, "all")) {
		*mask = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*p) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*p))
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtoul(p, &end, 10);
		}
		if (a > 63 || b > 63 || b < a)
			return -1;
		for (; a <= b; a++)
			m |= 1ULL << a;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		if (*end == '\0' && end[-1] == ',')
			return -1;
		p = end;
	}
	*mask = m;
	return 0;
}

/* Split a comma-separated list into fixed slots of words. */
static int parse_list(const char *v, char list[][SC_NAME_MAX], size_t *n,
		      const char *extra, char *bad, size_t badlen)
{
	char *dup = xstrdup(v), *tok, *rest = dup;
	size_t count = 0;
	int ret = 0;

	/* strsep, not strtok: "a,,b" has an empty entry, a likely typo */
	while ((tok = strsep(&rest, ","))) {
		char *e;

		while (isspace((unsigned char)*tok))
			tok++;
		e = tok + strlen(tok);
		while (e > tok && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (count == SC_MAX_LIST || !is_word(tok, SC_NAME_MAX, extra)) {
			snprintf(bad, badlen, "%s", count == SC_MAX_LIST ?
				 "(too many entries)" :
				 *tok ? tok : "(empty entry)");
			ret = -1;
			break;
		}
		snprintf(list[count++], SC_NAME_MAX, "%s", tok);
	}
	free(dup);
	if (!ret && count == 0) {
		snprintf(bad, badlen, "(empty list)");
		ret = -1;
	}
	if (!ret)
		*n = count;
	return ret;
}

/*
 * "none", "labyrinth", "system", "module:NAME", "function:SYMBOL" or
 * "chain:F1=>F2[=>F3..]". 0, or -1 with why.
 */
static int parse_scope(const char *v, enum sc_scope *scope, char *target,
		       size_t tlen, char *why, size_t whylen)
{
	const char *colon = strchr(v, ':'), *arg = colon ? colon + 1 : "";
	struct scope_chain ch;
	char base[16];
	uint32_t s;

	snprintf(base, sizeof(base), "%.*s",
		 (int)(colon ? (size_t)(colon - v) : strlen(v)), v);
	if (vocab_parse(&vocab_scope, base, &s) < 0) {
		snprintf(why, whylen, "unknown kind '%s'", base);
		return -1;
	}
	/* only module, function and chain take a target, and need one */
	if (sc_scope_bpf((enum sc_scope)s) != !!colon || strlen(arg) >= tlen) {
		snprintf(why, whylen, colon ? "%s takes no target" :
			 "%s needs a target (%s:NAME)", base, base);
		return -1;
	}
	if (s == SC_SCOPE_FUNCTION && strstr(arg, "=>")) {
		snprintf(why, whylen, "function: takes one function; for a "
			 "call chain write chain:%s", arg);
		return -1;
	}
	/* module names: what /proc/modules shows ('-' becomes '_') */
	if (s == SC_SCOPE_MODULE && !is_word(arg, tlen, NULL)) {
		snprintf(why, whylen, "'%s' is not a module name", arg);
		return -1;
	}
	if ((s == SC_SCOPE_FUNCTION || s == SC_SCOPE_CHAIN) &&
	    scope_chain_parse(arg, &ch, why, whylen))
		return -1;
	*scope = (enum sc_scope)s;
	snprintf(target, tlen, "%s", arg);
	for (; *target; target++)
		if (s == SC_SCOPE_MODULE && *target == '-')
			*target = '_';
	return 0;
}

static int parse_bytes_pct(const char *v)
{
	uint64_t n;
	size_t len = strlen(v);

	if (len && v[len - 1] == '%') {
		char num[16];

		if (len > sizeof(num))
			return -1;
		memcpy(num, v, len - 1);
		num[len - 1] = '\0';
		return parse_u64(num, 1, 100, &n) ? -1 : 0;
	}
	return parse_size(v, 4096, 1ULL << 50, &n) ? -1 : 0;
}

/* stress-ng options labyrinth owns: the scenario sets them via keys. */
static const char *const extra_owned[] = {
	"-Y", "--yaml", "-t", "--timeout", "--oomable", "--log-file",
	"--job", "-j", "--metrics", "--metrics-brief",
};

static int parse_extra(const char *v, char *bad, size_t badlen)
{
	char *dup = xstrdup(v), *tok, *save = NULL;
	int ret = 0, first = 1;
	size_t i;

	for (tok = strtok_r(dup, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		const char *p;

		if (first && tok[0] != '-') {
			snprintf(bad, badlen, "'%s' is not an option (options "
				 "start with -)", tok);
			ret = -1;
			break;
		}
		first = 0;
		for (i = 0; i < ARRAY_SIZE(extra_owned); i++) {
			size_t l = strlen(extra_owned[i]);

			if (!strncmp(tok, extra_owned[i], l) &&
			    (tok[l] == '\0' || tok[l] == '=')) {
				snprintf(bad, badlen, "'%s' is set by labyrinth "
					 "itself", tok);
				ret = -1;
				goto out;
			}
		}
		for (p = tok; *p; p++)
			if (!isalnum((unsigned char)*p) &&
			    !strchr("-_.%:,=/", *p)) {
				snprintf(bad, badlen, "'%s' contains '%c'",
					 tok, *p);
				ret = -1;
				goto out;
			}
	}
out:
	free(dup);
	return ret;
}

static int parse_stop(const char *v, unsigned int *out, char *bad,
		      size_t badlen)
{
	char list[SC_MAX_LIST][SC_NAME_MAX];
	unsigned int bits = 0;
	size_t n, i;

	if (parse_list(v, list, &n, NULL, bad, badlen))
		return -1;
	for (i = 0; i < n; i++) {
		if (!strcmp(list[i], "atomic-failure"))
			bits |= SC_STOP_ATOMIC_FAILURE;
		else if (!strcmp(list[i], "oom"))
			bits |= SC_STOP_OOM;
		else if (!strcmp(list[i], "engines"))
			bits |= SC_STOP_ENGINES;
		else if (!strcmp(list[i], "none") && n == 1)
			bits = 0;
		else {
			snprintf(bad, badlen, "%s", list[i]);
			return -1;
		}
	}
	*out = bits;
	return 0;
}

/* ---- applying one key -------------------------------------------------- */

static bool row_in(const struct key_def *d, enum sec_id sec,
		   const struct injector *inj)
{
	if (d->sec != sec)
		return false;
	return sec != S_INJECT || !inj || !(d->needs & ~inj->filters);
}

/* The row of key (or of its old name, *old set) in a section. */
static const struct key_def *find_key(enum sec_id sec,
				      const struct injector *inj,
				      const char *key, bool *old)
{
	size_t i;

	*old = false;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (!row_in(&keys[i], sec, inj))
			continue;
		if (!strcmp(keys[i].key, key))
			return &keys[i];
		if (keys[i].old_key && !strcmp(keys[i].old_key, key)) {
			*old = true;
			return &keys[i];
		}
	}
	return NULL;
}

static void list_keys(enum sec_id sec, const struct injector *inj,
		      char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(keys) && n < len; i++)
		if (row_in(&keys[i], sec, inj))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "", keys[i].key);
}

static void mark_seen(struct parse_ctx *c, const char *sect, const char *key,
		      int *dup)
{
	struct scenario *sc = c->sc;
	char *id = xasprintf("%s.%s", sect, key);
	size_t i;

	*dup = 0;
	for (i = 0; i < sc->nseen; i++)
		if (!strcmp(sc->seen[i], id)) {
			*dup = 1;
			free(id);
			return;
		}
	sc->seen = xrealloc(sc->seen, (sc->nseen + 1) * sizeof(*sc->seen));
	sc->seen[sc->nseen++] = id;
}

/* The keys whose value is a list or a command line. */
static int set_text_value(const struct key_def *d, void *base,
			  const char *value, char *why, size_t whylen)
{
	char *field = (char *)base + d->off, bad[160] = "";

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)
	switch (d->type) {
	case K_GFP: {
		struct scope_gfp g;

		if (strlen(value) >= d->size)
			BAD("too long");
		if (scope_gfp_parse(value, &g, why, whylen))
			return -1;
		snprintf(field, d->size, "%s", value);
		return 0;
	}
	case K_CACHES: {
		struct sc_inject *in = base;

		if (parse_list(value, in->caches, &in->ncaches, ".:", bad,
			       sizeof(bad)))
			BAD("bad cache name %s", bad);
		return 0;
	}
	case K_SCRIPTS: {
		struct scenario *sc = base;

		if (parse_list(value, sc->trace, &sc->ntrace, NULL, bad,
			       sizeof(bad)))
			BAD("bad script name %s", bad);
		return 0;
	}
	case K_STOP: {
		struct scenario *sc = base;

		if (parse_stop(value, &sc->stop_on, bad, sizeof(bad)))
			BAD("unknown stop condition %s", bad);
		sc->stop_on_set = true;
		return 0;
	}
	case K_EXTRA:
		if (strlen(value) >= d->size)
			BAD("too long");
		if (parse_extra(value, bad, sizeof(bad)))
			BAD("%s", bad);
		snprintf(field, d->size, "%s", value);
		return 0;
	default:
		break;
	}
	BAD("internal: unhandled key type");
#undef BAD
}

/*
 * Parse value into the row's field. Returns 0, 1 (accepted, but spelt
 * the old way: *now says how to write it) or -1 with why set.
 */
static int set_value(const struct key_def *d, void *base, const char *value,
		     char *why, size_t whylen, const char **now)
{
	char *field = (char *)base + d->off;
	uint64_t u;
	uint32_t e;
	double dv;
	int r;

#define BAD(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)
#define RANGE(r, what) do { \
		if ((r) == -EINVAL) \
			BAD("not %s", what); \
		if (r) \
			BAD("out of range"); \
	} while (0)

	switch (d->type) {
	case K_BOOL:
		if (parse_bool(value, (bool *)field))
			BAD("not a yes/no value");
		return 0;
	case K_U64:
	case K_SIZE:
		r = d->type == K_U64 ? parse_u64(value, d->min, d->max, &u) :
		    parse_size(value, d->min, d->max, &u);
		RANGE(r, d->type == K_U64 ? "an integer" : "a size");
		*(uint64_t *)field = u;
		return 0;
	case K_LL:
	case K_TIMES:
		if (!strcmp(value, "-1") ||
		    (d->type == K_TIMES && !strcmp(value, "unlimited"))) {
			*(long long *)field = -1;
			return 0;
		}
		r = parse_u64(value, d->min, d->max, &u);
		RANGE(r, "an integer");
		*(long long *)field = (long long)u;
		return 0;
	case K_DOUBLE:
		r = parse_double(value, d->dmin, d->dmax, &dv);
		RANGE(r, "a number");
		*(double *)field = dv;
		return 0;
	case K_DURATION:
		r = parse_duration_ms(value, d->min, d->max, &u);
		RANGE(r, "a duration");
		*(uint64_t *)field = u;
		return 0;
	case K_ENUM:
		r = vocab_parse(d->vocab, value, &e);
		if (r < 0)
			BAD("not a known value");
		memcpy(field, &e, sizeof(e));
		*now = vocab_name(d->vocab, e);
		return r;
	case K_TEXT:
	case K_NAME:
		if (strlen(value) >= d->size)
			BAD("too long");
		if (d->type == K_NAME && !is_word(value, d->size, NULL))
			BAD("not a plain word");
		snprintf(field, d->size, "%s", value);
		return 0;
	case K_CPUS: {
		struct sc_engine *en = base;

		if (strlen(value) >= sizeof(en->cpus) ||
		    parse_cpulist(value, &en->cpumask))
			BAD("not a CPU list");
		snprintf(en->cpus, sizeof(en->cpus), "%s", value);
		return 0;
	}
	case K_SCOPE: {
		struct sc_inject *in = base;

		char w[240];

		if (parse_scope(value, &in->scope, in->target,
				sizeof(in->target), w, sizeof(w)))
			BAD("not a scope: %s", w);
		return 0;
	}
	case K_BYTES_PCT:
		if (strlen(value) >= d->size || parse_bytes_pct(value))
			BAD("not a size or percentage");
		snprintf(field, d->size, "%s", value);
		return 0;
	case K_CACHES:
	case K_SCRIPTS:
	case K_STOP:
	case K_EXTRA:
	case K_GFP:
		return set_text_value(d, base, value, why, whylen);
	case K_ADDR: {
		struct sc_inject *in = base;

		if (strncmp(value, "0x", 2) ||
		    parse_u64(value, 0, UINT64_MAX, &u))
			BAD("not a hex address");
		*(uint64_t *)field = u;
		in->has_stack_filter = true;
		return 0;
	}
	}
	BAD("internal: unhandled key type");
#undef RANGE
#undef BAD
}

/* Set one key of a section; errors and notes go to the scenario. */
static int apply(struct parse_ctx *c, const char *sect_label,
		 enum sec_id sec, const struct injector *inj, void *base,
		 const char *key, const char *value)
{
	const struct key_def *d;
	char allowed[512], why[300];
	const char *now = NULL;
	bool old;
	int r;

	d = find_key(sec, inj, key, &old);
	if (!d) {
		list_keys(sec, inj, allowed, sizeof(allowed));
		fail(c, "unknown key '%s' in [%s]; allowed keys: %s", key,
		     sect_label, allowed);
		return -1;
	}
	if (old)
		note(c, "[%s] %s: '%s' is the old name of '%s'; write %s",
		     sect_label, key, key, d->key, d->key);
	r = set_value(d, base, value, why, sizeof(why), &now);
	if (r < 0) {
		describe(d, allowed, sizeof(allowed));
		fail(c, "[%s] %s = '%s': %s; allowed: %s", sect_label, d->key,
		     value, why, allowed);
		return -1;
	}
	if (r > 0)
		note(c, "[%s] %s = %s: '%s' is the old name of '%s'; write "
		     "%s = %s", sect_label, d->key, value, value, now, d->key,
		     now);
	if (d->type == K_SCRIPTS)
		c->sc->trace_line = c->line;
	return 0;
}

/* Every default of a section, through the same parser as the file. */
static void apply_defaults(struct parse_ctx *c, enum sec_id sec,
			   const struct injector *inj, void *base)
{
	const char *where = c->where;
	size_t i;

	c->where = "internal: a default in the key table";
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].dflt && row_in(&keys[i], sec, inj))
			apply(c, keys[i].key, sec, inj, base, keys[i].key,
			      keys[i].dflt);
	c->where = where;
}

void sc_inject_defaults(struct sc_inject *in, enum inj_id id)
{
	struct scenario tmp = { 0 };
	struct parse_ctx c = { .sc = &tmp, .where = "" };

	memset(in, 0, sizeof(*in));
	in->id = id;
	apply_defaults(&c, S_INJECT, &injectors[id], in);
	scenario_free(&tmp);	/* no errors: the table's defaults parse */
}

/* ---- sections ---------------------------------------------------------- */

static void scenario_defaults(struct parse_ctx *c)
{
	struct scenario *sc = c->sc;
	size_t i;

	apply_defaults(c, S_SCENARIO, NULL, sc);
	apply_defaults(c, S_KERNEL, NULL, &sc->kernel);
	apply_defaults(c, S_PRESSURE, NULL, &sc->pressure);
	apply_defaults(c, S_NIC, NULL, &sc->nic);
	for (i = 0; i < INJ_COUNT; i++) {
		sc->inject[i].id = (enum inj_id)i;
		apply_defaults(c, S_INJECT, &injectors[i], &sc->inject[i]);
	}
}

static int find_engine(struct scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nengines; i++)
		if (!strcmp(sc->engine[i].name, name))
			return (int)i;
	return -1;
}

static void open_engine(struct parse_ctx *c, const char *raw, const char *sub)
{
	struct scenario *sc = c->sc;
	struct sc_engine *e;
	char ename[SC_NAME_MAX];
	int i;

	if (sub && !is_word(sub, SC_NAME_MAX, NULL)) {
		fail(c, "bad engine name '%s' in [%s]: use letters, digits, "
		     "'-' and '_' (up to %d characters)", sub, raw,
		     SC_NAME_MAX - 1);
		return;
	}
	snprintf(ename, sizeof(ename), "%s", sub ? sub : "main");
	i = find_engine(sc, ename);
	if (i >= 0) {
		fail(c, "[engine %s] appears twice (first at line %u); give "
		     "each engine its own name", ename, sc->engine[i].line);
		return;
	}
	if (sc->nengines == SC_MAX_ENGINES) {
		fail(c, "too many engines: at most %d", SC_MAX_ENGINES);
		return;
	}
	e = &sc->engine[sc->nengines];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", ename);
	e->line = c->line;
	apply_defaults(c, S_ENGINE, NULL, e);
	c->cur_engine = (int)sc->nengines++;
	c->cur_sec = S_ENGINE;
	snprintf(c->cur_name, sizeof(c->cur_name), "engine %s", ename);
}

/* A section that may appear once: say where it was first. */
static bool first_time(struct parse_ctx *c, const char *name, bool *present,
		       unsigned int *line)
{
	if (*present) {
		fail(c, "[%s] appears twice (first at line %u)", name, *line);
		return false;
	}
	*present = true;
	*line = c->line;
	return true;
}

/*
 * A "[...]" line, seen by the reader before inih, so that empty sections
 * exist and repeated ones are caught with both line numbers. A bad header
 * is one error; the keys under it are skipped.
 */
static void open_section(struct parse_ctx *c, const char *raw)
{
	struct scenario *sc = c->sc;
	const struct injector *inj;
	char name[128], *p;
	const char *sub = NULL;
	int i;

	snprintf(name, sizeof(name), "%s", raw);
	/* collapse "engine   rx" to "engine rx" */
	p = strchr(name, ' ');
	if (p) {
		*p = '\0';
		sub = p + 1;
		while (*sub == ' ' || *sub == '\t')
			sub++;
	}
	c->cur_engine = -1;
	c->cur_inject = NULL;
	c->cur_sec = S_MAX;
	c->cur_name[0] = '\0';
	c->skip_section = true;
	for (i = 0; i < S_MAX; i++)
		if (section_names[i] && !strcmp(name, section_names[i]))
			break;
	inj = injector_find(name);
	if (i == S_MAX && !inj) {
		fail(c, "unknown section [%s]; allowed: [scenario], [kernel], "
		     "[engine NAME], [fail_page_alloc], [failslab], "
		     "[pressure], [trace], [nic]", raw);
		return;
	}
	if (i == S_ENGINE) {
		open_engine(c, raw, sub);
		c->skip_section = c->cur_engine < 0;
		return;
	}
	if (sub) {
		fail(c, "section [%s] takes no name (only [engine NAME] does)",
		     raw);
		return;
	}
	if (inj) {
		c->cur_inject = &sc->inject[inj->id];
		if (!first_time(c, name, &c->cur_inject->present,
				&c->cur_inject->line))
			return;
		i = S_INJECT;
	}
	if (i == S_PRESSURE && !first_time(c, name, &sc->pressure.present,
					   &sc->pressure.line))
		return;
	if (i == S_TARGET && !first_time(c, name, &sc->target.present,
					 &sc->target.line))
		return;
	if (i == S_NIC && !first_time(c, name, &sc->nic.present,
				      &sc->nic.line))
		return;
	c->cur_sec = (enum sec_id)i;
	c->skip_section = false;
	snprintf(c->cur_name, sizeof(c->cur_name), "%s", name);
}

static void *section_base(struct scenario *sc, enum sec_id sec, int engine,
			  struct sc_inject *in)
{
	switch (sec) {
	case S_SCENARIO:
	case S_TRACE:
		return sc;
	case S_KERNEL:
		return &sc->kernel;
	case S_ENGINE:
		return engine >= 0 ? &sc->engine[engine] : NULL;
	case S_INJECT:
		return in;
	case S_PRESSURE:
		return &sc->pressure;
	case S_TARGET:
		return &sc->target;
	case S_NIC:
		return &sc->nic;
	default:
		return NULL;
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *c = user;
	const struct injector *inj;
	const struct key_def *d;
	bool old;
	int dup;

	(void)section;	/* the reader tracked it, with its line */
	set_where_line(c);
	if (c->skip_section)
		return 1;
	if (!c->cur_name[0]) {
		fail(c, "'%s' before any [section]: put it under [scenario] "
		     "or another section", name);
		return 1;
	}
	inj = c->cur_inject ? &injectors[c->cur_inject->id] : NULL;
	/* duplicates by the key's one name: held_cap and max_pages clash */
	d = find_key(c->cur_sec, inj, name, &old);
	mark_seen(c, c->cur_name, d ? d->key : name, &dup);
	if (dup) {
		fail(c, "[%s] %s is set twice; keep one", c->cur_name, name);
		return 1;
	}
	apply(c, c->cur_name, c->cur_sec, inj,
	      section_base(c->sc, c->cur_sec, c->cur_engine, c->cur_inject),
	      name, value);
	return 1;
}

/* A section header line: "[name]", with nothing after it but a comment. */
static void reader_section(struct parse_ctx *c, const char *p)
{
	const char *end = strchr(p, ']'), *q;
	char name[128];
	size_t n;

	if (!end) {
		fail(c, "section header without ']'");
		c->skip_section = true;
		return;
	}
	for (q = end + 1; *q; q++)
		if (!isspace((unsigned char)*q)) {
			if (*q == ';' || *q == '#')
				break;
			fail(c, "text after the section header's ']'");
			c->skip_section = true;
			return;
		}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	n = (size_t)(end - p);
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(name)) {
		fail(c, "empty or overlong section name");
		c->skip_section = true;
		return;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	open_section(c, name);
}

/*
 * inih's reader callback: hand out one line, count lines, and catch what
 * inih would misread silently or stop at: overlong lines (it splits
 * them), indented lines (it takes them as continuations of the previous
 * value), lines that are no key = value, and section headers (tracked
 * here with their line number). A bad line is reported and handed to
 * inih as an empty comment, so the parse goes on to the next mistake.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *nl, *p;
	size_t len;

	if (!*c->pos)
		return NULL;
	nl = strchr(c->pos, '\n');
	len = nl ? (size_t)(nl - c->pos) + 1 : strlen(c->pos);
	c->line++;
	set_where_line(c);
	if (len >= (size_t)num) {
		fail(c, "line is too long (%zu characters, at most %d)",
		     len - (nl ? 1 : 0), num - 2);
		c->pos += len;
		return strcpy(str, ";\n");
	}
	memcpy(str, c->pos, len);
	str[len] = '\0';
	c->pos += len;

	p = str;
	if (c->line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;	/* inih skips a UTF-8 BOM too */
	str = (char *)p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n' || *p == '\r' || *p == ';' || *p == '#')
		return str;
	if (p != str) {
		fail(c, "indented line: scenario files take no continuation "
		     "lines; remove the leading whitespace");
		return strcpy(str, ";\n");
	}
	if (*p == '[') {
		reader_section(c, p);
		return strcpy(str, ";\n");
	}
	if (!strpbrk(p, "=:")) {
		fail(c, "syntax error: expected '[section]', 'key = value' "
		     "or a '; comment'");
		return strcpy(str, ";\n");
	}
	return str;
}

/* ---- public ------------------------------------------------------------ */

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void scenario_free(struct scenario *sc)
{
	free(sc->file);
	free(sc->text);
	free_list(sc->overrides, sc->noverrides);
	free_list(sc->seen, sc->nseen);
	free_list(sc->errors, sc->nerrors);
	free_list(sc->notes, sc->nnotes);
	memset(sc, 0, sizeof(*sc));
}

int scenario_parse_string(struct scenario *sc, const char *file,
			  const char *text, char *err, size_t errlen)
{
	struct parse_ctx c = { 0 };
	const char *script_dir = sc->script_dir;
	const char *base;
	int r;

	memset(sc, 0, sizeof(*sc));
	sc->script_dir = script_dir;
	c.sc = sc;
	c.file = file;
	c.pos = text;
	c.cur_engine = -1;
	c.cur_sec = S_MAX;
	c.where = file;
	if (errlen)
		err[0] = '\0';
	scenario_defaults(&c);
	sc->file = xstrdup(file);
	sc->text = xstrdup(text);
	sha256_hex(text, strlen(text), sc->sha256);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	snprintf(sc->name, sizeof(sc->name), "%.*s",
		 (int)(strcspn(base, ".") ? strcspn(base, ".") : strlen(base)),
		 base);

	r = ini_parse_stream(reader, &c, handler, &c);
	if (r > 0) {
		c.line = (unsigned int)r;
		set_where_line(&c);
		fail(&c, "syntax error: expected '[section]', 'key = value' "
		     "or a '; comment'");
	} else if (r < 0) {
		fail(&c, "could not parse (inih error %d)", r);
	}
	return first_error(sc, 0, err, errlen);
}

int scenario_load(struct scenario *sc, const char *path, char *err,
		  size_t errlen)
{
	char *text;
	size_t len;
	int r;

	memset(sc, 0, sizeof(*sc));
	r = read_file(path, &text, &len);
	if (r) {
		snprintf(err, errlen, "%s: cannot read scenario: %s%s", path,
			 strerror(-r), r == -ENOENT ?
			 " (run 'labyrinth list' for the shipped ones)" : "");
		return -1;
	}
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: NUL byte in the file: is this a "
			 "scenario?", path);
		free(text);
		return -1;
	}
	r = scenario_parse_string(sc, path, text, err, errlen);
	free(text);
	return r;
}

/* "engine", "engine.NAME" or a section name: which section --set means. */
static int set_section(struct parse_ctx *c, const char *path, const char *key,
		       enum sec_id *sec, int *engine, struct sc_inject **in,
		       char *label, size_t llen)
{
	struct scenario *sc = c->sc;
	const struct injector *inj;
	int i;

	if (!strncmp(path, "engine", 6) && (path[6] == '\0' || path[6] == '.')) {
		*sec = S_ENGINE;
		if (path[6] == '.') {
			*engine = find_engine(sc, path + 7);
		} else if (sc->nengines == 1) {
			*engine = 0;
		} else {
			char names[256] = "";
			size_t n = 0, k;

			for (k = 0; k < sc->nengines; k++)
				n += (size_t)snprintf(names + n,
						      sizeof(names) - n,
						      "%s%s", k ? ", " : "",
						      sc->engine[k].name);
			fail(c, "the scenario has %zu engines: name one, as "
			     "engine.NAME.%s (engines: %s)", sc->nengines, key,
			     sc->nengines ? names : "none");
			return -1;
		}
		if (*engine < 0) {
			fail(c, "%s has no [engine %s]; run 'labyrinth check %s' "
			     "to see its engines", sc->file, path + 7,
			     sc->file);
			return -1;
		}
		snprintf(label, llen, "engine %s", sc->engine[*engine].name);
		return 0;
	}
	for (i = 0; i < S_MAX; i++)
		if (section_names[i] && i != S_ENGINE &&
		    !strcmp(path, section_names[i]))
			break;
	inj = injector_find(path);
	if (i == S_MAX && !inj) {
		fail(c, "unknown section '%s'; allowed: scenario, kernel, "
		     "engine[.NAME], fail_page_alloc, failslab, pressure, "
		     "trace, nic", path);
		return -1;
	}
	*sec = inj ? S_INJECT : (enum sec_id)i;
	*in = inj ? &sc->inject[inj->id] : NULL;
	snprintf(label, llen, "%s", path);
	return 0;
}

int scenario_set(struct scenario *sc, const char *assignment, char *err,
		 size_t errlen)
{
	struct parse_ctx c = { 0 };
	char *dup = xstrdup(assignment), *eq, *dot, *key, label[128];
	struct sc_inject *in = NULL;
	size_t from = sc->nerrors;
	enum sec_id sec;
	int engine = -1;

	c.sc = sc;
	snprintf(c.wherebuf, sizeof(c.wherebuf), "--set '%s'", assignment);
	c.where = c.wherebuf;
	eq = strchr(dup, '=');
	dot = eq ? memrchr(dup, '.', (size_t)(eq - dup)) : NULL;
	if (!eq || !dot || dot == dup || dot + 1 == eq) {
		fail(&c, "expected section.key=value, e.g. "
		     "scenario.duration=10s or engine.rx.rate=5000");
		goto out;
	}
	*eq = '\0';
	*dot = '\0';
	key = dot + 1;
	if (set_section(&c, dup, key, &sec, &engine, &in, label,
			sizeof(label)))
		goto out;
	if (apply(&c, label, sec, in ? &injectors[in->id] : NULL,
		  section_base(sc, sec, engine, in), key, eq + 1))
		goto out;
	if (in)
		in->present = true;
	if (sec == S_PRESSURE)
		sc->pressure.present = true;
	if (sec == S_NIC)
		sc->nic.present = true;
	sc->overrides = xrealloc(sc->overrides,
				 (sc->noverrides + 1) * sizeof(char *));
	sc->overrides[sc->noverrides++] = xstrdup(assignment);
out:
	free(dup);
	return first_error(sc, from, err, errlen);
}

int scenario_key_info(struct scenario *sc, const char *path,
		      struct sc_key_info *ki, char *err, size_t errlen)
{
	struct parse_ctx c = { 0 };
	char *dup = xstrdup(path), *dot = strrchr(dup, '.'), label[128];
	char allowed[512];
	const struct key_def *d = NULL;
	struct sc_inject *in = NULL;
	size_t from = sc->nerrors;
	enum sec_id sec;
	int engine = -1;
	bool old;

	c.sc = sc;
	snprintf(c.wherebuf, sizeof(c.wherebuf), "--vary '%s'", path);
	c.where = c.wherebuf;
	memset(ki, 0, sizeof(*ki));
	if (!dot || dot == dup || !dot[1]) {
		fail(&c, "expected section.key, e.g. engine.rate or "
		     "scenario.ballast");
		goto out;
	}
	*dot = '\0';
	if (set_section(&c, dup, dot + 1, &sec, &engine, &in, label,
			sizeof(label)))
		goto out;
	d = find_key(sec, in ? &injectors[in->id] : NULL, dot + 1, &old);
	if (!d) {
		list_keys(sec, in ? &injectors[in->id] : NULL, allowed,
			  sizeof(allowed));
		fail(&c, "unknown key '%s' in [%s]; allowed keys: %s", dot + 1,
		     label, allowed);
		goto out;
	}
	snprintf(ki->section, sizeof(ki->section), "%s", label);
	snprintf(ki->name, sizeof(ki->name), "%s", d->key);
	snprintf(ki->old_name, sizeof(ki->old_name), "%s",
		 d->old_key ? d->old_key : "");
	ki->min = (double)d->min;
	ki->max = (double)d->max;
	switch (d->type) {
	case K_U64:
	case K_LL:
	case K_TIMES:
		ki->kind = SC_KEY_INTEGER;
		break;
	case K_DURATION:
		ki->kind = SC_KEY_DURATION;
		break;
	case K_SIZE:
		ki->kind = SC_KEY_SIZE;
		break;
	case K_DOUBLE:
		ki->kind = SC_KEY_NUMBER;
		ki->min = d->dmin;
		ki->max = d->dmax;
		break;
	default:
		ki->kind = SC_KEY_OTHER;
	}
	describe(d, ki->takes, sizeof(ki->takes));
out:
	free(dup);
	return first_error(sc, from, err, errlen);
}

/* ---- cross-key checks ---------------------------------------------------- */

static void __attribute__((format(printf, 3, 4)))
fin_err(struct scenario *sc, unsigned int line, const char *fmt, ...)
{
	char where[512];
	va_list ap;

	if (line)
		snprintf(where, sizeof(where), "%s:%u", sc->file, line);
	else
		snprintf(where, sizeof(where), "%s", sc->file);
	va_start(ap, fmt);
	add_msg(&sc->errors, &sc->nerrors, where, fmt, ap);
	va_end(ap);
}

static bool pressure_has_workers(const struct sc_pressure *p)
{
	return p->vm || p->bigheap || p->malloc || p->mmap || p->brk ||
	       p->extra[0];
}

/* The keys only a scope program (or only a kernel attribute) obeys. */
static void check_inject_scoped(struct scenario *sc,
				const struct sc_inject *in)
{
	const char *name = injectors[in->id].name;
	const char *scope = vocab_str(&vocab_scope, in->scope);
	bool order = injectors[in->id].filters & INJ_F_ORDER;

	if (!sc_scope_bpf(in->scope)) {
		if (in->gfp_filter[0] ||
		    (order && in->max_order != LAB_ORDER_MAX))
			fin_err(sc, in->line, "[%s] gfp_filter and max_order "
				"need scope = chain:/function:/module: (the "
				"kernel's attribute cannot filter on them); "
				"scope = %s has min_order and ignore_gfp_wait",
				name, scope);
		return;
	}
	if (order && in->min_order > in->max_order)
		fin_err(sc, in->line, "[%s] min_order %llu is above max_order "
			"%llu: nothing would fail", name,
			(unsigned long long)in->min_order,
			(unsigned long long)in->max_order);
	if (in->space || in->verbose || in->task_filter)
		fin_err(sc, in->line, "[%s] space, verbose and task_filter "
			"are the kernel attribute's; scope = %s is decided by "
			"a BPF program that has none of them (it has "
			"probability, interval, times, min_order, max_order, "
			"gfp_filter)", name, scope);
	if (in->cache_filter)
		fin_err(sc, in->line, "[%s] cache_filter with scope = %s: the "
			"test kernel has no BTF, so the program cannot read the "
			"cache name; use scope = system for per-cache "
			"injection", name, scope);
}

static void check_inject(struct scenario *sc, const struct sc_inject *in)
{
	const char *name = injectors[in->id].name;

	if (!in->present || in->scope == SC_SCOPE_NONE)
		return;
	if (in->probability == 0.0 && in->interval <= 1 && in->times != 0)
		/* probability 0 never fails; make the mistake loud */
		fin_err(sc, in->line, "[%s] scope = %s but probability is 0: "
			"nothing would fail; set probability (percent), e.g. "
			"probability = 100 with interval = N for every Nth "
			"call", name, vocab_str(&vocab_scope, in->scope));
	if (in->scope == SC_SCOPE_LABYRINTH &&
	    !(injectors[in->id].filters & INJ_F_PRIVATE))
		fin_err(sc, in->line, "[%s] scope = labyrinth: the module's "
			"private attribute covers its page allocations only; "
			"use [fail_page_alloc] scope = labyrinth, or %s with "
			"scope = module:labyrinth", name, name);
	else if (in->scope == SC_SCOPE_LABYRINTH && sc->nengines == 0)
		fin_err(sc, in->line, "[%s] scope = labyrinth needs at least "
			"one [engine]: only the module's own allocations are "
			"failed", name);
	if (sc_scope_bpf(in->scope) && !in->target[0])
		fin_err(sc, in->line, "[%s] scope needs a target", name);
	check_inject_scoped(sc, in);
#if defined(__x86_64__)
	if (in->has_stack_filter)
		fin_err(sc, in->line, "[%s] require_/reject_ stack filter "
			"keys: x86_64 has no stack filter "
			"(FAULT_INJECTION_STACKTRACE_FILTER depends on "
			"!X86_64); use scope = module:NAME or function:SYMBOL "
			"instead", name);
#endif
	if (in->cache_filter && in->ncaches == 0)
		fin_err(sc, in->line, "[%s] cache_filter = yes needs caches = "
			"NAME,...", name);
	if (in->ncaches && !in->cache_filter)
		fin_err(sc, in->line, "[%s] caches= only takes effect with "
			"cache_filter = yes", name);
	if (in->start_ms >= sc->duration_ms)
		fin_err(sc, in->line, "[%s] start (%llums) is not before the "
			"end of the run (duration %llums)", name,
			(unsigned long long)in->start_ms,
			(unsigned long long)sc->duration_ms);
}

/* exhaust, pulses, gap, yield_to_reclaim: the exhaustion phases. */
static void check_engine_phases(struct scenario *sc, const struct sc_engine *e)
{
	if (e->exhaust_ms && e->policy != LAB_POLICY_DRAIN)
		fin_err(sc, e->line, "[engine %s] exhaust only applies to policy "
			"= drain (a churn engine gives its pages back as it "
			"goes)", e->name);
	if (e->exhaust_ms && e->stop_after_failures)
		fin_err(sc, e->line, "[engine %s] exhaust = %llums with "
			"stop_after_failures = %llu: the engine would stop at "
			"its failure limit instead of holding the reserve "
			"exhausted; set stop_after_failures = 0", e->name,
			(unsigned long long)e->exhaust_ms,
			(unsigned long long)e->stop_after_failures);
	if (e->pulses > 1 && !e->exhaust_ms)
		fin_err(sc, e->line, "[engine %s] pulses = %llu needs exhaust = "
			"DURATION (each pulse drains, holds the reserve "
			"exhausted that long and releases)", e->name,
			(unsigned long long)e->pulses);
	if (e->yield == SC_YIELD_YES &&
	    sc_engine_policy(e) == LAB_POLICY_CHURN)
		fin_err(sc, e->line, "[engine %s] yield_to_reclaim = yes: only "
			"pages held until the stop yield (drain, and the kept "
			"share of leak-fraction); churn gives each back after "
			"hold= anyway", e->name);
}

/* [target]: params need a module, and a module is a .ko. */
static void check_target(struct scenario *sc)
{
	const struct sc_target *t = &sc->target;
	size_t n = strlen(t->module);

	if (t->params[0] && !t->module[0])
		fin_err(sc, t->line, "[target] params = '%s' without module: "
			"name the driver's .ko (module = path/to/mydrv.ko)",
			t->params);
	if (n && (n < 4 || strcmp(t->module + n - 3, ".ko")))
		fin_err(sc, t->line, "[target] module = '%s': expected the "
			"path of a .ko file (built against the test kernel: "
			"make -C $(make -s kdir) M=$PWD)", t->module);
}

static void check_engine(struct scenario *sc, const struct sc_engine *e)
{
	if (e->policy != LAB_POLICY_DRAIN && !e->hold_ms)
		fin_err(sc, e->line, "[engine %s] policy = %s needs hold = "
			"DURATION (how long each page is held)", e->name,
			vocab_str(&vocab_policy, e->policy));
	if (e->policy == LAB_POLICY_DRAIN && (e->hold_ms || e->leak))
		fin_err(sc, e->line, "[engine %s] hold/leak only apply to "
			"policy = churn (drain holds every page until stop)",
			e->name);
	if (e->policy == LAB_POLICY_LEAK_FRACTION && !e->leak)
		fin_err(sc, e->line, "[engine %s] policy = leak-fraction needs "
			"leak = FRACTION (of the pages kept until stop)",
			e->name);
	if (e->start_ms >= sc->duration_ms)
		fin_err(sc, e->line, "[engine %s] start is not before the end "
			"of the run", e->name);
	/* the module's tick is burst / rate s, at least 10 us */
	if (e->rate / e->burst > 1000000000ULL / LAB_PERIOD_MIN_NS)
		fin_err(sc, e->line, "[engine %s] rate %llu with burst %llu "
			"means more than %llu ticks per second per CPU; raise "
			"burst to at least %llu", e->name,
			(unsigned long long)e->rate,
			(unsigned long long)e->burst,
			1000000000ULL / LAB_PERIOD_MIN_NS,
			(unsigned long long)((e->rate + 99999) / 100000));
	/* the module's work budget per tick: burst << order pages */
	if ((e->burst << e->order) > LAB_TICK_PAGES_MAX)
		fin_err(sc, e->line, "[engine %s] burst %llu of order %u is "
			"%llu pages per tick, more than the module does in one "
			"tick (%d): lower burst to %d or less, or raise rate "
			"instead", e->name, (unsigned long long)e->burst,
			(unsigned int)e->order,
			(unsigned long long)(e->burst << e->order),
			LAB_TICK_PAGES_MAX, LAB_TICK_PAGES_MAX >> e->order);
	if (e->burst > e->rate)
		fin_err(sc, e->line, "[engine %s] burst (%llu) is larger than "
			"rate (%llu per second)", e->name,
			(unsigned long long)e->burst,
			(unsigned long long)e->rate);
	check_engine_phases(sc, e);
}

static void check_nic(struct scenario *sc, const struct sc_nic *n)
{
	uint64_t len = n->duration_ms ? n->duration_ms : sc->duration_ms;

	if (!n->present)
		return;
	if (n->model == SC_NIC_NONE)
		fin_err(sc, n->line, "[nic] has no model: set model = e1000 "
			"or virtio-net (or give 'labyrinth vm run --nic "
			"MODEL')");
	if (n->start_ms >= sc->duration_ms)
		fin_err(sc, n->line, "[nic] start is not before the end of the "
			"run");
	if (n->slice_ms * 2 > len)
		fin_err(sc, n->line, "[nic] slice (%llums) leaves fewer than two "
			"slices in the flood's %llums: shorten slice",
			(unsigned long long)n->slice_ms,
			(unsigned long long)len);
}

static void check_scenario(struct scenario *sc)
{
	size_t i;

	if (sc->sample_interval_ms > sc->duration_ms)
		fin_err(sc, 0, "[scenario] sample_interval (%llums) is longer "
			"than duration (%llums)",
			(unsigned long long)sc->sample_interval_ms,
			(unsigned long long)sc->duration_ms);
	if (sc->pressure.present && !pressure_has_workers(&sc->pressure))
		fin_err(sc, sc->pressure.line, "[pressure] starts no stress-ng "
			"workers: set vm, bigheap, malloc, mmap, brk or extra");
	if (sc->pressure.present && sc->pressure.start_ms >= sc->duration_ms)
		fin_err(sc, sc->pressure.line, "[pressure] start is not before "
			"the end of the run");
	if (sc->nengines == 0 && !sc->pressure.present &&
	    !sc->inject[INJ_PAGE_ALLOC].present &&
	    !sc->inject[INJ_SLAB].present)
		fin_err(sc, 0, "nothing to run: add an [engine NAME], "
			"[pressure] or an injector section");
	if (sc->expect == SC_EXPECT_PANIC && !sc->vm_only)
		fin_err(sc, 0, "expect = panic also needs vm_only = yes: a "
			"scenario that panics the kernel must never run on a "
			"real machine by accident");
	if (sc->expect == SC_EXPECT_CRASH && !sc->vm_only)
		fin_err(sc, 0, "expect = crash also needs vm_only = yes: a "
			"reproducer that crashes the kernel must never run on "
			"a real machine by accident");
	if (sc->expect == SC_EXPECT_PANIC && sc->kernel.panic_on_oom < 1)
		fin_err(sc, 0, "expect = panic needs [kernel] panic_on_oom = 1 "
			"or 2 (that is how labyrinth provokes the panic)");
	check_nic(sc, &sc->nic);
	for (i = 0; sc->script_dir && i < sc->ntrace; i++) {
		char *p = xasprintf("%s/%s.bt", sc->script_dir, sc->trace[i]);

		if (access(p, R_OK))
			fin_err(sc, sc->trace_line, "[trace] scripts: no script "
				"'%s' in %s (files there are NAME.bt)",
				sc->trace[i], sc->script_dir);
		free(p);
	}
}

/* Forget what the last scenario_finish() found. */
static void drop_checks(struct scenario *sc)
{
	size_t i;

	if (!sc->check_n)
		return;
	for (i = 0; i < sc->check_n; i++)
		free(sc->errors[sc->check_at + i]);
	memmove(sc->errors + sc->check_at,
		sc->errors + sc->check_at + sc->check_n,
		(sc->nerrors - sc->check_at - sc->check_n) *
		sizeof(*sc->errors));
	sc->nerrors -= sc->check_n;
	sc->check_n = 0;
}

int scenario_finish(struct scenario *sc, char *err, size_t errlen)
{
	size_t from, i;

	if (errlen)
		err[0] = '\0';
	drop_checks(sc);
	/* cross checks of a file with bad keys would mislead */
	if (sc->nerrors)
		return first_error(sc, 0, err, errlen);
	from = sc->check_at = sc->nerrors;
	check_scenario(sc);
	for (i = 0; i < sc->nengines; i++)
		check_engine(sc, &sc->engine[i]);
	check_target(sc);
	for (i = 0; i < INJ_COUNT; i++)
		check_inject(sc, &sc->inject[i]);
	if (!sc->stop_on_set) {
		switch (sc->expect) {
		case SC_EXPECT_ATOMIC_FAILURE:
			sc->stop_on = SC_STOP_ATOMIC_FAILURE;
			break;
		case SC_EXPECT_OOM:
			sc->stop_on = SC_STOP_OOM;
			break;
		default:
			sc->stop_on = 0;
		}
		/* an exhaust engine ends the run when its last pulse has
		 * recovered (its "stop" is the release, not the end) */
		for (i = 0; i < sc->nengines; i++)
			if (sc->engine[i].exhaust_ms)
				sc->stop_on |= SC_STOP_ENGINES;
	}
	for (i = 0; i < sc->nengines; i++)
		if (sc->engine[i].exhaust_ms &&
		    (sc->stop_on & SC_STOP_ATOMIC_FAILURE))
			fin_err(sc, sc->engine[i].line, "[engine %s] exhaust "
				"holds the reserve past the first genuine "
				"failure, but stop_on = atomic-failure ends the "
				"run there: set stop_on = engines (or leave "
				"stop_on out, and expect = survive)",
				sc->engine[i].name);
	sc->requires_fault_injection = false;
	for (i = 0; i < INJ_COUNT; i++)
		if (sc->inject[i].present &&
		    sc->inject[i].scope != SC_SCOPE_NONE)
			sc->requires_fault_injection = true;
	sc->check_n = sc->nerrors - from;
	return first_error(sc, from, err, errlen);
}

void scenario_print_keys(FILE *f)
{
	enum sec_id last = S_MAX;
	char allowed[512];
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key_def *d = &keys[i];

		if (d->sec != last) {
			fprintf(f, "%s[%s]\n", i ? "\n" : "",
				d->sec == S_ENGINE ? "engine NAME" :
				d->sec == S_INJECT ?
				"fail_page_alloc] and [failslab" :
				section_names[d->sec]);
			last = d->sec;
		}
		describe(d, allowed, sizeof(allowed));
		fprintf(f, "  %s", d->key);
		for (k = 0; d->sec == S_INJECT && d->needs && k < INJ_COUNT;
		     k++)
			if (!(d->needs & ~injectors[k].filters))
				fprintf(f, " ([%s] only)", injectors[k].name);
		fprintf(f, "\n      %s\n      allowed: %s\n", d->help,
			allowed);
		if (d->dflt)
			fprintf(f, "      default: %s\n", d->dflt);
		if (d->old_key)
			fprintf(f, "      old name: %s\n", d->old_key);
		fprintf(f, "      goes to: %s%s\n",
			d->dest_kind == D_ATTR ? "fault attribute file " : "",
			d->dest);
	}
}

char *scenario_summary_line(const char *text)
{
	char *out = xcalloc(1, 1);
	size_t len = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;

		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if (q == p + n) {	/* blank line ends the first block */
			if (len)
				break;
		} else if (*q == ';' || *q == '#') {
			q++;
			while (q < p + n && (*q == ';' || *q == '#'))
				q++;
			while (q < p + n && *q == ' ')
				q++;
			if (q < p + n) {
				size_t k = (size_t)(p + n - q);

				out = xrealloc(out, len + k + 2);
				if (len)
					out[len++] = ' ';
				memcpy(out + len, q, k);
				len += k;
				out[len] = '\0';
			}
		} else {
			break;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return out;
}

/* ---- destinations -------------------------------------------------------- */

static const struct key_def *row(enum sec_id sec, const char *key)
{
	bool old;

	return find_key(sec, NULL, key, &old);
}

/* A field as an integer (durations in ms, booleans 0/1, -1 for "unset"). */
static long long field_ll(const struct key_def *d, const void *base)
{
	const char *f = (const char *)base + d->off;
	uint32_t u32;

	switch (d->type) {
	case K_BOOL:
		return *(const bool *)f;
	case K_LL:
	case K_TIMES:
		return *(const long long *)f;
	case K_ENUM:
		memcpy(&u32, f, sizeof(u32));
		return u32;
	default:
		return (long long)*(const uint64_t *)f;
	}
}

static void push(struct sc_write *out, size_t max, size_t *n,
		 const char *path, unsigned int flags, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void push(struct sc_write *out, size_t max, size_t *n,
		 const char *path, unsigned int flags, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	snprintf(out[*n].path, sizeof(out[*n].path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(out[*n].value, sizeof(out[*n].value), fmt, ap);
	va_end(ap);
	out[*n].flags = flags;
	(*n)++;
}

/*
 * The kernel's probability knob is an integer percent, and a call fails
 * only when it is the interval-th one AND the dice say so, so the rate is
 * probability / interval. A fractional percent (2.5) becomes an integer
 * probability with a larger interval (5% of every 2nd call).
 */
static void split_probability(double pct, uint64_t interval,
			      unsigned int *prob, uint64_t *ival)
{
	unsigned int iv;

	*ival = interval;
	if (pct >= 100.0 || pct == (double)(unsigned int)pct) {
		*prob = (unsigned int)pct;
		return;
	}
	for (iv = 1; iv <= 1000; iv++) {
		double p = pct * iv;

		if (p <= 100.0 && p - (unsigned int)(p + 1e-9) < 1e-6) {
			*prob = (unsigned int)(p + 1e-9);
			*ival = interval * iv;
			return;
		}
	}
	*prob = (unsigned int)(pct + 0.5);
}

size_t sc_fault_attr_writes(const struct sc_inject *in, bool private_attr,
			    struct sc_write *out, size_t max)
{
	const struct injector *inj = &injectors[in->id];
	unsigned int prob;
	uint64_t ival;
	size_t i, k, n = 0;

	push(out, max, &n, row(S_INJECT, "times")->dest, 0, "0");
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key_def *d = &keys[i];

		if (!row_in(d, S_INJECT, inj) || (d->flags & KF_DERIVED) ||
		    (d->dest_kind != D_ATTR && d->dest_kind != D_SLAB) ||
		    (private_attr && (d->flags & KF_GLOBAL_ONLY)) ||
		    ((d->flags & KF_STACK) && !in->has_stack_filter))
			continue;
		if (d->dest_kind == D_SLAB) {
			/* d->dest is "/sys/kernel/slab/%s/failslab" */
			for (k = 0; k < in->ncaches; k++) {
				char p[160];

				snprintf(p, sizeof(p), "/sys/kernel/slab/%s/%s",
					 in->caches[k], inj->name);
				push(out, max, &n, p, 0, "1");
			}
		} else if (d->type == K_BOOL) {
			push(out, max, &n, d->dest, 0, "%s",
			     field_ll(d, in) ? "Y" : "N");
		} else {
			push(out, max, &n, d->dest,
			     d->flags & KF_IF_EXISTS ? SC_WRITE_IF_EXISTS : 0,
			     "%llu", (unsigned long long)field_ll(d, in));
		}
	}
	split_probability(in->probability, in->interval, &prob, &ival);
	push(out, max, &n, row(S_INJECT, "interval")->dest, 0, "%llu",
	     (unsigned long long)ival);
	push(out, max, &n, row(S_INJECT, "probability")->dest, 0, "%u", prob);
	push(out, max, &n, row(S_INJECT, "times")->dest, 0, "%lld",
	     in->times);
	return n;
}

size_t sc_sysctl_writes(const struct sc_kernel *kn, struct sc_write *out,
			size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].dest_kind == D_SYSCTL &&
		    field_ll(&keys[i], kn) >= 0)
			push(out, max, &n, keys[i].dest, 0, "%lld",
			     field_ll(&keys[i], kn));
	return n;
}

void sc_engine_start(const struct sc_engine *e, struct lab_start *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const struct key_def *d = &keys[i];
		char *f = (char *)s + d->abi_off;
		uint64_t v, cur = 0;

		if (d->sec != S_ENGINE || !d->abi_size)
			continue;
		if (d->type == K_DOUBLE)	/* a fraction, A_PPM */
			v = (uint64_t)(*(const double *)((const char *)e +
							  d->off) * 1e6 + 0.5);
		else
			v = (uint64_t)field_ll(d, e);
		if (d->conv == A_MS_NS)
			v *= 1000000ULL;
		if (d->abi_size == sizeof(uint32_t)) {
			uint32_t c32;

			memcpy(&c32, f, sizeof(c32));
			cur = c32;
		} else {
			memcpy(&cur, f, sizeof(cur));
		}
		if (d->conv == A_OR)
			v |= cur;
		else if (d->conv == A_BIT)
			v = cur | (v ? d->abi_bit : 0);
		if (d->abi_size == sizeof(uint32_t)) {
			uint32_t v32 = (uint32_t)v;

			memcpy(f, &v32, sizeof(v32));
		} else {
			memcpy(f, &v, sizeof(v));
		}
	}
	s->policy = sc_engine_policy(e);
	if (s->policy != LAB_POLICY_LEAK_FRACTION)
		s->leak_ppm = 0;
	s->flags = LAB_START_F_STOP_GENUINE_ONLY |
		   (e->memalloc ? LAB_START_F_ALLOW_MEMALLOC : 0) |
		   (sc_engine_yields(e) ? LAB_START_F_YIELD_TO_RECLAIM : 0);
}
