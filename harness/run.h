/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One run of a scenario, in the guest (or on a test machine, as root):
 * knobs saved and set, module loaded, children started, engines spammed,
 * samples taken, thresholds found, knobs restored, report written.
 *
 * The result directory gets, as the run goes:
 *   report.partial.json   the report as known at the start (written
 *                         first; the host completes it after a panic)
 *   samples.live.csv      the module's series, streamed (sampler.h)
 *   proc.live.csv         the /proc series, streamed
 *   kmsg.log, stress-ng.yaml/.log, bpftrace-*.json/.err, scope-*.bt
 * and at the end report.json plus everything the report writer derives.
 */
#ifndef LABYRINTH_RUN_H
#define LABYRINTH_RUN_H

#include <jansson.h>
#include <stdbool.h>

#include "scenario.h"

#define RUN_PARTIAL "report.partial.json"

struct run_opts {
	const char *out_base;	/* parent of the run directory */
	const char *run_dir;	/* exact run directory (overrides out_base) */
	const char *state_dir;	/* knob state (default /run/labyrinth) */
	const char *script_dir;	/* scenarios/bpftrace */
	bool quiet;
	bool allow_outside_vm;	/* run vm_only scenarios here anyway */
	const char *command;	/* the command line, for the report */
	char **modules;		/* --module 'PATH.ko [param=value ...]' */
	size_t nmodules;
	char **nic_modules;	/* [nic]: the driver's .ko paths, dependencies
				 * first (vm run passes them); NULL-ended */
};

/* Runs it; returns an enum lab_exit. The run directory is printed. */
int run_scenario(struct scenario *sc, const struct run_opts *o);

/* "reports" next to the binary's build tree, or ./reports. */
char *run_default_out_base(void);
/* A new directory's name there: "reports/soak-20261129T101500Z". */
char *run_default_stamped_dir(const char *kind);
/* scenarios/bpftrace beside the scenario file's directory, else the
 * build tree's. malloc'd. */
char *run_script_dir(const char *scenario_path);
/* A run id: YYYYmmdd-HHMMSS-NAME. */
char *run_make_id(const char *name);

/*
 * Host side, after `labyrinth vm run`: turn what the guest left in dir
 * into a complete report.json, given the VM runner's result (console log
 * in vr->console_log). If the guest wrote report.json, its verdict is
 * decided again with the VM's view (a panic, splat or timeout the guest
 * could not see); otherwise report.partial.json, the streamed series and
 * the console log make the same struct outcome_input the guest would
 * have, and outcome_compute() decides (run_host.c).
 * Returns an enum lab_exit (0 when the expectation was met), or -1 when
 * the guest left nothing to complete (it never started the run).
 */
struct vm_result;
int run_complete_on_host(const char *dir, const struct vm_result *vr,
			 bool quiet);

#endif /* LABYRINTH_RUN_H */
