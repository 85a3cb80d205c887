/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A threshold search: one scenario key varied across fresh VMs until a
 * run reaches an outcome (`labyrinth vm sweep`). The data path:
 *
 *   plan (scenario, kernel, KEY=LOW..HIGH, bisect or step, K runs a point)
 *     -> sweep_next(): the next value to try, from the points so far
 *     -> one soak per point (cmd_soak.h: K runs of the scenario with
 *        --set KEY=VALUE, in fresh VMs), in points/NN-VALUE/
 *     -> struct sweep_point: how many of its runs reached the outcome
 *     -> sweep_analyse(): the smallest failing value, monotonicity
 *     -> sweep.json (reports/schema/sweep.md) -> sweep.html (the curve
 *        as SVG), summary.txt (the curve as text), reproducer.ini
 *
 * The model assumes the outcome gets likelier as the value grows (a
 * higher rate, a longer hold, more ballast, a higher probability). A
 * point "fails" when at least one of its runs reached the outcome; the
 * smallest failing value is the smallest tried value that failed with
 * every tried value below it passing. Where the failure rate falls as
 * the value grows the curve is not monotone: said, never smoothed over.
 */
#ifndef LABYRINTH_SWEEP_H
#define LABYRINTH_SWEEP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "soak.h"
#include "vocab.h"

#define SWEEP_SCHEMA_NAME "labyrinth-sweep"
#define SWEEP_SCHEMA_VERSION 1

/* File names in a sweep directory. */
#define SWEEP_JSON "sweep.json"
#define SWEEP_HTML "sweep.html"
#define SWEEP_SUMMARY "summary.txt"
#define SWEEP_REPRO "reproducer.ini"
#define SWEEP_POINTS "points"		/* points/NN-VALUE/: a soak each */

#define SWEEP_MAX_POINTS 1000
#define SWEEP_BISECT_DIVS 32	/* default resolution: (HIGH-LOW) / this */

/* What a run must come to for its point to fail. */
enum sweep_until {
	SWEEP_UNTIL_CRASH,		/* panic or splat (oops, BUG, KASAN) */
	SWEEP_UNTIL_OOM,		/* the OOM killer fired */
	SWEEP_UNTIL_ATOMIC_FAILURE,	/* a genuine atomic failure */
	SWEEP_UNTIL_MAX,
};
extern const struct vocab vocab_sweep_until;

enum sweep_method { SWEEP_BISECT, SWEEP_STEP };

/* How far the search got (sweep_analyse()). */
enum sweep_found {
	SWEEP_FOUND_BOUNDARY,	/* a failing value with a passing one below
				 * it within the resolution (or a step) */
	SWEEP_FOUND_AT_LOW,	/* LOW already fails: the boundary is at or
				 * below it */
	SWEEP_FOUND_NONE,	/* nothing up to HIGH failed */
	SWEEP_FOUND_INCOMPLETE,	/* stopped before it knew (interrupted, or
				 * a point where no run could run) */
};
extern const struct vocab vocab_sweep_found;

/* The numbers a scenario key holds: its unit and bounds. */
struct sweep_key {
	char path[96];		/* as given: engine.rate, engine.rx.rate */
	char section[128];	/* its header in the file: "engine rx" */
	char name[32];		/* the key's name there */
	char old_name[32];	/* an earlier name the file may use, or "" */
	enum sc_key_kind kind;
	double min, max;	/* allowed, in the unit (ms, bytes) */
};

struct sweep_plan {
	char *file;		/* the scenario, as given */
	char name[64];		/* the scenario's */
	char sha256[65];
	uint32_t expect;
	struct soak_kernel kernel;
	struct sweep_key key;
	double low, high;	/* in the key's unit */
	enum sweep_method method;
	double step;		/* SWEEP_STEP */
	double resolution;	/* SWEEP_BISECT: stop when the failing and
				 * passing values are this close */
	enum sweep_until until;
	unsigned int runs_per_point;
	char **sets;		/* the other --set, in order */
	size_t nsets;
	unsigned int mem_mb, cpus, timeout_s;
	char accel[12];
};

