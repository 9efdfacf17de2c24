/*
 * Crash recovery, one window at a time. Each test leaves the shared words
 * exactly as a process killed at that point of src/slab.c (or src/spsc.c)
 * leaves them, then checks what reclaim (or split) makes of it. The random
 * kills of real processes are in ipc_crash_slab.c / ipc_crash_ring.c.
 */
#include "ipc_common.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/test_hooks.h" /* built with SHMPRIM_TEST_HOOKS: the crash windows can be widened */

#define SLOTS 8u
#define DEAD 4242u
#define ME 1u
#define OTHER 77u

/* The state word as src/slab.c writes it (layout.h). */
static uint64_t word(uint32_t gen, uint32_t kind, uint32_t owner, int freeing)
{
	return ((uint64_t)gen << 32) | kind | (freeing ? SHMPRIM_SLAB_FREEING : 0) | (owner << SHMPRIM_SLAB_OWNER_SHIFT);
}

static shmprim_heap_region make(shmprim_slab *slab, uint32_t slots)
{
	shmprim_heap_region heap;

	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, shmprim_slab_required_size(slots, 40)), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_init(slab, shmprim_heap_region_region(&heap), 0, slots, 40), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_owner(slab, ME), SHMPRIM_OK);
	return heap;
}

static shmprim_slab_meta *meta(shmprim_slab *slab, uint32_t i)
{
	return &slab->raw.meta[i];
}

static uint32_t state(shmprim_slab *slab, uint32_t i)
{
	return (uint32_t)meta(slab, i)->state_gen & SHMPRIM_SLAB_KIND_MASK;
}

static uint32_t owner_of(shmprim_slab *slab, uint32_t i)
{
	return (uint32_t)meta(slab, i)->state_gen >> SHMPRIM_SLAB_OWNER_SHIFT;
}

static uint32_t gen(shmprim_slab *slab, uint32_t i)
{
	return (uint32_t)(meta(slab, i)->state_gen >> 32);
}

static void expect_whole(shmprim_slab *slab, uint32_t allocated, uint32_t in_flight)
{
	shmprim_slab_audit_report a;

	shmprim_slab_audit(slab, &a);
	cr_assert(a.list_ok, "free list broken");
	cr_assert_eq(a.on_free_list + allocated + in_flight, shmprim_slab_slot_count(slab),
	             "free %u + allocated %u + in flight %u != %u slots", a.on_free_list, allocated, in_flight,
	             shmprim_slab_slot_count(slab));
	cr_assert_eq(a.allocated, allocated);
	cr_assert_eq(a.in_flight, in_flight);
	cr_assert_eq(a.free_off_list, 0, "leaked free slots");
	cr_assert_eq(a.bad_state, 0);
}

/* The census when `held` slots are held in any state: the rest listed, none leaked. */
static void expect_whole_but(shmprim_slab *slab, uint32_t held)
{
	shmprim_slab_audit_report a;

	shmprim_slab_audit(slab, &a);
	cr_assert(a.list_ok, "free list broken");
	cr_assert_eq(a.on_free_list, shmprim_slab_slot_count(slab) - held, "listed %u, want %u", a.on_free_list,
	             shmprim_slab_slot_count(slab) - held);
	cr_assert_eq(a.bad_state, 0);
}

/* Pops the head exactly as try_alloc's A2 does, and stops there (the killed
 * allocator's window before its A3 records it). Returns the index. */
static uint32_t pop_and_die(shmprim_slab *slab)
{
	uint64_t head = slab->raw.header->free_head;
	uint32_t index = (uint32_t)head;
	uint32_t next = meta(slab, index)->next_free;

	slab->raw.header->free_head = ((uint64_t)((uint32_t)(head >> 32) + 1) << 32) | next;
	return index;
}

static shmprim_slot_handle alloc_as(shmprim_slab *slab, uint32_t owner)
{
	shmprim_slot_handle h;

	cr_assert_eq(shmprim_slab_set_owner(slab, owner), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_try_alloc(slab, &h), SHMPRIM_ALLOC_OK);
	cr_assert_eq(meta(slab, h.index)->state_gen, word(h.generation, SHMPRIM_SLOT_ALLOCATED, owner, 0),
	             "owner recorded by the allocation's own CAS");
	cr_assert_eq(shmprim_slab_set_owner(slab, ME), SHMPRIM_OK);
	return h;
}

static shmprim_reclaim_report reclaim_ok(shmprim_slab *slab, uint32_t dead, uint32_t flags)
{
	shmprim_reclaim_report r;

	memset(&r, 0xAA, sizeof(r));
	cr_assert_eq(shmprim_slab_reclaim(slab, dead, flags, &r), SHMPRIM_OK);
	cr_assert_eq(slab->raw.header->reclaim_lock, 0, "lock released");
	cr_assert_eq(r.corrupt, 0);
	cr_assert_eq(r.reclaimed, r.allocated + r.freeing + r.orphans);
	return r;
}

Test(reclaim, nothing_to_do)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_reclaim_report r = reclaim_ok(&slab, DEAD, 0);

	cr_assert_eq(r.reclaimed, 0);
	cr_assert_eq(r.busy, 0);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* Killed between the pop (A2) and the CAS that records it (A3). Any
 * reclaim takes the slot back: nothing in it names the dead allocator. */
Test(reclaim, killed_after_pop_before_allocating)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle h = alloc_as(&slab, OTHER);
	shmprim_reclaim_report r;
	uint32_t i;

	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	cr_assert_eq(meta(&slab, h.index)->state_gen, word(1, SHMPRIM_SLOT_FREE, 0, 0), "a finished free: FREE, no owner");
	i = pop_and_die(&slab);
	cr_assert_eq(i, h.index);
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.orphans, 1);
	cr_assert_eq(r.reclaimed, 1);
	cr_assert_eq(state(&slab, i), SHMPRIM_SLOT_FREE);
	cr_assert_eq(gen(&slab, i), 2, "taking an orphan bumps its generation");
	expect_whole(&slab, 0, 0);
	/* Every slot allocatable again, once. */
	{
		shmprim_slot_handle got[SLOTS];
		uint32_t n, seen = 0;

		for (n = 0; n < SLOTS; n++) {
			cr_assert_eq(shmprim_slab_try_alloc(&slab, &got[n]), SHMPRIM_ALLOC_OK);
			cr_assert_eq(seen & (1u << got[n].index), 0, "slot %u handed out twice", got[n].index);
			seen |= 1u << got[n].index;
		}
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &got[0]), SHMPRIM_ALLOC_WOULD_BLOCK);
	}
	shmprim_heap_region_free(&heap);
}

