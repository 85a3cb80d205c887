// SPDX-License-Identifier: GPL-2.0
#include "pressure.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

static void add_u(struct argv *a, const char *opt, uint64_t v)
{
	argv_add(a, opt);
	argv_addf(a, "%llu", (unsigned long long)v);
}

char **pressure_argv(const struct sc_pressure *p, uint64_t timeout_s,
		     const char *yaml_path)
{
	struct argv a = { 0 };
	char *dup, *tok, *save = NULL;

	argv_add(&a, "stress-ng");
	if (p->vm) {
		add_u(&a, "--vm", p->vm);
		argv_add(&a, "--vm-bytes");
		argv_add(&a, p->vm_bytes[0] ? p->vm_bytes : "80%");
		if (p->vm_method[0]) {
			argv_add(&a, "--vm-method");
			argv_add(&a, p->vm_method);
		}
		if (p->vm_keep)
			argv_add(&a, "--vm-keep");
	}
	if (p->bigheap)
		add_u(&a, "--bigheap", p->bigheap);
	if (p->malloc)
		add_u(&a, "--malloc", p->malloc);
	if (p->mmap) {
		add_u(&a, "--mmap", p->mmap);
		if (p->mmap_bytes[0]) {
			argv_add(&a, "--mmap-bytes");
			argv_add(&a, p->mmap_bytes);
		}
	}
	if (p->brk)
		add_u(&a, "--brk", p->brk);
	if (p->page_in)
		argv_add(&a, "--page-in");
	if (p->oomable)
		argv_add(&a, "--oomable");
	if (p->extra[0]) {
		dup = xstrdup(p->extra);
		for (tok = strtok_r(dup, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save))
			argv_add(&a, tok);
		free(dup);
	}
	/* the guest's root (and cwd) is read-only: stress-ng's files go
	 * to /tmp, which is tmpfs there */
	argv_add(&a, "--temp-path");
	argv_add(&a, "/tmp");
	add_u(&a, "--timeout", timeout_s);
	argv_add(&a, "--metrics-brief");
	argv_add(&a, "-Y");
	argv_add(&a, yaml_path);
	return a.v;
}

void pressure_free_argv(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int pressure_start(struct pressure *pr, const struct sc_pressure *p,
		   uint64_t duration_ms, const char *dir, char *err,
		   size_t errlen)
{
	char **argv;
	int r;

	memset(pr, 0, sizeof(*pr));
	pr->yaml_path = xasprintf("%s/stress-ng.yaml", dir);
	pr->log_path = xasprintf("%s/stress-ng.log", dir);
	/* its own timeout: a little past the run, in case we die first */
	argv = pressure_argv(p, duration_ms / 1000 + 30, pr->yaml_path);
	r = child_spawn(&pr->c, "stress-ng", argv, pr->log_path,
			pr->log_path);
	pressure_free_argv(argv);
	if (r) {
		snprintf(err, errlen, "cannot start stress-ng: %s%s",
			 strerror(-r), r == -ENOENT ?
			 " (install it: apt-get install stress-ng, or run "
			 "'make deps')" : "");
		return r;
	}
	pr->started = true;
	return 0;
}

bool pressure_running(struct pressure *pr)
{
	return pr->started && !child_poll(&pr->c);
}

void pressure_stop(struct pressure *pr)
{
	if (!pr->started)
		return;
	if (!pr->c.reaped)
		pr->stopped_by_us = true;
	/* SIGINT: stress-ng stops its workers and still writes the YAML */
	child_stop(&pr->c, SIGINT, 15.0);
}

static double num(const char *s)
{
	return strtod(s, NULL);
}

json_t *pressure_parse_yaml(const char *text, char *err, size_t errlen)
{
	const char *p = strstr(text, "\nmetrics:");
	json_t *arr, *cur = NULL;

	if (!p) {
		snprintf(err, errlen, "no 'metrics:' block (stress-ng was "
			 "killed before writing it?)");
		return NULL;
	}
	arr = json_array();
	p = strchr(p + 1, '\n');
	while (p && *++p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256], *k, *v, *colon;

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		/* the block ends at the next top-level key or "..." */
		if (line[0] && !isspace((unsigned char)line[0]))
			break;
		k = line;
		while (isspace((unsigned char)*k))
			k++;
		if (!strncmp(k, "- ", 2)) {
			k += 2;
			while (*k == ' ')
				k++;
			cur = NULL;
		}
		colon = strchr(k, ':');
		if (colon) {
			*colon = '\0';
			v = colon + 1;
			while (*v == ' ')
				v++;
			if (!strcmp(k, "stressor")) {
				cur = json_object();
				json_object_set_new(cur, "name",
						    json_string(v));
				json_object_set_new(cur, "bogo_ops",
						    json_integer(0));
				json_array_append_new(arr, cur);
			} else if (cur && !strcmp(k, "bogo-ops")) {
				json_object_set_new(cur, "bogo_ops",
						    json_integer(strtoll(v,
								NULL, 10)));
			} else if (cur && !strcmp(k,
					"bogo-ops-per-second-real-time")) {
				json_object_set_new(cur, "bogo_ops_per_s_real",
						    json_real(num(v)));
			} else if (cur && !strcmp(k, "wall-clock-time")) {
				json_object_set_new(cur, "wall_clock_s",
						    json_real(num(v)));
			} else if (cur && !strcmp(k, "user-time")) {
				json_object_set_new(cur, "user_time_s",
						    json_real(num(v)));
			} else if (cur && !strcmp(k, "system-time")) {
				json_object_set_new(cur, "system_time_s",
						    json_real(num(v)));
			}
		}
		p = nl;
	}
	return arr;
}

json_t *pressure_report(struct pressure *pr, bool oom_killed)
{
	json_t *o = json_object(), *st = NULL;
	char *text, err[128];

	if (pr->yaml_path && read_file(pr->yaml_path, &text, NULL) == 0) {
		st = pressure_parse_yaml(text, err, sizeof(err));
		free(text);
	}
	json_object_set_new(o, "stressors", st ? st : json_array());
	if (pr->c.reaped && WIFEXITED(pr->c.status))
		json_object_set_new(o, "exit_status",
				    json_integer(WEXITSTATUS(pr->c.status)));
	else if (pr->c.reaped && WIFSIGNALED(pr->c.status))
		json_object_set_new(o, "exit_status",
				    json_integer(128 + WTERMSIG(pr->c.status)));
	else
		json_object_set_new(o, "exit_status", json_null());
	json_object_set_new(o, "oom_killed", json_boolean(oom_killed));
	return o;
}

void pressure_free(struct pressure *pr)
{
	free(pr->yaml_path);
	free(pr->log_path);
	pr->yaml_path = pr->log_path = NULL;
}
