/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labyrinth module internals shared by main.c, alloc.c, engine.c and
 * selftest.c.
 */
#ifndef _LABYRINTH_INTERNAL_H
#define _LABYRINTH_INTERNAL_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <uapi/labyrinth.h>

#include "labyrinth.h"

/*
 * Owners are u64 and live in page->index (an unsigned long), and the
 * ownership tag in page->private: a 32-bit kernel would truncate both.
 */
#if BITS_PER_LONG != 64
#error "labyrinth needs a 64-bit kernel (owners and tags are 64-bit)"
#endif

struct page;
struct file;

/* Owners the module uses for itself, all in the reserved range. */
#define LAB_OWNER_BENCH		(LAB_OWNER_RESERVED_MIN)
#define LAB_OWNER_VERIFY	(LAB_OWNER_RESERVED_MIN + 1)
#define LAB_OWNER_ENGINE(id)	(LAB_OWNER_RESERVED_MIN + 0x100 + (id))

/* alloc.c: the allocator */
struct page *lab_alloc(u64 owner, u32 gfpv, u32 order, u64 *handle,
		       enum lab_page_fail *why);
int lab_claim(u64 owner, struct page *page, u64 handle, unsigned int *order);
void lab_give_back(struct page *page, unsigned int order, u32 shred);
int lab_free(u64 owner, struct page *page, u64 handle, u32 shred);
void lab_count_refusal(int err, u64 owner);
u64 lab_unissued_handle(const struct page *page);
bool lab_owner_valid(u64 owner);
void lab_shred(struct page *page, unsigned int order, u32 mode);
gfp_t lab_gfp(u32 gfpv);
bool lab_inject_armed(void);
void lab_alloc_read(unsigned int cpu, struct lab_counters *c);
void lab_alloc_sum(struct lab_sample *s);
int lab_alloc_init(void);
void lab_alloc_exit(void);
u64 lab_features(void);
bool labyrinth_should_fail_alloc_page(gfp_t gfp, unsigned int order);

struct lab_zone_state {
	u64 free, min, low, high, boost, highatomic, global_free;
	u64 name[2];
};
/* exact: fold the per-CPU counter deltas in (slower, not for ticks) */
void lab_zone_state(gfp_t gfp, bool exact, struct lab_zone_state *zs);

/* engine.c: spam engines */
extern u64 lab_load_ns;
int lab_engine_start(struct file *file, struct lab_start *cmd);
void lab_engine_abort(u32 id);
int lab_engine_stop_ioctl(struct lab_stop *cmd);
int lab_engine_stats(struct lab_stats *cmd);
void lab_engines_release_file(struct file *file);
int lab_engines_init(void);
void lab_engines_exit(void);
u64 lab_default_held_cap(void);

/* reclaim.c: the shrinker that lets direct reclaim take held pages */
int lab_reclaim_init(void);
void lab_reclaim_exit(void);
bool lab_reclaim_available(void);
/* pages given back and shrinker calls that gave some, since load */
void lab_reclaim_totals(u64 *pages, u64 *calls);

/* selftest.c: the kernel API tested from inside */
int lab_selftest_run(struct lab_selftest *cmd);

/*
 * IRQs-off sections of the bench and of kthread-atomic: on PREEMPT_RT
 * the page allocator's locks sleep, so "atomic" there is migration off.
 */
#ifdef CONFIG_PREEMPT_RT
#define lab_atomic_begin(flags)	do { (flags) = 0; migrate_disable(); } while (0)
#define lab_atomic_end(flags)	do { (void)(flags); migrate_enable(); } while (0)
#else
#define lab_atomic_begin(flags)	local_irq_save(flags)
#define lab_atomic_end(flags)	local_irq_restore(flags)
#endif

static inline unsigned int lab_hist_bucket(u64 ns)
{
	unsigned int b = ns ? fls64(ns) - 1 : 0;

	return b < LAB_HIST_BUCKETS ? b : LAB_HIST_BUCKETS - 1;
}

#endif /* _LABYRINTH_INTERNAL_H */
