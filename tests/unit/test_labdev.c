// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the userspace side of /dev/labyrinth that runs without the
 * module: name tables and parsers, the time-series reader's stepping over
 * records of another ABI size (fed through a pipe), the device and module
 * lookups and their errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "labdev.h"
#include "util.h"

START_TEST(names_round_trip)
{
	uint32_t v, i;

	for (i = 0; i < LAB_CTX_COUNT; i++) {
		ck_assert_ptr_nonnull(labdev_context_name(i));
		ck_assert_int_eq(labdev_context_parse(labdev_context_name(i),
						      &v), 0);
		ck_assert_uint_eq(v, i);
	}
	for (i = 0; i < LAB_POLICY_COUNT; i++) {
		ck_assert_int_eq(labdev_policy_parse(labdev_policy_name(i), &v),
				 0);
		ck_assert_uint_eq(v, i);
	}
	for (i = 0; i < LAB_SHRED_COUNT; i++) {
		ck_assert_int_eq(labdev_shred_parse(labdev_shred_name(i), &v),
				 0);
		ck_assert_uint_eq(v, i);
	}
	ck_assert_ptr_null(labdev_context_name(LAB_CTX_COUNT));
	ck_assert_ptr_null(labdev_policy_name(LAB_POLICY_COUNT));
	ck_assert_ptr_null(labdev_shred_name(LAB_SHRED_COUNT));
	ck_assert_str_eq(labdev_stop_reason_name(LAB_STOP_UNLOAD),
			 "module-unload");
	ck_assert_ptr_null(labdev_stop_reason_name(99));
}
END_TEST

START_TEST(context_aliases)
{
	uint32_t v;

	ck_assert_int_eq(labdev_context_parse("irq", &v), 0);
	ck_assert_uint_eq(v, LAB_CTX_HRTIMER);
	ck_assert_int_eq(labdev_context_parse("tasklet", &v), 0);
	ck_assert_uint_eq(v, LAB_CTX_SOFTIRQ);
	ck_assert_int_eq(labdev_context_parse("kthread", &v), 0);
	ck_assert_uint_eq(v, LAB_CTX_KTHREAD_ATOMIC);
	ck_assert_int_eq(labdev_context_parse("nmi", &v), -EINVAL);
	ck_assert_int_eq(labdev_policy_parse("Drain", &v), -EINVAL);
	ck_assert_int_eq(labdev_shred_parse("", &v), -EINVAL);
}
END_TEST

