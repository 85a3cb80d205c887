/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exhaustion phases of an engine with exhaust = DURATION (run.c drives
 * them): each pulse is one LAB_IOC_START. The module drains, holds the
 * reserve exhausted for exhaust after the first genuine failure and
 * stops itself (LAB_STOP_EXHAUSTED: the release). The harness reads the
 * pulse's times and counters, releases the engine, waits for free pages
 * to be back above the low watermark (recovery), waits gap, and starts
 * the next pulse. The times go to the result directory as they happen
 * (pulses.live.csv), so that the host can place a crash in its phase.
 */
#ifndef LABYRINTH_RUN_PULSE_H
#define LABYRINTH_RUN_PULSE_H

#include <stdio.h>

#include "labdev.h"
#include "outcome.h"
#include "run_report.h"

#define PULSES_LIVE_CSV "pulses.live.csv"
/* Longest wait for recovery before the next pulse starts anyway (s). */
#define PULSE_RECOVERY_WAIT_S 30.0

enum pulse_step {
	PULSE_WAIT,		/* nothing to do now */
	PULSE_START,		/* the next pulse is due: start the engine */
	PULSE_CHANGED,		/* a time was recorded: write the live file */
};

/* A pulse started at t (s since run start). */
void pulse_started(struct engine_record *rt, double t);
/*
 * Look at a running exhaust engine at t: its hold began, it stopped
 * (stats read, merged, engine released), free pages are back above low,
 * or the next pulse is due. *next gets when it wants to look again.
 */
enum pulse_step pulse_poll(struct engine_record *rt, const struct sc_engine *e,
			   struct labdev *dev, const struct series *s,
			   double t0, double t, double *next);
/*
 * The run stopped the current pulse's engine (the run ended during it):
 * record its failure, release and stop times from its stats before they
 * are merged with the earlier pulses'.
 */
void pulse_stopped_by_run(struct engine_record *rt, const struct lab_stats *st,
			  double t0);
/* Counters of this pulse added to those of the ones before (a stats
 * read of the current pulse, merged in place). */
void pulse_merge(struct engine_record *rt, struct lab_stats *st);

/* "  pulse 2/5 hold" for the progress line: the first exhaust engine's
 * phase now ("" when there is none). */
void pulse_phase(const struct engine_record *eng, const struct scenario *sc,
		 char *buf, size_t len);

/* pulses.live.csv: engine index, pulse, t_start, t_fail, t_release,
 * t_stopped; one row per pulse, the whole file rewritten. */
void pulses_write(FILE *f, const struct run_record *rec);
/* Read it back into pulses[engine][]; a torn line is dropped. Returns
 * the rows read. */
size_t pulses_read(const char *text, struct outcome_pulse
		   pulses[][OUTCOME_MAX_PULSES], size_t *npulses,
		   size_t nengines);

#endif /* LABYRINTH_RUN_PULSE_H */
