// SPDX-License-Identifier: GPL-2.0
/*
 * Description: report.html and junit.xml from recorded reports: well-formed
 * XML (the whole page and each inline SVG), self-contained (no network),
 * every plotted coordinate inside its SVG, markers where the thresholds
 * say, decimation keeping a one-sample dip, escaping of hostile text.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report.h"
#include "util.h"
#include "xml_check.h"

static json_t *fixture(const char *name)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *full = xasprintf("%s/tests/fixtures/reports/%s/report.json",
			       top ? top : ".", name);
	json_error_t je;
	json_t *r = json_load_file(full, 0, &je);

	ck_assert_msg(r, "%s: %s", full, je.text);
	free(full);
	return r;
}

/* What the element callback saw. */
struct seen {
	int svgs;
	double vb_w, vb_h;	/* viewBox of the current svg */
	int coords, out_of_range;
	char bad[256];
	int polylines, max_points;
	double fail_x1;		/* the first-failure marker in the first plot */
	int fail_markers, oom_markers, panic_markers;
	double dot_cx, dot_cy;
	double bottom_y_seen;	/* largest y in the watermark plot's free line */
	int free_lines;		/* l-free polylines in that plot */
	double free_pts[2][8192];	/* their points, the first 8192 */
	int nfree_pts;
	int exhaustion_bands, gap_bands;
	int scripts_with_src, links, external;
};

static int attr_is(const struct xml_attr *a, const char *name)
{
	return a->name_len == strlen(name) && !strncmp(a->name, name,
						       a->name_len);
}

