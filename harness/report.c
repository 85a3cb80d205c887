// SPDX-License-Identifier: GPL-2.0
/*
 * Report core: validation of report.json against schema version 1 (the
 * same rules as reports/schema/report.schema.json, in C, plus the
 * cross-field rules a JSON Schema cannot express), loading with errors
 * that say what and where, and the atomic writer of a result directory.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "report_priv.h"
#include "util.h"
#include "vocab.h"

/* ---- growable string ---- */

void sb_init(struct sbuf *b)
{
	b->cap = 256;
	b->len = 0;
	b->s = xmalloc(b->cap);
	b->s[0] = '\0';
}

static void sb_reserve(struct sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap *= 2;
	b->s = xrealloc(b->s, b->cap);
}

void sb_puts(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void sb_putc(struct sbuf *b, char c)
{
	sb_reserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_xml(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&#39;"); break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				sb_puts(b, "\xef\xbf\xbd");
			else
				sb_putc(b, (char)c);
		}
	}
}

char *sb_take(struct sbuf *b)
{
	char *s = b->s;

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* ---- lookups ---- */

json_t *jp(json_t *r, const char *path)
{
	char key[128];
	const char *p = path, *dot;
	size_t n;

	while (r && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key) || !json_is_object(r))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		r = json_object_get(r, key);
		p += n + (dot ? 1 : 0);
	}
	return json_is_null(r) ? NULL : r;
}

double jnum(json_t *v)
{
	if (json_is_integer(v))
		return (double)json_integer_value(v);
	if (json_is_real(v))
		return json_real_value(v);
	return NAN;
}

double jp_num(json_t *r, const char *path, double dflt)
{
	json_t *v = jp(r, path);

	return json_is_number(v) ? jnum(v) : dflt;
}

long long jp_int(json_t *r, const char *path, long long dflt)
{
	json_t *v = jp(r, path);

	return json_is_number(v) ? (long long)jnum(v) : dflt;
}

const char *jp_str(json_t *r, const char *path, const char *dflt)
{
	json_t *v = jp(r, path);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

void fmt_num(char *buf, size_t len, double v, int sig)
{
	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	snprintf(buf, len, "%.*g", sig, v);
}

void fmt_ns(char *buf, size_t len, double ns)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
}

double latency_mean_ns(json_t *buckets)
{
	double sum = 0, n = 0, c;
	size_t i;

	for (i = 0; i < json_array_size(buckets); i++) {
		c = jnum(json_array_get(buckets, i));
		sum += c * 1.5 * ldexp(1.0, (int)i);
		n += c;
	}
	return n > 0 ? sum / n : NAN;
}

double latency_quantile_ns(json_t *buckets, double q)
{
	double total = 0, acc = 0;
	size_t i;

	for (i = 0; i < json_array_size(buckets); i++)
		total += jnum(json_array_get(buckets, i));
	if (total <= 0)
		return NAN;
	for (i = 0; i < json_array_size(buckets); i++) {
		acc += jnum(json_array_get(buckets, i));
		if (acc >= q * total)
			return ldexp(1.0, (int)i);
	}
	return ldexp(1.0, (int)json_array_size(buckets) - 1);
}

/* ---- validation ---- */

struct vctx {
	char *err;
	size_t errlen;
	int failed;
};