/* The same, on a slot whose freer had pushed it but not yet finished its free:
 * left alone while that freer may still finish, taken once it has. */
Test(reclaim, popped_before_its_freer_finished)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle h = alloc_as(&slab, OTHER);
	shmprim_reclaim_report r;
	uint32_t i;

	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	meta(&slab, h.index)->state_gen = word(h.generation, SHMPRIM_SLOT_FREE, OTHER, 1); /* pushed, not finished */
	i = pop_and_die(&slab);
	cr_assert_eq(i, h.index);
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.reclaimed, 0);
	cr_assert_eq(r.busy, 1);
	meta(&slab, i)->state_gen = word(h.generation, SHMPRIM_SLOT_FREE, 0, 0); /* OTHER finishes */
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.orphans, 1);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* A live allocator that popped a slot and then finds it finished by its freer
 * (FREE|FREEING -> FREE under it) still gets it. */
Test(reclaim, allocation_survives_the_freer_finishing)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, 1);
	shmprim_slot_handle h = alloc_as(&slab, OTHER), again;

	cr_assert_eq(shmprim_slab_free_allocated(&slab, h), SHMPRIM_OK);
	meta(&slab, 0)->state_gen = word(h.generation, SHMPRIM_SLOT_FREE, OTHER, 1);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &again), SHMPRIM_ALLOC_OK, "FREE|FREEING is allocatable");
	cr_assert_eq(again.generation, h.generation + 1);
	cr_assert_eq(meta(&slab, 0)->state_gen, word(again.generation, SHMPRIM_SLOT_ALLOCATED, ME, 0));
	shmprim_heap_region_free(&heap);
}

Test(reclaim, allocated_slots_of_the_dead_only)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle d1 = alloc_as(&slab, DEAD), mine = alloc_as(&slab, ME), d2 = alloc_as(&slab, DEAD);
	shmprim_slot_handle other = alloc_as(&slab, OTHER);
	shmprim_reclaim_report r = reclaim_ok(&slab, DEAD, 0);

	cr_assert_eq(r.allocated, 2);
	cr_assert_eq(r.reclaimed, 2);
	cr_assert_eq(state(&slab, d1.index), SHMPRIM_SLOT_FREE);
	cr_assert_eq(state(&slab, d2.index), SHMPRIM_SLOT_FREE);
	cr_assert_eq(state(&slab, mine.index), SHMPRIM_SLOT_ALLOCATED);
	cr_assert_eq(state(&slab, other.index), SHMPRIM_SLOT_ALLOCATED);
	expect_whole(&slab, 2, 0);
	/* The dead one's handles are stale now. */
	cr_assert_eq(shmprim_slab_free_allocated(&slab, d1), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_null(shmprim_slab_slot_data(&slab, d1));
	cr_assert_eq(shmprim_slab_free_allocated(&slab, mine), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, other), SHMPRIM_OK);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

Test(reclaim, in_flight_needs_the_flag_or_adoption)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle sent = alloc_as(&slab, DEAD), adopted = alloc_as(&slab, DEAD);
	shmprim_reclaim_report r;

	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, sent), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, adopted), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_adopt(&slab, adopted), SHMPRIM_OK);
	cr_assert_eq(owner_of(&slab, adopted.index), ME);
	cr_assert_eq(state(&slab, adopted.index), SHMPRIM_SLOT_IN_FLIGHT);
	cr_assert_eq(shmprim_slab_adopt(&slab, (shmprim_slot_handle){ adopted.index, adopted.generation + 1 }),
	             SHMPRIM_ERR_GENERATION_MISMATCH);
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.reclaimed, 0, "a handed-off slot may still be on its way");
	expect_whole(&slab, 0, 2);
	r = reclaim_ok(&slab, DEAD, SHMPRIM_RECLAIM_IN_FLIGHT);
	cr_assert_eq(r.allocated, 1);
	cr_assert_eq(state(&slab, sent.index), SHMPRIM_SLOT_FREE);
	cr_assert_eq(state(&slab, adopted.index), SHMPRIM_SLOT_IN_FLIGHT, "adopted: no longer the dead one's");
	cr_assert_eq(shmprim_slab_free(&slab, adopted), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_adopt(&slab, adopted), SHMPRIM_ERR_INVALID_STATE);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* Killed inside a free: after the CAS that started it (FREE|FREEING|dead,
 * off the list), and after the push (on the list, not finished). Whoever
 * allocated the slot, the freer answers for it; a listed slot stays listed
 * once, whatever its word says. */
Test(reclaim, killed_while_freeing)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle a = alloc_as(&slab, OTHER), b = alloc_as(&slab, OTHER);
	shmprim_reclaim_report r;

	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, a), SHMPRIM_OK);
	meta(&slab, a.index)->state_gen = word(a.generation, SHMPRIM_SLOT_FREE, DEAD, 1); /* not pushed */
	cr_assert_eq(shmprim_slab_free_allocated(&slab, b), SHMPRIM_OK);
	meta(&slab, b.index)->state_gen = word(b.generation, SHMPRIM_SLOT_FREE, DEAD, 1); /* pushed */
	cr_assert_eq(shmprim_slab_free(&slab, a), SHMPRIM_ERR_INVALID_STATE, "a free in progress reads as FREE");
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.freeing, 1);
	cr_assert_eq(r.reclaimed, 1);
	cr_assert_eq(meta(&slab, a.index)->state_gen, word(a.generation + 1, SHMPRIM_SLOT_FREE, 0, 0));
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* A live process in the middle of its own free is left alone. */
Test(reclaim, a_live_freer_is_not_disturbed)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle h = alloc_as(&slab, OTHER);
	uint64_t w = word(h.generation, SHMPRIM_SLOT_FREE, OTHER, 1); /* OTHER: free started, push pending */
	shmprim_reclaim_report r;
	shmprim_slot_error err;

	meta(&slab, h.index)->state_gen = w;
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.reclaimed, 0);
	cr_assert_eq(r.busy, 1);
	cr_assert_eq(meta(&slab, h.index)->state_gen, w, "untouched");
	cr_assert_eq(shmprim_slab_free_allocated_ex(&slab, h, &err), SHMPRIM_ERR_INVALID_STATE);
	cr_assert_eq(err.expected, SHMPRIM_SLOT_ALLOCATED);
	cr_assert_eq(err.actual, SHMPRIM_SLOT_FREE);
	/* ...and once OTHER turns out dead too, its reclaim finishes the free. */
	r = reclaim_ok(&slab, OTHER, 0);
	cr_assert_eq(r.freeing, 1);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* Words that hold no state are reported as read and left alone. */
