// SPDX-License-Identifier: GPL-2.0
/*
 * labdev: userspace wrapper around /dev/labyrinth. See labdev.h.
 */
#include "labdev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"
#include "vm_kernel.h"
#include "vocab.h"

static const char *device_path(void)
{
	const char *p = getenv("LABYRINTH_DEVICE");

	return p && *p ? p : LAB_DEVICE_PATH;
}

static int do_open(struct labdev *d, int quiet)
{
	const char *path = device_path();
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		if (quiet)
			return ret;
		if (errno == ENOENT && !labdev_module_loaded())
			lab_err("%s: the labyrinth module is not loaded: load it with 'insmod build/module/labyrinth.ko' (build it with 'make module'), or let 'labyrinth run' load it (LABYRINTH_MODULE=path/to/labyrinth.ko)",
				path);
		else if (errno == ENOENT)
			lab_err("%s: no such device although the module is loaded: is devtmpfs mounted on /dev?",
				path);
		else if (errno == EPERM || errno == EACCES)
			lab_err("%s: %s: needs root (CAP_SYS_ADMIN); the module can drain the machine's reserves",
				path, strerror(errno));
		else
			lab_err("%s: %s", path, strerror(errno));
		return ret;
	}
	ret = labdev_ioctl(d, LAB_IOC_GET_VERSION, &d->ver, sizeof(d->ver));
	if (ret) {
		if (!quiet)
			lab_err("%s: GET_VERSION failed: %s: is this really the labyrinth module?",
				path, strerror(-ret));
		labdev_close(d);
		return ret;
	}
	/* GET_VERSION keeps its 1.0 layout: readable from any module. */
	if (d->ver.abi_major != LAB_ABI_MAJOR) {
		if (!quiet && d->ver.abi_major < LAB_ABI_MAJOR)
			lab_err("%s: an older labyrinth.ko is loaded (ABI %u.%u; this labyrinth needs ABI %u): unload it ('rmmod labyrinth', after stopping what uses it) and load build/module/labyrinth.ko ('make module')",
				path, d->ver.abi_major, d->ver.abi_minor,
				LAB_ABI_MAJOR);
		else if (!quiet)
			lab_err("%s: a newer labyrinth.ko is loaded (ABI %u.%u; this labyrinth speaks %u.%u): rebuild this labyrinth from the same tree as the module ('make')",
				path, d->ver.abi_major, d->ver.abi_minor,
				LAB_ABI_MAJOR, LAB_ABI_MINOR);
		labdev_close(d);
		return -EPROTO;
	}
	d->sample_size = sizeof(struct lab_sample);
	return 0;
}

int labdev_open(struct labdev *d)
{
	return do_open(d, 0);
}

int labdev_open_quiet(struct labdev *d)
{
	return do_open(d, 1);
}

