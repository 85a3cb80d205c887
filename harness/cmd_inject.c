// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth inject [OPTIONS] -- CMD [ARGS]`: run one command under fault
 * injection, like the kernel's tools/testing/fault-injection/failcmd.sh
 * but with every knob saved and restored (also after a crash, through the
 * same state file as `labyrinth run`), failslab's cache filter, and a
 * choice of scope: by default only CMD's own allocations fail (task
 * filter + make-it-fail, task context only); --system fails everyone's,
 * IRQ context included.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "inject.h"
#include "knobs.h"
#include "scenario.h"
#include "uapi/labyrinth.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth inject [OPTIONS] -- COMMAND [ARGS...]\n"
"\n"
"Run COMMAND with the kernel's fault injection armed, then put every knob\n"
"back. By default only COMMAND (and its children) see failures: the task\n"
"filter with make-it-fail, which acts in task context only.\n"
"\n"
"Options:\n"
"      --page-alloc           fail page allocations (fail_page_alloc;\n"
"                             default if neither is given)\n"
"      --slab                 fail slab allocations (failslab)\n"
"  -p, --probability PCT      percent of candidate calls (default 100)\n"
"  -i, --interval N           only every Nth call (default 1)\n"
"  -n, --times N              at most N failures (default 1; -1: no limit)\n"
"      --space BYTES          let this many bytes through first\n"
"      --min-order N          fail_page_alloc min-order (default 0)\n"
"      --cache NAME           failslab only these caches (cache-filter;\n"
"                             repeatable)\n"
"      --ignore-gfp-wait      spare allocations that may sleep\n"
"      --fail-nth N           fail the Nth fault-injection point of\n"
"                             COMMAND from its execve on (fail-nth; task\n"
"                             context only)\n"
"      --system               no task filter: every task and IRQ context\n"
"                             (careful: order-0 system-wide breaks fork)\n"
"  -v, --verbose N            kernel message per failure: 0, 1, 2 (stack)\n"
"      --state-dir DIR        knob state and lock (default /run/labyrinth)\n"
"  -h, --help                 this help\n"
"\n"
"Exit status: COMMAND's, or 2 (usage), 3 (no fault injection here / not\n"
"root).\n"
"\n"
"Examples:\n"
"  labyrinth inject --times 1 -- ls /\n"
"  labyrinth inject --slab --cache kmalloc-64 -p 10 -n -1 -- ./my-test\n"
"  labyrinth inject --fail-nth 3 -- cat /proc/self/status\n");
}

enum { OPT_PA = 256, OPT_SLAB, OPT_SPACE, OPT_MINORD, OPT_CACHE, OPT_IGW,
       OPT_NTH, OPT_SYSTEM, OPT_STATE };

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

struct inject_opts {
	struct sc_inject in;	/* the knobs, as a scenario section */
	bool use[INJ_COUNT];	/* which injectors */
	bool system;
	uint64_t nth;
	const char *state_dir;
};

/* One option; returns 0, or -1 after saying what was wrong. */
static int inject_opt(struct inject_opts *o, int c, const char *arg)
{
	struct sc_inject *in = &o->in;
	uint64_t v;

	switch (c) {
	case 'p':
		if (!parse_double(arg, 0.001, 100, &in->probability))
			return 0;
		lab_err("inject: --probability %s: expected a percent above "
			"0, up to 100", arg);
		return -1;
	case 'i':
		if (!parse_u64(arg, 1, UINT32_MAX, &in->interval))
			return 0;
		lab_err("inject: --interval %s: expected 1 to %u", arg,
			UINT32_MAX);
		return -1;
	case 'n':
		if (!strcmp(arg, "-1")) {
			in->times = SC_UNLIMITED;
			return 0;
		}
		if (!parse_u64(arg, 1, INT32_MAX, &v)) {
			in->times = (long long)v;
			return 0;
		}
		lab_err("inject: --times %s: expected 1 to %d, or -1 for no "
			"limit", arg, INT32_MAX);
		return -1;
	case 'v':
		if (!parse_u64(arg, 0, 2, &in->verbose))
			return 0;
		lab_err("inject: --verbose %s: 0, 1 or 2", arg);
		return -1;
	case OPT_SPACE:
		if (!parse_size(arg, 0, UINT32_MAX, &in->space))
			return 0;
		lab_err("inject: --space %s: expected a size", arg);
		return -1;
	case OPT_MINORD:
		if (!parse_u64(arg, 0, LAB_ORDER_MAX, &in->min_order))
			return 0;
		lab_err("inject: --min-order %s: expected 0 to %d", arg,
			LAB_ORDER_MAX);
		return -1;
	case OPT_CACHE:
		if (in->ncaches == SC_MAX_LIST || strlen(arg) >= SC_NAME_MAX ||
		    strchr(arg, '/')) {
			lab_err("inject: --cache %s: a slab cache name (see "
				"/sys/kernel/slab), at most %d", arg,
				SC_MAX_LIST);
			return -1;
		}
		snprintf(in->caches[in->ncaches++], SC_NAME_MAX, "%s", arg);
		in->cache_filter = true;
		o->use[INJ_SLAB] = true;
		return 0;
	case OPT_NTH:
		if (!parse_u64(arg, 1, INT32_MAX, &o->nth))
			return 0;
		lab_err("inject: --fail-nth %s: expected a positive integer",
			arg);
		return -1;
	case OPT_PA:
		o->use[INJ_PAGE_ALLOC] = true;
		return 0;
	case OPT_SLAB:
		o->use[INJ_SLAB] = true;
		return 0;
	case OPT_IGW:
		in->ignore_gfp_wait = true;
		return 0;
	case OPT_SYSTEM:
		o->system = true;
		in->task_filter = false;
		return 0;
	case OPT_STATE:
		o->state_dir = arg;
		return 0;
	}
	usage(stderr);
	return -1;
}