static int vfail(struct vctx *v, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int vfail(struct vctx *v, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (v->failed)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(v->err, v->errlen, "%s: %s", path, msg);
	v->failed = 1;
	return -EINVAL;
}

static const char *jtype(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* JSON Schema's "integer": any number with a zero fractional part. */
static int is_integral(json_t *j)
{
	double d;

	if (json_is_integer(j))
		return 1;
	if (!json_is_real(j))
		return 0;
	d = json_real_value(j);
	return isfinite(d) && d == floor(d);
}

static const char *const environments[] = { "vm", "bare-metal", NULL };
/* the constant, then what a file without it is not */
static const char *const schema_name[] = {
	REPORT_SCHEMA_NAME, "labyrinth report", NULL
};


static const struct vfield run_f[] = {
	F("id", V_NESTR, 0), F("start_time", V_NESTR, 0),
	F("duration_s", V_SECS, 0), F("result_dir", V_NESTR, 0),
	F("command", V_STR, VF_OPT), F("hostname", V_STR, VF_OPT), END
};
static const struct vfield scenario_f[] = {
	F("name", V_NESTR, 0), F("file", V_NESTR, 0), F("sha256", V_NESTR, 0),
	F("text", V_STR, 0), FW("expect", &vocab_expect, VF_NULL),
	FA("overrides", V_STR, NULL, 0), END
};
static const struct vfield config_f[] = {
	F("fault_injection", V_BOOL, VF_NULL), F("failslab", V_BOOL, VF_NULL),
	F("fail_page_alloc", V_BOOL, VF_NULL),
	F("fail_function", V_BOOL, VF_NULL),
	F("bpf_kprobe_override", V_BOOL, VF_NULL),
	F("kasan", V_BOOL, VF_NULL), F("lockdep", V_BOOL, VF_NULL),
	F("debug_pagealloc", V_BOOL, VF_NULL), END
};
static const struct vfield zone_f[] = {
	F("node", V_COUNT, 0), F("name", V_NESTR, 0), F("managed", V_COUNT, 0),
	F("free", V_COUNT, 0), F("min", V_COUNT, 0), F("low", V_COUNT, 0),
	F("high", V_COUNT, 0), F("nr_reserved_highatomic", V_COUNT, 0), END
};
static const struct vfield system_f[] = {
	F("kernel_release", V_NESTR, 0), F("kernel_version", V_STR, 0),
	F("sublevel", V_COUNT, 0), FO("config", config_f, 0),
	FE("environment", environments, 0),
	FR("cpus", V_INT, 1, 1e9, 0), FR("mem_total_kb", V_INT, 1, 1e18, 0),
	F("min_free_kbytes", V_COUNT, 0),
	F("watermark_scale_factor", V_COUNT, 0),
	FA("zones", V_OBJ, zone_f, 0), END
};
static const struct vfield observed_f[] = {
	F("atomic_failure", V_BOOL, 0), F("oom", V_BOOL, 0),
	F("panic", V_BOOL, 0), F("splat", V_BOOL, 0),
	F("timeout", V_BOOL, 0), F("error", V_BOOL, 0),
	F("exhaust", V_BOOL, VF_OPT), END
};
static const struct vfield outcome_f[] = {
	FW("verdict", &vocab_verdict, 0), FW("expect", &vocab_expect, VF_NULL),
	F("expect_met", V_BOOL, VF_NULL), F("reason", V_STR, 0),
	FO("observed", observed_f, VF_OPT), END
};
static const struct vfield first_fail_f[] = {
	F("t_s", V_SECS, 0), F("pages_held", V_COUNT, 0),
	F("free_pages", V_COUNT, 0), F("zone", V_STR, 0), F("min", V_COUNT, 0),
	F("low", V_COUNT, 0), F("high", V_COUNT, 0),
	FR("free_over_min", V_NUM, 0, INFINITY, 0), F("engine", V_STR, 0),
	FW("context", &vocab_context, 0), F("cpu", V_COUNT, VF_NULL),
	F("source", V_STR, VF_OPT), END
};
static const struct vfield first_oom_f[] = {
	F("t_s", V_SECS, 0), FR("victim_pid", V_INT, 1, 1e18, 0),
	F("victim_comm", V_STR, 0), F("free_pages", V_COUNT, 0),
	F("pages_held", V_COUNT, 0), END
};
static const struct vfield last_sample_f[] = {
	F("t_s", V_SECS, 0), F("free_pages", V_COUNT, 0),
	F("pages_held", V_COUNT, 0), F("min", V_COUNT, 0),
	F("low", V_COUNT, 0), F("high", V_COUNT, 0), END
};
static const struct vfield panic_f[] = {
	F("t_s", V_SECS, 0), F("message", V_STR, 0),
	FO("last_sample", last_sample_f, VF_NULL), END
};
static const struct vfield dip_f[] = {
	F("t_s", V_SECS, 0), F("free_pages", V_COUNT, 0), F("zone", V_STR, 0),
	F("min", V_COUNT, 0), FR("below_min_pages", V_INT, 1, 1e18, 0),
	F("source", V_STR, VF_OPT), END
};
static const struct vfield thresholds_f[] = {
	FO("first_atomic_failure", first_fail_f, VF_NULL),
	FO("first_oom_kill", first_oom_f, VF_NULL),
	FO("panic", panic_f, VF_NULL), FO("deepest_dip", dip_f, VF_NULL), END
};
static const struct vfield failures_f[] = {
	F("genuine", V_COUNT, 0), F("injected_private", V_COUNT, 0),
	F("injected_kernel", V_COUNT, 0), END
};
static const struct vfield engine_f[] = {
	F("id", V_NESTR, 0), FW("context", &vocab_context, 0),
	{ .key = "cpus", .type = V_ARR, .item = V_COUNT, .min = 1 },
	FW("policy", &vocab_policy, 0), F("gfp", V_NESTR, 0),
	FR("order", V_INT, 0, 10, 0), FW("shred", &vocab_shred, 0),
	FR("rate_per_cpu", V_NUM, 0, INFINITY, 0), F("attempts", V_COUNT, 0),
	F("successes", V_COUNT, 0), FO("failures", failures_f, 0),
	F("held_peak", V_COUNT, 0), F("owner_violations", V_COUNT, 0),
	{ .key = "latency_log2_ns", .type = V_ARR, .item = V_COUNT,
	  .max_items = 64 },
	END
};
static const struct vfield injector_f[] = {
	F("name", V_NESTR, 0), F("scope", V_STR, 0),
	F("knobs", V_SCALARS, 0), END
};
static const struct vfield injection_f[] = {
	FA("injectors", V_OBJ, injector_f, 0),
	FA("context_notes", V_STR, NULL, 0), END
};
static const struct vfield oom_f[] = {
	F("t_s", V_SECS, 0), FR("pid", V_INT, 1, 1e18, 0), F("comm", V_STR, 0),
	F("anon_rss_kb", V_COUNT, VF_OPT), F("total_vm_kb", V_COUNT, VF_OPT),
	FR("oom_score_adj", V_INT, -1000, 1000, VF_OPT),
	F("free_pages", V_COUNT, VF_OPT), F("pages_held", V_COUNT, VF_OPT), END
};
static const struct vfield kmsg_f[] = {
	FR("t_s", V_NUM, -INFINITY, INFINITY, 0),
	FW("kind", &vocab_msg_kind, 0),
	F("text", V_STR, 0), END
};
static const struct vfield vm_f[] = {
	F("verdict", V_NESTR, 0), F("evidence", V_STR, 0),
	F("console_log", V_STR, VF_NULL), END
};
static const struct vfield stressor_f[] = {
	F("name", V_STR, 0), F("bogo_ops", V_COUNT, 0),
	FR("bogo_ops_per_s_real", V_NUM, 0, INFINITY, VF_OPT),
	FR("wall_clock_s", V_NUM, 0, INFINITY, VF_OPT),
	FR("user_time_s", V_NUM, 0, INFINITY, VF_OPT),
	FR("system_time_s", V_NUM, 0, INFINITY, VF_OPT), END
};
static const struct vfield stress_f[] = {
	FA("stressors", V_OBJ, stressor_f, 0),
	FR("exit_status", V_INT, -1e9, 1e9, VF_NULL),
	F("oom_killed", V_BOOL, 0), END
};
static const struct vfield script_f[] = {
	F("name", V_STR, 0), F("summary", V_ANYOBJ, 0), END
};
static const struct vfield bpftrace_f[] = {
	FA("scripts", V_OBJ, script_f, 0), END
};
static const struct vfield sampler_f[] = {
	FR("interval_ms", V_INT, 1, 1e9, 0), F("samples", V_COUNT, 0),
	FR("cpu_s", V_NUM, 0, INFINITY, 0),
	FR("cpu_percent", V_NUM, 0, INFINITY, 0),
	F("cpu_known", V_BOOL, VF_OPT), END
};
static const struct vfield gap_f[] = {
	F("t0_s", V_SECS, 0), F("t1_s", V_SECS, 0), F("missing", V_COUNT, 0),
	END
};
static const struct vfield loss_f[] = {
	F("ring_lost", V_COUNT, 0), F("missing_samples", V_COUNT, 0),
	F("longest_gap_s", V_SECS, 0), F("gap_count", V_COUNT, 0),
	FA("gaps", V_OBJ, gap_f, 0), END
};
/* The known columns; report_validate() checks lengths and any extra ones. */
static const struct vfield series_f[] = {
	F("source", V_STR, VF_OPT), FO("loss", loss_f, VF_OPT),
	FR("interval_ms", V_INT, 1, 1e9, 0), F("zone", V_NESTR, 0),
	FA("t_s", V_SECS, NULL, 0), FA("free_pages", V_COUNT, NULL, 0),
	FA("min", V_COUNT, NULL, 0), FA("low", V_COUNT, NULL, 0),
	FA("high", V_COUNT, NULL, 0), FA("pages_held", V_COUNT, NULL, 0),
	FA("attempts", V_COUNT, NULL, 0),
	FA("failures_genuine", V_COUNT, NULL, 0),
	FA("failures_injected", V_COUNT, NULL, 0),
	FA("reclaim_pages", V_COUNT, NULL, VF_OPT),
	FA("nr_free_pages", V_COUNT, NULL, VF_OPT),
	FA("oom_kill", V_COUNT, NULL, VF_OPT),
	FA("allocstall", V_COUNT, NULL, VF_OPT), END
};
static const struct vfield proc_series_f[] = {
	F("source", V_STR, VF_OPT), FR("interval_ms", V_INT, 1, 1e9, 0),
	FA("t_s", V_SECS, NULL, 0), END
};
static const char *const window_kinds[] = {
	"exhaustion", "drain", "hold", "release", "gap", NULL
};
static const struct vfield window_f[] = {
	FE("kind", window_kinds, 0), F("label", V_STR, 0),
	F("t0_s", V_SECS, 0), F("t1_s", V_SECS, 0),
	/* version 3: a phase of a pulse */
	F("engine", V_STR, VF_OPT), FR("pulse", V_INT, 1, 1e6, VF_OPT),
	F("open", V_BOOL, VF_OPT),
	F("alloc_failure_messages", V_COUNT, VF_OPT),
	F("labyrinth_failures", V_COUNT, VF_OPT),
	F("oom_kills", V_COUNT, VF_OPT), F("reclaim_pages", V_COUNT, VF_OPT),
	F("recovery_s", V_SECS, VF_OPT | VF_NULL), END
};
/* driver_under_test (nic.h): the per-slice columns are checked for
 * length by report_validate()'s series rule only where it knows them. */
static const struct vfield dut_if_f[] = {
	F("role", V_NESTR, 0), F("ifname", V_STR, 0), F("mac", V_STR, 0),
	F("netns", V_STR, 0), F("ip", V_STR, 0),
	F("link_before", V_BOOL, VF_NULL), F("link_after", V_BOOL, VF_NULL),
	F("counters_before", V_ANYOBJ, 0), F("counters_after", V_ANYOBJ, 0),
	F("ethtool_before", V_ANYOBJ, 0), F("ethtool_after", V_ANYOBJ, 0),
	FA("failure_stats", V_STR, NULL, 0), END
};
static const struct vfield dut_flood_f[] = {
	F("rate", V_COUNT, 0), F("size", V_COUNT, 0),
	F("packets_max", V_COUNT, 0), F("duration_max_s", V_SECS, 0),
	F("slice_s", V_SECS, 0), F("t0_s", V_SECS, 0),
	F("t1_s", V_SECS, VF_NULL), F("sent", V_COUNT, 0),
	F("received", V_COUNT, 0), F("send_errors", V_COUNT, 0), END
};
static const struct vfield dut_counts_f[] = {
	F("driver_failures", V_COUNT, 0), F("rx_dropped", V_COUNT, 0),
	F("rx_errors", V_COUNT, 0), END
};
static const struct vfield dut_side_f[] = {
	F("driver_failures", V_COUNT, 0), F("rx_dropped", V_COUNT, 0),
	F("rx_errors", V_COUNT, 0), FO("expected", dut_counts_f, 0), END
};
static const struct vfield dut_window_f[] = {
	F("kind", V_NESTR, 0), F("label", V_STR, 0), F("t0_s", V_SECS, 0),
	F("t1_s", V_SECS, 0), F("from_s", V_SECS, 0), F("to_s", V_SECS, 0),
	F("sent", V_COUNT, 0), F("received", V_COUNT, 0),
	FO("sender", dut_side_f, 0), FO("receiver", dut_side_f, 0),
	F("alloc_failure_reports", V_COUNT, 0), F("reached", V_BOOL, 0), END
};
static const struct vfield dut_check_f[] = {
	F("reached", V_BOOL, 0), F("link_recovered", V_BOOL, 0),
	F("traffic_recovered", V_BOOL, 0), F("recovered", V_BOOL, 0),
	F("recovery_s", V_SECS, VF_NULL), F("recover_within_s", V_SECS, 0),
	F("passed", V_BOOL, 0), F("reason", V_STR, 0), END
};
static const struct vfield dut_f[] = {
	F("model", V_NESTR, 0), F("driver", V_STR, 0),
	F("driver_version", V_STR, 0), F("firmware_version", V_STR, 0),
	F("bus_info", V_STR, 0), FA("interfaces", V_OBJ, dut_if_f, 0),
	FO("flood", dut_flood_f, 0), FA("windows", V_OBJ, dut_window_f, 0),
	FA("alloc_failure_reports_s", V_SECS, NULL, 0),
	F("slices", V_ANYOBJ, 0), FO("check", dut_check_f, 0),
	F("error", V_STR, VF_NULL), END
};
static const struct vfield files_f[] = {
	F("console_log", V_STR, VF_NULL), F("stress_ng_yaml", V_STR, VF_NULL),
	F("bpftrace_out", V_STR, VF_NULL), F("kmsg", V_STR, VF_NULL),
	F("series_csv", V_STR, VF_NULL), F("html", V_STR, VF_NULL | VF_OPT),
	F("junit", V_STR, VF_NULL | VF_OPT), F("tap", V_STR, VF_NULL | VF_OPT),
	F("summary", V_STR, VF_NULL | VF_OPT), END
};
static const struct vfield target_mod_f[] = {
	F("name", V_NESTR, 0), F("path", V_STR, 0), F("params", V_STR, 0),
	F("vermagic", V_STR, 0), F("srcversion", V_STR, VF_NULL),
	F("loaded", V_BOOL, 0), F("taint", V_STR, 0),
	F("kernel_taint_added", V_COUNT, 0), F("unloaded", V_BOOL, 0),
	F("unload_error", V_STR, VF_NULL), END
};
static const struct vfield target_cmd_f[] = {
	F("command", V_STR, 0), F("ran", V_BOOL, 0), F("status", V_STR, VF_OPT),
	F("ok", V_BOOL, VF_OPT), END
};
static const struct vfield target_f[] = {
	FA("modules", V_OBJ, target_mod_f, 0),
	FO("setup", target_cmd_f, VF_NULL), FO("workload", target_cmd_f, VF_NULL),
	FO("check", target_cmd_f, VF_NULL), END
};
static const struct vfield crash_phase_f[] = {
	FE("kind", window_kinds, 0), F("engine", V_STR, 0),
	FR("pulse", V_INT, 1, 1e6, 0), F("into_s", V_SECS, 0), END
};
static const struct vfield crash_f[] = {
	F("kind", V_NESTR, 0), F("headline", V_NESTR, 0),
	F("header", V_STR, 0), F("t_s", V_SECS, VF_NULL),
	F("since_first_atomic_failure_s", V_SECS, VF_NULL),
	FO("phase", crash_phase_f, VF_NULL), END
};
static const struct vfield report_f[] = {
	{ .key = "schema", .type = V_CONST_STR, .values = schema_name },
	FR("schema_version", V_INT, REPORT_SCHEMA_OLDEST,
	   REPORT_SCHEMA_VERSION, 0),
	F("labyrinth_version", V_NESTR, 0),
	FO("run", run_f, 0), FO("scenario", scenario_f, 0),
	FO("system", system_f, 0), FO("outcome", outcome_f, 0),
	FO("thresholds", thresholds_f, 0),
	FA("engines", V_OBJ, engine_f, 0), FO("injection", injection_f, 0),
	FA("oom_kills", V_OBJ, oom_f, 0),
	FA("kernel_messages", V_OBJ, kmsg_f, 0), FO("vm", vm_f, VF_NULL),
	FO("stress_ng", stress_f, VF_NULL), FO("bpftrace", bpftrace_f, VF_NULL),
	FO("sampler", sampler_f, 0), FO("series", series_f, 0),
	FO("proc_series", proc_series_f, VF_OPT),
	FA("windows", V_OBJ, window_f, VF_OPT),
	FO("driver_under_test", dut_f, VF_OPT),
	FO("files", files_f, 0), FO("target", target_f, VF_OPT),
	FO("crash", crash_f, VF_OPT | VF_NULL), END
};

static int v_fields(struct vctx *v, json_t *obj, const char *path,
		    const struct vfield *fields);
static int v_value(struct vctx *v, json_t *j, const char *path,
		   const struct vfield *f, enum vtype t);

/* One of an enum's values (V_ENUM) or of a vocabulary (V_WORD: the
 * names and their old spellings, so version 1 reports still read). */
static int v_word(struct vctx *v, json_t *j, const char *path,
		  const struct vfield *f, enum vtype t)
{
	const char *s = json_string_value(j);
	const char *const *e;
	struct sbuf b;
	uint32_t w;
	int ret;

	if (s && t == V_WORD && vocab_parse(f->vocab, s, &w) >= 0)
		return 0;
	for (e = f->values; s && t == V_ENUM && *e; e++)
		if (!strcmp(*e, s))
			return 0;
	sb_init(&b);
	if (t == V_WORD) {
		char list[256];

		vocab_list(f->vocab, list, sizeof(list));
		sb_puts(&b, list);
	}
	for (e = f->values; t == V_ENUM && *e; e++)
		sb_printf(&b, "%s%s", e == f->values ? "" : ", ", *e);
	ret = vfail(v, path, "expected one of %s; got %s%s%s", b.s,
		    s ? "\"" : "", s ? s : jtype(j), s ? "\"" : "");
	free(b.s);
	return ret;
}

static int v_scalars(struct vctx *v, json_t *j, const char *path)
{
	const char *k;
	json_t *x;
	char sub[512];

	if (!json_is_object(j))
		return vfail(v, path, "expected an object, got %s", jtype(j));
	json_object_foreach(j, k, x) {
		if (json_is_string(x) || json_is_number(x) ||
		    json_is_boolean(x))
			continue;
		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		return vfail(v, sub, "expected a string, number or boolean, "
			     "got %s", jtype(x));
	}
	return 0;
}

static int v_array(struct vctx *v, json_t *j, const char *path,
		   const struct vfield *f)
{
	char sub[512];
	size_t i;

	if (!json_is_array(j))
		return vfail(v, path, "expected an array, got %s", jtype(j));
	if (f->min > 0 && json_array_size(j) < f->min)
		return vfail(v, path, "needs at least %g element(s)", f->min);
	if (f->max_items && json_array_size(j) > f->max_items)
		return vfail(v, path, "has %zu elements, at most %u allowed",
			     json_array_size(j), f->max_items);
	for (i = 0; i < json_array_size(j); i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (v_value(v, json_array_get(j, i), sub, f, f->item))
			return -EINVAL;
	}
	return 0;
}

/* Check one value `j` against type t (with f's bounds/enum/fields). */
static int v_value(struct vctx *v, json_t *j, const char *path,
		   const struct vfield *f, enum vtype t)
{
	double d;

	switch (t) {
	case V_STR:
	case V_NESTR:
		if (!json_is_string(j))
			return vfail(v, path, "expected a string, got %s",
				     jtype(j));
		if (t == V_NESTR && !json_string_length(j))
			return vfail(v, path, "must not be empty");
		return 0;
	case V_CONST_STR:
		if (!json_is_string(j) ||
		    strcmp(json_string_value(j), f->values[0]))
			return vfail(v, path, "expected \"%s\"; this is not "
				     "a %s", f->values[0], f->values[1] ?
				     f->values[1] : f->values[0]);
		return 0;
	case V_CONST_INT:
		if (!is_integral(j) || jnum(j) != f->min)
			return vfail(v, path, "expected %g", f->min);
		return 0;
	case V_BOOL:
		if (!json_is_boolean(j))
			return vfail(v, path, "expected true or false, got %s",
				     jtype(j));
		return 0;
	case V_COUNT:
	case V_INT:
		if (!is_integral(j))
			return vfail(v, path, "expected %s integer, got %s",
				     t == V_COUNT ? "a non-negative" : "an",
				     jtype(j));
		d = jnum(j);
		if (t == V_COUNT && d < 0)
			return vfail(v, path, "expected a non-negative "
				     "integer, got %.0f", d);
		if (t == V_INT && (d < f->min || d > f->max))
			return vfail(v, path, "%.0f is out of range [%g, %g]",
				     d, f->min, f->max);
		return 0;
	case V_SECS:
	case V_NUM:
		if (!json_is_number(j) || !isfinite(jnum(j)))
			return vfail(v, path, "expected a number, got %s",
				     jtype(j));
		d = jnum(j);
		if (t == V_SECS && d < 0)
			return vfail(v, path, "expected seconds >= 0, got %g",
				     d);
		if (t == V_NUM && (d < f->min || d > f->max))
			return vfail(v, path, "%g is out of range [%g, %g]", d,
				     f->min, f->max);
		return 0;
	case V_ENUM:
	case V_WORD:
		return v_word(v, j, path, f, t);
	case V_OBJ:
	case V_ANYOBJ:
		if (!json_is_object(j))
			return vfail(v, path, "expected an object, got %s",
				     jtype(j));
		return t == V_OBJ ? v_fields(v, j, path, f->fields) : 0;
	case V_SCALARS:
		return v_scalars(v, j, path);
	case V_ARR:
		return v_array(v, j, path, f);
	}
	return vfail(v, path, "internal: unknown type %d", (int)t);
}

static int v_fields(struct vctx *v, json_t *obj, const char *path,
		    const struct vfield *fields)
{
	const struct vfield *f;
	char sub[512];
	json_t *j;

	for (f = fields; f->key; f++) {
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		j = json_object_get(obj, f->key);
		if (!j) {
			if (f->flags & VF_OPT)
				continue;
			return vfail(v, sub, "missing (required%s)",
				     f->flags & VF_NULL ?
				     "; use null for \"none\"" : "");
		}
		if (json_is_null(j)) {
			if (f->flags & VF_NULL)
				continue;
			return vfail(v, sub, "must not be null");
		}
		if (v_value(v, j, sub, f, f->type))
			return -EINVAL;
	}
	return 0;
}

int json_validate(json_t *obj, const struct vfield *fields, char *err,
		  size_t errlen)
{
	struct vctx v = { .err = err, .errlen = errlen };

	if (errlen)
		err[0] = '\0';
	if (!json_is_object(obj))
		return vfail(&v, "$", "expected a JSON object, got %s",
			     obj ? jtype(obj) : "nothing");
	return v_fields(&v, obj, "$", fields);
}

int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* 2026-11-24T10:15:00Z or with fractional seconds before the Z. */
int is_utc_time(const char *s)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; pat[i]; i++) {
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	}
	s += i;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !strcmp(s, "Z");
}

