/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Background memory pressure: stress-ng as a child process with the
 * scenario's stressors and its YAML metrics (-Y). stress-ng (or its
 * workers) dying to the OOM killer is an observation for the report,
 * never a harness failure.
 */
#ifndef LABYRINTH_PRESSURE_H
#define LABYRINTH_PRESSURE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "child.h"
#include "scenario.h"

struct pressure {
	struct child c;
	char *yaml_path;
	char *log_path;
	bool started;
	bool stopped_by_us;
};

/*
 * The stress-ng command line for a [pressure] section (NULL-terminated,
 * free with pressure_free_argv). timeout_s bounds stress-ng itself in
 * case labyrinth dies without stopping it.
 */
char **pressure_argv(const struct sc_pressure *p, uint64_t timeout_s,
		     const char *yaml_path);
void pressure_free_argv(char **argv);

int pressure_start(struct pressure *pr, const struct sc_pressure *p,
		   uint64_t duration_ms, const char *dir, char *err,
		   size_t errlen);
/* Still running? (false once it exited for any reason) */
bool pressure_running(struct pressure *pr);
void pressure_stop(struct pressure *pr);

/*
 * Parse stress-ng's -Y YAML: the "metrics:" list. Returns a JSON array
 * of {name, bogo_ops, bogo_ops_per_s_real, wall_clock_s, user_time_s,
 * system_time_s}, or NULL with err set when there is no metrics block
 * (stress-ng killed before writing it).
 */
json_t *pressure_parse_yaml(const char *text, char *err, size_t errlen);
/* The report's stress_ng object. oom_killed is decided by the caller
 * from the kernel's OOM reports. */
json_t *pressure_report(struct pressure *pr, bool oom_killed);
void pressure_free(struct pressure *pr);

#endif /* LABYRINTH_PRESSURE_H */
