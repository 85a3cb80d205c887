// SPDX-License-Identifier: GPL-2.0
/*
 * soak.json back in: its fields checked with the report's validator
 * (the same table rows reports/schema/soak.schema.json says in JSON
 * Schema), then what a schema cannot say, then the plan and the run
 * records parsed into struct soak, whose cells are recomputed from the
 * runs and must equal the file's.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "soak.h"
#include "util.h"
#include "vm.h"

static const char *const soak_name[] = {
	SOAK_SCHEMA_NAME, "labyrinth soak aggregate (soak.json)", NULL
};
static const char *const variants[] = { "default", "debug", NULL };
static const char *const statuses[] = {
	"ran", "skipped", "infrastructure-error", NULL
};

static const struct vfield shard_f[] = {
	FR("index", V_INT, 1, 1e6, 0), FR("count", V_INT, 1, 1e6, 0),
	F("kernel", V_NESTR, VF_NULL | VF_OPT), END
};
static const struct vfield plan_scenario_f[] = {
	F("name", V_NESTR, 0), F("file", V_NESTR, 0), F("sha256", V_NESTR, 0),
	FW("expect", &vocab_expect, 0), END
};
static const struct vfield plan_kernel_f[] = {
	F("name", V_NESTR, 0), F("kver", V_NESTR, 0),
	FE("variant", variants, 0), END
};
static const struct vfield plan_vm_f[] = {
	FR("mem_mb", V_INT, 128, 65536, 0), FR("cpus", V_INT, 1, 64, 0),
	FR("timeout_s", V_INT, 1, 7 * 86400, VF_NULL),
	FE("accel", vm_accels, 0), END
};
static const struct vfield plan_f[] = {
	F("id", V_NESTR, 0),
	{ .key = "scenarios", .type = V_ARR, .item = V_OBJ,
	  .fields = plan_scenario_f, .min = 1, .max_items = SOAK_MAX_SCENARIOS },
	{ .key = "kernels", .type = V_ARR, .item = V_OBJ,
	  .fields = plan_kernel_f, .min = 1, .max_items = SOAK_MAX_KERNELS },
	FA("overrides", V_STR, NULL, 0),
	FR("iterations", V_INT, 1, 1e9, VF_NULL),
	FR("duration_s", V_INT, 1, 1e9, VF_NULL),
	FO("shard", shard_f, 0), FO("vm", plan_vm_f, 0), END
};
static const struct vfield session_f[] = {
	F("hostname", V_STR, 0), F("start_time", V_NESTR, 0),
	F("elapsed_s", V_SECS, 0), FR("jobs", V_INT, 1, 4096, 0),
	FO("shard", shard_f, 0), F("runs", V_COUNT, 0),
	F("interrupted", V_BOOL, 0), END
};
static const struct vfield totals_f[] = {
	F("planned", V_COUNT, VF_NULL), F("done", V_COUNT, 0),
	F("ran", V_COUNT, 0), F("skipped", V_COUNT, 0),
	F("infrastructure_errors", V_COUNT, 0), F("expect_met", V_COUNT, 0),
	F("unexpected", V_COUNT, 0), F("flaky_cells", V_COUNT, 0),
	F("complete", V_BOOL, 0), END
};
static const struct vfield cell_f[] = {
	F("scenario", V_NESTR, 0), F("kernel", V_NESTR, 0),
	FW("expect", &vocab_expect, VF_NULL), F("runs", V_COUNT, 0),
	F("ran", V_COUNT, 0), F("skipped", V_COUNT, 0),
	F("infrastructure_errors", V_COUNT, 0), F("expect_met", V_COUNT, 0),
	F("unexpected", V_COUNT, 0), F("flaky", V_BOOL, 0),
	F("verdicts", V_SCALARS, 0), F("skip_reason", V_STR, VF_NULL),
	F("wall_s_mean", V_SECS, VF_NULL), F("thresholds", V_ANYOBJ, 0), END
};
static const struct vfield run_f[] = {
	F("index", V_COUNT, 0), F("iteration", V_COUNT, 0),
	F("scenario", V_NESTR, 0), F("kernel", V_NESTR, 0),
	FE("status", statuses, 0),
	FR("exit_code", V_INT, 0, 255, VF_NULL),
	FW("verdict", &vocab_verdict, 0), FW("expect", &vocab_expect, VF_NULL),
	F("expect_met", V_BOOL, VF_NULL), F("unexpected", V_BOOL, 0),
	F("reason", V_STR, 0), F("kernel_release", V_STR, VF_NULL),
	F("start_time", V_NESTR, 0), F("wall_s", V_SECS, 0),
	F("dir", V_NESTR, 0), F("report", V_STR, VF_NULL),
	F("thresholds", V_ANYOBJ, 0), END
};
static const struct vfield soak_f[] = {
	{ .key = "schema", .type = V_CONST_STR, .values = soak_name },
	FR("schema_version", V_INT, 1, SOAK_SCHEMA_VERSION, 0),
	F("labyrinth_version", V_NESTR, 0), FO("plan", plan_f, 0),
	FA("sessions", V_OBJ, session_f, 0), FO("totals", totals_f, 0),
	FA("cells", V_OBJ, cell_f, 0), FA("runs", V_OBJ, run_f, 0), END
};

/* The plan and every run into s; err names the first problem. */
static int soak_from_json(json_t *j, struct soak *s, char *err,
			  size_t errlen)
{
	struct soak_run r;
	json_t *x;
	size_t i;

	if (soak_plan_from_json(json_object_get(j, "plan"), &s->plan, err,
				errlen))
		return -1;
	if (s->plan.shard > s->plan.nshards) {
		snprintf(err, errlen, "$.plan.shard: index %u of %u",
			 s->plan.shard, s->plan.nshards);
		return -1;
	}
	json_array_foreach(json_object_get(j, "sessions"), i, x) {
		struct soak_session *ss;

		s->sessions = xrealloc(s->sessions, (s->nsessions + 1) *
				       sizeof(*s->sessions));
		ss = &s->sessions[s->nsessions++];
		memset(ss, 0, sizeof(*ss));
		snprintf(ss->hostname, sizeof(ss->hostname), "%s",
			 jp_str(x, "hostname", ""));
		snprintf(ss->start_time, sizeof(ss->start_time), "%s",
			 jp_str(x, "start_time", ""));
		ss->elapsed_s = jp_num(x, "elapsed_s", 0);
		ss->jobs = (unsigned int)jp_int(x, "jobs", 1);
		ss->shard = (unsigned int)jp_int(x, "shard.index", 1);
		ss->nshards = (unsigned int)jp_int(x, "shard.count", 1);
		snprintf(ss->shard_kernel, sizeof(ss->shard_kernel), "%s",
			 jp_str(x, "shard.kernel", ""));
		ss->runs = (uint64_t)jp_int(x, "runs", 0);
		ss->interrupted = json_is_true(jp(x, "interrupted"));
	}
	json_array_foreach(json_object_get(j, "runs"), i, x) {
		char sub[512];

		if (soak_run_from_json(&s->plan, x, &r, sub, sizeof(sub))) {
			snprintf(err, errlen, "$.runs[%zu]: %s", i, sub);
			return -1;
		}
		if (i && r.index <= s->runs[s->nruns - 1].index) {
			snprintf(err, errlen, "$.runs[%zu].index: %llu after "
				 "%llu: runs are in increasing index order",
				 i, (unsigned long long)r.index,
				 (unsigned long long)s->runs[s->nruns - 1].index);
			return -1;
		}
		if (!soak_plan_in_shard(&s->plan, r.index) ||
		    (s->plan.iterations &&
		     r.index >= soak_plan_total(&s->plan))) {
			snprintf(err, errlen, "$.runs[%zu].index: %llu is not "
				 "an index of this plan's shard %u/%u%s%s", i,
				 (unsigned long long)r.index, s->plan.shard,
				 s->plan.nshards, s->plan.shard_kernel >= 0 ?
				 " of kernel " : "", s->plan.shard_kernel >= 0 ?
				 s->plan.k[s->plan.shard_kernel].name : "");
			return -1;
		}
		soak_add_run(s, &r);
	}
	return 0;
}

