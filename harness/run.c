// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth run`: one scenario, start to report. The order of the stop
 * path matters: engines first (they hold the pages the rest of the
 * machine needs), then stress-ng, then the knobs, then the tracers (slow
 * to detach under TCG), then the module if this run loaded it.
 */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "kmsg.h"
#include "knobs.h"
#include "labdev.h"
#include "pressure.h"
#include "report.h"
#include "run_report.h"
#include "sample.h"
#include "trace.h"
#include "util.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

char *run_make_id(const char *name)
{
	time_t now = time(NULL);
	struct tm tm;
	char buf[32];

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s-%s", buf, name);
}

/* The directory of the running binary's build tree (…/build/labyrinth). */
static char *exe_top(void)
{
	char exe[PATH_MAX], *s;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	s = strrchr(exe, '/');
	if (!s)
		return NULL;
	*s = '\0';
	s = strrchr(exe, '/');
	if (!s)
		return NULL;
	*s = '\0';
	return xstrdup(exe);
}

char *run_default_out_base(void)
{
	char *top = exe_top(), *p;

	if (top) {
		p = xasprintf("%s/scenarios", top);
		if (!access(p, F_OK)) {
			free(p);
			p = xasprintf("%s/reports", top);
			free(top);
			return p;
		}
		free(p);
		free(top);
	}
	return xstrdup("reports");
}

char *run_script_dir(const char *scenario_path)
{
	char *dir = xstrdup(scenario_path), *s = strrchr(dir, '/'), *p, *top;

	if (s)
		*s = '\0';
	p = xasprintf("%s/bpftrace", s ? dir : ".");
	free(dir);
	if (!access(p, F_OK))
		return p;
	free(p);
	top = exe_top();
	if (top) {
		p = xasprintf("%s/scenarios/bpftrace", top);
		free(top);
		if (!access(p, F_OK))
			return p;
		free(p);
	}
	return xstrdup("scenarios/bpftrace");
}

/* ---- the run ----------------------------------------------------------- */

static uint32_t lab_ctx(enum sc_context c)
{
	switch (c) {
	case SC_CTX_HRTIMER:
		return LAB_CTX_HRTIMER;
	case SC_CTX_IRQ_WORK:
		return LAB_CTX_IRQ_WORK;
	case SC_CTX_TASKLET:
		return LAB_CTX_SOFTIRQ;
	default:
		return LAB_CTX_KTHREAD_ATOMIC;
	}
}

static uint32_t lab_shred(enum sc_shred s)
{
	switch (s) {
	case SC_SHRED_CRYPTO:
		return LAB_SHRED_CRYPTO;
	case SC_SHRED_PRNG:
		return LAB_SHRED_FAST;
	case SC_SHRED_ZERO:
		return LAB_SHRED_ZERO;
	default:
		return LAB_SHRED_NONE;
	}
}

static bool file_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static bool need_module(const struct scenario *sc)
{
	return sc->nengines > 0 ||
	       (sc->fail_page_alloc.present &&
		sc->fail_page_alloc.scope == SC_SCOPE_LABYRINTH);
}

static void live_flush(struct run *r, bool force)
{
	double now = now_mono();

	if (!r->live)
		return;
	/* near the reserve, every sample may be the last before a panic */
	if (force || now - r->last_flush >= 0.1 ||
	    (r->s.n && r->s.col[COL_FREE][r->s.n - 1] <
		       r->s.col[COL_LOW][r->s.n - 1])) {
		fflush(r->live);
		r->last_flush = now;
	}
}

/*
 * /proc files stay open and are re-read from offset 0: the kernel keeps
 * the seq_file buffer between reads, so a sample taken while the reserve
 * is gone allocates nothing (a fresh open would, and could OOM).
 */
static const char *proc_read(struct run *r, int which)
{
	static const char *const paths[] = {
		"/proc/vmstat", "/proc/zoneinfo", "/proc/meminfo",
	};
	size_t used = 0;

	if (r->procfd[which] <= 0) {
		r->procfd[which] = open(paths[which], O_RDONLY | O_CLOEXEC);
		if (r->procfd[which] < 0)
			return NULL;
	}
	if (!r->procbuf) {
		r->procbuf_cap = 64 * 1024;
		r->procbuf = xmalloc(r->procbuf_cap);
	}
	for (;;) {
		ssize_t n = pread(r->procfd[which], r->procbuf + used,
				  r->procbuf_cap - used - 1, (off_t)used);

		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		used += (size_t)n;
		if (used + 1 >= r->procbuf_cap) {
			r->procbuf_cap *= 2;
			r->procbuf = xrealloc(r->procbuf, r->procbuf_cap);
		}
	}
	r->procbuf[used] = '\0';
	return r->procbuf;
}

