// SPDX-License-Identifier: GPL-2.0
/*
 * The scenario parser. inih does the INI syntax; this file owns what is
 * allowed: one table row per key, with its type, range and help, so the
 * file parser, --set and `labyrinth check --keys` can never disagree.
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

#include "sha256.h"
#include "util.h"

/* ---- names ------------------------------------------------------------ */

static const char *const expect_names[] = {
	"atomic-failure", "oom", "panic", "survive", NULL,
};
static const char *const context_names[] = {
	"hrtimer", "irq_work", "tasklet", "process", NULL,
};
static const char *const policy_names[] = { "drain", "churn", NULL };
static const char *const gfp_names[] = { "atomic", "nowait", NULL };
static const char *const shred_names[] = {
	"crypto", "prng", "zero", "none", NULL,
};
static const char *const scope_names[] = {
	"none", "labyrinth", "system", "module", "function", NULL,
};

const char *sc_expect_name(enum sc_expect e)
{
	return e < SC_EXPECT_MAX ? expect_names[e] : "?";
}

const char *sc_context_name(enum sc_context c)
{
	return c < SC_CTX_MAX ? context_names[c] : "?";
}

const char *sc_policy_name(enum sc_policy p)
{
	return p < SC_POLICY_MAX ? policy_names[p] : "?";
}

const char *sc_gfp_name(enum sc_gfp g)
{
	return g < SC_GFP_MAX ? gfp_names[g] : "?";
}

const char *sc_shred_name(enum sc_shred s)
{
	return s < SC_SHRED_MAX ? shred_names[s] : "?";
}

const char *sc_scope_name(enum sc_scope s)
{
	return s < SC_SCOPE_MAX ? scope_names[s] : "?";
}

int sc_expect_parse(const char *s, enum sc_expect *out)
{
	int i;

	for (i = 0; expect_names[i]; i++)
		if (!strcmp(s, expect_names[i])) {
			*out = (enum sc_expect)i;
			return 0;
		}
	return -1;
}

bool sc_context_is_irq(enum sc_context c)
{
	return c != SC_CTX_PROCESS;
}

/* ---- the key table ----------------------------------------------------- */

enum key_type {
	K_BOOL,
	K_U64,		/* min..max */
	K_LL,		/* kernel settings: -1 = leave alone, else min..max */
	K_TIMES,	/* "unlimited" / -1, or 0..max */
	K_DOUBLE,	/* dmin..dmax */
	K_DURATION,	/* min..max ms */
	K_ENUM,		/* names[] -> int */
	K_TEXT,		/* free text up to size */
	K_NAME,		/* [a-z0-9_-] word up to size */
	K_CPUS,
	K_SCOPE,
	K_BYTES_PCT,	/* "256M" or "80%" */
	K_CACHES,	/* list of slab cache names */
	K_SCRIPTS,	/* list of bpftrace script names */
	K_STOP,		/* list of stop conditions */
	K_EXTRA,	/* extra stress-ng options */
	K_ADDR,		/* stack filter address (hex) */
	K_ENGINE_SECTION,
	K_SIZE,		/* bytes: 4096, 64k, 512M */
};

enum sec_id {
	S_SCENARIO,
	S_KERNEL,
	S_ENGINE,
	S_INJECT,	/* keys shared by both injector sections */
	S_FAIL_PAGE_ALLOC,
	S_FAILSLAB,
	S_PRESSURE,
	S_TRACE,
	S_MAX,
};

static const char *const section_names[] = {
	"scenario", "kernel", "engine", "inject", "fail_page_alloc",
	"failslab", "pressure", "trace",
};

struct key_def {
	enum sec_id sec;
	const char *key;
	enum key_type type;
	size_t off;
	size_t size;
	uint64_t min, max;
	double dmin, dmax;
	const char *const *names;
	const char *help;
};

#define SCO(f) offsetof(struct scenario, f), sizeof(((struct scenario *)0)->f)
#define KO(f) offsetof(struct sc_kernel, f), sizeof(((struct sc_kernel *)0)->f)
#define EO(f) offsetof(struct sc_engine, f), sizeof(((struct sc_engine *)0)->f)
#define IO(f) offsetof(struct sc_inject, f), sizeof(((struct sc_inject *)0)->f)
#define PO(f) offsetof(struct sc_pressure, f), \
	sizeof(((struct sc_pressure *)0)->f)

#define HOUR_MS (3600ULL * 1000)

