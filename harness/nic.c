// SPDX-License-Identifier: GPL-2.0
/*
 * The driver under test, guest side: set up two NICs across a network
 * namespace, flood UDP between them, count per slice (nic.h). The pure
 * parts (parsers, the report section) are in nic_report.c.
 */
#include "nic.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
/* glibc's net/if.h first: linux/libc-compat.h then skips its twin */
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "labdev.h"
#include "util.h"

const char *nic_qemu_device(uint32_t model)
{
	return model == SC_NIC_E1000 ? "e1000" :
	       model == SC_NIC_VIRTIO ? "virtio-net-pci" : NULL;
}

const char *nic_driver_module(uint32_t model)
{
	return model == SC_NIC_E1000 ? "e1000" :
	       model == SC_NIC_VIRTIO ? "virtio_net" : NULL;
}

/* ---- namespaces and interfaces ------------------------------------------ */

/*
 * IPv6 off for every interface created from now on in the current
 * namespace (a new namespace does not inherit init_net's IPv6 settings),
 * and on IF if given. With IPv6 on, the links' MLD and router
 * solicitations crossed the hub too; on the stock kernel they once spun
 * virtio_net's start_xmit into an RCU stall (kernel/KERNELS.md). A
 * kernel without IPv6 (the test kernels) has no such files: nothing to do.
 */
static void ipv6_off(const char *ifname)
{
	static const char *const which[] = { "all", "default" };
	char *p;
	size_t i;

	if (access("/proc/sys/net/ipv6", F_OK))
		return;
	for (i = 0; i < ARRAY_SIZE(which) + !!ifname; i++) {
		p = xasprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6",
			      i < ARRAY_SIZE(which) ? which[i] : ifname);
		if (write_file(p, "1", 1))
			lab_warn("cannot disable IPv6 (%s): %m", p);
		free(p);
	}
}

/* The interface whose MAC is mac, into ifname. 0 or -ENOENT. */
static int find_by_mac(const char *mac, char *ifname, size_t len)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int ret = -ENOENT;

	while (d && (e = readdir(d))) {
		char *p, *addr;

		if (e->d_name[0] == '.')
			continue;
		p = xasprintf("/sys/class/net/%s/address", e->d_name);
		if (read_file(p, &addr, NULL) == 0) {
			if (!strncasecmp(addr, mac, strlen(mac))) {
				snprintf(ifname, len, "%.15s", e->d_name);
				ret = 0;
			}
			free(addr);
		}
		free(p);
	}
	if (d)
		closedir(d);
	return ret;
}

/* Move ifindex into the namespace nsfd (RTM_NEWLINK, IFLA_NET_NS_FD). */
static int move_to_netns(int ifindex, int nsfd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		uint32_t fd;
	} req = { 0 };
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ssize_t r;

	if (s < 0)
		return -errno;
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	req.rta.rta_type = IFLA_NET_NS_FD;
	req.rta.rta_len = RTA_LENGTH(sizeof(uint32_t));
	req.fd = (uint32_t)nsfd;
	if (sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	r = recv(s, &ack, sizeof(ack), 0);
	if (r < (ssize_t)sizeof(ack))
		r = r < 0 ? -errno : -EIO;
	else
		r = ack.nh.nlmsg_type == NLMSG_ERROR ? ack.err.error : -EIO;
out:
	close(s);
	return (int)r;
}

static int ifreq_ioctl(int s, const char *ifname, unsigned long req,
		       struct ifreq *ifr)
{
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return ioctl(s, req, ifr) ? -errno : 0;
}

