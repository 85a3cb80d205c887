// SPDX-License-Identifier: GPL-2.0
/*
 * report.html: one self-contained page (no network, no external files),
 * plots as inline SVG, readable on a laptop and printable. It is also
 * well-formed XML (void elements closed, only the five XML entities), so
 * the unit tests can check it with an XML parser. The one inline script
 * only checks, in a real browser, that the plots have a size, and records
 * the result on <html data-selfcheck>; the page reads the same without it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "util.h"

static const char css[] =
"*{box-sizing:border-box}\n"
"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
"'DejaVu Sans',sans-serif;color:#1d2433;background:#f4f5f7}\n"
"main{max-width:1120px;margin:0 auto;padding:0 20px 40px}\n"
"header{background:#1d2433;color:#fff;padding:18px 0 14px}\n"
"header .in{max-width:1120px;margin:0 auto;padding:0 20px}\n"
"h1{margin:0 0 4px;font-size:22px;font-weight:600}\n"
"h2{font-size:17px;margin:26px 0 10px;border-bottom:2px solid #d9dde5;"
"padding-bottom:4px}\n"
"h3{font-size:14px;margin:14px 0 6px}\n"
".verdict{display:inline-block;padding:2px 10px;border-radius:4px;"
"font-size:15px;margin-left:10px;vertical-align:3px;letter-spacing:.5px}\n"
".v-ok{background:#1e8e3e}.v-bad{background:#c5221f}"
".v-neutral{background:#6b7280}\n"
".reason{margin:6px 0 2px;font-size:15px}\n"
".meta{margin:2px 0;color:#c9cfdb;font-size:13px}\n"
".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));"
"gap:12px;margin-top:18px}\n"
".card{background:#fff;border:1px solid #d9dde5;border-radius:6px;"
"padding:10px 14px}\n"
".card h3{margin:0 0 4px;font-size:13px;text-transform:uppercase;"
"letter-spacing:.4px;color:#59627a}\n"
".card .big{font-size:24px;font-weight:600}\n"
".card .big small{display:block;font-size:13px;font-weight:400;"
"color:#59627a}\n"
".card.none .big{color:#9aa1b1}\n"
".card p{margin:2px 0;font-size:13px}\n"
"figure{margin:0 0 14px;background:#fff;border:1px solid #d9dde5;"
"border-radius:6px;padding:8px}\n"
"figcaption{font-size:13px;color:#59627a;padding:0 4px 4px}\n"
"svg.plot{width:100%;height:auto;display:block}\n"
"svg .bg{fill:#fff}svg .frame{fill:none;stroke:#8a93a6;stroke-width:1}\n"
"svg .grid{stroke:#e6e9ef;stroke-width:1}\n"
"svg text{font-family:system-ui,'DejaVu Sans',sans-serif}\n"
"svg .tick{font-size:11px;fill:#59627a}"
"svg .axis{font-size:12px;fill:#1d2433}\n"
"svg .legend{font-size:12px;fill:#1d2433}"
"svg .mlabel{font-size:11px;stroke:none}\n"
"svg polyline{fill:none;stroke-linejoin:round}\n"
".l-free{stroke:#1a73e8;stroke-width:2}"
".l-held{stroke:#8e24aa;stroke-width:2}\n"
".l-min{stroke:#d93025;stroke-width:1.5;stroke-dasharray:6 3}"
".l-low{stroke:#f29900;stroke-width:1.5;stroke-dasharray:6 3}"
".l-high{stroke:#188038;stroke-width:1.5;stroke-dasharray:6 3}"
".l-floor{stroke:#5f6368;stroke-width:1;stroke-dasharray:2 3}\n"
".l-gen{stroke:#d93025;stroke-width:2}"
".l-inj{stroke:#f29900;stroke-width:2}\n"
".m-fail{stroke:#d93025;stroke-width:1.5;stroke-dasharray:4 3}"
"text.m-fail{fill:#d93025}\n"
".m-oom{stroke:#8e24aa;stroke-width:1.5;stroke-dasharray:4 3}"
"text.m-oom{fill:#8e24aa}\n"
".m-panic{stroke:#000;stroke-width:2.5}text.m-panic{fill:#000}\n"
".dot-fail{fill:#d93025;stroke:#fff;stroke-width:1.5}\n"
"p.crash{color:#d93025;font-size:1.1em}\n"
"rect.w-exhaustion{fill:#d93025;fill-opacity:.08}"
"rect.w-gap{fill:#5f6368;fill-opacity:.25}\n"
".sw.w-exhaustion{stroke:#d93025;stroke-opacity:.25}"
".sw.w-gap{stroke:#5f6368;stroke-opacity:.45}\n"
"rect.w-ph-drain{fill:#f9ab00;fill-opacity:.10}"
"rect.w-ph-hold{fill:#d93025;fill-opacity:.14}"
"rect.w-ph-release{fill:#1e8e3e;fill-opacity:.12}"
"rect.w-ph-gap{fill:#ffffff;fill-opacity:0}\n"
".sw.w-ph-drain{stroke:#f9ab00;stroke-opacity:.35}"
".sw.w-ph-hold{stroke:#d93025;stroke-opacity:.4}"
".sw.w-ph-release{stroke:#1e8e3e;stroke-opacity:.35}\n"
".bar.e0{fill:#1a73e8}.bar.e1{fill:#f29900}.bar.e2{fill:#188038}"
".bar.e3{fill:#8e24aa}.bar.e4{fill:#795548}.bar.e5{fill:#e91e63}\n"
".sw{stroke-width:9}.sw.e0{stroke:#1a73e8}.sw.e1{stroke:#f29900}"
".sw.e2{stroke:#188038}.sw.e3{stroke:#8e24aa}.sw.e4{stroke:#795548}"
".sw.e5{stroke:#e91e63}\n"
"table{border-collapse:collapse;background:#fff;width:100%;"
"font-size:13px;margin-bottom:10px}\n"
"th,td{border:1px solid #d9dde5;padding:4px 8px;text-align:left;"
"vertical-align:top}\n"
"th{background:#eef0f4;font-weight:600}\n"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"td.bad{color:#c5221f;font-weight:600}\n"
"pre{background:#fff;border:1px solid #d9dde5;border-radius:6px;"
"padding:10px;overflow-x:auto;font-size:12px;white-space:pre-wrap}\n"
"code,pre,.mono{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
".tw{overflow-x:auto}\n"
".two{display:grid;grid-template-columns:1fr 1fr;gap:14px}\n"
"@media (max-width:800px){.two{grid-template-columns:1fr}}\n"
"footer{color:#59627a;font-size:12px;margin-top:30px}\n"
".dot{fill-opacity:.55;stroke:none}.dot.e0{fill:#1a73e8}.dot.e1{fill:#f29900}"
".dot.e2{fill:#188038}.dot.e3{fill:#8e24aa}.dot.e4{fill:#795548}"
".dot.e5{fill:#e91e63}\n"
".whisker{stroke:#59627a;stroke-width:1}.med{stroke:#1d2433;stroke-width:3}"
".p95{stroke:#d93025;stroke-width:2;stroke-dasharray:3 2}\n"
"td.flaky,span.flaky{color:#b06000;font-weight:600}\n"
"@media print{body{background:#fff;font-size:10pt}"
"header{background:#fff;color:#000;border-bottom:2px solid #000}"
".meta{color:#333}main{max-width:none;padding:0}"
"figure,table,.card,pre{break-inside:avoid}h2{break-after:avoid}"
".verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
"a{color:#000}}\n";

/* Checks, in a real browser, that every plot was laid out with a size.
 * No '<' or '&' in it: the page stays well-formed XML. */
