// SPDX-License-Identifier: GPL-2.0
/* `labyrinth vm`: options, help and exit code of the QEMU runner. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"
#include "vm.h"

static void vm_usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth vm [OPTIONS] -- COMMAND [ARGS...]\n"
"       labyrinth vm run [OPTIONS] SCENARIO     (see vm run --help)\n"
"       labyrinth vm soak [OPTIONS] SCENARIO... (see vm soak --help)\n"
"       labyrinth vm sweep [OPTIONS] SCENARIO --vary KEY=LOW..HIGH\n"
"\n"
"Boot the labyrinth test kernel in QEMU with this machine's root filesystem\n"
"read-only over 9p, run COMMAND in the guest as root (in the same working\n"
"directory), and exit with its status, unless the kernel says otherwise.\n"
"\n"
"Options:\n"
"  -k, --kernel PATH    bzImage to boot (default: the cached test kernel,\n"
"                       or $LABYRINTH_KERNEL)\n"
"      --kver KVER      cached kernel: 6.1 (default), 6.12 (test kernels\n"
"                       built by 'make kernel KVER=...') or stock (Debian's\n"
"                       own linux-image-amd64, no fault injection)\n"
"      --variant NAME   cached kernel variant: default or debug\n"
"  -m, --mem MB         guest memory in MiB (default 1024, 128..65536)\n"
"  -c, --cpus N         virtual CPUs (default 2, 1..64)\n"
"  -t, --timeout DUR    wall-clock limit for the whole run, e.g. 90s, 10m\n"
"                       (default 600s); past it the verdict is timeout\n"
"  -s, --share DIR      mount host DIR read-write at the same path in the\n"
"                       guest (repeatable); everything else is read-only\n"
"  -o, --out DIR        keep console.log, output.log, qemu.log and\n"
"                       verdict.json in DIR (default: a temporary directory,\n"
"                       removed after a pass)\n"
"      --keep           keep the temporary directory after a pass too\n"
"      --accel A        auto (default), kvm, tcg or tcg-multi; auto uses KVM\n"
"                       only if a probe guest really runs, else tcg (one\n"
"                       host thread for all vCPUs); tcg-multi runs a host\n"
"                       thread per vCPU but QEMU may then execute stale code\n"
"                       after the guest patches its text (kprobes, ftrace)\n"
"      --append ARGS    extra kernel command line\n"
"      --panic-on-oops  oops=panic on the kernel command line\n"
"      --panic-on-warn  panic_on_warn=1 on the kernel command line\n"
"      --allow-splats   report splats but do not fail on them\n"
"      --show-command   print the QEMU command line, then run it\n"
"  -n, --dry-run        print the QEMU command line and stop\n"
"  -q, --quiet          no progress line, no verdict line on a pass\n"
"  -h, --help           this text\n"
"\n"
"Exit status:\n"
"  0..199  COMMAND's own exit status (128+N if killed by signal N)\n"
"  200     splat: oops, BUG, WARNING, KASAN, UBSAN, lockdep, kmemleak,\n"
"          soft/hard lockup, hung task or RCU stall on the console\n"
"  201     kernel panic\n"
"  202     timeout (hang, or just too slow for --timeout)\n"
"  203     infrastructure error (no QEMU, no kernel, QEMU failed)\n"
"  204     the guest stopped without reporting the command's status\n"
"  205     bad options\n"
"The verdict line names the evidence: the first splat, where it happened\n"
"and in which context (\"BUG: kernel NULL pointer dereference, address: 28\n"
"(in drv_refill+0x34/0x150 [drv], hard IRQ)\"), its line in console.log,\n"
"and the panic it led to. On a timeout the runner first asks the guest\n"
"where it is stuck (sysrq l and w over the serial console, else an NMI)\n"
"and the evidence names the stuck CPUs' functions and blocked tasks.\n"
"verdict.json in --out says the same for machines (crash, hang).\n"
"\n"
"Examples:\n"
"  labyrinth vm -- true\n"
"  labyrinth vm --mem 512 --cpus 4 -- sh -c 'grep MemTotal /proc/meminfo'\n"
"  labyrinth vm --share $PWD/reports -- build/labyrinth run scenarios/default.ini\n"
"  labyrinth vm --timeout 30s --out /tmp/crash -- sh -c 'echo c > /proc/sysrq-trigger'\n"
"  labyrinth vm --dry-run -- true\n"
"  labyrinth vm --kver stock -- uname -r\n");
}

enum { OPT_KEEP = 256, OPT_APPEND, OPT_OOPS, OPT_WARN, OPT_SPLATS, OPT_SHOW };

/* One option of `labyrinth vm`; 0, or -1 after saying what was wrong. */
static int vm_opt(struct vm_opts *o, const char ***shares, int c, char *arg)
{
	char *abs;
	int ret = vm_opts_getopt(o, "vm", c, arg);

	if (ret <= 0)
		return ret;
	switch (c) {
	case 's':
		abs = realpath(arg, NULL);
		if (!abs) {
			lab_err("vm: --share %s: no such directory (create it "
				"first)", arg);
			return -1;
		}
		*shares = xrealloc(*shares,
				   (o->nshares + 1) * sizeof(**shares));
		(*shares)[o->nshares++] = abs;
		o->shares = *shares;
		return 0;
	case 'o':
		o->out_dir = arg;
		return 0;
	case OPT_APPEND:
		o->append = arg;
		return 0;
	case OPT_KEEP:
		o->keep = 1;
		return 0;
	case OPT_OOPS:
		o->panic_on_oops = 1;
		return 0;
	case OPT_WARN:
		o->panic_on_warn = 1;
		return 0;
	case OPT_SPLATS:
		o->ignore_splats = 1;
		return 0;
	case OPT_SHOW:
		o->show_command = 1;
		return 0;
	case 'n':
		o->dry_run = 1;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	}
	lab_err("vm: run 'labyrinth vm --help' for the options");
	return -1;
}

