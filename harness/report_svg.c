// SPDX-License-Identifier: GPL-2.0
/*
 * Inline SVG plots for the HTML report. One set of primitives (nice axis
 * ranges, scales, grid, clipped lines, markers, bars, legend) serves every
 * plot; colours and line styles are CSS classes defined once in the page,
 * so the plots follow the page into print. Coordinates are clamped to the
 * SVG's box: out-of-range data is clipped at the plot edge, never drawn as
 * huge coordinates.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
#include "util.h"

#define PLOT_W 860
#define PLOT_H 300
#define HIST_H 260
#define M_LEFT 70
#define M_RIGHT 18
#define M_TOP 34
#define M_BOTTOM 60

static double nice_step(double range, int ticks)
{
	double raw = range / ticks, mag, f;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	if (f <= 1)
		f = 1;
	else if (f <= 2)
		f = 2;
	else if (f <= 5)
		f = 5;
	else
		f = 10;
	return f * mag;
}

void svg_nice_range(struct svg_axis *a)
{
	double step;

	if (!isfinite(a->lo) || !isfinite(a->hi)) {
		a->lo = 0;
		a->hi = 1;
	}
	if (a->hi <= a->lo)
		a->hi = a->lo + (a->lo ? fabs(a->lo) : 1);
	step = nice_step(a->hi - a->lo, 5);
	a->lo = floor(a->lo / step) * step;
	a->hi = ceil(a->hi / step) * step;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double svg_sx(const struct svg_plot *p, double v)
{
	double s = p->px + (v - p->x.lo) / (p->x.hi - p->x.lo) * p->pw;

	return clampd(s, 0, p->width);
}

double svg_sy(const struct svg_plot *p, double v)
{
	double s = p->py + p->ph - (v - p->y.lo) / (p->y.hi - p->y.lo) * p->ph;

	/* Just outside the plot area: clipped away, yet bounded. */
	return clampd(s, p->py - 2, p->py + p->ph + 2);
}

/* 200000 -> "200k", 1470 -> "1470", 0.5 -> "0.5" */
static void tick_label(char *buf, size_t len, double v)
{
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%gk", v / 1e3);
	else
		snprintf(buf, len, "%g", fabs(v) < 1e-12 ? 0 : v);
}

void svg_begin(struct svg_plot *p, struct sbuf *b, const char *id,
	       int width, int height, const char *title, const char *xlabel,
	       const char *ylabel)
{
	double step, v;
	char lab[32];

	p->b = b;
	p->id = id;
	p->width = width;
	p->height = height;
	p->px = M_LEFT;
	p->py = M_TOP;
	p->pw = width - M_LEFT - M_RIGHT;
	p->ph = height - M_TOP - M_BOTTOM;
	p->markers = 0;

	sb_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		  "class=\"plot\" id=\"%s\" viewBox=\"0 0 %d %d\" "
		  "role=\"img\" aria-labelledby=\"%s-title\">\n",
		  id, width, height, id);
	sb_printf(b, "<title id=\"%s-title\">", id);
	sb_xml(b, title);
	sb_puts(b, "</title>\n");
	sb_printf(b, "<defs><clipPath id=\"%s-clip\"><rect x=\"%.1f\" "
		  "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>"
		  "</defs>\n", id, p->px, p->py, p->pw, p->ph);
	sb_printf(b, "<rect class=\"bg\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		  "height=\"%.1f\"/>\n", p->px, p->py, p->pw, p->ph);

	step = nice_step(p->y.hi - p->y.lo, 5);
	for (v = p->y.lo; v <= p->y.hi + step * 1e-9; v += step) {
		double y = svg_sy(p, v);

		tick_label(lab, sizeof(lab), v);
		sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
			  "x2=\"%.1f\" y2=\"%.1f\"/>", p->px, y, p->px + p->pw,
			  y);
		sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			  "text-anchor=\"end\">%s</text>\n", p->px - 6, y + 4,
			  lab);
	}
	if (!p->categorical_x) {
		step = nice_step(p->x.hi - p->x.lo, 8);
		for (v = ceil(p->x.lo / step) * step;
		     v <= p->x.hi + step * 1e-9; v += step) {
			double x = svg_sx(p, v);

			tick_label(lab, sizeof(lab), v);
			sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" "
				  "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
				  p->py, x, p->py + p->ph);
			sb_printf(b, "<text class=\"tick\" x=\"%.1f\" "
				  "y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
				  x, p->py + p->ph + 16, lab);
		}
	}
	sb_printf(b, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" "
		  "width=\"%.1f\" height=\"%.1f\"/>\n", p->px, p->py, p->pw,
		  p->ph);
	sb_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" "
		  "text-anchor=\"middle\">", p->px + p->pw / 2,
		  p->py + p->ph + 34);
	sb_xml(b, xlabel);
	sb_printf(b, "</text>\n<text class=\"axis\" x=\"14\" y=\"%.1f\" "
		  "text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">",
		  p->py + p->ph / 2, p->py + p->ph / 2);
	sb_xml(b, ylabel);
	sb_printf(b, "</text>\n<g clip-path=\"url(#%s-clip)\">\n", id);
}

