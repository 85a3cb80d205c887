/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labyrinth: the exclusive atomic page allocator, for other drivers.
 *
 * A page comes from the page allocator with GFP_ATOMIC (or a variant) and
 * belongs to exactly one owner, a non-zero u64 handle the caller chooses
 * (a pointer to its own device struct is a good one; values at or above
 * LAB_OWNER_RESERVED_MIN are labyrinth's own). Only that owner can free
 * it; a free by anyone else, a double free or the free of a page this
 * allocator never handed out is refused and counted, never obeyed. The
 * page is overwritten (shredded) before it goes back.
 *
 * Both calls never sleep: hard IRQ, softirq and process context with
 * spinlocks held are all fine.
 */
#ifndef _LABYRINTH_KAPI_H
#define _LABYRINTH_KAPI_H

#include <linux/types.h>
#include <uapi/labyrinth.h>

struct page;

/**
 * labyrinth_void_alloc_page_gfp_atomic_exclusive() - one page, one owner
 * @owner: the owner handle, non-zero, below U64_MAX
 * @gfp_variant: LAB_GFP_* bits (0: GFP_ATOMIC)
 * @order: 0..LAB_ORDER_MAX; the block is not a compound page
 *
 * Return: the page, or NULL when the allocation failed (or the arguments
 * are bad). It never waits for memory.
 */
struct page *labyrinth_void_alloc_page_gfp_atomic_exclusive(u64 owner,
							     u32 gfp_variant,
							     u32 order);

/**
 * labyrinth_void_free_page_exclusive() - shred and free an owned page
 * @owner: the handle the page was allocated with
 * @page: the page
 * @shred: enum lab_shred
 *
 * Return: 0, -EPERM (@owner does not own @page), -EALREADY (freed already)
 * or -ENOENT (not a page this allocator handed out). On an error nothing
 * is freed and the violation is counted.
 */
int labyrinth_void_free_page_exclusive(u64 owner, struct page *page,
				       u32 shred);

#endif /* _LABYRINTH_KAPI_H */
