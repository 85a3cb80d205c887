// SPDX-License-Identifier: GPL-2.0
/*
 * Description: the scenario parser — every error path names the file, the
 * line and the key; --set goes through the same validation; the shipped
 * scenarios all parse and pass the cross-key checks.
 */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "scenario.h"
#include "uapi/labyrinth.h"
#include "util.h"

static char err[1024];

static int parse(struct scenario *sc, const char *text)
{
	memset(sc, 0, sizeof(*sc));
	return scenario_parse_string(sc, "t.ini", text, err, sizeof(err));
}

/* Parse must fail and the error must contain every needle. */
static void expect_error(const char *text, const char *n1, const char *n2)
{
	struct scenario sc;
	int r = parse(&sc, text);

	if (r == 0)
		r = scenario_finish(&sc, err, sizeof(err)) ? -1 : 0;
	ck_assert_msg(r == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, n1), "error '%s' lacks '%s'", err, n1);
	if (n2)
		ck_assert_msg(strstr(err, n2), "error '%s' lacks '%s'", err,
			      n2);
	scenario_free(&sc);
}

static const char *good =
	"; drains the reserve from hard IRQ\n"
	"; until the first genuine failure\n"
	"\n"
	"[scenario]\n"
	"description = drain test\n"
	"duration = 20s\n"
	"sample_interval = 5ms\n"
	"expect = atomic-failure ; inline comment\n"
	"\n"
	"[kernel]\n"
	"min_free_kbytes = 8192\n"
	"\n"
	"[engine irq]\n"
	"context = hrtimer\n"
	"cpus = 0-1\n"
	"rate = 20000\n"
	"burst = 32\n"
	"nowarn = yes\n"
	"\n"
	"[engine rx]\n"
	"context = tasklet\n"
	"policy = churn\n"
	"hold = 50ms\n"
	"leak = 0.01\n"
	"\n"
	"[fail_page_alloc]\n"
	"scope = module:e1000-e\n"
	"probability = 2.5\n"
	"times = unlimited\n"
	"\n"
	"[failslab]\n"
	"scope = system\n"
	"probability = 10\n"
	"cache_filter = yes\n"
	"caches = kmalloc-64, skbuff_head_cache\n"
	"\n"
	"[pressure]\n"
	"vm = 2\n"
	"vm_bytes = 60%\n"
	"oomable = yes\n"
	"extra = --vm-hang 0\n";