Test(reclaim, invalid_state_words)
{
	static const uint32_t bad[] = { 3, 3 | (DEAD << 3), 1 | SHMPRIM_SLAB_FREEING,
	                                2 | SHMPRIM_SLAB_FREEING | (DEAD << 3) };
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle h = alloc_as(&slab, OTHER);
	shmprim_reclaim_report r;
	shmprim_slot_error err;
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		meta(&slab, h.index)->state_gen = ((uint64_t)h.generation << 32) | bad[k];
		cr_assert_eq(shmprim_slab_free_allocated_ex(&slab, h, &err), SHMPRIM_ERR_INVALID_STATE, "0x%x", bad[k]);
		cr_assert_eq(err.actual, bad[k]);
		cr_assert_null(shmprim_slab_slot_data(&slab, h));
		cr_assert_eq(shmprim_slab_reclaim(&slab, DEAD, SHMPRIM_RECLAIM_IN_FLIGHT, &r), SHMPRIM_ERR_CORRUPT);
		cr_assert_eq(r.corrupt, 1);
		cr_assert_eq(r.reclaimed, 0);
		cr_assert_eq((uint32_t)meta(&slab, h.index)->state_gen, bad[k], "left alone");
	}
	shmprim_heap_region_free(&heap);
}

/* A reclaimer killed mid-way: its lock is taken over by the reclaim of its
 * own id, and the slots it had detached come back as orphans. */
/* A refused reclaim still writes its report, all zero: callers read it
 * whatever the status (the scribble test once read stack garbage here). */
static shmprim_status refused_reclaim(shmprim_slab *slab, uint32_t dead)
{
	shmprim_reclaim_report r;
	shmprim_status st;

	memset(&r, 0xA5, sizeof(r));
	st = shmprim_slab_reclaim(slab, dead, 0, &r);
	cr_assert(r.reclaimed == 0 && r.allocated == 0 && r.freeing == 0 && r.orphans == 0 && r.busy == 0 &&
	          r.corrupt == 0, "report after %s: reclaimed %u busy %u corrupt %u", shmprim_status_str(st),
	          r.reclaimed, r.busy, r.corrupt);
	return st;
}

Test(reclaim, a_dead_reclaimer_is_recovered)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_reclaim_report r;
	shmprim_status st;

	/* It detached the whole list (head -> END), then died. */
	slab.raw.header->free_head = (5ull << 32) | SHMPRIM_SLAB_END;
	slab.raw.header->reclaim_lock = DEAD;
	st = refused_reclaim(&slab, OTHER);
	cr_assert_eq(st, SHMPRIM_ERR_CONTENDED, "someone else's lock: %s", shmprim_status_str(st));
	r = reclaim_ok(&slab, DEAD, 0);
	cr_assert_eq(r.orphans, SLOTS);
	expect_whole(&slab, 0, 0);
	/* A live lock holder is waited for, not overridden. */
	slab.raw.header->reclaim_lock = OTHER;
	cr_assert_eq(shmprim_slab_reclaim(&slab, DEAD, 0, &r), SHMPRIM_ERR_CONTENDED);
	cr_assert_eq(slab.raw.header->reclaim_lock, OTHER);
	shmprim_heap_region_free(&heap);
}

