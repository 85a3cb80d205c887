// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth bench: the allocator's overhead against the raw page
 * allocator, measured by the module in one ioctl (LAB_IOC_BENCH): N raw
 * alloc_page(GFP_ATOMIC)/__free_page() pairs and N labyrinth alloc/free
 * pairs with shred none, fast and crypto, interleaved chunk by chunk with
 * IRQs off on one CPU. Runs it several times and reports the median
 * ratio (labyrinth time / raw time), so one noisy run does not decide.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "commands.h"
#include "labdev.h"
#include "util.h"

#define BENCH_RUNS_MAX 99

struct bench_opts {
	uint64_t iterations;
	uint64_t chunk;
	uint64_t runs;
	const char *json;
	int load;
	double goal;
};

static void bench_usage(FILE *f)
{
	fprintf(f,
		"Usage: labyrinth bench [OPTIONS]\n"
		"\n"
		"Measure the labyrinth allocator's overhead over the raw page\n"
		"allocator (alloc+free pairs, same context, same run) inside\n"
		"the machine it runs on; needs root and the module.\n"
		"\n"
		"Options:\n"
		"  -n, --iterations N  pairs per variant per run (default 200000)\n"
		"  -c, --chunk N       pairs per IRQs-off chunk (default 64)\n"
		"  -r, --runs N        runs; the median ratio is reported (default 5)\n"
		"  -j, --json PATH     also write the results as JSON to PATH\n"
		"  -l, --load          load the module first if needed (and\n"
		"                      unload it afterwards if it loaded it)\n"
		"  -g, --goal X        exit 1 if the shred-none ratio is above X\n"
		"                      (default: report only)\n"
		"  -h, --help          this text\n"
		"\n"
		"EXAMPLES\n"
		"  labyrinth bench --load --json reports/bench.json\n"
		"  make bench          (boots the test kernel and runs the above)\n");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* First line of /proc/version, or the "model name" of /proc/cpuinfo. */
static char *proc_line(const char *path, const char *key)
{
	char *buf, *line, *save = NULL, *out = NULL;
	size_t len;

	if (read_file(path, &buf, &len))
		return xstrdup("unknown");
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!key) {
			out = xstrdup(line);
			break;
		}
		if (!strncmp(line, key, strlen(key))) {
			char *colon = strchr(line, ':');

			out = xstrdup(colon ? colon + 2 : line);
			break;
		}
	}
	free(buf);
	return out ? out : xstrdup("unknown");
}

