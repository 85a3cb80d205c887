// SPDX-License-Identifier: GPL-2.0
/*
 * The driver under test: load, set up, drive, check, unload (target.h).
 */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "vm_kernel.h"

int target_modinfo(const char *data, size_t len, const char *key, char *out,
		   size_t outlen)
{
	size_t klen = strlen(key);
	const char *p = data, *end = data + len;

	/* .modinfo holds NUL-terminated "key=value" records; anywhere in
	 * the file, a record starts after a NUL */
	while (p < end && (p = memmem(p, (size_t)(end - p), key, klen))) {
		const char *v = p + klen;
		size_t n;

		if ((p > data && p[-1] != '\0') || v >= end || *v != '=') {
			p++;
			continue;
		}
		v++;
		n = strnlen(v, (size_t)(end - v));
		if (n >= outlen)
			return -1;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

void target_vermagic_release(const char *vermagic, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(vermagic, " "), vermagic);
}

/* name=, vermagic=, srcversion= of a .ko; -1 when it is not a module. */
static int read_modinfo(struct target_module *m, char *err, size_t errlen)
{
	char *buf;
	size_t len;

	if (read_file(m->path, &buf, &len)) {
		snprintf(err, errlen, "--module %s: %s", m->path,
			 strerror(errno));
		return -1;
	}
	if (len < 4 || memcmp(buf, "\177ELF", 4) ||
	    target_modinfo(buf, len, "vermagic", m->vermagic,
			   sizeof(m->vermagic))) {
		snprintf(err, errlen, "--module %s: not a kernel module (no "
			 "ELF .modinfo with a vermagic)", m->path);
		free(buf);
		return -1;
	}
	if (target_modinfo(buf, len, "name", m->name, sizeof(m->name))) {
		/* older kernels: the file's name, '-' read as '_' */
		char *b = xstrdup(m->path), *base = basename(b), *c;

		snprintf(m->name, sizeof(m->name), "%.*s",
			 (int)strcspn(base, "."), base);
		for (c = m->name; *c; c++)
			if (*c == '-')
				*c = '_';
		free(b);
	}
	if (target_modinfo(buf, len, "srcversion", m->srcversion,
			   sizeof(m->srcversion)))
		m->srcversion[0] = '\0';
	free(buf);
	return 0;
}

int target_add_module(struct target *t, const char *spec,
		      const char *base_dir, char *err, size_t errlen)
{
	struct target_module *m;
	size_t n = strcspn(spec, " \t");
	const char *params = spec + n;

	if (t->nmod == TARGET_MAX_MODULES) {
		snprintf(err, errlen, "--module %s: at most %d modules", spec,
			 TARGET_MAX_MODULES);
		return -1;
	}
	if (!n) {
		snprintf(err, errlen, "--module '%s': expected 'PATH.ko "
			 "[param=value ...]'", spec);
		return -1;
	}
	m = &t->mod[t->nmod];
	memset(m, 0, sizeof(*m));
	if (spec[0] != '/' && base_dir)
		m->path = xasprintf("%s/%.*s", base_dir, (int)n, spec);
	else
		m->path = xasprintf("%.*s", (int)n, spec);
	params += strspn(params, " \t");
	m->params = xstrdup(params);
	if (read_modinfo(m, err, errlen)) {
		free(m->path);
		free(m->params);
		return -1;
	}
	t->nmod++;
	return 0;
}

int target_from_scenario(struct target *t, const struct scenario *sc,
			 char *err, size_t errlen)
{
	const struct sc_target *st = &sc->target;
	char *spec, *file, *dir;
	int ret = 0;

	/* not st->present: --set target.KEY=VALUE without a [target] */
	if (st->module[0]) {
		file = xstrdup(sc->file ? sc->file : ".");
		dir = dirname(file);
		spec = xasprintf("%s %s", st->module, st->params);
		ret = target_add_module(t, spec, dir, err, errlen);
		free(spec);
		free(file);
	}
	t->setup.cmd = st->setup[0] ? st->setup : NULL;
	t->workload.cmd = st->workload[0] ? st->workload : NULL;
	t->check.cmd = st->check[0] ? st->check : NULL;
	return ret;
}

bool target_present(const struct target *t)
{
	return t->nmod || t->setup.cmd || t->workload.cmd || t->check.cmd;
}

static unsigned long kernel_tainted(void)
{
	char *buf;
	unsigned long v = 0;

	if (read_file("/proc/sys/kernel/tainted", &buf, NULL) == 0) {
		v = strtoul(buf, NULL, 10);
		free(buf);
	}
	return v;
}

/* One module: the kernel it was built for first, then finit_module. */
static int load_one(struct target_module *m)
{
	char rel[128];
	struct utsname u;
	unsigned long before = kernel_tainted();
	char *p, *buf;
	int fd, ret;

	target_vermagic_release(m->vermagic, rel, sizeof(rel));
	if (uname(&u) == 0 && strcmp(rel, u.release)) {
		const struct vm_kernel *k = vm_kernel_for_release(u.release);
		bool other = k && strcmp(k->name, VM_KVER_DEFAULT);

		lab_err("loading %s: built for kernel %s (vermagic '%s'), but "
			"this kernel is %s: rebuild it against this kernel "
			"(make -C $(make -s kdir%s%s) M=$PWD)", m->path, rel,
			m->vermagic, u.release, other ? " KVER=" : "",
			other ? k->name : "");
		return -ENOEXEC;
	}
	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lab_err("loading %s: %s", m->path, strerror(errno));
		return -errno;
	}
	ret = syscall(SYS_finit_module, fd, m->params, 0) ? -errno : 0;
	close(fd);
	if (ret) {
		lab_err("loading %s%s%s: %s%s", m->path, *m->params ? " " : "",
			m->params, strerror(-ret), ret == -EEXIST ?
			" (a module of that name is loaded already: rmmod it "
			"first)" : ret == -ENOENT ? " (unknown symbols: built "
			"for another kernel configuration; see dmesg)" :
			" (see dmesg: a bad parameter, or its init failed)");
		return ret;
	}
	m->loaded = true;
	m->kernel_taint_added = kernel_tainted() & ~before;
	p = xasprintf("/sys/module/%s/taint", m->name);
	if (read_file(p, &buf, NULL) == 0) {
		snprintf(m->taint, sizeof(m->taint), "%.*s",
			 (int)strcspn(buf, "\n"), buf);
		free(buf);
	}
	free(p);
	return 0;
}

