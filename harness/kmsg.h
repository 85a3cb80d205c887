/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kmsg during a run: every record is saved to the result directory
 * (the kmsg excerpt), and the ones that matter are kept for the report:
 * "page allocation failure" warnings, OOM invocations and kills (with the
 * victim), and any splat (which makes the run's verdict "splat").
 */
#ifndef LABYRINTH_KMSG_H
#define LABYRINTH_KMSG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KMSG_KEEP_MAX 500

struct kmsg_oom {
	double t_s;		/* since run start */
	int pid;
	char comm[32];
	long long total_vm_kb, anon_rss_kb;
	int oom_score_adj;
	bool has_adj;
};

struct kmsg {
	int fd;
	FILE *save;
	double t0;		/* run start, CLOCK_MONOTONIC seconds */
	json_t *messages;	/* report kernel_messages[] */
	struct kmsg_oom *ooms;
	size_t nooms;
	unsigned int alloc_failures, splats, dropped;
	char first_splat[256];
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
