// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth report DIR` regenerates every format of a run from its
 * report.json; `labyrinth compare OLD NEW` is the regression gate.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "report.h"
#include "report_priv.h"
#include "soak.h"
#include "soak_report.h"
#include "sweep.h"
#include "util.h"

static void report_usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth report [OPTIONS] DIR|REPORT.JSON|SOAK.JSON\n"
"\n"
"Regenerate a run's report formats from its report.json (the one source\n"
"of truth): report.html, summary.txt, junit.xml, report.tap, series.csv.\n"
"report.json is rewritten last, atomically. Prints the terminal summary\n"
"and the path of report.html.\n"
"\n"
"Given a soak directory (labyrinth vm soak), the same from its soak.json:\n"
"soak.html, junit.xml, summary.txt, then soak.json. Given a sweep\n"
"directory (labyrinth vm sweep), from its sweep.json: sweep.html,\n"
"summary.txt, then sweep.json.\n"
"\n"
"Options:\n"
"  -f, --format LIST  formats to write: html,summary,junit,tap,csv or all\n"
"                     (default all; a soak: html,summary,junit or all),\n"
"                     and kcidb: KernelCI KCIDB JSON (schema v5.3) in\n"
"                     kcidb.json, only when asked for\n"
"      --origin NAME  the KCIDB origin (default labyrinth; lower-case\n"
"                     letters, digits, '_')\n"
"  -o, --output DIR   write into DIR (with a copy of report.json) instead\n"
"                     of the report's own directory\n"
"      --validate     only check report.json (or soak.json, sweep.json)\n"
"                     against its schema; write nothing\n"
"  -q, --quiet        do not print the summary\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 written (or valid), 2 missing/invalid report.json,\n"
"soak.json or sweep.json, 5 could not write.\n"
"\n"
"EXAMPLES\n"
"  labyrinth report reports/20261124T101500Z-baseline-drain\n"
"  labyrinth report --format junit,tap -o ci-out reports/latest\n"
"  labyrinth report --validate run/report.json\n"
"  labyrinth report --format kcidb reports/soak-20261129T101500Z\n"
"  labyrinth report --validate reports/sweep-20261129T101500Z\n"
"  kcidb-submit -p PROJECT -t TOPIC < reports/soak-.../kcidb.json\n");
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

/* What `report` was asked. */
struct report_opts {
	char *formats;		/* the --format list without "kcidb" */
	bool kcidb;
	const char *origin, *out_dir, *src;
	bool validate, quiet;
};

/* --format LIST: "kcidb" is ours to write; the rest is the writers'. */
static int split_formats(const char *list, struct report_opts *o)
{
	char *copy = xstrdup(list), *w, *save = NULL;
	struct sbuf b;

	sb_init(&b);
	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "kcidb"))
			o->kcidb = true;
		else
			sb_printf(&b, "%s%s", b.len ? "," : "", w);
	}
	free(copy);
	free(o->formats);
	o->formats = b.len ? sb_take(&b) : (free(b.s), NULL);
	return 0;
}

static int write_kcidb(const char *dir, char *text)
{
	char *path = xasprintf("%s/kcidb.json", dir);
	int ret = mkdir_p(dir, 0755) ?: write_file_atomic(path, text,
							   strlen(text));

	if (ret)
		lab_err("%s: cannot write: %s", path, strerror(-ret));
	else
		printf("kcidb    %s\n", path);
	free(path);
	free(text);
	return ret ? LAB_EXIT_INTERNAL : LAB_EXIT_OK;
}

