// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the console parser on real console logs recorded from the
 * labyrinth test kernel (tests/fixtures/console/, provoked with LKDTM,
 * sysrq and stress-ng), and on single lines of each report header.
 */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "vm_console.h"
#include "util.h"

static char *fixture(const char *name)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/tests/fixtures/console/%s", top ? top : ".", name);
}

static void scan_fixture(const char *name, struct console_scan *s)
{
	char *path = fixture(name);

	console_scan_init(s);
	ck_assert_msg(console_scan_file(s, path) == 0, "cannot read %s", path);
	free(path);
}

START_TEST(real_panic)
{
	struct console_scan s;

	scan_fixture("panic.log", &s);
	ck_assert_int_ge(s.first_panic, 0);
	ck_assert_str_eq(s.ev[s.first_panic].text,
			 "Kernel panic - not syncing: sysrq triggered crash");
	ck_assert_uint_gt(s.ev[s.first_panic].line, 200);
	ck_assert(s.ev[s.first_panic].ktime > 0.5);
	ck_assert_int_eq(s.cmd_started, 1);
	/* It never exited: the panic came first. */
	ck_assert_int_eq(s.cmd_exit_status, -1);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_oops)
{
	struct console_scan s;

	scan_fixture("oops.log", &s);
	ck_assert_int_eq(s.first_panic, -1);
	ck_assert_int_ge(s.first_splat, 0);
	/* NULL dereference: the "BUG:" line comes first, then "Oops:". */
	ck_assert_int_eq(s.ev[s.first_splat].kind, CON_BUG);
	ck_assert_ptr_nonnull(strstr(s.ev[s.first_splat].text,
				     "NULL pointer dereference"));
	ck_assert_uint_eq(s.count[CON_OOPS], 1);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_warning)
{
	struct console_scan s;

	scan_fixture("warning.log", &s);
	ck_assert_int_ge(s.first_splat, 0);
	ck_assert_int_eq(s.ev[s.first_splat].kind, CON_WARNING);
	ck_assert_ptr_nonnull(strstr(s.ev[s.first_splat].text,
				     "lkdtm/bugs.c"));
	ck_assert_uint_eq(s.count[CON_WARNING], 1);
	ck_assert_uint_eq(s.count[CON_LOCKDEP], 0);
	/* The command went on after the WARNING and exited 0. */
	ck_assert_int_eq(s.cmd_exit_status, 0);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_bug)
{
	struct console_scan s;

	scan_fixture("bug.log", &s);
	ck_assert_int_ge(s.first_splat, 0);
	ck_assert_int_eq(s.ev[s.first_splat].kind, CON_BUG);
	ck_assert_str_eq(s.ev[s.first_splat].text,
			 "kernel BUG at drivers/misc/lkdtm/bugs.c:78!");
	console_scan_free(&s);
}
END_TEST

/* From the debug kernel (make kernel VARIANT=debug), LKDTM again. */
START_TEST(real_kasan)
{
	struct console_scan s;

	scan_fixture("kasan.log", &s);
	ck_assert_int_ge(s.first_splat, 0);
	ck_assert_int_eq(s.ev[s.first_splat].kind, CON_KASAN);
	ck_assert_ptr_nonnull(strstr(s.ev[s.first_splat].text,
				     "slab-out-of-bounds"));
	ck_assert_int_eq(s.first_panic, -1);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_lockdep)
{
	struct console_scan s;

	scan_fixture("lockdep.log", &s);
	ck_assert_int_ge(s.first_splat, 0);
	ck_assert_int_eq(s.ev[s.first_splat].kind, CON_LOCKDEP);
	ck_assert_str_eq(s.ev[s.first_splat].text,
			 "WARNING: lock held when returning to user space!");
	ck_assert_uint_eq(s.count[CON_WARNING], 0);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_clean_boot)
{
	struct console_scan s;
	int k;

	scan_fixture("clean.log", &s);
	ck_assert_int_eq(s.first_splat, -1);
	ck_assert_int_eq(s.first_panic, -1);
	for (k = CON_PANIC; k < CON_CMD_START; k++)
		ck_assert_msg(s.count[k] == 0, "clean boot has %s",
			      console_kind_name(k));
	ck_assert_int_eq(s.cmd_started, 1);
	ck_assert_int_eq(s.cmd_exit_status, 1); /* it ran `false` */
	ck_assert_uint_gt(s.lines, 200);
	console_scan_free(&s);
}
END_TEST

