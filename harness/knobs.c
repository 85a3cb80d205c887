// SPDX-License-Identifier: GPL-2.0
#include "knobs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define STATE_FILE "knobs.json"
#define LOCK_FILE "lock"

static char *full(const struct knobs *k, const char *path)
{
	return xasprintf("%s%s", k->root, path);
}

static void strip_nl(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int knobs_read(const struct knobs *k, const char *path, char **value)
{
	char *p = full(k, path);
	int r = read_file(p, value, NULL);

	free(p);
	if (!r)
		strip_nl(*value);
	return r;
}

bool knobs_exists(const struct knobs *k, const char *path)
{
	char *p = full(k, path);
	bool ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

int knobs_open(struct knobs *k, const char *root, const char *state_dir,
	       char *err, size_t errlen)
{
	char *lock;
	int r;

	memset(k, 0, sizeof(*k));
	k->lock_fd = -1;
	k->root = xstrdup(root ? root : "");
	k->state_dir = xstrdup(state_dir ? state_dir : KNOBS_STATE_DIR);
	k->state_path = xasprintf("%s/%s", k->state_dir, STATE_FILE);
	r = mkdir_p(k->state_dir, 0700);
	if (r) {
		snprintf(err, errlen, "cannot create the knob state directory "
			 "%s: %s", k->state_dir, strerror(-r));
		return r;
	}
	lock = xasprintf("%s/%s", k->state_dir, LOCK_FILE);
	k->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (k->lock_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", lock, strerror(-r));
		free(lock);
		return r;
	}
	if (flock(k->lock_fd, LOCK_EX | LOCK_NB)) {
		char buf[32] = "";
		ssize_t n = pread(k->lock_fd, buf, sizeof(buf) - 1, 0);

		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (n > 0)
			buf[n] = '\0';
		strip_nl(buf);
		snprintf(err, errlen, "another labyrinth run (pid %s) holds "
			 "the kernel knobs (lock %s): wait for it to finish, or "
			 "stop it", buf[0] ? buf : "unknown", lock);
		free(lock);
		close(k->lock_fd);
		k->lock_fd = -1;
		return r;
	}
	if (ftruncate(k->lock_fd, 0) == 0)
		dprintf(k->lock_fd, "%d\n", (int)getpid());
	free(lock);
	return 0;
}

void knobs_close(struct knobs *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->v[i].path);
		free(k->v[i].saved);
	}
	free(k->v);
	if (k->lock_fd >= 0)
		close(k->lock_fd);	/* drops the flock */
	free(k->root);
	free(k->state_dir);
	free(k->state_path);
	memset(k, 0, sizeof(*k));
	k->lock_fd = -1;
}

/* The state file, rewritten whole (atomically) whenever a knob is added. */
static int save_state(struct knobs *k, char *err, size_t errlen)
{
	json_t *o = json_object(), *arr = json_array();
	char *text;
	size_t i;
	int r;

	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "saved_at", json_real(now_wall()));
	json_object_set_new(o, "root", json_string(k->root));
	for (i = 0; i < k->n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "path", json_string(k->v[i].path));
		json_object_set_new(e, "saved", json_string(k->v[i].saved));
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "knobs", arr);
	text = json_dumps(o, JSON_INDENT(1));
	json_decref(o);
	if (!text) {
		snprintf(err, errlen, "internal: cannot encode knob state");
		return -ENOMEM;
	}
	r = write_file_atomic(k->state_path, text, strlen(text));
	free(text);
	if (r)
		snprintf(err, errlen, "cannot write the knob state file %s: "
			 "%s (refusing to change knobs it could not restore)",
			 k->state_path, strerror(-r));
	return r;
}

static int write_knob(const struct knobs *k, const char *path,
		      const char *value)
{
	char *p = full(k, path);
	int fd, r = 0;
	size_t len = strlen(value);
	ssize_t n;

	/* no O_CREAT: a knob is a kernel file that must exist (O_TRUNC is
	 * what a shell's '>' does, harmless on sysfs and needed on the
	 * plain files of a test tree) */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	n = write(fd, value, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) && !r)
		r = -errno;
out:
	free(p);
	return r;
}