static void take_sample(struct run *r)
{
	uint64_t row[COL_MAX] = { 0 };
	struct zone_info z[MAX_ZONES];
	struct vmstat vs;
	struct meminfo mi;
	size_t nz;
	char *text;
	double t = now_mono() - r->t0;
	int zi;

	if ((text = (char *)proc_read(r, 0))) {
		if (parse_vmstat(text, &vs) == 0) {
			row[COL_NR_FREE] = vs.nr_free_pages;
			row[COL_OOM_KILL] = vs.oom_kill - r->base_oom_kill;
			row[COL_ALLOCSTALL] = vs.allocstall;
			row[COL_PGSCAN] = vs.pgscan;
			row[COL_PGSTEAL] = vs.pgsteal;
			row[COL_COMPACT_STALL] = vs.compact_stall;
			if (vs.oom_kill < r->base_oom_kill)
				row[COL_OOM_KILL] = 0;
		}
	}
	if ((text = (char *)proc_read(r, 1))) {
		if (parse_zoneinfo(text, z, MAX_ZONES, &nz) == 0) {
			zi = zone_pick(z, nz);
			if (zi >= 0) {
				row[COL_FREE] = z[zi].free;
				row[COL_MIN] = z[zi].min;
				row[COL_LOW] = z[zi].low;
				row[COL_HIGH] = z[zi].high;
				row[COL_HIGHATOMIC] =
					z[zi].nr_reserved_highatomic;
				if (!r->s.zone[0])
					snprintf(r->s.zone, sizeof(r->s.zone),
						 "%s", z[zi].name);
			}
		}
	}
	if ((text = (char *)proc_read(r, 2))) {
		if (parse_meminfo(text, &mi) == 0)
			row[COL_MEM_AVAILABLE_KB] = mi.mem_available_kb;
	}
	if (r->dev_open) {
		struct lab_stats st;

		if (labdev_stats(&r->dev, LAB_ENGINE_ALLOCATOR, &st, NULL,
				 NULL) == 0) {
			const struct lab_counters *c = &st.total;

			row[COL_HELD] = c->held_now;
			row[COL_ATTEMPTS] = c->attempts - r->base.attempts;
			row[COL_FAIL_GENUINE] = c->fail_genuine -
						r->base.fail_genuine;
			row[COL_FAIL_INJECTED] =
				(c->fail_injected_private +
				 c->fail_injected_kernel) -
				(r->base.fail_injected_private +
				 r->base.fail_injected_kernel);
		}
	}
	series_append(&r->s, t, row);
	if (r->live) {
		series_csv_row(r->live, t, row);
		live_flush(r, false);
	}
}

static int start_engine(struct run *r, size_t i, char *err, size_t errlen)
{
	const struct sc_engine *e = &r->sc->engine[i];
	struct engine_rt *rt = &r->eng[i];
	struct lab_start s;
	uint64_t mask = e->cpumask;
	int ret;

	memset(&s, 0, sizeof(s));
	s.context = lab_ctx(e->context);
	s.policy = e->policy == SC_POLICY_DRAIN ? LAB_POLICY_DRAIN :
		   e->leak > 0 ? LAB_POLICY_LEAK_FRACTION : LAB_POLICY_CHURN;
	s.gfp = (e->gfp == SC_GFP_NOWAIT ? LAB_GFP_NOWAIT : 0) |
		(e->nowarn ? LAB_GFP_NOWARN : 0) |
		(e->memalloc ? LAB_GFP_MEMALLOC : 0);
	s.flags = LAB_START_F_STOP_GENUINE_ONLY |
		  (e->memalloc ? LAB_START_F_ALLOW_MEMALLOC : 0);
	s.order = (uint32_t)e->order;
	s.shred = lab_shred(e->shred);
	s.burst = (uint32_t)e->burst;
	s.rate = e->rate;
	if (mask) {
		s.cpu_mask_uptr = (uint64_t)(uintptr_t)&mask;
		s.cpu_mask_words = 1;
	}
	if (s.policy == LAB_POLICY_LEAK_FRACTION)
		s.leak_ppm = (uint32_t)(e->leak * 1e6 + 0.5);
	if (s.policy != LAB_POLICY_DRAIN)
		s.hold_ns = e->hold_ms * 1000000ULL;
	s.held_cap = e->max_pages;
	if (r->dev.ver.max_held_cap && s.held_cap > r->dev.ver.max_held_cap)
		s.held_cap = r->dev.ver.max_held_cap;
	s.stop_after_failures = e->stop_after_failures;
	/* the module's own watchdog: past the run, in case we die */
	s.watchdog_ms = r->sc->duration_ms + r->sc->grace_ms + 60000;
	ret = labdev_start(&r->dev, &s);
	if (ret) {
		snprintf(err, errlen, "[engine %s] (%s:%u): the module refused "
			 "to start it: %s%s", e->name, r->sc->file, e->line,
			 strerror(-ret), ret == -ERANGE ?
			 " (a value is outside the module's limits, see "
			 "include/uapi/labyrinth.h)" : ret == -EINVAL ?
			 " (no online CPU in cpus=?)" : "");
		return ret;
	}
	rt->id = s.engine_id;
	rt->nr_cpus = s.nr_cpus;
	rt->started = true;
	rt->t_start = now_mono() - r->t0;
	return 0;
}

