/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes of a run (stress-ng, bpftrace, the command of
 * `labyrinth inject`): started in their own process group with output to
 * files, stopped politely then firmly, always reaped.
 */
#ifndef LABYRINTH_CHILD_H
#define LABYRINTH_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct child {
	pid_t pid;		/* 0: not running */
	const char *name;	/* for messages */
	int status;		/* wait status once reaped */
	bool reaped;
	double started;		/* now_mono() at spawn */
};

/*
 * fork+exec argv in a new process group; stdout to out_path and stderr
 * to err_path (NULL: inherit; same path: both into one file). Returns 0,
 * or -errno (exec failure is reported through a pipe, so a missing
 * program is an error here, not a child that exits 127).
 */
int child_spawn(struct child *c, const char *name, char *const argv[],
		const char *out_path, const char *err_path);
/* The same, and the child gets pdeathsig when we die (0: nothing). */
int child_spawn_pdeath(struct child *c, const char *name,
		       char *const argv[], const char *out_path,
		       const char *err_path, int pdeathsig);
/* Non-blocking: true once it has exited (and is reaped). */
bool child_poll(struct child *c);
/*
 * Send sig to the group, wait up to grace_s, then SIGKILL the group and
 * wait until the whole group is gone (its orphans are ours to reap: the
 * caller becomes their subreaper at child_spawn()). Returns the leader's
 * wait status. Safe on a child already reaped.
 */
int child_stop(struct child *c, int sig, double grace_s);
/* "exit 0", "killed by SIGKILL", ... */
void child_describe(int status, char *buf, size_t len);

#endif /* LABYRINTH_CHILD_H */
