/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bpftrace children: the scenario's tracing scripts (scenarios/bpftrace/
 * NAME.bt) and the generated programs that scope fault injection to a
 * module or a function with override() (which needs --unsafe). Output is
 * bpftrace's JSON (-f json), captured to a file and parsed into the
 * report's bpftrace summaries.
 */
#ifndef LABYRINTH_TRACE_H
#define LABYRINTH_TRACE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "child.h"
#include "scenario.h"

#define TRACE_READY_MARK "labyrinth-trace-ready"

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
/* Has the program attached (its BEGIN block ran, or bpftrace said it
 * attached its probes)? Sets t->ready. False too when it died: check
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

/* Stack words scanned for a return address into the target. */
#define TRACE_SCAN_WORDS 60

/*
 * Where a module's code is: base address and size from /proc/modules
 * text. 0, -ENOENT (not loaded) or -EPERM (addresses hidden: not root).
 */
int trace_module_range(const char *proc_modules, const char *module,
		       uint64_t *start, uint64_t *size);
/* Where a function is, from /proc/kallsyms text: its address, and its
 * size up to the next text symbol. Same returns. */
int trace_symbol_range(const char *kallsyms, const char *symbol,
		       uint64_t *start, uint64_t *size);

/*
 * The override() program that makes the section's injector's hook
 * (should_fail_alloc_page, should_failslab) fail only when a return
 * address in [start, start + size) is among the innermost
 * TRACE_SCAN_WORDS words of the
 * kernel stack, with the section's probability, interval, times,
 * min_order and ignore_gfp_wait. Returns malloc'd text, or NULL with err.
 */
/*
 * Does the program override the labyrinth module's own injection point
 * (LAB_INJECT_HOOK: scope = module:labyrinth)? The module calls it only
 * while LAB_INJECT_HOOK_PARAM is Y, which the run must then set.
 */
bool trace_scope_hook(const struct sc_inject *in);
char *trace_scope_program(const struct sc_inject *in, uint64_t start,
			  uint64_t size, char *err, size_t errlen);

#endif /* LABYRINTH_TRACE_H */
