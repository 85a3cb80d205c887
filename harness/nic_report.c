// SPDX-License-Identifier: GPL-2.0
/*
 * The driver under test, pure parts: the parsers of what the kernel
 * hands back (ethtool string tables, /proc/net/dev), the flood's CSV, and
 * the report's driver_under_test section with its check (nic.h). Nothing
 * here touches the system, so the unit tests run it on recorded fixtures.
 */
#include "nic.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"
#include "util.h"

const char *const nic_col_names[NC_MAX] = {
	[NC_RX_PACKETS] = "rx_packets",
	[NC_RX_DROPPED] = "rx_dropped",
	[NC_RX_ERRORS] = "rx_errors",
	[NC_TX_PACKETS] = "tx_packets",
	[NC_TX_DROPPED] = "tx_dropped",
	[NC_TX_ERRORS] = "tx_errors",
	[NC_DRIVER_FAILURES] = "driver_failures",
};

static const char *const side_role[2] = { "sender", "receiver" };

/*
 * The driver's failure counters, by name: its own software counts of a
 * failed RX allocation (e1000's and igb's alloc_rx_buff_failed, ixgbe's
 * alloc_rx_page_failed) and of packets its receive path dropped
 * (virtio_net's rx_queue_N_drops). Not the NIC's hardware counts
 * (e1000's rx_no_buffer_count and rx_missed_errors, QEMU's RNBC and
 * MPC): those are already in rx_dropped, and QEMU's e1000 raises them at
 * a steady rate under TCG with or without exhaustion.
 */
bool nic_is_failure_stat(const char *name)
{
	const char *a = strstr(name, "alloc");

	if (a && strstr(a, "fail"))
		return true;
	return !strncmp(name, "rx", 2) && strstr(name, "drops");
}

int nic_ethtool_parse(const void *strings, const uint64_t *vals, size_t n,
		      struct nic_ethtool *out)
{
	const char *s = strings;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->names = xcalloc(n + 1, sizeof(*out->names));
	out->vals = xcalloc(n + 1, sizeof(*out->vals));
	out->n = n;
	for (i = 0; i < n; i++) {
		/* ETH_GSTRING_LEN = 32 bytes, NUL-padded; a name of all 32
		 * is legal and unterminated */
		memcpy(out->names[i], s + i * 32, 32);
		out->names[i][32] = '\0';
		out->vals[i] = vals[i];
		if (!out->names[i][0]) {
			nic_ethtool_free(out);
			return -EINVAL;
		}
	}
	return 0;
}

void nic_ethtool_free(struct nic_ethtool *e)
{
	free(e->names);
	free(e->vals);
	memset(e, 0, sizeof(*e));
}

uint64_t nic_ethtool_failures(const struct nic_ethtool *e)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < e->n; i++)
		if (nic_is_failure_stat(e->names[i]))
			sum += e->vals[i];
	return sum;
}

/*
 * "  eth0: rx_bytes rx_packets errs drop fifo frame compressed multicast
 * tx_bytes tx_packets errs drop fifo colls carrier compressed"; its drop
 * column is rx_dropped + rx_missed_errors (net/core/net-procfs.c).
 */
int nic_parse_proc_net_dev(const char *text, const char *ifname,
			   uint64_t *out)
{
	size_t len = strlen(ifname);
	const char *p = text;

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v[16];

		while (*p == ' ')
			p++;
		if (strncmp(p, ifname, len) || p[len] != ':')
			continue;
		if (sscanf(p + len + 1, "%llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13],
			   &v[14], &v[15]) != 16)
			return -EINVAL;
		out[NC_RX_PACKETS] = v[1];
		out[NC_RX_ERRORS] = v[2];
		out[NC_RX_DROPPED] = v[3];
		out[NC_TX_PACKETS] = v[9];
		out[NC_TX_ERRORS] = v[10];
		out[NC_TX_DROPPED] = v[11];
		return 0;
	}
	return -ENOENT;
}

/* ---- the flood's CSV ----------------------------------------------------- */

#define CSV_FIXED "t_s,sent,received,send_errors,quiet_ms,fresh"
#define CSV_COLS (6 + 2 * NC_MAX)

static char *csv_header(void)
{
	char *h = xstrdup(CSV_FIXED), *t;
	size_t i, c;

	for (i = 0; i < 2; i++)
		for (c = 0; c < NC_MAX; c++) {
			t = xasprintf("%s,%s_%s", h, side_role[i],
				      nic_col_names[c]);
			free(h);
			h = t;
		}
	return h;
}