static void pt(struct sbuf *b, int *open, const struct svg_plot *p,
	       const char *cls, double x, double y)
{
	if (!*open) {
		sb_printf(b, "<polyline class=\"%s\" points=\"", cls);
		*open = 1;
	} else {
		sb_putc(b, ' ');
	}
	sb_printf(b, "%.1f,%.1f", svg_sx(p, x), svg_sy(p, y));
}

static void pt_close(struct sbuf *b, int *open)
{
	if (*open)
		sb_puts(b, "\"/>\n");
	*open = 0;
}

void svg_line(struct svg_plot *p, const double *xs, const double *ys,
	      size_t n, const char *cls)
{
	size_t cols = (size_t)p->pw, i, j;
	int open = 0;

	if (n <= 2 * cols) {
		for (i = 0; i < n; i++) {
			if (isnan(ys[i]) || isnan(xs[i])) {
				pt_close(p->b, &open);
				continue;
			}
			pt(p->b, &open, p, cls, xs[i], ys[i]);
		}
		pt_close(p->b, &open);
		return;
	}
	/* Per pixel column: the min and the max, in time order. */
	for (i = 0; i < n;) {
		double col = floor(svg_sx(p, xs[i]));
		size_t imin = SIZE_MAX, imax = SIZE_MAX;

		for (j = i; j < n && floor(svg_sx(p, xs[j])) == col; j++) {
			if (isnan(ys[j]))
				continue;
			if (imin == SIZE_MAX || ys[j] < ys[imin])
				imin = j;
			if (imax == SIZE_MAX || ys[j] > ys[imax])
				imax = j;
		}
		if (imin == SIZE_MAX) {
			pt_close(p->b, &open);
		} else if (imin == imax) {
			pt(p->b, &open, p, cls, xs[imin], ys[imin]);
		} else {
			size_t a = imin < imax ? imin : imax;
			size_t c = imin < imax ? imax : imin;

			pt(p->b, &open, p, cls, xs[a], ys[a]);
			pt(p->b, &open, p, cls, xs[c], ys[c]);
		}
		i = j > i ? j : i + 1;
	}
	pt_close(p->b, &open);
}

void svg_vmarker(struct svg_plot *p, double x, const char *cls,
		 const char *label)
{
	double sx;
	int row;

	if (!(x >= p->x.lo && x <= p->x.hi))
		return;
	sx = svg_sx(p, x);
	row = p->markers++ % 2;
	/* Labels live above the plot area, outside the clip. */
	sb_printf(p->b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" "
		  "x2=\"%.1f\" y2=\"%.1f\"/>\n", cls, sx, p->py - 4 - 12.0 * row,
		  sx, p->py + p->ph);
	sb_printf(p->b, "</g><text class=\"mlabel %s\" x=\"%.1f\" y=\"%.1f\" "
		  "text-anchor=\"%s\">", cls,
		  sx + (sx > p->px + p->pw * 0.75 ? -3 : 3),
		  p->py - 6 - 12.0 * row,
		  sx > p->px + p->pw * 0.75 ? "end" : "start");
	sb_xml(p->b, label);
	sb_printf(p->b, "</text><g clip-path=\"url(#%s-clip)\">\n", p->id);
}

