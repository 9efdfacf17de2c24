/*
 * Planted-bug switches for the model checker's mutation gate (tests/model).
 * Production builds define no SHMPRIM_MUTANT_* macro and get the correct code;
 * each mutant build defines exactly one, and the checker must fail it.
 * Keeping the switches here leaves the algorithm files readable.
 */
#ifndef SHMPRIM_MUTATION_H
#define SHMPRIM_MUTATION_H

/* ---- slab ---- */
/* S1: free-list head CAS ignores the tag (ABA). */
#ifdef SHMPRIM_MUTANT_S1
#define SLAB_NEXT_TAG(tag) (tag)
#elif defined(SHMPRIM_MUTANT_S8)
/* S8: tag truncated to one bit. */
#define SLAB_NEXT_TAG(tag) (((tag) + 1u) & 1u)
#else
#define SLAB_NEXT_TAG(tag) ((tag) + 1u)
#endif
/* S2: free-list link accessed as plain memory instead of a relaxed atomic. */
#ifdef SHMPRIM_MUTANT_S2
#define SLAB_LINK_PLAIN 1
#else
#define SLAB_LINK_PLAIN 0
#endif
/* S3: alloc's head load and CAS are relaxed; S4: free's head CAS is relaxed.
 * Both also make the slot-state transitions relaxed, which would otherwise
 * carry the happens-before edge and hide the bug. */
#ifdef SHMPRIM_MUTANT_S3
#define SLAB_POP_LOAD sp_load_relaxed_u64
#define SLAB_POP_ORDER SP_RELAXED
#else
#define SLAB_POP_LOAD sp_load_acquire_u64
#define SLAB_POP_ORDER SP_ACQUIRE
#endif
#ifdef SHMPRIM_MUTANT_S4
#define SLAB_PUSH_ORDER SP_RELAXED
#else
#define SLAB_PUSH_ORDER SP_RELEASE
#endif
#if defined(SHMPRIM_MUTANT_S3) || defined(SHMPRIM_MUTANT_S4)
#define SLAB_STATE_ORDER SP_RELAXED
#define SLAB_STATE_LOAD sp_load_relaxed_u64
#else
#define SLAB_STATE_ORDER SP_ACQ_REL
#define SLAB_STATE_LOAD sp_load_acquire_u64
#endif
/* S5: the free paths check the state with a load, then store (no CAS). */
#ifdef SHMPRIM_MUTANT_S5
#define SLAB_STATE_CHECK_THEN_STORE 1
#else
#define SLAB_STATE_CHECK_THEN_STORE 0
#endif
/* S7: allocation does not bump the generation. */
#ifdef SHMPRIM_MUTANT_S7
#define SLAB_GEN_STEP 0u
#else
#define SLAB_GEN_STEP 1u
#endif
/* S9: allocation from the per-handle cache checks the slot's word with a load,
 * then stores (no CAS): two copies of one handle can both take the slot. */
#ifdef SHMPRIM_MUTANT_S9
#define SLAB_CACHE_TAKE_BY_STORE 1
#else
#define SLAB_CACHE_TAKE_BY_STORE 0
#endif
/* S10: the cache gives a slot back to the list after checking its word with a
 * load, without first claiming it by a CAS that steps the generation: a copy
 * of the handle can allocate the slot in between, and it is pushed while
 * allocated. */
#ifdef SHMPRIM_MUTANT_S10
#define SLAB_CACHE_RETURN_UNCLAIMED 1
#else
#define SLAB_CACHE_RETURN_UNCLAIMED 0
#endif
/* S11: try_alloc's pop loop without its retry bound (a peer moving the head
 * for ever hangs the call). S12: the same for a free's push loop. */
#ifdef SHMPRIM_MUTANT_S11
#define SLAB_POP_BOUNDED 0
#else
#define SLAB_POP_BOUNDED 1
#endif
#ifdef SHMPRIM_MUTANT_S12
#define SLAB_PUSH_BOUNDED 0
#else
#define SLAB_PUSH_BOUNDED 1
#endif

#endif