void labdev_close(struct labdev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int labdev_has(const struct labdev *d, uint64_t feature)
{
	return (d->ver.features & feature) == feature;
}

int labdev_ioctl(struct labdev *d, unsigned long req, void *arg, size_t size)
{
	*(uint32_t *)arg = (uint32_t)size;
	if (ioctl(d->fd, req, arg) < 0)
		return -errno;
	return 0;
}

int labdev_start(struct labdev *d, struct lab_start *s)
{
	return labdev_ioctl(d, LAB_IOC_START, s, sizeof(*s));
}

int labdev_stop(struct labdev *d, uint32_t engine_id, uint32_t flags,
		uint64_t *freed_pages)
{
	struct lab_stop s = { .engine_id = engine_id, .flags = flags };
	int ret = labdev_ioctl(d, LAB_IOC_STOP, &s, sizeof(s));

	if (!ret && freed_pages)
		*freed_pages = s.freed_pages;
	return ret;
}

int labdev_stats(struct labdev *d, uint32_t engine_id, struct lab_stats *st,
		 struct lab_cpu_stats **cpus, uint32_t *ncpus)
{
	uint32_t n = d->ver.nr_cpu_ids;
	struct lab_cpu_stats *arr = NULL;
	int ret;

	memset(st, 0, sizeof(*st));
	st->engine_id = engine_id;
	if (cpus) {
		arr = xcalloc(n ? n : 1, sizeof(*arr));
		st->nr_cpus = n;
		st->cpu_stats_uptr = (uintptr_t)arr;
		st->cpu_stats_size = sizeof(*arr);
	}
	ret = labdev_ioctl(d, LAB_IOC_STATS, st, sizeof(*st));
	if (ret) {
		free(arr);
		return ret;
	}
	if (cpus) {
		*cpus = arr;
		*ncpus = n < st->nr_cpus ? n : st->nr_cpus;
	}
	return 0;
}

int labdev_held(struct labdev *d, uint64_t *held)
{
	struct lab_stats st;
	int ret = labdev_stats(d, LAB_ENGINE_ALLOCATOR, &st, NULL, NULL);

	if (!ret)
		*held = st.total.held_now;
	return ret;
}

int labdev_series(struct labdev *d, uint32_t interval_ms, uint32_t capacity)
{
	struct lab_series s = { .interval_ms = interval_ms,
				.capacity = capacity };
	int ret = labdev_ioctl(d, LAB_IOC_SERIES, &s, sizeof(s));

	if (!ret && s.sample_size)
		d->sample_size = s.sample_size;
	return ret;
}

ssize_t labdev_series_read(struct labdev *d, struct lab_sample *out,
			   size_t max, int nonblock)
{
	size_t ksz = d->sample_size ? d->sample_size : sizeof(*out);
	size_t copy = ksz < sizeof(*out) ? ksz : sizeof(*out);
	unsigned char *buf;
	ssize_t n;
	size_t i;

	if (!max)
		return 0;
	if (nonblock) {
		struct pollfd p = { .fd = d->fd, .events = POLLIN };

		if (poll(&p, 1, 0) <= 0)
			return 0;
	}
	buf = xmalloc(ksz * max);
	n = read(d->fd, buf, ksz * max);
	if (n < 0) {
		n = -errno;
		free(buf);
		return n == -EAGAIN ? 0 : n;
	}
	/* Step by the kernel's record size: older readers skip new fields. */
	for (i = 0; i < (size_t)n / ksz; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(&out[i], buf + i * ksz, copy);
	}
	free(buf);
	return (ssize_t)((size_t)n / ksz);
}

int labdev_page_alloc(struct labdev *d, struct lab_page_alloc *a)
{
	return labdev_ioctl(d, LAB_IOC_PAGE_ALLOC, a, sizeof(*a));
}

int labdev_page_free(struct labdev *d, struct lab_page_free *f)
{
	return labdev_ioctl(d, LAB_IOC_PAGE_FREE, f, sizeof(*f));
}

int labdev_shred_verify(struct labdev *d, struct lab_shred_verify *v)
{
	return labdev_ioctl(d, LAB_IOC_SHRED_VERIFY, v, sizeof(*v));
}

int labdev_bench(struct labdev *d, struct lab_bench *b)
{
	return labdev_ioctl(d, LAB_IOC_BENCH, b, sizeof(*b));
}

int labdev_selftest(struct labdev *d, struct lab_selftest *t)
{
	return labdev_ioctl(d, LAB_IOC_SELFTEST, t, sizeof(*t));
}

/* ---- names ------------------------------------------------------------ */

/* The names are vocab.c's: one table per ABI enum for the whole harness. */
const char *labdev_context_name(uint32_t ctx)
{
	return vocab_name(&vocab_context, ctx);
}

const char *labdev_policy_name(uint32_t policy)
{
	return vocab_name(&vocab_policy, policy);
}

const char *labdev_shred_name(uint32_t shred)
{
	return vocab_name(&vocab_shred, shred);
}

const char *labdev_stop_reason_name(uint32_t reason)
{
	return vocab_name(&vocab_stop_reason, reason);
}

int labdev_context_parse(const char *s, uint32_t *out)
{
	if (!strcmp(s, "irq") || !strcmp(s, "hardirq"))
		s = "hrtimer";
	else if (!strcmp(s, "timer"))
		s = "softirq";
	else if (!strcmp(s, "kthread"))
		s = "kthread-atomic";
	return vocab_parse(&vocab_context, s, out) < 0 ? -EINVAL : 0;
}

int labdev_policy_parse(const char *s, uint32_t *out)
{
	return vocab_parse(&vocab_policy, s, out) < 0 ? -EINVAL : 0;
}

int labdev_shred_parse(const char *s, uint32_t *out)
{
	return vocab_parse(&vocab_shred, s, out) < 0 ? -EINVAL : 0;
}

int labdev_gfp_parse(const char *s, uint32_t *out)
{
	char *copy = xstrdup(s), *save = NULL, *tok;
	uint32_t v = 0;
	int base = 0, ret = 0;

	for (tok = strtok_r(copy, "+|,", &save); tok;
	     tok = strtok_r(NULL, "+|,", &save)) {
		if (!strcmp(tok, "atomic") || !strcmp(tok, "GFP_ATOMIC")) {
			base++;
		} else if (!strcmp(tok, "nowait") ||
			   !strcmp(tok, "GFP_NOWAIT")) {
			base++;
			v |= LAB_GFP_NOWAIT;
		} else if (!strcmp(tok, "nowarn") ||
			   !strcmp(tok, "__GFP_NOWARN")) {
			v |= LAB_GFP_NOWARN;
		} else if (!strcmp(tok, "memalloc") ||
			   !strcmp(tok, "__GFP_MEMALLOC")) {
			v |= LAB_GFP_MEMALLOC;
		} else {
			ret = -EINVAL;
		}
	}
	free(copy);
	if (base > 1)
		ret = -EINVAL;
	if (!ret)
		*out = v;
	return ret;
}

const char *labdev_zone_name(const struct lab_snapshot *s, char *buf)
{
	memcpy(buf, s->zone_name, sizeof(s->zone_name));
	buf[sizeof(s->zone_name)] = '\0';
	return buf;
}

/* ---- the module -------------------------------------------------------- */

int labdev_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/labyrinth", &st) == 0;
}