void svg_vband(struct svg_plot *p, double x0, double x1, const char *cls,
	       const char *tooltip)
{
	double sx0, sx1;

	if (x1 < p->x.lo || x0 > p->x.hi)
		return;
	sx0 = svg_sx(p, fmax(x0, p->x.lo));
	sx1 = svg_sx(p, fmin(x1, p->x.hi));
	/* at least a pixel: a one-sample gap still shows */
	sb_printf(p->b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		  "width=\"%.1f\" height=\"%.1f\">", cls, sx0, p->py,
		  sx1 - sx0 > 1 ? sx1 - sx0 : 1, p->ph);
	if (tooltip) {
		sb_puts(p->b, "<title>");
		sb_xml(p->b, tooltip);
		sb_puts(p->b, "</title>");
	}
	sb_puts(p->b, "</rect>\n");
}

void svg_bar(struct svg_plot *p, double x0, double x1, double y,
	     const char *cls, const char *tooltip)
{
	double sx0 = svg_sx(p, x0), sx1 = svg_sx(p, x1);
	double sy = svg_sy(p, y), base = svg_sy(p, p->y.lo);

	sb_printf(p->b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
		  "width=\"%.1f\" height=\"%.1f\">", cls, sx0, sy,
		  sx1 - sx0 > 0 ? sx1 - sx0 : 0, base - sy > 0 ? base - sy : 0);
	if (tooltip) {
		sb_puts(p->b, "<title>");
		sb_xml(p->b, tooltip);
		sb_puts(p->b, "</title>");
	}
	sb_puts(p->b, "</rect>\n");
}

void svg_end(struct svg_plot *p, const char *const *legend)
{
	double x = p->px;
	double y = p->height - 10;
	size_t i;

	sb_puts(p->b, "</g>\n");
	for (i = 0; legend && legend[i] && legend[i + 1]; i += 2) {
		sb_printf(p->b, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" "
			  "x2=\"%.1f\" y2=\"%.1f\"/>", legend[i], x, y - 4,
			  x + 22, y - 4);
		sb_printf(p->b, "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\">",
			  x + 27, y);
		sb_xml(p->b, legend[i + 1]);
		sb_puts(p->b, "</text>\n");
		x += 36 + 6.3 * (double)strlen(legend[i + 1]);
	}
	sb_puts(p->b, "</svg>\n");
}

/* ---- the report's plots ---- */

/* A series column as doubles (NULL if absent); caller frees. */
static double *column(json_t *r, const char *name, size_t *n)
{
	json_t *c = json_object_get(json_object_get(r, "series"), name), *v;
	double *out;
	size_t i;

	*n = json_array_size(c);
	if (!json_is_array(c))
		return NULL;
	out = xcalloc(*n ? *n : 1, sizeof(*out));
	json_array_foreach(c, i, v)
		out[i] = jnum(v);
	return out;
}

static double arr_max(const double *a, size_t n)
{
	double m = -INFINITY;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] > m)
			m = a[i];
	return m;
}

static double arr_min(const double *a, size_t n)
{
	double m = INFINITY;
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] < m)
			m = a[i];
	return m;
}

/* x range: the series, else the run's duration. */
static void time_axis(json_t *r, const double *t, size_t n,
		      struct svg_axis *a)
{
	a->lo = 0;
	a->hi = n ? t[n - 1] : 0;
	if (jp_num(r, "run.duration_s", 0) > a->hi)
		a->hi = jp_num(r, "run.duration_s", 0);
	if (a->hi <= 0)
		a->hi = 1;
	/* Finer than svg_nice_range(): 8.85 s ends the axis at 9, not 10. */
	a->hi = ceil(a->hi / nice_step(a->hi, 10)) * nice_step(a->hi, 10);
}