START_TEST(gfp_parse)
{
	uint32_t v = 99;

	ck_assert_int_eq(labdev_gfp_parse("atomic", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(labdev_gfp_parse("nowait+nowarn", &v), 0);
	ck_assert_uint_eq(v, LAB_GFP_NOWAIT | LAB_GFP_NOWARN);
	ck_assert_int_eq(labdev_gfp_parse("GFP_ATOMIC|__GFP_MEMALLOC", &v), 0);
	ck_assert_uint_eq(v, LAB_GFP_MEMALLOC);
	ck_assert_int_eq(labdev_gfp_parse("atomic+nowarn+memalloc", &v), 0);
	ck_assert_uint_eq(v, LAB_GFP_NOWARN | LAB_GFP_MEMALLOC);
	v = 99;
	ck_assert_int_eq(labdev_gfp_parse("atomic+nowait", &v), -EINVAL);
	ck_assert_int_eq(labdev_gfp_parse("atomic+kernel", &v), -EINVAL);
	ck_assert_uint_eq(v, 99);	/* untouched on error */
}
END_TEST

START_TEST(zone_name)
{
	struct lab_snapshot s;
	char buf[17];

	memset(&s, 0, sizeof(s));
	memcpy(s.zone_name, "DMA32", 5);
	ck_assert_str_eq(labdev_zone_name(&s, buf), "DMA32");
	/* 16 bytes, no NUL: still terminated. */
	memset(s.zone_name, 'x', sizeof(s.zone_name));
	ck_assert_uint_eq(strlen(labdev_zone_name(&s, buf)), 16);
}
END_TEST

/* Records of a (pretend) newer module: 8 bytes more than we know. */
START_TEST(series_read_newer_records)
{
	size_t ksz = sizeof(struct lab_sample) + 8;
	unsigned char rec[sizeof(struct lab_sample) + 8];
	struct lab_sample out[4];
	struct labdev d;
	int p[2], i;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	for (i = 0; i < 3; i++) {
		struct lab_sample *s = (struct lab_sample *)rec;

		memset(rec, 0xee, sizeof(rec));
		memset(s, 0, sizeof(*s));
		s->size = (uint32_t)ksz;
		s->seq = (uint64_t)i;
		s->global_free_pages = 1000 + (uint64_t)i;
		ck_assert_int_eq(write(p[1], rec, ksz), (ssize_t)ksz);
	}
	memset(&d, 0, sizeof(d));
	d.fd = p[0];
	d.sample_size = (uint32_t)ksz;
	n = labdev_series_read(&d, out, 4, 0);
	ck_assert_int_eq(n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(out[i].seq, (uint64_t)i);
		ck_assert_uint_eq(out[i].global_free_pages, 1000 + (uint64_t)i);
	}
	/* Nothing left: non-blocking says 0, not an error. */
	ck_assert_int_eq(labdev_series_read(&d, out, 4, 1), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* An older module's shorter records: the missing tail reads as 0. */
START_TEST(series_read_older_records)
{
	size_t ksz = offsetof(struct lab_sample, watermark_boost);
	struct lab_sample in, out[2];
	struct labdev d;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	memset(&in, 0x55, sizeof(in));
	in.size = (uint32_t)ksz;
	in.seq = 7;
	ck_assert_int_eq(write(p[1], &in, ksz), (ssize_t)ksz);
	memset(&d, 0, sizeof(d));
	d.fd = p[0];
	d.sample_size = (uint32_t)ksz;
	ck_assert_int_eq(labdev_series_read(&d, out, 2, 0), 1);
	ck_assert_uint_eq(out[0].seq, 7);
	ck_assert_uint_eq(out[0].watermark_boost, 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(open_errors)
{
	struct labdev d;

	setenv("LABYRINTH_DEVICE", "/nonexistent/labyrinth", 1);
	ck_assert_int_eq(labdev_open_quiet(&d), -ENOENT);
	ck_assert_int_lt(d.fd, 0);
	/* Something that is not the module: GET_VERSION says ENOTTY. */
	setenv("LABYRINTH_DEVICE", "/dev/null", 1);
	ck_assert_int_eq(labdev_open(&d), -ENOTTY);
	ck_assert_int_lt(d.fd, 0);
	unsetenv("LABYRINTH_DEVICE");
}
END_TEST

START_TEST(module_path)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *ko, *p;

	setenv("LABYRINTH_MODULE", "/nonexistent/labyrinth.ko", 1);
	ck_assert_ptr_null(labdev_module_path());
	setenv("LABYRINTH_MODULE", "/dev/null", 1);
	p = labdev_module_path();
	ck_assert_str_eq(p, "/dev/null");
	free(p);
	unsetenv("LABYRINTH_MODULE");

	/* build/tests/test_labdev -> ../module/labyrinth.ko (build/module) */
	ko = xasprintf("%s/build/module/labyrinth.ko", top ? top : ".");
	p = labdev_module_path();
	if (access(ko, R_OK) == 0) {
		char *want = realpath(ko, NULL), *got;

		ck_assert_ptr_nonnull(p);
		got = realpath(p, NULL);
		ck_assert_str_eq(got, want);
		free(want);
		free(got);
	} else {
		ck_assert_ptr_null(p);
	}
	free(p);
	free(ko);
	/* A module that is not there cannot be loaded. */
	ck_assert_int_eq(labdev_module_load("/nonexistent/labyrinth.ko", NULL),
			 -ENOENT);
}
END_TEST

static Suite *labdev_suite(void)
{
	Suite *s = suite_create("labdev");
	TCase *tc = tcase_create("labdev");

	tcase_add_test(tc, names_round_trip);
	tcase_add_test(tc, context_aliases);
	tcase_add_test(tc, gfp_parse);
	tcase_add_test(tc, zone_name);
	tcase_add_test(tc, series_read_newer_records);
	tcase_add_test(tc, series_read_older_records);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, module_path);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(labdev_suite)
