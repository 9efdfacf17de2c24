/*
 * Design B of the channel comparison (issue 16): a slab of max-size records
 * plus an SPSC ring of slot handles, assembled from the public API the way
 * the trial user did. Not part of the library: it exists to be
 * measured against design A (<shmprim/channel.h>, a byte ring of framed
 * records) in shmprim-chanbench, and is that "hand-assembled ring
 * plus slab" baseline.
 *
 * Layout in one region: the handle ring (capacity `slots`, 8-byte entries:
 * a shmprim_slot_handle) at offset 0, then the slab (`slots` slots of
 * CHSLAB_PREFIX + max_message bytes) at the next SHMPRIM_ALIGN boundary.
 * A slot holds a length prefix (a uint32_t, then 4 spare bytes so that the
 * message starts 8-aligned) and the message.
 *
 * Producer: try_alloc, write prefix and message, mark_in_flight, push the
 * handle. Consumer: pop, adopt, read the prefix once and check it against
 * its own max_message, read the message, free. No claims, no close, no
 * blocking calls: those are what the trial user had to build and design A
 * has (see docs/channel-design.md).
 */
#ifndef SHMPRIM_BENCH_CHANNEL_SLAB_H
#define SHMPRIM_BENCH_CHANNEL_SLAB_H

#include <stdint.h>
#include <shmprim/slab.h>
#include <shmprim/spsc.h>

#define CHSLAB_PREFIX 8u

/* One process's view of a design-B channel (each side attaches its own). */
typedef struct chslab {
	shmprim_spsc ring;
	shmprim_spsc_producer prod;
	shmprim_spsc_consumer cons;
	shmprim_slab slab;
	uint32_t slots;
	uint32_t max_message;   /* private copy: the limit every prefix is checked against */
} chslab;

/* An open loan (producer) or a received message (consumer): its slot. */
typedef struct chslab_msg {
	shmprim_slot_handle h;
	unsigned char *data;    /* the message bytes, in the slot */
	uint32_t len;
} chslab_msg;

/* Bytes the ring and slab take for this geometry. */
size_t chslab_required_size(uint32_t slots, uint32_t max_message);
/* Writes a fresh, empty design-B channel at the start of region. */
shmprim_status chslab_init(chslab *ch, shmprim_region region, uint32_t slots, uint32_t max_message);
/* Attaches to one another process wrote, expecting exactly this geometry;
 * owner_id is recorded in the slots this side allocates or adopts. */
shmprim_status chslab_attach(chslab *ch, shmprim_region region, uint32_t slots, uint32_t max_message,
                             uint32_t owner_id);

/* Producer: a slot for a message of len bytes (SHMPRIM_ERR_FULL when none is free). */
shmprim_status chslab_loan(chslab *ch, uint32_t len, chslab_msg *loan);
/* Producer: sends the loaned slot with len bytes (<= the loan's). */
shmprim_status chslab_send_loan(chslab *ch, chslab_msg *loan, uint32_t len);
/* Producer: copies msg into a slot and sends it. */
shmprim_status chslab_send(chslab *ch, const void *msg, uint32_t len);

/* Consumer: the next message, in its slot (SHMPRIM_ERR_EMPTY when none). */
shmprim_status chslab_receive(chslab *ch, chslab_msg *view);
/* Consumer: gives the received slot back to the slab. */
shmprim_status chslab_release(chslab *ch, chslab_msg *view);
/* Consumer: copies the next message out (cap >= max_message) and releases it. */
shmprim_status chslab_recv(chslab *ch, void *buf, uint32_t cap, uint32_t *len);

#endif
