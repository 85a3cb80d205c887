// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth bench: what labyrinth costs, measured where it runs.
 *
 * The allocator's overhead against the raw page allocator, by the module
 * in one ioctl (LAB_IOC_BENCH): N raw alloc_page(GFP_ATOMIC)/__free_page()
 * pairs and N labyrinth alloc/free pairs with shred none, fast and crypto,
 * interleaved chunk by chunk with IRQs off on one CPU. Run several times,
 * the median ratio reported (labyrinth time / raw time), so one noisy run
 * does not decide; then once on every CPU at the same time: the ownership
 * record shares nothing between CPUs, and this is where that shows.
 *
 * The spam rate an engine achieves against the one it is asked for, at
 * 1k, 10k, 100k and 1M allocations/s per CPU: an hrtimer engine on every
 * CPU, churning pages held 1 ms, its attempts over its own run time.
 *
 * The sampler's cost at 100 Hz: the run's own sampler (sampler.c) for a
 * while, against the same while idle, as CPU time of this process and as
 * busy time of the whole machine (which includes the module's timer); and
 * the /proc sampler labyrinth had before, for the ratio.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "labdev.h"
#include "sample.h"
#include "sampler.h"
#include "util.h"

#define BENCH_RUNS_MAX 99
#define BENCH_CPUS_MAX 256
#define BENCH_GOAL 1.10

#define BENCH_BOOTS_MAX 9

struct bench_opts {
	uint64_t iterations;
	uint64_t chunk;
	uint64_t runs;
	const char *json;
	int load;
	int all_cpus;
	double goal;
	uint64_t sampler_ms;		/* each sampler window, 0: none */
	/* boot-to-command times the caller measured outside this VM
	 * (tools/bench.sh), only recorded */
	double boot_s[BENCH_BOOTS_MAX];
	int nboot;
	uint64_t spam_ms;		/* each spam rate's run, 0: none */
	const char *live_dir;		/* where its CSVs go */
};

/* The allocator's ratios: per run, and their medians. */
struct bench_alloc {
	struct lab_bench res[BENCH_RUNS_MAX];
	double none, fast, crypto;		/* fastest chunks */
	double random;		/* get_random_bytes(4096) alone / raw pair */
	double crypto_random;	/* crypto shred pair / that: NAN if the
				 * module is older than ABI 2.1 */
	double t_none, t_fast, t_crypto;	/* whole-run totals */
	struct lab_bench allc[BENCH_CPUS_MAX];
	int nall;
	double all_none, all_raw;
};

/* One sampler window: its length and what it cost. */
struct cost {
	double wall_s, self_cpu_s, busy_s;
	unsigned long samples;
};

struct bench_sampler {
	struct cost idle, legacy, far, near;
};

/*
 * Spam rates asked of an engine, per CPU, and what it achieved. The last
 * is past what a CPU can do here (1000 allocations a 1 ms tick, just
 * under LAB_BURST_MAX and the tick budget): what it achieves is the
 * engine's maximum, set against the raw alloc/free loop's rate in the
 * same run (1 / raw_ns_per_pair: one CPU doing nothing else, IRQs off).
 */
#define SPAM_NRATES 4
static const uint64_t spam_rates[SPAM_NRATES] = {
	1000, 10000, 100000, 1000000
};

struct bench_spam {
	uint64_t rate;			/* asked, per CPU */
	double achieved;		/* attempts / s / CPU */
	double run_s;
	uint32_t cpus;
	uint64_t attempts, failures, bursts_dropped, budget_cuts;
};

static void bench_usage(FILE *f)
{
	fprintf(f,
		"Usage: labyrinth bench [OPTIONS]\n"
		"\n"
		"Measure, inside the machine it runs on (root and the module\n"
		"needed): the labyrinth allocator's overhead over the raw page\n"
		"allocator (alloc+free pairs, same context, same run), and what\n"
		"the run's sampler costs at 100 Hz.\n"
		"\n"
		"Options:\n"
		"  -n, --iterations N  pairs per variant per run (default 200000)\n"
		"  -c, --chunk N       pairs per IRQs-off chunk (default 64, at\n"
		"                      most 256; the module shrinks a chunk\n"
		"                      that would keep IRQs off over 1 ms)\n"
		"  -r, --runs N        runs; the median ratio is reported (default 5)\n"
		"  -j, --json PATH     also write the results as JSON to PATH\n"
		"  -l, --load          load the module first if needed (and\n"
		"                      unload it afterwards if it loaded it)\n"
		"      --no-all-cpus   skip the run on every CPU at once\n"
		"  -s, --sampler DUR   each sampler window (default 10s; 0: skip)\n"
		"      --spam DUR      each spam-rate run, 1k/10k/100k/1M allocations\n"
		"                      per second per CPU (default 2s; 0: skip)\n"
		"      --live-dir DIR  where the sampler streams its CSV files, as\n"
		"                      in a run (default: a temporary directory)\n"
		"  -g, --goal X        exit 1 if the shred-none ratio is above X\n"
		"                      (default: report only)\n"
		"      --boot-to-command S\n"
		"                      a boot-to-command time in seconds the\n"
		"                      caller measured on the host (repeatable,\n"
		"                      up to 9; tools/bench.sh passes 3): only\n"
		"                      recorded, with their median\n"
		"  -h, --help          this text\n"
		"\n"
		"EXAMPLES\n"
		"  labyrinth bench --load --json reports/bench.json\n"
		"  labyrinth bench --load --runs 1 --no-all-cpus --sampler 30s\n"
		"  make bench          (boots the test kernel and runs the above)\n");
}

static int bench_opt(struct bench_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'n':
		if (!parse_u64(arg, 1, LAB_BENCH_ITERS_MAX, &o->iterations))
			return 0;
		lab_err("--iterations %s: want 1..%llu", arg,
			(unsigned long long)LAB_BENCH_ITERS_MAX);
		return -1;
	case 'c':
		if (!parse_u64(arg, 1, LAB_BENCH_CHUNK_MAX, &o->chunk))
			return 0;
		lab_err("--chunk %s: want 1..%d", arg, LAB_BENCH_CHUNK_MAX);
		return -1;
	case 'r':
		if (!parse_u64(arg, 1, BENCH_RUNS_MAX, &o->runs))
			return 0;
		lab_err("--runs %s: want 1..%d", arg, BENCH_RUNS_MAX);
		return -1;
	case 's':
		if (!parse_duration_ms(arg, 0, 3600000, &o->sampler_ms))
			return 0;
		lab_err("--sampler %s: want a duration up to 1h, or 0", arg);
		return -1;
	case 'g':
		if (!parse_double(arg, 1.0, 1000.0, &o->goal))
			return 0;
		lab_err("--goal %s: want a ratio >= 1", arg);
		return -1;
	case 'j':
		o->json = arg;
		return 0;
	case 'D':
		o->live_dir = arg;
		return 0;
	case 'S':
		if (!parse_duration_ms(arg, 0, 600000, &o->spam_ms))
			return 0;
		lab_err("--spam %s: want a duration up to 10m, or 0", arg);
		return -1;
	case 'l':
		o->load = 1;
		return 0;
	case 'A':
		o->all_cpus = 0;
		return 0;
	case 'B':
		if (o->nboot < BENCH_BOOTS_MAX &&
		    !parse_double(arg, 0.0, 3600.0, &o->boot_s[o->nboot])) {
			o->nboot++;
			return 0;
		}
		lab_err("--boot-to-command %s: want seconds 0..3600, at most "
			"%d times", arg, BENCH_BOOTS_MAX);
		return -1;
	}
	bench_usage(stderr);
	return -1;
}

