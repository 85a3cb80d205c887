/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands of the one `labyrinth` binary. A new subcommand is one
 * function here plus one row in the table in main.c. Each takes argc/argv
 * with argv[0] = the subcommand name, handles its own --help (with
 * EXAMPLES), and returns an exit code (enum lab_exit, or the vm codes).
 */
#ifndef LABYRINTH_COMMANDS_H
#define LABYRINTH_COMMANDS_H

int cmd_vm(int argc, char **argv);
/* labyrinth run/list/check/inject (cmd_run.c, cmd_inject.c) */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inject(int argc, char **argv);
/* `labyrinth vm run SCENARIO`, dispatched from cmd_vm (cmd_vm_run.c) */
int cmd_vm_run(int argc, char **argv);
/* `labyrinth vm soak SCENARIO...`, dispatched from cmd_vm (cmd_soak.c) */
int cmd_vm_soak(int argc, char **argv);
/* `labyrinth vm sweep SCENARIO --vary KEY=LOW..HIGH` (cmd_sweep.c) */
int cmd_vm_sweep(int argc, char **argv);
/* `labyrinth soak merge DIR...` (cmd_soak_merge.c): needs no VM */
int cmd_soak(int argc, char **argv);
/* report.json -> every other format; two reports -> what moved. */
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
/* Allocator overhead ratios (LAB_IOC_BENCH), in the machine it runs on. */
int cmd_bench(int argc, char **argv);

/* PID 1 inside the VM: set up the guest and run the requested command. */
int guest_init_main(int argc, char **argv);

#endif /* LABYRINTH_COMMANDS_H */
