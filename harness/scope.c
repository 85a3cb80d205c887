// SPDX-License-Identifier: GPL-2.0
/*
 * Scoped fault injection: parsing chains and gfp filters, the program's
 * configuration from a scenario section and the running kernel's
 * symbols, the call-site rule, and loading the BPF program (libbpf).
 * See scope.h.
 */
#include "scope.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "scenario.h"
#include "trace.h"
#include "uapi/labyrinth.h"
#include "util.h"
#include "vm_kernel.h"

/* the module whose allocations LAB_INJECT_HOOK decides */
#define SCOPE_LAB_MODULE "labyrinth"

/* ---- chains ------------------------------------------------------------ */

/* A kernel symbol: letters, digits, '_' and '.' (for "foo.isra.0"). */
static bool is_symbol(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

static void trim(char *s)
{
	char *b = s, *e;

	while (isspace((unsigned char)*b))
		b++;
	memmove(s, b, strlen(b) + 1);
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
}

int scope_chain_parse(const char *text, struct scope_chain *c, char *why,
		      size_t whylen)
{
	const char *p = text;

	memset(c, 0, sizeof(*c));
	for (;;) {
		const char *sep = strstr(p, "=>");
		size_t len = sep ? (size_t)(sep - p) : strlen(p);
		char fn[SCOPE_FN_MAX];

		if (c->n == SCOPE_MAX_CHAIN) {
			snprintf(why, whylen, "more than %d functions in the "
				 "chain", SCOPE_MAX_CHAIN);
			return -1;
		}
		if (len >= sizeof(fn)) {
			snprintf(why, whylen, "chain element %zu is longer "
				 "than %d characters", c->n + 1,
				 SCOPE_FN_MAX - 1);
			return -1;
		}
		memcpy(fn, p, len);
		fn[len] = '\0';
		trim(fn);
		if (!*fn) {
			snprintf(why, whylen, "chain element %zu is empty "
				 "(write f1=>f2, outermost first)", c->n + 1);
			return -1;
		}
		if (!is_symbol(fn)) {
			snprintf(why, whylen, "chain element %zu ('%s') is not "
				 "a function name", c->n + 1, fn);
			return -1;
		}
		snprintf(c->fn[c->n++], SCOPE_FN_MAX, "%s", fn);
		if (!sep)
			return 0;
		p = sep + 2;
	}
}

/* ---- gfp filters ------------------------------------------------------- */

static int gfp_add(struct scope_gfp *g, const char *name, bool clear,
		   char *why, size_t whylen)
{
	size_t i;

	if (strncmp(name, "__GFP_", 6) || !vm_kernel_gfp_flag_known(name)) {
		snprintf(why, whylen, "'%s' is not a __GFP_ flag labyrinth "
			 "knows (e.g. __GFP_HIGH, !__GFP_DIRECT_RECLAIM)",
			 name);
		return -1;
	}
	for (i = 0; i < g->n; i++)
		if (!strcmp(g->f[i].name, name)) {
			snprintf(why, whylen, "%s is named twice", name);
			return -1;
		}
	if (g->n == SCOPE_GFP_MAX) {
		snprintf(why, whylen, "more than %d flags", SCOPE_GFP_MAX);
		return -1;
	}
	snprintf(g->f[g->n].name, sizeof(g->f[g->n].name), "%s", name);
	g->f[g->n++].clear = clear;
	return 0;
}

int scope_gfp_parse(const char *text, struct scope_gfp *g, char *why,
		    size_t whylen)
{
	char *dup = xstrdup(text), *rest = dup, *tok;
	int ret = 0;

	memset(g, 0, sizeof(*g));
	/* GFP_ATOMIC-class: may use the reserve, never sleeps */
	if (!strcmp(text, "atomic")) {
		free(dup);
		return gfp_add(g, "__GFP_HIGH", false, why, whylen) ||
		       gfp_add(g, "__GFP_DIRECT_RECLAIM", true, why, whylen);
	}
	while (!ret && (tok = strsep(&rest, "|,"))) {
		bool clear;

		trim(tok);
		clear = *tok == '!';
		if (clear) {
			tok++;
			trim(tok);
		}
		if (!*tok) {
			snprintf(why, whylen, "empty flag (write atomic, or "
				 "__GFP_X|!__GFP_Y)");
			ret = -1;
		} else {
			ret = gfp_add(g, tok, clear, why, whylen);
		}
	}
	free(dup);
	return ret;
}

int scope_gfp_resolve(const struct scope_gfp *g,
		      const struct vm_reserve_rules *rules, const char *format,
		      __u64 *set, __u64 *clear, char *err, size_t errlen)
{
	size_t i;

	*set = *clear = 0;
	for (i = 0; i < g->n; i++) {
		unsigned long v = 0;
		int r = rules ? vm_kernel_gfp_flag(rules, g->f[i].name, &v) :
			format ? vm_kernel_gfp_from_format(format,
							   g->f[i].name, &v) :
			-1;

		if (r || !v) {
			snprintf(err, errlen, "gfp_filter: %s: the running "
				 "kernel has no such flag (%s)", g->f[i].name,
				 rules ? rules->source :
				 "not in its mm_page_alloc tracepoint format");
			return -1;
		}
		if (g->f[i].clear)
			*clear |= v;
		else
			*set |= v;
	}
	return 0;
}

/* ---- kernel symbols ---------------------------------------------------- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_parse(struct ksyms *ks, const char *text)
{
	const char *p = text;
	size_t cap = 0;

	memset(ks, 0, sizeof(*ks));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], name[256], mod[128] = "";
		unsigned long long a;
		char type;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			/* "ffffffff81000000 T _stext" or "... t f\t[mod]" */
			if (sscanf(line, "%llx %c %255s [%127[^]]]", &a, &type,
				   name, mod) >= 3 &&
			    (type == 't' || type == 'T') && a) {
				if (ks->n == cap) {
					cap = cap ? cap * 2 : 4096;
					ks->v = xrealloc(ks->v,
							 cap * sizeof(*ks->v));
				}
				ks->v[ks->n].addr = a;
				ks->v[ks->n].name = xstrdup(name);
				ks->v[ks->n++].module = *mod ? xstrdup(mod) :
							NULL;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), ksym_cmp);
	return ks->n ? 0 : -ENOENT;
}

