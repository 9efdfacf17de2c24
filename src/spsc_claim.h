/*
 * The ring's claimed sides, freestanding (src/spsc.c): the public take calls
 * (src/spsc_claim.c) pass this process's token and /proc liveness; the model
 * checker passes its own.
 */
#ifndef SHMPRIM_SPSC_CLAIM_H
#define SHMPRIM_SPSC_CLAIM_H

#include <shmprim/spsc.h>

#include "claim_word.h"

/* The header a handle's shared words belong to. */
shmprim_spsc_header *sp_spsc_header_of_producer(const shmprim_spsc_producer *p);
shmprim_spsc_header *sp_spsc_header_of_consumer(const shmprim_spsc_consumer *c);

/* Claims a side for me, then splits it out (shmprim_spsc_raw_take_*). */
shmprim_status sp_spsc_take_producer(const shmprim_spsc_raw *ring, shmprim_proc_token me, sp_liveness_fn liveness,
                                     shmprim_spsc_producer *p, shmprim_claim_holder *holder);
shmprim_status sp_spsc_take_consumer(const shmprim_spsc_raw *ring, shmprim_proc_token me, sp_liveness_fn liveness,
                                     shmprim_spsc_consumer *c, shmprim_claim_holder *holder);

/* Leave (to = SHMPRIM_CLAIM_FREE) or close (SHMPRIM_CLAIM_CLOSED), without
 * waking the peer. */
shmprim_status sp_spsc_producer_give_back(shmprim_spsc_producer *p, uint64_t to);
shmprim_status sp_spsc_consumer_give_back(shmprim_spsc_consumer *c, uint64_t to);

/* Why a push found no room: SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CLOSED or
 * SHMPRIM_ERR_FULL. */
shmprim_status sp_spsc_full_status(const shmprim_spsc_producer *p);

/* Why a pop found nothing: SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT,
 * SHMPRIM_ERR_END (closed, nothing left), SHMPRIM_ERR_EMPTY, or SHMPRIM_OK
 * when the producer closed and entries it published before are ready. */
shmprim_status sp_spsc_empty_status(shmprim_spsc_consumer *c);

#endif
