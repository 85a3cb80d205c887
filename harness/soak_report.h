/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a soak directory holds besides the runs (soak.h): soak.json, and
 * from it soak.html, junit.xml and summary.txt; `labyrinth compare` on
 * two soaks; KCIDB for KernelCI (kcidb.c, for a run's report.json too).
 */
#ifndef LABYRINTH_SOAK_REPORT_H
#define LABYRINTH_SOAK_REPORT_H

#include <stdio.h>

#include "soak.h"

/* The formats, each a malloc'd string (s is aggregated first). */
char *soak_summary_string(struct soak *s);
char *soak_junit(struct soak *s);
char *soak_html(struct soak *s);

/* "atomic-failure 48, panic 2" into buf. */
void soak_verdict_counts(const struct soak_cell *c, char *buf, size_t len);
/* 75 -> "1m15s", 7300 -> "2h01m". */
void soak_fmt_duration(char *buf, size_t len, double s);

/*
 * soak.json alone (as the soak goes, after every run), or every format
 * and then soak.json, each through write_file_atomic(). The JSON is
 * validated before it is written. 0 or -errno with err.
 */
int soak_write_json(const char *dir, struct soak *s, char *err,
		    size_t errlen);
int soak_write_all(const char *dir, struct soak *s, char *err,
		   size_t errlen);

/* How `labyrinth compare` judges two soaks. */
struct soak_compare_opts {
	double tolerance_pct;	/* a median shift past this, in percent */
	double alpha;		/* and p below this: moved */
	const char *old_kernel;	/* pair cells of this kernel in OLD ... */
	const char *new_kernel;	/* ... with this one's in NEW, by scenario */
};

/*
 * Compare the cells of two soaks, paired by scenario and kernel (or by
 * scenario alone when each side has one kernel, or with old_kernel /
 * new_kernel). Per threshold number: the median shift, and the
 * Mann-Whitney p-value of the two sets of values; it moved only when
 * the shift is past the tolerance and p < alpha. Per cell also the
 * rate of unexpected verdicts and of each threshold being reached
 * (Fisher's exact test, p < alpha). Prints a table (f may be NULL).
 * Returns how many moved, or -1 when no cell pairs up (said so).
 */
int soak_compare(FILE *f, struct soak *o, struct soak *n,
		 const struct soak_compare_opts *opt);

/*
 * KernelCI KCIDB I/O JSON (schema v5.3: reports/schema/kcidb/) of one
 * run's validated report.json, or of a soak: a checkout and a build per
 * kernel, a test per run with its status and, under it, one test per
 * threshold reached with the value as its output. origin: the KCIDB
 * origin (lower-case letters, digits, '_'). malloc'd JSON text.
 */
char *kcidb_from_report(json_t *report, const char *origin);
char *kcidb_from_soak(struct soak *s, const char *origin);

#endif /* LABYRINTH_SOAK_REPORT_H */
