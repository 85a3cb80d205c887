// SPDX-License-Identifier: GPL-2.0
/*
 * What a sweep directory holds besides the points (sweep.h): the curve
 * (failure rate per value) as text in summary.txt and as an inline SVG
 * in sweep.html, both from struct sweep as sweep.json has it, and
 * sweep.json itself, validated before it is written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "soak.h"
#include "sweep.h"
#include "util.h"

#define CURVE_W 860
#define CURVE_H 300
#define BAR_COLS 30

/* Point indices by value. */
static size_t *by_value(const struct sweep *s, size_t *n)
{
	size_t *ix = xcalloc(s->npoints + 1, sizeof(*ix)), i, j, t;

	for (i = 0; i < s->npoints; i++)
		ix[i] = i;
	for (i = 1; i < s->npoints; i++)	/* insertion: a few points */
		for (j = i; j && s->points[ix[j - 1]].value >
				 s->points[ix[j]].value; j--) {
			t = ix[j];
			ix[j] = ix[j - 1];
			ix[j - 1] = t;
		}
	*n = s->npoints;
	return ix;
}

/* "boundary: 120000 (2/2 runs atomic-failure), 100000 passes" */
static void result_line(struct sbuf *b, const struct sweep *s)
{
	const struct sweep_result *r = &s->res;
	const char *until = vocab_str(&vocab_sweep_until, s->plan.until);

	switch (r->found) {
	case SWEEP_FOUND_BOUNDARY:
		sb_printf(b, "smallest failing value: %s = %s (%s reached), "
			  "%s passes", s->plan.key.path,
			  s->points[r->smallest_failing].text, until,
			  s->points[r->largest_passing].text);
		break;
	case SWEEP_FOUND_AT_LOW:
		sb_printf(b, "%s already fails at LOW, %s = %s: the boundary "
			  "is at or below it (sweep a lower range)", until,
			  s->plan.key.path,
			  s->points[r->smallest_failing].text);
		break;
	case SWEEP_FOUND_NONE:
		sb_printf(b, "no %s up to HIGH: nothing in the range failed "
			  "(sweep a higher range, or more runs per point)",
			  until);
		break;
	default:
		sb_printf(b, "incomplete (%s)", s->interrupted ?
			  "interrupted" : s->stop_reason[0] ? s->stop_reason :
			  "stopped");
		if (r->smallest_failing >= 0)
			sb_printf(b, "; smallest failing value so far: %s = %s",
				  s->plan.key.path,
				  s->points[r->smallest_failing].text);
	}
}

static void violations_text(struct sbuf *b, const struct sweep *s)
{
	size_t i;

	if (s->res.monotone)
		return;
	sb_puts(b, "NOT MONOTONE: the failure rate falls as the value "
		"grows:\n");
	for (i = 0; i < s->res.nv; i++) {
		const struct sweep_point *a = &s->points[s->res.v[i].lower];
		const struct sweep_point *c = &s->points[s->res.v[i].higher];

		sb_printf(b, "  %u/%u at %s, then %u/%u at %s\n", a->hits,
			  a->ran, a->text, c->hits, c->ran, c->text);
	}
	sb_puts(b, "  the smallest failing value assumes failures get "
		"likelier as the value grows; more --runs-per-point or a "
		"--step sweep shows the curve\n");
}

