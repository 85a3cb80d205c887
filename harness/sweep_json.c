// SPDX-License-Identifier: GPL-2.0
/*
 * sweep.json (reports/schema/sweep.md): written from struct sweep, and
 * read back. A check of a sweep.json is its fields (the table below,
 * which reports/schema/sweep.schema.json says in JSON Schema) and then
 * what a schema cannot say: the plan and points read back and analysed
 * afresh must give the result the file states.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "sweep.h"
#include "util.h"
#include "vm.h"

static const char *const kinds[] = {
	"integer", "duration_ms", "size_bytes", "number", NULL
};
static const char *const methods[] = { "bisect", "step", NULL };
static const char *const variants[] = { "default", "debug", NULL };

/* ---- out ------------------------------------------------------------------ */

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *plan_json(const struct sweep_plan *p)
{
	json_t *sets = json_array();
	size_t i;

	for (i = 0; i < p->nsets; i++)
		json_array_append_new(sets, json_string(p->sets[i]));
	return json_pack(
		"{s:{s:s,s:s,s:s,s:s},s:{s:s,s:s,s:s},"
		"s:{s:s,s:s,s:s,s:s},s:f,s:f,s:s,s:o,s:o,s:s,s:i,s:o,"
		"s:{s:i,s:i,s:o,s:s}}",
		"scenario", "file", p->file, "name", p->name,
		"sha256", p->sha256, "expect",
		vocab_str(&vocab_expect, p->expect),
		"kernel", "name", p->kernel.name, "kver", p->kernel.kver,
		"variant", p->kernel.variant,
		"key", "path", p->key.path, "section", p->key.section,
		"name", p->key.name, "kind", kinds[p->key.kind],
		"low", p->low, "high", p->high,
		"method", methods[p->method],
		"step", p->method == SWEEP_STEP ? json_real(p->step) :
			json_null(),
		"resolution", p->method == SWEEP_BISECT ?
			json_real(p->resolution) : json_null(),
		"until", vocab_str(&vocab_sweep_until, p->until),
		"runs_per_point", (int)p->runs_per_point,
		"overrides", sets,
		"vm", "mem_mb", (int)p->mem_mb, "cpus", (int)p->cpus,
		"timeout_s", p->timeout_s ? json_integer(p->timeout_s) :
			json_null(),
		"accel", p->accel);
}

static json_t *point_json(const struct sweep_point *pt)
{
	json_t *v = json_object();
	size_t k;

	for (k = 0; k < V_MAX; k++)
		if (pt->verdicts[k])
			json_object_set_new(v, vocab_str(&vocab_verdict,
							 (uint32_t)k),
					    json_integer(pt->verdicts[k]));
	return json_pack(
		"{s:f,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:o,s:o,s:o,s:f}",
		"value", pt->value, "text", pt->text, "dir", pt->dir,
		"runs", (int)pt->runs, "ran", (int)pt->ran,
		"hits", (int)pt->hits, "infrastructure_errors", (int)pt->infra,
		"skipped", (int)pt->skipped,
		"rate", num_or_null(sweep_point_rate(pt)),
		"fails", sweep_point_decided(pt) ?
			json_boolean(sweep_point_fails(pt)) : json_null(),
		"verdicts", v, "wall_s", pt->wall_s);
}

static json_t *point_ref(const struct sweep *s, int i, bool text)
{
	if (i < 0)
		return json_null();
	return text ? json_string(s->points[i].text) :
		      json_real(s->points[i].value);
}

static json_t *result_json(const struct sweep *s)
{
	const struct sweep_result *r = &s->res;
	json_t *v = json_array();
	size_t i;

	for (i = 0; i < r->nv; i++) {
		const struct sweep_point *a = &s->points[r->v[i].lower];
		const struct sweep_point *b = &s->points[r->v[i].higher];

		json_array_append_new(v, json_pack(
			"{s:f,s:f,s:f,s:f}", "lower", a->value,
			"lower_rate", sweep_point_rate(a), "higher", b->value,
			"higher_rate", sweep_point_rate(b)));
	}
	return json_pack(
		"{s:s,s:o,s:o,s:o,s:o,s:b,s:o,s:o}",
		"found", vocab_str(&vocab_sweep_found, r->found),
		"smallest_failing", point_ref(s, r->smallest_failing, false),
		"smallest_failing_text",
		point_ref(s, r->smallest_failing, true),
		"largest_passing", point_ref(s, r->largest_passing, false),
		"largest_passing_text", point_ref(s, r->largest_passing, true),
		"monotone", r->monotone, "violations", v,
		"reproducer", r->reproducer[0] ? json_string(r->reproducer) :
			json_null());
}