char *nic_csv_string(const struct nic_slice *v, size_t n)
{
	char *h = csv_header();
	size_t len = strlen(h) + 1, cap = len + 1 + n * (CSV_COLS * 21 + 2);
	char *out = xmalloc(cap);
	size_t i, s, c;

	memcpy(out, h, len - 1);
	out[len - 1] = '\n';
	free(h);
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(out + len, cap - len, "%.4f,%llu,%llu,"
					"%llu,%llu,%d", v[i].t,
					(unsigned long long)v[i].sent,
					(unsigned long long)v[i].received,
					(unsigned long long)v[i].send_errors,
					(unsigned long long)v[i].quiet_ms,
					v[i].fresh);
		for (s = 0; s < 2; s++)
			for (c = 0; c < NC_MAX; c++)
				len += (size_t)snprintf(out + len, cap - len,
							",%llu",
							(unsigned long long)
							v[i].c[s][c]);
		len += (size_t)snprintf(out + len, cap - len, "\n");
	}
	out[len] = '\0';
	return out;
}

uint64_t nic_vmstat_free(const char *text)
{
	const char *p = strstr(text, "nr_free_pages ");

	/* the first line of /proc/vmstat, so no "\n" before it to check */
	return p ? strtoull(p + 14, NULL, 10) : 0;
}

size_t nic_kmsg_failures(const char *text, const char *module, double t0,
			 double **t)
{
	char tag[64];
	const char *p, *nl;
	double cur = -1;
	size_t n = 0;

	*t = NULL;
	snprintf(tag, sizeof(tag), "[%s]", module);
	for (p = text; p && *p; p = nl ? nl + 1 : NULL) {
		size_t len;
		double k;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (sscanf(p, "[%lf]", &k) != 1)
			continue;
		if (memmem(p, len, "page allocation failure", 23)) {
			cur = k;
		} else if (cur >= 0 && memmem(p, len, "Mem-Info:", 9)) {
			cur = -1;	/* the trace is over */
		} else if (cur >= 0 && memmem(p, len, tag, strlen(tag))) {
			/* one from before t = 0 is not the run's */
			if (cur >= t0) {
				*t = xrealloc(*t, (n + 1) * sizeof(**t));
				(*t)[n++] = cur - t0;
			}
			cur = -1;
		}
	}
	return n;
}

/* ---- the report section -------------------------------------------------- */

static json_t *counters_json(const uint64_t *c)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < NC_MAX; i++)
		json_object_set_new(o, nic_col_names[i],
				    json_integer((json_int_t)c[i]));
	return o;
}

static json_t *ethtool_json(const struct nic_ethtool *e)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < e->n; i++)
		json_object_set_new(o, e->names[i],
				    json_integer((json_int_t)e->vals[i]));
	return o;
}

static json_t *link_json(int l)
{
	return l < 0 ? json_null() : json_boolean(l);
}

static json_t *side_json(const struct nic_side *sd, size_t i)
{
	json_t *o = json_object(), *fails = json_array();
	size_t k;

	for (k = 0; k < sd->before.n; k++)
		if (nic_is_failure_stat(sd->before.names[k]))
			json_array_append_new(fails,
					      json_string(sd->before.names[k]));
	json_object_set_new(o, "role", json_string(side_role[i]));
	json_object_set_new(o, "ifname", json_string(sd->ifname));
	json_object_set_new(o, "mac", json_string(sd->mac));
	json_object_set_new(o, "netns", json_string(i ? "labyrinth-nic" :
							"root"));
	json_object_set_new(o, "ip", json_string(i ? NIC_IP_RECEIVER :
						      NIC_IP_SENDER));
	json_object_set_new(o, "link_before", link_json(sd->link_before));
	json_object_set_new(o, "link_after", link_json(sd->link_after));
	json_object_set_new(o, "counters_before", counters_json(sd->cnt_before));
	json_object_set_new(o, "counters_after", counters_json(sd->cnt_after));
	json_object_set_new(o, "ethtool_before", ethtool_json(&sd->before));
	json_object_set_new(o, "ethtool_after", ethtool_json(&sd->after));
	json_object_set_new(o, "failure_stats", fails);
	return o;
}

