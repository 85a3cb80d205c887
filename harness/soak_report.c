// SPDX-License-Identifier: GPL-2.0
/*
 * A soak's human and CI formats, all from struct soak (the same data as
 * soak.json): the terminal summary (summary.txt, under 80 columns),
 * JUnit with one test case per scenario x kernel, and the directory
 * writer that puts them down before soak.json, each atomically.
 * soak.html is soak_html.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"
#include "soak_report.h"
#include "util.h"

void soak_verdict_counts(const struct soak_cell *c, char *buf, size_t len)
{
	size_t n = 0;
	uint32_t v;

	buf[0] = '\0';
	for (v = 0; v < V_MAX && n < len; v++) {
		if (!c->verdicts[v])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %u", n ? ", " : "",
				      vocab_str(&vocab_verdict, v),
				      c->verdicts[v]);
	}
	if (!c->runs)
		snprintf(buf, len, "no run yet");
}

void soak_fmt_duration(char *buf, size_t len, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(buf, len, "%lus", t);
}

static void summary_cells(struct sbuf *b, struct soak *s)
{
	char counts[300];
	size_t i;

	sb_printf(b, "\n%-20s %-10s %4s %4s %5s %4s  %s\n", "scenario",
		  "kernel", "runs", "met", "unexp", "skip", "verdicts");
	for (i = 0; i < s->ncells; i++) {
		const struct soak_cell *c = &s->cells[i];
		size_t n;

		soak_verdict_counts(c, counts, sizeof(counts));
		n = strlen(counts);
		if (c->flaky)
			snprintf(counts + n, sizeof(counts) - n, " (FLAKY)");
		sb_printf(b, "%-20.20s %-10.10s %4u %4u %5u %4u  ",
			  s->plan.sc[c->scenario].name,
			  s->plan.k[c->kernel].name, c->runs, c->expect_met,
			  c->unexpected, c->skipped);
		sb_wrap(b, counts, 54, 56);
		if (c->skipped && c->skip_reason) {
			char *why = xasprintf("skipped: %s", c->skip_reason);

			sb_puts(b, "    ");
			sb_wrap(b, why, 4, 6);
			free(why);
		}
	}
}

/* A number in 8 columns: 230350.5 -> "230350", 0.29784 -> "0.2978". */
static void fmt8(char *buf, size_t len, double v)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "-");
	else if (a >= 1e8)
		snprintf(buf, len, "%.2e", v);
	else if (a >= 1000 || v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "%.4f", v);
}

static void summary_thresholds(struct sbuf *b, struct soak *s)
{
	char v[5][24];
	size_t i, m;

	for (i = 0; i < s->ncells; i++) {
		const struct soak_cell *c = &s->cells[i];
		bool head = false;

		for (m = 0; m < THRESHOLD_NMETRICS; m++) {
			const struct soak_dist *d = &c->dist[m];
			char name[160];

			if (!d->n)
				continue;
			if (!head) {
				snprintf(name, sizeof(name), "%s on %s:",
					 s->plan.sc[c->scenario].name,
					 s->plan.k[c->kernel].name);
				sb_printf(b, "\n%-38.38s %4s %8s %8s %8s "
					  "%8s\n", name, "n", "min", "median",
					  "p95", "max");
				head = true;
			}
			fmt8(v[0], sizeof(v[0]), d->min);
			fmt8(v[1], sizeof(v[1]), d->median);
			fmt8(v[2], sizeof(v[2]), d->p95);
			fmt8(v[3], sizeof(v[3]), d->max);
			snprintf(name, sizeof(name), "%s.%s",
				 threshold_metrics[m].threshold,
				 threshold_metrics[m].key);
			sb_printf(b, "  %-36.36s %4zu %8.8s %8.8s %8.8s "
				  "%8.8s\n", name, d->n, v[0], v[1], v[2],
				  v[3]);
		}
	}
}

/* The runs that count against the soak, each with why and where. */
static void summary_unexpected(struct sbuf *b, struct soak *s)
{
	size_t i, shown = 0, total = 0;

	for (i = 0; i < s->nruns; i++)
		total += s->runs[i].unexpected;
	if (!total)
		return;
	sb_printf(b, "\nunexpected (%zu):\n", total);
	for (i = 0; i < s->nruns && shown < 10; i++) {
		const struct soak_run *r = &s->runs[i];
		char *dir;

		if (!r->unexpected)
			continue;
		dir = soak_run_dirname(&s->plan, r->index);
		sb_printf(b, "  %s: %s (expected %s): %.60s\n", dir,
			  vocab_str(&vocab_verdict, r->verdict),
			  vocab_str(&vocab_expect,
				    s->plan.sc[r->scenario].expect),
			  r->reason);
		free(dir);
		shown++;
	}
	if (total > shown)
		sb_printf(b, "  ... and %zu more (soak.html lists them all)\n",
			  total - shown);
}

