// SPDX-License-Identifier: GPL-2.0
/*
 * gnvsecctl -j -p: JSON indented for people, as ip -j -p prints it. The
 * printers write compact JSON; with -p, stdout is a stream that re-indents
 * what passes through it: a newline and indentation after every "{", "["
 * and ",", before every closing bracket, a space after ":". Strings are
 * copied as they are, so their brackets and commas are left alone. A
 * newline the printers write between top-level values (monitor's one event
 * a line) stays, so every value still ends its own line.
 */

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "gnvsecctl.h"

struct pretty {
	FILE *out;
	int depth;
	bool in_str, esc;
	bool open;		/* after "{" or "[": an empty one stays "{}" */
};

static void indent(struct pretty *p)
{
	int i;

	fputc('\n', p->out);
	for (i = 0; i < p->depth; i++)
		fputs("    ", p->out);
}

static void put(struct pretty *p, char c)
{
	if (p->in_str) {
		fputc(c, p->out);
		if (p->esc)
			p->esc = false;
		else if (c == '\\')
			p->esc = true;
		else if (c == '"')
			p->in_str = false;
		return;
	}
	if (p->open && c != '}' && c != ']') {
		p->open = false;
		indent(p);
	}
	switch (c) {
	case '{':
	case '[':
		fputc(c, p->out);
		p->depth++;
		p->open = true;
		break;
	case '}':
	case ']':
		p->depth--;
		if (p->open)
			p->open = false;
		else
			indent(p);
		fputc(c, p->out);
		break;
	case ',':
		fputc(c, p->out);
		indent(p);
		break;
	case ':':
		fputs(": ", p->out);
		break;
	case '"':
		p->in_str = true;
		fputc(c, p->out);
		break;
	default:
		fputc(c, p->out);
	}
}

static ssize_t pretty_write(void *cookie, const char *buf, size_t len)
{
	struct pretty *p = cookie;
	size_t i;

	for (i = 0; i < len; i++)
		put(p, buf[i]);
	/* Nothing waits in a second buffer, whatever order exit() flushes in. */
	fflush(p->out);
	return len;
}

static int pretty_close(void *cookie)
{
	struct pretty *p = cookie;

	return fclose(p->out);
}

/* From here on, stdout indents the JSON written to it. */
void json_pretty_stdout(void)
{
	cookie_io_functions_t io = {
		.write = pretty_write,
		.close = pretty_close,
	};
	struct pretty *p = calloc(1, sizeof(*p));
	FILE *f;
	int fd;

	if (!p)
		die(EXIT_KERNEL, "out of memory");
	fflush(stdout);
	fd = dup(fileno(stdout));
	p->out = fd < 0 ? NULL : fdopen(fd, "w");
	if (!p->out)
		die(EXIT_KERNEL, "cannot set up -pretty output");
	f = fopencookie(p, "w", io);
	if (!f)
		die(EXIT_KERNEL, "cannot set up -pretty output");
	stdout = f;
}
