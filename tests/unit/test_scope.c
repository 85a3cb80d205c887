// SPDX-License-Identifier: GPL-2.0
/*
 * Description: scoped injection without a kernel: chain and gfp_filter
 * parsing (every error says what and where), the gfp values per kernel,
 * kallsyms lookups, the program's configuration from a section and its
 * description, the call-site rule, and the scenario keys around them.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "report.h"
#include "scenario.h"
#include "scope.h"
#include "uapi/labyrinth.h"
#include "vm_kernel.h"

static char err[512];

static const char *kallsyms =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T __alloc_pages\n"
	"ffffffff81100800 T alloc_pages\n"
	"ffffffff81100900 t should_fail_alloc_page\n"
	"ffffffff81100a00 T __hrtimer_run_queues\n"
	"ffffffff81100c00 T hrtimer_interrupt\n"
	"ffffffff81100e00 t cleanup\n"
	"ffffffff81100f00 t cleanup\n"
	"ffffffff81101000 t alias_a\n"
	"ffffffff81101000 t alias_b\n"
	"ffffffff81101100 D some_data\n"
	"ffffffff81101200 T __kmalloc_noprof\n"
	"ffffffff81101300 T _etext\n"
	"ffffffffc0001000 t lab_refill_ring\t[lab_refill]\n"
	"ffffffffc0001200 t lab_refill_tick\t[lab_refill]\n"
	"ffffffffc0001400 t new_slab.constprop.0\t[lab_refill]\n";

static const char *modules =
	"lab_refill 16384 0 - Live 0xffffffffc0001000 (O)\n"
	"labyrinth 53248 0 - Live 0xffffffffa0000000 (O)\n";

START_TEST(test_chain_parse)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "element 1 is empty" },
		{ "a=>", "element 2 is empty" },
		{ "=>b", "element 1 is empty" },
		{ "a=> =>b", "element 2 is empty" },
		{ "a b=>c", "element 1 ('a b') is not a function name" },
		{ "a=>1b", "element 2 ('1b') is not a function name" },
		{ "a=>b-c", "('b-c') is not a function name" },
		{ "a=>b=>c=>d=>e", "more than 4 functions" },
	};
	struct scope_chain c;
	char why[200], longname[200];
	size_t i;

	ck_assert_int_eq(scope_chain_parse("a=>b.isra.0=>c", &c, why,
					   sizeof(why)), 0);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.fn[0], "a");
	ck_assert_str_eq(c.fn[1], "b.isra.0");
	ck_assert_str_eq(c.fn[2], "c");
	ck_assert_int_eq(scope_chain_parse(" f1 => f2 ", &c, why,
					   sizeof(why)), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.fn[1], "f2");
	ck_assert_int_eq(scope_chain_parse("pipe_write", &c, why,
					   sizeof(why)), 0);
	ck_assert_uint_eq(c.n, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(scope_chain_parse(bad[i].text, &c, why,
						sizeof(why)) == -1,
			      "accepted '%s'", bad[i].text);
		ck_assert_msg(strstr(why, bad[i].why), "'%s': '%s' lacks '%s'",
			      bad[i].text, why, bad[i].why);
	}
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(scope_chain_parse(longname, &c, why, sizeof(why)),
			 -1);
	ck_assert_msg(strstr(why, "longer than"), "%s", why);
}
END_TEST

START_TEST(test_gfp_filter)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "GFP_ATOMIC", "'GFP_ATOMIC' is not a __GFP_ flag" },
		{ "__GFP_BOGUS", "'__GFP_BOGUS' is not a __GFP_ flag" },
		{ "__GFP_HIGH|", "empty flag" },
		{ "!", "empty flag" },
		{ "__GFP_HIGH|!__GFP_HIGH", "__GFP_HIGH is named twice" },
	};
	const struct vm_kernel *k61 = vm_kernel_find("6.1"),
			       *k612 = vm_kernel_find("6.12");
	struct scope_gfp g;
	char why[200];
	__u64 set, clear;
	size_t i;

	ck_assert_int_eq(scope_gfp_parse("atomic", &g, why, sizeof(why)), 0);
	ck_assert_int_eq(scope_gfp_resolve(&g, k61->rules, NULL, &set, &clear,
					   err, sizeof(err)), 0);
	ck_assert_uint_eq(set, 0x20);		/* __GFP_HIGH */
	ck_assert_uint_eq(clear, 0x400);	/* __GFP_DIRECT_RECLAIM */
	ck_assert_int_eq(scope_gfp_parse("__GFP_ATOMIC , !__GFP_NOWARN", &g,
					 why, sizeof(why)), 0);
	ck_assert_int_eq(scope_gfp_resolve(&g, k61->rules, NULL, &set, &clear,
					   err, sizeof(err)), 0);
	ck_assert_uint_eq(set, 0x200);
	ck_assert_uint_eq(clear, 0x2000);
	/* 6.12 dropped __GFP_ATOMIC: said, with the kernel named */
	ck_assert_int_eq(scope_gfp_resolve(&g, k612->rules, NULL, &set,
					   &clear, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "__GFP_ATOMIC: the running kernel has no "
			     "such flag (Linux 6.12"), "%s", err);
	/* an unknown kernel: its own tracepoint format */
	ck_assert_int_eq(scope_gfp_parse("__GFP_HIGH", &g, why, sizeof(why)),
			 0);
	ck_assert_int_eq(scope_gfp_resolve(&g, NULL,
		"print fmt: \"%s\", __print_flags(REC->gfp_flags, \"|\", "
		"{(unsigned long)((gfp_t)0x20u), \"__GFP_HIGH\"})", &set,
		&clear, err, sizeof(err)), 0);
	ck_assert_uint_eq(set, 0x20);
	ck_assert_int_eq(scope_gfp_resolve(&g, NULL, NULL, &set, &clear, err,
					   sizeof(err)), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(scope_gfp_parse(bad[i].text, &g, why,
					      sizeof(why)) == -1,
			      "accepted '%s'", bad[i].text);
		ck_assert_msg(strstr(why, bad[i].why), "'%s': '%s' lacks '%s'",
			      bad[i].text, why, bad[i].why);
	}
}
END_TEST

