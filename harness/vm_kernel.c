// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel table behind `labyrinth vm --kver`. See vm_kernel.h; every
 * fact in the rule tables is cited in kernel/KERNELS.md from the source
 * trees of the kernels themselves (Debian's linux-source-6.1 6.1.192 and
 * linux-source-6.12 6.12.117; the stock 6.1.0-56-amd64 is built from the
 * same 6.1.192 sources).
 */
#include "vm_kernel.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "inject.h"
#include "scenario.h"
#include "target.h"
#include "util.h"
#include "vm.h"
#include "vocab.h"

/*
 * Both trees decide the same way for an order-0 request (mm/page_alloc.c:
 * gfp_to_alloc_flags, __zone_watermark_ok): __GFP_HIGH gives
 * ALLOC_MIN_RESERVE (min - min/2), not being able to reclaim gives
 * ALLOC_NON_BLOCK, which takes a further quarter only together with
 * ALLOC_MIN_RESERVE: GFP_ATOMIC goes to 3/8 of min, GFP_NOWAIT stops at
 * min. __GFP_MEMALLOC is ALLOC_NO_WATERMARKS on the slow path
 * (__gfp_pfmemalloc_flags). What differs is the GFP bits (6.12 dropped
 * __GFP_ATOMIC, and its GFP_NOWAIT carries __GFP_NOWARN) and how much of
 * the highatomic reserve the watermark check holds back.
 */
/*
 * The __GFP_ flags a gfp_filter may name (include/linux/gfp_types.h of
 * each tree): 6.12 keeps every bit where 6.1 had it and drops
 * __GFP_ATOMIC (0x200, unused since 6.3).
 */
#define GFP_FLAGS_COMMON \
	{ "__GFP_DMA", 0x01 }, { "__GFP_HIGHMEM", 0x02 }, \
	{ "__GFP_DMA32", 0x04 }, { "__GFP_MOVABLE", 0x08 }, \
	{ "__GFP_RECLAIMABLE", 0x10 }, { "__GFP_HIGH", 0x20 }, \
	{ "__GFP_IO", 0x40 }, { "__GFP_FS", 0x80 }, { "__GFP_ZERO", 0x100 }, \
	{ "__GFP_DIRECT_RECLAIM", 0x400 }, { "__GFP_KSWAPD_RECLAIM", 0x800 }, \
	{ "__GFP_WRITE", 0x1000 }, { "__GFP_NOWARN", 0x2000 }, \
	{ "__GFP_RETRY_MAYFAIL", 0x4000 }, { "__GFP_NOFAIL", 0x8000 }, \
	{ "__GFP_NORETRY", 0x10000 }, { "__GFP_MEMALLOC", 0x20000 }, \
	{ "__GFP_COMP", 0x40000 }, { "__GFP_NOMEMALLOC", 0x80000 }, \
	{ "__GFP_HARDWALL", 0x100000 }, { "__GFP_THISNODE", 0x200000 }, \
	{ "__GFP_ACCOUNT", 0x400000 }

static const struct vm_gfp_flag gfp_flags_6_1[] = {
	GFP_FLAGS_COMMON, { "__GFP_ATOMIC", 0x200 },
};

static const struct vm_gfp_flag gfp_flags_6_12[] = {
	GFP_FLAGS_COMMON,
};