Test(reclaim, arguments)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);

	cr_assert_eq(refused_reclaim(&slab, 0), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(refused_reclaim(&slab, SHMPRIM_SLAB_OWNER_MAX + 1), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(refused_reclaim(&slab, ME), SHMPRIM_ERR_INVALID_ARGUMENT, "not oneself");
	cr_assert_eq(shmprim_slab_set_owner(&slab, 0), SHMPRIM_OK);
	cr_assert_eq(refused_reclaim(&slab, DEAD), SHMPRIM_ERR_INVALID_ARGUMENT, "anonymous reclaimer");
	cr_assert_eq(shmprim_slab_set_owner(&slab, SHMPRIM_SLAB_OWNER_MAX + 1), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_slab_set_owner(NULL, 1), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(refused_reclaim(NULL, DEAD), SHMPRIM_ERR_NULL_ARGUMENT);
	shmprim_heap_region_free(&heap);
}

/* A corrupt list (cycle, wild index, listed busy slot) is cut, and every free
 * slot ends up listed exactly once. */
Test(reclaim, repairs_a_corrupt_list)
{
	static const uint32_t bad_links[] = { 0, 3, 1000, SHMPRIM_SLAB_END - 1 };
	size_t k;

	for (k = 0; k < sizeof(bad_links) / sizeof(bad_links[0]); k++) {
		shmprim_slab slab;
		shmprim_heap_region heap = make(&slab, SLOTS);
		shmprim_reclaim_report r;
		shmprim_slab_audit_report a;

		meta(&slab, 4)->next_free = bad_links[k]; /* 0..4 listed, then the bad link */
		shmprim_slab_audit(&slab, &a);
		cr_assert_not(a.list_ok, "link %u", bad_links[k]);
		cr_assert_eq(shmprim_slab_reclaim(&slab, DEAD, 0, &r), SHMPRIM_ERR_CORRUPT, "link %u", bad_links[k]);
		cr_assert_eq(r.corrupt, 1);
		cr_assert_eq(r.orphans, 3, "link %u: slots 5..7 relisted", bad_links[k]);
		expect_whole(&slab, 0, 0);
		shmprim_heap_region_free(&heap);
	}
}

/* A handle's free-slot cache (set_cache) holds its slots as frees in
 * progress (FREE|FREEING|owner, off the list): reclaim(owner) returns them
 * with the owner's allocated ones, every other reclaim leaves them alone. */
Test(reclaim, cached_slots_go_back_with_their_owner)
{
	shmprim_slab slab, dead;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle h[5];
	shmprim_reclaim_report r;
	shmprim_slab_audit_report a;
	uint32_t i;

	dead = slab;
	cr_assert_eq(shmprim_slab_set_owner(&dead, DEAD), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_cache(&dead, 4), SHMPRIM_OK);
	for (i = 0; i < 5; i++)
		cr_assert_eq(shmprim_slab_try_alloc(&dead, &h[i]), SHMPRIM_ALLOC_OK);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(shmprim_slab_free_allocated(&dead, h[i]), SHMPRIM_OK);
		cr_assert_eq(meta(&slab, h[i].index)->state_gen, word(1, SHMPRIM_SLOT_FREE, DEAD, 1), "cached");
	}
	cr_assert_eq(shmprim_slab_mark_in_flight(&dead, h[4]), SHMPRIM_OK);
	shmprim_slab_audit(&slab, &a);
	cr_assert(a.on_free_list == SLOTS - 5 && a.free_off_list == 3 && a.freeing_off_list == 3 && a.allocated == 1 &&
	          a.in_flight == 1);
	/* While DEAD lives, another's reclaim sees its cached slots as busy. */
	r = reclaim_ok(&slab, OTHER, 0);
	cr_assert_eq(r.reclaimed, 0);
	cr_assert_eq(r.busy, 3);
	r = reclaim_ok(&slab, DEAD, SHMPRIM_RECLAIM_IN_FLIGHT);
	cr_assert_eq(r.freeing, 3, "the cached slots");
	cr_assert_eq(r.allocated, 2, "the allocated and the in-flight one");
	cr_assert_eq(r.orphans, 0);
	cr_assert_eq(r.busy, 0);
	cr_assert_eq(r.reclaimed, 5);
	for (i = 0; i < 3; i++)
		cr_assert_eq(meta(&slab, h[i].index)->state_gen, word(2, SHMPRIM_SLOT_FREE, 0, 0), "slot %u", h[i].index);
	expect_whole(&slab, 0, 0);
	shmprim_slab_audit(&slab, &a);
	cr_assert_eq(a.freeing_off_list, 0);
	/* The dead handle's stale cache can neither allocate nor push them again. */
	cr_assert_eq(shmprim_slab_flush_cache(&dead), SHMPRIM_OK);
	cr_assert_eq(dead.raw.cache_returned, 0);
	expect_whole(&slab, 0, 0);
	{
		shmprim_slot_handle g[SLOTS];
		uint32_t seen = 0;

		for (i = 0; i < SLOTS; i++) {
			cr_assert_eq(shmprim_slab_try_alloc(&dead, &g[i]), SHMPRIM_ALLOC_OK);
			cr_assert_eq(seen & (1u << g[i].index), 0, "slot %u handed out twice", g[i].index);
			seen |= 1u << g[i].index;
		}
		cr_assert_eq(shmprim_slab_try_alloc(&dead, &g[0]), SHMPRIM_ALLOC_WOULD_BLOCK);
	}
	shmprim_heap_region_free(&heap);
}

/* A real process with a non-empty cache is SIGKILLed: reclaim of its pid
 * returns exactly its cached and allocated slots; the parent's own cached
 * slot is busy meanwhile; the census is exact afterwards. */
typedef struct cache_child_ctl {
	uint32_t ready;
	uint32_t failed;
	uint32_t cached, allocated;
} cache_child_ctl;

Test(reclaim, sigkilled_child_with_a_cache, .timeout = 20)
{
	enum { N = 16 };
	size_t bytes = 4096 + shmprim_slab_required_size(N, 40);
	unsigned char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	cache_child_ctl *ctl = (cache_child_ctl *)mem;
	shmprim_slab slab;
	shmprim_slot_handle mine;
	shmprim_reclaim_report r;
	shmprim_slab_audit_report a;
	pid_t child;
	int status;

	cr_assert_neq(mem, MAP_FAILED);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(mem + 4096, bytes - 4096), 0, N, 40), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_owner(&slab, ME), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_cache(&slab, 2), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &mine), SHMPRIM_ALLOC_OK);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, mine), SHMPRIM_OK); /* the parent's one cached slot */
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* no cr_assert here: report through ctl and wait to be killed */
		shmprim_slot_handle h[7];
		int i, bad = shmprim_slab_set_owner(&slab, (uint32_t)getpid()) != SHMPRIM_OK; /* flushes the inherited cache */

		bad |= shmprim_slab_set_cache(&slab, 8) != SHMPRIM_OK;
		for (i = 0; i < 7 && !bad; i++)
			bad |= shmprim_slab_try_alloc(&slab, &h[i]) != SHMPRIM_ALLOC_OK;
		for (i = 0; i < 5 && !bad; i++) /* 5 frees into a cache of 8: all kept */
			bad |= shmprim_slab_free_allocated(&slab, h[i]) != SHMPRIM_OK;
		bad |= slab.raw.cache_len != 5;
		ctl->cached = slab.raw.cache_len;
		ctl->allocated = 2;
		__atomic_store_n(&ctl->failed, (uint32_t)bad, __ATOMIC_RELAXED);
		__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	while (!__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE))
		ipc_sleep_ns(100000);
	kill(child, SIGKILL);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_eq(ctl->failed, 0, "the child's own calls failed");
	shmprim_slab_audit(&slab, &a);
	cr_assert(a.list_ok);
	cr_assert_eq(a.on_free_list, N - 7, "the child's set_owner gave the inherited cached slot back");
	cr_assert_eq(a.freeing_off_list, 5);
	cr_assert_eq(a.free_off_list, 5);
	cr_assert_eq(a.allocated, 2);
	/* The parent's own entry went stale with the child's flush: dropped, and
	 * a slot from the list is cached instead. */
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &mine), SHMPRIM_ALLOC_OK);
	cr_assert_eq(slab.raw.cache_len, 0);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, mine), SHMPRIM_OK);
	cr_assert_eq(slab.raw.cache_len, 1);
	r = reclaim_ok(&slab, (uint32_t)child, 0);
	cr_assert_eq(r.freeing, ctl->cached);
	cr_assert_eq(r.allocated, ctl->allocated);
	cr_assert_eq(r.orphans, 0);
	cr_assert_eq(r.reclaimed, 7);
	cr_assert_eq(r.busy, 1, "the parent's cached slot");
	shmprim_slab_audit(&slab, &a);
	cr_assert(a.list_ok && a.on_free_list == N - 1 && a.free_off_list == 1 && a.freeing_off_list == 1 &&
	          a.allocated == 0 && a.in_flight == 0 && a.bad_state == 0);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	expect_whole(&slab, 0, 0);
	munmap(mem, bytes);
}

/* ---- recovery in one call, with real processes (pids as owner ids) ----
 * Children allocate with their pid as owner id; some are SIGKILLed; one
 * reclaim_dead (default liveness: pids) takes back exactly theirs, and the
 * audit names them before and nobody dead after. */