START_TEST(test_ksyms)
{
	struct ksyms ks;
	char out[200];

	ck_assert_int_eq(ksyms_parse(&ks, kallsyms), 0);
	ck_assert_uint_eq(ks.n, 15);	/* the data symbol is not text */
	ck_assert_str_eq(ksyms_lookup(&ks, 0xffffffff81100805ULL)->name,
			 "alloc_pages");
	ck_assert_ptr_null(ksyms_lookup(&ks, 0x1000));
	/* a return address names the call before it */
	ksyms_format(&ks, 0xffffffffc000102cULL, out, sizeof(out));
	ck_assert_str_eq(out, "lab_refill_ring+0x2c [lab_refill]");
	ksyms_format(&ks, 0xffffffff81100800ULL, out, sizeof(out));
	ck_assert_str_eq(out, "__alloc_pages+0x800");
	ksyms_format(&ks, 0x10, out, sizeof(out));
	ck_assert_str_eq(out, "0x10");
	ksyms_free(&ks);
	ck_assert_int_eq(ksyms_parse(&ks, "0000000000000000 T hidden\n"),
			 -ENOENT);
	ksyms_free(&ks);
}
END_TEST

static void section(struct sc_inject *in, enum sc_scope scope,
		    const char *target)
{
	sc_inject_defaults(in, INJ_PAGE_ALLOC);
	in->present = true;
	in->scope = scope;
	snprintf(in->target, sizeof(in->target), "%s", target);
	in->probability = 2.5;
	in->interval = 3;
	in->times = 7;
}

