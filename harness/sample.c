// SPDX-License-Identifier: GPL-2.0
#include "sample.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "util.h"

static const struct {
	const char *name;
	enum series_kind kind;
	int cumulative;
} cols[COL_MAX] = {
	[COL_FREE] = { "free_pages", SERIES_MODULE, 0 },
	[COL_MIN] = { "min", SERIES_MODULE, 0 },
	[COL_LOW] = { "low", SERIES_MODULE, 0 },
	[COL_HIGH] = { "high", SERIES_MODULE, 0 },
	[COL_BOOST] = { "watermark_boost", SERIES_MODULE, 0 },
	[COL_HELD] = { "pages_held", SERIES_MODULE, 0 },
	[COL_ATTEMPTS] = { "attempts", SERIES_MODULE, 1 },
	[COL_FAIL_GENUINE] = { "failures_genuine", SERIES_MODULE, 1 },
	[COL_FAIL_INJECTED] = { "failures_injected", SERIES_MODULE, 1 },
	[COL_GLOBAL_FREE] = { "global_free_pages", SERIES_MODULE, 0 },
	[COL_HIGHATOMIC] = { "nr_reserved_highatomic", SERIES_MODULE, 0 },
	[COL_LOST] = { "lost", SERIES_MODULE, 0 },
	[COL_RECLAIM] = { "reclaim_pages", SERIES_MODULE, 1 },
	[COL_NR_FREE] = { "nr_free_pages", SERIES_PROC, 0 },
	[COL_OOM_KILL] = { "oom_kill", SERIES_PROC, 1 },
	[COL_ALLOCSTALL] = { "allocstall", SERIES_PROC, 1 },
	[COL_PGSCAN] = { "pgscan", SERIES_PROC, 1 },
	[COL_PGSTEAL] = { "pgsteal", SERIES_PROC, 1 },
	[COL_COMPACT_STALL] = { "compact_stall", SERIES_PROC, 1 },
	[COL_MEM_AVAILABLE_KB] = { "mem_available_kb", SERIES_PROC, 0 },
};

const char *series_col_name(enum series_col c)
{
	return c < COL_MAX ? cols[c].name : "?";
}

enum series_kind series_col_kind(enum series_col c)
{
	return cols[c].kind;
}

int series_col_cumulative(enum series_col c)
{
	return cols[c].cumulative;
}

/* "name value\n" lines; calls fn for each. -EINVAL on a malformed line. */
static int each_kv(const char *text, void (*fn)(void *, const char *,
						size_t, uint64_t), void *arg)
{
	const char *p = text;
	int lines = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *name = p, *q = p;
		size_t nlen;
		uint64_t v = 0;

		while (q < end && !isspace((unsigned char)*q))
			q++;
		nlen = (size_t)(q - name);
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (!nlen || q == end || !isdigit((unsigned char)*q))
			return -EINVAL;
		while (q < end && isdigit((unsigned char)*q)) {
			v = v * 10 + (uint64_t)(*q - '0');
			q++;
		}
		/* meminfo: "MemTotal:  123 kB" */
		while (q < end && (*q == ' ' || *q == 'k' || *q == 'B'))
			q++;
		if (q != end)
			return -EINVAL;
		fn(arg, name, nlen, v);
		lines++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return lines ? 0 : -EINVAL;
}

static bool is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(name, want, len);
}

static bool starts(const char *name, size_t len, const char *pfx)
{
	size_t l = strlen(pfx);

	return len > l && !memcmp(name, pfx, l);
}

static void vmstat_kv(void *arg, const char *name, size_t len, uint64_t v)
{
	struct vmstat *s = arg;

	if (is(name, len, "nr_free_pages")) {
		s->nr_free_pages = v;
		s->found++;
	} else if (is(name, len, "oom_kill")) {
		s->oom_kill = v;
		s->found++;
	} else if (starts(name, len, "allocstall_")) {
		s->allocstall += v;
	} else if (is(name, len, "pgscan_kswapd") ||
		   is(name, len, "pgscan_direct") ||
		   is(name, len, "pgscan_khugepaged") ||
		   is(name, len, "pgscan_proactive")) {
		/* not pgscan_anon/_file: those split the same scans again */
		s->pgscan += v;
	} else if (is(name, len, "pgsteal_kswapd") ||
		   is(name, len, "pgsteal_direct") ||
		   is(name, len, "pgsteal_khugepaged") ||
		   is(name, len, "pgsteal_proactive")) {
		s->pgsteal += v;
	} else if (is(name, len, "compact_stall")) {
		s->compact_stall = v;
	} else if (is(name, len, "compact_fail")) {
		s->compact_fail = v;
	} else if (is(name, len, "compact_success")) {
		s->compact_success = v;
	} else if (starts(name, len, "pgalloc_")) {
		s->pgalloc += v;
	}
}

