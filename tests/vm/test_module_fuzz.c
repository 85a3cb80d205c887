// SPDX-License-Identifier: GPL-2.0
/*
 * Description: an ABI fuzzer for /dev/labyrinth, run inside the VM as root
 * with the module loaded. Random commands, struct sizes (one byte short,
 * exact, longer with zero or non-zero tails, over a page), random bytes
 * in random fields, pointers (NULL, unmapped, kernel addresses, read-only
 * memory, a struct running into an unmapped page) and flag combinations;
 * every errno must be one include/uapi/labyrinth.h documents for that
 * ioctl, and the size/pointer rules the dispatcher applies first must
 * give exactly their errno. Engines stay within a small budget (low
 * rates, small caps, short watchdogs) and are all stopped at the end;
 * afterwards the allocator must hold no page.
 *
 *   test_module_fuzz [--seed N] [--iterations N] [--seconds S]
 *
 * Seeded and reproducible (the seed is printed; the kernel's answers can
 * still differ with timing, e.g. EBUSY). tests/vm/20-module.sh runs a
 * short run; a soak is
 *   build/labyrinth vm --timeout 2h -- sh -c 'insmod build/module/labyrinth.ko &&
 *       build/vmtests/test_module_fuzz --seconds 3600'
 * Output is TAP: one line per check, the first violation's details.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "labdev.h"
#include "util.h"

#define NERR 12

struct fz_cmd {
	unsigned long req;
	const char *name;
	uint32_t size;		/* sizeof the struct */
	uint32_t min;		/* first version's size */
	int errnos[NERR];	/* documented for this ioctl (uapi header) */
};

#define ENDOF(type, field) \
	((uint32_t)(offsetof(type, field) + sizeof(((type *)0)->field)))
/* The errors every ioctl can return (the dispatcher's). */
#define E_ANY EINVAL, E2BIG, EOPNOTSUPP, EFAULT

static const struct fz_cmd cmds[] = {
	{ LAB_IOC_GET_VERSION, "GET_VERSION", sizeof(struct lab_version),
	  ENDOF(struct lab_version, total_ram_pages), { E_ANY } },
	/* START and STATS grew in 2.1: their first version is 2.0's */
	{ LAB_IOC_START, "START", sizeof(struct lab_start),
	  ENDOF(struct lab_start, nr_cpus),
	  { E_ANY, ERANGE, EPERM, EBUSY, ENODEV, ENOMEM } },
	{ LAB_IOC_STOP, "STOP", sizeof(struct lab_stop),
	  sizeof(struct lab_stop), { E_ANY, ENOENT } },
	{ LAB_IOC_STATS, "STATS", sizeof(struct lab_stats),
	  ENDOF(struct lab_stats, total.tick_work_max),
	  { E_ANY, ENOENT, ENOMEM } },
	{ LAB_IOC_SERIES, "SERIES", sizeof(struct lab_series),
	  sizeof(struct lab_series), { E_ANY, ERANGE, ENOMEM } },
	{ LAB_IOC_PAGE_ALLOC, "PAGE_ALLOC", sizeof(struct lab_page_alloc),
	  sizeof(struct lab_page_alloc), { E_ANY, ERANGE, EPERM, ENOMEM } },
	{ LAB_IOC_PAGE_FREE, "PAGE_FREE", sizeof(struct lab_page_free),
	  sizeof(struct lab_page_free),
	  { E_ANY, ERANGE, EPERM, EALREADY, ENOENT, ENOMEM } },
	{ LAB_IOC_SHRED_VERIFY, "SHRED_VERIFY",
	  sizeof(struct lab_shred_verify), sizeof(struct lab_shred_verify),
	  { E_ANY, ERANGE, ENOMEM } },
	/* ABI 2.0's size: random_ns came in 2.1 */
	{ LAB_IOC_BENCH, "BENCH", sizeof(struct lab_bench),
	  ENDOF(struct lab_bench, irqs_off_max_ns),
	  { E_ANY, ERANGE, EINTR, ENOMEM } },
	{ LAB_IOC_SELFTEST, "SELFTEST", sizeof(struct lab_selftest),
	  sizeof(struct lab_selftest), { E_ANY, ERANGE, EINTR, ENOMEM } },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static struct {
	uint64_t rng;
	struct labdev dev;
	long page;
	unsigned char *buf;	/* two pages, the second one PROT_NONE */
	unsigned char *ro;	/* a read-only page */
	void *unmapped;
	uint32_t ids[256];	/* engines started */
	size_t nids;
	uint64_t pages[512];	/* live page ids */
	size_t npages;
	uint64_t calls, per_errno[160];
	int failed;
	int tap;
} fz;

static uint64_t rnd(void)
{
	uint64_t x = fz.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	fz.rng = x;
	return x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (fz.failed++)
		return;
	printf("not ok %d - fuzz: ", ++fz.tap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (iteration %" PRIu64 ")\n", fz.calls);
	fflush(stdout);
}

/* A value that is often at an edge: 0, 1, a power of two, ~0, random. */
static uint64_t edge(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 1ULL << below(64);
	case 3: return (1ULL << below(64)) - 1;
	case 4: return UINT64_MAX;
	case 5: return below(16);
	default: return rnd();
	}
}

/* A user pointer for a pointer field: mostly good, sometimes not. */
static uint64_t any_ptr(void *good)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return (uintptr_t)fz.unmapped;
	case 2: return 0xffff888000000000ULL + below(1 << 20) * 8;
	case 3: return (uintptr_t)(fz.buf + fz.page - 4);	/* runs out */
	default: return (uintptr_t)good;
	}
}

