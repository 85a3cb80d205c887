// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth report DIR` regenerates every format of a run from its
 * report.json; `labyrinth compare OLD NEW` is the regression gate.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "report.h"
#include "report_priv.h"
#include "util.h"

static void report_usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth report [OPTIONS] DIR|REPORT.JSON\n"
"\n"
"Regenerate a run's report formats from its report.json (the one source\n"
"of truth): report.html, summary.txt, junit.xml, report.tap, series.csv.\n"
"report.json is rewritten last, atomically. Prints the terminal summary\n"
"and the path of report.html.\n"
"\n"
"Options:\n"
"  -f, --format LIST  formats to write: html,summary,junit,tap,csv or all\n"
"                     (default all)\n"
"  -o, --output DIR   write into DIR (with a copy of report.json) instead\n"
"                     of the report's own directory\n"
"      --validate     only check report.json against the schema; write\n"
"                     nothing\n"
"  -q, --quiet        do not print the summary\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 written (or valid), 2 missing/invalid report.json,\n"
"5 could not write.\n"
"\n"
"EXAMPLES\n"
"  labyrinth report reports/20261124T101500Z-baseline-drain\n"
"  labyrinth report --format junit,tap -o ci-out reports/latest\n"
"  labyrinth report --validate run/report.json\n");
}

/* The raw inputs the report names should be beside it; say so if not. */
static void warn_missing_files(json_t *r, const char *dir)
{
	static const char *const keys[] = {
		"console_log", "stress_ng_yaml", "bpftrace_out", "kmsg", NULL
	};
	const char *const *k;
	struct stat st;

	for (k = keys; *k; k++) {
		char path[64];
		const char *f;
		char *full;

		snprintf(path, sizeof(path), "files.%s", *k);
		f = jp_str(r, path, NULL);
		if (!f)
			continue;
		full = xasprintf("%s/%s", dir, f);
		if (stat(full, &st))
			lab_warn("%s: listed in report.json as files.%s but "
				 "missing: %s", full, *k, strerror(errno));
		free(full);
	}
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "validate", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int formats = REPORT_FMT_ALL;
	const char *out_dir = NULL, *src;
	int validate = 0, quiet = 0, c, ret = LAB_EXIT_OK;
	char err[1024], *dir = NULL;
	json_t *r = NULL;
	struct stat st;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (report_parse_formats(optarg, &formats, err,
						 sizeof(err))) {
				lab_err("--format: %s", err);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'o': out_dir = optarg; break;
		case 'V': validate = 1; break;
		case 'q': quiet = 1; break;
		case 'h': report_usage(stdout); return LAB_EXIT_OK;
		default: report_usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		lab_err("report: expected one result directory or report.json "
			"(see 'labyrinth report --help')");
		return LAB_EXIT_USAGE;
	}
	src = argv[optind];
	if (report_load(src, &r, err, sizeof(err))) {
		lab_err("%s", err);
		return LAB_EXIT_USAGE;
	}
	if (validate) {
		printf("%s: valid %s v%lld report\n", src, REPORT_SCHEMA_NAME,
		       (long long)json_integer_value(json_object_get(r,
		       "schema_version")));
		goto out;
	}
	if (!stat(src, &st) && S_ISDIR(st.st_mode)) {
		dir = xstrdup(src);
	} else {
		const char *slash = strrchr(src, '/');

		dir = slash ? xasprintf("%.*s", (int)(slash - src), src) :
		      xstrdup(".");
		if (!*dir) {
			free(dir);
			dir = xstrdup("/");
		}
	}
	warn_missing_files(r, dir);
	if (report_write_all(out_dir ? out_dir : dir, r, formats, err,
			     sizeof(err))) {
		lab_err("%s", err);
		ret = LAB_EXIT_INTERNAL;
		goto out;
	}
	if (!quiet) {
		report_print_summary(stdout, r);
		if (formats & REPORT_FMT_HTML)
			printf("report   %s/%s\n", out_dir ? out_dir : dir,
			       REPORT_HTML);
	}
out:
	free(dir);
	json_decref(r);
	return ret;
}

static void compare_usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth compare [OPTIONS] OLD NEW\n"
"\n"
"Compare two runs (result directories or report.json files): the\n"
"thresholds (first atomic failure, first OOM kill, panic, deepest dip),\n"
"per-engine failure and success rates, held peak, mean latency, owner\n"
"violations, OOM kills, kernel splats, and the verdict. A metric moved\n"
"when it changed by more than the tolerance, either way, or when it\n"
"exists in one run only.\n"
"\n"
"Options:\n"
"  -t, --tolerance PCT  relative change allowed, in percent (default 10)\n"
"  -q, --quiet          print nothing; the exit status says it\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 nothing moved past the tolerance, 1 something did,\n"
"2 bad arguments or a missing/invalid report.json.\n"
"\n"
"EXAMPLES\n"
"  labyrinth compare reports/base reports/candidate\n"
"  labyrinth compare --tolerance 5 old/report.json new/report.json\n"
"  labyrinth compare -q -t 20 baseline/ \"$RUN\" || echo regression\n");
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tolerance", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double tol = 10;
	int quiet = 0, c, moved, ret;
	json_t *o = NULL, *n = NULL;
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_double(optarg, 0, 1e6, &tol)) {
				lab_err("--tolerance '%s': expected a percentage "
					"between 0 and 1000000", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'q': quiet = 1; break;
		case 'h': compare_usage(stdout); return LAB_EXIT_OK;
		default: compare_usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		lab_err("compare: expected two runs, OLD and NEW (see "
			"'labyrinth compare --help')");
		return LAB_EXIT_USAGE;
	}
	if (report_load(argv[optind], &o, err, sizeof(err))) {
		lab_err("OLD: %s", err);
		return LAB_EXIT_USAGE;
	}
	if (report_load(argv[optind + 1], &n, err, sizeof(err))) {
		lab_err("NEW: %s", err);
		json_decref(o);
		return LAB_EXIT_USAGE;
	}
	if (!quiet)
		printf("old: %s (%s, %s)\nnew: %s (%s, %s)\n", argv[optind],
		       jp_str(o, "scenario.name", "?"),
		       jp_str(o, "system.kernel_release", "?"),
		       argv[optind + 1], jp_str(n, "scenario.name", "?"),
		       jp_str(n, "system.kernel_release", "?"));
	moved = report_compare(quiet ? NULL : stdout, o, n, tol);
	ret = moved ? LAB_EXIT_UNEXPECTED : LAB_EXIT_OK;
	json_decref(o);
	json_decref(n);
	return ret;
}
