/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics over many runs: quantiles of a threshold's distribution, and
 * the tests `labyrinth compare` uses on two soaks so that a CI gate fires
 * on a shift, not on noise: the Mann-Whitney rank-sum test for a
 * threshold's values, Fisher's exact test for a rate (runs whose verdict
 * was unexpected, runs that reached a threshold at all).
 *
 * Both tests are two-sided and assume nothing about the distributions'
 * shape, which is the point: free/min at the first failure is bimodal
 * on 6.12 (kernel/KERNELS.md), times are skewed.
 */
#ifndef LABYRINTH_STATS_H
#define LABYRINTH_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Sort ascending (NaNs are the caller's to leave out). */
void stats_sort(double *v, size_t n);

/*
 * Quantile q (0..1) of sorted values, linear between order statistics
 * (Hyndman and Fan's type 7, what R and numpy use by default): the
 * median of 1,2,3,4 is 2.5, the p95 of 1..20 is 19.05. NAN when n is 0.
 */
double stats_quantile(const double *sorted, size_t n, double q);

struct mw_result {
	size_t n1, n2;
	double u;	/* U of the first sample: pairs (a, b) with a > b,
			 * ties counting one half */
	double z;	/* the normal approximation's z; 0 when exact */
	double p;	/* two-sided p-value */
	bool exact;	/* from U's exact distribution (no ties, n1 * n2
			 * small enough), else the normal approximation
			 * with tie and continuity corrections */
};

/* Above this many pairs (n1 * n2), or with ties, the approximation. */
#define STATS_MW_EXACT_MAX_PAIRS 400

/*
 * Mann-Whitney U (Wilcoxon rank-sum) test of a against b. Returns 0, or
 * -1 when either sample is empty (nothing to test: *r has p = NAN).
 */
int stats_mann_whitney(const double *a, size_t n1, const double *b,
		       size_t n2, struct mw_result *r);

/*
 * Fisher's exact test on the 2x2 table [[a, b], [c, d]] (rows: old, new;
 * columns: yes, no): the two-sided p-value, the sum of the probabilities
 * of every table with the same margins no more likely than this one.
 */
double stats_fisher_exact(unsigned int a, unsigned int b, unsigned int c,
			  unsigned int d);

/* "p = 0.043", "p < 1e-9" for tables. */
void stats_fmt_p(char *buf, size_t len, double p);

#endif /* LABYRINTH_STATS_H */
