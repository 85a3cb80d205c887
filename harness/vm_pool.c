// SPDX-License-Identifier: GPL-2.0
/*
 * The pool of `labyrinth vm run` children (vm_pool.h): start, reap,
 * stop. Each child is the whole of one run, so everything the single
 * run path does (its VM options, its report completed on the host after
 * a panic, its skip of what the kernel lacks) is what a soak run does.
 */
#include "vm_pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* What one VM costs the host beyond its guest RAM: QEMU, its TCG code
 * cache as touched, 9p buffers. */
#define VM_QEMU_OVERHEAD_MB 256
/* What the host keeps for itself. */
#define HOST_RESERVE_MB 1024

static long long meminfo_kb(const char *key)
{
	char *text, *p;
	long long v = -1;

	if (read_file("/proc/meminfo", &text, NULL))
		return -1;
	p = strstr(text, key);
	if (p && sscanf(p + strlen(key), ": %lld kB", &v) != 1)
		v = -1;
	free(text);
	return v;
}

unsigned int vm_pool_default_jobs(unsigned int mem_mb, char *why,
				  size_t whylen)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long long avail = meminfo_kb("MemAvailable");
	long long by_mem = -1, per = (long long)mem_mb + VM_QEMU_OVERHEAD_MB;
	unsigned int j;

	if (cpus < 1)
		cpus = 1;
	if (avail > 0)
		by_mem = (avail / 1024 - HOST_RESERVE_MB) / per;
	if (by_mem >= 0 && by_mem < cpus) {
		j = by_mem > 0 ? (unsigned int)by_mem : 1;
		snprintf(why, whylen, "%u: memory (%lld MiB available, %lld "
			 "MiB per VM, %d MiB kept for the host)", j,
			 avail / 1024, per, HOST_RESERVE_MB);
		return j;
	}
	j = (unsigned int)cpus;
	snprintf(why, whylen, "%u: one VM per online CPU (memory would "
		 "allow %lld)", j, by_mem);
	return j;
}

int vm_pool_init(struct vm_pool *p, unsigned int jobs,
		 const struct vm_pool_vm *vm)
{
	const char *env = getenv("LABYRINTH_SOAK_RUNNER");
	char buf[4096];
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->jobs = jobs ? jobs : 1;
	p->vm = *vm;
	p->running = xcalloc(p->jobs, sizeof(*p->running));
	if (env && *env) {
		p->runner = xstrdup(env);
		return 0;
	}
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0) {
		lab_err("cannot find this program's own path (/proc/self/exe) "
			"to run each VM with");
		return -1;
	}
	buf[n] = '\0';
	p->runner = xstrdup(buf);
	return 0;
}

void vm_pool_free(struct vm_pool *p)
{
	free(p->running);
	free(p->runner);
	memset(p, 0, sizeof(*p));
}

void vm_job_argv(const struct vm_pool *p, const struct vm_job *j,
		 struct argv *a)
{
	size_t i;

	argv_add(a, p->runner);
	argv_add(a, "vm");
	argv_add(a, "run");
	argv_add(a, "--run-dir");
	argv_add(a, j->run_dir);
	argv_add(a, "--quiet");
	argv_add(a, "--kver");
	argv_add(a, j->kver);
	argv_add(a, "--variant");
	argv_add(a, j->variant);
	argv_add(a, "--mem");
	argv_addf(a, "%u", p->vm.mem_mb);
	argv_add(a, "--cpus");
	argv_addf(a, "%u", p->vm.cpus);
	if (p->vm.timeout_s) {
		argv_add(a, "--timeout");
		argv_addf(a, "%us", p->vm.timeout_s);
	}
	if (p->vm.accel) {
		argv_add(a, "--accel");
		argv_add(a, p->vm.accel);
	}
	for (i = 0; i < j->nsets; i++) {
		argv_add(a, "--set");
		argv_add(a, j->sets[i]);
	}
	argv_add(a, j->scenario);
}

bool vm_pool_full(const struct vm_pool *p)
{
	return p->nrunning >= p->jobs;
}

int vm_pool_start(struct vm_pool *p, struct vm_job *j)
{
	struct argv a = { 0 };
	int ret;

	if (vm_pool_full(p))
		return -EBUSY;
	vm_job_argv(p, j, &a);
	/* SIGTERM if we die: vm run then stops its VM (and QEMU dies
	 * with vm run in any case) */
	ret = child_spawn_pdeath(&j->child, "vm run", a.v, j->log, j->log,
				 SIGTERM);
	argv_free(&a);
	if (ret)
		return ret;
	j->exit_code = -1;
	j->stopped = false;
	j->t_start = now_mono();
	j->wall_start = now_wall();
	p->running[p->nrunning++] = j;
	return 0;
}

/* A job's child was reaped with this status: out of the running set. */
static struct vm_job *finish(struct vm_pool *p, size_t i, int st)
{
	struct vm_job *j = p->running[i];

	j->child.status = st;
	j->child.reaped = true;
	/* anything it left in its group goes too (as child_poll does) */
	kill(-j->child.pid, SIGKILL);
	j->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	j->t_end = now_mono();
	p->running[i] = p->running[--p->nrunning];
	return j;
}

/* Reap one child if any has exited: a job of ours, or an orphan. */
static struct vm_job *reap_one(struct vm_pool *p, bool *any)
{
	int st;
	pid_t pid = waitpid(-1, &st, WNOHANG);
	size_t i;

	*any = pid > 0;
	if (pid <= 0)
		return NULL;
	for (i = 0; i < p->nrunning; i++)
		if (p->running[i]->child.pid == pid)
			return finish(p, i, st);
	return NULL;	/* an orphan reparented to us: reaped, nothing more */
}

struct vm_job *vm_pool_wait(struct vm_pool *p, double timeout_s)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	double end = now_mono() + timeout_s;
	struct vm_job *j;
	bool any;

	for (;;) {
		do {
			j = reap_one(p, &any);
			if (j)
				return j;
		} while (any);
		if (now_mono() >= end)
			return NULL;
		/* a signal cuts the nap short: the caller looks at it */
		if (nanosleep(&ts, NULL) && errno == EINTR)
			return NULL;
	}
}

void vm_pool_stop_all(struct vm_pool *p, double grace_s,
		      void (*done)(struct vm_job *j, void *arg), void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	double end = now_mono() + grace_s;
	struct vm_job *j;
	size_t i;
	bool any;

	for (i = 0; i < p->nrunning; i++) {
		p->running[i]->stopped = true;
		kill(-p->running[i]->child.pid, SIGTERM);
	}
	while (p->nrunning && now_mono() < end) {
		j = reap_one(p, &any);
		if (j && done)
			done(j, arg);
		if (!any)
			nanosleep(&ts, NULL);
	}
	while (p->nrunning) {
		j = p->running[0];
		lab_warn("%s (pid %d) did not stop within %.0f s of SIGTERM: "
			 "killing it", j->run_dir, (int)j->child.pid, grace_s);
		kill(-j->child.pid, SIGKILL);
		/* blocking: SIGKILL cannot be ignored */
		while (waitpid(j->child.pid, &j->child.status, 0) < 0 &&
		       errno == EINTR)
			;
		j = finish(p, 0, j->child.status);
		if (done)
			done(j, arg);
	}
}