/* A soak directory: its formats from soak.json. */
static int report_soak(const struct report_opts *o)
{
	const char *dir = o->out_dir ? o->out_dir : o->src;
	char err[1024];
	struct soak s;
	int ret = LAB_EXIT_OK;

	if (soak_load(o->src, &s, err, sizeof(err))) {
		lab_err("%s", err);
		return LAB_EXIT_USAGE;
	}
	if (o->validate) {
		printf("%s: valid %s v%d soak (%zu runs)\n", o->src,
		       SOAK_SCHEMA_NAME, SOAK_SCHEMA_VERSION, s.nruns);
	} else if (o->formats || !o->kcidb) {
		if (o->formats && strcmp(o->formats, "all") &&
		    strcmp(o->formats, "html,summary,junit"))
			lab_warn("report: a soak's formats are written together "
				 "(html, summary, junit): writing them all");
		ret = mkdir_p(dir, 0755);
		if (!ret)
			ret = soak_write_all(dir, &s, err, sizeof(err));
		if (ret) {
			lab_err("%s", err);
			ret = LAB_EXIT_INTERNAL;
		} else if (!o->quiet) {
			char *sum = soak_summary_string(&s);

			fputs(sum, stdout);
			free(sum);
			printf("soak     %s/%s\n", dir, SOAK_HTML);
		}
	}
	if (!ret && o->kcidb && !o->validate)
		ret = write_kcidb(dir, kcidb_from_soak(&s, o->origin));
	soak_free(&s);
	return ret;
}

/* A sweep directory: sweep.html and summary.txt from sweep.json. */
static int report_sweep(const struct report_opts *o)
{
	const char *dir = o->out_dir ? o->out_dir : o->src;
	char err[1024];
	struct sweep s;
	int ret = LAB_EXIT_OK;

	if (sweep_load(o->src, &s, err, sizeof(err))) {
		lab_err("%s", err);
		sweep_free(&s);
		return LAB_EXIT_USAGE;
	}
	if (o->validate) {
		printf("%s: valid %s v%d sweep (%zu values)\n", o->src,
		       SWEEP_SCHEMA_NAME, SWEEP_SCHEMA_VERSION, s.npoints);
	} else if (o->kcidb) {
		lab_err("report: a sweep has no KCIDB form; its values' soaks "
			"do (labyrinth report --format kcidb DIR/points/NN-*)");
		ret = LAB_EXIT_USAGE;
	} else {
		ret = mkdir_p(dir, 0755);
		if (!ret)
			ret = sweep_write_all(dir, &s, err, sizeof(err));
		if (ret) {
			lab_err("%s", err);
			ret = LAB_EXIT_INTERNAL;
		} else if (!o->quiet) {
			char *sum = sweep_summary_string(&s);

			fputs(sum, stdout);
			free(sum);
			printf("sweep    %s/%s\n", dir, SWEEP_HTML);
		}
	}
	sweep_free(&s);
	return ret;
}

/* The directory a report.json lives in. */
static char *report_dir(const char *src)
{
	struct stat st;
	const char *slash;
	char *dir;

	if (!stat(src, &st) && S_ISDIR(st.st_mode))
		return xstrdup(src);
	slash = strrchr(src, '/');
	dir = slash ? xasprintf("%.*s", (int)(slash - src), src) :
	      xstrdup(".");
	if (!*dir) {
		free(dir);
		dir = xstrdup("/");
	}
	return dir;
}

