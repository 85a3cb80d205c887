// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 inside the labyrinth VM (the kernel runs build/labyrinth as
 * init=). The root filesystem is the host's, read-only over 9p, so this
 * gives the guest what a read-only root lacks (tmpfs /tmp and /run,
 * devtmpfs, debugfs, tracefs, cgroup2), mounts the control directory and
 * the shared result directories, runs the one command the host asked for
 * and reports its status back through the control directory. Then it
 * reboots, which ends QEMU (-no-reboot).
 *
 * The command's stdout and stderr go to the second serial port (ttyS1),
 * which the host streams to its own stdout; the kernel console stays on
 * ttyS0, so the console log holds only the kernel's words and ours. A
 * serial port is a terminal, but the host's output may not be: where it
 * is not (vm_proto.h, VM_CTL_TTY) the command gets a pipe instead, which
 * this init relays to ttyS1, so that it behaves as it would on the host
 * (no progress lines in a CI log).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "commands.h"
#include "vm_console.h"
#include "util.h"
#include "vm_proto.h"

/* Messages to the kernel log, so they land in the host's console.log. */
static void kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void kmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "<5>");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	/*
	 * Without the newline the record stays open for continuation and
	 * the console holds it back until the next message closes it: a
	 * marker would reach the host only after the command was over.
	 */
	strcat(buf, "\n");
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* If the kernel log refuses, there is nowhere left to say so. */
		if (write(fd, buf, strlen(buf)) < 0)
			(void)0;
		close(fd);
	} else {
		fprintf(stderr, "%s\n", buf + n);
	}
}

static void do_mount(const char *src, const char *dst, const char *type,
		     unsigned long flags, const char *data, int must)
{
	if (mount(src, dst, type, flags, data) == 0 || errno == EBUSY)
		return;
	kmsg("labyrinth-vm: mount %s on %s (%s) failed: %s", src, dst, type,
	     strerror(errno));
	if (must)
		kmsg("labyrinth-vm: the guest cannot run without it");
}

static void finish(const char *status_line)
{
	char *path = xasprintf("%s/%s", VM_GUEST_CTL, VM_CTL_STATUS);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, status_line, strlen(status_line)) < 0)
			kmsg("labyrinth-vm: cannot write status: %s",
			     strerror(errno));
		fsync(fd);
		close(fd);
	} else {
		kmsg("labyrinth-vm: cannot create %s: %s", path,
		     strerror(errno));
	}
	free(path);
	sync();
	reboot(RB_AUTOBOOT);
	/* Not reached; if it is, the host's timeout ends the VM. */
	for (;;)
		pause();
}

static void fatal(const char *what)
{
	char *line = xasprintf("error %s\n", what);

	kmsg("labyrinth-vm: %s", what);
	finish(line);
}

/* Split a NUL-separated file into a NULL-terminated vector. */
static char **split0(char *buf, size_t len)
{
	size_t i, n = 0, k = 0;
	char **v;

	for (i = 0; i < len; i++)
		if (!buf[i])
			n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < len && k < n; i += strlen(buf + i) + 1)
		v[k++] = buf + i;
	v[k] = NULL;
	return v;
}

static char *ctl_read(const char *name, size_t *len)
{
	char *path = xasprintf("%s/%s", VM_GUEST_CTL, name), *buf;
	int err = read_file(path, &buf, len);

	free(path);
	if (err) {
		kmsg("labyrinth-vm: cannot read control file %s: %s", name,
		     strerror(-err));
		return NULL;
	}
	return buf;
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/*
 * The host's directory at cwd must stay visible when tmpfs covers /tmp
 * (a fresh clone under /tmp is common): keep a handle on it before the
 * mount, then bind it back at the same path.
 */
static void mount_tmp_keeping(const char *cwd)
{
	int fd = -1;

	if (cwd && under(cwd, "/tmp"))
		fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	do_mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 1);
	if (fd >= 0) {
		char src[64];

		snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
		if (mkdir_p(cwd, 0755) == 0)
			do_mount(src, cwd, NULL, MS_BIND | MS_REC, NULL, 1);
		close(fd);
	}
}

static void mount_shares(char *list)
{
	char *save = NULL, *line;

	for (line = strtok_r(list, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *opts;

		if (!tab)
			continue;
		*tab = '\0';
		mkdir_p(tab + 1, 0755);
		opts = xasprintf("trans=virtio,version=9p2000.L,msize=%d",
				 VM_9P_MSIZE);
		do_mount(line, tab + 1, "9p", 0, opts, 1);
		free(opts);
	}
}

static void serial_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
}

/* Was the host's stdout (stderr) a terminal? Yes if it did not say. */
static void host_ttys(bool *out, bool *err)
{
	char *t = ctl_read(VM_CTL_TTY, NULL);
	int o = 1, e = 1;

	if (t && sscanf(t, "stdout %d stderr %d", &o, &e) != 2)
		o = e = 1;
	free(t);
	*out = o;
	/* the command's stderr lands on the host's stdout */
	*err = o && e;
}

/*
 * The command's stdout and stderr: ttyS1 itself where the host's output
 * is a terminal, else a pipe this init relays (one pipe for both when
 * neither is, which keeps their order). relay[] gets the read ends.
 */
static void command_stdio(int tty, int fds[2], int relay[2])
{
	bool out_tty, err_tty;
	int p[2];

	host_ttys(&out_tty, &err_tty);
	fds[0] = fds[1] = tty;
	relay[0] = relay[1] = -1;
	if (!out_tty && pipe2(p, O_CLOEXEC) == 0) {
		fds[0] = fds[1] = p[1];
		relay[0] = p[0];
	}
	if (!err_tty && out_tty && pipe2(p, O_CLOEXEC) == 0) {
		fds[1] = p[1];
		relay[1] = p[0];
	}
}

