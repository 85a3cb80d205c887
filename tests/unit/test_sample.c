// SPDX-License-Identifier: GPL-2.0
/*
 * Description: /proc/vmstat, /proc/zoneinfo and /proc/meminfo parsing on
 * recorded text (host 6.18 and the 6.1 test guest), the zone choice, and the
 * streamed series CSV (round trip, torn last line, bad input).
 */
#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "sample.h"
#include "util.h"

static char *fixture(const char *name)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *p = xasprintf("%s/tests/fixtures/%s", top ? top : ".", name);
	char *text;

	ck_assert_msg(read_file(p, &text, NULL) == 0, "cannot read %s", p);
	free(p);
	return text;
}

START_TEST(test_vmstat_host)
{
	char *t = fixture("proc/vmstat.host-6.18");
	struct vmstat v;

	ck_assert_int_eq(parse_vmstat(t, &v), 0);
	ck_assert_uint_eq(v.nr_free_pages, 1376575);
	ck_assert_uint_eq(v.oom_kill, 0);
	free(t);
}
END_TEST

START_TEST(test_vmstat_sums)
{
	struct vmstat v;

	ck_assert_int_eq(parse_vmstat("nr_free_pages 7\nallocstall_dma32 2\n"
				      "allocstall_normal 3\npgscan_kswapd 10\n"
				      "pgscan_direct 5\npgscan_anon 15\n"
				      "pgsteal_direct 4\npgsteal_file 4\n"
				      "oom_kill 1\ncompact_stall 9\n"
				      "pgalloc_normal 6\npgalloc_dma32 1\n",
				      &v), 0);
	ck_assert_uint_eq(v.allocstall, 5);
	/* pgscan_anon/_file are the same scans split again: not added */
	ck_assert_uint_eq(v.pgscan, 15);
	ck_assert_uint_eq(v.pgsteal, 4);
	ck_assert_uint_eq(v.oom_kill, 1);
	ck_assert_uint_eq(v.compact_stall, 9);
	ck_assert_uint_eq(v.pgalloc, 7);
	/* not vmstat */
	ck_assert_int_eq(parse_vmstat("", &v), -22);
	ck_assert_int_eq(parse_vmstat("hello world\n", &v), -22);
	ck_assert_int_eq(parse_vmstat("nr_free_pages 1\n", &v), -22);
	ck_assert_int_eq(parse_vmstat("nr_free_pages x\noom_kill 0\n", &v),
			 -22);
}
END_TEST

START_TEST(test_zoneinfo_host)
{
	char *t = fixture("proc/zoneinfo.host-6.18");
	struct zone_info z[MAX_ZONES];
	size_t n;
	int i;

	ck_assert_int_eq(parse_zoneinfo(t, z, MAX_ZONES, &n), 0);
	ck_assert_uint_ge(n, 4);
	ck_assert_str_eq(z[0].name, "DMA");
	ck_assert_uint_eq(z[0].free, 3840);
	ck_assert_uint_eq(z[0].min, 39);
	ck_assert_uint_eq(z[0].low, 48);
	ck_assert_uint_eq(z[0].high, 57);
	ck_assert_uint_eq(z[0].managed, 3840);
	ck_assert_str_eq(z[2].name, "Normal");
	ck_assert_uint_eq(z[2].min, 8838);
	ck_assert_uint_eq(z[2].high, 13256);
	/* per-node stats inside the DMA block must not leak into fields:
	 * "nr_zone_inactive_anon" is not "min" */
	i = zone_pick(z, n);
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(z[i].name, "Normal");
	free(t);
}
END_TEST

START_TEST(test_zoneinfo_guest)
{
	char *t = fixture("proc/zoneinfo.guest-6.1");
	char *v = fixture("proc/vmstat.guest-6.1");
	struct zone_info z[MAX_ZONES];
	struct vmstat vs;
	size_t n;
	int i;

	ck_assert_int_eq(parse_zoneinfo(t, z, MAX_ZONES, &n), 0);
	i = zone_pick(z, n);
	ck_assert_int_ge(i, 0);
	/* a 1 GiB guest has no Normal zone: DMA32 is where GFP_ATOMIC goes */
	ck_assert_str_eq(z[i].name, "DMA32");
	ck_assert_uint_eq(z[i].min, 989);
	ck_assert_uint_eq(z[i].low, 1237);
	ck_assert_uint_eq(z[i].high, 1485);
	/* watermarks ordered and sane on the guest */
	ck_assert_uint_gt(z[i].min, 0);
	ck_assert_uint_lt(z[i].min, z[i].low);
	ck_assert_uint_lt(z[i].low, z[i].high);
	ck_assert_uint_gt(z[i].managed, z[i].high);
	ck_assert_int_eq(parse_vmstat(v, &vs), 0);
	ck_assert_uint_gt(vs.nr_free_pages, 0);
	free(t);
	free(v);
}
END_TEST

START_TEST(test_zone_pick)
{
	struct zone_info z[4] = {
		{ .node = 0, .name = "DMA", .managed = 3840 },
		{ .node = 0, .name = "DMA32", .managed = 200000 },
		{ .node = 0, .name = "Normal", .managed = 0 },
		{ .node = 0, .name = "Movable", .managed = 10 },
	};
	size_t n;

	/* a small guest has no Normal pages: DMA32 is it */
	ck_assert_int_eq(zone_pick(z, 4), 1);
	ck_assert_int_eq(zone_pick(z, 0), -1);
	ck_assert_int_eq(parse_zoneinfo("nothing\n", z, 4, &n), -22);
}
END_TEST

