/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A strongSwan vici client: the documented wire protocol of charon's vici
 * plugin (src/libcharon/plugins/vici/README.md), on its Unix socket.
 * Debian packages no libvici headers, and the protocol is small.
 */
#ifndef GNVSEC_VICI_H
#define GNVSEC_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packet types */
enum {
	VICI_CMD_REQUEST, VICI_CMD_RESPONSE, VICI_CMD_UNKNOWN,
	VICI_EVENT_REGISTER, VICI_EVENT_UNREGISTER, VICI_EVENT_CONFIRM,
	VICI_EVENT_UNKNOWN, VICI_EVENT,
};

/* Message elements */
enum {
	VICI_SECTION_START = 1, VICI_SECTION_END, VICI_KEY_VALUE,
	VICI_LIST_START, VICI_LIST_ITEM, VICI_LIST_END,
};

/* An encoded message, built or received. */
struct vici_msg {
	uint8_t *p;
	size_t len, cap;
	bool bad;		/* out of memory or a name/value too long */
};

void vici_msg_free(struct vici_msg *m);
void vici_section(struct vici_msg *m, const char *name);
void vici_end(struct vici_msg *m);
void vici_kv(struct vici_msg *m, const char *key, const void *val, size_t len);
void vici_kv_str(struct vici_msg *m, const char *key, const char *val);
void vici_list(struct vici_msg *m, const char *key);
void vici_item(struct vici_msg *m, const void *val, size_t len);
void vici_list_end(struct vici_msg *m);

/* One element of a received message, as vici_next() walks it. */
struct vici_el {
	uint8_t type;
	int depth;		/* sections open around it; 0: the root */
	char name[256];
	const uint8_t *val;
	uint16_t vlen;
};

/* Iterates over @m from *@off: 1 with @el filled, 0 at the end, -1 if bad. */
int vici_next(const struct vici_msg *m, size_t *off, int *depth,
	      struct vici_el *el);
/* A root key's value as a string ("" if absent). */
void vici_get(const struct vici_msg *m, const char *key, char *out, size_t len);

/* Connects to the socket; the fd or -errno. */
int vici_open(const char *path, int timeout_ms);

/*
 * Events that arrive while a command runs (streamed by list-sas) go to
 * @cb with their name and message.
 */
typedef void (*vici_event_cb)(const char *name, const struct vici_msg *m,
			      void *data);
/*
 * Sends command @cmd with message @req (NULL: empty) and reads up to its
 * response, into @resp (may be NULL). 0, or -errno: a socket error or
 * EPROTO (garbled reply), ENOENT (charon knows no such command).
 */
int vici_cmd(int fd, const char *cmd, const struct vici_msg *req,
	     vici_event_cb cb, void *data, struct vici_msg *resp);
/* Registers for (or unregisters from) the named event. 0 or -errno. */
int vici_register(int fd, const char *event, bool reg);
/* Reads one packet: its type, its name if it has one, its message. */
int vici_read(int fd, uint8_t *type, char *name, struct vici_msg *m);

#endif
