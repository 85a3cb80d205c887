/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kmsg during a run: every record is saved to the result directory
 * (the kmsg excerpt), and the ones that matter are kept for the report:
 * "page allocation failure" warnings, OOM invocations and kills (with the
 * victim), and any splat (which makes the run's verdict "splat").
 */
#ifndef LABYRINTH_KMSG_H
#define LABYRINTH_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vm_console.h"

#define KMSG_KEEP_MAX 500

struct kmsg_oom {
	double t_s;		/* since run start */
	int pid;
	char comm[32];
	long long total_vm_kb, anon_rss_kb;
	int oom_score_adj;
	bool has_adj;
};

/*
 * A kernel message that matters to a run, from either side: the guest
 * reads it from /dev/kmsg, the host from the console log of a guest that
 * died. Both classify it with console_classify(), so a run's outcome is
 * the same whichever side saw the message.
 */
struct kevent {
	double t_s;		/* since run start */
	enum console_kind kind;
	char text[256];		/* ASCII: other bytes masked as '?' */
	struct kmsg_oom oom;	/* an OOM kill, parsed (has_oom) */
	bool has_oom;
};

struct kevents {
	struct kevent *v;
	size_t n, cap;
	size_t nooms, nsplats, nalloc_failures;
	unsigned int dropped;	/* routine messages past KMSG_KEEP_MAX */
};

/*
 * Keep line if it is worth keeping (an allocation failure, an OOM, a
 * splat, a panic). OOM kills, splats and panics are always kept; the
 * others up to KMSG_KEEP_MAX. Returns the line's kind.
 */
enum console_kind kevents_add(struct kevents *e, double t_s,
			      const char *line);
/* The events of a console log from t0 (printk clock, s) on; the guest
 * init's markers and earlier lines are left out. */
void kevents_from_console(struct kevents *e, const struct console_scan *cs,
			  double t0);
/* The first event of a kind (or a splat: CON_KIND_MAX), or NULL. */
const struct kevent *kevents_first(const struct kevents *e,
				   enum console_kind kind);
void kevents_free(struct kevents *e);

struct kmsg {
	int fd;
	FILE *save;
	double t0;		/* run start, CLOCK_MONOTONIC seconds */
	struct kevents ev;
};

/*
 * One /dev/kmsg record "PRI,SEQ,TS_USEC,FLAGS[,...];TEXT". Returns 0 and
 * points *text at the message (up to the newline), -EINVAL otherwise.
 */
int kmsg_parse_record(const char *rec, unsigned int *level,
		      unsigned long long *seq, unsigned long long *ts_usec,
		      const char **text);
/* "Out of memory: Killed process 123 (comm) total-vm:..kB, anon-rss:..kB
 * ... oom_score_adj:1000". Returns 0 or -EINVAL. */
int kmsg_parse_oom_kill(const char *text, struct kmsg_oom *o);
/* Report kind for a kernel line ("alloc-failure", "oom", ...), or NULL
 * for a line not worth keeping. *splat says if it is one. */
const char *kmsg_kind(const char *text, bool *splat);

/* Open /dev/kmsg (path for tests) at its end. save_path may be NULL. */
int kmsg_open(struct kmsg *k, const char *path, const char *save_path,
	      double t0);
/* Feed one record (used by kmsg_poll and the tests). */
void kmsg_feed(struct kmsg *k, const char *rec);
/* Read every record available now. */
void kmsg_poll(struct kmsg *k);
void kmsg_close(struct kmsg *k);

#endif /* LABYRINTH_KMSG_H */