/* sh -c CMD, output appended to DIR/target.log; the wait status. */
static int run_cmd(struct target *t, struct target_cmd *c, const char *what)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)c->cmd, NULL };
	char *log = xasprintf("%s/target-%s.log", t->dir, what);
	struct child ch = { 0 };
	int ret = child_spawn(&ch, what, argv, log, log);

	free(log);
	c->ran = true;
	if (ret) {
		c->status = 127 << 8;
		return c->status;
	}
	/* a step that never ends is stopped: 5 minutes */
	c->status = child_stop(&ch, 0, 300.0);
	return c->status;
}

int target_start(struct target *t, const char *dir)
{
	char st[64];
	size_t i;

	t->dir = xstrdup(dir);
	for (i = 0; i < t->nmod; i++)
		if (load_one(&t->mod[i]))
			return LAB_EXIT_TARGET_LOAD;
	if (t->setup.cmd && run_cmd(t, &t->setup, "setup")) {
		child_describe(t->setup.status, st, sizeof(st));
		lab_err("[target] setup '%s': %s (its output: %s/"
			"target-setup.log)", t->setup.cmd, st, dir);
		return LAB_EXIT_TARGET_SETUP;
	}
	t->started = true;
	return 0;
}

int target_workload_start(struct target *t)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)t->workload.cmd, NULL };
	char *log;
	int ret;

	if (!t->workload.cmd)
		return 0;
	log = xasprintf("%s/target-workload.log", t->dir);
	ret = child_spawn(&t->wl, "workload", argv, log, log);
	free(log);
	t->workload.ran = ret == 0;
	return ret;
}

