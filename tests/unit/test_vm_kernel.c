// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the kernel table behind `labyrinth vm --kver`: names and
 * `uname -r` patterns, where each kernel's files are in the cache, the
 * config checks that turn a fault-injection scenario on the stock kernel
 * into a SKIP naming the missing option, the option checks, reading a
 * module's vermagic, and the load order from modules.dep. Uses a
 * throw-away $LABYRINTH_CACHE with hand-written configs; no VM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "scenario.h"
#include "util.h"
#include "vm.h"
#include "vm_kernel.h"

static char cache[64];

static void put(const char *rel, const char *text, size_t len)
{
	char *p = xasprintf("%s/%s", cache, rel), *slash = strrchr(p, '/');

	*slash = '\0';
	ck_assert_int_eq(mkdir_p(p, 0755), 0);
	*slash = '/';
	ck_assert_int_eq(write_file(p, text, len), 0);
	free(p);
}

static void setup(void)
{
	snprintf(cache, sizeof(cache), "/tmp/labyrinth-vmk.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(cache));
	setenv("LABYRINTH_CACHE", cache, 1);
	unsetenv("LABYRINTH_KERNEL");
}

static void teardown(void)
{
	remove_tree(cache);
	unsetenv("LABYRINTH_CACHE");
}

START_TEST(names_and_releases)
{
	const struct vm_kernel *k;
	size_t n, i;

	k = vm_kernel_table(&n);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		ck_assert_ptr_eq(vm_kernel_find(k[i].name), &k[i]);
		ck_assert_ptr_nonnull(k[i].rules);
		ck_assert_ptr_nonnull(strstr(vm_kernel_names(), k[i].name));
	}
	ck_assert_ptr_null(vm_kernel_find("6.6"));
	ck_assert_ptr_null(vm_kernel_find(""));
	ck_assert_str_eq(vm_kernel_for_release("6.1.0-56-amd64")->name,
			 "stock");
	ck_assert_str_eq(vm_kernel_for_release("6.12.117")->name, "6.12");
	ck_assert_str_eq(vm_kernel_for_release("6.1.192")->name, "6.1");
	/* other kernels assume no rule set */
	ck_assert_ptr_null(vm_kernel_for_release("6.12.57+deb13-amd64"));
	ck_assert_ptr_null(vm_kernel_for_release("6.1.192-rt"));
	ck_assert_ptr_null(vm_kernel_for_release("6.18.1"));
	ck_assert_ptr_null(vm_kernel_for_release("6.1."));
	ck_assert_ptr_null(vm_kernel_for_release("6.1.0-56-cloud-amd64x"));
}
END_TEST

START_TEST(rule_facts)
{
	const struct vm_reserve_rules *r61 = vm_kernel_find("6.1")->rules;
	const struct vm_reserve_rules *r612 = vm_kernel_find("6.12")->rules;

	/* the stock kernel is the same 6.1.192 mm/ as the test kernel */
	ck_assert_ptr_eq(vm_kernel_find("stock")->rules, r61);
	/* 6.12 dropped __GFP_ATOMIC (0x200); its GFP_NOWAIT warns no more */
	ck_assert_uint_eq(r61->gfp[VM_GFP_ATOMIC].value, 0x20 | 0x200 | 0x800);
	ck_assert_uint_eq(r612->gfp[VM_GFP_ATOMIC].value, 0x20 | 0x800);
	ck_assert_uint_eq(r61->gfp[VM_GFP_NOWAIT].value, 0x800);
	ck_assert_uint_eq(r612->gfp[VM_GFP_NOWAIT].value, 0x800 | 0x2000);
	ck_assert_uint_eq(r612->gfp[VM_GFP_MEMALLOC].value,
			  r612->gfp[VM_GFP_ATOMIC].value | 0x20000);
	ck_assert_double_eq(r61->gfp[VM_GFP_ATOMIC].min_fraction, 0.375);
	ck_assert_double_eq(r612->gfp[VM_GFP_ATOMIC].min_fraction, 0.375);
	ck_assert_double_eq(r612->gfp[VM_GFP_NOWAIT].min_fraction, 1.0);
	ck_assert_str_ne(r61->id, r612->id);
}
END_TEST