START_TEST(test_good)
{
	struct scenario sc;

	ck_assert_int_eq(parse(&sc, good), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_str_eq(sc.name, "t");
	ck_assert_uint_eq(sc.duration_ms, 20000);
	ck_assert_uint_eq(sc.sample_interval_ms, 5);
	ck_assert_int_eq(sc.expect, SC_EXPECT_ATOMIC_FAILURE);
	ck_assert_uint_eq(sc.stop_on, SC_STOP_ATOMIC_FAILURE);
	ck_assert_int_eq(sc.kernel.min_free_kbytes, 8192);
	ck_assert_int_eq(sc.kernel.panic_on_oom, -1);
	ck_assert_uint_eq(sc.nengines, 2);
	ck_assert_str_eq(sc.engine[0].name, "irq");
	ck_assert_uint_eq(sc.engine[0].cpumask, 3);
	ck_assert_uint_eq(sc.engine[0].rate, 20000);
	ck_assert(sc.engine[0].nowarn);
	ck_assert_int_eq(sc.engine[1].context, LAB_CTX_SOFTIRQ);
	ck_assert_int_eq(sc.engine[1].policy, LAB_POLICY_CHURN);
	ck_assert_uint_eq(sc.engine[1].hold_ms, 50);
	ck_assert(sc.engine[1].leak > 0.0099 && sc.engine[1].leak < 0.0101);
	ck_assert_uint_eq(sc.engine[1].line, 20);
	ck_assert_int_eq(sc.inject[INJ_PAGE_ALLOC].scope, SC_SCOPE_MODULE);
	/* module names are normalised the way /proc/modules shows them */
	ck_assert_str_eq(sc.inject[INJ_PAGE_ALLOC].target, "e1000_e");
	ck_assert_int_eq(sc.inject[INJ_PAGE_ALLOC].times, SC_UNLIMITED);
	ck_assert_uint_eq(sc.inject[INJ_SLAB].ncaches, 2);
	ck_assert_str_eq(sc.inject[INJ_SLAB].caches[1], "skbuff_head_cache");
	ck_assert(sc.pressure.present && sc.pressure.oomable);
	ck_assert_str_eq(sc.pressure.vm_bytes, "60%");
	ck_assert(sc.requires_fault_injection);
	ck_assert_uint_eq(strlen(sc.sha256), 64);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_errors_name_line_and_key)
{
	/* unknown key: names the line, key and the allowed keys */
	expect_error("[scenario]\nduration = 1s\nduraton = 2s\n", "t.ini:3:",
		     "unknown key 'duraton' in [scenario]; allowed keys: name");
	expect_error("[engine a]\nrat = 5\n", "t.ini:2:", "[engine a]");
	/* unknown section, including when empty */
	expect_error("[scenario]\n\n[enigne x]\n", "t.ini:3:",
		     "unknown section [enigne x]");
	expect_error("[kernel foo]\n", "t.ini:1:", "takes no name");
	/* bad values: what, where, what is allowed */
	expect_error("[scenario]\nduration = soon\n", "t.ini:2:",
		     "duration = 'soon': not a duration; allowed: a duration");
	expect_error("[scenario]\nduration = 50ms\n", "t.ini:2:",
		     "out of range");
	expect_error("[scenario]\nexpect = explode\n", "t.ini:2:",
		     "one of: atomic-failure, oom, panic, survive");
	expect_error("[kernel]\npanic_on_oom = 3\n", "t.ini:2:",
		     "an integer from 0 to 2, or -1");
	expect_error("[kernel]\nmin_free_kbytes = lots\n", "t.ini:2:",
		     "not an integer");
	expect_error("[engine a]\nrate = 0\n", "t.ini:2:", "from 1 to");
	expect_error("[engine a]\nrate = -5\n", "t.ini:2:", "not an integer");
	expect_error("[engine a]\ncpus = 1-0\n", "t.ini:2:", "CPU list");
	expect_error("[engine a]\ncpus = 64\n", "t.ini:2:", "CPU list");
	expect_error("[engine a]\ncpus = 1,\n", "t.ini:2:", "CPU list");
	expect_error("[engine a]\nnowarn = maybe\n", "t.ini:2:", "yes or no");
	expect_error("[engine a]\nleak = 1.5\n", "t.ini:2:", "from 0 to 1");
	expect_error("[engine a]\nleak = NaN\n", "t.ini:2:", "not a number");
	expect_error("[engine a]\ncontext = nmi\n", "t.ini:2:",
		     "hrtimer, irq_work, softirq, kthread-atomic");
	expect_error("[fail_page_alloc]\nscope = module:\n", "t.ini:2:",
		     "not a scope");
	expect_error("[fail_page_alloc]\nscope = driver:x\n", "t.ini:2:",
		     "labyrinth, system, module:NAME, function:SYMBOL");
	expect_error("[fail_page_alloc]\ntimes = many\n", "t.ini:2:",
		     "or unlimited");
	expect_error("[fail_page_alloc]\nprobability = 101\n", "t.ini:2:",
		     "from 0 to 100");
	expect_error("[fail_page_alloc]\ncaches = a\n", "t.ini:2:",
		     "unknown key 'caches' in [fail_page_alloc]");
	expect_error("[failslab]\nmin_order = 0\n", "t.ini:2:",
		     "unknown key 'min_order' in [failslab]");
	expect_error("[failslab]\ncaches = a,b c\n", "t.ini:2:",
		     "bad cache name b c");
	expect_error("[fail_page_alloc]\nrequire_start = 123\n", "t.ini:2:",
		     "hex address");
	expect_error("[pressure]\nvm_bytes = 120%\n", "t.ini:2:",
		     "size or percentage");
	expect_error("[pressure]\nextra = --timeout 5\n", "t.ini:2:",
		     "set by labyrinth itself");
	expect_error("[pressure]\nextra = --vm 1 | rm\n", "t.ini:2:", "contains");
	expect_error("[pressure]\nextra = --vm $(x)\n", "t.ini:2:",
		     "contains '$'");
	expect_error("[pressure]\nextra = vm\n", "t.ini:2:", "not an option");
	expect_error("[trace]\nscripts = a,,\n", "t.ini:2:", "bad script");
	expect_error("[trace]\nscripts = ../etc\n", "t.ini:2:", "bad script");
	expect_error("[scenario]\nstop_on = crash\n", "t.ini:2:",
		     "unknown stop condition crash");
	expect_error("[scenario]\nname = a b\n", "t.ini:2:", "plain word");
}
END_TEST

START_TEST(test_syntax_errors)
{
	char longline[400];

	expect_error("[scenario]\nduration 10s\n", "t.ini:2:", "syntax error");
	expect_error("[scenario\n", "t.ini:1:", "without ']'");
	expect_error("[scenario] x\n", "t.ini:1:", "after the section");
	expect_error("duration = 1s\n", "t.ini:1:", "before any [section]");
	expect_error("[scenario]\nduration = 1s\n  expect = oom\n", "t.ini:3:",
		     "indented line");
	expect_error("[scenario]\nduration = 1s\nduration = 2s\n", "t.ini:3:",
		     "set twice");
	expect_error("[engine a]\n[engine a]\n", "t.ini:2:",
		     "appears twice (first at line 1)");
	expect_error("[pressure]\nvm = 1\n[pressure]\n", "t.ini:3:",
		     "appears twice");
	expect_error("[engine a b]\n", "t.ini:1:", "bad engine name");
	expect_error("[]\n", "t.ini:1:", "empty");
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[scenario]\ndescription = ", 25);
	longline[sizeof(longline) - 1] = '\0';
	expect_error(longline, "t.ini:2:", "too long");
}
END_TEST

START_TEST(test_cross_checks)
{
	expect_error("[scenario]\nduration = 1s\n", "t.ini:", "nothing to run");
	expect_error("[engine a]\npolicy = churn\n", "t.ini:1:", "needs hold");
	expect_error("[engine a]\nhold = 5ms\n", "t.ini:1:", "only apply to");
	expect_error("[engine a]\nrate = 5\nburst = 10\n", "t.ini:1:",
		     "larger than rate");
	expect_error("[engine a]\nrate = 1000000\n", "t.ini:1:",
		     "raise burst to at least 10");
	/* the module's tick budget: burst << order pages at most */
	expect_error("[engine a]\nrate = 100000\nburst = 512\norder = 2\n",
		     "t.ini:1:", "lower burst to 256 or less");
	expect_error("[scenario]\nduration = 1s\n[engine a]\nstart = 2s\n",
		     "t.ini:3:", "not before the end");
	expect_error("[scenario]\nduration = 1s\nsample_interval = 2s\n"
		     "[engine a]\n", "t.ini:", "longer than duration");
	expect_error("[engine a]\n[failslab]\nscope = labyrinth\n"
		     "probability = 5\n", "t.ini:2:", "private");
	expect_error("[fail_page_alloc]\nscope = labyrinth\nprobability = 5\n",
		     "t.ini:1:", "needs at least one [engine]");
	expect_error("[engine a]\n[fail_page_alloc]\nscope = system\n",
		     "t.ini:2:", "probability is 0");
	expect_error("[engine a]\n[failslab]\nscope = system\nprobability = 1\n"
		     "cache_filter = yes\n", "t.ini:2:", "needs caches");
	expect_error("[engine a]\n[failslab]\nscope = system\nprobability = 1\n"
		     "caches = x\n", "t.ini:2:", "only takes effect");
	expect_error("[scenario]\nexpect = panic\n[engine a]\n", "t.ini:",
		     "vm_only = yes");
	expect_error("[scenario]\nexpect = panic\nvm_only = yes\n[engine a]\n",
		     "t.ini:", "panic_on_oom");
	expect_error("[pressure]\noomable = yes\n", "t.ini:1:",
		     "no stress-ng workers");
#if defined(__x86_64__)
	expect_error("[engine a]\n[fail_page_alloc]\nscope = system\n"
		     "probability = 1\nrequire_start = 0xffffffff81000000\n",
		     "t.ini:2:", "x86_64 has no stack filter");
#endif
}
END_TEST

/* The exhaustion phases: exhaust, pulses, gap, yield_to_reclaim. */
START_TEST(test_exhaust_keys)
{
	struct scenario sc;
	struct lab_start s;

	ck_assert_int_eq(parse(&sc, "[engine a]\nexhaust = 20s\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_uint_eq(sc.engine[0].exhaust_ms, 20000);
	ck_assert_uint_eq(sc.engine[0].pulses, 1);
	ck_assert_uint_eq(sc.engine[0].gap_ms, 2000);
	/* auto: an exhaust engine yields to reclaim; the run ends when its
	 * last pulse recovered */
	ck_assert(sc_engine_yields(&sc.engine[0]));
	ck_assert_uint_eq(sc.stop_on, SC_STOP_ENGINES);
	sc_engine_start(&sc.engine[0], &s);
	ck_assert_uint_eq(s.exhaust_ns, 20000ULL * 1000000ULL);
	ck_assert(s.flags & LAB_START_F_YIELD_TO_RECLAIM);
	scenario_free(&sc);

	ck_assert_int_eq(parse(&sc, "[engine a]\nexhaust = 1s\npulses = 5\n"
			       "gap = 500ms\nyield_to_reclaim = no\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_uint_eq(sc.engine[0].pulses, 5);
	ck_assert_uint_eq(sc.engine[0].gap_ms, 500);
	ck_assert(!sc_engine_yields(&sc.engine[0]));
	sc_engine_start(&sc.engine[0], &s);
	ck_assert(!(s.flags & LAB_START_F_YIELD_TO_RECLAIM));
	scenario_free(&sc);

	/* without exhaust: no phases, no yield, ABI 2.0 behaviour */
	ck_assert_int_eq(parse(&sc, "[engine a]\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert(!sc_engine_yields(&sc.engine[0]));
	sc_engine_start(&sc.engine[0], &s);
	ck_assert_uint_eq(s.exhaust_ns, 0);
	scenario_free(&sc);

	expect_error("[engine a]\npolicy = churn\nhold = 1ms\nexhaust = 1s\n",
		     "t.ini:1:", "only applies to policy = drain");
	expect_error("[engine a]\nexhaust = 1s\nstop_after_failures = 1\n",
		     "t.ini:1:", "set stop_after_failures = 0");
	expect_error("[engine a]\npulses = 3\n", "t.ini:1:",
		     "needs exhaust = DURATION");
	expect_error("[engine a]\npolicy = churn\nhold = 1ms\n"
		     "yield_to_reclaim = yes\n", "t.ini:1:",
		     "only pages held until the stop yield");
	expect_error("[scenario]\nstop_on = atomic-failure\n[engine a]\n"
		     "exhaust = 1s\n", "t.ini:3:", "set stop_on = engines");
	expect_error("[engine a]\nexhaust = 1s\npulses = 51\n", "t.ini:3:",
		     "pulses");
	expect_error("[engine a]\nyield_to_reclaim = maybe\n", "t.ini:2:",
		     "auto, yes, no");
	/* expect = crash: a reproducer, VM only */
	expect_error("[scenario]\nexpect = crash\n[engine a]\n", "t.ini:",
		     "vm_only = yes");
	/* [target] */
	expect_error("[engine a]\n[target]\nparams = x=1\n", "t.ini:2:",
		     "without module");
	expect_error("[engine a]\n[target]\nmodule = mydrv.o\n", "t.ini:2:",
		     "expected the path of a .ko file");
	expect_error("[engine a]\n[target]\n[target]\n", "t.ini:3:",
		     "appears twice");
	expect_error("[engine a]\n[target]\nworkloads = x\n", "t.ini:3:",
		     "unknown key");
}
END_TEST

START_TEST(test_set)
{
	struct scenario sc;

	ck_assert_int_eq(parse(&sc, good), 0);
	ck_assert_int_eq(scenario_set(&sc, "scenario.duration=5s", err,
				      sizeof(err)), 0);
	ck_assert_uint_eq(sc.duration_ms, 5000);
	ck_assert_int_eq(scenario_set(&sc, "engine.rx.rate=77", err,
				      sizeof(err)), 0);
	ck_assert_uint_eq(sc.engine[1].rate, 77);
	/* two engines: engine.KEY is ambiguous and says which exist */
	ck_assert_int_eq(scenario_set(&sc, "engine.rate=5", err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "engines: irq, rx"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "engine.tx.rate=5", err,
				      sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no [engine tx]"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "scenario.duration=x", err,
				      sizeof(err)), -1);
	ck_assert_msg(strstr(err, "--set 'scenario.duration=x': [scenario] "
			     "duration = 'x': not a duration"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "bogus.key=1", err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "unknown section 'bogus'"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "nodot=1", err, sizeof(err)), -1);
	ck_assert_int_eq(scenario_set(&sc, "scenario.duration", err,
				      sizeof(err)), -1);
	ck_assert_msg(strstr(err, "section.key=value"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "kernel.nope=1", err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "unknown key 'nope' in [kernel]"), "%s",
		      err);
	/* every bad --set is kept, and the cross checks refuse to judge a
	 * scenario with errors: they name the first one */
	ck_assert_uint_eq(sc.nerrors, 7);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "engines: irq, rx"), "%s", err);
	scenario_free(&sc);

	/* --set may repeat a key the file set: the override wins */
	ck_assert_int_eq(parse(&sc, good), 0);
	ck_assert_int_eq(scenario_set(&sc, "scenario.duration=5s", err,
				      sizeof(err)), 0);
	ck_assert_int_eq(scenario_set(&sc, "engine.rx.rate=77", err,
				      sizeof(err)), 0);
	ck_assert_int_eq(scenario_set(&sc, "fail_page_alloc.scope=function:"
				      "e1000_alloc_rx_buffers", err,
				      sizeof(err)), 0);
	ck_assert_int_eq(sc.inject[INJ_PAGE_ALLOC].scope, SC_SCOPE_FUNCTION);
	ck_assert_str_eq(sc.inject[INJ_PAGE_ALLOC].target,
			 "e1000_alloc_rx_buffers");
	ck_assert_uint_eq(sc.noverrides, 3);
	ck_assert_str_eq(sc.overrides[0], "scenario.duration=5s");
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	scenario_free(&sc);

	/* one engine: engine.KEY is fine; a new section can be added */
	ck_assert_int_eq(parse(&sc, "[engine a]\n"), 0);
	ck_assert_int_eq(scenario_set(&sc, "engine.context=irq_work", err,
				      sizeof(err)), 0);
	ck_assert_int_eq(sc.engine[0].context, LAB_CTX_IRQ_WORK);
	ck_assert_int_eq(scenario_set(&sc, "fail_page_alloc.scope=labyrinth",
				      err, sizeof(err)), 0);
	ck_assert(sc.inject[INJ_PAGE_ALLOC].present);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "probability is 0"), "%s", err);
	ck_assert_int_eq(scenario_set(&sc, "fail_page_alloc.probability=50",
				      err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert(sc.requires_fault_injection);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_odd_but_valid)
{
	struct scenario sc;

	/* BOM, CRLF, comments of both kinds, [engine] without a name */
	ck_assert_int_eq(parse(&sc, "\xEF\xBB\xBF# hi\r\n[engine]\r\n"
			       "rate = 10 ; per cpu\r\n  ; indented comment\r\n"
			       "cpus = all\r\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_str_eq(sc.engine[0].name, "main");
	ck_assert_uint_eq(sc.engine[0].rate, 10);
	ck_assert_uint_eq(sc.engine[0].cpumask, 0);
	scenario_free(&sc);
	ck_assert_int_eq(parse(&sc, "[engine a]\n"), 0);
	/* sha256sum of the same bytes */
	ck_assert_str_eq(sc.sha256, "5d464bddd6375e5fe9d2f200ec2299bed1"
			 "c3012c9c9a95bacaa1c089984a4b45");
	scenario_free(&sc);
	ck_assert_int_eq(parse(&sc, "[engine a]\nrate = 0x10\n"), 0);
	ck_assert_uint_eq(sc.engine[0].rate, 16);
	scenario_free(&sc);
}
END_TEST

START_TEST(test_summary_line)
{
	char *s = scenario_summary_line("; Drains the reserve\n;  from IRQ.\n"
					"\n; other\n[scenario]\n");

	ck_assert_str_eq(s, "Drains the reserve from IRQ.");
	free(s);
	s = scenario_summary_line("[scenario]\n");
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_cpulist)
{
	uint64_t m;

	ck_assert_int_eq(parse_cpulist("0,2-3,63", &m), 0);
	ck_assert_uint_eq(m, 0xdULL | (1ULL << 63));
	ck_assert_int_eq(parse_cpulist("all", &m), 0);
	ck_assert_uint_eq(m, 0);
	ck_assert_int_eq(parse_cpulist("", &m), -1);
	ck_assert_int_eq(parse_cpulist("a", &m), -1);
	ck_assert_int_eq(parse_cpulist("1-", &m), -1);
	ck_assert_int_eq(parse_cpulist("1,,2", &m), -1);
}
END_TEST

/* Every shipped scenario parses, passes the cross checks, has a comment. */
START_TEST(test_shipped)
{
	const char *top = getenv("LABYRINTH_TOP");
	char *dir = xasprintf("%s/scenarios", top ? top : ".");
	char *scripts = xasprintf("%s/bpftrace", dir);
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	ck_assert_msg(d, "cannot open %s", dir);
	while ((de = readdir(d))) {
		struct scenario sc;
		char *path, *summary;
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".ini"))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		memset(&sc, 0, sizeof(sc));
		sc.script_dir = scripts;
		ck_assert_msg(scenario_load(&sc, path, err, sizeof(err)) == 0,
			      "%s", err);
		ck_assert_msg(scenario_finish(&sc, err, sizeof(err)) == 0,
			      "%s", err);
		summary = scenario_summary_line(sc.text);
		ck_assert_msg(strlen(summary) > 20, "%s has no opening comment",
			      path);
		free(summary);
		scenario_free(&sc);
		free(path);
		n++;
	}
	closedir(d);
	ck_assert_msg(n >= 10, "only %d shipped scenarios", n);
	free(scripts);
	free(dir);
}
END_TEST

/* A file with several mistakes: each is reported, in file order. */
START_TEST(test_every_error)
{
	struct scenario sc;

	ck_assert_int_eq(parse(&sc, "[scenario]\nduration = 10x\n"
			       "expect = atomic-failure\n"
			       "[engine a]\nrate = -5\nshred = prng\n"
			       "colour = red\nno equals sign\n"
			       "[nosuch]\nkey = 1\n"
			       "  indented = 1\n"), -1);
	ck_assert_uint_eq(sc.nerrors, 6);
	ck_assert_msg(strstr(sc.errors[0], "t.ini:2: [scenario] duration = "
			     "'10x'"), "%s", sc.errors[0]);
	ck_assert_msg(strstr(sc.errors[1], "t.ini:5: [engine a] rate = '-5'"),
		      "%s", sc.errors[1]);
	ck_assert_msg(strstr(sc.errors[2], "t.ini:7: unknown key 'colour'"),
		      "%s", sc.errors[2]);
	ck_assert_msg(strstr(sc.errors[3], "t.ini:8: syntax error"), "%s",
		      sc.errors[3]);
	/* a bad section is one error: its keys are not reported again */
	ck_assert_msg(strstr(sc.errors[4], "t.ini:9: unknown section"), "%s",
		      sc.errors[4]);
	ck_assert_msg(strstr(sc.errors[5], "t.ini:11: indented line"), "%s",
		      sc.errors[5]);
	/* the old spelling of a value is a note, not an error */
	ck_assert_uint_eq(sc.nnotes, 1);
	ck_assert_msg(strstr(sc.notes[0], "t.ini:6: [engine a] shred = prng: "
			     "'prng' is the old name of 'fast'"), "%s",
		      sc.notes[0]);
	/* cross checks wait until the keys are right */
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), -1);
	ck_assert_uint_eq(sc.nerrors, 6);
	scenario_free(&sc);

	/* several cross-key problems: all of them */
	ck_assert_int_eq(parse(&sc, "[scenario]\nduration = 1s\n"
			       "expect = panic\n[engine a]\nstart = 2s\n"
			       "policy = churn\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), -1);
	ck_assert_uint_eq(sc.nerrors, 4);
	scenario_free(&sc);
}
END_TEST

/* Old names: still accepted, the scenario holds the ABI's values. */
START_TEST(test_old_names)
{
	struct scenario sc;

	ck_assert_int_eq(parse(&sc, "[engine a]\ncontext = tasklet\n"
			       "max_pages = 100\n[engine b]\n"
			       "context = process\nshred = prng\n"), 0);
	ck_assert_int_eq(sc.engine[0].context, LAB_CTX_SOFTIRQ);
	ck_assert_uint_eq(sc.engine[0].held_cap, 100);
	ck_assert_int_eq(sc.engine[1].context, LAB_CTX_KTHREAD_ATOMIC);
	ck_assert_int_eq(sc.engine[1].shred, LAB_SHRED_FAST);
	ck_assert_uint_eq(sc.nnotes, 4);
	ck_assert_msg(strstr(sc.notes[1], "t.ini:3: [engine a] max_pages: "
			     "'max_pages' is the old name of 'held_cap'"), "%s",
		      sc.notes[1]);
	scenario_free(&sc);
	/* one key, two names: still a duplicate */
	expect_error("[engine a]\nheld_cap = 5\nmax_pages = 6\n", "t.ini:3:",
		     "set twice");
}
END_TEST

/* The key table's rows say where values go. */
START_TEST(test_destinations)
{
	struct sc_write w[64];
	struct lab_start st = { 0 };
	struct scenario sc;
	size_t n, i;

	ck_assert_int_eq(parse(&sc, "[kernel]\nmin_free_kbytes = 8192\n"
			       "panic_on_oom = 0\n[engine a]\nrate = 5000\n"
			       "burst = 10\npolicy = churn\nhold = 2ms\n"
			       "leak = 0.05\nnowarn = yes\ngfp = nowait\n"
			       "context = softirq\n"
			       "[fail_page_alloc]\nscope = labyrinth\n"
			       "probability = 2.5\ninterval = 3\n"
			       "times = 7\n"), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	n = sc_sysctl_writes(&sc.kernel, w, 64);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(w[0].path, "/proc/sys/vm/min_free_kbytes");
	ck_assert_str_eq(w[0].value, "8192");
	ck_assert_str_eq(w[1].path, "/proc/sys/vm/panic_on_oom");
	ck_assert_str_eq(w[1].value, "0");
	/* the private attribute: generic knobs only, times last */
	n = sc_fault_attr_writes(&sc.inject[INJ_PAGE_ALLOC], true, w, 64);
	ck_assert_str_eq(w[0].path, "times");
	ck_assert_str_eq(w[0].value, "0");
	ck_assert_str_eq(w[n - 1].path, "times");
	ck_assert_str_eq(w[n - 1].value, "7");
	ck_assert_str_eq(w[n - 2].path, "probability");
	ck_assert_str_eq(w[n - 2].value, "5");
	ck_assert_str_eq(w[n - 3].path, "interval");
	ck_assert_str_eq(w[n - 3].value, "6");
	for (i = 0; i < n; i++)
		ck_assert_msg(strcmp(w[i].path, "min-order") &&
			      strcmp(w[i].path, "ignore-gfp-wait"), "%s",
			      w[i].path);
	sc_engine_start(&sc.engine[0], &st);
	ck_assert_uint_eq(st.rate, 5000);
	ck_assert_uint_eq(st.burst, 10);
	ck_assert_uint_eq(st.context, LAB_CTX_SOFTIRQ);
	ck_assert_uint_eq(st.policy, LAB_POLICY_LEAK_FRACTION);
	ck_assert_uint_eq(st.leak_ppm, 50000);
	ck_assert_uint_eq(st.hold_ns, 2000000);
	ck_assert_uint_eq(st.gfp, LAB_GFP_NOWAIT | LAB_GFP_NOWARN);
	ck_assert_uint_eq(st.shred, LAB_SHRED_FAST);
	ck_assert_uint_eq(st.held_cap, 1ULL << 20);
	ck_assert(st.flags & LAB_START_F_STOP_GENUINE_ONLY);
	scenario_free(&sc);
}
END_TEST

static Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_errors_name_line_and_key);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_cross_checks);
	tcase_add_test(tc, test_exhaust_keys);
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_every_error);
	tcase_add_test(tc, test_old_names);
	tcase_add_test(tc, test_destinations);
	tcase_add_test(tc, test_odd_but_valid);
	tcase_add_test(tc, test_summary_line);
	tcase_add_test(tc, test_cpulist);
	tcase_add_test(tc, test_shipped);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(scenario_suite)