void ksyms_free(struct ksyms *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		free(ks->v[i].name);
		free(ks->v[i].module);
	}
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->v[lo - 1] : NULL;
}

void ksyms_format(const struct ksyms *ks, uint64_t ip, char *out, size_t len)
{
	/* a return address: name the call before it */
	const struct ksym *s = ip ? ksyms_lookup(ks, ip - 1) : NULL;

	if (!s)
		snprintf(out, len, "0x%llx", (unsigned long long)ip);
	else
		snprintf(out, len, "%s+0x%llx%s%s%s", s->name,
			 (unsigned long long)(ip - s->addr),
			 s->module ? " [" : "", s->module ? s->module : "",
			 s->module ? "]" : "");
}

/* [start, end) of a function: up to the next text symbol. */
static int function_range(const struct ksyms *ks, const char *name,
			  struct scope_range *r, char *err, size_t errlen)
{
	size_t i, found = 0;

	for (i = 0; i < ks->n; i++) {
		/* aliases at one address are one function */
		if (strcmp(ks->v[i].name, name) ||
		    (found && ks->v[i].addr == r->start))
			continue;
		found++;
		r->start = ks->v[i].addr;
		r->end = i + 1 < ks->n ? ks->v[i + 1].addr : r->start + 4096;
	}
	if (!found) {
		snprintf(err, errlen, "%s: no such function in /proc/kallsyms "
			 "(inlined, or in a module that is not loaded?)", name);
		return -ENOENT;
	}
	if (found > 1) {
		snprintf(err, errlen, "%s: %zu functions of that name in "
			 "/proc/kallsyms; name one that is unique (a caller or "
			 "callee of it)", name, found);
		return -EINVAL;
	}
	return 0;
}

/* ---- the program's configuration --------------------------------------- */

static int chain_ranges(const struct sc_inject *in, const struct scope_env *env,
			struct scope_cfg *c, char *err, size_t errlen)
{
	struct scope_chain ch;
	char why[200];
	size_t i;