enum { KIDS = 4, KID_SLOTS = 64 };

typedef struct kid_ctl {
	uint32_t ready, failed;
	uint32_t allocated, in_flight, cached;
} kid_ctl;

/* Child k: k + 2 slots allocated, one of them (even k) marked in flight, and
 * (odd k) one more freed into a cache of 2. Reports, then waits to be killed. */
static void kid_body(shmprim_slab *slab, kid_ctl *ctl, int k)
{
	shmprim_slot_handle h;
	int i, bad = shmprim_slab_set_owner(slab, (uint32_t)getpid()) != SHMPRIM_OK;

	if (k % 2)
		bad |= shmprim_slab_set_cache(slab, 2) != SHMPRIM_OK;
	for (i = 0; i < k + 2 && !bad; i++) {
		bad |= shmprim_slab_try_alloc(slab, &h) != SHMPRIM_ALLOC_OK;
		if (i == 0 && k % 2 == 0)
			bad |= shmprim_slab_mark_in_flight(slab, h) != SHMPRIM_OK;
	}
	if (k % 2 && !bad) {
		bad |= shmprim_slab_try_alloc(slab, &h) != SHMPRIM_ALLOC_OK;
		bad |= shmprim_slab_free_allocated(slab, h) != SHMPRIM_OK;
	}
	ctl->in_flight = k % 2 == 0;
	ctl->allocated = (uint32_t)(k + 2) - ctl->in_flight;
	ctl->cached = k % 2;
	__atomic_store_n(&ctl->failed, (uint32_t)bad, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

static pid_t kid_start(shmprim_slab *slab, kid_ctl *ctl, int k)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		kid_body(slab, ctl, k); /* never returns */
	while (!__atomic_load_n(&ctl->ready, __ATOMIC_ACQUIRE))
		ipc_sleep_ns(100000);
	cr_assert_eq(ctl->failed, 0, "child %d's own calls failed", k);
	return pid;
}

static void kid_kill(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* The audit's entry for owner, or NULL. */
static const shmprim_slab_owner_slots *audit_entry(const shmprim_slab_owner_audit *o, uint32_t owner)
{
	uint32_t k;

	for (k = 0; k < o->owners_listed; k++)
		if (o->owner[k].owner == owner)
			return &o->owner[k];
	return NULL;
}

static void expect_slots(const shmprim_slab_owner_slots *s, const kid_ctl *ctl, const char *what)
{
	cr_assert_not_null(s, "%s: not named", what);
	cr_assert_eq(s->allocated, ctl->allocated, "%s: allocated %u, want %u", what, s->allocated, ctl->allocated);
	cr_assert_eq(s->in_flight, ctl->in_flight, "%s: in flight %u, want %u", what, s->in_flight, ctl->in_flight);
	cr_assert_eq(s->freeing, ctl->cached, "%s: freeing %u, want %u", what, s->freeing, ctl->cached);
}

Test(reclaim, reclaim_dead_takes_back_exactly_what_killed_children_held, .timeout = 30)
{
	size_t bytes = 4096 + shmprim_slab_required_size(KID_SLOTS, 40);
	unsigned char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	kid_ctl *ctl = (kid_ctl *)mem;
	shmprim_slab slab;
	shmprim_slot_handle mine;
	shmprim_slab_owner_audit o;
	shmprim_slab_dead_report r;
	pid_t kid[KIDS];
	uint32_t me = (uint32_t)getpid(), held = 0, back = 0, k, j;

	cr_assert_neq(mem, MAP_FAILED);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_region_from_raw(mem + 4096, bytes - 4096), 0, KID_SLOTS, 40),
	             SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_owner(&slab, me), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &mine), SHMPRIM_ALLOC_OK);
	for (k = 0; k < KIDS; k++) {
		kid[k] = kid_start(&slab, &ctl[k], (int)k);
		held += ctl[k].allocated + ctl[k].in_flight + ctl[k].cached;
	}

	/* Before: the audit names the parent and every child, exactly. */
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, KIDS + 1);
	cr_assert_eq(o.slots_unlisted, 0);
	cr_assert_eq(o.anonymous, 0);
	cr_assert(audit_entry(&o, me) && audit_entry(&o, me)->allocated == 1);
	for (k = 0; k < KIDS; k++)
		expect_slots(audit_entry(&o, (uint32_t)kid[k]), &ctl[k], "before");

	/* Children 0, 2 and 3 die; child 1 sleeps on. */
	for (k = 0; k < KIDS; k++)
		if (k != 1) {
			kid_kill(kid[k]);
			back += ctl[k].allocated + ctl[k].in_flight + ctl[k].cached;
		}
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, SHMPRIM_RECLAIM_IN_FLIGHT, NULL, NULL, &r), SHMPRIM_OK);
	cr_assert_eq(r.owners_dead, KIDS - 1);
	cr_assert_eq(r.owners_alive, 2, "the parent and child 1");
	cr_assert_eq(r.dead_listed, KIDS - 1);
	cr_assert_eq(r.dead_unlisted, 0);
	cr_assert_eq(r.lock_taken_from, 0);
	cr_assert_eq(r.total.reclaimed, back);
	cr_assert_eq(r.total.orphans, 0);
	cr_assert_eq(r.total.busy, ctl[1].cached, "child 1's cached slot, a live owner's");
	for (j = 0; j < r.dead_listed; j++) {
		cr_assert_eq(r.dead[j].status, SHMPRIM_OK);
		if (j > 0)
			cr_assert_gt(r.dead[j].slots.owner, r.dead[j - 1].slots.owner, "smallest id first");
		for (k = 0; k < KIDS && (uint32_t)kid[k] != r.dead[j].slots.owner; k++)
			;
		cr_assert(k < KIDS && k != 1, "dead[%u] names %u, no killed child", j, r.dead[j].slots.owner);
		expect_slots(&r.dead[j].slots, &ctl[k], "reclaimed");
	}

	/* After: nobody dead is named; the census is exact. */
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, 2);
	cr_assert(audit_entry(&o, me) && audit_entry(&o, me)->allocated == 1);
	expect_slots(audit_entry(&o, (uint32_t)kid[1]), &ctl[1], "the live child");
	expect_whole_but(&slab, held - back + 1);

	/* The last child dies: the next call takes its slots, its cached one too. */
	kid_kill(kid[1]);
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, SHMPRIM_RECLAIM_IN_FLIGHT, NULL, NULL, &r), SHMPRIM_OK);
	cr_assert_eq(r.owners_dead, 1);
	cr_assert_eq(r.owners_alive, 1);
	cr_assert_eq(r.dead[0].slots.owner, (uint32_t)kid[1]);
	expect_slots(&r.dead[0].slots, &ctl[1], "the last child");
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, 1);
	cr_assert_eq(o.owner[0].owner, me);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, mine), SHMPRIM_OK);
	expect_whole(&slab, 0, 0);
	munmap(mem, bytes);
}

