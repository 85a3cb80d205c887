// SPDX-License-Identifier: GPL-2.0
/*
 * Description: crash attribution (harness/vm_crash.c) on consoles recorded
 * from the labyrinth test kernels (tests/fixtures/console/: the test driver
 * tests/drivers/lab_refill crashing in hard IRQ under a held drain, LKDTM
 * on the default and the debug kernel), every field of each; then the
 * context rule, caller ids and odd input on small logs.
 */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "util.h"
#include "vm_crash.h"

static void parse_fixture(const char *name, struct crash_report *c)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *path = xasprintf("%s/tests/fixtures/console/%s",
			       top ? top : ".", name);

	ck_assert_msg(crash_parse_file(path, c) == 1, "no crash in %s", path);
	free(path);
}

static void parse_text(const char *log, struct crash_report *c)
{
	ck_assert_int_eq(crash_parse(log, strlen(log), c), 1);
}

static void assert_loc(const struct crash_loc *l, const char *fn,
		       unsigned long off, unsigned long size, const char *mod)
{
	ck_assert_str_eq(l->function, fn);
	ck_assert_uint_eq(l->offset, off);
	ck_assert_uint_eq(l->size, size);
	ck_assert_str_eq(l->module, mod);
}

static void assert_frame(const struct crash_report *c, unsigned int i,
			 const char *fn, const char *mod, const char *stack)
{
	ck_assert_uint_gt(c->nframes, i);
	ck_assert_str_eq(c->frames[i].loc.function, fn);
	ck_assert_str_eq(c->frames[i].loc.module, mod);
	ck_assert_str_eq(c->frames[i].stack, stack);
}

static void assert_headline(const struct crash_report *c, const char *want)
{
	char buf[512];

	crash_headline(c, buf, sizeof(buf));
	ck_assert_str_eq(buf, want);
}

