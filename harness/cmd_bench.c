// SPDX-License-Identifier: GPL-2.0
/*
 * labyrinth bench: the allocator's overhead against the raw page
 * allocator, measured by the module in one ioctl (LAB_IOC_BENCH): N raw
 * alloc_page(GFP_ATOMIC)/__free_page() pairs and N labyrinth alloc/free
 * pairs with shred none, fast and crypto, interleaved chunk by chunk with
 * IRQs off on one CPU. Runs it several times and reports the median
 * ratio (labyrinth time / raw time), so one noisy run does not decide.
 * Then once more on every CPU at the same time: the ownership record
 * shares nothing between CPUs, and this is where that shows (or not).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

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
	int all_cpus;
	double goal;
};

#define BENCH_CPUS_MAX 256

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
		"  -c, --chunk N       pairs per IRQs-off chunk (default 64, at\n"
		"                      most 256; the module shrinks a chunk\n"
		"                      that would keep IRQs off over 1 ms)\n"
		"  -r, --runs N        runs; the median ratio is reported (default 5)\n"
		"  -j, --json PATH     also write the results as JSON to PATH\n"
		"  -l, --load          load the module first if needed (and\n"
		"                      unload it afterwards if it loaded it)\n"
		"      --no-all-cpus   skip the run on every CPU at once\n"
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

/*
 * One LAB_IOC_BENCH per online CPU, all at once: children pinned to their
 * CPU wait on a pipe so they start together, and send their result back.
 * Returns the number of CPUs measured (0 on failure).
 */