/* ---- plausible structs, then mutations -------------------------------- */

static void mk_start(struct lab_start *s)
{
	static uint64_t mask[4];

	mask[0] = edge();
	s->context = (uint32_t)below(LAB_CTX_COUNT + 1);
	s->policy = (uint32_t)below(LAB_POLICY_COUNT + 1);
	s->gfp = (uint32_t)below(16);
	s->order = (uint32_t)below(4);
	s->shred = (uint32_t)below(LAB_SHRED_COUNT + 1);
	s->burst = (uint32_t)below(20);
	s->rate = 100 + below(5000);
	s->flags = (uint32_t)below(16);
	if (below(2)) {
		s->cpu_mask_uptr = any_ptr(mask);
		s->cpu_mask_words = (uint32_t)below(5);
	}
	s->hold_ns = s->policy ? 1 + below(10000000) : 0;
	s->leak_ppm = s->policy == LAB_POLICY_LEAK_FRACTION ?
		      (uint32_t)below(LAB_PPM_MAX + 2) : 0;
	s->held_cap = 1 + below(2000);
	s->stop_after_failures = below(3);
	s->watchdog_ms = 20 + below(300);
}

static void mk_struct(size_t c, void *p)
{
	switch (cmds[c].req) {
	case LAB_IOC_START:
		mk_start(p);
		break;
	case LAB_IOC_STOP: {
		struct lab_stop *s = p;

		s->engine_id = fz.nids && below(4) ?
			       fz.ids[below(fz.nids)] : (uint32_t)edge();
		s->flags = (uint32_t)below(4);
		break;
	}
	case LAB_IOC_STATS: {
		static struct lab_cpu_stats cs[8];
		struct lab_stats *s = p;

		s->engine_id = fz.nids && below(2) ?
			       fz.ids[below(fz.nids)] : (uint32_t)below(3);
		if (below(2)) {
			s->nr_cpus = (uint32_t)below(10);
			s->cpu_stats_uptr = any_ptr(cs);
			s->cpu_stats_size = below(4) ?
				(uint32_t)sizeof(cs[0]) : (uint32_t)edge();
			if (s->cpu_stats_size > sizeof(cs[0]))
				s->cpu_stats_size = (uint32_t)sizeof(cs[0]);
		}
		break;
	}
	case LAB_IOC_SERIES: {
		struct lab_series *s = p;

		s->interval_ms = below(3) ? 0 : 10 + (uint32_t)below(100);
		s->capacity = (uint32_t)below(2048);
		break;
	}
	case LAB_IOC_PAGE_ALLOC: {
		struct lab_page_alloc *a = p;

		a->owner = below(4) ? 1 + below(1000) : edge();
		a->order = (uint32_t)below(4);
		a->gfp = (uint32_t)below(8);
		a->flags = (uint32_t)below(3);
		break;
	}
	case LAB_IOC_PAGE_FREE: {
		struct lab_page_free *f = p;

		f->owner = below(4) ? 1 + below(1000) : edge();
		f->page_id = fz.npages && below(3) ?
			     fz.pages[below(fz.npages)] : edge();
		f->shred = (uint32_t)below(LAB_SHRED_COUNT + 1);
		f->flags = (uint32_t)below(5);
		f->handle = edge();
		break;
	}
	case LAB_IOC_SHRED_VERIFY: {
		struct lab_shred_verify *v = p;

		v->shred = (uint32_t)below(LAB_SHRED_COUNT + 1);
		v->pattern = (uint32_t)below(300);
		break;
	}
	case LAB_IOC_BENCH: {
		struct lab_bench *b = p;

		b->iterations = below(300);
		b->chunk = (uint32_t)below(LAB_BENCH_CHUNK_MAX + 2);
		break;
	}
	case LAB_IOC_SELFTEST: {
		struct lab_selftest *t = p;

		t->test = (uint32_t)below(16);
		t->iterations = below(4);
		break;
	}
	}
}

