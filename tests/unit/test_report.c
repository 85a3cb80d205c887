// SPDX-License-Identifier: GPL-2.0
/*
 * Description: report.json validation (C rules cross-checked against
 * reports/schema/report.schema.json), loading errors, the atomic writer's
 * round trip, series.csv, the summary's width, TAP.
 */
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "report.h"
#include "util.h"
#include "vocab.h"

static char *top_path(const char *rel)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static json_t *fixture(const char *name)
{
	char *p = top_path("tests/fixtures/reports");
	char *full = xasprintf("%s/%s/report.json", p, name);
	json_error_t je;
	json_t *r = json_load_file(full, 0, &je);

	ck_assert_msg(r, "%s: %s", full, je.text);
	free(p);
	free(full);
	return r;
}

/* "engines.0.failures.genuine": the value there (arrays by index). */
static json_t *at(json_t *r, const char *path)
{
	char *copy = xstrdup(path), *save = NULL, *w;

	for (w = strtok_r(copy, ".", &save); w && r;
	     w = strtok_r(NULL, ".", &save))
		r = json_is_array(r) ? json_array_get(r, strtoul(w, NULL, 10))
				     : json_object_get(r, w);
	free(copy);
	return r;
}

static void set(json_t *r, const char *path, json_t *v)
{
	char *copy = xstrdup(path), *dot = strrchr(copy, '.');
	json_t *parent;

	if (!dot) {
		json_object_set_new(r, path, v);
		free(copy);
		return;
	}
	*dot = '\0';
	parent = at(r, copy);
	ck_assert_msg(parent, "no parent for %s", path);
	if (json_is_array(parent))
		json_array_set_new(parent, strtoul(dot + 1, NULL, 10), v);
	else
		json_object_set_new(parent, dot + 1, v);
	free(copy);
}

