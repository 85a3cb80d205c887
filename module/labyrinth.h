/* SPDX-License-Identifier: GPL-2.0 */
/*
 * labyrinth: the exclusive atomic page allocator, for other drivers.
 *
 * A page comes from the page allocator with GFP_ATOMIC (or a variant) and
 * belongs to exactly one owner, a u64 the caller chooses: non-zero and
 * outside [LAB_OWNER_RESERVED_MIN, LAB_OWNER_RESERVED_MAX], labyrinth's
 * own range, which holds no pointer, so a pointer to the caller's device
 * struct is a good owner. Each allocation also returns a handle, different
 * from every earlier allocation's handle of the same page. Only the owner,
 * presenting the handle of the allocation it frees, can free a page;
 * anything else is refused and counted, never obeyed. The page is
 * overwritten (shredded) before it goes back.
 *
 * Both calls never sleep: hard IRQ, softirq and process context with
 * spinlocks held are all fine. They take no lock and share no cache line
 * between CPUs.
 *
 * What a free detects, exactly:
 *  - a stale or double free: the handle of an earlier allocation of this
 *    page, even after the page was handed out again, to the same owner
 *    (-EALREADY). Handles repeat only after a CPU made 2^(48 - b)
 *    allocations, b = bits for CPU numbers (2^47 with 2 CPUs: 160 days
 *    at 10 million a second on one CPU);
 *  - a non-owner presenting the live handle (-EPERM);
 *  - a page or a handle this allocator never handed out: another
 *    driver's page, a tail page of one of our order > 0 blocks, a handle
 *    of another page, a made-up handle (-ENOENT);
 *  - a bad owner or shred mode (-EINVAL, nothing looked at).
 * The checks are keyed with a secret drawn at module load: a made-up
 * (owner, handle) pair is accepted with probability about 2^-59, and
 * told apart as stale rather than unknown with probability 2^-16.
 *
 * What it does not detect: a page freed behind its back with
 * __free_pages() (the guarantees are void for that page); use of a page
 * after its free (KASAN and DEBUG_PAGEALLOC see that); a struct page
 * pointer that points at no struct page (as for __free_pages()). It is a
 * bug catcher for trusted kernel code, not a security boundary.
 */
#ifndef _LABYRINTH_KAPI_H
#define _LABYRINTH_KAPI_H

#include <linux/types.h>
#include <uapi/labyrinth.h>

struct page;

/**
 * labyrinth_void_alloc_page_gfp_atomic_exclusive() - one block, one owner
 * @owner: the owner: non-zero, not in the reserved range
 * @gfp_variant: LAB_GFP_* bits (0: GFP_ATOMIC)
 * @order: 0..LAB_ORDER_MAX; the block is not a compound page
 * @handle: out: this allocation's handle, to present to the free
 *
 * The page's ->index and ->private belong to labyrinth until the free
 * (owner and ownership tag); ->lru is the caller's.
 *
 * Return: the first page of the block, or NULL when the allocation failed
 * or the arguments are bad (@handle is then 0). It never waits for memory.
 */
struct page *labyrinth_void_alloc_page_gfp_atomic_exclusive(u64 owner,
							     u32 gfp_variant,
							     u32 order,
							     u64 *handle);

/**
 * labyrinth_void_free_page_exclusive() - shred and free an owned block
 * @owner: the owner the block was allocated for
 * @page: the page the allocation returned
 * @handle: the handle the allocation returned
 * @shred: enum lab_shred
 *
 * Of two frees of one allocation racing on two CPUs, exactly one returns
 * 0. Shredding costs the caller's context 2^order pages of writes
 * (LAB_SHRED_CRYPTO: through the kernel's ChaCha20 CRNG).
 *
 * Return: 0 (the block is back in the page allocator); -EPERM (@owner is
 * not the owner), -EALREADY (a stale or double free), -ENOENT (not a
 * page or handle this allocator handed out): refused, nothing freed,
 * counted; -EINVAL: a reserved or zero @owner or an unknown @shred,
 * nothing looked at.
 */
int labyrinth_void_free_page_exclusive(u64 owner, struct page *page,
				       u64 handle, u32 shred);

#endif /* _LABYRINTH_KAPI_H */
