/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One main() for every Check test binary: TAP on stdout (collected by
 * tests/run-tests.sh), exit status 1 when anything failed.
 *
 *   LAB_CHECK_MAIN(console_suite)
 */
#ifndef LABYRINTH_CHECK_MAIN_H
#define LABYRINTH_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define LAB_CHECK_MAIN(...)						\
int main(void)								\
{									\
	Suite *(*suites[])(void) = { __VA_ARGS__ };			\
	SRunner *sr = srunner_create(NULL);				\
	size_t i;							\
	int failed;							\
									\
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)	\
		srunner_add_suite(sr, suites[i]());			\
	srunner_set_tap(sr, "-");					\
	srunner_run_all(sr, CK_SILENT);					\
	failed = srunner_ntests_failed(sr);				\
	srunner_free(sr);						\
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;			\
}

#endif /* LABYRINTH_CHECK_MAIN_H */