static const char *const cumulative[] = {
	"attempts", "failures_genuine", "failures_injected", "oom_kill",
	"reclaim_pages", NULL
};

/* A columnar series: every column as long as t_s, t_s and the counters
 * never going down. name: "series" or "proc_series". */
static int v_series(struct vctx *v, json_t *s, const char *name)
{
	json_t *t = json_object_get(s, "t_s"), *col, *x;
	size_t n = json_array_size(t), i, j;
	const char *k;
	char path[256];

	json_object_foreach(s, k, col) {
		if (!strcmp(k, "interval_ms") || !strcmp(k, "zone") ||
		    !strcmp(k, "source") || !strcmp(k, "loss"))
			continue;
		snprintf(path, sizeof(path), "$.%s.%s", name, k);
		if (!json_is_array(col))
			return vfail(v, path, "expected an array (a series "
				     "column), got %s", jtype(col));
		if (json_array_size(col) != n)
			return vfail(v, path, "has %zu values but %s.t_s has "
				     "%zu: every column needs one value per "
				     "sample", json_array_size(col), name, n);
		json_array_foreach(col, i, x) {
			if (!json_is_number(x) || !isfinite(jnum(x))) {
				snprintf(path, sizeof(path), "$.%s.%s[%zu]",
					 name, k, i);
				return vfail(v, path, "expected a number, got "
					     "%s", jtype(x));
			}
		}
	}
	for (i = 1; i < n; i++) {
		if (jnum(json_array_get(t, i)) < jnum(json_array_get(t, i - 1))) {
			snprintf(path, sizeof(path), "$.%s.t_s[%zu]", name, i);
			return vfail(v, path, "time goes backwards (%g after "
				     "%g)", jnum(json_array_get(t, i)),
				     jnum(json_array_get(t, i - 1)));
		}
	}
	for (i = 0; cumulative[i]; i++) {
		col = json_object_get(s, cumulative[i]);
		for (j = 1; j < json_array_size(col); j++) {
			if (jnum(json_array_get(col, j)) >=
			    jnum(json_array_get(col, j - 1)))
				continue;
			snprintf(path, sizeof(path), "$.%s.%s[%zu]", name,
				 cumulative[i], j);
			return vfail(v, path, "a cumulative counter went down "
				     "(%g after %g)",
				     jnum(json_array_get(col, j)),
				     jnum(json_array_get(col, j - 1)));
		}
	}
	return 0;
}

