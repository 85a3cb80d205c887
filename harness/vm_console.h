/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a kernel console log: which lines are panics, oopses, BUGs,
 * WARNINGs, KASAN/UBSAN/lockdep/kmemleak reports, lockups and stalls (all
 * "splats": a run that shows one is never a pass), and which are events
 * labyrinth wants to know about but that are not splats (OOM kills,
 * "page allocation failure" warnings: exactly what it provokes).
 */
#ifndef LABYRINTH_VM_CONSOLE_H
#define LABYRINTH_VM_CONSOLE_H

#include <stddef.h>

enum console_kind {
	CON_NONE = 0,
	/* splats */
	CON_PANIC,
	CON_OOPS,
	CON_BUG,
	CON_WARNING,
	CON_KASAN,
	CON_UBSAN,
	CON_LOCKDEP,
	CON_KMEMLEAK,
	CON_SOFT_LOCKUP,
	CON_HARD_LOCKUP,
	CON_HUNG_TASK,
	CON_RCU_STALL,
	/* observations */
	CON_OOM_KILL,
	CON_OOM_INVOKED,
	CON_ALLOC_FAILURE,
	/* the guest init's own markers */
	CON_CMD_START,
	CON_CMD_EXIT,
	CON_KIND_MAX,
};

struct console_event {
	enum console_kind kind;
	unsigned int line;	/* 1-based line number in the log */
	double ktime;		/* printk timestamp in seconds, -1 if none */
	char text[256];		/* the line, timestamp stripped, truncated */
};

struct console_scan {
	struct console_event *ev;
	size_t nev, cap;
	unsigned int count[CON_KIND_MAX];
	int first_splat;	/* index into ev, -1 if none */
	int first_panic;	/* index into ev, -1 if none */
	int cmd_started;	/* the guest init marked the command start */
	int cmd_exit_status;	/* from the exit marker, -1 if none */
	unsigned int lines;
};

/* Short name ("panic", "oops", "WARNING", ...) for messages and JSON. */
const char *console_kind_name(enum console_kind k);
int console_kind_is_splat(enum console_kind k);
/*
 * The kind of a kernel message in report.json (kernel_messages[].kind, see
 * reports/schema): a word of vocab_msg_kind ("alloc-failure", "oom",
 * "warning", ... or "other"); NULL for ordinary lines and the guest
 * init's markers.
 */
const char *console_report_kind(enum console_kind k);

/*
 * Classify one console line (with or without the "[    1.234567] "
 * prefix). Returns the kind, CON_NONE for an ordinary line. *ktime gets
 * the timestamp or -1.
 */
enum console_kind console_classify(const char *line, double *ktime);

/*
 * Skip the printk prefix, "[    1.234567] " and the caller id of
 * CONFIG_PRINTK_CALLER ("[    1.234567][    C1] "): returns the message
 * (the line itself if it has no prefix); *t gets the time or -1.
 */
const char *console_strip_prefix(const char *line, double *t);

void console_scan_init(struct console_scan *s);
/* Feed a whole buffer (any number of lines). */
void console_scan_buf(struct console_scan *s, const char *buf, size_t len);
/* Read and scan a file. Returns 0 or -errno. */
int console_scan_file(struct console_scan *s, const char *path);
void console_scan_free(struct console_scan *s);

/* Markers the guest init prints to /dev/kmsg around the command. */
#define CONSOLE_MARK_START "labyrinth-vm: command started"
#define CONSOLE_MARK_EXIT "labyrinth-vm: command exited, status "

#endif /* LABYRINTH_VM_CONSOLE_H */
