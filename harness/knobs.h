/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel knobs a run changes (debugfs fault-injection attributes, sysctls,
 * /sys/kernel/slab/NAME/failslab): each one's old value is saved before
 * it is written, and every one is written back on stop, on error, on
 * SIGINT/SIGTERM and, through a state file, at the next start after a
 * SIGKILL or a crash.
 *
 * Every path is relative to a root prefix ("" on a real system) so the
 * unit tests run against a fake tree in a temporary directory.
 *
 * The state file lives in /run/labyrinth by default: /run is cleared on
 * reboot exactly when the kernel's knobs go back to their defaults, so a
 * state file that survives is always one whose knobs are still changed.
 * A lock file next to it (flock) keeps two runs from fighting over knobs.
 */
#ifndef LABYRINTH_KNOBS_H
#define LABYRINTH_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

#define KNOBS_STATE_DIR "/run/labyrinth"
#define DEBUGFS "/sys/kernel/debug"

struct knob {
	char *path;		/* without the root prefix */
	char *saved;		/* the value before the run, newline stripped */
};

struct knobs {
	char *root;		/* "" or a test tree */
	char *state_dir;
	char *state_path;	/* state_dir/knobs.json */
	int lock_fd;
	struct knob *v;
	size_t n;
};

/*
 * Take the lock in state_dir (created if needed). Returns 0, -EBUSY with
 * err naming the other run's pid, or -errno. state_dir NULL: the default.
 */
int knobs_open(struct knobs *k, const char *root, const char *state_dir,
	       char *err, size_t errlen);
/*
 * If a previous run left a state file, write its saved values back and
 * remove it. Returns the number of knobs restored (0: nothing to do), or
 * -errno with err set. msg (if not NULL) says what was restored.
 */
int knobs_recover(struct knobs *k, char *msg, size_t msglen, char *err,
		  size_t errlen);
/*
 * Save the knob's value (first time only, state file updated before the
 * write), then write value. Returns 0 or -errno with err naming the knob.
 */
int knobs_set(struct knobs *k, const char *path, const char *value,
	      char *err, size_t errlen);
/* Read a knob (root-prefixed), newline stripped. 0 or -errno. */
int knobs_read(const struct knobs *k, const char *path, char **value);
bool knobs_exists(const struct knobs *k, const char *path);
/*
 * Write every saved value back, newest first, then remove the state file.
 * Knobs that vanished (module unloaded with its debugfs dir) are skipped.
 * Returns 0, or the first -errno (it still tries every knob) with err set.
 */
int knobs_restore(struct knobs *k, char *err, size_t errlen);
/* Release the lock and memory (does not restore). */
void knobs_close(struct knobs *k);

/* Apply [kernel] sysctls: the rows of the scenario key table that say
 * which /proc/sys file each goes to (-1: left alone). */
int knobs_apply_sysctls(struct knobs *k, const struct sc_kernel *kn,
			char *err, size_t errlen);

#endif /* LABYRINTH_KNOBS_H */