static const struct vm_reserve_rules rules_6_1 = {
	.id = "6.1.192",
	.source = "Linux 6.1.192 (Debian linux 6.1.192-2/-3)",
	.summary = "GFP_ATOMIC: ALLOC_MIN_RESERVE|ALLOC_NON_BLOCK, down to 3/8 of min; GFP_NOWAIT: ALLOC_NON_BLOCK, stops at min; __GFP_MEMALLOC: ALLOC_NO_WATERMARKS; watermark check holds back nr_reserved_highatomic for requests without ALLOC_RESERVES",
	.gfp = {
		[VM_GFP_ATOMIC] = { "GFP_ATOMIC", 0xa20,
			"__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM",
			"ALLOC_WMARK_MIN|ALLOC_MIN_RESERVE|ALLOC_NON_BLOCK|ALLOC_KSWAPD",
			0.375 },
		[VM_GFP_NOWAIT] = { "GFP_NOWAIT", 0x800,
			"__GFP_KSWAPD_RECLAIM",
			"ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_KSWAPD|ALLOC_CPUSET",
			1.0 },
		[VM_GFP_MEMALLOC] = { "GFP_ATOMIC|__GFP_MEMALLOC", 0x20a20,
			"__GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM|__GFP_MEMALLOC",
			"ALLOC_NO_WATERMARKS (slow path)", 0.0 },
	},
	.highatomic = "order-0 ALLOC_NON_BLOCK requests take MIGRATE_HIGHATOMIC pages only when the other free lists are empty (rmqueue_buddy); only order > 0 GFP_ATOMIC gets ALLOC_HIGHATOMIC",
	.pcp = "a per-CPU list refill takes pcp->batch pages after a one-page watermark check: the zone stays within about a batch of the rule",
	.flags = gfp_flags_6_1,
	.nflags = ARRAY_SIZE(gfp_flags_6_1),
};

static const struct vm_reserve_rules rules_6_12 = {
	.id = "6.12.117",
	.source = "Linux 6.12.117 (Debian linux 6.12.117-1~deb12u1)",
	.summary = "GFP_ATOMIC: ALLOC_MIN_RESERVE|ALLOC_NON_BLOCK, down to 3/8 of min; GFP_NOWAIT: ALLOC_NON_BLOCK, stops at min; __GFP_MEMALLOC: ALLOC_NO_WATERMARKS; watermark check holds back nr_free_highatomic for requests without ALLOC_RESERVES",
	.gfp = {
		[VM_GFP_ATOMIC] = { "GFP_ATOMIC", 0x820,
			"__GFP_HIGH|__GFP_KSWAPD_RECLAIM",
			"ALLOC_WMARK_MIN|ALLOC_MIN_RESERVE|ALLOC_NON_BLOCK|ALLOC_KSWAPD",
			0.375 },
		[VM_GFP_NOWAIT] = { "GFP_NOWAIT", 0x2800,
			"__GFP_KSWAPD_RECLAIM|__GFP_NOWARN",
			"ALLOC_WMARK_MIN|ALLOC_NON_BLOCK|ALLOC_KSWAPD|ALLOC_CPUSET",
			1.0 },
		[VM_GFP_MEMALLOC] = { "GFP_ATOMIC|__GFP_MEMALLOC", 0x20820,
			"__GFP_HIGH|__GFP_KSWAPD_RECLAIM|__GFP_MEMALLOC",
			"ALLOC_NO_WATERMARKS (slow path)", 0.0 },
	},
	.highatomic = "order-0 ALLOC_NON_BLOCK requests take MIGRATE_HIGHATOMIC pages only when the other free lists are empty (rmqueue_buddy); only order > 0 GFP_ATOMIC gets ALLOC_HIGHATOMIC",
	.pcp = "a per-CPU list refill takes batch << alloc_factor pages (up to 32 x batch, bounded by an auto-tuned pcp->high) after a one-page watermark check: a drain can take a zone's free pages far below the rule, to 0",
	.flags = gfp_flags_6_12,
	.nflags = ARRAY_SIZE(gfp_flags_6_12),
};

static const struct vm_kernel kernels[] = {
	{
		.name = "6.1",
		.what = "labyrinth test kernel 6.1 (fault injection, BPF override)",
		.package = "linux-source-6.1",
		.has_debug = true,
		.rules = &rules_6_1,
		.fail_page_alloc = "mm/page_alloc.c; debugfs fail_page_alloc/ (min-order defaults to 1)",
	},
	{
		.name = "6.12",
		.what = "labyrinth test kernel 6.12 (fault injection, BPF override)",
		.package = "linux-source-6.12",
		.has_debug = true,
		.rules = &rules_6_12,
		.fail_page_alloc = "mm/fail_page_alloc.c (an inline stub without CONFIG_FAIL_PAGE_ALLOC); debugfs fail_page_alloc/ (min-order defaults to 1)",
	},
	{
		.name = "stock",
		.what = "Debian's stock generic kernel (no fault injection)",
		.package = "linux-image-amd64",
		.has_initrd = true,
		.rules = &rules_6_1,
		.fail_page_alloc = "absent: CONFIG_FAIL_PAGE_ALLOC is not set",
	},
};