static bool engines_all_stopped(struct run *r)
{
	size_t i;
	int started = 0;

	for (i = 0; i < r->sc->nengines; i++) {
		struct lab_stats st;

		if (!r->eng[i].started)
			return false;	/* still to start */
		started++;
		if (labdev_stats(&r->dev, r->eng[i].id, &st, NULL, NULL))
			continue;
		if (st.state != LAB_STATE_STOPPED)
			return false;
	}
	return started > 0;
}

static void collect_engines(struct run *r)
{
	size_t i;

	for (i = 0; i < r->sc->nengines; i++) {
		struct engine_rt *rt = &r->eng[i];

		if (!rt->started)
			continue;
		free(rt->cpus);
		rt->cpus = NULL;
		if (labdev_stats(&r->dev, rt->id, &rt->st, &rt->cpus,
				 &rt->ncpus) == 0)
			rt->have_stats = true;
	}
}

static void stop_engines(struct run *r)
{
	size_t i;
	int ret;

	if (!r->dev_open)
		return;
	/*
	 * Stop (pages freed, counters frozen), then read the final stats,
	 * then release: stats read from running engines are not final, and
	 * STOP with RELEASE forgets them.
	 */
	for (i = 0; i < r->sc->nengines; i++) {
		struct engine_rt *rt = &r->eng[i];
		uint64_t freed = 0;

		if (!rt->started || rt->stopped)
			continue;
		ret = labdev_stop(&r->dev, rt->id, 0, &freed);
		if (ret)
			lab_warn("stopping engine %s: %s",
				 r->sc->engine[i].name, strerror(-ret));
		rt->freed = freed;
	}
	collect_engines(r);
	for (i = 0; i < r->sc->nengines; i++) {
		struct engine_rt *rt = &r->eng[i];
		uint64_t freed = 0;

		if (!rt->started || rt->stopped)
			continue;
		ret = labdev_stop(&r->dev, rt->id, LAB_STOP_F_RELEASE, &freed);
		if (ret)
			lab_warn("releasing engine %s: %s",
				 r->sc->engine[i].name, strerror(-ret));
		rt->stopped = true;
		rt->freed += freed;
	}
}

/*
 * The ballast: a child holding memory with oom_score_adj 1000, so that an
 * OOM the drain provokes has a victim. A minimal guest has no other
 * killable task (labyrinth itself is -1000) and would panic with "System
 * is deadlocked on memory" instead of showing the atomic threshold.
 */