static double attr_num(const struct xml_attr *a)
{
	char buf[64];
	size_t n = a->val_len < 63 ? a->val_len : 63;

	memcpy(buf, a->val, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

static const struct xml_attr *find(const struct xml_attr *a, int n,
				   const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (attr_is(&a[i], name))
			return &a[i];
	return NULL;
}

static int has_class(const struct xml_attr *a, int n, const char *cls)
{
	const struct xml_attr *c = find(a, n, "class");
	char buf[128], *w, *save = NULL;

	if (!c || c->val_len >= sizeof(buf))
		return 0;
	memcpy(buf, c->val, c->val_len);
	buf[c->val_len] = '\0';
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (!strcmp(w, cls))
			return 1;
	return 0;
}

static void check_coord(struct seen *s, double v, double lim, const char *what)
{
	s->coords++;
	if (v < 0 || v > lim || isnan(v)) {
		s->out_of_range++;
		snprintf(s->bad, sizeof(s->bad), "%s=%g outside [0, %g]", what,
			 v, lim);
	}
}

static void on_elem(void *arg, const char *name, size_t len,
		    const struct xml_attr *a, int n)
{
	static const char *const xs[] = { "x", "x1", "x2", "cx", "width" };
	static const char *const ys[] = { "y", "y1", "y2", "cy", "height" };
	struct seen *s = arg;
	const struct xml_attr *v;
	size_t i;

	if (len == 3 && !strncmp(name, "svg", 3)) {
		s->svgs++;
		v = find(a, n, "viewBox");
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(sscanf(v->val, "0 0 %lf %lf", &s->vb_w,
					&s->vb_h), 2);
		return;
	}
	if (len == 6 && !strncmp(name, "script", 6) && find(a, n, "src"))
		s->scripts_with_src++;
	if (len == 4 && !strncmp(name, "link", 4))
		s->links++;
	v = find(a, n, "href");
	if (v && (!strncmp(v->val, "http", 4) || !strncmp(v->val, "//", 2)))
		s->external++;
	if (!s->svgs)
		return;
	for (i = 0; i < ARRAY_SIZE(xs); i++)
		if ((v = find(a, n, xs[i])))
			check_coord(s, attr_num(v), s->vb_w, xs[i]);
	for (i = 0; i < ARRAY_SIZE(ys); i++)
		if ((v = find(a, n, ys[i])))
			check_coord(s, attr_num(v), s->vb_h, ys[i]);
	if (len == 8 && !strncmp(name, "polyline", 8)) {
		const char *p;
		int pts = 0;

		v = find(a, n, "points");
		ck_assert_ptr_nonnull(v);
		s->polylines++;
		for (p = v->val; p < v->val + v->val_len;) {
			double x, y;
			int used;

			ck_assert_int_eq(sscanf(p, "%lf,%lf%n", &x, &y, &used),
					 2);
			check_coord(s, x, s->vb_w, "points x");
			check_coord(s, y, s->vb_h, "points y");
			if (s->svgs == 1 && has_class(a, n, "l-free") &&
			    y > s->bottom_y_seen)
				s->bottom_y_seen = y;
			if (s->svgs == 1 && has_class(a, n, "l-free") &&
			    s->nfree_pts < 8192) {
				s->free_pts[0][s->nfree_pts] = x;
				s->free_pts[1][s->nfree_pts++] = y;
			}
			pts++;
			p += used;
			while (*p == ' ')
				p++;
		}
		if (pts > s->max_points)
			s->max_points = pts;
		if (s->svgs == 1 && has_class(a, n, "l-free"))
			s->free_lines++;
	}
	if (len == 4 && !strncmp(name, "rect", 4) && s->svgs == 1) {
		s->exhaustion_bands += has_class(a, n, "w-exhaustion");
		s->gap_bands += has_class(a, n, "w-gap");
	}
	/* Vertical lines only: the legend's samples are horizontal. */
	if (len == 4 && !strncmp(name, "line", 4) &&
	    attr_num(find(a, n, "x1")) == attr_num(find(a, n, "x2"))) {
		if (has_class(a, n, "m-fail")) {
			if (s->svgs == 1)
				s->fail_x1 = attr_num(find(a, n, "x1"));
			s->fail_markers++;
		}
		s->oom_markers += has_class(a, n, "m-oom");
		s->panic_markers += has_class(a, n, "m-panic");
	}
	if (len == 6 && !strncmp(name, "circle", 6) &&
	    has_class(a, n, "dot-fail")) {
		s->dot_cx = attr_num(find(a, n, "cx"));
		s->dot_cy = attr_num(find(a, n, "cy"));
	}
}

static char *checked_html(json_t *r, struct seen *s)
{
	char *html = report_html(r), err[256];

	memset(s, 0, sizeof(*s));
	ck_assert_msg(xml_check(html, on_elem, s, err, sizeof(err)) == 0,
		      "report.html is not well-formed: %s", err);
	ck_assert_msg(!s->out_of_range, "%d of %d coordinates out of range; "
		      "last: %s", s->out_of_range, s->coords, s->bad);
	ck_assert_int_eq(s->scripts_with_src, 0);
	ck_assert_int_eq(s->links, 0);
	ck_assert_int_eq(s->external, 0);
	return html;
}

START_TEST(html_well_formed_self_contained)
{
	json_t *r = fixture("good");
	struct seen s;
	char *html = checked_html(r, &s), *p;
	int n = 0;

	ck_assert_int_eq(s.svgs, 4);
	ck_assert_int_gt(s.coords, 1000);
	/* Only the SVG namespace may name a URL. */
	for (p = html; (p = strstr(p, "http")); p++)
		ck_assert_msg(!strncmp(p, "http://www.w3.org/2000/svg", 26),
			      "external reference: %.60s", p);
	for (p = html; (p = strstr(p, "<svg ")); p++)
		n++;
	ck_assert_int_eq(n, 4);
	ck_assert_ptr_nonnull(strstr(html, "@media print"));
	ck_assert_ptr_nonnull(strstr(html, "<title>labyrinth: "
				     "irq-spam-pressure &#8212; "
				     "atomic-failure</title>"));
	free(html);
	json_decref(r);
}
END_TEST

/* The plot geometry of report_svg.c: 860 wide, plot area from x=70,
 * 772 px wide; 300 high, plot area from y=34, 206 px high. */
START_TEST(markers_where_thresholds_say)
{
	json_t *r = fixture("good");
	struct seen s;
	char *html = checked_html(r, &s);
	double t = json_number_value(json_object_get(json_object_get(
		json_object_get(r, "thresholds"), "first_atomic_failure"),
		"t_s"));
	/* x axis 0..9 s (8.85 s rounded up to a whole step). */
	double want_x = 70 + t / 9.0 * 772;
	/* Zoomed y axis: 0 .. 2.2 * 1470 = 3234 -> nice 4000. */
	double want_y = 34 + 206 - 367 / 4000.0 * 206;

	ck_assert_msg(fabs(s.fail_x1 - want_x) < 0.6, "first failure marker "
		      "at x=%g, want %g", s.fail_x1, want_x);
	ck_assert_msg(fabs(s.dot_cx - want_x) < 0.6, "dot x %g", s.dot_cx);
	ck_assert_msg(fabs(s.dot_cy - want_y) < 0.6, "dot y %g, want %g",
		      s.dot_cy, want_y);
	/* One first-failure and one OOM marker on each of the 3 time plots */
	ck_assert_int_eq(s.fail_markers, 3);
	ck_assert_int_eq(s.oom_markers, 3);
	ck_assert_int_eq(s.panic_markers, 0);
	free(html);
	json_decref(r);

	r = fixture("panic");
	html = checked_html(r, &s);
	ck_assert_int_eq(s.panic_markers, 3);
	ck_assert_ptr_nonnull(strstr(html, "Kernel panic - not syncing"));
	free(html);
	json_decref(r);
}
END_TEST

START_TEST(decimation_keeps_a_one_sample_dip)
{
	json_t *r = fixture("good"), *s, *col;
	const char *k;
	size_t n = 20000, i;
	struct seen seen;
	char *html;

	/* 20000 samples at 1 ms, free flat at 2000 but one sample at 0. */
	s = json_object_get(r, "series");
	json_object_foreach(s, k, col) {
		if (!json_is_array(col))
			continue;
		json_array_clear(col);
		for (i = 0; i < n; i++) {
			double v = 0;

			if (!strcmp(k, "t_s"))
				v = (double)i / 1000;
			else if (!strcmp(k, "free_pages"))
				v = i == 12345 ? 0 : 2000;
			else if (!strcmp(k, "min"))
				v = 980;
			else if (!strcmp(k, "low"))
				v = 1225;
			else if (!strcmp(k, "high"))
				v = 1470;
			else if (!strcmp(k, "attempts"))
				v = (double)i * 10;
			json_array_append_new(col, strcmp(k, "t_s") ?
				json_integer((json_int_t)v) : json_real(v));
		}
	}
	json_object_set_new(json_object_get(r, "run"), "duration_s",
			    json_real(20.0));
	html = checked_html(r, &seen);
	/* Decimated to about two points per pixel column... */
	ck_assert_msg(seen.max_points <= 2 * 772 + 4, "%d points",
		      seen.max_points);
	/* ...yet the dip to 0 reaches the bottom of the plot (y=240). */
	ck_assert_msg(fabs(seen.bottom_y_seen - 240) < 0.6,
		      "deepest point drawn at y=%g", seen.bottom_y_seen);
	free(html);
	json_decref(r);
}
END_TEST

/*
 * A version 2 report: the module's series with a hole in it, a failure
 * snapshot deeper than the samples around it, an exhaustion window. The
 * free pages line goes through the failure dot, breaks at the hole
 * (hatched, and said in the caption), and the window is shaded.
 */
START_TEST(exact_series_plot)
{
	json_t *r = fixture("good"), *s = json_object_get(r, "series"), *col;
	json_t *ff = json_object_get(json_object_get(r, "thresholds"),
				     "first_atomic_failure");
	json_t *loss = json_object(), *gaps = json_array(), *g, *w;
	struct seen seen;
	const char *k;
	char *html;
	int i, on_line = 0;

	/* samples 100..199 (1.00 to 1.99 s) never came */
	json_object_foreach(s, k, col)
		if (json_is_array(col))
			for (i = 0; i < 100; i++)
				json_array_remove(col, 100);
	json_object_set_new(s, "source", json_string("module"));
	g = json_object();
	json_object_set_new(g, "t0_s", json_real(0.99));
	json_object_set_new(g, "t1_s", json_real(2.0));
	json_object_set_new(g, "missing", json_integer(100));
	json_array_append_new(gaps, g);
	json_object_set_new(loss, "ring_lost", json_integer(0));
	json_object_set_new(loss, "missing_samples", json_integer(100));
	json_object_set_new(loss, "longest_gap_s", json_real(1.01));
	json_object_set_new(loss, "gap_count", json_integer(1));
	json_object_set_new(loss, "gaps", gaps);
	json_object_set_new(s, "loss", loss);
	/* the snapshot, between two samples and below both */
	json_object_set_new(ff, "t_s", json_real(3.1655));
	json_object_set_new(ff, "free_pages", json_integer(250));
	w = json_object();
	json_object_set_new(w, "kind", json_string("exhaustion"));
	json_object_set_new(w, "label", json_string("exhausted"));
	json_object_set_new(w, "t0_s", json_real(3.1655));
	json_object_set_new(w, "t1_s", json_real(4.5));
	json_object_set_new(r, "windows", json_array());
	json_array_append_new(json_object_get(r, "windows"), w);

	html = checked_html(r, &seen);
	for (i = 0; i < seen.nfree_pts; i++)
		if (fabs(seen.free_pts[0][i] - seen.dot_cx) < 0.06 &&
		    fabs(seen.free_pts[1][i] - seen.dot_cy) < 0.06)
			on_line = 1;
	ck_assert_msg(on_line, "the failure dot (%g, %g) is not on the free "
		      "pages line", seen.dot_cx, seen.dot_cy);
	ck_assert_int_eq(seen.free_lines, 2);
	ck_assert_int_eq(seen.gap_bands, 1);
	ck_assert_int_eq(seen.exhaustion_bands, 1);
	ck_assert_ptr_nonnull(strstr(html, "100 samples are missing"));
	ck_assert_ptr_nonnull(strstr(html, "(0 dropped by a full ring"));
	ck_assert_ptr_nonnull(strstr(html, "exhaustion window"));
	free(html);
	json_decref(r);
}
END_TEST

START_TEST(hostile_text_is_escaped)
{
	json_t *r = fixture("good"), *m;
	struct seen s;
	char *html, *junit, err[256];

	json_object_set_new(json_object_get(r, "scenario"), "text",
			    json_string("[run]\n# </pre><script>alert(1)"
					"</script> & <b>\n"));
	json_object_set_new(json_object_get(r, "scenario"), "name",
			    json_string("a<b>&\"c'"));
	m = json_pack("{s:f, s:s, s:s}", "t_s", 1.0, "kind", "warning",
		      "text", "WARNING: bad\x01byte <x> & ]]>");
	json_array_append_new(json_object_get(r, "kernel_messages"), m);
	html = checked_html(r, &s);
	ck_assert_ptr_null(strstr(html, "<script>alert"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;/pre&gt;&lt;script&gt;"));
	ck_assert_ptr_null(strstr(html, "\x01"));
	junit = report_junit(r);
	ck_assert_msg(xml_check(junit, NULL, NULL, err, sizeof(err)) == 0,
		      "junit.xml: %s", err);
	ck_assert_ptr_null(strstr(junit, "\x01"));
	free(junit);
	free(html);
	json_decref(r);
}
END_TEST

START_TEST(junit_counts_match_cases)
{
	json_t *r = fixture("good");
	char *x = report_junit(r), err[256];

	ck_assert_msg(xml_check(x, NULL, NULL, err, sizeof(err)) == 0,
		      "junit.xml: %s", err);
	ck_assert_ptr_nonnull(strstr(x, "<testsuites name=\"labyrinth\" "
				     "tests=\"3\" failures=\"0\" errors=\"0\" "
				     "skipped=\"0\""));
	ck_assert_ptr_nonnull(strstr(x, "timestamp=\"2026-11-24T10:15:00\""));
	ck_assert_ptr_nonnull(strstr(x, "<property name=\"kernel_release\" "
				     "value=\"6.1.158-labyrinth\"/>"));
	ck_assert_ptr_null(strstr(x, "<failure"));
	free(x);

	json_object_set_new(json_object_get(r, "outcome"), "verdict",
			    json_string("survive"));
	json_object_set_new(json_object_get(r, "outcome"), "expect_met",
			    json_false());
	json_object_set_new(json_array_get(json_object_get(r, "engines"), 0),
			    "owner_violations", json_integer(1));
	x = report_junit(r);
	ck_assert_msg(xml_check(x, NULL, NULL, err, sizeof(err)) == 0,
		      "junit.xml: %s", err);
	ck_assert_ptr_nonnull(strstr(x, "tests=\"3\" failures=\"2\""));
	ck_assert_ptr_nonnull(strstr(x, "<failure message=\"verdict survive, "
				     "expected atomic-failure\" "
				     "type=\"expect\">"));
	free(x);

	json_object_set_new(json_object_get(r, "outcome"), "verdict",
			    json_string("error"));
	x = report_junit(r);
	ck_assert_ptr_nonnull(strstr(x, "errors=\"1\""));
	ck_assert_ptr_nonnull(strstr(x, "<error message=\"run ended in error"));
	free(x);
	json_decref(r);
}
END_TEST

START_TEST(xml_checker_catches_breakage)
{
	static const char *const bad[] = {
		"<a><b></a></b>", "<a>x &nbsp; y</a>", "<a x=1/>",
		"<a x=\"<\"/>", "<a>", "<a/><b/>", "<a>1 < 2</a>",
		"<a x=\"1\" x=\"2\"/>", "text<a/>",
	};
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(xml_check(bad[i], NULL, NULL, err,
					sizeof(err)) != 0,
			      "accepted %s", bad[i]);
	ck_assert_int_eq(xml_check("<?xml version=\"1.0\"?>\n<!DOCTYPE html>"
				   "<a x='1'>&amp;&#8212;<!-- c --><b/></a>\n",
				   NULL, NULL, err, sizeof(err)), 0);
}
END_TEST

static Suite *report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("html");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, xml_checker_catches_breakage);
	tcase_add_test(tc, html_well_formed_self_contained);
	tcase_add_test(tc, markers_where_thresholds_say);
	tcase_add_test(tc, decimation_keeps_a_one_sample_dip);
	tcase_add_test(tc, hostile_text_is_escaped);
	tcase_add_test(tc, exact_series_plot);
	tcase_add_test(tc, junit_counts_match_cases);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(report_html_suite)