static const struct key_def keys[] = {
	/* [scenario] */
	{ S_SCENARIO, "name", K_NAME, SCO(name), 0, 0, 0, 0, NULL,
	  "short name for reports (default: the file name)" },
	{ S_SCENARIO, "description", K_TEXT, SCO(description), 0, 0, 0, 0,
	  NULL, "one line saying what the run shows" },
	{ S_SCENARIO, "duration", K_DURATION, SCO(duration_ms), 100,
	  24 * HOUR_MS, 0, 0, NULL, "how long the run lasts at most" },
	{ S_SCENARIO, "sample_interval", K_DURATION, SCO(sample_interval_ms),
	  1, 60000, 0, 0, NULL, "sampling period of /proc and module stats" },
	{ S_SCENARIO, "expect", K_ENUM, SCO(expect), 0, 0, 0, 0, expect_names,
	  "the outcome the run must produce to exit 0" },
	{ S_SCENARIO, "stop_on", K_STOP, SCO(stop_on), 0, 0, 0, 0, NULL,
	  "end the run early on: atomic-failure, oom, engines, none "
	  "(default from expect)" },
	{ S_SCENARIO, "grace", K_DURATION, SCO(grace_ms), 0, 600000, 0, 0,
	  NULL, "keep sampling this long after a stop condition" },
	{ S_SCENARIO, "ballast", K_SIZE, SCO(ballast_bytes), 0, 1ULL << 40, 0,
	  0, NULL, "memory a sacrificial child holds for the OOM killer to "
	  "take (a minimal guest has no other victim and would panic)" },
	{ S_SCENARIO, "vm_only", K_BOOL, SCO(vm_only), 0, 0, 0, 0, NULL,
	  "refuse to run outside the labyrinth VM (panics, OOM storms)" },

	/* [kernel]: sysctls, set for the run, restored after */
	{ S_KERNEL, "min_free_kbytes", K_LL, KO(min_free_kbytes), 128,
	  4194304, 0, 0, NULL, "vm.min_free_kbytes (sizes the reserves)" },
	{ S_KERNEL, "watermark_scale_factor", K_LL, KO(watermark_scale_factor),
	  1, 3000, 0, 0, NULL, "vm.watermark_scale_factor (min-low-high gap)" },
	{ S_KERNEL, "panic_on_oom", K_LL, KO(panic_on_oom), 0, 2, 0, 0, NULL,
	  "vm.panic_on_oom" },
	{ S_KERNEL, "oom_kill_allocating_task", K_LL,
	  KO(oom_kill_allocating_task), 0, 1, 0, 0, NULL,
	  "vm.oom_kill_allocating_task" },
	{ S_KERNEL, "overcommit_memory", K_LL, KO(overcommit_memory), 0, 2, 0,
	  0, NULL, "vm.overcommit_memory" },

	/* [engine NAME] */
	{ S_ENGINE, "context", K_ENUM, EO(context), 0, 0, 0, 0, context_names,
	  "where allocations run: hard IRQ (hrtimer, irq_work), softirq "
	  "(tasklet) or process context under a spinlock" },
	{ S_ENGINE, "cpus", K_CPUS, EO(cpus), 0, 0, 0, 0, NULL,
	  "\"all\" or a CPU list like 0,2-3 (CPUs 0..63)" },
	{ S_ENGINE, "rate", K_U64, EO(rate), 1, 10000000, 0, 0, NULL,
	  "allocations per second per CPU" },
	{ S_ENGINE, "burst", K_U64, EO(burst), 1, 4096, 0, 0, NULL,
	  "allocations per tick" },
	{ S_ENGINE, "policy", K_ENUM, EO(policy), 0, 0, 0, 0, policy_names,
	  "drain: hold every page until stop; churn: hold each for hold=" },
	{ S_ENGINE, "hold", K_DURATION, EO(hold_ms), 1, HOUR_MS, 0, 0, NULL,
	  "churn: how long each page is held" },
	{ S_ENGINE, "leak", K_DOUBLE, EO(leak), 0, 0, 0.0, 1.0, NULL,
	  "churn: fraction of pages kept until stop (a leaking refill path)" },
	{ S_ENGINE, "gfp", K_ENUM, EO(gfp), 0, 0, 0, 0, gfp_names,
	  "GFP_ATOMIC or GFP_NOWAIT" },
	{ S_ENGINE, "nowarn", K_BOOL, EO(nowarn), 0, 0, 0, 0, NULL,
	  "add __GFP_NOWARN (no \"page allocation failure\" splat)" },
	{ S_ENGINE, "memalloc", K_BOOL, EO(memalloc), 0, 0, 0, 0, NULL,
	  "add __GFP_MEMALLOC (ignores watermarks: drains the reserve itself)" },
	{ S_ENGINE, "order", K_U64, EO(order), 0, 10, 0, 0, NULL,
	  "allocation order (0 = one page)" },
	{ S_ENGINE, "shred", K_ENUM, EO(shred), 0, 0, 0, 0, shred_names,
	  "how a page is overwritten before it is given back" },
	{ S_ENGINE, "max_pages", K_U64, EO(max_pages), 1, 1ULL << 28, 0, 0,
	  NULL, "hard cap on pages this engine holds" },
	{ S_ENGINE, "stop_after_failures", K_U64, EO(stop_after_failures), 0,
	  1ULL << 40, 0, 0, NULL, "engine stops itself after N failures "
	  "(0 = never)" },
	{ S_ENGINE, "start", K_DURATION, EO(start_ms), 0, 24 * HOUR_MS, 0, 0,
	  NULL, "delay from the start of the run" },

	/* [fail_page_alloc] and [failslab] */
	{ S_INJECT, "scope", K_SCOPE, IO(scope), 0, 0, 0, 0, NULL,
	  "what to fail: labyrinth, system, module:NAME, function:SYMBOL, "
	  "none" },
	{ S_INJECT, "probability", K_DOUBLE, IO(probability), 0, 0, 0.0, 100.0,
	  NULL, "percent of calls that fail" },
	{ S_INJECT, "interval", K_U64, IO(interval), 1, UINT32_MAX, 0, 0, NULL,
	  "fail only every Nth call" },
	{ S_INJECT, "times", K_TIMES, IO(times), 0, INT32_MAX, 0, 0, NULL,
	  "fail at most N times (\"unlimited\" or -1: no limit)" },
	{ S_INJECT, "space", K_U64, IO(space), 0, UINT32_MAX, 0, 0, NULL,
	  "let this many bytes of allocations through first" },
	{ S_INJECT, "verbose", K_U64, IO(verbose), 0, 2, 0, 0, NULL,
	  "0 silent, 1 one line per failure, 2 with a stack trace" },
	{ S_INJECT, "verbose_ratelimit_interval_ms", K_U64,
	  IO(verbose_ratelimit_interval_ms), 0, 3600000, 0, 0, NULL,
	  "rate limit of verbose messages" },
	{ S_INJECT, "verbose_ratelimit_burst", K_U64,
	  IO(verbose_ratelimit_burst), 0, 100000, 0, 0, NULL,
	  "messages per rate-limit interval" },
	{ S_INJECT, "task_filter", K_BOOL, IO(task_filter), 0, 0, 0, 0, NULL,
	  "fail only tasks with make-it-fail set (never acts in IRQ context)" },
	{ S_INJECT, "ignore_gfp_wait", K_BOOL, IO(ignore_gfp_wait), 0, 0, 0, 0,
	  NULL, "do not fail allocations that may sleep" },
	{ S_INJECT, "stacktrace_depth", K_U64, IO(stacktrace_depth), 1, 32, 0,
	  0, NULL, "stack filter depth (not on x86_64)" },
	{ S_INJECT, "require_start", K_ADDR, IO(require_start), 0, UINT64_MAX,
	  0, 0, NULL, "stack filter (not on x86_64)" },
	{ S_INJECT, "require_end", K_ADDR, IO(require_end), 0, UINT64_MAX, 0,
	  0, NULL, "stack filter (not on x86_64)" },
	{ S_INJECT, "reject_start", K_ADDR, IO(reject_start), 0, UINT64_MAX, 0,
	  0, NULL, "stack filter (not on x86_64)" },
	{ S_INJECT, "reject_end", K_ADDR, IO(reject_end), 0, UINT64_MAX, 0, 0,
	  NULL, "stack filter (not on x86_64)" },
	{ S_INJECT, "start", K_DURATION, IO(start_ms), 0, 24 * HOUR_MS, 0, 0,
	  NULL, "arm injection this long after the run starts" },
	{ S_FAIL_PAGE_ALLOC, "min_order", K_U64, IO(min_order), 0, 10, 0, 0,
	  NULL, "smallest order failed (kernel default 1: order-0 never fails)" },
	{ S_FAIL_PAGE_ALLOC, "ignore_gfp_highmem", K_BOOL,
	  IO(ignore_gfp_highmem), 0, 0, 0, 0, NULL,
	  "do not fail __GFP_HIGHMEM allocations" },
	{ S_FAILSLAB, "cache_filter", K_BOOL, IO(cache_filter), 0, 0, 0, 0,
	  NULL, "fail only caches listed in caches=" },
	{ S_FAILSLAB, "caches", K_CACHES, IO(caches), 0, 0, 0, 0, NULL,
	  "slab caches whose /sys/kernel/slab/NAME/failslab is set" },

	/* [pressure]: stress-ng */
	{ S_PRESSURE, "vm", K_U64, PO(vm), 0, 1024, 0, 0, NULL,
	  "stress-ng --vm workers" },
	{ S_PRESSURE, "vm_bytes", K_BYTES_PCT, PO(vm_bytes), 0, 0, 0, 0, NULL,
	  "--vm-bytes: a size (512M) or a percentage of RAM (80%)" },
	{ S_PRESSURE, "vm_method", K_NAME, PO(vm_method), 0, 0, 0, 0, NULL,
	  "--vm-method (stress-ng --vm-method which lists them)" },
	{ S_PRESSURE, "vm_keep", K_BOOL, PO(vm_keep), 0, 0, 0, 0, NULL,
	  "--vm-keep: do not unmap and remap" },
	{ S_PRESSURE, "bigheap", K_U64, PO(bigheap), 0, 1024, 0, 0, NULL,
	  "stress-ng --bigheap workers (grow until OOM)" },
	{ S_PRESSURE, "page_in", K_BOOL, PO(page_in), 0, 0, 0, 0, NULL,
	  "--page-in: touch allocated pages that are not resident" },
	{ S_PRESSURE, "malloc", K_U64, PO(malloc), 0, 1024, 0, 0, NULL,
	  "stress-ng --malloc workers" },
	{ S_PRESSURE, "mmap", K_U64, PO(mmap), 0, 1024, 0, 0, NULL,
	  "stress-ng --mmap workers" },
	{ S_PRESSURE, "mmap_bytes", K_BYTES_PCT, PO(mmap_bytes), 0, 0, 0, 0,
	  NULL, "--mmap-bytes: a size or a percentage of RAM" },
	{ S_PRESSURE, "brk", K_U64, PO(brk), 0, 1024, 0, 0, NULL,
	  "stress-ng --brk workers" },
	{ S_PRESSURE, "oomable", K_BOOL, PO(oomable), 0, 0, 0, 0, NULL,
	  "--oomable: let the OOM killer take workers (OOM is the point)" },
	{ S_PRESSURE, "start", K_DURATION, PO(start_ms), 0, 24 * HOUR_MS, 0,
	  0, NULL, "delay from the start of the run" },
	{ S_PRESSURE, "extra", K_EXTRA, PO(extra), 0, 0, 0, 0, NULL,
	  "more stress-ng options, e.g. \"--vm-hang 0 --mmap-odirect\"" },

	/* [trace] */
	{ S_TRACE, "scripts", K_SCRIPTS, SCO(trace), 0, 0, 0, 0, NULL,
	  "bpftrace scripts from scenarios/bpftrace/, comma-separated: "
	  "atomic-rate, inject-vs-genuine, oom-kills, alloc-latency" },
};