static int start_ballast(struct run *r, uint64_t bytes)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		char *p;

		prctl(PR_SET_NAME, "lab-ballast");
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		signal(SIGINT, SIG_IGN);
		if (write_file("/proc/self/oom_score_adj", "1000", 4))
			_exit(1);
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			_exit(2);
		memset(p, 0x5a, bytes);	/* anonymous, not shareable */
		if (write(pfd[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(pfd[1]);
	r->ballast.pid = pid;
	r->ballast.name = "ballast";
	r->ballast.started = now_mono();
	if (read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		child_stop(&r->ballast, SIGKILL, 1.0);
		return -ENOMEM;
	}
	close(pfd[0]);
	return 0;
}

/* Scoped injection through bpftrace: generate, start, wait for attach. */
static int start_scope_tracer(struct run *r, const struct sc_inject *in,
			      bool slab, char *err, size_t errlen)
{
	const char *src = in->scope == SC_SCOPE_MODULE ? "/proc/modules" :
			  "/proc/kallsyms";
	uint64_t start = 0, size = 0;
	char *text, *prog, *path;
	struct tracer *t;
	int ret;

	if (read_file(src, &text, NULL)) {
		snprintf(err, errlen, "cannot read %s to find %s", src,
			 in->target);
		return -EIO;
	}
	ret = in->scope == SC_SCOPE_MODULE ?
	      trace_module_range(text, in->target, &start, &size) :
	      trace_symbol_range(text, in->target, &start, &size);
	free(text);
	if (ret) {
		snprintf(err, errlen, "scope = %s:%s: %s", sc_scope_name(
			 in->scope), in->target, ret == -EPERM ?
			 "its address is hidden (kptr_restrict; run as root)" :
			 in->scope == SC_SCOPE_MODULE ?
			 "no such module loaded (lsmod)" :
			 "no such function in /proc/kallsyms");
		return ret;
	}
	/* the module calls its injection point only when asked to */
	if (trace_scope_hook(in, slab)) {
		ret = knobs_set(&r->knobs, LAB_INJECT_HOOK_PARAM, "Y", err,
				errlen);
		if (ret)
			return ret;
	}
	prog = trace_scope_program(in, slab, start, size, err, errlen);
	if (!prog)
		return -EINVAL;
	path = xasprintf("%s/scope-%s.bt", r->dir,
			 slab ? "failslab" : "fail_page_alloc");
	ret = write_file(path, prog, strlen(prog));
	free(prog);
	if (ret) {
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(-ret));
		free(path);
		return ret;
	}
	t = &r->tr[r->ntr];
	ret = trace_start(t, slab ? "scope-failslab" : "scope-fail_page_alloc",
			  path, true, r->dir, err, errlen);
	free(path);
	if (ret)
		return ret;
	r->scope_tr[slab] = (int)r->ntr++;
	return 0;
}

static int wait_tracers(struct run *r, char *err, size_t errlen)
{
	double end = now_mono() + 120.0;	/* ~5 s each under TCG */
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	size_t i;

	for (;;) {
		bool all = true;

		for (i = 0; i < r->ntr; i++) {
			if (trace_failed(&r->tr[i], err, errlen))
				return -EIO;
			if (!trace_ready(&r->tr[i]))
				all = false;
		}
		if (all)
			return 0;
		if (stop_signal) {
			snprintf(err, errlen, "interrupted by SIG%s while "
				 "bpftrace attached", sigabbrev_np(stop_signal));
			return -EINTR;
		}
		if (now_mono() > end) {
			snprintf(err, errlen, "bpftrace did not attach within "
				 "120 s");
			return -ETIMEDOUT;
		}
		progress_update(&r->prog, "attaching bpftrace (%zu "
				"program%s)", r->ntr, r->ntr == 1 ? "" : "s");
		nanosleep(&ts, NULL);
	}
}

static int arm_injection(struct run *r, bool slab, char *err, size_t errlen)
{
	const struct sc_inject *in = slab ? &r->sc->failslab :
					    &r->sc->fail_page_alloc;
	const char *name = slab ? "failslab" : "fail_page_alloc";

	if (!in->present || in->scope == SC_SCOPE_NONE)
		return 0;
	if (in->scope == SC_SCOPE_MODULE || in->scope == SC_SCOPE_FUNCTION)
		return 0;	/* the bpftrace program, started earlier */
	if (knobs_arm_fault_attr(&r->knobs, knobs_fault_dir(name, in->scope),
				 in, slab, err, errlen))
		return -1;
	r->armed[slab] = true;
	return 0;
}

/* Why this scenario cannot run on this kernel, or NULL. */
static const char *missing_support(struct run *r, char *buf, size_t len)
{
	const struct scenario *sc = r->sc;
	int slab;

	for (slab = 0; slab < 2; slab++) {
		const struct sc_inject *in = slab ? &sc->failslab :
						    &sc->fail_page_alloc;
		const char *name = slab ? "failslab" : "fail_page_alloc";
		char *p;

		if (!in->present || in->scope == SC_SCOPE_NONE)
			continue;
		if (in->scope == SC_SCOPE_SYSTEM) {
			p = xasprintf(DEBUGFS "/%s", name);
			if (!file_exists(p)) {
				snprintf(buf, len, "[%s] scope = system needs "
					 "%s: this kernel has no "
					 "CONFIG_%s (or debugfs is not mounted)",
					 name, p, slab ? "FAILSLAB" :
					 "FAIL_PAGE_ALLOC");
				free(p);
				return buf;
			}
			free(p);
		}
		if (in->scope == SC_SCOPE_LABYRINTH && r->dev_open &&
		    !labdev_has(&r->dev, LAB_FEAT_PRIVATE_INJECT)) {
			snprintf(buf, len, "[%s] scope = labyrinth: the module "
				 "was built without CONFIG_FAULT_INJECTION "
				 "(no private fault attribute)", name);
			return buf;
		}
		if ((in->scope == SC_SCOPE_MODULE ||
		     in->scope == SC_SCOPE_FUNCTION) &&
		    !file_exists("/sys/kernel/debug/tracing") &&
		    !file_exists("/sys/kernel/tracing")) {
			snprintf(buf, len, "[%s] scope = %s needs tracefs for "
				 "bpftrace", name, sc_scope_name(in->scope));
			return buf;
		}
	}
	return NULL;
}

static void cleanup(struct run *r)
{
	char err[512];
	size_t i;

	progress_update(&r->prog, "stopping: engines");
	stop_engines(r);
	if (r->ballast.pid)
		child_stop(&r->ballast, SIGKILL, 2.0);
	if (r->pr.started) {
		progress_update(&r->prog, "stopping: stress-ng");
		pressure_stop(&r->pr);
	}
	for (i = 0; i < 2; i++) {
		const struct sc_inject *in = i ? &r->sc->failslab :
						 &r->sc->fail_page_alloc;
		char *p, *v;

		r->times_left[i] = -2;
		if (!r->armed[i] || in->times == SC_UNLIMITED)
			continue;
		/* the kernel counts times down as it injects: what is left
		 * says exactly how many it injected */
		p = xasprintf("%s/times", knobs_fault_dir(i ? "failslab" :
					"fail_page_alloc", in->scope));
		if (knobs_read(&r->knobs, p, &v) == 0) {
			r->times_left[i] = strtoll(v, NULL, 10);
			free(v);
		}
		free(p);
	}
	if (r->knobs_open) {
		if (knobs_restore(&r->knobs, err, sizeof(err))) {
			lab_err("%s; the state file %s is kept, so the next "
				"run restores what is left", err,
				r->knobs.state_path);
			r->restore_failed = true;
		}
	}
	for (i = 0; i < r->ntr; i++) {
		progress_update(&r->prog, "stopping: bpftrace %s",
				r->tr[i].name);
		trace_stop(&r->tr[i]);
	}
	if (r->km_open) {
		/* the last OOM report lines may still be on their way */
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		kmsg_poll(&r->km);
	}
	if (r->dev_open) {
		uint64_t held = 0;

		if (labdev_held(&r->dev, &held) == 0 && held)
			lab_warn("the allocator still holds %llu pages after "
				 "every engine stopped",
				 (unsigned long long)held);
		r->held_after = held;
		labdev_close(&r->dev);
		r->dev_open = false;
	}
	if (r->loaded_module) {
		int ret = labdev_module_unload();

		if (ret)
			lab_warn("could not unload the labyrinth module: %s",
				 strerror(-ret));
		r->loaded_module = false;
	}
	if (r->live) {
		fclose(r->live);
		r->live = NULL;
	}
	progress_clear(&r->prog);
}

static void free_run(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ntr; i++)
		trace_free(&r->tr[i]);
	for (i = 0; i < SC_MAX_ENGINES; i++)
		free(r->eng[i].cpus);
	pressure_free(&r->pr);
	if (r->km_open)
		kmsg_close(&r->km);
	if (r->knobs_open)
		knobs_close(&r->knobs);
	series_free(&r->s);
	for (i = 0; i < 3; i++)
		if (r->procfd[i] > 0)
			close(r->procfd[i]);
	free(r->procbuf);
	json_decref(r->system);
	free(r->dir);
	free(r->id);
}

