// SPDX-License-Identifier: GPL-2.0
#include "kmsg.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm_console.h"
#include "util.h"

int kmsg_parse_record(const char *rec, unsigned int *level,
		      unsigned long long *seq, unsigned long long *ts_usec,
		      const char **text)
{
	unsigned int pri;
	int n = 0;

	if (sscanf(rec, "%u,%llu,%llu,%n", &pri, seq, ts_usec, &n) != 3 || !n)
		return -EINVAL;
	rec = strchr(rec + n, ';');
	if (!rec)
		return -EINVAL;
	*level = pri & 7;
	*text = rec + 1;
	return 0;
}

int kmsg_parse_oom_kill(const char *text, struct kmsg_oom *o)
{
	const char *p = strstr(text, "Killed process ");
	const char *q;
	size_t n;

	memset(o, 0, sizeof(*o));
	if (!p)
		return -EINVAL;
	p += strlen("Killed process ");
	if (sscanf(p, "%d", &o->pid) != 1)
		return -EINVAL;
	p = strchr(p, '(');
	q = p ? strrchr(p, ')') : NULL;
	if (!p || !q)
		return -EINVAL;
	n = (size_t)(q - p - 1);
	if (n >= sizeof(o->comm))
		n = sizeof(o->comm) - 1;
	memcpy(o->comm, p + 1, n);
	o->comm[n] = '\0';
	if ((p = strstr(q, "total-vm:")))
		o->total_vm_kb = strtoll(p + 9, NULL, 10);
	if ((p = strstr(q, "anon-rss:")))
		o->anon_rss_kb = strtoll(p + 9, NULL, 10);
	if ((p = strstr(q, "oom_score_adj:"))) {
		o->oom_score_adj = (int)strtol(p + 14, NULL, 10);
		o->has_adj = true;
	}
	return 0;
}

const char *kmsg_kind(const char *text, bool *splat)
{
	double t;
	enum console_kind k = console_classify(text, &t);

	*splat = console_kind_is_splat(k);
	return console_report_kind(k);
}

enum console_kind kevents_add(struct kevents *e, double t_s,
			      const char *line)
{
	enum console_kind k = console_classify(line, NULL);
	bool keep_always = k == CON_OOM_KILL || console_kind_is_splat(k);
	struct kevent *ev;
	size_t i;

	if (!console_report_kind(k))
		return k;
	if (k == CON_ALLOC_FAILURE)
		e->nalloc_failures++;
	if (!keep_always && e->n >= KMSG_KEEP_MAX) {
		e->dropped++;
		return k;
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 64;
		e->v = xrealloc(e->v, e->cap * sizeof(*e->v));
	}
	ev = &e->v[e->n++];
	memset(ev, 0, sizeof(*ev));
	ev->t_s = t_s;
	ev->kind = k;
	/* JSON strings must be UTF-8: keep ASCII, mask the rest */
	for (i = 0; line[i] && line[i] != '\n' && i < sizeof(ev->text) - 1;
	     i++)
		ev->text[i] = (unsigned char)line[i] >= 0x80 ||
			      (unsigned char)line[i] < 0x20 ? '?' : line[i];
	if (console_kind_is_splat(k))
		e->nsplats++;
	if (k == CON_OOM_KILL && !kmsg_parse_oom_kill(ev->text, &ev->oom)) {
		ev->oom.t_s = t_s;
		ev->has_oom = true;
		e->nooms++;
	}
	return k;
}

void kevents_from_console(struct kevents *e, const struct console_scan *cs,
			  double t0)
{
	size_t i;

	for (i = 0; i < cs->nev; i++) {
		const struct console_event *c = &cs->ev[i];

		if (c->kind == CON_CMD_START || c->kind == CON_CMD_EXIT ||
		    c->ktime < t0)
			continue;
		kevents_add(e, c->ktime - t0, c->text);
	}
}

const struct kevent *kevents_first(const struct kevents *e,
				   enum console_kind kind)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].kind == kind ||
		    (kind == CON_KIND_MAX &&
		     console_kind_is_splat(e->v[i].kind)))
			return &e->v[i];
	return NULL;
}

void kevents_free(struct kevents *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int kmsg_open(struct kmsg *k, const char *path, const char *save_path,
	      double t0)
{
	memset(k, 0, sizeof(*k));
	k->t0 = t0;
	k->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	/* only what the run causes: start after the last record */
	lseek(k->fd, 0, SEEK_END);
	if (save_path) {
		k->save = fopen(save_path, "we");
		if (!k->save) {
			int e = -errno;

			close(k->fd);
			k->fd = -1;
			return e;
		}
	}
	return 0;
}

void kmsg_feed(struct kmsg *k, const char *rec)
{
	unsigned long long seq, ts;
	unsigned int level;
	const char *text;
	char line[512];
	size_t n;

	if (kmsg_parse_record(rec, &level, &seq, &ts, &text))
		return;
	n = strcspn(text, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, text, n);
	line[n] = '\0';
	if (k->save)
		fprintf(k->save, "[%12.6f] %s\n", (double)ts / 1e6, line);
	kevents_add(&k->ev, (double)ts / 1e6 - k->t0, line);
}

void kmsg_poll(struct kmsg *k)
{
	char buf[8192];

	if (k->fd < 0)
		return;
	for (;;) {
		ssize_t n = read(k->fd, buf, sizeof(buf) - 1);

		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			break;
		buf[n] = '\0';
		kmsg_feed(k, buf);
	}
	if (k->save)
		fflush(k->save);
}

void kmsg_close(struct kmsg *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->save)
		fclose(k->save);
	kevents_free(&k->ev);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}
