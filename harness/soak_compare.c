// SPDX-License-Identifier: GPL-2.0
/*
 * `labyrinth compare OLD NEW` on two soaks: distributions, not single
 * runs. Two single runs of similar scenarios differ by 15-105 % on the
 * same thresholds, so a gate on one run against another fires on noise.
 * Here a threshold "moved" only when its median shifted past the
 * tolerance AND the two sets of runs differ significantly (Mann-Whitney
 * rank-sum, p < alpha); how often a threshold was reached, and how often
 * a verdict was unexpected, moved when Fisher's exact test says so.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"
#include "soak_report.h"
#include "stats.h"
#include "util.h"

struct cmp {
	FILE *f;
	const struct soak_compare_opts *opt;
	int moved, noise;
};

static void row(struct cmp *c, const char *label, const char *o,
		const char *n, const char *shift, double p, const char *nn,
		int moved)
{
	char ps[16];

	c->moved += moved;
	if (!c->f)
		return;
	stats_fmt_p(ps, sizeof(ps), p);
	fprintf(c->f, "    %-26.26s %10.10s %10.10s %8.8s %7.7s %7.7s%s\n",
		label, o, n, shift, ps, nn, moved ? " !" : "");
}

/* How often: k of n old against k of n new (Fisher). */
static void cmp_rate(struct cmp *c, const char *label, unsigned int ko,
		     unsigned int no, unsigned int kn, unsigned int nn)
{
	char so[24], sn[24], ch[16], ns[32];
	double p;

	if (!no || !nn || (ko * nn == kn * no))
		return;
	p = stats_fisher_exact(ko, no - ko, kn, nn - kn);
	snprintf(so, sizeof(so), "%u/%u", ko, no);
	snprintf(sn, sizeof(sn), "%u/%u", kn, nn);
	snprintf(ch, sizeof(ch), "%+.0fpp", 100.0 * kn / nn - 100.0 * ko / no);
	snprintf(ns, sizeof(ns), "%u/%u", no, nn);
	row(c, label, so, sn, ch, p, ns, p < c->opt->alpha);
}

/* One threshold number: the medians, the shift, the rank-sum test. */
static void cmp_dist(struct cmp *c, const char *label,
		     const struct soak_dist *o, const struct soak_dist *n,
		     enum metric_unit u)
{
	struct mw_result mw;
	char so[32], sn[32], ch[16], ns[48];
	double shift;
	int past;

	if (!o->n || !n->n)
		return;
	stats_mann_whitney(o->v, o->n, n->v, n->n, &mw);
	fmt_unit(so, sizeof(so), o->median, u);
	fmt_unit(sn, sizeof(sn), n->median, u);
	if (o->median == n->median)
		shift = 0;
	else if (o->median == 0)
		shift = INFINITY;
	else
		shift = (n->median - o->median) / fabs(o->median) * 100;
	if (isinf(shift))
		snprintf(ch, sizeof(ch), "from 0");
	else
		snprintf(ch, sizeof(ch), "%+.1f%%", shift);
	snprintf(ns, sizeof(ns), "%zu/%zu", o->n, n->n);
	past = fabs(shift) > c->opt->tolerance_pct;
	c->noise += past && !(mw.p < c->opt->alpha);
	row(c, label, so, sn, ch, mw.p, ns, past && mw.p < c->opt->alpha);
}

/* One threshold's numbers, under its name, and how often it was reached. */
static void cmp_threshold(struct cmp *c, const struct soak_cell *o,
			  const struct soak_cell *n, size_t first)
{
	const char *name = threshold_metrics[first].threshold;
	size_t m;

	if (!o->dist[first].n && !n->dist[first].n)
		return;
	if (c->f)
		fprintf(c->f, "  %s\n", name);
	for (m = first; m < THRESHOLD_NMETRICS &&
	     !strcmp(threshold_metrics[m].threshold, name); m++)
		cmp_dist(c, threshold_metrics[m].key, &o->dist[m], &n->dist[m],
			 threshold_metrics[m].unit);
	cmp_rate(c, "reached", (unsigned int)o->dist[first].n, o->ran,
		 (unsigned int)n->dist[first].n, n->ran);
}

static void cmp_cell(struct cmp *c, struct soak *so, const struct soak_cell *o,
		     struct soak *sn, const struct soak_cell *n)
{
	char vo[256], vn[256];
	size_t m;

	soak_verdict_counts(o, vo, sizeof(vo));
	soak_verdict_counts(n, vn, sizeof(vn));
	if (c->f) {
		fprintf(c->f, "\n%s on %s (old) -> %s on %s (new)\n",
			so->plan.sc[o->scenario].name, so->plan.k[o->kernel].name,
			sn->plan.sc[n->scenario].name,
			sn->plan.k[n->kernel].name);
		fprintf(c->f, "  verdicts old: %s\n  verdicts new: %s\n", vo, vn);
		fprintf(c->f, "    %-26s %10s %10s %8s %7s %7s\n", "",
			"old median", "new median", "shift", "p", "n");
	}
	cmp_rate(c, "unexpected verdicts", o->unexpected, o->ran + o->infra,
		 n->unexpected, n->ran + n->infra);
	for (m = 0; m < THRESHOLD_NMETRICS; m++)
		if (!m || strcmp(threshold_metrics[m - 1].threshold,
				 threshold_metrics[m].threshold))
			cmp_threshold(c, o, n, m);
}

static struct soak_cell *find_cell(struct soak *s, const char *scenario,
				   const char *kernel)
{
	size_t i;

	for (i = 0; i < s->ncells; i++)
		if (!strcmp(s->plan.sc[s->cells[i].scenario].name, scenario) &&
		    (!kernel ||
		     !strcmp(s->plan.k[s->cells[i].kernel].name, kernel)))
			return &s->cells[i];
	return NULL;
}

int soak_compare(FILE *f, struct soak *o, struct soak *n,
		 const struct soak_compare_opts *opt)
{
	struct cmp c = { .f = f, .opt = opt };
	bool by_scenario = !opt->old_kernel && o->plan.nk == 1 &&
			   n->plan.nk == 1;
	size_t i, pairs = 0;

	soak_aggregate(o);
	soak_aggregate(n);
	for (i = 0; i < o->ncells; i++) {
		const struct soak_cell *oc = &o->cells[i];
		const char *ok = o->plan.k[oc->kernel].name;
		struct soak_cell *nc;

		if (opt->old_kernel && strcmp(ok, opt->old_kernel))
			continue;
		nc = find_cell(n, o->plan.sc[oc->scenario].name,
			       opt->new_kernel ? opt->new_kernel :
			       by_scenario ? NULL : ok);
		if (!nc || !oc->ran || !nc->ran)
			continue;
		cmp_cell(&c, o, oc, n, nc);
		pairs++;
	}
	if (!pairs) {
		lab_err("compare: no scenario ran on both sides (pairs are by "
			"scenario and kernel; --old-kernel K --new-kernel K "
			"pairs two kernels)");
		return -1;
	}
	if (f) {
		fprintf(f, "\n%d moved (!): a median shift past %g%% "
			"with p < %g, or a rate with p < %g\n", c.moved,
			opt->tolerance_pct, opt->alpha, opt->alpha);
		if (c.noise)
			fprintf(f, "%d shifted past the tolerance within the "
				"noise (p >= %g): not moved\n", c.noise,
				opt->alpha);
	}
	return c.moved;
}