static int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "load", no_argument, NULL, 'l' },
		{ "goal", required_argument, NULL, 'g' },
		{ "no-all-cpus", no_argument, NULL, 'A' },
		{ "sampler", required_argument, NULL, 's' },
		{ "live-dir", required_argument, NULL, 'D' },
		{ "spam", required_argument, NULL, 'S' },
		{ "boot-to-command", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->iterations = 200000;
	o->chunk = 64;
	o->runs = 5;
	o->all_cpus = 1;
	o->sampler_ms = 10000;
	o->spam_ms = 2000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:c:r:j:lg:s:h", longopts,
				NULL)) != -1) {
		if (c == 'h') {
			bench_usage(stdout);
			return LAB_EXIT_OK;
		}
		if (bench_opt(o, c, optarg))
			return LAB_EXIT_USAGE;
	}
	if (optind != argc) {
		lab_err("bench: unexpected argument '%s'", argv[optind]);
		return LAB_EXIT_USAGE;
	}
	return -1;	/* go on */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* First line of /proc/version, or the "model name" of /proc/cpuinfo. */
static char *proc_line(const char *path, const char *key)
{
	char *buf, *line, *save = NULL, *out = NULL;
	size_t len;

	if (read_file(path, &buf, &len))
		return xstrdup("unknown");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!key) {
			out = xstrdup(line);
			break;
		}
		if (!strncmp(line, key, strlen(key))) {
			char *colon = strchr(line, ':');

			out = xstrdup(colon ? colon + 2 : line);
			break;
		}
	}
	free(buf);
	return out ? out : xstrdup("unknown");
}

/* ---- the allocator ------------------------------------------------------- */

