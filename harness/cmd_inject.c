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
#include "knobs.h"
#include "scenario.h"
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

static volatile sig_atomic_t got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

int cmd_inject(int argc, char **argv)
{
	enum { OPT_PA = 256, OPT_SLAB, OPT_SPACE, OPT_MINORD, OPT_CACHE,
	       OPT_IGW, OPT_NTH, OPT_SYSTEM, OPT_STATE };
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
	struct sc_inject in;
	struct knobs k;
	struct sigaction sa;
	bool pa = false, slab = false, system = false;
	const char *state_dir = NULL;
	uint64_t v, nth = 0;
	char err[1024], msg[512];
	int c, st = 0, ret = LAB_EXIT_OK;
	pid_t pid;

	memset(&in, 0, sizeof(in));
	in.present = true;
	in.scope = SC_SCOPE_SYSTEM;
	in.probability = 100;
	in.interval = 1;
	in.times = 1;
	in.task_filter = true;
	in.verbose_ratelimit_interval_ms = 5000;
	in.verbose_ratelimit_burst = 10;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:i:n:v:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case OPT_PA:
			pa = true;
			break;
		case OPT_SLAB:
			slab = true;
			break;
		case 'p':
			if (parse_double(optarg, 0.001, 100, &in.probability)) {
				lab_err("inject: --probability %s: expected a "
					"percent above 0, up to 100", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'i':
			if (parse_u64(optarg, 1, UINT32_MAX, &in.interval)) {
				lab_err("inject: --interval %s: expected 1 to "
					"%u", optarg, UINT32_MAX);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'n':
			if (!strcmp(optarg, "-1")) {
				in.times = SC_UNLIMITED;
			} else if (parse_u64(optarg, 1, INT32_MAX, &v)) {
				lab_err("inject: --times %s: expected 1 to %d, "
					"or -1 for no limit", optarg,
					INT32_MAX);
				return LAB_EXIT_USAGE;
			} else {
				in.times = (long long)v;
			}
			break;
		case OPT_SPACE:
			if (parse_size(optarg, 0, UINT32_MAX, &in.space)) {
				lab_err("inject: --space %s: expected a size",
					optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case OPT_MINORD:
			if (parse_u64(optarg, 0, 10, &in.min_order)) {
				lab_err("inject: --min-order %s: expected 0 to "
					"10", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case OPT_CACHE:
			if (in.ncaches == SC_MAX_LIST ||
			    strlen(optarg) >= SC_NAME_MAX ||
			    strchr(optarg, '/')) {
				lab_err("inject: --cache %s: a slab cache name "
					"(see /sys/kernel/slab), at most %d",
					optarg, SC_MAX_LIST);
				return LAB_EXIT_USAGE;
			}
			snprintf(in.caches[in.ncaches++], SC_NAME_MAX, "%s",
				 optarg);
			in.cache_filter = true;
			slab = true;
			break;
		case OPT_IGW:
			in.ignore_gfp_wait = true;
			break;
		case OPT_NTH:
			if (parse_u64(optarg, 1, INT32_MAX, &nth)) {
				lab_err("inject: --fail-nth %s: expected a "
					"positive integer", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case OPT_SYSTEM:
			system = true;
			in.task_filter = false;
			break;
		case 'v':
			if (parse_u64(optarg, 0, 2, &in.verbose)) {
				lab_err("inject: --verbose %s: 0, 1 or 2",
					optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case OPT_STATE:
			state_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return LAB_EXIT_OK;
		default:
			usage(stderr);
			return LAB_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		lab_err("inject: no COMMAND: labyrinth inject [OPTIONS] -- "
			"COMMAND [ARGS]");
		return LAB_EXIT_USAGE;
	}
	if (!pa && !slab)
		pa = true;
	if (geteuid() != 0) {
		lab_err("inject: needs root (debugfs fault-injection knobs)");
		return LAB_EXIT_ENV;
	}
	if ((pa && access(DEBUGFS "/fail_page_alloc", F_OK)) ||
	    (slab && access(DEBUGFS "/failslab", F_OK))) {
		lab_err("inject: %s is missing: this kernel has no %s (or "
			"debugfs is not mounted on " DEBUGFS ")",
			pa && access(DEBUGFS "/fail_page_alloc", F_OK) ?
			DEBUGFS "/fail_page_alloc" : DEBUGFS "/failslab",
			pa ? "CONFIG_FAIL_PAGE_ALLOC" : "CONFIG_FAILSLAB");
		return LAB_EXIT_ENV;
	}
	if (system && pa && in.min_order == 0 && in.times == SC_UNLIMITED)
		lab_warn("inject: order-0 page allocations fail system-wide "
			 "with no limit: even fork may fail until it ends");

	if (knobs_open(&k, "", state_dir, err, sizeof(err))) {
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
	if ((pa && knobs_arm_fault_attr(&k, DEBUGFS "/fail_page_alloc", &in,
					false, err, sizeof(err))) ||
	    (slab && knobs_arm_fault_attr(&k, DEBUGFS "/failslab", &in, true,
					  err, sizeof(err)))) {
		lab_err("inject: %s", err);
		ret = LAB_EXIT_ENV;
		goto restore;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		lab_err("inject: fork: %m");
		ret = LAB_EXIT_INTERNAL;
		goto restore;
	}
	if (pid == 0) {
		char buf[32];

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (in.task_filter &&
		    write_file("/proc/self/make-it-fail", "1", 1)) {
			fprintf(stderr, "labyrinth: inject: cannot set "
				"/proc/self/make-it-fail: %m\n");
			_exit(126);
		}
		if (nth) {
			/* counts from here: execve's own allocations on */
			snprintf(buf, sizeof(buf), "%llu",
				 (unsigned long long)nth);
			if (write_file("/proc/thread-self/fail-nth", buf,
				       strlen(buf))) {
				fprintf(stderr, "labyrinth: inject: cannot set "
					"fail-nth: %m\n");
				_exit(126);
			}
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "labyrinth: inject: cannot run %s: %m\n",
			argv[optind]);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			break;
		if (got_sig)
			kill(pid, got_sig);
	}
	ret = WIFEXITED(st) ? WEXITSTATUS(st) :
	      WIFSIGNALED(st) ? 128 + WTERMSIG(st) : LAB_EXIT_INTERNAL;
restore:
	if (knobs_restore(&k, err, sizeof(err))) {
		lab_err("inject: %s (the state file is kept: the next "
			"labyrinth run or inject restores it)", err);
		ret = LAB_EXIT_INTERNAL;
	}
	knobs_close(&k);
	return ret;
}
