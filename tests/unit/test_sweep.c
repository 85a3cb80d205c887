// SPDX-License-Identifier: GPL-2.0
/*
 * Description: threshold searches without a VM. The search on made-up
 * curves (a step function, failures from LOW on, none at all, a curve
 * that falls again: reported as not monotone, never hidden), range and
 * value parsing and writing in every unit, sweep.json validated and
 * broken ones refused by path; and `labyrinth vm sweep` end to end with
 * tests/fixtures/soak/fake-vm-run as the runner (what a run comes to
 * set by the swept value): the boundary and a reproducer that parses,
 * nothing failing, every run an infrastructure error, Ctrl-C (runs in
 * flight stopped and reaped, what finished written), and every error
 * of the command line.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "commands.h"
#include "fake_runner.h"
#include "report_priv.h"
#include "scenario.h"
#include "soak.h"
#include "sweep.h"
#include "util.h"
#include "xml_check.h"

#define SWEEP(log, ...) \
	soak_wait(soak_start(log, (const char *const[]){ "vm", "sweep", \
			     __VA_ARGS__, NULL }, cmd_vm))

/* ---- the search on made-up curves ---------------------------------------- */

static void plan_int(struct sweep *s, double lo, double hi, double res)
{
	sweep_init(s);
	snprintf(s->plan.key.path, sizeof(s->plan.key.path), "engine.rate");
	snprintf(s->plan.key.section, sizeof(s->plan.key.section), "engine");
	snprintf(s->plan.key.name, sizeof(s->plan.key.name), "rate");
	s->plan.key.kind = SC_KEY_INTEGER;
	s->plan.key.min = 1;
	s->plan.key.max = 1e7;
	s->plan.low = lo;
	s->plan.high = hi;
	s->plan.resolution = res;
	s->plan.runs_per_point = 2;
	s->plan.file = xstrdup("x.ini");
}

/* A point as the curve says: hits of 2 runs at value v. */
typedef unsigned int (*curve_fn)(double v);

static void add_point(struct sweep *s, double v, unsigned int hits)
{
	struct sweep_point *p;

	s->points = xrealloc(s->points, (s->npoints + 1) * sizeof(*p));
	p = &s->points[s->npoints++];
	memset(p, 0, sizeof(*p));
	p->value = v;
	sweep_format_value(&s->plan.key, v, p->text, sizeof(p->text));
	snprintf(p->dir, sizeof(p->dir), "points/%02zu-%s", s->npoints - 1,
		 p->text);
	p->runs = p->ran = 2;
	p->hits = hits;
	p->verdicts[V_PANIC] = hits;
	p->verdicts[V_SURVIVE] = 2 - hits;
}

static size_t run_search(struct sweep *s, curve_fn f)
{
	double v;

	while (sweep_next(s, &v)) {
		ck_assert_uint_lt(s->npoints, 100);
		add_point(s, v, f(v));
	}
	sweep_analyse(s);
	return s->npoints;
}

static unsigned int step_at_12345(double v) { return v >= 12345 ? 2 : 0; }
static unsigned int always(double v) { (void)v; return 1; }
static unsigned int never(double v) { (void)v; return 0; }
/* fails between 3000 and 5000 only */
static unsigned int hump(double v) { return v >= 3000 && v <= 5000 ? 2 : 0; }
static unsigned int rising_then_less(double v)
{
	return v >= 4000 ? (v >= 8000 ? 1 : 2) : 0;
}

START_TEST(bisect_finds_the_step)
{
	struct sweep s;
	const struct sweep_point *f, *p;
	size_t n;

	plan_int(&s, 1000, 40000, 100);
	n = run_search(&s, step_at_12345);
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_BOUNDARY);
	f = &s.points[s.res.smallest_failing];
	p = &s.points[s.res.largest_passing];
	ck_assert(f->value >= 12345 && p->value < 12345);
	ck_assert(f->value - p->value <= 100);
	/* LOW, HIGH, then log2(39000 / 100) = 8.6 halvings */
	ck_assert_uint_le(n, 2 + 9);
	ck_assert(s.res.monotone);
	/* integers only */
	ck_assert(f->value == floor(f->value));
	sweep_free(&s);
}
END_TEST