START_TEST(cache_paths)
{
	const struct vm_kernel *k = vm_kernel_find("6.12");
	char *p = vm_kernel_path(k, "debug", "bzImage");
	char *want = xasprintf("%s/kernel/current-6.12-debug/bzImage", cache);

	ck_assert_str_eq(p, want);
	free(p);
	free(want);
	ck_assert_ptr_null(vm_kernel_path(k, "default", "initrd"));
	p = vm_kernel_path(vm_kernel_find("stock"), "default", "initrd");
	want = xasprintf("%s/kernel/current-stock-default/initrd", cache);
	ck_assert_str_eq(p, want);
	free(p);
	free(want);
}
END_TEST

START_TEST(boot_files)
{
	struct vm_opts o;
	char *image, *initrd, buf[512];

	vm_opts_init(&o);
	vm_kernel_boot_files(&o, &image, &initrd);
	ck_assert_ptr_nonnull(strstr(image, "/current-6.1-default/bzImage"));
	ck_assert_ptr_null(initrd);
	vm_kernel_missing(&o, image, initrd, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "make kernel KVER=6.1'"));
	free(image);

	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "stock"), 0);
	vm_kernel_boot_files(&o, &image, &initrd);
	ck_assert_ptr_nonnull(strstr(initrd, "/current-stock-default/initrd"));
	free(image);
	free(initrd);

	/* --kver beats $LABYRINTH_KERNEL; --kernel beats both */
	setenv("LABYRINTH_KERNEL", "/k/env", 1);
	vm_kernel_boot_files(&o, &image, &initrd);
	ck_assert_ptr_nonnull(strstr(image, "current-stock-default"));
	free(image);
	free(initrd);
	o.kernel = "/k/opt";
	vm_kernel_boot_files(&o, &image, &initrd);
	ck_assert_str_eq(image, "/k/opt");
	ck_assert_ptr_null(initrd);
	free(image);
	o.kernel = NULL;
	o.kver = NULL;
	vm_kernel_boot_files(&o, &image, &initrd);
	ck_assert_str_eq(image, "/k/env");
	free(image);
	unsetenv("LABYRINTH_KERNEL");
}
END_TEST

START_TEST(option_checks)
{
	struct vm_opts o;

	vm_opts_init(&o);
	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "5.10"), -1);
	ck_assert_ptr_null(o.kver);
	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "6.12"), 0);
	ck_assert_int_eq(vm_opts_set(&o, "t", "variant", "debug"), 0);
	/* Debian has no debug build: refused in either order */
	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "stock"), -1);
	vm_opts_init(&o);
	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "stock"), 0);
	ck_assert_int_eq(vm_opts_set(&o, "t", "variant", "debug"), -1);
	ck_assert_str_eq(o.variant, "default");
}
END_TEST

static const char stock_config[] =
	"CONFIG_KPROBES=y\n"
	"# CONFIG_FAULT_INJECTION is not set\n"
	"CONFIG_FAILSLAB_X=y\n"		/* a prefix is not the option */
	"CONFIG_KRETPROBES=y\n";
static const char test_config[] =
	"CONFIG_FAULT_INJECTION=y\nCONFIG_FAIL_PAGE_ALLOC=y\n"
	"CONFIG_FAILSLAB=y\nCONFIG_FAULT_INJECTION_DEBUG_FS=y\n"
	"CONFIG_BPF_KPROBE_OVERRIDE=y\nCONFIG_LKDTM=m\n";

static int parse(struct scenario *sc, const char *inject)
{
	char *text = xasprintf("[scenario]\nduration = 1s\nexpect = survive\n"
			       "[engine e]\ncontext = hrtimer\n%s", inject);
	char err[512];
	int ret = scenario_parse_string(sc, "s.ini", text, err, sizeof(err));

	if (ret)
		fprintf(stderr, "%s\n", err);
	free(text);
	return ret;
}

