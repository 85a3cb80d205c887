// SPDX-License-Identifier: GPL-2.0
/*
 * Description: reading what the hang probe (harness/vm_hang.c) made a hung
 * guest print, on consoles recorded from the test kernel by the runner
 * itself (LKDTM HARDLOCKUP, SOFTLOCKUP, HUNG_TASK pinned to a CPU, then a
 * --timeout): the crash is read from before the probe, stuck CPUs and
 * blocked tasks from after it. Then the summary and JSON, on small logs.
 */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "util.h"
#include "vm_hang.h"

/*
 * Read a fixture as the runner reads console.log once QEMU is gone, the
 * probe having begun at line probe_line. Returns whether a crash came
 * before it.
 */
static int read_fixture(const char *name, unsigned int probe_line,
			struct crash_report *c, struct hang_report *hr)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *path = xasprintf("%s/tests/fixtures/console/%s",
			       top ? top : ".", name), *buf;
	struct vm_hang h;
	unsigned int line = 1;
	size_t len, off = 0;
	int found;

	ck_assert_int_eq(read_file(path, &buf, &len), 0);
	while (off < len && line < probe_line)
		line += buf[off++] == '\n';
	free(buf);
	memset(&h, 0, sizeof(h));
	h.step = 1;		/* started */
	h.log_start = (off_t)off;
	snprintf(h.how, sizeof(h.how), "sysrq l, w");
	found = vm_hang_read_console(&h, path, c, hr);
	free(path);
	ck_assert_uint_eq(hr->line, probe_line);
	ck_assert_str_eq(hr->how, "sysrq l, w");
	return found;
}