START_TEST(bisect_at_low_and_none)
{
	struct sweep s;

	plan_int(&s, 10, 20, 1);
	ck_assert_uint_eq(run_search(&s, always), 1);	/* LOW fails: done */
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_AT_LOW);
	ck_assert_double_eq(s.points[s.res.smallest_failing].value, 10);
	sweep_free(&s);

	plan_int(&s, 10, 20, 1);
	ck_assert_uint_eq(run_search(&s, never), 2);	/* LOW and HIGH */
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_NONE);
	ck_assert_int_eq(s.res.smallest_failing, -1);
	sweep_free(&s);
}
END_TEST

static unsigned int third(double v) { return v >= 1.0 / 3 ? 2 : 0; }

/* A real key bisected finer than it is written (6 digits) still ends:
 * two values that write alike are one. */
START_TEST(bisect_real_ends)
{
	struct sweep s;
	size_t n;

	plan_int(&s, 0, 1, 1e-12);
	s.plan.key.kind = SC_KEY_NUMBER;
	s.plan.key.min = 0;
	s.plan.key.max = 100;
	n = run_search(&s, third);
	ck_assert_uint_lt(n, 40);
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_BOUNDARY);
	ck_assert_str_eq(s.points[s.res.smallest_failing].text, "0.333334");
	sweep_free(&s);
}
END_TEST

/* A point where no run ran ends the search as incomplete. */
START_TEST(undecided_point_stops)
{
	struct sweep s;
	double v;

	plan_int(&s, 10, 20, 1);
	ck_assert(sweep_next(&s, &v));
	add_point(&s, v, 0);
	s.points[0].ran = 0;
	s.points[0].infra = 2;
	s.points[0].verdicts[V_SURVIVE] = 0;
	s.points[0].verdicts[V_ERROR] = 2;
	ck_assert(!sweep_next(&s, &v));
	sweep_analyse(&s);
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_INCOMPLETE);
	ck_assert(isnan(sweep_point_rate(&s.points[0])));
	sweep_free(&s);
}
END_TEST

/* Stepping tries every value, HIGH last; a curve that falls again is
 * reported where it falls. */
START_TEST(step_reports_non_monotone)
{
	struct sweep s;
	size_t i;

	plan_int(&s, 1000, 7500, 0);
	s.plan.method = SWEEP_STEP;
	s.plan.step = 1000;
	ck_assert_uint_eq(run_search(&s, hump), 8);	/* 1000..7000, 7500 */
	ck_assert_double_eq(s.points[7].value, 7500);
	for (i = 0; i < 7; i++)
		ck_assert_double_eq(s.points[i].value, 1000.0 * (i + 1));
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_BOUNDARY);
	ck_assert_double_eq(s.points[s.res.smallest_failing].value, 3000);
	ck_assert(!s.res.monotone);
	ck_assert_uint_eq(s.res.nv, 1);
	ck_assert_double_eq(s.points[s.res.v[0].lower].value, 5000);
	ck_assert_double_eq(s.points[s.res.v[0].higher].value, 6000);
	sweep_free(&s);
}
END_TEST

/* Bisection never sees a pass above a fail it made, but a rate that
 * falls (2/2, then 1/2 higher up) is still reported. */
START_TEST(bisect_reports_falling_rate)
{
	struct sweep s;
	char *text;

	plan_int(&s, 1000, 9000, 500);
	run_search(&s, rising_then_less);
	ck_assert_int_eq(s.res.found, SWEEP_FOUND_BOUNDARY);
	ck_assert(!s.res.monotone);
	text = sweep_summary_string(&s);
	ck_assert_msg(strstr(text, "NOT MONOTONE"), "%s", text);
	free(text);
	sweep_free(&s);
}
END_TEST

/* ---- values and ranges ------------------------------------------------------ */

static struct sweep_key key(enum sc_key_kind kind, double min, double max)
{
	struct sweep_key k = { .kind = kind, .min = min, .max = max };

	snprintf(k.path, sizeof(k.path), "x.y");
	return k;
}