static int report_run(const struct report_opts *o)
{
	unsigned int formats = REPORT_FMT_ALL;
	int ret = LAB_EXIT_OK;
	char err[1024], *dir;
	json_t *r = NULL;

	if (o->formats && report_parse_formats(o->formats, &formats, err,
					       sizeof(err))) {
		lab_err("--format: %s", err);
		return LAB_EXIT_USAGE;
	}
	if (report_load(o->src, &r, err, sizeof(err))) {
		lab_err("%s", err);
		return LAB_EXIT_USAGE;
	}
	if (o->validate) {
		printf("%s: valid %s v%lld report\n", o->src, REPORT_SCHEMA_NAME,
		       (long long)json_integer_value(json_object_get(r,
		       "schema_version")));
		json_decref(r);
		return LAB_EXIT_OK;
	}
	dir = report_dir(o->src);
	if (o->formats || !o->kcidb) {
		warn_missing_files(r, dir);
		if (report_write_all(o->out_dir ? o->out_dir : dir, r, formats,
				     err, sizeof(err))) {
			lab_err("%s", err);
			ret = LAB_EXIT_INTERNAL;
		} else if (!o->quiet) {
			report_print_summary(stdout, r);
			if (formats & REPORT_FMT_HTML)
				printf("report   %s/%s\n", o->out_dir ?
				       o->out_dir : dir, REPORT_HTML);
		}
	}
	if (!ret && o->kcidb)
		ret = write_kcidb(o->out_dir ? o->out_dir : dir,
				  kcidb_from_report(r, o->origin));
	free(dir);
	json_decref(r);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "origin", required_argument, NULL, 'O' },
		{ "output", required_argument, NULL, 'o' },
		{ "validate", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_opts o = { .origin = "labyrinth" };
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': split_formats(optarg, &o); break;
		case 'O': o.origin = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'V': o.validate = true; break;
		case 'q': o.quiet = true; break;
		case 'h': report_usage(stdout); return LAB_EXIT_OK;
		default: report_usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		lab_err("report: expected one result directory, report.json or "
			"soak directory (see 'labyrinth report --help')");
		free(o.formats);
		return LAB_EXIT_USAGE;
	}
	if (!*o.origin || strspn(o.origin, "abcdefghijklmnopqrstuvwxyz"
				 "0123456789_") != strlen(o.origin)) {
		lab_err("--origin '%s': KCIDB wants lower-case letters, digits "
			"and '_'", o.origin);
		free(o.formats);
		return LAB_EXIT_USAGE;
	}
	o.src = argv[optind];
	ret = soak_is_soak(o.src) ? report_soak(&o) :
	      sweep_is_sweep(o.src) ? report_sweep(&o) : report_run(&o);
	free(o.formats);
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
"Or compare two soaks (directories of 'labyrinth vm soak'): per scenario\n"
"and kernel, the distribution of every threshold over the runs. A\n"
"threshold moved only when its median shifted by more than the\n"
"tolerance AND the two sets of runs differ significantly (Mann-Whitney\n"
"rank-sum test, two-sided, p < alpha; exact for small samples without\n"
"ties, else the normal approximation with tie correction); how often a\n"
"threshold was reached and how often a verdict was unexpected moved when\n"
"Fisher's exact test gives p < alpha. Every row shows the p-value and n.\n"
"\n"
"Options:\n"
"  -t, --tolerance PCT  relative change allowed, in percent (default 10)\n"
"  -a, --alpha P        soaks: significance level (default 0.05)\n"
"      --old-kernel K   soaks: compare OLD's cells on kernel K ...\n"
"      --new-kernel K   ... with NEW's on kernel K, scenario by scenario\n"
"                       (default: the same kernel; with one kernel on\n"
"                       each side, those two)\n"
"  -q, --quiet          print nothing; the exit status says it\n"
"  -h, --help           this text\n"
"\n"
"Exit status: 0 nothing moved past the tolerance, 1 something did,\n"
"2 bad arguments, a missing/invalid report.json or soak.json, or soaks\n"
"with no scenario and kernel in common.\n"
"\n"
"EXAMPLES\n"
"  labyrinth compare reports/base reports/candidate\n"
"  labyrinth compare --tolerance 5 old/report.json new/report.json\n"
"  labyrinth compare -q -t 20 baseline/ \"$RUN\" || echo regression\n"
"  labyrinth compare soak-6.1/ soak-6.12/\n"
"  labyrinth compare --old-kernel 6.1 --new-kernel 6.12 soak/ soak/\n");
}