/*
 * The thresholds agree with the series they come from (version 2: the
 * module's exact series): the deepest dip is never shallower than the
 * first failure when that failure was below min, and the exhaustion
 * windows lie in time order.
 */
static int v_agreement(struct vctx *v, json_t *r)
{
	json_t *ff = jp(r, "thresholds.first_atomic_failure");
	json_t *dip = jp(r, "thresholds.deepest_dip"), *w;
	size_t i;
	char path[64];

	if (jp_int(r, "schema_version", 1) < 2)
		return 0;
	if (ff && jp_num(ff, "free_pages", 0) < jp_num(ff, "min", 0) &&
	    (!dip || jp_num(dip, "free_pages", 0) >
		     jp_num(ff, "free_pages", 0)))
		return vfail(v, "$.thresholds.deepest_dip", "%s, but the first "
			     "atomic failure was at %.0f free pages, below "
			     "min %.0f", dip ? "is shallower" : "is null",
			     jp_num(ff, "free_pages", 0), jp_num(ff, "min", 0));
	json_array_foreach(jp(r, "windows"), i, w) {
		if (jp_num(w, "t1_s", 0) >= jp_num(w, "t0_s", 0))
			continue;
		snprintf(path, sizeof(path), "$.windows[%zu].t1_s", i);
		return vfail(v, path, "ends before it starts");
	}
	return 0;
}

