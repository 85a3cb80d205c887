// SPDX-License-Identifier: GPL-2.0
/*
 * The driver under test in the terminal summary and the HTML report,
 * from report.json's driver_under_test (nic.h; schema: reports/schema/
 * README.md).
 */
#include <stdio.h>
#include <string.h>

#include "report_priv.h"

void report_text_dut(struct sbuf *b, json_t *r)
{
	json_t *d = jp(r, "driver_under_test"), *w, *ifc, *name;
	char line[512];
	size_t i, k;

	if (!d)
		return;
	snprintf(line, sizeof(line), "%s %s (%s, model %s): %s", jp_str(d,
		 "driver", "?"), jp_str(d, "driver_version", ""),
		 jp_str(d, "bus_info", "?"), jp_str(d, "model", "?"),
		 json_is_true(jp(d, "check.passed")) ? "PASSED" : "FAILED");
	sb_puts(b, "\ndriver   ");
	sb_wrap(b, line, 9, 9);
	sb_puts(b, "         ");
	sb_wrap(b, jp_str(d, "check.reason", ""), 9, 9);
	snprintf(line, sizeof(line), "flood %lld/s x %lld B: sent %lld, "
		 "received %lld, send errors %lld",
		 jp_int(d, "flood.rate", 0), jp_int(d, "flood.size", 0),
		 jp_int(d, "flood.sent", 0), jp_int(d, "flood.received", 0),
		 jp_int(d, "flood.send_errors", 0));
	sb_puts(b, "         ");
	sb_wrap(b, line, 9, 9);
	json_array_foreach(jp(d, "windows"), i, w) {
		snprintf(line, sizeof(line), "%s %.2f-%.2f s: sent %lld, "
			 "received %lld; receiver driver_failures +%lld, "
			 "rx_dropped +%lld (before: +%lld); sender "
			 "driver_failures +%lld; kernel allocation failure "
			 "reports in the driver %lld",
			 jp_str(w, "kind", "?"), jp_num(w, "t0_s", 0),
			 jp_num(w, "t1_s", 0), jp_int(w, "sent", 0),
			 jp_int(w, "received", 0),
			 jp_int(w, "receiver.driver_failures", 0),
			 jp_int(w, "receiver.rx_dropped", 0),
			 jp_int(w, "receiver.expected.rx_dropped", 0),
			 jp_int(w, "sender.driver_failures", 0),
			 jp_int(w, "alloc_failure_reports", 0));
		sb_puts(b, "         ");
		sb_wrap(b, line, 9, 9);
	}
	json_array_foreach(jp(d, "interfaces"), i, ifc)
		json_array_foreach(jp(ifc, "failure_stats"), k, name) {
			snprintf(line, sizeof(line), "%s %s: %lld -> %lld",
				 jp_str(ifc, "role", "?"),
				 json_string_value(name),
				 jp_int(jp(ifc, "ethtool_before"),
					json_string_value(name), 0),
				 jp_int(jp(ifc, "ethtool_after"),
					json_string_value(name), 0));
			sb_puts(b, "         ");
			sb_wrap(b, line, 9, 9);
		}
}

/* One row of the interfaces table: a counter before, after, change. */
static void html_counter(struct sbuf *b, json_t *ifc, const char *what,
			 long long before, long long after)
{
	sb_puts(b, "<tr><td>");
	sb_xml(b, jp_str(ifc, "role", "?"));
	sb_puts(b, "</td><td class=\"mono\">");
	sb_xml(b, jp_str(ifc, "ifname", "?"));
	sb_puts(b, "</td><td>");
	sb_xml(b, jp_str(ifc, "netns", "?"));
	sb_printf(b, "</td><td>%s/%s</td><td class=\"mono\">",
		  json_is_true(jp(ifc, "link_before")) ? "up" : "down",
		  json_is_true(jp(ifc, "link_after")) ? "up" : "down");
	sb_xml(b, what);
	sb_printf(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
		  "<td class=\"n\">%+lld</td></tr>\n", before, after,
		  after - before);
}

