// SPDX-License-Identifier: GPL-2.0
/*
 * A scenario file's text with one key written into it (scenario.h:
 * scenario_text_set), for a sweep's reproducer: the file as its author
 * wrote it, comments and all, with only that key's line changed, so a
 * diff against the original shows the one value that matters. The
 * caller parses the result like any scenario before it trusts it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
#include "scenario.h"
#include "util.h"

/* "[engine   rx]  ; x" -> "engine rx" in name; false if not a header. */
static bool header_name(const char *line, size_t len, char *name,
			size_t namelen)
{
	const char *end = memchr(line, ']', len), *p = line + 1;
	size_t n = 0;
	bool space = false;

	if (!len || line[0] != '[' || !end)
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	for (; p < end && n + 1 < namelen; p++) {
		if (isspace((unsigned char)*p)) {
			space = true;
			continue;
		}
		if (space && n)
			name[n++] = ' ';
		space = false;
		name[n++] = *p;
	}
	name[n] = '\0';
	return true;
}

/* Does the line set key (or old_name)? "key = value", "key: value". */
static bool line_sets(const char *line, size_t len, const char *key,
		      const char *old_name)
{
	const char *eq = line, *end = line + len;
	size_t n;

	if (!len || isspace((unsigned char)line[0]) || line[0] == ';' ||
	    line[0] == '#' || line[0] == '[')
		return false;
	while (eq < end && *eq != '=' && *eq != ':')
		eq++;
	if (eq == end)
		return false;
	n = (size_t)(eq - line);
	while (n && isspace((unsigned char)line[n - 1]))
		n--;
	return (strlen(key) == n && !strncmp(line, key, n)) ||
	       (old_name[0] && strlen(old_name) == n &&
		!strncmp(line, old_name, n));
}

char *scenario_text_set(const char *text, const char *section,
			const char *key, const char *old_name,
			const char *value, const char *comment)
{
	struct sbuf b;
	const char *p = text, *nl;
	char name[128];
	bool in = false, done = false;

	sb_init(&b);
	while (*p) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (header_name(p, len, name, sizeof(name))) {
			/* leaving the section without the key: add it there */
			if (in && !done) {
				sb_printf(&b, "; %s\n%s = %s\n\n", comment, key,
					  value);
				done = true;
			}
			in = !strcmp(name, section);
		} else if (in && !done && line_sets(p, len, key, old_name)) {
			sb_printf(&b, "; %s\n%s = %s\n", comment, key, value);
			done = true;
			p += len + (nl ? 1 : 0);
			continue;
		}
		sb_printf(&b, "%.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
	if (!done && !in)
		sb_printf(&b, "\n[%s]\n", section);
	if (!done)
		sb_printf(&b, "; %s\n%s = %s\n", comment, key, value);
	return sb_take(&b);
}
