/*
 * The channel's parts that the blocking layer (src/channel_wait.c) and the
 * model checker's scenarios reach: taking a side with a given token and
 * liveness check (a real process passes its own token and /proc's answer).
 */
#ifndef SHMPRIM_CHANNEL_INTERNAL_H
#define SHMPRIM_CHANNEL_INTERNAL_H

#include <shmprim/channel.h>

#include "claim_word.h"

shmprim_status sp_channel_take_producer(shmprim_channel *ch, shmprim_channel_producer *p, shmprim_proc_token me,
                                        sp_liveness_fn liveness, shmprim_claim_holder *holder);
shmprim_status sp_channel_take_consumer(shmprim_channel *ch, shmprim_channel_consumer *c, shmprim_proc_token me,
                                        sp_liveness_fn liveness, shmprim_claim_holder *holder);

/* The peer's claim word now (K4), and the bytes published and not released. */
uint64_t sp_channel_producer_peer_word(shmprim_channel_producer *p);
uint64_t sp_channel_consumer_peer_word(shmprim_channel_consumer *c);
uint64_t sp_channel_bytes_in_flight(const shmprim_channel_header *h);

#endif