static char *mktmpdir(void)
{
	char *d = xstrdup("/tmp/labyrinth-test-report.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

START_TEST(good_fixtures_validate)
{
	static const char *const names[] = { "good", "moved", "panic" };
	char err[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		json_t *r = fixture(names[i]);

		ck_assert_msg(report_validate(r, err, sizeof(err)) == 0,
			      "%s: %s", names[i], err);
		json_decref(r);
	}
}
END_TEST

static const struct bad_case {
	const char *path;	/* what to set */
	const char *json;	/* to this; NULL = delete the key */
	const char *want;	/* substring of the error */
} bad_cases[] = {
	{ "thresholds.first_atomic_failure", NULL,
	  "$.thresholds.first_atomic_failure: missing" },
	{ "thresholds.first_atomic_failure.free_pages", "\"367\"",
	  "$.thresholds.first_atomic_failure.free_pages: expected a "
	  "non-negative integer, got a string" },
	{ "thresholds.first_atomic_failure.free_pages", "-3",
	  "free_pages: expected a non-negative integer, got -3" },
	{ "thresholds.first_atomic_failure.free_pages", "3.5",
	  "free_pages: expected a non-negative integer, got a real" },
	{ "outcome.verdict", "\"exploded\"",
	  "$.outcome.verdict: expected one of atomic-failure" },
	{ "outcome.expect_met", "false", "$.outcome.expect_met: is false but "
	  "verdict \"atomic-failure\" equals expect" },
	{ "outcome.expect", "null", "$.outcome.expect_met: must be null" },
	{ "engines.0.successes", "999999999",
	  "$.engines[0].attempts: successes + failures" },
	{ "engines.1.latency_log2_ns.3", "\"x\"",
	  "$.engines[1].latency_log2_ns[3]" },
	{ "engines.0.context", "\"nmi\"", "$.engines[0].context: expected one "
	  "of hrtimer, irq_work, softirq, kthread-atomic; got \"nmi\"" },
	{ "engines.0.cpus", "[]", "$.engines[0].cpus: needs at least 1" },
	{ "engines.0.order", "11", "$.engines[0].order: 11 is out of range" },
	{ "scenario.sha256", "\"abc\"", "$.scenario.sha256: expected 64" },
	{ "run.start_time", "\"2026-11-24 10:15:00\"", "$.run.start_time" },
	{ "run.duration_s", "-1", "$.run.duration_s: expected seconds >= 0" },
	{ "schema_version", "4", "newer than this labyrinth reads" },
	{ "schema_version", "0", "$.schema_version: 0 is out of range [1, 3]" },
	{ "schema", "\"other-report\"", "$.schema: expected "
	  "\"labyrinth-report\"; this is not a labyrinth report" },
	{ "series.t_s.5", "0", "$.series.t_s[5]: time goes backwards" },
	{ "series.attempts.7", "0", "$.series.attempts[7]: a cumulative "
	  "counter went down" },
	{ "series.pgscan", "[1, 2]", "$.series.pgscan: has 2 values but "
	  "series.t_s has" },
	{ "series.pgscan", "\"lots\"", "$.series.pgscan: expected an array" },
	{ "series.failures_genuine", NULL,
	  "$.series.failures_genuine: missing" },
	{ "thresholds.deepest_dip.below_min_pages", "1",
	  "below_min_pages: is 1 but min - free_pages is 613" },
	{ "system.config.kasan", "\"no\"", "$.system.config.kasan: expected "
	  "true or false" },
	{ "injection.injectors.0.knobs.probability", "[1]",
	  "$.injection.injectors[0].knobs.probability: expected a string, "
	  "number or boolean" },
	{ "stress_ng", "[]", "$.stress_ng: expected an object, got an array" },
	{ "vm", NULL, "$.vm: missing (required; use null for \"none\")" },
	{ "files.kmsg", "3", "$.files.kmsg: expected a string" },
	{ "engines.1.latency_log2_ns",
	  "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
	  "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]",
	  "latency_log2_ns: has 65 elements, at most 64" },
};

START_TEST(bad_values_name_their_path)
{
	const struct bad_case *c = &bad_cases[_i];
	json_t *r = fixture("good");
	char err[512];

	if (c->json) {
		json_error_t je;
		json_t *v = json_loads(c->json, JSON_DECODE_ANY, &je);

		ck_assert_msg(v, "bad test json %s", c->json);
		set(r, c->path, v);
	} else {
		char *copy = xstrdup(c->path), *dot = strrchr(copy, '.');

		if (dot) {
			*dot = '\0';
			json_object_del(at(r, copy), dot + 1);
		} else {
			json_object_del(r, copy);
		}
		free(copy);
	}
	ck_assert_int_eq(report_validate(r, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, c->want), "case %s: error '%s' lacks '%s'",
		      c->path, err, c->want);
	json_decref(r);
}
END_TEST

/* ---- the C validator against the JSON Schema file ---- */

struct walk {
	json_t *schema;
	json_t *root;		/* the fixture being mutated */
	int checks;
};

static json_t *deref(json_t *schema, json_t *s)
{
	const char *ref = json_string_value(json_object_get(s, "$ref"));

	if (ref && !strncmp(ref, "#/$defs/", 8))
		return json_object_get(json_object_get(schema, "$defs"),
				       ref + 8);
	return s;
}

/* Path "a.b.0.c" -> "$.a.b[0].c" as report_validate() spells it. */
static void jsonpath(const char *dotted, char *out, size_t len)
{
	char *copy = xstrdup(dotted), *save = NULL, *w;
	size_t n;

	snprintf(out, len, "$");
	for (w = strtok_r(copy, ".", &save); w; w = strtok_r(NULL, ".", &save)) {
		n = strlen(out);
		if (isdigit((unsigned char)w[0]))
			snprintf(out + n, len - n, "[%s]", w);
		else
			snprintf(out + n, len - n, ".%s", w);
	}
	free(copy);
}

static void expect_invalid(struct walk *w, const char *path, json_t *val,
			   const char *why)
{
	json_t *r = json_deep_copy(w->root);
	char err[512], jpath[256];

	if (val) {
		set(r, path, val);
	} else {
		char *copy = xstrdup(path), *dot = strrchr(copy, '.');

		if (dot) {
			*dot = '\0';
			json_object_del(at(r, copy), dot + 1);
		} else {
			json_object_del(r, copy);
		}
		free(copy);
	}
	jsonpath(path, jpath, sizeof(jpath));
	ck_assert_msg(report_validate(r, err, sizeof(err)) == -EINVAL,
		      "schema says %s (%s) is invalid; the C validator "
		      "accepted it", jpath, why);
	ck_assert_msg(strstr(err, jpath), "%s (%s): error '%s' does not "
		      "name the path", jpath, why, err);
	w->checks++;
	json_decref(r);
}

static void walk(struct walk *w, json_t *s, json_t *inst, const char *path)
{
	json_t *props, *req, *v, *sub;
	const char *k;
	size_t i;
	char *child;

	s = deref(w->schema, s);
	if (!inst || json_is_null(inst))
		return;
	if (json_object_get(s, "enum") && json_is_string(inst))
		expect_invalid(w, path, json_string("not-a-known-value"),
			       "value outside the enum");
	if (json_object_get(s, "const"))
		expect_invalid(w, path, json_string("not-the-const"),
			       "const");
	v = json_object_get(s, "minimum");
	if (v && json_is_number(inst))
		expect_invalid(w, path, json_real(json_number_value(v) - 1),
			       "below minimum");
	if (json_is_object(inst)) {
		req = json_object_get(s, "required");
		json_array_foreach(req, i, v) {
			child = *path ? xasprintf("%s.%s", path,
						  json_string_value(v)) :
				xstrdup(json_string_value(v));
			expect_invalid(w, child, NULL, "required key removed");
			free(child);
		}
		props = json_object_get(s, "properties");
		json_object_foreach(props, k, sub) {
			child = *path ? xasprintf("%s.%s", path, k) :
				xstrdup(k);
			walk(w, sub, json_object_get(inst, k), child);
			free(child);
		}
	}
	if (json_is_array(inst) && json_array_size(inst) &&
	    (sub = json_object_get(s, "items"))) {
		child = xasprintf("%s.0", path);
		walk(w, sub, json_array_get(inst, 0), child);
		free(child);
	}
}

START_TEST(validator_agrees_with_schema_file)
{
	char *p = top_path("reports/schema/report.schema.json");
	json_error_t je;
	json_t *schema = json_load_file(p, 0, &je);
	struct walk w = { 0 };

	ck_assert_msg(schema, "%s: %s", p, je.text);
	ck_assert_str_eq(json_string_value(at(schema,
		"properties.schema.const")), REPORT_SCHEMA_NAME);
	ck_assert_int_eq(json_integer_value(json_array_get(at(schema,
		"properties.schema_version.enum"), 2)), REPORT_SCHEMA_VERSION);
	w.schema = schema;
	w.root = fixture("good");
	walk(&w, schema, w.root, "");
	/* Every required key and enum of a full report: well over 150. */
	ck_assert_msg(w.checks > 150, "only %d schema checks ran", w.checks);
	json_decref(w.root);
	w.root = fixture("panic");
	walk(&w, at(schema, "properties.thresholds"),
	     at(w.root, "thresholds"), "thresholds");
	json_decref(w.root);
	json_decref(schema);
	free(p);
}
END_TEST

/* ---- loading ---- */

static void load_err(const char *path, const char *want)
{
	json_t *r = (json_t *)1;
	char err[1024];

	ck_assert_int_ne(report_load(path, &r, err, sizeof(err)), 0);
	ck_assert_ptr_null(r);
	ck_assert_msg(strstr(err, want), "%s: error '%s' lacks '%s'", path,
		      err, want);
	ck_assert_msg(strstr(err, path), "error '%s' does not name %s", err,
		      path);
}

START_TEST(load_explains_bad_files)
{
	char *d = mktmpdir(), *p, *trunc = top_path(
		"tests/fixtures/reports/truncated");

	load_err(d, "no report.json here: the run did not finish");
	p = xasprintf("%s/report.json", d);
	ck_assert_int_eq(write_file(p, "", 0), 0);
	load_err(d, "empty file");
	ck_assert_int_eq(write_file(p, "hello", 5), 0);
	load_err(d, "not valid JSON");
	ck_assert_int_eq(write_file(p, "{\"a\":1,\"a\":2}", 13), 0);
	load_err(d, "duplicate");
	ck_assert_int_eq(write_file(p, "[1,2]", 5), 0);
	load_err(d, "$: expected a JSON object");
	load_err(trunc, "truncated");
	load_err("/nonexistent/labyrinth/run", "No such file");
	unlink(p);
	rmdir(d);
	free(p);
	free(d);
	free(trunc);
}
END_TEST

START_TEST(load_reports_validation_with_file)
{
	char *d = mktmpdir(), *p = xasprintf("%s/report.json", d), *s;
	json_t *r = fixture("good");

	set(r, "sampler.cpu_s", json_string("0.1"));
	s = json_dumps(r, 0);
	ck_assert_int_eq(write_file(p, s, strlen(s)), 0);
	load_err(p, "$.sampler.cpu_s: expected a number, got a string");
	unlink(p);
	rmdir(d);
	free(s);
	free(p);
	free(d);
	json_decref(r);
}
END_TEST

/* ---- writing ---- */

static int count_entries(const char *dir, int *tmp_files)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int n = 0;

	*tmp_files = 0;
	ck_assert_ptr_nonnull(dh);
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
		    !strcmp(de->d_name, "..")))
			continue;
		n++;
		if (strstr(de->d_name, "tmp") || de->d_name[0] == '.')
			(*tmp_files)++;
	}
	closedir(dh);
	return n;
}

