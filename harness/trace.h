/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpftrace children: the scenario's tracing scripts (scenarios/bpftrace/
 * NAME.bt). Output is bpftrace's JSON (-f json), captured to a file
 * and parsed into the report's bpftrace summaries. (Scoped injection is
 * scope.c's own BPF program: bpftrace cannot read a frame of the stack.)
 */
#ifndef LABYRINTH_TRACE_H
#define LABYRINTH_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "child.h"
#include "scenario.h"

struct tracer {
	char name[64];
	struct child c;
	char *out_path;		/* bpftrace -f json output */
	char *err_path;
	bool started;
	bool ready;
};

int trace_start(struct tracer *t, const char *name, const char *script,
		bool unsafe, const char *dir, char *err, size_t errlen);
/* Are all the probes bpftrace announced attached (it holds a file
 * descriptor for each)? Sets t->ready. False too when it died: check
 * trace_failed(). */
bool trace_ready(struct tracer *t);
/* Exited before being stopped: err gets its stderr's last line. */
bool trace_failed(struct tracer *t, char *err, size_t errlen);
/* SIGINT (bpftrace then prints its maps), then SIGKILL after grace. */
void trace_stop(struct tracer *t);
void trace_free(struct tracer *t);

/*
 * Parse bpftrace -f json output (one JSON object per line) into
 * {maps: {name: value-or-object}, hists: {name: [{min,max,count}]},
 *  printf_lines: N, events: [first 100 printf lines]}.
 * Non-JSON lines (warnings) are counted in "other_lines". NULL only when
 * nothing at all was parsed, with err set.
 */
json_t *trace_parse_output(const char *text, char *err, size_t errlen);

/*
 * Where a module's code is: base address and size from /proc/modules
 * text. 0, -ENOENT (not loaded) or -EPERM (addresses hidden: not root).
 */
int trace_module_range(const char *proc_modules, const char *module,
		       uint64_t *start, uint64_t *size);

#endif /* LABYRINTH_TRACE_H */