int parse_vmstat(const char *text, struct vmstat *out)
{
	memset(out, 0, sizeof(*out));
	if (each_kv(text, vmstat_kv, out))
		return -EINVAL;
	/* every kernel since 2.6 has both; without them it is not vmstat */
	return out->found == 2 ? 0 : -EINVAL;
}

static void meminfo_kv(void *arg, const char *name, size_t len, uint64_t v)
{
	struct meminfo *m = arg;

	if (is(name, len, "MemTotal:"))
		m->mem_total_kb = v;
	else if (is(name, len, "MemFree:"))
		m->mem_free_kb = v;
	else if (is(name, len, "MemAvailable:"))
		m->mem_available_kb = v;
	else if (is(name, len, "Slab:"))
		m->slab_kb = v;
	else if (is(name, len, "AnonPages:"))
		m->anon_kb = v;
}

int parse_meminfo(const char *text, struct meminfo *out)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	/* meminfo has lines like "HugePages_Total:  0" and "Hugepagesize:";
	 * each_kv copes with all of them; a few odd arch lines may not, so
	 * parse line by line and skip what does not fit */
	p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[128];

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			each_kv(line, meminfo_kv, out);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return out->mem_total_kb ? 0 : -EINVAL;
}

int read_meminfo(const char *path, struct meminfo *out)
{
	char *text;
	int err = read_file(path, &text, NULL);

	if (err)
		return err;
	err = parse_meminfo(text, out);
	free(text);
	return err;
}

/* "  pages free     3840" / "        min      39" / "  nr_x 5" */
static bool zone_field(const char *line, const char *key, uint64_t *v)
{
	size_t l = strlen(key);
	char *end;

	while (*line == ' ')
		line++;
	if (strncmp(line, key, l) || (line[l] != ' ' && line[l] != '\t'))
		return false;
	line += l;
	while (*line == ' ' || *line == '\t')
		line++;
	if (!isdigit((unsigned char)*line))
		return false;
	*v = strtoull(line, &end, 10);
	return true;
}

int parse_zoneinfo(const char *text, struct zone_info *zones, size_t max,
		   size_t *n)
{
	struct zone_info *z = NULL;
	const char *p = text;
	size_t count = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];
		uint64_t v;
		int node;
		char name[ZONE_NAME_MAX];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			if (count == max)
				break;
			z = &zones[count++];
			memset(z, 0, sizeof(*z));
			z->node = node;
			snprintf(z->name, sizeof(z->name), "%s", name);
		} else if (z) {
			if (zone_field(line, "pages free", &v))
				z->free = v;
			else if (zone_field(line, "min", &v))
				z->min = v;
			else if (zone_field(line, "low", &v))
				z->low = v;
			else if (zone_field(line, "high", &v))
				z->high = v;
			else if (zone_field(line, "spanned", &v))
				z->spanned = v;
			else if (zone_field(line, "present", &v))
				z->present = v;
			else if (zone_field(line, "managed", &v))
				z->managed = v;
			else if (zone_field(line, "nr_reserved_highatomic", &v))
				z->nr_reserved_highatomic = v;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*n = count;
	return count ? 0 : -EINVAL;
}

int zone_pick(const struct zone_info *z, size_t n)
{
	int best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (z[i].node != 0 || !z[i].managed ||
		    !strcmp(z[i].name, "Movable") ||
		    !strcmp(z[i].name, "Device"))
			continue;
		best = (int)i;	/* zoneinfo lists zones lowest first */
	}
	return best;
}

/* ---- series ------------------------------------------------------------ */

void series_init(struct series *s, enum series_kind kind,
		 unsigned int interval_ms)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->interval_ms = interval_ms;
}