static void sin_set(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

/*
 * Address, up, and a permanent ARP entry for the peer: the flood never
 * depends on ARP, whose own allocations fail under exhaustion. In the
 * namespace of s. 0, or -1 with err.
 */
static int configure(int s, const char *ifname, const char *ip,
		     const char *peer_ip, const char *peer_mac, char *err,
		     size_t errlen)
{
	struct ifreq ifr = { 0 };
	struct arpreq arp = { 0 };
	unsigned int m[6], i;
	const char *what = "SIOCSIFADDR";
	int ret;

	sin_set(&ifr.ifr_addr, ip);
	ret = ifreq_ioctl(s, ifname, SIOCSIFADDR, &ifr);
	if (!ret) {
		what = "SIOCSIFNETMASK";
		sin_set(&ifr.ifr_netmask, "255.255.255.0");
		ret = ifreq_ioctl(s, ifname, SIOCSIFNETMASK, &ifr);
	}
	if (!ret) {
		what = "SIOCSIFFLAGS";
		ret = ifreq_ioctl(s, ifname, SIOCGIFFLAGS, &ifr);
		ifr.ifr_flags |= IFF_UP;
		if (!ret)
			ret = ifreq_ioctl(s, ifname, SIOCSIFFLAGS, &ifr);
	}
	if (!ret) {
		what = "SIOCSARP";
		sin_set(&arp.arp_pa, peer_ip);
		arp.arp_ha.sa_family = ARPHRD_ETHER;
		sscanf(peer_mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2],
		       &m[3], &m[4], &m[5]);
		for (i = 0; i < 6; i++)
			arp.arp_ha.sa_data[i] = (char)m[i];
		arp.arp_flags = ATF_PERM | ATF_COM;
		snprintf(arp.arp_dev, sizeof(arp.arp_dev), "%s", ifname);
		ret = ioctl(s, SIOCSARP, &arp) ? -errno : 0;
	}
	if (ret)
		snprintf(err, errlen, "[nic] %s on %s: %s", what, ifname,
			 strerror(-ret));
	return ret ? -1 : 0;
}

static int ethtool(int s, const char *ifname, void *data)
{
	struct ifreq ifr = { 0 };

	ifr.ifr_data = data;
	return ifreq_ioctl(s, ifname, SIOCETHTOOL, &ifr);
}

/*
 * The link as the stack sees it: 1 up (IFF_RUNNING: the carrier is on),
 * 0 down, -1 unknown. Not ETHTOOL_GLINK: e1000 says its PHY link is up
 * some 1.5 s (TCG) before its watchdog turns the carrier on, and what the
 * flood sent meanwhile never arrived.
 */
static int link_state(const struct nic_side *sd)
{
	struct ifreq ifr = { 0 };

	if (ifreq_ioctl(sd->ctl, sd->ifname, SIOCGIFFLAGS, &ifr))
		return -1;
	return !!(ifr.ifr_flags & IFF_RUNNING);
}

/* The driver's statistics now. 0 or -errno. */
static int read_ethtool(const struct nic_side *sd, struct nic_ethtool *out)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_gstrings *gs;
	struct ethtool_stats *st;
	int ret = ethtool(sd->ctl, sd->ifname, &di);

	memset(out, 0, sizeof(*out));
	if (ret || !di.n_stats)
		return ret;
	gs = xcalloc(1, sizeof(*gs) + di.n_stats * ETH_GSTRING_LEN);
	st = xcalloc(1, sizeof(*st) + di.n_stats * sizeof(uint64_t));
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_STATS;
	gs->len = di.n_stats;
	st->cmd = ETHTOOL_GSTATS;
	st->n_stats = di.n_stats;
	ret = ethtool(sd->ctl, sd->ifname, gs);
	if (!ret)
		ret = ethtool(sd->ctl, sd->ifname, st);
	if (!ret)
		ret = nic_ethtool_parse(gs->data, (uint64_t *)st->data,
					di.n_stats, out);
	free(gs);
	free(st);
	return ret;
}

/*
 * Only the failure counters' sum, for a slice, into buffers allocated
 * once: the flood takes no memory while it runs.
 */
struct fail_reader {
	struct ethtool_stats *st;
	bool *pick;		/* which entries are failure counters */
	size_t n;
};

static void fail_reader_init(struct fail_reader *f, const struct nic_ethtool *e)
{
	size_t i;

	f->n = e->n;
	f->st = xcalloc(1, sizeof(*f->st) + (e->n + 1) * sizeof(uint64_t));
	f->pick = xcalloc(e->n + 1, sizeof(bool));
	for (i = 0; i < e->n; i++)
		f->pick[i] = nic_is_failure_stat(e->names[i]);
}