/* First failure, OOM kills, panic: the same marks on every time plot. */
static void event_markers(struct svg_plot *p, json_t *r)
{
	json_t *k;
	size_t i;
	char lab[160];

	if (jp(r, "thresholds.first_atomic_failure")) {
		snprintf(lab, sizeof(lab), "first atomic failure %.2f s",
			 jp_num(r, "thresholds.first_atomic_failure.t_s", 0));
		svg_vmarker(p, jp_num(r, "thresholds.first_atomic_failure.t_s",
				      0), "m-fail", lab);
	}
	json_array_foreach(json_object_get(r, "oom_kills"), i, k) {
		snprintf(lab, sizeof(lab), "OOM kill: %s", jp_str(k, "comm", "?"));
		svg_vmarker(p, jp_num(k, "t_s", 0), "m-oom", lab);
	}
	if (jp(r, "thresholds.panic")) {
		snprintf(lab, sizeof(lab), "panic %.3f s",
			 jp_num(r, "thresholds.panic.t_s", 0));
		svg_vmarker(p, jp_num(r, "thresholds.panic.t_s", 0), "m-panic",
			    lab);
	}
}

/*
 * The series as the plots draw it: a line broken where samples are
 * missing (never a straight segment over a gap), with the first
 * failure's exact point (the module's snapshot) in its place on the free
 * pages line, so the dot sits on the line it belongs to.
 */
struct plot_series {
	size_t n;
	double *t, *free, *min, *low, *high, *held;
};

static void ps_push(struct plot_series *ps, size_t *cap, double t, double fr,
		    double mn, double lo, double hi, double he)
{
	if (ps->n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		ps->t = xrealloc(ps->t, *cap * sizeof(double));
		ps->free = xrealloc(ps->free, *cap * sizeof(double));
		ps->min = xrealloc(ps->min, *cap * sizeof(double));
		ps->low = xrealloc(ps->low, *cap * sizeof(double));
		ps->high = xrealloc(ps->high, *cap * sizeof(double));
		ps->held = xrealloc(ps->held, *cap * sizeof(double));
	}
	ps->t[ps->n] = t;
	ps->free[ps->n] = fr;
	ps->min[ps->n] = mn;
	ps->low[ps->n] = lo;
	ps->high[ps->n] = hi;
	ps->held[ps->n] = he;
	ps->n++;
}

static void plot_series(json_t *r, struct plot_series *ps)
{
	size_t n, i, cap = 0;
	double *t = column(r, "t_s", &n), *fr = column(r, "free_pages", &n);
	double *mn = column(r, "min", &n), *lo = column(r, "low", &n);
	double *hi = column(r, "high", &n), *he = column(r, "pages_held", &n);
	double iv = jp_num(r, "series.interval_ms", 0) / 1000.0;
	json_t *ff = jp(r, "thresholds.first_atomic_failure");
	double ft = ff ? jp_num(ff, "t_s", 0) : NAN;
	bool put = !ff || !jp(r, "series.source");	/* v1: /proc, apart */

	memset(ps, 0, sizeof(*ps));
	for (i = 0; i < n; i++) {
		if (i && iv > 0 && t[i] - t[i - 1] > 1.5 * iv)
			ps_push(ps, &cap, (t[i - 1] + t[i]) / 2, NAN, NAN,
				NAN, NAN, NAN);
		if (!put && ft <= t[i]) {
			ps_push(ps, &cap, ft, jp_num(ff, "free_pages", 0),
				jp_num(ff, "min", 0), jp_num(ff, "low", 0),
				jp_num(ff, "high", 0),
				jp_num(ff, "pages_held", 0));
			put = true;
		}
		ps_push(ps, &cap, t[i], fr[i], mn[i], lo[i], hi[i], he[i]);
	}
	if (!put)
		ps_push(ps, &cap, ft, jp_num(ff, "free_pages", 0),
			jp_num(ff, "min", 0), jp_num(ff, "low", 0),
			jp_num(ff, "high", 0), jp_num(ff, "pages_held", 0));
	free(t);
	free(fr);
	free(mn);
	free(lo);
	free(hi);
	free(he);
}