	if (in->scope == SC_SCOPE_MODULE) {
		uint64_t start = 0, size = 0;
		int r = trace_module_range(env->proc_modules ?
					   env->proc_modules : "", in->target,
					   &start, &size);

		if (r) {
			snprintf(err, errlen, "scope = module:%s: %s",
				 in->target, r == -EPERM ? "its address is "
				 "hidden (kptr_restrict; run as root)" :
				 "no such module loaded (lsmod)");
			return r;
		}
		c->chain[0].start = start;
		c->chain[0].end = start + size;
		c->nchain = 1;
		return 0;
	}
	if (scope_chain_parse(in->target, &ch, why, sizeof(why))) {
		snprintf(err, errlen, "scope = %s:%s: %s",
			 vocab_str(&vocab_scope, in->scope), in->target, why);
		return -EINVAL;
	}
	for (i = 0; i < ch.n; i++) {
		int r = function_range(env->ks, ch.fn[i], &c->chain[i], why,
				       sizeof(why));

		if (r) {
			snprintf(err, errlen, "scope = %s:%s: %s",
				 vocab_str(&vocab_scope, in->scope),
				 in->target, why);
			return r;
		}
	}
	c->nchain = ch.n;
	return 0;
}

/* gfp_filter plus the kernel attribute's own flag knobs, which mean the
 * same for a scoped injection: ignore_gfp_wait (!__GFP_DIRECT_RECLAIM),
 * ignore_gfp_highmem (!__GFP_HIGHMEM). */
static int gfp_masks(const struct sc_inject *in, const struct scope_env *env,
		     struct scope_cfg *c, char *err, size_t errlen)
{
	struct scope_gfp g;
	char why[200];

	memset(&g, 0, sizeof(g));
	if (in->gfp_filter[0] &&
	    scope_gfp_parse(in->gfp_filter, &g, why, sizeof(why))) {
		snprintf(err, errlen, "gfp_filter = %s: %s", in->gfp_filter,
			 why);
		return -EINVAL;
	}
	if (in->ignore_gfp_wait &&
	    gfp_add(&g, "__GFP_DIRECT_RECLAIM", true, why, sizeof(why)) &&
	    !strstr(why, "twice"))
		goto bad;
	if (in->ignore_gfp_highmem &&
	    gfp_add(&g, "__GFP_HIGHMEM", true, why, sizeof(why)) &&
	    !strstr(why, "twice"))
		goto bad;
	return scope_gfp_resolve(&g, env->rules, env->gfp_format,
				 &c->gfp_set, &c->gfp_clear, err, errlen) ?
	       -EINVAL : 0;
bad:
	snprintf(err, errlen, "%s", why);
	return -EINVAL;
}

int scope_cfg_build(const struct sc_inject *in, const struct scope_env *env,
		    struct scope_cfg *c, char *err, size_t errlen)
{
	const struct injector *inj = &injectors[in->id];
	int r;

	memset(c, 0, sizeof(*c));
	r = chain_ranges(in, env, c, err, errlen);
	if (r)
		return r;
	r = gfp_masks(in, env, c, err, errlen);
	if (r)
		return r;
	if (env->module_hook) {
		uint64_t start = 0, size = 0;

		if (trace_module_range(env->proc_modules ? env->proc_modules :
				       "", SCOPE_LAB_MODULE, &start, &size)) {
			snprintf(err, errlen, "the labyrinth module's text is "
				 "not in /proc/modules");
			return -ENOENT;
		}
		c->exclude.start = start;
		c->exclude.end = start + size;
	}
	c->gfp_arg = (uint64_t)inj->hook_gfp_arg;
	c->order_arg = inj->hook_order_arg >= 0 ?
		       (uint64_t)inj->hook_order_arg : SCOPE_NO_ARG;
	c->min_order = in->min_order;
	c->max_order = in->max_order;
	c->interval = in->interval ? in->interval : 1;
	c->prob_milli = (uint64_t)(in->probability * 1000 + 0.5);
	c->times = in->times;
	c->fail_value = strtoll(inj->hook_fail, NULL, 0);
	return 0;
}

static void describe_range(FILE *f, const struct ksyms *ks,
			   const struct scope_range *r)
{
	const struct ksym *s = ks ? ksyms_lookup(ks, r->start) : NULL;

	fprintf(f, "%s%s%s%s [0x%llx, 0x%llx)", s ? s->name : "?",
		s && s->module ? " [" : "", s && s->module ? s->module : "",
		s && s->module ? "]" : "", (unsigned long long)r->start,
		(unsigned long long)r->end);
}

