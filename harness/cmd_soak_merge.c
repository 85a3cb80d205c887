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
"--shard K/N', one per machine) into OUT, as if one machine had run them\n"
"all: every run's record and directory, and the aggregate (soak.json,\n"
"soak.html, junit.xml, summary.txt) computed from them. The shards must\n"
"be of the same plan (scenarios and their sha256, kernels, --set,\n"
"iterations, VM, --id) and of different shard indices; a missing shard\n"
"leaves the merged soak incomplete, and says so.\n"
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

/* Shard b of the soak of a (split nshards ways), not one seen before. */
static int shard_fits(const struct soak *a, const struct soak *b,
		      unsigned int nshards, const char *dir, const bool *seen)
{
	if (!soak_plan_same(&a->plan, &b->plan) ||
	    b->plan.nshards != nshards) {
		lab_err("soak merge: %s is a shard of another soak (plan %s, "
			"not %s; or its scenarios, kernels, --set or iterations "
			"differ)", dir, b->plan.id, a->plan.id);
		return -1;
	}
	if (seen[b->plan.shard - 1]) {
		lab_err("soak merge: %s is shard %u/%u again", dir,
			b->plan.shard, b->plan.nshards);
		return -1;
	}
	return 0;
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
}

static int merge(char **dirs, size_t n, const char *out, bool quiet)
{
	struct soak m, b;
	bool *seen = NULL;
	char err[1024];
	unsigned int nshards = 1;
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
			nshards = b.plan.nshards;
			seen = xcalloc(nshards, sizeof(*seen));
		} else if (shard_fits(&m, &b, nshards, dirs[i], seen)) {
			ret = LAB_EXIT_USAGE;
		}
		if (ret < 0) {
			seen[b.plan.shard - 1] = true;
			ret = take_shard(&m, &b, dirs[i], out);
		}
		soak_free(&b);
	}
	for (i = 0; ret < 0 && i < nshards; i++)
		missing += !seen[i];
	if (ret < 0 && missing)
		lab_warn("soak merge: %zu of the %u shards are missing: the "
			 "merged soak is incomplete", missing, nshards);
	if (ret < 0 && soak_write_all(out, &m, err, sizeof(err))) {
		lab_err("soak merge: %s", err);
		ret = LAB_EXIT_INTERNAL;
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
	free(seen);
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
