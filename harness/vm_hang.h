/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hang always leaves evidence. When the runner's wall-clock timeout
 * fires, it asks the guest where it is stuck before it kills QEMU:
 *
 *  1. magic sysrq over the serial console: a break on ttyS0 (a telnet
 *     IAC BREAK on QEMU's console socket becomes a serial break) and the
 *     key, 'l' (every active CPU's backtrace, taken by NMI, so CPUs spinning
 *     with interrupts off answer too) then 'w' (tasks in D state). The
 *     8250 driver handles the key in its interrupt handler: this needs one
 *     CPU that still takes the serial interrupt, not userspace and not
 *     the scheduler.
 *  2. if the console says nothing within a few seconds (every CPU stuck
 *     with interrupts off, or the one the serial interrupt is routed to):
 *     QEMU's monitor "nmi", to every CPU. The guest boots with
 *     unknown_nmi_panic, so the NMI becomes a panic whose dump_stack()
 *     shows the stack the CPU was stuck on (an NMI's printk would
 *     otherwise wait for an interrupt that never comes). The verdict
 *     stays "timeout": a panic after the probe began is the probe's.
 *
 * console.log keeps its content throughout: the console socket's logfile
 * is console.log, written whether or not anyone is connected.
 */
#ifndef LABYRINTH_VM_HANG_H
#define LABYRINTH_VM_HANG_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "vm_crash.h"

/*
 * QEMU serves ttyS0 on con_path (a telnet server socket whose logfile is
 * log_path) and its human monitor on mon_path: see build_qemu_argv().
 */
struct vm_hang {
	char *log_path;		/* console.log */
	char *con_path;		/* the console's socket (ttyS0) */
	char *mon_path;		/* the human monitor's socket */
	int dir_fd;		/* keeps a long directory reachable through
				 * /proc/self/fd (socket paths are short) */
	int mon_fd;		/* the monitor, from the probe's start */
	int step;
	double t_step;		/* when the current step began */
	off_t log_start;	/* console.log size when the probe began */
	off_t log_size;		/* its size at the last look */
	double t_growth;	/* when it last grew */
	int answered;		/* the guest printed "sysrq: " after it */
	int nmi_sent;
	char how[96];		/* what was done, for the verdict */
};

/* Sockets in dir (the VM's output directory). */
void vm_hang_init(struct vm_hang *h, const char *dir);
/* Also on a zeroed struct that was never initialised. */
void vm_hang_free(struct vm_hang *h);
/*
 * One step of the probe, called every ~50 ms once the deadline passed.
 * Returns 1 while it wants QEMU alive, 0 when QEMU can be stopped.
 */
int vm_hang_probe(struct vm_hang *h, double now);
/* The probe began: console.log from byte log_start on is its answer. */
static inline int vm_hang_started(const struct vm_hang *h)
{
	return h->step > 0;
}

#define HANG_CPUS_MAX 8
#define HANG_TASKS_MAX 8

/* Where the guest was, read from what the probe made it print. */
struct hang_report {
	unsigned int line;	/* console.log line where the answer begins */
	char how[96];		/* what the probe did (vm_hang.how) */
	unsigned int ncpus;
	struct hang_cpu {
		int cpu, pid;	/* pid -1 if not printed */
		char comm[32];
		struct crash_loc where;
		const char *seen_by; /* "sysrq-l", "nmi-panic" */
	} cpus[HANG_CPUS_MAX];
	unsigned int idle_cpus;	/* "NMI backtrace for cpu N skipped: idling" */
	unsigned int ntasks;
	struct hang_task {
		int pid;
		int kthread;	/* a kernel thread (listed after the rest) */
		char comm[32];
		struct crash_loc where;
	} tasks[HANG_TASKS_MAX];	/* in D state (sysrq w) */
	unsigned int more_tasks; /* blocked tasks past HANG_TASKS_MAX */
};

/* Parse the probe's answer (console.log from log_start on). */
void hang_parse(const char *log, size_t len, struct hang_report *h);
/*
 * Read console.log once QEMU is gone: the first crash from what came
 * before the probe (a panic its NMI provoked is not the guest's crash),
 * the hang report from what came after (zeroed if the probe never ran).
 * Returns 1 if there was a crash, else 0.
 */
int vm_hang_read_console(const struct vm_hang *h, const char *path,
			 struct crash_report *crash, struct hang_report *hr);
/*
 * "CPU 1 in lkdtm_HARDLOCKUP+0x11/0x20 (sh, pid 40); 1 CPU idle;
 * blocked: sh (pid 41) in lkdtm_HUNG_TASK+0x1a/0x30"; "" if nothing.
 */
void hang_summary(const struct hang_report *h, char *buf, size_t len);
/*
 * verdict.json's "hang": probe, line, answered, cpus[] {cpu, pid, comm,
 * location, seen_by}, idle_cpus, blocked[] {pid, comm, location},
 * blocked_not_listed.
 */
void hang_json_fill(json_t *obj, const struct hang_report *h);

#endif /* LABYRINTH_VM_HANG_H */
