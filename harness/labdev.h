/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labdev: the userspace side of /dev/labyrinth. Opens the device with
 * errors that say what to do, checks the ABI version, sets each struct's
 * size, reads the time series, and loads/unloads the module.
 *
 * Functions return 0 (or a count) on success and -errno on failure; the
 * open and module helpers also print a lab_err() saying what to do, the
 * ioctl wrappers do not (callers test errnos on purpose).
 */
#ifndef LABYRINTH_LABDEV_H
#define LABYRINTH_LABDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "uapi/labyrinth.h"

struct labdev {
	int fd;
	struct lab_version ver;
	uint32_t sample_size;	/* kernel's struct lab_sample size */
};

/*
 * Open /dev/labyrinth (or $LABYRINTH_DEVICE), check the ABI major: a
 * module of another major is refused (-EPROTO) with a message saying
 * whether the module or this labyrinth is the older one.
 */
int labdev_open(struct labdev *d);
/* Same, quiet: no message (for probing). */
int labdev_open_quiet(struct labdev *d);
void labdev_close(struct labdev *d);
int labdev_has(const struct labdev *d, uint64_t feature);

/* Any ioctl: sets ((uint32_t *)arg)[0] = size first. */
int labdev_ioctl(struct labdev *d, unsigned long req, void *arg, size_t size);

/* Fills s->size; on success s->engine_id is the new engine. */
int labdev_start(struct labdev *d, struct lab_start *s);
int labdev_stop(struct labdev *d, uint32_t engine_id, uint32_t flags,
		uint64_t *freed_pages);
/*
 * Stats of an engine (or LAB_ENGINE_ALLOCATOR). With cpus != NULL,
 * *cpus gets a malloc'ed array of *ncpus elements (nr_cpu_ids).
 */
int labdev_stats(struct labdev *d, uint32_t engine_id, struct lab_stats *st,
		 struct lab_cpu_stats **cpus, uint32_t *ncpus);
/* Allocator-wide pages held now (0 when nothing leaks). */
int labdev_held(struct labdev *d, uint64_t *held);

/* Time series: start (interval_ms > 0) or stop (0) sampling. */
int labdev_series(struct labdev *d, uint32_t interval_ms, uint32_t capacity);
/*
 * Read up to max samples into out[]; blocks for at least one unless
 * nonblock (then returns 0 when none is ready). Returns the count.
 */
ssize_t labdev_series_read(struct labdev *d, struct lab_sample *out,
			   size_t max, int nonblock);

int labdev_page_alloc(struct labdev *d, struct lab_page_alloc *a);
int labdev_page_free(struct labdev *d, struct lab_page_free *f);
int labdev_shred_verify(struct labdev *d, struct lab_shred_verify *v);
int labdev_bench(struct labdev *d, struct lab_bench *b);
/* One in-kernel selftest of the kernel API (module/selftest.c). */
int labdev_selftest(struct labdev *d, struct lab_selftest *t);

/* Names, for reports and scenario files; NULL/-EINVAL when unknown. */
const char *labdev_context_name(uint32_t ctx);
const char *labdev_policy_name(uint32_t policy);
const char *labdev_shred_name(uint32_t shred);
const char *labdev_stop_reason_name(uint32_t reason);
int labdev_context_parse(const char *s, uint32_t *out);
int labdev_policy_parse(const char *s, uint32_t *out);
int labdev_shred_parse(const char *s, uint32_t *out);
/* "atomic", "nowait", "atomic+nowarn", "nowait+nowarn+memalloc", ... */
int labdev_gfp_parse(const char *s, uint32_t *out);
/* Zone name of a snapshot as a C string (buf >= 17 bytes). */
const char *labdev_zone_name(const struct lab_snapshot *s, char *buf);

/* The module: is it loaded, where is the .ko, load it, unload it. */
int labdev_module_loaded(void);
/*
 * $LABYRINTH_MODULE, else build/module/labyrinth.ko next to the binary's
 * ../ (build tree) or ../lib/labyrinth/ (installed). malloc'ed, or NULL
 * with a message.
 */
char *labdev_module_path(void);
/* finit_module(path, params); EEXIST (already loaded) counts as success. */
int labdev_module_load(const char *path, const char *params);
/* delete_module("labyrinth"); ENOENT (not loaded) counts as success. */
int labdev_module_unload(void);

#endif /* LABYRINTH_LABDEV_H */
