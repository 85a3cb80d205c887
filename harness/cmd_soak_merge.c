// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth soak merge -o OUT DIR...`: the shard directories of one soak
 * (`vm soak --shard K/N`, one per machine) into one soak directory, as if
 * one machine had run every index: the runs' records are the union, each
 * run's directory is copied so that soak.html's links work, and the
 * aggregate is computed from them by the same code (soak_aggregate), so
 * its counts and distributions are exactly those of an unsharded soak
 * with the same runs.
 *
 * Why `labyrinth soak merge` and not `vm soak merge`: it boots no VM and
 * needs no kernel, only the shards' directories; in CI it runs in a job
 * of its own that has nothing but their artifacts.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_soak.h"
#include "commands.h"
#include "soak.h"
#include "soak_report.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth soak merge -o OUT DIR...\n"
"\n"
"Merge the directories of the shards of one soak ('labyrinth vm soak\n"
"--shard [KERNEL:]K/N', one per machine) into OUT, as if one machine had\n"
"run them all: every run's record and directory, and the aggregate\n"
"(soak.json, soak.html, junit.xml, summary.txt) computed from them. The\n"
"shards must be of the same plan (scenarios and their sha256, kernels,\n"
"--set, iterations, VM, --id), split the same way, each once; a missing\n"
"shard leaves the merged soak incomplete, and says so.\n"
"\n"
"Options:\n"
"  -o, --out OUT   the merged soak directory (must not exist, or be empty)\n"
"  -q, --quiet     no summary\n"
"  -h, --help      this text\n"
"\n"
"Exit status: as 'labyrinth vm soak' for the merged soak (0 every run met\n"
"its expectation, 1 one did not or a shard is missing, 4 every run was\n"
"skipped), 2 bad arguments or shards that do not belong together, 5 OUT\n"
"could not be written.\n"
"\n"
"Examples:\n"
"  labyrinth soak merge -o soak shard-1 shard-2 shard-3\n"
"  labyrinth soak merge -o merged artifacts/soak-*\n");
}

/* Which shards of the soak have been merged: one row per kernel for
 * shards of one kernel's runs, row 0 for shards of every kernel's. */
struct shard_set {
	unsigned int n;			/* N of K/N */
	bool by_kernel;
	size_t rows;
	bool *seen;			/* rows x n */
};

static bool *shard_slot(struct shard_set *set, const struct soak_plan *p)
{
	return &set->seen[(size_t)(p->shard_kernel + 1) * set->n +
			  p->shard - 1];
}

/* Shard b of the soak of a, split the same way, not one seen before. */
static int shard_fits(const struct soak *a, const struct soak *b,
		      struct shard_set *set, const char *dir)
{
	if (!soak_plan_same(&a->plan, &b->plan) ||
	    b->plan.nshards != set->n ||
	    (b->plan.shard_kernel >= 0) != set->by_kernel) {
		lab_err("soak merge: %s is not a shard of the same soak, split "
			"the same way (plan %s, shard %u/%u%s; the first was "
			"plan %s split %u ways%s)", dir, b->plan.id,
			b->plan.shard, b->plan.nshards,
			b->plan.shard_kernel >= 0 ? " of one kernel" : "",
			a->plan.id, set->n, set->by_kernel ?
			" per kernel" : "");
		return -1;
	}
	if (*shard_slot(set, &b->plan)) {
		lab_err("soak merge: %s is shard %s%s%u/%u again", dir,
			b->plan.shard_kernel >= 0 ?
			b->plan.k[b->plan.shard_kernel].name : "",
			b->plan.shard_kernel >= 0 ? ":" : "", b->plan.shard,
			b->plan.nshards);
		return -1;
	}
	return 0;
}

static size_t shards_missing(const struct shard_set *set)
{
	size_t i, missing = 0;

	for (i = set->by_kernel ? set->n : 0; i < set->rows * set->n; i++)
		missing += !set->seen[i];
	return missing;
}

