// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a run into report.json (schema: reports/schema/README.md).
 * Every value comes from what was measured; nothing is filled in.
 */
#include "run_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "thresholds.h"


void run_iso_time(double wall, char *buf, size_t len)
{
	time_t t = (time_t)wall;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

/* CONFIG_X from a config file: 1 y/m, 0 not set, -1 no file. */
static int config_has(const char *cfg, const char *opt)
{
	char *a, *b;
	int r;

	if (!cfg)
		return -1;
	a = xasprintf("\n%s=y", opt);
	b = xasprintf("\n%s=m", opt);
	r = strstr(cfg, a) || strstr(cfg, b);
	free(a);
	free(b);
	return r;
}

static int sym_has(const char *ks, const char *sym)
{
	char *a;
	int r;

	if (!ks)
		return -1;
	a = xasprintf(" %s\n", sym);
	r = strstr(ks, a) != NULL;
	free(a);
	return r;
}

json_t *run_system_json(void)
{
	json_t *o = json_object(), *cfg = json_object(), *zones = json_array();
	struct zone_info z[MAX_ZONES];
	struct meminfo mi = { 0 };
	struct utsname u;
	char *text = NULL, *config = NULL, *ks = NULL, *p;
	unsigned int a = 0, b = 0, c = 0;
	size_t nz = 0, i;
	uint64_t v;
	int fi, dbg;

	uname(&u);
	json_object_set_new(o, "kernel_release", json_string(u.release));
	json_object_set_new(o, "kernel_version", json_string(u.version));
	/* "6.1.158-labyrinth": the stable sublevel is the third number */
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	json_object_set_new(o, "sublevel", json_integer(c));

	p = xasprintf("/boot/config-%s", u.release);
	if (read_file(p, &text, NULL) == 0) {
		config = xasprintf("\n%s", text);
		free(text);
	}
	free(p);
	if (read_file("/proc/kallsyms", &text, NULL) == 0)
		ks = text;
	/* without a config file, what the running kernel shows */
	dbg = access(DEBUGFS "/fail_page_alloc", F_OK) == 0;
	fi = config ? config_has(config, "CONFIG_FAULT_INJECTION") :
	     (dbg || access(DEBUGFS "/failslab", F_OK) == 0) ? 1 :
	     access(DEBUGFS "/dynamic_debug", F_OK) == 0 ||
	     access(DEBUGFS "/tracing", F_OK) == 0 ? 0 : -1;
	json_object_set_new(cfg, "fault_injection", tristate(fi));
	json_object_set_new(cfg, "failslab", tristate(
		config ? config_has(config, "CONFIG_FAILSLAB") :
		fi < 0 ? -1 : access(DEBUGFS "/failslab", F_OK) == 0));
	json_object_set_new(cfg, "fail_page_alloc", tristate(
		config ? config_has(config, "CONFIG_FAIL_PAGE_ALLOC") :
		fi < 0 ? -1 : dbg));
	json_object_set_new(cfg, "fail_function", tristate(
		config ? config_has(config, "CONFIG_FAIL_FUNCTION") :
		fi < 0 ? -1 : access(DEBUGFS "/fail_function", F_OK) == 0));
	json_object_set_new(cfg, "bpf_kprobe_override", tristate(
		config ? config_has(config, "CONFIG_BPF_KPROBE_OVERRIDE") :
		sym_has(ks, "bpf_override_return")));
	json_object_set_new(cfg, "kasan", tristate(
		config ? config_has(config, "CONFIG_KASAN") :
		sym_has(ks, "kasan_report")));
	json_object_set_new(cfg, "lockdep", tristate(
		config ? config_has(config, "CONFIG_LOCKDEP") :
		access("/proc/lockdep", F_OK) == 0));
	json_object_set_new(cfg, "debug_pagealloc", tristate(
		config ? config_has(config, "CONFIG_DEBUG_PAGEALLOC") :
		sym_has(ks, "_debug_pagealloc_enabled")));
	json_object_set_new(o, "config", cfg);
	free(config);
	free(ks);

	{
		bool vm = getenv("LABYRINTH_IN_VM") != NULL;

		if (!vm && read_file("/proc/cpuinfo", &text, NULL) == 0) {
			vm = strstr(text, " hypervisor") != NULL;
			free(text);
		}
		json_object_set_new(o, "environment",
				    json_string(vm ? "vm" : "bare-metal"));
	}
	json_object_set_new(o, "cpus", json_integer(sysconf(
		_SC_NPROCESSORS_ONLN)));
	if (read_file("/proc/meminfo", &text, NULL) == 0) {
		parse_meminfo(text, &mi);
		free(text);
	}
	json_object_set_new(o, "mem_total_kb", json_integer(
		(json_int_t)mi.mem_total_kb));
	v = 0;
	if (read_file("/proc/sys/vm/min_free_kbytes", &text, NULL) == 0) {
		v = strtoull(text, NULL, 10);
		free(text);
	}
	json_object_set_new(o, "min_free_kbytes", json_integer((json_int_t)v));
	v = 0;
	if (read_file("/proc/sys/vm/watermark_scale_factor", &text,
		      NULL) == 0) {
		v = strtoull(text, NULL, 10);
		free(text);
	}
	json_object_set_new(o, "watermark_scale_factor",
			    json_integer((json_int_t)v));
	if (read_file("/proc/zoneinfo", &text, NULL) == 0) {
		parse_zoneinfo(text, z, MAX_ZONES, &nz);
		free(text);
	}
	for (i = 0; i < nz; i++) {
		json_t *e;

		if (!z[i].managed)
			continue;	/* empty zones say nothing */
		e = json_object();
		json_object_set_new(e, "node", json_integer(z[i].node));
		json_object_set_new(e, "name", json_string(z[i].name));
		json_object_set_new(e, "managed", json_integer(
			(json_int_t)z[i].managed));
		json_object_set_new(e, "free", json_integer(
			(json_int_t)z[i].free));
		json_object_set_new(e, "min", json_integer(
			(json_int_t)z[i].min));
		json_object_set_new(e, "low", json_integer(
			(json_int_t)z[i].low));
		json_object_set_new(e, "high", json_integer(
			(json_int_t)z[i].high));
		json_object_set_new(e, "nr_reserved_highatomic", json_integer(
			(json_int_t)z[i].nr_reserved_highatomic));
		json_array_append_new(zones, e);
	}
	json_object_set_new(o, "zones", zones);
	{
		char host[256];

		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			json_object_set_new(o, "hostname", json_string(host));
		}
	}
	return o;
}