static uint64_t fail_read(struct fail_reader *f, const struct nic_side *sd)
{
	uint64_t sum = 0;
	size_t i;

	if (!f->n)
		return 0;
	f->st->cmd = ETHTOOL_GSTATS;
	f->st->n_stats = (uint32_t)f->n;
	if (ethtool(sd->ctl, sd->ifname, f->st))
		return 0;
	for (i = 0; i < f->n; i++)
		if (f->pick[i])
			sum += f->st->data[i];
	return sum;
}

/* /proc/net/dev of the side's namespace into c[NC_RX_PACKETS..]. */
static void read_counters(const struct nic_side *sd, char *buf, size_t len,
			  uint64_t *c)
{
	ssize_t r = pread(sd->devfd, buf, len - 1, 0);

	if (r <= 0)
		return;
	buf[r] = '\0';
	nic_parse_proc_net_dev(buf, sd->ifname, c);
}

static void side_state(struct nic_side *sd, struct nic_ethtool *e,
		       uint64_t *c, int *link)
{
	char buf[8192];

	if (read_ethtool(sd, e))
		lab_warn("%s: cannot read its ethtool statistics: %m",
			 sd->ifname);
	read_counters(sd, buf, sizeof(buf), c);
	c[NC_DRIVER_FAILURES] = nic_ethtool_failures(e);
	*link = link_state(sd);
}

/* ---- setup --------------------------------------------------------------- */

static void flood_prepare(struct nic *n);

static int load_driver(char *const *modules, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; modules && modules[i]; i++)
		if (labdev_module_load(modules[i], NULL)) {
			snprintf(err, errlen, "[nic] cannot load the driver "
				 "module %s (see above)", modules[i]);
			return -1;
		}
	return 0;
}

/* Both NICs by MAC: the driver probes them as it loads, or soon after. */
static int find_nics(struct nic *n, char *err, size_t errlen)
{
	static const char *const macs[2] = { NIC_MAC_SENDER, NIC_MAC_RECEIVER };
	size_t i, tries;

	for (i = 0; i < 2; i++) {
		snprintf(n->side[i].mac, sizeof(n->side[i].mac), "%s", macs[i]);
		for (tries = 0; tries < 50; tries++) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			if (!find_by_mac(macs[i], n->side[i].ifname,
					 sizeof(n->side[i].ifname)))
				break;
			nanosleep(&ts, NULL);
		}
		if (!n->side[i].ifname[0]) {
			snprintf(err, errlen, "[nic] no interface with MAC %s "
				 "after 5 s: the VM has no %s NIC (run it with "
				 "'labyrinth vm run --nic %s'), or its driver "
				 "did not bind (see dmesg)", macs[i],
				 vocab_str(&vocab_nic_model, n->cfg->model),
				 vocab_str(&vocab_nic_model, n->cfg->model));
			return -1;
		}
	}
	return 0;
}

