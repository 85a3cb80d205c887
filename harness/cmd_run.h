/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the scenario subcommands (run, check, vm run). */
#ifndef LABYRINTH_CMD_RUN_H
#define LABYRINTH_CMD_RUN_H

#include <stddef.h>

#include "scenario.h"

#define KNOBS_STATE_DIR_DOC "/run/labyrinth"

/*
 * Load SCENARIO, apply every --set, run the cross-key checks (with
 * [trace] scripts looked up beside the file) and print every error, each
 * naming its file, line and key (and with notes, the notes: old names).
 * Returns 0 or -1; either way the caller frees sc with scenario_free().
 */
int scenario_open_cli(struct scenario *sc, const char *path, char **sets,
		      size_t nsets, bool notes);

#endif /* LABYRINTH_CMD_RUN_H */
