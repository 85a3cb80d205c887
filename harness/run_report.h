/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of one run (shared by run.c, which drives it, and
 * run_report.c, which turns it into report.json), and the report builder.
 */
#ifndef LABYRINTH_RUN_REPORT_H
#define LABYRINTH_RUN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "kmsg.h"
#include "knobs.h"
#include "labdev.h"
#include "pressure.h"
#include "run.h"
#include "sample.h"
#include "scenario.h"
#include "trace.h"
#include "util.h"

struct engine_rt {
	uint32_t id, nr_cpus;
	bool started, stopped, failed, have_stats;
	struct lab_stats st;
	struct lab_cpu_stats *cpus;
	uint32_t ncpus;
	uint64_t freed;
	double t_start;
};

#define RUN_MAX_TRACERS (SC_MAX_LIST + INJ_COUNT)

/* What became of a scenario's injector section. */
struct injector_rt {
	bool armed, arm_tried;
	int scope_tr;		/* index of its scope tracer, -1: none */
	long long times_left;	/* attribute's "times" at stop, -2: n/a */
};

struct run {
	struct scenario *sc;
	const struct run_opts *o;
	char *dir, *id;
	double t0, t0_wall, t_end, t_pressure;
	double cpu0, cpu1;
	struct knobs knobs;
	bool knobs_open;
	struct labdev dev;
	bool dev_open, loaded_module;
	struct lab_counters base;	/* allocator counters at start */
	uint64_t base_oom_kill;
	struct engine_rt eng[SC_MAX_ENGINES];
	struct pressure pr;
	struct tracer tr[RUN_MAX_TRACERS];
	size_t ntr;
	bool tr_warned[RUN_MAX_TRACERS];
	struct injector_rt inj[INJ_COUNT];
	struct kmsg km;
	bool km_open;
	struct series s;
	FILE *live;
	double last_flush;
	unsigned long late;		/* samples skipped: we were late */
	json_t *system;
	struct progress prog;
	char stop_reason[1100];
	int interrupted;
	bool error, skipped, restore_failed;
	uint64_t held_after;
	struct child ballast;
	bool pr_checked;
	int procfd[3];			/* vmstat, zoneinfo, meminfo */
	char *procbuf;
	size_t procbuf_cap;
};

/* The report's system object, read now. */
json_t *run_system_json(void);
/* The whole report; partial = as known before the load starts. */
json_t *run_build_report(struct run *r, bool partial);
/* ISO 8601 UTC with Z for a wall-clock time. */
void run_iso_time(double wall, char *buf, size_t len);
/* Series as the report's columnar object. */
json_t *run_series_json(const struct series *s);
/* thresholds.deepest_dip / panic.last_sample / first_oom_kill pieces. */
json_t *run_dip_json(const struct series *s);
json_t *run_sample_json(const struct series *s, size_t i);

#endif /* LABYRINTH_RUN_REPORT_H */