START_TEST(test_meminfo)
{
	char *t = fixture("proc/meminfo.host-6.18");
	struct meminfo m;

	ck_assert_int_eq(parse_meminfo(t, &m), 0);
	ck_assert_uint_eq(m.mem_total_kb, 24684096);
	ck_assert_uint_eq(m.mem_available_kb, 24197900);
	ck_assert_int_eq(parse_meminfo("x\n", &m), -22);
	free(t);

	/* read_meminfo: the same through a file, and a clear errno */
	{
		const char *top = getenv("LABYRINTH_TOP");
		char *path = xasprintf("%s/tests/fixtures/proc/meminfo.guest-6.1",
				       top ? top : ".");

		memset(&m, 0, sizeof(m));
		ck_assert_int_eq(read_meminfo(path, &m), 0);
		ck_assert_uint_gt(m.mem_total_kb, 0);
		ck_assert_uint_le(m.mem_free_kb, m.mem_total_kb);
		ck_assert_int_eq(read_meminfo("/nonexistent/meminfo", &m),
				 -ENOENT);
		free(path);
	}
}
END_TEST

START_TEST(test_series_csv)
{
	char *t = fixture("series/module.csv");
	char *old = fixture("series/drain.csv");
	struct series s, s2;
	char err[256], *buf = NULL;
	size_t len = 0, i;
	FILE *f;
	int n;

	series_init(&s, SERIES_MODULE, 10);
	n = series_csv_read(t, &s, err, sizeof(err));
	ck_assert_msg(n == 60, "%d: %s", n, err);
	ck_assert_uint_eq(s.col[COL_FREE][0], 1960);
	ck_assert_uint_eq(s.col[COL_MIN][59], 980);
	/* write it back and read again: identical */
	f = open_memstream(&buf, &len);
	series_csv_header(f, &s);
	for (i = 0; i < s.n; i++)
		series_csv_row(f, &s, i);
	fclose(f);
	ck_assert_str_eq(buf, t);
	series_init(&s2, SERIES_MODULE, 10);
	/* a torn last line (the guest died mid-write) is dropped */
	buf[len - 5] = '\0';
	ck_assert_int_eq(series_csv_read(buf, &s2, err, sizeof(err)), 59);
	series_free(&s2);
	/* an older mixed CSV is read too, its unknown columns skipped */
	series_init(&s2, SERIES_MODULE, 10);
	ck_assert_int_eq(series_csv_read(old, &s2, err, sizeof(err)), 60);
	ck_assert_uint_eq(s2.col[COL_FREE][41], s.col[COL_FREE][41]);
	series_free(&s2);
	/* a series writes its own kind's columns only */
	free(buf);
	buf = NULL;
	series_init(&s2, SERIES_PROC, 100);
	f = open_memstream(&buf, &len);
	series_csv_header(f, &s2);
	fclose(f);
	ck_assert_str_eq(buf, "t_s,nr_free_pages,oom_kill,allocstall,pgscan,"
			 "pgsteal,compact_stall,mem_available_kb\n");
	series_free(&s2);
	free(buf);
	series_free(&s);
	free(t);
	free(old);

	series_init(&s, SERIES_MODULE, 10);
	ck_assert_int_eq(series_csv_read("t_s,free_pages\n0.1,5\n0.2,x\n", &s,
					 err, sizeof(err)), -22);
	ck_assert_msg(strstr(err, "line 3"), "%s", err);
	series_free(&s);
	series_init(&s, SERIES_MODULE, 10);
	ck_assert_int_eq(series_csv_read("t_s,free_pages\n0.2,5\n0.1,5\n", &s,
					 err, sizeof(err)), -22);
	ck_assert_msg(strstr(err, "time order"), "%s", err);
	series_free(&s);
	series_init(&s, SERIES_MODULE, 10);
	ck_assert_int_eq(series_csv_read("free_pages\n1\n", &s, err,
					 sizeof(err)), -22);
	ck_assert_int_eq(series_csv_read("", &s, err, sizeof(err)), -22);
	/* unknown columns are skipped, missing ones are 0 */
	ck_assert_int_eq(series_csv_read("t_s,future,min\n0.5,9,3\n", &s, err,
					 sizeof(err)), 1);
	ck_assert_uint_eq(s.col[COL_MIN][0], 3);
	ck_assert_uint_eq(s.col[COL_FREE][0], 0);
	series_free(&s);
}
END_TEST

START_TEST(test_self_cpu)
{
	double a = self_cpu_s(), b;
	volatile unsigned long x = 0;
	unsigned long i;

	for (i = 0; i < 50000000UL; i++)
		x += i;
	b = self_cpu_s();
	ck_assert(b > a);
}
END_TEST

static Suite *sample_suite(void)
{
	Suite *s = suite_create("sample");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_vmstat_host);
	tcase_add_test(tc, test_vmstat_sums);
	tcase_add_test(tc, test_zoneinfo_host);
	tcase_add_test(tc, test_zoneinfo_guest);
	tcase_add_test(tc, test_zone_pick);
	tcase_add_test(tc, test_meminfo);
	tcase_add_test(tc, test_series_csv);
	tcase_add_test(tc, test_self_cpu);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(sample_suite)
