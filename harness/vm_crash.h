/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crash attribution: read the first splat of a console log as a structure
 * (what happened, where, on which CPU, in which context, and the panic it
 * led to), so the VM verdict, report.json's `crash` object and the
 * terminal and HTML headlines all say the same thing:
 *
 *   CRASH in lab_refill_ring+0x4e [lab_refill] (NULL pointer dereference, hard IRQ)
 *
 * Formats read are the x86-64 kernel's own (6.1; 6.12 too): the report
 * headers vm_console.h classifies, "CPU: N PID: N Comm: X", "RIP: 0010:f+0x/0x
 * [mod]", and the "Call Trace:" with its <IRQ>/<SOFTIRQ>/<NMI>/<TASK>
 * stack markers (arch/x86/kernel/dumpstack.c).
 *
 * How the context is decided, first rule that answers wins:
 *  1. the call trace: walking its reliable frames from the innermost out,
 *     the first interrupt entry point met names the context: softirq
 *     (__do_softirq, handle_softirqs, run_ksoftirqd, hrtimer_run_softirq,
 *     tasklet and timer softirq actions), hard IRQ (hrtimer_interrupt,
 *     sysvec_ and common_interrupt entries, flow handlers, irq_work_run),
 *     NMI (exc_nmi, default_do_nmi, nmi_handle). x86-64 runs softirqs on
 *     the hard-IRQ stack, so the <IRQ> marker alone cannot tell them
 *     apart; with no entry point, the innermost marker decides (<NMI>
 *     NMI, <IRQ> hard IRQ, <SOFTIRQ> softirq, <TASK> task);
 *  2. a preempt count the report printed ("preempt_count: X", "scheduling
 *     while atomic: comm/pid/0xX"): NMI, hard-IRQ or serving-softirq bits,
 *     else task;
 *  3. the panic's wording: "Fatal exception in interrupt" (in_interrupt():
 *     hard IRQ, softirq or a BH-disabled section: "interrupt"), "Fatal
 *     exception" (task);
 *  4. unknown.
 */
#ifndef LABYRINTH_VM_CRASH_H
#define LABYRINTH_VM_CRASH_H

#include <jansson.h>
#include <stddef.h>

#include "vm_console.h"

#define CRASH_FRAMES_MAX 8

/* A code location as the kernel's %pS prints it: "f+0x4e/0x90 [mod]". */
struct crash_loc {
	char function[128];	/* symbol, or the raw address; "" if none */
	unsigned long offset;
	unsigned long size;	/* 0 when not printed */
	char module[64];	/* "" for the kernel image itself */
};

struct crash_frame {
	struct crash_loc loc;
	char stack[24];		/* marker it was printed under ("IRQ",
				 * "SOFTIRQ", "NMI", "TASK", "#DF", ...), ""
				 * outside any marker */
};

enum crash_context {
	CRASH_CTX_UNKNOWN = 0,
	CRASH_CTX_TASK,
	CRASH_CTX_SOFTIRQ,
	CRASH_CTX_HARDIRQ,
	CRASH_CTX_NMI,
	CRASH_CTX_INTERRUPT,	/* hard IRQ or softirq, not known which */
};

struct crash_report {
	enum console_kind kind;	/* of the report (an oops for a NULL or
				 * paging fault even though its first line
				 * says "BUG:") */
	char header[256];	/* its first line, timestamp stripped */
	char summary[128];	/* "NULL pointer dereference", "WARNING at
				 * mm/x.c:12", "KASAN: use-after-free", ... */
	unsigned int line;	/* header's line in the log, 1-based */
	double ktime;		/* header's printk time (s), -1 if none */
	int fatal;		/* the kernel killed a task or panicked */
	struct crash_loc where;	/* the faulting function */
	const char *where_from;	/* "rip", "header", "trace"; NULL if none */
	struct crash_frame frames[CRASH_FRAMES_MAX]; /* the first reliable
				 * frames after the reporting machinery */
	unsigned int nframes;
	int cpu, pid;		/* -1 if not printed */
	char comm[32];
	enum crash_context context;
	const char *context_from; /* "stack", "preempt-count", "panic";
				 * NULL if unknown */
	char panic[256];	/* the first panic line at or after the
				 * header; "" if none */
	unsigned int panic_line;
	double panic_ktime;
};

/*
 * A console log split into lines, printk prefixes stripped. Lines of
 * reports printed at once on several CPUs interleave (a "page allocation
 * failure" dump on one CPU while another oopses is labyrinth's everyday
 * case). With CONFIG_PRINTK_CALLER each line carries its caller ("T123"
 * for a task, "C1" for CPU 1 in interrupt context) and a report is read
 * from its own lines only; without it the parser anchors on the order
 * the kernel prints a report in (die line, CPU line, registers, trace).
 */
struct crash_log {
	char *buf;
	const char **text;
	double *ktime;		/* -1 where a line has none */
	char (*caller)[12];	/* "" where a line has none */
	size_t n;
};

void crash_log_init(struct crash_log *l, const char *log, size_t len);
void crash_log_free(struct crash_log *l);

/*
 * Find the first splat (console_kind_is_splat()) at line index `from` or
 * later and parse it into *c. Returns 1 if there was one, else 0.
 */
int crash_find(const struct crash_log *l, size_t from, struct crash_report *c);
/*
 * Parse the report whose first line is line index i, whatever its header
 * ("NMI backtrace for cpu 1", "task:sh state:D ..." as well): CPU, PID,
 * comm, location, frames, context, panic. kind and summary come from the
 * header when it is a splat.
 */
void crash_parse_at(const struct crash_log *l, size_t i,
		    struct crash_report *c);
/* The whole log in one call. Return 1 (found), 0 (none) or -errno. */
int crash_parse(const char *log, size_t len, struct crash_report *c);
int crash_parse_file(const char *path, struct crash_report *c);

/* "oops", "bug", "warning", "kasan", ... (report.json kinds). */
const char *crash_kind_name(enum console_kind k);
/* "hard-irq", "softirq", "task", "nmi", "interrupt", "unknown". */
const char *crash_context_name(enum crash_context ctx);
/* For people: "hard IRQ", "softirq", "task", "NMI", "interrupt". */
const char *crash_context_label(enum crash_context ctx);

/* "f+0x4e/0x90 [mod]" (with_size) or "f+0x4e [mod]"; "" if none. */
void crash_loc_format(const struct crash_loc *loc, int with_size, char *buf,
		      size_t len);
/*
 * "CRASH in f+0x4e [mod] (NULL pointer dereference, hard IRQ)"; a report
 * that was not fatal is named for its kind: "WARNING in ...", "KASAN in
 * ...", "SOFT LOCKUP in ...".
 */
void crash_headline(const struct crash_report *c, char *buf, size_t len);
/*
 * The verdict's evidence line: the header, then where and in which
 * context: "BUG: kernel NULL pointer dereference, address: 0000000000000028
 * (in lab_refill_ring+0x4e/0x90 [lab_refill], hard IRQ)".
 */
void crash_evidence(const struct crash_report *c, char *buf, size_t len);
/*
 * Fill obj with the crash object of verdict.json and report.json:
 * kind, summary, header, line, kernel_time_s, t_s (kernel time minus t0,
 * the run's start on the same clock; pass 0 for time since boot),
 * fatal, function, offset, size, module, location, location_from,
 * frames[] {function, offset, size, module, stack}, cpu, pid, comm,
 * context, context_from, panic, panic_line, headline. Unknown values
 * are null.
 */
void crash_json_fill(json_t *obj, const struct crash_report *c, double t0);

#endif /* LABYRINTH_VM_CRASH_H */
