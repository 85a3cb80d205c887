/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the scenario subcommands (run, check, vm run). */
#ifndef LABYRINTH_CMD_RUN_H
#define LABYRINTH_CMD_RUN_H

#include <stddef.h>

#include "scenario.h"

#define KNOBS_STATE_DIR_DOC "/run/labyrinth"

/* Load SCENARIO and apply --set values; errors printed. 0 or -1. */
int scenario_open_cli(struct scenario *sc, const char *path, char **sets,
		      size_t nsets);
/* scenario_finish with [trace] scripts checked in script_dir. */
int scenario_check_cli(struct scenario *sc, const char *script_dir);

#endif /* LABYRINTH_CMD_RUN_H */
