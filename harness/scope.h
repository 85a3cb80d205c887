/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scoped fault injection ([fail_page_alloc]/[failslab] scope = chain:,
 * function: or module:): which allocations fail is decided by a BPF
 * program (harness/bpf/scope.bpf.c) on the injector's hook from the
 * kernel's own unwound stack and the request's gfp mask and order.
 *
 *   chain:f1=>f2=>f3   fail an allocation made under f3, called (at any
 *                      depth) under f2, called under f1: each function
 *                      has a return address on the stack, f1 outermost.
 *                      (bcc's inject writes the innermost first; we
 *                      write a call path as it reads top-down.)
 *   function:f         the one-element chain f
 *   module:NAME        a return address anywhere in NAME's text
 *
 * Predicates: gfp_filter (flags that must be set or clear), min_order/
 * max_order; then interval, probability and times, in fail_page_alloc's
 * order. Everything here except scope_start/scope_collect/scope_stop is
 * pure (text in, text or structs out) so the unit tests cover it.
 */
#ifndef LABYRINTH_SCOPE_H
#define LABYRINTH_SCOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject.h"
#include "scope_abi.h"

struct sc_inject;
struct vm_reserve_rules;

#define SCOPE_FN_MAX 128

/* The functions of a chain, outermost first. */
struct scope_chain {
	size_t n;
	char fn[SCOPE_MAX_CHAIN][SCOPE_FN_MAX];
};

/* "f1=>f2[=>f3[=>f4]]". 0, or -1 with why ("element 2 ('a b') is not a
 * function name"). */
int scope_chain_parse(const char *text, struct scope_chain *c, char *why,
		      size_t whylen);

/* gfp_filter: "atomic", or flags separated by '|' or ',', each
 * "__GFP_X" (must be set) or "!__GFP_X" (must be clear). */
#define SCOPE_GFP_MAX 12
struct scope_gfp {
	size_t n;
	struct {
		char name[32];
		bool clear;
	} f[SCOPE_GFP_MAX];
};
int scope_gfp_parse(const char *text, struct scope_gfp *g, char *why,
		    size_t whylen);
/*
 * The masks for the running kernel: each flag's value from its rules
 * (vm_kernel.c's table for 6.1, 6.12), else from the kernel's own
 * tracepoint format text (any kernel; NULL: not read). 0, or -1 with err
 * naming the flag the kernel lacks.
 */
int scope_gfp_resolve(const struct scope_gfp *g,
		      const struct vm_reserve_rules *rules, const char *format,
		      __u64 *set, __u64 *clear, char *err, size_t errlen);

/* /proc/kallsyms text symbols, sorted by address. */
struct ksym {
	uint64_t addr;
	char *name;
	char *module;		/* NULL: vmlinux */
};
struct ksyms {
	struct ksym *v;
	size_t n;
};
int ksyms_parse(struct ksyms *ks, const char *text);
void ksyms_free(struct ksyms *ks);
/* The symbol holding addr (the last one at or below it), or NULL. */
const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr);
/* "name+0x4e [module]" for a return address (the call before it). */
void ksyms_format(const struct ksyms *ks, uint64_t ip, char *out,
		  size_t len);

/* What scope_cfg_build needs from the running system. */
struct scope_env {
	const struct ksyms *ks;
	const char *proc_modules;	/* /proc/modules text */
	const struct vm_reserve_rules *rules;	/* NULL: unknown kernel */
	const char *gfp_format;		/* tracepoint format, or NULL */
	bool module_hook;		/* labyrinth's own injection point is
					 * used: leave its stacks to it */
};

/* The program's configuration for a section. 0, or -1 with err. */
int scope_cfg_build(const struct sc_inject *in, const struct scope_env *env,
		    struct scope_cfg *c, char *err, size_t errlen);
/* What the program will do, in words, for the run directory
 * (scope-NAME.txt) and the tests. malloc'd. */
char *scope_cfg_describe(const struct sc_inject *in,
			 const struct scope_cfg *c, const struct ksyms *ks);

/*
 * The call site of an injected stack (the frames after the hook): the
 * first frame whose function is not the allocator's own (a table of the
 * mm/ functions between a caller and each injector's hook, 6.1 and
 * 6.12: see scope.c), as "function+0xoff [module]".
 */
bool scope_allocator_frame(const char *fn);
void scope_site(const struct ksyms *ks, const __u64 *ip, size_t n,
		char *out, size_t len);

/* A run's program: loaded, configured and attached, then collected. */
struct scope_run {
	struct bpf_object *obj;
	struct bpf_link *link[SCOPE_HOOKS];
	enum inj_id id;
};
/*
 * Load the program, write c, attach it to the injector's hook and, when
 * module_hook is set, to LAB_INJECT_HOOK. 0 or -errno with err. On
 * error nothing stays attached.
 */
int scope_start(struct scope_run *s, enum inj_id id,
		const struct scope_cfg *c, bool module_hook, char *err,
		size_t errlen);
/*
 * The counters and the injections per call site, as the report's
 * injector "scope" object: {hooks: {kernel: {...}, module: {...}},
 * injected, sites: [{site, hook, injected, stack: [...]}]}. NULL if
 * the maps cannot be read. injected[] gets each hook's count.
 */
json_t *scope_collect(const struct scope_run *s, const struct ksyms *ks,
		      uint64_t injected[SCOPE_HOOKS]);
/* What libbpf said during the last scope_start (the verifier's log when
 * the program was refused), for scope-NAME.log. */
const char *scope_log(void);
/* Detach and unload (also on a run that failed half-way). */
void scope_stop(struct scope_run *s);

#endif /* LABYRINTH_SCOPE_H */
