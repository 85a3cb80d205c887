// SPDX-License-Identifier: GPL-2.0
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int trace_symbol_range(const char *kallsyms, const char *symbol,
		       uint64_t *start, uint64_t *size)
{
	const char *p = kallsyms;
	uint64_t addr = 0, next = UINT64_MAX;
	bool found = false;

	/* the symbol's size: up to the next text symbol above it */
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[300], type, name[256];
		unsigned long long a;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (sscanf(line, "%llx %c %255s", &a, &type, name) == 3 &&
			    (type == 't' || type == 'T')) {
				if (!found && !strcmp(name, symbol)) {
					addr = a;
					found = true;
				}
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!found)
		return -ENOENT;
	if (!addr)
		return -EPERM;
	for (p = kallsyms; *p;) {
		const char *nl = strchr(p, '\n');
		unsigned long long a;
		char type;

		if (sscanf(p, "%llx %c", &a, &type) == 2 &&
		    (type == 't' || type == 'T') && a > addr && a < next)
			next = a;
		if (!nl)
			break;
		p = nl + 1;
	}
	*start = addr;
	*size = next == UINT64_MAX ? 4096 : next - addr;
	return 0;
}

bool trace_scope_hook(const struct sc_inject *in)
{
	return in->id == INJ_PAGE_ALLOC && in->scope == SC_SCOPE_MODULE &&
	       !strcmp(in->target, "labyrinth");
}

/*
 * The function the override() goes on: the injector's hook, except for
 * page allocations of the labyrinth module itself: its own injection
 * point (LAB_INJECT_HOOK, same arguments), which the module counts as
 * injected; overriding the kernel's should_fail_alloc_page() would fail
 * them unseen.
 */
static const char *scope_probe(const struct sc_inject *in)
{
	return trace_scope_hook(in) ? LAB_INJECT_HOOK : injectors[in->id].hook;
}

char *trace_scope_program(const struct sc_inject *in, uint64_t start,
			  uint64_t size, char *err, size_t errlen)
{
	const struct injector *inj = &injectors[in->id];
	char *buf = NULL, filter[200], order[64] = "";
	size_t len = 0;
	unsigned long long ppm = (unsigned long long)(in->probability * 1000 +
						       0.5);
	FILE *f;

	if (!start || !size) {
		snprintf(err, errlen, "no address range to scope injection to");
		return NULL;
	}
	if (in->cache_filter) {
		snprintf(err, errlen, "[%s] cache_filter with scope = %s: the "
			 "test kernel has no BTF, so bpftrace cannot read the "
			 "cache name; use scope = system for per-cache "
			 "injection", inj->name,
			 vocab_str(&vocab_scope, in->scope));
		return NULL;
	}
	f = open_memstream(&buf, &len);
	fprintf(f, "// Generated by labyrinth: %s scoped to %s:%s,\n"
		"// text 0x%llx..0x%llx. An allocation fails (with the "
		"scenario's\n// probability/interval/times) only when a return "
		"address in that\n// range is among the %d innermost words of "
		"the kernel stack:\n// the caller chain passes through the "
		"target. Works in IRQ\n// context (the scan starts on the IRQ "
		"stack), unlike task-filter.\n\n",
		inj->name, vocab_str(&vocab_scope, in->scope), in->target,
		(unsigned long long)start,
		(unsigned long long)(start + size), TRACE_SCAN_WORDS);
	fprintf(f, "BEGIN\n{\n\tprintf(\"%s\\n\");\n}\n\n", TRACE_READY_MARK);
	/* 0x400: __GFP_DIRECT_RECLAIM, what ignore-gfp-wait spares */
	if (inj->hook_order_arg >= 0)
		snprintf(order, sizeof(order), "arg%d >= %llu",
			 inj->hook_order_arg,
			 (unsigned long long)in->min_order);
	if (in->ignore_gfp_wait)
		snprintf(filter, sizeof(filter), "\n/%s%s!(arg%d & 0x400)/",
			 order, order[0] ? " && " : "", inj->hook_gfp_arg);
	else if (order[0])
		snprintf(filter, sizeof(filter), "\n/%s/", order);
	else
		filter[0] = '\0';
	fprintf(f, "kprobe:%s%s\n{\n", scope_probe(in), filter);
	/* the address is written as the int64 it wraps to: bpftrace reads
	 * literals as signed; the unsigned difference does the range test */
	fprintf(f, "\t$sp = (uint64)reg(\"sp\");\n\t$hit = 0;\n"
		"\t$i = (uint64)0;\n\tunroll(%d) {\n"
		"\t\t$v = *(uint64 *)($sp + $i * 8);\n"
		"\t\tif ($v - (uint64)%lld < (uint64)%llu) {\n"
		"\t\t\t$hit = 1;\n\t\t}\n\t\t$i = $i + 1;\n\t}\n"
		"\tif ($hit) {\n\t@calls = @calls + 1;\n", TRACE_SCAN_WORDS,
		(long long)start, (unsigned long long)size);
	/* nested ifs, each present only when its knob restricts anything */
	if (in->interval > 1)
		fprintf(f, "\tif (@calls %% %llu == 0) {\n",
			(unsigned long long)in->interval);
	if (ppm < 100000)
		fprintf(f, "\tif (rand %% 100000 < %llu) {\n", ppm);
	if (in->times != SC_UNLIMITED)
		fprintf(f, "\tif (@injected < %lld) {\n", in->times);
	fprintf(f, "\t\t@injected = @injected + 1;\n\t\toverride(%s);\n",
		inj->hook_fail);
	if (in->times != SC_UNLIMITED)
		fprintf(f, "\t}\n");
	if (ppm < 100000)
		fprintf(f, "\t}\n");
	if (in->interval > 1)
		fprintf(f, "\t}\n");
	fprintf(f, "\t}\n}\n");
	fclose(f);
	return buf;
}