static const char selfcheck_js[] =
"(function(){var bad=[];"
"var s=document.querySelectorAll('svg.plot');"
"if(!s.length)bad.push('no plots');"
"s.forEach(function(e){var r=e.getBoundingClientRect();"
"if(!(r.width>=100)||!(r.height>=50))bad.push(e.id+' has no size');});"
"document.documentElement.setAttribute('data-selfcheck',"
"bad.length?'FAIL: '+bad.join('; '):'ok');})();";

void html_page_begin(struct sbuf *b, const char *name, const char *detail,
		     const char *version)
{
	sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		"<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" "
		"content=\"width=device-width, initial-scale=1\"/>\n"
		"<meta name=\"generator\" content=\"labyrinth ");
	sb_xml(b, version);
	sb_puts(b, "\"/>\n<title>labyrinth: ");
	sb_xml(b, name);
	if (detail) {
		sb_puts(b, " &#8212; ");
		sb_xml(b, detail);
	}
	sb_printf(b, "</title>\n<style>\n%s</style>\n</head>\n"
		  "<body>\n<header><div class=\"in\">\n<h1>", css);
}

void html_page_end(struct sbuf *b)
{
	sb_printf(b, "</main>\n<script>%s</script>\n</body>\n</html>\n",
		  selfcheck_js);
}

static void esc(struct sbuf *b, const char *s)
{
	sb_xml(b, s ? s : "");
}

static void td_num(struct sbuf *b, double v, int sig)
{
	char n[40];

	fmt_num(n, sizeof(n), v, sig);
	sb_printf(b, "<td class=\"n\">%s</td>", n);
}

static void td_str(struct sbuf *b, const char *s)
{
	sb_puts(b, "<td>");
	esc(b, s);
	sb_puts(b, "</td>");
}

static const char *tristate(json_t *v)
{
	return json_is_true(v) ? "yes" : json_is_false(v) ? "no" : "unknown";
}

static void card_begin(struct sbuf *b, const char *title, int none)
{
	sb_printf(b, "<div class=\"card%s\"><h3>%s</h3>", none ? " none" : "",
		  title);
}

