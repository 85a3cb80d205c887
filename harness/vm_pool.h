/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Many runs in fresh VMs, at most N at a time: the engine under `vm
 * soak` (and a threshold search after it). One job is one unit: "run
 * this scenario with these --set overrides on this kernel in a fresh VM
 * and leave its result directory here". Each job is a `labyrinth vm run`
 * child process of its own, in its own process group, so that
 *
 *   - a panic, hang, crash or infrastructure error in one run (or in
 *     `vm run` itself) ends that job only: its exit status and whatever
 *     it left in the directory say what happened;
 *   - Ctrl-C on the terminal reaches the pool's owner only, which then
 *     stops every job in flight the same way (SIGTERM: `vm run` stops its
 *     QEMU and exits; SIGKILL to the group after a grace), and reaps
 *     them all; QEMU dies with its `vm run` whatever way that one ends
 *     (vm.c: PR_SET_PDEATHSIG).
 *
 * $LABYRINTH_SOAK_RUNNER replaces the program a job runs (default: this
 * labyrinth binary), given the same arguments after "vm run": a wrapper
 * (nice, a different build) or the tests' fake runner.
 */
#ifndef LABYRINTH_VM_POOL_H
#define LABYRINTH_VM_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "child.h"
#include "util.h"

/* The VM every job of a pool gets. */
struct vm_pool_vm {
	unsigned int mem_mb, cpus;
	unsigned int timeout_s;		/* 0: vm run's default */
	const char *accel;		/* NULL: auto */
};

struct vm_job {
	/* what to run */
	const char *scenario;		/* path */
	char *const *sets;		/* SECTION.KEY=VALUE */
	size_t nsets;
	const char *kver, *variant;
	const char *run_dir;		/* exactly this result directory */
	const char *log;		/* vm run's own stdout and stderr */
	void *user;			/* the caller's */
	/* what happened */
	struct child child;
	int exit_code;			/* -1: killed by a signal */
	bool stopped;			/* stopped by vm_pool_stop_all() */
	double t_start, t_end;		/* now_mono() */
	double wall_start;		/* now_wall() at the start */
};

struct vm_pool {
	unsigned int jobs;		/* at most this many at once */
	struct vm_pool_vm vm;
	struct vm_job **running;
	size_t nrunning;
	char *runner;			/* argv[0] of every job */
};

/*
 * How many VMs fit here at once: one per online CPU (a TCG vCPU thread
 * keeps a host CPU busy while the guest drains; more VMs than CPUs only
 * stretch every run towards its timeout), and as many as MemAvailable
 * holds, counting each VM's guest memory plus QEMU's own (256 MiB) and
 * leaving 1 GiB to the host. At least 1; why says which bound won.
 */
unsigned int vm_pool_default_jobs(unsigned int mem_mb, char *why,
				  size_t whylen);

/* 0, or -1 when no runner can be found (said so). */
int vm_pool_init(struct vm_pool *p, unsigned int jobs,
		 const struct vm_pool_vm *vm);
void vm_pool_free(struct vm_pool *p);

/* The command line of a job, for the log and for people. */
void vm_job_argv(const struct vm_pool *p, const struct vm_job *j,
		 struct argv *a);

/* Start a job (the pool must have room). 0 or -errno (job untouched). */
int vm_pool_start(struct vm_pool *p, struct vm_job *j);
bool vm_pool_full(const struct vm_pool *p);

/*
 * The next job to finish, reaped, or NULL after timeout_s (or at once
 * when a signal interrupted the wait). Orphans reparented to us (we are
 * the subreaper) are reaped on the way.
 */
struct vm_job *vm_pool_wait(struct vm_pool *p, double timeout_s);

/*
 * Stop every job in flight: SIGTERM to its group, up to grace_s for it
 * to stop its VM and exit, then SIGKILL; all reaped, marked stopped and
 * handed to done() (may be NULL) in turn.
 */
void vm_pool_stop_all(struct vm_pool *p, double grace_s,
		      void (*done)(struct vm_job *j, void *arg), void *arg);

#endif /* LABYRINTH_VM_POOL_H */
