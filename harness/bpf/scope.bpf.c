// SPDX-License-Identifier: GPL-2.0
/*
 * Scoped fault injection: a kprobe on a fault hook (the kernel's
 * should_fail_alloc_page / should_failslab, or the labyrinth module's
 * labyrinth_should_fail_alloc_page) that override()s it to fail the
 * allocation when
 *   - the request passes the gfp and order predicates, and
 *   - the kernel stack, as the kernel's own unwinder sees it
 *     (bpf_get_stack: ORC on x86_64, across the IRQ stack into the
 *     interrupted task's), holds a return address in each element of the
 *     chain, innermost element nearest the hook, in order;
 * then with the scenario's interval, probability and times.
 *
 * No per-task state (unlike bcc's inject, which marks a task on entry to
 * each chain function): the decision is made from the stack alone, so it
 * holds in hard-IRQ and softirq context. The scratch buffer is per CPU:
 * kprobe programs do not nest on a CPU (bpf_prog_active), so it is never
 * shared by two runs of the program.
 *
 * Built by the harness's Makefile with clang -target bpf; loaded by
 * harness/scope.c, which fills "cfg" before it attaches.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "../scope_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scope_cfg);
} cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SCOPE_HOOKS);
	__type(key, __u32);
	__type(value, struct scope_stats);
} stats SEC(".maps");

/* interval and times count across both hooks: one gate */
struct scope_gate {
	__u64 candidates;
	__u64 claimed;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scope_gate);
} gate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[SCOPE_STACK_FRAMES]);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCOPE_MAX_STACKS);
	__type(key, struct scope_stack_key);
	__type(value, __u64);
} stacks SEC(".maps");

/* x86_64 struct pt_regs: di is word 14, si word 13 (arch/x86/include/
 * asm/ptrace.h); the hooks take at most two arguments */
static __always_inline __u64 arg(void *ctx, __u64 n)
{
	/* both read at constant offsets (volatile: clang would otherwise
	 * load through a selected pointer, which the verifier refuses for
	 * the context) */
	__u64 di = ((volatile __u64 *)ctx)[14];
	__u64 si = ((volatile __u64 *)ctx)[13];

	return n == 0 ? di : si;
}

/* A return address belongs to the range when the call before it does:
 * ip - 1 in [start, end) (a call can be the last instruction). */
static __always_inline int in_range(__u64 ip, const struct scope_range *r)
{
	return ip - 1 - r->start < r->end - r->start;
}

static __always_inline int predicates_pass(void *ctx,
					   const struct scope_cfg *c)
{
	__u64 gfp = arg(ctx, c->gfp_arg), order;

	if ((gfp & c->gfp_set) != c->gfp_set || (gfp & c->gfp_clear))
		return 0;
	if (c->order_arg == SCOPE_NO_ARG)
		return 1;
	/* an unsigned int */
	order = arg(ctx, c->order_arg) & 0xffffffffULL;
	return order >= c->min_order && order <= c->max_order;
}

/*
 * The chain on the stack: walk outward from the hook, looking for the
 * innermost element first; each found one moves the search to the next
 * element outward. 1: every element found in order.
 *
 * The loops never test how many frames bpf_get_stack() wrote: it zeroes
 * the rest of the buffer, and 0 is in no range. (A test against that
 * count would give the verifier a different bound on it at every exit
 * of every loop, and 6.12's would not finish: 1M instructions.)
 */
static __always_inline int chain_matches(const __u64 *ip,
					 const struct scope_cfg *c)
{
	__u64 want = c->nchain;
	__u32 i;

	for (i = 0; i < SCOPE_STACK_FRAMES; i++) {
		__u64 k = (want - 1) & (SCOPE_MAX_CHAIN - 1);

		if (want && in_range(ip[i], &c->chain[k]))
			want--;
	}
	return want == 0;
}

static __always_inline int excluded(const __u64 *ip,
				    const struct scope_cfg *c)
{
	__u32 i, hit = 0;

	if (c->exclude.end == c->exclude.start)
		return 0;
	for (i = 0; i < SCOPE_STACK_FRAMES; i++)
		hit |= in_range(ip[i], &c->exclude);
	return hit;
}

/* fail_page_alloc's order of decisions: times left, interval, then
 * probability (lib/fault-inject.c should_fail_ex) */
static __always_inline int gate_passes(const struct scope_cfg *c)
{
	__u32 zero = 0;
	struct scope_gate *g = bpf_map_lookup_elem(&gate, &zero);

	if (!g)
		return 0;
	if (c->times >= 0 && (__s64)g->claimed >= c->times)
		return 0;
	if (c->interval > 1 &&
	    (__sync_fetch_and_add(&g->candidates, 1) + 1) % c->interval)
		return 0;
	if (c->prob_milli < SCOPE_PROB_ALL &&
	    bpf_get_prandom_u32() % SCOPE_PROB_ALL >= c->prob_milli)
		return 0;
	/* claim one of times: two CPUs may both have seen room */
	if (c->times >= 0 &&
	    (__s64)__sync_fetch_and_add(&g->claimed, 1) >= c->times)
		return 0;
	return 1;
}

static __always_inline void count_stack(__u32 hook, const __u64 *ip,
					struct scope_stats *st)
{
	struct scope_stack_key key = { .hook = hook };
	__u64 one = 1, *v;
	__u32 i;

	/* ip[0] is the hook itself */
	for (i = 0; i < SCOPE_SITE_FRAMES; i++)
		key.ip[i] = ip[i + 1];
	v = bpf_map_lookup_elem(&stacks, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(&stacks, &key, &one, BPF_NOEXIST) == 0)
		return;
	/* another CPU added it meanwhile */
	v = bpf_map_lookup_elem(&stacks, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		__sync_fetch_and_add(&st->stacks_lost, 1);
}

static __always_inline int scope_decide(void *ctx, __u32 hook)
{
	__u32 zero = 0;
	struct scope_cfg *c = bpf_map_lookup_elem(&cfg, &zero);
	struct scope_stats *st = bpf_map_lookup_elem(&stats, &hook);
	__u64 *ip = bpf_map_lookup_elem(&scratch, &zero);
	long bytes;

	if (!c || !st || !ip)
		return 0;
	__sync_fetch_and_add(&st->calls, 1);
	if (!predicates_pass(ctx, c)) {
		__sync_fetch_and_add(&st->filtered, 1);
		return 0;
	}
	bytes = bpf_get_stack(ctx, ip, SCOPE_STACK_FRAMES * sizeof(__u64), 0);
	if (bytes <= 0) {
		__sync_fetch_and_add(&st->stack_errors, 1);
		return 0;
	}
	if (hook == SCOPE_HOOK_KERNEL && excluded(ip, c)) {
		__sync_fetch_and_add(&st->excluded, 1);
		return 0;
	}
	if (!chain_matches(ip, c))
		return 0;
	__sync_fetch_and_add(&st->matched, 1);
	if (!gate_passes(c))
		return 0;
	__sync_fetch_and_add(&st->injected, 1);
	count_stack(hook, ip, st);
	bpf_override_return(ctx, (unsigned long)c->fail_value);
	return 0;
}

SEC("kprobe")
int scope_kernel(void *ctx)
{
	return scope_decide(ctx, SCOPE_HOOK_KERNEL);
}

SEC("kprobe")
int scope_module(void *ctx)
{
	return scope_decide(ctx, SCOPE_HOOK_MODULE);
}
