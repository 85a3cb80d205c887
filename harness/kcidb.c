// SPDX-License-Identifier: GPL-2.0
/*
 * KernelCI's KCIDB I/O JSON (schema v5.3, kept in reports/schema/kcidb/
 * with its licence) from a run's report.json or from a soak, so that a
 * KernelCI dashboard ingests labyrinth's results with `kcidb-submit`.
 * The mapping, field by field, is in reports/schema/kcidb/README.md:
 *
 *   kernel (source, release)      -> checkout
 *   kernel (release, config)      -> build (status PASS: it booted)
 *   run                           -> test, path labyrinth.SCENARIO
 *   each threshold number reached -> test labyrinth.SCENARIO.THRESHOLD.KEY,
 *                                    status DONE, the value as its number
 *
 * Every object is built from the report's (or the run record's) own
 * fields; nothing here decides a verdict, only how KCIDB spells it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "soak.h"
#include "soak_report.h"
#include "util.h"
#include "vm_kernel.h"

#define KCIDB_MAJOR 5
#define KCIDB_MINOR 3

/* What a test's status comes from. */
struct kcidb_status_in {
	bool skipped;		/* not run here */
	bool infra;		/* the harness could not run it */
	uint32_t verdict;	/* enum verdict */
	int expect_met;		/* 1, 0, -1 no expectation */
};

/*
 * KCIDB's statuses, by its own definitions: PASS the code under test
 * is correct (the expected verdict), FAIL it is faulty (another
 * verdict: an unexpected panic, splat, OOM...), ERROR the test did not
 * complete (verdict error, or a timeout: the run hung or was too slow,
 * the code's status unknown), MISS the harness could not run it (the VM
 * could not start), SKIP not applicable (the kernel lacks what the
 * scenario needs), DONE it ran and has no expectation to judge by.
 */
static const char *kcidb_status(const struct kcidb_status_in *in)
{
	if (in->skipped)
		return "SKIP";
	if (in->infra)
		return "MISS";
	if (in->verdict == V_ERROR || in->verdict == V_TIMEOUT)
		return "ERROR";
	if (in->expect_met < 0)
		return "DONE";
	return in->expect_met ? "PASS" : "FAIL";
}

/* A path segment: [a-zA-Z0-9_-]+, anything else becomes '_'. */
static void path_segment(char *out, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		out[i] = (strchr("_-", s[i]) ||
			  (s[i] >= 'a' && s[i] <= 'z') ||
			  (s[i] >= 'A' && s[i] <= 'Z') ||
			  (s[i] >= '0' && s[i] <= '9')) ? s[i] : '_';
	out[i] = '\0';
	if (!i)
		snprintf(out, len, "_");
}

/* The kernel as KCIDB sees it: its source and its configuration. */
struct kcidb_kernel {
	char checkout_id[160], build_id[200];
	char tree[48], config[32], release[64];
};

static void kcidb_kernel(struct kcidb_kernel *k, const char *origin,
			 const char *release, bool debug)
{
	const struct vm_kernel *vk = release[0] ?
				     vm_kernel_for_release(release) : NULL;

	snprintf(k->release, sizeof(k->release), "%s",
		 release[0] ? release : "unknown");
	snprintf(k->tree, sizeof(k->tree), "%s", vk ? vk->package :
		 "unknown");
	snprintf(k->config, sizeof(k->config), "%s",
		 vk && !strcmp(vk->name, "stock") ? "debian-amd64" :
		 debug ? "labyrinth-debug" : "labyrinth");
	snprintf(k->checkout_id, sizeof(k->checkout_id), "%s:%s-%s", origin,
		 k->tree, k->release);
	snprintf(k->build_id, sizeof(k->build_id), "%s-%s", k->checkout_id,
		 k->config);
}