char *sweep_summary_string(struct sweep *s)
{
	const char *until = vocab_str(&vocab_sweep_until, s->plan.until);
	struct sbuf b;
	size_t *ix, n, i;

	sweep_analyse(s);
	sb_init(&b);
	sb_printf(&b, "sweep of %s in %s on %s, %s, %u run(s) a point, "
		  "until %s\n", s->plan.key.path, s->plan.name,
		  s->plan.kernel.name, s->plan.method == SWEEP_BISECT ?
		  "bisecting" : "stepping", s->plan.runs_per_point, until);
	sb_printf(&b, "%14s %5s %6s %-*s %s\n", "value", "runs", "hits",
		  BAR_COLS + 2, "rate", "verdicts");
	ix = by_value(s, &n);
	for (i = 0; i < n; i++) {
		const struct sweep_point *p = &s->points[ix[i]];
		double rate = sweep_point_rate(p);
		int bar = isnan(rate) ? 0 : (int)lround(rate * BAR_COLS);
		char counts[256] = "";
		size_t k, len = 0;

		for (k = 0; k < V_MAX; k++)
			if (p->verdicts[k] && len < sizeof(counts))
				len += (size_t)snprintf(counts + len,
					sizeof(counts) - len, "%s%s %u",
					len ? ", " : "",
					vocab_str(&vocab_verdict, (uint32_t)k),
					p->verdicts[k]);
		sb_printf(&b, "%14s %5u %3u/%-2u |%.*s%*s| %s\n", p->text,
			  p->runs, p->hits, p->ran, bar,
			  "##############################", BAR_COLS - bar, "",
			  counts);
	}
	free(ix);
	result_line(&b, s);
	sb_puts(&b, "\n");
	violations_text(&b, s);
	if (s->res.reproducer[0])
		sb_printf(&b, "reproducer: %s\n", s->res.reproducer);
	return sb_take(&b);
}

/* ---- HTML ----------------------------------------------------------------- */

static void curve_svg(struct sbuf *b, const struct sweep *s)
{
	const struct sweep_result *r = &s->res;
	struct svg_plot p = { 0 };
	double *xs = xcalloc(s->npoints + 1, sizeof(*xs));
	double *ys = xcalloc(s->npoints + 1, sizeof(*ys));
	static const char *const legend[] = {
		"l-free", "failure rate", "m-fail", "smallest failing value",
		NULL
	};
	size_t *ix, n, i;
	char title[200], ylabel[80];

	ix = by_value(s, &n);
	for (i = 0; i < n; i++) {
		xs[i] = s->points[ix[i]].value;
		ys[i] = sweep_point_rate(&s->points[ix[i]]);
	}
	p.x.lo = s->plan.low;
	p.x.hi = s->plan.high;
	svg_nice_range(&p.x);
	p.y.lo = 0;
	p.y.hi = 1;
	snprintf(title, sizeof(title), "share of runs reaching %s per value "
		 "of %s", vocab_str(&vocab_sweep_until, s->plan.until),
		 s->plan.key.path);
	snprintf(ylabel, sizeof(ylabel), "runs reaching %s",
		 vocab_str(&vocab_sweep_until, s->plan.until));
	svg_begin(&p, b, "curve", CURVE_W, CURVE_H, title, s->plan.key.path,
		  ylabel);
	svg_line(&p, xs, ys, n, "l-free");
	for (i = 0; i < n; i++)
		if (!isnan(ys[i]))
			sb_printf(b, "<circle class=\"dot-fail\" cx=\"%.1f\" "
				  "cy=\"%.1f\" r=\"4\"><title>%s: %u/%u"
				  "</title></circle>\n", svg_sx(&p, xs[i]),
				  svg_sy(&p, ys[i]), s->points[ix[i]].text,
				  s->points[ix[i]].hits, s->points[ix[i]].ran);
	if (r->smallest_failing >= 0)
		svg_vmarker(&p, s->points[r->smallest_failing].value, "m-fail",
			    s->points[r->smallest_failing].text);
	svg_end(&p, legend);
	free(ix);
	free(xs);
	free(ys);
}

static void points_table(struct sbuf *b, const struct sweep *s)
{
	size_t *ix, n, i;

	sb_puts(b, "<h2 id=\"points\">Points</h2>\n<div class=\"tw\"><table>"
		"<thead><tr><th class=\"n\">value</th><th class=\"n\">order"
		"</th><th class=\"n\">runs</th><th class=\"n\">reached</th>"
		"<th class=\"n\">infra errors</th><th>verdicts</th>"
		"<th>soak</th></tr></thead><tbody>\n");
	ix = by_value(s, &n);
	for (i = 0; i < n; i++) {
		const struct sweep_point *p = &s->points[ix[i]];
		size_t k;

		sb_puts(b, "<tr><td class=\"n\">");
		sb_xml(b, p->text);
		sb_printf(b, "</td><td class=\"n\">%zu</td><td class=\"n\">%u"
			  "</td><td class=\"n%s\">%u/%u</td><td class=\"n\">%u"
			  "</td><td>", ix[i] + 1, p->runs,
			  sweep_point_fails(p) ? " bad" : "", p->hits, p->ran,
			  p->infra);
		for (k = 0; k < V_MAX; k++)
			if (p->verdicts[k])
				sb_printf(b, "%s %u ", vocab_str(&vocab_verdict,
					  (uint32_t)k), p->verdicts[k]);
		sb_printf(b, "</td><td><a href=\"%s/%s\">soak</a></td></tr>\n",
			  p->dir, SOAK_HTML);
	}
	free(ix);
	sb_puts(b, "</tbody></table></div>\n");
}

