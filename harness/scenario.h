/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenario files: one INI file per experiment (fio-job style), parsed with
 * inih against a table of every allowed section and key. Every error names
 * the file, the line, the section and key, and what is allowed; unknown
 * sections and keys are errors, so a typo never silently changes a run.
 *
 *   [scenario]          name, duration, expect, sampling, stop conditions
 *   [kernel]            sysctls set for the run and restored after
 *   [engine NAME]       one spam engine each (up to SC_MAX_ENGINES)
 *   [fail_page_alloc]   page allocator fault injection, with its scope
 *   [failslab]          slab fault injection, with its scope
 *   [pressure]          stress-ng stressors
 *   [trace]             bpftrace scripts from scenarios/bpftrace/
 *   [nic]               a real NIC driver under a UDP flood (VM only:
 *                       `labyrinth vm run --nic MODEL`, nic.h)
 *
 * `--set section.key=value` (engines: engine.NAME.key, or engine.key when
 * there is one engine) goes through the same validation as the file.
 */
#ifndef LABYRINTH_SCENARIO_H
#define LABYRINTH_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "inject.h"
#include "vocab.h"

#define SC_MAX_ENGINES 8
#define SC_MAX_LIST 16
#define SC_NAME_MAX 32
/* "unlimited" for times= and friends. */
#define SC_UNLIMITED (-1LL)

/* The verdicts a scenario may expect: the first rows of enum verdict. */
enum sc_expect {
	SC_EXPECT_ATOMIC_FAILURE = V_ATOMIC_FAILURE,
	SC_EXPECT_OOM = V_OOM,
	SC_EXPECT_PANIC = V_PANIC,		/* VM only */
	SC_EXPECT_SURVIVE = V_SURVIVE,
	/* a reproducer: the kernel oopsed, BUGged, splatted or panicked
	 * (verdict splat or panic, VM only) */
	SC_EXPECT_CRASH = V_MAX,
	SC_EXPECT_MAX,
};

enum sc_scope {
	SC_SCOPE_NONE,		/* section absent or enabled = no */
	SC_SCOPE_LABYRINTH,	/* the module's private fault attribute */
	SC_SCOPE_SYSTEM,	/* the global debugfs knobs, deliberately */
	SC_SCOPE_MODULE,	/* BPF override(), stack in module NAME */
	SC_SCOPE_FUNCTION,	/* BPF override(), stack under SYMBOL */
	SC_SCOPE_CHAIN,		/* BPF override(), stack under f1=>f2=>.. */
	SC_SCOPE_MAX,
};

/* Decided by the BPF program on the hook (scope.c), target in target. */
static inline bool sc_scope_bpf(enum sc_scope s)
{
	return s == SC_SCOPE_MODULE || s == SC_SCOPE_FUNCTION ||
	       s == SC_SCOPE_CHAIN;
}

enum sc_stop {
	SC_STOP_ATOMIC_FAILURE = 1 << 0,	/* first genuine failure */
	SC_STOP_OOM = 1 << 1,			/* first OOM kill */
	SC_STOP_ENGINES = 1 << 2,		/* every engine stopped itself */
};

struct sc_engine {
	char name[SC_NAME_MAX];
	unsigned int line;		/* where its section starts */
	uint32_t context;		/* enum lab_context (vocab_context) */
	char cpus[64];			/* "all" or a cpu list "0,2-3" */
	uint64_t cpumask;		/* parsed cpus; 0 = all online */
	uint64_t rate;			/* allocations / s / CPU */
	uint64_t burst;			/* allocations per tick */
	uint32_t policy;		/* enum lab_policy: drain or churn;
					 * churn with leak > 0 runs as
					 * LAB_POLICY_LEAK_FRACTION */
	uint64_t hold_ms;		/* churn: how long a page is held */
	double leak;			/* churn: fraction never given back */
	uint32_t gfp;			/* 0 (atomic) or LAB_GFP_NOWAIT */
	bool nowarn;			/* + __GFP_NOWARN */
	bool memalloc;			/* + __GFP_MEMALLOC */
	uint64_t order;
	uint32_t shred;			/* enum lab_shred */
	uint64_t held_cap;		/* hard cap on pages held */
	uint64_t stop_after_failures;	/* 0 = never */
	uint64_t start_ms;		/* delay from run start */
	/* exhaustion phases (drain policy): after the first genuine
	 * failure keep the reserve exhausted exhaust_ms, then release;
	 * pulses times, gap_ms from one release's end to the next start */
	uint64_t exhaust_ms;		/* 0: no exhaust phase */
	uint64_t pulses;
	uint64_t gap_ms;
	uint32_t yield;			/* enum sc_yield */
};

/* [engine] yield_to_reclaim: do held pages yield to direct reclaim? */
enum sc_yield {
	SC_YIELD_AUTO,		/* yes for an engine with an exhaust phase */
	SC_YIELD_YES,
	SC_YIELD_NO,
	SC_YIELD_MAX,
};