char *scope_cfg_describe(const struct sc_inject *in,
			 const struct scope_cfg *c, const struct ksyms *ks)
{
	const struct injector *inj = &injectors[in->id];
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	fprintf(f, "# labyrinth scoped injection: [%s] scope = %s:%s\n",
		inj->name, vocab_str(&vocab_scope, in->scope), in->target);
	fprintf(f, "program: harness/bpf/scope.bpf.c, kprobe with "
		"bpf_override_return(%lld)\n", (long long)c->fail_value);
	fprintf(f, "hook: %s\n", inj->hook);
	if (c->exclude.end != c->exclude.start) {
		fprintf(f, "hook: %s (the module's own allocations, counted "
			"by it as injected)\n", LAB_INJECT_HOOK);
		fprintf(f, "left to it: stacks through ");
		describe_range(f, NULL, &c->exclude);
		fprintf(f, "\n");
	}
	fprintf(f, "stack: bpf_get_stack(), %d frames, innermost first; no "
		"per-task state (any context)\n", SCOPE_STACK_FRAMES);
	fprintf(f, "chain (outermost first; each a return address on the "
		"stack, in this order):\n");
	for (i = 0; i < c->nchain && i < SCOPE_MAX_CHAIN; i++) {
		fprintf(f, "  %zu. ", i + 1);
		describe_range(f, in->scope == SC_SCOPE_MODULE ? NULL : ks,
			       &c->chain[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "gfp: (gfp & 0x%llx) == 0x%llx && !(gfp & 0x%llx)\n",
		(unsigned long long)c->gfp_set,
		(unsigned long long)c->gfp_set,
		(unsigned long long)c->gfp_clear);
	if (c->order_arg != SCOPE_NO_ARG)
		fprintf(f, "order: %llu..%llu\n",
			(unsigned long long)c->min_order,
			(unsigned long long)c->max_order);
	else
		fprintf(f, "order: (the hook has none)\n");
	fprintf(f, "then: interval %llu (fail every Nth candidate), "
		"probability %.3f%%, times ", (unsigned long long)c->interval,
		(double)c->prob_milli / 1000.0);
	if (c->times < 0)
		fprintf(f, "unlimited\n");
	else
		fprintf(f, "%lld\n", (long long)c->times);
	fclose(f);
	return buf;
}

/* ---- call sites -------------------------------------------------------- */

/*
 * The allocator's own functions between a caller and a fault hook, in
 * 6.1 and 6.12 mm/ (page_alloc.c, mempolicy.c, slub.c, slab_common.c,
 * vmalloc.c, page_frag_cache.c): a call site is the first frame that is
 * none of these. 6.12's _noprof variants and compiler clones
 * (".constprop.0", ".isra.0") are the same function.
 */
static const char *const allocator_fns[] = {
	"should_fail_alloc_page", "prepare_alloc_pages", "__alloc_pages",
	"alloc_pages", "alloc_pages_mpol", "__folio_alloc", "folio_alloc",
	"folio_alloc_mpol", "__get_free_pages", "get_zeroed_page",
	"alloc_pages_exact", "alloc_pages_exact_nid", "__alloc_pages_bulk",
	"alloc_pages_bulk_array_mempolicy", "__alloc_pages_node",
	"alloc_pages_node", "__page_frag_cache_refill",
	"page_frag_alloc_align", "__page_frag_alloc_align",
	"__page_frag_alloc", "should_failslab", "slab_pre_alloc_hook",
	"alloc_slab_page", "allocate_slab", "new_slab", "___slab_alloc",
	"__slab_alloc", "slab_alloc_node", "kmem_cache_alloc",
	"kmem_cache_alloc_lru", "kmem_cache_alloc_node",
	"__kmem_cache_alloc_node", "kmem_cache_alloc_bulk", "__kmalloc",
	"__kmalloc_node", "kmalloc_trace", "kmalloc_node_trace",
	"__do_kmalloc_node", "__kmalloc_node_track_caller",
	"__kmalloc_cache", "__kmalloc_cache_node", "kmalloc_large",
	"kmalloc_large_node", "__kmalloc_large_node", "kmalloc_order",
	"__vmalloc_area_node", "vm_area_alloc_pages", "__vmalloc_node_range",
	"__vmalloc_node", "vmalloc", "vzalloc", "kvmalloc_node",
	"__kvmalloc_node",
};

bool scope_allocator_frame(const char *fn)
{
	char base[SCOPE_FN_MAX], *dot;
	size_t i, l;

	snprintf(base, sizeof(base), "%s", fn);
	dot = strchr(base, '.');
	if (dot)
		*dot = '\0';
	l = strlen(base);
	if (l > 7 && !strcmp(base + l - 7, "_noprof"))
		base[l - 7] = '\0';
	for (i = 0; i < ARRAY_SIZE(allocator_fns); i++)
		if (!strcmp(allocator_fns[i], base))
			return true;
	return false;
}

void scope_site(const struct ksyms *ks, const __u64 *ip, size_t n,
		char *out, size_t len)
{
	size_t i;

	for (i = 0; i < n && ip[i]; i++) {
		const struct ksym *s = ksyms_lookup(ks, ip[i] - 1);

		if (!s || !scope_allocator_frame(s->name)) {
			ksyms_format(ks, ip[i], out, len);
			return;
		}
	}
	snprintf(out, len, "(only allocator frames in %zu)", n);
}

/* ---- the program ------------------------------------------------------- */

/* The compiled program, linked in by the Makefile (scope_bpf.S). */
extern const char scope_bpf_obj[], scope_bpf_obj_end[];

static const char *const hook_prog[SCOPE_HOOKS] = {
	[SCOPE_HOOK_KERNEL] = "scope_kernel",
	[SCOPE_HOOK_MODULE] = "scope_module",
};

/* libbpf's warnings (the verifier's log among them): the last line for
 * the error a failed step reports, all of them for scope_log() */
static char libbpf_last[300];
static char *libbpf_log;
static size_t libbpf_log_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[sizeof(libbpf_last)];
	size_t l;
	va_list aq;

	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(aq, ap);
	vsnprintf(line, sizeof(line), fmt, aq);
	va_end(aq);
	if (libbpf_log_len < 1 << 20) {
		char *more = NULL;
		int n = vasprintf(&more, fmt, ap);

		if (n > 0) {
			libbpf_log = xrealloc(libbpf_log, libbpf_log_len +
					      (size_t)n + 1);
			memcpy(libbpf_log + libbpf_log_len, more,
			       (size_t)n + 1);
			libbpf_log_len += (size_t)n;
		}
		free(more);
	}
	l = strlen(line);
	while (l && line[l - 1] == '\n')
		line[--l] = '\0';
	if (l)
		memcpy(libbpf_last, line, l + 1);
	return 0;
}

const char *scope_log(void)
{
	return libbpf_log ? libbpf_log : "";
}

static int scope_load(struct scope_run *s, const struct scope_cfg *c,
		      char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .object_name = "labyrinth_scope");
	struct bpf_map *m;
	uint32_t zero = 0;
	int r;

	libbpf_set_print(libbpf_print);
	libbpf_last[0] = '\0';
	free(libbpf_log);
	libbpf_log = NULL;
	libbpf_log_len = 0;
	s->obj = bpf_object__open_mem(scope_bpf_obj,
				      (size_t)(scope_bpf_obj_end -
					       scope_bpf_obj), &opts);
	if (!s->obj) {
		r = -errno;
		snprintf(err, errlen, "cannot open the scope program: %s",
			 strerror(-r));
		return r;
	}
	r = bpf_object__load(s->obj);
	if (r) {
		snprintf(err, errlen, "cannot load the scope program: %s%s%s "
			 "(it needs CONFIG_BPF_KPROBE_OVERRIDE and root)",
			 strerror(-r), libbpf_last[0] ? ": " : "",
			 libbpf_last);
		return r;
	}
	m = bpf_object__find_map_by_name(s->obj, "cfg");
	r = m ? bpf_map__update_elem(m, &zero, sizeof(zero), c, sizeof(*c),
				     BPF_ANY) : -ENOENT;
	if (r)
		snprintf(err, errlen, "cannot configure the scope program: %s",
			 strerror(-r));
	return r;
}