static void plot_series_free(struct plot_series *ps)
{
	free(ps->t);
	free(ps->free);
	free(ps->min);
	free(ps->low);
	free(ps->high);
	free(ps->held);
}

/* Does the report have exhaustion phases (schema 3 windows)? */
static bool has_phases(json_t *r)
{
	json_t *w;
	size_t i;

	json_array_foreach(jp(r, "windows"), i, w)
		if (jp(w, "pulse"))
			return true;
	return false;
}

/* The windows of the report (exhaustion, later phases), shaded, and the
 * stretches where samples are missing, hatched. */
static void shade(struct svg_plot *p, json_t *r)
{
	json_t *w, *g;
	size_t i;
	char tip[200], cls[32];

	json_array_foreach(jp(r, "windows"), i, w) {
		snprintf(tip, sizeof(tip), "%s: %.3f s to %.3f s",
			 jp_str(w, "label", jp_str(w, "kind", "window")),
			 jp_num(w, "t0_s", 0), jp_num(w, "t1_s", 0));
		/* a phase (drain, hold, release, gap) has a shade of its
		 * own; the exhaustion window of an engine without phases
		 * the red one */
		snprintf(cls, sizeof(cls), "w-%s%s", jp(w, "pulse") ?
			 "ph-" : "", jp(w, "pulse") ?
			 jp_str(w, "kind", "hold") : "exhaustion");
		svg_vband(p, jp_num(w, "t0_s", 0), jp_num(w, "t1_s", 0),
			  cls, tip);
	}
	json_array_foreach(jp(r, "series.loss.gaps"), i, g) {
		snprintf(tip, sizeof(tip), "%lld samples missing between "
			 "%.3f s and %.3f s", jp_int(g, "missing", 0),
			 jp_num(g, "t0_s", 0), jp_num(g, "t1_s", 0));
		svg_vband(p, jp_num(g, "t0_s", 0), jp_num(g, "t1_s", 0),
			  "w-gap", tip);
	}
}

void svg_plot_watermarks(struct sbuf *b, json_t *r)
{
	struct svg_plot p = { 0 };
	struct plot_series ps;
	size_t i;
	double *floor38, high_max, free_min;
	int zoom;
	char title[200], ylab[120];

	plot_series(r, &ps);
	high_max = arr_max(ps.high, ps.n);
	free_min = arr_min(ps.free, ps.n);
	zoom = ps.n && free_min < 3 * high_max;
	time_axis(r, ps.t, ps.n, &p.x);
	p.y.lo = 0;
	p.y.hi = zoom ? 2.2 * high_max : (ps.n ? arr_max(ps.free, ps.n) * 1.05 :
					  1);
	svg_nice_range(&p.y);
	snprintf(title, sizeof(title), "Free pages in zone %s against its "
		 "min/low/high watermarks%s",
		 jp_str(r, "series.zone", "?"),
		 zoom ? " (zoomed to the reserve)" : "");
	snprintf(ylab, sizeof(ylab), "free pages (%s)",
		 jp_str(r, "series.zone", "?"));
	svg_begin(&p, b, "plot-watermarks", PLOT_W, PLOT_H, title,
		  "time since start (s)", ylab);
	shade(&p, r);
	floor38 = xcalloc(ps.n ? ps.n : 1, sizeof(*floor38));
	for (i = 0; i < ps.n; i++)
		floor38[i] = ps.min[i] * 3 / 8;
	svg_line(&p, ps.t, floor38, ps.n, "l-floor");
	svg_line(&p, ps.t, ps.high, ps.n, "l-high");
	svg_line(&p, ps.t, ps.low, ps.n, "l-low");
	svg_line(&p, ps.t, ps.min, ps.n, "l-min");
	svg_line(&p, ps.t, ps.free, ps.n, "l-free");
	if (jp(r, "thresholds.first_atomic_failure"))
		sb_printf(b, "<circle class=\"dot-fail\" cx=\"%.1f\" "
			  "cy=\"%.1f\" r=\"4\"/>\n",
			  svg_sx(&p, jp_num(r,
				 "thresholds.first_atomic_failure.t_s", 0)),
			  svg_sy(&p, jp_num(r,
				 "thresholds.first_atomic_failure.free_pages",
				 0)));
	event_markers(&p, r);
	svg_end(&p, has_phases(r) ? (const char *const[]){
		"l-free", "free", "l-high", "high", "l-low", "low",
		"l-min", "min", "l-floor", "3/8 min",
		"m-fail", "first failure", "m-oom", "OOM kill",
		"m-panic", "panic", "sw w-ph-drain", "drain",
		"sw w-ph-hold", "hold", "sw w-ph-release", "release",
		"sw w-gap", "missing", NULL } : (const char *const[]){
		"l-free", "free", "l-high", "high", "l-low", "low",
		"l-min", "min", "l-floor", "3/8 min",
		"m-fail", "first failure", "m-oom", "OOM kill",
		"m-panic", "panic", "sw w-exhaustion", "exhausted",
		"sw w-gap", "missing", NULL });
	plot_series_free(&ps);
	free(floor38);
}