START_TEST(config_and_scenarios)
{
	const struct vm_kernel *st = vm_kernel_find("stock");
	const struct vm_kernel *t = vm_kernel_find("6.12");
	struct scenario sc;
	struct vm_opts o;
	char why[256];

	/* not built yet: unknown, and the guest decides */
	ck_assert_int_eq(vm_kernel_has(st, "default", VMK_KPROBES), -1);
	put("kernel/current-stock-default/config", stock_config,
	    strlen(stock_config));
	put("kernel/current-6.12-default/config", test_config,
	    strlen(test_config));
	ck_assert_int_eq(vm_kernel_has(st, "default", VMK_KPROBES), 1);
	ck_assert_int_eq(vm_kernel_has(st, "default", VMK_FAULT_INJECTION), 0);
	ck_assert_int_eq(vm_kernel_has(st, "default", VMK_FAILSLAB), 0);
	ck_assert_int_eq(vm_kernel_has(t, "default", VMK_LKDTM), 1);

	ck_assert_int_eq(parse(&sc, ""), 0);
	ck_assert_ptr_null(vm_kernel_scenario_lacks(st, "default", &sc, why,
						    sizeof(why)));
	scenario_free(&sc);

	ck_assert_int_eq(parse(&sc, "[fail_page_alloc]\nscope = system\n"
			       "probability = 10\n"), 0);
	ck_assert_str_eq(vm_kernel_scenario_lacks(st, "default", &sc, why,
						  sizeof(why)),
			 "CONFIG_FAIL_PAGE_ALLOC");
	ck_assert_ptr_nonnull(strstr(why, "scope = system"));
	ck_assert_ptr_null(vm_kernel_scenario_lacks(t, "default", &sc, why,
						    sizeof(why)));
	vm_opts_init(&o);
	ck_assert_int_eq(vm_opts_set(&o, "t", "kver", "stock"), 0);
	ck_assert_int_eq(vm_kernel_skip_scenario(&o, &sc), 1);
	/* a kernel the table does not know: the guest decides */
	o.kernel = "/some/bzImage";
	ck_assert_int_eq(vm_kernel_skip_scenario(&o, &sc), 0);
	scenario_free(&sc);

	ck_assert_int_eq(parse(&sc, "[failslab]\nscope = labyrinth\n"
			       "probability = 10\n"), 0);
	ck_assert_str_eq(vm_kernel_scenario_lacks(st, "default", &sc, why,
						  sizeof(why)),
			 "CONFIG_FAULT_INJECTION");
	scenario_free(&sc);

	ck_assert_int_eq(parse(&sc, "[fail_page_alloc]\n"
			       "scope = function:e1000_alloc_rx_buffers\n"
			       "probability = 10\n"), 0);
	ck_assert_str_eq(vm_kernel_scenario_lacks(st, "default", &sc, why,
						  sizeof(why)),
			 "CONFIG_BPF_KPROBE_OVERRIDE");
	scenario_free(&sc);

	ck_assert_int_eq(parse(&sc, "[failslab]\n"
			       "scope = chain:e1000_clean=>e1000_alloc_rx_buffers\n"
			       "probability = 10\n"), 0);
	ck_assert_str_eq(vm_kernel_scenario_lacks(st, "default", &sc, why,
						  sizeof(why)),
			 "CONFIG_BPF_KPROBE_OVERRIDE");
	scenario_free(&sc);
}
END_TEST

START_TEST(module_release)
{
	static const char ko[] = "\177ELF junk vermagic=no\0"
		"license=GPL\0vermagic=6.12.117 SMP preempt mod_unload \0";
	static const char none[] = "\177ELF no modinfo here";
	char rel[64], *p;

	put("a.ko", ko, sizeof(ko));
	put("b.ko", none, sizeof(none));
	p = xasprintf("%s/a.ko", cache);
	ck_assert_int_eq(vm_kernel_module_release(p, rel, sizeof(rel)), 0);
	ck_assert_str_eq(rel, "6.12.117");
	ck_assert_int_eq(vm_kernel_module_release(p, rel, 4), -1);
	free(p);
	p = xasprintf("%s/b.ko", cache);
	ck_assert_int_eq(vm_kernel_module_release(p, rel, sizeof(rel)), -1);
	free(p);
	ck_assert_int_eq(vm_kernel_module_release("/nonexistent.ko", rel,
						  sizeof(rel)), -1);
	/* this host runs no kernel of the table: labdev's own lookup */
	ck_assert_ptr_null(vm_kernel_module_for_running(cache));
}
END_TEST

