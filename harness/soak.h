/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A soak: every scenario of a plan run again and again, each run in a
 * fresh VM, on every kernel of a matrix, and the aggregate of what they
 * came to. The data path:
 *
 *   plan (scenarios x kernels x iterations, --set, shard K/N)
 *     -> one run per index, in a fresh VM (vm_pool.h: `labyrinth vm run`)
 *     -> its report.json -> struct soak_run (the run's record: verdict,
 *        expectation, the threshold numbers), kept beside the run as
 *        soak-run.json the moment it finishes
 *     -> soak_aggregate(): struct soak_cell per scenario x kernel (verdict
 *        counts, flakiness, the distribution of every threshold)
 *     -> soak.json (reports/schema/soak.md) -> soak.html, junit.xml,
 *        summary.txt, KCIDB (soak_report.c, kcidb.c); compare (soak_compare.c)
 *
 * The aggregate is a function of the plan and the run records only, in
 * index order, so shards merged (soak_merge) aggregate exactly as one
 * machine running every index would have.
 */
#ifndef LABYRINTH_SOAK_H
#define LABYRINTH_SOAK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_priv.h"
#include "vocab.h"

#define SOAK_SCHEMA_NAME "labyrinth-soak"
#define SOAK_SCHEMA_VERSION 1

/* File names in a soak directory. */
#define SOAK_JSON "soak.json"
#define SOAK_HTML "soak.html"
#define SOAK_JUNIT "junit.xml"
#define SOAK_SUMMARY "summary.txt"
#define SOAK_RUNS "runs"		/* runs/NNNNNN-SCENARIO-KERNEL/ */
#define SOAK_RECORD "soak-run.json"	/* in each run's directory */
#define SOAK_RUN_LOG "vm-run.log"	/* `vm run`'s own output */

#define SOAK_MAX_KERNELS 8
#define SOAK_MAX_SCENARIOS 64

/* One kernel of the matrix: "6.1", "6.12-debug", "stock". */
struct soak_kernel {
	char name[24];
	char kver[16];		/* --kver */
	char variant[16];	/* --variant: default or debug */
};

struct soak_scenario {
	char *file;		/* as given (relative to where it runs) */
	char name[64];
	char sha256[65];	/* of the file's text */
	uint32_t expect;	/* enum verdict (sc_expect's values) */
};

/* What was asked: the same on every shard of one soak. */
struct soak_plan {
	char id[64];		/* --id, else a hash of the rest */
	struct soak_scenario *sc;
	size_t nsc;
	struct soak_kernel k[SOAK_MAX_KERNELS];
	size_t nk;
	char **sets;		/* --set SECTION.KEY=VALUE, in order */
	size_t nsets;
	uint64_t iterations;	/* 0: until duration_s */
	uint64_t duration_s;	/* 0: iterations */
	unsigned int shard;	/* this machine's share, 1..nshards */
	unsigned int nshards;
	int shard_kernel;	/* -1: of every kernel's runs; else of this
				 * kernel's only (a CI matrix job per kernel
				 * and shard) */
	unsigned int mem_mb, cpus;
	unsigned int timeout_s;	/* 0: vm run's default */
	char accel[12];
};

/* Run index -> (iteration, kernel, scenario): scenario fastest, so any
 * prefix of the indices covers every cell as evenly as it can. */
void soak_plan_decode(const struct soak_plan *p, uint64_t index,
		      uint64_t *iteration, size_t *kernel, size_t *scenario);
/*
 * Is this index this shard's? (iteration + cell) % nshards == shard - 1,
 * the cell being the run's scenario x kernel number (kernel * scenarios
 * + scenario; with a shard kernel, the scenario's among that kernel's):
 * every shard gets the same share, +-1, of every cell's iterations, so
 * shards take about as long and each sees every scenario.
 */
bool soak_plan_in_shard(const struct soak_plan *p, uint64_t index);
/* Indices of the whole soak (0 with --duration: open-ended). */
uint64_t soak_plan_total(const struct soak_plan *p);
/* Of them, this shard's. */
uint64_t soak_plan_shard_total(const struct soak_plan *p);
/* "6.12-debug" -> kver 6.12, variant debug; 0 or -1 (err says why). */
int soak_kernel_parse(const char *name, struct soak_kernel *k, char *err,
		      size_t errlen);
void soak_plan_free(struct soak_plan *p);
/* No --id: the first 12 hex digits of the plan's SHA-256, the same on
 * every shard (and for every soak of the same plan: give --id to tell
 * them apart, e.g. in KCIDB). */
void soak_plan_default_id(struct soak_plan *p);
/* The same soak? Everything but the shard (index and count). */
bool soak_plan_same(const struct soak_plan *a, const struct soak_plan *b);

enum soak_status {
	SOAK_RAN,	/* the run wrote its report: verdict is its own */
	SOAK_SKIPPED,	/* not run on this kernel, reason says why */
	SOAK_INFRA,	/* no report: the VM could not run, or `vm run`
			 * died; verdict is error */
};