START_TEST(real_oom_kill_is_not_a_splat)
{
	struct console_scan s;

	scan_fixture("oom.log", &s);
	ck_assert_int_eq(s.first_splat, -1);
	ck_assert_uint_eq(s.count[CON_OOM_KILL], 1);
	ck_assert_uint_eq(s.count[CON_OOM_INVOKED], 1);
	console_scan_free(&s);
}
END_TEST

/* One line each: what the kernel prints at the top of each report. */
static const struct {
	const char *line;
	enum console_kind kind;
} lines[] = {
	{ "[   12.345678] Kernel panic - not syncing: Out of memory and no killable processes...",
	  CON_PANIC },
	{ "[    3.1] Oops: 0002 [#1] PREEMPT SMP NOPTI", CON_OOPS },
	{ "divide error: 0000 [#1] PREEMPT SMP NOPTI", CON_OOPS },
	{ "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", CON_OOPS },
	{ "general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP",
	  CON_OOPS },
	{ "[    5.000001] BUG: KASAN: slab-out-of-bounds in lkdtm_SLAB_LINEAR_OVERFLOW+0x8c/0xd0",
	  CON_KASAN },
	{ "BUG: KASAN: use-after-free in labyrinth_free+0x1/0x2 [labyrinth]",
	  CON_KASAN },
	{ "[    9.9] WARNING: possible circular locking dependency detected",
	  CON_LOCKDEP },
	{ "WARNING: inconsistent lock state", CON_LOCKDEP },
	{ "WARNING: possible recursive locking detected", CON_LOCKDEP },
	{ "WARNING: suspicious RCU usage", CON_LOCKDEP },
	{ "WARNING: CPU: 1 PID: 0 at mm/page_alloc.c:5580 __alloc_pages+0x2f1/0x350",
	  CON_WARNING },
	{ "BUG: sleeping function called from invalid context at mm/slab.h:723",
	  CON_BUG },
	{ "BUG: scheduling while atomic: swapper/0/0/0x00000002", CON_BUG },
	{ "BUG: Bad page state in process kworker/0:1  pfn:1a2b3", CON_BUG },
	{ "UBSAN: array-index-out-of-bounds in drivers/x.c:12:3", CON_UBSAN },
	{ "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:15]",
	  CON_SOFT_LOCKUP },
	{ "Watchdog detected hard LOCKUP on cpu 1", CON_HARD_LOCKUP },
	{ "INFO: task kworker/1:2:99 blocked for more than 120 seconds.",
	  CON_HUNG_TASK },
	{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
	  CON_RCU_STALL },
	{ "rcu: INFO: rcu_sched self-detected stall on CPU", CON_RCU_STALL },
	{ "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
	  CON_KMEMLEAK },
	{ "Out of memory: Killed process 37 (stress-ng-bighe) total-vm:286204kB",
	  CON_OOM_KILL },
	{ "Memory cgroup out of memory: Killed process 9 (x) total-vm:1kB",
	  CON_OOM_KILL },
	{ "[    7.2] swapper/0: page allocation failure: order:0, mode:0xa20(GFP_ATOMIC), nodemask=(null)",
	  CON_ALLOC_FAILURE },
	{ "labyrinth-vm: command started: true", CON_CMD_START },
	{ "labyrinth-vm: command exited, status 3", CON_CMD_EXIT },
	/* Ordinary lines that look a little like reports. */
	{ "[    0.1] ACPI: PM: Preparing to enter system sleep state S5", CON_NONE },
	{ "Call Trace:", CON_NONE },
	{ "fail_page_alloc: probability 100 interval 1", CON_NONE },
	{ "the BUG: in the middle is not a header", CON_NONE },
	{ "", CON_NONE },
};

START_TEST(classify_line)
{
	double t;
	enum console_kind k = console_classify(lines[_i].line, &t);

	ck_assert_msg(k == lines[_i].kind, "'%s': got %s, expected %s",
		      lines[_i].line, console_kind_name(k),
		      console_kind_name(lines[_i].kind));
}
END_TEST

