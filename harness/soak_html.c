// SPDX-License-Identifier: GPL-2.0
/*
 * soak.html: one self-contained page in the reports' style (the same
 * stylesheet and SVG primitives as report.html): verdict counts per
 * scenario and kernel, flaky cells, the distribution of every threshold
 * number as a strip plot (one dot per run, the median, the p95, min to
 * max), and every run with a link to its own report.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "soak.h"
#include "soak_report.h"
#include "util.h"

#define STRIP_W 860
#define STRIP_H 280

static void esc(struct sbuf *b, const char *s)
{
	sb_xml(b, s ? s : "");
}

static void cell_label(struct sbuf *b, struct soak *s,
		       const struct soak_cell *c)
{
	esc(b, s->plan.sc[c->scenario].name);
	sb_puts(b, " on ");
	esc(b, s->plan.k[c->kernel].name);
}

static void cells_table(struct sbuf *b, struct soak *s)
{
	char counts[256];
	size_t i;

	sb_puts(b, "<h2 id=\"cells\">Verdicts per scenario and kernel</h2>\n"
		"<div class=\"tw\"><table><thead><tr><th>scenario</th>"
		"<th>kernel</th><th>expect</th><th class=\"n\">runs</th>"
		"<th class=\"n\">met</th><th class=\"n\">unexpected</th>"
		"<th class=\"n\">skipped</th><th class=\"n\">infra errors</th>"
		"<th>verdicts</th><th class=\"n\">mean run (s)</th></tr>"
		"</thead><tbody>\n");
	for (i = 0; i < s->ncells; i++) {
		const struct soak_cell *c = &s->cells[i];

		soak_verdict_counts(c, counts, sizeof(counts));
		sb_puts(b, "<tr><td>");
		esc(b, s->plan.sc[c->scenario].name);
		sb_puts(b, "</td><td>");
		esc(b, s->plan.k[c->kernel].name);
		sb_printf(b, "</td><td>%s</td><td class=\"n\">%u</td>"
			  "<td class=\"n\">%u</td><td class=\"n%s\">%u</td>"
			  "<td class=\"n\">%u</td><td class=\"n%s\">%u</td>"
			  "<td%s>", vocab_str(&vocab_expect,
					      s->plan.sc[c->scenario].expect),
			  c->runs, c->expect_met, c->unexpected ? " bad" : "",
			  c->unexpected, c->skipped, c->infra ? " bad" : "",
			  c->infra, c->flaky ? " class=\"flaky\"" : "");
		esc(b, counts);
		if (c->flaky)
			sb_puts(b, " (flaky)");
		if (c->skipped && c->skip_reason) {
			sb_puts(b, "<br/>skipped: ");
			esc(b, c->skip_reason);
		}
		sb_printf(b, "</td><td class=\"n\">%.1f</td></tr>\n", c->wall_s);
	}
	sb_puts(b, "</tbody></table></div>\n");
}

/* The runs of a cell with one verdict, as links. */
static void run_links(struct sbuf *b, struct soak *s,
		      const struct soak_cell *c, uint32_t verdict)
{
	size_t i, shown = 0;

	for (i = 0; i < s->nruns && shown < 20; i++) {
		const struct soak_run *r = &s->runs[i];
		char *dir;

		if (r->scenario != c->scenario || r->kernel != c->kernel ||
		    r->verdict != verdict || r->status == SOAK_SKIPPED)
			continue;
		dir = soak_run_dirname(&s->plan, r->index);
		sb_printf(b, "%s<a href=\"%s/%s\">#%llu</a>", shown ? ", " : "",
			  dir, r->status == SOAK_RAN ? REPORT_HTML :
			  SOAK_RUN_LOG, (unsigned long long)r->index);
		free(dir);
		shown++;
	}
}