void series_free(struct series *s)
{
	enum series_kind kind = s->kind;
	unsigned int interval = s->interval_ms;
	int c;

	free(s->t);
	for (c = 0; c < COL_MAX; c++)
		free(s->col[c]);
	series_init(s, kind, interval);
}

void series_append(struct series *s, double t, const uint64_t row[COL_MAX])
{
	int c;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->t = xrealloc(s->t, s->cap * sizeof(*s->t));
		for (c = 0; c < COL_MAX; c++)
			s->col[c] = xrealloc(s->col[c],
					     s->cap * sizeof(uint64_t));
	}
	s->t[s->n] = t;
	for (c = 0; c < COL_MAX; c++)
		s->col[c][s->n] = row[c];
	s->n++;
}

void series_csv_header(FILE *f, const struct series *s)
{
	int c;

	fputs("t_s", f);
	for (c = 0; c < COL_MAX; c++)
		if (cols[c].kind == s->kind)
			fprintf(f, ",%s", cols[c].name);
	fputc('\n', f);
}

/* ",v" at p, backwards from a digit buffer: printf's cost, 100 times a
 * second in an emulated guest, was most of the sampler's. */
static char *put_u64(char *p, uint64_t v)
{
	char d[20];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*p++ = ',';
	while (n)
		*p++ = d[--n];
	return p;
}

void series_csv_row(FILE *f, const struct series *s, size_t i)
{
	char line[32 + COL_MAX * 21], *p;
	double t = s->t[i] < 0 ? 0 : s->t[i];
	uint64_t tt = (uint64_t)(t * 1e4 + 0.5);
	int c;

	/* 0.1 ms: the module's timestamps are exact, its tick >= 1 ms */
	p = line + snprintf(line, 24, "%llu.%04llu",
			    (unsigned long long)(tt / 10000),
			    (unsigned long long)(tt % 10000));
	for (c = 0; c < COL_MAX; c++)
		if (cols[c].kind == s->kind)
			p = put_u64(p, s->col[c][i]);
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), f);
}

int series_csv_read(const char *text, struct series *s, char *err,
		    size_t errlen)
{
	const char *p = text, *nl;
	unsigned int line = 1;
	int map[2 * COL_MAX + 1];	/* csv field -> column, -2 unknown */
	int nfields = 0, rows = 0, c;
	char *hdr, *tok, *save = NULL;

	nl = strchr(p, '\n');
	if (!nl) {
		snprintf(err, errlen, "line 1: no complete header line");
		return -EINVAL;
	}
	hdr = xasprintf("%.*s", (int)(nl - p), p);
	for (tok = strtok_r(hdr, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (nfields == 2 * COL_MAX + 1) {
			free(hdr);
			snprintf(err, errlen, "line 1: too many columns");
			return -EINVAL;
		}
		map[nfields] = -2;
		if (nfields == 0) {
			if (strcmp(tok, "t_s")) {
				snprintf(err, errlen, "line 1: first column "
					 "is '%s', expected t_s", tok);
				free(hdr);
				return -EINVAL;
			}
			map[0] = -1;
		} else {
			for (c = 0; c < COL_MAX; c++)
				if (!strcmp(tok, cols[c].name))
					map[nfields] = c;
		}
		nfields++;
	}
	free(hdr);
	p = nl + 1;
	while (*p) {
		uint64_t row[COL_MAX] = { 0 };
		double t = 0;
		int f = 0;
		const char *q = p;

		nl = strchr(p, '\n');
		line++;
		if (!nl)
			break;	/* torn last line: the guest died mid-write */
		while (q < nl) {
			char *end;

			if (f >= nfields)
				goto bad;
			if (f == 0) {
				t = strtod(q, &end);
			} else {
				unsigned long long v;

				if (!isdigit((unsigned char)*q))
					goto bad;
				v = strtoull(q, &end, 10);
				if (map[f] >= 0)
					row[map[f]] = v;
			}
			if (end == q || (end != nl && *end != ','))
				goto bad;
			q = end + (end != nl);
			f++;
		}
		if (f != nfields)
			goto bad;
		if (s->n && t < s->t[s->n - 1])
			goto bad;
		series_append(s, t, row);
		rows++;
		p = nl + 1;
	}
	return rows;
bad:
	snprintf(err, errlen, "line %u: not a row of %d numbers in time "
		 "order", line, nfields);
	return -EINVAL;
}

double self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