static const char *const feature_configs[VMK_FEATURES] = {
	[VMK_FAULT_INJECTION] = "CONFIG_FAULT_INJECTION",
	[VMK_FAIL_PAGE_ALLOC] = "CONFIG_FAIL_PAGE_ALLOC",
	[VMK_FAILSLAB] = "CONFIG_FAILSLAB",
	[VMK_FAULT_INJECTION_DEBUG_FS] = "CONFIG_FAULT_INJECTION_DEBUG_FS",
	[VMK_BPF_KPROBE_OVERRIDE] = "CONFIG_BPF_KPROBE_OVERRIDE",
	[VMK_KPROBES] = "CONFIG_KPROBES",
	[VMK_KRETPROBES] = "CONFIG_KRETPROBES",
	[VMK_KASAN] = "CONFIG_KASAN",
	[VMK_PROVE_LOCKING] = "CONFIG_PROVE_LOCKING",
	[VMK_LKDTM] = "CONFIG_LKDTM",
};

int vm_kernel_gfp_flag(const struct vm_reserve_rules *r, const char *name,
		       unsigned long *value)
{
	size_t i;

	for (i = 0; i < r->nflags; i++)
		if (!strcmp(r->flags[i].name, name)) {
			*value = r->flags[i].value;
			return 0;
		}
	return -ENOENT;
}

bool vm_kernel_gfp_flag_known(const char *name)
{
	unsigned long v;

	return vm_kernel_gfp_flag(&rules_6_1, name, &v) == 0 ||
	       vm_kernel_gfp_flag(&rules_6_12, name, &v) == 0;
}

const char *vm_kernel_feature_config(enum vm_kernel_feature f)
{
	return (unsigned int)f < VMK_FEATURES ? feature_configs[f] : "?";
}

const struct vm_kernel *vm_kernel_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kernels); i++)
		if (!strcmp(kernels[i].name, name))
			return &kernels[i];
	return NULL;
}

const char *vm_kernel_names(void)
{
	return "6.1, 6.12 or stock";
}

const struct vm_kernel *vm_kernel_table(size_t *n)
{
	*n = ARRAY_SIZE(kernels);
	return kernels;
}

/* "6.1." + digits only: a test kernel has no local version. */
static bool release_is(const char *release, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(release, prefix, n) && release[n] &&
	       strspn(release + n, "0123456789") == strlen(release + n);
}

const struct vm_kernel *vm_kernel_for_release(const char *release)
{
	size_t n = strlen(release);

	if (!strncmp(release, "6.1.0-", 6) && n > 12 &&
	    !strcmp(release + n - 6, "-amd64"))
		return vm_kernel_find("stock");
	if (release_is(release, "6.12."))
		return vm_kernel_find("6.12");
	if (release_is(release, "6.1."))
		return vm_kernel_find("6.1");
	return NULL;
}

/*
 * The checkout this binary was built in (build/labyrinth or
 * build/asan/labyrinth under it), if it still has its kernel script:
 * NULL for an installed binary. malloc'd.
 */
static char *checkout_top(void)
{
	char exe[PATH_MAX], *top = NULL, *script;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int up;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	for (up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash || slash == exe)
			break;
		*slash = '\0';
		script = xasprintf("%s/kernel/build-kernel.sh", exe);
		if (access(script, X_OK) == 0)
			top = xstrdup(exe);
		free(script);
		if (top)
			break;
	}
	return top;
}