/* The checkout and build of a kernel, once per kernel. */
static void add_kernel(json_t *out, const struct kcidb_kernel *k,
		       const char *origin)
{
	json_t *checkouts = json_object_get(out, "checkouts");
	json_t *builds = json_object_get(out, "builds"), *x;
	size_t i;

	json_array_foreach(builds, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "id")),
			    k->build_id))
			return;
	json_array_foreach(checkouts, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "id")),
			    k->checkout_id))
			break;
	if (i == json_array_size(checkouts))
		json_array_append_new(checkouts, json_pack(
			"{s:s, s:s, s:s, s:b, s:{s:s, s:s}}",
			"id", k->checkout_id, "origin", origin,
			"tree_name", k->tree, "valid", 1, "misc",
			"kernel_release", k->release, "source", k->tree));
	json_array_append_new(builds, json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}",
		"id", k->build_id, "origin", origin,
		"checkout_id", k->checkout_id, "architecture", "x86_64",
		"config_name", k->config, "status", "PASS",
		"misc", "kernel_release", k->release));
}

/* One test per threshold number reached, under the run's test. */
static void add_numbers(json_t *tests, json_t *test, const double *metric)
{
	const char *id = json_string_value(json_object_get(test, "id"));
	const char *path = json_string_value(json_object_get(test, "path"));
	size_t m;

	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		const struct threshold_metric *tm = &threshold_metrics[m];
		json_t *t, *num;
		char *sid, *spath;

		if (!isfinite(metric[m]))
			continue;
		sid = xasprintf("%s.%s.%s", id, tm->threshold, tm->key);
		spath = xasprintf("%s.%s.%s", path, tm->threshold, tm->key);
		num = json_pack("{s:f}", "value", metric[m]);
		if (tm->unit != U_RATIO && tm->unit != U_COUNT)
			json_object_set_new(num, "unit", json_string(
				metric_unit_name(tm->unit)));
		t = json_pack("{s:s, s:O, s:O, s:s, s:s, s:o}", "id", sid,
			      "origin", json_object_get(test, "origin"),
			      "build_id", json_object_get(test, "build_id"),
			      "path", spath, "status", "DONE", "number", num);
		if (json_object_get(test, "start_time"))
			json_object_set(t, "start_time",
					json_object_get(test, "start_time"));
		json_array_append_new(tests, t);
		free(sid);
		free(spath);
	}
}

static json_t *kcidb_new(void)
{
	return json_pack("{s:{s:i, s:i}, s:[], s:[], s:[]}", "version",
			 "major", KCIDB_MAJOR, "minor", KCIDB_MINOR,
			 "checkouts", "builds", "tests");
}

static char *kcidb_dump(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	char *out = xasprintf("%s\n", text ? text : "{}");

	free(text);
	json_decref(j);
	return out;
}

/* The test of one run: what every run has, report or soak record. */
static json_t *run_test(const char *origin, const char *id, const char *scen,
			const struct kcidb_kernel *k,
			const struct kcidb_status_in *st,
			const char *start_time, double duration,
			const char *reason)
{
	char seg[80], *path;
	json_t *t;

	path_segment(seg, sizeof(seg), scen);
	path = xasprintf("labyrinth.%s", seg);
	t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:{s:s, s:s, s:s}}",
		      "id", id, "origin", origin, "build_id", k->build_id,
		      "path", path, "status", kcidb_status(st),
		      "duration", duration, "misc",
		      "verdict", vocab_str(&vocab_verdict, st->verdict),
		      "reason", reason, "kernel_release", k->release);
	if (start_time && is_utc_time(start_time))
		json_object_set_new(t, "start_time", json_string(start_time));
	if (reason[0])
		json_object_set_new(t, "log_excerpt", json_string(reason));
	free(path);
	return t;
}