/* ---- errors ------------------------------------------------------------ */

struct parse_ctx {
	struct scenario *sc;
	const char *file;
	const char *where;	/* "FILE:LINE" or "--set 'x'" */
	char wherebuf[512];
	unsigned int line;
	char *err;
	size_t errlen;
	int failed;
	/* the current section as the reader saw it */
	enum sec_id cur_sec;
	int cur_engine;		/* index into sc->engine, or -1 */
	struct sc_inject *cur_inject;
	char cur_name[128];
	/* reader state */
	const char *pos;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (c->failed)
		return;
	c->failed = 1;
	n = (size_t)snprintf(c->err, c->errlen, "%s: ", c->where);
	if (n >= c->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
}

static void set_where_line(struct parse_ctx *c)
{
	snprintf(c->wherebuf, sizeof(c->wherebuf), "%s:%u", c->file, c->line);
	c->where = c->wherebuf;
}

/* What a key allows, for error messages and --keys. */
static void describe(const struct key_def *d, char *buf, size_t len)
{
	size_t n = 0;
	int i;

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
		n = (size_t)snprintf(buf, len, "one of:");
		for (i = 0; d->names[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s %s",
					      i ? "," : "", d->names[i]);
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
			 "function:SYMBOL or none");
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
	default:
		snprintf(buf, len, "?");
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

static int parse_scope(const char *v, enum sc_scope *scope, char *target,
		       size_t tlen)
{
	const char *arg;

	if (!strcmp(v, "none") || !strcmp(v, "labyrinth") ||
	    !strcmp(v, "system")) {
		*scope = !strcmp(v, "none") ? SC_SCOPE_NONE :
			 !strcmp(v, "labyrinth") ? SC_SCOPE_LABYRINTH :
			 SC_SCOPE_SYSTEM;
		target[0] = '\0';
		return 0;
	}
	if (!strncmp(v, "module:", 7)) {
		arg = v + 7;
		/* module names: what /proc/modules shows ('-' becomes '_') */
		if (!is_word(arg, tlen, NULL))
			return -1;
		*scope = SC_SCOPE_MODULE;
	} else if (!strncmp(v, "function:", 9)) {
		arg = v + 9;
		if (!is_word(arg, tlen, ".") || strchr(arg, '-'))
			return -1;
		*scope = SC_SCOPE_FUNCTION;
	} else {
		return -1;
	}
	snprintf(target, tlen, "%s", arg);
	for (; *target; target++)
		if (*scope == SC_SCOPE_MODULE && *target == '-')
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

static const struct key_def *find_key(enum sec_id sec, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		enum sec_id ks = keys[i].sec;

		if (strcmp(keys[i].key, key))
			continue;
		if (ks == sec ||
		    (ks == S_INJECT && (sec == S_FAIL_PAGE_ALLOC ||
					sec == S_FAILSLAB)))
			return &keys[i];
	}
	return NULL;
}

static void list_keys(enum sec_id sec, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(keys) && n < len; i++) {
		enum sec_id ks = keys[i].sec;

		if (ks == sec || (ks == S_INJECT && (sec == S_FAIL_PAGE_ALLOC ||
						      sec == S_FAILSLAB)))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? ", " : "", keys[i].key);
	}
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

static int apply(struct parse_ctx *c, const char *sect_label,
		 enum sec_id sec, void *base, const char *key,
		 const char *value)
{
	const struct key_def *d = find_key(sec, key);
	char allowed[512], bad[160];
	char *field;
	uint64_t u;
	double dv;
	int r;

	if (!d) {
		list_keys(sec, allowed, sizeof(allowed));
		fail(c, "unknown key '%s' in [%s]; allowed keys: %s", key,
		     sect_label, allowed);
		return -1;
	}
	field = (char *)base + d->off;
	describe(d, allowed, sizeof(allowed));
	bad[0] = '\0';

#define BAD(why) do { \
		fail(c, "[%s] %s = '%s': %s; allowed: %s", sect_label, key, \
		     value, why, allowed); \
		return -1; \
	} while (0)