/* The scribbler's lock word: reclaim_lock set to an impossible id, to a pid
 * that is gone, to a zombie's, to a live (sleeping) child's. Only the live
 * one blocks reclaim_dead, and only while it lives. */
static void expect_lock_taken(shmprim_slab *slab, uint32_t holder, const char *what)
{
	shmprim_slab_dead_report r;
	shmprim_status st;

	slab->raw.header->reclaim_lock = holder;
	st = shmprim_slab_reclaim_dead(slab, 0, NULL, NULL, &r);
	cr_assert_eq(st, SHMPRIM_OK, "%s (%u): %s", what, holder, shmprim_status_str(st));
	cr_assert_eq(r.lock_taken_from, holder, "%s", what);
	cr_assert_eq(slab->raw.header->reclaim_lock, 0, "%s: released", what);
}

Test(reclaim, a_scribbled_reclaim_lock_blocks_only_while_a_live_holder_lives, .timeout = 20)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slab_dead_report r;
	pid_t gone, zombie, live;
	int status;

	cr_assert_eq(shmprim_slab_set_owner(&slab, (uint32_t)getpid()), SHMPRIM_OK);
	expect_lock_taken(&slab, SHMPRIM_SLAB_OWNER_MAX + 1, "impossible id");
	expect_lock_taken(&slab, 0xFFFFFFFFu, "impossible id");

	gone = fork();
	cr_assert_geq(gone, 0);
	if (gone == 0)
		_exit(0);
	cr_assert_eq(waitpid(gone, &status, 0), gone);
	expect_lock_taken(&slab, (uint32_t)gone, "a pid that is gone");

	zombie = fork();
	cr_assert_geq(zombie, 0);
	if (zombie == 0)
		_exit(0);
	cr_assert_eq(waitid(P_PID, (id_t)zombie, NULL, WEXITED | WNOWAIT), 0); /* exited, not reaped */
	expect_lock_taken(&slab, (uint32_t)zombie, "a zombie");
	cr_assert_eq(waitpid(zombie, &status, 0), zombie);

	live = fork();
	cr_assert_geq(live, 0);
	if (live == 0)
		for (;;)
			pause();
	slab.raw.header->reclaim_lock = (uint32_t)live;
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, NULL, NULL, &r), SHMPRIM_ERR_CONTENDED, "a live pid");
	cr_assert_eq(r.lock_taken_from, 0);
	cr_assert_eq(slab.raw.header->reclaim_lock, (uint32_t)live, "a live holder keeps the lock");
	kid_kill(live);
	expect_lock_taken(&slab, (uint32_t)live, "the same pid, now gone");
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* ---- reclaim against live allocators ----
 * Two threads allocate, stamp, check and free as fast as they can while a
 * third reclaims a dead id over and over. Nobody is dead, so reclaim may only
 * take slots an allocator popped but had not allocated yet (which that
 * allocator then gives up). A slot handed to two owners would show as a
 * broken stamp; a lost one in the final census. */

typedef struct race {
	shmprim_slab slab;
	volatile int stop;
	uint64_t ops[2];
	uint64_t reclaims, taken;
	int failed;
	char why[160];
} race;

typedef struct worker_arg {
	race *r;
	uint32_t id;
} worker_arg;

/* Widen the windows between pop and allocation (and inside frees), where a
 * reclaim may take a slot from under a live allocator. */
static __thread ipc_rng hook_rng;

static void widen(int window)
{
	uint64_t r = ipc_rand(&hook_rng);

	if (window > SHMPRIM_WINDOW_PUSHED)
		return; /* the retry-loop windows are for the bound tests, not crash windows */
	if (r % 8 == 0)
		sched_yield();
	else if (r % 8 == 1)
		for (volatile int i = 0; i < 200; i++)
			;
}

static void race_fail(race *r, const char *why)
{
	if (!__atomic_exchange_n(&r->failed, 1, __ATOMIC_SEQ_CST))
		snprintf(r->why, sizeof(r->why), "%s", why);
}

static void *race_worker(void *p)
{
	worker_arg *w = (worker_arg *)p;
	race *r = w->r;
	shmprim_slab mine = r->slab; /* own handle, own owner id */
	shmprim_slot_handle held[4];
	uint32_t n = 0, k;
	ipc_rng rng = { w->id };

	hook_rng.s = w->id * 7919;

	shmprim_slab_set_owner(&mine, w->id);
	while (!r->stop && !r->failed) {
		if (n < 4 && (n == 0 || ipc_below(&rng, 2))) {
			shmprim_alloc_result a = shmprim_slab_try_alloc(&mine, &held[n]);

			if (a == SHMPRIM_ALLOC_OK) {
				uint64_t *d = shmprim_slab_slot_data(&mine, held[n]);

				if (!d)
					race_fail(r, "no data for a fresh handle");
				else
					d[0] = ((uint64_t)w->id << 32) | held[n].generation;
				n++;
			} else if (a == SHMPRIM_ALLOC_CORRUPT) {
				race_fail(r, "alloc reported corruption");
			}
		} else {
			k = (uint32_t)ipc_below(&rng, n);
			{
				uint64_t *d = shmprim_slab_slot_data(&mine, held[k]);

				if (!d || d[0] != (((uint64_t)w->id << 32) | held[k].generation))
					race_fail(r, "stamp changed: slot owned twice");
			}
			if (shmprim_slab_free_allocated(&mine, held[k]) != SHMPRIM_OK)
				race_fail(r, "free of a held slot refused");
			held[k] = held[--n];
		}
		r->ops[w->id - 1]++;
	}
	while (n)
		if (shmprim_slab_free_allocated(&mine, held[--n]) != SHMPRIM_OK)
			race_fail(r, "final free refused");
	return NULL;
}

