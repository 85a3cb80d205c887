/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thresholds found in a recorded series (pure functions, tested on
 * recorded series): first genuine atomic failure, first OOM kill, the
 * deepest dip below the min watermark, the last sample before a moment
 * (a panic), the failure rate over time; and the run's verdict from what
 * was observed.
 */
#ifndef LABYRINTH_THRESHOLDS_H
#define LABYRINTH_THRESHOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"
#include "scenario.h"

#define THR_NONE ((size_t)-1)

/* First row whose column is above the first row's value (a cumulative
 * counter moving). THR_NONE if it never moves. */
size_t thr_first_increase(const struct series *s, enum series_col c);

struct thr_dip {
	size_t idx;		/* THR_NONE: free never went below min */
	double t;
	uint64_t free, min, below;
};
/*
 * The lowest free while free < min (the first such row on ties), against
 * the unboosted min: the lowest min of the run (zoneinfo adds the boost).
 */
void thr_deepest_dip(const struct series *s, struct thr_dip *d);

/* Last row with t <= t_s, THR_NONE if none. */
size_t thr_last_before(const struct series *s, double t_s);

#define THR_MAX_GAPS 64

/*
 * What the series lacks: samples the module's ring dropped (it was full:
 * the harness read too late) and ticks its timer never took (the tick
 * came late and the timer skipped ahead: nothing is there to read).
 * Both show as a gap in t_s; every gap longer than 1.5 intervals is
 * listed (the first THR_MAX_GAPS of them), with how many samples it
 * lacks.
 */
struct thr_gap {
	double t0, t1;		/* the samples either side */
	uint64_t missing;
};
struct thr_loss {
	uint64_t ring_lost;	/* sum of the lost column */
	uint64_t missed;	/* samples missing from the gaps, all causes */
	double longest_gap_s;	/* longest distance between two samples */
	size_t ngaps;		/* gaps found (may exceed THR_MAX_GAPS) */
	struct thr_gap gap[THR_MAX_GAPS];
};
void thr_series_loss(const struct series *s, struct thr_loss *l);

struct thr_rate {
	double t0, t1;
	uint64_t attempts, failures;	/* in the window */
	double rate;			/* failures / attempts, 0 if none */
};
/*
 * Failure rate (genuine + injected) per window of window_s seconds.
 * Returns the number of windows; *out is malloc'd (NULL if 0).
 */
size_t thr_failure_rates(const struct series *s, double window_s,
			 struct thr_rate **out);

struct observed {
	bool panic;
	bool splat;
	bool oom;
	bool atomic_failure;	/* genuine */
	bool timeout;
	bool error;
	/* the scenario exhausts the reserve on purpose (an engine with
	 * exhaust phases): its genuine failures are the experiment, not an
	 * outcome; without anything worse the verdict is survive */
	bool exhaust;
};
/*
 * A panic is always the verdict; then a splat, an error or a timeout
 * (nothing else can be trusted after one); then the expected outcome if
 * it happened; else the most severe thing that happened (oom, then
 * atomic-failure), or survive when nothing did.
 */
enum verdict thr_verdict(const struct observed *o, enum sc_expect expect);
/* Does the verdict meet the expectation? */
bool thr_expect_met(enum verdict v, enum sc_expect expect);

#endif /* LABYRINTH_THRESHOLDS_H */