static char *try_path(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);

	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

char *labdev_module_path(void)
{
	const char *env = getenv("LABYRINTH_MODULE");
	char exe[PATH_MAX], *slash, *p;
	ssize_t n;

	if (env && *env) {
		if (access(env, R_OK) == 0)
			return xstrdup(env);
		lab_err("LABYRINTH_MODULE=%s: %s", env, strerror(errno));
		return NULL;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* 6.12 and stock: build/module-KVER/ (vm_kernel.h) */
		p = vm_kernel_module_for_running(exe);
		if (p)
			return p;
		/*
		 * `make module` puts it in build/module/: next to
		 * build/labyrinth, one up from build/vmtests/test_* and
		 * build/tests/test_*, two up from build/asan/tests/test_*;
		 * then an installed bin/labyrinth's ../lib/labyrinth/.
		 */
		static const char *const rel[] = {
			"module/labyrinth.ko",
			"../module/labyrinth.ko",
			"../../module/labyrinth.ko",
			"../lib/labyrinth/labyrinth.ko",
		};
		size_t i;

		for (i = 0; i < ARRAY_SIZE(rel); i++) {
			p = try_path(exe, rel[i]);
			if (p)
				return p;
		}
	}
	lab_err("cannot find labyrinth.ko next to %s: build it with 'make module' or set LABYRINTH_MODULE=path/to/labyrinth.ko",
		n > 0 ? exe : "this binary");
	return NULL;
}

int labdev_module_load(const char *path, const char *params)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		lab_err("%s: %s", path, strerror(errno));
		return ret;
	}
	if (syscall(SYS_finit_module, fd, params ? params : "", 0) != 0) {
		ret = -errno;
		if (ret == -EEXIST) {
			ret = 0;
		} else if (ret == -EPERM) {
			lab_err("loading %s: %s: needs root (CAP_SYS_MODULE)",
				path, strerror(-ret));
		} else if (ret == -ENOENT) {
			/* finit_module says ENOENT for unknown symbols */
			lab_err("loading %s: the kernel lacks symbols it needs (see dmesg: 'Unknown symbol'): it was built for another kernel configuration; for the debug kernel rebuild it with 'make module VARIANT=debug', for your own kernel with KDIR=",
				path);
		} else if (ret == -ENOEXEC || ret == -EINVAL) {
			lab_err("loading %s: %s: built for another kernel? for this one: '%s' (KDIR= for your own kernel), and check dmesg",
				path, strerror(-ret), vm_kernel_module_hint());
		} else {
			lab_err("loading %s: %s (see dmesg)", path,
				strerror(-ret));
		}
	}
	close(fd);
	return ret;
}

int labdev_module_unload(void)
{
	if (syscall(SYS_delete_module, "labyrinth", O_NONBLOCK) != 0) {
		int ret = -errno;

		if (ret == -ENOENT)
			return 0;
		if (ret == -EWOULDBLOCK || ret == -EBUSY)
			lab_err("unloading labyrinth: %s: /dev/labyrinth is still open (or another module uses it)",
				strerror(-ret));
		else
			lab_err("unloading labyrinth: %s", strerror(-ret));
		return ret;
	}
	return 0;
}