static void flaky_section(struct sbuf *b, struct soak *s)
{
	struct soak_totals t;
	size_t i;
	uint32_t v;

	soak_totals(s, &t);
	sb_puts(b, "<h2 id=\"flaky\">Flaky</h2>\n");
	if (!t.flaky_cells) {
		sb_puts(b, "<p>None: every scenario came to one verdict on "
			"each kernel, run after run (runs that could not run "
			"for infrastructure reasons left out).</p>\n");
		return;
	}
	sb_puts(b, "<p>Runs of the same scenario on the same kernel that came "
		"to different verdicts:</p>\n<ul>\n");
	for (i = 0; i < s->ncells; i++) {
		const struct soak_cell *c = &s->cells[i];

		if (!c->flaky)
			continue;
		sb_puts(b, "<li><b>");
		cell_label(b, s, c);
		sb_puts(b, "</b>:<ul>\n");
		for (v = 0; v < V_MAX; v++) {
			if (!c->verdicts[v] || v == V_SKIPPED)
				continue;
			sb_printf(b, "<li>%s &#215; %u: ",
				  vocab_str(&vocab_verdict, v), c->verdicts[v]);
			run_links(b, s, c, v);
			sb_puts(b, "</li>\n");
		}
		sb_puts(b, "</ul></li>\n");
	}
	sb_puts(b, "</ul>\n");
}

/* Deterministic jitter in [-0.5, 0.5): the same page for the same data. */
static double jitter(size_t i)
{
	return (double)((i * 2654435761u) % 1000) / 1000.0 - 0.5;
}

/* One strip per cell: a dot per run, min to max, the median, the p95. */
static void strip_plot(struct sbuf *b, struct soak *s, size_t m,
		       const char *name)
{
	struct svg_plot p = { 0 };
	char id[64], title[200], ylab[96], tip[160], v1[32];
	const char *legend[2 * SOAK_MAX_KERNELS + 7];
	static const char *const kcls[] = {
		"sw e0", "sw e1", "sw e2", "sw e3", "sw e4", "sw e5"
	};
	size_t i, k, nl = 0;

	p.y.lo = INFINITY;
	p.y.hi = -INFINITY;
	for (i = 0; i < s->ncells; i++) {
		const struct soak_dist *d = &s->cells[i].dist[m];

		if (d->n) {
			p.y.lo = fmin(p.y.lo, d->min);
			p.y.hi = fmax(p.y.hi, d->max);
		}
	}
	if (p.y.lo == p.y.hi) {
		p.y.lo -= fabs(p.y.lo) * 0.1 + 1e-3;
		p.y.hi += fabs(p.y.hi) * 0.1 + 1e-3;
	}
	svg_nice_range(&p.y);
	p.categorical_x = 1;
	p.x.lo = 0;
	p.x.hi = (double)s->ncells;
	snprintf(id, sizeof(id), "strip-%zu", m);
	snprintf(title, sizeof(title), "%s over the runs of each scenario and "
		 "kernel", name);
	snprintf(ylab, sizeof(ylab), "%s (%s)", threshold_metrics[m].key,
		 metric_unit_name(threshold_metrics[m].unit));
	svg_begin(&p, b, id, STRIP_W, STRIP_H, title, "scenario on kernel",
		  ylab);
	for (i = 0; i < s->ncells; i++) {
		const struct soak_cell *c = &s->cells[i];
		const struct soak_dist *d = &c->dist[m];
		double x = (double)i + 0.5, w = 0.35;

		if (!d->n)
			continue;
		sb_printf(b, "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" "
			  "x2=\"%.1f\" y2=\"%.1f\"/>\n", svg_sx(&p, x),
			  svg_sy(&p, d->min), svg_sx(&p, x), svg_sy(&p, d->max));
		for (k = 0; k < d->n; k++) {
			fmt_num(v1, sizeof(v1), d->v[k], 5);
			snprintf(tip, sizeof(tip), "%s", v1);
			sb_printf(b, "<circle class=\"dot e%zu\" cx=\"%.1f\" "
				  "cy=\"%.1f\" r=\"3\"><title>%s</title>"
				  "</circle>\n", c->kernel % 6,
				  svg_sx(&p, x + w * jitter(k)),
				  svg_sy(&p, d->v[k]), tip);
		}
		sb_printf(b, "<line class=\"med\" x1=\"%.1f\" y1=\"%.1f\" "
			  "x2=\"%.1f\" y2=\"%.1f\"/>\n",
			  svg_sx(&p, x - w), svg_sy(&p, d->median),
			  svg_sx(&p, x + w), svg_sy(&p, d->median));
		sb_printf(b, "<line class=\"p95\" x1=\"%.1f\" y1=\"%.1f\" "
			  "x2=\"%.1f\" y2=\"%.1f\"/>\n",
			  svg_sx(&p, x - w), svg_sy(&p, d->p95),
			  svg_sx(&p, x + w), svg_sy(&p, d->p95));
	}
	sb_puts(b, "</g>\n");
	for (i = 0; i < s->ncells; i++) {
		sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			  "text-anchor=\"middle\">", svg_sx(&p, i + 0.5),
			  p.py + p.ph + 16);
		cell_label(b, s, &s->cells[i]);
		sb_puts(b, "</text>\n");
	}
	sb_printf(b, "<g clip-path=\"url(#%s-clip)\">\n", p.id);
	for (k = 0; k < s->plan.nk && k < 6; k++) {
		legend[nl++] = kcls[k];
		legend[nl++] = s->plan.k[k].name;
	}
	legend[nl++] = "med";
	legend[nl++] = "median";
	legend[nl++] = "p95";
	legend[nl++] = "p95";
	legend[nl] = NULL;
	svg_end(&p, legend);
}

