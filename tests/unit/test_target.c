// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the driver under test (target.h) without a kernel: the
 * --module argument and [target] section read (path, parameters, the
 * module's name, vermagic and srcversion from its .modinfo), every error
 * said clearly (no such file, not a module, too many), setup and check
 * commands run with their status recorded and the exit status each
 * failure gets, and the report's target object.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "scenario.h"
#include "target.h"
#include "util.h"

static char dir[64], err[1024];

/* A file that looks like a module to .modinfo readers. */
static const char fake_ko[] =
	"\177ELF\2\1\1\0junk\0license=GPL\0name=lab_fake\0"
	"vermagic=6.1.192 SMP mod_unload \0srcversion=0123456789ABCDEF\0";

static void setup(void)
{
	char *p;

	snprintf(dir, sizeof(dir), "/tmp/lab-target-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	p = xasprintf("%s/lab_fake.ko", dir);
	ck_assert_int_eq(write_file(p, fake_ko, sizeof(fake_ko)), 0);
	free(p);
	p = xasprintf("%s/notmod.ko", dir);
	ck_assert_int_eq(write_file(p, "hello", 5), 0);
	free(p);
}

static void teardown(void)
{
	remove_tree(dir);
}

START_TEST(test_modinfo)
{
	char out[64];

	ck_assert_int_eq(target_modinfo(fake_ko, sizeof(fake_ko), "name", out,
					sizeof(out)), 0);
	ck_assert_str_eq(out, "lab_fake");
	/* a key is a whole record: "license" does not match "cense" */
	ck_assert_int_eq(target_modinfo(fake_ko, sizeof(fake_ko), "cense",
					out, sizeof(out)), -1);
	ck_assert_int_eq(target_modinfo(fake_ko, sizeof(fake_ko), "depends",
					out, sizeof(out)), -1);
	/* too long for out */
	ck_assert_int_eq(target_modinfo(fake_ko, sizeof(fake_ko), "srcversion",
					out, 4), -1);
	target_vermagic_release("6.1.192 SMP mod_unload ", out, sizeof(out));
	ck_assert_str_eq(out, "6.1.192");
	target_vermagic_release("6.12.57+deb13-amd64", out, sizeof(out));
	ck_assert_str_eq(out, "6.12.57+deb13-amd64");
}
END_TEST

START_TEST(test_add_module)
{
	struct target t = { 0 };
	char *spec = xasprintf("%s/lab_fake.ko  ring_size=16 nullcheck=1", dir);

	ck_assert(!target_present(&t));
	ck_assert_int_eq(target_add_module(&t, spec, NULL, err, sizeof(err)),
			 0);
	ck_assert(target_present(&t));
	ck_assert_str_eq(t.mod[0].name, "lab_fake");
	ck_assert_str_eq(t.mod[0].params, "ring_size=16 nullcheck=1");
	ck_assert_str_eq(t.mod[0].vermagic, "6.1.192 SMP mod_unload ");
	ck_assert_str_eq(t.mod[0].srcversion, "0123456789ABCDEF");
	/* relative to a base directory */
	ck_assert_int_eq(target_add_module(&t, "lab_fake.ko", dir, err,
					   sizeof(err)), 0);
	ck_assert_uint_eq(t.nmod, 2);
	ck_assert_str_eq(t.mod[1].params, "");
	target_free(&t);
	free(spec);
}
END_TEST

START_TEST(test_add_module_errors)
{
	struct target t = { 0 };
	size_t i;

	ck_assert_int_eq(target_add_module(&t, "/nonexistent/x.ko", NULL, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent/x.ko: No such file"), "%s",
		      err);
	ck_assert_int_eq(target_add_module(&t, "notmod.ko", dir, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a kernel module"), "%s", err);
	ck_assert_int_eq(target_add_module(&t, " x=1", NULL, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "expected 'PATH.ko"), "%s", err);
	ck_assert_uint_eq(t.nmod, 0);
	for (i = 0; i < TARGET_MAX_MODULES; i++)
		ck_assert_int_eq(target_add_module(&t, "lab_fake.ko", dir,
						   err, sizeof(err)), 0);
	ck_assert_int_eq(target_add_module(&t, "lab_fake.ko", dir, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at most 8 modules"), "%s", err);
	target_free(&t);
}
END_TEST

/* [target] from a scenario file: its module relative to the file. */
START_TEST(test_from_scenario)
{
	struct scenario sc;
	struct target t = { 0 };
	char *file = xasprintf("%s/t.ini", dir);
	char *text = xasprintf("[engine a]\n[target]\nmodule = lab_fake.ko\n"
			       "params = nullcheck=1\nsetup = true\n"
			       "check = test -d /\n");

	ck_assert_int_eq(write_file(file, text, strlen(text)), 0);
	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(scenario_load(&sc, file, err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_int_eq(target_from_scenario(&t, &sc, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.nmod, 1);
	ck_assert_str_eq(t.mod[0].params, "nullcheck=1");
	ck_assert_str_eq(t.setup.cmd, "true");
	ck_assert_ptr_null(t.workload.cmd);
	target_free(&t);
	scenario_free(&sc);
	free(text);
	free(file);

	/* --set target.check=... without a [target] section */
	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(scenario_parse_string(&sc, "t.ini", "[engine a]\n",
					       err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_set(&sc, "target.check=true", err,
				      sizeof(err)), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_int_eq(target_from_scenario(&t, &sc, err, sizeof(err)), 0);
	ck_assert_str_eq(t.check.cmd, "true");
	ck_assert(target_present(&t));
	target_free(&t);
	scenario_free(&sc);
}
END_TEST

/* Commands only (no module: no root needed): their statuses, the exit
 * status of each failure, the report's object. */
START_TEST(test_commands)
{
	struct target t = { 0 };
	json_t *j;

	t.setup.cmd = "exit 0";
	t.check.cmd = "echo checking; exit 3";
	t.workload.cmd = "sleep 30";
	ck_assert_int_eq(target_start(&t, dir), 0);
	ck_assert_int_eq(target_workload_start(&t), 0);
	ck_assert_int_eq(target_finish(&t), LAB_EXIT_TARGET_CHECK);
	/* idempotent: check does not run twice */
	ck_assert_int_eq(target_finish(&t), LAB_EXIT_OK);
	j = target_json(&t);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
			 "check"), "status")), "exit 3");
	ck_assert(json_is_false(json_object_get(json_object_get(j, "check"),
						"ok")));
	ck_assert(json_is_true(json_object_get(json_object_get(j, "setup"),
					       "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
			 "workload"), "status")), "killed by SIGTERM");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "modules")), 0);
	json_decref(j);
	target_free(&t);

	/* a setup that fails stops the run before it starts; check does
	 * not run after it */
	t.setup.cmd = "exit 1";
	t.check.cmd = "exit 0";
	ck_assert_int_eq(target_start(&t, dir), LAB_EXIT_TARGET_SETUP);
	ck_assert_int_eq(target_finish(&t), LAB_EXIT_OK);
	ck_assert(!t.check.ran);
	target_free(&t);
	ck_assert_ptr_null(target_json(&t));
}
END_TEST

static Suite *target_suite(void)
{
	Suite *s = suite_create("target");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_modinfo);
	tcase_add_test(tc, test_add_module);
	tcase_add_test(tc, test_add_module_errors);
	tcase_add_test(tc, test_from_scenario);
	tcase_add_test(tc, test_commands);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(target_suite)