int cmd_vm(int argc, char **argv)
{
	static const struct option longopts[] = {
		VM_LONGOPTS,
		{ "share", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "panic-on-oops", no_argument, NULL, OPT_OOPS },
		{ "panic-on-warn", no_argument, NULL, OPT_WARN },
		{ "allow-splats", no_argument, NULL, OPT_SPLATS },
		{ "show-command", no_argument, NULL, OPT_SHOW },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vm_opts o;
	struct vm_result r;
	const char **shares = NULL;
	int c, ret = VM_EXIT_USAGE;
	size_t i;

	/* labyrinth vm run SCENARIO: the scenario runner's (cmd_vm_run.c) */
	if (argc > 1 && !strcmp(argv[1], "run"))
		return cmd_vm_run(argc - 1, argv + 1);
	/* labyrinth vm soak SCENARIO...: many runs (cmd_soak.c) */
	if (argc > 1 && !strcmp(argv[1], "soak"))
		return cmd_vm_soak(argc - 1, argv + 1);
	/* labyrinth vm sweep SCENARIO --vary ...: a threshold search */
	if (argc > 1 && !strcmp(argv[1], "sweep"))
		return cmd_vm_sweep(argc - 1, argv + 1);

	vm_opts_init(&o);
	optind = 1;
	/* '+': stop at the first non-option, the guest command is its own. */
	while ((c = getopt_long(argc, argv, "+" VM_OPTSTRING "s:o:nqh", longopts,
				NULL)) != -1) {
		if (c == 'h') {
			vm_usage(stdout);
			ret = 0;
			goto out;
		}
		if (vm_opt(&o, &shares, c, optarg))
			goto out;
	}
	if (optind >= argc) {
		lab_err("vm: no command to run: labyrinth vm [OPTIONS] -- "
			"COMMAND [ARGS...]");
		goto out;
	}
	ret = vm_run(&o, argv + optind, &r);
	vm_result_free(&r);
out:
	for (i = 0; i < o.nshares; i++)
		free((char *)shares[i]);
	free(shares);
	return ret;
}
