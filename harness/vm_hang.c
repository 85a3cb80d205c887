// SPDX-License-Identifier: GPL-2.0
/*
 * The hang probe (see vm_hang.h) and the reading of its answer: NMI
 * backtraces (lib/nmi_backtrace.c), blocked tasks (sched_show_task() under
 * sysrq w) and the panic of an unknown NMI (arch/x86/kernel/nmi.c).
 */
#include "vm_hang.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

/* Telnet: "interpret as command", then "break" (RFC 854). */
#define TELNET_IAC	"\xff"
#define TELNET_BREAK	"\xf3"

/*
 * The 8250 driver takes the first character within 5 s of a break as the
 * sysrq key; a pause between them keeps the key from being read together
 * with the break's NUL byte and dropped.
 */
#define KEY_DELAY_S	0.3
#define QUIET_S		1.0	/* the answer is over after this long quiet */
#define ANSWER_S	3.0	/* no "sysrq:" by then: no CPU takes the IRQ */
#define L_MAX_S		12.0	/* sysrq l waits up to 10 s for CPUs itself */
#define W_MAX_S		6.0
#define NMI_WAIT_S	5.0	/* for the panic to reach the console */
#define TELNET_WAIT_MS	1000	/* for QEMU to greet a console client */

enum {
	STEP_IDLE, STEP_BREAK_L, STEP_KEY_L, STEP_WAIT_L, STEP_BREAK_W,
	STEP_KEY_W, STEP_WAIT_W, STEP_WAIT_NMI, STEP_DONE,
};

void vm_hang_init(struct vm_hang *h, const char *dir)
{
	struct sockaddr_un sa;
	const char *base = dir;
	char fdpath[32];

	memset(h, 0, sizeof(*h));
	h->mon_fd = h->dir_fd = -1;
	h->log_path = xasprintf("%s/console.log", dir);
	if (strlen(dir) + sizeof("/monitor.sock") > sizeof(sa.sun_path)) {
		/*
		 * A socket path must fit sun_path (108 bytes). QEMU inherits
		 * this descriptor, so /proc/self/fd/N names the directory
		 * for it as it does for us.
		 */
		h->dir_fd = open(dir, O_PATH | O_DIRECTORY);
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", h->dir_fd);
		if (h->dir_fd >= 0)
			base = fdpath;
	}
	h->con_path = xasprintf("%s/console.sock", base);
	h->mon_path = xasprintf("%s/monitor.sock", base);
}