/* b's runs (records and directories) and sessions into m. */
static int take_shard(struct soak *m, struct soak *b, const char *dir,
		      const char *out)
{
	size_t i;

	for (i = 0; i < b->nruns; i++) {
		char *rel = soak_run_dirname(&b->plan, b->runs[i].index);
		char *src = xasprintf("%s/%s", dir, rel);
		char *dst = xasprintf("%s/%s", out, rel);
		int ret = access(src, F_OK) ? 0 : copy_tree(src, dst);

		if (access(src, F_OK))
			lab_warn("soak merge: %s is missing: run %llu's "
				 "record is merged, its files are not", src,
				 (unsigned long long)b->runs[i].index);
		free(rel);
		free(src);
		free(dst);
		if (ret) {
			lab_err("soak merge: cannot copy run %llu into %s: %s",
				(unsigned long long)b->runs[i].index, out,
				strerror(-ret));
			return LAB_EXIT_INTERNAL;
		}
		soak_add_run(m, &b->runs[i]);
	}
	m->sessions = xrealloc(m->sessions, (m->nsessions + b->nsessions) *
			       sizeof(*m->sessions));
	memcpy(m->sessions + m->nsessions, b->sessions,
	       b->nsessions * sizeof(*b->sessions));
	m->nsessions += b->nsessions;
	return -1;
}

/* The plan of the whole soak: the shards' with shard 1/1. */
static void whole_plan(struct soak *m, const struct soak *first)
{
	json_t *j = soak_plan_json(&first->plan);
	char err[256];

	soak_plan_from_json(j, &m->plan, err, sizeof(err));
	json_decref(j);
	m->plan.shard = m->plan.nshards = 1;
	m->plan.shard_kernel = -1;
}

static int merge(char **dirs, size_t n, const char *out, bool quiet)
{
	struct shard_set set = { 0 };
	struct soak m, b;
	char err[1024];
	size_t i, missing = 0;
	int ret = -1;

	soak_init(&m);
	for (i = 0; i < n && ret < 0; i++) {
		if (soak_load(dirs[i], &b, err, sizeof(err))) {
			lab_err("soak merge: %s", err);
			ret = LAB_EXIT_USAGE;
			break;
		}
		if (!i) {
			whole_plan(&m, &b);
			set.n = b.plan.nshards;
			set.by_kernel = b.plan.shard_kernel >= 0;
			set.rows = set.by_kernel ? b.plan.nk + 1 : 1;
			set.seen = xcalloc(set.rows * set.n, sizeof(*set.seen));
		} else if (shard_fits(&m, &b, &set, dirs[i])) {
			ret = LAB_EXIT_USAGE;
		}
		if (ret < 0) {
			*shard_slot(&set, &b.plan) = true;
			ret = take_shard(&m, &b, dirs[i], out);
		}
		soak_free(&b);
	}
	if (ret < 0) {
		missing = shards_missing(&set);
		if (missing)
			lab_warn("soak merge: %zu of the %zu shards are missing: "
				 "the merged soak is incomplete", missing,
				 (set.rows - set.by_kernel) * set.n);
		if (soak_write_all(out, &m, err, sizeof(err))) {
			lab_err("soak merge: %s", err);
			ret = LAB_EXIT_INTERNAL;
		}
	}
	if (ret < 0) {
		if (!quiet) {
			char *s = soak_summary_string(&m);

			fputs(s, stdout);
			free(s);
		}
		printf("Soak: %s/%s\n", out, SOAK_HTML);
		ret = soak_exit_code(&m, missing > 0);
	}
	free(set.seen);
	soak_free(&m);
	return ret;
}

static int soak_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL;
	bool quiet = false;
	char *json;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return LAB_EXIT_OK;
		default: usage(stderr); return LAB_EXIT_USAGE;
		}
	}
	if (!out || optind >= argc) {
		lab_err("soak merge: expected -o OUT and at least one shard "
			"directory (see 'labyrinth soak merge --help')");
		return LAB_EXIT_USAGE;
	}
	json = xasprintf("%s/%s", out, SOAK_JSON);
	ret = access(json, F_OK) == 0;
	free(json);
	if (ret) {
		lab_err("soak merge: %s holds a soak already: merge into a new "
			"directory", out);
		return LAB_EXIT_USAGE;
	}
	ret = mkdir_p(out, 0755);
	if (ret) {
		lab_err("soak merge: cannot create %s: %s", out, strerror(-ret));
		return LAB_EXIT_INTERNAL;
	}
	return merge(argv + optind, (size_t)(argc - optind), out, quiet);
}

int cmd_soak(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "merge"))
		return soak_merge(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return LAB_EXIT_OK;
	}
	lab_err("soak: expected 'soak merge' (a soak itself is 'labyrinth vm "
		"soak'; see 'labyrinth soak merge --help')");
	return LAB_EXIT_USAGE;
}