static bool near(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return fabs(a - b) <= 1e-9 * fmax(1, fmax(fabs(a), fabs(b)));
}

/* One cell of the file against the one the runs aggregate to. */
static int cell_check(json_t *jc, const struct soak *s,
		      const struct soak_cell *c, size_t ci, char *err,
		      size_t errlen)
{
	static const char *const counts[] = {
		"runs", "ran", "skipped", "infrastructure_errors",
		"expect_met", "unexpected", NULL
	};
	unsigned int want[] = {
		c->runs, c->ran, c->skipped, c->infra, c->expect_met,
		c->unexpected
	};
	size_t i, m;
	uint32_t v;

	if (strcmp(jp_str(jc, "scenario", ""), s->plan.sc[c->scenario].name) ||
	    strcmp(jp_str(jc, "kernel", ""), s->plan.k[c->kernel].name)) {
		snprintf(err, errlen, "$.cells[%zu]: expected %s on %s (cells "
			 "are scenario-major in the plan's order)", ci,
			 s->plan.sc[c->scenario].name, s->plan.k[c->kernel].name);
		return -1;
	}
	for (i = 0; counts[i]; i++)
		if (jp_int(jc, counts[i], -1) != want[i])
			goto bad_count;
	for (v = 0; v < V_MAX; v++)
		if (jp_int(json_object_get(jc, "verdicts"),
			   vocab_str(&vocab_verdict, v), 0) != c->verdicts[v])
			goto bad_count;
	if (json_is_true(jp(jc, "flaky")) != c->flaky) {
		snprintf(err, errlen, "$.cells[%zu].flaky: the runs say %s",
			 ci, c->flaky ? "true" : "false");
		return -1;
	}
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		const struct threshold_metric *tm = &threshold_metrics[m];
		const struct soak_dist *d = &c->dist[m];
		json_t *jd = json_object_get(json_object_get(json_object_get(
			jc, "thresholds"), tm->threshold), tm->key);

		if (jp_int(jd, "n", -1) != (long long)d->n ||
		    json_array_size(json_object_get(jd, "values")) != d->n ||
		    !near(jp_num(jd, "median", NAN), d->median) ||
		    !near(jp_num(jd, "min", NAN), d->min) ||
		    !near(jp_num(jd, "p95", NAN), d->p95) ||
		    !near(jp_num(jd, "max", NAN), d->max)) {
			snprintf(err, errlen, "$.cells[%zu].thresholds.%s.%s: "
				 "not the distribution of its runs' values "
				 "(n %zu, median %g)", ci, tm->threshold,
				 tm->key, d->n, d->median);
			return -1;
		}
	}
	return 0;