/* Random bytes over the struct now and then, never over the size. */
static void mutate(void *p, uint32_t size)
{
	unsigned char *b = p;
	uint64_t n = below(3) ? 0 : 1 + below(4);

	while (n-- && size > 4)
		b[4 + below(size - 4)] = (unsigned char)rnd();
}

/*
 * Keep engines, benches and selftests cheap whatever the mutation did:
 * only values the module would accept are clamped, so that out-of-range
 * values still reach it (and must be refused).
 */
static void budget(const struct fz_cmd *c, void *p)
{
	if (c->req == LAB_IOC_START) {
		struct lab_start *s = p;

		if (s->rate > 5000 && s->rate <= LAB_RATE_MAX)
			s->rate = 100 + s->rate % 5000;
		if (s->burst > 16 && s->burst <= LAB_BURST_MAX)
			s->burst = 16;
		if (s->held_cap == 0 || s->held_cap > 4096)
			s->held_cap = 1 + s->held_cap % 4096;
		if (s->watchdog_ms == 0 || s->watchdog_ms > 500)
			s->watchdog_ms = 20 + s->watchdog_ms % 480;
	} else if (c->req == LAB_IOC_BENCH) {
		struct lab_bench *b = p;

		if (b->iterations > 1000 && b->iterations <= LAB_BENCH_ITERS_MAX)
			b->iterations %= 1000;
	} else if (c->req == LAB_IOC_SELFTEST) {
		struct lab_selftest *t = p;

		if (t->iterations > 5 && t->iterations <= LAB_SELFTEST_ITERS_MAX)
			t->iterations = 5;
		if (t->iterations == 0)
			t->iterations = 1;
	} else if (c->req == LAB_IOC_PAGE_ALLOC) {
		struct lab_page_alloc *a = p;

		if (a->order > 3 && a->order <= LAB_ORDER_MAX)
			a->order = 3;
	} else if (c->req == LAB_IOC_SERIES) {
		struct lab_series *s = p;

		if (s->capacity > 4096 && s->capacity <= LAB_SERIES_CAPACITY_MAX)
			s->capacity = 4096;
	}
}

/* ---- one call ---------------------------------------------------------- */

enum fz_where { W_BUF, W_NULL, W_UNMAPPED, W_KERNEL, W_RO, W_EDGE };

