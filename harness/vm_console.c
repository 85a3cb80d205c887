// SPDX-License-Identifier: GPL-2.0
/*
 * Console log classification. The patterns are the kernel's own report
 * headers (6.1: kernel/panic.c, arch/x86/kernel/dumpstack.c, lib/bug.c,
 * kernel/locking/lockdep.c, mm/kasan/report.c, lib/ubsan.c, mm/kmemleak.c,
 * kernel/watchdog.c, kernel/hung_task.c, kernel/rcu/tree_stall.h,
 * mm/oom_kill.c, mm/page_alloc.c warn_alloc()). Only the first line of a
 * report is classified; the stack dump under it is ordinary text.
 */
#include "vm_console.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vocab.h"

static const char *const kind_names[CON_KIND_MAX] = {
	[CON_NONE] = "none",
	[CON_PANIC] = "panic",
	[CON_OOPS] = "oops",
	[CON_BUG] = "BUG",
	[CON_WARNING] = "WARNING",
	[CON_KASAN] = "KASAN",
	[CON_UBSAN] = "UBSAN",
	[CON_LOCKDEP] = "lockdep",
	[CON_KMEMLEAK] = "kmemleak",
	[CON_SOFT_LOCKUP] = "soft-lockup",
	[CON_HARD_LOCKUP] = "hard-lockup",
	[CON_HUNG_TASK] = "hung-task",
	[CON_RCU_STALL] = "rcu-stall",
	[CON_OOM_KILL] = "oom-kill",
	[CON_OOM_INVOKED] = "oom-invoked",
	[CON_ALLOC_FAILURE] = "alloc-failure",
	[CON_CMD_START] = "command-start",
	[CON_CMD_EXIT] = "command-exit",
};

const char *console_kind_name(enum console_kind k)
{
	return (unsigned int)k < CON_KIND_MAX ? kind_names[k] : "?";
}

int console_kind_is_splat(enum console_kind k)
{
	return k >= CON_PANIC && k <= CON_RCU_STALL;
}