json_t *run_series_json(const struct series *s)
{
	static const enum series_col cols[] = {
		COL_FREE, COL_MIN, COL_LOW, COL_HIGH, COL_HELD, COL_ATTEMPTS,
		COL_FAIL_INJECTED, COL_FAIL_GENUINE, COL_NR_FREE, COL_OOM_KILL,
		COL_ALLOCSTALL, COL_PGSCAN, COL_PGSTEAL, COL_COMPACT_STALL,
		COL_MEM_AVAILABLE_KB, COL_HIGHATOMIC,
	};
	json_t *o = json_object(), *t = json_array(), *fail = json_array();
	size_t i, c;

	json_object_set_new(o, "interval_ms", json_integer(s->interval_ms));
	json_object_set_new(o, "zone", json_string(s->zone[0] ? s->zone :
						   "unknown"));
	for (i = 0; i < s->n; i++) {
		json_array_append_new(t, json_real(round(s->t[i] * 1e4) /
						   1e4));
		json_array_append_new(fail, json_integer((json_int_t)(
			s->col[COL_FAIL_GENUINE][i] +
			s->col[COL_FAIL_INJECTED][i])));
	}
	json_object_set_new(o, "t_s", t);
	json_object_set_new(o, "failures", fail);
	for (c = 0; c < ARRAY_SIZE(cols); c++) {
		json_t *a = json_array();

		for (i = 0; i < s->n; i++)
			json_array_append_new(a, json_integer((json_int_t)
				s->col[cols[c]][i]));
		json_object_set_new(o, series_col_name(cols[c]), a);
	}
	return o;
}

json_t *run_sample_json(const struct series *s, size_t i)
{
	json_t *o;

	if (i == THR_NONE || i >= s->n)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(s->t[i]));
	json_object_set_new(o, "free_pages", json_integer(
		(json_int_t)s->col[COL_FREE][i]));
	json_object_set_new(o, "pages_held", json_integer(
		(json_int_t)s->col[COL_HELD][i]));
	json_object_set_new(o, "min", json_integer(
		(json_int_t)s->col[COL_MIN][i]));
	json_object_set_new(o, "low", json_integer(
		(json_int_t)s->col[COL_LOW][i]));
	json_object_set_new(o, "high", json_integer(
		(json_int_t)s->col[COL_HIGH][i]));
	return o;
}

json_t *run_dip_json(const struct series *s)
{
	struct thr_dip d;
	json_t *o;

	thr_deepest_dip(s, &d);
	if (d.idx == THR_NONE)
		return json_null();
	o = json_object();
	json_object_set_new(o, "t_s", json_real(d.t));
	json_object_set_new(o, "free_pages", json_integer((json_int_t)d.free));
	json_object_set_new(o, "zone", json_string(s->zone[0] ? s->zone :
						   "unknown"));
	json_object_set_new(o, "min", json_integer((json_int_t)d.min));
	json_object_set_new(o, "below_min_pages",
			    json_integer((json_int_t)d.below));
	return o;
}