/*
 * The kernel directory the checkout's own kernel script names for this
 * kernel (its cache key: that checkout's sources and fragments), or NULL
 * when there is no such checkout or it has not built that kernel.
 * The current-KVER-VARIANT links are shared by every checkout on the
 * machine and name whichever built last; a binary from a checkout boots
 * what that checkout built. One lookup per kernel per process.
 */
static const char *checkout_kernel_dir(const struct vm_kernel *k,
				       const char *variant)
{
	static char *cached[8][2];
	static int looked[8][2];
	size_t ki = (size_t)(k - kernels), vi = !!strcmp(variant, "default");
	char *top, *cmd, line[PATH_MAX];
	FILE *f;

	if (ki >= 8)
		return NULL;
	if (looked[ki][vi])
		return cached[ki][vi];
	looked[ki][vi] = 1;
	top = checkout_top();
	if (!top)
		return NULL;
	cmd = xasprintf("KVER='%s' VARIANT='%s' '%s/kernel/build-kernel.sh' "
			"--print-dir 2>/dev/null", k->name, variant, top);
	f = popen(cmd, "r");
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* built by this checkout: else the links (and their error) */
		if (line[0] == '/' && access(line, F_OK) == 0)
			cached[ki][vi] = xstrdup(line);
	}
	if (f)
		pclose(f);
	free(cmd);
	free(top);
	return cached[ki][vi];
}

char *vm_kernel_path(const struct vm_kernel *k, const char *variant,
		     const char *file)
{
	const char *cache = getenv("LABYRINTH_CACHE");
	const char *home = getenv("HOME");
	const char *own = checkout_kernel_dir(k, variant);

	if (!strcmp(file, "initrd") && !k->has_initrd)
		return NULL;
	if (own)
		return xasprintf("%s/%s", own, file);
	if (cache && *cache)
		return xasprintf("%s/kernel/current-%s-%s/%s", cache, k->name,
				 variant, file);
	return xasprintf("%s/.cache/labyrinth/kernel/current-%s-%s/%s",
			 home && *home ? home : "/root", k->name, variant,
			 file);
}

int vm_kernel_has(const struct vm_kernel *k, const char *variant,
		  enum vm_kernel_feature f)
{
	char *path = vm_kernel_path(k, variant, "config"), *buf, *line;
	const char *opt = vm_kernel_feature_config(f);
	size_t n = strlen(opt);
	int found = 0;

	if (read_file(path, &buf, NULL)) {
		free(path);
		return -1;
	}
	free(path);
	for (line = buf; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL)
		if (!strncmp(line, opt, n) && line[n] == '=' &&
		    (line[n + 1] == 'y' || line[n + 1] == 'm')) {
			found = 1;
			break;
		}
	free(buf);
	return found;
}

/*
 * The flag table of a tracepoint format is C after the preprocessor, e.g.
 * 6.1: {( unsigned long)((( gfp_t)0x20u)|(( gfp_t)0x800u)), "GFP_ATOMIC"}
 * 6.12: {( unsigned long)((( gfp_t)((((1UL))) << (5)))|...), "GFP_ATOMIC"}
 * Enough of C to read it: numbers, casts, parentheses, << and |.
 */
struct gfp_expr {
	const char *p;
	int err;
};

static unsigned long gfp_or(struct gfp_expr *e);

static unsigned long gfp_primary(struct gfp_expr *e)
{
	unsigned long v;
	char *end;

	while (*e->p == ' ')
		e->p++;
	if (*e->p == '(') {
		const char *q = e->p + 1;

		while (*q == ' ')
			q++;
		if (isalpha((unsigned char)*q) || *q == '_') {
			/* a cast: "( gfp_t)", "( unsigned long)" */
			q = strchr(q, ')');
			if (!q) {
				e->err = 1;
				return 0;
			}
			e->p = q + 1;
			return gfp_primary(e);
		}
		e->p++;
		v = gfp_or(e);
		while (*e->p == ' ')
			e->p++;
		if (*e->p != ')')
			e->err = 1;
		else
			e->p++;
		return v;
	}
	if (!isdigit((unsigned char)*e->p)) {
		e->err = 1;
		return 0;
	}
	v = strtoul(e->p, &end, 0);
	e->p = end + strspn(end, "uUlL");
	return v;
}

