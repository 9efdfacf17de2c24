/*
 * The channel's Linux side: taking a side as this process, memfd and named
 * mappings, the peer's liveness, and the blocking calls (the wait loop of
 * src/wait.c). The algorithm is in src/channel.c.
 */
#define _GNU_SOURCE

#include <string.h>

#include <shmprim/channel.h>

#include "channel_internal.h"
#include "wait_internal.h"

/* ---- sides, as this process ---- */

shmprim_status shmprim_channel_take_producer(shmprim_channel *ch, shmprim_channel_producer *p,
                                             shmprim_claim_holder *holder)
{
	shmprim_proc_token me;
	shmprim_status st = shmprim_proc_token_self(&me);

	if (st != SHMPRIM_OK)
		return st;
	return sp_channel_take_producer(ch, p, me, shmprim_proc_liveness, holder);
}

shmprim_status shmprim_channel_take_consumer(shmprim_channel *ch, shmprim_channel_consumer *c,
                                             shmprim_claim_holder *holder)
{
	shmprim_proc_token me;
	shmprim_status st = shmprim_proc_token_self(&me);

	if (st != SHMPRIM_OK)
		return st;
	return sp_channel_take_consumer(ch, c, me, shmprim_proc_liveness, holder);
}

shmprim_status shmprim_channel_producer_peer(shmprim_channel_producer *p, shmprim_channel_peer_info *info)
{
	if (!p || !info || !p->header)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	shmprim_claim_describe(sp_channel_producer_peer_word(p), &info->holder);
	info->changes = p->peer_changes;
	info->bytes_in_flight = sp_channel_bytes_in_flight(p->header);
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_consumer_peer(shmprim_channel_consumer *c, shmprim_channel_peer_info *info)
{
	if (!c || !info || !c->header)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	shmprim_claim_describe(sp_channel_consumer_peer_word(c), &info->holder);
	info->changes = c->peer_changes;
	info->bytes_in_flight = sp_channel_bytes_in_flight(c->header);
	return SHMPRIM_OK;
}

/* ---- mappings ---- */

static shmprim_status open_mapped(shmprim_channel *ch, shmprim_shm *shm)
{
	shmprim_status st = shmprim_channel_attach(ch, shmprim_shm_region(shm), 0);

	if (st != SHMPRIM_OK) {
		(void)shmprim_shm_close(shm);
		return st;
	}
	ch->shm = *shm;
	return SHMPRIM_OK;
}

static shmprim_status init_mapped(shmprim_channel *ch, shmprim_shm *shm, uint32_t data_bytes, uint32_t max_message)
{
	shmprim_status st = shmprim_channel_init(ch, shmprim_shm_region(shm), 0, data_bytes, max_message);

	if (st != SHMPRIM_OK) {
		(void)shmprim_shm_close(shm);
		return st;
	}
	ch->shm = *shm;
	return SHMPRIM_OK;
}

/* The geometry checks of init, before anything is created. */
static shmprim_status check_geometry(uint32_t data_bytes, uint32_t max_message)
{
	if (shmprim_channel_required_size(data_bytes) == 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (max_message == 0 || max_message > shmprim_channel_max_message_for(data_bytes))
		return SHMPRIM_ERR_MESSAGE_SIZE;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_create_memfd(shmprim_channel *ch, const char *name, uint32_t data_bytes,
                                            uint32_t max_message)
{
	shmprim_shm shm;
	shmprim_status st;

	if (!ch || !name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_geometry(data_bytes, max_message);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_shm_create_memfd(&shm, name, shmprim_channel_required_size(data_bytes), 0);
	if (st != SHMPRIM_OK)
		return st;
	return init_mapped(ch, &shm, data_bytes, max_message);
}

shmprim_status shmprim_channel_open_fd(shmprim_channel *ch, int fd)
{
	shmprim_shm shm;
	shmprim_status st;

	if (!ch)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_shm_open_fd(&shm, fd, 0); /* it dups fd: the caller keeps its own */
	if (st != SHMPRIM_OK)
		return st;
	return open_mapped(ch, &shm);
}

shmprim_status shmprim_channel_create_named(shmprim_channel *ch, const char *name, uint32_t data_bytes,
                                            uint32_t max_message)
{
	shmprim_shm shm;
	shmprim_status st;

	if (!ch || !name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_geometry(data_bytes, max_message);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_shm_create_named(&shm, name, shmprim_channel_required_size(data_bytes), SHMPRIM_SHM_DEFAULT_MODE, 0);
	if (st != SHMPRIM_OK)
		return st;
	return init_mapped(ch, &shm, data_bytes, max_message);
}

shmprim_status shmprim_channel_open_named(shmprim_channel *ch, const char *name)
{
	shmprim_shm shm;
	shmprim_status st;

	if (!ch || !name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_shm_open_named(&shm, name, 0);
	if (st != SHMPRIM_OK)
		return st;
	return open_mapped(ch, &shm);
}

shmprim_status shmprim_channel_unmap(shmprim_channel *ch)
{
	shmprim_status st = SHMPRIM_OK;

	if (!ch)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (ch->shm.fd >= 0 || ch->shm.base)
		st = shmprim_shm_close(&ch->shm);
	ch->header = NULL;
	ch->data = NULL;
	return st;
}

/* ---- blocking calls ---- */

/* Peer checks in blocking calls: the clock is read every CLOCK_EVERY calls,
 * the peer's liveness (a /proc read) once per check interval. */
#define CLOCK_EVERY 64u

static uint64_t check_interval(const shmprim_wait_opts *opts)
{
	return opts && opts->check_ns ? opts->check_ns : SHMPRIM_WAIT_DEFAULT_CHECK_NS;
}

/* Whether a peer check is due; advances the schedule when it is. */
static int peer_check_due(uint32_t *calls, uint64_t *next_check_ns, uint64_t interval, int force)
{
	uint64_t now;

	if (!force && ++*calls % CLOCK_EVERY != 0)
		return 0;
	now = sp_now_ns();
	if (now < *next_check_ns)
		return 0;
	*next_check_ns = now + interval;
	return 1;
}

/* SHMPRIM_ERR_PEER_DEAD if the claim word names a dead process. */
static shmprim_status peer_status(uint64_t word)
{
	shmprim_claim_holder h;

	shmprim_claim_describe(word, &h);
	if (h.state == SHMPRIM_SIDE_HELD && h.liveness == SHMPRIM_DEAD)
		return SHMPRIM_ERR_PEER_DEAD;
	if (h.state == SHMPRIM_SIDE_IMPOSSIBLE)
		return SHMPRIM_ERR_CORRUPT;
	return SHMPRIM_OK;
}

struct producer_wait {
	shmprim_channel_producer *p;
	const void *msg; /* NULL: a loan */
	uint32_t len;
	void **buf;
	uint64_t interval;
};

static int producer_attempt(void *ctx, shmprim_status *st)
{
	struct producer_wait *w = ctx;

	*st = w->msg ? shmprim_channel_send(w->p, w->msg, w->len) : shmprim_channel_loan(w->p, w->len, w->buf);
	if (*st != SHMPRIM_ERR_FULL)
		return 1;
	if (peer_check_due(&w->p->calls, &w->p->next_check_ns, w->interval, 0)) {
		*st = peer_status(sp_channel_producer_peer_word(w->p));
		if (*st != SHMPRIM_OK)
			return 1;
	}
	*st = SHMPRIM_ERR_FULL;
	return 0;
}

static shmprim_status producer_wait(struct producer_wait *w, uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	shmprim_status st;

	if (!w->p || (!w->msg && !w->buf))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!w->p->header)
		return SHMPRIM_ERR_INVALID_STATE;
	w->interval = check_interval(opts);
	/* Also while sends succeed: a dead consumer is reported within one interval. */
	if (peer_check_due(&w->p->calls, &w->p->next_check_ns, w->interval, 0)) {
		st = peer_status(sp_channel_producer_peer_word(w->p));
		if (st != SHMPRIM_OK)
			return st;
	}
	if (producer_attempt(w, &st)) {
		if (st == SHMPRIM_OK && w->msg)
			sp_wake_flag(&w->p->header->consumer_sleeping);
		return st;
	}
	/* Full: what non-blocking sends left unannounced must not wait on us. */
	sp_wake_flag(&w->p->header->consumer_sleeping);
	if (timeout_ns == 0)
		return SHMPRIM_ERR_TIMED_OUT;
	st = sp_wait_on_flag(producer_attempt, w, &w->p->header->producer_sleeping, timeout_ns, opts);
	if (st == SHMPRIM_OK && w->msg)
		sp_wake_flag(&w->p->header->consumer_sleeping);
	return st;
}

shmprim_status shmprim_channel_send_wait(shmprim_channel_producer *p, const void *msg, uint32_t len,
                                         uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	struct producer_wait w;

	if (!msg)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	memset(&w, 0, sizeof(w));
	w.p = p;
	w.msg = msg;
	w.len = len;
	return producer_wait(&w, timeout_ns, opts);
}

shmprim_status shmprim_channel_loan_wait(shmprim_channel_producer *p, uint32_t len, void **buf, uint64_t timeout_ns,
                                         const shmprim_wait_opts *opts)
{
	struct producer_wait w;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.len = len;
	w.buf = buf;
	return producer_wait(&w, timeout_ns, opts);
}

void shmprim_channel_notify_consumer(shmprim_channel_producer *p)
{
	if (p && p->header)
		sp_wake_flag(&p->header->consumer_sleeping);
}

void shmprim_channel_notify_producer(shmprim_channel_consumer *c)
{
	if (c && c->header)
		sp_wake_flag(&c->header->producer_sleeping);
}

struct consumer_wait {
	shmprim_channel_consumer *c;
	shmprim_channel_msg *view; /* receive */
	void *buf;                 /* recv */
	uint32_t cap;
	uint32_t *len;
	uint64_t interval;
};

static shmprim_status consumer_try(struct consumer_wait *w)
{
	return w->view ? shmprim_channel_receive(w->c, w->view) : shmprim_channel_recv(w->c, w->buf, w->cap, w->len);
}

static int consumer_attempt(void *ctx, shmprim_status *st)
{
	struct consumer_wait *w = ctx;

	*st = consumer_try(w);
	if (*st != SHMPRIM_ERR_EMPTY)
		return 1;
	if (peer_check_due(&w->c->calls, &w->c->next_check_ns, w->interval, 0)) {
		shmprim_status peer = peer_status(sp_channel_consumer_peer_word(w->c));

		if (peer != SHMPRIM_OK) {
			/* Everything the dead producer sent first: one more look. */
			*st = consumer_try(w);
			if (*st == SHMPRIM_ERR_EMPTY)
				*st = peer;
			return 1;
		}
	}
	*st = SHMPRIM_ERR_EMPTY;
	return 0;
}

static shmprim_status consumer_wait(struct consumer_wait *w, uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	shmprim_status st;

	if (!w->c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!w->c->header)
		return SHMPRIM_ERR_INVALID_STATE;
	w->interval = check_interval(opts);
	if (consumer_attempt(w, &st)) {
		if (st == SHMPRIM_OK && !w->view)
			sp_wake_flag(&w->c->header->producer_sleeping);
		return st;
	}
	/* Empty: a producer waiting for room we released without a wake must not wait on us. */
	sp_wake_flag(&w->c->header->producer_sleeping);
	if (timeout_ns == 0)
		return SHMPRIM_ERR_TIMED_OUT;
	st = sp_wait_on_flag(consumer_attempt, w, &w->c->header->consumer_sleeping, timeout_ns, opts);
	if (st == SHMPRIM_OK && !w->view)
		sp_wake_flag(&w->c->header->producer_sleeping);
	return st;
}

shmprim_status shmprim_channel_recv_wait(shmprim_channel_consumer *c, void *buf, uint32_t cap, uint32_t *len,
                                         uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	struct consumer_wait w;

	if (!buf || !len)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.buf = buf;
	w.cap = cap;
	w.len = len;
	return consumer_wait(&w, timeout_ns, opts);
}

shmprim_status shmprim_channel_receive_wait(shmprim_channel_consumer *c, shmprim_channel_msg *view,
                                            uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	struct consumer_wait w;

	if (!view)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.view = view;
	return consumer_wait(&w, timeout_ns, opts);
}
