// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fsm_raft.c - adapter between libraft and the replicated state machine. */
#include <stdlib.h>
#include <string.h>

#include "raft_fsm.h"
#include "log.h"

static int rf_apply(struct raft_fsm *rf, const struct raft_buffer *buf, void **result)
{
	/* Entries read back from disk are padded with zeros to 8 bytes: the
	 * command ends at the first NUL. A bad entry is skipped, not fatal. */
	*result = fsm_apply(rf->data, buf->base, strnlen(buf->base, buf->len)) ? NULL : rf->data;
	return 0;
}

static int rf_snapshot(struct raft_fsm *rf, struct raft_buffer *bufs[], unsigned *n)
{
	char *text = fsm_dump(rf->data);
	size_t len;

	if (!text)
		return RAFT_NOMEM;
	len = strlen(text);
	*bufs = raft_malloc(sizeof(**bufs));
	if (!*bufs) {
		free(text);
		return RAFT_NOMEM;
	}
	(*bufs)[0].base = raft_malloc(len + 1);
	if (!(*bufs)[0].base) {
		raft_free(*bufs);
		free(text);
		return RAFT_NOMEM;
	}
	memcpy((*bufs)[0].base, text, len + 1);
	(*bufs)[0].len = len + 1;
	*n = 1;
	free(text);
	return 0;
}

/* libraft 0.15 hands buf->base over only if this returns 0: on an error it
 * frees the buffer itself (raft_start and the InstallSnapshot path alike),
 * so it must not be freed here then. */
static int rf_restore(struct raft_fsm *rf, struct raft_buffer *buf)
{
	char *text = malloc(buf->len + 1);
	int rc;

	if (!text)
		return RAFT_NOMEM;
	memcpy(text, buf->base, buf->len);
	text[buf->len] = '\0';
	rc = fsm_load(rf->data, text);
	free(text);
	if (rc) {
		log_err("raft: unreadable snapshot (%zu bytes): not restored", buf->len);
		return RAFT_MALFORMED;
	}
	raft_free(buf->base);
	return 0;
}

void raft_fsm_init(struct raft_fsm *rf, struct fsm *f)
{
	memset(rf, 0, sizeof(*rf));
	rf->version = 1;
	rf->data = f;
	rf->apply = rf_apply;
	rf->snapshot = rf_snapshot;
	rf->restore = rf_restore;
}

struct propose_req {
	struct raft_apply req;
	raft_apply_cb cb;
	void *data;
};

static void propose_done(struct raft_apply *req, int status, void *result)
{
	struct propose_req *p = (struct propose_req *)req;

	if (p->cb) {
		req->data = p->data;
		p->cb(req, status, result);
	}
	free(p);
}

int raft_fsm_propose(struct raft *r, char *cmd, raft_apply_cb cb, void *data)
{
	struct propose_req *p;
	struct raft_buffer buf;
	size_t len;
	int rc;

	if (!cmd)
		return RAFT_NOMEM;
	/* libraft stores entries in 8-byte units: pad the command with NULs
	 * (rf_apply stops at the first one). */
	len = strlen(cmd);
	p = calloc(1, sizeof(*p));
	buf.len = (len + 8) & ~(size_t)7;
	buf.base = raft_malloc(buf.len);
	if (!p || !buf.base) {
		free(p);
		raft_free(buf.base);
		free(cmd);
		return RAFT_NOMEM;
	}
	memset(buf.base, 0, buf.len);
	memcpy(buf.base, cmd, len);
	free(cmd);
	p->cb = cb;
	p->data = data;
	rc = raft_apply(r, &p->req, &buf, 1, propose_done);
	if (rc) {
		raft_free(buf.base);
		free(p);
	}
	return rc;
}
