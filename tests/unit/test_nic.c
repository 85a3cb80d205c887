// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the driver under test's pure parts (harness/nic_report.c)
 * on what a real e1000 gave in the VM (tests/fixtures/nic/: its ethtool
 * -S table and /proc/net/dev of the receiver's namespace): the ethtool
 * string table with its 32-byte unterminated names, which statistics are
 * failure counters, /proc/net/dev's columns, /proc/vmstat's free pages;
 * and the [nic] section's errors. No VM.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nic.h"
#include "outcome.h"
#include "report.h"
#include "scenario.h"
#include "util.h"

static char *fixture(const char *name)
{
	char *p = xasprintf("tests/fixtures/nic/%s", name), *text;

	ck_assert_int_eq(read_file(p, &text, NULL), 0);
	free(p);
	return text;
}

START_TEST(ethtool_table_from_e1000)
{
	char *text = fixture("e1000-ethtool-S.txt"), *line, *save = NULL;
	char *blob = xcalloc(64, 32);
	uint64_t vals[64];
	struct nic_ethtool e;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		ck_assert_ptr_nonnull(sp);
		memcpy(blob + n * 32, line, (size_t)(sp - line));
		vals[n++] = strtoull(sp + 1, NULL, 10);
	}
	/* a name of all 32 bytes has no NUL in the table */
	memset(blob + n * 32, 'x', 32);
	vals[n++] = 7;
	ck_assert_int_eq(nic_ethtool_parse(blob, vals, n, &e), 0);
	ck_assert_uint_eq(e.n, 47);
	ck_assert_str_eq(e.names[0], "rx_packets");
	ck_assert_uint_eq(strlen(e.names[46]), 32);
	/* alloc_rx_buff_failed only: rx_no_buffer_count and
	 * rx_missed_errors (212850 each) are the NIC's, not the driver's */
	ck_assert_uint_eq(nic_ethtool_failures(&e), 0);
	e.vals[42] = 17;	/* alloc_rx_buff_failed */
	ck_assert_str_eq(e.names[42], "alloc_rx_buff_failed");
	ck_assert_uint_eq(nic_ethtool_failures(&e), 17);
	nic_ethtool_free(&e);
	memset(blob, 0, 32);
	ck_assert_int_eq(nic_ethtool_parse(blob, vals, n, &e), -EINVAL);
	free(blob);
	free(text);
}
END_TEST

START_TEST(failure_counters_by_name)
{
	ck_assert(nic_is_failure_stat("alloc_rx_buff_failed"));
	ck_assert(nic_is_failure_stat("alloc_rx_page_failed"));
	ck_assert(nic_is_failure_stat("rx_queue_0_drops"));
	ck_assert(!nic_is_failure_stat("rx_no_buffer_count"));
	ck_assert(!nic_is_failure_stat("rx_missed_errors"));
	ck_assert(!nic_is_failure_stat("rx_queue_0_packets"));
	ck_assert(!nic_is_failure_stat("rx_packets"));
	ck_assert(!nic_is_failure_stat("tx_dropped"));
	ck_assert(!nic_is_failure_stat("tx_tcp_seg_failed"));
	ck_assert(!nic_is_failure_stat("dropped_smbus"));
}
END_TEST

START_TEST(proc_net_dev_columns)
{
	char *text = fixture("proc-net-dev.txt");
	uint64_t c[NC_MAX] = { 0 };

	ck_assert_int_eq(nic_parse_proc_net_dev(text, "eth1", c), 0);
	ck_assert_uint_eq(c[NC_RX_PACKETS], 56179);
	ck_assert_uint_eq(c[NC_RX_DROPPED], 212850);
	ck_assert_uint_eq(c[NC_RX_ERRORS], 0);
	ck_assert_uint_eq(c[NC_TX_PACKETS], 0);
	ck_assert_int_eq(nic_parse_proc_net_dev(text, "eth", c), -ENOENT);
	ck_assert_int_eq(nic_parse_proc_net_dev(text, "eth9", c), -ENOENT);
	ck_assert_int_eq(nic_parse_proc_net_dev("  eth1: 1 2 3\n", "eth1", c),
			 -EINVAL);
	ck_assert_uint_eq(nic_vmstat_free("nr_free_pages 12345\nnr_x 1\n"),
			  12345);
	ck_assert_uint_eq(nic_vmstat_free("nr_x 1\n"), 0);
	free(text);
}
END_TEST

