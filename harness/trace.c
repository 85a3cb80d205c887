// SPDX-License-Identifier: GPL-2.0
#include "trace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uapi/labyrinth.h"
#include "util.h"


int trace_start(struct tracer *t, const char *name, const char *script,
		bool unsafe, const char *dir, char *err, size_t errlen)
{
	char *argv[8];
	int n = 0, r;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->out_path = xasprintf("%s/bpftrace-%s.json", dir, name);
	t->err_path = xasprintf("%s/bpftrace-%s.err", dir, name);
	argv[n++] = "bpftrace";
	argv[n++] = "-f";
	argv[n++] = "json";
	if (unsafe)
		argv[n++] = "--unsafe";
	argv[n++] = (char *)script;
	argv[n] = NULL;
	r = child_spawn(&t->c, t->name, argv, t->out_path, t->err_path);
	if (r) {
		snprintf(err, errlen, "cannot start bpftrace for %s: %s%s",
			 name, strerror(-r), r == -ENOENT ?
			 " (install it: apt-get install bpftrace)" : "");
		return r;
	}
	t->started = true;
	return 0;
}

/* Probes bpftrace announced ({"type": "attached_probes", "data":
 * {"probes": N}}), or -1 before it printed that line. */
static long announced_probes(const char *text)
{
	const char *p = strstr(text, "\"attached_probes\"");

	p = p ? strstr(p, "\"probes\":") : NULL;
	return p ? strtol(p + strlen("\"probes\":"), NULL, 10) : -1;
}

/* File descriptors of PID that hold an attached probe: a perf event
 * (kprobe, uprobe, tracepoint, BEGIN/END) or a BPF link. */
static long probe_fds(pid_t pid)
{
	char dir[64], path[64 + sizeof(((struct dirent *)0)->d_name)];
	char link[64];
	struct dirent *de;
	long n = 0;
	ssize_t len;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		n += !strcmp(link, "anon_inode:[perf_event]") ||
		     !strcmp(link, "anon_inode:bpf_link");
	}
	closedir(d);
	return n;
}

/*
 * bpftrace prints "attached_probes" before it attaches them, so that line
 * alone does not say the probes are in: attaching a kprobe patches the
 * function's text, and the engines must not start (nor the run's clock)
 * until every probe sees them. Ready once bpftrace holds at least as many
 * probe file descriptors as it announced probes (one or more each).
 */
bool trace_ready(struct tracer *t)
{
	char *text;
	long want;

	if (t->ready)
		return true;
	if (!t->started || !t->c.pid || read_file(t->out_path, &text, NULL))
		return false;
	want = announced_probes(text);
	free(text);
	t->ready = want > 0 && probe_fds(t->c.pid) >= want;
	return t->ready;
}

bool trace_failed(struct tracer *t, char *err, size_t errlen)
{
	char *text, *last, *p;

	if (!t->started || !child_poll(&t->c))
		return false;
	if (read_file(t->err_path, &text, NULL)) {
		snprintf(err, errlen, "bpftrace (%s) exited", t->name);
		return true;
	}
	/* the last non-empty line says why */
	for (p = text + strlen(text); p > text && isspace((unsigned char)
							  p[-1]); p--)
		p[-1] = '\0';
	last = strrchr(text, '\n');
	last = last ? last + 1 : text;
	snprintf(err, errlen, "bpftrace (%s) exited: %s (see %s)", t->name,
		 *last ? last : "no message", t->err_path);
	free(text);
	return true;
}

void trace_stop(struct tracer *t)
{
	if (!t->started)
		return;
	/* bpftrace prints its maps on SIGINT; under TCG that can take
	 * several seconds with many probes to detach */
	child_stop(&t->c, SIGINT, 30.0);
}

void trace_free(struct tracer *t)
{
	free(t->out_path);
	free(t->err_path);
	t->out_path = t->err_path = NULL;
}

json_t *trace_parse_output(const char *text, char *err, size_t errlen)
{
	json_t *out = json_object(), *maps = json_object(),
	       *hists = json_object(), *events = json_array();
	long long printfs = 0, other = 0, parsed = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		json_error_t je;
		json_t *o = len ? json_loadb(p, len, 0, &je) : NULL;
		const char *type;
		json_t *data;

		if (!len)
			goto next;
		if (!o || !json_is_object(o)) {
			other++;
			json_decref(o);
			goto next;
		}
		parsed++;
		type = json_string_value(json_object_get(o, "type"));
		data = json_object_get(o, "data");
		if (type && (!strcmp(type, "map") || !strcmp(type, "hist") ||
			     !strcmp(type, "stats")) && json_is_object(data)) {
			const char *k;
			json_t *v;

			json_object_foreach(data, k, v)
				json_object_set(!strcmp(type, "hist") ? hists :
						maps, k[0] == '@' ? k + 1 : k,
						v);
		} else if (type && !strcmp(type, "printf")) {
			const char *s = json_string_value(data);

			printfs++;
			if (s && json_array_size(events) < 100) {
				char *copy = xstrdup(s);
				size_t l = strlen(copy);

				while (l && copy[l - 1] == '\n')
					copy[--l] = '\0';
				json_array_append_new(events,
						      json_string(copy));
				free(copy);
			}
		}
		json_decref(o);
next:
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!parsed) {
		snprintf(err, errlen, "no bpftrace JSON output (%lld other "
			 "lines)", other);
		json_decref(out);
		json_decref(maps);
		json_decref(hists);
		json_decref(events);
		return NULL;
	}
	json_object_set_new(out, "maps", maps);
	json_object_set_new(out, "hists", hists);
	json_object_set_new(out, "printf_lines", json_integer(printfs));
	json_object_set_new(out, "events", events);
	json_object_set_new(out, "other_lines", json_integer(other));
	return out;
}

int trace_module_range(const char *proc_modules, const char *module,
		       uint64_t *start, uint64_t *size)
{
	const char *p = proc_modules;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], name[80];
		unsigned long long sz, addr;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			/* "name size refs deps state 0xaddr" */
			if (sscanf(line, "%79s %llu %*s %*s %*s %llx", name, &sz,
				   &addr) == 3 && !strcmp(name, module)) {
				if (!addr)
					return -EPERM;	/* addresses hidden */
				*start = addr;
				*size = sz;
				return 0;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return -ENOENT;
}