/* Run COMMAND with make-it-fail / fail-nth set; its exit status. */
static int run_command(const struct inject_opts *o, char **cmd)
{
	struct sigaction sa;
	int st = 0;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		lab_err("inject: fork: %m");
		return LAB_EXIT_INTERNAL;
	}
	if (pid == 0) {
		char buf[32];

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (o->in.task_filter &&
		    write_file("/proc/self/make-it-fail", "1", 1)) {
			fprintf(stderr, "labyrinth: inject: cannot set "
				"/proc/self/make-it-fail: %m\n");
			_exit(126);
		}
		if (o->nth) {
			/* counts from here: execve's own allocations on */
			snprintf(buf, sizeof(buf), "%llu",
				 (unsigned long long)o->nth);
			if (write_file("/proc/thread-self/fail-nth", buf,
				       strlen(buf))) {
				fprintf(stderr, "labyrinth: inject: cannot set "
					"fail-nth: %m\n");
				_exit(126);
			}
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "labyrinth: inject: cannot run %s: %m\n",
			cmd[0]);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			break;
		if (got_sig)
			kill(pid, got_sig);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) :
	       WIFSIGNALED(st) ? 128 + WTERMSIG(st) : LAB_EXIT_INTERNAL;
}

/* Can this kernel do what was asked? 0, or an exit code after saying. */
static int inject_supported(const struct inject_opts *o)
{
	size_t i;

	if (geteuid() != 0) {
		lab_err("inject: needs root (debugfs fault-injection knobs)");
		return LAB_EXIT_ENV;
	}
	for (i = 0; i < INJ_COUNT; i++)
		if (o->use[i] && access(injectors[i].debugfs, F_OK)) {
			lab_err("inject: %s is missing: this kernel has no %s "
				"(or debugfs is not mounted on " DEBUGFS ")",
				injectors[i].debugfs, injectors[i].config);
			return LAB_EXIT_ENV;
		}
	if (o->system && o->use[INJ_PAGE_ALLOC] && o->in.min_order == 0 &&
	    o->in.times == SC_UNLIMITED)
		lab_warn("inject: order-0 page allocations fail system-wide "
			 "with no limit: even fork may fail until it ends");
	return 0;
}

int cmd_inject(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "page-alloc", no_argument, NULL, OPT_PA },
		{ "slab", no_argument, NULL, OPT_SLAB },
		{ "probability", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "times", required_argument, NULL, 'n' },
		{ "space", required_argument, NULL, OPT_SPACE },
		{ "min-order", required_argument, NULL, OPT_MINORD },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "ignore-gfp-wait", no_argument, NULL, OPT_IGW },
		{ "fail-nth", required_argument, NULL, OPT_NTH },
		{ "system", no_argument, NULL, OPT_SYSTEM },
		{ "verbose", required_argument, NULL, 'v' },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct inject_opts o = { 0 };
	struct sc_inject slab;
	struct knobs k;
	char err[1024], msg[512];
	int c, ret;
	size_t i;

	/* the key table's defaults, then what a one-shot injection wants:
	 * one failure, always, in COMMAND only */
	sc_inject_defaults(&o.in, INJ_PAGE_ALLOC);
	o.in.present = true;
	o.in.scope = SC_SCOPE_SYSTEM;
	o.in.probability = 100;
	o.in.times = 1;
	o.in.task_filter = true;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:i:n:v:h", longopts,
				NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return LAB_EXIT_OK;
		}
		if (inject_opt(&o, c, optarg))
			return LAB_EXIT_USAGE;
	}
	if (optind >= argc) {
		lab_err("inject: no COMMAND: labyrinth inject [OPTIONS] -- "
			"COMMAND [ARGS]");
		return LAB_EXIT_USAGE;
	}
	if (!o.use[INJ_PAGE_ALLOC] && !o.use[INJ_SLAB])
		o.use[INJ_PAGE_ALLOC] = true;
	ret = inject_supported(&o);
	if (ret)
		return ret;
	if (knobs_open(&k, "", o.state_dir, err, sizeof(err))) {
		lab_err("inject: %s", err);
		return LAB_EXIT_ENV;
	}
	c = knobs_recover(&k, msg, sizeof(msg), err, sizeof(err));
	if (c < 0) {
		lab_err("inject: %s", err);
		knobs_close(&k);
		return LAB_EXIT_ENV;
	}
	if (c > 0)
		lab_warn("%s", msg);
	/* the same knobs for each injector asked for */
	slab = o.in;
	slab.id = INJ_SLAB;
	for (i = 0; i < INJ_COUNT; i++)
		if (o.use[i] && injector_arm(&k, &injectors[i],
					     i == INJ_SLAB ? &slab : &o.in,
					     err, sizeof(err))) {
			lab_err("inject: %s", err);
			ret = LAB_EXIT_ENV;
			goto restore;
		}
	ret = run_command(&o, argv + optind);
restore:
	if (knobs_restore(&k, err, sizeof(err))) {
		lab_err("inject: %s (the state file is kept: the next "
			"labyrinth run or inject restores it)", err);
		ret = LAB_EXIT_INTERNAL;
	}
	knobs_close(&k);
	return ret;
}