const char *console_report_kind(enum console_kind k)
{
	static const int msg[CON_KIND_MAX] = {
		[CON_NONE] = -1,
		[CON_CMD_START] = -1,
		[CON_CMD_EXIT] = -1,
		[CON_ALLOC_FAILURE] = MSG_ALLOC_FAILURE,
		[CON_OOM_KILL] = MSG_OOM,
		[CON_OOM_INVOKED] = MSG_OOM,
		[CON_WARNING] = MSG_WARNING,
		[CON_BUG] = MSG_BUG,
		[CON_OOPS] = MSG_OOPS,
		[CON_PANIC] = MSG_PANIC,
		[CON_LOCKDEP] = MSG_LOCKDEP,
		[CON_KASAN] = MSG_KASAN,
		[CON_HUNG_TASK] = MSG_HUNG_TASK,
		[CON_UBSAN] = MSG_OTHER,
		[CON_KMEMLEAK] = MSG_OTHER,
		[CON_SOFT_LOCKUP] = MSG_OTHER,
		[CON_HARD_LOCKUP] = MSG_OTHER,
		[CON_RCU_STALL] = MSG_OTHER,
	};

	if ((unsigned int)k >= CON_KIND_MAX || msg[k] < 0)
		return NULL;
	return vocab_name(&vocab_msg_kind, (uint32_t)msg[k]);
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "[    C1]" or "[ T123]": the caller id CONFIG_PRINTK_CALLER adds. */
static const char *skip_caller(const char *p)
{
	const char *q = p + 1;

	if (*p != '[')
		return p;
	q += strspn(q, " ");
	if ((*q != 'T' && *q != 'C') || !isdigit((unsigned char)q[1]))
		return p;
	q += 1 + strspn(q + 1, "0123456789");
	return *q == ']' ? q + 1 : p;
}

const char *console_strip_prefix(const char *line, double *t)
{
	const char *p = line, *close, *q;
	char *end;
	double v;

	*t = -1;
	close = *p == '[' ? strchr(p, ']') : NULL;
	if (close) {
		q = p + 1 + strspn(p + 1, " ");
		v = strtod(q, &end);
		if (end == close && end != q) {
			*t = v;
			p = close + 1;
		}
	}
	p = skip_caller(p);
	if (p != line && *p == ' ')
		p++;
	return p;
}

enum console_kind console_classify(const char *line, double *ktime)
{
	double t;
	const char *s = console_strip_prefix(line, &t);

	if (ktime)
		*ktime = t;

	if (starts(s, CONSOLE_MARK_START))
		return CON_CMD_START;
	if (starts(s, CONSOLE_MARK_EXIT))
		return CON_CMD_EXIT;

	if (starts(s, "Kernel panic - not syncing"))
		return CON_PANIC;
	if (starts(s, "BUG: KASAN:") || starts(s, "BUG: KFENCE:"))
		return CON_KASAN;
	if (starts(s, "UBSAN:"))
		return CON_UBSAN;
	if (strstr(s, "BUG: soft lockup"))
		return CON_SOFT_LOCKUP;
	if (strstr(s, "Watchdog detected hard LOCKUP"))
		return CON_HARD_LOCKUP;
	if (starts(s, "INFO: task ") && strstr(s, "blocked for more than"))
		return CON_HUNG_TASK;
	if (strstr(s, "INFO: ") &&
	    (strstr(s, "detected stalls on CPU") ||
	     strstr(s, "self-detected stall on CPU")))
		return CON_RCU_STALL;
	if (starts(s, "WARNING: ")) {
		/*
		 * WARN(): "WARNING: CPU: 0 PID: 1 at mm/x.c:12 f+0x1/0x2".
		 * Lockdep and RCU-lockdep reports are "WARNING: <what>" with
		 * no location: "possible circular locking dependency
		 * detected", "inconsistent lock state", "suspicious RCU usage".
		 */
		if (strstr(s, "CPU:") && strstr(s, " at "))
			return CON_WARNING;
		return CON_LOCKDEP;
	}
	if (starts(s, "kernel BUG at ") || starts(s, "BUG: "))
		return CON_BUG;
	if (starts(s, "Oops: ") || starts(s, "general protection fault") ||
	    starts(s, "stack segment: ") || starts(s, "double fault: ") ||
	    starts(s, "divide error: ") || starts(s, "invalid opcode: "))
		return CON_OOPS;
	if (starts(s, "kmemleak: ") && strstr(s, "suspected memory leak"))
		return CON_KMEMLEAK;
	if (starts(s, "unreferenced object 0x"))
		return CON_KMEMLEAK;

	if (strstr(s, "Out of memory: Killed process") ||
	    strstr(s, "out of memory: Killed process"))
		return CON_OOM_KILL;
	if (strstr(s, " invoked oom-killer: "))
		return CON_OOM_INVOKED;
	if (strstr(s, "page allocation failure: order:"))
		return CON_ALLOC_FAILURE;
	return CON_NONE;
}

void console_scan_init(struct console_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->first_splat = -1;
	s->first_panic = -1;
	s->cmd_exit_status = -1;
}

static void add_event(struct console_scan *s, enum console_kind k,
		      unsigned int lineno, double t, const char *text,
		      size_t len)
{
	struct console_event *e;
	size_t i, o = 0;

	if (s->nev == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ev = xrealloc(s->ev, s->cap * sizeof(*s->ev));
	}
	e = &s->ev[s->nev];
	e->kind = k;
	e->line = lineno;
	e->ktime = t;
	/* Keep it printable: a serial log can hold any byte. */
	for (i = 0; i < len && o < sizeof(e->text) - 1; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\r')
			continue;
		e->text[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	e->text[o] = '\0';
	if (console_kind_is_splat(k) && s->first_splat < 0)
		s->first_splat = (int)s->nev;
	if (k == CON_PANIC && s->first_panic < 0)
		s->first_panic = (int)s->nev;
	s->count[k]++;
	s->nev++;
}

void console_scan_buf(struct console_scan *s, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[512];
		const char *text;
		enum console_kind k;
		double t;

		s->lines++;
		/* Lines longer than this are never report headers. */
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (n && line[n - 1] == '\r')
				line[n - 1] = '\0';
			k = console_classify(line, &t);
			if (k != CON_NONE) {
				text = console_strip_prefix(line, &t);
				add_event(s, k, s->lines, t, text, strlen(text));
				if (k == CON_CMD_START)
					s->cmd_started = 1;
				if (k == CON_CMD_EXIT)
					s->cmd_exit_status = atoi(text +
						strlen(CONSOLE_MARK_EXIT));
			}
		}
		p = nl ? nl + 1 : end;
	}
}

int console_scan_file(struct console_scan *s, const char *path)
{
	char *buf;
	size_t len;
	int err = read_file(path, &buf, &len);

	if (err)
		return err;
	console_scan_buf(s, buf, len);
	free(buf);
	return 0;
}

void console_scan_free(struct console_scan *s)
{
	free(s->ev);
	s->ev = NULL;
	s->nev = s->cap = 0;
}