/* A JSON string: the few characters that need it escaped. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "load", no_argument, NULL, 'l' },
		{ "goal", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .iterations = 200000, .chunk = 64, .runs = 5 };
	struct lab_bench res[BENCH_RUNS_MAX];
	double rn[BENCH_RUNS_MAX], rf[BENCH_RUNS_MAX], rc[BENCH_RUNS_MAX];
	double none, fast, crypto;
	char *kver = NULL, *cpu = NULL, *buf = NULL;
	int c, ret = LAB_EXIT_INTERNAL, loaded = 0;
	struct labdev d = { .fd = -1 };
	struct utsname u;
	size_t blen = 0;
	FILE *jf;
	uint64_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:c:r:j:lg:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, 1, LAB_BENCH_ITERS_MAX,
				      &o.iterations)) {
				lab_err("--iterations %s: want 1..%llu", optarg,
					(unsigned long long)LAB_BENCH_ITERS_MAX);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'c':
			if (parse_u64(optarg, 1, 4096, &o.chunk)) {
				lab_err("--chunk %s: want 1..4096", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'r':
			if (parse_u64(optarg, 1, BENCH_RUNS_MAX, &o.runs)) {
				lab_err("--runs %s: want 1..%d", optarg,
					BENCH_RUNS_MAX);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'l':
			o.load = 1;
			break;
		case 'g':
			if (parse_double(optarg, 1.0, 1000.0, &o.goal)) {
				lab_err("--goal %s: want a ratio >= 1", optarg);
				return LAB_EXIT_USAGE;
			}
			break;
		case 'h':
			bench_usage(stdout);
			return LAB_EXIT_OK;
		default:
			bench_usage(stderr);
			return LAB_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		lab_err("bench: unexpected argument '%s'", argv[optind]);
		return LAB_EXIT_USAGE;
	}

	if (o.load && !labdev_module_loaded()) {
		char *path = labdev_module_path();

		if (!path)
			return LAB_EXIT_ENV;
		if (labdev_module_load(path, NULL)) {
			free(path);
			return LAB_EXIT_ENV;
		}
		free(path);
		loaded = 1;
	}
	if (labdev_open(&d)) {
		ret = LAB_EXIT_ENV;
		goto cleanup;
	}
	if (!labdev_has(&d, LAB_FEAT_BENCH)) {
		lab_err("this labyrinth module has no benchmark ioctl");
		ret = LAB_EXIT_ENV;
		goto cleanup;
	}
	for (i = 0; i < o.runs; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		res[i].iterations = o.iterations;
		res[i].chunk = (uint32_t)o.chunk;
		c = labdev_bench(&d, &res[i]);
		if (c) {
			lab_err("LAB_IOC_BENCH: %s", strerror(-c));
			goto cleanup;
		}
		if (!res[i].raw_ns) {
			lab_err("LAB_IOC_BENCH: raw time 0: clock too coarse?");
			goto cleanup;
		}
		rn[i] = (double)res[i].shred_none_ns / (double)res[i].raw_ns;
		rf[i] = (double)res[i].shred_fast_ns / (double)res[i].raw_ns;
		rc[i] = (double)res[i].shred_crypto_ns / (double)res[i].raw_ns;
		printf("run %llu: raw %.1f ns/pair, none %.1f (%.3fx), fast %.1f (%.3fx), crypto %.1f (%.3fx)%s\n",
		       (unsigned long long)i + 1,
		       (double)res[i].raw_ns / (double)o.iterations,
		       (double)res[i].shred_none_ns / (double)o.iterations,
		       rn[i],
		       (double)res[i].shred_fast_ns / (double)o.iterations,
		       rf[i],
		       (double)res[i].shred_crypto_ns / (double)o.iterations,
		       rc[i],
		       res[i].failures ? " (some allocations failed)" : "");
		fflush(stdout);
	}
	none = median(rn, o.runs);
	fast = median(rf, o.runs);
	crypto = median(rc, o.runs);

	kver = uname(&u) ? xstrdup("unknown") : xstrdup(u.release);
	cpu = proc_line("/proc/cpuinfo", "model name");
	printf("\nlabyrinth alloc+free / raw alloc_page+__free_page, median of %llu runs of %llu pairs (kernel %s, %s):\n",
	       (unsigned long long)o.runs, (unsigned long long)o.iterations,
	       kver, cpu);
	printf("  shred none    %6.3fx%s\n", none,
	       none <= 1.10 ? "   (goal <= 1.10x: met)" :
	       "   (goal <= 1.10x: NOT met)");
	printf("  shred fast    %6.3fx\n", fast);
	printf("  shred crypto  %6.3fx\n", crypto);

	if (o.json) {
		char *pv = proc_line("/proc/version", NULL);

		jf = open_memstream(&buf, &blen);
		if (!jf) {
			free(pv);
			goto cleanup;
		}
		fprintf(jf, "{\n  \"schema\": \"labyrinth-bench/1\",\n");
		fprintf(jf, "  \"alloc_free_ratio_shred_none\": %.4f,\n", none);
		fprintf(jf, "  \"alloc_free_ratio_shred_fast\": %.4f,\n", fast);
		fprintf(jf, "  \"alloc_free_ratio_shred_crypto\": %.4f,\n",
			crypto);
		fprintf(jf, "  \"goal_shred_none\": 1.10,\n");
		fprintf(jf, "  \"goal_met\": %s,\n",
			none <= 1.10 ? "true" : "false");
		fprintf(jf, "  \"iterations\": %llu,\n  \"chunk\": %llu,\n  \"runs\": [\n",
			(unsigned long long)o.iterations,
			(unsigned long long)o.chunk);
		for (i = 0; i < o.runs; i++)
			fprintf(jf, "    { \"raw_ns\": %llu, \"shred_none_ns\": %llu, \"shred_fast_ns\": %llu, \"shred_crypto_ns\": %llu, \"failures\": %llu, \"cpu\": %u, \"kernel_inject_probe\": %s }%s\n",
				(unsigned long long)res[i].raw_ns,
				(unsigned long long)res[i].shred_none_ns,
				(unsigned long long)res[i].shred_fast_ns,
				(unsigned long long)res[i].shred_crypto_ns,
				(unsigned long long)res[i].failures,
				res[i].cpu,
				res[i].kernel_inject_probe ? "true" : "false",
				i + 1 < o.runs ? "," : "");
		fprintf(jf, "  ],\n  \"raw_ns_per_pair\": %.2f,\n",
			(double)res[0].raw_ns / (double)o.iterations);
		fprintf(jf, "  \"kernel_release\": ");
		json_str(jf, kver);
		fprintf(jf, ",\n  \"kernel_version\": ");
		json_str(jf, pv);
		fprintf(jf, ",\n  \"cpu_model\": ");
		json_str(jf, cpu);
		fprintf(jf, ",\n  \"nr_cpus\": %u\n}\n", d.ver.nr_cpu_ids);
		fclose(jf);
		free(pv);
		c = write_file_atomic(o.json, buf, blen);
		if (c) {
			lab_err("%s: %s", o.json, strerror(-c));
			goto cleanup;
		}
		printf("wrote %s\n", o.json);
	}
	ret = (o.goal > 0 && none > o.goal) ? LAB_EXIT_UNEXPECTED : LAB_EXIT_OK;

cleanup:
	labdev_close(&d);
	if (loaded && labdev_module_unload() && ret == LAB_EXIT_OK)
		ret = LAB_EXIT_ENV;
	free(buf);
	free(kver);
	free(cpu);
	return ret;
}