struct sc_inject {
	enum inj_id id;			/* its row in injectors[] */
	bool present;			/* the section exists */
	unsigned int line;
	enum sc_scope scope;
	char target[160];		/* module name, symbol or chain */
	double probability;		/* percent, 0..100 */
	uint64_t interval;
	long long times;		/* SC_UNLIMITED or >= 0 */
	uint64_t space;
	uint64_t verbose;		/* 0..2 */
	uint64_t verbose_ratelimit_interval_ms;
	uint64_t verbose_ratelimit_burst;
	bool task_filter;
	bool ignore_gfp_wait;
	char gfp_filter[160];		/* scoped: flags set / !clear */
	/* fail_page_alloc only */
	uint64_t min_order;
	uint64_t max_order;		/* scoped only */
	bool ignore_gfp_highmem;
	/* failslab only */
	bool cache_filter;
	char caches[SC_MAX_LIST][SC_NAME_MAX];
	size_t ncaches;
	/* stack filter (only where the architecture has it) */
	uint64_t stacktrace_depth;
	uint64_t require_start, require_end, reject_start, reject_end;
	bool has_stack_filter;
	uint64_t start_ms;		/* delay from run start */
};

struct sc_pressure {
	bool present;
	unsigned int line;
	uint64_t vm;			/* --vm workers */
	char vm_bytes[16];		/* --vm-bytes: size or N% */
	char vm_method[24];
	bool vm_keep;
	uint64_t bigheap;
	uint64_t page_in_workers;	/* via --vm with --page-in */
	bool page_in;
	uint64_t malloc;
	uint64_t mmap;
	char mmap_bytes[16];
	uint64_t brk;
	bool oomable;
	uint64_t start_ms;
	char extra[160];		/* more stress-ng options, validated */
};

/* [target]: the driver under test (target.h runs it). */
struct sc_target {
	bool present;
	unsigned int line;
	char module[256];		/* .ko path; relative: to the file */
	char params[256];		/* name=value ..., as for insmod */
	char setup[512];		/* sh -c, before the run */
	char workload[512];		/* sh -c, a child during the run */
	char check[512];		/* sh -c, after the run */
};

/* The NIC models `vm run` can give the guest (vocab_nic_model). */
enum sc_nic_model {
	SC_NIC_NONE,
	SC_NIC_E1000,		/* QEMU e1000, the e1000 driver */
	SC_NIC_VIRTIO,		/* QEMU virtio-net-pci, virtio_net */
};

/* [nic]: two NICs of one model on a QEMU hub, a bounded UDP flood. */
struct sc_nic {
	bool present;
	unsigned int line;
	uint32_t model;			/* enum sc_nic_model */
	uint64_t rate;			/* packets per second */
	uint64_t size;			/* UDP payload bytes */
	uint64_t packets;		/* the flood stops after this many */
	uint64_t duration_ms;		/* ...or this long; 0: the run's */
	uint64_t slice_ms;		/* counting period */
	uint64_t recover_ms;		/* traffic must be back within this
					 * after the last exhaustion window */
	uint64_t start_ms;		/* delay from run start */
};

struct sc_kernel {
	long long min_free_kbytes;	/* -1 = leave alone */
	long long watermark_scale_factor;
	long long panic_on_oom;
	long long oom_kill_allocating_task;
	long long overcommit_memory;
};

struct scenario {
	char *file;			/* as given */
	char *text;			/* the whole file, for the report */
	char sha256[65];
	char name[64];
	char description[200];
	uint64_t duration_ms;
	uint64_t sample_interval_ms;	/* the module's series */
	uint64_t proc_interval_ms;	/* the /proc secondary series */
	enum sc_expect expect;
	unsigned int stop_on;		/* enum sc_stop bits */
	uint64_t grace_ms;		/* keep sampling after a stop */
	bool vm_only;
	uint64_t ballast_bytes;		/* sacrificial OOM victim, 0: none */
	bool requires_fault_injection;	/* derived */
	bool stop_on_set;
	/* set before parsing to check [trace] scripts exist; NULL: skip */
	const char *script_dir;
	unsigned int trace_line;

	struct sc_kernel kernel;
	struct sc_engine engine[SC_MAX_ENGINES];
	size_t nengines;
	struct sc_inject inject[INJ_COUNT];	/* [fail_page_alloc], ... */
	struct sc_pressure pressure;
	struct sc_target target;
	struct sc_nic nic;
	char trace[SC_MAX_LIST][SC_NAME_MAX];
	size_t ntrace;

	/* --set overrides, in order, for the report: "section.key=value" */
	char **overrides;
	size_t noverrides;

	/* internal: which keys were set, for duplicate detection */
	char **seen;
	size_t nseen;