/*
 * A flood of 100 packets per 0.1 s slice from t = 0 to 3 s; the receiver's
 * rx_dropped rises 10 a slice throughout (QEMU e1000's steady noise);
 * one exhaustion window 1.5-1.8 s.
 */
static void fake_run(struct nic *n, struct sc_nic *cfg, struct run_outcome *o,
		     uint64_t fails_in_window, uint64_t recv_after_from)
{
	size_t i;

	memset(n, 0, sizeof(*n));
	memset(cfg, 0, sizeof(*cfg));
	memset(o, 0, sizeof(*o));
	cfg->model = SC_NIC_E1000;
	cfg->rate = 1000;
	cfg->slice_ms = 100;
	cfg->recover_ms = 1000;
	n->cfg = cfg;
	n->duration_ms = 3000;
	n->side[0].link_after = n->side[1].link_after = 1;
	n->nslices = 31;
	n->slices = xcalloc(n->nslices, sizeof(*n->slices));
	for (i = 0; i < n->nslices; i++) {
		struct nic_slice *v = &n->slices[i];
		size_t got = i <= recv_after_from ? i : recv_after_from;

		v->t = (double)i / 10;
		v->fresh = true;
		v->sent = 100 * i;
		v->received = 100 * (i < 18 ? i : got < 18 ? 18 : got);
		v->c[1][NC_RX_DROPPED] = 10 * i;
		v->c[1][NC_DRIVER_FAILURES] = i >= 16 ? fails_in_window : 0;
	}
	o->nwindows = 1;
	snprintf(o->windows[0].kind, sizeof(o->windows[0].kind),
		 "exhaustion");
	o->windows[0].t0 = 1.5;
	o->windows[0].t1 = 1.8;
}

/* The check of a fake run, as "reached,recovered,passed"; *out keeps
 * the section (json_decref it). */
static const char *judge(uint64_t fails, uint64_t recv_from, json_t **out)
{
	static char buf[64];
	struct nic n;
	struct sc_nic cfg;
	struct run_outcome o;
	json_t *c;

	fake_run(&n, &cfg, &o, fails, recv_from);
	*out = nic_report_json(&n, &o);
	free(n.slices);
	c = json_object_get(*out, "check");
	snprintf(buf, sizeof(buf), "%d,%d,%d",
		 json_is_true(json_object_get(c, "reached")),
		 json_is_true(json_object_get(c, "recovered")),
		 json_is_true(json_object_get(c, "passed")));
	return buf;
}

START_TEST(check_judges_against_the_baseline)
{
	json_t *j;

	/* noise only: rx_dropped rose in the window, as it always does */
	ck_assert_str_eq(judge(0, 100, &j), "0,1,0");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(json_array_get(json_object_get(j, "windows"),
			0), "receiver"), "expected"), "rx_dropped")), 30);
	json_decref(j);
	/* the driver's failure counter rose; traffic back at once */
	ck_assert_str_eq(judge(5, 100, &j), "1,1,1");
	ck_assert(fabs(json_real_value(json_object_get(json_object_get(j,
		"check"), "recovery_s")) - 0.1) < 1e-6);
	json_decref(j);
	/* ...but nothing arrives after the window */
	ck_assert_str_eq(judge(5, 18, &j), "1,0,0");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
		json_object_get(j, "check"), "reason")), "never recovered"));
	json_decref(j);
}
END_TEST

