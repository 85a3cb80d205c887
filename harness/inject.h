/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's fault injectors labyrinth drives, one table row each:
 * which debugfs directory holds its attribute, which kernel option it
 * needs, which kernel function decides a failure (what bpftrace
 * override()s for a scoped injection and what the module's kretprobe
 * counts), and what it can filter on. A scenario section per injector
 * ([fail_page_alloc], [failslab]), its keys, `labyrinth inject`'s
 * options, the report's injection block and the arming of the debugfs
 * attribute all come from these rows.
 */
#ifndef LABYRINTH_INJECT_H
#define LABYRINTH_INJECT_H

#include <stdbool.h>
#include <stddef.h>

enum inj_id {
	INJ_PAGE_ALLOC,		/* fail_page_alloc */
	INJ_SLAB,		/* failslab */
	INJ_COUNT,
};

/* What an injector's attribute can filter on (struct injector.filters). */
#define INJ_F_PRIVATE	(1u << 0)	/* scope = labyrinth: the module's
					 * private attribute stands in */
#define INJ_F_ORDER	(1u << 1)	/* min-order */
#define INJ_F_HIGHMEM	(1u << 2)	/* ignore-gfp-highmem */
#define INJ_F_GFP_WAIT	(1u << 3)	/* ignore-gfp-wait */
#define INJ_F_CACHE	(1u << 4)	/* cache-filter, per-cache failslab */

struct injector {
	enum inj_id id;
	const char *name;	/* section, debugfs directory, report name */
	const char *debugfs;	/* its global attribute */
	const char *config;	/* the kernel option behind it */
	const char *hook;	/* the ALLOW_ERROR_INJECTION function that
				 * decides: bpftrace override()s it */
	int hook_gfp_arg;	/* which of its arguments is the gfp mask */
	int hook_order_arg;	/* ...the order, -1 if it has none */
	const char *hook_fail;	/* what it returns to fail the caller */
	unsigned int filters;	/* INJ_F_* */
};

extern const struct injector injectors[INJ_COUNT];

/* The row named name ("failslab"), or NULL. */
const struct injector *injector_find(const char *name);

struct knobs;
struct sc_inject;

/* The attribute directory a section's scope writes to (labyrinth: the
 * module's private one). */
const char *injector_dir(const struct injector *inj,
			 const struct sc_inject *in);
/*
 * Arm the attribute from a scenario section: every knob the section
 * sets, as its key rows say (scenario.c), through knobs_set so that each
 * is restored. Returns 0 or -errno with err set.
 */
int injector_arm(struct knobs *k, const struct injector *inj,
		 const struct sc_inject *in, char *err, size_t errlen);

#endif /* LABYRINTH_INJECT_H */