void svg_plot_held(struct sbuf *b, json_t *r)
{
	struct svg_plot p = { 0 };
	struct plot_series ps;
	char title[200];

	plot_series(r, &ps);
	time_axis(r, ps.t, ps.n, &p.x);
	p.y.lo = 0;
	p.y.hi = ps.n ? fmax(arr_max(ps.held, ps.n), arr_max(ps.free, ps.n)) *
		 1.05 : 1;
	svg_nice_range(&p.y);
	snprintf(title, sizeof(title), "Pages held by the module, and free "
		 "pages in zone %s, full range", jp_str(r, "series.zone", "?"));
	svg_begin(&p, b, "plot-held", PLOT_W, PLOT_H, title,
		  "time since start (s)", "pages");
	shade(&p, r);
	svg_line(&p, ps.t, ps.free, ps.n, "l-free");
	svg_line(&p, ps.t, ps.held, ps.n, "l-held");
	event_markers(&p, r);
	svg_end(&p, has_phases(r) ? (const char *const[]){
		"l-held", "pages held", "l-free", "free pages",
		"sw w-ph-drain", "drain", "sw w-ph-hold", "hold",
		"sw w-ph-release", "release", NULL } : (const char *const[]){
		"l-held", "pages held", "l-free", "free pages",
		"sw w-exhaustion", "exhausted", NULL });
	plot_series_free(&ps);
}

void svg_plot_failure_rate(struct sbuf *b, json_t *r)
{
	struct svg_plot p = { 0 };
	size_t n, w, i, k = 0, j;
	double *t = column(r, "t_s", &n), *att = column(r, "attempts", &n);
	double *gen = column(r, "failures_genuine", &n);
	double *inj = column(r, "failures_injected", &n);
	double *wt, *gen_pct, *inj_pct;

	/* At most ~200 windows: a rate per sample would be mostly noise. */
	w = n / 200 + 1;
	wt = xcalloc(n / w + 2, sizeof(*wt));
	gen_pct = xcalloc(n / w + 2, sizeof(*gen_pct));
	inj_pct = xcalloc(n / w + 2, sizeof(*inj_pct));
	for (i = 0; i + 1 < n; i = j) {
		double da;

		j = i + w < n ? i + w : n - 1;
		da = att[j] - att[i];
		wt[k] = (t[i] + t[j]) / 2;
		gen_pct[k] = da > 0 ? 100.0 * (gen[j] - gen[i]) / da : NAN;
		inj_pct[k] = da > 0 ? 100.0 * (inj[j] - inj[i]) / da : NAN;
		k++;
	}
	time_axis(r, t, n, &p.x);
	p.y.lo = 0;
	p.y.hi = 100;
	svg_begin(&p, b, "plot-failrate", PLOT_W, PLOT_H,
		  "Failure rate over time: failed / attempted allocations, "
		  "all engines", "time since start (s)",
		  "failed attempts (%)");
	svg_line(&p, wt, inj_pct, k, "l-inj");
	svg_line(&p, wt, gen_pct, k, "l-gen");
	event_markers(&p, r);
	svg_end(&p, (const char *const[]){
		"l-gen", "genuine", "l-inj", "injected", NULL });
	free(t);
	free(att);
	free(gen);
	free(inj);
	free(wt);
	free(gen_pct);
	free(inj_pct);
}