/*
 * One LAB_IOC_BENCH per online CPU, all at once: children pinned to their
 * CPU wait on a pipe so they start together, and send their result back.
 * Returns the number of CPUs measured (0 on failure).
 */
static int bench_all_cpus(const struct bench_opts *o, struct lab_bench *res,
			  int max)
{
	int go[2], back[2], n = 0, i, status, ok = 1;
	pid_t pids[BENCH_CPUS_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 1 || pipe(go) || pipe(back))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < max && n < ncpu; i++) {
		CPU_ZERO(&set);
		CPU_SET(i, &set);
		pids[n] = fork();
		if (pids[n] < 0)
			break;
		if (!pids[n]) {
			struct lab_bench b = { .iterations = o->iterations,
					       .chunk = (uint32_t)o->chunk };
			struct labdev d;
			char c;

			close(go[1]);
			close(back[0]);
			if (sched_setaffinity(0, sizeof(set), &set) ||
			    labdev_open_quiet(&d) ||
			    read(go[0], &c, 1) != 1 || labdev_bench(&d, &b))
				_exit(1);
			_exit(write(back[1], &b, sizeof(b)) == sizeof(b) ?
			      0 : 1);
		}
		n++;
	}
	close(go[0]);
	close(back[1]);
	/* Closing the write end releases them all at once. */
	for (i = 0; i < n; i++)
		if (write(go[1], "g", 1) != 1)
			ok = 0;
	close(go[1]);
	for (i = 0; i < n; i++)
		if (read(back[0], &res[i], sizeof(res[i])) != sizeof(res[i]))
			ok = 0;
	close(back[0]);
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	return ok ? n : 0;
}

static int bench_allocator(struct labdev *d, const struct bench_opts *o,
			   struct bench_alloc *a)
{
	double rn[BENCH_RUNS_MAX], rf[BENCH_RUNS_MAX], rc[BENCH_RUNS_MAX];
	double tn[BENCH_RUNS_MAX], tf[BENCH_RUNS_MAX], tc[BENCH_RUNS_MAX];
	double rr[BENCH_RUNS_MAX], rcr[BENCH_RUNS_MAX];
	uint64_t i;
	int c;

	for (i = 0; i < o->runs; i++) {
		struct lab_bench *b = &a->res[i];
		double raw_c, raw_t;

		memset(b, 0, sizeof(*b));
		b->iterations = o->iterations;
		b->chunk = (uint32_t)o->chunk;
		c = labdev_bench(d, b);
		if (c) {
			lab_err("LAB_IOC_BENCH: %s", strerror(-c));
			return -1;
		}
		if (!b->raw_ns || !b->raw_min_chunk_ns) {
			lab_err("LAB_IOC_BENCH: no raw time: clock too coarse, "
				"or a module older than this labyrinth? "
				"rebuild and reload it");
			return -1;
		}
		/* Headline: fastest chunks (undisturbed by the host). */
		raw_c = (double)b->raw_min_chunk_ns;
		raw_t = (double)b->raw_ns;
		rn[i] = (double)b->shred_none_min_chunk_ns / raw_c;
		rf[i] = (double)b->shred_fast_min_chunk_ns / raw_c;
		rc[i] = (double)b->shred_crypto_min_chunk_ns / raw_c;
		tn[i] = (double)b->shred_none_ns / raw_t;
		tf[i] = (double)b->shred_fast_ns / raw_t;
		tc[i] = (double)b->shred_crypto_ns / raw_t;
		rr[i] = b->random_min_chunk_ns ?
			(double)b->random_min_chunk_ns / raw_c : NAN;
		rcr[i] = b->random_min_chunk_ns ?
			(double)b->shred_crypto_min_chunk_ns /
			(double)b->random_min_chunk_ns : NAN;
		printf("run %llu: fastest chunk of %llu: raw %.1f ns/pair, "
		       "none %.3fx, fast %.3fx, crypto %.3fx; totals: raw %.1f "
		       "ns/pair, none %.3fx, fast %.3fx, crypto %.3fx%s\n",
		       (unsigned long long)i + 1, (unsigned long long)o->chunk,
		       raw_c / (double)o->chunk, rn[i], rf[i], rc[i],
		       raw_t / (double)o->iterations, tn[i], tf[i], tc[i],
		       b->failures ? " (some allocations failed)" : "");
		fflush(stdout);
	}
	a->none = median(rn, o->runs);
	a->fast = median(rf, o->runs);
	a->crypto = median(rc, o->runs);
	a->t_none = median(tn, o->runs);
	a->t_fast = median(tf, o->runs);
	a->t_crypto = median(tc, o->runs);
	a->random = isnan(rr[0]) ? NAN : median(rr, o->runs);
	a->crypto_random = isnan(rcr[0]) ? NAN : median(rcr, o->runs);
	if (!o->all_cpus)
		return 0;
	a->nall = bench_all_cpus(o, a->allc, BENCH_CPUS_MAX);
	if (!a->nall) {
		lab_err("bench on all CPUs at once failed");
		return -1;
	}
	for (c = 0; c < a->nall; c++) {
		a->all_raw += (double)a->allc[c].raw_min_chunk_ns;
		a->all_none += (double)a->allc[c].shred_none_min_chunk_ns;
	}
	return 0;
}