static void cards(struct sbuf *b, json_t *r)
{
	json_t *x;

	sb_puts(b, "<section class=\"cards\">\n");
	x = jp(r, "thresholds.first_atomic_failure");
	card_begin(b, "First genuine atomic failure", !x);
	if (x) {
		sb_printf(b, "<div class=\"big\">%.3f s <small>%lld free, "
			  "%.3f&#215; min</small></div>", jp_num(x, "t_s", 0),
			  jp_int(x, "free_pages", 0),
			  jp_num(x, "free_over_min", 0));
		sb_printf(b, "<p>%lld pages held; zone ", jp_int(x, "pages_held", 0));
		esc(b, jp_str(x, "zone", "?"));
		sb_printf(b, " min/low/high %lld/%lld/%lld</p><p>engine ",
			  jp_int(x, "min", 0), jp_int(x, "low", 0),
			  jp_int(x, "high", 0));
		esc(b, jp_str(x, "engine", "?"));
		sb_puts(b, " (");
		esc(b, jp_str(x, "context", "?"));
		sb_printf(b, ") on CPU %lld</p>", jp_int(x, "cpu", 0));
	} else {
		sb_puts(b, "<div class=\"big\">none</div>");
	}
	sb_puts(b, "</div>\n");

	x = jp(r, "thresholds.first_oom_kill");
	card_begin(b, "First OOM kill", !x);
	if (x) {
		sb_printf(b, "<div class=\"big\">%.3f s <small>", jp_num(x, "t_s", 0));
		esc(b, jp_str(x, "victim_comm", "?"));
		sb_printf(b, " (pid %lld)</small></div><p>%lld free pages, %lld "
			  "held</p><p>%zu OOM kill(s) in all</p>",
			  jp_int(x, "victim_pid", 0), jp_int(x, "free_pages", 0),
			  jp_int(x, "pages_held", 0),
			  json_array_size(jp(r, "oom_kills")));
	} else {
		sb_puts(b, "<div class=\"big\">none</div>");
	}
	sb_puts(b, "</div>\n");

	x = jp(r, "thresholds.panic");
	card_begin(b, "Panic", !x);
	if (x) {
		sb_printf(b, "<div class=\"big\">%.3f s</div><p>", jp_num(x, "t_s", 0));
		esc(b, jp_str(x, "message", ""));
		sb_puts(b, "</p>");
		if (jp(x, "last_sample"))
			sb_printf(b, "<p>last sample at %.3f s: %lld free, %lld "
				  "held</p>", jp_num(x, "last_sample.t_s", 0),
				  jp_int(x, "last_sample.free_pages", 0),
				  jp_int(x, "last_sample.pages_held", 0));
	} else {
		sb_puts(b, "<div class=\"big\">none</div>");
	}
	sb_puts(b, "</div>\n");

	x = jp(r, "thresholds.deepest_dip");
	card_begin(b, "Deepest dip below min", !x);
	if (x)
		sb_printf(b, "<div class=\"big\">%lld <small>free pages at "
			  "%.3f s</small></div><p>%lld pages below min (%lld)"
			  "</p>", jp_int(x, "free_pages", 0), jp_num(x, "t_s", 0),
			  jp_int(x, "below_min_pages", 0), jp_int(x, "min", 0));
	else
		sb_puts(b, "<div class=\"big\">none</div><p>free pages never "
			"went below min</p>");
	sb_puts(b, "</div>\n</section>\n");
}

/* GFP_ATOMIC|__GFP_NOWARN may wrap after each '|'. */
static void gfp_breakable(struct sbuf *b, const char *gfp)
{
	const char *bar;

	while ((bar = strchr(gfp, '|'))) {
		char *part = xasprintf("%.*s", (int)(bar - gfp + 1), gfp);

		esc(b, part);
		sb_puts(b, "<wbr/>");
		free(part);
		gfp = bar + 1;
	}
	esc(b, gfp);
}

static void engines_table(struct sbuf *b, json_t *r)
{
	json_t *e, *cpu;
	size_t i, k;
	char n[40];

	sb_puts(b, "<div class=\"tw\"><table><thead><tr><th>engine</th>"
		"<th>context</th><th>CPUs</th><th>policy</th><th>gfp</th>"
		"<th class=\"n\">order</th><th>shred</th>"
		"<th class=\"n\">rate/CPU</th><th class=\"n\">attempts</th>"
		"<th class=\"n\">success</th><th class=\"n\">genuine</th>"
		"<th class=\"n\">injected priv/kern</th>"
		"<th class=\"n\">held peak</th><th class=\"n\">p50/p99</th>"
		"<th class=\"n\">owner viol.</th></tr></thead><tbody>\n");
	json_array_foreach(jp(r, "engines"), i, e) {
		double att = jp_num(e, "attempts", 0);
		char p50[24], p99[24];

		sb_puts(b, "<tr>");
		td_str(b, jp_str(e, "id", "?"));
		td_str(b, jp_str(e, "context", "?"));
		sb_puts(b, "<td>");
		json_array_foreach(jp(e, "cpus"), k, cpu)
			sb_printf(b, "%s%.0f", k ? "," : "", jnum(cpu));
		sb_puts(b, "</td>");
		td_str(b, jp_str(e, "policy", "?"));
		sb_puts(b, "<td class=\"mono\">");
		gfp_breakable(b, jp_str(e, "gfp", "?"));
		sb_puts(b, "</td>");
		td_num(b, jp_num(e, "order", 0), 3);
		td_str(b, jp_str(e, "shred", "?"));
		td_num(b, jp_num(e, "rate_per_cpu", 0), 6);
		td_num(b, att, 12);
		if (att > 0)
			snprintf(n, sizeof(n), "%.1f%%",
				 100 * jp_num(e, "successes", 0) / att);
		else
			snprintf(n, sizeof(n), "-");
		sb_printf(b, "<td class=\"n\">%s</td>", n);
		td_num(b, jp_num(e, "failures.genuine", 0), 12);
		sb_printf(b, "<td class=\"n\">%lld / %lld</td>",
			  jp_int(e, "failures.injected_private", 0),
			  jp_int(e, "failures.injected_kernel", 0));
		td_num(b, jp_num(e, "held_peak", 0), 12);
		fmt_ns(p50, sizeof(p50),
		       latency_quantile_ns(jp(e, "latency_log2_ns"), 0.5));
		fmt_ns(p99, sizeof(p99),
		       latency_quantile_ns(jp(e, "latency_log2_ns"), 0.99));
		sb_printf(b, "<td class=\"n\">%s / %s</td>", p50, p99);
		sb_printf(b, "<td class=\"n%s\">%lld</td>",
			  jp_int(e, "owner_violations", 0) ? " bad" : "",
			  jp_int(e, "owner_violations", 0));
		sb_puts(b, "</tr>\n");
	}
	sb_puts(b, "</tbody></table></div>\n");
}