/* Per-slice counts (differences of the cumulative ones), columnar. */
static json_t *slices_json(const struct nic_slice *v, size_t n)
{
	json_t *o = json_object(), *t = json_array(), *col[4 + 2 * NC_MAX];
	static const char *const fixed[4] = { "sent", "received",
					      "send_errors", "quiet_ms" };
	size_t i, k;

	for (k = 0; k < ARRAY_SIZE(col); k++)
		col[k] = json_array();
	for (i = 1; i < n; i++) {
		const struct nic_slice *a = &v[i - 1], *b = &v[i];

		json_array_append_new(t, json_real(b->t));
		json_array_append_new(col[0], json_integer((json_int_t)
						(b->sent - a->sent)));
		json_array_append_new(col[1], json_integer((json_int_t)
						(b->received - a->received)));
		json_array_append_new(col[2], json_integer((json_int_t)
					(b->send_errors - a->send_errors)));
		json_array_append_new(col[3], json_integer((json_int_t)
					(b->quiet_ms - a->quiet_ms)));
		for (k = 0; k < 2 * NC_MAX; k++)
			json_array_append_new(col[4 + k], json_integer(
				(json_int_t)(b->c[k / NC_MAX][k % NC_MAX] -
					     a->c[k / NC_MAX][k % NC_MAX])));
	}
	json_object_set_new(o, "t_s", t);
	for (k = 0; k < 4; k++)
		json_object_set_new(o, fixed[k], col[k]);
	for (k = 0; k < 2 * NC_MAX; k++) {
		char *name = xasprintf("%s_%s", side_role[k / NC_MAX],
				       nic_col_names[k % NC_MAX]);

		json_object_set_new(o, name, col[4 + k]);
		free(name);
	}
	return o;
}

/* The slices a span [t0, t1] covers: from the last one ending at or
 * before t0 to the first ending at or after t1. */
static void span(const struct nic_slice *v, size_t n, double t0, double t1,
		 size_t *a, size_t *b)
{
	size_t i;

	*a = 0;
	*b = n - 1;
	for (i = 0; i < n && v[i].t <= t0; i++)
		*a = i;
	for (i = n; i-- > 0;)
		if (v[i].t >= t1)
			*b = i;
	if (*b < *a)
		*b = *a;
}

static const enum nic_col judged[] = { NC_DRIVER_FAILURES, NC_RX_DROPPED,
				       NC_RX_ERRORS };

/*
 * The rate (per second) each judged counter rose at before the first
 * window: the flood's steady state, against which a window is judged
 * (QEMU's e1000 raises rx_dropped steadily under TCG). The slices that
 * end before the first window starts, the first slice (the flood's
 * start) left out; no such slices: 0.
 */
static void baseline(const struct nic_slice *v, size_t n, double t0,
		     double rate[2][NC_MAX])
{
	size_t i, last = 0, s, k;

	memset(rate, 0, 2 * NC_MAX * sizeof(double));
	for (i = 1; i < n && v[i].t < t0; i++)
		last = i;
	if (last < 2 || v[last].t <= v[1].t)
		return;
	for (s = 0; s < 2; s++)
		for (k = 0; k < ARRAY_SIZE(judged); k++)
			rate[s][judged[k]] = (double)(v[last].c[s][judged[k]] -
						      v[1].c[s][judged[k]]) /
					     (v[last].t - v[1].t);
}

/*
 * What a window did to the flood and the drivers. It reached a driver
 * when one of its counters rose by more than twice what the baseline
 * rate gives over the same span (and by at least one).
 */