/* One run's record. */
struct soak_run {
	uint64_t index, iteration;
	size_t scenario, kernel;	/* into the plan */
	enum soak_status status;
	int exit_code;			/* of `vm run`; -1 killed by a signal */
	uint32_t verdict;		/* enum verdict */
	int expect_met;			/* 1, 0, or -1 when not decided */
	bool unexpected;		/* counts against the soak's exit status */
	char reason[512];
	char release[64];		/* the guest's uname -r, "" if unknown */
	char start_time[32];		/* ISO 8601 UTC */
	double wall_s;			/* host wall clock of the run */
	double metric[THRESHOLD_NMETRICS]; /* NAN: threshold not reached */
};

/* The values of one threshold number over a cell's runs. */
struct soak_dist {
	size_t n;			/* runs that reached it */
	double min, median, p95, max, mean;
	double *v;			/* sorted */
};

/* One scenario on one kernel. */
struct soak_cell {
	size_t scenario, kernel;
	unsigned int runs, ran, skipped, infra, expect_met, unexpected;
	unsigned int verdicts[V_MAX];
	bool flaky;			/* runs that ran differ in verdict */
	const char *skip_reason;	/* the first skipped run's (borrowed) */
	double wall_s;			/* mean host wall clock of a run */
	struct soak_dist dist[THRESHOLD_NMETRICS];
};

/* One machine's session of a soak (a resume or a shard adds one). */
struct soak_session {
	char hostname[64];
	char start_time[32];
	double elapsed_s;
	unsigned int jobs, shard, nshards;
	char shard_kernel[24];		/* "" all */
	uint64_t runs;			/* runs it completed */
	bool interrupted;
};

struct soak {
	struct soak_plan plan;
	struct soak_run *runs;		/* sorted by index */
	size_t nruns;
	struct soak_session *sessions;
	size_t nsessions;
	struct soak_cell *cells;	/* nsc * nk, scenario-major */
	size_t ncells;
};

void soak_init(struct soak *s);
void soak_free(struct soak *s);
/* Add a record (a copy), keeping index order; -1 if the index is there. */
int soak_add_run(struct soak *s, const struct soak_run *r);
/* Cells from the runs (again): counts, flakiness, distributions. */
void soak_aggregate(struct soak *s);
struct soak_cell *soak_cell(struct soak *s, size_t scenario, size_t kernel);

struct soak_totals {
	uint64_t planned;		/* 0: open-ended (--duration) */
	uint64_t done, ran, skipped, infra, expect_met, unexpected;
	unsigned int flaky_cells;
	bool complete;			/* every planned index has a record
					 * (--duration: the time was used up,
					 * the last session not interrupted) */
};
void soak_totals(const struct soak *s, struct soak_totals *t);

/*
 * The record of a finished run from its directory: report.json if the
 * run wrote one (verdict, thresholds, kernel release; the verdict judged
 * against expect, the plan's expectation), else an infrastructure error
 * whose reason is the last "labyrinth:" line of its log. exit_code:
 * `vm run`'s status (-1 killed by a signal).
 */
void soak_run_from_dir(struct soak_run *r, const char *run_dir,
		       const char *log, int exit_code, uint32_t expect);

/* JSON of the plan, a run record, the whole soak (for soak.json). */
json_t *soak_plan_json(const struct soak_plan *p);
json_t *soak_run_json(const struct soak *s, const struct soak_run *r);
json_t *soak_json(struct soak *s);
/* Back from JSON (validated first); 0 or -1 with err. */
int soak_plan_from_json(json_t *j, struct soak_plan *p, char *err,
			size_t errlen);
int soak_run_from_json(const struct soak_plan *p, json_t *j,
		       struct soak_run *r, char *err, size_t errlen);

/*
 * Check soak.json: the fields (reports/schema/soak.schema.json, in C)
 * and what a schema cannot say: runs in index order, each in its
 * plan's scenarios, kernels and shard, and the cells exactly what the
 * runs aggregate to. 0 or -EINVAL, err names the JSON path.
 */
int soak_validate(json_t *j, char *err, size_t errlen);
/* Load and validate DIR/soak.json (or the file) into s; 0 or -errno. */
int soak_load(const char *dir_or_file, struct soak *s, char *err,
	      size_t errlen);
/* Is this a soak directory (or a soak.json)? */
bool soak_is_soak(const char *dir_or_file);

/* A run's record file (SOAK_RECORD) back; 0 or -EINVAL with err. */
int soak_run_load(const struct soak_plan *p, const char *path,
		  struct soak_run *r, char *err, size_t errlen);

/* The directory of a run, relative to the soak's. malloc'd. */
char *soak_run_dirname(const struct soak_plan *p, uint64_t index);

#endif /* LABYRINTH_SOAK_H */