json_t *sweep_json(struct sweep *s)
{
	json_t *pts = json_array();
	size_t i;

	sweep_analyse(s);
	for (i = 0; i < s->npoints; i++)
		json_array_append_new(pts, point_json(&s->points[i]));
	return json_pack(
		"{s:s,s:i,s:s,s:o,s:s,s:f,s:b,s:o,s:o,s:o}",
		"schema", SWEEP_SCHEMA_NAME,
		"schema_version", SWEEP_SCHEMA_VERSION,
		"labyrinth_version", labyrinth_version,
		"plan", plan_json(&s->plan), "start_time", s->start_time,
		"elapsed_s", s->elapsed_s, "interrupted", s->interrupted,
		"stop_reason", s->stop_reason[0] ?
			json_string(s->stop_reason) : json_null(),
		"points", pts, "result", result_json(s));
}

/* ---- the fields ----------------------------------------------------------- */

static const char *const sweep_name[] = {
	SWEEP_SCHEMA_NAME, "labyrinth threshold search (sweep.json)", NULL
};
static const char *const until_names[] = {
	"crash", "oom", "atomic-failure", NULL
};
static const char *const found_names[] = {
	"boundary", "at-low", "none", "incomplete", NULL
};

static const struct vfield scenario_f[] = {
	F("file", V_NESTR, 0), F("name", V_NESTR, 0), F("sha256", V_NESTR, 0),
	FW("expect", &vocab_expect, 0), END
};
static const struct vfield kernel_f[] = {
	F("name", V_NESTR, 0), F("kver", V_NESTR, 0),
	FE("variant", variants, 0), END
};
static const struct vfield key_f[] = {
	F("path", V_NESTR, 0), F("section", V_NESTR, 0), F("name", V_NESTR, 0),
	FE("kind", kinds, 0), END
};
static const struct vfield vm_f[] = {
	FR("mem_mb", V_INT, 128, 65536, 0), FR("cpus", V_INT, 1, 64, 0),
	FR("timeout_s", V_INT, 1, 7 * 86400, VF_NULL),
	FE("accel", vm_accels, 0), END
};
static const struct vfield plan_f[] = {
	FO("scenario", scenario_f, 0), FO("kernel", kernel_f, 0),
	FO("key", key_f, 0), FR("low", V_NUM, -1e300, 1e300, 0),
	FR("high", V_NUM, -1e300, 1e300, 0), FE("method", methods, 0),
	FR("step", V_NUM, 0, 1e300, VF_NULL),
	FR("resolution", V_NUM, 0, 1e300, VF_NULL),
	FE("until", until_names, 0),
	FR("runs_per_point", V_INT, 1, 1000, 0),
	FA("overrides", V_STR, NULL, 0), FO("vm", vm_f, 0), END
};
static const struct vfield point_f[] = {
	FR("value", V_NUM, -1e300, 1e300, 0), F("text", V_NESTR, 0),
	F("dir", V_NESTR, 0), F("runs", V_COUNT, 0), F("ran", V_COUNT, 0),
	F("hits", V_COUNT, 0), F("infrastructure_errors", V_COUNT, 0),
	F("skipped", V_COUNT, 0), FR("rate", V_NUM, 0, 1, VF_NULL),
	F("fails", V_BOOL, VF_NULL), F("verdicts", V_SCALARS, 0),
	F("wall_s", V_SECS, 0), END
};
static const struct vfield violation_f[] = {
	FR("lower", V_NUM, -1e300, 1e300, 0),
	FR("lower_rate", V_NUM, 0, 1, 0),
	FR("higher", V_NUM, -1e300, 1e300, 0),
	FR("higher_rate", V_NUM, 0, 1, 0), END
};
static const struct vfield result_f[] = {
	FE("found", found_names, 0),
	FR("smallest_failing", V_NUM, -1e300, 1e300, VF_NULL),
	F("smallest_failing_text", V_NESTR, VF_NULL),
	FR("largest_passing", V_NUM, -1e300, 1e300, VF_NULL),
	F("largest_passing_text", V_NESTR, VF_NULL),
	F("monotone", V_BOOL, 0), FA("violations", V_OBJ, violation_f, 0),
	F("reproducer", V_NESTR, VF_NULL), END
};
static const struct vfield sweep_f[] = {
	{ .key = "schema", .type = V_CONST_STR, .values = sweep_name },
	FR("schema_version", V_INT, 1, SWEEP_SCHEMA_VERSION, 0),
	F("labyrinth_version", V_NESTR, 0), FO("plan", plan_f, 0),
	F("start_time", V_NESTR, 0), F("elapsed_s", V_SECS, 0),
	F("interrupted", V_BOOL, 0), F("stop_reason", V_STR, VF_NULL),
	FA("points", V_OBJ, point_f, 0), FO("result", result_f, 0), END
};