char *sweep_html(struct sweep *s)
{
	struct sbuf b, line;
	char *title;
	bool found = s->res.found == SWEEP_FOUND_BOUNDARY ||
		     s->res.found == SWEEP_FOUND_AT_LOW;

	sweep_analyse(s);
	sb_init(&b);
	title = xasprintf("sweep %s", s->plan.key.path);
	html_page_begin(&b, title, s->plan.name, labyrinth_version);
	free(title);
	sb_puts(&b, "labyrinth sweep <code>");
	sb_xml(&b, s->plan.key.path);
	sb_printf(&b, "</code><span class=\"verdict %s\">%s</span></h1>\n",
		  found ? "v-bad" : "v-neutral",
		  vocab_str(&vocab_sweep_found, s->res.found));
	sb_init(&line);
	result_line(&line, s);
	sb_puts(&b, "<p class=\"reason\">");
	sb_xml(&b, line.s);
	free(line.s);
	sb_printf(&b, "</p>\n<p class=\"meta\">%s on %s &#183; %s %s &#183; "
		  "%u run(s) a point &#183; %u MiB, %u vCPUs per VM</p>\n",
		  s->plan.name, s->plan.kernel.name,
		  s->plan.method == SWEEP_BISECT ? "bisecting" : "stepping",
		  s->plan.key.path, s->plan.runs_per_point, s->plan.mem_mb,
		  s->plan.cpus);
	sb_puts(&b, "</div></header>\n<main>\n<h2 id=\"curve\">Curve</h2>\n"
		"<figure>\n");
	curve_svg(&b, s);
	sb_puts(&b, "</figure>\n");
	if (!s->res.monotone) {
		sb_init(&line);
		violations_text(&line, s);
		sb_puts(&b, "<h2 id=\"monotone\">Not monotone</h2>\n<pre>");
		sb_xml(&b, line.s);
		sb_puts(&b, "</pre>\n");
		free(line.s);
	}
	if (s->res.reproducer[0])
		sb_printf(&b, "<p>Reproducer: <a href=\"%s\">%s</a> (run it "
			  "with <code>labyrinth vm run</code>)</p>\n",
			  s->res.reproducer, s->res.reproducer);
	points_table(&b, s);
	sb_printf(&b, "<footer>Generated by labyrinth %s from sweep.json "
		  "(schema %s v%d).</footer>\n", labyrinth_version,
		  SWEEP_SCHEMA_NAME, SWEEP_SCHEMA_VERSION);
	html_page_end(&b);
	return sb_take(&b);
}

int sweep_write_all(const char *dir, struct sweep *s, char *err,
		    size_t errlen)
{
	json_t *j = sweep_json(s);
	char sub[1024];
	int ret = sweep_validate(j, sub, sizeof(sub));

	/* what we write, we would read back */
	if (ret)
		snprintf(err, errlen, "internal: the sweep.json about to be "
			 "written is invalid: %s", sub);
	if (!ret)
		ret = report_write_text(dir, SWEEP_HTML, sweep_html(s), err,
					errlen);
	if (!ret)
		ret = report_write_text(dir, SWEEP_SUMMARY,
					sweep_summary_string(s), err, errlen);
	/* last: a sweep.json beside them says they are its */
	if (!ret)
		ret = report_write_json(dir, SWEEP_JSON, j, err, errlen);
	json_decref(j);
	return ret;
}