	switch (d->type) {
	case K_BOOL:
		if (parse_bool(value, (bool *)field))
			BAD("not a yes/no value");
		break;
	case K_U64:
		r = parse_u64(value, d->min, d->max, &u);
		if (r == -EINVAL)
			BAD("not an integer");
		if (r)
			BAD("out of range");
		*(uint64_t *)field = u;
		break;
	case K_LL:
		if (!strcmp(value, "-1")) {
			*(long long *)field = -1;
			break;
		}
		r = parse_u64(value, d->min, d->max, &u);
		if (r == -EINVAL)
			BAD("not an integer");
		if (r)
			BAD("out of range");
		*(long long *)field = (long long)u;
		break;
	case K_TIMES:
		if (!strcmp(value, "-1") || !strcmp(value, "unlimited")) {
			*(long long *)field = SC_UNLIMITED;
			break;
		}
		r = parse_u64(value, d->min, d->max, &u);
		if (r == -EINVAL)
			BAD("not an integer");
		if (r)
			BAD("out of range");
		*(long long *)field = (long long)u;
		break;
	case K_DOUBLE:
		r = parse_double(value, d->dmin, d->dmax, &dv);
		if (r == -EINVAL)
			BAD("not a number");
		if (r)
			BAD("out of range");
		*(double *)field = dv;
		break;
	case K_DURATION:
		r = parse_duration_ms(value, d->min, d->max, &u);
		if (r == -EINVAL)
			BAD("not a duration");
		if (r)
			BAD("out of range");
		*(uint64_t *)field = u;
		break;
	case K_ENUM: {
		int i;

		for (i = 0; d->names[i]; i++)
			if (!strcmp(value, d->names[i]))
				break;
		if (!d->names[i])
			BAD("not a known value");
		*(int *)field = i;
		break;
	}
	case K_TEXT:
		if (strlen(value) >= d->size)
			BAD("too long");
		snprintf(field, d->size, "%s", value);
		break;
	case K_NAME:
		if (!is_word(value, d->size, NULL))
			BAD("not a plain word");
		snprintf(field, d->size, "%s", value);
		break;
	case K_CPUS: {
		struct sc_engine *e = base;

		if (strlen(value) >= sizeof(e->cpus) ||
		    parse_cpulist(value, &e->cpumask))
			BAD("not a CPU list");
		snprintf(e->cpus, sizeof(e->cpus), "%s", value);
		break;
	}
	case K_SCOPE: {
		struct sc_inject *in = base;

		if (parse_scope(value, &in->scope, in->target,
				sizeof(in->target)))
			BAD("not a scope");
		break;
	}
	case K_BYTES_PCT:
		if (strlen(value) >= d->size || parse_bytes_pct(value))
			BAD("not a size or percentage");
		snprintf(field, d->size, "%s", value);
		break;
	case K_CACHES: {
		struct sc_inject *in = base;

		if (parse_list(value, in->caches, &in->ncaches, ".:", bad,
			       sizeof(bad))) {
			char why[200];

			snprintf(why, sizeof(why), "bad cache name %s", bad);
			BAD(why);
		}
		break;
	}
	case K_SCRIPTS: {
		struct scenario *sc = base;

		if (parse_list(value, sc->trace, &sc->ntrace, NULL, bad,
			       sizeof(bad))) {
			char why[200];

			snprintf(why, sizeof(why), "bad script name %s", bad);
			BAD(why);
		}
		sc->trace_line = c->line;
		break;
	}
	case K_STOP: {
		struct scenario *sc = base;

		if (parse_stop(value, &sc->stop_on, bad, sizeof(bad))) {
			char why[200];

			snprintf(why, sizeof(why), "unknown stop condition %s",
				 bad);
			BAD(why);
		}
		sc->stop_on_set = true;
		break;
	}
	case K_EXTRA:
		if (strlen(value) >= d->size)
			BAD("too long");
		if (parse_extra(value, bad, sizeof(bad)))
			BAD(bad);
		snprintf(field, d->size, "%s", value);
		break;
	case K_SIZE:
		r = parse_size(value, d->min, d->max, &u);
		if (r == -EINVAL)
			BAD("not a size");
		if (r)
			BAD("out of range");
		*(uint64_t *)field = u;
		break;
	case K_ADDR: {
		struct sc_inject *in = base;

		if (strncmp(value, "0x", 2) ||
		    parse_u64(value, 0, UINT64_MAX, &u))
			BAD("not a hex address");
		*(uint64_t *)field = u;
		in->has_stack_filter = true;
		break;
	}
	default:
		BAD("internal: unhandled key type");
	}
#undef BAD
	return 0;
}