static void system_section(struct sbuf *b, json_t *r)
{
	static const char *const cfg[] = {
		"fault_injection", "failslab", "fail_page_alloc",
		"fail_function", "bpf_kprobe_override", "kasan", "lockdep",
		"debug_pagealloc", NULL
	};
	const char *const *c;
	json_t *z;
	size_t i;

	sb_puts(b, "<h2 id=\"system\">System</h2>\n<div class=\"two\"><table>"
		"<tbody>\n<tr><th>kernel</th><td class=\"mono\">");
	esc(b, jp_str(r, "system.kernel_release", "?"));
	sb_printf(b, " (sublevel %lld)<br/>", jp_int(r, "system.sublevel", 0));
	esc(b, jp_str(r, "system.kernel_version", ""));
	sb_puts(b, "</td></tr>\n<tr><th>environment</th>");
	td_str(b, jp_str(r, "system.environment", "?"));
	sb_printf(b, "</tr>\n<tr><th>CPUs</th><td>%lld</td></tr>\n"
		  "<tr><th>memory</th><td>%lld kB (%.0f MiB)</td></tr>\n"
		  "<tr><th>vm.min_free_kbytes</th><td>%lld</td></tr>\n"
		  "<tr><th>vm.watermark_scale_factor</th><td>%lld</td></tr>\n"
		  "<tr><th>labyrinth</th><td class=\"mono\">",
		  jp_int(r, "system.cpus", 0), jp_int(r, "system.mem_total_kb", 0),
		  jp_num(r, "system.mem_total_kb", 0) / 1024,
		  jp_int(r, "system.min_free_kbytes", 0),
		  jp_int(r, "system.watermark_scale_factor", 0));
	esc(b, jp_str(r, "labyrinth_version", "?"));
	sb_puts(b, "</td></tr>\n</tbody></table>\n<table><thead><tr>"
		"<th>kernel config</th><th>set</th></tr></thead><tbody>\n");
	for (c = cfg; *c; c++) {
		char path[64];

		snprintf(path, sizeof(path), "system.config.%s", *c);
		sb_printf(b, "<tr><td class=\"mono\">CONFIG_%s</td><td>%s</td>"
			  "</tr>\n", *c, tristate(jp(r, path)));
	}
	sb_puts(b, "</tbody></table></div>\n<table><thead><tr><th>node</th>"
		"<th>zone</th><th class=\"n\">managed</th><th class=\"n\">free "
		"at start</th><th class=\"n\">min</th><th class=\"n\">low</th>"
		"<th class=\"n\">high</th><th class=\"n\">reserved highatomic"
		"</th></tr></thead><tbody>\n");
	json_array_foreach(jp(r, "system.zones"), i, z) {
		sb_puts(b, "<tr>");
		td_num(b, jp_num(z, "node", 0), 6);
		td_str(b, jp_str(z, "name", "?"));
		td_num(b, jp_num(z, "managed", 0), 12);
		td_num(b, jp_num(z, "free", 0), 12);
		td_num(b, jp_num(z, "min", 0), 12);
		td_num(b, jp_num(z, "low", 0), 12);
		td_num(b, jp_num(z, "high", 0), 12);
		td_num(b, jp_num(z, "nr_reserved_highatomic", 0), 12);
		sb_puts(b, "</tr>\n");
	}
	sb_puts(b, "</tbody></table>\n");
}

static void scalar_text(struct sbuf *b, json_t *v)
{
	char n[40];

	if (json_is_string(v)) {
		esc(b, json_string_value(v));
	} else if (json_is_number(v)) {
		fmt_num(n, sizeof(n), jnum(v), 8);
		sb_puts(b, n);
	} else if (json_is_boolean(v)) {
		sb_puts(b, json_is_true(v) ? "true" : "false");
	} else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		esc(b, s ? s : "?");
		free(s);
	}
}