struct sweep_point {
	double value;
	char text[48];		/* as --set gets it: 40000, 250ms, 64M */
	char dir[96];		/* points/NN-TEXT, relative */
	unsigned int runs;	/* records (fewer than K if interrupted) */
	unsigned int ran, hits, infra, skipped;
	unsigned int verdicts[V_MAX];
	double wall_s;		/* of the point, host wall clock */
};

/* Where the failure rate falls as the value grows. */
struct sweep_violation {
	size_t lower, higher;	/* into points: lower value, higher rate */
};

struct sweep_result {
	enum sweep_found found;
	int smallest_failing;	/* point index, -1 none */
	int largest_passing;	/* below it, -1 none */
	bool monotone;
	struct sweep_violation *v;
	size_t nv;
	char reproducer[32];	/* SWEEP_REPRO when written, else "" */
};

struct sweep {
	struct sweep_plan plan;
	struct sweep_point *points;	/* in the order they ran */
	size_t npoints;
	char start_time[32];
	double elapsed_s;
	bool interrupted;
	bool stopped;		/* a point could not be decided: no run ran */
	char stop_reason[512];
	struct sweep_result res;
};

void sweep_init(struct sweep *s);
void sweep_free(struct sweep *s);

/*
 * "LOW..HIGH" in the key's unit (40000, 250ms, 64M, 2.5): 0, or -1 with
 * err saying what is wrong and what the key allows.
 */
int sweep_parse_range(const struct sweep_key *k, const char *text,
		      double *low, double *high, char *err, size_t errlen);
/* One value in the key's unit ("--step 5000", "--resolution 10ms"). */
int sweep_parse_value(const struct sweep_key *k, const char *text,
		      double *v, char *err, size_t errlen);
/* A value as a scenario file or --set takes it: 40000, 1500ms, 64M. */
void sweep_format_value(const struct sweep_key *k, double v, char *buf,
			size_t len);
/* The integer kinds' values are integers: floor. */
double sweep_round(const struct sweep_key *k, double v);

/* Has this point any decided run, and did it fail; its failure rate
 * (NAN when no run ran). */
bool sweep_point_decided(const struct sweep_point *p);
bool sweep_point_fails(const struct sweep_point *p);
double sweep_point_rate(const struct sweep_point *p);
/* Did this run reach the outcome? */
bool sweep_run_hits(enum sweep_until until, const struct soak_run *r);

/*
 * The next value to try, from the points so far: true with *value, or
 * false when the search is over (sweep_analyse() says how it ended).
 * Bisect: LOW, then HIGH, then halve [largest passing below the
 * smallest failing, smallest failing] until it is resolution wide.
 * Step: LOW, LOW + STEP, ... up to HIGH (HIGH itself last), every one.
 */
bool sweep_next(const struct sweep *s, double *value);
/* The result from the points: found, smallest failing, violations. */
void sweep_analyse(struct sweep *s);
/* A point's record from its soak (runs of one cell). */
void sweep_point_from_soak(struct sweep_point *pt, enum sweep_until until,
			   const struct soak *soak);

/* sweep.json: out, back (validated first), and the check alone. */
json_t *sweep_json(struct sweep *s);
int sweep_validate(json_t *j, char *err, size_t errlen);
int sweep_load(const char *dir_or_file, struct sweep *s, char *err,
	       size_t errlen);
/* Is this a sweep directory (or a sweep.json)? */
bool sweep_is_sweep(const char *dir_or_file);

/* summary.txt (the curve as text) and sweep.html (as SVG), malloc'd. */
char *sweep_summary_string(struct sweep *s);
char *sweep_html(struct sweep *s);
/* sweep.json and every format from it, each written atomically. */
int sweep_write_all(const char *dir, struct sweep *s, char *err,
		    size_t errlen);

#endif /* LABYRINTH_SWEEP_H */
