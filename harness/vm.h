/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The QEMU runner: boot the test kernel with the host's root filesystem
 * read-only over 9p, run one command in the guest as PID 1's child, and
 * turn what happened into a verdict.
 */
#ifndef LABYRINTH_VM_H
#define LABYRINTH_VM_H

#include <stddef.h>

/*
 * `labyrinth vm` exit codes. 0-199 are the guest command's own status
 * (a command killed by signal N gives 128+N, as in a shell); the runner's
 * own verdicts live in the 200 range so they never collide with it.
 */
enum vm_exit {
	VM_EXIT_SPLAT = 200,	/* oops/BUG/WARNING/KASAN/lockdep/... */
	VM_EXIT_PANIC = 201,	/* kernel panic */
	VM_EXIT_TIMEOUT = 202,	/* wall-clock timeout: hang or too slow */
	VM_EXIT_INFRA = 203,	/* QEMU or kernel missing, QEMU failed */
	VM_EXIT_NO_STATUS = 204, /* guest stopped without reporting a status */
	VM_EXIT_USAGE = 205,	/* bad options to `labyrinth vm` */
};

enum vm_verdict {
	VM_PASS,		/* command exited 0, console clean */
	VM_CMD_FAILED,		/* command exited non-zero, console clean */
	VM_SPLAT,
	VM_PANIC,
	VM_TIMEOUT,
	VM_INFRA,
	VM_NO_STATUS,
};

struct vm_opts {
	const char *kernel;	/* bzImage; NULL: the cached test kernel */
	const char *variant;	/* "default" or "debug" (cached kernel) */
	unsigned int mem_mb;	/* guest RAM, default 1024 */
	unsigned int cpus;	/* vCPUs, default 2 */
	unsigned int timeout_s;	/* wall clock for the whole run, default 600 */
	const char *accel;	/* "auto" (default), "kvm", "tcg", "tcg-multi" */
	const char **shares;	/* host dirs mounted read-write at the same */
	size_t nshares;		/* path in the guest */
	const char *out_dir;	/* console.log etc.; NULL: a temporary dir,
				 * removed after a pass unless keep */
	const char *append;	/* extra kernel command line */
	int panic_on_oops;
	int panic_on_warn;
	int quiet;		/* no progress, no verdict line on a pass */
	int keep;		/* keep the temporary out_dir after a pass */
	int show_command;	/* print the QEMU command line */
	int dry_run;		/* ...and do not run it */
	int ignore_splats;	/* splats are reported but not a verdict (for
				 * scenarios that provoke WARNINGs on purpose) */
	const char *kver;	/* --kver (vm_kernel.h); NULL: 6.1, or
				 * $LABYRINTH_KERNEL if set */
	char *const *devices;	/* more QEMU arguments (vm run --nic's NICs
				 * and their hub), NULL-terminated */
};

struct vm_result {
	enum vm_verdict verdict;
	int exit_code;		/* what `labyrinth vm` exits with */
	int cmd_status;		/* command's exit code or 128+signal; -1 if
				 * it never reported one */
	char evidence[512];	/* the first splat (its header, where and in
				 * which context: vm_crash.h), or the reason */
	unsigned int evidence_line; /* its line in console.log, 0 if none */
	char panic[256];	/* the panic line, "" if the kernel did not */
	unsigned int panic_line; /* its line in console.log, 0 if none */
	char *out_dir;		/* where the logs are (NULL if removed) */
	char *console_log;	/* out_dir/console.log */
	char accel[12];		/* "kvm", "tcg" or "tcg-multi" */
	double boot_s;		/* QEMU start to command start */
	double total_s;		/* QEMU start to QEMU exit */
};

void vm_opts_init(struct vm_opts *o);
#define VM_TIMEOUT_MAX_S (7U * 24 * 3600)

/*
 * Check and set one of the VM options `vm` and `vm run` share: "mem",
 * "cpus", "variant", "timeout" (1 s to 7 days, in either), "accel" or
 * "kver". On a bad value print an error naming WHO (the command) and
 * return -1; arg must outlive o.
 */
int vm_opts_set(struct vm_opts *o, const char *who, const char *name,
		const char *arg);

/*
 * The options `vm` and `vm run` share, for getopt_long: -k/--kernel,
 * --variant, --kver, -m/--mem, -c/--cpus, -t/--timeout, --accel. VM_OPTSTRING
 * goes into the short option string, VM_LONGOPTS into the table.
 */
enum { VM_OPT_VARIANT = 0x1000, VM_OPT_ACCEL, VM_OPT_KVER };
#define VM_OPTSTRING "k:m:c:t:"
#define VM_LONGOPTS \
	{ "kernel", required_argument, NULL, 'k' }, \
	{ "variant", required_argument, NULL, VM_OPT_VARIANT }, \
	{ "kver", required_argument, NULL, VM_OPT_KVER }, \
	{ "mem", required_argument, NULL, 'm' }, \
	{ "cpus", required_argument, NULL, 'c' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "accel", required_argument, NULL, VM_OPT_ACCEL }
/* One of those: 0 (taken), -1 (bad value, said so), 1 (not one). */
int vm_opts_getopt(struct vm_opts *o, const char *who, int c, char *arg);
/* Boot, run argv[0..] in the guest (cwd = the host's cwd), wait, judge. */
int vm_run(const struct vm_opts *o, char *const argv[], struct vm_result *r);
void vm_result_free(struct vm_result *r);
const char *vm_verdict_name(enum vm_verdict v);

/* The --accel values, NULL-terminated: what vm_opts_set() accepts and
 * what soak.json and sweep.json may record. */
extern const char *const vm_accels[];

/* How the accelerator was chosen: "kvm", or "tcg" plus why in *why. */
const char *vm_pick_accel(const char *want, char *why, size_t whylen);

#endif /* LABYRINTH_VM_H */