/* A scoped injector's call sites: injections per function+offset. */
static void scoped_sites(struct sbuf *b, json_t *inj)
{
	json_t *sc = jp(inj, "scoped"), *site, *f;
	size_t i, j;

	if (!sc)
		return;
	sb_puts(b, "<h3>");
	esc(b, jp_str(inj, "name", "?"));
	sb_printf(b, ": %lld injected, by call site</h3>\n",
		  jp_int(sc, "injected", 0));
	sb_puts(b, "<table><thead><tr><th>call site</th><th>hook</th>"
		"<th>injected</th><th>stack (innermost first)</th></tr>"
		"</thead><tbody>\n");
	json_array_foreach(jp(sc, "sites"), i, site) {
		sb_puts(b, "<tr>");
		td_str(b, jp_str(site, "site", "?"));
		td_str(b, jp_str(site, "hook", "?"));
		sb_printf(b, "<td>%lld</td><td class=\"mono\">",
			  jp_int(site, "injected", 0));
		json_array_foreach(jp(site, "stack"), j, f) {
			sb_puts(b, j ? "<br>" : "");
			esc(b, json_string_value(f));
		}
		sb_puts(b, "</td></tr>\n");
	}
	sb_puts(b, "</tbody></table>\n");
}

static void injection_section(struct sbuf *b, json_t *r)
{
	json_t *inj, *v;
	const char *k;
	size_t i;

	sb_puts(b, "<h2 id=\"injection\">Fault injection</h2>\n");
	if (!json_array_size(jp(r, "injection.injectors"))) {
		sb_puts(b, "<p>No fault injection in this run: every failure "
			"is genuine.</p>\n");
	} else {
		sb_puts(b, "<table><thead><tr><th>injector</th><th>scope</th>"
			"<th>knobs</th></tr></thead><tbody>\n");
		json_array_foreach(jp(r, "injection.injectors"), i, inj) {
			int first = 1;

			sb_puts(b, "<tr>");
			td_str(b, jp_str(inj, "name", "?"));
			td_str(b, jp_str(inj, "scope", ""));
			sb_puts(b, "<td class=\"mono\">");
			json_object_foreach(jp(inj, "knobs"), k, v) {
				sb_puts(b, first ? "" : ", ");
				esc(b, k);
				sb_putc(b, '=');
				scalar_text(b, v);
				first = 0;
			}
			sb_puts(b, "</td></tr>\n");
		}
		sb_puts(b, "</tbody></table>\n");
		json_array_foreach(jp(r, "injection.injectors"), i, inj)
			scoped_sites(b, inj);
	}
	if (json_array_size(jp(r, "injection.context_notes"))) {
		sb_puts(b, "<ul>\n");
		json_array_foreach(jp(r, "injection.context_notes"), i, v) {
			sb_puts(b, "<li>");
			esc(b, json_string_value(v));
			sb_puts(b, "</li>\n");
		}
		sb_puts(b, "</ul>\n");
	}
}

/* The exhaustion phases (schema 3 windows with a pulse), one row each. */
static void phases_section(struct sbuf *b, json_t *r)
{
	json_t *w;
	size_t i;
	int head = 0;

	json_array_foreach(jp(r, "windows"), i, w) {
		if (!jp(w, "pulse"))
			continue;
		if (!head++)
			sb_puts(b, "<h2 id=\"phases\">Exhaustion phases</h2>\n"
				"<table><thead><tr><th>phase</th><th class=\"n\">"
				"pulse</th><th>engine</th><th class=\"n\">"
				"start (s)</th><th class=\"n\">length (s)</th>"
				"<th class=\"n\">allocation failure messages"
				"</th><th class=\"n\">labyrinth failures</th>"
				"<th class=\"n\">OOM kills</th><th class=\"n\">"
				"pages to reclaim</th><th class=\"n\">recovery "
				"(s)</th></tr></thead><tbody>\n");
		sb_puts(b, "<tr>");
		td_str(b, jp_str(w, "kind", "?"));
		td_num(b, jp_num(w, "pulse", 0), 6);
		td_str(b, jp_str(w, "engine", "?"));
		sb_printf(b, "<td class=\"n\">%.3f</td><td class=\"n\">%.3f%s"
			  "</td>", jp_num(w, "t0_s", 0),
			  jp_num(w, "t1_s", 0) - jp_num(w, "t0_s", 0),
			  json_is_true(jp(w, "open")) ? " (not over)" : "");
		td_num(b, jp_num(w, "alloc_failure_messages", 0), 12);
		td_num(b, jp_num(w, "labyrinth_failures", 0), 12);
		td_num(b, jp_num(w, "oom_kills", 0), 12);
		td_num(b, jp_num(w, "reclaim_pages", 0), 12);
		if (json_is_number(jp(w, "recovery_s")))
			sb_printf(b, "<td class=\"n\">%.3f</td>",
				  jp_num(w, "recovery_s", 0));
		else
			td_str(b, jp(w, "recovery_s") ? "never" : "");
		sb_puts(b, "</tr>\n");
	}
	if (head)
		sb_puts(b, "</tbody></table>\n<p>drain: engine start to its "
			"first genuine failure; hold: the reserve kept exhausted "
			"(every GFP_ATOMIC caller fails); release: the stop to "
			"free pages back above low (recovery); gap: to the next "
			"pulse. Allocation failure messages are the kernel's "
			"rate-limited \"page allocation failure\" lines (other "
			"callers' when the engines are nowarn); pages to reclaim: "
			"what the held pages gave back to direct reclaim "
			"(yield_to_reclaim).</p>\n");
}

