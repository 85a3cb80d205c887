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

#include "outcome_json.h"
#include "report.h"
#include "sampler.h"
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

/* What the running kernel was built with: its config file, else what it
 * shows (debugfs directories, symbols); null when neither tells. */
static json_t *config_json(const char *release)
{
	json_t *cfg = json_object();
	char *text, *config = NULL, *ks = NULL, *p;
	int fi, dbg;

	p = xasprintf("/boot/config-%s", release);
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
	free(config);
	free(ks);
	return cfg;
}

/* The populated zones at the start of the run. */
static json_t *zones_json(void)
{
	struct zone_info z[MAX_ZONES];
	json_t *zones = json_array();
	size_t nz = 0, i;
	char *text;

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
	return zones;
}

json_t *run_system_json(void)
{
	json_t *o = json_object();
	struct meminfo mi = { 0 };
	struct utsname u;
	char *text = NULL;
	unsigned int a = 0, b = 0, c = 0;
	uint64_t v;

	uname(&u);
	json_object_set_new(o, "kernel_release", json_string(u.release));
	json_object_set_new(o, "kernel_version", json_string(u.version));
	/* "6.1.158-labyrinth": the stable sublevel is the third number */
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	json_object_set_new(o, "sublevel", json_integer(c));

	json_object_set_new(o, "config", config_json(u.release));

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
	json_object_set_new(o, "zones", zones_json());
	{
		char host[256];

		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			json_object_set_new(o, "hostname", json_string(host));
		}
	}
	return o;
}