static void assert_summary(const struct hang_report *hr, const char *want)
{
	char buf[512];

	hang_summary(hr, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

static void assert_cpu(const struct hang_report *hr, unsigned int i, int cpu,
		       const char *comm, int pid, const char *fn,
		       const char *seen_by)
{
	ck_assert_uint_gt(hr->ncpus, i);
	ck_assert_int_eq(hr->cpus[i].cpu, cpu);
	ck_assert_str_eq(hr->cpus[i].comm, comm);
	ck_assert_int_eq(hr->cpus[i].pid, pid);
	ck_assert_str_eq(hr->cpus[i].where.function, fn);
	ck_assert_str_eq(hr->cpus[i].seen_by, seen_by);
}

/*
 * Interrupts off on CPU 1; CPU 0 took the serial interrupt, ran sysrq l
 * (its own backtrace is the handler's, not a stuck CPU's) and sysrq w
 * (virtio-rng's kthread waits in D state).
 */
START_TEST(hard_lockup_sysrq)
{
	struct crash_report c;
	struct hang_report hr;

	ck_assert_int_eq(read_fixture("hang-hardlockup-sysrq.log", 231, &c, &hr),
			 0);
	ck_assert_uint_eq(hr.ncpus, 1);
	assert_cpu(&hr, 0, 1, "sh", 36, "lkdtm_HARDLOCKUP", "sysrq-l");
	ck_assert_uint_eq(hr.cpus[0].where.offset, 0x8);
	ck_assert_uint_eq(hr.cpus[0].where.size, 0x10);
	ck_assert_uint_eq(hr.idle_cpus, 0);
	ck_assert_uint_eq(hr.ntasks, 1);
	ck_assert_str_eq(hr.tasks[0].comm, "hwrng");
	ck_assert_int_eq(hr.tasks[0].pid, 35);
	ck_assert_int_eq(hr.tasks[0].kthread, 1);
	/* past wait_for_completion_killable, the wait primitive */
	ck_assert_str_eq(hr.tasks[0].where.function, "virtio_read");
	assert_summary(&hr, "CPU 1 in lkdtm_HARDLOCKUP+0x8/0x10 (sh, pid 36); blocked: hwrng (pid 35) in virtio_read+0x70/0x360");
}
END_TEST

/* The only CPU with interrupts off: sysrq unanswered, the NMI's panic. */
START_TEST(hard_lockup_nmi)
{
	struct crash_report c;
	struct hang_report hr;

	/* the panic after the probe is the probe's, not a crash */
	ck_assert_int_eq(read_fixture("hang-hardlockup-nmi.log", 221, &c, &hr),
			 0);
	ck_assert_uint_eq(hr.ncpus, 1);
	assert_cpu(&hr, 0, 0, "sh", 30, "lkdtm_HARDLOCKUP", "nmi-panic");
	ck_assert_uint_eq(hr.ntasks, 0);
	assert_summary(&hr, "CPU 0 in lkdtm_HARDLOCKUP+0x8/0x10 (sh, pid 30)");
}
END_TEST

/*
 * Two CPUs, CPU 0 (the serial interrupt's) stuck: sysrq unanswered; both
 * CPUs take the NMI, the stuck one won the race to panic here.
 */
START_TEST(hard_lockup_serial_cpu)
{
	struct crash_report c;
	struct hang_report hr;

	ck_assert_int_eq(read_fixture("hang-hardlockup-cpu0-nmi.log", 231, &c,
				      &hr), 0);
	ck_assert_uint_eq(hr.ncpus, 1);
	assert_cpu(&hr, 0, 0, "sh", 36, "lkdtm_HARDLOCKUP", "nmi-panic");
}
END_TEST

/* The kernel's soft lockup report first, then sysrq l at the timeout. */
START_TEST(soft_lockup)
{
	struct crash_report c;
	struct hang_report hr;
	char buf[256];

	ck_assert_int_eq(read_fixture("hang-softlockup.log", 298, &c, &hr), 1);
	ck_assert_int_eq(c.kind, CON_SOFT_LOCKUP);
	ck_assert_str_eq(c.header, "watchdog: BUG: soft lockup - CPU#1 stuck for 13s! [sh:35]");
	ck_assert_str_eq(c.where.function, "lkdtm_SOFTLOCKUP");
	ck_assert_str_eq(c.where_from, "rip");
	ck_assert_int_eq(c.cpu, 1);
	ck_assert_int_eq(c.pid, 35);
	ck_assert_str_eq(c.comm, "sh");
	ck_assert_int_eq(c.context, CRASH_CTX_TASK);
	ck_assert_int_eq(c.fatal, 0);
	crash_headline(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "SOFT LOCKUP in lkdtm_SOFTLOCKUP+0x7 (stuck for 13s, task)");
	ck_assert_uint_eq(hr.ncpus, 1);
	assert_cpu(&hr, 0, 1, "sh", 35, "lkdtm_SOFTLOCKUP", "sysrq-l");
}
END_TEST

/*
 * The hung task detector's report (timeout 5 s) first; sysrq w lists the
 * task again, and so does the detector once more: one task.
 * lkdtm_HUNG_TASK tail-calls schedule(), so its caller is on the stack.
 */
START_TEST(hung_task)
{
	struct crash_report c;
	struct hang_report hr;

	ck_assert_int_eq(read_fixture("hang-hung-task.log", 277, &c, &hr), 1);
	ck_assert_int_eq(c.kind, CON_HUNG_TASK);
	ck_assert_str_eq(c.summary, "hung task, blocked for more than 5 seconds");
	ck_assert_str_eq(c.comm, "sh");
	ck_assert_int_eq(c.pid, 35);
	ck_assert_str_eq(c.where.function, "direct_entry.cold");
	ck_assert_str_eq(c.where_from, "trace");
	ck_assert_uint_eq(hr.ncpus, 0);
	ck_assert_uint_eq(hr.idle_cpus, 1);
	ck_assert_uint_eq(hr.ntasks, 1);
	ck_assert_str_eq(hr.tasks[0].comm, "sh");
	ck_assert_int_eq(hr.tasks[0].kthread, 0);
	assert_summary(&hr, "1 CPU idle; blocked: sh (pid 35) in direct_entry.cold+0x18/0x24");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Small logs                                                          */

static const char blocked_tasks[] =
	"sysrq: Show Blocked State\n"
	"task:kworker/0:1     state:D stack:0     pid:9     ppid:2      flags:0x00004000\n"
	"Call Trace:\n"
	" <TASK>\n"
	" __schedule+0x1d1/0x530\n"
	" schedule+0x55/0xa0\n"
	" drv_reset_work+0x42/0x90 [drv]\n"
	" </TASK>\n"
	"task:drvtest         state:D stack:0     pid:40    ppid:1      flags:0x00000002\n"
	"Call Trace:\n"
	" <TASK>\n"
	" __schedule+0x1d1/0x530\n"
	" schedule+0x55/0xa0\n"
	" schedule_timeout+0x1/0x2\n"
	" wait_for_completion+0x1/0x2\n"
	" drv_ioctl+0x1/0x2 [drv]\n"
	" </TASK>\n"
	"task:other           state:S stack:0     pid:41    ppid:1      flags:0x00000002\n";

START_TEST(user_tasks_first)
{
	struct hang_report hr;

	hang_parse(blocked_tasks, strlen(blocked_tasks), &hr);
	ck_assert_uint_eq(hr.ntasks, 2);
	ck_assert_str_eq(hr.tasks[0].comm, "drvtest");
	ck_assert_str_eq(hr.tasks[0].where.function, "drv_ioctl");
	ck_assert_str_eq(hr.tasks[0].where.module, "drv");
	ck_assert_str_eq(hr.tasks[1].comm, "kworker/0:1");
	ck_assert_int_eq(hr.tasks[1].kthread, 1);
	assert_summary(&hr, "blocked: drvtest (pid 40) in drv_ioctl+0x1/0x2 [drv], kworker/0:1 (pid 9) in drv_reset_work+0x42/0x90 [drv]");
}
END_TEST

START_TEST(many_tasks)
{
	struct hang_report hr;
	char *log = xstrdup(""), *more;
	int i;

	for (i = 0; i < HANG_TASKS_MAX + 3; i++) {
		more = xasprintf("%stask:t%d state:D stack:0 pid:%d ppid:1 flags:0x0\n",
				 log, i, 100 + i);
		free(log);
		log = more;
	}
	hang_parse(log, strlen(log), &hr);
	free(log);
	ck_assert_uint_eq(hr.ntasks, HANG_TASKS_MAX);
	ck_assert_uint_eq(hr.more_tasks, 3);
	assert_summary(&hr, "blocked: t0 (pid 100) in ?, t1 (pid 101) in ? and 9 more");
}
END_TEST

START_TEST(nothing_answered)
{
	struct hang_report hr;
	json_t *o = json_object();
	char buf[8];

	hang_parse("", 0, &hr);
	assert_summary(&hr, "");
	snprintf(hr.how, sizeof(hr.how), "sysrq l unanswered, then NMI");
	hang_json_fill(o, &hr);
	ck_assert(json_is_false(json_object_get(o, "answered")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "probe")),
			 "sysrq l unanswered, then NMI");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "cpus")), 0);
	json_decref(o);
	/* a summary longer than the buffer ends in "..." */
	hang_parse(blocked_tasks, strlen(blocked_tasks), &hr);
	hang_summary(&hr, buf, sizeof(buf));
	ck_assert_str_eq(buf, "bloc...");
}
END_TEST