	/*
	 * Every problem found, each "FILE:LINE: [section] key = 'v': why;
	 * allowed: ...", in file order (parse, --set, then cross-key checks);
	 * and notes that are not errors (an old name was used).
	 */
	char **errors;
	size_t nerrors;
	char **notes;
	size_t nnotes;
	/* the slice of errors the last scenario_finish() added: a second
	 * call (after more --set) judges afresh */
	size_t check_at, check_n;
};

/*
 * Parse a scenario from text; file is used in error messages. Every error
 * is kept in sc->errors; the first is also written to err. Returns 0 or
 * -1; either way the caller frees with scenario_free().
 */
int scenario_parse_string(struct scenario *sc, const char *file,
			  const char *text, char *err, size_t errlen);
int scenario_load(struct scenario *sc, const char *path, char *err,
		  size_t errlen);
/* Apply "section.key=value". Returns 0, or -1 with the error added to
 * sc->errors and written to err. */
int scenario_set(struct scenario *sc, const char *assignment, char *err,
		 size_t errlen);
/* What a key holds, for a sweep that varies it (scenario_key_info). */
enum sc_key_kind {
	SC_KEY_INTEGER,		/* a count: rate, stop_after_failures */
	SC_KEY_DURATION,	/* in ms: hold, duration */
	SC_KEY_SIZE,		/* in bytes: ballast */
	SC_KEY_NUMBER,		/* a real: probability (percent), leak */
	SC_KEY_OTHER,		/* words, lists, flags: not sweepable */
};

struct sc_key_info {
	enum sc_key_kind kind;
	double min, max;	/* allowed, in the kind's unit */
	char section[128];	/* its section header: "engine rx" */
	char name[32];		/* its name there */
	char old_name[32];	/* an earlier name a file may use, or "" */
	char takes[256];	/* what it allows, for messages */
};

/*
 * The key "section.key" names (as --set does: engine.key with one
 * engine, else engine.NAME.key), and what it holds. 0, or -1 with the
 * error (no such section, engine or key) added to sc->errors and
 * written to err.
 */
int scenario_key_info(struct scenario *sc, const char *path,
		      struct sc_key_info *ki, char *err, size_t errlen);

/*
 * The text of a scenario file with [section] key = value written into it
 * (replacing the key's line, or under the section's header, or in a new
 * section at the end), a "; comment" line above it. old_name: another
 * name the file may give the key ("" none). malloc'd.
 */
char *scenario_text_set(const char *text, const char *section,
			const char *key, const char *old_name,
			const char *value, const char *comment);

/* Cross-key checks run after the file and every --set (only when there
 * was no error before: they would judge values that were not set). Every
 * problem goes to sc->errors; returns 0 or -1 (the first new one in err). */
int scenario_finish(struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);

/*
 * Where keys go, from their table rows: a file and the value to write.
 * A path without a leading '/' is a file in a fault attribute directory.
 */
struct sc_write {
	char path[160];
	char value[32];
	unsigned int flags;
};
#define SC_WRITE_IF_EXISTS	(1u << 0)	/* skip if the kernel lacks it */

/*
 * The writes that arm a fault attribute from a section, in the order the
 * kernel needs: times = 0 first (nothing fires while the rest changes),
 * every knob, then probability and interval, then times. private_attr:
 * the module's attribute, which has the generic knobs only.
 */
size_t sc_fault_attr_writes(const struct sc_inject *in, bool private_attr,
			    struct sc_write *out, size_t max);
/* The [kernel] sysctls the scenario sets (-1: left alone, no write). */
size_t sc_sysctl_writes(const struct sc_kernel *k, struct sc_write *out,
			size_t max);
/* A section's fields at their key table defaults (labyrinth inject). */
void sc_inject_defaults(struct sc_inject *in, enum inj_id id);
struct lab_start;
/* LAB_IOC_START's struct from an [engine] section's rows (cpu mask
 * pointer excepted: the caller owns that memory). */
void sc_engine_start(const struct sc_engine *e, struct lab_start *s);

/* Does an engine of this context (LAB_CTX_*) allocate in interrupt
 * context, where task-filter and fail-nth never act? */
bool sc_context_is_irq(uint32_t context);
/* The ABI policy an engine runs with (churn + leak: leak-fraction). */
uint32_t sc_engine_policy(const struct sc_engine *e);
/* Do the engine's held pages yield to direct reclaim (auto resolved)? */
bool sc_engine_yields(const struct sc_engine *e);

/* Print every section and key with what it allows (for --help-keys). */
void scenario_print_keys(FILE *f);

/* The first comment block of a scenario file, joined to one line. */
char *scenario_summary_line(const char *text);

/* Parse "all" or "0,2-3" (CPUs < 64). Returns 0 or -1. */
int parse_cpulist(const char *s, uint64_t *mask);

#endif /* LABYRINTH_SCENARIO_H */