static const char *gfp_string(const struct sc_engine *e, char *buf,
			      size_t len)
{
	snprintf(buf, len, "%s%s%s", e->gfp == SC_GFP_NOWAIT ? "GFP_NOWAIT" :
		 "GFP_ATOMIC", e->nowarn ? "|__GFP_NOWARN" : "",
		 e->memalloc ? "|__GFP_MEMALLOC" : "");
	return buf;
}

/*
 * What the module's time budget let the engine do (ABI 2.0): its ticks,
 * the longest one and the longest stretch with IRQs off, a log2
 * histogram of tick durations, and what it could not do.
 */
static json_t *budget_json(const struct lab_counters *c)
{
	json_t *o = json_object(), *h = json_array();
	size_t b;

	json_object_set_new(o, "ticks", json_integer((json_int_t)c->ticks));
	json_object_set_new(o, "callback_max_ns",
			    json_integer((json_int_t)c->callback_max_ns));
	json_object_set_new(o, "irqs_off_max_ns",
			    json_integer((json_int_t)c->irqs_off_max_ns));
	json_object_set_new(o, "allocator_call_max_ns",
			    json_integer((json_int_t)c->call_max_ns));
	json_object_set_new(o, "tick_work_max_pages",
			    json_integer((json_int_t)c->tick_work_max));
	for (b = 0; b < LAB_HIST_BUCKETS; b++)
		json_array_append_new(h, json_integer(
			(json_int_t)c->callback_hist[b]));
	json_object_set_new(o, "callback_log2_ns", h);
	json_object_set_new(o, "bursts_dropped",
			    json_integer((json_int_t)c->bursts_dropped));
	json_object_set_new(o, "allocations_cut",
			    json_integer((json_int_t)c->budget_cuts));
	json_object_set_new(o, "frees_deferred",
			    json_integer((json_int_t)c->frees_deferred));
	return o;
}