/* What each recorded console must yield, field by field. */
static const struct recorded {
	const char *fixture;
	enum console_kind kind;
	const char *kind_name, *header, *summary;
	unsigned int line;
	double ktime;
	int fatal;
	struct crash_loc where;
	const char *where_from;
	int cpu, pid;
	const char *comm;
	enum crash_context context;
	unsigned int nframes;
	const char *frames;	/* "f+0x1/0x2 [mod] STACK; ..." */
	const char *panic;
	unsigned int panic_line;
	const char *headline, *evidence;
} recorded[] = {
	/*
	 * lab_refill (no NULL check) under the default scenario's drain held:
	 * the refill dereferences the NULL page in hard IRQ. CPU 0's "page
	 * allocation failure" dump (labyrinth's own engine) interleaves with the
	 * oops line by line: its CPU line, "Call Trace:" and frames are not it.
	 */
	{ "lab-refill-null-irq.log", CON_OOPS, "oops",
	  "BUG: kernel NULL pointer dereference, address: 0000000000000028",
	  "NULL pointer dereference", 233, 4.661573, 1,
	  { "lab_refill_ring", 0x34, 0x150, "lab_refill" }, "rip",
	  1, 0, "swapper/1", CRASH_CTX_HARDIRQ, 8,
	  "lab_refill_tick+0xcd/0xf7 [lab_refill] IRQ; "
	  "__hrtimer_run_queues+0x103/0x210 IRQ; "
	  "hrtimer_interrupt+0xf4/0x210 IRQ; "
	  "__sysvec_apic_timer_interrupt+0x56/0xd0 IRQ; "
	  "sysvec_apic_timer_interrupt+0x61/0x80 IRQ; "
	  "asm_sysvec_apic_timer_interrupt+0x16/0x20 TASK; "
	  "amd_e400_idle+0x23/0x50 TASK; "
	  "default_idle_call+0x37/0xad TASK",
	  "Kernel panic - not syncing: Fatal exception in interrupt", 303,
	  "CRASH in lab_refill_ring+0x34 [lab_refill] (NULL pointer dereference, hard IRQ)",
	  "BUG: kernel NULL pointer dereference, address: 0000000000000028 (in lab_refill_ring+0x34/0x150 [lab_refill], hard IRQ)" },
	/* lab_refill poison=1, same drain: list_move() after list_del(). */
	{ "lab-refill-gpf-irq.log", CON_OOPS, "oops",
	  "general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP",
	  "general protection fault", 286, 4.538221, 1,
	  { "lab_refill_ring", 0x100, 0x150, "lab_refill" }, "rip",
	  1, 0, "swapper/1", CRASH_CTX_HARDIRQ, 8,
	  "lab_refill_tick+0xcd/0xf7 [lab_refill] IRQ; "
	  "__hrtimer_run_queues+0x103/0x210 IRQ; "
	  "hrtimer_interrupt+0xf4/0x210 IRQ; "
	  "__sysvec_apic_timer_interrupt+0x56/0xd0 IRQ; "
	  "sysvec_apic_timer_interrupt+0x61/0x80 IRQ; "
	  "asm_sysvec_apic_timer_interrupt+0x16/0x20 TASK; "
	  "amd_e400_idle+0x23/0x50 TASK; "
	  "default_idle_call+0x37/0xad TASK",
	  "Kernel panic - not syncing: Fatal exception in interrupt", 338,
	  "CRASH in lab_refill_ring+0x100 [lab_refill] (general protection fault, hard IRQ)",
	  "general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] SMP (in lab_refill_ring+0x100/0x150 [lab_refill], hard IRQ)" },
	/* LKDTM BUG with oops=panic: the task-context wording of the panic. */
	{ "lkdtm-bug-panic.log", CON_BUG, "bug",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78!",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78", 232, 1.056826, 1,
	  { "lkdtm_BUG", 0x5, 0x10, "" }, "rip",
	  0, 36, "sh", CRASH_CTX_TASK, 6,
	  "direct_entry.cold+0x18/0x24 TASK; "
	  "full_proxy_write+0x4d/0x70 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "Kernel panic - not syncing: Fatal exception", 278,
	  "CRASH in lkdtm_BUG+0x5 (kernel BUG at drivers/misc/lkdtm/bugs.c:78, task)",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78! (in lkdtm_BUG+0x5/0x10, task)" },
	/*
	 * LKDTM WARNING with panic_on_warn: a WARNING that is a crash; the
	 * panic's own trace (panic, __warn) is not the WARNING's.
	 */
	{ "lkdtm-warning-panic.log", CON_WARNING, "warning",
	  "WARNING: CPU: 1 PID: 35 at drivers/misc/lkdtm/bugs.c:85 lkdtm_WARNING+0xf/0x20",
	  "WARNING at drivers/misc/lkdtm/bugs.c:85", 232, 1.033472, 1,
	  { "lkdtm_WARNING", 0xf, 0x20, "" }, "rip",
	  1, 35, "sh", CRASH_CTX_TASK, 6,
	  "direct_entry.cold+0x18/0x24 TASK; "
	  "full_proxy_write+0x4d/0x70 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "Kernel panic - not syncing: kernel: panic_on_warn set ...", 265,
	  "CRASH in lkdtm_WARNING+0xf (WARNING at drivers/misc/lkdtm/bugs.c:85, task)",
	  "WARNING: CPU: 1 PID: 35 at drivers/misc/lkdtm/bugs.c:85 lkdtm_WARNING+0xf/0x20 (task)" },
	/*
	 * Debug kernel, LKDTM READ_AFTER_FREE with panic_on_warn: no RIP, the
	 * header says where; the reporter's frames and the "Allocated by" and
	 * "Freed by" stacks are not the access's.
	 */
	{ "lkdtm-kasan-uaf-panic.log", CON_KASAN, "kasan",
	  "BUG: KASAN: use-after-free in lkdtm_READ_AFTER_FREE.cold+0x119/0x200",
	  "KASAN: use-after-free", 253, 21.562698, 1,
	  { "lkdtm_READ_AFTER_FREE.cold", 0x119, 0x200, "" }, "header",
	  0, 38, "sh", CRASH_CTX_TASK, 7,
	  "lkdtm_READ_AFTER_FREE.cold+0x119/0x200 TASK; "
	  "direct_entry.cold+0x2e/0x62 TASK; "
	  "full_proxy_write+0xed/0x170 TASK; "
	  "vfs_write+0x20e/0xbd0 TASK; "
	  "ksys_write+0xf0/0x1b0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "Kernel panic - not syncing: KASAN: panic_on_warn set ...", 339,
	  "CRASH in lkdtm_READ_AFTER_FREE.cold+0x119 (KASAN: use-after-free, task)",
	  "BUG: KASAN: use-after-free in lkdtm_READ_AFTER_FREE.cold+0x119/0x200 (task)" },
	/* LKDTM EXCEPTION from a shell: the oops killed sh, no panic. */
	{ "oops.log", CON_OOPS, "oops",
	  "BUG: kernel NULL pointer dereference, address: 0000000000000000",
	  "NULL pointer dereference", 230, 1.377550, 1,
	  { "lkdtm_EXCEPTION", 0x5, 0x20, "" }, "rip",
	  1, 33, "sh", CRASH_CTX_TASK, 6,
	  "direct_entry.cold+0x18/0x24 TASK; "
	  "full_proxy_write+0x4d/0x70 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "", 0,
	  "CRASH in lkdtm_EXCEPTION+0x5 (NULL pointer dereference, task)",
	  "BUG: kernel NULL pointer dereference, address: 0000000000000000 (in lkdtm_EXCEPTION+0x5/0x20, task)" },
	/* LKDTM BUG: BUG() is a ud2, so the die line is "invalid opcode". */
	{ "bug.log", CON_BUG, "bug",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78!",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78", 231, 1.428616, 1,
	  { "lkdtm_BUG", 0x5, 0x10, "" }, "rip",
	  1, 33, "sh", CRASH_CTX_TASK, 6,
	  "direct_entry.cold+0x18/0x24 TASK; "
	  "full_proxy_write+0x4d/0x70 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "", 0,
	  "CRASH in lkdtm_BUG+0x5 (kernel BUG at drivers/misc/lkdtm/bugs.c:78, task)",
	  "kernel BUG at drivers/misc/lkdtm/bugs.c:78! (in lkdtm_BUG+0x5/0x10, task)" },
	/* LKDTM WARNING: not fatal. */
	{ "warning.log", CON_WARNING, "warning",
	  "WARNING: CPU: 1 PID: 34 at drivers/misc/lkdtm/bugs.c:85 lkdtm_WARNING+0xf/0x20",
	  "WARNING at drivers/misc/lkdtm/bugs.c:85", 231, 1.394283, 0,
	  { "lkdtm_WARNING", 0xf, 0x20, "" }, "rip",
	  1, 34, "sh", CRASH_CTX_TASK, 6,
	  "direct_entry.cold+0x18/0x24 TASK; "
	  "full_proxy_write+0x4d/0x70 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "", 0,
	  "WARNING in lkdtm_WARNING+0xf (at drivers/misc/lkdtm/bugs.c:85, task)",
	  "WARNING: CPU: 1 PID: 34 at drivers/misc/lkdtm/bugs.c:85 lkdtm_WARNING+0xf/0x20 (task)" },
	/* Debug kernel, LKDTM SLAB_LINEAR_OVERFLOW. */
	{ "kasan.log", CON_KASAN, "kasan",
	  "BUG: KASAN: slab-out-of-bounds in lkdtm_SLAB_LINEAR_OVERFLOW.cold+0x50/0x52",
	  "KASAN: slab-out-of-bounds", 251, 21.384943, 0,
	  { "lkdtm_SLAB_LINEAR_OVERFLOW.cold", 0x50, 0x52, "" }, "header",
	  0, 36, "sh", CRASH_CTX_TASK, 7,
	  "lkdtm_SLAB_LINEAR_OVERFLOW.cold+0x50/0x52 TASK; "
	  "direct_entry.cold+0x2e/0x62 TASK; "
	  "full_proxy_write+0xed/0x170 TASK; "
	  "vfs_write+0x20e/0xbd0 TASK; "
	  "ksys_write+0xf0/0x1b0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "", 0,
	  "KASAN in lkdtm_SLAB_LINEAR_OVERFLOW.cold+0x50 (slab-out-of-bounds, task)",
	  "BUG: KASAN: slab-out-of-bounds in lkdtm_SLAB_LINEAR_OVERFLOW.cold+0x50/0x52 (task)" },
	/* sysrq c: the panic is the first splat; panic() is the reporter. */
	{ "panic.log", CON_PANIC, "panic",
	  "Kernel panic - not syncing: sysrq triggered crash",
	  "panic: sysrq triggered crash", 232, 1.553702, 1,
	  { "sysrq_handle_crash", 0x11, 0x20, "" }, "trace",
	  1, 33, "sh", CRASH_CTX_TASK, 8,
	  "sysrq_handle_crash+0x11/0x20 TASK; "
	  "__handle_sysrq.cold+0x3f/0x10b TASK; "
	  "write_sysrq_trigger+0x24/0x40 TASK; "
	  "proc_reg_write+0x4f/0x90 TASK; "
	  "vfs_write+0xa5/0x330 TASK; "
	  "ksys_write+0x5b/0xd0 TASK; "
	  "do_syscall_64+0x3c/0x90 TASK; "
	  "entry_SYSCALL_64_after_hwframe+0x4b/0xb5 TASK",
	  "Kernel panic - not syncing: sysrq triggered crash", 232,
	  "CRASH in sysrq_handle_crash+0x11 (panic: sysrq triggered crash, task)",
	  "Kernel panic - not syncing: sysrq triggered crash (in sysrq_handle_crash+0x11/0x20, task)" },
};

/* The frames as one string: "f+0x1/0x2 [mod] IRQ; g+0x3/0x4 TASK". */
static void frames_text(const struct crash_report *c, char *buf, size_t len)
{
	char loc[256];
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < c->nframes && o < len; i++) {
		crash_loc_format(&c->frames[i].loc, 1, loc, sizeof(loc));
		o += (size_t)snprintf(buf + o, len - o, "%s%s %s", i ? "; " : "",
				      loc, c->frames[i].stack);
	}
}

