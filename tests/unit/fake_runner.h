/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the tests that run `labyrinth vm soak` and `vm sweep` with
 * tests/fixtures/soak/fake-vm-run as the runner (LABYRINTH_SOAK_RUNNER):
 * no VM, what each run comes to set by FAKE_* variables (see the script).
 */
#ifndef LABYRINTH_FAKE_RUNNER_H
#define LABYRINTH_FAKE_RUNNER_H

#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static inline char *top_path(const char *rel)
{
	const char *top = getenv("LABYRINTH_TOP");

	return xasprintf("%s/%s", top ? top : ".", rel);
}

static inline char *tmpdir(void)
{
	char *t = xstrdup("/tmp/labyrinth-soak-test.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(t));
	return t;
}

static inline void fake_env(void)
{
	char *r = top_path("tests/fixtures/soak/fake-vm-run");

	setenv("LABYRINTH_SOAK_RUNNER", r, 1);
	free(r);
	unsetenv("FAKE_PANIC_INDEX");
	unsetenv("FAKE_INFRA_INDEX");
	unsetenv("FAKE_SLEEP");
	unsetenv("FAKE_SHIFT");
	unsetenv("FAKE_PID_DIR");
	unsetenv("FAKE_LIE_INDEX");
	unsetenv("FAKE_SWEEP_KEY");
	unsetenv("FAKE_SWEEP_FROM");
	unsetenv("FAKE_SWEEP_UPTO");
	unsetenv("FAKE_SWEEP_ODD");
	unsetenv("FAKE_SWEEP_VERDICT");
}

/* `labyrinth ARGS...` (cmd: cmd_vm, cmd_soak) in a child, output to
 * log; its pid. */
static inline pid_t soak_start(const char *log, const char *const *args,
			int (*cmd)(int argc, char **argv))
{
	pid_t pid;
	int argc = 0;

	while (args[argc])
		argc++;
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = freopen(log, "w", stdout);

		if (!f || dup2(fileno(stdout), 2) < 0)
			_exit(99);
		/* in the scenarios' directory, as a user would be */
		if (chdir(getenv("LABYRINTH_TOP") ?: "."))
			_exit(98);
		exit(cmd(argc, (char **)args));
	}
	return pid;
}

static inline int soak_wait(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define SOAK(log, ...) \
	soak_wait(soak_start(log, (const char *const[]){ "vm", "soak", \
			     __VA_ARGS__, NULL }, cmd_vm))
#define MERGE(log, ...) \
	soak_wait(soak_start(log, (const char *const[]){ "soak", "merge", \
			     __VA_ARGS__, NULL }, cmd_soak))

static inline json_t *load_json(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	json_error_t je;
	json_t *j = json_load_file(p, 0, &je);

	ck_assert_msg(j, "%s: %s", p, je.text);
	free(p);
	return j;
}

static inline char *slurp(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name), *t = NULL;

	ck_assert_msg(read_file(p, &t, NULL) == 0, "cannot read %s", p);
	free(p);
	return t;
}

/* Entries of dir; alive: only pid files of processes still running. */
static inline size_t entries(const char *dir, bool alive)
{
	DIR *dd = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (dd && (de = readdir(dd)))
		n += de->d_name[0] != '.' &&
		     (!alive || kill((pid_t)atoi(de->d_name), 0) == 0);
	if (dd)
		closedir(dd);
	return n;
}

#endif /* LABYRINTH_FAKE_RUNNER_H */