char *soak_summary_string(struct soak *s)
{
	struct soak_totals t;
	struct sbuf b;
	char el[32], line[256];
	double elapsed = 0;
	size_t i;

	soak_aggregate(s);
	soak_totals(s, &t);
	for (i = 0; i < s->nsessions; i++)
		elapsed += s->sessions[i].elapsed_s;
	soak_fmt_duration(el, sizeof(el), elapsed);
	sb_init(&b);
	snprintf(line, sizeof(line), "== labyrinth soak %s: %zu scenario(s) "
		 "x %zu kernel(s) ", s->plan.id, s->plan.nsc, s->plan.nk);
	sb_puts(&b, line);
	for (i = strlen(line); i < 79; i++)
		sb_putc(&b, '=');
	sb_putc(&b, '\n');
	if (t.planned)
		sb_printf(&b, "runs     %llu of %llu%s", (unsigned long long)t.done,
			  (unsigned long long)t.planned,
			  t.complete ? "" : " (INCOMPLETE: --resume continues)");
	else
		sb_printf(&b, "runs     %llu (for %llus)",
			  (unsigned long long)t.done,
			  (unsigned long long)s->plan.duration_s);
	sb_printf(&b, ", %s in %zu session(s)%s\n", el, s->nsessions,
		  s->plan.nshards > 1 ? " (one shard)" : "");
	snprintf(line, sizeof(line), "%llu met their expectation, %llu "
		 "unexpected, %llu skipped, %llu infrastructure error(s), %u "
		 "flaky", (unsigned long long)t.expect_met,
		 (unsigned long long)t.unexpected,
		 (unsigned long long)t.skipped, (unsigned long long)t.infra,
		 t.flaky_cells);
	sb_puts(&b, "result   ");
	sb_wrap(&b, line, 9, 9);
	summary_cells(&b, s);
	summary_thresholds(&b, s);
	summary_unexpected(&b, s);
	return sb_take(&b);
}

/* One test case per scenario x kernel. */
static void junit_cell(struct soak *s, const struct soak_cell *c,
		       struct junit_case *jc, char *cls, size_t clslen,
		       char *msg, size_t msglen)
{
	char counts[256];

	soak_verdict_counts(c, counts, sizeof(counts));
	snprintf(cls, clslen, "labyrinth.soak.%s",
		 s->plan.sc[c->scenario].name);
	jc->classname = cls;
	jc->name = s->plan.k[c->kernel].name;
	jc->time = c->wall_s * c->runs;
	jc->type = "unexpected-verdict";
	if (c->unexpected) {
		jc->status = c->infra == c->unexpected ? JU_ERROR : JU_FAIL;
		snprintf(msg, msglen, "%u of %u runs unexpected (expected %s): "
			 "%s%s", c->unexpected, c->runs,
			 vocab_str(&vocab_expect,
				   s->plan.sc[c->scenario].expect), counts,
			 c->flaky ? "; flaky" : "");
	} else if (!c->runs) {
		jc->status = JU_SKIP;
		snprintf(msg, msglen, "no run of this cell finished");
	} else if (c->skipped == c->runs) {
		jc->status = JU_SKIP;
		snprintf(msg, msglen, "skipped: %s", c->skip_reason ?
			 c->skip_reason : "no reason given");
	} else {
		jc->status = JU_PASS;
		snprintf(msg, msglen, "%s", counts);
	}
	jc->message = msg;
}

char *soak_junit(struct soak *s)
{
	struct junit_case *jc;
	struct junit_suite js = { 0 };
	char (*cls)[128], (*msg)[512], *out, *summary, suite[128];
	const char *props[] = { "soak_id", s->plan.id, NULL };
	size_t i;

	soak_aggregate(s);
	jc = xcalloc(s->ncells ? s->ncells : 1, sizeof(*jc));
	cls = xcalloc(s->ncells ? s->ncells : 1, sizeof(*cls));
	msg = xcalloc(s->ncells ? s->ncells : 1, sizeof(*msg));
	for (i = 0; i < s->ncells; i++) {
		junit_cell(s, &s->cells[i], &jc[i], cls[i], sizeof(cls[i]),
			   msg[i], sizeof(msg[i]));
		js.time += jc[i].time;
	}
	snprintf(suite, sizeof(suite), "labyrinth.soak.%s", s->plan.id);
	summary = soak_summary_string(s);
	js.name = suite;
	js.timestamp = s->nsessions ? s->sessions[0].start_time : "";
	js.hostname = s->nsessions ? s->sessions[0].hostname : "localhost";
	js.props = props;
	js.cases = jc;
	js.ncases = s->ncells;
	js.system_out = summary;
	out = junit_xml(&js);
	free(summary);
	free(jc);
	free(cls);
	free(msg);
	return out;
}

int soak_write_json(const char *dir, struct soak *s, char *err,
		    size_t errlen)
{
	json_t *j = soak_json(s);
	char sub[1024];
	int ret;

	/* what we write, we would read back */
	ret = soak_validate(j, sub, sizeof(sub));
	if (ret)
		snprintf(err, errlen, "internal: the soak.json about to be "
			 "written is invalid: %s", sub);
	else
		ret = report_write_json(dir, SOAK_JSON, j, err, errlen);
	json_decref(j);
	return ret;
}

int soak_write_all(const char *dir, struct soak *s, char *err,
		   size_t errlen)
{
	int ret;

	soak_aggregate(s);
	ret = report_write_text(dir, SOAK_HTML, soak_html(s), err, errlen);
	if (!ret)
		ret = report_write_text(dir, SOAK_JUNIT, soak_junit(s), err,
					errlen);
	if (!ret)
		ret = report_write_text(dir, SOAK_SUMMARY,
					soak_summary_string(s), err, errlen);
	/* last: a soak.json beside them says they are its */
	if (!ret)
		ret = soak_write_json(dir, s, err, errlen);
	return ret;
}
