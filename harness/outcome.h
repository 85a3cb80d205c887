/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a run came to, in one struct, computed in one place.
 *
 * struct outcome_input is what was recorded: the module's series and the
 * /proc series, each engine's first-failure snapshot and stop time, the
 * kernel's messages (struct kevents: from /dev/kmsg in the guest, from
 * the console log on the host after a panic), the run's own status and
 * the VM runner's verdict. outcome_compute() turns it into struct
 * run_outcome: thresholds, verdict, whether the expectation was met, the
 * windows the plots shade and what the series lacks. report.json only
 * serialises the struct (outcome_json.c), the run's exit status reads it
 * (outcome_exit_code()), and the guest and the host build the same input
 * from what each has, so a run has one outcome whichever side finished it.
 *
 * A new part of the outcome (a crash object, exhaustion phases, a driver
 * under test) is a new member here, filled by outcome_compute() and
 * serialised beside the others; a new shaded phase is a new entry of
 * windows[].
 */
#ifndef LABYRINTH_OUTCOME_H
#define LABYRINTH_OUTCOME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmsg.h"
#include "sample.h"
#include "scenario.h"
#include "thresholds.h"
#include "uapi/labyrinth.h"
#include "vocab.h"

/* ---- what was recorded -------------------------------------------------- */

/*
 * One pulse of an engine with an exhaust phase (times in s since run
 * start, < 0: not reached): the engine started (drain), failed for the
 * first time (hold), its stop was decided (release: the exhaust time ran
 * out, or the run ended) and every page was back. Recovery (free pages
 * back above the low watermark) is read from the series.
 */
struct outcome_pulse {
	double t_start, t_fail, t_release, t_stopped;
};

struct outcome_engine {
	const char *name;		/* its [engine NAME] */
	uint32_t context;		/* LAB_CTX_* */
	bool have_stats;		/* the module's counters were read */
	struct lab_snapshot first;	/* first genuine failure (time_ns 0:
					 * none) */
	uint64_t fail_genuine;		/* its genuine failures */
	double stop_t;			/* when it stopped (s), < 0: ? */
	const struct outcome_pulse *pulses;	/* exhaust engines only */
	size_t npulses;
};

struct outcome_vm {
	bool present;			/* run under `labyrinth vm run` */
	bool panic, splat, timeout, no_status;
	const char *evidence;		/* the runner's first line of it */
	const char *panic_msg;		/* its "Kernel panic - ..." line */
};

struct outcome_status {
	bool unfinished;	/* the run never got to write its report */
	bool error;		/* could not do what it set out to do */
	bool skipped;		/* not run here, for a reason */
	int interrupted;	/* the signal that stopped it, 0: none */
	bool restore_failed;	/* a kernel knob could not be put back */
	uint64_t held_after;	/* pages still held after every stop */
	bool dut_failed;	/* the driver under test's check failed
				 * (report.json driver_under_test.check) */
};

struct outcome_input {
	uint32_t expect;		/* enum sc_expect */
	double t0;			/* CLOCK_MONOTONIC s at t = 0 */
	double t_end;			/* the run's length (s), 0: ? */
	const struct series *s;		/* the module's series */
	const struct series *proc;	/* the /proc series (oom_kill) */
	const struct outcome_engine *eng;
	size_t neng;
	const struct kevents *ev;
	struct outcome_status st;
	struct outcome_vm vm;
	const char *stop_reason;	/* what ended the sampling */
	/* failed by a scope program in allocations that are not
	 * labyrinth's (those the module counts itself): injected too */
	uint64_t injected_elsewhere;
};

/* ---- what it came to ----------------------------------------------------- */

/* The series' row at a moment (the last one taken at or before it). */
struct outcome_sample {
	bool found;
	double t;
	uint64_t free, held, min, low, high;
};

enum outcome_source {
	SRC_SNAPSHOT,		/* the module's snapshot at the failure */
	SRC_SERIES,		/* the module's series (sample resolution) */
};

struct outcome_failure {
	bool found;
	enum outcome_source source;
	struct outcome_sample at;	/* t, free, held and the (unboosted)
					 * watermarks at the failure */
	uint64_t boost, global_free;
	char zone[24];
	char engine[SC_NAME_MAX];
	uint32_t context;
	uint32_t cpu, order;
	bool cpu_known;
};

