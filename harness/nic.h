/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A real network driver under test: `labyrinth vm run --nic MODEL` (or a
 * scenario's [nic] section) gives the guest two NICs of one model joined
 * by a QEMU hub (no host network: traffic never leaves QEMU). In the
 * guest, before t = 0, the run loads the driver, moves the second NIC
 * ("receiver") into a network namespace of its own, so that packets from
 * the first ("sender", root namespace) to it really cross the hub, gives
 * both IPv4 addresses and static ARP entries (no ARP under exhaustion),
 * disables IPv6 on both and waits for their links. From the [nic] start
 * on, a child sends a bounded UDP flood (packets AND time) and counts,
 * per slice, what was sent and received and the drivers' counters. The
 * receiver's RX refill runs in NAPI softirq with GFP_ATOMIC, and so
 * competes with labyrinth's engines for the reserve.
 *
 * Counters: the driver's own statistics (SIOCETHTOOL ETHTOOL_GSTRINGS /
 * ETHTOOL_GSTATS, e.g. e1000's alloc_rx_buff_failed) and the kernel's
 * per-device statistics (dev_get_stats(): what /sys/class/net/IF/
 * statistics shows), read as /proc/net/dev of each namespace, because the
 * receiver's sysfs directory is not visible from the root namespace.
 *
 * The report's "driver_under_test" section (nic_report.c) puts the
 * per-slice counts against the outcome's windows[] (today the exhaustion
 * window; later hold/release phases too) and decides two things:
 * reached (a driver failure counter or a drop counter rose within a
 * window) and recovered (links up at the end, and traffic back within
 * [nic] recover after the last window).
 */
#ifndef LABYRINTH_NIC_H
#define LABYRINTH_NIC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "scenario.h"

/* The MACs `vm run` gives the two NICs: how the guest tells them apart. */
#define NIC_MAC_SENDER "52:54:00:4c:42:01"
#define NIC_MAC_RECEIVER "52:54:00:4c:42:02"
#define NIC_IP_SENDER "10.77.7.1"
#define NIC_IP_RECEIVER "10.77.7.2"
#define NIC_UDP_PORT 7777
#define NIC_HUB_ID 7

/* The QEMU -device name and the guest driver (module) of a model. */
const char *nic_qemu_device(uint32_t model);
const char *nic_driver_module(uint32_t model);

/* Per-interface counters recorded in every slice. */
enum nic_col {
	NC_RX_PACKETS,		/* /proc/net/dev: dev_get_stats() */
	NC_RX_DROPPED,		/* rx_dropped + rx_missed_errors */
	NC_RX_ERRORS,
	NC_TX_PACKETS,
	NC_TX_DROPPED,
	NC_TX_ERRORS,
	NC_DRIVER_FAILURES,	/* sum of the driver's failure counters
				 * (nic_is_failure_stat()) */
	NC_MAX,
};
extern const char *const nic_col_names[NC_MAX];

/* The driver's own statistics, as ETHTOOL_GSTRINGS/GSTATS give them. */
struct nic_ethtool {
	size_t n;
	char (*names)[33];
	uint64_t *vals;
};

/* One counting period. Counts are cumulative since the flood began. */
struct nic_slice {
	double t;		/* end of the slice, s since t = 0 */
	uint64_t sent, received, send_errors;
	uint64_t quiet_ms;	/* time free pages were low: the driver's
				 * statistics were not read */
	bool fresh;		/* driver_failures read in this slice (not
				 * carried over from the last one) */
	uint64_t c[2][NC_MAX];	/* [0] sender, [1] receiver */
};

/* One NIC as the run saw it. */
struct nic_side {
	char ifname[16];
	char mac[18];
	char driver[32], version[32], fw_version[32], bus_info[32];
	int ctl;		/* AF_INET socket in its namespace */
	int devfd;		/* its namespace's /proc/net/dev */
	int link_before, link_after;	/* carrier (IFF_RUNNING); -1 ? */
	struct nic_ethtool before, after;
	uint64_t cnt_before[NC_MAX], cnt_after[NC_MAX];
};

struct flood;