/* Two soaks: distributions and significance (soak_compare.c). */
static int compare_soaks(const char *old_dir, const char *new_dir,
			 const struct soak_compare_opts *opt, bool quiet)
{
	struct soak o, n;
	char err[1024];
	int moved, ret = LAB_EXIT_USAGE;

	if (soak_load(old_dir, &o, err, sizeof(err))) {
		lab_err("OLD: %s", err);
		return LAB_EXIT_USAGE;
	}
	if (soak_load(new_dir, &n, err, sizeof(err))) {
		lab_err("NEW: %s", err);
		soak_free(&o);
		return LAB_EXIT_USAGE;
	}
	if (!quiet)
		printf("old: %s (soak %s, %zu runs)\nnew: %s (soak %s, %zu "
		       "runs)\n", old_dir, o.plan.id, o.nruns, new_dir,
		       n.plan.id, n.nruns);
	moved = soak_compare(quiet ? NULL : stdout, &o, &n, opt);
	if (moved >= 0)
		ret = moved ? LAB_EXIT_UNEXPECTED : LAB_EXIT_OK;
	soak_free(&o);
	soak_free(&n);
	return ret;
}

static int compare_runs(const char *old_path, const char *new_path,
			double tol, bool quiet)
{
	json_t *o = NULL, *n = NULL;
	char err[1024];
	int moved;

	if (report_load(old_path, &o, err, sizeof(err))) {
		lab_err("OLD: %s", err);
		return LAB_EXIT_USAGE;
	}
	if (report_load(new_path, &n, err, sizeof(err))) {
		lab_err("NEW: %s", err);
		json_decref(o);
		return LAB_EXIT_USAGE;
	}
	if (!quiet)
		printf("old: %s (%s, %s)\nnew: %s (%s, %s)\n", old_path,
		       jp_str(o, "scenario.name", "?"),
		       jp_str(o, "system.kernel_release", "?"),
		       new_path, jp_str(n, "scenario.name", "?"),
		       jp_str(n, "system.kernel_release", "?"));
	moved = report_compare(quiet ? NULL : stdout, o, n, tol);
	json_decref(o);
	json_decref(n);
	return moved ? LAB_EXIT_UNEXPECTED : LAB_EXIT_OK;
}

enum { OPT_OLD_KERNEL = 0x100, OPT_NEW_KERNEL };

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tolerance", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "old-kernel", required_argument, NULL, OPT_OLD_KERNEL },
		{ "new-kernel", required_argument, NULL, OPT_NEW_KERNEL },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct soak_compare_opts so = { .tolerance_pct = 10, .alpha = 0.05 };
	bool quiet = false, soak_old, soak_new;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:a:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_double(optarg, 0, 1e6, &so.tolerance_pct)) {
				lab_err("--tolerance '%s': expected a percentage "
					"between 0 and 1000000", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'a':
			if (parse_double(optarg, 1e-12, 1, &so.alpha)) {
				lab_err("--alpha '%s': expected a probability "
					"above 0 and at most 1, e.g. 0.05",
					optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case OPT_OLD_KERNEL: so.old_kernel = optarg; break;
		case OPT_NEW_KERNEL: so.new_kernel = optarg; break;
		case 'q': quiet = true; break;
		case 'h': compare_usage(stdout); return LAB_EXIT_OK;
		default: compare_usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 2) {
		lab_err("compare: expected two runs or two soaks, OLD and NEW "
			"(see 'labyrinth compare --help')");
		return LAB_EXIT_USAGE;
	}
	if (!so.old_kernel != !so.new_kernel) {
		lab_err("compare: --old-kernel and --new-kernel go together");
		return LAB_EXIT_USAGE;
	}
	soak_old = soak_is_soak(argv[optind]);
	soak_new = soak_is_soak(argv[optind + 1]);
	if (soak_old != soak_new) {
		lab_err("compare: %s is a soak and %s a run: compare two runs "
			"or two soaks", soak_old ? argv[optind] :
			argv[optind + 1], soak_old ? argv[optind + 1] :
			argv[optind]);
		return LAB_EXIT_USAGE;
	}
	if (soak_old)
		return compare_soaks(argv[optind], argv[optind + 1], &so,
				     quiet);
	if (so.old_kernel) {
		lab_err("compare: --old-kernel/--new-kernel are for soaks");
		return LAB_EXIT_USAGE;
	}
	return compare_runs(argv[optind], argv[optind + 1], so.tolerance_pct,
			    quiet);
}
