// SPDX-License-Identifier: GPL-2.0
/*
 * A vici client: strongSwan's documented wire protocol. A stream socket
 * carries packets, each a 32-bit big-endian length followed by that many
 * bytes: a packet type, the packet's name for the named types (8-bit
 * length, no NUL), and a message: a sequence of elements (sections,
 * key/values, lists) with 8-bit name lengths and 16-bit value lengths.
 * One command at a time per connection; events may arrive in between.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "vici.h"

/* Larger messages are not what charon sends to such a client. */
#define VICI_PACKET_MAX	(512 * 1024)

void vici_msg_free(struct vici_msg *m)
{
	free(m->p);
	memset(m, 0, sizeof(*m));
}

static void put(struct vici_msg *m, const void *data, size_t len)
{
	uint8_t *p;
	size_t cap;

	if (m->bad)
		return;
	if (m->len + len > m->cap) {
		cap = m->cap ? m->cap : 256;
		while (cap < m->len + len)
			cap *= 2;
		p = realloc(m->p, cap);
		if (!p) {
			m->bad = true;
			return;
		}
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, data, len);
	m->len += len;
}

static void put_u8(struct vici_msg *m, uint8_t v)
{
	put(m, &v, 1);
}

static void put_name(struct vici_msg *m, const char *name)
{
	size_t len = strlen(name);

	if (len > 255) {
		m->bad = true;
		return;
	}
	put_u8(m, len);
	put(m, name, len);
}

void vici_section(struct vici_msg *m, const char *name)
{
	put_u8(m, VICI_SECTION_START);
	put_name(m, name);
}

void vici_end(struct vici_msg *m)
{
	put_u8(m, VICI_SECTION_END);
}

static void put_value(struct vici_msg *m, const void *val, size_t len)
{
	uint16_t l = htons(len);

	if (len > 0xffff) {
		m->bad = true;
		return;
	}
	put(m, &l, 2);
	put(m, val, len);
}

void vici_kv(struct vici_msg *m, const char *key, const void *val, size_t len)
{
	put_u8(m, VICI_KEY_VALUE);
	put_name(m, key);
	put_value(m, val, len);
}

void vici_list(struct vici_msg *m, const char *key)
{
	put_u8(m, VICI_LIST_START);
	put_name(m, key);
}

void vici_item(struct vici_msg *m, const void *val, size_t len)
{
	put_u8(m, VICI_LIST_ITEM);
	put_value(m, val, len);
}

void vici_list_end(struct vici_msg *m)
{
	put_u8(m, VICI_LIST_END);
}

void vici_kv_str(struct vici_msg *m, const char *key, const char *val)
{
	vici_kv(m, key, val, strlen(val));
}

int vici_next(const struct vici_msg *m, size_t *off, int *depth,
	      struct vici_el *el)
{
	const uint8_t *p = m->p + *off, *end = m->p + m->len;
	uint16_t vlen;
	uint8_t nlen;

	if (p == end)
		return 0;
	el->type = *p++;
	el->name[0] = '\0';
	el->val = NULL;
	el->vlen = 0;
	if (el->type == VICI_SECTION_START || el->type == VICI_KEY_VALUE ||
	    el->type == VICI_LIST_START) {
		if (p >= end)
			return -1;
		nlen = *p++;
		if (end - p < nlen)
			return -1;
		memcpy(el->name, p, nlen);
		el->name[nlen] = '\0';
		p += nlen;
	} else if (el->type < VICI_SECTION_START || el->type > VICI_LIST_END) {
		return -1;
	}
	if (el->type == VICI_KEY_VALUE || el->type == VICI_LIST_ITEM) {
		if (end - p < 2)
			return -1;
		vlen = (uint16_t)(p[0] << 8 | p[1]);
		p += 2;
		if (end - p < vlen)
			return -1;
		el->val = p;
		el->vlen = vlen;
		p += vlen;
	}
	if (el->type == VICI_SECTION_END) {
		if (*depth <= 0)
			return -1;
		(*depth)--;
	}
	el->depth = *depth;
	if (el->type == VICI_SECTION_START)
		(*depth)++;
	*off = p - m->p;
	return 1;
}