/* Sample until a stop condition; returns with r->stop_reason set. */
static void main_loop(struct run *r)
{
	const struct scenario *sc = r->sc;
	double interval = (double)sc->sample_interval_ms / 1000.0;
	double next = now_mono(), stop_at = -1, last_engine_check = 0;
	char err[512];
	size_t i;

	for (;;) {
		double now = now_mono(), t = now - r->t0;
		struct timespec ts;
		double wait;

		if (stop_signal && !r->interrupted) {
			r->interrupted = stop_signal;
			snprintf(r->stop_reason, sizeof(r->stop_reason),
				 "interrupted by SIG%s",
				 sigabbrev_np(stop_signal));
			break;
		}
		/* delayed starts */
		for (i = 0; i < 2; i++) {
			const struct sc_inject *in = i ? &sc->failslab :
							 &sc->fail_page_alloc;

			if (!r->armed[i] && in->present &&
			    in->scope != SC_SCOPE_NONE &&
			    t * 1000 >= (double)in->start_ms &&
			    !r->arm_tried[i]) {
				r->arm_tried[i] = true;
				if (arm_injection(r, i, err, sizeof(err))) {
					r->error = true;
					snprintf(r->stop_reason,
						 sizeof(r->stop_reason), "%s",
						 err);
					return;
				}
			}
		}
		if (sc->pressure.present && !r->pr.started &&
		    t * 1000 >= (double)sc->pressure.start_ms) {
			if (pressure_start(&r->pr, &sc->pressure,
					   sc->duration_ms, r->dir, err,
					   sizeof(err))) {
				r->error = true;
				snprintf(r->stop_reason, sizeof(r->stop_reason),
					 "%s", err);
				return;
			}
			r->t_pressure = t;
		}
		for (i = 0; i < sc->nengines; i++) {
			if (r->eng[i].started || r->eng[i].failed ||
			    t * 1000 < (double)sc->engine[i].start_ms)
				continue;
			if (start_engine(r, i, err, sizeof(err))) {
				r->eng[i].failed = true;
				r->error = true;
				snprintf(r->stop_reason, sizeof(r->stop_reason),
					 "%s", err);
				return;
			}
		}

		/* stress-ng that exits by itself with an error (not an OOM
		 * victim: that is signal 9 to a worker, and an observation)
		 * means the pressure never happened */
		if (r->pr.started && !r->pr_checked && !pressure_running(&r->pr)) {
			r->pr_checked = true;
			if (WIFEXITED(r->pr.c.status) &&
			    WEXITSTATUS(r->pr.c.status) == 1) {
				r->error = true;
				snprintf(r->stop_reason, sizeof(r->stop_reason),
					 "stress-ng failed (exit 1): see %s",
					 r->pr.log_path);
				return;
			}
		}
		take_sample(r);
		if (r->km_open)
			kmsg_poll(&r->km);
		for (i = 0; i < r->ntr; i++)
			if (trace_failed(&r->tr[i], err, sizeof(err)) &&
			    !r->tr_warned[i]) {
				r->tr_warned[i] = true;
				lab_warn("%s", err);
				if ((int)i == r->scope_tr[0] ||
				    (int)i == r->scope_tr[1]) {
					r->error = true;
					snprintf(r->stop_reason,
						 sizeof(r->stop_reason),
						 "scoped injection stopped: %s",
						 err);
					return;
				}
			}

		/* stop conditions */
		if (stop_at < 0) {
			size_t n = r->s.n - 1;
			const char *why = NULL;

			if ((sc->stop_on & SC_STOP_ATOMIC_FAILURE) &&
			    r->s.col[COL_FAIL_GENUINE][n] > 0)
				why = "first genuine atomic failure";
			else if ((sc->stop_on & SC_STOP_OOM) &&
				 (r->s.col[COL_OOM_KILL][n] > 0 ||
				  (r->km_open && r->km.nooms)))
				why = "first OOM kill";
			else if ((sc->stop_on & SC_STOP_ENGINES) &&
				 now - last_engine_check > 0.1 &&
				 r->dev_open) {
				last_engine_check = now;
				if (engines_all_stopped(r))
					why = "every engine stopped itself";
			}
			if (why) {
				snprintf(r->stop_reason, sizeof(r->stop_reason),
					 "%s at %.2f s", why, t);
				stop_at = now + (double)sc->grace_ms / 1000.0;
			}
		}
		if (stop_at >= 0 && now >= stop_at)
			break;
		if (t * 1000 >= (double)sc->duration_ms) {
			if (!r->stop_reason[0])
				snprintf(r->stop_reason, sizeof(r->stop_reason),
					 "duration %.1f s reached",
					 (double)sc->duration_ms / 1000.0);
			break;
		}
		if (r->prog.enabled && r->s.n) {
			size_t n = r->s.n - 1;

			progress_update(&r->prog, "%s  free %llu (min %llu)  "
					"held %llu  fail %llu+%llu inj  oom %llu",
					r->pr.started && r->pr.c.reaped ?
					"running (stress-ng gone)" : "running",
					(unsigned long long)r->s.col[COL_FREE][n],
					(unsigned long long)r->s.col[COL_MIN][n],
					(unsigned long long)r->s.col[COL_HELD][n],
					(unsigned long long)
					r->s.col[COL_FAIL_GENUINE][n],
					(unsigned long long)
					r->s.col[COL_FAIL_INJECTED][n],
					(unsigned long long)
					r->s.col[COL_OOM_KILL][n]);
		}
		/* fixed rate, no drift; skip samples we are too late for */
		next += interval;
		now = now_mono();
		if (next < now) {
			r->late += (unsigned long)((now - next) / interval);
			next = now;
		}
		wait = next - now;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

static int write_report(struct run *r, json_t *rep, bool quiet)
{
	char err[1024];
	int ret;

	ret = report_write_all(r->dir, rep, REPORT_FMT_ALL, err, sizeof(err));
	if (ret) {
		char *p = xasprintf("%s/report.rejected.json", r->dir);
		char *text = json_dumps(rep, JSON_INDENT(1));

		lab_err("the report was not written: %s (the rejected report "
			"is kept as %s for a bug report)", err, p);
		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
		return LAB_EXIT_INTERNAL;
	}
	if (!quiet) {
		/* under 'vm run' the guest is quiet and the host says it */
		report_print_summary(stdout, rep);
		printf("Report: %s/%s\n", r->dir, REPORT_HTML);
		fflush(stdout);
	}
	return 0;
}

int run_scenario(struct scenario *sc, const struct run_opts *o)
{
	struct run *r = xcalloc(1, sizeof(*r));
	char err[1024], msg[512], why[512];
	const char *missing;
	json_t *rep;
	int ret, exit_code;
	size_t i;

	r->sc = sc;
	r->o = o;
	r->scope_tr[0] = r->scope_tr[1] = -1;
	progress_init(&r->prog);
	if (o->quiet)
		r->prog.enabled = 0;
	series_init(&r->s, (unsigned int)sc->sample_interval_ms);

	if (sc->vm_only && !getenv("LABYRINTH_IN_VM") && !o->allow_outside_vm) {
		lab_err("%s: vm_only = yes (it can panic or OOM the kernel on "
			"purpose): run it with 'labyrinth vm run %s', or pass "
			"--outside-vm if this machine is expendable", sc->file,
			sc->file);
		free_run(r);
		free(r);
		return LAB_EXIT_SKIP;
	}
	if (geteuid() != 0) {
		lab_err("labyrinth run needs root: it loads a kernel module and "
			"writes debugfs and sysctls (or use 'labyrinth vm run "
			"%s', which runs it as root in a VM)", sc->file);
		free_run(r);
		free(r);
		return LAB_EXIT_ENV;
	}

	/* The harness must outlive any OOM it provokes, or nobody restores
	 * the knobs; children inherit this (stress-ng sets its own workers'
	 * score with --oomable). */
	if (write_file("/proc/self/oom_score_adj", "-1000", 5))
		lab_warn("cannot protect labyrinth from the OOM killer: %m");

	/* the result directory */
	r->id = run_make_id(sc->name);
	if (o->run_dir) {
		const char *b = strrchr(o->run_dir, '/');

		r->dir = xstrdup(o->run_dir);
		free(r->id);
		r->id = xstrdup(b && b[1] ? b + 1 : o->run_dir);
	} else {
		r->dir = xasprintf("%s/%s", o->out_base, r->id);
		for (i = 2; file_exists(r->dir) && i < 100; i++) {
			free(r->dir);
			r->dir = xasprintf("%s/%s-%zu", o->out_base, r->id, i);
		}
	}
	ret = mkdir_p(r->dir, 0755);
	if (ret) {
		lab_err("cannot create the result directory %s: %s", r->dir,
			strerror(-ret));
		free_run(r);
		free(r);
		return LAB_EXIT_ENV;
	}
	{
		/* the run id is the directory's name */
		const char *b = strrchr(r->dir, '/');

		free(r->id);
		r->id = xstrdup(b ? b + 1 : r->dir);
	}

	install_signals();
	r->t0 = now_mono();
	r->t0_wall = now_wall();

	/* knobs: lock, then put back what a dead run left */
	ret = knobs_open(&r->knobs, "", o->state_dir, err, sizeof(err));
	if (ret) {
		lab_err("%s", err);
		free_run(r);
		free(r);
		return ret == -EBUSY ? LAB_EXIT_ENV : LAB_EXIT_INTERNAL;
	}
	r->knobs_open = true;
	ret = knobs_recover(&r->knobs, msg, sizeof(msg), err, sizeof(err));
	if (ret < 0) {
		lab_err("%s", err);
		free_run(r);
		free(r);
		return LAB_EXIT_ENV;
	}
	if (ret > 0)
		lab_warn("%s", msg);

	/* the module */
	if (need_module(sc)) {
		progress_update(&r->prog, "loading the module");
		if (!labdev_module_loaded()) {
			char *ko = labdev_module_path();

			if (!ko) {
				free_run(r);
				free(r);
				return LAB_EXIT_ENV;
			}
			ret = labdev_module_load(ko, NULL);
			free(ko);
			if (ret) {
				free_run(r);
				free(r);
				return LAB_EXIT_ENV;
			}
			r->loaded_module = true;
		}
		if (labdev_open(&r->dev)) {
			cleanup(r);
			free_run(r);
			free(r);
			return LAB_EXIT_ENV;
		}
		r->dev_open = true;
		{
			struct lab_stats st;

			if (labdev_stats(&r->dev, LAB_ENGINE_ALLOCATOR, &st,
					 NULL, NULL) == 0)
				r->base = st.total;
		}
	}
	{
		char *text;
		struct vmstat vs;

		if (read_file("/proc/vmstat", &text, NULL) == 0) {
			if (parse_vmstat(text, &vs) == 0)
				r->base_oom_kill = vs.oom_kill;
			free(text);
		}
	}

	/* kernel settings, then what the system looks like with them */
	if (knobs_apply_sysctls(&r->knobs, &sc->kernel, err, sizeof(err))) {
		lab_err("%s", err);
		cleanup(r);
		free_run(r);
		free(r);
		return LAB_EXIT_ENV;
	}
	r->system = run_system_json();

	missing = missing_support(r, why, sizeof(why));
	if (missing) {
		lab_err("%s: skipped: %s", sc->file, missing);
		cleanup(r);
		snprintf(r->stop_reason, sizeof(r->stop_reason), "skipped: %s",
			 missing);
		r->skipped = true;
		rep = run_build_report(r, false);
		exit_code = write_report(r, rep, o->quiet);
		json_decref(rep);
		free_run(r);
		free(r);
		return exit_code ? exit_code : LAB_EXIT_SKIP;
	}

	{
		char *p = xasprintf("%s/%s", r->dir, RUN_LIVE_CSV);

		r->live = fopen(p, "we");
		free(p);
		if (r->live) {
			series_csv_header(r->live);
			fflush(r->live);
		}
	}
	{
		char *p = xasprintf("%s/kmsg.log", r->dir);

		if (kmsg_open(&r->km, "/dev/kmsg", p, r->t0) == 0)
			r->km_open = true;
		else
			lab_warn("cannot read /dev/kmsg: allocation failure "
				 "warnings and OOM reports are not recorded");
		free(p);
	}

	if (sc->ballast_bytes) {
		ret = start_ballast(r, sc->ballast_bytes);
		if (ret) {
			lab_err("cannot start the %llu-byte ballast: %s",
				(unsigned long long)sc->ballast_bytes,
				strerror(-ret));
			r->error = true;
			snprintf(r->stop_reason, sizeof(r->stop_reason),
				 "no ballast: %s", strerror(-ret));
			goto finish;
		}
	}
	/* our own pages stay in: a page fault at the bottom of the reserve
	 * would need the very memory the run is taking away */
	if (mlockall(MCL_CURRENT))
		lab_debug("mlockall: %m");

	/* tracers: scoped injection first, then the scenario's scripts */
	for (i = 0; i < 2; i++) {
		const struct sc_inject *in = i ? &sc->failslab :
						 &sc->fail_page_alloc;

		if (in->present && (in->scope == SC_SCOPE_MODULE ||
				    in->scope == SC_SCOPE_FUNCTION) &&
		    start_scope_tracer(r, in, i, err, sizeof(err))) {
			lab_err("%s", err);
			r->error = true;
			snprintf(r->stop_reason, sizeof(r->stop_reason), "%s",
				 err);
			goto finish;
		}
	}
	for (i = 0; i < sc->ntrace; i++) {
		char *path = xasprintf("%s/%s.bt", o->script_dir,
				       sc->trace[i]);

		ret = trace_start(&r->tr[r->ntr], sc->trace[i], path, false,
				  r->dir, err, sizeof(err));
		free(path);
		if (ret) {
			lab_err("%s", err);
			r->error = true;
			snprintf(r->stop_reason, sizeof(r->stop_reason), "%s",
				 err);
			goto finish;
		}
		r->ntr++;
	}
	if (r->ntr && wait_tracers(r, err, sizeof(err))) {
		lab_err("%s", err);
		r->error = true;
		snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", err);
		goto finish;
	}

	/* go: t = 0 is when the load starts */
	r->t0 = now_mono();
	r->km.t0 = r->t0;
	/* the partial report: what the host completes after a panic */
	rep = run_build_report(r, true);
	{
		char *p = xasprintf("%s/%s", r->dir, RUN_PARTIAL);
		char *text = json_dumps(rep, JSON_INDENT(1));

		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
	}
	json_decref(rep);
	r->cpu0 = self_cpu_s();
	main_loop(r);
	r->cpu1 = self_cpu_s();
	r->t_end = now_mono() - r->t0;

finish:
	cleanup(r);
	if (r->interrupted)
		lab_warn("%s: knobs restored, engines stopped, writing the "
			 "report of what ran", r->stop_reason);
	rep = run_build_report(r, false);
	exit_code = write_report(r, rep, o->quiet);
	if (!exit_code) {
		json_t *out = json_object_get(rep, "outcome");

		if (r->error)
			exit_code = LAB_EXIT_UNEXPECTED;
		else if (!json_is_true(json_object_get(out, "expect_met")))
			exit_code = LAB_EXIT_UNEXPECTED;
		if (r->restore_failed)
			exit_code = LAB_EXIT_INTERNAL;
	}
	json_decref(rep);
	if (exit_code == 0 || exit_code == LAB_EXIT_UNEXPECTED) {
		char *p = xasprintf("%s/%s", r->dir, RUN_PARTIAL);

		unlink(p);	/* report.json supersedes it */
		free(p);
	}
	free_run(r);
	free(r);
	return exit_code;
}
