/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sampling: parsers for /proc/vmstat, /proc/zoneinfo and /proc/meminfo
 * text (pure functions, tested on recorded text), the run's time series
 * (columnar, one row per sample), and its streamed CSV form — written and
 * flushed as the run goes, so that when the guest panics the host still
 * has every sample that reached the result directory.
 */
#ifndef LABYRINTH_SAMPLE_H
#define LABYRINTH_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vmstat {
	uint64_t nr_free_pages;
	uint64_t oom_kill;
	uint64_t allocstall;	/* sum of allocstall_* (per zone type) */
	uint64_t pgscan;	/* kswapd + direct + khugepaged (+proactive) */
	uint64_t pgsteal;	/* same sources */
	uint64_t compact_stall;
	uint64_t compact_fail;
	uint64_t compact_success;
	uint64_t pgalloc;	/* sum of pgalloc_* */
	unsigned int found;	/* how many of the above keys were present */
};

#define ZONE_NAME_MAX 16
#define MAX_ZONES 16

struct zone_info {
	int node;
	char name[ZONE_NAME_MAX];
	uint64_t free, min, low, high;
	uint64_t spanned, present, managed;
	uint64_t nr_reserved_highatomic;	/* when the kernel shows it */
};

struct meminfo {
	uint64_t mem_total_kb, mem_free_kb, mem_available_kb;
	uint64_t slab_kb, anon_kb;
};

/* Returns 0, or -EINVAL when not one line of the expected shape. */
int parse_vmstat(const char *text, struct vmstat *out);
/* Fills up to max zones, *n set. Returns 0 or -EINVAL (with no zone). */
int parse_zoneinfo(const char *text, struct zone_info *zones, size_t max,
		   size_t *n);
int parse_meminfo(const char *text, struct meminfo *out);
/* Read and parse a meminfo file (normally /proc/meminfo): 0 or -errno. */
int read_meminfo(const char *path, struct meminfo *out);
/*
 * The zone to plot and to compare with the module's snapshot: the highest
 * populated zone below Movable on node 0 (Normal, or DMA32 on a small
 * guest): where GFP_ATOMIC for kernel memory is tried first.
 */
int zone_pick(const struct zone_info *z, size_t n);

/* ---- the series ------------------------------------------------------ */

/*
 * Two series per run. The primary one is the module's exact per-tick
 * series (read() on /dev/labyrinth, struct lab_sample): taken by the
 * module's own timer at sample_interval, so it has no gaps when the
 * harness is starved of CPU, and its free pages are the very counter the
 * failure snapshot reads. The secondary one is /proc (vmstat, meminfo)
 * at proc_interval, for what only /proc knows: OOM kills, reclaim,
 * compaction, MemAvailable.
 */
enum series_kind {
	SERIES_MODULE,
	SERIES_PROC,
};

enum series_col {
	/* module series */
	COL_FREE,		/* free pages of the zone GFP_ATOMIC tries */
	COL_MIN,		/* its watermarks, watermark_boost excluded */
	COL_LOW,
	COL_HIGH,
	COL_BOOST,		/* watermark_boost */
	COL_HELD,		/* pages held through the module */
	COL_ATTEMPTS,		/* cumulative since t = 0, all engines */
	COL_FAIL_GENUINE,
	COL_FAIL_INJECTED,	/* private + kernel */
	COL_GLOBAL_FREE,	/* free pages of the machine */
	COL_HIGHATOMIC,		/* the zone's highatomic reserve */
	COL_LOST,		/* samples the ring dropped before this one */
	COL_RECLAIM,		/* pages given back to direct reclaim,
				 * cumulative (yield_to_reclaim) */
	/* /proc series */
	COL_NR_FREE,		/* vmstat nr_free_pages */
	COL_OOM_KILL,		/* since t = 0 */
	COL_ALLOCSTALL,
	COL_PGSCAN,
	COL_PGSTEAL,
	COL_COMPACT_STALL,
	COL_MEM_AVAILABLE_KB,
	COL_MAX,
};

/* Column names, as in the CSV files and report.json's series blocks. */
const char *series_col_name(enum series_col c);
enum series_kind series_col_kind(enum series_col c);
/* Counters that only grow (attempts, failures, OOM kills, ...). */
int series_col_cumulative(enum series_col c);

struct series {
	enum series_kind kind;
	size_t n, cap;
	double *t;			/* seconds since run start */
	uint64_t *col[COL_MAX];		/* every column; only the kind's
					 * are written and read */
	char zone[ZONE_NAME_MAX];
	unsigned int interval_ms;
};

void series_init(struct series *s, enum series_kind kind,
		 unsigned int interval_ms);
void series_free(struct series *s);
void series_append(struct series *s, double t, const uint64_t row[COL_MAX]);

/* Streamed CSV: header "t_s,<the kind's columns>", then one row per
 * sample (row i of the series). */
void series_csv_header(FILE *f, const struct series *s);
void series_csv_row(FILE *f, const struct series *s, size_t i);
/*
 * Read a streamed CSV back (what the guest managed to write before a
 * panic). A torn last line is dropped, not an error; unknown columns are
 * ignored. Returns the number of rows, or -EINVAL with err saying which
 * line was bad.
 */
int series_csv_read(const char *text, struct series *s, char *err,
		    size_t errlen);

/*
 * CPU time (user + system) this process has used, in seconds: measuring
 * the sampler's own cost (the run's main loop is the sampler).
 */
double self_cpu_s(void);

#endif /* LABYRINTH_SAMPLE_H */