static void events_section(struct sbuf *b, json_t *r)
{
	json_t *k;
	size_t i;

	sb_puts(b, "<h2 id=\"oom\">OOM kills</h2>\n");
	if (!json_array_size(jp(r, "oom_kills"))) {
		sb_puts(b, "<p>None.</p>\n");
	} else {
		sb_puts(b, "<table><thead><tr><th class=\"n\">t (s)</th>"
			"<th class=\"n\">pid</th><th>comm</th>"
			"<th class=\"n\">anon-rss kB</th><th class=\"n\">"
			"oom_score_adj</th><th class=\"n\">free pages</th>"
			"<th class=\"n\">pages held</th></tr></thead><tbody>\n");
		json_array_foreach(jp(r, "oom_kills"), i, k) {
			sb_printf(b, "<tr><td class=\"n\">%.3f</td>",
				  jp_num(k, "t_s", 0));
			td_num(b, jp_num(k, "pid", 0), 10);
			td_str(b, jp_str(k, "comm", "?"));
			td_num(b, jp_num(k, "anon_rss_kb", NAN), 12);
			td_num(b, jp_num(k, "oom_score_adj", NAN), 6);
			td_num(b, jp_num(k, "free_pages", NAN), 12);
			td_num(b, jp_num(k, "pages_held", NAN), 12);
			sb_puts(b, "</tr>\n");
		}
		sb_puts(b, "</tbody></table>\n");
	}

	sb_puts(b, "<h2 id=\"kmsg\">Kernel messages</h2>\n");
	if (!json_array_size(jp(r, "kernel_messages"))) {
		sb_puts(b, "<p>None captured.</p>\n");
	} else {
		sb_puts(b, "<table><thead><tr><th class=\"n\">t (s)</th>"
			"<th>kind</th><th>message</th></tr></thead><tbody>\n");
		json_array_foreach(jp(r, "kernel_messages"), i, k) {
			const char *kind = jp_str(k, "kind", "?");
			int bad = strcmp(kind, "other") &&
				  strcmp(kind, "alloc-failure") &&
				  strcmp(kind, "oom");

			sb_printf(b, "<tr><td class=\"n\">%.3f</td>",
				  jp_num(k, "t_s", 0));
			sb_printf(b, "<td%s>", bad ? " class=\"bad\"" : "");
			esc(b, kind);
			sb_puts(b, "</td><td class=\"mono\">");
			esc(b, jp_str(k, "text", ""));
			sb_puts(b, "</td></tr>\n");
		}
		sb_puts(b, "</tbody></table>\n");
	}
}

static void map_rows(struct sbuf *b, json_t *obj, const char *prefix)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		if (json_is_object(v)) {
			char *p = xasprintf("%s%s", prefix, k);

			sb_puts(b, "<tr><th colspan=\"2\" class=\"mono\">");
			esc(b, p);
			sb_puts(b, "</th></tr>\n");
			free(p);
			map_rows(b, v, "\xc2\xa0\xc2\xa0");
			continue;
		}
		sb_puts(b, "<tr><td class=\"mono\">");
		esc(b, prefix);
		esc(b, k);
		sb_puts(b, "</td><td class=\"n\">");
		scalar_text(b, v);
		sb_puts(b, "</td></tr>\n");
	}
}

static void tools_section(struct sbuf *b, json_t *r)
{
	json_t *x, *s;
	size_t i;

	sb_puts(b, "<h2 id=\"tools\">VM, stress-ng and bpftrace</h2>\n");
	x = jp(r, "vm");
	sb_puts(b, "<p><b>VM runner:</b> ");
	if (x) {
		esc(b, jp_str(x, "verdict", "?"));
		sb_puts(b, " &#8212; ");
		esc(b, jp_str(x, "evidence", ""));
	} else {
		sb_puts(b, "not run in a VM by labyrinth (bare metal, or the "
			"host has not added its verdict)");
	}
	sb_puts(b, "</p>\n");
	x = jp(r, "stress_ng");
	if (!x) {
		sb_puts(b, "<p><b>stress-ng:</b> not used.</p>\n");
	} else {
		char st[32];

		if (jp(x, "exit_status"))
			snprintf(st, sizeof(st), "%lld",
				 jp_int(x, "exit_status", 0));
		else
			snprintf(st, sizeof(st), "unknown");
		sb_printf(b, "<p><b>stress-ng:</b> exit status %s%s.</p>\n", st,
			  json_is_true(jp(x, "oom_killed")) ?
			  " (a worker was OOM-killed: an observation, not a "
			  "harness failure)" : "");
		sb_puts(b, "<table><thead><tr><th>stressor</th><th class=\"n\">"
			"bogo ops</th><th class=\"n\">bogo ops/s (real)</th>"
			"<th class=\"n\">wall s</th><th class=\"n\">user s</th>"
			"<th class=\"n\">system s</th></tr></thead><tbody>\n");
		json_array_foreach(jp(x, "stressors"), i, s) {
			sb_puts(b, "<tr>");
			td_str(b, jp_str(s, "name", "?"));
			td_num(b, jp_num(s, "bogo_ops", 0), 12);
			td_num(b, jp_num(s, "bogo_ops_per_s_real", NAN), 8);
			td_num(b, jp_num(s, "wall_clock_s", NAN), 6);
			td_num(b, jp_num(s, "user_time_s", NAN), 6);
			td_num(b, jp_num(s, "system_time_s", NAN), 6);
			sb_puts(b, "</tr>\n");
		}
		sb_puts(b, "</tbody></table>\n");
	}
	x = jp(r, "bpftrace");
	if (!x) {
		sb_puts(b, "<p><b>bpftrace:</b> not used.</p>\n");
		return;
	}
	json_array_foreach(jp(x, "scripts"), i, s) {
		sb_puts(b, "<h3>bpftrace: <code>");
		esc(b, jp_str(s, "name", "?"));
		sb_puts(b, "</code></h3>\n<table><tbody>\n");
		map_rows(b, jp(s, "summary"), "");
		sb_puts(b, "</tbody></table>\n");
	}
}

