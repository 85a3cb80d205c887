/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record of one run (filled by run.c, which drives it) and its
 * report: the outcome decided from it (outcome.c), and report.json.
 */
#ifndef LABYRINTH_RUN_REPORT_H
#define LABYRINTH_RUN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "kmsg.h"
#include "knobs.h"
#include "labdev.h"
#include "outcome.h"
#include "pressure.h"
#include "run.h"
#include "sample.h"
#include "scenario.h"
#include "scope_abi.h"
#include "target.h"
#include "trace.h"
#include "util.h"

/* What became of one [engine]. */
struct engine_record {
	uint32_t id, nr_cpus;
	bool started, stopped, failed, have_stats;
	struct lab_stats st;		/* final (read after the stop) */
	struct lab_cpu_stats *cpus;
	uint32_t ncpus;
	uint64_t freed;
	double t_start;
	/* exhaust engines (run_pulse.h): one START per pulse */
	struct outcome_pulse pulse[OUTCOME_MAX_PULSES];
	unsigned int npulses;
	bool released;			/* this pulse's engine is gone */
	bool pulses_done;		/* the last one recovered */
	double next_start;		/* the next pulse is due, < 0: no */
	struct lab_counters acc;	/* finished pulses, summed */
	struct lab_snapshot first;	/* the first pulse's first failure */
	uint64_t first_start_ns;
};

#define RUN_MAX_TRACERS (SC_MAX_LIST + INJ_COUNT)

/* What became of a scenario's injector section. */
struct injector_rt {
	bool armed, arm_tried;
	bool scoped;		/* its scope program was attached */
	json_t *scope;		/* what the program counted (scope_collect),
				 * NULL: none or unreadable */
	uint64_t scope_injected[SCOPE_HOOKS];	/* its failures per hook */
	long long times_left;	/* attribute's "times" at stop, -2: n/a */
};

/*
 * The record of one run: what report.json is made of. run.c fills it as
 * the run goes (its own state, struct run, stays private to it); the
 * report writer and the tests read it.
 */
struct run_record {
	const struct scenario *sc;
	const char *command;		/* the command line */
	char *dir, *id;
	double t0, t0_wall, t_end;	/* CLOCK_MONOTONIC / wall at t = 0;
					 * the length of the run */
	json_t *system;
	struct engine_record eng[SC_MAX_ENGINES];
	struct injector_rt inj[INJ_COUNT];
	const struct tracer *tr;
	size_t ntr;
	const struct kevents *ev;	/* NULL: /dev/kmsg was not read */
	const struct target *target;	/* the driver under test, or NULL */
	json_t *stress_ng;		/* pressure_report(), or NULL */
	const struct series *s;		/* the module's series */
	const struct series *proc;	/* the /proc series */
	double cpu_s;			/* the harness's CPU meanwhile */
	struct outcome_status st;
	char stop_reason[1100];
	struct run_outcome out;		/* run_record_outcome() */
	json_t *dut;			/* driver_under_test (nic.h), or NULL */
};

/* Decide the run's outcome from its record (again, after a change). */
void run_record_outcome(struct run_record *rec);
/* The whole report of a record whose outcome is decided. */
json_t *run_build_report(const struct run_record *rec);

/* The report's system object, read now. */
json_t *run_system_json(void);
/* ISO 8601 UTC with Z for a wall-clock time. */
void run_iso_time(double wall, char *buf, size_t len);

#endif /* LABYRINTH_RUN_REPORT_H */
