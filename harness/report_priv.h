/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals shared by the report writers (report*.c): a growable string,
 * escaping, JSON path lookups, and the SVG plot primitives (axes, scales,
 * lines, markers, bars) that every plot of the HTML report is drawn with.
 * Not part of the API: the harness uses report.h.
 */
#ifndef LABYRINTH_REPORT_PRIV_H
#define LABYRINTH_REPORT_PRIV_H

#include <jansson.h>
#include <stddef.h>

/* A growable NUL-terminated string; allocation failure aborts (xrealloc). */
struct sbuf {
	char *s;
	size_t len;
	size_t cap;
};

void sb_init(struct sbuf *b);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text escaped for XML/HTML content and attribute values. Characters XML
 * 1.0 forbids (C0 controls but tab/newline/CR) become U+FFFD. */
void sb_xml(struct sbuf *b, const char *s);
/* Hand over the string (never NULL); the sbuf is empty afterwards. */
char *sb_take(struct sbuf *b);

/*
 * Lookups by dotted path ("thresholds.first_atomic_failure.t_s"); NULL or
 * the default when a step is missing, null, or of the wrong type. Only for
 * reports that passed report_validate(), where the shape is known.
 */
json_t *jp(json_t *r, const char *path);
double jp_num(json_t *r, const char *path, double dflt);
long long jp_int(json_t *r, const char *path, long long dflt);
const char *jp_str(json_t *r, const char *path, const char *dflt);
/* A JSON number as double (integer or real); NAN if not a number. */
double jnum(json_t *v);

/* "%.*g" without trailing noise, for tables: 3.17, 141529, 0.375. */
void fmt_num(char *buf, size_t len, double v, int sig);
/* 512 -> "512ns", 2048 -> "2.0us", ... */
void fmt_ns(char *buf, size_t len, double ns);

/* Mean allocation latency in ns from a log2 histogram (bucket midpoints,
 * 1.5 * 2^i); NAN when empty. Shared by the summary and compare. */
double latency_mean_ns(json_t *buckets);
/* The bucket holding quantile q (0..1): its lower bound 2^i ns; NAN when
 * empty. */
double latency_quantile_ns(json_t *buckets, double q);

/* ---- SVG plots (report_svg.c) ---- */

struct svg_axis {
	double lo, hi;
};

struct svg_plot {
	struct sbuf *b;
	const char *id;		/* unique in the page: clip path ids */
	int width, height;	/* whole SVG, px */
	double px, py, pw, ph;	/* the plot area inside it */
	struct svg_axis x, y;
	int markers;		/* marker labels drawn so far (staggering) */
	int categorical_x;	/* set before svg_begin: caller labels x */
};

/* Round [lo, hi] outwards to "nice" tick steps (1, 2, 5 x 10^k). */
void svg_nice_range(struct svg_axis *a);
double svg_sx(const struct svg_plot *p, double v);
double svg_sy(const struct svg_plot *p, double v);
/* Open the <svg> with title (for screen readers and tooltips), draw the
 * grid, ticks, axis labels; open a clipped group for the data. */
void svg_begin(struct svg_plot *p, struct sbuf *b, const char *id,
	       int width, int height, const char *title, const char *xlabel,
	       const char *ylabel);
/* A line through (xs[i], ys[i]); NAN in ys breaks the line. Long series
 * are decimated per pixel column keeping each column's min and max, so
 * a dip one sample deep is still drawn. cls is the CSS class. */
void svg_line(struct svg_plot *p, const double *xs, const double *ys,
	      size_t n, const char *cls);
/* A vertical marker at x with a label at the top. */
void svg_vmarker(struct svg_plot *p, double x, const char *cls,
		 const char *label);
/* A band over the plot's height from x0 to x1 (at least a pixel wide). */
void svg_vband(struct svg_plot *p, double x0, double x1, const char *cls,
	       const char *tooltip);
/* A bar [x0, x1) x [0, y]. */
void svg_bar(struct svg_plot *p, double x0, double x1, double y,
	     const char *cls, const char *tooltip);
/* Close the data group; legend entries (cls, label) pairs, NULL-ended. */
void svg_end(struct svg_plot *p, const char *const *legend);

/* Plots of a validated report (report_svg.c), each a complete <svg>. */
void svg_plot_watermarks(struct sbuf *b, json_t *r);
void svg_plot_held(struct sbuf *b, json_t *r);
void svg_plot_failure_rate(struct sbuf *b, json_t *r);
void svg_plot_latency(struct sbuf *b, json_t *r);

#endif /* LABYRINTH_REPORT_PRIV_H */