static void scenario_section(struct sbuf *b, json_t *r)
{
	static const char *const keys[] = {
		"console_log", "stress_ng_yaml", "bpftrace_out", "kmsg",
		"series_csv", "junit", "tap", "summary", NULL
	};
	const char *const *k;
	json_t *o;
	size_t i;

	sb_puts(b, "<h2 id=\"scenario\">Scenario</h2>\n<p><code>");
	esc(b, jp_str(r, "scenario.file", "?"));
	sb_puts(b, "</code>, sha256 <code>");
	esc(b, jp_str(r, "scenario.sha256", "?"));
	sb_puts(b, "</code>");
	if (json_array_size(jp(r, "scenario.overrides"))) {
		sb_puts(b, "; overrides:");
		json_array_foreach(jp(r, "scenario.overrides"), i, o) {
			sb_puts(b, " <code>--set ");
			esc(b, json_string_value(o));
			sb_puts(b, "</code>");
		}
	}
	sb_puts(b, "</p>\n<pre>");
	esc(b, jp_str(r, "scenario.text", ""));
	sb_puts(b, "</pre>\n<h2 id=\"files\">Files of this run</h2>\n<ul>\n"
		"<li><a href=\"report.json\">report.json</a> (the source of "
		"every format here)</li>\n");
	for (k = keys; *k; k++) {
		char path[64];
		const char *f;

		snprintf(path, sizeof(path), "files.%s", *k);
		f = jp_str(r, path, NULL);
		if (!f)
			continue;
		sb_puts(b, "<li><a href=\"");
		esc(b, f);
		sb_puts(b, "\">");
		esc(b, f);
		sb_printf(b, "</a> (%s)</li>\n", *k);
	}
	sb_puts(b, "</ul>\n");
}

/* Where the free pages come from, what is missing, what is shaded. */
static void series_caption(struct sbuf *b, json_t *r)
{
	sb_puts(b, "<figcaption>");
	if (jp(r, "series.loss"))
		sb_printf(b, "Free pages of the zone as the module sampled them "
			  "every %lld ms (exact: the counter its failure "
			  "snapshot reads), against its min, low and high "
			  "watermarks without watermark_boost. ",
			  jp_int(r, "series.interval_ms", 0));
	else
		sb_puts(b, "Free pages of the zone from /proc/zoneinfo "
			"(a version 1 report: it lags the module's own "
			"counters), against its min, low and high watermarks. ");
	sb_puts(b, "GFP_ATOMIC may dip below min (6.1: to about 3/8 of it, "
		"the dotted line); the first genuine failure is the red dot, "
		"on the line");
	if (json_array_size(jp(r, "windows")) &&
	    jp(json_array_get(jp(r, "windows"), 0), "pulse"))
		sb_puts(b, "; the shaded spans are the exhaustion phases: "
			"drain (amber), hold (red), release to recovery (green)");
	else if (json_array_size(jp(r, "windows")))
		sb_puts(b, "; the shaded span is the exhaustion window (first "
			"genuine failure to the stop of its engine)");
	sb_puts(b, ". ");
	if (jp_int(r, "series.loss.missing_samples", 0))
		sb_printf(b, "<b>%lld sample%s missing</b> (%lld dropped by a "
			  "full ring, the rest ticks the module's timer could "
			  "not take), in %lld gap(s), the longest %.3f s: the "
			  "line is broken there and the gaps are hatched. ",
			  jp_int(r, "series.loss.missing_samples", 0),
			  jp_int(r, "series.loss.missing_samples", 0) == 1 ?
			  " is" : "s are",
			  jp_int(r, "series.loss.ring_lost", 0),
			  jp_int(r, "series.loss.gap_count", 0),
			  jp_num(r, "series.loss.longest_gap_s", 0));
	else if (jp(r, "series.loss"))
		sb_puts(b, "No sample is missing. ");
	sb_puts(b, "</figcaption>\n");
}

/* The driver under test, one line per module, in the header. */
static void target_line(struct sbuf *b, json_t *r)
{
	json_t *m;
	size_t i;

	json_array_foreach(jp(r, "target.modules"), i, m) {
		sb_puts(b, "<p class=\"meta\">driver under test <b>");
		esc(b, jp_str(m, "name", "?"));
		sb_puts(b, "</b> ");
		esc(b, jp_str(m, "params", ""));
		sb_puts(b, " &#183; ");
		esc(b, jp_str(m, "path", "?"));
		sb_puts(b, " &#183; vermagic ");
		esc(b, jp_str(m, "vermagic", "?"));
		sb_puts(b, " &#183; srcversion ");
		esc(b, jp_str(m, "srcversion", "none"));
		sb_puts(b, " &#183; taint ");
		esc(b, jp_str(m, "taint", ""));
		sb_puts(b, "</p>\n");
	}
	if (json_is_object(jp(r, "target.check"))) {
		sb_puts(b, "<p class=\"meta\">check <code>");
		esc(b, jp_str(r, "target.check.command", ""));
		sb_puts(b, "</code>: ");
		esc(b, jp_str(r, "target.check.status", "did not run"));
		sb_puts(b, "</p>\n");
	}
}

