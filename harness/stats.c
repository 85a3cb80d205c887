// SPDX-License-Identifier: GPL-2.0
/*
 * Quantiles, the Mann-Whitney rank-sum test and Fisher's exact test for
 * comparing soaks (stats.h). Small sample sizes are the normal case here
 * (a soak of 3 to 100 runs per scenario and kernel), so the exact
 * distributions are used wherever they are cheap.
 */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double stats_quantile(const double *s, size_t n, double q)
{
	double h, lo;
	size_t i;

	if (!n)
		return NAN;
	if (q <= 0)
		return s[0];
	if (q >= 1)
		return s[n - 1];
	h = (double)(n - 1) * q;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - lo) * (s[i + 1] - s[i]);
}

struct ranked {
	double v;
	int first;	/* from the first sample */
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v,
			  &((const struct ranked *)b)->v);
}

/*
 * The number of orderings of m values of one sample and n of the other
 * whose U (pairs the first wins) is u, for every u, by the recurrence on
 * where the largest value comes from: f(m, n, u) = f(m - 1, n, u - n) +
 * f(m, n - 1, u). Then P(U <= u) and P(U >= u) from the counts. With
 * n1 * n2 <= 400 the largest count is C(40, 20) ~ 1.4e11, exact in a
 * double, and the table at most ~320k doubles.
 */
static double mw_exact_p(size_t n1, size_t n2, double u)
{
	size_t umax = n1 * n2, m, n, k, stride = umax + 1;
	double *f = xcalloc((n1 + 1) * (n2 + 1) * stride, sizeof(*f));
	double total = 0, le = 0, ge = 0, p;

#define F(mm, nn) (f + ((mm) * (n2 + 1) + (nn)) * stride)
	for (m = 0; m <= n1; m++) {
		for (n = 0; n <= n2; n++) {
			if (!m || !n) {
				F(m, n)[0] = 1;
				continue;
			}
			for (k = 0; k <= m * n; k++)
				F(m, n)[k] = (k >= n ? F(m - 1, n)[k - n] : 0) +
					     (k <= m * (n - 1) ? F(m, n - 1)[k] :
					      0);
		}
	}
	for (k = 0; k <= umax; k++) {
		total += F(n1, n2)[k];
		if ((double)k <= u)
			le += F(n1, n2)[k];
		if ((double)k >= u)
			ge += F(n1, n2)[k];
	}
#undef F
	free(f);
	p = 2 * fmin(le, ge) / total;
	return p > 1 ? 1 : p;
}

int stats_mann_whitney(const double *a, size_t n1, const double *b,
		       size_t n2, struct mw_result *r)
{
	size_t n = n1 + n2, i, j;
	struct ranked *v;
	double r1 = 0, ties = 0, mu, sigma;

	memset(r, 0, sizeof(*r));
	r->n1 = n1;
	r->n2 = n2;
	r->p = NAN;
	if (!n1 || !n2)
		return -1;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n1; i++)
		v[i] = (struct ranked){ a[i], 1 };
	for (i = 0; i < n2; i++)
		v[n1 + i] = (struct ranked){ b[i], 0 };
	qsort(v, n, sizeof(*v), cmp_ranked);
	/* midranks: a run of t equal values shares the mean of its ranks */
	for (i = 0; i < n; i = j) {
		double rank, t;

		for (j = i + 1; j < n && v[j].v == v[i].v; j++)
			;
		t = (double)(j - i);
		rank = ((double)i + 1 + (double)j) / 2;
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (v[k].first)
				r1 += rank;
	}
	free(v);
	r->u = r1 - (double)n1 * ((double)n1 + 1) / 2;
	if (ties == 0 && n1 * n2 <= STATS_MW_EXACT_MAX_PAIRS) {
		r->exact = true;
		r->p = mw_exact_p(n1, n2, r->u);
		return 0;
	}
	mu = (double)n1 * (double)n2 / 2;
	sigma = sqrt((double)n1 * (double)n2 / 12 *
		     (((double)n + 1) - ties / ((double)n * ((double)n - 1))));
	if (!(sigma > 0)) {
		/* every value equal: no evidence of a shift at all */
		r->p = 1;
		return 0;
	}
	r->z = fmax(fabs(r->u - mu) - 0.5, 0) / sigma;
	r->p = fmin(1, erfc(r->z / sqrt(2)));
	return 0;
}

/* log C(n, k) */
static double lchoose(unsigned int n, unsigned int k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double stats_fisher_exact(unsigned int a, unsigned int b, unsigned int c,
			  unsigned int d)
{
	unsigned int r1 = a + b, c1 = a + c, n = a + b + c + d, k, lo, hi;
	double p0, p = 0;

	if (!n)
		return 1;
	/* the hypergeometric probability of a table with a = k */
#define HYPER(k) exp(lchoose(c1, k) + lchoose(n - c1, r1 - (k)) - \
		     lchoose(n, r1))
	p0 = HYPER(a);
	lo = r1 > n - c1 ? r1 - (n - c1) : 0;
	hi = r1 < c1 ? r1 : c1;
	for (k = lo; k <= hi; k++) {
		double pk = HYPER(k);

		/* "no more likely", with room for rounding in lgamma */
		if (pk <= p0 * (1 + 1e-7))
			p += pk;
	}
#undef HYPER
	return p > 1 ? 1 : p;
}

void stats_fmt_p(char *buf, size_t len, double p)
{
	if (isnan(p))
		snprintf(buf, len, "-");
	else if (p < 1e-9)
		snprintf(buf, len, "<1e-9");
	else if (p < 0.001)
		snprintf(buf, len, "%.1e", p);
	else
		snprintf(buf, len, "%.3f", p);
}
