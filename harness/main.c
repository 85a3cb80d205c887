// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth: fault-injection and exhaustion stress harness for the Linux
 * page allocator's emergency reserves. One binary for both sides: on the
 * host it boots QEMU (`labyrinth vm`), in the guest it is PID 1 and runs
 * scenarios against /dev/labyrinth.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "run a scenario here (as root; usually inside the VM)" },
	{ "list", cmd_list, "list the shipped scenarios, one line each" },
	{ "check", cmd_check, "validate scenario files without running them" },
	{ "inject", cmd_inject, "run one command under fault injection" },
	{ "vm", cmd_vm, "boot the test kernel in QEMU and run a command in it" },
	{ "soak", cmd_soak, "merge the shard directories of one soak (soak merge)" },
	{ "report", cmd_report, "regenerate a run's HTML/JUnit/TAP/CSV from report.json" },
	{ "compare", cmd_compare, "what moved between two runs, or two soaks" },
	{ "bench", cmd_bench, "allocator overhead vs the raw page allocator (needs the module)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: labyrinth COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Fault-injection and exhaustion stress harness for the page\n"
		"allocator's emergency reserves.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\n"
		"Run 'labyrinth COMMAND --help' for a command's options and\n"
		"examples; 'man labyrinth' (doc/labyrinth.1) for exit codes.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	/* Booted as init= inside the VM. */
	if (getpid() == 1)
		return guest_init_main(argc, argv);

	if (argc < 2) {
		usage(stderr);
		return LAB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return LAB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("labyrinth %s\n", labyrinth_version);
		return LAB_EXIT_OK;
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	lab_err("unknown command '%s': run 'labyrinth --help' for the list",
		argv[1]);
	return LAB_EXIT_USAGE;
}