char *report_html(json_t *r)
{
	struct sbuf b;
	const char *verdict = jp_str(r, "outcome.verdict", "?");
	const char *expect = jp_str(r, "outcome.expect", NULL);
	json_t *met = jp(r, "outcome.expect_met");
	const char *vcls;
	char up[64];
	size_t i;

	if (!strcmp(verdict, "error") || !strcmp(verdict, "timeout") ||
	    json_is_false(met))
		vcls = "v-bad";
	else if (json_is_true(met))
		vcls = "v-ok";
	else
		vcls = "v-neutral";
	for (i = 0; verdict[i] && i + 1 < sizeof(up); i++)
		up[i] = (verdict[i] >= 'a' && verdict[i] <= 'z') ?
			(char)(verdict[i] - 32) : verdict[i];
	up[i] = '\0';

	sb_init(&b);
	html_page_begin(&b, jp_str(r, "scenario.name", "?"), verdict,
			jp_str(r, "labyrinth_version", "?"));
	esc(&b, jp_str(r, "scenario.name", "?"));
	sb_printf(&b, "<span class=\"verdict %s\">%s</span></h1>\n", vcls, up);
	sb_puts(&b, "<p class=\"reason\">");
	if (expect)
		sb_printf(&b, "Expected <b>%s</b>: <b>%s</b>. ", expect,
			  json_is_true(met) ? "met" : "NOT met");
	else
		sb_puts(&b, "No expectation set. ");
	esc(&b, jp_str(r, "outcome.reason", ""));
	sb_puts(&b, "</p>\n");
	if (*jp_str(r, "crash.headline", "")) {
		sb_puts(&b, "<p class=\"crash\"><b>");
		esc(&b, jp_str(r, "crash.headline", ""));
		sb_puts(&b, "</b></p>\n");
	}
	target_line(&b, r);
	sb_puts(&b, "<p class=\"meta\">kernel <b>");
	esc(&b, jp_str(r, "system.kernel_release", "?"));
	sb_printf(&b, "</b> &#183; %s &#183; %lld CPUs &#183; %.0f MiB &#183; "
		  "min_free_kbytes %lld</p>\n<p class=\"meta\">run ",
		  jp_str(r, "system.environment", "?"),
		  jp_int(r, "system.cpus", 0),
		  jp_num(r, "system.mem_total_kb", 0) / 1024,
		  jp_int(r, "system.min_free_kbytes", 0));
	esc(&b, jp_str(r, "run.id", "?"));
	sb_puts(&b, " &#183; started ");
	esc(&b, jp_str(r, "run.start_time", "?"));
	sb_printf(&b, " &#183; %.2f s &#183; sampled every %lld ms (%lld "
		  "samples, %lld missing; harness CPU %.2f%% of a vCPU)</p>\n"
		  "</div></header>\n<main>\n",
		  jp_num(r, "run.duration_s", 0),
		  jp_int(r, "sampler.interval_ms", 0),
		  jp_int(r, "sampler.samples", 0),
		  jp_int(r, "series.loss.missing_samples", 0),
		  jp_num(r, "sampler.cpu_percent", 0));

	cards(&b, r);
	sb_puts(&b, "<h2 id=\"memory\">Free pages and the watermarks</h2>\n"
		"<figure>\n");
	svg_plot_watermarks(&b, r);
	series_caption(&b, r);
	sb_puts(&b, "</figure>\n<figure>\n");
	svg_plot_held(&b, r);
	sb_puts(&b, "<figcaption>Pages the module holds (drained from the "
		"reserve) and the zone's free pages, full scale.</figcaption>\n"
		"</figure>\n<h2 id=\"failures\">Failure rate</h2>\n<figure>\n");
	svg_plot_failure_rate(&b, r);
	sb_puts(&b, "<figcaption>Share of allocation attempts that failed in "
		"each interval, all engines: genuine failures (reserve "
		"exhausted) and injected ones.</figcaption>\n</figure>\n");
	phases_section(&b, r);
	sb_puts(&b, "<h2 id=\"engines\">Engines</h2>\n");
	engines_table(&b, r);
	sb_puts(&b, "<figure>\n");
	svg_plot_latency(&b, r);
	sb_puts(&b, "<figcaption>Allocation latency: each bar is the share "
		"of an engine's attempts that took between its bucket's lower "
		"bound and twice that.</figcaption>\n</figure>\n");
	report_html_dut(&b, r);
	events_section(&b, r);
	injection_section(&b, r);
	tools_section(&b, r);
	system_section(&b, r);
	scenario_section(&b, r);
	sb_puts(&b, "<footer>Generated by labyrinth ");
	esc(&b, jp_str(r, "labyrinth_version", "?"));
	sb_printf(&b, " from report.json (schema %s v%d). Regenerate with "
		  "<code>labyrinth report DIR</code>.</footer>\n",
		  REPORT_SCHEMA_NAME, REPORT_SCHEMA_VERSION);
	html_page_end(&b);
	return sb_take(&b);
}