/* ---- back in -------------------------------------------------------------- */

static int enum_index(const char *const *names, const char *s)
{
	int i;

	for (i = 0; s && names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

#define COPY(dst, v) snprintf(dst, sizeof(dst), "%s", \
			      json_string_value(v) ?: "")

static void plan_from_json(json_t *j, struct sweep_plan *p)
{
	json_t *sc = json_object_get(j, "scenario");
	json_t *k = json_object_get(j, "kernel");
	json_t *key = json_object_get(j, "key"), *vm = json_object_get(j, "vm");
	json_t *x;
	uint32_t e = 0;
	size_t i;

	p->file = xstrdup(json_string_value(json_object_get(sc, "file")));
	COPY(p->name, json_object_get(sc, "name"));
	COPY(p->sha256, json_object_get(sc, "sha256"));
	vocab_parse(&vocab_expect, jp_str(sc, "expect", ""), &e);
	p->expect = e;
	COPY(p->kernel.name, json_object_get(k, "name"));
	COPY(p->kernel.kver, json_object_get(k, "kver"));
	COPY(p->kernel.variant, json_object_get(k, "variant"));
	COPY(p->key.path, json_object_get(key, "path"));
	COPY(p->key.section, json_object_get(key, "section"));
	COPY(p->key.name, json_object_get(key, "name"));
	p->key.kind = (enum sc_key_kind)enum_index(kinds,
						   jp_str(key, "kind", ""));
	p->key.min = -INFINITY;
	p->key.max = INFINITY;
	p->low = jp_num(j, "low", 0);
	p->high = jp_num(j, "high", 0);
	p->method = enum_index(methods, jp_str(j, "method", "")) ?
		    SWEEP_STEP : SWEEP_BISECT;
	p->step = jp_num(j, "step", 0);
	p->resolution = jp_num(j, "resolution", 0);
	p->until = (enum sweep_until)enum_index(until_names,
						jp_str(j, "until", ""));
	p->runs_per_point = (unsigned int)jp_int(j, "runs_per_point", 1);
	p->sets = xcalloc(json_array_size(json_object_get(j, "overrides")) + 1,
			  sizeof(*p->sets));
	json_array_foreach(json_object_get(j, "overrides"), i, x)
		p->sets[p->nsets++] = xstrdup(json_string_value(x));
	p->mem_mb = (unsigned int)jp_int(vm, "mem_mb", 0);
	p->cpus = (unsigned int)jp_int(vm, "cpus", 0);
	p->timeout_s = (unsigned int)jp_int(vm, "timeout_s", 0);
	COPY(p->accel, json_object_get(vm, "accel"));
}

static void point_from_json(json_t *j, struct sweep_point *pt)
{
	json_t *v;
	const char *name;
	uint32_t k;

	memset(pt, 0, sizeof(*pt));
	pt->value = jp_num(j, "value", 0);
	COPY(pt->text, json_object_get(j, "text"));
	COPY(pt->dir, json_object_get(j, "dir"));
	pt->runs = (unsigned int)jp_int(j, "runs", 0);
	pt->ran = (unsigned int)jp_int(j, "ran", 0);
	pt->hits = (unsigned int)jp_int(j, "hits", 0);
	pt->infra = (unsigned int)jp_int(j, "infrastructure_errors", 0);
	pt->skipped = (unsigned int)jp_int(j, "skipped", 0);
	pt->wall_s = jp_num(j, "wall_s", 0);
	json_object_foreach(json_object_get(j, "verdicts"), name, v)
		if (vocab_parse(&vocab_verdict, name, &k) >= 0 && k < V_MAX)
			pt->verdicts[k] = (unsigned int)json_integer_value(v);
}

/* Counts that cannot be: more hits than runs that ran, ... */
static int check_point(const struct sweep_point *pt, size_t i, char *err,
		       size_t errlen)
{
	unsigned int sum = 0, k;

	for (k = 0; k < V_MAX; k++)
		sum += pt->verdicts[k];
	if (pt->hits > pt->ran || pt->ran + pt->infra + pt->skipped !=
	    pt->runs || sum != pt->runs) {
		snprintf(err, errlen, "$.points[%zu]: runs %u is not ran %u + "
			 "infrastructure_errors %u + skipped %u (verdicts %u), "
			 "or hits %u > ran", i, pt->runs, pt->ran, pt->infra,
			 pt->skipped, sum, pt->hits);
		return -1;
	}
	return 0;
}

static int check_result(struct sweep *s, json_t *j, char *err,
			size_t errlen)
{
	json_t *r = json_object_get(j, "result"), *again;
	int ret = 0;

	sweep_analyse(s);
	again = result_json(s);
	/* the reproducer is the writer's to say; the rest follows */
	json_object_set(again, "reproducer", json_object_get(r, "reproducer"));
	if (!json_equal(again, r)) {
		char *want = json_dumps(again, JSON_COMPACT);

		snprintf(err, errlen, "$.result is not what the points come "
			 "to: %.400s", want ? want : "?");
		free(want);
		ret = -1;
	}
	json_decref(again);
	return ret;
}

static int sweep_from_json(json_t *j, struct sweep *s, char *err,
			   size_t errlen)
{
	json_t *x;
	size_t i;

	if (json_validate(j, sweep_f, err, errlen))
		return -1;
	plan_from_json(json_object_get(j, "plan"), &s->plan);
	COPY(s->start_time, json_object_get(j, "start_time"));
	s->elapsed_s = jp_num(j, "elapsed_s", 0);
	s->interrupted = json_is_true(json_object_get(j, "interrupted"));
	COPY(s->stop_reason, json_object_get(j, "stop_reason"));
	s->stopped = s->stop_reason[0] != '\0';
	s->points = xcalloc(json_array_size(json_object_get(j, "points")) + 1,
			    sizeof(*s->points));
	json_array_foreach(json_object_get(j, "points"), i, x) {
		point_from_json(x, &s->points[s->npoints++]);
		if (check_point(&s->points[i], i, err, errlen))
			return -1;
	}
	if (s->plan.method == SWEEP_STEP && !(s->plan.step > 0)) {
		snprintf(err, errlen, "$.plan.step: a step sweep needs a step "
			 "above 0");
		return -1;
	}
	COPY(s->res.reproducer, jp(j, "result.reproducer"));
	return check_result(s, j, err, errlen);
}

int sweep_validate(json_t *j, char *err, size_t errlen)
{
	struct sweep s;
	int ret;

	sweep_init(&s);
	ret = sweep_from_json(j, &s, err, errlen);
	sweep_free(&s);
	return ret ? -EINVAL : 0;
}

static char *sweep_path(const char *dir_or_file)
{
	return report_dir_file(dir_or_file, SWEEP_JSON);
}

bool sweep_is_sweep(const char *dir_or_file)
{
	return report_file_has_schema(dir_or_file, SWEEP_JSON,
				      SWEEP_SCHEMA_NAME);
}

int sweep_load(const char *dir_or_file, struct sweep *s, char *err,
	       size_t errlen)
{
	char *path = sweep_path(dir_or_file);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	char why[768];
	int ret = 0;

	sweep_init(s);
	if (!j) {
		snprintf(err, errlen, "%s: %s (line %d)", path, je.text,
			 je.line);
		ret = -EINVAL;
	} else if (sweep_from_json(j, s, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", path, why);
		ret = -EINVAL;
	}
	json_decref(j);
	free(path);
	return ret;
}
