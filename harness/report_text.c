// SPDX-License-Identifier: GPL-2.0
/*
 * Plain-text formats of a report: the terminal summary (under 80 columns),
 * TAP and JUnit XML for CI (the same three checks in both), and
 * series.csv for people who plot themselves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "util.h"
#include "vocab.h"

#define WIDTH 79

void sb_wrap(struct sbuf *b, const char *text, int first_col, int indent)
{
	const char *p = text;
	int col = first_col, first = 1;

	while (*p == ' ')
		p++;
	while (*p) {
		const char *w = p;
		int n;

		while (*w && *w != ' ')
			w++;
		n = (int)(w - p);
		if (!first) {
			if (col + 1 + n > WIDTH) {
				sb_printf(b, "\n%*s", indent, "");
				col = indent;
			} else {
				sb_putc(b, ' ');
				col++;
			}
		}
		/* A word longer than the line is cut, not overflowed. */
		if (col + n > WIDTH)
			n = WIDTH - col > 1 ? WIDTH - col : 1;
		sb_printf(b, "%.*s", n, p);
		col += n;
		p += n;
		first = 0;
		while (*p == ' ')
			p++;
	}
	sb_putc(b, '\n');
}

static json_t *start_zone(json_t *r)
{
	const char *zone = jp_str(r, "series.zone", "");
	json_t *z;
	size_t i;

	json_array_foreach(jp(r, "system.zones"), i, z)
		if (!strcmp(jp_str(z, "name", ""), zone))
			return z;
	return NULL;
}