START_TEST(json_shape)
{
	struct crash_report c;
	struct hang_report hr;
	json_t *o = json_object(), *cpu;

	read_fixture("hang-hardlockup-sysrq.log", 231, &c, &hr);
	hang_json_fill(o, &hr);
	ck_assert_str_eq(json_string_value(json_object_get(o, "probe")),
			 "sysrq l, w");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "line")), 231);
	ck_assert(json_is_true(json_object_get(o, "answered")));
	cpu = json_array_get(json_object_get(o, "cpus"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(cpu, "cpu")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(cpu, "location")),
			 "lkdtm_HARDLOCKUP+0x8/0x10");
	ck_assert_str_eq(json_string_value(json_object_get(cpu, "seen_by")),
			 "sysrq-l");
	ck_assert_uint_eq(json_array_size(json_object_get(o, "blocked")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "idle_cpus")), 0);
	json_decref(o);
}
END_TEST

static Suite *hang_suite(void)
{
	Suite *s = suite_create("hang");
	TCase *real = tcase_create("recorded");
	TCase *small = tcase_create("small");

	tcase_add_test(real, hard_lockup_sysrq);
	tcase_add_test(real, hard_lockup_nmi);
	tcase_add_test(real, hard_lockup_serial_cpu);
	tcase_add_test(real, soft_lockup);
	tcase_add_test(real, hung_task);
	tcase_add_test(small, user_tasks_first);
	tcase_add_test(small, many_tasks);
	tcase_add_test(small, nothing_answered);
	tcase_add_test(small, json_shape);
	suite_add_tcase(s, real);
	suite_add_tcase(s, small);
	return s;
}

LAB_CHECK_MAIN(hang_suite)
