/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exhaustion reports. report.json (schema: reports/schema/report.schema.json,
 * documented in reports/schema/README.md) is the one source of truth; every
 * other file of a run's result directory is generated from it by the
 * writers below, so `labyrinth report DIR` can regenerate them at any time.
 *
 * The harness builds the report as a jansson object and hands it to
 * report_write_all(); it keeps ownership of the object.
 *
 * Errors: functions that take (err, errlen) put one line there saying what
 * was wrong and where (file and JSON path, e.g.
 * "$.thresholds.first_atomic_failure.free_pages: expected a non-negative
 * integer, got string") and return a negative errno; enum lab_exit codes
 * are the callers' business.
 */
#ifndef LABYRINTH_REPORT_H
#define LABYRINTH_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define REPORT_SCHEMA_NAME "labyrinth-report"
/* Version 2: the module's exact series as "series" (source, loss), the
 * /proc one as "proc_series", "windows", outcome.observed, one name per
 * concept (contexts softirq/kthread-atomic, shred fast). Version 3:
 * exhaustion phases (windows of kind drain/hold/release/gap with pulse,
 * recovery_s), the driver under test ("target"; a [nic] driver, its
 * flood and check: "driver_under_test"), the crash ("crash"),
 * and a scoped injector's counts as injection.injectors[].scoped (per
 * hook and per call site), replacing bpftrace_calls/bpftrace_injected;
 * scope chain:F1=>F2. Versions 1 and 2 are still read. */
#define REPORT_SCHEMA_VERSION 3
#define REPORT_SCHEMA_OLDEST 1

/* File names inside a result directory. */
#define REPORT_JSON "report.json"
#define REPORT_HTML "report.html"
#define REPORT_SUMMARY "summary.txt"
#define REPORT_JUNIT "junit.xml"
#define REPORT_TAP "report.tap"
#define REPORT_CSV "series.csv"

/* Bits for report_write_all()'s choice of derived formats. */
enum report_format {
	REPORT_FMT_HTML = 1 << 0,
	REPORT_FMT_SUMMARY = 1 << 1,
	REPORT_FMT_JUNIT = 1 << 2,
	REPORT_FMT_TAP = 1 << 3,
	REPORT_FMT_CSV = 1 << 4,
	REPORT_FMT_ALL = (1 << 5) - 1,
};

/* "html,junit" -> bits. Returns 0 or -EINVAL (names the bad word in err). */
int report_parse_formats(const char *list, unsigned int *out, char *err,
			 size_t errlen);

/*
 * Check a report against schema version 1 in C: required keys, types,
 * ranges and enums as in report.schema.json, plus what a JSON Schema cannot
 * say: every series column as long as series.t_s and t_s non-decreasing,
 * successes + failures <= attempts per engine, expect_met == (verdict ==
 * expect), deepest_dip.below_min_pages == min - free_pages. Unknown keys are
 * allowed (forward compatibility within a schema version).
 * Returns 0, or -EINVAL with the first problem (its JSON path) in err.
 */
int report_validate(json_t *r, char *err, size_t errlen);

/*
 * Write every derived format chosen in `formats` (REPORT_FMT_*), each
 * through write_file_atomic(), THEN report.json, also atomically, last.
 * So a report.json that exists is complete and every file it was written
 * with is beside it: a crash part-way leaves either no report.json (the
 * run's report is missing, which `labyrinth report` says) or the previous
 * one. The report is validated first and nothing is written if it is
 * invalid. files.{series_csv,html,junit,tap,summary} are set in `report`
 * to the names written (the one in-place change). `dir` is created if
 * needed. Returns 0, -EINVAL (invalid report, err says where) or -errno
 * (err names the file).
 */
int report_write_all(const char *dir, json_t *report, unsigned int formats,
		     char *err, size_t errlen);

/*
 * Load and validate DIR/report.json, or the file itself when given a file.
 * Distinguishes: no report.json (run crashed before writing it), not JSON
 * or truncated (with line:column), another schema, a newer schema_version,
 * and validation errors. *out is a new reference on success.
 */
int report_load(const char *dir_or_file, json_t **out, char *err,
		size_t errlen);

/* DIR/NAME when dir_or_file is a directory, else dir_or_file (malloc'd). */
char *report_dir_file(const char *dir_or_file, const char *name);
/* Whether that file is JSON whose "schema" is schema (soak, sweep). */
bool report_file_has_schema(const char *dir_or_file, const char *name,
			    const char *schema);

/* The terminal summary: at most 79 columns wide, ends with a newline. */
void report_print_summary(FILE *f, json_t *r);

/*
 * The other formats, each into a malloc'd NUL-terminated string that the
 * caller frees. Input must have passed report_validate().
 */
char *report_summary_string(json_t *r);
char *report_html(json_t *r);
char *report_junit(json_t *r);
char *report_tap(json_t *r);
char *report_csv(json_t *r);

/*
 * Compare two reports (OLD, NEW): thresholds, per-engine rates and
 * latencies, verdict. Prints a table under 80 columns to `f` (if not
 * NULL). A metric "moved" when |new - old| / |old| * 100 > tolerance_pct,
 * or when it appeared or vanished (a threshold reached in one run but not
 * the other), or when the verdict changed. Returns the number of metrics
 * that moved past the tolerance (0 = within tolerance).
 */
int report_compare(FILE *f, json_t *old_r, json_t *new_r,
		   double tolerance_pct);

#endif /* LABYRINTH_REPORT_H */
