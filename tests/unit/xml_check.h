/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small XML well-formedness checker for the report tests (no libxml2 in
 * the build): one root element, balanced and properly nested tags, quoted
 * attributes without '<', no duplicate attributes, only the five XML
 * entities or numeric character references, comments, a prolog and a
 * DOCTYPE. Enough to catch an unescaped '<' or '&', a tag left open or a
 * torn document. Element callbacks let tests look at attributes.
 */
#ifndef LABYRINTH_XML_CHECK_H
#define LABYRINTH_XML_CHECK_H

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define XML_MAX_DEPTH 128
#define XML_MAX_ATTRS 32

struct xml_attr {
	const char *name;
	size_t name_len;
	const char *val;	/* raw, still escaped */
	size_t val_len;
};

/* Called for each start tag; name is not NUL-terminated. */
typedef void (*xml_elem_fn)(void *arg, const char *name, size_t len,
			    const struct xml_attr *attrs, int nattrs);

static int xml_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == ':' ||
	       c == '.' || (unsigned char)c >= 0x80;
}

static int xml_check_entity(const char **pp, char *err, size_t errlen)
{
	static const char *const ents[] = { "amp;", "lt;", "gt;", "quot;",
					    "apos;" };
	const char *p = *pp + 1;
	size_t i;

	if (*p == '#') {
		p++;
		if (*p == 'x') {
			p++;
			if (!isxdigit((unsigned char)*p))
				goto bad;
			while (isxdigit((unsigned char)*p))
				p++;
		} else {
			if (!isdigit((unsigned char)*p))
				goto bad;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p != ';')
			goto bad;
		*pp = p + 1;
		return 0;
	}
	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (!strncmp(p, ents[i], strlen(ents[i]))) {
			*pp = p + strlen(ents[i]);
			return 0;
		}
bad:
	snprintf(err, errlen, "bad entity near '%.20s'", *pp);
	return -1;
}

/* Returns 0 if well-formed; else -1 with a message (and offset) in err. */
static int xml_check(const char *doc, xml_elem_fn fn, void *arg, char *err,
		     size_t errlen)
{
	const char *stack[XML_MAX_DEPTH];
	size_t stack_len[XML_MAX_DEPTH];
	int depth = 0, roots = 0;
	const char *p = doc;

	while (*p) {
		if (*p == '&') {
			if (xml_check_entity(&p, err, errlen))
				return -1;
			continue;
		}
		if (*p != '<') {
			if (!depth && !isspace((unsigned char)*p)) {
				snprintf(err, errlen, "text outside the root at "
					 "offset %zu", (size_t)(p - doc));
				return -1;
			}
			p++;
			continue;
		}
		if (!strncmp(p, "<!--", 4)) {
			const char *e = strstr(p + 4, "-->");

			if (!e) {
				snprintf(err, errlen, "unterminated comment");
				return -1;
			}
			p = e + 3;
			continue;
		}
		if (!strncmp(p, "<?", 2)) {
			const char *e = strstr(p, "?>");

			if (!e) {
				snprintf(err, errlen, "unterminated <?");
				return -1;
			}
			p = e + 2;
			continue;
		}
		if (!strncmp(p, "<!DOCTYPE", 9)) {
			const char *e = strchr(p, '>');

			if (!e || depth || roots) {
				snprintf(err, errlen, "misplaced DOCTYPE");
				return -1;
			}
			p = e + 1;
			continue;
		}
		if (p[1] == '/') {
			const char *n = p + 2;
			size_t len = 0;

			while (xml_name_char(n[len]))
				len++;
			if (!depth || len != stack_len[depth - 1] ||
			    strncmp(n, stack[depth - 1], len)) {
				snprintf(err, errlen, "end tag '</%.*s>' at offset "
					 "%zu does not close '%.*s'", (int)len, n,
					 (size_t)(p - doc), depth ?
					 (int)stack_len[depth - 1] : 0,
					 depth ? stack[depth - 1] : "");
				return -1;
			}
			p = n + len;
			while (isspace((unsigned char)*p))
				p++;
			if (*p != '>') {
				snprintf(err, errlen, "junk in end tag at offset "
					 "%zu", (size_t)(p - doc));
				return -1;
			}
			p++;
			depth--;
			continue;
		}
		{
			struct xml_attr attrs[XML_MAX_ATTRS];
			int nattrs = 0, i;
			const char *n = p + 1;
			size_t len = 0;

			while (xml_name_char(n[len]))
				len++;
			if (!len) {
				snprintf(err, errlen, "bad '<' at offset %zu "
					 "(unescaped?)", (size_t)(p - doc));
				return -1;
			}
			p = n + len;
			for (;;) {
				const char *an;
				size_t alen = 0;
				char q;

				while (isspace((unsigned char)*p))
					p++;
				if (*p == '>' || !strncmp(p, "/>", 2))
					break;
				an = p;
				while (xml_name_char(an[alen]))
					alen++;
				if (!alen || an[alen] != '=' ||
				    (an[alen + 1] != '"' && an[alen + 1] != '\'')) {
					snprintf(err, errlen, "bad attribute in "
						 "<%.*s> at offset %zu", (int)len,
						 n, (size_t)(an - doc));
					return -1;
				}
				for (i = 0; i < nattrs; i++)
					if (attrs[i].name_len == alen &&
					    !strncmp(attrs[i].name, an, alen)) {
						snprintf(err, errlen, "duplicate "
							 "attribute %.*s",
							 (int)alen, an);
						return -1;
					}
				q = an[alen + 1];
				p = an + alen + 2;
				if (nattrs < XML_MAX_ATTRS) {
					attrs[nattrs].name = an;
					attrs[nattrs].name_len = alen;
					attrs[nattrs].val = p;
				}
				while (*p && *p != q) {
					if (*p == '<') {
						snprintf(err, errlen, "'<' in "
							 "attribute %.*s",
							 (int)alen, an);
						return -1;
					}
					if (*p == '&') {
						if (xml_check_entity(&p, err,
								     errlen))
							return -1;
						continue;
					}
					p++;
				}
				if (!*p) {
					snprintf(err, errlen, "unterminated "
						 "attribute %.*s", (int)alen, an);
					return -1;
				}
				if (nattrs < XML_MAX_ATTRS) {
					attrs[nattrs].val_len =
						(size_t)(p - attrs[nattrs].val);
					nattrs++;
				}
				p++;
			}
			if (fn)
				fn(arg, n, len, attrs, nattrs);
			if (!depth && roots++) {
				snprintf(err, errlen, "second root element "
					 "<%.*s>", (int)len, n);
				return -1;
			}
			if (*p == '/') {
				p += 2;
				continue;
			}
			p++;
			if (depth == XML_MAX_DEPTH) {
				snprintf(err, errlen, "nesting too deep");
				return -1;
			}
			stack[depth] = n;
			stack_len[depth++] = len;
		}
	}
	if (depth) {
		snprintf(err, errlen, "document ends with <%.*s> still open",
			 (int)stack_len[depth - 1], stack[depth - 1]);
		return -1;
	}
	if (!roots) {
		snprintf(err, errlen, "no root element");
		return -1;
	}
	return 0;
}

#endif /* LABYRINTH_XML_CHECK_H */
