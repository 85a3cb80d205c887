/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A soak as it runs (soak_run.c), between `vm soak`'s command line
 * (cmd_soak.c) and the soak's data (soak.h): the directory, the pool of
 * VMs, which index comes next, the progress drawn on a terminal.
 */
#ifndef LABYRINTH_CMD_SOAK_H
#define LABYRINTH_CMD_SOAK_H

#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"
#include "soak.h"
#include "util.h"
#include "vm.h"
#include "vm_pool.h"

/* What `vm soak` was asked. */
struct soak_cli {
	struct vm_opts vo;		/* --kver --variant -m -c -t --accel */
	const char *matrix, *out, *resume, *id, *shard;
	uint64_t iterations, duration_ms;
	unsigned int jobs;
	char **sets;
	size_t nsets;
	char **scenarios;
	size_t nscenarios;
	bool quiet, plan_given, vm_given, timeout_given;
};

/* The plan from the command line; every scenario parsed with every
 * --set before any VM boots. sc[] keeps them (for the skip checks).
 * 0, or -1 after saying what was wrong. */
int soak_plan_from_cli(const struct soak_cli *o, struct soak_plan *p,
		       struct scenario *sc);

/* A place for one run in flight. */
struct soak_slot {
	struct vm_job job;
	uint64_t index;
	char *dir;			/* absolute: vm run --run-dir */
	char *log;
	bool busy;
};

struct soak_run_ctx {
	struct soak s;
	struct scenario *sc;		/* the plan's, parsed with --set */
	char (*skip)[SOAK_MAX_KERNELS][256]; /* why a cell is not run, "" */
	size_t runnable;		/* cells of the shard not skipped */
	char *dir;			/* the soak directory, absolute */
	size_t session;			/* ours, in s.sessions */
	struct vm_pool pool;
	struct soak_slot *slots;
	unsigned int jobs;		/* -j, 0: default */
	uint64_t next;			/* the next index to look at */
	double t0;			/* this session's start (now_mono) */
	double budget_s;		/* --duration: time left to start runs */
	bool quiet;
	struct progress prog;
	const char *who;		/* in messages: "vm soak" */
	bool nested;			/* one point of a sweep: no summary,
					 * no --resume hint */
	const char *head;		/* a first progress line, or NULL */
	bool interrupted;		/* out: stopped by a signal */
};

struct soak_run_ctx *soak_ctx_new(bool quiet, unsigned int jobs);
void soak_ctx_free(struct soak_run_ctx *c);
/*
 * A new soak directory for the plan in c->s.plan (out: NULL for
 * reports/soak-TIME), or an interrupted one to continue. -1 to go on,
 * else an exit code (said why).
 */
int soak_ctx_create(struct soak_run_ctx *c, const char *out);
int soak_ctx_resume(struct soak_run_ctx *c, const char *dir);
/* Run what is left, write the aggregate; the exit code. */
int soak_ctx_run(struct soak_run_ctx *c);

/*
 * SIGINT and SIGTERM stop a soak: soak_ctx_run() catches them for its
 * runs. A caller running several soaks in turn (a sweep) catches them
 * around all of them, so a signal between two soaks is not lost either;
 * nested calls count, the outermost restores the old handlers.
 * soak_stop_signal(): the signal caught since the outermost catch, or 0.
 */
void soak_signals_catch(void);
void soak_signals_release(void);
int soak_stop_signal(void);

/* The soak's exit status from its totals (see `vm soak --help`). */
int soak_exit_code(struct soak *s, bool interrupted);

#endif /* LABYRINTH_CMD_SOAK_H */
