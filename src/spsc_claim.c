/*
 * The ring's claimed sides for a real process (include/shmprim/spsc.h,
 * "claimed sides"): its token from /proc, holders' liveness from /proc, and
 * a wake for the peer on close. The claim protocol itself is freestanding
 * (src/spsc.c, src/claim.c) so the model checker runs it.
 */
#include <shmprim/spsc.h>
#include <shmprim/wait.h>

#include "spsc_claim.h"

static shmprim_status take(const shmprim_spsc_raw *ring, shmprim_spsc_producer *p, shmprim_spsc_consumer *c,
                           shmprim_claim_holder *holder)
{
	shmprim_proc_token me;
	shmprim_status st;

	if (!ring || (!p && !c))
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_proc_token_self(&me);
	if (st != SHMPRIM_OK)
		return st;
	st = p ? sp_spsc_take_producer(ring, me, shmprim_proc_liveness, p, holder)
	       : sp_spsc_take_consumer(ring, me, shmprim_proc_liveness, c, holder);
	if (st != SHMPRIM_OK)
		return st;
	/* The pid hint too, for peers that watch it (wait.h). */
	if (p)
		shmprim_spsc_announce_producer(p);
	else
		shmprim_spsc_announce_consumer(c);
	return SHMPRIM_OK;
}

shmprim_status shmprim_spsc_raw_take_producer(const shmprim_spsc_raw *ring, shmprim_spsc_producer *producer,
                                              shmprim_claim_holder *holder)
{
	if (!producer)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	return take(ring, producer, NULL, holder);
}

shmprim_status shmprim_spsc_raw_take_consumer(const shmprim_spsc_raw *ring, shmprim_spsc_consumer *consumer,
                                              shmprim_claim_holder *holder)
{
	if (!consumer)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	return take(ring, NULL, consumer, holder);
}

shmprim_status shmprim_spsc_take_producer(shmprim_spsc *ring, shmprim_spsc_producer *producer,
                                          shmprim_claim_holder *holder)
{
	return shmprim_spsc_raw_take_producer(ring ? &ring->raw : NULL, producer, holder);
}

shmprim_status shmprim_spsc_take_consumer(shmprim_spsc *ring, shmprim_spsc_consumer *consumer,
                                          shmprim_claim_holder *holder)
{
	return shmprim_spsc_raw_take_consumer(ring ? &ring->raw : NULL, consumer, holder);
}

shmprim_status shmprim_spsc_producer_leave(shmprim_spsc_producer *producer)
{
	return sp_spsc_producer_give_back(producer, SHMPRIM_CLAIM_FREE);
}

shmprim_status shmprim_spsc_consumer_leave(shmprim_spsc_consumer *consumer)
{
	return sp_spsc_consumer_give_back(consumer, SHMPRIM_CLAIM_FREE);
}

/* The close is a K3 release; the notify's fence (WK1) then orders it before
 * the look at the peer's sleeping flag, so a peer about to sleep either sees
 * CLOSED in its re-check or is woken. */
shmprim_status shmprim_spsc_producer_close(shmprim_spsc_producer *producer)
{
	shmprim_status st = sp_spsc_producer_give_back(producer, SHMPRIM_CLAIM_CLOSED);

	if (st == SHMPRIM_OK)
		shmprim_spsc_notify_consumer(producer);
	return st;
}

shmprim_status shmprim_spsc_consumer_close(shmprim_spsc_consumer *consumer)
{
	shmprim_status st = sp_spsc_consumer_give_back(consumer, SHMPRIM_CLAIM_CLOSED);

	if (st == SHMPRIM_OK)
		shmprim_spsc_notify_producer(consumer);
	return st;
}