static int unload_one(struct target_module *m)
{
	int i;

	/* O_NONBLOCK: a module still in use says EBUSY, never blocks; a
	 * driver's release path may need a moment after its users exit */
	for (i = 0; i < 20; i++) {
		if (syscall(SYS_delete_module, m->name, O_NONBLOCK) == 0) {
			m->unloaded = true;
			return 0;
		}
		if (errno != EBUSY && errno != EAGAIN)
			break;
		usleep(100 * 1000);
	}
	snprintf(m->unload_error, sizeof(m->unload_error), "%s",
		 strerror(errno));
	lab_err("unloading %s (%s): %s%s", m->name, m->path, strerror(errno),
		errno == EBUSY || errno == EAGAIN ? ": still in use after 2 s "
		"(a reference it never dropped?)" : "");
	return -1;
}

int target_finish(struct target *t)
{
	int ret = LAB_EXIT_OK;
	char st[64];
	size_t i;

	if (t->wl.pid && !t->wl.reaped)
		t->workload.status = child_stop(&t->wl, SIGTERM, 2.0);
	if (t->check.cmd && !t->check.ran && t->started &&
	    run_cmd(t, &t->check, "check")) {
		child_describe(t->check.status, st, sizeof(st));
		lab_err("[target] check '%s': %s (its output: %s/"
			"target-check.log)", t->check.cmd, st, t->dir);
		ret = LAB_EXIT_TARGET_CHECK;
	}
	for (i = t->nmod; i-- > 0;) {
		struct target_module *m = &t->mod[i];

		if (m->loaded && !m->unloaded && !m->unload_error[0] &&
		    unload_one(m) && ret == LAB_EXIT_OK)
			ret = LAB_EXIT_TARGET_UNLOAD;
	}
	return ret;
}

void target_free(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nmod; i++) {
		free(t->mod[i].path);
		free(t->mod[i].params);
	}
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

static json_t *cmd_json(const struct target_cmd *c)
{
	char st[64];
	json_t *o;

	if (!c->cmd)
		return json_null();
	o = json_object();
	json_object_set_new(o, "command", json_string(c->cmd));
	json_object_set_new(o, "ran", json_boolean(c->ran));
	if (c->ran) {
		child_describe(c->status, st, sizeof(st));
		json_object_set_new(o, "status", json_string(st));
		json_object_set_new(o, "ok", json_boolean(
			WIFEXITED(c->status) && !WEXITSTATUS(c->status)));
	}
	return o;
}

json_t *target_json(const struct target *t)
{
	json_t *o, *mods;
	size_t i;

	if (!target_present(t))
		return NULL;
	o = json_object();
	mods = json_array();
	for (i = 0; i < t->nmod; i++) {
		const struct target_module *m = &t->mod[i];
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(m->name));
		json_object_set_new(j, "path", json_string(m->path));
		json_object_set_new(j, "params", json_string(m->params));
		json_object_set_new(j, "vermagic", json_string(m->vermagic));
		json_object_set_new(j, "srcversion", m->srcversion[0] ?
				    json_string(m->srcversion) : json_null());
		json_object_set_new(j, "loaded", json_boolean(m->loaded));
		json_object_set_new(j, "taint", json_string(m->taint));
		json_object_set_new(j, "kernel_taint_added", json_integer(
			(json_int_t)m->kernel_taint_added));
		json_object_set_new(j, "unloaded", json_boolean(m->unloaded));
		json_object_set_new(j, "unload_error", m->unload_error[0] ?
				    json_string(m->unload_error) : json_null());
		json_array_append_new(mods, j);
	}
	json_object_set_new(o, "modules", mods);
	json_object_set_new(o, "setup", cmd_json(&t->setup));
	json_object_set_new(o, "workload", cmd_json(&t->workload));
	json_object_set_new(o, "check", cmd_json(&t->check));
	return o;
}