START_TEST(timestamps)
{
	double t;

	console_classify("[   12.345678] Kernel panic - not syncing: x", &t);
	ck_assert_double_eq_tol(t, 12.345678, 1e-9);
	console_classify("Kernel panic - not syncing: x", &t);
	ck_assert_double_eq(t, -1);
	/* CONFIG_PRINTK_CALLER: the caller id is part of the prefix. */
	ck_assert_int_eq(console_classify("[    4.661573][    C1] BUG: kernel NULL pointer dereference, address: 0000000000000028",
					  &t), CON_BUG);
	ck_assert_double_eq_tol(t, 4.661573, 1e-9);
	ck_assert_str_eq(console_strip_prefix("[    1.5][ T1234] Oops: 0002", &t),
			 "Oops: 0002");
	ck_assert_str_eq(console_strip_prefix("[    C0] Call Trace:", &t),
			 "Call Trace:");
	ck_assert_double_eq(t, -1);
	ck_assert_str_eq(console_strip_prefix("[    1.5][X1] x", &t), "[X1] x");
	/* A bracket that is not a timestamp is text, not a prefix. */
	ck_assert_int_eq(console_classify("[abc] Kernel panic - not syncing", &t),
			 CON_NONE);
}
END_TEST

START_TEST(pieces_and_junk)
{
	struct console_scan s;
	const char *log =
		"[    1.0] boot\r\n"
		"\x01\x02garbage\xff\n"
		"[    2.0] labyrinth-vm: command started: x\n"
		"[    2.5] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x0/0x1\n"
		"[    3.0] Kernel panic - not syncing: Fatal exception";
	char big[2000];

	console_scan_init(&s);
	console_scan_buf(&s, log, strlen(log));
	ck_assert_uint_eq(s.lines, 5);
	ck_assert_int_eq(s.first_splat, 1);
	ck_assert_uint_eq(s.ev[s.first_splat].line, 4);
	ck_assert_int_eq(s.first_panic, 2);
	ck_assert_uint_eq(s.ev[s.first_panic].line, 5);
	/* An over-long line is skipped, not truncated into a false match. */
	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 40, "Kernel panic - not syncing", 26);
	big[sizeof(big) - 1] = '\n';
	console_scan_buf(&s, big, sizeof(big));
	ck_assert_uint_eq(s.count[CON_PANIC], 1);
	console_scan_free(&s);
}
END_TEST

START_TEST(report_kinds)
{
	/* The names report.json's kernel_messages[].kind allows. */
	ck_assert_str_eq(console_report_kind(CON_ALLOC_FAILURE), "alloc-failure");
	ck_assert_str_eq(console_report_kind(CON_OOM_KILL), "oom");
	ck_assert_str_eq(console_report_kind(CON_OOM_INVOKED), "oom");
	ck_assert_str_eq(console_report_kind(CON_WARNING), "warning");
	ck_assert_str_eq(console_report_kind(CON_KASAN), "kasan");
	ck_assert_str_eq(console_report_kind(CON_RCU_STALL), "other");
	ck_assert_ptr_null(console_report_kind(CON_NONE));
	ck_assert_ptr_null(console_report_kind(CON_CMD_START));
}
END_TEST

START_TEST(missing_file)
{
	struct console_scan s;

	console_scan_init(&s);
	ck_assert_int_lt(console_scan_file(&s, "/nonexistent/console.log"), 0);
	console_scan_free(&s);
}
END_TEST

static Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *real = tcase_create("recorded");
	TCase *unit = tcase_create("lines");

	tcase_add_test(real, real_panic);
	tcase_add_test(real, real_oops);
	tcase_add_test(real, real_warning);
	tcase_add_test(real, real_bug);
	tcase_add_test(real, real_kasan);
	tcase_add_test(real, real_lockdep);
	tcase_add_test(real, real_clean_boot);
	tcase_add_test(real, real_oom_kill_is_not_a_splat);
	tcase_add_loop_test(unit, classify_line, 0, ARRAY_SIZE(lines));
	tcase_add_test(unit, timestamps);
	tcase_add_test(unit, pieces_and_junk);
	tcase_add_test(unit, report_kinds);
	tcase_add_test(unit, missing_file);
	suite_add_tcase(s, real);
	suite_add_tcase(s, unit);
	return s;
}

LAB_CHECK_MAIN(console_suite)