int scope_start(struct scope_run *s, enum inj_id id,
		const struct scope_cfg *c, bool module_hook, char *err,
		size_t errlen)
{
	const char *hook[SCOPE_HOOKS] = {
		[SCOPE_HOOK_KERNEL] = injectors[id].hook,
		[SCOPE_HOOK_MODULE] = module_hook ? LAB_INJECT_HOOK : NULL,
	};
	int r, h;

	memset(s, 0, sizeof(*s));
	s->id = id;
	r = scope_load(s, c, err, errlen);
	for (h = 0; !r && h < SCOPE_HOOKS; h++) {
		struct bpf_program *p;

		if (!hook[h])
			continue;
		p = bpf_object__find_program_by_name(s->obj, hook_prog[h]);
		s->link[h] = p ? bpf_program__attach_kprobe(p, false,
							    hook[h]) : NULL;
		if (!s->link[h]) {
			r = p ? -errno : -ENOENT;
			snprintf(err, errlen, "cannot attach the scope program "
				 "to %s: %s%s%s (an ALLOW_ERROR_INJECTION "
				 "function of this kernel?)", hook[h],
				 strerror(-r), libbpf_last[0] ? ": " : "",
				 libbpf_last);
		}
	}
	if (r)
		scope_stop(s);
	return r;
}