static void html_ifaces(struct sbuf *b, json_t *d)
{
	static const char *const cnt[] = { "rx_packets", "rx_dropped",
		"rx_errors", "tx_packets", "tx_dropped", "tx_errors",
		"driver_failures" };
	json_t *ifc, *name;
	char what[96];
	size_t i, k;

	sb_puts(b, "<table><thead><tr><th>role</th><th>interface</th>"
		"<th>namespace</th><th>link before/after</th><th>counter</th>"
		"<th class=\"n\">before</th><th class=\"n\">after</th>"
		"<th class=\"n\">change</th></tr></thead><tbody>\n");
	json_array_foreach(jp(d, "interfaces"), i, ifc) {
		for (k = 0; k < sizeof(cnt) / sizeof(cnt[0]); k++)
			html_counter(b, ifc, cnt[k],
				     jp_int(jp(ifc, "counters_before"), cnt[k],
					    0),
				     jp_int(jp(ifc, "counters_after"), cnt[k],
					    0));
		json_array_foreach(jp(ifc, "failure_stats"), k, name) {
			const char *nm = json_string_value(name);

			snprintf(what, sizeof(what), "ethtool %s", nm);
			html_counter(b, ifc, what,
				     jp_int(jp(ifc, "ethtool_before"), nm, 0),
				     jp_int(jp(ifc, "ethtool_after"), nm, 0));
		}
	}
	sb_puts(b, "</tbody></table>\n");
}

void report_html_dut(struct sbuf *b, json_t *r)
{
	json_t *d = jp(r, "driver_under_test"), *w;
	size_t i;

	if (!d)
		return;
	sb_puts(b, "<h2 id=\"driver\">Driver under test</h2>\n<p><b>");
	sb_xml(b, jp_str(d, "driver", "?"));
	sb_puts(b, "</b> ");
	sb_xml(b, jp_str(d, "driver_version", ""));
	sb_puts(b, " at <span class=\"mono\">");
	sb_xml(b, jp_str(d, "bus_info", "?"));
	sb_printf(b, "</span>: <b>%s</b>. ",
		  json_is_true(jp(d, "check.passed")) ? "passed" : "FAILED");
	sb_xml(b, jp_str(d, "check.reason", ""));
	sb_printf(b, "</p>\n<p>UDP flood %lld packets/s of %lld bytes from the "
		  "sender (root namespace) to the receiver (its own "
		  "namespace), across a QEMU hub: sent %lld, received %lld, "
		  "send errors %lld.</p>\n", jp_int(d, "flood.rate", 0),
		  jp_int(d, "flood.size", 0), jp_int(d, "flood.sent", 0),
		  jp_int(d, "flood.received", 0),
		  jp_int(d, "flood.send_errors", 0));
	html_ifaces(b, d);
	sb_puts(b, "<table><thead><tr><th>window</th><th class=\"n\">t0 (s)"
		"</th><th class=\"n\">t1 (s)</th><th class=\"n\">sent</th>"
		"<th class=\"n\">received</th><th class=\"n\">receiver driver "
		"failures</th><th class=\"n\">receiver rx_dropped</th>"
		"<th class=\"n\">sender driver failures</th><th class=\"n\">"
		"kernel allocation failure reports</th></tr></thead>"
		"<tbody>\n");
	json_array_foreach(jp(d, "windows"), i, w) {
		sb_puts(b, "<tr><td>");
		sb_xml(b, jp_str(w, "kind", "?"));
		sb_printf(b, "</td><td class=\"n\">%.3f</td><td class=\"n\">"
			  "%.3f</td><td class=\"n\">%lld</td><td class=\"n\">"
			  "%lld</td><td class=\"n\">%lld</td><td class=\"n\">"
			  "%lld</td><td class=\"n\">%lld</td><td class=\"n\">"
			  "%lld</td></tr>\n",
			  jp_num(w, "t0_s", 0), jp_num(w, "t1_s", 0),
			  jp_int(w, "sent", 0), jp_int(w, "received", 0),
			  jp_int(w, "receiver.driver_failures", 0),
			  jp_int(w, "receiver.rx_dropped", 0),
			  jp_int(w, "sender.driver_failures", 0),
			  jp_int(w, "alloc_failure_reports", 0));
	}
	sb_puts(b, "</tbody></table>\n");
}