/* The section a run writes passes the report validator. */
START_TEST(section_validates)
{
	struct nic n;
	struct sc_nic cfg;
	struct run_outcome o;
	json_t *rep, *j;
	json_error_t je;
	char err[512], *text;
	double kf[2] = { 1.6, 2.5 };

	rep = json_load_file("tests/fixtures/reports/good/report.json", 0,
			     &je);
	ck_assert_ptr_nonnull(rep);
	fake_run(&n, &cfg, &o, 5, 100);
	n.kfail = kf;
	n.nkfail = 2;
	n.side[1].link_before = -1;	/* unknown: null */
	snprintf(n.error, sizeof(n.error), "%s", "");
	j = nic_report_json(&n, &o);
	free(n.slices);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
		json_object_get(j, "windows"), 0), "alloc_failure_reports")), 1);
	json_object_set_new(rep, "driver_under_test", j);
	json_object_set_new(rep, "schema_version", json_integer(3));
	err[0] = '\0';
	ck_assert_msg(report_validate(rep, err, sizeof(err)) == 0, "%s", err);
	text = report_summary_string(rep);
	ck_assert_ptr_nonnull(strstr(text, "model e1000): PASSED"));
	ck_assert_ptr_nonnull(strstr(text, "kernel allocation failure"));
	free(text);
	text = report_html(rep);
	ck_assert_ptr_nonnull(strstr(text, "<h2 id=\"driver\">Driver under "
				     "test</h2>"));
	free(text);
	json_object_set_new(json_object_get(j, "flood"), "sent",
			    json_integer(-1));
	ck_assert_int_eq(report_validate(rep, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "$.driver_under_test.flood.sent"));
	json_decref(rep);
}
END_TEST

/* virtio_net counts no failed refill: the kernel's report names it */
START_TEST(kmsg_failures_name_the_driver)
{
	char *text = fixture("virtio-kmsg.log");
	double *t;

	/* t0 from the run's report: its alloc-failure message at 6.7826 s */
	ck_assert_uint_eq(nic_kmsg_failures(text, "virtio_net", 1.964223, &t),
			  1);
	ck_assert(fabs(t[0] - 6.782616) < 1e-5);
	free(t);
	ck_assert_uint_eq(nic_kmsg_failures(text, "e1000", 1.964223, &t), 0);
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(nic_kmsg_failures("", "virtio_net", 0, &t), 0);
	free(text);
}
END_TEST

static const char *parse_err(const char *text)
{
	static char err[1024];
	struct scenario sc;

	err[0] = '\0';
	scenario_parse_string(&sc, "t.ini", text, err, sizeof(err));
	if (!err[0])
		scenario_finish(&sc, err, sizeof(err));
	scenario_free(&sc);
	return err;
}

START_TEST(nic_section_errors)
{
	static const char base[] = "[scenario]\nduration = 10s\n[engine a]\n";
	char *t;

	t = xasprintf("%s[nic]\nmodel = e1000\n", base);
	ck_assert_str_eq(parse_err(t), "");
	free(t);
	t = xasprintf("%s[nic]\nrate = 10\n", base);
	ck_assert_ptr_nonnull(strstr(parse_err(t), "[nic] has no model"));
	free(t);
	t = xasprintf("%s[nic]\nmodel = rtl8139\n", base);
	ck_assert_ptr_nonnull(strstr(parse_err(t), "e1000, virtio-net"));
	free(t);
	t = xasprintf("%s[nic]\nmodel = e1000\nsize = 9000\n", base);
	ck_assert_ptr_nonnull(strstr(parse_err(t), "t.ini:6: [nic] size"));
	free(t);
	t = xasprintf("%s[nic]\nmodel = e1000\nslice = 6s\n", base);
	ck_assert_ptr_nonnull(strstr(parse_err(t), "fewer than two slices"));
	free(t);
	t = xasprintf("%s[nic]\nmodel = e1000\n[nic]\n", base);
	ck_assert_ptr_nonnull(strstr(parse_err(t), "[nic] appears twice"));
	free(t);
}
END_TEST

static Suite *nic_suite(void)
{
	Suite *s = suite_create("nic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ethtool_table_from_e1000);
	tcase_add_test(tc, failure_counters_by_name);
	tcase_add_test(tc, proc_net_dev_columns);
	tcase_add_test(tc, nic_section_errors);
	tcase_add_test(tc, check_judges_against_the_baseline);
	tcase_add_test(tc, kmsg_failures_name_the_driver);
	tcase_add_test(tc, section_validates);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(nic_suite)