START_TEST(test_cfg)
{
	const struct vm_kernel *k = vm_kernel_find("6.1");
	struct ksyms ks;
	struct scope_env env = { .ks = &ks, .proc_modules = modules,
				 .rules = k->rules };
	struct sc_inject in;
	struct scope_cfg c;
	char *d;

	ck_assert_int_eq(ksyms_parse(&ks, kallsyms), 0);
	section(&in, SC_SCOPE_CHAIN, "__hrtimer_run_queues=>lab_refill_ring");
	snprintf(in.gfp_filter, sizeof(in.gfp_filter), "atomic");
	in.max_order = 0;
	in.ignore_gfp_highmem = true;
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nchain, 2);
	ck_assert_uint_eq(c.chain[0].start, 0xffffffff81100a00ULL);
	ck_assert_uint_eq(c.chain[0].end, 0xffffffff81100c00ULL);
	ck_assert_uint_eq(c.chain[1].start, 0xffffffffc0001000ULL);
	ck_assert_uint_eq(c.chain[1].end, 0xffffffffc0001200ULL);
	ck_assert_uint_eq(c.gfp_set, 0x20);
	ck_assert_uint_eq(c.gfp_clear, 0x402);	/* + __GFP_HIGHMEM */
	ck_assert_uint_eq(c.gfp_arg, 0);
	ck_assert_uint_eq(c.order_arg, 1);
	ck_assert_uint_eq(c.min_order, 0);
	ck_assert_uint_eq(c.max_order, 0);
	ck_assert_uint_eq(c.interval, 3);
	ck_assert_uint_eq(c.prob_milli, 2500);
	ck_assert_int_eq(c.times, 7);
	ck_assert_int_eq(c.fail_value, 1);
	ck_assert_uint_eq(c.exclude.end, 0);
	d = scope_cfg_describe(&in, &c, &ks);
	ck_assert_msg(strstr(d, "hook: should_fail_alloc_page\n"), "%s", d);
	ck_assert_msg(strstr(d, "  1. __hrtimer_run_queues [0xffffffff81100a00"
			     ", 0xffffffff81100c00)\n  2. lab_refill_ring "
			     "[lab_refill] [0xffffffffc0001000, "
			     "0xffffffffc0001200)\n"), "%s", d);
	ck_assert_msg(strstr(d, "gfp: (gfp & 0x20) == 0x20 && !(gfp & 0x402)"
			     "\norder: 0..0\nthen: interval 3 (fail every Nth "
			     "candidate), probability 2.500%, times 7\n"), "%s", d);
	ck_assert_ptr_null(strstr(d, LAB_INJECT_HOOK));
	free(d);
	/* labyrinth's own allocations: left to its injection point */
	env.module_hook = true;
	in.times = SC_UNLIMITED;
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.exclude.start, 0xffffffffa0000000ULL);
	ck_assert_uint_eq(c.exclude.end, 0xffffffffa0000000ULL + 53248);
	d = scope_cfg_describe(&in, &c, &ks);
	ck_assert_msg(strstr(d, "hook: " LAB_INJECT_HOOK " (the module's own "),
		      "%s", d);
	ck_assert_msg(strstr(d, "times unlimited\n"), "%s", d);
	free(d);
	/* function: is the chain of one; module: the module's text */
	section(&in, SC_SCOPE_FUNCTION, "alias_b");
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.nchain, 1);
	ck_assert_uint_eq(c.chain[0].end, 0xffffffff81101200ULL);
	section(&in, SC_SCOPE_MODULE, "lab_refill");
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.chain[0].start, 0xffffffffc0001000ULL);
	ck_assert_uint_eq(c.chain[0].end, 0xffffffffc0005000ULL);
	/* failslab: no order argument, -ENOMEM */
	section(&in, SC_SCOPE_FUNCTION, "lab_refill_tick");
	in.id = INJ_SLAB;
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.order_arg, SCOPE_NO_ARG);
	ck_assert_uint_eq(c.gfp_arg, 1);
	ck_assert_int_eq(c.fail_value, -12);
	ksyms_free(&ks);
}
END_TEST