START_TEST(load_order)
{
	static const char dep[] =
		"kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/netfs/netfs.ko\n"
		"kernel/drivers/net/ethernet/intel/e1000/e1000.ko:\n"
		"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
		"kernel/net/core/failover.ko kernel/drivers/virtio/virtio_ring.ko\n"
		"kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio_ring.ko\n";
	char **paths, err[256], *moddir = xasprintf("%s/mods", cache);
	char *want;

	put("mods/modules.dep", dep, strlen(dep));
	ck_assert_int_eq(vm_kernel_module_load_order(moddir, "virtio_net",
						     &paths, err,
						     sizeof(err)), 4);
	want = xasprintf("%s/kernel/drivers/virtio/virtio_ring.ko", moddir);
	ck_assert_str_eq(paths[0], want);
	free(want);
	ck_assert_ptr_nonnull(strstr(paths[1], "/failover.ko"));
	ck_assert_ptr_nonnull(strstr(paths[2], "/net_failover.ko"));
	ck_assert_ptr_nonnull(strstr(paths[3], "/virtio_net.ko"));
	ck_assert_ptr_null(paths[4]);
	vm_kernel_free_paths(paths);

	ck_assert_int_eq(vm_kernel_module_load_order(moddir, "e1000", &paths,
						     err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(paths[0], "/e1000/e1000.ko"));
	vm_kernel_free_paths(paths);
	/* '-' and '_' are the same in module names, compressed too */
	ck_assert_int_eq(vm_kernel_module_load_order(moddir, "virtio_rng",
						     &paths, err,
						     sizeof(err)), 2);
	vm_kernel_free_paths(paths);
	/* 9pnet is a dependency, not a module of its own line */
	ck_assert_int_eq(vm_kernel_module_load_order(moddir, "e1000e", &paths,
						     err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no module e1000e"));
	ck_assert_ptr_null(paths);
	ck_assert_int_eq(vm_kernel_module_load_order("/nonexistent", "e1000",
						     &paths, err,
						     sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "modules.dep"));
	free(moddir);
}
END_TEST

/* Flag tables as the kernels print them (mm_page_alloc's format). */
static const char format_6_1[] =
	"print fmt: \"gfp_flags=%s\", (REC->gfp_flags) ? __print_flags(REC->gfp_flags, \"|\", "
	"{( unsigned long)((( gfp_t)0x20u)|(( gfp_t)0x200u)|(( gfp_t)0x800u)), \"GFP_ATOMIC\"}, "
	"{( unsigned long)((( gfp_t)0x800u)), \"GFP_NOWAIT\"}, "
	"{( unsigned long)(( gfp_t)0x200u), \"__GFP_ATOMIC\"}, "
	"{( unsigned long)(( gfp_t)0x20u|junk), \"BROKEN\"}) : \"none\"";
static const char format_6_12[] =
	"{( unsigned long)((( gfp_t)((((1UL))) << (5)))|(( gfp_t)((((1UL))) << (11)))), \"GFP_ATOMIC\"}, "
	"{( unsigned long)((( gfp_t)((((1UL))) << (11))) | (( gfp_t)((((1UL))) << (13)))), \"GFP_NOWAIT\"}, "
	"{( unsigned long)(( gfp_t)((((1UL))) << (99))), \"HUGE\"}";

START_TEST(gfp_from_format)
{
	const struct vm_reserve_rules *r61 = vm_kernel_find("6.1")->rules;
	const struct vm_reserve_rules *r612 = vm_kernel_find("6.12")->rules;
	unsigned long v;

	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_1, "GFP_ATOMIC",
						   &v), 0);
	ck_assert_uint_eq(v, r61->gfp[VM_GFP_ATOMIC].value);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_1, "GFP_NOWAIT",
						   &v), 0);
	ck_assert_uint_eq(v, r61->gfp[VM_GFP_NOWAIT].value);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_1, "__GFP_ATOMIC",
						   &v), 0);
	ck_assert_uint_eq(v, 0x200);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_12, "GFP_ATOMIC",
						   &v), 0);
	ck_assert_uint_eq(v, r612->gfp[VM_GFP_ATOMIC].value);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_12, "GFP_NOWAIT",
						   &v), 0);
	ck_assert_uint_eq(v, r612->gfp[VM_GFP_NOWAIT].value);
	/* what it cannot read it says so, it does not guess */
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_1, "BROKEN", &v),
			 -1);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_12, "HUGE", &v),
			 -1);
	ck_assert_int_eq(vm_kernel_gfp_from_format(format_6_12, "__GFP_ATOMIC",
						   &v), -1);
	ck_assert_int_eq(vm_kernel_gfp_from_format("\"GFP_ATOMIC\"}",
						   "GFP_ATOMIC", &v), -1);
}
END_TEST

static Suite *vm_kernel_suite(void)
{
	Suite *s = suite_create("vm_kernel");
	TCase *tc = tcase_create("vm_kernel");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, names_and_releases);
	tcase_add_test(tc, rule_facts);
	tcase_add_test(tc, cache_paths);
	tcase_add_test(tc, boot_files);
	tcase_add_test(tc, option_checks);
	tcase_add_test(tc, config_and_scenarios);
	tcase_add_test(tc, module_release);
	tcase_add_test(tc, load_order);
	tcase_add_test(tc, gfp_from_format);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(vm_kernel_suite)
