/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labyrinth module internals shared by main.c, alloc.c and engine.c.
 */
#ifndef _LABYRINTH_INTERNAL_H
#define _LABYRINTH_INTERNAL_H

#include <linux/types.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <uapi/labyrinth.h>

#include "labyrinth.h"

struct page;
struct file;

/* Owner handles the module uses for itself. */
#define LAB_OWNER_BENCH		(LAB_OWNER_RESERVED_MIN)
#define LAB_OWNER_VERIFY	(LAB_OWNER_RESERVED_MIN + 1)
#define LAB_OWNER_ENGINE(id)	(LAB_OWNER_RESERVED_MIN + 0x100 + (id))
/* Never an owner: keeps the tag of a valid owner away from all-ones. */
#define LAB_OWNER_FREED		U64_MAX

/* alloc.c: the allocator */
struct page *lab_alloc(u64 owner, u32 gfpv, u32 order,
		       enum lab_page_fail *why);
int lab_free(u64 owner, struct page *page, u32 shred);
void lab_shred(struct page *page, unsigned int order, u32 mode);
gfp_t lab_gfp(u32 gfpv);
void lab_alloc_read(unsigned int cpu, struct lab_counters *c);
void lab_alloc_sum(struct lab_sample *s);
int lab_alloc_init(void);
void lab_alloc_exit(void);
u64 lab_features(void);
/* Arm/disarm the fail_page_alloc kretprobe (refcounted; may sleep). */
void lab_kprobe_get(void);
void lab_kprobe_put(void);
bool lab_kprobe_armed(void);

struct lab_zone_state {
	u64 free, min, low, high, boost, highatomic, global_free;
	u64 name[2];
};
/* exact: fold the per-CPU counter deltas in (slower, not for ticks) */
void lab_zone_state(gfp_t gfp, bool exact, struct lab_zone_state *zs);

/* engine.c: spam engines */
struct lab_engine;
extern struct mutex lab_mutex;
extern u64 lab_load_ns;
int lab_engine_start(struct file *file, struct lab_start *cmd);
int lab_engine_stop_ioctl(struct lab_stop *cmd);
int lab_engine_stats(struct lab_stats *cmd);
void lab_engines_release_file(struct file *file);
void lab_engines_exit(void);
u64 lab_default_held_cap(void);

static inline unsigned int lab_hist_bucket(u64 ns)
{
	unsigned int b = ns ? fls64(ns) - 1 : 0;

	return b < LAB_HIST_BUCKETS ? b : LAB_HIST_BUCKETS - 1;
}

#endif /* _LABYRINTH_INTERNAL_H */