static int bench_all_cpus(const struct bench_opts *o, struct lab_bench *res,
			  int max)
{
	int go[2], back[2], n = 0, i, status, ok = 1;
	pid_t pids[BENCH_CPUS_MAX];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (ncpu < 1 || pipe(go) || pipe(back))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < max && n < ncpu; i++) {
		CPU_ZERO(&set);
		CPU_SET(i, &set);
		pids[n] = fork();
		if (pids[n] < 0)
			break;
		if (!pids[n]) {
			struct lab_bench b = { .iterations = o->iterations,
					       .chunk = (uint32_t)o->chunk };
			struct labdev d;
			char c;

			close(go[1]);
			close(back[0]);
			if (sched_setaffinity(0, sizeof(set), &set) ||
			    labdev_open_quiet(&d) ||
			    read(go[0], &c, 1) != 1 || labdev_bench(&d, &b))
				_exit(1);
			_exit(write(back[1], &b, sizeof(b)) == sizeof(b) ?
			      0 : 1);
		}
		n++;
	}
	close(go[0]);
	close(back[1]);
	/* Closing the write end releases them all at once. */
	for (i = 0; i < n; i++)
		if (write(go[1], "g", 1) != 1)
			ok = 0;
	close(go[1]);
	for (i = 0; i < n; i++)
		if (read(back[0], &res[i], sizeof(res[i])) != sizeof(res[i]))
			ok = 0;
	close(back[0]);
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	return ok ? n : 0;
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
		{ "no-all-cpus", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .iterations = 200000, .chunk = 64, .runs = 5,
				.all_cpus = 1 };
	struct lab_bench allc[BENCH_CPUS_MAX];
	double all_none = 0, all_raw = 0;
	int nall = 0;
	struct lab_bench res[BENCH_RUNS_MAX];
	double rn[BENCH_RUNS_MAX], rf[BENCH_RUNS_MAX], rc[BENCH_RUNS_MAX];
	double tn[BENCH_RUNS_MAX], tf[BENCH_RUNS_MAX], tc[BENCH_RUNS_MAX];
	double none, fast, crypto, t_none, t_fast, t_crypto;
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
			if (parse_u64(optarg, 1, LAB_BENCH_CHUNK_MAX,
				      &o.chunk)) {
				lab_err("--chunk %s: want 1..%d", optarg,
					LAB_BENCH_CHUNK_MAX);
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
		case 'A':
			o.all_cpus = 0;
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
		if (!res[i].raw_min_chunk_ns) {
			lab_err("LAB_IOC_BENCH: no fastest-chunk times: module older than this labyrinth? rebuild and reload it");
			goto cleanup;
		}
		/* Headline: fastest chunks (undisturbed by the host). */
		rn[i] = (double)res[i].shred_none_min_chunk_ns /
			(double)res[i].raw_min_chunk_ns;
		rf[i] = (double)res[i].shred_fast_min_chunk_ns /
			(double)res[i].raw_min_chunk_ns;
		rc[i] = (double)res[i].shred_crypto_min_chunk_ns /
			(double)res[i].raw_min_chunk_ns;
		tn[i] = (double)res[i].shred_none_ns / (double)res[i].raw_ns;
		tf[i] = (double)res[i].shred_fast_ns / (double)res[i].raw_ns;
		tc[i] = (double)res[i].shred_crypto_ns / (double)res[i].raw_ns;
		printf("run %llu: fastest chunk of %llu: raw %.1f ns/pair, none %.3fx, fast %.3fx, crypto %.3fx; totals: raw %.1f ns/pair, none %.3fx, fast %.3fx, crypto %.3fx%s\n",
		       (unsigned long long)i + 1, (unsigned long long)o.chunk,
		       (double)res[i].raw_min_chunk_ns / (double)o.chunk,
		       rn[i], rf[i], rc[i],
		       (double)res[i].raw_ns / (double)o.iterations,
		       tn[i], tf[i], tc[i],
		       res[i].failures ? " (some allocations failed)" : "");
		fflush(stdout);
	}
	none = median(rn, o.runs);
	fast = median(rf, o.runs);
	crypto = median(rc, o.runs);
	t_none = median(tn, o.runs);
	t_fast = median(tf, o.runs);
	t_crypto = median(tc, o.runs);

	if (o.all_cpus) {
		nall = bench_all_cpus(&o, allc, BENCH_CPUS_MAX);
		if (!nall) {
			lab_err("bench on all CPUs at once failed");
			goto cleanup;
		}
		for (c = 0; c < nall; c++) {
			all_raw += (double)allc[c].raw_min_chunk_ns;
			all_none += (double)allc[c].shred_none_min_chunk_ns;
			printf("all CPUs at once, cpu %u: fastest chunk: raw %.1f ns/pair, none %.1f (%.3fx)\n",
			       allc[c].cpu,
			       (double)allc[c].raw_min_chunk_ns /
			       (double)o.chunk,
			       (double)allc[c].shred_none_min_chunk_ns /
			       (double)o.chunk,
			       (double)allc[c].shred_none_min_chunk_ns /
			       (double)allc[c].raw_min_chunk_ns);
		}
	}

	kver = uname(&u) ? xstrdup("unknown") : xstrdup(u.release);
	cpu = proc_line("/proc/cpuinfo", "model name");
	printf("\nlabyrinth alloc+free / raw alloc_page+__free_page, fastest %llu-pair chunks, median of %llu runs of %llu pairs (kernel %s, %s):\n",
	       (unsigned long long)o.chunk,
	       (unsigned long long)o.runs, (unsigned long long)o.iterations,
	       kver, cpu);
	printf("  shred none    %6.3fx%s\n", none,
	       none <= 1.10 ? "   (goal <= 1.10x: met)" :
	       "   (goal <= 1.10x: NOT met)");
	printf("  shred fast    %6.3fx\n", fast);
	printf("  shred crypto  %6.3fx\n", crypto);
	printf("  (whole-run totals, host noise included: none %.3fx, fast %.3fx, crypto %.3fx)\n",
	       t_none, t_fast, t_crypto);
	if (nall)
		printf("  shred none on all %d CPUs at once: %.3fx (raw %.1f ns/pair per CPU)\n",
		       nall, all_none / all_raw,
		       all_raw / nall / (double)o.chunk);

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
		fprintf(jf, "  \"ratio_basis\": \"fastest chunk per variant, median over runs\",\n");
		fprintf(jf, "  \"alloc_free_ratio_total_shred_none\": %.4f,\n",
			t_none);
		fprintf(jf, "  \"alloc_free_ratio_total_shred_fast\": %.4f,\n",
			t_fast);
		fprintf(jf, "  \"alloc_free_ratio_total_shred_crypto\": %.4f,\n",
			t_crypto);
		fprintf(jf, "  \"goal_shred_none\": 1.10,\n");
		fprintf(jf, "  \"goal_met\": %s,\n",
			none <= 1.10 ? "true" : "false");
		fprintf(jf, "  \"iterations\": %llu,\n  \"chunk\": %llu,\n  \"runs\": [\n",
			(unsigned long long)o.iterations,
			(unsigned long long)o.chunk);
		for (i = 0; i < o.runs; i++)
			fprintf(jf, "    { \"raw_min_chunk_ns\": %llu, \"shred_none_min_chunk_ns\": %llu, \"shred_fast_min_chunk_ns\": %llu, \"shred_crypto_min_chunk_ns\": %llu, \"raw_ns\": %llu, \"shred_none_ns\": %llu, \"shred_fast_ns\": %llu, \"shred_crypto_ns\": %llu, \"failures\": %llu, \"cpu\": %u, \"irqs_off_max_ns\": %llu, \"kernel_inject_armed\": %s }%s\n",
				(unsigned long long)res[i].raw_min_chunk_ns,
				(unsigned long long)res[i].shred_none_min_chunk_ns,
				(unsigned long long)res[i].shred_fast_min_chunk_ns,
				(unsigned long long)res[i].shred_crypto_min_chunk_ns,
				(unsigned long long)res[i].raw_ns,
				(unsigned long long)res[i].shred_none_ns,
				(unsigned long long)res[i].shred_fast_ns,
				(unsigned long long)res[i].shred_crypto_ns,
				(unsigned long long)res[i].failures,
				res[i].cpu,
				(unsigned long long)res[i].irqs_off_max_ns,
				res[i].kernel_inject_armed ? "true" : "false",
				i + 1 < o.runs ? "," : "");
		fprintf(jf, "  ],\n  \"raw_ns_per_pair\": %.2f,\n",
			(double)res[0].raw_min_chunk_ns / (double)o.chunk);
		fprintf(jf, "  \"raw_ns_per_pair_total\": %.2f,\n",
			(double)res[0].raw_ns / (double)o.iterations);
		if (nall) {
			fprintf(jf, "  \"all_cpus_ratio_shred_none\": %.4f,\n  \"all_cpus\": [\n",
				all_none / all_raw);
			for (c = 0; c < nall; c++)
				fprintf(jf, "    { \"cpu\": %u, \"raw_min_chunk_ns\": %llu, \"shred_none_min_chunk_ns\": %llu, \"raw_ns\": %llu, \"shred_none_ns\": %llu, \"shred_fast_ns\": %llu, \"shred_crypto_ns\": %llu }%s\n",
					allc[c].cpu,
					(unsigned long long)allc[c].raw_min_chunk_ns,
					(unsigned long long)allc[c].shred_none_min_chunk_ns,
					(unsigned long long)allc[c].raw_ns,
					(unsigned long long)allc[c].shred_none_ns,
					(unsigned long long)allc[c].shred_fast_ns,
					(unsigned long long)allc[c].shred_crypto_ns,
					c + 1 < nall ? "," : "");
			fprintf(jf, "  ],\n");
		}
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
