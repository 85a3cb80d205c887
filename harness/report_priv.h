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

#include "vocab.h"

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
/* Append text wrapped at 79 columns, every line after the first indented
 * by indent; the first starts at column first_col. Ends with '\n'. */
void sb_wrap(struct sbuf *b, const char *text, int first_col, int indent);
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

/* The driver under test (report_nic.c): a summary block, an HTML section;
 * nothing when the report has no driver_under_test. */
void report_text_dut(struct sbuf *b, json_t *r);
void report_html_dut(struct sbuf *b, json_t *r);

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

/* ---- files of a result directory (report.c) ---- */

/* dir/name written atomically (write_file_atomic); frees text. 0 or
 * -errno with err naming the file. */
int report_write_text(const char *dir, const char *name, char *text,
		      char *err, size_t errlen);
/* The same for JSON: indented, reals to 15 significant digits (a reload
 * and rewrite gives the same text), a final newline. */
int report_write_json(const char *dir, const char *name, json_t *j,
		      char *err, size_t errlen);

/* ---- HTML pages (report_html.c) ---- */

/*
 * The head of a page in the reports' style, titled "labyrinth: NAME —
 * DETAIL" (DETAIL may be NULL) (one stylesheet, inline, no
 * external file), up to and including the opening <h1> inside the page
 * header; the caller writes the title, closes the header, opens <main>.
 */
void html_page_begin(struct sbuf *b, const char *name, const char *detail,
		     const char *version);
/* Closes <main> and the page, with the plots' self-check script. */
void html_page_end(struct sbuf *b);

/* ---- JUnit XML (report_text.c), for a run's checks and a soak's cells ---- */

enum junit_status { JU_PASS, JU_FAIL, JU_SKIP, JU_ERROR };

struct junit_case {
	const char *classname, *name;
	double time;
	enum junit_status status;
	const char *message;	/* one line (not for a pass) */
	const char *type;	/* of a failure or error */
	const char *detail;	/* the failure's text, or NULL */
	const char *out;	/* the case's own system-out, or NULL */
};

struct junit_suite {
	const char *name;
	double time;
	const char *timestamp;		/* ISO 8601; the zone is cut off */
	const char *hostname;
	const char *const *props;	/* name, value, ..., NULL */
	const struct junit_case *cases;
	size_t ncases;
	const char *system_out;		/* the suite's, or NULL */
};

/* The whole document, <testsuites> with one <testsuite>; malloc'd. */
char *junit_xml(const struct junit_suite *s);

/* ---- the thresholds' numbers (report_compare.c) ---- */

enum metric_unit { U_SECS, U_PAGES, U_RATIO, U_PCT, U_NS, U_COUNT };

/* thresholds.THRESHOLD.KEY of a report, in UNIT. */
struct threshold_metric {
	const char *threshold;
	const char *key;
	enum metric_unit unit;
};
#define THRESHOLD_NMETRICS 10
extern const struct threshold_metric threshold_metrics[THRESHOLD_NMETRICS];
/* "s", "pages", "ratio", ... */
const char *metric_unit_name(enum metric_unit u);
/* A value in its unit for tables: "1.234 s", "0.3750", "1470". */
void fmt_unit(char *buf, size_t len, double v, enum metric_unit u);

/* ---- validation against a table of fields (report.c) ---- */

enum vtype {
	V_STR,		/* string */
	V_NESTR,	/* non-empty string */
	V_INT,		/* integer within [min, max] */
	V_COUNT,	/* integer >= 0 */
	V_NUM,		/* number within [min, max] */
	V_SECS,		/* number >= 0 */
	V_BOOL,
	V_ENUM,		/* one of values[] */
	V_WORD,		/* a word of vocab, old spellings too */
	V_OBJ,		/* object with fields[] */
	V_ANYOBJ,	/* any object */
	V_SCALARS,	/* object of string/number/boolean values */
	V_ARR,		/* array of `item` (fields[] when item is V_OBJ) */
	V_CONST_STR,	/* == values[0]; values[1]: what the file is */
	V_CONST_INT,	/* == min */
};

#define VF_NULL 1u	/* null allowed */
#define VF_OPT 2u	/* key may be absent */

/* One key of an object: its type, flags and what its value may be. */
struct vfield {
	const char *key;
	enum vtype type;
	unsigned int flags;
	const struct vfield *fields;
	enum vtype item;
	const char *const *values;
	const struct vocab *vocab;
	double min, max;
	unsigned int max_items;
};

#define F(k, t, fl) { .key = k, .type = t, .flags = fl }
#define FE(k, vals, fl) { .key = k, .type = V_ENUM, .flags = fl, .values = vals }
#define FW(k, voc, fl) { .key = k, .type = V_WORD, .flags = fl, .vocab = voc }
#define FO(k, sub, fl) { .key = k, .type = V_OBJ, .flags = fl, .fields = sub }
#define FA(k, it, sub, fl) \
	{ .key = k, .type = V_ARR, .flags = fl, .item = it, .fields = sub }
#define FR(k, t, lo, hi, fl) \
	{ .key = k, .type = t, .flags = fl, .min = lo, .max = hi }
#define END { .key = NULL }

/*
 * Check obj's keys against fields (recursively): required keys, types,
 * ranges, enums and vocabulary words; unknown keys are allowed (forward
 * compatibility within a schema version). 0, or -EINVAL with the first
 * problem, named by its JSON path ("$.runs[3].verdict: ..."), in err.
 */
int json_validate(json_t *obj, const struct vfield *fields, char *err,
		  size_t errlen);
/* 64 lower-case hex digits (a SHA-256). */
int is_hex64(const char *s);
/* 2026-11-24T10:15:00Z, or with fractional seconds before the Z. */
int is_utc_time(const char *s);

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
