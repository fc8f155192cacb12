// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl -j: JSON built as json-c objects and written by json-c, which
 * escapes strings (quotes, backslashes, control characters) and, with -p,
 * indents. The helpers below die on allocation failure, so that a value is
 * never silently replaced by the null json-c returns then.
 */

#include <stdlib.h>
#include <string.h>

#include "gnvsecctl.h"

static bool json_pretty;

void json_set_pretty(bool on)
{
	json_pretty = on;
}

static struct json_object *need(struct json_object *o)
{
	if (!o)
		die(EXIT_KERNEL, "out of memory");
	return o;
}

struct json_object *jobj(void)
{
	return need(json_object_new_object());
}

struct json_object *jarr(void)
{
	return need(json_object_new_array());
}

struct json_object *ju64(uint64_t v)
{
	return need(json_object_new_uint64(v));
}

struct json_object *jbool(bool v)
{
	return need(json_object_new_boolean(v));
}

/* Length of the well-formed UTF-8 sequence at @s (RFC 3629), or 0. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string. Names come from the kernel (or a certificate) as bytes,
 * and json-c copies bytes above 0x7f as they are: whatever is not UTF-8
 * becomes U+FFFD first, so that the output is always valid JSON.
 */
struct json_object *jstr(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct json_object *o;
	char *buf, *q;
	int n;

	/* U+FFFD is 3 bytes, in place of one. */
	buf = malloc(3 * strlen(s) + 1);
	if (!buf)
		die(EXIT_KERNEL, "out of memory");
	for (q = buf; *p; p += n) {
		n = utf8_len(p);
		if (n) {
			memcpy(q, p, n);
			q += n;
		} else {
			memcpy(q, "\xef\xbf\xbd", 3);
			q += 3;
			n = 1;
		}
	}
	*q = '\0';
	o = need(json_object_new_string(buf));
	free(buf);
	return o;
}

/* @s, or null when it is empty. */
struct json_object *jstr_or_null(const char *s)
{
	return *s ? jstr(s) : NULL;
}

/* @key: @v, where NULL is JSON's null. */
void jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (json_object_object_add(o, key, v) < 0)
		die(EXIT_KERNEL, "out of memory");
}

void jappend(struct json_object *a, struct json_object *v)
{
	if (json_object_array_add(a, v) < 0)
		die(EXIT_KERNEL, "out of memory");
}

/*
 * @o on a line of its own (many lines with -p), then freed. Slashes stay
 * as they are ("10.0.0.0/24", not "10.0.0.0\/24").
 */
void json_print(FILE *out, struct json_object *o)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s;

	flags |= json_pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;
	s = json_object_to_json_string_ext(o, flags);
	if (!s)
		die(EXIT_KERNEL, "out of memory");
	fputs(s, out);
	fputc('\n', out);
	json_object_put(o);
}