char *kcidb_from_report(json_t *r, const char *origin)
{
	struct kcidb_status_in st = { 0 };
	struct kcidb_kernel k;
	double metric[THRESHOLD_NMETRICS];
	json_t *out = kcidb_new(), *t, *met = jp(r, "outcome.expect_met");
	char *id, seg[96];
	uint32_t v = V_ERROR;
	size_t m;

	kcidb_kernel(&k, origin, jp_str(r, "system.kernel_release", ""),
		     json_is_true(jp(r, "system.config.kasan")));
	add_kernel(out, &k, origin);
	vocab_parse(&vocab_verdict, jp_str(r, "outcome.verdict", ""), &v);
	st.verdict = v;
	st.skipped = v == V_SKIPPED;
	st.expect_met = met ? json_is_true(met) : -1;
	/* the run's id and start: a soak's runs are named by index only */
	path_segment(seg, sizeof(seg), jp_str(r, "run.id", "run"));
	id = xasprintf("%s:%s@%s", origin, seg,
		       jp_str(r, "run.start_time", ""));
	t = run_test(origin, id, jp_str(r, "scenario.name", "?"), &k, &st,
		     jp_str(r, "run.start_time", NULL),
		     jp_num(r, "run.duration_s", 0),
		     jp_str(r, "outcome.reason", ""));
	json_object_set_new(json_object_get(t, "misc"), "scenario_sha256",
			    json_string(jp_str(r, "scenario.sha256", "")));
	json_object_set_new(json_object_get(t, "misc"), "labyrinth_version",
			    json_string(jp_str(r, "labyrinth_version", "")));
	json_array_append_new(json_object_get(out, "tests"), t);
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		char path[96];

		snprintf(path, sizeof(path), "thresholds.%s.%s",
			 threshold_metrics[m].threshold,
			 threshold_metrics[m].key);
		metric[m] = jp_num(r, path, NAN);
	}
	add_numbers(json_object_get(out, "tests"), t, metric);
	free(id);
	return kcidb_dump(out);
}

/* The release a kernel of the matrix ran as (a skipped run has none). */
static const char *soak_release(const struct soak *s, size_t kernel)
{
	size_t i;

	for (i = 0; i < s->nruns; i++)
		if (s->runs[i].kernel == kernel && s->runs[i].release[0])
			return s->runs[i].release;
	return "";
}

char *kcidb_from_soak(struct soak *s, const char *origin)
{
	json_t *out = kcidb_new(), *tests = json_object_get(out, "tests");
	struct kcidb_kernel k;
	size_t i;

	for (i = 0; i < s->nruns; i++) {
		const struct soak_run *r = &s->runs[i];
		const struct soak_kernel *sk = &s->plan.k[r->kernel];
		struct kcidb_status_in st = {
			.skipped = r->status == SOAK_SKIPPED,
			.infra = r->status == SOAK_INFRA,
			.verdict = r->verdict, .expect_met = r->expect_met,
		};
		char *id, *dir;
		json_t *t;

		kcidb_kernel(&k, origin, r->release[0] ? r->release :
			     soak_release(s, r->kernel),
			     !strcmp(sk->variant, "debug"));
		add_kernel(out, &k, origin);
		id = xasprintf("%s:soak-%s-%llu", origin, s->plan.id,
			       (unsigned long long)r->index);
		t = run_test(origin, id, s->plan.sc[r->scenario].name, &k, &st,
			     r->start_time, r->wall_s, r->reason);
		dir = soak_run_dirname(&s->plan, r->index);
		json_object_set_new(json_object_get(t, "misc"), "run_dir",
				    json_string(dir));
		json_object_set_new(json_object_get(t, "misc"), "soak_id",
				    json_string(s->plan.id));
		json_object_set_new(json_object_get(t, "misc"), "iteration",
				    json_integer((json_int_t)r->iteration));
		json_object_set_new(json_object_get(t, "misc"), "kernel",
				    json_string(sk->name));
		json_array_append_new(tests, t);
		if (r->status == SOAK_RAN)
			add_numbers(tests, t, r->metric);
		free(dir);
		free(id);
	}
	return kcidb_dump(out);
}