START_TEST(recorded_console)
{
	const struct recorded *w = &recorded[_i];
	struct crash_report c;
	char buf[2048];

	parse_fixture(w->fixture, &c);
	ck_assert_int_eq(c.kind, w->kind);
	ck_assert_str_eq(crash_kind_name(c.kind), w->kind_name);
	ck_assert_str_eq(c.header, w->header);
	ck_assert_str_eq(c.summary, w->summary);
	ck_assert_uint_eq(c.line, w->line);
	ck_assert_double_eq_tol(c.ktime, w->ktime, 1e-9);
	ck_assert_int_eq(c.fatal, w->fatal);
	assert_loc(&c.where, w->where.function, w->where.offset,
		   w->where.size, w->where.module);
	ck_assert_str_eq(c.where_from, w->where_from);
	ck_assert_int_eq(c.cpu, w->cpu);
	ck_assert_int_eq(c.pid, w->pid);
	ck_assert_str_eq(c.comm, w->comm);
	ck_assert_int_eq(c.context, w->context);
	ck_assert_str_eq(c.context_from, "stack");
	ck_assert_uint_eq(c.nframes, w->nframes);
	frames_text(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, w->frames);
	ck_assert_str_eq(c.panic, w->panic);
	ck_assert_uint_eq(c.panic_line, w->panic_line);
	if (w->panic_line)
		ck_assert(c.panic_ktime >= c.ktime);
	else
		ck_assert_double_eq(c.panic_ktime, -1);
	crash_headline(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, w->headline);
	crash_evidence(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, w->evidence);
}
END_TEST

