/*
 * The channel's algorithm (include/shmprim/channel.h; the bytes: layout.h).
 * Freestanding: atomics through the seam, no system calls.
 *
 * A byte ring of framed records. The producer owns [released, head) minus
 * what it has published; the consumer reads records from its tail, which
 * runs ahead of the released position it last stored.
 *
 * Pairings:
 *   S1 (producer: a record header, release) pairs with R1 (consumer: that
 *      header, acquire): the message bytes, and the zeroed header word
 *      after the record, are visible to a consumer that sees the header.
 *      A pad is stored after the record it skips to, so a consumer that
 *      follows a pad finds that record published.
 *   R2 (consumer: released, release) pairs with S2 (producer: released,
 *      acquire): the consumer has finished reading the bytes it gives back
 *      before the producer writes over them.
 *   K3/K4 (src/claim_word.h): a side closes after its last S1 or R2, so a
 *      peer that reads CLOSED (K4) and then looks again finds everything.
 *   S3 (producer: sent, relaxed) is a hint for inspection and for
 *      bytes_in_flight: nothing decides on it.
 *
 * Invariant: before the producer publishes the record at position q (S1),
 * it has zeroed the header word at the record's end. The consumer reads the
 * word at a position only after the record ending there, so it never takes
 * an old lap's message bytes for a header; the tag (position / 8 + 1) in
 * every header also makes an old lap's header read as "not yet".
 *
 * Untrusted: the consumer checks each header (tag, kind, length, extent, and
 * that it stays within one ring of what it last released); the producer
 * checks the consumer's released position (8-aligned, not behind what it saw
 * before, not past head). Every loop is bounded by its argument or by
 * data_bytes / 8.
 */
#include <string.h>

#include <shmprim/channel.h>

#include "../backends/shmprim_atomic.h"
#include "channel_internal.h"
#include "checksum.h"
#include "placement.h"
#include "test_hooks.h"

#define RECORD_HEADER SHMPRIM_CHANNEL_RECORD_HEADER
#define HELD 1u

static uint32_t round8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

static uint32_t record_bytes(uint32_t len)
{
	return RECORD_HEADER + round8(len);
}

/* The tag a record at free-running position pos carries (layout.h). */
static uint32_t tag_of(uint64_t pos)
{
	return (uint32_t)(pos >> 3) + 1u;
}

static uint64_t header_word(uint64_t pos, uint32_t kind_len)
{
	return ((uint64_t)tag_of(pos) << 32) | kind_len;
}

static uint64_t *word_at(unsigned char *data, uint32_t data_bytes, uint64_t pos)
{
	return (uint64_t *)(void *)(data + (size_t)(pos & (data_bytes - 1u)));
}

static int data_bytes_ok(uint32_t data_bytes)
{
	return data_bytes >= SHMPRIM_CHANNEL_MIN_DATA && data_bytes <= SHMPRIM_CHANNEL_MAX_DATA &&
	       (data_bytes & (data_bytes - 1u)) == 0;
}

size_t shmprim_channel_required_size(uint32_t data_bytes)
{
	return data_bytes_ok(data_bytes) ? (size_t)SHMPRIM_CHANNEL_HEADER_SIZE + data_bytes : 0;
}

uint32_t shmprim_channel_max_message_for(uint32_t data_bytes)
{
	/* Worst case at the wrap: a pad of up to one record less 8, the record,
	 * and the next header word: 2 * record_bytes(max) <= data_bytes. */
	return data_bytes_ok(data_bytes) ? data_bytes / 2u - RECORD_HEADER : 0;
}

/* ---- create and open ---- */

static void fill_channel(shmprim_channel *ch, unsigned char *at, uint32_t data_bytes, uint32_t max_message)
{
	ch->header = (shmprim_channel_header *)(void *)at;
	ch->data = at + SHMPRIM_CHANNEL_HEADER_SIZE;
	ch->data_bytes = data_bytes;
	ch->max_message = max_message;
}