/* Where the struct goes; *readable: how many of its bytes can be read. */
static unsigned char *place(enum fz_where w, uint32_t *readable)
{
	*readable = 0;
	switch (w) {
	case W_NULL:
		return NULL;
	case W_UNMAPPED:
		return fz.unmapped;
	case W_KERNEL:
		return (unsigned char *)(uintptr_t)0xffff888000001000ULL;
	case W_RO:
		*readable = (uint32_t)fz.page;
		return fz.ro;
	case W_EDGE:
		/* 8 bytes readable, the rest in a PROT_NONE page */
		*readable = 8;
		return fz.buf + fz.page - 8;
	default:
		*readable = (uint32_t)fz.page;
		return fz.buf;
	}
}

/*
 * The errno the dispatcher (main.c, lab_fops_ioctl) gives before the
 * command runs, in its order: the size field unreadable, too small, over
 * a page, the struct (or the tail past the kernel's struct) unreadable,
 * a non-zero tail. 0: the command decides.
 */
static int must_errno(const struct fz_cmd *c, uint32_t size,
		      uint32_t readable, int tail)
{
	if (readable < sizeof(uint32_t))
		return EFAULT;
	if (size < c->min)
		return EINVAL;
	if (size > fz.page)
		return E2BIG;
	if (size > readable)
		return EFAULT;
	return tail ? E2BIG : 0;
}

/* The ids and pages the module handed out, for later calls. */
static void remember(const struct fz_cmd *c, const void *p)
{
	size_t i;

	if (c->req == LAB_IOC_START && fz.nids < 256) {
		fz.ids[fz.nids++] = ((const struct lab_start *)p)->engine_id;
	} else if (c->req == LAB_IOC_PAGE_ALLOC) {
		const struct lab_page_alloc *a = p;

		if (!a->result && fz.npages < 512)
			fz.pages[fz.npages++] = a->page_id;
	} else if (c->req == LAB_IOC_PAGE_FREE) {
		const struct lab_page_free *f = p;

		/* half the freed ids stay, to be freed again (EALREADY) */
		if (below(2))
			return;
		for (i = 0; i < fz.npages; i++)
			if (fz.pages[i] == f->page_id)
				fz.pages[i] = fz.pages[--fz.npages];
	}
}

/* What a successful call returned must make sense. */
static void check_result(const struct fz_cmd *c, const void *p)
{
	if (c->req == LAB_IOC_STATS) {
		const struct lab_counters *t = &((const struct lab_stats *)p)->total;

		if (t->successes + t->fail_genuine + t->fail_injected_private +
		    t->fail_injected_kernel + t->fail_unattributed > t->attempts)
			fail("STATS: %llu successes > %llu attempts",
			     (unsigned long long)t->successes,
			     (unsigned long long)t->attempts);
	} else if (c->req == LAB_IOC_SELFTEST) {
		const struct lab_selftest *t = p;

		if (t->result == LAB_SELFTEST_FAIL)
			fail("SELFTEST %s failed: %s", (const char *)t->name,
			     (const char *)t->message);
	}
}

static int documented(const int *list, int err)
{
	int i;

	for (i = 0; i < NERR && list[i]; i++)
		if (list[i] == err)
			return 1;
	return 0;
}