START_TEST(clean_has_none)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *path = xasprintf("%s/tests/fixtures/console/clean.log",
			       top ? top : ".");
	struct crash_report c;

	ck_assert_int_eq(crash_parse_file(path, &c), 0);
	free(path);
	ck_assert_int_lt(crash_parse_file("/nonexistent/console.log", &c), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The context rule on small logs                                      */

START_TEST(softirq_on_irq_stack)
{
	struct crash_report c;

	/* x86-64 runs softirqs on the IRQ stack: the marker says IRQ */
	parse_text("general protection fault, probably for non-canonical address 0xdead000000000108: 0000 [#1] SMP\n"
		   "CPU: 0 PID: 0 Comm: swapper/0 Tainted: G O 6.1.192 #1\n"
		   "RIP: 0010:drv_poll+0x10/0x80 [drv]\n"
		   "Call Trace:\n"
		   " <IRQ>\n"
		   " __napi_poll+0x28/0x160\n"
		   " net_rx_action+0x29e/0x350\n"
		   " __do_softirq+0xc1/0x2a8\n"
		   " __irq_exit_rcu+0x9c/0xc0\n"
		   " sysvec_apic_timer_interrupt+0x61/0x80\n"
		   " </IRQ>\n"
		   "Kernel panic - not syncing: Fatal exception in interrupt\n",
		   &c);
	ck_assert_str_eq(c.summary, "general protection fault");
	ck_assert_int_eq(c.context, CRASH_CTX_SOFTIRQ);
	ck_assert_str_eq(c.context_from, "stack");
	assert_headline(&c, "CRASH in drv_poll+0x10 [drv] (general protection fault, softirq)");
}
END_TEST

START_TEST(ksoftirqd_is_softirq)
{
	struct crash_report c;

	parse_text("Oops: 0002 [#1] SMP\n"
		   "CPU: 1 PID: 20 Comm: ksoftirqd/1\n"
		   "RIP: 0010:drv_tasklet+0x3/0x40 [drv]\n"
		   "Call Trace:\n"
		   " <TASK>\n"
		   " tasklet_action_common.constprop.0+0xb6/0xd0\n"
		   " __do_softirq+0xc1/0x2a8\n"
		   " run_ksoftirqd+0x26/0x40\n"
		   " </TASK>\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_SOFTIRQ);
	ck_assert_str_eq(c.comm, "ksoftirqd/1");
}
END_TEST

START_TEST(nmi_marker)
{
	struct crash_report c;

	parse_text("BUG: unable to handle page fault for address: ffffc90000000000\n"
		   "Oops: 0000 [#1] SMP\n"
		   "CPU: 0 PID: 1 Comm: init\n"
		   "RIP: 0010:perf_cb+0x1/0x9\n"
		   "Call Trace:\n"
		   " <NMI>\n"
		   " ? perf_cb+0x1/0x9\n"
		   " perf_event_nmi_handler+0x2a/0x50\n"
		   " </NMI>\n", &c);
	ck_assert_str_eq(c.summary, "page fault");
	ck_assert_int_eq(c.kind, CON_OOPS);
	ck_assert_int_eq(c.context, CRASH_CTX_NMI);
	ck_assert_str_eq(c.context_from, "stack");
	/* unreliable frames are not frames */
	ck_assert_uint_eq(c.nframes, 1);
}
END_TEST

START_TEST(preempt_count_hints)
{
	struct crash_report c;

	parse_text("BUG: scheduling while atomic: swapper/0/0/0x00010002\n", &c);
	ck_assert_str_eq(c.summary, "scheduling while atomic");
	ck_assert_int_eq(c.context, CRASH_CTX_HARDIRQ);
	ck_assert_str_eq(c.context_from, "preempt-count");
	ck_assert_int_eq(c.fatal, 0);
	parse_text("BUG: sleeping function called from invalid context at mm/slab.h:723\n"
		   "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 9, name: kworker/0:1\n"
		   "preempt_count: 101, expected: 0\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_SOFTIRQ);
	parse_text("BUG: sleeping function called from invalid context at a.c:1\n"
		   "preempt_count: 1, expected: 0\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_TASK);
	parse_text("BUG: scheduling while atomic: x/1/0x00100000\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_NMI);
}
END_TEST

START_TEST(panic_wording)
{
	struct crash_report c;

	/* no trace: only the panic's wording tells */
	parse_text("Oops: 0002 [#1] SMP\n"
		   "RIP: 0010:f+0x1/0x2\n"
		   "Kernel panic - not syncing: Fatal exception in interrupt\n",
		   &c);
	ck_assert_int_eq(c.context, CRASH_CTX_INTERRUPT);
	ck_assert_str_eq(c.context_from, "panic");
	assert_headline(&c, "CRASH in f+0x1 (Oops, interrupt)");
	parse_text("invalid opcode: 0000 [#1] SMP\n"
		   "Kernel panic - not syncing: Fatal exception\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_TASK);
	ck_assert_str_eq(c.summary, "invalid opcode");
	parse_text("WARNING: CPU: 3 PID: 7 at a.c:1 f+0x1/0x2\n", &c);
	ck_assert_int_eq(c.context, CRASH_CTX_UNKNOWN);
	ck_assert_ptr_null(c.context_from);
	ck_assert_int_eq(c.cpu, 3);
	ck_assert_int_eq(c.pid, 7);
	assert_headline(&c, "WARNING in f+0x1 (at a.c:1)");
}
END_TEST

/*
 * CONFIG_PRINTK_CALLER: two CPUs' reports interleaved line by line; the
 * report is read from its caller's lines only.
 */
START_TEST(caller_ids)
{
	struct crash_report c;

	parse_text("[    4.1][    C0] swapper/0: page allocation failure: order:0, mode:0xa20(GFP_ATOMIC)\n"
		   "[    4.2][    C1] BUG: kernel NULL pointer dereference, address: 0000000000000028\n"
		   "[    4.2][    C0] CPU: 0 PID: 0 Comm: swapper/0 Tainted: G O 6.1.192 #1\n"
		   "[    4.2][    C1] Oops: 0002 [#1] SMP\n"
		   "[    4.2][    C0] Call Trace:\n"
		   "[    4.2][    C1] CPU: 1 PID: 0 Comm: swapper/1 Tainted: G O 6.1.192 #1\n"
		   "[    4.2][    C0]  <IRQ>\n"
		   "[    4.2][    C1] RIP: 0010:lab_refill_ring+0x34/0x150 [lab_refill]\n"
		   "[    4.2][    C0]  dump_stack_lvl+0x33/0x42\n"
		   "[    4.2][    C1] Call Trace:\n"
		   "[    4.2][    C0]  warn_alloc+0x113/0x130\n"
		   "[    4.2][    C1]  <IRQ>\n"
		   "[    4.2][    C0]  lab_alloc+0xad/0x190 [labyrinth]\n"
		   "[    4.2][    C1]  lab_refill_tick+0xcd/0xf7 [lab_refill]\n"
		   "[    4.2][    C0]  lab_tick+0x217/0x650 [labyrinth]\n"
		   "[    4.2][    C1]  hrtimer_interrupt+0xf4/0x210\n"
		   "[    4.2][    C1]  </IRQ>\n"
		   "[    4.3][    C1] Kernel panic - not syncing: Fatal exception in interrupt\n",
		   &c);
	ck_assert_uint_eq(c.line, 2);
	ck_assert_int_eq(c.cpu, 1);
	ck_assert_str_eq(c.comm, "swapper/1");
	assert_loc(&c.where, "lab_refill_ring", 0x34, 0x150, "lab_refill");
	ck_assert_uint_eq(c.nframes, 2);
	assert_frame(&c, 0, "lab_refill_tick", "lab_refill", "IRQ");
	assert_frame(&c, 1, "hrtimer_interrupt", "", "IRQ");
	ck_assert_int_eq(c.context, CRASH_CTX_HARDIRQ);
	ck_assert_uint_eq(c.panic_line, 18);
}
END_TEST

/* Reports of hangs: lockup and hung task headers name CPU and task. */
START_TEST(hang_headers)
{
	struct crash_report c;

	parse_text("watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:40]\n"
		   "Modules linked in:\n"
		   "CPU: 0 PID: 12 Comm: other Not tainted 6.1.192 #1\n"
		   "CPU: 1 PID: 40 Comm: sh Not tainted 6.1.192 #1\n"
		   "RIP: 0010:lkdtm_SOFTLOCKUP+0x10/0x20\n"
		   "Call Trace:\n"
		   " <TASK>\n"
		   " lkdtm_do_action+0x1a/0x30\n"
		   " </TASK>\n", &c);
	ck_assert_int_eq(c.kind, CON_SOFT_LOCKUP);
	ck_assert_str_eq(crash_kind_name(c.kind), "soft-lockup");
	ck_assert_str_eq(c.summary, "soft lockup, stuck for 22s");
	ck_assert_int_eq(c.cpu, 1);
	ck_assert_int_eq(c.pid, 40);
	ck_assert_str_eq(c.comm, "sh");
	assert_headline(&c, "SOFT LOCKUP in lkdtm_SOFTLOCKUP+0x10 (stuck for 22s, task)");

	parse_text("INFO: task kworker/1:2:99 blocked for more than 120 seconds.\n"
		   "task:kworker/1:2     state:D stack:0     pid:99    ppid:2      flags:0x00004000\n"
		   "Call Trace:\n"
		   " <TASK>\n"
		   " __schedule+0x2f4/0x950\n"
		   " schedule+0x5d/0xe0\n"
		   " drv_wait_reset+0x42/0x90 [drv]\n"
		   " </TASK>\n", &c);
	ck_assert_int_eq(c.kind, CON_HUNG_TASK);
	ck_assert_str_eq(c.comm, "kworker/1:2");
	ck_assert_int_eq(c.pid, 99);
	assert_loc(&c.where, "drv_wait_reset", 0x42, 0x90, "drv");
	ck_assert_str_eq(c.where_from, "trace");
	assert_headline(&c, "HUNG TASK in drv_wait_reset+0x42 [drv] (blocked for more than 120 seconds, task)");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Odd input                                                           */

START_TEST(odd_input)
{
	struct crash_report c;
	const char nul_log[] = "boot\0noise\n[ 1.0] Oops: 0000 [#1] SMP\r\n"
			       "RIP: 0010:0x0\r\nCall Trace:\r\n"
			       " caller_fn+0x12/0x40 [mod 0123abcd]";

	ck_assert_int_eq(crash_parse("", 0, &c), 0);
	ck_assert_int_eq(crash_parse("\n\n", 2, &c), 0);
	/* NUL bytes, CRLF, no final newline, a call through NULL */
	ck_assert_int_eq(crash_parse(nul_log, sizeof(nul_log) - 1, &c), 1);
	ck_assert_uint_eq(c.line, 2);
	ck_assert_str_eq(c.header, "Oops: 0000 [#1] SMP");
	assert_loc(&c.where, "0x0", 0, 0, "");
	/* a build id after the module name is not part of it */
	assert_frame(&c, 0, "caller_fn", "mod", "");
	assert_headline(&c, "CRASH in 0x0 (Oops)");
	/* a user-mode RIP is not where the kernel crashed */
	parse_text("kernel BUG at a.c:1!\nRIP: 0033:0x7f00\n", &c);
	ck_assert_str_eq(c.where.function, "");
	ck_assert_ptr_null(c.where_from);
	assert_headline(&c, "CRASH (kernel BUG at a.c:1)");
	/* a header longer than the field is cut, not overrun */
	{
		char big[1024];

		memset(big, 'x', sizeof(big));
		memcpy(big, "BUG: ", 5);
		big[sizeof(big) - 1] = '\n';
		ck_assert_int_eq(crash_parse(big, sizeof(big), &c), 1);
		ck_assert_uint_eq(strlen(c.header), sizeof(c.header) - 1);
	}
}
END_TEST

/* crash.kind: report.json's kernel message kinds, vm_console.h's elsewhere. */
START_TEST(kind_names)
{
	ck_assert_str_eq(crash_kind_name(CON_OOPS), "oops");
	ck_assert_str_eq(crash_kind_name(CON_HUNG_TASK), "hung-task");
	ck_assert_str_eq(crash_kind_name(CON_UBSAN), "ubsan");
	ck_assert_str_eq(crash_kind_name(CON_RCU_STALL), "rcu-stall");
	ck_assert_str_eq(crash_kind_name(CON_HARD_LOCKUP), "hard-lockup");
	ck_assert_str_eq(crash_kind_name(CON_KMEMLEAK), "kmemleak");
	ck_assert_str_eq(crash_kind_name(CON_ALLOC_FAILURE), "other");
	ck_assert_str_eq(crash_context_name(CRASH_CTX_HARDIRQ), "hard-irq");
	ck_assert_str_eq(crash_context_label(CRASH_CTX_HARDIRQ), "hard IRQ");
	ck_assert_str_eq(crash_context_name(CRASH_CTX_INTERRUPT), "interrupt");
	ck_assert_str_eq(crash_context_name((enum crash_context)99), "unknown");
}
END_TEST

START_TEST(json_shape)
{
	static const char *const keys[] = {
		"kind", "summary", "header", "line", "kernel_time_s", "t_s",
		"fatal", "function", "offset", "size", "module", "location",
		"location_from", "frames", "cpu", "pid", "comm", "context",
		"context_from", "panic", "panic_line", "headline",
	};
	struct crash_report c;
	json_t *o = json_object(), *f;
	size_t i;

	parse_fixture("lab-refill-null-irq.log", &c);
	crash_json_fill(o, &c, 4.0);
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		ck_assert_msg(json_object_get(o, keys[i]), "no %s", keys[i]);
	ck_assert_uint_eq(json_object_size(o), ARRAY_SIZE(keys));
	ck_assert_str_eq(json_string_value(json_object_get(o, "kind")), "oops");
	ck_assert_str_eq(json_string_value(json_object_get(o, "context")),
			 "hard-irq");
	ck_assert_str_eq(json_string_value(json_object_get(o, "location")),
			 "lab_refill_ring+0x34/0x150 [lab_refill]");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "offset")), 0x34);
	ck_assert_double_eq_tol(json_real_value(json_object_get(o, "t_s")),
				0.661573, 1e-9);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "cpu")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "panic_line")),
			 303);
	f = json_array_get(json_object_get(o, "frames"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(f, "function")),
			 "lab_refill_tick");
	ck_assert_str_eq(json_string_value(json_object_get(f, "stack")), "IRQ");
	json_decref(o);

	/* what is not known is null, not 0 or "" */
	o = json_object();
	parse_text("BUG: KASAN: use-after-free in f+0x1/0x2\n", &c);
	crash_json_fill(o, &c, 0);
	ck_assert(json_is_null(json_object_get(o, "cpu")));
	ck_assert(json_is_null(json_object_get(o, "module")));
	ck_assert(json_is_null(json_object_get(o, "panic")));
	ck_assert(json_is_null(json_object_get(o, "t_s")));
	ck_assert(json_is_null(json_object_get(o, "context_from")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "context")),
			 "unknown");
	json_decref(o);
}
END_TEST

static Suite *crash_suite(void)
{
	Suite *s = suite_create("crash");
	TCase *real = tcase_create("recorded");
	TCase *ctx = tcase_create("context");
	TCase *odd = tcase_create("odd");

	tcase_add_loop_test(real, recorded_console, 0, ARRAY_SIZE(recorded));
	tcase_add_test(real, clean_has_none);
	tcase_add_test(ctx, softirq_on_irq_stack);
	tcase_add_test(ctx, ksoftirqd_is_softirq);
	tcase_add_test(ctx, nmi_marker);
	tcase_add_test(ctx, preempt_count_hints);
	tcase_add_test(ctx, panic_wording);
	tcase_add_test(ctx, caller_ids);
	tcase_add_test(ctx, hang_headers);
	tcase_add_test(odd, odd_input);
	tcase_add_test(odd, kind_names);
	tcase_add_test(odd, json_shape);
	suite_add_tcase(s, real);
	suite_add_tcase(s, ctx);
	suite_add_tcase(s, odd);
	return s;
}

LAB_CHECK_MAIN(crash_suite)
