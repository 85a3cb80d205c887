/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the scoped-injection BPF program (harness/bpf/scope.bpf.c) and the
 * harness (scope.c) share: the configuration a run writes into the
 * program's "cfg" map before it attaches, the counters it reads back,
 * and the key of the per-stack injection counts. Fixed-size __u64
 * fields only, so the BPF target and the host agree on the layout.
 */
#ifndef LABYRINTH_SCOPE_ABI_H
#define LABYRINTH_SCOPE_ABI_H

#include <linux/types.h>

#define SCOPE_MAX_CHAIN		4	/* chain:f1=>f2=>f3=>f4 */
#define SCOPE_STACK_FRAMES	64	/* frames bpf_get_stack() reads */
#define SCOPE_SITE_FRAMES	12	/* frames kept per injected stack */
#define SCOPE_MAX_STACKS	1024	/* distinct injected stacks kept */

/* Code addresses [start, end): a function, or a module's text. */
struct scope_range {
	__u64 start;
	__u64 end;
};

struct scope_cfg {
	__u64 nchain;		/* chain elements, outermost first */
	struct scope_range chain[SCOPE_MAX_CHAIN];
	/* the kernel hook leaves stacks through here to the module's own
	 * injection point (labyrinth's text; 0..0: none) */
	struct scope_range exclude;
	__u64 gfp_arg;		/* which argument is the gfp mask */
	__u64 order_arg;	/* ...the order; SCOPE_NO_ARG: none */
	__u64 gfp_set;		/* every one of these bits set */
	__u64 gfp_clear;	/* none of these bits set */
	__u64 min_order;
	__u64 max_order;
	__u64 interval;		/* every Nth candidate (1: all) */
	__u64 prob_milli;	/* probability in 1/1000 percent (100000) */
	__s64 times;		/* at most this many; -1: unlimited */
	__s64 fail_value;	/* what the hook returns to fail */
};
#define SCOPE_NO_ARG	(~0ULL)
#define SCOPE_PROB_ALL	100000ULL

/* Counters, one array entry per hook (SCOPE_HOOK_*). */
enum scope_hook {
	SCOPE_HOOK_KERNEL,	/* should_fail_alloc_page / should_failslab */
	SCOPE_HOOK_MODULE,	/* labyrinth_should_fail_alloc_page */
	SCOPE_HOOKS,
};

struct scope_stats {
	__u64 calls;		/* hook calls seen */
	__u64 filtered;		/* gfp/order predicates said no */
	__u64 excluded;		/* left to the module's own hook */
	__u64 stack_errors;	/* bpf_get_stack() failed */
	__u64 matched;		/* chain and predicates matched */
	__u64 injected;		/* override()s */
	__u64 stacks_lost;	/* injections whose stack the map had no
				 * room for (counted in injected only) */
};

/* An injected stack: its innermost frames after the hook itself. */
struct scope_stack_key {
	__u64 hook;		/* enum scope_hook */
	__u64 ip[SCOPE_SITE_FRAMES];
};

#endif /* LABYRINTH_SCOPE_ABI_H */