static void no_mapping(shmprim_channel *ch)
{
	memset(&ch->shm, 0, sizeof(ch->shm));
	ch->shm.fd = -1;
}

shmprim_status shmprim_channel_init(shmprim_channel *ch, shmprim_region region, size_t offset, uint32_t data_bytes,
                                    uint32_t max_message)
{
	shmprim_channel_header *h;
	unsigned char *at;
	shmprim_status st;

	if (!ch)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!data_bytes_ok(data_bytes))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (max_message == 0 || max_message > shmprim_channel_max_message_for(data_bytes))
		return SHMPRIM_ERR_MESSAGE_SIZE;
	st = shmprim_place(region, offset, shmprim_channel_required_size(data_bytes), &at);
	if (st != SHMPRIM_OK)
		return st;
	h = (shmprim_channel_header *)(void *)at;
	memset(h, 0, sizeof(*h));
	h->version = SHMPRIM_CHANNEL_VERSION;
	h->data_bytes = data_bytes;
	h->max_message = max_message;
	h->header_size = SHMPRIM_CHANNEL_HEADER_SIZE;
	h->total_bytes = (uint64_t)SHMPRIM_CHANNEL_HEADER_SIZE + data_bytes;
	h->magic = SHMPRIM_CHANNEL_MAGIC;
	h->checksum = shmprim_fnv1a(h, SHMPRIM_CHANNEL_CHECKSUM_SPAN);
	h->magic = 0;
	/* Only the first header word must read "empty"; zero it all so that an
	 * inspection of a fresh channel finds nothing but zeros. */
	memset(at + SHMPRIM_CHANNEL_HEADER_SIZE, 0, data_bytes);
	/* Magic last, with release: an opener that sees it sees the rest. */
	sp_store_release_u32(&h->magic, SHMPRIM_CHANNEL_MAGIC); /* I1: pairs with A1 */
	fill_channel(ch, at, data_bytes, max_message);
	no_mapping(ch);
	return SHMPRIM_OK;
}

/* Validates a private copy of line 0. */
static shmprim_status validate_header(const shmprim_channel_header *local)
{
	if (local->magic != SHMPRIM_CHANNEL_MAGIC)
		return local->magic == shmprim_bswap32(SHMPRIM_CHANNEL_MAGIC) ? SHMPRIM_ERR_WRONG_ENDIAN
		                                                             : SHMPRIM_ERR_BAD_MAGIC;
	if (local->version != SHMPRIM_CHANNEL_VERSION)
		return SHMPRIM_ERR_BAD_VERSION;
	if (!data_bytes_ok(local->data_bytes) || local->max_message == 0 ||
	    local->max_message > shmprim_channel_max_message_for(local->data_bytes) ||
	    local->header_size != SHMPRIM_CHANNEL_HEADER_SIZE ||
	    local->total_bytes != (uint64_t)SHMPRIM_CHANNEL_HEADER_SIZE + local->data_bytes || local->flags != 0 ||
	    !shmprim_all_zero(local->reserved0, sizeof(local->reserved0)))
		return SHMPRIM_ERR_BAD_GEOMETRY;
	if (local->checksum != shmprim_fnv1a(local, SHMPRIM_CHANNEL_CHECKSUM_SPAN))
		return SHMPRIM_ERR_BAD_CHECKSUM;
	return SHMPRIM_OK;
}

