/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The driver under test (issue 10): modules from `--module 'PATH.ko
 * [param=value ...]'` (repeatable) and the scenario's [target] section,
 * loaded in order before the scenario starts and unloaded in reverse
 * after; [target] setup (before), workload (a child during the run) and
 * check (after). Each step that fails is a clear error with its own exit
 * status (enum lab_exit: LAB_EXIT_TARGET_*). The report names the target:
 * module name, path, parameters, srcversion, vermagic, the taint it
 * added, and each command's status.
 */
#ifndef LABYRINTH_TARGET_H
#define LABYRINTH_TARGET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "child.h"
#include "scenario.h"

#define TARGET_MAX_MODULES 8

struct target_module {
	char *path, *params;
	char name[64];			/* modinfo name= (else the file's) */
	char vermagic[128];
	char srcversion[64];		/* "" when the module has none */
	char taint[32];			/* /sys/module/NAME/taint once loaded */
	unsigned long kernel_taint_added; /* /proc/sys/kernel/tainted bits */
	bool loaded, unloaded;
	char unload_error[128];
};

struct target_cmd {
	const char *cmd;		/* NULL: none */
	bool ran;
	int status;			/* wait status */
};

struct target {
	struct target_module mod[TARGET_MAX_MODULES];
	size_t nmod;
	struct target_cmd setup, workload, check;
	struct child wl;
	char *dir;			/* where target-*.log go */
	bool started;			/* loaded and set up: check runs */
};

/*
 * Add a module: "PATH.ko [param=value ...]" (PATH relative to base_dir
 * when base_dir is not NULL and PATH is relative). Reads its modinfo.
 * 0, or -1 with err saying what is wrong (no such file, not a module).
 */
int target_add_module(struct target *t, const char *spec,
		      const char *base_dir, char *err, size_t errlen);
/* The scenario's [target] (its module after the --module ones). */
int target_from_scenario(struct target *t, const struct scenario *sc,
			 char *err, size_t errlen);
/* Anything to do? */
bool target_present(const struct target *t);

/*
 * Load the modules in order, then run setup. 0, or an enum lab_exit
 * (LAB_EXIT_TARGET_LOAD, LAB_EXIT_TARGET_SETUP) after saying why; what
 * was loaded stays loaded for target_finish() to unload.
 */
int target_start(struct target *t, const char *dir);
/* Start the workload child (after the run's t = 0). 0 or -errno. */
int target_workload_start(struct target *t);
/*
 * Stop the workload, run check, unload the modules in reverse order.
 * Returns LAB_EXIT_OK, or LAB_EXIT_TARGET_CHECK / LAB_EXIT_TARGET_UNLOAD
 * (the first that failed), after saying why. Idempotent.
 */
int target_finish(struct target *t);
void target_free(struct target *t);

/* The report's target object (NULL when there is no target). */
json_t *target_json(const struct target *t);

/* The release of a vermagic ("6.1.192 SMP mod_unload" -> "6.1.192"). */
void target_vermagic_release(const char *vermagic, char *out, size_t len);
/* A string of .modinfo ("key=value\0" records) into out; 0 or -1. */
int target_modinfo(const char *data, size_t len, const char *key, char *out,
		   size_t outlen);

#endif /* LABYRINTH_TARGET_H */
