/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run's sampler: the module's exact series (read() on the run's
 * /dev/labyrinth fd, one struct lab_sample per tick of the module's own
 * timer) as the primary series, and /proc/vmstat + /proc/meminfo at a
 * slower pace as the secondary one. Both are streamed to CSV files in the
 * result directory as they are read, so that a guest that panics leaves
 * every sample that reached its share.
 *
 * The harness only has to read now and then (sampler_poll() takes every
 * sample the ring holds), so a harness starved of CPU by an IRQ storm
 * loses no sample; the ring's own losses (it was full) and the ticks the
 * module's timer could not take are counted (thr_series_loss()).
 *
 * `labyrinth bench` runs the same sampler to measure what it costs.
 */
#ifndef LABYRINTH_SAMPLER_H
#define LABYRINTH_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "labdev.h"
#include "sample.h"

#define SAMPLER_MODULE_CSV "samples.live.csv"
/*
 * How often a run reads the module's ring and writes what it read to the
 * result directory: away from the reserve, and near it (a panic may come,
 * and what is not written is lost). Each write is a round trip to the
 * host over 9p, a millisecond of CPU under TCG: the sampler's main cost.
 */
#define SAMPLER_READ_S 0.25
#define SAMPLER_FLUSH_S 0.5
#define SAMPLER_NEAR_S 0.05
#define SAMPLER_PROC_CSV "proc.live.csv"

struct sampler {
	struct labdev *dev;		/* the run's fd (a ring per fd) */
	double t0;			/* CLOCK_MONOTONIC s at t = 0 */
	struct series mod, proc;
	FILE *live_mod, *live_proc;	/* NULL: not streamed */
	/* counters at t = 0: the series count from there */
	uint64_t base_attempts, base_genuine, base_injected, base_oom_kill;
	uint64_t base_reclaim;
	bool have_base;
	double next_proc;		/* when the next /proc sample is due */
	double flush_s;			/* write the CSVs out this often */
	double last_flush;
	int procfd[2];			/* vmstat, meminfo; kept open */
	char *procbuf;
	size_t procbuf_cap;
	struct lab_sample *buf;
	size_t buf_n;
	bool ring_on;
};

/*
 * Set up both series (zone: the name of the zone the module samples).
 * live_dir: stream CSV files there (NULL: not). Does not start sampling.
 */
void sampler_init(struct sampler *s, struct labdev *dev,
		  unsigned int interval_ms, unsigned int proc_interval_ms,
		  const char *zone, const char *live_dir);
/*
 * Start the module's series now (t0 = now); samples taken before are
 * dropped by the module. Returns 0 or -errno (the module refused).
 */
int sampler_start(struct sampler *s, double t0);
/*
 * Take what is due: every sample the module's ring holds, and a /proc
 * sample if proc_interval has passed; write them out if s->flush_s
 * (SAMPLER_FLUSH_S unless the caller changes it) has passed. Returns the
 * number of new module samples, or -errno if the ring could not be read.
 */
int sampler_poll(struct sampler *s, double now);
/* Stop the module's series and read what is left. */
void sampler_stop(struct sampler *s);
void sampler_free(struct sampler *s);

/* The newest module sample's row index, or -1 if none yet. */
static inline long sampler_last(const struct sampler *s)
{
	return (long)s->mod.n - 1;
}

#endif /* LABYRINTH_SAMPLER_H */
