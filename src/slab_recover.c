/*
 * reclaim_dead's entry points (raw and region form). The algorithm is in
 * src/slab_reclaim.c, which needs no OS; the default liveness does: with no
 * function of the caller's, owner ids are pids, checked with
 * shmprim_pid_liveness (dead only when the pid is gone or a zombie; a reused
 * pid reads alive, which keeps what it names: the safe side).
 */
#include "slab_internal.h"

static shmprim_liveness pid_liveness(uint32_t owner, void *arg)
{
	(void)arg;
	return shmprim_pid_liveness((int)owner); /* owner <= SHMPRIM_SLAB_OWNER_MAX: a positive int */
}

shmprim_status shmprim_slab_raw_reclaim_dead(shmprim_slab_raw *slab, uint32_t flags, shmprim_slab_liveness_fn liveness,
                                             void *arg, shmprim_slab_dead_report *report)
{
	return shmprim_slabcore_reclaim_dead(slab, flags, liveness ? liveness : pid_liveness, arg, report);
}

shmprim_status shmprim_slab_reclaim_dead(shmprim_slab *slab, uint32_t flags, shmprim_slab_liveness_fn liveness,
                                         void *arg, shmprim_slab_dead_report *report)
{
	return shmprim_slab_raw_reclaim_dead(slab ? &slab->raw : NULL, flags, liveness, arg, report);
}