int knobs_set(struct knobs *k, const char *path, const char *value,
	      char *err, size_t errlen)
{
	size_t i;
	int r;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].path, path))
			break;
	if (i == k->n) {
		char *old;

		r = knobs_read(k, path, &old);
		if (r) {
			snprintf(err, errlen, "cannot read %s%s: %s%s", k->root,
				 path, strerror(-r), r == -ENOENT ?
				 " (is the kernel built with it, and debugfs "
				 "mounted?)" : r == -EACCES ? " (run as root)" :
				 "");
			return r;
		}
		k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
		k->v[k->n].path = xstrdup(path);
		k->v[k->n].saved = old;
		k->n++;
		r = save_state(k, err, errlen);
		if (r) {
			k->n--;
			free(k->v[k->n].path);
			free(k->v[k->n].saved);
			return r;
		}
	}
	r = write_knob(k, path, value);
	if (r)
		snprintf(err, errlen, "cannot write '%s' to %s%s: %s", value,
			 k->root, path, strerror(-r));
	return r;
}

int knobs_restore(struct knobs *k, char *err, size_t errlen)
{
	int first = 0;
	size_t i;

	for (i = k->n; i-- > 0;) {
		int r = write_knob(k, k->v[i].path, k->v[i].saved);

		if (r == -ENOENT) {
			/* a module's debugfs dir went with the module */
			lab_debug("knob %s gone, nothing to restore",
				  k->v[i].path);
			r = 0;
		}
		if (r && !first) {
			first = r;
			snprintf(err, errlen, "cannot restore %s%s to '%s': %s",
				 k->root, k->v[i].path, k->v[i].saved,
				 strerror(-r));
		}
	}
	if (!first) {
		for (i = 0; i < k->n; i++) {
			free(k->v[i].path);
			free(k->v[i].saved);
		}
		k->n = 0;
		if (unlink(k->state_path) && errno != ENOENT) {
			first = -errno;
			snprintf(err, errlen, "cannot remove %s: %s",
				 k->state_path, strerror(errno));
		}
	}
	return first;
}

int knobs_recover(struct knobs *k, char *msg, size_t msglen, char *err,
		  size_t errlen)
{
	json_error_t jerr;
	json_t *o, *arr, *e;
	size_t i, n = 0;
	long long pid;
	int r;

	if (msg && msglen)
		msg[0] = '\0';
	if (access(k->state_path, F_OK))
		return 0;
	o = json_load_file(k->state_path, 0, &jerr);
	if (!o) {
		/* written atomically, so this is not a torn write */
		snprintf(err, errlen, "knob state file %s is not valid (%s, "
			 "line %d): restore the knobs by hand, then remove it",
			 k->state_path, jerr.text, jerr.line);
		return -EINVAL;
	}
	arr = json_object_get(o, "knobs");
	pid = json_integer_value(json_object_get(o, "pid"));
	if (!json_is_array(arr)) {
		json_decref(o);
		snprintf(err, errlen, "knob state file %s has no 'knobs' list: "
			 "restore by hand, then remove it", k->state_path);
		return -EINVAL;
	}
	json_array_foreach(arr, i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *saved = json_string_value(json_object_get(e,
								      "saved"));

		if (!path || !saved) {
			json_decref(o);
			snprintf(err, errlen, "knob state file %s: entry %zu "
				 "lacks path/saved", k->state_path, i);
			return -EINVAL;
		}
		k->v = xrealloc(k->v, (k->n + 1) * sizeof(*k->v));
		k->v[k->n].path = xstrdup(path);
		k->v[k->n].saved = xstrdup(saved);
		k->n++;
		n++;
	}
	json_decref(o);
	r = knobs_restore(k, err, errlen);
	if (r)
		return r;
	if (msg)
		snprintf(msg, msglen, "restored %zu kernel knob%s left changed "
			 "by an earlier run (pid %lld) that did not finish "
			 "(killed or crashed)", n, n == 1 ? "" : "s", pid);
	return (int)n;
}

/* ---- sysctls ------------------------------------------------------------ */

int knobs_apply_sysctls(struct knobs *k, const struct sc_kernel *kn,
			char *err, size_t errlen)
{
	struct sc_write w[16];
	size_t n = sc_sysctl_writes(kn, w, ARRAY_SIZE(w)), i;

	for (i = 0; i < n; i++)
		if (knobs_set(k, w[i].path, w[i].value, err, errlen))
			return -1;
	return 0;
}