START_TEST(test_cfg_errors)
{
	const struct vm_kernel *k = vm_kernel_find("6.12");
	struct ksyms ks;
	struct scope_env env = { .ks = &ks, .proc_modules = modules,
				 .rules = k->rules };
	static const struct {
		enum sc_scope scope;
		const char *target, *gfp, *why;
	} bad[] = {
		{ SC_SCOPE_CHAIN, "a=>nope", "", "scope = chain:a=>nope: a: "
		  "no such function in /proc/kallsyms" },
		{ SC_SCOPE_CHAIN, "alloc_pages=>cleanup", "", "cleanup: 2 "
		  "functions of that name" },
		{ SC_SCOPE_MODULE, "e1000", "", "scope = module:e1000: no "
		  "such module loaded" },
		{ SC_SCOPE_FUNCTION, "alloc_pages", "__GFP_ATOMIC",
		  "__GFP_ATOMIC: the running kernel has no such flag" },
		{ SC_SCOPE_CHAIN, "a b", "", "is not a function name" },
	};
	struct sc_inject in;
	struct scope_cfg c;
	size_t i;

	ck_assert_int_eq(ksyms_parse(&ks, kallsyms), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		section(&in, bad[i].scope, bad[i].target);
		snprintf(in.gfp_filter, sizeof(in.gfp_filter), "%s",
			 bad[i].gfp);
		ck_assert_msg(scope_cfg_build(&in, &env, &c, err,
					      sizeof(err)) < 0,
			      "accepted %s", bad[i].target);
		ck_assert_msg(strstr(err, bad[i].why), "'%s' lacks '%s'", err,
			      bad[i].why);
	}
	section(&in, SC_SCOPE_FUNCTION, "alloc_pages");
	env.module_hook = true;
	env.proc_modules = "";
	ck_assert_int_eq(scope_cfg_build(&in, &env, &c, err, sizeof(err)),
			 -ENOENT);
	ck_assert_msg(strstr(err, "labyrinth module's text"), "%s", err);
	ksyms_free(&ks);
}
END_TEST

START_TEST(test_site)
{
	struct ksyms ks;
	char out[200];
	__u64 irq[] = {
		0xffffffff81100910ULL,	/* should_fail_alloc_page */
		0xffffffff81100100ULL,	/* __alloc_pages */
		0xffffffff81100820ULL,	/* alloc_pages */
		0xffffffffc000104eULL,	/* lab_refill_ring+0x4e */
		0xffffffffc0001210ULL,
		0,
	};
	__u64 slab[] = {
		0xffffffffc0001410ULL,	/* new_slab.constprop.0 */
		0xffffffff81101210ULL,	/* __kmalloc_noprof */
		0xffffffffc0001220ULL,	/* lab_refill_tick+0x20 */
	};

	ck_assert(scope_allocator_frame("__alloc_pages_noprof"));
	ck_assert(scope_allocator_frame("___slab_alloc.constprop.0"));
	ck_assert(!scope_allocator_frame("lab_refill_ring"));
	ck_assert(!scope_allocator_frame("alloc_pages_foo"));
	ck_assert_int_eq(ksyms_parse(&ks, kallsyms), 0);
	scope_site(&ks, irq, 6, out, sizeof(out));
	ck_assert_str_eq(out, "lab_refill_ring+0x4e [lab_refill]");
	scope_site(&ks, slab, 3, out, sizeof(out));
	ck_assert_str_eq(out, "lab_refill_tick+0x20 [lab_refill]");
	scope_site(&ks, irq, 3, out, sizeof(out));
	ck_assert_str_eq(out, "(only allocator frames in 3)");
	ksyms_free(&ks);
}
END_TEST