void svg_plot_latency(struct sbuf *b, json_t *r)
{
	struct svg_plot p = { 0 };
	json_t *engines = json_object_get(r, "engines"), *e, *h;
	size_t ne = json_array_size(engines), i, k, lo = 64, hi = 0;
	double ymax = 0;
	size_t step;
	char lab[32], tip[200];
	const char **legend;

	json_array_foreach(engines, i, e) {
		double total = 0;

		h = json_object_get(e, "latency_log2_ns");
		for (k = 0; k < json_array_size(h); k++)
			total += jnum(json_array_get(h, k));
		for (k = 0; k < json_array_size(h); k++) {
			double c = jnum(json_array_get(h, k));

			if (c <= 0)
				continue;
			lo = k < lo ? k : lo;
			hi = k > hi ? k : hi;
			ymax = fmax(ymax, 100 * c / total);
		}
	}
	if (lo > hi) {
		lo = 8;
		hi = 12;
	}
	p.categorical_x = 1;
	p.x.lo = (double)lo;
	p.x.hi = (double)hi + 1;
	p.y.lo = 0;
	p.y.hi = ymax > 0 ? ymax * 1.1 : 1;
	svg_nice_range(&p.y);
	svg_begin(&p, b, "plot-latency", PLOT_W, HIST_H,
		  "Allocation latency histogram per engine (log2 buckets)",
		  "allocation latency (bucket lower bound)",
		  "share of the engine's attempts (%)");
	json_array_foreach(engines, i, e) {
		double total = 0, bw = 0.8 / (double)ne;

		h = json_object_get(e, "latency_log2_ns");
		for (k = 0; k < json_array_size(h); k++)
			total += jnum(json_array_get(h, k));
		for (k = lo; k <= hi && k < json_array_size(h); k++) {
			double c = jnum(json_array_get(h, k));
			double x0 = (double)k + 0.1 + bw * (double)i;

			if (c <= 0)
				continue;
			fmt_ns(lab, sizeof(lab), ldexp(1.0, (int)k));
			snprintf(tip, sizeof(tip), "%s: %.0f allocations in "
				 "[%s, 2x) (%.2f%%)",
				 jp_str(e, "id", "?"), c, lab, 100 * c / total);
			snprintf(lab, sizeof(lab), "bar e%zu", i % 6);
			svg_bar(&p, x0, x0 + bw, 100 * c / total, lab, tip);
		}
	}
	sb_puts(b, "</g>\n");
	/* A label is about 50 px wide: label every step-th bucket so none
	 * overlap when the histogram spans many of them. */
	step = (size_t)ceil(50.0 / (p.pw / (double)(hi - lo + 1)));
	if (step < 1)
		step = 1;
	for (k = lo; k <= hi; k++) {
		if ((k - lo) % step)
			continue;
		fmt_ns(lab, sizeof(lab), ldexp(1.0, (int)k));
		sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
			  "text-anchor=\"middle\">%s</text>\n",
			  svg_sx(&p, (double)k + 0.5), p.py + p.ph + 16, lab);
	}
	sb_printf(b, "<g clip-path=\"url(#%s-clip)\">\n", p.id);
	legend = xcalloc(2 * ne + 1, sizeof(*legend));
	for (i = 0; i < ne; i++) {
		static const char *const cls[] = {
			"sw e0", "sw e1", "sw e2", "sw e3", "sw e4", "sw e5"
		};

		legend[2 * i] = cls[i % 6];
		legend[2 * i + 1] = jp_str(json_array_get(engines, i), "id",
					   "?");
	}
	svg_end(&p, legend);
	free(legend);
}