struct outcome_oom {
	struct kmsg_oom k;		/* victim, from the kernel's line */
	struct outcome_sample at;	/* the series at the kill */
};

struct outcome_panic {
	bool found;
	double t;
	char message[512];
	struct outcome_sample last;	/* last sample before it */
};

struct outcome_dip {
	bool found;
	enum outcome_source source;	/* the lowest point: a sample, or
					 * the failure snapshot itself */
	double t;
	uint64_t free, min, below;
};

/*
 * A span the plots shade: the exhaustion window of an engine without
 * phases, or each phase of each pulse of an engine with an exhaust
 * phase: drain, hold, release (to recovery), gap (to the next pulse).
 */
#define OUTCOME_MAX_PULSES 50		/* [engine] pulses, at most */
#define OUTCOME_MAX_WINDOWS (4 * OUTCOME_MAX_PULSES + 1)
struct outcome_window {
	char kind[16];		/* "exhaustion", "drain", "hold", "release",
				 * "gap" (enum in report.schema.json) */
	char label[96];
	double t0, t1;
	bool phase;		/* a phase: what follows is set */
	bool open;		/* the record ended inside it (crash, end) */
	char engine[SC_NAME_MAX];
	unsigned int pulse;	/* 1..pulses */
	/* during the window: "page allocation failure" messages of the
	 * kernel (other callers: labyrinth's own engines are nowarn or
	 * counted apart), labyrinth's own genuine failures, OOM kills,
	 * pages labyrinth gave back to direct reclaim */
	uint64_t alloc_failure_msgs, lab_failures, oom_kills, reclaim_pages;
	double recovery_s;	/* release: stop to free > low, < 0: never */
};

struct run_outcome {
	enum verdict verdict;
	uint32_t expect;		/* enum sc_expect */
	bool expect_met;
	struct observed obs;		/* what the verdict came from */
	char reason[2048];

	struct outcome_failure first_failure;
	struct outcome_oom *ooms;	/* every OOM kill, in time order */
	size_t nooms;
	struct outcome_panic panic;
	struct outcome_dip dip;
	struct thr_rate *rates;		/* failure rate per second */
	size_t nrates;
	struct outcome_window windows[OUTCOME_MAX_WINDOWS];
	size_t nwindows;
	struct thr_loss loss;		/* what the series lacks */
	uint64_t genuine, injected;	/* failures, from the series */
	uint64_t injected_elsewhere;	/* outcome_input's */
};

/*
 * Compute the outcome of a run. Pure: reads only its input. out is
 * overwritten (outcome_free() it when done).
 */
void outcome_compute(const struct outcome_input *in, struct run_outcome *out);
void outcome_free(struct run_outcome *o);

/*
 * The VM runner saw what the guest could not (a splat on the console, a
 * hang): decide the verdict again with it, as outcome_compute() would
 * have. For a report the guest finished (its observed flags read back).
 */
void outcome_apply_vm(struct run_outcome *o, const struct outcome_vm *vm);

/* The exit status of a run with this outcome (enum lab_exit). */
int outcome_exit_code(const struct run_outcome *o,
		      const struct outcome_status *st);

/*
 * Where a moment t (s, e.g. a crash) fell: the phase window it is in
 * (the last that started at or before it; NULL if none) and the time
 * since the first genuine failure (ff_t < 0: none known, then the first
 * hold's start; neither: since_ff < 0).
 * "0.8 s into hold" (of pulse 2 when there are more) into buf.
 */
const struct outcome_window *outcome_place(const struct outcome_window *w,
					   size_t n, double ff_t, double t,
					   double *since_ff, char *buf,
					   size_t len);
/* outcome_windows_json() read back (a report the guest finished). */
size_t outcome_windows_from_json(json_t *a, struct outcome_window *w,
				 size_t max);

/* The series' row at or before t (found false if none). */
void outcome_sample_at(const struct series *s, double t,
		       struct outcome_sample *out);

#endif /* LABYRINTH_OUTCOME_H */
