// SPDX-License-Identifier: GPL-2.0
/*
 * The run's sampler: the module's ring into the primary series, /proc
 * into the secondary one (see sampler.h).
 */
#include "sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* Samples per read(): a tenth of a second of 1 ms ticks at once. */
#define SAMPLER_BATCH 128
/* Ring size: at least 30 s of samples, for a harness that is starved. */
#define SAMPLER_RING_S 30

static FILE *open_live(const char *dir, const char *name,
		       const struct series *s)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "we");

	if (!f)
		lab_warn("cannot write %s: %m (the samples are still in the "
			 "report)", p);
	else
		series_csv_header(f, s);
	free(p);
	return f;
}

void sampler_init(struct sampler *s, struct labdev *dev,
		  unsigned int interval_ms, unsigned int proc_interval_ms,
		  const char *zone, const char *live_dir)
{
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->procfd[0] = s->procfd[1] = -1;
	series_init(&s->mod, SERIES_MODULE, interval_ms);
	series_init(&s->proc, SERIES_PROC, proc_interval_ms);
	snprintf(s->mod.zone, sizeof(s->mod.zone), "%s", zone ? zone : "");
	if (live_dir) {
		s->live_mod = open_live(live_dir, SAMPLER_MODULE_CSV, &s->mod);
		s->live_proc = open_live(live_dir, SAMPLER_PROC_CSV, &s->proc);
	}
	s->buf = xcalloc(SAMPLER_BATCH, sizeof(*s->buf));
	s->buf_n = SAMPLER_BATCH;
	s->flush_s = SAMPLER_FLUSH_S;
}

/*
 * /proc files stay open and are re-read from offset 0: the kernel keeps
 * the seq_file buffer between reads, so a sample taken while the reserve
 * is gone allocates nothing (a fresh open would, and could OOM).
 */
static const char *proc_read(struct sampler *s, int which)
{
	static const char *const paths[] = { "/proc/vmstat", "/proc/meminfo" };
	size_t used = 0;

	if (s->procfd[which] < 0) {
		s->procfd[which] = open(paths[which], O_RDONLY | O_CLOEXEC);
		if (s->procfd[which] < 0)
			return NULL;
	}
	if (!s->procbuf) {
		s->procbuf_cap = 64 * 1024;
		s->procbuf = xmalloc(s->procbuf_cap);
	}
	for (;;) {
		ssize_t n = pread(s->procfd[which], s->procbuf + used,
				  s->procbuf_cap - used - 1, (off_t)used);

		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		used += (size_t)n;
		if (used + 1 >= s->procbuf_cap) {
			s->procbuf_cap *= 2;
			s->procbuf = xrealloc(s->procbuf, s->procbuf_cap);
		}
	}
	s->procbuf[used] = '\0';
	return s->procbuf;
}