bad_count:
	snprintf(err, errlen, "$.cells[%zu]: its counts (runs, verdicts) are "
		 "not what its runs add up to: %u runs, %u ran, %u skipped, "
		 "%u infrastructure errors, %u unexpected", ci, c->runs,
		 c->ran, c->skipped, c->infra, c->unexpected);
	return -1;
}

static int totals_check(json_t *j, struct soak *s, char *err, size_t errlen)
{
	struct soak_totals t;

	soak_totals(s, &t);
	if (jp_int(j, "totals.done", -1) != (long long)t.done ||
	    jp_int(j, "totals.unexpected", -1) != (long long)t.unexpected ||
	    jp_int(j, "totals.planned", 0) != (long long)t.planned ||
	    jp_int(j, "totals.flaky_cells", -1) != t.flaky_cells ||
	    json_is_true(jp(j, "totals.complete")) != t.complete) {
		snprintf(err, errlen, "$.totals: not what the runs add up to "
			 "(%llu done of %llu planned, %llu unexpected, %u flaky "
			 "cells)", (unsigned long long)t.done,
			 (unsigned long long)t.planned,
			 (unsigned long long)t.unexpected, t.flaky_cells);
		return -1;
	}
	return 0;
}

/* Parse, aggregate again, and hold the file's cells and totals to it. */
static int soak_check(json_t *j, struct soak *s, char *err, size_t errlen)
{
	json_t *cells = json_object_get(j, "cells");
	size_t i;

	if (soak_from_json(j, s, err, errlen))
		return -EINVAL;
	soak_aggregate(s);
	if (json_array_size(cells) != s->ncells) {
		snprintf(err, errlen, "$.cells: %zu cells, the plan has %zu "
			 "scenarios x %zu kernels", json_array_size(cells),
			 s->plan.nsc, s->plan.nk);
		return -EINVAL;
	}
	for (i = 0; i < s->ncells; i++)
		if (cell_check(json_array_get(cells, i), s, &s->cells[i], i,
			       err, errlen))
			return -EINVAL;
	return totals_check(j, s, err, errlen) ? -EINVAL : 0;
}

int soak_validate(json_t *j, char *err, size_t errlen)
{
	struct soak s;
	json_t *x = json_object_get(j, "schema_version");
	int ret;

	if (json_is_integer(x) && json_integer_value(x) > SOAK_SCHEMA_VERSION &&
	    !strcmp(jp_str(j, "schema", ""), SOAK_SCHEMA_NAME)) {
		snprintf(err, errlen, "$.schema_version: version %lld is newer "
			 "than this labyrinth reads (%d): use a newer labyrinth",
			 (long long)json_integer_value(x), SOAK_SCHEMA_VERSION);
		return -EINVAL;
	}
	ret = json_validate(j, soak_f, err, errlen);
	if (ret)
		return ret;
	soak_init(&s);
	ret = soak_check(j, &s, err, errlen);
	soak_free(&s);
	return ret;
}

static char *soak_path(const char *dir_or_file)
{
	return report_dir_file(dir_or_file, SOAK_JSON);
}

bool soak_is_soak(const char *dir_or_file)
{
	return report_file_has_schema(dir_or_file, SOAK_JSON,
				      SOAK_SCHEMA_NAME);
}

int soak_load(const char *dir_or_file, struct soak *s, char *err,
	      size_t errlen)
{
	char *p = soak_path(dir_or_file), sub[1024];
	json_error_t je;
	json_t *j;
	int ret;

	soak_init(s);
	j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(err, errlen, "%s:%d:%d: %s", p, je.line, je.column,
			 je.text);
		free(p);
		return -EINVAL;
	}
	ret = json_validate(j, soak_f, sub, sizeof(sub));
	if (!ret && (ret = soak_check(j, s, sub, sizeof(sub))))
		soak_free(s);
	if (ret)
		snprintf(err, errlen, "%s: %s", p, sub);
	json_decref(j);
	free(p);
	return ret;
}

int soak_run_load(const struct soak_plan *p, const char *path,
		  struct soak_run *r, char *err, size_t errlen)
{
	char sub[1024];
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	int ret = -EINVAL;

	if (!j) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
			 je.text);
		return ret;
	}
	if (json_validate(j, run_f, sub, sizeof(sub)) == 0 &&
	    soak_run_from_json(p, j, r, sub, sizeof(sub)) == 0)
		ret = 0;
	else
		snprintf(err, errlen, "%s: %s", path, sub);
	json_decref(j);
	return ret;
}
