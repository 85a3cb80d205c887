// SPDX-License-Identifier: GPL-2.0
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ___GFP_DIRECT_RECLAIM in 6.1 (include/linux/gfp_types.h) */
#define GFP_DIRECT_RECLAIM_BIT 0x400
#define MAX_SCOPE_FUNCS 400

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

bool trace_ready(struct tracer *t)
{
	char *text;

	if (t->ready)
		return true;
	if (!t->started || read_file(t->out_path, &text, NULL))
		return false;
	t->ready = strstr(text, TRACE_READY_MARK) ||
		   strstr(text, "\"attached_probes\"");
	free(text);
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
			if (s && json_array_size(events) < 100 &&
			    !strstr(s, TRACE_READY_MARK)) {
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

size_t trace_module_functions(const char *kallsyms, const char *module,
			      char ***out)
{
	char **v = NULL, tag[80];
	const char *p = kallsyms;
	size_t n = 0;

	snprintf(tag, sizeof(tag), "[%s]", module);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[300], type, name[256], mod[80];

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (sscanf(line, "%*s %c %255s %79s", &type, name,
				   mod) == 3 &&
			    (type == 't' || type == 'T') &&
			    !strcmp(mod, tag) &&
			    /* compiler clones (.cold, .isra) are not
			     * probe-able entry points */
			    !strchr(name, '.') &&
			    strncmp(name, "__pfx_", 6)) {
				v = xrealloc(v, (n + 1) * sizeof(*v));
				v[n++] = xstrdup(name);
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*out = v;
	return n;
}

void trace_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

char *trace_scope_program(const struct sc_inject *in, bool slab,
			  char *const *funcs, size_t nfuncs, char *err,
			  size_t errlen)
{
	char *buf = NULL, filter[200];
	size_t len = 0, i;
	unsigned long long ppm = (unsigned long long)(in->probability * 1000 +
						       0.5);
	FILE *f;

	if (!nfuncs) {
		snprintf(err, errlen, "no functions to scope injection to%s%s",
			 in->scope == SC_SCOPE_MODULE ? ": is module " : "",
			 in->scope == SC_SCOPE_MODULE ? in->target : "");
		return NULL;
	}
	if (nfuncs > MAX_SCOPE_FUNCS) {
		snprintf(err, errlen, "%zu functions in module %s: too many "
			 "probes (at most %d); aim at one with scope = "
			 "function:SYMBOL", nfuncs, in->target,
			 MAX_SCOPE_FUNCS);
		return NULL;
	}
	if (slab && in->cache_filter) {
		snprintf(err, errlen, "[failslab] cache_filter with scope = "
			 "%s: the test kernel has no BTF, so bpftrace cannot "
			 "read the cache name; use scope = system for "
			 "per-cache injection", sc_scope_name(in->scope));
		return NULL;
	}
	for (i = 0; i < nfuncs; i++) {
		const char *s;

		for (s = funcs[i]; *s; s++)
			if (!isalnum((unsigned char)*s) && *s != '_') {
				snprintf(err, errlen, "'%s' is not a function "
					 "name", funcs[i]);
				return NULL;
			}
	}
	f = open_memstream(&buf, &len);
	fprintf(f, "// Generated by labyrinth: %s scoped to %s:%s.\n"
		"// A task (or the IRQ on top of it) inside one of these "
		"functions\n// gets the scenario's injection; nothing else "
		"does.\n\n", slab ? "failslab" : "fail_page_alloc",
		sc_scope_name(in->scope), in->target);
	fprintf(f, "BEGIN\n{\n\tprintf(\"%s\\n\");\n}\n\n", TRACE_READY_MARK);
	for (i = 0; i < nfuncs; i++)
		fprintf(f, "%skprobe:%s", i ? ",\n" : "", funcs[i]);
	fprintf(f, "\n{\n\t@depth[tid] = @depth[tid] + 1;\n}\n\n");
	for (i = 0; i < nfuncs; i++)
		fprintf(f, "%skretprobe:%s", i ? ",\n" : "", funcs[i]);
	fprintf(f, "\n/@depth[tid] > 0/\n{\n\t@depth[tid] = @depth[tid] - 1;"
		"\n}\n\n");

	if (slab)
		snprintf(filter, sizeof(filter), "@depth[tid] > 0%s",
			 in->ignore_gfp_wait ? " && !(arg1 & 0x400)" : "");
	else
		snprintf(filter, sizeof(filter),
			 "@depth[tid] > 0 && arg1 >= %llu%s",
			 (unsigned long long)in->min_order,
			 in->ignore_gfp_wait ? " && !(arg0 & 0x400)" : "");
	fprintf(f, "kprobe:%s\n/%s/\n{\n\t@calls = @calls + 1;\n",
		slab ? "should_failslab" : "should_fail_alloc_page", filter);
	/* nested ifs, each present only when its knob restricts anything */
	if (in->interval > 1)
		fprintf(f, "\tif (@calls %% %llu == 0) {\n",
			(unsigned long long)in->interval);
	if (ppm < 100000)
		fprintf(f, "\tif (rand %% 100000 < %llu) {\n", ppm);
	if (in->times != SC_UNLIMITED)
		fprintf(f, "\tif (@injected < %lld) {\n", in->times);
	fprintf(f, "\t\t@injected = @injected + 1;\n\t\toverride(%s);\n",
		slab ? "-12" : "1");
	if (in->times != SC_UNLIMITED)
		fprintf(f, "\t}\n");
	if (ppm < 100000)
		fprintf(f, "\t}\n");
	if (in->interval > 1)
		fprintf(f, "\t}\n");
	fprintf(f, "}\n\nEND\n{\n\tclear(@depth);\n}\n");
	fclose(f);
	(void)GFP_DIRECT_RECLAIM_BIT;
	return buf;
}