/* Does a verdict meet an expectation? (thr_expect_met(), by name) */
static bool verdict_meets(const char *verdict, const char *expect)
{
	if (!strcmp(expect, "crash"))
		return !strcmp(verdict, "splat") || !strcmp(verdict, "panic");
	return !strcmp(verdict, expect);
}

int report_validate(json_t *r, char *err, size_t errlen)
{
	struct vctx v = { .err = err, .errlen = errlen };
	json_t *e, *x;
	const char *verdict, *expect;
	size_t i;
	char path[128];

	if (errlen)
		err[0] = '\0';
	if (!json_is_object(r))
		return vfail(&v, "$", "expected a JSON object, got %s",
			     r ? jtype(r) : "nothing");
	/* A newer report gets a clear "upgrade" rather than a field error. */
	x = json_object_get(r, "schema_version");
	if (is_integral(x) && jnum(x) > REPORT_SCHEMA_VERSION &&
	    !strcmp(jp_str(r, "schema", ""), REPORT_SCHEMA_NAME))
		return vfail(&v, "$.schema_version", "version %.0f is newer "
			     "than this labyrinth reads (%d): use a newer "
			     "labyrinth", jnum(x), REPORT_SCHEMA_VERSION);
	if (v_fields(&v, r, "$", report_f))
		return -EINVAL;

	if (!is_hex64(jp_str(r, "scenario.sha256", "")))
		return vfail(&v, "$.scenario.sha256", "expected 64 lower-case "
			     "hex digits (SHA-256 of scenario.text)");
	if (!is_utc_time(jp_str(r, "run.start_time", "")))
		return vfail(&v, "$.run.start_time", "expected ISO 8601 UTC "
			     "like 2026-11-24T10:15:00Z, got \"%s\"",
			     jp_str(r, "run.start_time", ""));

	verdict = jp_str(r, "outcome.verdict", "");
	expect = jp_str(r, "outcome.expect", NULL);
	x = jp(r, "outcome.expect_met");
	if (!expect && x)
		return vfail(&v, "$.outcome.expect_met", "must be null when "
			     "outcome.expect is null");
	if (expect && !x)
		return vfail(&v, "$.outcome.expect_met", "must be true or "
			     "false when outcome.expect is set");
	if (expect && json_is_true(x) != verdict_meets(verdict, expect))
		return vfail(&v, "$.outcome.expect_met", "is %s but verdict "
			     "\"%s\" %s expect \"%s\"",
			     json_is_true(x) ? "true" : "false", verdict,
			     verdict_meets(verdict, expect) ? "meets" :
			     "does not meet", expect);

	json_array_foreach(json_object_get(r, "engines"), i, e) {
		double sum = jp_num(e, "successes", 0) +
			     jp_num(e, "failures.genuine", 0) +
			     jp_num(e, "failures.injected_private", 0) +
			     jp_num(e, "failures.injected_kernel", 0);

		if (sum > jp_num(e, "attempts", 0)) {
			snprintf(path, sizeof(path), "$.engines[%zu].attempts",
				 i);
			return vfail(&v, path, "successes + failures (%.0f) "
				     "exceed attempts (%.0f)", sum,
				     jp_num(e, "attempts", 0));
		}
	}
	x = jp(r, "thresholds.deepest_dip");
	if (x && jp_num(x, "below_min_pages", 0) !=
		 jp_num(x, "min", 0) - jp_num(x, "free_pages", 0))
		return vfail(&v, "$.thresholds.deepest_dip.below_min_pages",
			     "is %.0f but min - free_pages is %.0f",
			     jp_num(x, "below_min_pages", 0),
			     jp_num(x, "min", 0) - jp_num(x, "free_pages", 0));
	if (v_series(&v, json_object_get(r, "series"), "series") ||
	    (jp(r, "proc_series") &&
	     v_series(&v, jp(r, "proc_series"), "proc_series")))
		return -EINVAL;
	return v_agreement(&v, r);
}

