/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.json's blocks that come from struct run_outcome, the kernel's
 * messages and the series. The guest's report and the host's completion
 * of a run that died both write them with these functions.
 */
#ifndef LABYRINTH_OUTCOME_JSON_H
#define LABYRINTH_OUTCOME_JSON_H

#include <jansson.h>

#include "kmsg.h"
#include "outcome.h"
#include "sample.h"

/* "outcome": verdict, expect, expect_met, reason, observed{}. */
json_t *outcome_json(const struct run_outcome *o);
/*
 * The verdict part back from a report's "outcome" (verdict, expect,
 * expect_met, reason, observed): what outcome_apply_vm() needs to judge
 * a finished guest's run again with the VM's view. 0 or -1.
 */
int outcome_from_json(json_t *j, struct run_outcome *o);
/* "thresholds": first_atomic_failure, first_oom_kill, panic,
 * deepest_dip (in zone), failure_rate_per_s. */
json_t *outcome_thresholds_json(const struct run_outcome *o,
				const char *zone);
/* "oom_kills": every kill with the series at that moment. */
json_t *outcome_ooms_json(const struct run_outcome *o);
/* "windows": the spans the plots shade. */
json_t *outcome_windows_json(const struct run_outcome *o);
/* "kernel_messages". */
json_t *kevents_json(const struct kevents *ev);
/* A series, columnar ("series" or "proc_series"); with loss, its
 * "loss" block (the module's series). */
json_t *series_json(const struct series *s, const struct thr_loss *loss);

#endif /* LABYRINTH_OUTCOME_JSON_H */