static unsigned long gfp_shift(struct gfp_expr *e)
{
	unsigned long v = gfp_primary(e), by;

	for (;;) {
		while (*e->p == ' ')
			e->p++;
		if (strncmp(e->p, "<<", 2))
			return v;
		e->p += 2;
		by = gfp_primary(e);
		if (by >= 8 * sizeof(v))
			e->err = 1;
		else
			v <<= by;
	}
}

static unsigned long gfp_or(struct gfp_expr *e)
{
	unsigned long v = gfp_shift(e);

	for (;;) {
		while (*e->p == ' ')
			e->p++;
		if (*e->p != '|' || e->err)
			return v;
		e->p++;
		v |= gfp_shift(e);
	}
}

int vm_kernel_gfp_from_format(const char *format, const char *name,
			      unsigned long *value)
{
	char *key = xasprintf(", \"%s\"}", name);
	const char *end = strstr(format, key), *start;
	struct gfp_expr e = { 0 };
	unsigned long v;

	free(key);
	if (!end)
		return -1;
	for (start = end; start > format && start[-1] != '{'; start--)
		;
	if (start == format)
		return -1;
	e.p = start;
	v = gfp_or(&e);
	while (*e.p == ' ')
		e.p++;
	if (e.err || e.p != end)
		return -1;
	*value = v;
	return 0;
}

/* --kernel or $LABYRINTH_KERNEL: a kernel the table knows nothing of. */
static bool custom_kernel(const struct vm_opts *o)
{
	const char *env = getenv("LABYRINTH_KERNEL");

	return o->kernel || (!o->kver && env && *env);
}

int vm_kernel_opts_check(const char *kver, const char *variant,
			 const char *who)
{
	const struct vm_kernel *k = vm_kernel_find(kver);

	if (!k) {
		lab_err("%s: --kver %s: expected %s", who, kver,
			vm_kernel_names());
		return -1;
	}
	if (strcmp(variant, "default") && !k->has_debug) {
		lab_err("%s: --kver %s has no %s variant (Debian ships no debug build of its kernel): use --kver 6.1 or 6.12 with --variant %s",
			who, kver, variant, variant);
		return -1;
	}
	return 0;
}

void vm_kernel_boot_files(const struct vm_opts *o, char **image,
			  char **initrd)
{
	const struct vm_kernel *k;

	*initrd = NULL;
	if (custom_kernel(o)) {
		*image = xstrdup(o->kernel ? o->kernel :
				 getenv("LABYRINTH_KERNEL"));
		return;
	}
	k = vm_kernel_find(o->kver ? o->kver : VM_KVER_DEFAULT);
	if (!k)		/* vm_opts_set checked it: cannot happen */
		k = vm_kernel_find(VM_KVER_DEFAULT);
	*image = vm_kernel_path(k, o->variant, "bzImage");
	*initrd = vm_kernel_path(k, o->variant, "initrd");
}

void vm_kernel_missing(const struct vm_opts *o, const char *image,
		       const char *initrd, char *buf, size_t len)
{
	const char *kver = o->kver ? o->kver : VM_KVER_DEFAULT;
	const char *what = access(image, R_OK) ? "kernel" : "initramfs";
	const char *path = access(image, R_OK) ? image : initrd;

	if (custom_kernel(o))
		snprintf(buf, len, "no kernel at %s: check --kernel or $LABYRINTH_KERNEL",
			 image);
	else
		snprintf(buf, len,
			 "no %s at %s: run 'make kernel KVER=%s%s%s' or pass --kernel PATH",
			 what, path, kver,
			 strcmp(o->variant, "default") ? " VARIANT=" : "",
			 strcmp(o->variant, "default") ? o->variant : "");
}