static void one_ioctl(void)
{
	static unsigned char tmpl[8192];
	const struct fz_cmd *c = &cmds[below(NCMDS)];
	enum fz_where w = below(10) < 7 ? W_BUF : (enum fz_where)(1 + below(5));
	uint32_t size = c->size, readable;
	int must, ret, err, tail = 0;
	unsigned char *p;

	memset(tmpl, 0, sizeof(tmpl));
	mk_struct((size_t)(c - cmds), tmpl);
	mutate(tmpl, c->size);
	budget(c, tmpl);
	switch (below(8)) {
	case 0:		/* short, down to nothing */
		size = c->min - 1 - (uint32_t)below(c->min);
		break;
	case 1:		/* longer, zero tail: a newer userspace */
		size = c->size + 1 + (uint32_t)below(64);
		break;
	case 2:		/* longer, something asked in the tail */
		size = c->size + 1 + (uint32_t)below(64);
		tmpl[c->size + below(size - c->size)] =
			1 + (unsigned char)below(255);
		tail = 1;
		break;
	case 3:		/* over a page */
		size = (uint32_t)fz.page + 1 + (uint32_t)below(8192);
		break;
	default:
		break;
	}
	*(uint32_t *)tmpl = size;
	p = place(w, &readable);
	if (readable) {
		if (w == W_RO)
			mprotect(fz.ro, fz.page, PROT_READ | PROT_WRITE);
		/* at least the size field, even when it says 0 */
		memcpy(p, tmpl, readable < size ? readable :
		       size < sizeof(uint32_t) ? sizeof(uint32_t) : size);
		if (w == W_RO)
			mprotect(fz.ro, fz.page, PROT_READ);
	}
	must = must_errno(c, size, readable, tail);
	ret = ioctl(fz.dev.fd, c->req, p);
	err = ret ? errno : 0;
	fz.calls++;
	fz.per_errno[err < 160 ? err : 0]++;
	if (must && err != must) {
		fail("%s size %u at %p: errno %d (%s), want %d (%s)", c->name,
		     size, (void *)p, err, strerror(err), must, strerror(must));
		return;
	}
	if (err && !documented(c->errnos, err)) {
		fail("%s size %u at %p: errno %d (%s) is not documented for it",
		     c->name, size, (void *)p, err, strerror(err));
		return;
	}
	if (!err && w == W_BUF) {
		remember(c, p);
		check_result(c, p);
	}
}

/* An ioctl number that is not ours: ENOTTY, whatever the argument. */
static void bad_command(void)
{
	unsigned int nr = (unsigned int)below(256);
	unsigned long req = _IOC((unsigned int)below(4), LAB_TYPE, nr,
				 (unsigned int)below(64));
	size_t i;
	int ret;

	for (i = 0; i < NCMDS; i++)
		if (cmds[i].req == req)
			return;
	memset(fz.buf, 0, 64);
	*(uint32_t *)fz.buf = 64;
	ret = ioctl(fz.dev.fd, req, fz.buf);
	fz.calls++;
	if (!ret || errno != ENOTTY)
		fail("command %#lx: returned %d errno %d, want ENOTTY", req, ret,
		     ret ? errno : 0);
}

/* read() with random sizes and buffers: EOF, data or documented errors. */
static void one_read(void)
{
	static const int ok[NERR] = { EINVAL, EFAULT, EAGAIN, EINTR, ENOMEM };
	void *b = below(4) ? fz.buf : (void *)(uintptr_t)any_ptr(fz.buf);
	size_t len = below(3) ? below(2 * sizeof(struct lab_sample)) :
				(size_t)below((uint64_t)fz.page);
	ssize_t n = read(fz.dev.fd, b, len);

	fz.calls++;
	if (n < 0 && !documented(ok, errno))
		fail("read(%zu): errno %d (%s) is not documented", len, errno,
		     strerror(errno));
	else if (n > 0 && n % sizeof(struct lab_sample))
		fail("read(%zu) returned %zd: not whole records", len, n);
}

static void stop_all(void)
{
	size_t i;

	for (i = 0; i < fz.nids; i++)
		labdev_stop(&fz.dev, fz.ids[i], LAB_STOP_F_RELEASE, NULL);
	fz.nids = 0;
}

/* A page readable and writable followed by one that is not mapped at all. */
static unsigned char *guarded_page(int prot)
{
	unsigned char *m = mmap(NULL, 2 * fz.page, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m + fz.page, fz.page, PROT_NONE) ||
	    mprotect(m, fz.page, prot))
		return NULL;
	return m;
}