/* A namespace for the receiver; we stay in (and return to) the root one. */
static int make_netns(struct nic *n, char *err, size_t errlen)
{
	n->rootns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->rootns < 0 || unshare(CLONE_NEWNET)) {
		snprintf(err, errlen, "[nic] cannot create a network "
			 "namespace: %s (CONFIG_NET_NS?)", strerror(errno));
		return -1;
	}
	n->netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ipv6_off(NULL);
	if (setns(n->rootns, CLONE_NEWNET) || n->netns < 0) {
		snprintf(err, errlen, "[nic] back to the root network "
			 "namespace: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Sockets of one side, created in the namespace we are in now. */
static int side_sockets(struct nic_side *sd, char *err, size_t errlen)
{
	sd->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sd->devfd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
	if (sd->ctl < 0 || sd->devfd < 0) {
		snprintf(err, errlen, "[nic] %s: socket or /proc/net/dev: %s",
			 sd->ifname, strerror(errno));
		return -1;
	}
	return 0;
}

/* The flood's two UDP sockets: receiver in the namespace, sender not. */
static int udp_socket(const char *ip, bool bind_it, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(NIC_UDP_PORT) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int buf = 8 << 20;

	inet_pton(AF_INET, ip, &sa.sin_addr);
	if (s >= 0 && bind_it)
		/* room for a second of the flood: the socket must not be
		 * what drops packets when the flood process lags */
		setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (s < 0 || (bind_it ? bind(s, (struct sockaddr *)&sa, sizeof(sa)) :
		      connect(s, (struct sockaddr *)&sa, sizeof(sa)))) {
		snprintf(err, errlen, "[nic] UDP socket %s %s:%d: %s",
			 bind_it ? "bound to" : "to", ip, NIC_UDP_PORT,
			 strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* Both links up, within 10 s (TCG). */
static int wait_links(struct nic *n, char *err, size_t errlen)
{
	size_t i, tries;

	for (i = 0; i < 2; i++) {
		for (tries = 0; tries < 100 && link_state(&n->side[i]) != 1;
		     tries++) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (link_state(&n->side[i]) != 1) {
			snprintf(err, errlen, "[nic] %s (%s): no link after "
				 "10 s", n->side[i].ifname, n->side[i].mac);
			return -1;
		}
	}
	return 0;
}

static void drvinfo(struct nic_side *sd)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };

	if (ethtool(sd->ctl, sd->ifname, &di))
		return;
	snprintf(sd->driver, sizeof(sd->driver), "%s", di.driver);
	snprintf(sd->version, sizeof(sd->version), "%s", di.version);
	snprintf(sd->fw_version, sizeof(sd->fw_version), "%s", di.fw_version);
	snprintf(sd->bus_info, sizeof(sd->bus_info), "%s", di.bus_info);
}

/* The receiver: moved, configured, its sockets, all in its namespace. */
static int setup_receiver(struct nic *n, char *err, size_t errlen)
{
	struct nic_side *rx = &n->side[1];
	unsigned int idx = if_nametoindex(rx->ifname);
	int ret = idx ? move_to_netns((int)idx, n->netns) : -errno;

	if (ret) {
		snprintf(err, errlen, "[nic] cannot move %s into the receiver's "
			 "network namespace: %s", rx->ifname, strerror(-ret));
		return -1;
	}
	if (setns(n->netns, CLONE_NEWNET)) {
		snprintf(err, errlen, "[nic] setns: %s", strerror(errno));
		return -1;
	}
	ret = side_sockets(rx, err, errlen);
	if (!ret)
		ret = configure(rx->ctl, rx->ifname, NIC_IP_RECEIVER,
				NIC_IP_SENDER, NIC_MAC_SENDER, err, errlen);
	if (!ret) {
		n->rxsock = udp_socket(NIC_IP_RECEIVER, true, err, errlen);
		ret = n->rxsock < 0 ? -1 : 0;
	}
	if (setns(n->rootns, CLONE_NEWNET) && !ret) {
		snprintf(err, errlen, "[nic] setns: %s", strerror(errno));
		ret = -1;
	}
	return ret;
}

int nic_setup(struct nic *n, const struct sc_nic *cfg, uint64_t run_ms,
	      char *const *modules, const char *dir, char *err, size_t errlen)
{
	struct nic_side *tx = &n->side[0];
	size_t i;

	memset(n, 0, sizeof(*n));
	n->cfg = cfg;
	n->rootns = n->netns = n->txsock = n->rxsock = n->vmstat = -1;
	for (i = 0; i < 2; i++)
		n->side[i].ctl = n->side[i].devfd = -1;
	n->duration_ms = cfg->duration_ms ? cfg->duration_ms : run_ms;
	n->csv_path = xasprintf("%s/nic.csv", dir);
	ipv6_off(NULL);
	if (load_driver(modules, err, errlen) || find_nics(n, err, errlen) ||
	    make_netns(n, err, errlen))
		goto fail;
	ipv6_off(tx->ifname);
	if (setup_receiver(n, err, errlen) || side_sockets(tx, err, errlen) ||
	    configure(tx->ctl, tx->ifname, NIC_IP_SENDER, NIC_IP_RECEIVER,
		      NIC_MAC_RECEIVER, err, errlen))
		goto fail;
	n->txsock = udp_socket(NIC_IP_RECEIVER, false, err, errlen);
	if (n->txsock < 0 || wait_links(n, err, errlen))
		goto fail;
	for (i = 0; i < 2; i++) {
		drvinfo(&n->side[i]);
		side_state(&n->side[i], &n->side[i].before,
			   n->side[i].cnt_before, &n->side[i].link_before);
	}
	flood_prepare(n);
	n->ready = true;
	return 0;
fail:
	/* the report's driver_under_test says why there is no flood */
	snprintf(n->error, sizeof(n->error), "%s", err);
	return -1;
}

/* ---- the flood ----------------------------------------------------------- */

struct flood {
	struct nic *n;
	double start, end;		/* flood bounds (mono) */
	uint64_t attempted, sent, received, send_errors, quiet_ms;
	bool quiet;			/* free pages below quiet_below */
	uint64_t last_fail[2];		/* driver_failures last read */
	struct fail_reader fr[2];
	char buf[8192];
	char payload[1500];
};

/*
 * The driver's statistics are not read while an engine holds pages (the
 * harness says so, nic.h) or free pages are near the min watermark:
 * ethtool's GSTATS vzalloc()s on every call, in process context with
 * GFP_KERNEL, and below min that is reclaim with nothing to reclaim (no
 * swap, the root is 9p), then the OOM killer: its first call takes the
 * scenario's ballast, whose pages the engine drains at once, and the
 * second finds nothing it may kill and panics ("System is deadlocked on
 * memory"; seen with free pages alone as the test, right after the
 * ballast's kill). The flood itself goes on through the hold.
 */
static void check_quiet(struct flood *f)
{
	ssize_t r = pread(f->n->vmstat, f->buf, sizeof(f->buf) - 1, 0);

	if (r <= 0)
		return;
	f->buf[r] = '\0';
	f->quiet = f->n->engines_hold ||
		   nic_vmstat_free(f->buf) < f->n->quiet_below;
}

static void take_slice(struct flood *f, double now)
{
	struct nic *n = f->n;
	struct nic_slice *s;
	size_t i;

	if (n->nslices == n->cap)
		return;
	s = &n->slices[n->nslices];
	s->t = now - n->t0;
	s->sent = f->sent;
	s->received = f->received;
	s->send_errors = f->send_errors;
	s->quiet_ms = f->quiet_ms;
	check_quiet(f);
	s->fresh = !f->quiet;
	for (i = 0; i < 2; i++) {
		read_counters(&n->side[i], f->buf, sizeof(f->buf), s->c[i]);
		if (s->fresh)
			f->last_fail[i] = fail_read(&f->fr[i], &n->side[i]);
		s->c[i][NC_DRIVER_FAILURES] = f->last_fail[i];
	}
	/* published for nic_stop() after the join */
	n->nslices++;
}

/* Send what the rate says is due (at most 256 a tick), then read all. */
static void flood_tick(struct flood *f, double now)
{
	const struct sc_nic *c = f->n->cfg;
	double due = fmin((now - f->start) * (double)c->rate,
			  (double)c->packets);
	unsigned int k;

	f->quiet_ms += f->quiet;
	for (k = 0; k < 256 && (double)f->attempted < due; k++) {
		memcpy(f->payload, &f->attempted, sizeof(f->attempted));
		f->attempted++;
		if (send(f->n->txsock, f->payload, c->size, MSG_DONTWAIT) < 0)
			f->send_errors++;
		else
			f->sent++;
	}
	while (recv(f->n->rxsock, f->buf, sizeof(f->buf), MSG_DONTWAIT) > 0)
		f->received++;
}

/* The flood: sends, receives and counts in one loop of 1 ms ticks. */
static void *flood_main(void *arg)
{
	struct nic *n = arg;
	struct flood *f = n->flood;
	double next, slice = (double)n->cfg->slice_ms / 1000.0;
	unsigned int tick = 0, i;

	f->start = now_mono();
	f->end = f->start + (double)n->duration_ms / 1000.0;
	take_slice(f, f->start);
	next = f->start + slice;
	while (!n->stop) {
		struct timespec ts = { 0, 1000 * 1000 };
		double now = now_mono();

		if (now >= f->end || f->attempted >= n->cfg->packets)
			break;
		if (tick++ % 10 == 0)
			check_quiet(f);
		flood_tick(f, now);
		if (now >= next) {
			take_slice(f, now);
			next += slice * ceil((now - next) / slice + 1e-9);
		}
		nanosleep(&ts, NULL);
	}
	/* what is still in flight, then the last slice */
	for (i = 0; i < 20; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		while (recv(n->rxsock, f->buf, sizeof(f->buf),
			    MSG_DONTWAIT) > 0)
			f->received++;
	}
	take_slice(f, now_mono());
	return NULL;
}

/* Everything the flood touches, allocated and written now (nic.h). */
static void flood_prepare(struct nic *n)
{
	struct flood *f = xcalloc(1, sizeof(*f));
	char *text;
	uint64_t kb = 0;
	size_t i;

	f->n = n;
	for (i = 0; i < 2; i++) {
		fail_reader_init(&f->fr[i], &n->side[i].before);
		f->last_fail[i] = n->side[i].cnt_before[NC_DRIVER_FAILURES];
	}
	n->flood = f;
	n->cap = (size_t)(n->duration_ms / n->cfg->slice_ms) + 8;
	n->slices = xcalloc(n->cap, sizeof(*n->slices));
	memset(n->slices, 0, n->cap * sizeof(*n->slices));
	n->stack_size = 1 << 20;
	n->stack = xmalloc(n->stack_size);
	memset(n->stack, 0, n->stack_size);
	/* three times the summed min watermarks (min_free_kbytes, in
	 * pages): above low, and a drain at 80k pages/s takes some 25 ms
	 * (more under TCG) from there to min, while the flood looks every
	 * 10 ms */
	if (read_file("/proc/sys/vm/min_free_kbytes", &text, NULL) == 0) {
		kb = strtoull(text, NULL, 10);
		free(text);
	}
	n->quiet_below = 3 * (kb / 4);
	n->vmstat = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	check_quiet(f);		/* sizes the seq_file buffer, once */
}

int nic_start(struct nic *n, double t0)
{
	pthread_attr_t a;
	sigset_t all, old;
	int ret;

	if (!n->ready)
		return -EINVAL;
	n->t0 = t0;
	n->t_start = now_mono() - t0;
	pthread_attr_init(&a);
	pthread_attr_setstack(&a, n->stack, n->stack_size);
	/* signals stay the main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&n->thread, &a, flood_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	if (ret)
		return -ret;
	n->running = true;
	return 0;
}

void nic_stop(struct nic *n)
{
	char *csv;
	size_t i;

	if (!n->ready)
		return;
	if (n->running) {
		n->stop = 1;
		pthread_join(n->thread, NULL);
		n->running = false;
		csv = nic_csv_string(n->slices, n->nslices);
		if (write_file(n->csv_path, csv, strlen(csv)))
			lab_warn("cannot write %s: %m", n->csv_path);
		free(csv);
	}
	for (i = 0; i < 2; i++)
		side_state(&n->side[i], &n->side[i].after,
			   n->side[i].cnt_after, &n->side[i].link_after);
	n->ready = false;
}

void nic_free(struct nic *n)
{
	size_t i;
	int *fds[] = { &n->rootns, &n->netns, &n->txsock, &n->rxsock,
		       &n->vmstat,
		       &n->side[0].ctl, &n->side[0].devfd, &n->side[1].ctl,
		       &n->side[1].devfd };

	if (!n->cfg)
		return;		/* nic_setup() never ran */
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	for (i = 0; i < 2; i++) {
		nic_ethtool_free(&n->side[i].before);
		nic_ethtool_free(&n->side[i].after);
	}
	if (n->flood)
		for (i = 0; i < 2; i++) {
			free(n->flood->fr[i].st);
			free(n->flood->fr[i].pick);
		}
	free(n->flood);
	free(n->kfail);
	free(n->stack);
	free(n->slices);
	free(n->csv_path);
	n->flood = NULL;
	n->stack = NULL;
	n->slices = NULL;
	n->csv_path = NULL;
}