static json_t *window_json(const struct nic_slice *v, size_t n,
			   const struct outcome_window *w,
			   double rate[2][NC_MAX], const double *kfail,
			   size_t nk, bool *hits)
{
	const enum nic_col *cols = judged;
	json_t *o = json_object();
	bool reached = false;
	size_t a, b, s, k, nrep = 0;

	span(v, n, w->t0, w->t1, &a, &b);
	json_object_set_new(o, "kind", json_string(w->kind));
	json_object_set_new(o, "label", json_string(w->label));
	json_object_set_new(o, "t0_s", json_real(w->t0));
	json_object_set_new(o, "t1_s", json_real(w->t1));
	json_object_set_new(o, "from_s", json_real(v[a].t));
	json_object_set_new(o, "to_s", json_real(v[b].t));
	json_object_set_new(o, "sent", json_integer((json_int_t)
						    (v[b].sent - v[a].sent)));
	json_object_set_new(o, "received", json_integer((json_int_t)
					(v[b].received - v[a].received)));
	for (k = 0; k < nk; k++)
		nrep += kfail[k] >= v[a].t && kfail[k] <= v[b].t;
	json_object_set_new(o, "alloc_failure_reports",
			    json_integer((json_int_t)nrep));
	reached = nrep > 0;
	for (s = 0; s < 2; s++) {
		json_t *d = json_object(), *e = json_object();

		for (k = 0; k < ARRAY_SIZE(judged); k++) {
			size_t fa = a, fb = b;
			double exp;
			uint64_t x;

			/* the driver's own counters are not read while
			 * memory is low: from the last read before the
			 * window to the first after it */
			while (cols[k] == NC_DRIVER_FAILURES && fa &&
			       !v[fa].fresh)
				fa--;
			while (cols[k] == NC_DRIVER_FAILURES && fb + 1 < n &&
			       !v[fb].fresh)
				fb++;
			x = v[fb].c[s][cols[k]] - v[fa].c[s][cols[k]];
			exp = rate[s][cols[k]] * (v[fb].t - v[fa].t);
			reached |= x > 0 && (double)x > 2 * exp;
			json_object_set_new(d, nic_col_names[cols[k]],
					    json_integer((json_int_t)x));
			json_object_set_new(e, nic_col_names[cols[k]],
					    json_integer((json_int_t)
							 llround(exp)));
		}
		json_object_set_new(d, "expected", e);
		json_object_set_new(o, side_role[s], d);
	}
	json_object_set_new(o, "reached", json_boolean(reached));
	*hits |= reached;
	return o;
}

struct nic_check {
	bool reached, link_ok, traffic_ok;
	double recovery_s;	/* < 0: not seen */
	double end;		/* the last window's end */
};

/*
 * Traffic recovered: the first slice that starts at or after the last
 * window's end in which packets were sent, and at least half of them
 * arrived; recovery_s is from the window's end to that slice's end.
 */
static void recovery(const struct nic *n, struct nic_check *c)
{
	const struct nic_slice *v = n->slices;
	size_t i;

	c->recovery_s = -1;
	for (i = 1; i < n->nslices; i++) {
		uint64_t sent = v[i].sent - v[i - 1].sent;
		uint64_t got = v[i].received - v[i - 1].received;

		if (v[i - 1].t + 1e-9 < c->end || !sent || 2 * got < sent)
			continue;
		c->recovery_s = v[i].t - c->end;
		break;
	}
	c->traffic_ok = c->recovery_s >= 0 &&
			c->recovery_s * 1000 <= (double)n->cfg->recover_ms;
	c->link_ok = n->side[0].link_after == 1 && n->side[1].link_after == 1;
}

static void check_reason(const struct nic *n, const struct nic_check *c,
			 const struct run_outcome *o, char *buf, size_t len)
{
	const char *drv = n->side[1].driver[0] ? n->side[1].driver : "driver";

	if (n->error[0])
		snprintf(buf, len, "no flood record: %s", n->error);
	else if (!o->nwindows)
		snprintf(buf, len, "no exhaustion window: the reserve was "
			 "never exhausted, so nothing reached %s", drv);
	else if (!c->reached)
		snprintf(buf, len, "the exhaustion did not reach %s: no "
			 "allocation failure report in its code, and no failure "
			 "counter, drop or error rose within a window above "
			 "twice its rate before (flood faster, or hold the "
			 "reserve longer)", drv);
	else if (!c->link_ok)
		snprintf(buf, len, "%s's link is down after the run", drv);
	else if (c->recovery_s < 0)
		snprintf(buf, len, "traffic never recovered after the "
			 "exhaustion ended at %.2f s (or the flood ended "
			 "first: lengthen [nic] duration/packets)", c->end);
	else if (!c->traffic_ok)
		snprintf(buf, len, "traffic recovered only %.2f s after the "
			 "exhaustion, later than [nic] recover = %.1f s",
			 c->recovery_s, (double)n->cfg->recover_ms / 1000.0);
	else
		snprintf(buf, len, "the exhaustion reached %s and traffic "
			 "recovered %.2f s after it ended", drv, c->recovery_s);
}