static void *race_reclaimer(void *p)
{
	race *r = (race *)p;
	shmprim_slab mine = r->slab;

	shmprim_slab_set_owner(&mine, 3);
	while (!r->stop && !r->failed) {
		shmprim_reclaim_report rep;
		shmprim_status st = shmprim_slab_reclaim(&mine, DEAD, SHMPRIM_RECLAIM_IN_FLIGHT, &rep);

		if (st != SHMPRIM_OK) {
			char why[128];

			snprintf(why, sizeof(why), "reclaim: %s (corrupt %u, busy %u)", shmprim_status_str(st), rep.corrupt,
			         rep.busy);
			race_fail(r, why);
		}
		if (rep.allocated || rep.freeing || rep.corrupt)
			race_fail(r, "reclaim took a live slot");
		r->taken += rep.orphans;
		r->reclaims++;
	}
	return NULL;
}

Test(reclaim, races_with_live_allocators, .timeout = 60)
{
	shmprim_heap_region heap;
	race *r = calloc(1, sizeof(*r));
	pthread_t t[3];
	worker_arg w[2];
	int i;

	heap = make(&r->slab, 6);
	shmprim_window_hook = widen;
	for (i = 0; i < 2; i++) {
		w[i].r = r;
		w[i].id = (uint32_t)i + 1;
		pthread_create(&t[i], NULL, race_worker, &w[i]);
	}
	pthread_create(&t[2], NULL, race_reclaimer, r);
	ipc_sleep_ns(ipc_scale(1500, 20000) * 1000000ull);
	r->stop = 1;
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	shmprim_window_hook = NULL;
	cr_assert_not(r->failed, "%s", r->why);
	cr_log_info("%" PRIu64 " + %" PRIu64 " ops, %" PRIu64 " reclaims took %" PRIu64 " in-progress slots",
	            r->ops[0], r->ops[1], r->reclaims, r->taken);
	cr_assert_gt(r->ops[0] + r->ops[1], 1000);
	cr_assert_gt(r->reclaims, 10);
	cr_assert_gt(r->taken, 0, "no reclaim ever met an allocator mid-way: the test proved nothing");
	expect_whole(&r->slab, 0, 0);
	shmprim_heap_region_free(&heap);
	free(r);
}

/* ---- ring: the producer died between publishing a slot and head ---- */

/* A peer that moves the free-list head before every CAS, as a hostile or
 * extremely busy process could: each push (F2) or pop (A2) fails until the
 * retry bound. */
static shmprim_slab *churned;
static unsigned long churns;

static void churn_head(int window)
{
	if (window == SHMPRIM_WINDOW_PUSH_TRY || window == SHMPRIM_WINDOW_POP_TRY) {
		/* A loop that has lost its bound (mutants S11, S12) fails here
		 * instead of spinning until the test's timeout. */
		cr_assert_lt(++churns, 4ul * SHMPRIM_SLAB_RETRY_LIMIT, "a free-list loop ran past its retry bound");
		__atomic_fetch_add(&churned->raw.header->free_head, (uint64_t)1 << 32, __ATOMIC_RELAXED); /* tag + 1 */
	}
}

/* Issue 12, item 5: a free whose push hits the retry bound used to leave the
 * slot FREE|FREEING off the list, where the retried free said INVALID_STATE
 * and reclaim(me) is refused: leaked until the owner died. Now CONTENDED puts
 * the slot back as it was, and the same handle frees it once the peer stops. */