static void proc_sample(struct sampler *s, double now)
{
	uint64_t row[COL_MAX] = { 0 };
	const char *text;
	struct vmstat vs;
	struct meminfo mi;

	if ((text = proc_read(s, 0)) && parse_vmstat(text, &vs) == 0) {
		row[COL_NR_FREE] = vs.nr_free_pages;
		row[COL_OOM_KILL] = vs.oom_kill > s->base_oom_kill ?
				    vs.oom_kill - s->base_oom_kill : 0;
		row[COL_ALLOCSTALL] = vs.allocstall;
		row[COL_PGSCAN] = vs.pgscan;
		row[COL_PGSTEAL] = vs.pgsteal;
		row[COL_COMPACT_STALL] = vs.compact_stall;
	}
	if ((text = proc_read(s, 1)) && parse_meminfo(text, &mi) == 0)
		row[COL_MEM_AVAILABLE_KB] = mi.mem_available_kb;
	series_append(&s->proc, now - s->t0, row);
	if (s->live_proc)
		series_csv_row(s->live_proc, &s->proc, s->proc.n - 1);
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void module_sample(struct sampler *s, const struct lab_sample *m)
{
	uint64_t row[COL_MAX] = { 0 };
	uint64_t inj = m->fail_injected_private + m->fail_injected_kernel;

	if (!s->have_base) {
		/* the allocator counts from module load: the series from
		 * its first sample, taken at t = 0 before any engine */
		s->base_attempts = m->attempts;
		s->base_genuine = m->fail_genuine;
		s->base_injected = inj;
		s->base_reclaim = m->reclaim_pages;
		s->have_base = true;
	}
	row[COL_FREE] = m->zone_free_pages;
	/* 6.1's GFP_ATOMIC check at min ignores watermark_boost for
	 * order 0: the marks it fails against are the unboosted ones */
	row[COL_MIN] = sub0(m->wmark_min, m->watermark_boost);
	row[COL_LOW] = sub0(m->wmark_low, m->watermark_boost);
	row[COL_HIGH] = sub0(m->wmark_high, m->watermark_boost);
	row[COL_BOOST] = m->watermark_boost;
	row[COL_HELD] = m->held;
	row[COL_ATTEMPTS] = sub0(m->attempts, s->base_attempts);
	row[COL_FAIL_GENUINE] = sub0(m->fail_genuine, s->base_genuine);
	row[COL_FAIL_INJECTED] = sub0(inj, s->base_injected);
	row[COL_GLOBAL_FREE] = m->global_free_pages;
	row[COL_HIGHATOMIC] = m->nr_reserved_highatomic;
	row[COL_LOST] = m->lost;
	row[COL_RECLAIM] = sub0(m->reclaim_pages, s->base_reclaim);
	series_append(&s->mod, (double)m->time_ns / 1e9 - s->t0, row);
	if (s->live_mod)
		series_csv_row(s->live_mod, &s->mod, s->mod.n - 1);
}

int sampler_start(struct sampler *s, double t0)
{
	uint32_t cap = SAMPLER_RING_S * 1000 / s->mod.interval_ms;
	char *text;
	struct vmstat vs;
	int ret;

	s->t0 = t0;
	s->next_proc = t0;
	if (read_file("/proc/vmstat", &text, NULL) == 0) {
		if (parse_vmstat(text, &vs) == 0)
			s->base_oom_kill = vs.oom_kill;
		free(text);
	}
	if (cap < LAB_SERIES_CAPACITY_DEFAULT)
		cap = LAB_SERIES_CAPACITY_DEFAULT;
	if (cap > LAB_SERIES_CAPACITY_MAX)
		cap = LAB_SERIES_CAPACITY_MAX;
	ret = labdev_series(s->dev, s->mod.interval_ms, cap);
	if (ret)
		return ret;
	s->ring_on = true;
	return 0;
}

static int drain_ring(struct sampler *s, bool nonblock)
{
	int got = 0;
	ssize_t n, i;

	for (;;) {
		n = labdev_series_read(s->dev, s->buf, s->buf_n, nonblock);
		if (n < 0)
			return got ? got : (int)n;
		for (i = 0; i < n; i++)
			module_sample(s, &s->buf[i]);
		got += (int)n;
		if ((size_t)n < s->buf_n)
			break;
	}
	return got;
}

/* What was read reaches the result directory: one write per file. */
static void flush_live(struct sampler *s, double now)
{
	s->last_flush = now;
	if (s->live_mod)
		fflush(s->live_mod);
	if (s->live_proc)
		fflush(s->live_proc);
}

int sampler_poll(struct sampler *s, double now)
{
	int got = 0;

	if (s->ring_on)
		got = drain_ring(s, true);
	if (now >= s->next_proc) {
		proc_sample(s, now);
		/* fixed rate, no drift; skip what we are too late for */
		s->next_proc += (double)s->proc.interval_ms / 1000.0;
		if (s->next_proc < now)
			s->next_proc = now;
	}
	if (now - s->last_flush >= s->flush_s)
		flush_live(s, now);
	return got;
}

void sampler_stop(struct sampler *s)
{
	if (!s->ring_on)
		return;
	/* off: read() then gives what is left, then end of file */
	labdev_series(s->dev, 0, 0);
	s->ring_on = false;
	drain_ring(s, false);
	flush_live(s, now_mono());
}

void sampler_free(struct sampler *s)
{
	if (s->live_mod)
		fclose(s->live_mod);
	if (s->live_proc)
		fclose(s->live_proc);
	if (s->procfd[0] >= 0)
		close(s->procfd[0]);
	if (s->procfd[1] >= 0)
		close(s->procfd[1]);
	free(s->procbuf);
	free(s->buf);
	series_free(&s->mod);
	series_free(&s->proc);
	memset(s, 0, sizeof(*s));
	s->procfd[0] = s->procfd[1] = -1;
}