/* ---- loading ---- */

char *report_dir_file(const char *dir_or_file, const char *name)
{
	struct stat st;

	return stat(dir_or_file, &st) == 0 && S_ISDIR(st.st_mode) ?
	       xasprintf("%s/%s", dir_or_file, name) : xstrdup(dir_or_file);
}

bool report_file_has_schema(const char *dir_or_file, const char *name,
			    const char *schema)
{
	char *p = report_dir_file(dir_or_file, name);
	json_t *j = json_load_file(p, 0, NULL);
	bool yes = j && !strcmp(jp_str(j, "schema", ""), schema);

	json_decref(j);
	free(p);
	return yes;
}

int report_load(const char *dir_or_file, json_t **out, char *err,
		size_t errlen)
{
	struct stat st;
	json_error_t je;
	char *path, *buf = NULL;
	size_t len = 0;
	json_t *r;
	int ret;

	*out = NULL;
	if (stat(dir_or_file, &st)) {
		snprintf(err, errlen, "%s: %s", dir_or_file, strerror(errno));
		return -errno;
	}
	path = S_ISDIR(st.st_mode) ?
	       xasprintf("%s/%s", dir_or_file, REPORT_JSON) :
	       xstrdup(dir_or_file);
	ret = read_file(path, &buf, &len);
	if (ret == -ENOENT && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: no %s here: the run did not finish "
			 "writing its report (it is written last, so a crash "
			 "leaves none); rerun it, or look at the raw files in "
			 "%s", path, REPORT_JSON, dir_or_file);
		goto out;
	}
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		goto out;
	}
	r = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!r) {
		if (len == 0)
			snprintf(err, errlen, "%s: empty file: not a complete "
				 "report (torn write?); rerun the scenario or "
				 "restore the file", path);
		else if ((size_t)je.position >= len &&
			 strspn(buf, " \t\r\n") < len &&
			 strchr("{[", buf[strspn(buf, " \t\r\n")]))
			snprintf(err, errlen, "%s: ends early at line %d "
				 "column %d (%s): the file is truncated, not a "
				 "complete report", path, je.line, je.column,
				 je.text);
		else
			snprintf(err, errlen, "%s:%d:%d: not valid JSON: %s",
				 path, je.line, je.column, je.text);
		ret = -EINVAL;
		goto out;
	}
	ret = report_validate(r, err, errlen);
	if (ret) {
		char *msg = xstrdup(err);

		snprintf(err, errlen, "%s: %s", path, msg);
		free(msg);
		json_decref(r);
		goto out;
	}
	*out = r;