Test(reclaim, a_free_at_the_retry_bound_leaves_the_slot_to_retry)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle a, b, held[3];
	shmprim_slot_error err;
	uint32_t k;

	cr_assert_eq(shmprim_slab_try_alloc(&slab, &a), SHMPRIM_ALLOC_OK);
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &b), SHMPRIM_ALLOC_OK);
	cr_assert_eq(shmprim_slab_mark_in_flight(&slab, b), SHMPRIM_OK);
	churned = &slab;
	churns = 0;
	shmprim_window_hook = churn_head;
	shmprim_loop_count = 0;
	cr_assert_eq(shmprim_slab_free_allocated_ex(&slab, a, &err), SHMPRIM_ERR_CONTENDED);
	cr_assert_eq(shmprim_loop_count, 1 + SHMPRIM_SLAB_RETRY_LIMIT, "one state CAS, then the push's bound");
	cr_assert_eq(shmprim_slab_free_ex(&slab, b, &err), SHMPRIM_ERR_CONTENDED);
	shmprim_window_hook = NULL;
	/* No effect: both slots exactly as before the calls, still their owner's. */
	cr_assert_eq(meta(&slab, a.index)->state_gen, word(a.generation, SHMPRIM_SLOT_ALLOCATED, ME, 0));
	cr_assert_eq(meta(&slab, b.index)->state_gen, word(b.generation, SHMPRIM_SLOT_IN_FLIGHT, ME, 0));
	expect_whole(&slab, 1, 1);
	/* And the retried calls succeed with the same handles. */
	cr_assert_eq(shmprim_slab_free_allocated(&slab, a), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free(&slab, b), SHMPRIM_OK);
	expect_whole(&slab, 0, 0);
	/* The cache path: a full cache's give-back hits the bound; the slots it
	 * could not give back stay cached, and the flush that follows returns them. */
	cr_assert_eq(shmprim_slab_set_cache(&slab, 2), SHMPRIM_OK);
	for (k = 0; k < 3; k++)
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &held[k]), SHMPRIM_ALLOC_OK);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, held[0]), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_free_allocated(&slab, held[1]), SHMPRIM_OK); /* the cache is full */
	churns = 0;
	shmprim_window_hook = churn_head;
	cr_assert_eq(shmprim_slab_free_allocated(&slab, held[2]), SHMPRIM_ERR_CONTENDED);
	shmprim_window_hook = NULL;
	cr_assert_eq(meta(&slab, held[2].index)->state_gen, word(held[2].generation, SHMPRIM_SLOT_ALLOCATED, ME, 0));
	cr_assert_eq(shmprim_slab_free_allocated(&slab, held[2]), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* The pop side of the same peer: try_alloc gives up with CONTENDED after
 * exactly the bound, taking nothing (a try_alloc without its bound spins
 * for ever here: the mutant S11 in tests/model/mutants.c, caught by this). */
Test(reclaim, try_alloc_stops_at_the_retry_bound)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	shmprim_slot_handle a;

	churned = &slab;
	churns = 0;
	shmprim_window_hook = churn_head;
	shmprim_loop_count = 0;
	cr_assert_eq(shmprim_slab_try_alloc(&slab, &a), SHMPRIM_ALLOC_CONTENDED);
	shmprim_window_hook = NULL;
	cr_assert_eq(shmprim_loop_count, SHMPRIM_SLAB_RETRY_LIMIT + 1, "the bound, then the check that ends it");
	expect_whole(&slab, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* A slower peer: every push's CAS fails but each R-th, so each push takes
 * (nearly) the whole retry limit and still succeeds. */
static unsigned long push_tries;

static void churn_most_pushes(int window)
{
	if (window == SHMPRIM_WINDOW_PUSH_TRY && ++push_tries % SHMPRIM_SLAB_RETRY_LIMIT != 0)
		__atomic_fetch_add(&churned->raw.header->free_head, (uint64_t)1 << 32, __ATOMIC_RELAXED);
}

/* Issue 12, item 4: the cache paths make several pushes per call (a free with
 * a full cache gave back 16 slots, a flush up to 32), and each used to get the
 * whole retry limit: ~17 R for a free where slab.h said 2 R. They now share
 * one budget; every call stays within its SHMPRIM_SLAB_BOUND_*. */
Test(reclaim, cache_paths_stay_within_their_loop_bounds, .timeout = 60)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, 2 * SHMPRIM_SLAB_CACHE_MAX + 8);
	shmprim_slot_handle held[SHMPRIM_SLAB_CACHE_MAX + 1];
	shmprim_slab_audit_report a;
	shmprim_status st;
	uint32_t k;

	cr_assert_eq(shmprim_slab_set_cache(&slab, SHMPRIM_SLAB_CACHE_MAX), SHMPRIM_OK);
	for (k = 0; k <= SHMPRIM_SLAB_CACHE_MAX; k++)
		cr_assert_eq(shmprim_slab_try_alloc(&slab, &held[k]), SHMPRIM_ALLOC_OK);
	for (k = 0; k < SHMPRIM_SLAB_CACHE_MAX; k++)
		cr_assert_eq(shmprim_slab_free_allocated(&slab, held[k]), SHMPRIM_OK);
	churned = &slab;
	push_tries = 0;
	shmprim_window_hook = churn_most_pushes;
	/* The cache is full: this free gives back its older half first. */
	shmprim_loop_count = 0;
	st = shmprim_slab_free_allocated(&slab, held[SHMPRIM_SLAB_CACHE_MAX]);
	cr_assert_leq(shmprim_loop_count, SHMPRIM_SLAB_BOUND_FREE, "free with a full cache: %lu iterations (%s)",
	              shmprim_loop_count, shmprim_status_str(st));
	if (st == SHMPRIM_ERR_CONTENDED) /* no effect: retried with the same handle, the peer still slow */
		cr_assert_eq(meta(&slab, held[SHMPRIM_SLAB_CACHE_MAX].index)->state_gen,
		             word(held[SHMPRIM_SLAB_CACHE_MAX].generation, SHMPRIM_SLOT_ALLOCATED, ME, 0));
	for (k = 0; k < 4 && st == SHMPRIM_ERR_CONTENDED; k++) {
		shmprim_loop_count = 0;
		st = shmprim_slab_free_allocated(&slab, held[SHMPRIM_SLAB_CACHE_MAX]);
		cr_assert_leq(shmprim_loop_count, SHMPRIM_SLAB_BOUND_FREE);
	}
	cr_assert_eq(st, SHMPRIM_OK);
	/* flush, set_cache and set_owner: up to 32 pushes each, one budget. */
	for (k = 0; k < 3; k++) {
		shmprim_loop_count = 0;
		st = k == 0 ? shmprim_slab_set_cache(&slab, 1) : k == 1 ? shmprim_slab_set_owner(&slab, ME)
		                                                        : shmprim_slab_flush_cache(&slab);
		cr_assert_leq(shmprim_loop_count, SHMPRIM_SLAB_BOUND_CACHE, "cache call %u: %lu iterations (%s)", k,
		              shmprim_loop_count, shmprim_status_str(st));
		cr_assert(st == SHMPRIM_OK || st == SHMPRIM_ERR_CONTENDED, "%s", shmprim_status_str(st));
	}
	/* The peer stops: everything still cached goes back, nothing is lost. */
	shmprim_window_hook = NULL;
	cr_assert_eq(shmprim_slab_flush_cache(&slab), SHMPRIM_OK);
	shmprim_slab_audit(&slab, &a);
	cr_assert(a.list_ok);
	cr_assert_eq(a.on_free_list, shmprim_slab_slot_count(&slab), "%u of %u slots back", a.on_free_list,
	             shmprim_slab_slot_count(&slab));
	shmprim_heap_region_free(&heap);
}

Test(reclaim, ring_resumes_when_the_consumer_ran_ahead_of_head)
{
	shmprim_heap_region heap;
	shmprim_spsc ring, again;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	ipc_entry e;
	uint32_t i;

	cr_assert_eq(shmprim_heap_region_new_zeroed(&heap, shmprim_spsc_required_size(4, sizeof(e))), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 4, sizeof(e)), SHMPRIM_OK);
	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 3; i++) {
		ipc_entry_make(&e, i, 1);
		cr_assert_eq(shmprim_spsc_push(&p, &e), SHMPRIM_PUSH_OK);
	}
	ring.raw.header->head = 1; /* the producer published 3 slots but head only once */
	for (i = 0; i < 3; i++)
		cr_assert(shmprim_spsc_pop(&c, &e) && e.seq == i); /* the consumer follows the slots */
	cr_assert_eq(ring.raw.header->tail, 3);
	cr_assert_eq(shmprim_spsc_attach(&again, shmprim_heap_region_region(&heap), 0), SHMPRIM_OK,
	             "tail 3 ahead of head 1 is a crash leftover, not corruption");
	shmprim_spsc_split(&again, &p, NULL); /* the restarted producer */
	cr_assert_eq(ring.raw.header->head, 3, "head repaired");
	for (i = 3; i < 7; i++) {
		ipc_entry_make(&e, i, 2);
		cr_assert_eq(shmprim_spsc_push(&p, &e), SHMPRIM_PUSH_OK, "push %u", i);
	}
	for (i = 3; i < 7; i++)
		cr_assert(shmprim_spsc_pop(&c, &e) && ipc_entry_ok(&e) && e.seq == i && e.tag == 2);
	/* More than capacity ahead is still corruption. */
	ring.raw.header->tail = ring.raw.header->head + 5;
	cr_assert_eq(shmprim_spsc_attach(&again, shmprim_heap_region_region(&heap), 0), SHMPRIM_ERR_CORRUPT);
	shmprim_heap_region_free(&heap);
}
