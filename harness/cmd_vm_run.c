// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth vm run SCENARIO`: boot the test kernel with the run's result
 * directory shared read-write, run `labyrinth run` in it, and on the host
 * make the report complete — in particular when the guest panicked or
 * hung and could not write it (the panic threshold is the runner's
 * verdict plus the last sample the guest streamed to the share).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_run.h"
#include "commands.h"
#include "vm_console.h"
#include "kmsg.h"
#include "report.h"
#include "run.h"
#include "run_report.h"
#include "sample.h"
#include "scenario.h"
#include "thresholds.h"
#include "util.h"
#include "vm.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: labyrinth vm run [OPTIONS] SCENARIO\n"
"\n"
"Boot the test kernel in QEMU, run the scenario in it as root, and leave\n"
"the result directory on the host (reports/RUN-ID/ by default). A guest\n"
"that panics or hangs still gets a complete report: the VM runner's\n"
"verdict, the console log, and every sample the guest streamed before it\n"
"died. Exit status as for 'labyrinth run' (0 = expect met).\n"
"\n"
"Run options (as for 'labyrinth run'):\n"
"  -s, --set SECTION.KEY=VALUE  override a scenario key (repeatable)\n"
"  -o, --out DIR                parent of the run directory\n"
"  -q, --quiet                  no progress, no summary\n"
"VM options (as for 'labyrinth vm'):\n"
"  -m, --mem MB                 guest RAM (default 1024)\n"
"  -c, --cpus N                 vCPUs (default 2)\n"
"  -t, --timeout DURATION       wall clock for boot + run (default: the\n"
"                               scenario's duration + 5 min)\n"
"      --accel auto|kvm|tcg     accelerator (default auto)\n"
"      --variant default|debug  which cached test kernel (debug: KASAN,\n"
"                               lockdep)\n"
"  -k, --kernel BZIMAGE         boot this kernel instead\n"
"  -h, --help                   this help\n"
"\n"
"Examples:\n"
"  labyrinth vm run scenarios/default.ini\n"
"  labyrinth vm run scenarios/panic-on-oom.ini\n"
"  labyrinth vm run --variant debug --timeout 30m scenarios/churn-soak.ini\n"
"  labyrinth vm run --mem 2048 --set engine.rate=50000 "
"scenarios/drain-hrtimer.ini\n");
}

static char *abspath(const char *p)
{
	char buf[PATH_MAX];

	if (realpath(p, buf))
		return xstrdup(buf);
	if (p[0] == '/')
		return xstrdup(p);
	if (!getcwd(buf, sizeof(buf)))
		return xstrdup(p);
	return xasprintf("%s/%s", buf, p);
}