static void dist_row(struct sbuf *b, struct soak *s,
		     const struct soak_cell *c, const struct soak_dist *d)
{
	char v[5][32];

	fmt_num(v[0], sizeof(v[0]), d->min, 5);
	fmt_num(v[1], sizeof(v[1]), d->median, 5);
	fmt_num(v[2], sizeof(v[2]), d->p95, 5);
	fmt_num(v[3], sizeof(v[3]), d->max, 5);
	fmt_num(v[4], sizeof(v[4]), d->mean, 5);
	sb_puts(b, "<tr><td>");
	cell_label(b, s, c);
	sb_printf(b, "</td><td class=\"n\">%zu of %u</td><td class=\"n\">%s"
		  "</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
		  "<td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
		  d->n, c->ran, v[0], v[1], v[2], v[3], v[4]);
}

static void thresholds_section(struct sbuf *b, struct soak *s)
{
	size_t m, i, any;

	sb_puts(b, "<h2 id=\"thresholds\">Thresholds</h2>\n<p>Each threshold "
		"number of report.json over the runs that reached it: one dot "
		"per run, the median as a bar, the 95th percentile dashed, the "
		"line from the minimum to the maximum. Runs that did not reach "
		"a threshold add no dot; the tables say how many did.</p>\n");
	for (m = 0; m < THRESHOLD_NMETRICS; m++) {
		char name[96];

		for (i = any = 0; i < s->ncells; i++)
			any += s->cells[i].dist[m].n;
		if (!any)
			continue;
		snprintf(name, sizeof(name), "%s.%s",
			 threshold_metrics[m].threshold,
			 threshold_metrics[m].key);
		sb_printf(b, "<h3 id=\"t-%zu\"><code>%s</code></h3>\n<figure>\n",
			  m, name);
		strip_plot(b, s, m, name);
		sb_puts(b, "</figure>\n<table><thead><tr><th>scenario on kernel"
			"</th><th class=\"n\">n</th><th class=\"n\">min</th>"
			"<th class=\"n\">median</th><th class=\"n\">p95</th>"
			"<th class=\"n\">max</th><th class=\"n\">mean</th></tr>"
			"</thead><tbody>\n");
		for (i = 0; i < s->ncells; i++)
			if (s->cells[i].dist[m].n)
				dist_row(b, s, &s->cells[i],
					 &s->cells[i].dist[m]);
		sb_puts(b, "</tbody></table>\n");
	}
}

static void runs_table(struct sbuf *b, struct soak *s)
{
	size_t i;

	sb_puts(b, "<h2 id=\"runs\">Runs</h2>\n<div class=\"tw\"><table>"
		"<thead><tr><th class=\"n\">#</th><th>scenario</th>"
		"<th>kernel</th><th class=\"n\">iter.</th><th>verdict</th>"
		"<th>release</th><th class=\"n\">wall (s)</th><th>report</th>"
		"<th>why</th></tr></thead><tbody>\n");
	for (i = 0; i < s->nruns; i++) {
		const struct soak_run *r = &s->runs[i];
		char *dir = soak_run_dirname(&s->plan, r->index);

		sb_printf(b, "<tr><td class=\"n\">%llu</td><td>",
			  (unsigned long long)r->index);
		esc(b, s->plan.sc[r->scenario].name);
		sb_puts(b, "</td><td>");
		esc(b, s->plan.k[r->kernel].name);
		sb_printf(b, "</td><td class=\"n\">%llu</td><td%s>%s</td><td>",
			  (unsigned long long)r->iteration,
			  r->unexpected ? " class=\"bad\"" : "",
			  vocab_str(&vocab_verdict, r->verdict));
		esc(b, r->release);
		sb_printf(b, "</td><td class=\"n\">%.1f</td><td>", r->wall_s);
		if (r->status == SOAK_RAN)
			sb_printf(b, "<a href=\"%s/%s\">report</a>", dir,
				  REPORT_HTML);
		else if (r->status == SOAK_INFRA)
			sb_printf(b, "<a href=\"%s/%s\">log</a>", dir,
				  SOAK_RUN_LOG);
		sb_puts(b, "</td><td>");
		esc(b, r->reason);
		sb_puts(b, "</td></tr>\n");
		free(dir);
	}
	sb_puts(b, "</tbody></table></div>\n");
}