static json_t *check_json(const struct nic *n, struct nic_check *c,
			  const struct run_outcome *o)
{
	json_t *j = json_object();
	char reason[512];
	bool passed;

	if (!n->error[0] && n->nslices > 1 && o->nwindows)
		recovery(n, c);
	else
		c->recovery_s = -1;
	passed = !n->error[0] && o->nwindows && c->reached && c->link_ok &&
		 c->traffic_ok;
	check_reason(n, c, o, reason, sizeof(reason));
	json_object_set_new(j, "reached", json_boolean(c->reached));
	json_object_set_new(j, "link_recovered", json_boolean(c->link_ok));
	json_object_set_new(j, "traffic_recovered",
			    json_boolean(c->traffic_ok));
	json_object_set_new(j, "recovered",
			    json_boolean(c->link_ok && c->traffic_ok));
	json_object_set_new(j, "recovery_s", c->recovery_s < 0 ? json_null() :
			    json_real(c->recovery_s));
	json_object_set_new(j, "recover_within_s",
			    json_real((double)n->cfg->recover_ms / 1000.0));
	json_object_set_new(j, "passed", json_boolean(passed));
	json_object_set_new(j, "reason", json_string(reason));
	return j;
}

static json_t *flood_json(const struct nic *n)
{
	const struct nic_slice *last = n->nslices ?
				       &n->slices[n->nslices - 1] : NULL;
	json_t *o = json_object();

	json_object_set_new(o, "rate", json_integer((json_int_t)n->cfg->rate));
	json_object_set_new(o, "size", json_integer((json_int_t)n->cfg->size));
	json_object_set_new(o, "packets_max",
			    json_integer((json_int_t)n->cfg->packets));
	json_object_set_new(o, "duration_max_s",
			    json_real((double)n->duration_ms / 1000.0));
	json_object_set_new(o, "slice_s",
			    json_real((double)n->cfg->slice_ms / 1000.0));
	json_object_set_new(o, "t0_s", json_real(n->nslices ? n->slices[0].t :
						 n->t_start));
	json_object_set_new(o, "t1_s", last ? json_real(last->t) :
			    json_null());
	json_object_set_new(o, "sent", json_integer(last ?
			    (json_int_t)last->sent : 0));
	json_object_set_new(o, "received", json_integer(last ?
			    (json_int_t)last->received : 0));
	json_object_set_new(o, "send_errors", json_integer(last ?
			    (json_int_t)last->send_errors : 0));
	return o;
}

static json_t *kfail_json(const struct nic *n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n->nkfail; i++)
		json_array_append_new(a, json_real(n->kfail[i]));
	return a;
}

json_t *nic_report_json(const struct nic *n, const struct run_outcome *o)
{
	const struct nic_side *rx = &n->side[1];
	json_t *j = json_object(), *ifs = json_array(), *win = json_array();
	struct nic_check c = { 0 };
	double rate[2][NC_MAX];
	size_t i;

	json_object_set_new(j, "model", json_string(vocab_str(&vocab_nic_model,
							      n->cfg->model)));
	json_object_set_new(j, "driver", json_string(rx->driver));
	json_object_set_new(j, "driver_version", json_string(rx->version));
	json_object_set_new(j, "firmware_version", json_string(rx->fw_version));
	json_object_set_new(j, "bus_info", json_string(rx->bus_info));
	for (i = 0; i < 2; i++)
		json_array_append_new(ifs, side_json(&n->side[i], i));
	json_object_set_new(j, "interfaces", ifs);
	json_object_set_new(j, "flood", flood_json(n));
	if (n->nslices && o->nwindows)
		baseline(n->slices, n->nslices, o->windows[0].t0, rate);
	for (i = 0; n->nslices && i < o->nwindows; i++) {
		json_array_append_new(win, window_json(n->slices, n->nslices,
						       &o->windows[i], rate,
						       n->kfail, n->nkfail,
						       &c.reached));
		c.end = fmax(c.end, o->windows[i].t1);
	}
	json_object_set_new(j, "windows", win);
	json_object_set_new(j, "alloc_failure_reports_s", kfail_json(n));
	json_object_set_new(j, "slices", slices_json(n->slices, n->nslices));
	json_object_set_new(j, "check", check_json(n, &c, o));
	json_object_set_new(j, "error", n->error[0] ? json_string(n->error) :
			    json_null());
	return j;
}

bool nic_report_failed(json_t *report)
{
	json_t *p = json_object_get(json_object_get(
			json_object_get(report, "driver_under_test"), "check"),
			"passed");

	return json_is_false(p);
}
