/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by every part of the labyrinth CLI: error reporting,
 * allocation that cannot fail silently, whole-file I/O, atomic writes,
 * validated number parsing and a terminal progress line.
 */
#ifndef LABYRINTH_UTIL_H
#define LABYRINTH_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Exit codes of every subcommand but `vm` (which passes its guest command's
 * status through and so uses the 200 range for its own verdicts, see vm.h).
 * Documented in doc/labyrinth.1; keep the two in step.
 */
enum lab_exit {
	LAB_EXIT_OK = 0,	 /* ran, and the outcome was the expected one */
	LAB_EXIT_UNEXPECTED = 1, /* ran, but the outcome was not the expected
				  * one (scenario expect=, compare tolerance) */
	LAB_EXIT_USAGE = 2,	 /* bad command line or bad input file */
	LAB_EXIT_ENV = 3,	 /* could not run here (not root, no module,
				  * no debugfs, ...): never means "failed" */
	LAB_EXIT_SKIP = 4,	 /* nothing run, for a stated reason (kselftest
				  * convention), e.g. no fault injection */
	LAB_EXIT_INTERNAL = 5,	 /* I/O failure or bug in labyrinth itself */
	/* the driver under test (target.h): a step of it failed */
	LAB_EXIT_TARGET_LOAD = 6,   /* a target module did not load (wrong
				     * kernel, bad parameter, its init) */
	LAB_EXIT_TARGET_SETUP = 7,  /* [target] setup exited non-zero */
	LAB_EXIT_TARGET_CHECK = 8,  /* [target] check exited non-zero */
	LAB_EXIT_TARGET_UNLOAD = 9, /* a target module did not unload */
	LAB_EXIT_MAX = LAB_EXIT_TARGET_UNLOAD,
};

/* `git describe` of the tree this binary was built from (build/version.c). */
extern const char labyrinth_version[];

/* "labyrinth: <message>\n" on stderr. Messages say what, where, what to do. */
void lab_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lab_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only when LABYRINTH_DEBUG is set in the environment. */
void lab_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Abort with a message on allocation failure: there is no sane way on. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read a whole file into a NUL-terminated buffer (*len excludes the NUL).
 * Works on /proc and /sys files whose size stat() reports as 0.
 * Returns 0 or -errno.
 */
int read_file(const char *path, char **buf, size_t *len);
/* Write (create/truncate) a whole file. Returns 0 or -errno. */
int write_file(const char *path, const void *data, size_t len);
/*
 * Write a file so that it is either the old or the new content, never a
 * torn mix: temporary file in the same directory, fsync, rename, fsync of
 * the directory. Returns 0 or -errno (and removes the temporary file).
 */
int write_file_atomic(const char *path, const void *data, size_t len);
/* mkdir -p. Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf (no symlink following). Returns 0 or -errno. */
int remove_tree(const char *path);
/* cp -a of regular files, directories and symlinks (sockets and fifos
 * are left out); dst must not exist. Returns 0 or -errno. */
int copy_tree(const char *src, const char *dst);

/*
 * Strict number parsing for options and scenario values. The whole string
 * must be a number (no trailing junk, no sign for unsigned) within
 * [min, max]. Return 0, -EINVAL (not a number) or -ERANGE (out of range).
 */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_double(const char *s, double min, double max, double *out);
/* Sizes: "4096", "64k", "512M", "2G" (powers of 1024); bytes out. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Durations: "250ms", "10s", "5m", "1h", "7d", "1.5s", bare number =
 * seconds. */
int parse_duration_ms(const char *s, uint64_t min_ms, uint64_t max_ms,
		      uint64_t *out_ms);

/*
 * A command line built word by word (stress-ng's, QEMU's, the guest's):
 * always NULL-terminated, so a.v can go to execvp() as it is. Every word
 * is a copy; argv_free() frees them all.
 */
struct argv {
	char **v;
	size_t n, cap;
};
void argv_add(struct argv *a, const char *word);
void argv_addf(struct argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);

/* SHA-256 of data as 64 lower-case hex digits (libcrypto): two runs of
 * "the same scenario" are told apart when the file changed. */
void sha256_hex(const void *data, size_t len, char hex[65]);

/* Monotonic and wall clocks in seconds. */
double now_mono(void);
double now_wall(void);

/*
 * A one-line progress display on stderr, redrawn in place: phase, elapsed
 * time and whatever counters the caller adds. Enabled only when stderr is
 * a terminal, so logs and CI stay quiet; in the VM, stderr is a terminal
 * only when the host's output is one (vm_proto.h, VM_CTL_TTY).
 */
struct progress {
	int enabled;
	int drawn;
	double start;
	double last;
	int lines;		/* drawn by progress_lines(), 0: none */
};
void progress_init(struct progress *p);
void progress_update(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A block of lines redrawn in place, each cut to the terminal's width
 * (a soak's runs, ETA and counts per scenario), at most 4 times a
 * second unless force. text: lines separated by '\n'.
 */
void progress_lines(struct progress *p, const char *text, int force);
/* Erase the line or block (before other output, or at the end). */
void progress_clear(struct progress *p);

#endif /* LABYRINTH_UTIL_H */