out:
	free(buf);
	free(path);
	return ret;
}

/* ---- writing ---- */

static const struct {
	const char *name;
	unsigned int bit;
	const char *file;
	const char *files_key;
	char *(*gen)(json_t *r);
} formats[] = {
	{ "csv", REPORT_FMT_CSV, REPORT_CSV, "series_csv", report_csv },
	{ "html", REPORT_FMT_HTML, REPORT_HTML, "html", report_html },
	{ "summary", REPORT_FMT_SUMMARY, REPORT_SUMMARY, "summary",
	  report_summary_string },
	{ "junit", REPORT_FMT_JUNIT, REPORT_JUNIT, "junit", report_junit },
	{ "tap", REPORT_FMT_TAP, REPORT_TAP, "tap", report_tap },
};

int report_parse_formats(const char *list, unsigned int *out, char *err,
			 size_t errlen)
{
	char *copy = xstrdup(list), *save = NULL, *w;
	unsigned int bits = 0;
	size_t i;

	for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "all")) {
			bits |= REPORT_FMT_ALL;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(formats); i++)
			if (!strcmp(w, formats[i].name))
				break;
		if (i == ARRAY_SIZE(formats)) {
			snprintf(err, errlen, "unknown format '%s': use a "
				 "comma-separated list of html, summary, junit, "
				 "tap, csv or all", w);
			free(copy);
			return -EINVAL;
		}
		bits |= formats[i].bit;
	}
	free(copy);
	if (!bits) {
		snprintf(err, errlen, "empty format list: name at least one of "
			 "html, summary, junit, tap, csv");
		return -EINVAL;
	}
	*out = bits;
	return 0;
}

