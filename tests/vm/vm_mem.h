/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Free memory as the module tests judge it, shared by tests/vm/test_module*.c:
 * MemFree plus the pages on the per-CPU free lists, which are free too but
 * not in MemFree (6.12 tunes those lists up after a burst of frees, to tens
 * of MB in a 1 GiB guest).
 */
#ifndef LABYRINTH_VM_MEM_H
#define LABYRINTH_VM_MEM_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"
#include "util.h"

/* MemFree:/MemTotal: in kB, through the harness's own parser. */
static inline long meminfo_kb(const char *key)
{
	struct meminfo m = { 0 };

	if (read_meminfo("/proc/meminfo", &m))
		return -1;
	return (long)(strcmp(key, "MemTotal:") ? m.mem_free_kb :
						 m.mem_total_kb);
}

/* Pages in the per-CPU free lists (/proc/zoneinfo's "count:"), in kB. */
static inline long pcp_kb(void)
{
	char *text, *p;
	size_t len;
	long pages = 0;

	if (read_file("/proc/zoneinfo", &text, &len))
		return 0;
	for (p = strstr(text, "count:"); p; p = strstr(p + 6, "count:"))
		pages += strtol(p + 6, NULL, 10);
	free(text);
	return pages * (getpagesize() / 1024);
}

/* Free memory: MemFree plus the per-CPU lists, in kB. */
static inline long free_kb(void)
{
	return meminfo_kb("MemFree:") + pcp_kb();
}

#endif /* LABYRINTH_VM_MEM_H */
