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

enum series_col {
	COL_FREE,		/* the picked zone's free pages */
	COL_MIN,
	COL_LOW,
	COL_HIGH,
	COL_HELD,		/* pages held through the module */
	COL_ATTEMPTS,		/* cumulative, all engines */
	COL_FAIL_GENUINE,
	COL_FAIL_INJECTED,	/* private + kernel */
	COL_NR_FREE,		/* system-wide nr_free_pages */
	COL_OOM_KILL,
	COL_ALLOCSTALL,
	COL_PGSCAN,
	COL_PGSTEAL,
	COL_COMPACT_STALL,
	COL_MEM_AVAILABLE_KB,
	COL_HIGHATOMIC,
	COL_MAX,
};

/* Column names, as in series.csv and report.json's series block. */
const char *series_col_name(enum series_col c);

struct series {
	size_t n, cap;
	double *t;			/* seconds since run start */
	uint64_t *col[COL_MAX];
	char zone[ZONE_NAME_MAX];
	unsigned int interval_ms;
};

void series_init(struct series *s, unsigned int interval_ms);
void series_free(struct series *s);
void series_append(struct series *s, double t, const uint64_t row[COL_MAX]);

/* Streamed CSV: header "t_s,free_pages,..." then one row per sample. */
void series_csv_header(FILE *f);
void series_csv_row(FILE *f, double t, const uint64_t row[COL_MAX]);
/*
 * Read a streamed CSV back (what the guest managed to write before a
 * panic). A torn last line is dropped, not an error. Returns the number
 * of rows, or -EINVAL with err saying which line was bad.
 */
int series_csv_read(const char *text, struct series *s, char *err,
		    size_t errlen);

/*
 * CPU time (user + system) this process has used, in seconds: measuring
 * the sampler's own cost (the run's main loop is the sampler).
 */
double self_cpu_s(void);

#endif /* LABYRINTH_SAMPLE_H */