void scope_stop(struct scope_run *s)
{
	int h;

	for (h = 0; h < SCOPE_HOOKS; h++) {
		bpf_link__destroy(s->link[h]);
		s->link[h] = NULL;
	}
	bpf_object__close(s->obj);
	s->obj = NULL;
}

static json_t *stats_json(const char *hook, const struct scope_stats *st)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "hook", hook, "calls", (json_int_t)st->calls,
			 "filtered", (json_int_t)st->filtered,
			 "left_to_module", (json_int_t)st->excluded,
			 "stack_errors", (json_int_t)st->stack_errors,
			 "matched", (json_int_t)st->matched,
			 "injected", (json_int_t)st->injected,
			 "stacks_lost", (json_int_t)st->stacks_lost);
}

/* Add one injected stack to the sites: merged by site and hook. */
static void add_site(json_t *sites, const struct ksyms *ks,
		     const struct scope_stack_key *k, uint64_t count,
		     const char *hook)
{
	char site[200], frame[200];
	size_t i;
	json_t *o, *stack;

	scope_site(ks, k->ip, SCOPE_SITE_FRAMES, site, sizeof(site));
	json_array_foreach(sites, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "site")),
			    site) &&
		    !strcmp(json_string_value(json_object_get(o, "hook")),
			    hook)) {
			json_object_set_new(o, "injected", json_integer(
				json_integer_value(json_object_get(
					o, "injected")) + (json_int_t)count));
			return;
		}
	stack = json_array();
	for (i = 0; i < SCOPE_SITE_FRAMES && k->ip[i]; i++) {
		ksyms_format(ks, k->ip[i], frame, sizeof(frame));
		json_array_append_new(stack, json_string(frame));
	}
	json_array_append_new(sites, json_pack("{s:s, s:s, s:I, s:o}", "site",
					       site, "hook", hook, "injected",
					       (json_int_t)count, "stack",
					       stack));
}

static int site_cmp(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(
				*(json_t *const *)a, "injected"));
	json_int_t y = json_integer_value(json_object_get(
				*(json_t *const *)b, "injected"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The sites, most injected first. */
static json_t *sites_json(const struct scope_run *s, const struct ksyms *ks)
{
	const struct bpf_map *m = bpf_object__find_map_by_name(s->obj,
							       "stacks");
	struct scope_stack_key k, next;
	json_t *sites = json_array(), **v, *out;
	const void *prev = NULL;
	uint64_t count;
	size_t i, n;

	while (m && bpf_map__get_next_key(m, prev, &next, sizeof(next)) == 0) {
		k = next;
		prev = &k;
		if (bpf_map__lookup_elem(m, &k, sizeof(k), &count,
					 sizeof(count), 0))
			continue;
		add_site(sites, ks, &k, count, k.hook == SCOPE_HOOK_MODULE ?
			 LAB_INJECT_HOOK : injectors[s->id].hook);
	}
	n = json_array_size(sites);
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(sites, i));
	qsort(v, n, sizeof(*v), site_cmp);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	json_decref(sites);
	return out;
}

json_t *scope_collect(const struct scope_run *s, const struct ksyms *ks,
		      uint64_t injected[SCOPE_HOOKS])
{
	const struct bpf_map *m;
	json_t *o, *hooks;
	uint64_t total = 0;
	uint32_t h;

	if (!s->obj)
		return NULL;
	m = bpf_object__find_map_by_name(s->obj, "stats");
	if (!m)
		return NULL;
	o = json_object();
	hooks = json_array();
	for (h = 0; h < SCOPE_HOOKS; h++) {
		struct scope_stats st;

		if (!s->link[h])
			continue;
		if (bpf_map__lookup_elem(m, &h, sizeof(h), &st, sizeof(st),
					 0)) {
			json_decref(o);
			json_decref(hooks);
			return NULL;
		}
		total += st.injected;
		injected[h] = st.injected;
		json_array_append_new(hooks, stats_json(
			h == SCOPE_HOOK_MODULE ? LAB_INJECT_HOOK :
			injectors[s->id].hook, &st));
	}
	json_object_set_new(o, "hooks", hooks);
	json_object_set_new(o, "injected", json_integer((json_int_t)total));
	json_object_set_new(o, "sites", sites_json(s, ks));
	return o;
}