int cmd_vm_run(int argc, char **argv)
{
	enum { OPT_ACCEL = 256, OPT_VARIANT };
	static const struct option longopts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "accel", required_argument, NULL, OPT_ACCEL },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vm_opts vo;
	struct vm_result vr;
	struct scenario sc;
	char **sets = NULL, **gargv, *out_base = NULL, *dir, *id, *exe,
	     *scen, *scripts, *vmdir;
	const char *shares[1];
	size_t nsets = 0, i, n;
	uint64_t timeout_ms = 0;
	int c, ret, quiet = 0;
	char buf[PATH_MAX];
	ssize_t len;

	vm_opts_init(&vo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:o:qm:c:t:k:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			sets = xrealloc(sets, (nsets + 1) * sizeof(*sets));
			sets[nsets++] = optarg;
			break;
		case 'o':
			free(out_base);
			out_base = xstrdup(optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'm':
			if (vm_opts_set(&vo, "vm run", "mem", optarg))
				goto usage_err;
			break;
		case 'c':
			if (vm_opts_set(&vo, "vm run", "cpus", optarg))
				goto usage_err;
			break;
		case 't':
			if (parse_duration_ms(optarg, 10000, 48 * 3600000ULL,
					      &timeout_ms)) {
				lab_err("vm run: --timeout %s: expected a "
					"duration from 10s to 48h", optarg);
				goto usage_err;
			}
			break;
		case OPT_ACCEL:
			if (vm_opts_set(&vo, "vm run", "accel", optarg))
				goto usage_err;
			break;
		case OPT_VARIANT:
			if (vm_opts_set(&vo, "vm run", "variant", optarg))
				goto usage_err;
			break;
		case 'k':
			vo.kernel = optarg;
			break;
		case 'h':
			usage(stdout);
			free(sets);
			free(out_base);
			return LAB_EXIT_OK;
		default:
			goto usage_err;
		}
	}
	if (optind != argc - 1) {
		lab_err("vm run: expected one SCENARIO (see 'labyrinth vm run "
			"--help')");
		goto usage_err;
	}
	/* bad input is found here, before a VM boots for nothing */
	if (scenario_open_cli(&sc, argv[optind], sets, nsets))
		goto usage_err;
	scripts = run_script_dir(argv[optind]);
	ret = scenario_check_cli(&sc, scripts);
	free(scripts);
	if (ret) {
		scenario_free(&sc);
		goto usage_err;
	}

	if (!out_base)
		out_base = run_default_out_base();
	id = run_make_id(sc.name);
	{
		char *base = abspath(out_base);

		dir = xasprintf("%s/%s", base, id);
		for (i = 2; access(dir, F_OK) == 0 && i < 100; i++) {
			free(dir);
			dir = xasprintf("%s/%s-%zu", base, id, i);
		}
		free(base);
	}
	free(id);
	ret = mkdir_p(dir, 0755);
	if (ret) {
		lab_err("vm run: cannot create %s: %s", dir, strerror(-ret));
		scenario_free(&sc);
		free(dir);
		free(sets);
		free(out_base);
		return LAB_EXIT_ENV;
	}
	vmdir = xasprintf("%s/vm", dir);

	len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	exe = len > 0 ? xasprintf("%.*s", (int)len, buf) : xstrdup(argv[0]);
	scen = abspath(argv[optind]);

	/* guest: labyrinth run --run-dir DIR --quiet [--set ...] SCENARIO */
	gargv = xcalloc(8 + 2 * nsets, sizeof(char *));
	n = 0;
	gargv[n++] = exe;
	gargv[n++] = "run";
	gargv[n++] = "--run-dir";
	gargv[n++] = dir;
	gargv[n++] = "--quiet";
	for (i = 0; i < nsets; i++) {
		gargv[n++] = "--set";
		gargv[n++] = sets[i];
	}
	gargv[n++] = scen;
	gargv[n] = NULL;

	shares[0] = dir;
	vo.shares = shares;
	vo.nshares = 1;
	vo.out_dir = vmdir;
	vo.quiet = quiet;
	/* TCG boots in seconds, bpftrace attaches in ~5 s per program,
	 * stress-ng and the module's own watchdog need their margin */
	vo.timeout_s = timeout_ms ? (unsigned int)(timeout_ms / 1000) :
		(unsigned int)((sc.duration_ms + sc.grace_ms) / 1000 + 300);
	scenario_free(&sc);

	if (!quiet)
		fprintf(stderr, "labyrinth: running %s in the VM; results in "
			"%s\n", argv[optind], dir);
	memset(&vr, 0, sizeof(vr));
	ret = vm_run(&vo, gargv, &vr);
	(void)ret;
	if (vr.verdict == VM_INFRA) {
		lab_err("vm run: the VM could not run: %s", vr.evidence);
		ret = LAB_EXIT_ENV;
	} else {
		ret = run_complete_on_host(dir, &vr, quiet);
		if (ret < 0) {
			/* the guest's run never got going: pass its status
			 * on (3 could not run, 4 skipped, 2 bad input) */
			ret = vr.cmd_status >= 0 && vr.cmd_status <= 5 &&
			      vr.cmd_status != 0 ? vr.cmd_status :
			      LAB_EXIT_UNEXPECTED;
			lab_err("vm run: the guest wrote no report (%s: %s); "
				"see %s/console.log", vm_verdict_name(
				vr.verdict), vr.evidence, vmdir);
		}
	}
	vm_result_free(&vr);
	free(gargv);
	free(exe);
	free(scen);
	free(vmdir);
	free(dir);
	free(sets);
	free(out_base);
	return ret;

usage_err:
	free(sets);
	free(out_base);
	return LAB_EXIT_USAGE;
}

/* ---- completing the report on the host ---------------------------------- */