/* What one injector needs of the kernel, in the order worth naming. */
static void injector_needs(const struct sc_inject *in, bool slab,
			   enum vm_kernel_feature *need, size_t *n)
{
	*n = 0;
	switch (in->scope) {
	case SC_SCOPE_LABYRINTH:
		need[(*n)++] = VMK_FAULT_INJECTION;
		need[(*n)++] = VMK_FAULT_INJECTION_DEBUG_FS;
		break;
	case SC_SCOPE_SYSTEM:
		need[(*n)++] = slab ? VMK_FAILSLAB : VMK_FAIL_PAGE_ALLOC;
		need[(*n)++] = VMK_FAULT_INJECTION_DEBUG_FS;
		break;
	case SC_SCOPE_MODULE:
	case SC_SCOPE_FUNCTION:
	case SC_SCOPE_CHAIN:
		need[(*n)++] = VMK_BPF_KPROBE_OVERRIDE;
		/* 6.12: should_fail_alloc_page() is an inline stub without
		 * it, and a kprobe cannot override what is not there */
		if (!slab)
			need[(*n)++] = VMK_FAIL_PAGE_ALLOC;
		break;
	default:
		break;
	}
}

const char *vm_kernel_scenario_lacks(const struct vm_kernel *k,
				     const char *variant,
				     const struct scenario *sc, char *why,
				     size_t whylen)
{
	enum vm_kernel_feature need[4];
	size_t i, n;
	int id;

	for (id = 0; id < INJ_COUNT; id++) {
		const struct sc_inject *in = &sc->inject[id];
		bool slab = id == INJ_SLAB;

		if (!in->present)
			continue;
		injector_needs(in, slab, need, &n);
		for (i = 0; i < n; i++) {
			if (vm_kernel_has(k, variant, need[i]) != 0)
				continue;
			snprintf(why, whylen,
				 "[%s] scope = %s needs %s, which the %s kernel lacks",
				 injectors[id].name,
				 vocab_str(&vocab_scope, in->scope),
				 vm_kernel_feature_config(need[i]), k->name);
			return vm_kernel_feature_config(need[i]);
		}
	}
	return NULL;
}

int vm_kernel_skip_scenario(const struct vm_opts *o,
			    const struct scenario *sc)
{
	const struct vm_kernel *k;
	char why[256];

	if (custom_kernel(o))
		return 0;
	k = vm_kernel_find(o->kver ? o->kver : VM_KVER_DEFAULT);
	if (!k || !vm_kernel_scenario_lacks(k, o->variant, sc, why,
					    sizeof(why)))
		return 0;
	lab_err("%s: skipped on --kver %s: %s", sc->file, k->name, why);
	return 1;
}

int vm_kernel_module_release(const char *ko, char *out, size_t outlen)
{
	char *buf, vermagic[256];
	size_t len;
	int ret = -1;

	if (read_file(ko, &buf, &len))
		return -1;
	if (target_modinfo(buf, len, "vermagic", vermagic,
			   sizeof(vermagic)) == 0 &&
	    vermagic[0] && vermagic[0] != ' ' &&
	    strcspn(vermagic, " ") < outlen) {
		target_vermagic_release(vermagic, out, outlen);
		ret = 0;
	}
	free(buf);
	return ret;
}

char *vm_kernel_module_for_running(const char *exe_dir)
{
	/* as labdev: next to build/labyrinth, and from build/vmtests/ and
	 * build/asan/tests/ */
	static const char *const up[] = { "", "../", "../../" };
	const struct vm_kernel *k;
	struct utsname u;
	char rel[128];
	size_t i;

	if (uname(&u))
		return NULL;
	k = vm_kernel_for_release(u.release);
	if (!k || !strcmp(k->name, VM_KVER_DEFAULT))
		return NULL;
	for (i = 0; i < ARRAY_SIZE(up); i++) {
		char *p = xasprintf("%s/%smodule-%s/labyrinth.ko", exe_dir,
				    up[i], k->name);

		if (!vm_kernel_module_release(p, rel, sizeof(rel)) &&
		    !strcmp(rel, u.release))
			return p;
		free(p);
	}
	return NULL;
}