static char *slurp(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *buf = NULL;
	size_t len;

	ck_assert_msg(read_file(p, &buf, &len) == 0, "cannot read %s", p);
	free(p);
	return buf;
}

START_TEST(write_round_trip)
{
	char *d = mktmpdir(), *first, *second, err[512];
	json_t *orig = fixture("good"), *r = json_deep_copy(orig), *back;
	static const char *const added[] = { "html", "junit", "tap",
					     "summary" };
	size_t i;
	int tmp;

	ck_assert_msg(report_write_all(d, r, REPORT_FMT_ALL, err,
				       sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(count_entries(d, &tmp), 6);
	ck_assert_int_eq(tmp, 0);
	ck_assert_str_eq(json_string_value(at(r, "files.html")), REPORT_HTML);
	ck_assert_msg(report_load(d, &back, err, sizeof(err)) == 0, "%s", err);
	/* The same report but the files the writer added. */
	for (i = 0; i < ARRAY_SIZE(added); i++)
		json_object_del(json_object_get(back, "files"), added[i]);
	ck_assert_msg(json_equal(back, orig), "report.json changed in the "
		      "round trip");
	json_decref(back);

	/* Writing what was read gives the same bytes: a fixed point. */
	first = slurp(d, REPORT_JSON);
	ck_assert_int_eq(report_load(d, &back, err, sizeof(err)), 0);
	ck_assert_int_eq(report_write_all(d, back, REPORT_FMT_ALL, err,
					  sizeof(err)), 0);
	second = slurp(d, REPORT_JSON);
	ck_assert_str_eq(first, second);
	ck_assert_ptr_nonnull(strstr(first, "\"t_s\": 3.17,"));
	free(first);
	free(second);
	json_decref(back);
	json_decref(r);
	json_decref(orig);
	ck_assert_int_eq(remove_tree(d), 0);
	free(d);
}
END_TEST

START_TEST(write_refuses_invalid_and_writes_nothing)
{
	char *d = mktmpdir(), err[512];
	json_t *r = fixture("good");
	int tmp;

	set(r, "outcome.verdict", json_string("maybe"));
	ck_assert_int_eq(report_write_all(d, r, REPORT_FMT_ALL, err,
					  sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "$.outcome.verdict"));
	ck_assert_int_eq(count_entries(d, &tmp), 0);
	json_decref(r);
	rmdir(d);
	free(d);
}
END_TEST

START_TEST(write_only_chosen_formats)
{
	char *d = mktmpdir(), err[512], *p;
	json_t *r = fixture("good");
	unsigned int f = 0;
	int tmp;

	ck_assert_int_eq(report_parse_formats("junit,tap", &f, err,
					      sizeof(err)), 0);
	ck_assert_uint_eq(f, REPORT_FMT_JUNIT | REPORT_FMT_TAP);
	ck_assert_int_eq(report_parse_formats("junit,pdf", &f, err,
					      sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "'pdf'"));
	ck_assert_int_eq(report_parse_formats("all", &f, err, sizeof(err)), 0);
	ck_assert_uint_eq(f, REPORT_FMT_ALL);
	ck_assert_int_eq(report_write_all(d, r, REPORT_FMT_TAP, err,
					  sizeof(err)), 0);
	ck_assert_int_eq(count_entries(d, &tmp), 2);
	p = xasprintf("%s/%s", d, REPORT_HTML);
	ck_assert_int_ne(access(p, F_OK), 0);
	free(p);
	json_decref(r);
	ck_assert_int_eq(remove_tree(d), 0);
	free(d);
}
END_TEST

/* ---- series.csv ---- */

START_TEST(csv_matches_series)
{
	json_t *r = fixture("good"), *s = at(r, "series");
	char *csv = report_csv(r), *line, *save = NULL, *cell, *save2;
	static const char *const header =
		"t_s,free_pages,min,low,high,pages_held,attempts,"
		"failures_genuine,failures_injected,nr_free_pages,oom_kill,"
		"allocstall";
	char *cols[16];
	size_t row = 0, ncol = 0, c;

	line = strtok_r(csv, "\n", &save);
	ck_assert_str_eq(line, header);
	{
		char *h = xstrdup(header);

		for (cell = strtok_r(h, ",", &save2); cell;
		     cell = strtok_r(NULL, ",", &save2))
			cols[ncol++] = xstrdup(cell);
		free(h);
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		c = 0;
		for (cell = strtok_r(line, ",", &save2); cell;
		     cell = strtok_r(NULL, ",", &save2), c++) {
			double want = json_number_value(json_array_get(
				json_object_get(s, cols[c]), row));

			ck_assert_msg(strtod(cell, NULL) == want,
				      "row %zu col %s: %s != %g", row, cols[c],
				      cell, want);
		}
		ck_assert_uint_eq(c, ncol);
		row++;
	}
	ck_assert_uint_eq(row, json_array_size(json_object_get(s, "t_s")));
	for (c = 0; c < ncol; c++)
		free(cols[c]);
	free(csv);
	json_decref(r);
}
END_TEST

/* ---- summary and TAP ---- */

static void assert_narrow(const char *text)
{
	const char *p = text, *nl;

	ck_assert_int_gt((int)strlen(text), 200);
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_msg(nl, "summary does not end with a newline");
		ck_assert_msg(nl - p <= 79, "line of %d columns: %.*s",
			      (int)(nl - p), (int)(nl - p), p);
	}
}

START_TEST(summary_under_80_columns)
{
	json_t *r = fixture("good");
	char *s = report_summary_string(r), long_name[301];

	assert_narrow(s);
	ck_assert_ptr_nonnull(strstr(s, "first atomic failure      3.170     "
				     "367   141529"));
	ck_assert_ptr_nonnull(strstr(s, "ATOMIC-FAILURE (expected "
				     "atomic-failure: met)"));
	free(s);
	memset(long_name, 'x', 300);
	long_name[300] = '\0';
	set(r, "scenario.name", json_string(long_name));
	set(r, "outcome.reason", json_string(long_name));
	set(r, "engines.0.id", json_string(long_name));
	set(r, "system.kernel_release", json_string(long_name));
	set(r, "oom_kills.0.comm", json_string(long_name));
	set(r, "thresholds.first_oom_kill.victim_comm", json_string(long_name));
	s = report_summary_string(r);
	assert_narrow(s);
	free(s);
	json_decref(r);
	r = fixture("panic");
	s = report_summary_string(r);
	assert_narrow(s);
	ck_assert_ptr_nonnull(strstr(s, "PANIC (expected panic: met)"));
	free(s);
	json_decref(r);
}
END_TEST

START_TEST(tap_reports_each_check)
{
	json_t *r = fixture("good"), *m;
	char *t = report_tap(r);

	ck_assert_ptr_nonnull(strstr(t, "1..3\nok 1 - irq-spam-pressure: "
				     "expect:"));
	ck_assert_ptr_nonnull(strstr(t, "\nok 2 - "));
	ck_assert_ptr_nonnull(strstr(t, "\nok 3 - "));
	free(t);

	set(r, "engines.1.owner_violations", json_integer(2));
	m = json_pack("{s:f, s:s, s:s}", "t_s", 4.2, "kind", "warning",
		      "text", "WARNING: CPU: 1 PID: 0 at mm/page_alloc.c:5455 "
		      "\"quoted\"");
	json_array_append_new(at(r, "kernel_messages"), m);
	t = report_tap(r);
	ck_assert_ptr_nonnull(strstr(t, "\nnot ok 2 - irq-spam-pressure: "
				     "owner_violations: 2 owner"));
	ck_assert_ptr_nonnull(strstr(t, "\nnot ok 3 - "));
	ck_assert_ptr_nonnull(strstr(t, "  message: \"WARNING: CPU: 1 PID: 0 "
				     "at mm/page_alloc.c:5455 \\\"quoted\\\"\""));
	free(t);

	set(r, "outcome.verdict", json_string("skipped"));
	set(r, "outcome.expect_met", json_false());
	set(r, "outcome.reason", json_string("no CONFIG_FAULT_INJECTION"));
	t = report_tap(r);
	ck_assert_ptr_nonnull(strstr(t, "ok 1 - irq-spam-pressure: expect: "
				     "skipped: no CONFIG_FAULT_INJECTION # "
				     "SKIP"));
	free(t);
	set(r, "outcome.verdict", json_string("timeout"));
	t = report_tap(r);
	ck_assert_ptr_nonnull(strstr(t, "not ok 1 - "));
	free(t);
	json_decref(r);
}
END_TEST

/* The schema's enums are the vocabulary tables: names and old spellings. */
static void enum_is_vocab(json_t *schema, const char *path,
			  const struct vocab *voc)
{
	json_t *e = at(schema, path), *x;
	size_t i, k, n = 0, words = 0;
	uint32_t v;

	ck_assert_msg(json_is_array(e), "no %s in the schema", path);
	json_array_foreach(e, i, x) {
		if (json_is_null(x))
			continue;
		ck_assert_msg(vocab_parse(voc, json_string_value(x), &v) >= 0,
			      "%s: %s is not a %s", path, json_string_value(x),
			      voc->what);
		n++;
	}
	for (i = 0; i < voc->n; i++)
		for (k = 0, words++; k < VOCAB_OLD_MAX && voc->w[i].old[k]; k++)
			words++;
	ck_assert_msg(n == words, "%s has %zu words, the %s table %zu", path,
		      n, voc->what, words);
}

START_TEST(schema_speaks_the_vocabulary)
{
	char *p = top_path("reports/schema/report.schema.json");
	json_error_t je;
	json_t *schema = json_load_file(p, 0, &je);

	ck_assert_msg(schema, "%s: %s", p, je.text);
	enum_is_vocab(schema, "$defs.context.enum", &vocab_context);
	enum_is_vocab(schema, "$defs.verdict.enum", &vocab_verdict);
	enum_is_vocab(schema, "properties.engines.items.properties.policy.enum",
		      &vocab_policy);
	enum_is_vocab(schema, "properties.engines.items.properties.shred.enum",
		      &vocab_shred);
	json_decref(schema);
	free(p);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_fixtures_validate);
	tcase_add_loop_test(tc, bad_values_name_their_path, 0,
			    (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, validator_agrees_with_schema_file);
	tcase_add_test(tc, schema_speaks_the_vocabulary);
	tcase_add_test(tc, load_explains_bad_files);
	tcase_add_test(tc, load_reports_validation_with_file);
	tcase_add_test(tc, write_round_trip);
	tcase_add_test(tc, write_refuses_invalid_and_writes_nothing);
	tcase_add_test(tc, write_only_chosen_formats);
	tcase_add_test(tc, csv_matches_series);
	tcase_add_test(tc, summary_under_80_columns);
	tcase_add_test(tc, tap_reports_each_check);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(report_suite)