static int setup(void)
{
	fz.page = sysconf(_SC_PAGESIZE);
	fz.buf = guarded_page(PROT_READ | PROT_WRITE);
	fz.ro = guarded_page(PROT_READ);
	fz.unmapped = mmap(NULL, fz.page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!fz.buf || !fz.ro || fz.unmapped == MAP_FAILED ||
	    munmap(fz.unmapped, fz.page))
		return -1;
	if (labdev_open(&fz.dev))
		return -1;
	/* reads must not block: the errno is what is fuzzed */
	return fcntl(fz.dev.fd, F_SETFL, O_NONBLOCK);
}

/* Everything the fuzz started is stopped; the allocator holds nothing. */
static void teardown(void)
{
	uint64_t held = 1;
	int i;

	stop_all();
	labdev_series(&fz.dev, 0, 0);
	labdev_close(&fz.dev);	/* frees its pages, stops its engines */
	if (labdev_open(&fz.dev)) {
		printf("not ok %d - fuzz: cannot reopen %s\n", ++fz.tap,
		       LAB_DEVICE_PATH);
		fz.failed++;
		return;
	}
	/* Detached engines stopped above; an engine whose id never came
	 * back (START into read-only memory) was undone by the module.
	 */
	for (i = 0; i < 50 && (labdev_held(&fz.dev, &held) || held); i++)
		usleep(100000);
	if (held) {
		printf("not ok %d - fuzz: the allocator still holds %" PRIu64
		       " pages after the fuzz\n", ++fz.tap, held);
		fz.failed++;
	} else {
		printf("ok %d - fuzz: every engine stopped, every page back\n",
		       ++fz.tap);
	}
	labdev_close(&fz.dev);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: test_module_fuzz [--seed N] [--iterations N] [--seconds S]\n"
		"Fuzz the /dev/labyrinth ABI (module loaded, root); TAP on stdout.\n"
		"Defaults: a random seed (printed), 5000 iterations, no time limit.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	uint64_t iterations = 5000, seconds = 0, i;
	double t0 = now_mono();
	int c, e;

	while ((c = getopt_long(argc, argv, "s:n:t:h", opts, NULL)) != -1) {
		if (c == 's' && !parse_u64(optarg, 0, UINT64_MAX, &seed))
			continue;
		if (c == 'n' && !parse_u64(optarg, 1, UINT64_MAX, &iterations))
			continue;
		if (c == 't' && !parse_u64(optarg, 1, 86400 * 7, &seconds)) {
			iterations = UINT64_MAX;
			continue;
		}
		usage(c == 'h' ? stdout : stderr);
		return c == 'h' ? 0 : 2;
	}
	fz.rng = seed ? seed : 1;
	if (seconds)
		printf("# seed %" PRIu64 " (rerun: test_module_fuzz --seed %"
		       PRIu64 " --seconds %" PRIu64 ")\n", seed, seed, seconds);
	else
		printf("# seed %" PRIu64 " (rerun: test_module_fuzz --seed %"
		       PRIu64 " --iterations %" PRIu64 ")\n", seed, seed,
		       iterations);
	fflush(stdout);
	if (setup()) {
		printf("not ok 1 - fuzz: setup failed: %s\n1..1\n",
		       strerror(errno));
		return 1;
	}
	for (i = 0; i < iterations && !fz.failed; i++) {
		if (seconds && now_mono() - t0 > (double)seconds)
			break;
		switch (below(20)) {
		case 0:
			bad_command();
			break;
		case 1:
		case 2:
			one_read();
			break;
		default:
			one_ioctl();
			break;
		}
		/* Keep the machine ours: engines do not pile up. */
		if (!(i % 64))
			stop_all();
	}
	if (!fz.failed)
		printf("ok %d - fuzz: %" PRIu64 " calls (seed %" PRIu64
		       "), every errno one the header documents\n", ++fz.tap,
		       fz.calls, seed);
	printf("# errnos:");
	for (e = 0; e < 160; e++)
		if (fz.per_errno[e])
			printf(" %s %" PRIu64, e ? strerrorname_np(e) : "ok",
			       fz.per_errno[e]);
	printf("\n");
	teardown();
	printf("1..%d\n", fz.tap);
	return fz.failed ? 1 : 0;
}