/* ---- sections ---------------------------------------------------------- */

static void engine_defaults(struct sc_engine *e, const char *name,
			    unsigned int line)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->line = line;
	e->context = SC_CTX_HRTIMER;
	snprintf(e->cpus, sizeof(e->cpus), "all");
	e->rate = 1000;
	e->burst = 1;
	e->policy = SC_POLICY_DRAIN;
	e->gfp = SC_GFP_ATOMIC;
	e->shred = SC_SHRED_PRNG;
	e->max_pages = 1ULL << 20;	/* 4 GiB of 4k pages */
}

static void inject_defaults(struct sc_inject *in)
{
	memset(in, 0, sizeof(*in));
	in->scope = SC_SCOPE_NONE;
	in->interval = 1;
	in->times = SC_UNLIMITED;
	in->verbose = 0;
	in->verbose_ratelimit_interval_ms = 5000;
	in->verbose_ratelimit_burst = 10;
	in->min_order = 0;
	in->ignore_gfp_wait = false;
	in->stacktrace_depth = 32;
}

static void scenario_defaults(struct scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->duration_ms = 30000;
	sc->sample_interval_ms = 10;
	sc->expect = SC_EXPECT_SURVIVE;
	sc->grace_ms = 500;
	sc->kernel.min_free_kbytes = -1;
	sc->kernel.watermark_scale_factor = -1;
	sc->kernel.panic_on_oom = -1;
	sc->kernel.oom_kill_allocating_task = -1;
	sc->kernel.overcommit_memory = -1;
	inject_defaults(&sc->fail_page_alloc);
	inject_defaults(&sc->failslab);
	snprintf(sc->pressure.vm_bytes, sizeof(sc->pressure.vm_bytes), "80%%");
}

static int find_engine(struct scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nengines; i++)
		if (!strcmp(sc->engine[i].name, name))
			return (int)i;
	return -1;
}

/*
 * A "[...]" line, seen by the reader before inih, so that empty sections
 * exist and repeated ones are caught with both line numbers.
 */
static void open_section(struct parse_ctx *c, const char *raw)
{
	struct scenario *sc = c->sc;
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
	for (i = 0; i < S_MAX; i++)
		if (i != S_INJECT && !strcmp(name, section_names[i]))
			break;
	if (i == S_MAX) {
		fail(c, "unknown section [%s]; allowed: [scenario], [kernel], "
		     "[engine NAME], [fail_page_alloc], [failslab], "
		     "[pressure], [trace]", raw);
		return;
	}
	c->cur_sec = (enum sec_id)i;
	if (c->cur_sec == S_ENGINE) {
		char ename[SC_NAME_MAX];

		if (sub && !is_word(sub, SC_NAME_MAX, NULL)) {
			fail(c, "bad engine name '%s' in [%s]: use letters, "
			     "digits, '-' and '_' (up to %d characters)", sub,
			     raw, SC_NAME_MAX - 1);
			return;
		}
		snprintf(ename, sizeof(ename), "%s", sub ? sub : "main");
		i = find_engine(sc, ename);
		if (i >= 0) {
			fail(c, "[engine %s] appears twice (first at line %u); "
			     "give each engine its own name", ename,
			     sc->engine[i].line);
			return;
		}
		if (sc->nengines == SC_MAX_ENGINES) {
			fail(c, "too many engines: at most %d", SC_MAX_ENGINES);
			return;
		}
		engine_defaults(&sc->engine[sc->nengines], ename, c->line);
		c->cur_engine = (int)sc->nengines++;
		snprintf(c->cur_name, sizeof(c->cur_name), "engine %s", ename);
		return;
	}
	if (sub) {
		fail(c, "section [%s] takes no name (only [engine NAME] does)",
		     raw);
		return;
	}
	snprintf(c->cur_name, sizeof(c->cur_name), "%s", name);
	if (c->cur_sec == S_FAIL_PAGE_ALLOC || c->cur_sec == S_FAILSLAB) {
		struct sc_inject *in = c->cur_sec == S_FAIL_PAGE_ALLOC ?
			&sc->fail_page_alloc : &sc->failslab;

		if (in->present) {
			fail(c, "[%s] appears twice (first at line %u)", name,
			     in->line);
			return;
		}
		in->present = true;
		in->line = c->line;
		c->cur_inject = in;
	}
	if (c->cur_sec == S_PRESSURE) {
		if (sc->pressure.present) {
			fail(c, "[pressure] appears twice (first at line %u)",
			     sc->pressure.line);
			return;
		}
		sc->pressure.present = true;
		sc->pressure.line = c->line;
	}
}

