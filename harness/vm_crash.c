// SPDX-License-Identifier: GPL-2.0
/*
 * Crash attribution (see vm_crash.h for the context rule). The report
 * formats are the kernel's: arch/x86/kernel/dumpstack.c (die header,
 * show_regs, the call trace and its stack markers), lib/dump_stack.c (the
 * "CPU: N PID: N Comm:" line), kernel/panic.c (__warn, panic),
 * mm/kasan/report.c, kernel/sched/core.c (__might_resched,
 * __schedule_bug, sched_show_task), kernel/watchdog.c, kernel/hung_task.c.
 */
#include "vm_crash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* A report never runs longer than this (a KASAN report is ~100 lines). */
#define CRASH_SCAN_LINES 600

/* ------------------------------------------------------------------ */
/* The log as lines                                                    */

/* The caller id in the prefix (raw up to text): "[    C1]" gives "C1". */
static void line_caller(const char *raw, const char *text, char out[12])
{
	const char *p;
	size_t n;

	out[0] = '\0';
	for (p = raw; p < text && (p = memchr(p, '[', (size_t)(text - p)));
	     p++) {
		p += 1 + strspn(p + 1, " ");
		if (*p != 'C' && *p != 'T')
			continue;
		n = 1 + strspn(p + 1, "0123456789");
		if (n > 1 && n < 12 && p[n] == ']') {
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
}

void crash_log_init(struct crash_log *l, const char *log, size_t len)
{
	size_t i, n = 0, start = 0;

	memset(l, 0, sizeof(*l));
	l->buf = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		/* A serial log can hold NUL bytes (a reset, line noise). */
		l->buf[i] = log[i] ? log[i] : '?';
		if (log[i] == '\n')
			n++;
	}
	l->buf[len] = '\0';
	if (len && log[len - 1] != '\n')
		n++;		/* a last line without its newline */
	l->text = xcalloc(n ? n : 1, sizeof(*l->text));
	l->ktime = xcalloc(n ? n : 1, sizeof(*l->ktime));
	l->caller = xcalloc(n ? n : 1, sizeof(*l->caller));
	for (i = 0; i <= len && l->n < n; i++) {
		if (i < len && l->buf[i] != '\n')
			continue;
		l->buf[i] = '\0';
		if (i > start && l->buf[i - 1] == '\r')
			l->buf[i - 1] = '\0';
		l->text[l->n] = console_strip_prefix(l->buf + start,
						   &l->ktime[l->n]);
		line_caller(l->buf + start, l->text[l->n], l->caller[l->n]);
		l->n++;
		start = i + 1;
	}
}

void crash_log_free(struct crash_log *l)
{
	free(l->buf);
	free(l->text);
	free(l->ktime);
	free(l->caller);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *crash_kind_name(enum console_kind k)
{
	const char *r = console_report_kind(k);

	/*
	 * report.json's kernel message kinds, and for the splats that list
	 * calls "other", vm_console.h's own names (soft-lockup, rcu-stall, ...).
	 */
	if (!console_kind_is_splat(k))
		return "other";
	if (r && strcmp(r, "other"))
		return r;
	return k == CON_UBSAN ? "ubsan" : console_kind_name(k);
}

static const struct {
	const char *name, *label;
} ctx_names[] = {
	[CRASH_CTX_UNKNOWN] = { "unknown", "unknown context" },
	[CRASH_CTX_TASK] = { "task", "task" },
	[CRASH_CTX_SOFTIRQ] = { "softirq", "softirq" },
	[CRASH_CTX_HARDIRQ] = { "hard-irq", "hard IRQ" },
	[CRASH_CTX_NMI] = { "nmi", "NMI" },
	[CRASH_CTX_INTERRUPT] = { "interrupt", "interrupt" },
};

const char *crash_context_name(enum crash_context ctx)
{
	return (unsigned int)ctx < ARRAY_SIZE(ctx_names) ?
	       ctx_names[ctx].name : "unknown";
}

const char *crash_context_label(enum crash_context ctx)
{
	return (unsigned int)ctx < ARRAY_SIZE(ctx_names) ?
	       ctx_names[ctx].label : "unknown context";
}

/* ------------------------------------------------------------------ */
/* Function sets                                                       */

/*
 * fn is name, or name plus a compiler suffix (".cold", ".isra.0");
 * a name ending in '*' is a prefix.
 */
static int fn_is(const char *fn, const char *name)
{
	size_t n = strlen(name);

	if (n && name[n - 1] == '*')
		return !strncmp(fn, name, n - 1);
	return !strncmp(fn, name, n) && (fn[n] == '\0' || fn[n] == '.');
}

static int fn_in(const char *fn, const char *const *set)
{
	for (; *set; set++)
		if (fn_is(fn, *set))
			return 1;
	return 0;
}

/*
 * The code that prints a report, or that a stuck or sleeping task sits
 * in, rather than the code the report is about: skipped at the top of a
 * trace to find the function to blame.
 */
static const char *const machinery[] = {
	"dump_stack", "dump_stack_lvl", "show_stack", "show_regs", "panic",
	"nmi_panic", "__warn", "warn_slowpath_fmt", "report_bug",
	"handle_bug", "exc_invalid_op", "asm_exc_invalid_op",
	"print_report", "kasan_report", "__kasan_report", "kasan_check_range",
	"__kasan_check_read", "__kasan_check_write", "__asan_*",
	"kasan_report_invalid_free", "kfence_report_error",
	"ubsan_epilogue", "__ubsan_handle_*",
	"__might_resched", "__might_sleep", "__might_fault", "__schedule_bug",
	"__schedule", "schedule", "schedule_timeout", "schedule_idle",
	"schedule_preempt_disabled", "io_schedule", "__mutex_lock",
	"__mutex_lock_slowpath", "mutex_lock", "__down", "__down_common",
	"down", "rwsem_down_read_slowpath", "rwsem_down_write_slowpath",
	"__wait_for_common", "wait_for_completion*", "msleep",
	"nmi_cpu_backtrace", "nmi_cpu_backtrace_handler",
	"nmi_trigger_cpumask_backtrace", "arch_trigger_cpumask_backtrace",
	"nmi_handle", "default_do_nmi", "exc_nmi", "asm_exc_nmi",
	"end_repeat_nmi", "unknown_nmi_error",
	NULL
};

/* Interrupt entry points, for rule 1 of the context (vm_crash.h). */
static const char *const softirq_entry[] = {
	"__do_softirq", "handle_softirqs", "do_softirq", "run_ksoftirqd",
	"hrtimer_run_softirq", "tasklet_action_common", "tasklet_action",
	"tasklet_hi_action", "net_rx_action", "net_tx_action",
	"run_timer_softirq", "call_timer_fn", "rcu_core", "rcu_core_si",
	"blk_done_softirq", "irq_poll_softirq",
	NULL
};

static const char *const hardirq_entry[] = {
	"hrtimer_interrupt", "__sysvec_*", "sysvec_*", "asm_sysvec_*",
	"common_interrupt", "__common_interrupt", "asm_common_interrupt",
	"handle_irq_event", "handle_irq_event_percpu",
	"__handle_irq_event_percpu", "handle_edge_irq", "handle_level_irq",
	"handle_fasteoi_irq", "irq_work_run", "irq_work_run_list",
	NULL
};

static const char *const nmi_entry[] = {
	"exc_nmi", "asm_exc_nmi", "default_do_nmi", "nmi_handle",
	"end_repeat_nmi",
	NULL
};

static enum crash_context entry_context(const char *fn)
{
	if (fn_in(fn, nmi_entry))
		return CRASH_CTX_NMI;
	if (fn_in(fn, softirq_entry))
		return CRASH_CTX_SOFTIRQ;
	if (fn_in(fn, hardirq_entry))
		return CRASH_CTX_HARDIRQ;
	return CRASH_CTX_UNKNOWN;
}

static enum crash_context marker_context(const char *stack)
{
	if (!strcmp(stack, "NMI"))
		return CRASH_CTX_NMI;
	if (!strcmp(stack, "IRQ"))
		return CRASH_CTX_HARDIRQ;
	if (!strcmp(stack, "SOFTIRQ"))
		return CRASH_CTX_SOFTIRQ;
	if (!strcmp(stack, "TASK"))
		return CRASH_CTX_TASK;
	return CRASH_CTX_UNKNOWN;
}

/* include/linux/preempt.h: NMI, HARDIRQ and SOFTIRQ_OFFSET bits. */
static enum crash_context preempt_context(unsigned long count)
{
	if (count & 0x00f00000)
		return CRASH_CTX_NMI;
	if (count & 0x000f0000)
		return CRASH_CTX_HARDIRQ;
	if (count & 0x00000100)
		return CRASH_CTX_SOFTIRQ;
	return CRASH_CTX_TASK;
}

/* ------------------------------------------------------------------ */
/* Pieces of lines                                                     */

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void copy_printable(char *dst, size_t cap, const char *src,
			   size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && src[i] && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	dst[o] = '\0';
}

/*
 * "f+0x4e/0x90 [mod]", "f+0x4e/0x90", or a bare "0xffffffffc0001234".
 * Returns 0, or -1 if s is not a location.
 */
static int parse_loc(const char *s, struct crash_loc *loc)
{
	const char *plus, *end;
	char *e;

	memset(loc, 0, sizeof(*loc));
	end = s + strcspn(s, " \t");
	if (end == s)
		return -1;
	plus = memchr(s, '+', (size_t)(end - s));
	if (!plus) {
		if (!starts(s, "0x"))
			return -1;
		copy_printable(loc->function, sizeof(loc->function), s,
			       (size_t)(end - s));
		return 0;
	}
	if (plus == s || !starts(plus, "+0x"))
		return -1;
	copy_printable(loc->function, sizeof(loc->function), s,
		       (size_t)(plus - s));
	loc->offset = strtoul(plus + 3, &e, 16);
	if (starts(e, "/0x"))
		loc->size = strtoul(e + 3, &e, 16);
	if (e != end)
		return -1;
	if (starts(end, " [")) {
		const char *m = end + 2;

		copy_printable(loc->module, sizeof(loc->module), m,
			       strcspn(m, " ]"));
	}
	return 0;
}

/* "RIP: 0010:f+0x4e/0x90 [mod]": 1 and *loc for kernel mode, else 0. */
static int parse_rip(const char *s, struct crash_loc *loc)
{
	unsigned int cs;
	int n = 0;

	if (sscanf(s, "RIP: %4x:%n", &cs, &n) != 1 || !n)
		return 0;
	/* The privilege level is CS's low two bits: 0 is the kernel. */
	if (cs & 3)
		return 0;
	return parse_loc(s + n, loc) == 0;
}

/* "CPU: 1 PID: 0 Comm: swapper/1 ..." (6.12: "CPU: 1 UID: 0 PID: 0"). */
static int parse_cpu_line(const char *s, struct crash_report *c)
{
	const char *p;
	int cpu, pid;

	if (sscanf(s, "CPU: %d ", &cpu) != 1)
		return 0;
	p = strstr(s, " PID: ");
	if (!p || sscanf(p, " PID: %d", &pid) != 1)
		return 0;
	c->cpu = cpu;
	c->pid = pid;
	p = strstr(p, " Comm: ");
	if (p)
		copy_printable(c->comm, sizeof(c->comm), p + 7,
			       strcspn(p + 7, " "));
	return 1;
}

/* "comm:pid" or "comm/pid" ending at *end (comm may hold ':' and '/'). */
static void parse_comm_pid(const char *s, size_t len, char sep,
			   struct crash_report *c)
{
	const char *p = s + len;

	while (p > s && p[-1] != sep)
		p--;
	if (p == s)
		return;
	c->pid = atoi(p);
	copy_printable(c->comm, sizeof(c->comm), s, (size_t)(p - 1 - s));
}

static int is_regs_line(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

	return starts(s, "Code: ") || (n >= 2 && n <= 8 && s[n] == ':');
}

/* ------------------------------------------------------------------ */
/* The header                                                          */

/* Text of s up to the first of the stop strings, into out. */
static void upto(char *out, size_t cap, const char *s,
		 const char *const *stops)
{
	size_t n = strlen(s);

	for (; *stops; stops++) {
		const char *p = strstr(s, *stops);

		if (p && (size_t)(p - s) < n)
			n = (size_t)(p - s);
	}
	copy_printable(out, cap, s, n);
}

static void header_summary(struct crash_report *c, const char *h)
{
	static const char *const bug_stops[] = { ":", ",", " at ",
						 " in process", NULL };
	static const char *const in_stops[] = { " in ", NULL };
	const char *p;
	char what[96];

	if (starts(h, "BUG: kernel NULL pointer dereference")) {
		snprintf(c->summary, sizeof(c->summary),
			 "NULL pointer dereference");
	} else if (starts(h, "BUG: unable to handle")) {
		snprintf(c->summary, sizeof(c->summary), "page fault");
	} else if (c->kind == CON_OOPS) {
		upto(what, sizeof(what), h, (const char *const[]){ ",", ":",
								   NULL });
		snprintf(c->summary, sizeof(c->summary), "%s", what);
	} else if (starts(h, "kernel BUG at ")) {
		upto(what, sizeof(what), h, (const char *const[]){ "!", NULL });
		snprintf(c->summary, sizeof(c->summary), "%s", what);
	} else if (c->kind == CON_KASAN || c->kind == CON_UBSAN) {
		upto(what, sizeof(what), starts(h, "BUG: ") ? h + 5 : h,
		     in_stops);
		snprintf(c->summary, sizeof(c->summary), "%s", what);
	} else if (c->kind == CON_WARNING && (p = strstr(h, " at "))) {
		upto(what, sizeof(what), p + 4, (const char *const[]){ " ",
								       NULL });
		snprintf(c->summary, sizeof(c->summary), "WARNING at %s", what);
	} else if (c->kind == CON_SOFT_LOCKUP && (p = strstr(h, "stuck for "))) {
		upto(what, sizeof(what), p, (const char *const[]){ "!", NULL });
		snprintf(c->summary, sizeof(c->summary), "soft lockup, %s",
			 what);
	} else if (c->kind == CON_HARD_LOCKUP) {
		snprintf(c->summary, sizeof(c->summary), "hard lockup");
	} else if (c->kind == CON_HUNG_TASK && (p = strstr(h, "blocked for"))) {
		upto(what, sizeof(what), p, (const char *const[]){ ".", NULL });
		snprintf(c->summary, sizeof(c->summary), "hung task, %s", what);
	} else if (c->kind == CON_RCU_STALL) {
		snprintf(c->summary, sizeof(c->summary), "RCU stall");
	} else if (c->kind == CON_KMEMLEAK) {
		snprintf(c->summary, sizeof(c->summary), "memory leak");
	} else if (c->kind == CON_PANIC) {
		snprintf(c->summary, sizeof(c->summary), "panic: %s",
			 h + strlen("Kernel panic - not syncing: "));
	} else if (starts(h, "BUG: ") || starts(h, "WARNING: ")) {
		upto(what, sizeof(what), strchr(h, ' ') + 1, bug_stops);
		snprintf(c->summary, sizeof(c->summary), "%s", what);
	} else {
		copy_printable(c->summary, sizeof(c->summary), h, strlen(h));
	}
}

/*
 * What a report's printing order lets the parser rely on when lines of
 * several CPUs interleave (no caller ids).
 */
struct walk {
	int cpu_known;		/* the header named the CPU: take only its
				 * "CPU:" line */
	int need_rip;		/* registers come before the trace: a "Call
				 * Trace:" before the kernel RIP line is
				 * another CPU's */
	int in_trace;
	char stack[24];		/* marker we are under */
	char innermost[24];	/* first marker of the trace */
	int past_machinery;
	int have_rip, have_trace_loc;
	struct crash_loc rip, trace_loc;
	enum crash_context entry_ctx;
	long preempt;		/* -1 if not printed */
};

/*
 * What the first line says: kind, summary, CPU, task and, for WARNING and
 * KASAN, the location. Returns 1 if it named the location.
 */
static int parse_header(struct crash_report *c, struct walk *w,
			const char *h, struct crash_loc *hloc)
{
	const char *p;
	int cpu, pid;

	c->kind = console_classify(h, NULL);
	if (c->kind == CON_BUG && (starts(h, "BUG: kernel NULL pointer") ||
				   starts(h, "BUG: unable to handle")))
		c->kind = CON_OOPS;	/* its die line ("Oops:") follows */
	/* die(), __warn() and the soft lockup print registers, then a trace */
	w->need_rip = c->kind == CON_OOPS || c->kind == CON_WARNING ||
		      c->kind == CON_SOFT_LOCKUP;
	if (console_kind_is_splat(c->kind))
		header_summary(c, h);
	if (c->kind == CON_OOPS || c->kind == CON_PANIC ||
	    starts(h, "kernel BUG at "))
		c->fatal = 1;

	if (sscanf(h, "WARNING: CPU: %d PID: %d", &cpu, &pid) == 2) {
		c->cpu = cpu;
		c->pid = pid;
	}
	if (((p = strstr(h, "CPU#")) && sscanf(p, "CPU#%d", &cpu) == 1) ||
	    sscanf(h, "NMI backtrace for cpu %d", &cpu) == 1 ||
	    sscanf(h, "Watchdog detected hard LOCKUP on cpu %d", &cpu) == 1)
		c->cpu = cpu;
	w->cpu_known = c->cpu >= 0;
	if (c->kind == CON_SOFT_LOCKUP && (p = strrchr(h, '[')))
		parse_comm_pid(p + 1, strcspn(p + 1, "]"), ':', c);
	if (starts(h, "INFO: task ") && (p = strstr(h, " blocked for")))
		parse_comm_pid(h + 11, (size_t)(p - h - 11), ':', c);
	if (starts(h, "task:") && (p = strstr(h, " pid:"))) {
		/* sched_show_task(): "task:sh  state:D stack:0 pid:40 ..." */
		copy_printable(c->comm, sizeof(c->comm), h + 5,
			       strcspn(h + 5, " "));
		c->pid = atoi(p + 5);
	}

	/* KASAN/KFENCE: "... in f+0x50/0x52"; WARN: "... at a.c:85 f+0xf/0x20" */
	if ((c->kind == CON_KASAN && (p = strstr(h, " in "))) &&
	    parse_loc(p + 4, hloc) == 0)
		return 1;
	if (c->kind == CON_WARNING && (p = strstr(h, " at ")) &&
	    (p = strchr(p + 4, ' ')) && parse_loc(p + 1, hloc) == 0)
		return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The report body                                                     */

static void on_location(struct crash_report *c, struct walk *w,
			const struct crash_loc *loc)
{
	struct crash_frame *f;

	if (w->entry_ctx == CRASH_CTX_UNKNOWN)
		w->entry_ctx = entry_context(loc->function);
	if (!w->past_machinery) {
		if (fn_in(loc->function, machinery))
			return;
		w->past_machinery = 1;
	}
	if (!w->have_trace_loc) {
		w->trace_loc = *loc;
		w->have_trace_loc = 1;
	}
	if (c->nframes < CRASH_FRAMES_MAX) {
		f = &c->frames[c->nframes++];
		f->loc = *loc;
		snprintf(f->stack, sizeof(f->stack), "%s", w->stack);
	}
}

/* One line inside the call trace. Returns 0 when the trace has ended. */
static int trace_line(struct crash_report *c, struct walk *w, const char *s)
{
	struct crash_loc loc;
	size_t n;

	if (*s != ' ') {
		if (parse_rip(s, &loc)) {
			/* entry registers: where an interrupt came in */
			on_location(c, w, &loc);
			return 1;
		}
		return is_regs_line(s);
	}
	s += strspn(s, " ");
	n = strlen(s);
	if (*s == '<' && n > 2 && s[n - 1] == '>') {
		if (s[1] == '/') {
			w->stack[0] = '\0';
		} else {
			copy_printable(w->stack, sizeof(w->stack), s + 1, n - 2);
			if (!w->innermost[0])
				snprintf(w->innermost, sizeof(w->innermost),
					 "%s", w->stack);
		}
		return 1;
	}
	if (starts(s, "? "))
		return 1;	/* stack garbage the unwinder did not vouch for */
	if (parse_loc(s, &loc))
		return 0;
	on_location(c, w, &loc);
	return 1;
}

/* "CPU: N PID: N Comm: X", if it is this report's. */
static void cpu_line(struct crash_report *c, const struct walk *w,
		     const char *s)
{
	struct crash_report t;

	t.cpu = t.pid = -1;
	t.comm[0] = '\0';
	if (c->comm[0] || !parse_cpu_line(s, &t))
		return;
	if (w->cpu_known && t.cpu != c->cpu)
		return;		/* another CPU's report, interleaved */
	c->cpu = t.cpu;
	c->pid = t.pid;
	memcpy(c->comm, t.comm, sizeof(c->comm));
}

/* "preempt_count: 101, expected: 0", "scheduling while atomic: x/9/0x..." */
static void preempt_hint(struct walk *w, const char *s)
{
	const char *p;
	unsigned long pc;

	if (sscanf(s, "preempt_count: %lx,", &pc) == 1)
		w->preempt = (long)pc;
	if ((p = strstr(s, "scheduling while atomic: ")) &&
	    (p = strrchr(p, '/')) && sscanf(p, "/0x%lx", &pc) == 1)
		w->preempt = (long)pc;
}

/* One line of the report before its trace. Returns 0 at its end. */
static int body_line(struct crash_report *c, struct walk *w, const char *s)
{
	enum console_kind k = console_classify(s, NULL);
	struct crash_loc loc;

	if (k == CON_OOPS) {
		/*
		 * The die line under "BUG: kernel NULL pointer ...": what
		 * follows is show_regs(), so the CPU line to trust is the
		 * next one and the registers precede the trace.
		 */
		c->fatal = 1;
		w->need_rip = 1;
		if (!w->cpu_known) {
			c->cpu = c->pid = -1;
			c->comm[0] = '\0';
		}
		return 1;
	}
	/* The next report, a panic, our markers (not an OOM or alloc line). */
	if (console_kind_is_splat(k) || k == CON_CMD_START || k == CON_CMD_EXIT)
		return 0;
	if (starts(s, "---[ end "))
		return 0;
	if (!strcmp(s, "Call Trace:")) {
		w->in_trace = !w->need_rip || w->have_rip;
		return 1;
	}
	cpu_line(c, w, s);
	if (!w->have_rip && parse_rip(s, &loc)) {
		w->rip = loc;
		w->have_rip = 1;
	}
	preempt_hint(w, s);
	return 1;
}

static void decide_context(struct crash_report *c, const struct walk *w)
{
	if (w->entry_ctx != CRASH_CTX_UNKNOWN) {
		c->context = w->entry_ctx;
		c->context_from = "stack";
	} else if (marker_context(w->innermost) != CRASH_CTX_UNKNOWN) {
		c->context = marker_context(w->innermost);
		c->context_from = "stack";
	} else if (w->preempt >= 0) {
		c->context = preempt_context((unsigned long)w->preempt);
		c->context_from = "preempt-count";
	} else if (c->panic[0] && strstr(c->panic, "Fatal exception")) {
		c->context = strstr(c->panic, "Fatal exception in interrupt") ?
			     CRASH_CTX_INTERRUPT : CRASH_CTX_TASK;
		c->context_from = "panic";
	}
}

static void find_panic(const struct crash_log *l, size_t i,
		       struct crash_report *c)
{
	for (; i < l->n; i++) {
		if (console_classify(l->text[i], NULL) != CON_PANIC)
			continue;
		copy_printable(c->panic, sizeof(c->panic), l->text[i],
			       strlen(l->text[i]));
		c->panic_line = (unsigned int)i + 1;
		c->panic_ktime = l->ktime[i];
		c->fatal = 1;
		return;
	}
}

void crash_parse_at(const struct crash_log *l, size_t i,
		    struct crash_report *c)
{
	struct walk w = { .preempt = -1 };
	struct crash_loc hloc;
	int have_hloc;
	size_t j, end = i + CRASH_SCAN_LINES < l->n ? i + CRASH_SCAN_LINES : l->n;
	const char *who;

	memset(c, 0, sizeof(*c));
	c->cpu = c->pid = -1;
	c->ktime = c->panic_ktime = -1;
	if (i >= l->n)
		return;
	who = l->caller[i];
	c->line = (unsigned int)i + 1;
	c->ktime = l->ktime[i];
	copy_printable(c->header, sizeof(c->header), l->text[i],
		       strlen(l->text[i]));
	have_hloc = parse_header(c, &w, l->text[i], &hloc);
	preempt_hint(&w, l->text[i]);

	for (j = i + 1; j < end; j++) {
		const char *s = l->text[j];

		if (who[0] && strcmp(l->caller[j], who))
			continue;	/* another CPU's or task's line */
		if (w.in_trace) {
			if (!strcmp(s, "Call Trace:") || !trace_line(c, &w, s))
				break;
		} else if (!body_line(c, &w, s)) {
			break;
		}
	}
	find_panic(l, i, c);

	if (w.have_rip) {
		c->where = w.rip;
		c->where_from = "rip";
	} else if (have_hloc) {
		c->where = hloc;
		c->where_from = "header";
	} else if (w.have_trace_loc) {
		c->where = w.trace_loc;
		c->where_from = "trace";
	}
	decide_context(c, &w);
}

int crash_find(const struct crash_log *l, size_t from, struct crash_report *c)
{
	size_t i;

	for (i = from; i < l->n; i++) {
		if (console_kind_is_splat(console_classify(l->text[i], NULL))) {
			crash_parse_at(l, i, c);
			return 1;
		}
	}
	return 0;
}

int crash_parse(const char *log, size_t len, struct crash_report *c)
{
	struct crash_log l;
	int found;

	crash_log_init(&l, log, len);
	found = crash_find(&l, 0, c);
	crash_log_free(&l);
	return found;
}

int crash_parse_file(const char *path, struct crash_report *c)
{
	char *buf;
	size_t len;
	int err = read_file(path, &buf, &len), found;

	if (err)
		return err;
	found = crash_parse(buf, len, c);
	free(buf);
	return found;
}

/* ------------------------------------------------------------------ */
/* Saying it                                                           */

void crash_loc_format(const struct crash_loc *loc, int with_size, char *buf,
		      size_t len)
{
	char off[48] = "";

	if (!loc->function[0]) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (with_size && loc->size)
		snprintf(off, sizeof(off), "+0x%lx/0x%lx", loc->offset,
			 loc->size);
	else if (loc->offset || loc->size)
		snprintf(off, sizeof(off), "+0x%lx", loc->offset);
	snprintf(buf, len, "%s%s%s%s%s", loc->function, off,
		 loc->module[0] ? " [" : "", loc->module,
		 loc->module[0] ? "]" : "");
}

static const char *headline_word(const struct crash_report *c)
{
	static const struct {
		enum console_kind kind;
		const char *word;
	} words[] = {
		{ CON_BUG, "BUG" }, { CON_WARNING, "WARNING" },
		{ CON_KASAN, "KASAN" }, { CON_UBSAN, "UBSAN" },
		{ CON_LOCKDEP, "LOCKDEP" }, { CON_KMEMLEAK, "MEMORY LEAK" },
		{ CON_SOFT_LOCKUP, "SOFT LOCKUP" },
		{ CON_HARD_LOCKUP, "HARD LOCKUP" },
		{ CON_HUNG_TASK, "HUNG TASK" }, { CON_RCU_STALL, "RCU STALL" },
	};
	size_t i;

	if (!c->fatal)
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (words[i].kind == c->kind)
				return words[i].word;
	return "CRASH";
}

/* The summary without the headline's own word: "KASAN: x" -> "x". */
static const char *summary_rest(const char *summary, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(summary, word, n))
		return summary;
	return summary + n + strspn(summary + n, ":, ");
}

void crash_headline(const struct crash_report *c, char *buf, size_t len)
{
	const char *word = headline_word(c);
	const char *what = summary_rest(c->summary, word);
	char where[256], paren[200];

	crash_loc_format(&c->where, 0, where, sizeof(where));
	if (c->context != CRASH_CTX_UNKNOWN)
		snprintf(paren, sizeof(paren), "%s%s%s", what,
			 *what ? ", " : "", crash_context_label(c->context));
	else
		snprintf(paren, sizeof(paren), "%s", what);
	snprintf(buf, len, "%s%s%s%s%s%s", word, where[0] ? " in " : "",
		 where, paren[0] ? " (" : "", paren, paren[0] ? ")" : "");
}

void crash_evidence(const struct crash_report *c, char *buf, size_t len)
{
	const char *ctx = c->context != CRASH_CTX_UNKNOWN ?
			  crash_context_label(c->context) : NULL;
	char where[256];

	crash_loc_format(&c->where, 1, where, sizeof(where));
	/* WARNING and KASAN headers name the location themselves. */
	if (where[0] && strstr(c->header, where))
		where[0] = '\0';
	if (where[0])
		snprintf(buf, len, "%s (in %s%s%s)", c->header, where,
			 ctx ? ", " : "", ctx ? ctx : "");
	else if (ctx)
		snprintf(buf, len, "%s (%s)", c->header, ctx);
	else
		snprintf(buf, len, "%s", c->header);
}

static json_t *json_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *json_time_or_null(double t)
{
	return t >= 0 ? json_real(t) : json_null();
}

static json_t *loc_json(json_t *o, const struct crash_loc *loc)
{
	json_object_set_new(o, "function", json_str_or_null(loc->function));
	json_object_set_new(o, "offset", loc->function[0] ?
			    json_integer((json_int_t)loc->offset) : json_null());
	json_object_set_new(o, "size", loc->size ?
			    json_integer((json_int_t)loc->size) : json_null());
	json_object_set_new(o, "module", json_str_or_null(loc->module));
	return o;
}

void crash_json_fill(json_t *obj, const struct crash_report *c, double t0)
{
	json_t *frames = json_array();
	char text[256];
	unsigned int i;

	json_object_set_new(obj, "kind", json_string(crash_kind_name(c->kind)));
	json_object_set_new(obj, "summary", json_string(c->summary));
	json_object_set_new(obj, "header", json_string(c->header));
	json_object_set_new(obj, "line", json_integer(c->line));
	json_object_set_new(obj, "kernel_time_s", json_time_or_null(c->ktime));
	json_object_set_new(obj, "t_s", c->ktime >= 0 && c->ktime >= t0 ?
			    json_real(c->ktime - t0) : json_null());
	json_object_set_new(obj, "fatal", json_boolean(c->fatal));
	loc_json(obj, &c->where);
	crash_loc_format(&c->where, 1, text, sizeof(text));
	json_object_set_new(obj, "location", json_str_or_null(text));
	json_object_set_new(obj, "location_from",
			    json_str_or_null(c->where_from));
	for (i = 0; i < c->nframes; i++) {
		json_t *f = loc_json(json_object(), &c->frames[i].loc);

		json_object_set_new(f, "stack",
				    json_str_or_null(c->frames[i].stack));
		json_array_append_new(frames, f);
	}
	json_object_set_new(obj, "frames", frames);
	json_object_set_new(obj, "cpu", c->cpu >= 0 ? json_integer(c->cpu) :
			    json_null());
	json_object_set_new(obj, "pid", c->pid >= 0 ? json_integer(c->pid) :
			    json_null());
	json_object_set_new(obj, "comm", json_str_or_null(c->comm));
	json_object_set_new(obj, "context",
			    json_string(crash_context_name(c->context)));
	json_object_set_new(obj, "context_from",
			    json_str_or_null(c->context_from));
	json_object_set_new(obj, "panic", json_str_or_null(c->panic));
	json_object_set_new(obj, "panic_line", c->panic_line ?
			    json_integer(c->panic_line) : json_null());
	crash_headline(c, text, sizeof(text));
	json_object_set_new(obj, "headline", json_string(text));
}