int report_write_text(const char *dir, const char *name, char *text,
		      char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name);
	int ret = write_file_atomic(path, text, strlen(text));

	if (ret)
		snprintf(err, errlen, "%s: cannot write: %s", path,
			 strerror(-ret));
	free(path);
	free(text);
	return ret;
}

int report_write_all(const char *dir, json_t *report, unsigned int formats_,
		     char *err, size_t errlen)
{
	json_t *files;
	size_t i;
	int ret;

	ret = report_validate(report, err, errlen);
	if (ret)
		return ret;
	ret = mkdir_p(dir, 0755);
	if (ret) {
		snprintf(err, errlen, "%s: cannot create the result directory: "
			 "%s", dir, strerror(-ret));
		return ret;
	}
	files = json_object_get(report, "files");
	/* Derived files first: report.json appears only once they exist. */
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		if (!(formats_ & formats[i].bit))
			continue;
		json_object_set_new(files, formats[i].files_key,
				    json_string(formats[i].file));
		ret = report_write_text(dir, formats[i].file,
					formats[i].gen(report), err, errlen);
		if (ret)
			return ret;
	}
	return report_write_json(dir, REPORT_JSON, report, err, errlen);
}

int report_write_json(const char *dir, const char *name, json_t *j,
		      char *err, size_t errlen)
{
	/* 15 significant digits: 3.17 stays "3.17", and reloading and
	 * rewriting gives the same text. */
	char *text = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	struct sbuf b;

	if (!text) {
		snprintf(err, errlen, "cannot serialise %s (out of memory?)",
			 name);
		return -ENOMEM;
	}
	sb_init(&b);
	sb_puts(&b, text);
	sb_putc(&b, '\n');
	free(text);
	return report_write_text(dir, name, sb_take(&b), err, errlen);
}