static const char *gfp_string(const struct sc_engine *e, char *buf,
			      size_t len)
{
	struct lab_start st = { 0 };

	sc_engine_start(e, &st);
	return vocab_gfp_string(st.gfp, buf, len);
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

static json_t *engines_json(const struct run_record *r)
{
	json_t *arr = json_array();
	size_t i, b;
	int cpu;

	for (i = 0; i < r->sc->nengines; i++) {
		const struct sc_engine *e = &r->sc->engine[i];
		const struct engine_record *rt = &r->eng[i];
		const struct lab_counters *c = &rt->st.total;
		json_t *o = json_object(), *cpus = json_array(),
		       *f = json_object(), *lat = json_array();
		char gfp[64];
		bool have = rt->have_stats;

		json_object_set_new(o, "id", json_string(e->name));
		json_object_set_new(o, "context", json_string(
			vocab_str(&vocab_context, e->context)));
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
			vocab_str(&vocab_policy, sc_engine_policy(e))));
		json_object_set_new(o, "gfp", json_string(gfp_string(e, gfp,
						sizeof(gfp))));
		json_object_set_new(o, "order", json_integer((json_int_t)
							     e->order));
		json_object_set_new(o, "shred", json_string(
			vocab_str(&vocab_shred, e->shred)));
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
				vocab_str(&vocab_stop_reason,
					  rt->st.stop_reason)));
			json_object_set_new(o, "cap_hits", json_integer(
				(json_int_t)c->cap_hits));
			json_object_set_new(o, "pages_freed_at_stop",
				json_integer((json_int_t)rt->freed));
			json_object_set_new(f, "unattributed", json_integer(
				(json_int_t)c->fail_unattributed));
			json_object_set_new(o, "budget", budget_json(c));
			json_object_set_new(o, "reclaim_pages", json_integer(
				(json_int_t)c->reclaim_pages));
			json_object_set_new(o, "reclaim_calls", json_integer(
				(json_int_t)c->reclaim_calls));
		}
		if (r->sc->engine[i].exhaust_ms)
			json_object_set_new(o, "pulses",
					    json_integer(rt->npulses));
		json_object_set_new(o, "start_t_s", json_real(rt->t_start));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *injector_json(const struct run_record *r,
			     const struct sc_inject *in)
{
	const struct injector *inj = &injectors[in->id];
	const struct injector_rt *rt = &r->inj[in->id];
	json_t *o = json_object(), *k = json_object();
	char scope[160], mech[300];

	json_object_set_new(o, "name", json_string(inj->name));
	if (sc_scope_bpf(in->scope))
		snprintf(scope, sizeof(scope), "%s:%s",
			 vocab_str(&vocab_scope, in->scope), in->target);
	else
		snprintf(scope, sizeof(scope), "%s",
			 vocab_str(&vocab_scope, in->scope));
	json_object_set_new(o, "scope", json_string(scope));
	if (in->scope == SC_SCOPE_LABYRINTH)
		snprintf(mech, sizeof(mech), "debugfs %s (the module's private "
			 "fault attribute)", injector_dir(inj, in));
	else if (in->scope == SC_SCOPE_SYSTEM)
		snprintf(mech, sizeof(mech), "debugfs %s", inj->debugfs);
	else
		snprintf(mech, sizeof(mech), "BPF override() on %s (and %s for "
			 "the module's own allocations) when the unwound "
			 "kernel stack matches the scope and the request the "
			 "predicates", inj->hook, LAB_INJECT_HOOK);
	json_object_set_new(o, "mechanism", json_string(mech));
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
	if (inj->filters & INJ_F_ORDER) {
		json_object_set_new(k, "min_order", json_integer(
			(json_int_t)in->min_order));
		json_object_set_new(k, "ignore_gfp_highmem",
				    json_boolean(in->ignore_gfp_highmem));
	}
	if (inj->filters & INJ_F_CACHE) {
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
	if (rt->armed && in->times != SC_UNLIMITED &&
	    rt->times_left >= 0 && rt->times_left <= in->times)
		json_object_set_new(o, "injected_by_times_count", json_integer(
			in->times - rt->times_left));
	json_object_set_new(o, "armed", json_boolean(rt->armed ||
						      rt->scoped));
	if (sc_scope_bpf(in->scope)) {
		json_object_set_new(k, "gfp_filter",
				    json_string(in->gfp_filter));
		if (inj->filters & INJ_F_ORDER)
			json_object_set_new(k, "max_order", json_integer(
				(json_int_t)in->max_order));
	}
	if (rt->scope)
		json_object_set(o, "scoped", rt->scope);
	return o;
}

static json_t *injection_json(const struct run_record *r)
{
	json_t *o = json_object(), *inj = json_array(), *notes = json_array();
	const struct scenario *sc = r->sc;
	bool irq_engine = false;
	size_t i;

	for (i = 0; i < sc->nengines; i++)
		if (sc_context_is_irq(sc->engine[i].context))
			irq_engine = true;
	for (i = 0; i < INJ_COUNT; i++) {
		const struct sc_inject *in = &sc->inject[i];
		const char *name = injectors[i].name;
		char buf[400];

		if (!in->present || in->scope == SC_SCOPE_NONE)
			continue;
		json_array_append_new(inj, injector_json(r, in));
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
			snprintf(buf, sizeof(buf), "%s scope=%s:%s: a BPF "
				 "override() decides from the kernel's own "
				 "unwound stack (bpf_get_stack) and no per-task "
				 "state: it acts in hard IRQ, softirq and task "
				 "context; labyrinth's own allocations are "
				 "failed at its injection point, so the module "
				 "counts them as injected", name,
				 vocab_str(&vocab_scope, in->scope), in->target);
			break;
		}
		json_array_append_new(notes, json_string(buf));
		if (in->task_filter && irq_engine) {
			snprintf(buf, sizeof(buf), "%s task_filter = yes: "
				 "hrtimer, irq_work and softirq engines "
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

static json_t *bpftrace_json(const struct run_record *r, bool *any,
			     FILE *cat)
{
	json_t *o = json_object(), *scripts = json_array();
	size_t i;

	*any = false;
	for (i = 0; i < r->ntr; i++) {
		json_t *s = json_object(), *sum;
		char *text = NULL, err[256];

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

void run_record_outcome(struct run_record *r)
{
	struct outcome_engine eng[SC_MAX_ENGINES];
	struct outcome_input in = { 0 };
	size_t i;

	for (i = 0; i < r->sc->nengines; i++) {
		const struct engine_record *e = &r->eng[i];

		memset(&eng[i], 0, sizeof(eng[i]));
		eng[i].name = r->sc->engine[i].name;
		eng[i].context = r->sc->engine[i].context;
		eng[i].have_stats = e->have_stats;
		eng[i].first = e->st.first_failure;
		eng[i].fail_genuine = e->st.total.fail_genuine;
		eng[i].stop_t = e->have_stats && e->st.stop_ns ?
				(double)e->st.stop_ns / 1e9 - r->t0 : -1;
		eng[i].pulses = e->pulse;
		eng[i].npulses = e->npulses;
	}
	in.expect = r->sc->expect;
	in.t0 = r->t0;
	in.t_end = r->t_end;
	in.s = r->s;
	in.proc = r->proc;
	in.eng = eng;
	in.neng = r->sc->nengines;
	in.ev = r->ev;
	in.st = r->st;
	in.stop_reason = r->stop_reason;
	/* the module counts what was failed at its own injection point */
	for (i = 0; i < INJ_COUNT; i++)
		in.injected_elsewhere +=
			r->inj[i].scope_injected[SCOPE_HOOK_KERNEL];
	outcome_free(&r->out);
	outcome_compute(&in, &r->out);
}

static json_t *run_json(const struct run_record *r)
{
	json_t *o = json_object();
	char buf[64];

	json_object_set_new(o, "id", json_string(r->id));
	run_iso_time(r->t0_wall, buf, sizeof(buf));
	json_object_set_new(o, "start_time", json_string(buf));
	json_object_set_new(o, "duration_s", json_real(r->t_end));
	json_object_set_new(o, "result_dir", json_string(r->dir));
	/* CLOCK_MONOTONIC at t = 0: the host lines up the guest's console
	 * timestamps (printk's clock) with the series after a panic */
	json_object_set_new(o, "t0_monotonic_s", json_real(r->t0));
	if (r->command)
		json_object_set_new(o, "command", json_string(r->command));
	json_object_set(o, "hostname", json_object_get(r->system, "hostname")
			? json_object_get(r->system, "hostname") :
			json_string("unknown"));
	return o;
}

static json_t *scenario_json(const struct scenario *sc)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(o, "name", json_string(sc->name));
	json_object_set_new(o, "file", json_string(sc->file));
	json_object_set_new(o, "sha256", json_string(sc->sha256));
	json_object_set_new(o, "text", json_string(sc->text));
	json_object_set_new(o, "expect", json_string(
		vocab_str(&vocab_expect, sc->expect)));
	for (i = 0; i < sc->noverrides; i++)
		json_array_append_new(arr, json_string(sc->overrides[i]));
	json_object_set_new(o, "overrides", arr);
	if (sc->description[0])
		json_object_set_new(o, "description",
				    json_string(sc->description));
	return o;
}

/* What the sampler took and what it cost (the whole harness's CPU time
 * while it sampled: an upper bound of the sampler's own). */
static json_t *sampler_json(const struct run_record *r)
{
	const struct thr_loss *l = &r->out.loss;
	json_t *o = json_object();

	json_object_set_new(o, "source", json_string("module"));
	json_object_set_new(o, "interval_ms", json_integer(
		(json_int_t)r->sc->sample_interval_ms));
	json_object_set_new(o, "samples", json_integer((json_int_t)r->s->n));
	json_object_set_new(o, "lost_samples", json_integer((json_int_t)
		(l->ring_lost > l->missed ? l->ring_lost : l->missed)));
	json_object_set_new(o, "proc_interval_ms", json_integer(
		(json_int_t)r->sc->proc_interval_ms));
	json_object_set_new(o, "proc_samples",
			    json_integer((json_int_t)r->proc->n));
	json_object_set_new(o, "cpu_s", json_real(r->cpu_s));
	json_object_set_new(o, "cpu_percent", json_real(
		r->t_end > 0 ? r->cpu_s / r->t_end * 100.0 : 0));
	return o;
}

static json_t *files_json(const struct run_record *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "console_log", json_null());
	json_object_set_new(o, "stress_ng_yaml", r->stress_ng ?
			    json_string("stress-ng.yaml") : json_null());
	json_object_set_new(o, "bpftrace_out", r->ntr && !r->st.unfinished ?
			    json_string("bpftrace.txt") : json_null());
	json_object_set_new(o, "kmsg", r->ev ? json_string("kmsg.log") :
			    json_null());
	json_object_set_new(o, "series_csv", json_null());
	json_object_set_new(o, "samples_live",
			    json_string(SAMPLER_MODULE_CSV));
	json_object_set_new(o, "proc_live", json_string(SAMPLER_PROC_CSV));
	return o;
}

/* bpftrace's summaries, and bpftrace.txt beside the report. */
static json_t *tracers_json(const struct run_record *r)
{
	FILE *cat = NULL;
	char *p = NULL;
	json_t *o;
	bool any;

	if (!r->st.unfinished && r->ntr) {
		p = xasprintf("%s/bpftrace.txt", r->dir);
		cat = fopen(p, "we");
	}
	o = bpftrace_json(r, &any, cat);
	if (cat)
		fclose(cat);
	free(p);
	if (any)
		return o;
	json_decref(o);
	return json_null();
}

json_t *run_build_report(const struct run_record *r)
{
	json_t *rep = json_object(), *o;

	json_object_set_new(rep, "schema", json_string(REPORT_SCHEMA_NAME));
	json_object_set_new(rep, "schema_version",
			    json_integer(REPORT_SCHEMA_VERSION));
	json_object_set_new(rep, "labyrinth_version",
			    json_string(labyrinth_version));
	json_object_set_new(rep, "run", run_json(r));
	json_object_set_new(rep, "scenario", scenario_json(r->sc));
	o = json_deep_copy(r->system);
	json_object_del(o, "hostname");
	json_object_set_new(rep, "system", o);
	json_object_set_new(rep, "outcome", outcome_json(&r->out));
	json_object_set_new(rep, "thresholds", outcome_thresholds_json(
		&r->out, r->s->zone));
	json_object_set_new(rep, "windows", outcome_windows_json(&r->out));
	json_object_set_new(rep, "engines", engines_json(r));
	json_object_set_new(rep, "injection", injection_json(r));
	json_object_set_new(rep, "oom_kills", outcome_ooms_json(&r->out));
	json_object_set_new(rep, "kernel_messages", kevents_json(r->ev));
	json_object_set_new(rep, "vm", json_null());
	json_object_set_new(rep, "stress_ng", r->stress_ng ?
			    json_incref(r->stress_ng) : json_null());
	json_object_set_new(rep, "bpftrace", tracers_json(r));
	json_object_set_new(rep, "sampler", sampler_json(r));
	json_object_set_new(rep, "series", series_json(r->s, &r->out.loss));
	json_object_set_new(rep, "proc_series", series_json(r->proc, NULL));
	if (r->dut)
		json_object_set_new(rep, "driver_under_test",
				    json_incref(r->dut));
	json_object_set_new(rep, "files", files_json(r));
	if (r->target)
		json_object_set_new(rep, "target", target_json(r->target));
	return rep;
}
