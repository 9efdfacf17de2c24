/* Channel decode. The library's own open checks the header (it copies line
 * 0 once into private memory and validates the copy) and its snapshot reads
 * every moving word once and walks the published records from the released
 * position, at most one ring: both only read, and the mapping is PROT_READ,
 * so a write would fault rather than land. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <shmprim/channel.h>

#include "refuse.h"

static void claim_of(uint64_t word, insp_claim *out)
{
	shmprim_claim_holder h;

	shmprim_claim_describe(word, &h);
	out->word = word;
	out->state = h.state;
	out->pid = (uint32_t)h.pid;
	out->start_ticks = h.start_ticks;
	out->life = h.state != SHMPRIM_SIDE_HELD ? INSP_NONE
	            : h.liveness == SHMPRIM_DEAD  ? INSP_DEAD
	            : h.liveness == SHMPRIM_ALIVE ? INSP_ALIVE
	                                          : INSP_UNKNOWN;
}

void insp_channel_decode(const insp_map *m, insp_struct *s)
{
	insp_channel *c = &s->u.channel;
	shmprim_channel ch;
	shmprim_channel_snapshot snap;
	shmprim_region region;
	shmprim_status st;
	shmprim_channel_header line0;

	s->ok = 0;
	memset(c, 0, sizeof(*c));
	if (insp_check_place(m, s, SHMPRIM_CHANNEL_HEADER_SIZE) != 0)
		return;
	/* For a refusal's message only (open makes its own copy to decide on). */
	memcpy(&line0, m->base + s->offset, offsetof(shmprim_channel_header, sent));
	region = shmprim_region_from_raw((void *)(uintptr_t)m->base, m->len);
	st = shmprim_channel_attach(&ch, region, (size_t)s->offset);
	if (st != SHMPRIM_OK) {
		insp_refusal(s, st, line0.magic, line0.version, 0, 0, line0.total_bytes, (uint64_t)m->len - s->offset);
		return;
	}
	shmprim_channel_snapshot_of(&ch, &snap);
	c->version = SHMPRIM_CHANNEL_VERSION;
	c->data_bytes = ch.data_bytes;
	c->max_message = ch.max_message;
	c->bytes = (uint64_t)SHMPRIM_CHANNEL_HEADER_SIZE + ch.data_bytes;
	c->released = snap.released;
	c->published_end = snap.published_end;
	c->sent_hint = snap.sent_hint;
	c->messages = snap.messages;
	c->message_bytes = snap.message_bytes;
	c->records_ok = snap.records == SHMPRIM_OK;
	c->producer_sleeping = snap.producer_sleeping;
	c->consumer_sleeping = snap.consumer_sleeping;
	claim_of(snap.producer_claim, &c->producer);
	claim_of(snap.consumer_claim, &c->consumer);
	s->ok = 1;
}
