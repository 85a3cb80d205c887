// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the scenario parser: any bytes in, no crash, no
 * leak, no undefined behaviour out; a file that parses also goes through
 * the cross-key checks and one --set taken from its last line.
 *
 *   make fuzz                       (clang, ASan + UBSan, seeds: scenarios/)
 *   build/fuzz/fuzz_scenario -max_total_time=600 build/fuzz/corpus
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	char err[1024], *text, *last;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&sc, 0, sizeof(sc));
	if (scenario_parse_string(&sc, "fuzz.ini", text, err,
				  sizeof(err)) == 0) {
		last = strrchr(text, '\n');
		if (last && last[1])
			scenario_set(&sc, last + 1, err, sizeof(err));
		scenario_finish(&sc, err, sizeof(err));
	}
	/* every error names the file (or the --set) */
	for (size_t i = 0; i < sc.nerrors; i++)
		if (strncmp(sc.errors[i], "fuzz.ini", 8) &&
		    strncmp(sc.errors[i], "--set", 5))
			abort();
	scenario_free(&sc);
	free(text);
	return 0;
}
