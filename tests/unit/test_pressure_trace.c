// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the children of a run and what they leave behind: the
 * stress-ng command line and YAML metrics, bpftrace JSON output, module
 * ranges from /proc/modules, /dev/kmsg records and OOM-kill lines, and spawning/stopping/reaping.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "child.h"
#include "kmsg.h"
#include "pressure.h"
#include "scenario.h"
#include "trace.h"
#include "uapi/labyrinth.h"
#include "util.h"

static char err[512];

static char *fixture(const char *name)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *p = xasprintf("%s/tests/fixtures/%s", top ? top : ".", name);
	char *text;

	ck_assert_msg(read_file(p, &text, NULL) == 0, "cannot read %s", p);
	free(p);
	return text;
}

static char *join(char **argv)
{
	char *s = xstrdup(""), *n;
	size_t i;

	for (i = 0; argv[i]; i++) {
		n = xasprintf("%s%s%s", s, i ? " " : "", argv[i]);
		free(s);
		s = n;
	}
	return s;
}

START_TEST(test_stress_argv)
{
	struct sc_pressure p = { .present = true, .vm = 2, .oomable = true,
				 .bigheap = 1, .page_in = true };
	char **argv, *s;

	snprintf(p.vm_bytes, sizeof(p.vm_bytes), "60%%");
	snprintf(p.extra, sizeof(p.extra), "--vm-hang 0  --vm-populate");
	argv = pressure_argv(&p, 40, "/r/stress-ng.yaml");
	s = join(argv);
	ck_assert_str_eq(s, "stress-ng --vm 2 --vm-bytes 60% --bigheap 1 "
			 "--page-in --oomable --vm-hang 0 --vm-populate "
			 "--temp-path /tmp --timeout 40 --metrics-brief -Y /r/stress-ng.yaml");
	free(s);
	pressure_free_argv(argv);
}
END_TEST

START_TEST(test_stress_yaml)
{
	char *t = fixture("stress-ng/metrics.yaml");
	json_t *a = pressure_parse_yaml(t, err, sizeof(err)), *e;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(json_array_size(a), 2);
	e = json_array_get(a, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")), "vm");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "bogo_ops")),
			 77711);
	ck_assert(json_real_value(json_object_get(e, "wall_clock_s")) > 2.0);
	e = json_array_get(a, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "name")),
			 "malloc");
	ck_assert(json_real_value(json_object_get(e, "system_time_s")) > 0.8);
	json_decref(a);
	/* killed before the metrics block: NULL and a reason */
	*strstr(t, "\nmetrics:") = '\0';
	ck_assert_ptr_null(pressure_parse_yaml(t, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no 'metrics:'"), "%s", err);
	free(t);
}
END_TEST

START_TEST(test_bpftrace_output)
{
	char *t = fixture("bpftrace/output.json");
	json_t *o = trace_parse_output(t, err, sizeof(err)), *h;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(o, "maps"), "a")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		json_object_get(o, "maps"), "b"), "x")), 3);
	h = json_object_get(json_object_get(o, "hists"), "h");
	ck_assert_uint_eq(json_array_size(h), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_array_get(h, 4), "count")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o,
							    "printf_lines")),
			 1);
	ck_assert_uint_eq(json_array_size(json_object_get(o, "events")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(
		json_object_get(o, "events"), 0)), "oom_victim pid=42");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "other_lines")),
			 1);
	json_decref(o);
	ck_assert_ptr_null(trace_parse_output("ERROR: no\n", err,
					      sizeof(err)));
	ck_assert_msg(strstr(err, "no bpftrace JSON"), "%s", err);
	free(t);
}
END_TEST

START_TEST(test_ranges)
{
	const char *mods =
		"labyrinth 36864 0 - Live 0xffffffffa0000000 (O)\n"
		"e1000 155648 0 - Live 0xffffffffc0100000\n"
		"hidden 4096 0 - Live 0x0000000000000000\n";
	uint64_t start, size;

	ck_assert_int_eq(trace_module_range(mods, "e1000", &start, &size), 0);
	ck_assert_uint_eq(start, 0xffffffffc0100000ULL);
	ck_assert_uint_eq(size, 155648);
	ck_assert_int_eq(trace_module_range(mods, "e100", &start, &size),
			 -ENOENT);
	ck_assert_int_eq(trace_module_range(mods, "hidden", &start, &size),
			 -EPERM);
}
END_TEST