START_TEST(ranges_parse)
{
	struct sweep_key k = key(SC_KEY_DURATION, 1, 3600000);
	double lo, hi;
	char err[256], buf[48];

	ck_assert_int_eq(sweep_parse_range(&k, "10ms..2s", &lo, &hi, err,
					   sizeof(err)), 0);
	ck_assert_double_eq(lo, 10);
	ck_assert_double_eq(hi, 2000);
	sweep_format_value(&k, 2000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2s");
	sweep_format_value(&k, 1500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1500ms");

	k = key(SC_KEY_SIZE, 0, 1e12);
	ck_assert_int_eq(sweep_parse_range(&k, "64M..1G", &lo, &hi, err,
					   sizeof(err)), 0);
	ck_assert_double_eq(lo, 64 << 20);
	sweep_format_value(&k, hi, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1G");
	sweep_format_value(&k, 96 << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "96M");
	sweep_format_value(&k, 4096 * 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "12k");
	sweep_format_value(&k, 4097, buf, sizeof(buf));
	ck_assert_str_eq(buf, "4097");

	k = key(SC_KEY_NUMBER, 0, 100);
	ck_assert_int_eq(sweep_parse_range(&k, "0.5..20", &lo, &hi, err,
					   sizeof(err)), 0);
	ck_assert_double_eq(lo, 0.5);
	ck_assert_double_eq(sweep_round(&k, 2.25), 2.25);
	/* a real is tried as it is written, to 6 digits */
	ck_assert_double_eq(sweep_round(&k, 1.23456789), 1.23457);
	sweep_format_value(&k, 1.23457, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.23457");
	k = key(SC_KEY_INTEGER, 1, 1e7);
	ck_assert_double_eq(sweep_round(&k, 2.75), 2);
}
END_TEST

/* Every way a range is wrong says what and what the key takes. */
START_TEST(ranges_refused)
{
	static const struct {
		enum sc_key_kind kind;
		const char *text, *says;
	} bad[] = {
		{ SC_KEY_INTEGER, "5", "expected LOW..HIGH" },
		{ SC_KEY_INTEGER, "..5", "expected LOW..HIGH" },
		{ SC_KEY_INTEGER, "5..", "expected LOW..HIGH" },
		{ SC_KEY_INTEGER, "9..5", "LOW must be below HIGH" },
		{ SC_KEY_INTEGER, "5..5", "LOW must be below HIGH" },
		{ SC_KEY_INTEGER, "0..5", "out of range" },
		{ SC_KEY_INTEGER, "1..2k", "takes an integer" },
		{ SC_KEY_INTEGER, "-1..5", "takes an integer" },
		{ SC_KEY_DURATION, "10ms..1parsec", "takes a duration" },
		{ SC_KEY_SIZE, "1M..2Q", "takes a size" },
		{ SC_KEY_NUMBER, "0.5..200", "out of range" },
		{ SC_KEY_NUMBER, "x..2", "takes a number" },
	};
	char err[256];
	double lo, hi;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sweep_key k = key(bad[i].kind, 1,
					 bad[i].kind == SC_KEY_SIZE ? 1e12 : 100);

		err[0] = '\0';
		ck_assert_msg(sweep_parse_range(&k, bad[i].text, &lo, &hi, err,
						sizeof(err)) == -1,
			      "%s accepted", bad[i].text);
		ck_assert_msg(strstr(err, bad[i].says), "%s: '%s'",
			      bad[i].text, err);
	}
}
END_TEST

/* The reproducer's text: the key's line replaced, added, or a section
 * added; the result parses. */
START_TEST(text_set)
{
	static const char text[] =
		"[scenario]\nexpect = survive\n\n[engine  rx]\ncontext = "
		"hrtimer\nrate = 500\nburst = 10\n; end\n";
	struct scenario sc;
	char err[512], *t;

	t = scenario_text_set(text, "engine rx", "rate", "", "9000", "c");
	ck_assert_msg(strstr(t, "; c\nrate = 9000\nburst"), "%s", t);
	ck_assert(!strstr(t, "rate = 500"));
	ck_assert_int_eq(scenario_parse_string(&sc, "t", t, err, sizeof(err)),
			 0);
	ck_assert_int_eq(sc.engine[0].rate, 9000);
	scenario_free(&sc);
	free(t);

	t = scenario_text_set(text, "scenario", "ballast", "", "64M", "c");
	ck_assert_msg(strstr(t, "expect = survive\n\n; c\nballast = 64M\n"),
		      "%s", t);
	ck_assert_int_eq(scenario_parse_string(&sc, "t", t, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sc.ballast_bytes, 64 << 20);
	scenario_free(&sc);
	free(t);

	t = scenario_text_set(text, "kernel", "min_free_kbytes", "", "9000",
			      "c");
	ck_assert_msg(strstr(t, "; end\n\n[kernel]\n; c\nmin_free_kbytes = "
			     "9000\n"), "%s", t);
	ck_assert_int_eq(scenario_parse_string(&sc, "t", t, err, sizeof(err)),
			 0);
	scenario_free(&sc);
	free(t);
}
END_TEST

/* A key --vary names: as --set names it, its unit, or why not. */
START_TEST(key_info)
{
	struct scenario sc;
	struct sc_key_info ki;
	char err[512], *path = top_path("scenarios/default.ini");

	ck_assert_int_eq(scenario_load(&sc, path, err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_key_info(&sc, "engine.rate", &ki, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(ki.kind, SC_KEY_INTEGER);
	ck_assert_str_eq(ki.section, "engine irq");
	ck_assert_int_eq(scenario_key_info(&sc, "engine.irq.hold", &ki, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(ki.kind, SC_KEY_DURATION);
	ck_assert_int_eq(scenario_key_info(&sc, "scenario.ballast", &ki, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(ki.kind, SC_KEY_SIZE);
	ck_assert_int_eq(scenario_key_info(&sc, "fail_page_alloc.probability",
					   &ki, err, sizeof(err)), 0);
	ck_assert_int_eq(ki.kind, SC_KEY_NUMBER);
	ck_assert_int_eq(scenario_key_info(&sc, "engine.policy", &ki, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(ki.kind, SC_KEY_OTHER);
	ck_assert_int_eq(scenario_key_info(&sc, "engine.nope", &ki, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "unknown key 'nope'"), "%s", err);
	ck_assert_int_eq(scenario_key_info(&sc, "engine.rx.rate", &ki, err,
					   sizeof(err)), -1);
	ck_assert_msg(strstr(err, "has no [engine rx]"), "%s", err);
	ck_assert_int_eq(scenario_key_info(&sc, "rate", &ki, err,
					   sizeof(err)), -1);
	scenario_free(&sc);
	free(path);
}
END_TEST

/* ---- sweep.json ------------------------------------------------------------- */

START_TEST(json_round_trip_and_broken)
{
	struct sweep s, back;
	json_t *j, *b;
	char err[1024], *d = tmpdir(), *p;
	FILE *f;

	plan_int(&s, 1000, 9000, 500);
	snprintf(s.plan.kernel.name, sizeof(s.plan.kernel.name), "6.1");
	snprintf(s.plan.kernel.kver, sizeof(s.plan.kernel.kver), "6.1");
	snprintf(s.plan.kernel.variant, sizeof(s.plan.kernel.variant),
		 "default");
	snprintf(s.plan.sha256, sizeof(s.plan.sha256), "%064d", 0);
	snprintf(s.plan.name, sizeof(s.plan.name), "x");
	snprintf(s.plan.accel, sizeof(s.plan.accel), "auto");
	snprintf(s.start_time, sizeof(s.start_time), "2026-11-29T10:00:00Z");
	s.plan.mem_mb = 1024;
	s.plan.cpus = 2;
	run_search(&s, rising_then_less);
	j = sweep_json(&s);
	ck_assert_msg(sweep_validate(j, err, sizeof(err)) == 0, "%s", err);

	/* read back: the same document */
	p = xasprintf("%s/%s", d, SWEEP_JSON);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	json_dumpf(j, f, JSON_INDENT(1));
	fclose(f);
	ck_assert_msg(sweep_load(d, &back, err, sizeof(err)) == 0, "%s", err);
	b = sweep_json(&back);
	ck_assert(json_equal(j, b));
	json_decref(b);
	sweep_free(&back);

	/* a result the points do not come to */
	b = json_deep_copy(j);
	json_object_set_new(json_object_get(b, "result"), "smallest_failing",
			    json_real(1000));
	ck_assert_int_eq(sweep_validate(b, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "$.result"), "%s", err);
	json_decref(b);
	/* more hits than runs */
	b = json_deep_copy(j);
	json_object_set_new(json_array_get(json_object_get(b, "points"), 0),
			    "hits", json_integer(9));
	ck_assert_int_eq(sweep_validate(b, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "$.points[0]"), "%s", err);
	json_decref(b);
	/* a field of the wrong type */
	b = json_deep_copy(j);
	json_object_set_new(json_object_get(b, "plan"), "until",
			    json_string("later"));
	ck_assert_int_eq(sweep_validate(b, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "$.plan.until"), "%s", err);
	json_decref(b);

	json_decref(j);
	sweep_free(&s);
	remove_tree(d);
	free(d);
	free(p);
}
END_TEST

/* The schema file names the same words and version as the C side. */
START_TEST(schema_file_speaks_the_vocabulary)
{
	char *p = top_path("reports/schema/sweep.schema.json");
	json_error_t je;
	json_t *schema = json_load_file(p, 0, &je), *e;
	size_t i;

	ck_assert_msg(schema, "%s: %s", p, je.text);
	ck_assert_str_eq(json_string_value(jp(schema,
		"properties.schema.const")), SWEEP_SCHEMA_NAME);
	e = jp(schema, "properties.schema_version.enum");
	ck_assert_int_eq(json_integer_value(json_array_get(e,
		json_array_size(e) - 1)), SWEEP_SCHEMA_VERSION);
	e = jp(schema, "properties.plan.properties.until.enum");
	ck_assert_uint_eq(json_array_size(e), vocab_sweep_until.n);
	for (i = 0; i < vocab_sweep_until.n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(e, i)),
				 vocab_sweep_until.w[i].name);
	e = jp(schema, "properties.result.properties.found.enum");
	ck_assert_uint_eq(json_array_size(e), vocab_sweep_found.n);
	for (i = 0; i < vocab_sweep_found.n; i++)
		ck_assert_str_eq(json_string_value(json_array_get(e, i)),
				 vocab_sweep_found.w[i].name);
	json_decref(schema);
	free(p);
}
END_TEST

/* ---- `labyrinth vm sweep` with the fake runner ----------------------------- */

/* Each end-to-end test's directory, output directory and log. */
static struct {
	char *d, *out, *log;
} fx;

static void fx_setup(void)
{
	fx.d = tmpdir();
	fx.out = xasprintf("%s/w", fx.d);
	fx.log = xasprintf("%s/log", fx.d);
	fake_env();
}

static void fx_teardown(void)
{
	remove_tree(fx.d);
	free(fx.d);
	free(fx.out);
	free(fx.log);
}

static json_t *result_of(const char *out)
{
	json_t *j = load_json(out, SWEEP_JSON);
	char err[1024];

	ck_assert_msg(sweep_validate(j, err, sizeof(err)) == 0, "%s", err);
	return j;
}

START_TEST(sweep_finds_boundary)
{
	const char *out = fx.out, *log = fx.log;
	char *repro, *text, err[256];
	struct scenario sc;
	json_t *j;
	int rc;

	setenv("FAKE_SWEEP_KEY", "engine.held_cap", 1);
	setenv("FAKE_SWEEP_FROM", "123457", 1);
	setenv("FAKE_SWEEP_VERDICT", "atomic-failure", 1);
	rc = SWEEP(log, "scenarios/default.ini", "--until", "atomic-failure",
		   "--vary", "engine.held_cap=50000..240000", "--resolution",
		   "1000", "-r", "2", "-j", "2", "-o", out);
	text = slurp(fx.d, "log");
	ck_assert_msg(rc == 0, "exit %d: %s", rc, text);
	ck_assert_msg(strstr(text, "smallest failing value: engine.held_cap"),
		      "%s", text);
	j = result_of(out);
	ck_assert_str_eq(json_string_value(jp(j, "result.found")),
			 "boundary");
	ck_assert(jp_num(j, "result.smallest_failing", 0) >= 123457);
	ck_assert(jp_num(j, "result.smallest_failing", 0) -
		  jp_num(j, "result.largest_passing", 0) <= 1000);
	ck_assert(json_is_true(jp(j, "result.monotone")));
	/* the reproducer: the value in the text, parsing as it is */
	repro = xasprintf("%s/%s", out, SWEEP_REPRO);
	ck_assert_int_eq(scenario_load(&sc, repro, text, 1), 0);
	ck_assert_uint_eq(sc.engine[0].held_cap,
			  (uint64_t)jp_num(j, "result.smallest_failing", 0));
	scenario_free(&sc);
	free(text);
	free(repro);
	/* the curve: text and SVG */
	text = slurp(out, SWEEP_SUMMARY);
	ck_assert_msg(strstr(text, "|#"), "%s", text);
	free(text);
	text = slurp(out, SWEEP_HTML);
	ck_assert_msg(xml_check(text, NULL, NULL, err, sizeof(err)) == 0,
		      "sweep.html is not well-formed: %s", err);
	ck_assert(strstr(text, "<svg"));
	ck_assert(strstr(text, "points/00-50000/soak.html"));
	free(text);
	/* labyrinth report: checks it, and writes its formats again */
	ck_assert_int_eq(soak_wait(soak_start(log, (const char *const[]){
		"report", "--validate", out, NULL }, cmd_report)), 0);
	ck_assert_int_eq(soak_wait(soak_start(log, (const char *const[]){
		"report", "-q", out, NULL }, cmd_report)), 0);
	text = slurp(out, SWEEP_SUMMARY);
	ck_assert_msg(strstr(text, "smallest failing value"), "%s", text);
	free(text);
	json_object_set_new(json_object_get(j, "result"), "found",
			    json_string("none"));
	repro = xasprintf("%s/%s", out, SWEEP_JSON);
	ck_assert_int_eq(json_dump_file(j, repro, 0), 0);
	ck_assert_int_eq(soak_wait(soak_start(log, (const char *const[]){
		"report", "--validate", out, NULL }, cmd_report)), 2);
	text = slurp(fx.d, "log");
	ck_assert_msg(strstr(text, "$.result is not what the points come to"),
		      "%s", text);
	free(text);
	json_decref(j);
	free(repro);
}
END_TEST

/* Nothing fails: exit 1, no reproducer; every run an infrastructure
 * error: exit 3, why in sweep.json. */
START_TEST(sweep_none_and_infra)
{
	const char *out = fx.out, *log = fx.log;
	char *out2 = xasprintf("%s/w2", fx.d), *text;
	char *repro = xasprintf("%s/%s", out, SWEEP_REPRO);
	json_t *j;
	int rc;

	setenv("FAKE_SWEEP_KEY", "engine.rate", 1);
	setenv("FAKE_SWEEP_FROM", "999999", 1);
	rc = SWEEP(log, "scenarios/default.ini", "--vary",
		   "engine.rate=1000..40000", "-o", out, "-q");
	ck_assert_int_eq(rc, 1);
	j = result_of(out);
	ck_assert_str_eq(json_string_value(jp(j, "result.found")), "none");
	ck_assert(json_is_null(json_object_get(json_object_get(j, "result"),
					       "reproducer")));
	ck_assert_int_ne(access(repro, F_OK), 0);
	json_decref(j);

	setenv("FAKE_INFRA_INDEX", "all", 1);
	rc = SWEEP(log, "scenarios/default.ini", "--vary",
		   "engine.rate=1000..40000", "-o", out2, "-q");
	text = slurp(fx.d, "log");
	ck_assert_msg(rc == 3, "exit %d: %s", rc, text);
	free(text);
	j = result_of(out2);
	ck_assert_str_eq(json_string_value(jp(j, "result.found")),
			 "incomplete");
	ck_assert_msg(strstr(json_string_value(jp(j, "stop_reason")),
			     "could run"), "%s",
		      json_string_value(jp(j, "stop_reason")));
	json_decref(j);
	free(repro);
	free(out2);
}
END_TEST

/* A hump (fails from 3000 to 5000 only), stepped: not monotone, said in
 * the summary and the JSON; the reproducer is the smallest failing. */
START_TEST(sweep_non_monotone)
{
	const char *out = fx.out, *log = fx.log;
	char *text;
	json_t *j;
	int rc;

	setenv("FAKE_SWEEP_KEY", "engine.rate", 1);
	setenv("FAKE_SWEEP_FROM", "3000", 1);
	setenv("FAKE_SWEEP_UPTO", "5000", 1);
	rc = SWEEP(log, "scenarios/default.ini", "--vary",
		   "engine.rate=1000..7000", "--step", "1000", "-j", "2", "-o",
		   out);
	text = slurp(fx.d, "log");
	ck_assert_msg(rc == 0, "exit %d: %s", rc, text);
	ck_assert_msg(strstr(text, "NOT MONOTONE"), "%s", text);
	ck_assert_msg(strstr(text, "2/2 at 5000, then 0/2") ||
		      strstr(text, "1/1 at 5000, then 0/1"), "%s", text);
	free(text);
	j = result_of(out);
	ck_assert(json_is_false(jp(j, "result.monotone")));
	ck_assert_int_eq(json_array_size(jp(j, "result.violations")), 1);
	ck_assert_double_eq(jp_num(j, "result.smallest_failing", 0), 3000);
	ck_assert_int_eq(json_array_size(jp(j, "points")), 7);
	json_decref(j);
}
END_TEST

/* Ctrl-C in the middle: the runs in flight stopped and reaped, the
 * points that finished in sweep.json, marked interrupted, exit 1. */
START_TEST(sweep_interrupted)
{
	const char *out = fx.out, *log = fx.log;
	char *pids = xasprintf("%s/pids", fx.d);
	char *json = xasprintf("%s/%s", out, SWEEP_JSON);
	json_t *j;
	double t0;
	pid_t pid;
	int rc;

	mkdir(pids, 0755);
	setenv("FAKE_SWEEP_KEY", "engine.rate", 1);
	setenv("FAKE_SWEEP_FROM", "20000", 1);
	setenv("FAKE_SLEEP", "0.3", 1);
	setenv("FAKE_PID_DIR", pids, 1);
	pid = soak_start(log, (const char *const[]){ "vm", "sweep",
		"scenarios/default.ini", "--vary", "engine.rate=1000..40000",
		"-r", "2", "-j", "2", "-o", out, NULL }, cmd_vm);
	/* sweep.json is written after the first point */
	for (t0 = now_mono(); access(json, F_OK) && now_mono() - t0 < 30;)
		usleep(20 * 1000);
	ck_assert_int_eq(access(json, F_OK), 0);
	usleep(100 * 1000);
	kill(pid, SIGINT);
	rc = soak_wait(pid);
	ck_assert_msg(rc == 1, "exit %d, see %s", rc, log);
	ck_assert_msg(entries(pids, true) == 0, "%zu runner(s) still running",
		      entries(pids, true));
	j = result_of(out);
	ck_assert(json_is_true(jp(j, "interrupted")));
	ck_assert_str_eq(json_string_value(jp(j, "result.found")),
			 "incomplete");
	ck_assert_int_ge(json_array_size(jp(j, "points")), 1);
	json_decref(j);
	free(json);
	free(pids);
}
END_TEST

/* Every error of the command line: exit 2 (4 for a skip), a message
 * that says what is wrong, and no directory made. */
START_TEST(sweep_cli_errors)
{
	static const struct {
		const char *args[8];
		int rc;
		const char *says;
	} bad[] = {
		{ { "scenarios/default.ini" }, 2, "no --vary" },
		{ { "--vary", "engine.rate=1..9" }, 2, "no SCENARIO" },
		{ { "scenarios/default.ini", "scenarios/default.ini", "--vary",
		    "engine.rate=1..9" }, 2, "one SCENARIO" },
		{ { "scenarios/default.ini", "--vary", "engine.rate" }, 2,
		  "expected KEY=LOW..HIGH" },
		{ { "scenarios/default.ini", "--vary", "engine.nope=1..9" }, 2,
		  "unknown key 'nope'" },
		{ { "scenarios/default.ini", "--vary", "nope.rate=1..9" }, 2,
		  "unknown section 'nope'" },
		{ { "scenarios/default.ini", "--vary", "engine.policy=1..9" },
		  2, "not a number" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=9..1" }, 2,
		  "LOW must be below HIGH" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=0..9" }, 2,
		  "out of range" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1..2x" }, 2,
		  "takes an integer" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1..200" },
		  2, "burst (100) is larger than rate" },
		{ { "scenarios/default.ini", "--vary", "engine.hold=1s..2s" },
		  2, "only apply to policy = churn" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1k..9k" },
		  2, "takes an integer" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "--until", "boom" }, 2, "expected crash, oom or" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "--step", "0" }, 2, "--step 0" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "--step", "100", "--resolution", "5" }, 2, "one or the "
		  "other" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "--resolution", "0" }, 2, "must be above 0" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "-r", "0" }, 2, "--runs-per-point 0" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "-s", "engine.rate=5000" }, 2, "set the same key" },
		{ { "scenarios/default.ini", "--vary", "engine.rate=1000..9000",
		    "--step", "1" }, 2, "take a larger step" },
		{ { "scenarios/inject-probability.ini", "--vary",
		    "fail_page_alloc.probability=1..9", "--kver", "stock" }, 4,
		  "needs CONFIG_FAULT_INJECTION" },
	};
	const char *out = fx.out, *log = fx.log;
	char *text;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[16] = { "vm", "sweep", "-o", out };
		int rc;

		for (n = 0; bad[i].args[n]; n++)
			argv[4 + n] = bad[i].args[n];
		rc = soak_wait(soak_start(log, argv, cmd_vm));
		text = slurp(fx.d, "log");
		ck_assert_msg(rc == bad[i].rc, "case %zu: exit %d: %s", i, rc,
			      text);
		ck_assert_msg(strstr(text, bad[i].says), "case %zu: %s", i,
			      text);
		ck_assert_msg(access(out, F_OK) != 0, "case %zu made %s", i,
			      out);
		free(text);
	}
	/* a directory that is not empty is not written into */
	mkdir(out, 0755);
	text = xasprintf("%s/x", out);
	ck_assert_int_eq(write_file_atomic(text, "x", 1), 0);
	free(text);
	n = (size_t)SWEEP(log, "scenarios/default.ini", "--vary",
			  "engine.rate=1000..9000", "-o", out);
	ck_assert_uint_eq(n, 2);
	text = slurp(fx.d, "log");
	ck_assert_msg(strstr(text, "not empty"), "%s", text);
	free(text);
}
END_TEST

static Suite *sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *t = tcase_create("search");
	TCase *e = tcase_create("end-to-end");

	tcase_add_test(t, bisect_finds_the_step);
	tcase_add_test(t, bisect_at_low_and_none);
	tcase_add_test(t, undecided_point_stops);
	tcase_add_test(t, bisect_real_ends);
	tcase_add_test(t, step_reports_non_monotone);
	tcase_add_test(t, bisect_reports_falling_rate);
	tcase_add_test(t, ranges_parse);
	tcase_add_test(t, ranges_refused);
	tcase_add_test(t, text_set);
	tcase_add_test(t, key_info);
	tcase_add_test(t, json_round_trip_and_broken);
	tcase_add_test(t, schema_file_speaks_the_vocabulary);
	suite_add_tcase(s, t);
	tcase_set_timeout(e, 120);
	tcase_add_checked_fixture(e, fx_setup, fx_teardown);
	tcase_add_test(e, sweep_finds_boundary);
	tcase_add_test(e, sweep_none_and_infra);
	tcase_add_test(e, sweep_non_monotone);
	tcase_add_test(e, sweep_interrupted);
	tcase_add_test(e, sweep_cli_errors);
	suite_add_tcase(s, e);
	return s;
}

LAB_CHECK_MAIN(sweep_suite)