static void *section_base(struct scenario *sc, enum sec_id sec, int engine)
{
	switch (sec) {
	case S_SCENARIO:
	case S_TRACE:
		return sc;
	case S_KERNEL:
		return &sc->kernel;
	case S_ENGINE:
		return engine >= 0 ? &sc->engine[engine] : NULL;
	case S_FAIL_PAGE_ALLOC:
		return &sc->fail_page_alloc;
	case S_FAILSLAB:
		return &sc->failslab;
	case S_PRESSURE:
		return &sc->pressure;
	default:
		return NULL;
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *c = user;
	void *base;
	int dup;

	(void)section;	/* the reader tracked it, with its line */
	if (c->failed)
		return 0;
	set_where_line(c);
	if (!c->cur_name[0]) {
		fail(c, "'%s' before any [section]: put it under [scenario] "
		     "or another section", name);
		return 0;
	}
	mark_seen(c, c->cur_name, name, &dup);
	if (dup) {
		fail(c, "[%s] %s is set twice; keep one", c->cur_name, name);
		return 0;
	}
	base = section_base(c->sc, c->cur_sec, c->cur_engine);
	if (!base) {
		fail(c, "internal: no section for '%s'", name);
		return 0;
	}
	if (apply(c, c->cur_name, c->cur_sec, base, name, value))
		return 0;
	return 1;
}

/*
 * inih's reader callback: hand out one line, count lines, and catch what
 * inih would misread silently: overlong lines (it splits them), indented
 * lines (it takes them as continuations of the previous value) and
 * section headers (tracked here with their line number).
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *nl, *p;
	size_t len;

	if (c->failed || !*c->pos)
		return NULL;
	nl = strchr(c->pos, '\n');
	len = nl ? (size_t)(nl - c->pos) + 1 : strlen(c->pos);
	c->line++;
	set_where_line(c);
	if (len >= (size_t)num) {
		fail(c, "line is too long (%zu characters, at most %d)",
		     len - (nl ? 1 : 0), num - 2);
		return NULL;
	}
	memcpy(str, c->pos, len);
	str[len] = '\0';
	c->pos += len;
	if (memchr(str, '\0', len)) {
		fail(c, "NUL byte in the file");
		return NULL;
	}

	p = str;
	if (c->line == 1 && !strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;	/* inih skips a UTF-8 BOM too */
	str = (char *)p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (p != str && *p && *p != '\n' && *p != '\r' && *p != ';' &&
	    *p != '#') {
		fail(c, "indented line: scenario files take no continuation "
		     "lines; remove the leading whitespace");
		return NULL;
	}
	if (*p == '[') {
		char name[128];
		const char *end = strchr(p, ']');
		const char *q;
		size_t n;

		if (!end) {
			fail(c, "section header without ']'");
			return NULL;
		}
		for (q = end + 1; *q; q++)
			if (!isspace((unsigned char)*q)) {
				if (*q == ';' || *q == '#')
					break;
				fail(c, "text after the section header's ']'");
				return NULL;
			}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		n = (size_t)(end - p);
		while (n && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(name)) {
			fail(c, "empty or overlong section name");
			return NULL;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		open_section(c, name);
		if (c->failed)
			return NULL;
	}
	return str;
}

/* ---- public ------------------------------------------------------------ */

void scenario_free(struct scenario *sc)
{
	size_t i;

	free(sc->file);
	free(sc->text);
	for (i = 0; i < sc->noverrides; i++)
		free(sc->overrides[i]);
	free(sc->overrides);
	for (i = 0; i < sc->nseen; i++)
		free(sc->seen[i]);
	free(sc->seen);
	memset(sc, 0, sizeof(*sc));
}

int scenario_parse_string(struct scenario *sc, const char *file,
			  const char *text, char *err, size_t errlen)
{
	struct parse_ctx c = { 0 };
	const char *script_dir = sc->script_dir;
	const char *base;
	int r;

	scenario_defaults(sc);
	sc->script_dir = script_dir;
	sc->file = xstrdup(file);
	sc->text = xstrdup(text);
	sha256_hex(text, strlen(text), sc->sha256);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	snprintf(sc->name, sizeof(sc->name), "%.*s",
		 (int)(strcspn(base, ".") ? strcspn(base, ".") : strlen(base)),
		 base);

	c.sc = sc;
	c.file = file;
	c.err = err;
	c.errlen = errlen;
	c.pos = text;
	c.cur_engine = -1;
	c.where = file;
	err[0] = '\0';
	r = ini_parse_stream(reader, &c, handler, &c);
	if (!c.failed && r > 0) {
		c.line = (unsigned int)r;
		set_where_line(&c);
		fail(&c, "syntax error: expected '[section]', 'key = value' "
		     "or a '; comment'");
	}
	if (!c.failed && r < 0)
		fail(&c, "could not parse (inih error %d)", r);
	if (c.failed) {
		scenario_free(sc);
		return -1;
	}
	return 0;
}

int scenario_load(struct scenario *sc, const char *path, char *err,
		  size_t errlen)
{
	char *text;
	size_t len;
	int r;

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

int scenario_set(struct scenario *sc, const char *assignment, char *err,
		 size_t errlen)
{
	struct parse_ctx c = { 0 };
	char *dup = xstrdup(assignment), *eq, *dot, *path, *key, *value;
	char label[128];
	enum sec_id sec;
	int engine = -1, i, ret = -1;
	void *base;

	c.sc = sc;
	c.err = err;
	c.errlen = errlen;
	snprintf(c.wherebuf, sizeof(c.wherebuf), "--set '%s'", assignment);
	c.where = c.wherebuf;

	eq = strchr(dup, '=');
	if (!eq) {
		fail(&c, "expected section.key=value");
		goto out;
	}
	*eq = '\0';
	value = eq + 1;
	path = dup;
	dot = strrchr(path, '.');
	if (!dot || dot == path || !dot[1]) {
		fail(&c, "expected section.key=value, e.g. "
		     "scenario.duration=10s or engine.rx.rate=5000");
		goto out;
	}
	*dot = '\0';
	key = dot + 1;

	if (!strncmp(path, "engine", 6) && (path[6] == '\0' || path[6] == '.')) {
		sec = S_ENGINE;
		if (path[6] == '.') {
			engine = find_engine(sc, path + 7);
		} else if (sc->nengines == 1) {
			engine = 0;
		} else {
			char names[256];
			size_t n = 0, k;

			names[0] = '\0';
			for (k = 0; k < sc->nengines; k++)
				n += (size_t)snprintf(names + n,
						      sizeof(names) - n,
						      "%s%s", k ? ", " : "",
						      sc->engine[k].name);
			fail(&c, "the scenario has %zu engines: name one, as "
			     "engine.NAME.%s (engines: %s)", sc->nengines, key,
			     sc->nengines ? names : "none");
			goto out;
		}
		if (engine < 0) {
			fail(&c, "%s has no [engine %s]; run 'labyrinth "
			     "check %s' to see its engines", sc->file,
			     path + 7, sc->file);
			goto out;
		}
		snprintf(label, sizeof(label), "engine %s",
			 sc->engine[engine].name);
	} else {
		for (i = 0; i < S_MAX; i++)
			if (i != S_INJECT && i != S_ENGINE &&
			    !strcmp(path, section_names[i]))
				break;
		if (i == S_MAX) {
			fail(&c, "unknown section '%s'; allowed: scenario, "
			     "kernel, engine[.NAME], fail_page_alloc, failslab, "
			     "pressure, trace", path);
			goto out;
		}
		sec = (enum sec_id)i;
		snprintf(label, sizeof(label), "%s", path);
	}
	base = section_base(sc, sec, engine);
	if (apply(&c, label, sec, base, key, value))
		goto out;
	if (sec == S_FAIL_PAGE_ALLOC && !sc->fail_page_alloc.present)
		sc->fail_page_alloc.present = true;
	if (sec == S_FAILSLAB && !sc->failslab.present)
		sc->failslab.present = true;
	if (sec == S_PRESSURE)
		sc->pressure.present = true;
	sc->overrides = xrealloc(sc->overrides,
				 (sc->noverrides + 1) * sizeof(char *));
	sc->overrides[sc->noverrides++] = xstrdup(assignment);
	ret = 0;
out:
	free(dup);
	return ret;
}

static void __attribute__((format(printf, 5, 6)))
fin_err(const struct scenario *sc, unsigned int line, char *err,
	size_t errlen, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (line)
		n = (size_t)snprintf(err, errlen, "%s:%u: ", sc->file, line);
	else
		n = (size_t)snprintf(err, errlen, "%s: ", sc->file);
	if (n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

static bool pressure_has_workers(const struct sc_pressure *p)
{
	return p->vm || p->bigheap || p->malloc || p->mmap || p->brk ||
	       p->extra[0];
}

static int check_inject(const struct scenario *sc, const struct sc_inject *in,
			const char *name, char *err, size_t errlen)
{
	if (!in->present || in->scope == SC_SCOPE_NONE)
		return 0;
	if (in->probability == 0.0 && in->interval <= 1 && in->times != 0) {
		/* probability 0 never fails; make the mistake loud */
		fin_err(sc, in->line, err, errlen,
			"[%s] scope = %s but probability is 0: nothing would "
			"fail; set probability (percent), e.g. probability = 100 "
			"with interval = N for every Nth call", name,
			sc_scope_name(in->scope));
		return -1;
	}
	if (in->scope == SC_SCOPE_LABYRINTH && in == &sc->failslab) {
		fin_err(sc, in->line, err, errlen,
			"[failslab] scope = labyrinth: the module's private "
			"attribute covers its page allocations only; use "
			"[fail_page_alloc] scope = labyrinth, or failslab with "
			"scope = module:labyrinth");
		return -1;
	}
	if (in->scope == SC_SCOPE_LABYRINTH && sc->nengines == 0) {
		fin_err(sc, in->line, err, errlen,
			"[%s] scope = labyrinth needs at least one [engine]: "
			"only the module's own allocations are failed", name);
		return -1;
	}
	if ((in->scope == SC_SCOPE_MODULE || in->scope == SC_SCOPE_FUNCTION) &&
	    !in->target[0]) {
		fin_err(sc, in->line, err, errlen, "[%s] scope needs a target",
			name);
		return -1;
	}
	if (in->has_stack_filter) {
#if defined(__x86_64__)
		fin_err(sc, in->line, err, errlen,
			"[%s] require_/reject_ stack filter keys: x86_64 has no "
			"stack filter (FAULT_INJECTION_STACKTRACE_FILTER depends "
			"on !X86_64); use scope = module:NAME or "
			"function:SYMBOL instead", name);
		return -1;
#endif
	}
	if (in->cache_filter && in->ncaches == 0) {
		fin_err(sc, in->line, err, errlen,
			"[failslab] cache_filter = yes needs caches = NAME,...");
		return -1;
	}
	if (in->ncaches && !in->cache_filter) {
		fin_err(sc, in->line, err, errlen,
			"[failslab] caches= only takes effect with "
			"cache_filter = yes");
		return -1;
	}
	if (in->start_ms >= sc->duration_ms) {
		fin_err(sc, in->line, err, errlen,
			"[%s] start (%llums) is not before the end of the run "
			"(duration %llums)", name,
			(unsigned long long)in->start_ms,
			(unsigned long long)sc->duration_ms);
		return -1;
	}
	return 0;
}

int scenario_finish(struct scenario *sc, char *err, size_t errlen)
{
	size_t i;

	err[0] = '\0';
	if (sc->sample_interval_ms > sc->duration_ms) {
		fin_err(sc, 0, err, errlen,
			"[scenario] sample_interval (%llums) is longer than "
			"duration (%llums)",
			(unsigned long long)sc->sample_interval_ms,
			(unsigned long long)sc->duration_ms);
		return -1;
	}
	for (i = 0; i < sc->nengines; i++) {
		struct sc_engine *e = &sc->engine[i];

		if (e->policy == SC_POLICY_CHURN && !e->hold_ms) {
			fin_err(sc, e->line, err, errlen,
				"[engine %s] policy = churn needs hold = "
				"DURATION (how long each page is held)",
				e->name);
			return -1;
		}
		if (e->policy == SC_POLICY_DRAIN && (e->hold_ms || e->leak)) {
			fin_err(sc, e->line, err, errlen,
				"[engine %s] hold/leak only apply to policy = "
				"churn (drain holds every page until stop)",
				e->name);
			return -1;
		}
		if (e->start_ms >= sc->duration_ms) {
			fin_err(sc, e->line, err, errlen,
				"[engine %s] start is not before the end of the "
				"run", e->name);
			return -1;
		}
		/* the module's tick is burst / rate s, at least 10 us */
		if (e->rate / e->burst > 100000) {
			fin_err(sc, e->line, err, errlen,
				"[engine %s] rate %llu with burst %llu means "
				"more than 100000 ticks per second per CPU; "
				"raise burst to at least %llu", e->name,
				(unsigned long long)e->rate,
				(unsigned long long)e->burst,
				(unsigned long long)((e->rate + 99999) /
						     100000));
			return -1;
		}
		if (e->burst > e->rate) {
			fin_err(sc, e->line, err, errlen,
				"[engine %s] burst (%llu) is larger than rate "
				"(%llu per second)", e->name,
				(unsigned long long)e->burst,
				(unsigned long long)e->rate);
			return -1;
		}
	}
	if (check_inject(sc, &sc->fail_page_alloc, "fail_page_alloc", err,
			 errlen) ||
	    check_inject(sc, &sc->failslab, "failslab", err, errlen))
		return -1;
	if (sc->pressure.present && !pressure_has_workers(&sc->pressure)) {
		fin_err(sc, sc->pressure.line, err, errlen,
			"[pressure] starts no stress-ng workers: set vm, "
			"bigheap, malloc, mmap, brk or extra");
		return -1;
	}
	if (sc->pressure.present && sc->pressure.start_ms >= sc->duration_ms) {
		fin_err(sc, sc->pressure.line, err, errlen,
			"[pressure] start is not before the end of the run");
		return -1;
	}
	if (sc->nengines == 0 && !sc->pressure.present &&
	    !sc->fail_page_alloc.present && !sc->failslab.present) {
		fin_err(sc, 0, err, errlen,
			"nothing to run: add an [engine NAME], [pressure] or "
			"an injector section");
		return -1;
	}
	if (sc->expect == SC_EXPECT_PANIC && !sc->vm_only) {
		fin_err(sc, 0, err, errlen,
			"expect = panic also needs vm_only = yes: a scenario "
			"that panics the kernel must never run on a real "
			"machine by accident");
		return -1;
	}
	if (sc->expect == SC_EXPECT_PANIC && sc->kernel.panic_on_oom < 1) {
		fin_err(sc, 0, err, errlen,
			"expect = panic needs [kernel] panic_on_oom = 1 or 2 "
			"(that is how labyrinth provokes the panic)");
		return -1;
	}
	if (sc->ntrace && sc->script_dir) {
		for (i = 0; i < sc->ntrace; i++) {
			char *p = xasprintf("%s/%s.bt", sc->script_dir,
					    sc->trace[i]);
			int ok = access(p, R_OK) == 0;

			free(p);
			if (!ok) {
				fin_err(sc, sc->trace_line, err, errlen,
					"[trace] scripts: no script '%s' in "
					"%s (files there are NAME.bt)",
					sc->trace[i], sc->script_dir);
				return -1;
			}
		}
	}
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
	}
	sc->requires_fault_injection =
		(sc->fail_page_alloc.present &&
		 sc->fail_page_alloc.scope != SC_SCOPE_NONE) ||
		(sc->failslab.present && sc->failslab.scope != SC_SCOPE_NONE);
	return 0;
}

void scenario_print_keys(FILE *f)
{
	enum sec_id last = S_MAX;
	char allowed[512];
	size_t i;

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
		fprintf(f, "  %s\n      %s\n      allowed: %s\n", d->key,
			d->help, allowed);
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
