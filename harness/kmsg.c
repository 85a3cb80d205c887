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

int kmsg_open(struct kmsg *k, const char *path, const char *save_path,
	      double t0)
{
	memset(k, 0, sizeof(*k));
	k->t0 = t0;
	k->messages = json_array();
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
	const char *kind;
	bool splat;
	size_t n;
	double t;
	char *p;

	if (kmsg_parse_record(rec, &level, &seq, &ts, &text))
		return;
	n = strcspn(text, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, text, n);
	line[n] = '\0';
	/* JSON strings must be UTF-8: keep ASCII, mask the rest */
	for (p = line; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	t = (double)ts / 1e6 - k->t0;
	if (k->save)
		fprintf(k->save, "[%12.6f] %s\n", (double)ts / 1e6, line);
	kind = kmsg_kind(line, &splat);
	if (!kind)
		return;
	if (!strcmp(kind, "alloc-failure"))
		k->alloc_failures++;
	if (splat) {
		if (!k->splats)
			snprintf(k->first_splat, sizeof(k->first_splat),
				 "%.255s", line);
		k->splats++;
	}
	if (strstr(line, "Killed process ")) {
		struct kmsg_oom o;

		if (!kmsg_parse_oom_kill(line, &o)) {
			o.t_s = t;
			k->ooms = xrealloc(k->ooms,
					   (k->nooms + 1) * sizeof(*k->ooms));
			k->ooms[k->nooms++] = o;
		}
	}
	if (json_array_size(k->messages) >= KMSG_KEEP_MAX) {
		k->dropped++;
		return;
	}
	{
		json_t *m = json_object();

		json_object_set_new(m, "t_s", json_real(t));
		json_object_set_new(m, "kind", json_string(kind));
		json_object_set_new(m, "text", json_string(line));
		json_array_append_new(k->messages, m);
	}
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
	json_decref(k->messages);
	free(k->ooms);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}