/* The NIC part of a run: set up by nic_setup(), flood by nic_start(). */
struct nic {
	const struct sc_nic *cfg;
	uint64_t duration_ms;	/* the flood's time bound */
	struct nic_side side[2];
	int rootns, netns;	/* namespace fds */
	int txsock, rxsock;
	bool ready;		/* nic_setup() succeeded */
	struct flood *flood;	/* the flood thread's state (nic.c) */
	bool running;		/* the flood thread exists */
	volatile int stop;	/* asks it to end */
	volatile int engines_hold;	/* the harness: an engine holds pages
					 * (the flood reads no GSTATS then) */
	pthread_t thread;
	void *stack;		/* its stack, touched before mlockall() */
	size_t stack_size;
	double t0;		/* the run's t = 0 (CLOCK_MONOTONIC s) */
	double t_start;		/* when it started (s since t = 0) */
	int vmstat;		/* /proc/vmstat, kept open */
	uint64_t quiet_below;	/* free pages under which it holds off */
	char *csv_path;		/* where its slices are written at the end */
	struct nic_slice *slices;	/* allocated by nic_setup() */
	size_t nslices, cap;
	char error[256];	/* why the flood failed, "" if it did not */
	double *kfail;		/* the driver's allocation failure reports
				 * in the kernel log (s since t = 0) */
	size_t nkfail;
};

/*
 * In the guest, before t = 0: disable IPv6, load the driver (modules:
 * paths, dependencies first, NULL-terminated; NULL: already loaded),
 * find the two NICs by MAC, namespace, addresses, ARP, links up, the
 * "before" statistics. 0, or -1 with what went wrong in err.
 */
int nic_setup(struct nic *n, const struct sc_nic *cfg, uint64_t run_ms,
	      char *const *modules, const char *dir, char *err, size_t errlen);
/*
 * Start the flood thread; t0 is the run's CLOCK_MONOTONIC t = 0. A thread,
 * not a process: a forked child would share the harness's pages
 * copy-on-write, and each first write after the fork is a page
 * allocation, which at the bottom of the reserve goes to the OOM killer.
 * Everything it touches was allocated and touched by nic_setup(), before
 * the run's mlockall(). 0 or -errno.
 */
int nic_start(struct nic *n, double t0);
/* Stop the flood (if running), write nic.csv, read the "after" state. */
void nic_stop(struct nic *n);
void nic_free(struct nic *n);

/* ---- pure parts, unit-tested on recorded fixtures ---------------------- */

/* Is an ethtool statistic one of the driver's failure counters? */
bool nic_is_failure_stat(const char *name);
/*
 * An ETHTOOL_GSTRINGS table (n entries of ETH_GSTRING_LEN bytes, each
 * NUL-padded, maybe unterminated) and the ETHTOOL_GSTATS values into out
 * (nic_ethtool_free() it). -EINVAL if an entry is empty.
 */
int nic_ethtool_parse(const void *strings, const uint64_t *vals, size_t n,
		      struct nic_ethtool *out);
void nic_ethtool_free(struct nic_ethtool *e);
/* The sum of the failure counters of a statistics table. */
uint64_t nic_ethtool_failures(const struct nic_ethtool *e);
/*
 * One interface's line of /proc/net/dev into out[NC_RX_PACKETS ..
 * NC_TX_ERRORS]. 0, or -ENOENT (no such interface) / -EINVAL (bad line).
 */
int nic_parse_proc_net_dev(const char *text, const char *ifname,
			   uint64_t *out);
/* The slices as CSV (nic.csv in the result directory). */
char *nic_csv_string(const struct nic_slice *v, size_t n);
/* nr_free_pages of a /proc/vmstat text; 0 if absent. */
uint64_t nic_vmstat_free(const char *text);

/*
 * Allocation failure reports (warn_alloc(): "page allocation failure")
 * in a kmsg.log ("[   6.045206] text" lines, kernel time) whose call
 * trace names [module]: their times in s since t = 0 (t0: the run's
 * CLOCK_MONOTONIC start, the clock printk stamps with) into a malloc'd
 * *t; the count. virtio_net counts no failed refill of its own; this is
 * how the report sees one.
 */
size_t nic_kmsg_failures(const char *text, const char *module, double t0,
			 double **t);

struct run_outcome;
/*
 * The report's driver_under_test section, with its check (reached,
 * recovered, passed, reason) judged against the outcome's windows.
 */
json_t *nic_report_json(const struct nic *n, const struct run_outcome *o);
/* Did a report's driver_under_test check fail? (Absent: no.) */
bool nic_report_failed(json_t *report);

#endif /* LABYRINTH_NIC_H */