static shmprim_status attach_checked(shmprim_channel *ch, shmprim_region region, size_t offset, int expect,
                                     uint32_t data_bytes, uint32_t max_message)
{
	shmprim_channel_header local;
	shmprim_channel_header *h;
	unsigned char *at;
	shmprim_status st;

	if (!ch)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_place(region, offset, SHMPRIM_CHANNEL_HEADER_SIZE, &at);
	if (st != SHMPRIM_OK)
		return st;
	h = (shmprim_channel_header *)(void *)at;
	/* One read of the immutable line into private memory; only the copy is used. */
	local.magic = sp_load_acquire_u32(&h->magic); /* A1: pairs with I1 */
	memcpy((unsigned char *)&local + sizeof(local.magic), at + sizeof(local.magic),
	       offsetof(shmprim_channel_header, sent) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (expect && (local.data_bytes != data_bytes || local.max_message != max_message))
		return SHMPRIM_ERR_UNEXPECTED_GEOMETRY;
	if (region.len - offset < local.total_bytes)
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	fill_channel(ch, at, local.data_bytes, local.max_message);
	no_mapping(ch);
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_attach(shmprim_channel *ch, shmprim_region region, size_t offset)
{
	return attach_checked(ch, region, offset, 0, 0, 0);
}

shmprim_status shmprim_channel_attach_expect(shmprim_channel *ch, shmprim_region region, size_t offset,
                                             uint32_t data_bytes, uint32_t max_message)
{
	return attach_checked(ch, region, offset, 1, data_bytes, max_message);
}

/* ---- sides ---- */

static int producer_held(const shmprim_channel_producer *p)
{
	return p && p->state == HELD;
}

static int consumer_held(const shmprim_channel_consumer *c)
{
	return c && c->state == HELD;
}

/* The end of the last record published from released on: records are read
 * like a consumer would, up to the first word that is not one. *messages and
 * *bytes (may be NULL) count the messages and their bytes on the way. */
static shmprim_status find_published_end(const shmprim_channel *ch, uint64_t released, uint64_t *end,
                                         uint32_t *messages, uint64_t *bytes)
{
	uint64_t pos = released, payload = 0;
	uint32_t steps, count = 0;
	shmprim_status st = SHMPRIM_OK;

	for (steps = 0; steps <= ch->data_bytes / RECORD_HEADER; steps++) {
		uint64_t w = sp_load_acquire_u64(word_at(ch->data, ch->data_bytes, pos)); /* R1: pairs with S1 */
		uint32_t off = (uint32_t)(pos & (ch->data_bytes - 1u));
		uint32_t kind_len = (uint32_t)w;
		uint32_t span;

		SHMPRIM_LOOP_TICK();
		if ((uint32_t)(w >> 32) != tag_of(pos))
			break;
		if (kind_len & SHMPRIM_CHANNEL_PAD) {
			span = kind_len & ~SHMPRIM_CHANNEL_PAD;
		} else if (kind_len >= 1 && kind_len <= ch->max_message) {
			span = record_bytes(kind_len);
		} else {
			st = SHMPRIM_ERR_CORRUPT;
			break;
		}
		if (span > ch->data_bytes - off || ((kind_len & SHMPRIM_CHANNEL_PAD) && span != ch->data_bytes - off) ||
		    pos + span - released > ch->data_bytes - RECORD_HEADER) {
			st = SHMPRIM_ERR_CORRUPT;
			break;
		}
		if (!(kind_len & SHMPRIM_CHANNEL_PAD)) {
			count++;
			payload += kind_len;
		}
		pos += span;
	}
	*end = pos;
	if (messages)
		*messages = count;
	if (bytes)
		*bytes = payload;
	return st;
}

shmprim_status shmprim_channel_snapshot_of(const shmprim_channel *ch, shmprim_channel_snapshot *out)
{
	shmprim_channel_header *h;

	if (!ch || !ch->header || !out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	h = ch->header;
	memset(out, 0, sizeof(*out));
	out->released = sp_load_acquire_u64(&h->released);                   /* S2's reading: pairs with R2 */
	out->sent_hint = sp_load_relaxed_u64(&h->sent);                      /* S3's hint */
	out->producer_claim = sp_claim_peek(&h->producer_claim);             /* K4 */
	out->consumer_claim = sp_claim_peek(&h->consumer_claim);             /* K4 */
	out->producer_sleeping = sp_load_relaxed_u32(&h->producer_sleeping); /* a snapshot: no partner */
	out->consumer_sleeping = sp_load_relaxed_u32(&h->consumer_sleeping); /* a snapshot: no partner */
	if (out->released & 7u) {
		out->published_end = out->released;
		out->records = SHMPRIM_ERR_CORRUPT;
		return SHMPRIM_OK;
	}
	out->records = find_published_end(ch, out->released, &out->published_end, &out->messages, &out->message_bytes);
	return SHMPRIM_OK;
}

shmprim_status sp_channel_take_producer(shmprim_channel *ch, shmprim_channel_producer *p, shmprim_proc_token me,
                                        sp_liveness_fn liveness, shmprim_claim_holder *holder)
{
	shmprim_channel_header *h;
	uint64_t previous = 0, released, head = 0;
	shmprim_status st;

	if (!ch || !ch->header || !p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	h = ch->header;
	memset(p, 0, sizeof(*p));
	st = sp_claim_take(&h->producer_claim, me, liveness, holder, &previous);
	if (st != SHMPRIM_OK)
		return st;
	/* The side is ours: find where the last producer stopped. */
	released = sp_load_acquire_u64(&h->released); /* S2: pairs with R2 */
	if (released & 7u)
		st = SHMPRIM_ERR_CORRUPT;
	else
		st = find_published_end(ch, released, &head, NULL, NULL);
	if (st != SHMPRIM_OK) {
		(void)sp_claim_give_back(&h->producer_claim, me, previous); /* as it was */
		return st;
	}
	p->header = h;
	p->data = ch->data;
	p->data_bytes = ch->data_bytes;
	p->max_message = ch->max_message;
	p->head = head;
	p->released_seen = released;
	p->token = me;
	p->peer_seen = sp_claim_peek(&h->consumer_claim);
	p->state = HELD;
	/* A predecessor may have died between writing a record's bytes and
	 * zeroing the word after the last published one: the invariant needs 0. */
	sp_store_relaxed_u64(word_at(p->data, p->data_bytes, head), 0); /* published by the next S1 */
	sp_store_relaxed_u64(&h->sent, head); /* S3: a hint */
	return SHMPRIM_OK;
}

shmprim_status sp_channel_take_consumer(shmprim_channel *ch, shmprim_channel_consumer *c, shmprim_proc_token me,
                                        sp_liveness_fn liveness, shmprim_claim_holder *holder)
{
	shmprim_channel_header *h;
	uint64_t previous = 0, released;
	shmprim_status st;

	if (!ch || !ch->header || !c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	h = ch->header;
	memset(c, 0, sizeof(*c));
	st = sp_claim_take(&h->consumer_claim, me, liveness, holder, &previous);
	if (st != SHMPRIM_OK)
		return st;
	/* Resume at what the last consumer released (its own R2, or K1's
	 * acquire after its give-back). */
	released = sp_load_acquire_u64(&h->released);
	if (released & 7u) {
		(void)sp_claim_give_back(&h->consumer_claim, me, previous);
		return SHMPRIM_ERR_CORRUPT;
	}
	c->header = h;
	c->data = ch->data;
	c->data_bytes = ch->data_bytes;
	c->max_message = ch->max_message;
	c->tail = released;
	c->released = released;
	c->token = me;
	c->peer_seen = sp_claim_peek(&h->producer_claim);
	c->state = HELD;
	return SHMPRIM_OK;
}

static shmprim_status producer_give_back(shmprim_channel_producer *p, uint64_t to)
{
	shmprim_status st;

	if (!producer_held(p))
		return p ? SHMPRIM_ERR_INVALID_STATE : SHMPRIM_ERR_NULL_ARGUMENT;
	p->loan_len = 0;
	p->state = 0;
	st = sp_claim_give_back(&p->header->producer_claim, p->token, to); /* K3: after every S1 */
	return st;
}

shmprim_status shmprim_channel_producer_close(shmprim_channel_producer *p)
{
	return producer_give_back(p, SHMPRIM_CLAIM_CLOSED);
}

shmprim_status shmprim_channel_producer_leave(shmprim_channel_producer *p)
{
	return producer_give_back(p, SHMPRIM_CLAIM_FREE);
}

static shmprim_status consumer_give_back(shmprim_channel_consumer *c, uint64_t to)
{
	if (!consumer_held(c))
		return c ? SHMPRIM_ERR_INVALID_STATE : SHMPRIM_ERR_NULL_ARGUMENT;
	c->state = 0;
	c->pending = 0;
	return sp_claim_give_back(&c->header->consumer_claim, c->token, to); /* K3: after every R2 */
}

shmprim_status shmprim_channel_consumer_close(shmprim_channel_consumer *c)
{
	return consumer_give_back(c, SHMPRIM_CLAIM_CLOSED);
}

shmprim_status shmprim_channel_consumer_leave(shmprim_channel_consumer *c)
{
	return consumer_give_back(c, SHMPRIM_CLAIM_FREE);
}

uint64_t sp_channel_producer_peer_word(shmprim_channel_producer *p)
{
	uint64_t w = sp_claim_peek(&p->header->consumer_claim);

	if (w != p->peer_seen) {
		p->peer_seen = w;
		p->peer_changes++;
	}
	return w;
}

uint64_t sp_channel_consumer_peer_word(shmprim_channel_consumer *c)
{
	uint64_t w = sp_claim_peek(&c->header->producer_claim);

	if (w != c->peer_seen) {
		c->peer_seen = w;
		c->peer_changes++;
	}
	return w;
}

uint64_t sp_channel_bytes_in_flight(const shmprim_channel_header *h, uint32_t data_bytes)
{
	uint64_t sent = sp_load_relaxed_u64(&h->sent);           /* S3's hint */
	uint64_t released = sp_load_relaxed_u64(&h->released);   /* a snapshot */

	/* data_bytes: the handle's private copy (the header's may be scribbled). */
	return sent - released <= data_bytes ? sent - released : 0;
}

/* ---- producer ---- */

/* Room for a record of len at head, a pad before it if it would cross the
 * end, and the next header word: on SHMPRIM_OK, *at is where the record goes
 * and *pad the bytes skipped before it. */
static shmprim_status reserve(shmprim_channel_producer *p, uint32_t len, uint64_t *at, uint32_t *pad)
{
	uint32_t rec, off, to_end, skip;
	uint64_t need, released;

	if (len == 0 || len > p->max_message)
		return SHMPRIM_ERR_MESSAGE_SIZE;
	if (sp_claim_peek(&p->header->consumer_claim) == SHMPRIM_CLAIM_CLOSED) /* K4: pairs with K3 */
		return SHMPRIM_ERR_CLOSED;
	rec = record_bytes(len);
	off = (uint32_t)(p->head & (p->data_bytes - 1u));
	to_end = p->data_bytes - off;
	skip = rec > to_end ? to_end : 0;
	need = (uint64_t)skip + rec + RECORD_HEADER;
	if (p->head + need - p->released_seen > p->data_bytes) {
		released = sp_load_acquire_u64(&p->header->released); /* S2: pairs with R2 */
		/* Only forward, and never past what was published. */
		if ((released & 7u) || released - p->released_seen > p->head - p->released_seen)
			return SHMPRIM_ERR_CORRUPT;
		p->released_seen = released;
		if (sp_claim_check(&p->header->producer_claim, p->token) != SHMPRIM_OK) /* K2 */
			return SHMPRIM_ERR_CLAIM_LOST;
		(void)sp_channel_producer_peer_word(p);
		if (p->head + need - released > p->data_bytes)
			return SHMPRIM_ERR_FULL;
	}
	*at = p->head + skip;
	*pad = skip;
	return SHMPRIM_OK;
}

/* Publishes the record of len at *at (reserved with pad bytes before it). */
static void publish(shmprim_channel_producer *p, uint64_t at, uint32_t pad, uint32_t len)
{
	uint64_t end = at + record_bytes(len);

	sp_plain_write(p->data + (size_t)(at & (p->data_bytes - 1u)) + RECORD_HEADER, len);
	/* The invariant: the word after the record reads 0 before the record is seen. */
	sp_store_relaxed_u64(word_at(p->data, p->data_bytes, end), 0); /* ordered by S1 */
	sp_store_release_u64(word_at(p->data, p->data_bytes, at), header_word(at, len)); /* S1: pairs with R1 */
	if (pad)
		sp_store_release_u64(word_at(p->data, p->data_bytes, p->head),
		                     header_word(p->head, SHMPRIM_CHANNEL_PAD | pad)); /* S1 (pad): pairs with R1 */
	p->head = end;
	sp_store_relaxed_u64(&p->header->sent, end); /* S3: a hint */
}

shmprim_status shmprim_channel_loan(shmprim_channel_producer *p, uint32_t len, void **buf)
{
	shmprim_status st;
	uint64_t at;
	uint32_t pad;

	if (!p || !buf)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!producer_held(p) || p->loan_len != 0)
		return SHMPRIM_ERR_INVALID_STATE;
	st = reserve(p, len, &at, &pad);
	if (st != SHMPRIM_OK)
		return st;
	p->loan_len = len;
	p->loan_at = at;
	*buf = p->data + (size_t)(at & (p->data_bytes - 1u)) + RECORD_HEADER;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_send_loan(shmprim_channel_producer *p, uint32_t len)
{
	if (!p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!producer_held(p) || p->loan_len == 0)
		return SHMPRIM_ERR_INVALID_STATE;
	if (len == 0 || len > p->loan_len)
		return SHMPRIM_ERR_MESSAGE_SIZE;
	publish(p, p->loan_at, (uint32_t)(p->loan_at - p->head), len);
	p->loan_len = 0;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_cancel_loan(shmprim_channel_producer *p)
{
	if (!p)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!producer_held(p) || p->loan_len == 0)
		return SHMPRIM_ERR_INVALID_STATE;
	p->loan_len = 0;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_send(shmprim_channel_producer *p, const void *msg, uint32_t len)
{
	shmprim_status st;
	uint64_t at;
	uint32_t pad;

	if (!p || !msg)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!producer_held(p) || p->loan_len != 0)
		return SHMPRIM_ERR_INVALID_STATE;
	st = reserve(p, len, &at, &pad);
	if (st != SHMPRIM_OK)
		return st;
	memcpy(p->data + (size_t)(at & (p->data_bytes - 1u)) + RECORD_HEADER, msg, len);
	publish(p, at, pad, len);
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_send_batch(shmprim_channel_producer *p, const shmprim_channel_msg *msgs, uint32_t n,
                                          uint32_t *sent)
{
	shmprim_status st = SHMPRIM_OK;
	uint32_t i;

	if (sent)
		*sent = 0;
	if (!p || (!msgs && n))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	for (i = 0; i < n; i++) {
		SHMPRIM_LOOP_TICK();
		st = shmprim_channel_send(p, msgs[i].data, msgs[i].len);
		if (st != SHMPRIM_OK)
			break;
	}
	if (sent)
		*sent = i;
	return st;
}

/* ---- consumer ---- */

/* What the consumer finds at its tail: a message (*view), or why not. */
static shmprim_status next_record(shmprim_channel_consumer *c, shmprim_channel_msg *view)
{
	int pads;

	/* At most one pad before a message: a pad runs to the end, and offset 0 holds a record. */
	for (pads = 0; pads < 2; pads++) {
		uint64_t pos = c->tail;
		uint32_t off = (uint32_t)(pos & (c->data_bytes - 1u));
		uint64_t w = sp_load_acquire_u64(word_at((unsigned char *)c->data, c->data_bytes, pos)); /* R1: pairs with S1 */
		uint32_t kind_len = (uint32_t)w;
		uint32_t span;

		SHMPRIM_LOOP_TICK();
		if ((uint32_t)(w >> 32) != tag_of(pos))
			return SHMPRIM_ERR_EMPTY;
		if (kind_len & SHMPRIM_CHANNEL_PAD) {
			span = kind_len & ~SHMPRIM_CHANNEL_PAD;
			if (span != c->data_bytes - off || off == 0)
				return SHMPRIM_ERR_CORRUPT;
		} else {
			if (kind_len == 0 || kind_len > c->max_message)
				return SHMPRIM_ERR_CORRUPT;
			span = record_bytes(kind_len);
			if (span > c->data_bytes - off)
				return SHMPRIM_ERR_CORRUPT;
		}
		/* Never more than one ring ahead of what was given back. */
		if (pos + span - c->released > c->data_bytes - RECORD_HEADER)
			return SHMPRIM_ERR_CORRUPT;
		c->tail = pos + span;
		if (!(kind_len & SHMPRIM_CHANNEL_PAD)) {
			view->data = c->data + off + RECORD_HEADER;
			view->len = kind_len;
			sp_plain_read(view->data, kind_len);
			return SHMPRIM_OK;
		}
	}
	return SHMPRIM_ERR_CORRUPT; /* two pads in a row */
}

/* Nothing at the tail: END if the producer closed and nothing came before
 * it did, else EMPTY. */
static shmprim_status empty_or_end(shmprim_channel_consumer *c, shmprim_channel_msg *view)
{
	if (sp_channel_consumer_peer_word(c) != SHMPRIM_CLAIM_CLOSED) { /* K4: pairs with K3 */
		if (sp_claim_check(&c->header->consumer_claim, c->token) != SHMPRIM_OK) /* K2 */
			return SHMPRIM_ERR_CLAIM_LOST;
		return SHMPRIM_ERR_EMPTY;
	}
	/* Closed after its last S1: look once more. */
	{
		shmprim_status st = next_record(c, view);

		return st == SHMPRIM_ERR_EMPTY ? SHMPRIM_ERR_END : st;
	}
}

shmprim_status shmprim_channel_receive(shmprim_channel_consumer *c, shmprim_channel_msg *view)
{
	shmprim_status st;

	if (!c || !view)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!consumer_held(c))
		return SHMPRIM_ERR_INVALID_STATE;
	st = next_record(c, view);
	if (st == SHMPRIM_ERR_EMPTY)
		st = empty_or_end(c, view);
	if (st == SHMPRIM_OK)
		c->pending++;
	return st;
}

shmprim_status shmprim_channel_receive_batch(shmprim_channel_consumer *c, shmprim_channel_msg *views, uint32_t n,
                                             uint32_t *got)
{
	shmprim_status st = SHMPRIM_OK;
	uint32_t i;

	if (got)
		*got = 0;
	if (!c || (!views && n))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	for (i = 0; i < n; i++) {
		SHMPRIM_LOOP_TICK();
		st = shmprim_channel_receive(c, &views[i]);
		if (st != SHMPRIM_OK)
			break;
	}
	if (got)
		*got = i;
	return i > 0 ? SHMPRIM_OK : st;
}

shmprim_status shmprim_channel_release(shmprim_channel_consumer *c)
{
	if (!c)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!consumer_held(c))
		return SHMPRIM_ERR_INVALID_STATE;
	if (c->tail == c->released)
		return SHMPRIM_OK;
	/* A taken-over handle must not move the successor's position (one load
	 * of the claims line, which nobody writes while the side is held). */
	if (sp_claim_check(&c->header->consumer_claim, c->token) != SHMPRIM_OK) /* K2: pairs with K1 */
		return SHMPRIM_ERR_CLAIM_LOST;
	c->released = c->tail;
	c->pending = 0;
	sp_store_release_u64(&c->header->released, c->released); /* R2: pairs with S2 */
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_recv(shmprim_channel_consumer *c, void *buf, uint32_t cap, uint32_t *len)
{
	shmprim_channel_msg view;
	shmprim_status st;
	uint64_t before;

	if (!c || !buf || !len)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!consumer_held(c))
		return SHMPRIM_ERR_INVALID_STATE;
	before = c->tail;
	st = shmprim_channel_receive(c, &view);
	if (st != SHMPRIM_OK)
		return st;
	*len = view.len;
	if (view.len > cap) {
		c->tail = before; /* not received: it stays for a larger buffer */
		c->pending--;
		return SHMPRIM_ERR_MESSAGE_SIZE;
	}
	memcpy(buf, view.data, view.len);
	return shmprim_channel_release(c);
}
