// SPDX-License-Identifier: GPL-2.0
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (f < 0)
		return -1;
	if (dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

int child_spawn(struct child *c, const char *name, char *const argv[],
		const char *out_path, const char *err_path)
{
	return child_spawn_pdeath(c, name, argv, out_path, err_path, 0);
}

int child_spawn_pdeath(struct child *c, const char *name,
		       char *const argv[], const char *out_path,
		       const char *err_path, int pdeathsig)
{
	pid_t parent = getpid(), pid;
	int pfd[2], err = 0;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	c->name = name;
	/*
	 * Orphans of what we start (stress-ng's workers, a shell's
	 * background jobs) become ours to reap, so child_stop() can wait
	 * until they are really gone whatever PID 1 is doing.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (pid == 0) {
		int e;

		setpgid(0, 0);
		/* our death (even by SIGKILL) is its signal to stop; a parent
		 * already gone before prctl() took effect counts too */
		if (pdeathsig && (prctl(PR_SET_PDEATHSIG, pdeathsig) ||
				  getppid() != parent))
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (out_path && redirect(out_path, STDOUT_FILENO))
			goto fail;
		if (err_path && !strcmp(err_path, out_path ? out_path : "")) {
			if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
				goto fail;
		} else if (err_path && redirect(err_path, STDERR_FILENO)) {
			goto fail;
		}
		execvp(argv[0], argv);
fail:
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	/* both sides: no race on who sets the group first */
	setpgid(pid, pid);
	close(pfd[1]);
	do {
		n = read(pfd[0], &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		return -err;
	}
	c->pid = pid;
	c->started = now_mono();
	return 0;
}

bool child_poll(struct child *c)
{
	int st;
	pid_t r;

	if (c->reaped || !c->pid)
		return true;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r == c->pid) {
		c->status = st;
		c->reaped = true;
		/* workers it left behind in its group go too */
		kill(-c->pid, SIGKILL);
		return true;
	}
	return false;
}

int child_stop(struct child *c, int sig, double grace_s)
{
	double end = now_mono() + grace_s;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	if (!c->pid)
		return 0;
	if (!c->reaped) {
		kill(-c->pid, sig);
		while (!child_poll(c) && now_mono() < end)
			nanosleep(&ts, NULL);
		if (!c->reaped) {
			lab_warn("%s (pid %d) did not stop within %.0f s of "
				 "SIG%s: killing it", c->name, (int)c->pid,
				 grace_s, sigabbrev_np(sig));
			kill(-c->pid, SIGKILL);
			if (waitpid(c->pid, &c->status, 0) == c->pid)
				c->reaped = true;
		}
	}
	/*
	 * Whatever is left of its process group goes too, and is gone when
	 * we return: nothing it started may outlive the knobs it ran under.
	 * As their subreaper we reap them; a process stuck in the kernel
	 * (D state) is given 2 s.
	 */
	kill(-c->pid, SIGKILL);
	end = now_mono() + 2.0;
	while (kill(-c->pid, 0) == 0 && now_mono() < end) {
		while (waitpid(-c->pid, NULL, WNOHANG) > 0)
			;
		nanosleep(&ts, NULL);
	}
	return c->status;
}

void child_describe(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(buf, len, "status 0x%x", status);
}