static void plan_meta(struct sbuf *b, struct soak *s)
{
	struct soak_totals t;
	char el[32];
	double elapsed = 0;
	size_t i;

	soak_totals(s, &t);
	for (i = 0; i < s->nsessions; i++)
		elapsed += s->sessions[i].elapsed_s;
	soak_fmt_duration(el, sizeof(el), elapsed);
	sb_puts(b, "<p class=\"reason\">");
	if (t.planned)
		sb_printf(b, "%llu of %llu runs", (unsigned long long)t.done,
			  (unsigned long long)t.planned);
	else
		sb_printf(b, "%llu runs in %llu s", (unsigned long long)t.done,
			  (unsigned long long)s->plan.duration_s);
	sb_printf(b, ": %llu met their expectation, <b>%llu unexpected</b>, "
		  "%llu skipped, %llu infrastructure error(s); %u flaky "
		  "cell(s).%s</p>\n<p class=\"meta\">kernels",
		  (unsigned long long)t.expect_met,
		  (unsigned long long)t.unexpected,
		  (unsigned long long)t.skipped, (unsigned long long)t.infra,
		  t.flaky_cells, t.complete || !t.planned ? "" :
		  " <b>Incomplete</b>: <code>labyrinth vm soak --resume DIR"
		  "</code> continues.");
	for (i = 0; i < s->plan.nk; i++) {
		sb_puts(b, i ? ", " : " ");
		esc(b, s->plan.k[i].name);
	}
	sb_printf(b, " &#183; %llu iteration(s) &#183; %u MiB, %u vCPUs per "
		  "VM &#183; %s over %zu session(s)",
		  (unsigned long long)s->plan.iterations, s->plan.mem_mb,
		  s->plan.cpus, el, s->nsessions);
	if (s->plan.nshards > 1)
		sb_printf(b, " &#183; shard %u of %u", s->plan.shard,
			  s->plan.nshards);
	for (i = 0; i < s->plan.nsets; i++) {
		sb_puts(b, i ? " " : " &#183; <code>");
		sb_puts(b, "--set ");
		esc(b, s->plan.sets[i]);
	}
	sb_puts(b, s->plan.nsets ? "</code></p>\n" : "</p>\n");
}

char *soak_html(struct soak *s)
{
	struct soak_totals t;
	struct sbuf b;
	char *title;

	soak_aggregate(s);
	soak_totals(s, &t);
	sb_init(&b);
	title = xasprintf("soak %s", s->plan.id);
	html_page_begin(&b, title, NULL, labyrinth_version);
	free(title);
	sb_printf(&b, "labyrinth soak <code>");
	esc(&b, s->plan.id);
	sb_printf(&b, "</code><span class=\"verdict %s\">%s</span></h1>\n",
		  t.unexpected ? "v-bad" : t.ran ? "v-ok" : "v-neutral",
		  t.unexpected ? "UNEXPECTED" : t.ran ? "AS EXPECTED" :
		  "NOTHING RAN");
	plan_meta(&b, s);
	sb_puts(&b, "</div></header>\n<main>\n");
	cells_table(&b, s);
	flaky_section(&b, s);
	thresholds_section(&b, s);
	runs_table(&b, s);
	sb_printf(&b, "<footer>Generated by labyrinth %s from soak.json "
		  "(schema %s v%d). Regenerate with <code>labyrinth report "
		  "DIR</code>.</footer>\n", labyrinth_version, SOAK_SCHEMA_NAME,
		  SOAK_SCHEMA_VERSION);
	html_page_end(&b);
	return sb_take(&b);
}
