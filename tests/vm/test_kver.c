// SPDX-License-Identifier: GPL-2.0
/*
 * Description: run inside the VM by tests/vm/60-kernels.sh, once per
 * --kver. The running kernel is the table row the host booted
 * ($LABYRINTH_EXPECT_KVER); labdev finds the labyrinth.ko built for it
 * (its vermagic names this `uname -r`), loads it, and GET_VERSION answers
 * with this ABI; the features match what the table says the kernel has:
 * the private fault attribute and fail_page_alloc's debugfs on the test
 * kernels, neither on the stock kernel. The module is unloaded after.
 * And the GFP_ATOMIC and GFP_NOWAIT values the table gives this kernel are
 * the ones the kernel itself prints in mm_page_alloc's flag table.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check_main.h"
#include "labdev.h"
#include "util.h"
#include "vm_kernel.h"

static const struct vm_kernel *running(void)
{
	static struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	return vm_kernel_for_release(u.release);
}

START_TEST(kernel_is_the_one_asked_for)
{
	const char *want = getenv("LABYRINTH_EXPECT_KVER");
	const struct vm_kernel *k = running();

	ck_assert_msg(want && *want, "LABYRINTH_EXPECT_KVER not set");
	ck_assert_msg(k, "this kernel is not in the kernel table");
	ck_assert_str_eq(k->name, want);
}
END_TEST

START_TEST(module_built_for_this_kernel)
{
	const struct vm_kernel *k = running();
	char *ko = labdev_module_path(), rel[128], dir[32];
	struct utsname u;

	ck_assert_ptr_nonnull(ko);
	ck_assert_int_eq(uname(&u), 0);
	ck_assert_int_eq(vm_kernel_module_release(ko, rel, sizeof(rel)), 0);
	ck_assert_str_eq(rel, u.release);
	snprintf(dir, sizeof(dir), "/module%s%s/", strcmp(k->name, "6.1") ?
		 "-" : "", strcmp(k->name, "6.1") ? k->name : "");
	ck_assert_msg(strstr(ko, dir), "%s is not in %s", ko, dir);
	free(ko);
}
END_TEST

START_TEST(loads_and_answers)
{
	const struct vm_kernel *k = running();
	bool stock = !strcmp(k->name, "stock");
	struct labdev d;
	char *ko = labdev_module_path();

	ck_assert_ptr_nonnull(ko);
	ck_assert_int_eq(labdev_module_load(ko, NULL), 0);
	free(ko);
	ck_assert_int_eq(labdev_open(&d), 0);
	ck_assert_uint_eq(d.ver.abi_major, LAB_ABI_MAJOR);
	ck_assert_uint_ne(d.ver.nr_cpu_ids, 0);
	ck_assert_msg(labdev_has(&d, LAB_FEAT_CTX_HRTIMER),
		      "hrtimer engines missing");
	/* the table: fault injection on the test kernels only */
	ck_assert_int_eq(labdev_has(&d, LAB_FEAT_PRIVATE_INJECT), !stock);
	ck_assert_int_eq(access("/sys/kernel/debug/fail_page_alloc", F_OK) == 0,
			 !stock);
	printf("# %s: ABI %u.%u, features 0x%llx, %s\n", k->name,
	       d.ver.abi_major, d.ver.abi_minor,
	       (unsigned long long)d.ver.features, k->rules->summary);
	labdev_close(&d);
	ck_assert_int_eq(labdev_module_unload(), 0);
	ck_assert(!labdev_module_loaded());
}
END_TEST

START_TEST(gfp_values_as_the_kernel_says)
{
	const struct vm_reserve_rules *r = running()->rules;
	static const enum vm_gfp_kind kinds[] = { VM_GFP_ATOMIC,
						  VM_GFP_NOWAIT };
	unsigned long v;
	char *fmt;
	size_t i;

	ck_assert_int_eq(read_file(VM_GFP_FORMAT, &fmt, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct vm_gfp_rule *g = &r->gfp[kinds[i]];

		ck_assert_int_eq(vm_kernel_gfp_from_format(fmt, g->gfp, &v), 0);
		ck_assert_msg(v == g->value, "%s is 0x%lx here, the table says 0x%x",
			      g->gfp, v, g->value);
		printf("# %s = 0x%lx (%s)\n", g->gfp, v, g->flags);
	}
	free(fmt);
}
END_TEST

static Suite *kver_suite(void)
{
	Suite *s = suite_create("kver");
	TCase *tc = tcase_create("kver");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, kernel_is_the_one_asked_for);
	tcase_add_test(tc, module_built_for_this_kernel);
	tcase_add_test(tc, loads_and_answers);
	tcase_add_test(tc, gfp_values_as_the_kernel_says);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(kver_suite)
