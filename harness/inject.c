// SPDX-License-Identifier: GPL-2.0
/*
 * The injector table, and arming an injector's debugfs attribute from the
 * writes its scenario section's key rows describe (scenario.c).
 */
#include "inject.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "knobs.h"
#include "scenario.h"
#include "uapi/labyrinth.h"
#include "util.h"

const struct injector injectors[INJ_COUNT] = {
	[INJ_PAGE_ALLOC] = {
		.id = INJ_PAGE_ALLOC,
		.name = "fail_page_alloc",
		.debugfs = DEBUGFS "/fail_page_alloc",
		.config = "CONFIG_FAIL_PAGE_ALLOC",
		.hook = "should_fail_alloc_page",	/* (gfp, order) */
		.hook_gfp_arg = 0,
		.hook_order_arg = 1,
		.hook_fail = "1",			/* bool: fail */
		.filters = INJ_F_PRIVATE | INJ_F_ORDER | INJ_F_HIGHMEM |
			   INJ_F_GFP_WAIT,
	},
	[INJ_SLAB] = {
		.id = INJ_SLAB,
		.name = "failslab",
		.debugfs = DEBUGFS "/failslab",
		.config = "CONFIG_FAILSLAB",
		.hook = "should_failslab",	/* (cache, gfp) */
		.hook_gfp_arg = 1,
		.hook_order_arg = -1,
		.hook_fail = "-12",			/* -ENOMEM */
		.filters = INJ_F_GFP_WAIT | INJ_F_CACHE,
	},
};

const struct injector *injector_find(const char *name)
{
	size_t i;

	for (i = 0; i < INJ_COUNT; i++)
		if (!strcmp(injectors[i].name, name))
			return &injectors[i];
	return NULL;
}

const char *injector_dir(const struct injector *inj,
			 const struct sc_inject *in)
{
	if (in->scope == SC_SCOPE_LABYRINTH)
		return DEBUGFS "/" LAB_DEBUGFS_DIR;
	return inj->debugfs;
}

int injector_arm(struct knobs *k, const struct injector *inj,
		 const struct sc_inject *in, char *err, size_t errlen)
{
	struct sc_write w[64];
	const char *dir = injector_dir(inj, in);
	size_t n, i;

	n = sc_fault_attr_writes(in, in->scope == SC_SCOPE_LABYRINTH, w,
				 ARRAY_SIZE(w));
	for (i = 0; i < n; i++) {
		char *p = w[i].path[0] == '/' ? xstrdup(w[i].path) :
			  xasprintf("%s/%s", dir, w[i].path);
		int r = 0;

		if (!(w[i].flags & SC_WRITE_IF_EXISTS) || knobs_exists(k, p))
			r = knobs_set(k, p, w[i].value, err, errlen);
		free(p);
		if (r)
			return r;
	}
	return 0;
}