void vm_hang_free(struct vm_hang *h)
{
	if (!h->log_path)
		return;		/* zeroed, never initialised */
	if (h->mon_fd >= 0)
		close(h->mon_fd);
	/* QEMU may leave its listening sockets behind. */
	if (h->con_path)
		unlink(h->con_path);
	if (h->mon_path)
		unlink(h->mon_path);
	if (h->dir_fd >= 0)
		close(h->dir_fd);
	free(h->log_path);
	free(h->con_path);
	free(h->mon_path);
	memset(h, 0, sizeof(*h));
	h->mon_fd = h->dir_fd = -1;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *s, size_t n)
{
	return fd >= 0 && send(fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* What QEMU sends us (telnet options, the guest's output) is not needed. */
static void drain(int fd)
{
	char buf[4096];

	while (fd >= 0 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/*
 * Connect, send, hang up. Staying connected would make us the console's
 * reader: QEMU's serial port writes one byte at a time, a unix socket
 * fills after a few hundred such writes whatever we drain, and every byte
 * QEMU then retries is written to console.log twice. Unconnected, the
 * console goes to console.log only, each byte once.
 *
 * QEMU reads from a telnet client only once it has sent its option
 * negotiation; a client that hangs up before that is dropped unread. So
 * wait for those bytes (at most TELNET_WAIT_MS) before sending.
 */
static int send_console(const struct vm_hang *h, const char *s, size_t n)
{
	struct pollfd pfd = { .fd = connect_unix(h->con_path),
			      .events = POLLIN };
	int ret = -1;

	if (pfd.fd < 0)
		return -1;
	if (poll(&pfd, 1, TELNET_WAIT_MS) == 1) {
		drain(pfd.fd);
		ret = send_all(pfd.fd, s, n);
	}
	close(pfd.fd);
	return ret;
}

/* Follow console.log: growth, and whether "sysrq: " appeared. */
static void look_at_log(struct vm_hang *h, double now)
{
	struct stat st;
	char *buf, *p;
	size_t n;
	int fd;

	if (stat(h->log_path, &st) || st.st_size <= h->log_size)
		return;
	h->t_growth = now;
	if (!h->answered && (fd = open(h->log_path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = (size_t)(st.st_size - h->log_start);
		buf = xmalloc(n + 1);
		if (pread(fd, buf, n, h->log_start) == (ssize_t)n) {
			buf[n] = '\0';
			for (p = buf; p < buf + n; p += strlen(p) + 1)
				if (strstr(p, "sysrq: "))
					h->answered = 1;
		}
		free(buf);
		close(fd);
	}
	h->log_size = st.st_size;
}

static void next(struct vm_hang *h, int step, double now)
{
	h->step = step;
	h->t_step = now;
}

static void start(struct vm_hang *h, double now)
{
	struct stat st;

	h->log_start = h->log_size = stat(h->log_path, &st) ? 0 : st.st_size;
	h->t_growth = now;
	h->mon_fd = connect_unix(h->mon_path);
	next(h, STEP_BREAK_L, now);
}

/* Send the NMI when sysrq got no answer; done if there is no monitor. */
static void send_nmi(struct vm_hang *h, double now)
{
	h->nmi_sent = send_all(h->mon_fd, "nmi\n", 4) == 0;
	snprintf(h->how, sizeof(h->how), "sysrq l unanswered%s",
		 h->nmi_sent ? ", then NMI" : ", NMI not sent (no monitor)");
	next(h, h->nmi_sent ? STEP_WAIT_NMI : STEP_DONE, now);
}

int vm_hang_probe(struct vm_hang *h, double now)
{
	double t = now - h->t_step;
	int quiet = now - h->t_growth >= QUIET_S;

	if (h->step == STEP_IDLE)
		start(h, now);
	drain(h->mon_fd);
	look_at_log(h, now);
	switch (h->step) {
	case STEP_BREAK_L:
		if (send_console(h, TELNET_IAC TELNET_BREAK, 2) == 0)
			next(h, STEP_KEY_L, now);
		else
			send_nmi(h, now);
		break;
	case STEP_BREAK_W:
		if (send_console(h, TELNET_IAC TELNET_BREAK, 2) == 0)
			next(h, STEP_KEY_W, now);
		else
			next(h, STEP_DONE, now);
		break;
	case STEP_KEY_L:
	case STEP_KEY_W:
		if (t >= KEY_DELAY_S) {
			send_console(h, h->step == STEP_KEY_L ? "l" : "w", 1);
			snprintf(h->how, sizeof(h->how), "%s",
				 h->step == STEP_KEY_L ? "sysrq l" : "sysrq l, w");
			next(h, h->step + 1, now);
		}
		break;
	case STEP_WAIT_L:
		if (h->answered && ((quiet && t >= QUIET_S) || t >= L_MAX_S))
			next(h, STEP_BREAK_W, now);
		else if (!h->answered && t >= ANSWER_S)
			send_nmi(h, now);
		break;
	case STEP_WAIT_W:
		if ((quiet && t >= QUIET_S) || t >= W_MAX_S)
			next(h, STEP_DONE, now);
		break;
	case STEP_WAIT_NMI:
		if (t >= NMI_WAIT_S)
			next(h, STEP_DONE, now);
		break;
	}
	return h->step != STEP_DONE;
}

/* ------------------------------------------------------------------ */
/* The answer                                                          */

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Where an idle CPU sits (an NMI's panic may land on one). */
static const char *const idle_fns[] = {
	"default_idle", "default_idle_call", "amd_e400_idle", "mwait_idle",
	"intel_idle", "acpi_idle_do_entry", "native_safe_halt", "do_idle",
	"cpu_idle_poll", "poll_idle",
};

static int is_idle(const char *fn)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(idle_fns); i++) {
		n = strlen(idle_fns[i]);
		if (!strncmp(fn, idle_fns[i], n) && (!fn[n] || fn[n] == '.'))
			return 1;
	}
	return 0;
}

static void add_cpu(struct hang_report *h, const struct crash_report *c,
		    const char *seen_by)
{
	struct hang_cpu *hc;
	unsigned int i;

	if (c->cpu < 0 || !c->where.function[0])
		return;
	if (is_idle(c->where.function)) {
		h->idle_cpus++;
		return;
	}
	/* The CPU that ran the sysrq handler is not stuck, it answered. */
	if (starts(c->where.function, "sysrq_") ||
	    starts(c->where.function, "__handle_sysrq"))
		return;
	for (i = 0; i < h->ncpus; i++)
		if (h->cpus[i].cpu == c->cpu)
			return;
	if (h->ncpus == HANG_CPUS_MAX)
		return;
	hc = &h->cpus[h->ncpus++];
	hc->cpu = c->cpu;
	hc->pid = c->pid;
	memcpy(hc->comm, c->comm, sizeof(hc->comm));
	hc->where = c->where;
	hc->seen_by = seen_by;
}

/*
 * Blocked tasks in the order a reader wants them: user tasks (what the
 * run was doing) before kernel threads (ppid 2: the children of
 * kthreadd), each task once (the hung task detector may list it again).
 */
static void add_task(struct hang_report *h, const struct crash_report *c,
		     int kthread)
{
	unsigned int i, at = h->ntasks;

	for (i = 0; i < h->ntasks; i++)
		if (h->tasks[i].pid == c->pid)
			return;
	if (h->ntasks == HANG_TASKS_MAX) {
		h->more_tasks++;
		return;
	}
	if (!kthread)
		for (at = 0; at < h->ntasks && !h->tasks[at].kthread; at++)
			;
	memmove(&h->tasks[at + 1], &h->tasks[at],
		(h->ntasks - at) * sizeof(h->tasks[0]));
	h->ntasks++;
	h->tasks[at].pid = c->pid;
	h->tasks[at].kthread = kthread;
	memcpy(h->tasks[at].comm, c->comm, sizeof(h->tasks[at].comm));
	h->tasks[at].where = c->where;
}

void hang_parse(const char *log, size_t len, struct hang_report *h)
{
	struct crash_log l;
	struct crash_report c;
	size_t i;

	memset(h, 0, sizeof(*h));
	crash_log_init(&l, log, len);
	for (i = 0; i < l.n; i++) {
		const char *s = l.text[i];

		if (starts(s, "NMI backtrace for cpu ")) {
			if (strstr(s, " skipped: idling")) {
				h->idle_cpus++;
				continue;
			}
			crash_parse_at(&l, i, &c);
			add_cpu(h, &c, "sysrq-l");
		} else if (starts(s, "task:") && strstr(s, " state:D")) {
			const char *pp = strstr(s, " ppid:");

			crash_parse_at(&l, i, &c);
			add_task(h, &c, c.pid == 2 || (pp && atoi(pp + 6) == 2));
		} else if (starts(s, "Kernel panic - not syncing: NMI")) {
			crash_parse_at(&l, i, &c);
			add_cpu(h, &c, "nmi-panic");
		}
	}
	crash_log_free(&l);
}

void hang_summary(const struct hang_report *h, char *buf, size_t len)
{
	char where[256];
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
#define PUT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, \
					 __VA_ARGS__))
	for (i = 0; i < h->ncpus && i < 2; i++) {
		const struct hang_cpu *c = &h->cpus[i];

		crash_loc_format(&c->where, 1, where, sizeof(where));
		PUT("%sCPU %d in %s", o ? "; " : "", c->cpu, where);
		if (c->comm[0])
			PUT(" (%s, pid %d)", c->comm, c->pid);
	}
	if (h->ncpus > 2)
		PUT("; %u more CPUs", h->ncpus - 2);
	if (h->idle_cpus)
		PUT("%s%u CPU%s idle", o ? "; " : "", h->idle_cpus,
		    h->idle_cpus == 1 ? "" : "s");
	for (i = 0; i < h->ntasks && i < 2; i++) {
		crash_loc_format(&h->tasks[i].where, 1, where, sizeof(where));
		PUT("%s%s (pid %d) in %s", i ? ", " : o ? "; blocked: " :
		    "blocked: ", h->tasks[i].comm, h->tasks[i].pid,
		    where[0] ? where : "?");
	}
	if (h->ntasks + h->more_tasks > 2)
		PUT(" and %u more", h->ntasks + h->more_tasks - 2);
#undef PUT
	if (o >= len && len > 4)
		strcpy(buf + len - 4, "...");
}

static json_t *where_json(const struct crash_loc *loc)
{
	char text[256];

	crash_loc_format(loc, 1, text, sizeof(text));
	return text[0] ? json_string(text) : json_null();
}

void hang_json_fill(json_t *obj, const struct hang_report *h)
{
	json_t *cpus = json_array(), *tasks = json_array();
	unsigned int i;

	json_object_set_new(obj, "probe", json_string(h->how));
	json_object_set_new(obj, "line", json_integer(h->line));
	json_object_set_new(obj, "answered",
			    json_boolean(h->ncpus || h->ntasks || h->idle_cpus));
	for (i = 0; i < h->ncpus; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "cpu", json_integer(h->cpus[i].cpu));
		json_object_set_new(c, "pid", h->cpus[i].pid >= 0 ?
				    json_integer(h->cpus[i].pid) : json_null());
		json_object_set_new(c, "comm", h->cpus[i].comm[0] ?
				    json_string(h->cpus[i].comm) : json_null());
		json_object_set_new(c, "location", where_json(&h->cpus[i].where));
		json_object_set_new(c, "seen_by",
				    json_string(h->cpus[i].seen_by));
		json_array_append_new(cpus, c);
	}
	for (i = 0; i < h->ntasks; i++) {
		json_t *t = json_object();

		json_object_set_new(t, "pid", json_integer(h->tasks[i].pid));
		json_object_set_new(t, "comm", json_string(h->tasks[i].comm));
		json_object_set_new(t, "location", where_json(&h->tasks[i].where));
		json_array_append_new(tasks, t);
	}
	json_object_set_new(obj, "cpus", cpus);
	json_object_set_new(obj, "idle_cpus", json_integer(h->idle_cpus));
	json_object_set_new(obj, "blocked", tasks);
	json_object_set_new(obj, "blocked_not_listed",
			    json_integer(h->more_tasks));
}

int vm_hang_read_console(const struct vm_hang *h, const char *path,
			 struct crash_report *crash, struct hang_report *hr)
{
	char *buf;
	size_t len, upto, i;
	int found;

	memset(hr, 0, sizeof(*hr));
	if (!path || read_file(path, &buf, &len))
		return 0;
	upto = len;
	if (vm_hang_started(h) && (size_t)h->log_start <= len)
		upto = (size_t)h->log_start;
	found = crash_parse(buf, upto, crash) == 1;
	if (vm_hang_started(h)) {
		hang_parse(buf + upto, len - upto, hr);
		hr->line = 1;
		for (i = 0; i < upto; i++)
			hr->line += buf[i] == '\n';
		snprintf(hr->how, sizeof(hr->how), "%s",
			 h->how[0] ? h->how : "none");
	}
	free(buf);
	return found;
}