static void upper(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		dst[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	dst[i] = '\0';
}

static const char *const splat_kinds[] = {
	"warning", "bug", "oops", "lockdep", "kasan", "hung-task", NULL
};

static int is_splat(const char *kind)
{
	const char *const *k;

	for (k = splat_kinds; *k; k++)
		if (!strcmp(*k, kind))
			return 1;
	return 0;
}

/* What was sampled, what is missing, what it cost: every run says. */
static void sampler_line(struct sbuf *b, json_t *r)
{
	char cpu[32], line[400];
	int n = 0;

	fmt_num(cpu, sizeof(cpu), jp_num(r, "sampler.cpu_s", 0), 3);
	if (jp(r, "series.loss"))
		n = snprintf(line, sizeof(line), "%lld samples of the module's "
			     "series every %lld ms, %lld missing (longest gap "
			     "%.3f s); %lld /proc samples every %lld ms; ",
			     jp_int(r, "sampler.samples", 0),
			     jp_int(r, "sampler.interval_ms", 0),
			     jp_int(r, "series.loss.missing_samples", 0),
			     jp_num(r, "series.loss.longest_gap_s", 0),
			     jp_int(r, "sampler.proc_samples", 0),
			     jp_int(r, "sampler.proc_interval_ms", 0));
	else	/* a version 1 report: one /proc series */
		n = snprintf(line, sizeof(line), "%lld /proc samples every "
			     "%lld ms; ", jp_int(r, "sampler.samples", 0),
			     jp_int(r, "sampler.interval_ms", 0));
	if (json_is_false(jp(r, "sampler.cpu_known")))
		snprintf(line + n, sizeof(line) - (size_t)n, "harness CPU not "
			 "known (the guest died before it could say)");
	else
		snprintf(line + n, sizeof(line) - (size_t)n, "harness CPU %s "
			 "s, %.2f%% of a vCPU", cpu,
			 jp_num(r, "sampler.cpu_percent", 0));
	sb_puts(b, "sampler  ");
	sb_wrap(b, line, 9, 9);
}

/* The title, the run, the kernel, the zone, the verdict and why. */
/* The driver under test: each module and the commands' statuses. */
static void summary_target(struct sbuf *b, json_t *r)
{
	static const char *const cmds[] = { "setup", "workload", "check" };
	char line[512];
	json_t *m;
	size_t i;

	json_array_foreach(jp(r, "target.modules"), i, m) {
		snprintf(line, sizeof(line), "%s (%s%s%s) vermagic '%s', "
			 "srcversion %s, taint '%s'%s%s",
			 jp_str(m, "name", "?"), jp_str(m, "path", "?"),
			 *jp_str(m, "params", "") ? " " : "",
			 jp_str(m, "params", ""), jp_str(m, "vermagic", "?"),
			 jp_str(m, "srcversion", "none"),
			 jp_str(m, "taint", ""),
			 json_is_true(jp(m, "unloaded")) ? ", unloaded" : "",
			 *jp_str(m, "unload_error", "") ?
			 ", DID NOT UNLOAD" : "");
		sb_puts(b, "target   ");
		sb_wrap(b, line, 9, 9);
	}
	for (i = 0; i < 3; i++) {
		json_t *c = json_object_get(jp(r, "target"), cmds[i]);

		if (!json_is_object(c))
			continue;
		snprintf(line, sizeof(line), "%s '%s': %s", cmds[i],
			 jp_str(c, "command", ""), jp_str(c, "status",
							  "did not run"));
		sb_puts(b, "target   ");
		sb_wrap(b, line, 9, 9);
	}
}

static void summary_head(struct sbuf *b, json_t *r)
{
	const char *expect = jp_str(r, "outcome.expect", NULL);
	char v[64], line[256];
	json_t *z;
	size_t i;

	snprintf(line, sizeof(line), "== labyrinth: %s ",
		 jp_str(r, "scenario.name", "?"));
	sb_printf(b, "%.*s", WIDTH, line);
	for (i = strlen(line); i < WIDTH; i++)
		sb_putc(b, '=');
	sb_putc(b, '\n');
	snprintf(line, sizeof(line), "%s, %.2f s, started %s",
		 jp_str(r, "run.id", "?"), jp_num(r, "run.duration_s", 0),
		 jp_str(r, "run.start_time", "?"));
	sb_puts(b, "run      ");
	sb_wrap(b, line, 9, 9);
	snprintf(line, sizeof(line), "%s (%s, %lld CPUs, %lld MiB RAM, "
		 "min_free_kbytes %lld, labyrinth %s)",
		 jp_str(r, "system.kernel_release", "?"),
		 jp_str(r, "system.environment", "?"),
		 jp_int(r, "system.cpus", 0),
		 jp_int(r, "system.mem_total_kb", 0) / 1024,
		 jp_int(r, "system.min_free_kbytes", 0),
		 jp_str(r, "labyrinth_version", "?"));
	sb_puts(b, "kernel   ");
	sb_wrap(b, line, 9, 9);
	z = start_zone(r);
	if (z)
		sb_printf(b, "zone     %.20s watermarks min %lld / low %lld / "
			  "high %lld pages\n", jp_str(z, "name", "?"),
			  jp_int(z, "min", 0), jp_int(z, "low", 0),
			  jp_int(z, "high", 0));
	upper(v, sizeof(v), jp_str(r, "outcome.verdict", "?"));
	if (expect)
		snprintf(line, sizeof(line), "%s (expected %s: %s)", v, expect,
			 json_is_true(jp(r, "outcome.expect_met")) ? "met" :
			 "NOT MET");
	else
		snprintf(line, sizeof(line), "%s (no expectation set)", v);
	sb_puts(b, "verdict  ");
	sb_wrap(b, line, 9, 9);
	if (*jp_str(r, "crash.headline", "")) {
		sb_puts(b, "crash    ");
		sb_wrap(b, jp_str(r, "crash.headline", ""), 9, 9);
	}
	if (*jp_str(r, "outcome.reason", "")) {
		sb_puts(b, "         ");
		sb_wrap(b, jp_str(r, "outcome.reason", ""), 9, 9);
	}
	summary_target(b, r);
}

/* One row of the thresholds table (x: the threshold, or NULL). */
static void threshold_row(struct sbuf *b, const char *what, json_t *x,
			  const char *free_key, const char *held_key,
			  const char *detail)
{
	if (!x) {
		sb_printf(b, "%-22s %8s\n", what, "-");
		return;
	}
	sb_printf(b, "%-22s %8.3f ", what, jp_num(x, "t_s", 0));
	if (free_key && jp(x, free_key))
		sb_printf(b, "%7lld ", jp_int(x, free_key, 0));
	else
		sb_printf(b, "%7s ", "-");
	if (held_key && jp(x, held_key))
		sb_printf(b, "%8lld ", jp_int(x, held_key, 0));
	else
		sb_printf(b, "%8s ", "-");
	sb_printf(b, " %.29s\n", detail);
}

static void summary_thresholds(struct sbuf *b, json_t *r)
{
	json_t *x;
	char line[128], cpu[16];

	sb_printf(b, "\n%-22s %8s %7s %8s  %s\n", "threshold", "t (s)",
		  "free", "held", "detail");
	x = jp(r, "thresholds.first_atomic_failure");
	if (x && jp(x, "cpu"))
		snprintf(cpu, sizeof(cpu), "cpu%lld", jp_int(x, "cpu", 0));
	else
		snprintf(cpu, sizeof(cpu), "cpu?");
	snprintf(line, sizeof(line), "%.3f x min, %s/%s %s",
		 jp_num(x, "free_over_min", 0), jp_str(x, "engine", "?"),
		 jp_str(x, "context", "?"), cpu);
	threshold_row(b, "first atomic failure", x, "free_pages", "pages_held",
		      line);
	x = jp(r, "thresholds.first_oom_kill");
	snprintf(line, sizeof(line), "%s pid %lld",
		 jp_str(x, "victim_comm", "?"), jp_int(x, "victim_pid", 0));
	threshold_row(b, "first OOM kill", x, "free_pages", "pages_held",
		      line);
	x = jp(r, "thresholds.panic");
	threshold_row(b, "panic", x, "last_sample.free_pages",
		      "last_sample.pages_held", x && jp(x, "last_sample") ?
		      "(last sample)" : "(no sample)");
	x = jp(r, "thresholds.deepest_dip");
	snprintf(line, sizeof(line), "%lld below min %lld",
		 jp_int(x, "below_min_pages", 0), jp_int(x, "min", 0));
	threshold_row(b, "deepest dip below min", x, "free_pages", NULL, line);
}

/* The exhaustion phases, one row each (schema 3 windows with a pulse). */
static void summary_phases(struct sbuf *b, json_t *r)
{
	char rec[32];
	json_t *w;
	size_t i;
	int head = 0;

	json_array_foreach(jp(r, "windows"), i, w) {
		if (!jp(w, "pulse"))
			continue;
		if (!head++)
			sb_printf(b, "\n%-8s %3s %-8s %8s %8s %5s %9s %4s "
				  "%8s %8s\n", "phase", "#", "engine",
				  "t0 (s)", "len (s)", "msgs", "lab-fail",
				  "oom", "reclaim", "recovery");
		if (json_is_number(jp(w, "recovery_s")))
			snprintf(rec, sizeof(rec), "%.3f",
				 jp_num(w, "recovery_s", 0));
		else
			snprintf(rec, sizeof(rec), "%s", jp(w, "recovery_s") ?
				 "never" : "-");
		sb_printf(b, "%-8.8s %3lld %-8.8s %8.3f %8.3f%s%5lld %9lld "
			  "%4lld %8lld %8s\n", jp_str(w, "kind", "?"),
			  jp_int(w, "pulse", 0), jp_str(w, "engine", "?"),
			  jp_num(w, "t0_s", 0),
			  jp_num(w, "t1_s", 0) - jp_num(w, "t0_s", 0),
			  json_is_true(jp(w, "open")) ? "+" : " ",
			  jp_int(w, "alloc_failure_messages", 0),
			  jp_int(w, "labyrinth_failures", 0),
			  jp_int(w, "oom_kills", 0),
			  jp_int(w, "reclaim_pages", 0), rec);
	}
	if (head)
		sb_puts(b, "#: pulse; +: the record ended inside the phase; "
			"msgs: \"page allocation\nfailure\" messages; lab-fail: "
			"labyrinth's own; reclaim: pages given back to\ndirect "
			"reclaim; recovery: s to free pages above low\n");
}

static void summary_engines(struct sbuf *b, json_t *r)
{
	char n1[32], n2[32];
	json_t *e;
	size_t i;

	if (!json_array_size(jp(r, "engines")))
		return;
	sb_printf(b, "\n%-10s %-8s %10s %8s %9s %9s %8s %5s\n", "engine",
		  "context", "attempts", "success", "genuine", "injected",
		  "lat p50", "viol");
	json_array_foreach(jp(r, "engines"), i, e) {
		double att = jp_num(e, "attempts", 0);

		fmt_ns(n1, sizeof(n1), latency_quantile_ns(
			       jp(e, "latency_log2_ns"), 0.5));
		if (att > 0)
			snprintf(n2, sizeof(n2), "%.1f%%",
				 100 * jp_num(e, "successes", 0) / att);
		else
			snprintf(n2, sizeof(n2), "-");
		sb_printf(b, "%-10.10s %-8.8s %10.0f %8s %9lld %9lld %8s "
			  "%5lld\n", jp_str(e, "id", "?"),
			  jp_str(e, "context", "?"), att, n2,
			  jp_int(e, "failures.genuine", 0),
			  jp_int(e, "failures.injected_private", 0) +
			  jp_int(e, "failures.injected_kernel", 0), n1,
			  jp_int(e, "owner_violations", 0));
	}
}

/*
 * The module's time budget per engine (reports from ABI 2.0 modules
 * only): ticks, the longest one, the longest IRQs-off stretch, and what
 * the engine could not do (whole bursts dropped, allocations cut).
 */
static void summary_budget(struct sbuf *b, json_t *r)
{
	char n1[32], n2[32];
	json_t *e;
	size_t i;
	int any = 0;

	json_array_foreach(jp(r, "engines"), i, e) {
		if (!jp(e, "budget"))
			continue;
		if (!any++)
			sb_printf(b, "\n%-10s %10s %10s %10s %10s %12s\n",
				  "engine", "ticks", "longest", "IRQs off",
				  "dropped", "cut allocs");
		fmt_ns(n1, sizeof(n1), jp_num(e, "budget.callback_max_ns", 0));
		fmt_ns(n2, sizeof(n2), jp_num(e, "budget.irqs_off_max_ns", 0));
		sb_printf(b, "%-10.10s %10lld %10s %10s %10lld %12lld\n",
			  jp_str(e, "id", "?"), jp_int(e, "budget.ticks", 0),
			  n1, n2, jp_int(e, "budget.bursts_dropped", 0),
			  jp_int(e, "budget.allocations_cut", 0));
	}
}

/* The kernel's messages by kind, and the VM runner's verdict. */
static void summary_kernel(struct sbuf *b, json_t *r)
{
	unsigned int counts[MSG_KIND_MAX] = { 0 };
	struct sbuf m;
	char line[256];
	json_t *x;
	uint32_t k;
	size_t i;
	int any = 0;

	json_array_foreach(jp(r, "kernel_messages"), i, x)
		if (vocab_parse(&vocab_msg_kind, jp_str(x, "kind", ""),
				&k) >= 0)
			counts[k]++;
	sb_init(&m);
	sb_printf(&m, "%zu OOM kill(s), %zu kernel message(s)",
		  json_array_size(jp(r, "oom_kills")),
		  json_array_size(jp(r, "kernel_messages")));
	for (k = 0; k < MSG_KIND_MAX; k++) {
		if (!counts[k])
			continue;
		sb_printf(&m, "%s%u %s", any ? ", " : " (", counts[k],
			  vocab_str(&vocab_msg_kind, k));
		any = 1;
	}
	if (any)
		sb_putc(&m, ')');
	sb_puts(b, "\nkernel   ");
	sb_wrap(b, m.s, 9, 9);
	free(m.s);
	if (jp(r, "vm")) {
		snprintf(line, sizeof(line), "VM verdict %s: %s",
			 jp_str(r, "vm.verdict", "?"),
			 jp_str(r, "vm.evidence", ""));
		sb_puts(b, "         ");
		sb_wrap(b, line, 9, 9);
	}
}

/* Scoped injection: how many, and where (the call sites, most first). */
static void summary_scoped(struct sbuf *b, json_t *r)
{
	json_t *inj, *site;
	size_t i, j;

	json_array_foreach(jp(r, "injection.injectors"), i, inj) {
		json_t *sc = jp(inj, "scoped");
		struct sbuf m;

		if (!sc)
			continue;
		sb_init(&m);
		sb_printf(&m, "%s %s: %lld injected",
			  jp_str(inj, "name", "?"), jp_str(inj, "scope", "?"),
			  jp_int(sc, "injected", 0));
		json_array_foreach(jp(sc, "sites"), j, site) {
			if (j == 5) {
				sb_printf(&m, "; %zu more sites",
					  json_array_size(jp(sc, "sites")) - 5);
				break;
			}
			sb_printf(&m, "%s %lld at %s", j ? "," : ";",
				  jp_int(site, "injected", 0),
				  jp_str(site, "site", "?"));
		}
		sb_puts(b, "scoped   ");
		sb_wrap(b, m.s, 9, 9);
		free(m.s);
	}
}

char *report_summary_string(json_t *r)
{
	struct sbuf b;

	sb_init(&b);
	summary_head(&b, r);
	summary_thresholds(&b, r);
	summary_phases(&b, r);
	summary_engines(&b, r);
	summary_budget(&b, r);
	summary_scoped(&b, r);
	summary_kernel(&b, r);
	report_text_dut(&b, r);
	sampler_line(&b, r);
	return sb_take(&b);
}

void report_print_summary(FILE *f, json_t *r)
{
	char *s = report_summary_string(r);

	fputs(s, f);
	free(s);
}

/* ---- the CI checks, shared by TAP and JUnit ---- */

struct check {
	const char *name;
	enum junit_status status;
	char msg[256];
	const char *detail;	/* borrowed from the report, or NULL */
};

#define NCHECKS 3

static void run_checks(json_t *r, struct check c[NCHECKS])
{
	const char *verdict = jp_str(r, "outcome.verdict", "?");
	const char *expect = jp_str(r, "outcome.expect", NULL);
	json_t *e, *m;
	size_t i;
	long long viol = 0, nsplat = 0;

	memset(c, 0, sizeof(*c) * NCHECKS);
	c[0].name = "expect";
	c[0].detail = jp_str(r, "outcome.reason", NULL);
	if (!strcmp(verdict, "skipped")) {
		c[0].status = JU_SKIP;
		snprintf(c[0].msg, sizeof(c[0].msg), "skipped: %s",
			 jp_str(r, "outcome.reason", "no reason given"));
	} else if (!strcmp(verdict, "error") || !strcmp(verdict, "timeout")) {
		c[0].status = JU_ERROR;
		snprintf(c[0].msg, sizeof(c[0].msg), "run ended in %s%s%s",
			 verdict, expect ? ", expected " : "",
			 expect ? expect : "");
	} else if (!expect) {
		c[0].status = JU_PASS;
		snprintf(c[0].msg, sizeof(c[0].msg), "verdict %s (no "
			 "expectation set)", verdict);
	} else {
		c[0].status = json_is_true(jp(r, "outcome.expect_met")) ?
			      JU_PASS : JU_FAIL;
		snprintf(c[0].msg, sizeof(c[0].msg), "verdict %s, expected %s",
			 verdict, expect);
	}

	c[1].name = "owner_violations";
	json_array_foreach(jp(r, "engines"), i, e)
		viol += jp_int(e, "owner_violations", 0);
	c[1].status = viol ? JU_FAIL : JU_PASS;
	snprintf(c[1].msg, sizeof(c[1].msg), "%lld owner violation(s) in %zu "
		 "engine(s)", viol, json_array_size(jp(r, "engines")));

	c[2].name = "kernel_splats";
	json_array_foreach(jp(r, "kernel_messages"), i, m) {
		if (!is_splat(jp_str(m, "kind", "")))
			continue;
		if (!nsplat++)
			c[2].detail = jp_str(m, "text", NULL);
	}
	if (expect && !strcmp(expect, "splat")) {
		c[2].status = nsplat ? JU_PASS : JU_FAIL;
		snprintf(c[2].msg, sizeof(c[2].msg), "%lld kernel splat(s), "
			 "expected some", nsplat);
	} else {
		c[2].status = nsplat ? JU_FAIL : JU_PASS;
		snprintf(c[2].msg, sizeof(c[2].msg), "%lld kernel splat(s) "
			 "(WARNING/BUG/Oops/lockdep/KASAN/hung task)", nsplat);
	}
}

/* One line of YAML-safe double-quoted text. */
static void sb_yaml_str(struct sbuf *b, const char *s)
{
	sb_putc(b, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch < 0x20)
			sb_printf(b, "\\x%02x", ch);
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

char *report_tap(json_t *r)
{
	struct check c[NCHECKS];
	struct sbuf b;
	const char *name = jp_str(r, "scenario.name", "?");
	int i;

	run_checks(r, c);
	sb_init(&b);
	sb_printf(&b, "TAP version 13\n1..%d\n", NCHECKS);
	for (i = 0; i < NCHECKS; i++) {
		sb_printf(&b, "%s %d - %s: %s: %s", c[i].status == JU_PASS ||
			  c[i].status == JU_SKIP ? "ok" : "not ok", i + 1,
			  name, c[i].name, c[i].msg);
		if (c[i].status == JU_SKIP)
			sb_puts(&b, " # SKIP");
		sb_putc(&b, '\n');
		if ((c[i].status == JU_FAIL || c[i].status == JU_ERROR) &&
		    c[i].detail) {
			sb_puts(&b, "  ---\n  message: ");
			sb_yaml_str(&b, c[i].detail);
			sb_printf(&b, "\n  kernel: ");
			sb_yaml_str(&b, jp_str(r, "system.kernel_release", ""));
			sb_puts(&b, "\n  ...\n");
		}
	}
	return sb_take(&b);
}

char *junit_xml(const struct junit_suite *s)
{
	static const char *const tag[] = {
		[JU_FAIL] = "failure", [JU_ERROR] = "error",
		[JU_SKIP] = "skipped",
	};
	unsigned int n[JU_ERROR + 1] = { 0 };
	const struct junit_case *c;
	const char *const *p;
	struct sbuf b;
	size_t i;

	for (i = 0; i < s->ncases; i++)
		n[s->cases[i].status]++;
	sb_init(&b);
	sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_printf(&b, "<testsuites name=\"labyrinth\" tests=\"%zu\" "
		  "failures=\"%u\" errors=\"%u\" skipped=\"%u\" "
		  "time=\"%.3f\">\n <testsuite name=\"", s->ncases, n[JU_FAIL],
		  n[JU_ERROR], n[JU_SKIP], s->time);
	sb_xml(&b, s->name);
	sb_printf(&b, "\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" "
		  "skipped=\"%u\" time=\"%.3f\" timestamp=\"", s->ncases,
		  n[JU_FAIL], n[JU_ERROR], n[JU_SKIP], s->time);
	/* JUnit's timestamp has no zone designator. */
	sb_printf(&b, "%.19s\" hostname=\"", s->timestamp);
	sb_xml(&b, s->hostname);
	sb_puts(&b, "\">\n  <properties>\n");
	for (p = s->props; p && p[0] && p[1]; p += 2) {
		sb_printf(&b, "   <property name=\"%s\" value=\"", p[0]);
		sb_xml(&b, p[1]);
		sb_puts(&b, "\"/>\n");
	}
	sb_puts(&b, "  </properties>\n");
	for (c = s->cases; c < s->cases + s->ncases; c++) {
		sb_puts(&b, "  <testcase classname=\"");
		sb_xml(&b, c->classname);
		sb_puts(&b, "\" name=\"");
		sb_xml(&b, c->name);
		sb_printf(&b, "\" time=\"%.3f\"", c->time);
		if (c->status == JU_PASS && !c->out) {
			sb_puts(&b, "/>\n");
			continue;
		}
		sb_puts(&b, ">\n");
		if (c->status != JU_PASS) {
			sb_printf(&b, "   <%s message=\"", tag[c->status]);
			sb_xml(&b, c->message);
			if (c->status == JU_SKIP) {
				sb_puts(&b, "\"/>\n");
			} else {
				sb_puts(&b, "\" type=\"");
				sb_xml(&b, c->type);
				sb_puts(&b, "\">");
				if (c->detail)
					sb_xml(&b, c->detail);
				sb_printf(&b, "</%s>\n", tag[c->status]);
			}
		}
		if (c->out) {
			sb_puts(&b, "   <system-out>");
			sb_xml(&b, c->out);
			sb_puts(&b, "</system-out>\n");
		}
		sb_puts(&b, "  </testcase>\n");
	}
	if (s->system_out) {
		sb_puts(&b, "  <system-out>");
		sb_xml(&b, s->system_out);
		sb_puts(&b, "</system-out>\n");
	}
	sb_puts(&b, " </testsuite>\n</testsuites>\n");
	return sb_take(&b);
}

char *report_junit(json_t *r)
{
	static const char *const keys[] = {
		"kernel_release", "sublevel", "environment", "cpus",
		"mem_total_kb", "min_free_kbytes", "watermark_scale_factor",
	};
	char val[ARRAY_SIZE(keys)][64], cls[128], *out;
	const char *props[2 * ARRAY_SIZE(keys) + 5];
	struct junit_case jc[NCHECKS];
	struct junit_suite s = { 0 };
	struct check c[NCHECKS];
	size_t i, np = 0;

	run_checks(r, c);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		char path[64];
		json_t *v;

		snprintf(path, sizeof(path), "system.%s", keys[i]);
		v = jp(r, path);
		if (json_is_string(v))
			snprintf(val[i], sizeof(val[i]), "%s",
				 json_string_value(v));
		else
			fmt_num(val[i], sizeof(val[i]), jnum(v), 6);
		props[np++] = keys[i];
		props[np++] = val[i];
	}
	props[np++] = "scenario_sha256";
	props[np++] = jp_str(r, "scenario.sha256", "");
	props[np++] = "run_id";
	props[np++] = jp_str(r, "run.id", "");
	props[np] = NULL;
	snprintf(cls, sizeof(cls), "labyrinth.%s",
		 jp_str(r, "scenario.name", "?"));
	for (i = 0; i < NCHECKS; i++)
		jc[i] = (struct junit_case){
			.classname = cls, .name = c[i].name,
			.time = i == 0 ? jp_num(r, "run.duration_s", 0) : 0,
			.status = c[i].status, .message = c[i].msg,
			.type = c[i].name, .detail = c[i].detail,
		};
	s.name = cls;
	s.time = jp_num(r, "run.duration_s", 0);
	s.timestamp = jp_str(r, "run.start_time", "");
	s.hostname = jp_str(r, "run.hostname", "localhost");
	s.props = props;
	s.cases = jc;
	s.ncases = NCHECKS;
	s.system_out = out = report_summary_string(r);
	out = junit_xml(&s);
	free((char *)s.system_out);
	return out;
}

/* ---- series.csv ---- */

static const char *const csv_first[] = {
	"t_s", "free_pages", "min", "low", "high", "pages_held", "attempts",
	"failures_genuine", "failures_injected", NULL
};

char *report_csv(json_t *r)
{
	json_t *s = jp(r, "series"), *col;
	json_t **cols;
	const char *k, *q;
	size_t ncol = 0, i, j, n = json_array_size(json_object_get(s, "t_s"));
	struct sbuf b;
	char num[40];

	cols = xcalloc(json_object_size(s) + 1, sizeof(*cols));
	sb_init(&b);
	for (i = 0; csv_first[i]; i++) {
		cols[ncol++] = json_object_get(s, csv_first[i]);
		sb_printf(&b, "%s%s", i ? "," : "", csv_first[i]);
	}
	json_object_foreach(s, k, col) {
		if (!json_is_array(col))
			continue;
		for (i = 0; csv_first[i]; i++)
			if (!strcmp(csv_first[i], k))
				break;
		if (csv_first[i])
			continue;
		cols[ncol++] = col;
		/* Column names come from JSON keys: keep the CSV parseable. */
		sb_putc(&b, ',');
		for (q = k; *q; q++)
			sb_putc(&b, (*q == ',' || *q == '"' || *q == '\n' ||
				     *q == '\r') ? '_' : *q);
	}
	sb_putc(&b, '\n');
	for (j = 0; j < n; j++) {
		for (i = 0; i < ncol; i++) {
			json_t *v = json_array_get(cols[i], j);

			if (json_is_integer(v))
				snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
			else
				snprintf(num, sizeof(num), "%.15g", jnum(v));
			sb_printf(&b, "%s%s", i ? "," : "", num);
		}
		sb_putc(&b, '\n');
	}
	free(cols);
	return sb_take(&b);
}