/* ---- the sampler --------------------------------------------------------- */

/* Busy seconds of the whole machine so far (every CPU, IRQs included). */
static double machine_busy_s(void)
{
	unsigned long long v[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);
	char *text;
	double busy = 0;
	int i;

	if (read_file("/proc/stat", &text, NULL))
		return 0;
	if (sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
		for (i = 0; i < 8; i++)
			if (i != 3 && i != 4)	/* idle, iowait */
				busy += (double)v[i];
	free(text);
	return busy / (double)(hz > 0 ? hz : 100);
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

enum window { W_IDLE, W_LEGACY, W_FAR, W_NEAR };

/*
 * The /proc sampler labyrinth had before: every tick, /proc/vmstat,
 * /proc/zoneinfo and /proc/meminfo read and parsed, the allocator's
 * stats ioctl, a CSV row flushed every tenth of a second.
 */
static unsigned long legacy_tick(struct labdev *d, FILE *csv, int fds[3],
				 char *buf, size_t cap, unsigned long n)
{
	struct zone_info z[MAX_ZONES];
	struct vmstat vs;
	struct meminfo mi;
	struct lab_stats st;
	size_t nz;
	ssize_t got;
	int i;

	for (i = 0; i < 3; i++) {
		got = pread(fds[i], buf, cap - 1, 0);
		buf[got > 0 ? got : 0] = '\0';
		if (i == 0)
			parse_vmstat(buf, &vs);
		else if (i == 1)
			parse_zoneinfo(buf, z, MAX_ZONES, &nz);
		else
			parse_meminfo(buf, &mi);
	}
	labdev_stats(d, LAB_ENGINE_ALLOCATOR, &st, NULL, NULL);
	fprintf(csv, "%lu,%llu,%llu\n", n, (unsigned long long)vs.nr_free_pages,
		(unsigned long long)st.total.attempts);
	if (n % 10 == 0)
		fflush(csv);
	return n + 1;
}

/* One window of the given kind, for o->sampler_ms. */
static int sampler_window(struct labdev *d, const struct bench_opts *o,
			  const char *dir, enum window kind, struct cost *c)
{
	static const char *const paths[] = {
		"/proc/vmstat", "/proc/zoneinfo", "/proc/meminfo",
	};
	double t0 = now_mono(), end = t0 + (double)o->sampler_ms / 1000.0;
	double cpu0 = self_cpu_s(), busy0 = machine_busy_s();
	struct sampler s;
	int fds[3] = { -1, -1, -1 }, i, ret = 0;
	char *p = xasprintf("%s/legacy.csv", dir), buf[65536];
	FILE *csv = NULL;

	memset(c, 0, sizeof(*c));
	if (kind == W_LEGACY) {
		csv = fopen(p, "we");
		for (i = 0; i < 3; i++)
			fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
	} else if (kind != W_IDLE) {
		sampler_init(&s, d, 10, 250, "bench", dir);
		if (kind == W_NEAR)
			s.flush_s = 0;	/* as a run near the reserve */
		ret = sampler_start(&s, t0);
	}
	for (double now = t0; !ret && now < end; now = now_mono()) {
		double next = now + (kind == W_FAR ? SAMPLER_READ_S :
				     kind == W_NEAR ? SAMPLER_NEAR_S : 0.01);

		if (kind == W_LEGACY && csv)
			c->samples = legacy_tick(d, csv, fds, buf, sizeof(buf),
						 c->samples);
		else if (kind != W_IDLE)
			sampler_poll(&s, now);
		if (kind == W_IDLE)
			next = end;
		else if (kind != W_LEGACY)
			next = fmin(next, s.next_proc);
		sleep_s(fmin(next, end) - now_mono());
	}
	if (kind == W_FAR || kind == W_NEAR) {
		sampler_stop(&s);
		c->samples = s.mod.n;
		sampler_free(&s);
	}
	c->wall_s = now_mono() - t0;
	c->self_cpu_s = self_cpu_s() - cpu0;
	c->busy_s = machine_busy_s() - busy0;
	if (csv)
		fclose(csv);
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(p);
	if (ret)
		lab_err("the module refused its series: %s", strerror(-ret));
	return ret;
}

/*
 * The same while idle, with the old /proc sampler, with the run's sampler
 * at its usual pace (the ring read every 250 ms, written out every 500)
 * and near the reserve (read and written every 50 ms, as a run does when
 * free pages are below low).
 */
static int bench_sampler(struct labdev *d, const struct bench_opts *o,
			 struct bench_sampler *b)
{
	char tmpl[] = "/tmp/labyrinth-bench.XXXXXX";
	const char *dir = o->live_dir;
	int ret;

	if (dir ? mkdir_p(dir, 0755) != 0 : !(dir = mkdtemp(tmpl))) {
		lab_err("cannot create a directory for the sampler: %m");
		return -1;
	}
	printf("sampler: 4 windows of %.1f s (idle, /proc sampler, module "
	       "series, module series near the reserve)...\n",
	       (double)o->sampler_ms / 1000.0);
	fflush(stdout);
	ret = sampler_window(d, o, dir, W_IDLE, &b->idle) ||
	      sampler_window(d, o, dir, W_LEGACY, &b->legacy) ||
	      sampler_window(d, o, dir, W_FAR, &b->far) ||
	      sampler_window(d, o, dir, W_NEAR, &b->near);
	if (!o->live_dir)
		remove_tree(dir);
	return ret ? -1 : 0;
}

/* What a window cost beyond the idle one, in % of one CPU. */
static double self_pct(const struct cost *c)
{
	return c->wall_s > 0 ? c->self_cpu_s / c->wall_s * 100 : 0;
}

static double machine_pct(const struct cost *c, const struct cost *idle)
{
	double base = idle->wall_s > 0 ? idle->busy_s / idle->wall_s : 0;

	return c->wall_s > 0 ? (c->busy_s / c->wall_s - base) * 100 : 0;
}

/* ---- spam rate ----------------------------------------------------------- */

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* ktime_get_ns()'s clock */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * One engine on every CPU at rate per CPU for ms: hrtimer context,
 * churn (each page held 1 ms, so the machine's memory is untouched),
 * a tick a millisecond (burst = rate / 1000). Its attempts counted over
 * its own run, start_ns to when the stats were read.
 */
static int spam_one(struct labdev *d, uint64_t rate, uint64_t ms,
		    struct bench_spam *r)
{
	struct lab_start s = {
		.context = LAB_CTX_HRTIMER, .policy = LAB_POLICY_CHURN,
		.shred = LAB_SHRED_NONE, .rate = rate,
		.burst = (uint32_t)(rate >= 1000 ? rate / 1000 : 1),
		.hold_ns = 1000000, .watchdog_ms = ms + 10000,
	};
	struct lab_stats st;
	double now;
	int ret;

	memset(r, 0, sizeof(*r));
	r->rate = rate;
	if (labdev_start(d, &s))
		return -1;
	sleep_s((double)ms / 1000.0);
	ret = labdev_stats(d, s.engine_id, &st, NULL, NULL);
	now = mono_ns();
	labdev_stop(d, s.engine_id, LAB_STOP_F_RELEASE, NULL);
	if (ret)
		return -1;
	r->cpus = s.nr_cpus;
	r->run_s = (now - (double)st.start_ns) / 1e9;
	r->attempts = st.total.attempts;
	r->failures = st.total.fail_genuine + st.total.fail_injected_private +
		      st.total.fail_injected_kernel +
		      st.total.fail_unattributed;
	r->bursts_dropped = st.total.bursts_dropped;
	r->budget_cuts = st.total.budget_cuts;
	r->achieved = r->run_s > 0 && r->cpus ?
		      (double)r->attempts / r->run_s / r->cpus : 0;
	return 0;
}

static int bench_spam(struct labdev *d, const struct bench_opts *o,
		      struct bench_spam *r)
{
	int i;

	for (i = 0; i < SPAM_NRATES; i++)
		if (spam_one(d, spam_rates[i], o->spam_ms, &r[i])) {
			lab_err("bench: spam at %llu/s per CPU: %s",
				(unsigned long long)spam_rates[i],
				strerror(errno));
			return -1;
		}
	return 0;
}

/* The raw loop's pairs per second on one CPU (0: not measured). */
static double raw_loop_rate(const struct bench_alloc *a,
			    const struct bench_opts *o)
{
	double ns = (double)a->res[0].raw_min_chunk_ns / (double)o->chunk;

	return ns > 0 ? 1e9 / ns : 0;
}

static void print_spam(const struct bench_spam *r, double raw_rate)
{
	int i;

	printf("\nspam rate achieved / requested (hrtimer engine on %u CPUs, "
	       "churn, pages held 1 ms):\n", r[0].cpus);
	for (i = 0; i < SPAM_NRATES; i++)
		printf("  %7llu/s per CPU  %9.0f/s  %.3fx  (%llu failures, "
		       "%llu bursts dropped, %llu budget cuts)\n",
		       (unsigned long long)r[i].rate, r[i].achieved,
		       r[i].achieved / (double)r[i].rate,
		       (unsigned long long)r[i].failures,
		       (unsigned long long)r[i].bursts_dropped,
		       (unsigned long long)r[i].budget_cuts);
	if (raw_rate > 0)
		printf("  max: %.0f/s per CPU = %.3fx the raw alloc/free "
		       "loop's %.0f/s\n", r[SPAM_NRATES - 1].achieved,
		       r[SPAM_NRATES - 1].achieved / raw_rate, raw_rate);
}

static json_t *spam_json(const struct bench_spam *r, double raw_rate)
{
	json_t *a = json_array(), *e;
	int i;

	for (i = 0; i < SPAM_NRATES; i++) {
		e = json_pack(
			"{s:I,s:f,s:f,s:f,s:i,s:I,s:I,s:I,s:I}",
			"requested_per_cpu", (json_int_t)r[i].rate,
			"achieved_per_cpu", r[i].achieved,
			"ratio", r[i].achieved / (double)r[i].rate,
			"run_s", r[i].run_s, "cpus", (int)r[i].cpus,
			"attempts", (json_int_t)r[i].attempts,
			"failures", (json_int_t)r[i].failures,
			"bursts_dropped", (json_int_t)r[i].bursts_dropped,
			"budget_cuts", (json_int_t)r[i].budget_cuts);
		/* the engine against the raw loop: its maximum at the last */
		if (raw_rate > 0)
			json_object_set_new(e, "vs_raw_loop", json_real(
				r[i].achieved / raw_rate));
		json_array_append_new(a, e);
	}
	return a;
}

/* ---- boot to command (measured by the caller, on the host) --------------- */

static double boot_median(const struct bench_opts *o)
{
	double v[BENCH_BOOTS_MAX];

	memcpy(v, o->boot_s, sizeof(v[0]) * (size_t)o->nboot);
	return median(v, (size_t)o->nboot);
}

static void boot_report(const struct bench_opts *o)
{
	int i;

	if (!o->nboot)
		return;
	printf("\nboot to command and back (labyrinth vm -- true, measured "
	       "on the host):\n  median %.3f s of", boot_median(o));
	for (i = 0; i < o->nboot; i++)
		printf(" %.3f", o->boot_s[i]);
	printf("\n");
}

static json_t *boot_json(const struct bench_opts *o)
{
	json_t *runs = json_array();
	int i;

	for (i = 0; i < o->nboot; i++)
		json_array_append_new(runs, json_real(o->boot_s[i]));
	return json_pack("{s:f,s:o,s:s}", "median_s", boot_median(o),
			 "runs_s", runs, "what",
			 "labyrinth vm -- true, wall time on the host");
}

/* ---- results ------------------------------------------------------------- */

static void print_results(const struct bench_opts *o,
			  const struct bench_alloc *a,
			  const struct bench_sampler *b, const char *kver,
			  const char *cpu)
{
	int c;

	for (c = 0; c < a->nall; c++)
		printf("all CPUs at once, cpu %u: fastest chunk: raw %.1f "
		       "ns/pair, none %.1f (%.3fx)\n", a->allc[c].cpu,
		       (double)a->allc[c].raw_min_chunk_ns / (double)o->chunk,
		       (double)a->allc[c].shred_none_min_chunk_ns /
		       (double)o->chunk,
		       (double)a->allc[c].shred_none_min_chunk_ns /
		       (double)a->allc[c].raw_min_chunk_ns);
	printf("\nlabyrinth alloc+free / raw alloc_page+__free_page, fastest "
	       "%llu-pair chunks, median of %llu runs of %llu pairs (kernel "
	       "%s, %s):\n", (unsigned long long)o->chunk,
	       (unsigned long long)o->runs, (unsigned long long)o->iterations,
	       kver, cpu);
	printf("  shred none    %6.3fx   (goal <= %.2fx: %s)\n", a->none,
	       BENCH_GOAL, a->none <= BENCH_GOAL ? "met" : "NOT met");
	printf("  shred fast    %6.3fx\n", a->fast);
	printf("  shred crypto  %6.3fx\n", a->crypto);
	if (isnan(a->random))
		printf("  get_random_bytes(4096) alone: not measured (a module "
		       "older than ABI 2.1)\n");
	else
		printf("  get_random_bytes(4096) alone %.3fx the raw pair; the "
		       "crypto-shred pair is %.3fx it\n", a->random,
		       a->crypto_random);
	printf("  (whole-run totals, host noise included: none %.3fx, fast "
	       "%.3fx, crypto %.3fx)\n", a->t_none, a->t_fast, a->t_crypto);
	if (a->nall)
		printf("  shred none on all %d CPUs at once: %.3fx (raw %.1f "
		       "ns/pair per CPU)\n", a->nall, a->all_none / a->all_raw,
		       a->all_raw / a->nall / (double)o->chunk);
	if (!o->sampler_ms)
		return;
	printf("\nsampler at 100 Hz, %.1f s each, %% of one CPU (this process; "
	       "the machine beyond idle, the module's timer included):\n",
	       (double)o->sampler_ms / 1000.0);
	printf("  module series, as in a run        %5.2f%%  %5.2f%%  (%lu "
	       "samples; goal <= 1%%: %s)\n", self_pct(&b->far),
	       machine_pct(&b->far, &b->idle), b->far.samples,
	       self_pct(&b->far) <= 1.0 ? "met" : "NOT met");
	printf("  module series, near the reserve   %5.2f%%  %5.2f%%  (read "
	       "and written every 50 ms)\n", self_pct(&b->near),
	       machine_pct(&b->near, &b->idle));
	printf("  /proc sampler labyrinth had       %5.2f%%  %5.2f%%  (%lu "
	       "ticks; %.1fx the module series)\n", self_pct(&b->legacy),
	       machine_pct(&b->legacy, &b->idle), b->legacy.samples,
	       self_pct(&b->far) > 0 ? self_pct(&b->legacy) /
	       self_pct(&b->far) : 0);
}

static json_t *cost_json(const struct cost *c, const struct cost *idle)
{
	json_t *o = json_object();

	json_object_set_new(o, "wall_s", json_real(c->wall_s));
	json_object_set_new(o, "process_cpu_s", json_real(c->self_cpu_s));
	json_object_set_new(o, "process_cpu_percent", json_real(self_pct(c)));
	json_object_set_new(o, "machine_busy_s", json_real(c->busy_s));
	if (idle)
		json_object_set_new(o, "machine_percent_over_idle",
				    json_real(machine_pct(c, idle)));
	json_object_set_new(o, "samples", json_integer((json_int_t)c->samples));
	return o;
}

static json_t *bench_run_json(const struct lab_bench *b)
{
	json_t *o = json_object();

#define U(k) json_object_set_new(o, #k, json_integer((json_int_t)b->k))
	U(raw_min_chunk_ns);
	U(shred_none_min_chunk_ns);
	U(shred_fast_min_chunk_ns);
	U(shred_crypto_min_chunk_ns);
	U(raw_ns);
	U(shred_none_ns);
	U(shred_fast_ns);
	U(shred_crypto_ns);
	U(failures);
	U(cpu);
	U(irqs_off_max_ns);
	U(random_ns);
	U(random_min_chunk_ns);
#undef U
	json_object_set_new(o, "kernel_inject_armed",
			    json_boolean(b->kernel_inject_armed));
	return o;
}

static json_t *results_json(const struct bench_opts *o,
			    const struct bench_alloc *a,
			    const struct bench_sampler *b, const char *kver,
			    const char *cpu, uint32_t nr_cpus)
{
	json_t *j = json_object(), *runs = json_array(), *all = json_array();
	char *pv = proc_line("/proc/version", NULL);
	uint64_t i;
	int c;

	json_object_set_new(j, "schema", json_string("labyrinth-bench/2"));
#define R(k, v) json_object_set_new(j, k, json_real(v))
	R("alloc_free_ratio_shred_none", a->none);
	R("alloc_free_ratio_shred_fast", a->fast);
	R("alloc_free_ratio_shred_crypto", a->crypto);
	if (!isnan(a->random)) {
		R("random_bytes_4096_ratio", a->random);
		R("shred_crypto_over_random_bytes", a->crypto_random);
	}
	json_object_set_new(j, "ratio_basis", json_string(
		"fastest chunk per variant, median over runs"));
	R("alloc_free_ratio_total_shred_none", a->t_none);
	R("alloc_free_ratio_total_shred_fast", a->t_fast);
	R("alloc_free_ratio_total_shred_crypto", a->t_crypto);
	R("goal_shred_none", BENCH_GOAL);
	json_object_set_new(j, "goal_met", json_boolean(a->none <= BENCH_GOAL));
	json_object_set_new(j, "iterations", json_integer(
		(json_int_t)o->iterations));
	json_object_set_new(j, "chunk", json_integer((json_int_t)o->chunk));
	for (i = 0; i < o->runs; i++)
		json_array_append_new(runs, bench_run_json(&a->res[i]));
	json_object_set_new(j, "runs", runs);
	R("raw_ns_per_pair", (double)a->res[0].raw_min_chunk_ns /
	  (double)o->chunk);
	R("raw_ns_per_pair_total", (double)a->res[0].raw_ns /
	  (double)o->iterations);
	if (a->nall) {
		R("all_cpus_ratio_shred_none", a->all_none / a->all_raw);
		for (c = 0; c < a->nall; c++)
			json_array_append_new(all, bench_run_json(&a->allc[c]));
		json_object_set_new(j, "all_cpus", all);
	} else {
		json_decref(all);
	}
#undef R
	if (o->sampler_ms) {
		json_t *s = json_object();

		json_object_set_new(s, "rate_hz", json_integer(100));
		json_object_set_new(s, "idle", cost_json(&b->idle, NULL));
		json_object_set_new(s, "module_series", cost_json(&b->far,
								 &b->idle));
		json_object_set_new(s, "module_series_near_reserve",
				    cost_json(&b->near, &b->idle));
		json_object_set_new(s, "proc_sampler_before",
				    cost_json(&b->legacy, &b->idle));
		json_object_set_new(s, "goal_percent", json_real(1.0));
		json_object_set_new(s, "goal_met",
				    json_boolean(self_pct(&b->far) <= 1.0));
		json_object_set_new(j, "sampler", s);
	}
	json_object_set_new(j, "kernel_release", json_string(kver));
	json_object_set_new(j, "kernel_version", json_string(pv));
	json_object_set_new(j, "cpu_model", json_string(cpu));
	json_object_set_new(j, "nr_cpus", json_integer(nr_cpus));
	free(pv);
	return j;
}

static int write_json(const char *path, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	int ret;

	if (!text)
		return -ENOMEM;
	ret = write_file_atomic(path, text, strlen(text));
	free(text);
	if (ret)
		lab_err("%s: %s", path, strerror(-ret));
	else
		printf("wrote %s\n", path);
	return ret;
}

/* Load the module if asked and needed; *loaded says if it was. */
static int bench_module(const struct bench_opts *o, int *loaded)
{
	char *path;
	int ret;

	*loaded = 0;
	if (!o->load || labdev_module_loaded())
		return 0;
	path = labdev_module_path();
	if (!path)
		return -1;
	ret = labdev_module_load(path, NULL);
	free(path);
	if (ret)
		return -1;
	*loaded = 1;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_alloc *a = xcalloc(1, sizeof(*a));
	struct bench_sampler b = { 0 };
	struct bench_spam sp[SPAM_NRATES] = { 0 };
	struct labdev d = { .fd = -1 };
	char *kver = NULL, *cpu = NULL;
	struct utsname u;
	int ret = bench_parse(argc, argv, &o), loaded = 0;

	if (ret >= 0)
		goto out;
	ret = LAB_EXIT_ENV;
	if (bench_module(&o, &loaded) || labdev_open(&d))
		goto out;
	if (!labdev_has(&d, LAB_FEAT_BENCH | LAB_FEAT_SERIES)) {
		lab_err("this labyrinth module has no benchmark ioctl or time "
			"series: rebuild and reload it ('make module')");
		goto out;
	}
	ret = LAB_EXIT_INTERNAL;
	if (bench_allocator(&d, &o, a))
		goto out;
	if (o.sampler_ms && bench_sampler(&d, &o, &b))
		goto out;
	if (o.spam_ms && bench_spam(&d, &o, sp))
		goto out;
	kver = uname(&u) ? xstrdup("unknown") : xstrdup(u.release);
	cpu = proc_line("/proc/cpuinfo", "model name");
	print_results(&o, a, &b, kver, cpu);
	if (o.spam_ms)
		print_spam(sp, raw_loop_rate(a, &o));
	boot_report(&o);
	if (o.json) {
		json_t *j = results_json(&o, a, &b, kver, cpu,
					 d.ver.nr_cpu_ids);

		if (o.spam_ms)
			json_object_set_new(j, "spam_rate", spam_json(sp,
						raw_loop_rate(a, &o)));
		if (o.nboot)
			json_object_set_new(j, "boot_to_command",
					    boot_json(&o));

		ret = write_json(o.json, j);
		json_decref(j);
		if (ret) {
			ret = LAB_EXIT_INTERNAL;
			goto out;
		}
	}
	ret = (o.goal > 0 && a->none > o.goal) ? LAB_EXIT_UNEXPECTED :
	      LAB_EXIT_OK;
out:
	labdev_close(&d);
	if (loaded && labdev_module_unload() && ret == LAB_EXIT_OK)
		ret = LAB_EXIT_ENV;
	free(a);
	free(kver);
	free(cpu);
	return ret;
}
