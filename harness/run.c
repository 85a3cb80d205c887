// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth run`: one scenario, start to report. The order of the stop
 * path matters: engines first (they hold the pages the rest of the
 * machine needs), then stress-ng, then the knobs, then the tracers (slow
 * to detach under TCG), then the module if this run loaded it.
 *
 * struct run is this file's: the run's processes, fds and knobs. What
 * the report is made of is its struct run_record (run_report.h).
 */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
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
#include "nic.h"
#include "pressure.h"
#include "report.h"
#include "run_pulse.h"
#include "run_report.h"
#include "target.h"
#include "sample.h"
#include "sampler.h"
#include "scope.h"
#include "trace.h"
#include "util.h"
#include "vm_kernel.h"

/*
 * The ballast is this many children, each a quarter of it: every call of
 * the OOM killer takes one, and while an engine holds the reserve each
 * page fault and process-context allocation is a call (the engine soaks
 * up what the victim freed at once). With one victim, the second call
 * found nothing it may kill and panicked: 7 runs of 15 that held the
 * reserve for 2000 failures under a NIC flood.
 */
#define RUN_BALLASTS 4

struct run {
	struct run_record rec;		/* what the report is made of */
	struct scenario *sc;
	const struct run_opts *o;
	struct knobs knobs;
	bool knobs_open;
	struct labdev dev;
	bool dev_open, loaded_module;
	struct sampler smp;
	bool smp_open;
	struct pressure pr;
	bool pr_checked;
	struct tracer tr[RUN_MAX_TRACERS];
	size_t ntr;
	/* scoped injection: each section's program and configuration */
	struct ksyms ks;
	struct scope_run scope[INJ_COUNT];
	struct scope_cfg scope_cfg[INJ_COUNT];
	bool scope_module_hook[INJ_COUNT];
	bool tr_warned[RUN_MAX_TRACERS];
	struct kmsg km;
	bool km_open;
	struct child ballast[RUN_BALLASTS];
	struct target tgt;		/* the driver under test */
	int target_exit;		/* target_finish()'s */
	struct nic nic;
	struct progress prog;
	double cpu0;
	bool cleaned;
};

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

