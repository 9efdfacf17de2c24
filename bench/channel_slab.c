/*
 * Design B: slab of max-size records + SPSC ring of slot handles (see
 * channel_slab.h). Every shared word goes through the library's calls; the
 * one word this file reads from shared memory itself, the length prefix, is
 * read once into a local and checked before use.
 */
#include <string.h>

#include "channel_slab.h"

static uint32_t slot_size_for(uint32_t max_message)
{
	return (CHSLAB_PREFIX + max_message + 7u) & ~7u;
}

static size_t slab_offset(uint32_t slots)
{
	size_t n = shmprim_spsc_required_size(slots, (uint32_t)sizeof(shmprim_slot_handle));

	return (n + SHMPRIM_ALIGN - 1u) & ~(size_t)(SHMPRIM_ALIGN - 1u);
}

size_t chslab_required_size(uint32_t slots, uint32_t max_message)
{
	return slab_offset(slots) + shmprim_slab_required_size(slots, slot_size_for(max_message));
}

shmprim_status chslab_init(chslab *ch, shmprim_region region, uint32_t slots, uint32_t max_message)
{
	shmprim_status st;

	memset(ch, 0, sizeof(*ch));
	st = shmprim_spsc_init(&ch->ring, region, 0, slots, (uint32_t)sizeof(shmprim_slot_handle));
	if (st != SHMPRIM_OK)
		return st;
	return shmprim_slab_init(&ch->slab, region, slab_offset(slots), slots, slot_size_for(max_message));
}

shmprim_status chslab_attach(chslab *ch, shmprim_region region, uint32_t slots, uint32_t max_message,
                             uint32_t owner_id)
{
	shmprim_spsc_expect re;
	shmprim_slab_expect se;
	shmprim_status st;

	memset(ch, 0, sizeof(*ch));
	re.entry_size = (uint32_t)sizeof(shmprim_slot_handle);
	re.min_capacity = slots;
	re.max_capacity = slots;
	st = shmprim_spsc_attach_expect(&ch->ring, region, 0, slab_offset(slots), &re);
	if (st != SHMPRIM_OK)
		return st;
	se.slot_size = slot_size_for(max_message);
	se.min_slot_count = slots;
	se.max_slot_count = slots;
	st = shmprim_slab_attach_expect(&ch->slab, region, slab_offset(slots),
	                                shmprim_slab_required_size(slots, se.slot_size), &se);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_slab_set_owner(&ch->slab, owner_id);
	if (st != SHMPRIM_OK)
		return st;
	shmprim_spsc_split(&ch->ring, &ch->prod, &ch->cons);
	ch->slots = slots;
	ch->max_message = max_message;
	return SHMPRIM_OK;
}

shmprim_status chslab_loan(chslab *ch, uint32_t len, chslab_msg *loan)
{
	unsigned char *slot;

	if (len == 0 || len > ch->max_message)
		return SHMPRIM_ERR_MESSAGE_SIZE;
	switch (shmprim_slab_try_alloc(&ch->slab, &loan->h)) {
	case SHMPRIM_ALLOC_OK:
		break;
	case SHMPRIM_ALLOC_WOULD_BLOCK:
		return SHMPRIM_ERR_FULL;
	case SHMPRIM_ALLOC_CONTENDED:
		return SHMPRIM_ERR_CONTENDED;
	default:
		return SHMPRIM_ERR_CORRUPT;
	}
	slot = (unsigned char *)shmprim_slab_slot_data(&ch->slab, loan->h);
	if (!slot)
		return SHMPRIM_ERR_CORRUPT;
	loan->data = slot + CHSLAB_PREFIX;
	loan->len = len;
	return SHMPRIM_OK;
}

shmprim_status chslab_send_loan(chslab *ch, chslab_msg *loan, uint32_t len)
{
	shmprim_push_result pr;
	shmprim_status st;

	if (len == 0 || len > loan->len)
		return SHMPRIM_ERR_MESSAGE_SIZE;
	memcpy(loan->data - CHSLAB_PREFIX, &len, sizeof(len));
	st = shmprim_slab_mark_in_flight(&ch->slab, loan->h);
	if (st != SHMPRIM_OK)
		return st;
	/* The ring has a cell for every slot, so a live consumer never leaves it
	 * full while a slot is free; the push publishes prefix and message. */
	pr = shmprim_spsc_push(&ch->prod, &loan->h);
	if (pr != SHMPRIM_PUSH_OK) {
		/* Full (more handles than slots: the consumer's index is wrong) or corrupt. */
		(void)shmprim_slab_free(&ch->slab, loan->h);
		return SHMPRIM_ERR_CORRUPT;
	}
	return SHMPRIM_OK;
}

shmprim_status chslab_send(chslab *ch, const void *msg, uint32_t len)
{
	chslab_msg loan;
	shmprim_status st = chslab_loan(ch, len, &loan);

	if (st != SHMPRIM_OK)
		return st;
	memcpy(loan.data, msg, len);
	return chslab_send_loan(ch, &loan, len);
}

shmprim_status chslab_receive(chslab *ch, chslab_msg *view)
{
	unsigned char *slot;
	uint32_t len;
	shmprim_status st;

	if (!shmprim_spsc_pop(&ch->cons, &view->h))
		return SHMPRIM_ERR_EMPTY; /* (pop cannot tell a corrupt ring from an empty one) */
	st = shmprim_slab_adopt(&ch->slab, view->h);
	if (st != SHMPRIM_OK)
		return st;
	slot = (unsigned char *)shmprim_slab_slot_data(&ch->slab, view->h);
	if (!slot)
		return SHMPRIM_ERR_CORRUPT;
	memcpy(&len, slot, sizeof(len)); /* the peer's word: read once, checked, then used */
	if (len == 0 || len > ch->max_message)
		return SHMPRIM_ERR_CORRUPT;
	view->data = slot + CHSLAB_PREFIX;
	view->len = len;
	return SHMPRIM_OK;
}

shmprim_status chslab_release(chslab *ch, chslab_msg *view)
{
	return shmprim_slab_free(&ch->slab, view->h);
}

shmprim_status chslab_recv(chslab *ch, void *buf, uint32_t cap, uint32_t *len)
{
	chslab_msg view;
	shmprim_status st = chslab_receive(ch, &view);

	if (st != SHMPRIM_OK)
		return st;
	if (view.len > cap) {
		(void)chslab_release(ch, &view);
		return SHMPRIM_ERR_MESSAGE_SIZE;
	}
	memcpy(buf, view.data, view.len);
	*len = view.len;
	return chslab_release(ch, &view);
}