/* Console lines may hold any bytes; JSON strings must be UTF-8. */
static json_t *ascii_string(const char *s)
{
	char *c = xstrdup(s), *p;
	json_t *j;

	for (p = c; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

static const char *vm_report_verdict(enum vm_verdict v)
{
	switch (v) {
	case VM_PANIC:
		return "panic";
	case VM_SPLAT:
		return "splat";
	case VM_TIMEOUT:
		return "timeout";
	default:
		return NULL;
	}
}

static void set_outcome(json_t *rep, const char *verdict, const char *why)
{
	json_t *out = json_object_get(rep, "outcome");
	const char *expect = json_string_value(json_object_get(out, "expect"));
	const char *old = json_string_value(json_object_get(out, "reason"));
	char *reason = xasprintf("%s%s%s", why, old && *old ? "; guest: " : "",
				 old ? old : "");

	json_object_set_new(out, "verdict", json_string(verdict));
	json_object_set_new(out, "expect_met", expect ?
			    json_boolean(!strcmp(expect, verdict)) :
			    json_null());
	json_object_set_new(out, "reason", json_string(reason));
	free(reason);
}

/* Copy the console log beside the report (the vm/ dir may be anywhere). */
static const char *console_rel(const char *dir, const char *console_log)
{
	char *want = xasprintf("%s/vm/console.log", dir);
	bool same = console_log && !strcmp(want, console_log);

	free(want);
	if (same)
		return "vm/console.log";
	if (console_log) {
		char *text, *dst = xasprintf("%s/console.log", dir);
		size_t len;

		if (read_file(console_log, &text, &len) == 0) {
			write_file_atomic(dst, text, len);
			free(text);
			free(dst);
			return "console.log";
		}
		free(dst);
	}
	return NULL;
}

/*
 * The guest's engine counters died with it, but the series it streamed has
 * the cumulative attempts and failures of all engines. With one engine
 * they are that engine's own; the injected ones go to the injector the
 * scenario's page-allocation scope names (the column adds both kinds).
 * With several engines the totals cannot be split: the engines keep zeros
 * and the series keeps the totals.
 */
static void fill_engine_from_series(json_t *rep, const struct series *s)
{
	json_t *engines = json_object_get(rep, "engines"), *e, *f, *inj;
	const char *scope = NULL;
	uint64_t att, gen, injd, peak = 0;
	size_t i, last;

	if (json_array_size(engines) != 1 || !s->n)
		return;
	last = s->n - 1;
	att = s->col[COL_ATTEMPTS][last];
	gen = s->col[COL_FAIL_GENUINE][last];
	injd = s->col[COL_FAIL_INJECTED][last];
	for (i = 0; i < s->n; i++)
		if (s->col[COL_HELD][i] > peak)
			peak = s->col[COL_HELD][i];
	json_array_foreach(json_object_get(json_object_get(rep, "injection"),
					   "injectors"), i, inj)
		if (!strcmp(json_string_value(json_object_get(inj, "name")) ?: "",
			    "fail_page_alloc"))
			scope = json_string_value(json_object_get(inj, "scope"));
	e = json_array_get(engines, 0);
	f = json_object_get(e, "failures");
	json_object_set_new(e, "attempts", json_integer((json_int_t)att));
	json_object_set_new(e, "successes", json_integer((json_int_t)
		(att >= gen + injd ? att - gen - injd : 0)));
	json_object_set_new(f, "genuine", json_integer((json_int_t)gen));
	json_object_set_new(f, scope && !strcmp(scope, "labyrinth") ?
			    "injected_private" : "injected_kernel",
			    json_integer((json_int_t)injd));
	json_object_set_new(e, "held_peak", json_integer((json_int_t)peak));
}

/* The guest never finished: rebuild series, thresholds, messages. */
static void fill_from_stream(json_t *rep, const char *dir,
			     const struct vm_result *vr, const char *clog)
{
	json_t *run = json_object_get(rep, "run");
	json_t *th = json_object_get(rep, "thresholds");
	double t0 = json_number_value(json_object_get(run, "t0_monotonic_s"));
	double t_panic = -1, t_end = 0;
	struct series s;
	struct console_scan cs;
	char *p, *text, err[256];
	json_t *msgs = json_array(), *ooms = json_array(), *first_oom = NULL;
	size_t i, idx;

	series_init(&s, (unsigned int)json_integer_value(json_object_get(
		json_object_get(rep, "series"), "interval_ms")));
	snprintf(s.zone, sizeof(s.zone), "%s", json_string_value(
		json_object_get(json_object_get(rep, "series"), "zone")) ?: "");
	p = xasprintf("%s/%s", dir, RUN_LIVE_CSV);
	if (read_file(p, &text, NULL) == 0) {
		if (series_csv_read(text, &s, err, sizeof(err)) < 0)
			lab_warn("%s: %s (the samples before it are used)", p,
				 err);
		free(text);
	}
	free(p);
	if (!strcmp(s.zone, "unknown") || !s.zone[0]) {
		/* the partial report was written before the first sample */
		json_t *zones = json_object_get(json_object_get(rep, "system"),
						"zones");
		json_t *z = json_array_get(zones, json_array_size(zones) - 1);

		snprintf(s.zone, sizeof(s.zone), "%s",
			 json_string_value(json_object_get(z, "name")) ?:
			 "unknown");
	}

	console_scan_init(&cs);
	if (clog && console_scan_file(&cs, clog) == 0) {
		for (i = 0; i < cs.nev; i++) {
			const struct console_event *e = &cs.ev[i];
			double t = e->ktime >= 0 ? e->ktime - t0 : 0;
			json_t *m;

			if (e->kind == CON_CMD_START || e->kind == CON_CMD_EXIT ||
			    e->ktime < t0)
				continue;
			if (e->kind == CON_PANIC && t_panic < 0)
				t_panic = t;
			if (json_array_size(msgs) < KMSG_KEEP_MAX) {
				m = json_object();
				json_object_set_new(m, "t_s", json_real(t));
				json_object_set_new(m, "kind", json_string(
					console_report_kind(e->kind)));
				json_object_set_new(m, "text",
						    ascii_string(e->text));
				json_array_append_new(msgs, m);
			}
			if (e->kind == CON_OOM_KILL) {
				struct kmsg_oom o;
				json_t *k;

				if (kmsg_parse_oom_kill(e->text, &o))
					continue;
				idx = thr_last_before(&s, t);
				k = json_object();
				json_object_set_new(k, "t_s", json_real(t));
				json_object_set_new(k, "pid",
						    json_integer(o.pid));
				json_object_set_new(k, "comm",
						    json_string(o.comm));
				json_object_set_new(k, "anon_rss_kb",
					json_integer(o.anon_rss_kb));
				json_object_set_new(k, "total_vm_kb",
					json_integer(o.total_vm_kb));
				if (!first_oom) {
					first_oom = json_object();
					json_object_set_new(first_oom, "t_s",
							    json_real(t));
					json_object_set_new(first_oom,
						"victim_pid",
						json_integer(o.pid));
					json_object_set_new(first_oom,
						"victim_comm",
						json_string(o.comm));
					json_object_set_new(first_oom,
						"free_pages", json_integer(
						idx == THR_NONE ? 0 :
						(json_int_t)
						s.col[COL_FREE][idx]));
					json_object_set_new(first_oom,
						"pages_held", json_integer(
						idx == THR_NONE ? 0 :
						(json_int_t)
						s.col[COL_HELD][idx]));
				}
				json_array_append_new(ooms, k);
			}
		}
	}
	console_scan_free(&cs);

	fill_engine_from_series(rep, &s);
	json_object_set_new(rep, "series", run_series_json(&s));
	json_object_set_new(rep, "kernel_messages", msgs);
	json_object_set_new(rep, "oom_kills", ooms);
	json_object_set_new(th, "first_oom_kill", first_oom ? first_oom :
			    json_null());
	json_object_set_new(th, "deepest_dip", run_dip_json(&s));
	idx = thr_first_increase(&s, COL_FAIL_GENUINE);
	if (idx != THR_NONE) {
		json_t *f = json_object(), *eng = json_array_get(
			json_object_get(rep, "engines"), 0);

		json_object_set_new(f, "t_s", json_real(s.t[idx]));
		json_object_set_new(f, "pages_held", json_integer(
			(json_int_t)s.col[COL_HELD][idx]));
		json_object_set_new(f, "free_pages", json_integer(
			(json_int_t)s.col[COL_FREE][idx]));
		json_object_set_new(f, "zone", json_string(s.zone));
		json_object_set_new(f, "min", json_integer(
			(json_int_t)s.col[COL_MIN][idx]));
		json_object_set_new(f, "low", json_integer(
			(json_int_t)s.col[COL_LOW][idx]));
		json_object_set_new(f, "high", json_integer(
			(json_int_t)s.col[COL_HIGH][idx]));
		json_object_set_new(f, "free_over_min", json_real(
			s.col[COL_MIN][idx] ? (double)s.col[COL_FREE][idx] /
			(double)s.col[COL_MIN][idx] : 0));
		json_object_set_new(f, "engine", json_string(json_string_value(
			json_object_get(eng, "id")) ?: "unknown"));
		json_object_set_new(f, "context", json_string(
			json_string_value(json_object_get(eng, "context")) ?:
			"hrtimer"));
		json_object_set_new(f, "cpu", json_integer(0));
		json_object_set_new(f, "source", json_string(
			"series (the guest died before reading the module's "
			"snapshot)"));
		json_object_set_new(th, "first_atomic_failure", f);
	}
	if (s.n)
		t_end = s.t[s.n - 1];
	if (vr->verdict == VM_PANIC) {
		json_t *pn = json_object();

		if (t_panic < 0)
			t_panic = t_end;
		json_object_set_new(pn, "t_s", json_real(t_panic));
		json_object_set_new(pn, "message", json_string(
			vr->evidence[0] ? vr->evidence : "kernel panic"));
		json_object_set_new(pn, "last_sample", run_sample_json(
			&s, thr_last_before(&s, t_panic)));
		json_object_set_new(th, "panic", pn);
		if (t_panic > t_end)
			t_end = t_panic;
	}
	json_object_set_new(run, "duration_s", json_real(t_end));
	json_object_set_new(json_object_get(rep, "sampler"), "samples",
			    json_integer((json_int_t)s.n));
	series_free(&s);
}

int run_complete_on_host(const char *dir, const struct vm_result *vr,
			 bool quiet)
{
	char *path = xasprintf("%s/%s", dir, REPORT_JSON), err[1024];
	const char *rel, *vmv;
	json_t *rep = NULL, *vmj, *files;
	bool from_partial = false;
	json_error_t je;
	int ret;

	if (access(path, F_OK) == 0) {
		if (report_load(dir, &rep, err, sizeof(err))) {
			lab_err("%s", err);
			free(path);
			return LAB_EXIT_INTERNAL;
		}
	} else {
		char *pp = xasprintf("%s/%s", dir, RUN_PARTIAL);

		rep = json_load_file(pp, 0, &je);
		free(pp);
		if (!rep) {
			free(path);
			return -1;
		}
		from_partial = true;
	}
	free(path);

	rel = console_rel(dir, vr->console_log);
	vmj = json_object();
	json_object_set_new(vmj, "verdict", json_string(
		vm_verdict_name(vr->verdict)));
	json_object_set_new(vmj, "evidence", json_string(vr->evidence));
	json_object_set_new(vmj, "console_log", rel ? json_string(rel) :
			    json_null());
	json_object_set_new(vmj, "accel", json_string(vr->accel));
	json_object_set_new(vmj, "boot_s", json_real(vr->boot_s));
	json_object_set_new(vmj, "total_s", json_real(vr->total_s));
	json_object_set_new(vmj, "command_status", json_integer(
		vr->cmd_status));
	json_object_set_new(rep, "vm", vmj);
	files = json_object_get(rep, "files");
	json_object_set_new(files, "console_log", rel ? json_string(rel) :
			    json_null());

	vmv = vm_report_verdict(vr->verdict);
	if (from_partial) {
		char why[700];

		fill_from_stream(rep, dir, vr, vr->console_log);
		snprintf(why, sizeof(why), "the VM %s: %s",
			 vr->verdict == VM_PANIC ? "panicked" :
			 vr->verdict == VM_TIMEOUT ? "hung (timeout)" :
			 "stopped before the run finished",
			 vr->evidence[0] ? vr->evidence : "no evidence");
		set_outcome(rep, vmv ? vmv : "error", why);
	} else if (vmv) {
		/* the guest finished but the VM saw worse (a splat it
		 * could not see, or it hung while writing) */
		const char *gv = json_string_value(json_object_get(
			json_object_get(rep, "outcome"), "verdict"));

		if (!gv || strcmp(gv, vmv)) {
			char why[700];

			snprintf(why, sizeof(why), "the VM runner saw a %s: %s",
				 vmv, vr->evidence);
			set_outcome(rep, vmv, why);
		}
	}
	ret = report_write_all(dir, rep, REPORT_FMT_ALL, err, sizeof(err));
	if (ret) {
		char *p = xasprintf("%s/report.rejected.json", dir);
		char *text = json_dumps(rep, JSON_INDENT(1));

		lab_err("the completed report was not written: %s (kept as %s)",
			err, p);
		if (text)
			write_file_atomic(p, text, strlen(text));
		free(text);
		free(p);
		json_decref(rep);
		return LAB_EXIT_INTERNAL;
	}
	if (from_partial) {
		char *pp = xasprintf("%s/%s", dir, RUN_PARTIAL);

		unlink(pp);
		free(pp);
	}
	if (!quiet)
		report_print_summary(stdout, rep);
	printf("Report: %s/%s\n", dir, REPORT_HTML);
	ret = json_is_true(json_object_get(json_object_get(rep, "outcome"),
					   "expect_met")) ? LAB_EXIT_OK :
	      LAB_EXIT_UNEXPECTED;
	json_decref(rep);
	return ret;
}