const char *vm_kernel_module_hint(void)
{
	static char hint[64];
	const struct vm_kernel *k;
	struct utsname u;

	if (uname(&u) || !(k = vm_kernel_for_release(u.release)))
		return "make module KDIR=<this kernel's build directory>";
	if (!strcmp(k->name, VM_KVER_DEFAULT))
		return "make module";
	snprintf(hint, sizeof(hint), "make module KVER=%s", k->name);
	return hint;
}

/* "kernel/drivers/net/virtio_net.ko" is module virtio_net ('-' == '_'). */
static bool path_is_module(const char *path, size_t len, const char *module)
{
	const char *base = memrchr(path, '/', len);
	size_t n, i;

	base = base ? base + 1 : path;
	n = (size_t)(path + len - base);
	for (i = 0; i + 3 <= n; i++)
		if (!strncmp(base + i, ".ko", 3))
			break;
	if (i != strlen(module))
		return false;
	for (n = 0; n < i; n++) {
		char a = base[n] == '-' ? '_' : base[n];
		char b = module[n] == '-' ? '_' : module[n];

		if (a != b)
			return false;
	}
	return true;
}

int vm_kernel_module_load_order(const char *moddir, const char *module,
				char ***paths, char *err, size_t errlen)
{
	char *dep = xasprintf("%s/modules.dep", moddir), *buf, *line, *next;
	char *words[64];
	size_t nw = 0, i;
	int ret = -1;

	*paths = NULL;
	if (read_file(dep, &buf, NULL)) {
		snprintf(err, errlen, "cannot read %s: %s (is the kernel built?)",
			 dep, strerror(errno));
		free(dep);
		return -1;
	}
	for (line = buf; line && *line; line = next) {
		char *colon = strchr(line, ':'), *save = NULL, *w;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!colon || !path_is_module(line, (size_t)(colon - line),
					      module))
			continue;
		*colon = '\0';
		/* modules.dep lists dependencies so that the last is
		 * loaded first: the load order is the list reversed */
		for (w = strtok_r(colon + 1, " ", &save); w && nw < 63;
		     w = strtok_r(NULL, " ", &save))
			words[nw++] = w;
		*paths = xcalloc(nw + 2, sizeof(char *));
		for (i = 0; i < nw; i++)
			(*paths)[i] = xasprintf("%s/%s", moddir,
						words[nw - 1 - i]);
		(*paths)[nw] = xasprintf("%s/%s", moddir, line);
		ret = (int)nw + 1;
		break;
	}
	if (ret < 0)
		snprintf(err, errlen, "no module %s in %s", module, dep);
	free(buf);
	free(dep);
	return ret;
}

void vm_kernel_free_paths(char **paths)
{
	size_t i;

	for (i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
}

int vm_kernel_driver_paths(const struct vm_opts *o, const char *module,
			   char ***paths, char *err, size_t errlen)
{
	const struct vm_kernel *k;
	char *moddir, why[512];
	int ret;

	*paths = NULL;
	if (custom_kernel(o)) {
		snprintf(err, errlen, "the driver %s must come from the booted "
			 "kernel's modules, which are known only for a cached "
			 "kernel: use --kver instead of --kernel or "
			 "$LABYRINTH_KERNEL", module);
		return -1;
	}
	k = vm_kernel_find(o->kver ? o->kver : VM_KVER_DEFAULT);
	if (!k)
		k = vm_kernel_find(VM_KVER_DEFAULT);
	moddir = vm_kernel_path(k, o->variant, "moddir");
	ret = vm_kernel_module_load_order(moddir, module, paths, why,
					  sizeof(why));
	if (ret < 0)
		snprintf(err, errlen, "the %s kernel has no driver %s: %s (it "
			 "needs CONFIG_%s=m: see kernel/KERNELS.md)", k->name,
			 module, why, !strcmp(module, "e1000") ? "E1000" :
			 "VIRTIO_NET");
	free(moddir);
	return ret < 0 ? -1 : ret;
}