static json_t *engines_json(struct run *r)
{
	json_t *arr = json_array();
	size_t i, b;
	int cpu;

	for (i = 0; i < r->sc->nengines; i++) {
		const struct sc_engine *e = &r->sc->engine[i];
		const struct engine_rt *rt = &r->eng[i];
		const struct lab_counters *c = &rt->st.total;
		json_t *o = json_object(), *cpus = json_array(),
		       *f = json_object(), *lat = json_array();
		char gfp[64];
		bool have = rt->have_stats;

		json_object_set_new(o, "id", json_string(e->name));
		json_object_set_new(o, "context", json_string(
			sc_context_name(e->context)));
		if (rt->cpus) {
			for (b = 0; b < rt->ncpus; b++)
				if (rt->cpus[b].flags & LAB_CPU_F_ENGINE)
					json_array_append_new(cpus,
						json_integer(rt->cpus[b].cpu));
		} else {
			long n = sysconf(_SC_NPROCESSORS_ONLN);

			for (cpu = 0; cpu < 64 && cpu < n; cpu++)
				if (!e->cpumask || (e->cpumask >> cpu) & 1)
					json_array_append_new(cpus,
						json_integer(cpu));
		}
		json_object_set_new(o, "cpus", cpus);
		json_object_set_new(o, "policy", json_string(
			sc_policy_name(e->policy)));
		json_object_set_new(o, "gfp", json_string(gfp_string(e, gfp,
						sizeof(gfp))));
		json_object_set_new(o, "order", json_integer((json_int_t)
							     e->order));
		json_object_set_new(o, "shred", json_string(
			sc_shred_name(e->shred)));
		json_object_set_new(o, "rate_per_cpu", json_real(
			(double)e->rate));
#define CNT(x) json_integer(have ? (json_int_t)(x) : 0)
		json_object_set_new(o, "attempts", CNT(c->attempts));
		json_object_set_new(o, "successes", CNT(c->successes));
		json_object_set_new(f, "genuine", CNT(c->fail_genuine));
		json_object_set_new(f, "injected_private",
				    CNT(c->fail_injected_private));
		json_object_set_new(f, "injected_kernel",
				    CNT(c->fail_injected_kernel));
		json_object_set_new(o, "failures", f);
		json_object_set_new(o, "held_peak", CNT(c->held_peak));
		json_object_set_new(o, "owner_violations",
				    CNT(c->violation_non_owner +
					c->violation_double_free +
					c->violation_unknown));
		for (b = 0; b < LAB_HIST_BUCKETS; b++)
			json_array_append_new(lat, CNT(c->latency_hist[b]));
#undef CNT
		json_object_set_new(o, "latency_log2_ns", lat);
		/* beyond the schema's required keys: useful to read */
		if (have) {
			json_object_set_new(o, "stop_reason", json_string(
				labdev_stop_reason_name(rt->st.stop_reason) ?
				labdev_stop_reason_name(rt->st.stop_reason) :
				"unknown"));
			json_object_set_new(o, "cap_hits", json_integer(
				(json_int_t)c->cap_hits));
			json_object_set_new(o, "pages_freed_at_stop",
				json_integer((json_int_t)rt->freed));
			json_object_set_new(f, "unattributed", json_integer(
				(json_int_t)c->fail_unattributed));
			json_object_set_new(o, "budget", budget_json(c));
		}
		json_object_set_new(o, "start_t_s", json_real(rt->t_start));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *first_failure_json(struct run *r)
{
	const struct lab_snapshot *best = NULL;
	size_t i, besti = 0, idx;
	json_t *o;
	char zone[24];

	for (i = 0; i < r->sc->nengines; i++) {
		const struct engine_rt *rt = &r->eng[i];
		const struct lab_snapshot *s = &rt->st.first_failure;

		if (!rt->have_stats || !s->time_ns)
			continue;
		if (!best || s->time_ns < best->time_ns) {
			best = s;
			besti = i;
		}
	}
	o = json_object();
	if (best) {
		/* 6.1 ignores watermark_boost for order-0 GFP_ATOMIC: the
		 * 3/8 rule is about the unboosted min */
		uint64_t boost = best->watermark_boost;
		uint64_t min = best->wmark_min > boost ?
			       best->wmark_min - boost : best->wmark_min;

		json_object_set_new(o, "t_s", json_real(
			(double)best->time_ns / 1e9 - r->t0));
		json_object_set_new(o, "pages_held", json_integer(
			(json_int_t)best->pages_held));
		json_object_set_new(o, "free_pages", json_integer(
			(json_int_t)best->zone_free_pages));
		json_object_set_new(o, "zone", json_string(
			labdev_zone_name(best, zone)));
		json_object_set_new(o, "min", json_integer((json_int_t)min));
		json_object_set_new(o, "low", json_integer(
			(json_int_t)(best->wmark_low - boost)));
		json_object_set_new(o, "high", json_integer(
			(json_int_t)(best->wmark_high - boost)));
		json_object_set_new(o, "watermark_boost",
				    json_integer((json_int_t)boost));
		json_object_set_new(o, "free_over_min", json_real(
			min ? (double)best->zone_free_pages / (double)min : 0));
		json_object_set_new(o, "engine", json_string(
			r->sc->engine[besti].name));
		json_object_set_new(o, "context", json_string(
			sc_context_name(r->sc->engine[besti].context)));
		json_object_set_new(o, "cpu", json_integer(best->cpu));
		json_object_set_new(o, "order", json_integer(best->order));
		json_object_set_new(o, "global_free_pages", json_integer(
			(json_int_t)best->global_free_pages));
		json_object_set_new(o, "source", json_string(
			"module snapshot"));
		return o;
	}
	/* no snapshot (stats lost): the first sample that saw one */
	idx = thr_first_increase(&r->s, COL_FAIL_GENUINE);
	if (idx == THR_NONE || !r->sc->nengines) {
		json_decref(o);
		return json_null();
	}
	json_object_set_new(o, "t_s", json_real(r->s.t[idx]));
	json_object_set_new(o, "pages_held", json_integer(
		(json_int_t)r->s.col[COL_HELD][idx]));
	json_object_set_new(o, "free_pages", json_integer(
		(json_int_t)r->s.col[COL_FREE][idx]));
	json_object_set_new(o, "zone", json_string(r->s.zone[0] ? r->s.zone :
						   "unknown"));
	json_object_set_new(o, "min", json_integer(
		(json_int_t)r->s.col[COL_MIN][idx]));
	json_object_set_new(o, "low", json_integer(
		(json_int_t)r->s.col[COL_LOW][idx]));
	json_object_set_new(o, "high", json_integer(
		(json_int_t)r->s.col[COL_HIGH][idx]));
	json_object_set_new(o, "free_over_min", json_real(
		r->s.col[COL_MIN][idx] ? (double)r->s.col[COL_FREE][idx] /
		(double)r->s.col[COL_MIN][idx] : 0));
	json_object_set_new(o, "engine", json_string(r->sc->engine[0].name));
	json_object_set_new(o, "context", json_string(
		sc_context_name(r->sc->engine[0].context)));
	json_object_set_new(o, "cpu", json_integer(0));
	json_object_set_new(o, "source", json_string(
		"series (sample resolution; engine and CPU not known)"));
	return o;
}

static json_t *oom_kills_json(struct run *r, json_t **first)
{
	json_t *arr = json_array();
	size_t i, idx;

	*first = json_null();
	for (i = 0; r->km_open && i < r->km.nooms; i++) {
		const struct kmsg_oom *k = &r->km.ooms[i];
		json_t *o = json_object();

		idx = thr_last_before(&r->s, k->t_s);
		json_object_set_new(o, "t_s", json_real(k->t_s));
		json_object_set_new(o, "pid", json_integer(k->pid));
		json_object_set_new(o, "comm", json_string(k->comm));
		json_object_set_new(o, "anon_rss_kb", json_integer(
			k->anon_rss_kb));
		json_object_set_new(o, "total_vm_kb", json_integer(
			k->total_vm_kb));
		if (k->has_adj)
			json_object_set_new(o, "oom_score_adj",
					    json_integer(k->oom_score_adj));
		if (idx != THR_NONE) {
			json_object_set_new(o, "free_pages", json_integer(
				(json_int_t)r->s.col[COL_FREE][idx]));
			json_object_set_new(o, "pages_held", json_integer(
				(json_int_t)r->s.col[COL_HELD][idx]));
		}
		if (i == 0) {
			json_t *f = json_object();

			json_object_set_new(f, "t_s", json_real(k->t_s));
			json_object_set_new(f, "victim_pid",
					    json_integer(k->pid));
			json_object_set_new(f, "victim_comm",
					    json_string(k->comm));
			json_object_set_new(f, "free_pages", json_integer(
				idx == THR_NONE ? 0 :
				(json_int_t)r->s.col[COL_FREE][idx]));
			json_object_set_new(f, "pages_held", json_integer(
				idx == THR_NONE ? 0 :
				(json_int_t)r->s.col[COL_HELD][idx]));
			json_decref(*first);
			*first = f;
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *injector_json(struct run *r, const struct sc_inject *in,
			     bool slab)
{
	json_t *o = json_object(), *k = json_object();
	char scope[160];

	json_object_set_new(o, "name", json_string(slab ? "failslab" :
						   "fail_page_alloc"));
	if (in->scope == SC_SCOPE_MODULE || in->scope == SC_SCOPE_FUNCTION)
		snprintf(scope, sizeof(scope), "%s:%s",
			 sc_scope_name(in->scope), in->target);
	else
		snprintf(scope, sizeof(scope), "%s", sc_scope_name(in->scope));
	json_object_set_new(o, "scope", json_string(scope));
	json_object_set_new(o, "mechanism", json_string(
		in->scope == SC_SCOPE_LABYRINTH ?
		"debugfs " DEBUGFS "/labyrinth (the module's private fault "
		"attribute)" :
		in->scope == SC_SCOPE_SYSTEM ? (slab ? "debugfs " DEBUGFS
						"/failslab" :
						"debugfs " DEBUGFS
						"/fail_page_alloc") :
		"bpftrace override() on should_fail_alloc_page/"
		"should_failslab when the kernel stack holds a return address "
		"into the target"));
	json_object_set_new(k, "probability_percent",
			    json_real(in->probability));
	json_object_set_new(k, "interval", json_integer((json_int_t)
							in->interval));
	json_object_set_new(k, "times", json_integer(in->times));
	json_object_set_new(k, "space", json_integer((json_int_t)in->space));
	json_object_set_new(k, "verbose", json_integer((json_int_t)
						       in->verbose));
	json_object_set_new(k, "task_filter", json_boolean(in->task_filter));
	json_object_set_new(k, "ignore_gfp_wait",
			    json_boolean(in->ignore_gfp_wait));
	json_object_set_new(k, "start_ms", json_integer((json_int_t)
							in->start_ms));
	if (!slab) {
		json_object_set_new(k, "min_order", json_integer(
			(json_int_t)in->min_order));
		json_object_set_new(k, "ignore_gfp_highmem",
				    json_boolean(in->ignore_gfp_highmem));
	} else {
		char caches[SC_MAX_LIST * (SC_NAME_MAX + 1)] = "";
		size_t i, l = 0;

		json_object_set_new(k, "cache_filter",
				    json_boolean(in->cache_filter));
		/* knobs are scalars in the schema: "a,b" */
		for (i = 0; i < in->ncaches; i++)
			l += (size_t)snprintf(caches + l, sizeof(caches) - l,
					      "%s%s", i ? "," : "",
					      in->caches[i]);
		json_object_set_new(k, "caches", json_string(caches));
	}
	json_object_set_new(o, "knobs", k);
	if (r->armed[slab] && in->times != SC_UNLIMITED &&
	    r->times_left[slab] >= 0 && r->times_left[slab] <= in->times)
		json_object_set_new(o, "injected_by_times_count", json_integer(
			in->times - r->times_left[slab]));
	json_object_set_new(o, "armed", json_boolean(
		r->armed[slab] || r->scope_tr[slab] >= 0));
	if (r->scope_tr[slab] >= 0) {
		char *text, err[128];
		struct tracer *t = &r->tr[r->scope_tr[slab]];

		if (read_file(t->out_path, &text, NULL) == 0) {
			json_t *sum = trace_parse_output(text, err,
							 sizeof(err));
			json_t *maps = json_object_get(sum, "maps");

			json_object_set(o, "bpftrace_calls", json_object_get(
				maps, "calls") ? json_object_get(maps, "calls")
				: json_integer(0));
			json_object_set(o, "bpftrace_injected",
				json_object_get(maps, "injected") ?
				json_object_get(maps, "injected") :
				json_integer(0));
			json_decref(sum);
			free(text);
		}
	}
	return o;
}

static json_t *injection_json(struct run *r)
{
	json_t *o = json_object(), *inj = json_array(), *notes = json_array();
	const struct scenario *sc = r->sc;
	bool irq_engine = false;
	size_t i;
	int slab;

	for (i = 0; i < sc->nengines; i++)
		if (sc_context_is_irq(sc->engine[i].context))
			irq_engine = true;
	for (slab = 0; slab < 2; slab++) {
		const struct sc_inject *in = slab ? &sc->failslab :
						    &sc->fail_page_alloc;
		const char *name = slab ? "failslab" : "fail_page_alloc";
		char buf[400];

		if (!in->present || in->scope == SC_SCOPE_NONE)
			continue;
		json_array_append_new(inj, injector_json(r, in, slab));
		switch (in->scope) {
		case SC_SCOPE_LABYRINTH:
			snprintf(buf, sizeof(buf), "%s scope=labyrinth: the "
				 "module's private attribute acts in every "
				 "context its engines run in (hard IRQ, "
				 "softirq, process)%s", name, in->task_filter ?
				 "; but task_filter = yes never matches in IRQ "
				 "context, so IRQ engines see no injected "
				 "failures" : "");
			break;
		case SC_SCOPE_SYSTEM:
			snprintf(buf, sizeof(buf), "%s scope=system: the "
				 "kernel's global attribute, every allocation "
				 "of the machine is a candidate%s", name,
				 in->task_filter ? "; task_filter = yes: only "
				 "tasks with make-it-fail set, never IRQ "
				 "context" : " (IRQ context included)");
			break;
		default:
			snprintf(buf, sizeof(buf), "%s scope=%s:%s: bpftrace "
				 "override() acts in every context (the stack "
				 "scan starts on the IRQ stack in IRQ context); "
				 "callers deeper than %d stack words below the "
				 "allocator are not seen", name,
				 sc_scope_name(in->scope), in->target,
				 TRACE_SCAN_WORDS);
			break;
		}
		json_array_append_new(notes, json_string(buf));
		if ((in->scope == SC_SCOPE_MODULE ||
		     in->scope == SC_SCOPE_FUNCTION) && sc->nengines &&
		    !slab) {
			snprintf(buf, sizeof(buf), "the module counts a failure "
				 "as kernel-injected through a kretprobe on "
				 "should_fail_alloc_page, which override() "
				 "bypasses: if the target's stack includes "
				 "labyrinth's engines, their injected failures "
				 "show as genuine (bpftrace_injected has the "
				 "true count)");
			json_array_append_new(notes, json_string(buf));
		}
		if (in->task_filter && irq_engine) {
			snprintf(buf, sizeof(buf), "%s task_filter = yes: "
				 "hrtimer, irq_work and tasklet engines "
				 "allocate in IRQ context, where task-filter "
				 "and fail-nth never act", name);
			json_array_append_new(notes, json_string(buf));
		}
	}
	json_array_append_new(notes, json_string(
		"fail-nth (labyrinth inject --fail-nth) counts the task's own "
		"fault-injection points only: task context, never IRQ"));
	json_object_set_new(o, "injectors", inj);
	json_object_set_new(o, "context_notes", notes);
	return o;
}

static json_t *bpftrace_json(struct run *r, bool *any, FILE *cat)
{
	json_t *o = json_object(), *scripts = json_array();
	size_t i;

	*any = false;
	for (i = 0; i < r->ntr; i++) {
		json_t *s = json_object(), *sum;
		char *text = NULL, err[256];

		if (i == (size_t)r->scope_tr[0] || i == (size_t)r->scope_tr[1])
			json_object_set_new(s, "role", json_string(
				"scoped injection"));
		json_object_set_new(s, "name", json_string(r->tr[i].name));
		if (read_file(r->tr[i].out_path, &text, NULL) == 0) {
			sum = trace_parse_output(text, err, sizeof(err));
			if (cat)
				fprintf(cat, "### %s\n%s\n", r->tr[i].name,
					text);
		} else {
			sum = NULL;
			snprintf(err, sizeof(err), "no output file");
		}
		free(text);
		if (!sum) {
			sum = json_object();
			json_object_set_new(sum, "error", json_string(err));
		}
		json_object_set_new(s, "summary", sum);
		json_array_append_new(scripts, s);
		*any = true;
	}
	json_object_set_new(o, "scripts", scripts);
	return o;
}

static bool stress_oom_killed(struct run *r)
{
	size_t i;

	for (i = 0; r->km_open && i < r->km.nooms; i++)
		if (!strncmp(r->km.ooms[i].comm, "stress-ng", 9))
			return true;
	return false;
}

json_t *run_build_report(struct run *r, bool partial)
{
	const struct scenario *sc = r->sc;
	json_t *rep = json_object(), *o, *th, *first_oom, *ooms, *arr;
	struct observed obs = { 0 };
	enum verdict v;
	char buf[64], reason[2048];
	double dur = partial ? 0 : (r->t_end > 0 ? r->t_end :
				    now_mono() - r->t0);
	size_t i, n = r->s.n;
	bool any;

	json_object_set_new(rep, "schema", json_string(REPORT_SCHEMA_NAME));
	json_object_set_new(rep, "schema_version",
			    json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(rep, "labyrinth_version",
			    json_string(labyrinth_version));

	o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	run_iso_time(r->t0_wall, buf, sizeof(buf));
	json_object_set_new(o, "start_time", json_string(buf));
	json_object_set_new(o, "duration_s", json_real(dur));
	json_object_set_new(o, "result_dir", json_string(r->dir));
	/* CLOCK_MONOTONIC at t = 0: the host lines up the guest's console
	 * timestamps (printk's clock) with the series after a panic */
	json_object_set_new(o, "t0_monotonic_s", json_real(r->t0));
	if (r->o && r->o->command)
		json_object_set_new(o, "command", json_string(r->o->command));
	json_object_set(o, "hostname", json_object_get(r->system, "hostname")
			? json_object_get(r->system, "hostname") :
			json_string("unknown"));
	json_object_set_new(rep, "run", o);

	o = json_object();
	json_object_set_new(o, "name", json_string(sc->name));
	json_object_set_new(o, "file", json_string(sc->file));
	json_object_set_new(o, "sha256", json_string(sc->sha256));
	json_object_set_new(o, "text", json_string(sc->text));
	json_object_set_new(o, "expect", json_string(
		sc_expect_name(sc->expect)));
	arr = json_array();
	for (i = 0; i < sc->noverrides; i++)
		json_array_append_new(arr, json_string(sc->overrides[i]));
	json_object_set_new(o, "overrides", arr);
	if (sc->description[0])
		json_object_set_new(o, "description",
				    json_string(sc->description));
	json_object_set_new(rep, "scenario", o);

	o = json_deep_copy(r->system);
	json_object_del(o, "hostname");
	json_object_set_new(rep, "system", o);

	/* observations */
	ooms = oom_kills_json(r, &first_oom);
	/* /proc/vmstat counts kills kmsg may have missed (victim unknown,
	 * so no first_oom_kill threshold, but an OOM all the same) */
	obs.oom = !json_is_null(first_oom) ||
		  thr_first_increase(&r->s, COL_OOM_KILL) != THR_NONE;
	obs.atomic_failure = n && r->s.col[COL_FAIL_GENUINE][n - 1] > 0;
	for (i = 0; i < sc->nengines; i++)
		if (r->eng[i].have_stats && r->eng[i].st.total.fail_genuine)
			obs.atomic_failure = true;
	obs.splat = r->km_open && r->km.splats;
	obs.error = r->error || r->interrupted || partial;
	v = r->skipped ? V_SKIPPED : thr_verdict(&obs, sc->expect);

	if (partial)
		snprintf(reason, sizeof(reason), "the run did not finish: no "
			 "report.json was written in the guest (it panicked, "
			 "hung or was killed)");
	else if (r->skipped)
		snprintf(reason, sizeof(reason), "%s", r->stop_reason);
	else
		snprintf(reason, sizeof(reason), "%s%s%s; %zu OOM kill%s, "
			 "%llu genuine and %llu injected allocation "
			 "failures%s%s", r->stop_reason,
			 obs.splat ? "; kernel splat: " : "",
			 obs.splat ? r->km.first_splat : "",
			 r->km_open ? r->km.nooms : (size_t)0,
			 r->km_open && r->km.nooms == 1 ? "" : "s",
			 n ? (unsigned long long)
			 r->s.col[COL_FAIL_GENUINE][n - 1] : 0ULL,
			 n ? (unsigned long long)
			 r->s.col[COL_FAIL_INJECTED][n - 1] : 0ULL,
			 r->restore_failed ? "; KNOBS NOT ALL RESTORED" : "",
			 r->held_after ? "; pages still held after stop" : "");
	o = json_object();
	json_object_set_new(o, "verdict", json_string(verdict_name(v)));
	json_object_set_new(o, "expect", json_string(
		sc_expect_name(sc->expect)));
	json_object_set_new(o, "expect_met", json_boolean(
		!strcmp(verdict_name(v), sc_expect_name(sc->expect))));
	json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(rep, "outcome", o);

	th = json_object();
	json_object_set_new(th, "first_atomic_failure", partial ? json_null()
			    : first_failure_json(r));
	json_object_set_new(th, "first_oom_kill", first_oom);
	json_object_set_new(th, "panic", json_null());
	json_object_set_new(th, "deepest_dip", run_dip_json(&r->s));
	{
		struct thr_rate *rates;
		size_t nr = thr_failure_rates(&r->s, 1.0, &rates);
		json_t *ra = json_array();

		for (i = 0; i < nr; i++) {
			json_t *e = json_object();

			json_object_set_new(e, "t0_s", json_real(rates[i].t0));
			json_object_set_new(e, "t1_s", json_real(rates[i].t1));
			json_object_set_new(e, "attempts", json_integer(
				(json_int_t)rates[i].attempts));
			json_object_set_new(e, "failures", json_integer(
				(json_int_t)rates[i].failures));
			json_object_set_new(e, "rate", json_real(
				rates[i].rate));
			json_array_append_new(ra, e);
		}
		free(rates);
		json_object_set_new(th, "failure_rate_per_s", ra);
	}
	json_object_set_new(rep, "thresholds", th);

	json_object_set_new(rep, "engines", engines_json(r));
	json_object_set_new(rep, "injection", injection_json(r));
	json_object_set_new(rep, "oom_kills", ooms);
	json_object_set_new(rep, "kernel_messages", r->km_open ?
			    json_deep_copy(r->km.messages) : json_array());
	json_object_set_new(rep, "vm", json_null());
	json_object_set_new(rep, "stress_ng", r->pr.started ?
			    pressure_report(&r->pr, stress_oom_killed(r)) :
			    json_null());
	{
		FILE *cat = NULL;
		char *p = NULL;

		if (!partial && r->ntr) {
			p = xasprintf("%s/bpftrace.txt", r->dir);
			cat = fopen(p, "we");
		}
		o = bpftrace_json(r, &any, cat);
		if (cat)
			fclose(cat);
		free(p);
		json_object_set_new(rep, "bpftrace", any ? o : json_null());
		if (!any)
			json_decref(o);
	}

	o = json_object();
	json_object_set_new(o, "interval_ms", json_integer(
		(json_int_t)sc->sample_interval_ms));
	json_object_set_new(o, "samples", json_integer((json_int_t)n));
	json_object_set_new(o, "cpu_s", json_real(r->cpu1 > r->cpu0 ?
						  r->cpu1 - r->cpu0 : 0));
	json_object_set_new(o, "cpu_percent", json_real(
		dur > 0 && r->cpu1 > r->cpu0 ?
		(r->cpu1 - r->cpu0) / dur * 100.0 : 0));
	json_object_set_new(o, "late_samples", json_integer(
		(json_int_t)r->late));
	json_object_set_new(rep, "sampler", o);
	json_object_set_new(rep, "series", run_series_json(&r->s));

	o = json_object();
	json_object_set_new(o, "console_log", json_null());
	json_object_set_new(o, "stress_ng_yaml", r->pr.started ?
			    json_string("stress-ng.yaml") : json_null());
	json_object_set_new(o, "bpftrace_out", r->ntr && !partial ?
			    json_string("bpftrace.txt") : json_null());
	json_object_set_new(o, "kmsg", r->km_open ? json_string("kmsg.log") :
			    json_null());
	json_object_set_new(o, "series_csv", json_null());
	json_object_set_new(o, "samples_live", json_string(RUN_LIVE_CSV));
	json_object_set_new(rep, "files", o);
	return rep;
}