START_TEST(test_kmsg_records)
{
	struct kmsg k;
	unsigned long long seq, ts;
	unsigned int level;
	const char *text;
	struct kmsg_oom o;
	bool splat;

	ck_assert_int_eq(kmsg_parse_record("4,812,12345678,-;hello\n", &level,
					   &seq, &ts, &text), 0);
	ck_assert_uint_eq(level, 4);
	ck_assert_uint_eq(seq, 812);
	ck_assert_uint_eq(ts, 12345678);
	ck_assert_str_eq(text, "hello\n");
	/* 5.10+ adds a caller field: still fine */
	ck_assert_int_eq(kmsg_parse_record("6,1,2,-,caller=T1;x", &level,
					   &seq, &ts, &text), 0);
	ck_assert_str_eq(text, "x");
	ck_assert_int_eq(kmsg_parse_record("garbage", &level, &seq, &ts,
					   &text), -EINVAL);

	ck_assert_int_eq(kmsg_parse_oom_kill(
		"Out of memory: Killed process 321 (stress-ng-vm) "
		"total-vm:532512kB, anon-rss:480000kB, file-rss:4kB, "
		"shmem-rss:0kB, UID:0 pgtables:1000kB oom_score_adj:1000", &o),
		0);
	ck_assert_int_eq(o.pid, 321);
	ck_assert_str_eq(o.comm, "stress-ng-vm");
	ck_assert_int_eq(o.anon_rss_kb, 480000);
	ck_assert_int_eq(o.total_vm_kb, 532512);
	ck_assert(o.has_adj);
	ck_assert_int_eq(o.oom_score_adj, 1000);
	ck_assert_int_eq(kmsg_parse_oom_kill("Killed process x", &o), -EINVAL);

	ck_assert_str_eq(kmsg_kind("swapper/0: page allocation failure: "
				   "order:0, mode:0x820(GFP_ATOMIC)", &splat),
			 "alloc-failure");
	ck_assert(!splat);
	ck_assert_str_eq(kmsg_kind("WARNING: CPU: 0 PID: 1 at mm/x.c:1 f+0x1",
				   &splat), "warning");
	ck_assert(splat);
	ck_assert_ptr_null(kmsg_kind("random chatter", &splat));

	/* feed: offsets from run start, OOM kills collected, splat noted */
	memset(&k, 0, sizeof(k));
	k.fd = -1;
	k.t0 = 10.0;
	kmsg_feed(&k, "4,1,12500000,-;kworker/0:1: page allocation failure: "
		  "order:0, mode:0xa20(GFP_ATOMIC)\n");
	kmsg_feed(&k, "3,2,13000000,-;Out of memory: Killed process 9 "
		  "(bigheap) total-vm:1kB, anon-rss:2kB\n");
	kmsg_feed(&k, "6,3,13100000,-;boring\n");
	kmsg_feed(&k, "4,4,13200000,-;BUG: unable to handle page fault \xff\n");
	ck_assert_uint_eq(k.ev.n, 3);
	ck_assert_uint_eq(k.ev.nalloc_failures, 1);
	ck_assert_uint_eq(k.ev.nooms, 1);
	ck_assert(k.ev.v[1].has_oom);
	ck_assert(k.ev.v[1].oom.t_s > 2.99 && k.ev.v[1].oom.t_s < 3.01);
	ck_assert_str_eq(k.ev.v[1].oom.comm, "bigheap");
	ck_assert_uint_eq(k.ev.nsplats, 1);
	/* non-ASCII masked so the JSON stays valid */
	ck_assert_str_eq(kevents_first(&k.ev, CON_KIND_MAX)->text,
			 "BUG: unable to handle page fault ?");
	kmsg_close(&k);
}
END_TEST

START_TEST(test_child)
{
	char *ok_argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
			    NULL };
	char *missing[] = { "/nonexistent/labyrinth-test", NULL };
	char *sleeper[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	char dir[] = "/tmp/lab-child-XXXXXX", *out, *text;
	struct child c;
	int st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	out = xasprintf("%s/out", dir);
	ck_assert_int_eq(child_spawn(&c, "sh", ok_argv, out, out), 0);
	st = child_stop(&c, 0, 5.0);	/* signal 0: just wait */
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	ck_assert_int_eq(read_file(out, &text, NULL), 0);
	ck_assert_str_eq(text, "out\nerr\n");
	free(text);
	child_describe(st, err, sizeof(err));
	ck_assert_str_eq(err, "exit 3");

	ck_assert_int_eq(child_spawn(&c, "x", missing, NULL, NULL), -ENOENT);

	/* a child and its grandchild both go, politely */
	ck_assert_int_eq(child_spawn(&c, "sleeper", sleeper, NULL, NULL), 0);
	ck_assert(!child_poll(&c));
	st = child_stop(&c, SIGTERM, 5.0);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	ck_assert_int_eq(kill(-c.pid, 0), -1);
	child_describe(st, err, sizeof(err));
	ck_assert_str_eq(err, "killed by SIGTERM");
	remove_tree(dir);
	free(out);
}
END_TEST

static Suite *pt_suite(void)
{
	Suite *s = suite_create("pressure_trace");
	TCase *tc = tcase_create("children");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stress_argv);
	tcase_add_test(tc, test_stress_yaml);
	tcase_add_test(tc, test_bpftrace_output);
	tcase_add_test(tc, test_ranges);
	tcase_add_test(tc, test_kmsg_records);
	tcase_add_test(tc, test_child);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(pt_suite)