/* The scenario keys: accepted, and every misuse a clear error. */
static void scenario_error(const char *text, const char *want)
{
	struct scenario sc;
	int r;

	memset(&sc, 0, sizeof(sc));
	r = scenario_parse_string(&sc, "t.ini", text, err, sizeof(err));
	if (r == 0)
		r = scenario_finish(&sc, err, sizeof(err)) ? -1 : 0;
	ck_assert_msg(r == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
	scenario_free(&sc);
}

START_TEST(test_scenario_keys)
{
	struct scenario sc;

	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(scenario_parse_string(&sc, "t.ini",
		"[fail_page_alloc]\nscope = chain:a => b=>c\n"
		"gfp_filter = atomic\nmax_order = 0\nprobability = 100\n",
		err, sizeof(err)), 0);
	ck_assert_int_eq(scenario_finish(&sc, err, sizeof(err)), 0);
	ck_assert_int_eq(sc.inject[INJ_PAGE_ALLOC].scope, SC_SCOPE_CHAIN);
	ck_assert_str_eq(sc.inject[INJ_PAGE_ALLOC].target, "a => b=>c");
	ck_assert_str_eq(sc.inject[INJ_PAGE_ALLOC].gfp_filter, "atomic");
	scenario_free(&sc);
	scenario_error("[fail_page_alloc]\nscope = chain:a=>\n",
		       "t.ini:2: [fail_page_alloc] scope = 'chain:a=>': not a "
		       "scope: chain element 2 is empty");
	scenario_error("[fail_page_alloc]\nscope = function:a=>b\n",
		       "not a scope: function: takes one function; for a call "
		       "chain write chain:a=>b");
	scenario_error("[fail_page_alloc]\nscope = chain\n",
		       "chain needs a target (chain:NAME)");
	scenario_error("[fail_page_alloc]\nscope = system:x\n",
		       "system takes no target");
	scenario_error("[fail_page_alloc]\nscope = stack:x\n",
		       "unknown kind 'stack'");
	scenario_error("[failslab]\nscope = function:f\ngfp_filter = __GFP_X\n",
		       "t.ini:3: [failslab] gfp_filter = '__GFP_X': '__GFP_X' "
		       "is not a __GFP_ flag");
	scenario_error("[engine a]\n[fail_page_alloc]\nscope = labyrinth\n"
		       "probability = 5\ngfp_filter = atomic\n",
		       "gfp_filter and max_order need scope = chain:");
	scenario_error("[fail_page_alloc]\nscope = system\nprobability = 5\n"
		       "max_order = 0\n", "gfp_filter and max_order need");
	scenario_error("[fail_page_alloc]\nscope = function:f\nprobability = "
		       "5\nmin_order = 2\nmax_order = 1\n",
		       "min_order 2 is above max_order 1");
	scenario_error("[fail_page_alloc]\nscope = chain:f=>g\nprobability = "
		       "5\nspace = 4096\n", "space, verbose and task_filter "
		       "are the kernel attribute's");
	scenario_error("[failslab]\nscope = chain:f=>g\nprobability = 5\n"
		       "cache_filter = yes\ncaches = kmalloc-64\n",
		       "cache_filter with scope = chain");
	scenario_error("[failslab]\nscope = chain:f=>g\nmax_order = 0\n",
		       "max_order");
}
END_TEST

/* The call sites reach the summary and the HTML page. */
START_TEST(test_report_sites)
{
	json_t *r = json_pack("{s:{s:[{s:s, s:s, s:{}, s:{s:[], s:i, s:["
		"{s:s, s:s, s:i, s:[s, s]}, {s:s, s:s, s:i, s:[s]}]}}]}}",
		"injection", "injectors", "name", "fail_page_alloc", "scope",
		"chain:lab_refill_tick=>lab_refill_ring", "knobs", "scoped",
		"hooks", "injected", 25, "sites",
		"site", "lab_refill_ring+0x4e [lab_refill]", "hook",
		"should_fail_alloc_page", "injected", 20, "stack",
		"lab_refill_ring+0x4e [lab_refill]",
		"lab_refill_tick+0x1c [lab_refill]",
		"site", "lab_alloc_armed+0x150 [labyrinth]", "hook",
		LAB_INJECT_HOOK, "injected", 5, "stack", "x<y");
	char *t, *h;

	ck_assert_ptr_nonnull(r);
	t = report_summary_string(r);
	ck_assert_msg(strstr(t, "scoped   fail_page_alloc chain:lab_refill_tick"
			     "=>lab_refill_ring: 25 injected;\n         20 at "
			     "lab_refill_ring+0x4e [lab_refill], 5 at "
			     "lab_alloc_armed+0x150\n         [labyrinth]\n"),
		      "%s", t);
	h = report_html(r);
	ck_assert_msg(strstr(h, "<h3>fail_page_alloc: 25 injected, by call "
			     "site</h3>"), "%s", h);
	ck_assert_msg(strstr(h, "lab_refill_ring+0x4e [lab_refill]<br>"
			     "lab_refill_tick+0x1c [lab_refill]"), "%s", h);
	ck_assert_msg(strstr(h, "x&lt;y"), "not escaped");
	free(t);
	free(h);
	json_decref(r);
}
END_TEST

static Suite *scope_suite(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("scope");

	tcase_add_test(tc, test_chain_parse);
	tcase_add_test(tc, test_gfp_filter);
	tcase_add_test(tc, test_ksyms);
	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_cfg_errors);
	tcase_add_test(tc, test_site);
	tcase_add_test(tc, test_scenario_keys);
	tcase_add_test(tc, test_report_sites);
	suite_add_tcase(s, tc);
	return s;
}

LAB_CHECK_MAIN(scope_suite)