/* Copy what the pipes hold to ttyS1; wait up to ms for it. A pipe at its
 * end is closed (-1). */
static void relay_once(int relay[2], int tty, int ms)
{
	struct pollfd pf[2];
	char buf[4096];
	int i, n = 0;

	for (i = 0; i < 2; i++)
		if (relay[i] >= 0) {
			pf[n].fd = relay[i];
			pf[n].events = POLLIN;
			n++;
		}
	if (!n) {
		if (ms > 0)
			usleep((useconds_t)ms * 1000);
		return;
	}
	if (poll(pf, (nfds_t)n, ms) <= 0)
		return;
	for (i = 0; i < n; i++) {
		ssize_t got;

		if (!(pf[i].revents & (POLLIN | POLLHUP)))
			continue;
		got = read(pf[i].fd, buf, sizeof(buf));
		if (got > 0 && write(tty, buf, (size_t)got) < 0)
			kmsg("labyrinth-vm: relaying output: %s",
			     strerror(errno));
		if (got <= 0) {
			close(pf[i].fd);
			relay[relay[0] == pf[i].fd ? 0 : 1] = -1;
		}
	}
}

/* PID 1 reaps every orphan and relays output until the command is done. */
static int wait_command(pid_t child, int relay[2], int tty)
{
	int st = 0;

	for (;;) {
		pid_t p;

		relay_once(relay, tty, 100);
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == child)
				return st;
		if (p < 0 && errno == ECHILD)
			fatal("lost track of the command");
	}
}

/* What PID 1 mounts before it can read the control directory. */
static void early_mounts(void)
{
	char *opts;
	int fd;

	do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL, 1);
	do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 NULL, 1);
	do_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 1);
	fd = open("/dev/console", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	do_mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755",
		 1);
	if (mkdir(VM_GUEST_CTL, 0755) && errno != EEXIST)
		fatal("cannot create the control mount point");
	opts = xasprintf("trans=virtio,version=9p2000.L,msize=%d",
			 VM_9P_MSIZE);
	if (mount(VM_CTL_TAG, VM_GUEST_CTL, "9p", 0, opts)) {
		kmsg("labyrinth-vm: cannot mount the control directory (9p tag %s): %s",
		     VM_CTL_TAG, strerror(errno));
		sync();
		reboot(RB_AUTOBOOT);
	}
	free(opts);
}

/* What a command expects of a system: the rest of the mounts. */
static void late_mounts(const char *cwd, char *shares)
{
	mount_tmp_keeping(cwd);
	mkdir("/dev/pts", 0755);
	do_mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "gid=5,mode=620,ptmxmode=666", 0);
	mkdir("/dev/shm", 01777);
	do_mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
		 "mode=1777", 0);
	do_mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL, 0);
	do_mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL, 0);
	do_mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL, 0);
	mount_shares(shares);
	sethostname("labyrinth-vm", strlen("labyrinth-vm"));
}

int guest_init_main(int argc, char **argv)
{
	char *argvbuf, *envbuf, *cwd, *shares, status[64];
	size_t argvlen = 0, envlen = 0;
	char **cmd, **env;
	pid_t child;
	int fd, st, io[2], relay[2];
	size_t i;

	(void)argc;
	(void)argv;
	umask(022);
	early_mounts();
	argvbuf = ctl_read(VM_CTL_ARGV, &argvlen);
	envbuf = ctl_read(VM_CTL_ENV, &envlen);
	cwd = ctl_read(VM_CTL_CWD, NULL);
	shares = ctl_read(VM_CTL_SHARES, NULL);
	if (!argvbuf || !envbuf || !cwd || !shares || !argvlen)
		fatal("incomplete control directory");
	late_mounts(cwd, shares);

	cmd = split0(argvbuf, argvlen);
	env = split0(envbuf, envlen);
	clearenv();
	for (i = 0; env[i]; i++)
		putenv(env[i]);
	setenv("LABYRINTH_IN_VM", "1", 1);

	/* The command talks to the host through ttyS1. */
	fd = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fatal("cannot open /dev/ttyS1 for the command's output");
	serial_raw(fd);

	command_stdio(fd, io, relay);
	kmsg("%s: %s", CONSOLE_MARK_START, cmd[0]);
	child = fork();
	if (child < 0)
		fatal("fork failed");
	if (child == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(io[0], 1);
		dup2(io[1], 2);
		setsid();
		if (chdir(cwd)) {
			fprintf(stderr, "labyrinth-vm: cannot enter %s: %s\n",
				cwd, strerror(errno));
			_exit(127);
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "labyrinth-vm: cannot run %s: %s\n", cmd[0],
			strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	/* the write ends are the command's now */
	if (io[0] != fd)
		close(io[0]);
	if (io[1] != fd && io[1] != io[0])
		close(io[1]);
	st = wait_command(child, relay, fd);
	if (WIFEXITED(st))
		snprintf(status, sizeof(status), "exit %d\n", WEXITSTATUS(st));
	else
		snprintf(status, sizeof(status), "signal %d\n", WTERMSIG(st));
	kmsg("%s%d", CONSOLE_MARK_EXIT,
	     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));

	/* Leftover daemons and stressors must not outlive the run's data. */
	kill(-1, SIGTERM);
	usleep(100 * 1000);
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	/* what the pipes still hold, until every writer is gone */
	for (i = 0; i < 20 && (relay[0] >= 0 || relay[1] >= 0); i++)
		relay_once(relay, fd, 50);
	tcdrain(fd);
	finish(status);
	return 0;
}