char *run_default_stamped_dir(const char *kind)
{
	char *base = run_default_out_base(), *dir, stamp[32];

	run_iso_time(now_wall(), stamp, sizeof(stamp));
	/* 2026-11-29T10:15:00Z -> 20261129T101500Z */
	dir = xasprintf("%s/%s-%.4s%.2s%.2sT%.2s%.2s%.2sZ", base, kind, stamp,
			stamp + 5, stamp + 8, stamp + 11, stamp + 14,
			stamp + 17);
	free(base);
	return dir;
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

static bool file_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

/* pulses.live.csv, rewritten whole at each change (a few per pulse). */
static void write_pulses(struct run *r)
{
	char *path = xasprintf("%s/%s", r->rec.dir, PULSES_LIVE_CSV);
	FILE *f = fopen(path, "w");

	if (f) {
		pulses_write(f, &r->rec);
		if (fclose(f))
			lab_warn("%s: %s", path, strerror(errno));
	}
	free(path);
}

static int start_engine(struct run *r, size_t i, char *err, size_t errlen)
{
	const struct sc_engine *e = &r->sc->engine[i];
	struct engine_record *rt = &r->rec.eng[i];
	struct lab_start s;
	uint64_t mask = e->cpumask;
	int ret;

	memset(&s, 0, sizeof(s));
	sc_engine_start(e, &s);
	if (mask) {
		s.cpu_mask_uptr = (uint64_t)(uintptr_t)&mask;
		s.cpu_mask_words = 1;
	}
	if (r->dev.ver.max_held_cap && s.held_cap > r->dev.ver.max_held_cap)
		s.held_cap = r->dev.ver.max_held_cap;
	/* the module's own watchdog: past the run, in case we die */
	s.watchdog_ms = r->sc->duration_ms + r->sc->grace_ms + 60000;
	if ((s.exhaust_ns && !labdev_has(&r->dev, LAB_FEAT_EXHAUST)) ||
	    ((s.flags & LAB_START_F_YIELD_TO_RECLAIM) &&
	     !labdev_has(&r->dev, LAB_FEAT_YIELD_TO_RECLAIM))) {
		snprintf(err, errlen, "[engine %s] (%s:%u): the loaded module "
			 "has no %s (ABI 2.1): load the labyrinth.ko built "
			 "from this tree (make module)", e->name, r->sc->file,
			 e->line, s.exhaust_ns &&
			 !labdev_has(&r->dev, LAB_FEAT_EXHAUST) ?
			 "exhaust phases" : "yield_to_reclaim (no shrinker)");
		return -EOPNOTSUPP;
	}
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
	rt->t_start = now_mono() - r->rec.t0;
	if (e->exhaust_ms) {
		pulse_started(rt, rt->t_start);
		write_pulses(r);
	}
	return 0;
}

static bool engines_all_stopped(struct run *r)
{
	size_t i;
	int started = 0;

	for (i = 0; i < r->sc->nengines; i++) {
		struct lab_stats st;

		if (!r->rec.eng[i].started)
			return false;	/* still to start */
		started++;
		if (r->sc->engine[i].exhaust_ms) {
			/* every pulse over, the last one recovered */
			if (!r->rec.eng[i].pulses_done)
				return false;
			continue;
		}
		if (labdev_stats(&r->dev, r->rec.eng[i].id, &st, NULL, NULL))
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
		struct engine_record *rt = &r->rec.eng[i];

		if (!rt->started || rt->released)
			continue;
		free(rt->cpus);
		rt->cpus = NULL;
		if (labdev_stats(&r->dev, rt->id, &rt->st, &rt->cpus,
				 &rt->ncpus) == 0) {
			rt->have_stats = true;
			pulse_stopped_by_run(rt, &rt->st, r->rec.t0);
			pulse_merge(rt, &rt->st);
		}
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
		struct engine_record *rt = &r->rec.eng[i];
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
		struct engine_record *rt = &r->rec.eng[i];
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
 * The ballast: children holding memory with oom_score_adj 1000, so that
 * an OOM the drain provokes has a victim (RUN_BALLASTS of them). A minimal guest has no other
 * killable task (labyrinth itself is -1000) and would panic with "System
 * is deadlocked on memory" instead of showing the atomic threshold.
 */
static int start_ballast(struct child *b, uint64_t bytes)
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
	b->pid = pid;
	b->name = "ballast";
	b->started = now_mono();
	if (read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		child_stop(b, SIGKILL, 1.0);
		return -ENOMEM;
	}
	close(pfd[0]);
	return 0;
}

/* What the scope program needs of the running kernel. */
static int scope_env_read(struct run *r, struct scope_env *env,
			  char **mods, char **fmt, char *err, size_t errlen)
{
	const struct vm_kernel *k;
	struct utsname u;
	char *syms;

	if (!r->ks.n) {
		if (read_file("/proc/kallsyms", &syms, NULL)) {
			snprintf(err, errlen, "cannot read /proc/kallsyms");
			return -EIO;
		}
		ksyms_parse(&r->ks, syms);
		free(syms);
		if (!r->ks.n) {
			snprintf(err, errlen, "/proc/kallsyms shows no "
				 "addresses (kptr_restrict; run as root)");
			return -EPERM;
		}
	}
	*mods = *fmt = NULL;
	read_file("/proc/modules", mods, NULL);
	k = uname(&u) == 0 ? vm_kernel_for_release(u.release) : NULL;
	if (!k)
		read_file(VM_GFP_FORMAT, fmt, NULL);
	env->ks = &r->ks;
	env->proc_modules = *mods;
	env->rules = k ? k->rules : NULL;
	env->gfp_format = *fmt;
	return 0;
}

/*
 * Scoped injection, before t = 0: the program's configuration from the
 * section and this kernel's symbols (written to scope-NAME.txt), and the
 * module's own injection point switched on when its engines allocate:
 * there the module counts an override() as injected. Attached when due.
 */
static int prepare_scope(struct run *r, const struct sc_inject *in,
			 char *err, size_t errlen)
{
	const struct injector *inj = &injectors[in->id];
	struct scope_env env = { 0 };
	char *mods, *fmt, *desc, *path;
	int ret;

	ret = scope_env_read(r, &env, &mods, &fmt, err, errlen);
	if (ret)
		return ret;
	env.module_hook = in->id == INJ_PAGE_ALLOC && r->dev_open &&
			  r->sc->nengines;
	r->scope_module_hook[in->id] = env.module_hook;
	ret = scope_cfg_build(in, &env, &r->scope_cfg[in->id], err, errlen);
	free(mods);
	free(fmt);
	if (!ret && env.module_hook)
		ret = knobs_set(&r->knobs, LAB_INJECT_HOOK_PARAM, "Y", err,
				errlen);
	if (ret)
		return ret;
	desc = scope_cfg_describe(in, &r->scope_cfg[in->id], &r->ks);
	path = xasprintf("%s/scope-%s.txt", r->rec.dir, inj->name);
	ret = write_file(path, desc, strlen(desc));
	if (ret)
		snprintf(err, errlen, "cannot write %s: %s", path,
			 strerror(-ret));
	free(desc);
	free(path);
	return ret;
}

/* Counters and call sites of each scope program, then detach it. */
static void stop_scopes(struct run *r)
{
	size_t i;

	for (i = 0; i < INJ_COUNT; i++) {
		struct injector_rt *rt = &r->rec.inj[i];

		if (!r->scope[i].obj)
			continue;
		json_decref(rt->scope);
		rt->scope = scope_collect(&r->scope[i], &r->ks,
					  rt->scope_injected);
		if (!rt->scope)
			lab_warn("[%s] cannot read the scope program's counters",
				 injectors[i].name);
		scope_stop(&r->scope[i]);
	}
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

static int arm_injection(struct run *r, const struct sc_inject *in,
			 char *err, size_t errlen)
{
	if (!in->present || in->scope == SC_SCOPE_NONE)
		return 0;
	if (sc_scope_bpf(in->scope)) {
		if (scope_start(&r->scope[in->id], in->id,
				&r->scope_cfg[in->id],
				r->scope_module_hook[in->id], err, errlen)) {
			char *p = xasprintf("%s/scope-%s.log", r->rec.dir,
					    injectors[in->id].name);

			/* the verifier's reasons, for whoever reads err */
			write_file(p, scope_log(), strlen(scope_log()));
			free(p);
			return -1;
		}
		r->rec.inj[in->id].scoped = true;
		return 0;
	}
	if (injector_arm(&r->knobs, &injectors[in->id], in, err, errlen))
		return -1;
	r->rec.inj[in->id].armed = true;
	return 0;
}

/* Why this scenario cannot run on this kernel, or NULL. */
static const char *missing_support(struct run *r, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < INJ_COUNT; i++) {
		const struct sc_inject *in = &r->sc->inject[i];
		const struct injector *inj = &injectors[i];

		if (!in->present || in->scope == SC_SCOPE_NONE)
			continue;
		if (in->scope == SC_SCOPE_SYSTEM &&
		    !file_exists(inj->debugfs)) {
			snprintf(buf, len, "[%s] scope = system needs %s: this "
				 "kernel has no %s (or debugfs is not mounted)",
				 inj->name, inj->debugfs, inj->config);
			return buf;
		}
		if (in->scope == SC_SCOPE_LABYRINTH && r->dev_open &&
		    !labdev_has(&r->dev, LAB_FEAT_PRIVATE_INJECT)) {
			snprintf(buf, len, "[%s] scope = labyrinth: the module "
				 "was built without CONFIG_FAULT_INJECTION "
				 "(no private fault attribute)", inj->name);
			return buf;
		}
	}
	return NULL;
}

/* What is left of "times" says exactly how many failures were injected. */
static void read_times_left(struct run *r)
{
	size_t i;

	for (i = 0; i < INJ_COUNT; i++) {
		const struct sc_inject *in = &r->sc->inject[i];
		struct injector_rt *rt = &r->rec.inj[i];
		char *p, *v;

		rt->times_left = -2;
		if (!rt->armed || in->times == SC_UNLIMITED)
			continue;
		/* the kernel counts times down as it injects */
		p = xasprintf("%s/times", injector_dir(&injectors[i], in));
		if (knobs_read(&r->knobs, p, &v) == 0) {
			rt->times_left = strtoll(v, NULL, 10);
			free(v);
		}
		free(p);
	}
}

/* Put everything back; safe to call at any stage, and twice. */
static void cleanup(struct run *r)
{
	char err[512];
	size_t i;

	if (r->cleaned)
		return;
	r->cleaned = true;
	progress_update(&r->prog, "stopping: engines");
	stop_engines(r);
	if (r->nic.ready) {
		progress_update(&r->prog, "stopping: the NIC flood");
		nic_stop(&r->nic);
	}
	for (i = 0; i < RUN_BALLASTS; i++)
		if (r->ballast[i].pid)
			child_stop(&r->ballast[i], SIGKILL, 2.0);
	if (target_present(&r->tgt)) {
		progress_update(&r->prog, "stopping: the driver under test");
		r->target_exit = target_finish(&r->tgt);
	}
	if (r->pr.started) {
		progress_update(&r->prog, "stopping: stress-ng");
		pressure_stop(&r->pr);
	}
	stop_scopes(r);
	read_times_left(r);
	if (r->knobs_open && knobs_restore(&r->knobs, err, sizeof(err))) {
		lab_err("%s; the state file %s is kept, so the next run "
			"restores what is left", err, r->knobs.state_path);
		r->rec.st.restore_failed = true;
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
	if (r->smp_open)
		sampler_stop(&r->smp);	/* with the release after it */
	if (r->dev_open) {
		uint64_t held = 0;

		if (labdev_held(&r->dev, &held) == 0 && held)
			lab_warn("the allocator still holds %llu pages after "
				 "every engine stopped",
				 (unsigned long long)held);
		r->rec.st.held_after = held;
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
	progress_clear(&r->prog);
}

static void free_run(struct run *r)
{
	size_t i;

	for (i = 0; i < r->ntr; i++)
		trace_free(&r->tr[i]);
	for (i = 0; i < SC_MAX_ENGINES; i++)
		free(r->rec.eng[i].cpus);
	pressure_free(&r->pr);
	nic_free(&r->nic);
	json_decref(r->rec.dut);
	if (r->km_open)
		kmsg_close(&r->km);
	if (r->knobs_open)
		knobs_close(&r->knobs);
	if (r->smp_open)
		sampler_free(&r->smp);
	outcome_free(&r->rec.out);
	target_free(&r->tgt);
	for (i = 0; i < INJ_COUNT; i++)
		json_decref(r->rec.inj[i].scope);
	ksyms_free(&r->ks);
	json_decref(r->rec.system);
	json_decref(r->rec.stress_ng);
	free(r->rec.dir);
	free(r->rec.id);
	free(r);
}

/* ---- the main loop ------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3)))
run_error(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->rec.stop_reason, sizeof(r->rec.stop_reason), fmt, ap);
	va_end(ap);
	r->rec.st.error = true;
}

/*
 * Start what is due at t: injectors, stress-ng, engines. Returns -1 on an
 * error (the run stops); *next gets when the next one is due.
 */
static int start_due(struct run *r, double t, double *next)
{
	const struct scenario *sc = r->sc;
	char err[512];
	size_t i;

#define DUE(ms) ((double)(ms) / 1000.0 <= t || \
		 ((*next = fmin(*next, (double)(ms) / 1000.0)), 0))
	for (i = 0; i < INJ_COUNT; i++) {
		const struct sc_inject *in = &sc->inject[i];
		struct injector_rt *rt = &r->rec.inj[i];

		if (rt->arm_tried || !in->present ||
		    in->scope == SC_SCOPE_NONE || !DUE(in->start_ms))
			continue;
		rt->arm_tried = true;
		if (arm_injection(r, in, err, sizeof(err))) {
			run_error(r, "%s", err);
			return -1;
		}
	}
	if (sc->pressure.present && !r->pr.started &&
	    DUE(sc->pressure.start_ms)) {
		if (pressure_start(&r->pr, &sc->pressure, sc->duration_ms,
				   r->rec.dir, err, sizeof(err))) {
			run_error(r, "%s", err);
			return -1;
		}
	}
	if (r->nic.ready && !r->nic.running && !r->nic.t_start &&
	    DUE(sc->nic.start_ms)) {
		int ret = nic_start(&r->nic, r->rec.t0);

		if (ret) {
			run_error(r, "cannot start the NIC flood: %s",
				  strerror(-ret));
			return -1;
		}
	}
	for (i = 0; i < sc->nengines; i++) {
		struct engine_record *e = &r->rec.eng[i];

		if (e->started || e->failed || !DUE(sc->engine[i].start_ms))
			continue;
		if (start_engine(r, i, err, sizeof(err))) {
			e->failed = true;
			run_error(r, "%s", err);
			return -1;
		}
	}
#undef DUE
	return 0;
}

/* The pulses of exhaust engines: record their phases, start the next. */
static int poll_pulses(struct run *r, double t, double *next)
{
	char err[512];
	size_t i;

	for (i = 0; i < r->sc->nengines; i++) {
		if (!r->sc->engine[i].exhaust_ms)
			continue;
		switch (pulse_poll(&r->rec.eng[i], &r->sc->engine[i], &r->dev,
				   &r->smp.mod, r->rec.t0, t, next)) {
		case PULSE_START:
			if (start_engine(r, i, err, sizeof(err))) {
				r->rec.eng[i].failed = true;
				run_error(r, "%s", err);
				return -1;
			}
			break;
		case PULSE_CHANGED:
			write_pulses(r);
			break;
		case PULSE_WAIT:
			break;
		}
	}
	return 0;
}

/*
 * Children that died on their own: stress-ng exiting with an error (not
 * an OOM victim: that is signal 9 to a worker, and an observation) means
 * the pressure never happened; a scope tracer that dies means injection
 * stopped. Returns -1 when the run must stop.
 */
static int check_children(struct run *r)
{
	char err[512];
	size_t i;

	if (r->pr.started && !r->pr_checked && !pressure_running(&r->pr)) {
		r->pr_checked = true;
		if (WIFEXITED(r->pr.c.status) &&
		    WEXITSTATUS(r->pr.c.status) == 1) {
			run_error(r, "stress-ng failed (exit 1): see %s",
				  r->pr.log_path);
			return -1;
		}
	}
	for (i = 0; i < r->ntr; i++) {
		if (r->tr_warned[i] || !trace_failed(&r->tr[i], err,
						     sizeof(err)))
			continue;
		r->tr_warned[i] = true;
		lab_warn("%s", err);
	}
	return 0;
}

/* Has a stop condition of the scenario come true? Why, or NULL. */
static const char *stop_condition(struct run *r, double now,
				  double *last_engine_check)
{
	const struct scenario *sc = r->sc;
	const struct series *s = &r->smp.mod, *p = &r->smp.proc;

	if ((sc->stop_on & SC_STOP_ATOMIC_FAILURE) && s->n &&
	    s->col[COL_FAIL_GENUINE][s->n - 1] > 0)
		return "first genuine atomic failure";
	if ((sc->stop_on & SC_STOP_OOM) &&
	    ((p->n && p->col[COL_OOM_KILL][p->n - 1] > 0) ||
	     (r->km_open && r->km.ev.nooms)))
		return "first OOM kill";
	if ((sc->stop_on & SC_STOP_ENGINES) && now - *last_engine_check > 0.1) {
		*last_engine_check = now;
		if (engines_all_stopped(r))
			return "every engine stopped itself";
	}
	return NULL;
}

static void show_progress(struct run *r)
{
	const struct series *s = &r->smp.mod;
	size_t n = s->n - 1;
	char phase[64] = "";

	if (!r->prog.enabled || !s->n)
		return;
	pulse_phase(r->rec.eng, r->sc, phase, sizeof(phase));
	progress_update(&r->prog, "%s%s  free %llu (min %llu)  held %llu  fail "
			"%llu+%llu inj  oom %zu",
			r->pr.started && r->pr.c.reaped ?
			"running (stress-ng gone)" : "running", phase,
			(unsigned long long)s->col[COL_FREE][n],
			(unsigned long long)s->col[COL_MIN][n],
			(unsigned long long)s->col[COL_HELD][n],
			(unsigned long long)s->col[COL_FAIL_GENUINE][n],
			(unsigned long long)s->col[COL_FAIL_INJECTED][n],
			r->km_open ? r->km.ev.nooms : (size_t)0);
}

/*
 * How long to sleep. The module samples on its own (its ring holds 30 s),
 * so the harness reads it four times a second, which is also how soon it
 * sees a stop condition (the thresholds themselves are the module's
 * exact numbers), and writes what it read out twice a second. Near the
 * reserve (free below low) it reads and writes twenty times a second, so
 * that a panic finds all but the last 50 ms of the series in the result
 * directory: each write is a round trip to the 9p share (sampler.h).
 */
static double read_period(struct run *r)
{
	const struct series *s = &r->smp.mod;
	double iv = (double)r->sc->sample_interval_ms / 1000.0;

	if (s->n && s->col[COL_FREE][s->n - 1] < s->col[COL_LOW][s->n - 1])
		return fmax(iv, SAMPLER_NEAR_S);
	return fmax(iv, SAMPLER_READ_S);
}

/* Sample until a stop condition; returns with stop_reason set. */
static void main_loop(struct run *r)
{
	const struct scenario *sc = r->sc;
	double stop_at = -1, last_engine_check = 0;
	double end = (double)sc->duration_ms / 1000.0;

	for (;;) {
		double now = now_mono(), t = now - r->rec.t0;
		double next = fmin(end, t + read_period(r));
		const char *why;
		struct timespec ts;

		if (stop_signal) {
			r->rec.st.interrupted = stop_signal;
			snprintf(r->rec.stop_reason,
				 sizeof(r->rec.stop_reason),
				 "interrupted by SIG%s",
				 sigabbrev_np(stop_signal));
			return;
		}
		if (start_due(r, t, &next) || check_children(r))
			return;
		if (stop_at < 0 && poll_pulses(r, t, &next))
			return;
		/* near the reserve, everything read is written at once */
		r->smp.flush_s = read_period(r) < SAMPLER_READ_S ? 0 :
				 SAMPLER_FLUSH_S;
		sampler_poll(&r->smp, now);
		if (r->nic.running && r->smp.mod.n)
			r->nic.engines_hold = r->smp.mod.col[COL_HELD]
					      [r->smp.mod.n - 1] > 0;
		if (r->km_open)
			kmsg_poll(&r->km);
		if (stop_at < 0 &&
		    (why = stop_condition(r, now, &last_engine_check))) {
			/* when the harness saw it: the threshold's own
			 * time is the module's, in the report */
			snprintf(r->rec.stop_reason,
				 sizeof(r->rec.stop_reason), "%s (the run "
				 "stopped at %.2f s)", why, t);
			stop_at = t + (double)sc->grace_ms / 1000.0;
		}
		if (stop_at >= 0 && t >= stop_at)
			return;
		if (t >= end) {
			if (!r->rec.stop_reason[0])
				snprintf(r->rec.stop_reason,
					 sizeof(r->rec.stop_reason),
					 "duration %.1f s reached", end);
			return;
		}
		show_progress(r);
		if (stop_at >= 0)
			next = fmin(next, stop_at);
		next = fmin(next, r->smp.next_proc - r->rec.t0);
		next -= now_mono() - r->rec.t0;
		if (next > 0) {
			ts.tv_sec = (time_t)next;
			ts.tv_nsec = (long)((next - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
}

/* ---- the stages of a run ----------------------------------------------- */

/* Before anything is touched: may this run here? 0 or an exit code. */
static int run_refuse(struct run *r)
{
	const struct scenario *sc = r->sc;

	if (sc->vm_only && !getenv("LABYRINTH_IN_VM") &&
	    !r->o->allow_outside_vm) {
		lab_err("%s: vm_only = yes (it can panic or OOM the kernel on "
			"purpose): run it with 'labyrinth vm run %s', or pass "
			"--outside-vm if this machine is expendable", sc->file,
			sc->file);
		return LAB_EXIT_SKIP;
	}
	if (sc->nic.present && !getenv("LABYRINTH_IN_VM")) {
		lab_err("%s: [nic] loads a NIC driver and moves interfaces "
			"between network namespaces: it runs only in the "
			"labyrinth VM ('labyrinth vm run %s')", sc->file,
			sc->file);
		return LAB_EXIT_SKIP;
	}
	if (geteuid() != 0) {
		lab_err("labyrinth run needs root: it loads a kernel module and "
			"writes debugfs and sysctls (or use 'labyrinth vm run "
			"%s', which runs it as root in a VM)", sc->file);
		return LAB_EXIT_ENV;
	}
	return 0;
}

/* The result directory: exactly --run-dir, or a fresh one under out. */
static int make_result_dir(struct run *r)
{
	const struct run_opts *o = r->o;
	const char *b;
	char *id = run_make_id(r->sc->name);
	size_t i;
	int ret;

	if (o->run_dir) {
		r->rec.dir = xstrdup(o->run_dir);
	} else {
		r->rec.dir = xasprintf("%s/%s", o->out_base, id);
		for (i = 2; file_exists(r->rec.dir) && i < 100; i++) {
			free(r->rec.dir);
			r->rec.dir = xasprintf("%s/%s-%zu", o->out_base, id, i);
		}
	}
	free(id);
	ret = mkdir_p(r->rec.dir, 0755);
	if (ret) {
		lab_err("cannot create the result directory %s: %s",
			r->rec.dir, strerror(-ret));
		return LAB_EXIT_ENV;
	}
	/* the run id is the directory's name */
	b = strrchr(r->rec.dir, '/');
	r->rec.id = xstrdup(b && b[1] ? b + 1 : r->rec.dir);
	return 0;
}

/* Load (if needed) and open the module: it takes the run's series. */
static int open_module(struct run *r)
{
	int ret;

	progress_update(&r->prog, "loading the module");
	if (!labdev_module_loaded()) {
		char *ko = labdev_module_path();

		if (!ko)
			return LAB_EXIT_ENV;
		ret = labdev_module_load(ko, NULL);
		free(ko);
		if (ret)
			return LAB_EXIT_ENV;
		r->loaded_module = true;
	}
	if (labdev_open(&r->dev))
		return LAB_EXIT_ENV;
	r->dev_open = true;
	if (!labdev_has(&r->dev, LAB_FEAT_SERIES)) {
		lab_err("this labyrinth module has no time series: rebuild and "
			"reload it ('make module')");
		return LAB_EXIT_ENV;
	}
	return 0;
}

/* The zone the module samples: where GFP_ATOMIC tries first. */
static void start_zone(char *zone, size_t len)
{
	struct zone_info z[MAX_ZONES];
	size_t nz = 0;
	char *text;
	int zi;

	snprintf(zone, len, "unknown");
	if (read_file("/proc/zoneinfo", &text, NULL))
		return;
	if (parse_zoneinfo(text, z, MAX_ZONES, &nz) == 0 &&
	    (zi = zone_pick(z, nz)) >= 0)
		snprintf(zone, len, "%s", z[zi].name);
	free(text);
}

/*
 * Everything a run changes, in order, each undone by cleanup(): the
 * result directory, the knob lock (and what a dead run left), the
 * module, the sysctls. 0, or an exit code: nothing ran, no report.
 */
/*
 * The driver under test: --module ones in order, then [target]'s; its
 * setup command. Loaded before the scenario's knobs are set, so that
 * its init runs on a machine as it was; unloaded in cleanup().
 */
static int target_setup(struct run *r)
{
	char err[1024];
	size_t i;
	int ret;

	for (i = 0; i < r->o->nmodules; i++)
		if (target_add_module(&r->tgt, r->o->modules[i], NULL, err,
				      sizeof(err))) {
			lab_err("%s", err);
			return LAB_EXIT_USAGE;
		}
	if (target_from_scenario(&r->tgt, r->sc, err, sizeof(err))) {
		lab_err("%s:%u: [target] %s", r->sc->file,
			r->sc->target.line, err);
		return LAB_EXIT_USAGE;
	}
	if (!target_present(&r->tgt))
		return 0;
	r->rec.target = &r->tgt;
	progress_update(&r->prog, "loading the driver under test");
	ret = target_start(&r->tgt, r->rec.dir);
	return ret;
}

static int run_setup(struct run *r)
{
	char err[1024], msg[512], zone[ZONE_NAME_MAX];
	int ret;

	/* The harness must outlive any OOM it provokes, or nobody restores
	 * the knobs; children inherit this (stress-ng sets its own workers'
	 * score with --oomable). */
	if (write_file("/proc/self/oom_score_adj", "-1000", 5))
		lab_warn("cannot protect labyrinth from the OOM killer: %m");
	ret = make_result_dir(r);
	if (ret)
		return ret;
	install_signals();
	r->rec.t0 = now_mono();
	r->rec.t0_wall = now_wall();
	ret = knobs_open(&r->knobs, "", r->o->state_dir, err, sizeof(err));
	if (ret) {
		lab_err("%s", err);
		return ret == -EBUSY ? LAB_EXIT_ENV : LAB_EXIT_INTERNAL;
	}
	r->knobs_open = true;
	ret = knobs_recover(&r->knobs, msg, sizeof(msg), err, sizeof(err));
	if (ret < 0) {
		lab_err("%s", err);
		return LAB_EXIT_ENV;
	}
	if (ret > 0)
		lab_warn("%s", msg);
	ret = open_module(r);
	if (ret)
		return ret;
	ret = target_setup(r);
	if (ret)
		return ret;
	/* kernel settings, then what the system looks like with them */
	if (knobs_apply_sysctls(&r->knobs, &r->sc->kernel, err, sizeof(err))) {
		lab_err("%s", err);
		return LAB_EXIT_ENV;
	}
	r->rec.system = run_system_json();
	start_zone(zone, sizeof(zone));
	sampler_init(&r->smp, &r->dev, (unsigned int)r->sc->sample_interval_ms,
		     (unsigned int)r->sc->proc_interval_ms, zone, r->rec.dir);
	r->smp_open = true;
	return 0;
}

/* The observers and helpers: kmsg, ballast, tracers. 0 or -1 (error). */
static int run_observers(struct run *r)
{
	const struct scenario *sc = r->sc;
	char err[1024], *p;
	size_t i;
	int ret;

	p = xasprintf("%s/kmsg.log", r->rec.dir);
	if (kmsg_open(&r->km, "/dev/kmsg", p, r->rec.t0) == 0)
		r->km_open = true;
	else
		lab_warn("cannot read /dev/kmsg: allocation failure warnings "
			 "and OOM reports are not recorded");
	free(p);
	r->rec.ev = r->km_open ? &r->km.ev : NULL;
	for (i = 0; sc->ballast_bytes && i < RUN_BALLASTS; i++) {
		uint64_t part = (sc->ballast_bytes + RUN_BALLASTS - 1) /
				RUN_BALLASTS;

		ret = start_ballast(&r->ballast[i], part);
		if (ret) {
			lab_err("cannot start the %llu-byte ballast: %s",
				(unsigned long long)sc->ballast_bytes,
				strerror(-ret));
			run_error(r, "no ballast: %s", strerror(-ret));
			return -1;
		}
	}
	if (sc->nic.present) {
		progress_update(&r->prog, "setting up the NICs");
		if (nic_setup(&r->nic, &sc->nic, sc->duration_ms,
			      r->o->nic_modules, r->rec.dir, err,
			      sizeof(err))) {
			lab_err("%s", err);
			run_error(r, "%s", err);
			return -1;
		}
	}
	/* our own pages stay in: a page fault at the bottom of the reserve
	 * would need the very memory the run is taking away */
	if (mlockall(MCL_CURRENT))
		lab_debug("mlockall: %m");
	/* scoped injection's configuration, then the scenario's scripts */
	for (i = 0; i < INJ_COUNT; i++) {
		const struct sc_inject *in = &sc->inject[i];

		if (in->present && sc_scope_bpf(in->scope) &&
		    prepare_scope(r, in, err, sizeof(err)))
			goto fail;
	}
	for (i = 0; i < sc->ntrace; i++) {
		p = xasprintf("%s/%s.bt", r->o->script_dir, sc->trace[i]);
		ret = trace_start(&r->tr[r->ntr], sc->trace[i], p, false,
				  r->rec.dir, err, sizeof(err));
		free(p);
		if (ret)
			goto fail;
		r->ntr++;
	}
	if (r->ntr && wait_tracers(r, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	lab_err("%s", err);
	run_error(r, "%s", err);
	return -1;
}

/* Write the record's report to name (the partial one at t = 0). */
static void write_json(struct run *r, const char *name)
{
	char *p = xasprintf("%s/%s", r->rec.dir, name), *text;
	json_t *rep;

	r->rec.ntr = r->ntr;
	rep = run_build_report(&r->rec);
	text = json_dumps(rep, JSON_INDENT(1));
	if (text)
		write_file_atomic(p, text, strlen(text));
	free(text);
	free(p);
	json_decref(rep);
}

/* From t = 0 to a stop condition. */
static void run_go(struct run *r)
{
	int ret;

	/* go: t = 0 is when the load starts */
	r->rec.t0 = now_mono();
	r->km.t0 = r->rec.t0;
	ret = sampler_start(&r->smp, r->rec.t0);
	if (ret) {
		run_error(r, "the module refused to start its series: %s",
			  strerror(-ret));
		return;
	}
	/* the partial report: what the host completes after a panic */
	r->rec.st.unfinished = true;
	run_record_outcome(&r->rec);
	write_json(r, RUN_PARTIAL);
	r->rec.st.unfinished = false;
	r->cpu0 = self_cpu_s();
	ret = target_workload_start(&r->tgt);
	if (ret) {
		run_error(r, "[target] workload '%s' did not start: %s",
			  r->tgt.workload.cmd, strerror(-ret));
		return;
	}
	main_loop(r);
	r->rec.cpu_s = self_cpu_s() - r->cpu0;
	r->rec.t_end = now_mono() - r->rec.t0;
}

static bool stress_oom_killed(const struct run *r)
{
	size_t i;

	for (i = 0; r->km_open && i < r->km.ev.n; i++)
		if (r->km.ev.v[i].has_oom &&
		    !strncmp(r->km.ev.v[i].oom.comm, "stress-ng", 9))
			return true;
	return false;
}

/* The driver's allocation failure reports, from the run's kmsg.log. */
static void nic_read_kmsg(struct run *r)
{
	char *p = xasprintf("%s/kmsg.log", r->rec.dir), *text;

	if (r->km_open && read_file(p, &text, NULL) == 0) {
		r->nic.nkfail = nic_kmsg_failures(text, r->nic.side[1].driver,
						  r->rec.t0, &r->nic.kfail);
		free(text);
	}
	free(p);
}

/* Put everything back, decide, write the report. The exit code. */
static int run_report(struct run *r)
{
	char err[1024];
	json_t *rep;
	int ret;

	cleanup(r);
	if (r->rec.st.interrupted)
		lab_warn("%s: knobs restored, engines stopped, writing the "
			 "report of what ran", r->rec.stop_reason);
	if (r->pr.started)
		r->rec.stress_ng = pressure_report(&r->pr,
						   stress_oom_killed(r));
	run_record_outcome(&r->rec);
	if (r->sc->nic.present && r->nic.cfg) {
		nic_read_kmsg(r);
		r->rec.dut = nic_report_json(&r->nic, &r->rec.out);
		r->rec.st.dut_failed = json_is_false(json_object_get(
			json_object_get(r->rec.dut, "check"), "passed"));
	}
	r->rec.ntr = r->ntr;
	rep = run_build_report(&r->rec);
	ret = report_write_all(r->rec.dir, rep, REPORT_FMT_ALL, err,
			       sizeof(err));
	if (ret) {
		char *p = xasprintf("%s/report.rejected.json", r->rec.dir);
		char *text = json_dumps(rep, JSON_INDENT(1));

		lab_err("the report was not written: %s (the rejected report "
			"is kept as %s for a bug report)", err, p);
		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
		json_decref(rep);
		return LAB_EXIT_INTERNAL;
	}
	if (!r->o->quiet) {
		/* under 'vm run' the guest is quiet and the host says it */
		report_print_summary(stdout, rep);
		printf("Report: %s/%s\n", r->rec.dir, REPORT_HTML);
		fflush(stdout);
	}
	json_decref(rep);
	/* report.json supersedes the partial one */
	{
		char *p = xasprintf("%s/%s", r->rec.dir, RUN_PARTIAL);

		unlink(p);
		free(p);
	}
	ret = outcome_exit_code(&r->rec.out, &r->rec.st);
	/* a failed check or unload fails a run that otherwise passed */
	return ret == LAB_EXIT_OK && r->target_exit ? r->target_exit : ret;
}

int run_scenario(struct scenario *sc, const struct run_opts *o)
{
	struct run *r = xcalloc(1, sizeof(*r));
	char why[512];
	const char *missing;
	size_t i;
	int ret;

	r->sc = sc;
	r->o = o;
	r->rec.sc = sc;
	r->rec.command = o->command;
	r->rec.tr = r->tr;
	for (i = 0; i < INJ_COUNT; i++)
	progress_init(&r->prog);
	if (o->quiet)
		r->prog.enabled = 0;

	ret = run_refuse(r);
	if (!ret)
		ret = run_setup(r);
	if (ret)
		goto out;	/* nothing ran: no report */
	r->rec.s = &r->smp.mod;
	r->rec.proc = &r->smp.proc;
	missing = missing_support(r, why, sizeof(why));
	if (missing) {
		lab_err("%s: skipped: %s", sc->file, missing);
		snprintf(r->rec.stop_reason, sizeof(r->rec.stop_reason),
			 "skipped: %s", missing);
		r->rec.st.skipped = true;
	} else if (run_observers(r) == 0) {
		run_go(r);
	}
	ret = run_report(r);
out:
	cleanup(r);
	free_run(r);
	return ret;
}