void vici_get(const struct vici_msg *m, const char *key, char *out, size_t len)
{
	struct vici_el el;
	size_t off = 0;
	int depth = 0;

	out[0] = '\0';
	while (vici_next(m, &off, &depth, &el) > 0) {
		if (el.type == VICI_KEY_VALUE && !el.depth &&
		    !strcmp(el.name, key)) {
			size_t n = el.vlen < len - 1 ? el.vlen : len - 1;

			memcpy(out, el.val, n);
			out[n] = '\0';
			return;
		}
	}
}

int vici_open(const char *path, int timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = timeout_ms % 1000 * 1000,
	};
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A daemon that hangs must not hang the reconciler with it. */
	if (timeout_ms > 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	     setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))))
		goto err_close;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		goto err_close;
	return fd;

err_close:
	err = -errno;
	close(fd);
	return err;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (!n)
			return -ECONNRESET;	/* the daemon went away */
		p += n;
		len -= n;
	}
	return 0;
}

static int send_packet(int fd, uint8_t type, const char *name,
		       const struct vici_msg *body)
{
	struct vici_msg pkt = { 0 };
	uint32_t len;
	int err;

	put(&pkt, "\0\0\0\0", 4);
	put_u8(&pkt, type);
	if (name)
		put_name(&pkt, name);
	if (body) {
		if (body->bad)
			pkt.bad = true;
		else
			put(&pkt, body->p, body->len);
	}
	if (pkt.bad) {
		vici_msg_free(&pkt);
		return -EMSGSIZE;
	}
	len = htonl(pkt.len - 4);
	memcpy(pkt.p, &len, 4);
	err = write_all(fd, pkt.p, pkt.len);
	vici_msg_free(&pkt);
	return err;
}

int vici_read(int fd, uint8_t *type, char *name, struct vici_msg *m)
{
	uint8_t *buf, *p;
	uint32_t len;
	int err;

	err = read_all(fd, &len, 4);
	if (err)
		return err;
	len = ntohl(len);
	if (!len || len > VICI_PACKET_MAX)
		return -EPROTO;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = read_all(fd, buf, len);
	if (err)
		goto err_free;
	p = buf;
	*type = *p++;
	name[0] = '\0';
	if (*type == VICI_CMD_REQUEST || *type == VICI_EVENT_REGISTER ||
	    *type == VICI_EVENT_UNREGISTER || *type == VICI_EVENT) {
		if (len < 2 || len - 2 < *p) {
			err = -EPROTO;
			goto err_free;
		}
		memcpy(name, p + 1, *p);
		name[*p] = '\0';
		p += 1 + *p;
	}
	memset(m, 0, sizeof(*m));
	put(m, p, len - (p - buf));
	free(buf);
	return m->bad ? -ENOMEM : 0;

err_free:
	free(buf);
	return err;
}

int vici_cmd(int fd, const char *cmd, const struct vici_msg *req,
	     vici_event_cb cb, void *data, struct vici_msg *resp)
{
	char name[256];
	struct vici_msg m;
	uint8_t type;
	int err;

	err = send_packet(fd, VICI_CMD_REQUEST, cmd, req);
	if (err)
		return err;
	for (;;) {
		err = vici_read(fd, &type, name, &m);
		if (err)
			return err;
		if (type == VICI_EVENT) {
			if (cb)
				cb(name, &m, data);
			vici_msg_free(&m);
			continue;
		}
		if (type == VICI_CMD_RESPONSE) {
			if (resp)
				*resp = m;
			else
				vici_msg_free(&m);
			return 0;
		}
		vici_msg_free(&m);
		return type == VICI_CMD_UNKNOWN ? -ENOENT : -EPROTO;
	}
}

int vici_register(int fd, const char *event, bool reg)
{
	char name[256];
	struct vici_msg m;
	uint8_t type;
	int err;

	err = send_packet(fd, reg ? VICI_EVENT_REGISTER : VICI_EVENT_UNREGISTER,
			  event, NULL);
	if (err)
		return err;
	/* Events already registered for may come before the confirmation. */
	do {
		err = vici_read(fd, &type, name, &m);
		if (err)
			return err;
		vici_msg_free(&m);
	} while (type == VICI_EVENT);
	if (type == VICI_EVENT_CONFIRM)
		return 0;
	return type == VICI_EVENT_UNKNOWN ? -ENOENT : -EPROTO;
}
