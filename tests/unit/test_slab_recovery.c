/*
 * Recovery in one call, from one thread: reclaim_dead's report (per dead
 * owner, by kind; totals; owners alive; the array's overflow across several
 * passes), each owner's liveness asked once, the reclaim lock's takeover
 * rules, and audit_owners' census per owner. Liveness comes from a fake that
 * the test scripts; tests/ipc/test_reclaim.c does the same with real pids.
 */
#include "unit_util.h"

TestSuite(slab_recovery, .timeout = UNIT_TIMEOUT_S);

#define ME 1u
#define SLOT_SIZE 40u

/* The fake: an owner id is dead when `dead` says so; every question is counted. */
#define FAKE_IDS 8192u
typedef struct fake_liveness {
	int (*dead)(uint32_t owner);
	shmprim_liveness unknown_for; /* answered for ids dead() calls 2 (unsure) */
	uint32_t asked[FAKE_IDS];
	uint32_t calls;
} fake_liveness;

static shmprim_liveness fake(uint32_t owner, void *arg)
{
	fake_liveness *f = arg;
	int d;

	cr_assert_lt(owner, FAKE_IDS, "asked about owner %u", owner);
	f->asked[owner]++;
	f->calls++;
	d = f->dead(owner);
	return d == 2 ? SHMPRIM_LIVENESS_UNKNOWN : d ? SHMPRIM_DEAD : SHMPRIM_ALIVE;
}

static int even_is_dead(uint32_t owner)
{
	return owner % 2 == 0;
}

static shmprim_heap_region make(shmprim_slab *slab, uint32_t slots)
{
	shmprim_heap_region heap = unit_heap(shmprim_slab_required_size(slots, SLOT_SIZE));

	cr_assert_eq(shmprim_slab_init(slab, shmprim_heap_region_region(&heap), 0, slots, SLOT_SIZE), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_owner(slab, ME), SHMPRIM_OK);
	return heap;
}

/* A second handle on the same slab, owned by owner (another "process"). */
static shmprim_slab other(shmprim_heap_region *heap, uint32_t owner)
{
	shmprim_slab s;

	cr_assert_eq(shmprim_slab_attach(&s, shmprim_heap_region_region(heap), 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_set_owner(&s, owner), SHMPRIM_OK);
	return s;
}

static shmprim_slot_handle alloc_ok(shmprim_slab *slab)
{
	shmprim_slot_handle h;

	cr_assert_eq(shmprim_slab_try_alloc(slab, &h), SHMPRIM_ALLOC_OK);
	return h;
}

/* owner takes n slots, marks `in_flight` of them IN_FLIGHT, and frees `cached`
 * more into its cache (FREE|FREEING|owner, off the list). */
static void hold(shmprim_heap_region *heap, uint32_t owner, uint32_t n, uint32_t in_flight, uint32_t cached)
{
	shmprim_slab s = other(heap, owner);
	uint32_t i;

	if (cached)
		cr_assert_eq(shmprim_slab_set_cache(&s, cached), SHMPRIM_OK);
	for (i = 0; i < n; i++) {
		shmprim_slot_handle h = alloc_ok(&s);

		if (i < in_flight)
			cr_assert_eq(shmprim_slab_mark_in_flight(&s, h), SHMPRIM_OK);
	}
	for (i = 0; i < cached; i++)
		cr_assert_eq(shmprim_slab_free_allocated(&s, alloc_ok(&s)), SHMPRIM_OK);
	cr_assert_eq(s.raw.cache_len, cached);
	/* the handle is dropped here, its cache with it: as a process killed */
}

static void expect_owner(const shmprim_slab_owner_slots *o, uint32_t owner, uint32_t allocated, uint32_t in_flight,
                         uint32_t freeing)
{
	cr_assert_eq(o->owner, owner, "owner %u, want %u", o->owner, owner);
	cr_assert_eq(o->allocated, allocated, "owner %u: allocated %u, want %u", owner, o->allocated, allocated);
	cr_assert_eq(o->in_flight, in_flight, "owner %u: in_flight %u, want %u", owner, o->in_flight, in_flight);
	cr_assert_eq(o->freeing, freeing, "owner %u: freeing %u, want %u", owner, o->freeing, freeing);
}

static void expect_census(shmprim_slab *slab, uint32_t on_list, uint32_t allocated, uint32_t in_flight,
                          uint32_t freeing_off_list)
{
	shmprim_slab_audit_report a;

	shmprim_slab_audit(slab, &a);
	cr_assert(a.list_ok);
	cr_assert_eq(a.on_free_list, on_list, "on list %u, want %u", a.on_free_list, on_list);
	cr_assert_eq(a.allocated, allocated, "allocated %u, want %u", a.allocated, allocated);
	cr_assert_eq(a.in_flight, in_flight, "in flight %u, want %u", a.in_flight, in_flight);
	cr_assert_eq(a.free_off_list, freeing_off_list);
	cr_assert_eq(a.freeing_off_list, freeing_off_list);
	cr_assert_eq(a.bad_state, 0);
}

/* Two dead owners, one alive, the handle's own slot and an anonymous one. */
static shmprim_heap_region two_dead_one_alive(shmprim_slab *slab)
{
	shmprim_heap_region heap = make(slab, 32);
	shmprim_slab anon = other(&heap, 1);

	hold(&heap, 102, 5, 2, 1); /* dead: 3 allocated, 2 in flight, 1 cached */
	hold(&heap, 104, 1, 0, 0); /* dead: 1 allocated */
	hold(&heap, 201, 3, 1, 0); /* alive: 2 allocated, 1 in flight */
	(void)alloc_ok(slab);      /* ME */
	cr_assert_eq(shmprim_slab_set_owner(&anon, 0), SHMPRIM_OK);
	(void)alloc_ok(&anon);     /* anonymous */
	expect_census(slab, 32 - 12, 8, 3, 1);
	return heap;
}

Test(slab_recovery, audit_owners_names_every_owner)
{
	shmprim_slab slab;
	shmprim_heap_region heap = two_dead_one_alive(&slab);
	shmprim_slab_owner_audit o;

	memset(&o, 0xA5, sizeof(o));
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, 4);
	cr_assert_eq(o.slots_unlisted, 0);
	cr_assert_eq(o.anonymous, 1);
	expect_owner(&o.owner[0], ME, 1, 0, 0);
	expect_owner(&o.owner[1], 102, 3, 2, 1);
	expect_owner(&o.owner[2], 104, 1, 0, 0);
	expect_owner(&o.owner[3], 201, 2, 1, 0);
	shmprim_heap_region_free(&heap);
}

Test(slab_recovery, reclaim_dead_reports_what_came_back_from_whom)
{
	shmprim_slab slab;
	shmprim_heap_region heap = two_dead_one_alive(&slab);
	static fake_liveness f;
	shmprim_slab_dead_report r;
	shmprim_slab_owner_audit o;

	memset(&f, 0, sizeof(f));
	f.dead = even_is_dead;
	memset(&r, 0xA5, sizeof(r));
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, SHMPRIM_RECLAIM_IN_FLIGHT, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(slab.raw.header->reclaim_lock, 0, "lock released");
	cr_assert_eq(r.owners_dead, 2);
	cr_assert_eq(r.owners_alive, 2, "201 and the handle's own id");
	cr_assert_eq(r.dead_listed, 2);
	cr_assert_eq(r.dead_unlisted, 0);
	cr_assert_eq(r.lock_taken_from, 0);
	expect_owner(&r.dead[0].slots, 102, 3, 2, 1);
	cr_assert_eq(r.dead[0].status, SHMPRIM_OK);
	expect_owner(&r.dead[1].slots, 104, 1, 0, 0);
	cr_assert_eq(r.dead[1].status, SHMPRIM_OK);
	cr_assert_eq(r.total.reclaimed, 7);
	cr_assert_eq(r.total.allocated, 6, "ALLOCATED and IN_FLIGHT, as reclaim counts them");
	cr_assert_eq(r.total.freeing, 1);
	cr_assert_eq(r.total.orphans, 0);
	cr_assert_eq(r.total.busy, 0);
	cr_assert_eq(r.total.corrupt, 0);
	/* each owner asked once; the handle's own id never */
	cr_assert_eq(f.calls, 3);
	cr_assert(f.asked[102] == 1 && f.asked[104] == 1 && f.asked[201] == 1 && f.asked[ME] == 0);
	expect_census(&slab, 32 - 5, 4, 1, 0);
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, 2, "the dead are named no more");
	expect_owner(&o.owner[0], ME, 1, 0, 0);
	expect_owner(&o.owner[1], 201, 2, 1, 0);
	cr_assert_eq(o.anonymous, 1);

	/* Again: nobody dead is left. */
	memset(&r, 0xA5, sizeof(r));
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, SHMPRIM_RECLAIM_IN_FLIGHT, fake, &f, &r), SHMPRIM_OK);
	cr_assert(r.owners_dead == 0 && r.owners_alive == 2 && r.dead_listed == 0 && r.total.reclaimed == 0);
	shmprim_heap_region_free(&heap);
}

Test(slab_recovery, in_flight_slots_need_the_flag)
{
	shmprim_slab slab;
	shmprim_heap_region heap = two_dead_one_alive(&slab);
	static fake_liveness f;
	shmprim_slab_dead_report r;
	shmprim_slab_owner_audit o;

	memset(&f, 0, sizeof(f));
	f.dead = even_is_dead;
	cr_assert_eq(shmprim_slab_raw_reclaim_dead(&slab.raw, 0, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(r.owners_dead, 2);
	expect_owner(&r.dead[0].slots, 102, 3, 0, 1);
	expect_owner(&r.dead[1].slots, 104, 1, 0, 0);
	cr_assert_eq(r.total.reclaimed, 5);
	cr_assert_eq(f.asked[201], 1);
	shmprim_slab_raw_audit_owners(&slab.raw, &o);
	cr_assert_eq(o.owners_listed, 3);
	expect_owner(&o.owner[1], 102, 0, 2, 0);
	/* With the flag, what 102 had handed off comes back too. */
	cr_assert_eq(shmprim_slab_raw_reclaim_dead(&slab.raw, SHMPRIM_RECLAIM_IN_FLIGHT, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(r.owners_dead, 1);
	expect_owner(&r.dead[0].slots, 102, 0, 2, 0);
	cr_assert_eq(r.total.reclaimed, 2);
	expect_census(&slab, 32 - 5, 4, 1, 0);
	shmprim_heap_region_free(&heap);
}

/* 100 dead owners and 3 alive, one slot each, given out in a scrambled order:
 * two passes (64 ids each at most); dead[] lists the 32 smallest ids. */
Test(slab_recovery, more_dead_owners_than_the_report_lists)
{
	enum { DEAD = 100, SLOTS = 128 };
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, SLOTS);
	static fake_liveness f;
	shmprim_slab_dead_report r;
	shmprim_slab_owner_audit o;
	uint32_t j, k;

	for (j = 0; j < DEAD; j++)
		hold(&heap, 1000 + 2 * ((j * 37) % DEAD), 1, 0, 0);
	hold(&heap, 1001, 1, 0, 0);
	hold(&heap, 1101, 1, 0, 0);
	hold(&heap, 7001, 1, 0, 0);

	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, SHMPRIM_SLAB_REPORT_OWNERS);
	cr_assert_eq(o.slots_unlisted, DEAD + 3 - SHMPRIM_SLAB_REPORT_OWNERS);
	cr_assert_eq(o.anonymous, 0);
	for (k = 0; k < SHMPRIM_SLAB_REPORT_OWNERS; k++) /* 1000, 1001, 1002, 1004, ... */
		expect_owner(&o.owner[k], k == 0 ? 1000 : k == 1 ? 1001 : 1000 + 2 * (k - 1), 1, 0, 0);

	memset(&f, 0, sizeof(f));
	f.dead = even_is_dead;
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(r.owners_dead, DEAD);
	cr_assert_eq(r.owners_alive, 3);
	cr_assert_eq(r.dead_listed, SHMPRIM_SLAB_REPORT_OWNERS);
	cr_assert_eq(r.dead_unlisted, DEAD - SHMPRIM_SLAB_REPORT_OWNERS);
	for (k = 0; k < SHMPRIM_SLAB_REPORT_OWNERS; k++) {
		expect_owner(&r.dead[k].slots, 1000 + 2 * k, 1, 0, 0);
		cr_assert_eq(r.dead[k].status, SHMPRIM_OK);
	}
	cr_assert_eq(r.total.reclaimed, DEAD);
	cr_assert_eq(r.total.allocated, DEAD);
	cr_assert_eq(f.calls, DEAD + 3, "each owner asked once across the passes");
	for (j = 0; j < DEAD; j++)
		cr_assert_eq(f.asked[1000 + 2 * j], 1);
	expect_census(&slab, SLOTS - 3, 3, 0, 0);
	shmprim_slab_audit_owners(&slab, &o);
	cr_assert_eq(o.owners_listed, 3);
	cr_assert_eq(o.slots_unlisted, 0);
	expect_owner(&o.owner[2], 7001, 1, 0, 0);
	shmprim_heap_region_free(&heap);
}

/* A slot popped by a process that died before allocating it names nobody:
 * reclaim_dead takes it back (an orphan) even when no owner is dead. */
Test(slab_recovery, orphans_come_back_with_nobody_dead)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, 4);
	static fake_liveness f;
	shmprim_slab_dead_report r;
	uint64_t head = slab.raw.header->free_head;
	uint32_t top = (uint32_t)head;

	slab.raw.header->free_head = ((uint64_t)((uint32_t)(head >> 32) + 1) << 32) | slab.raw.meta[top].next_free;
	memset(&f, 0, sizeof(f));
	f.dead = even_is_dead;
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(r.total.orphans, 1);
	cr_assert_eq(r.total.reclaimed, 1);
	cr_assert_eq(r.owners_dead + r.owners_alive, 0);
	cr_assert_eq(f.calls, 0);
	expect_census(&slab, 4, 0, 0, 0);
	shmprim_heap_region_free(&heap);
}

static int dead_77(uint32_t owner)
{
	return owner == 77 ? 1 : owner == 79 ? 2 : 0;
}

static void expect_refused(shmprim_slab *slab, fake_liveness *f, uint32_t holder, shmprim_status want)
{
	shmprim_slab_dead_report r;
	shmprim_status st;

	slab->raw.header->reclaim_lock = holder;
	memset(&r, 0xA5, sizeof(r));
	st = shmprim_slab_reclaim_dead(slab, 0, fake, f, &r);
	cr_assert_eq(st, want, "holder %u: %s", holder, shmprim_status_str(st));
	cr_assert_eq(slab->raw.header->reclaim_lock, holder, "a live holder keeps the lock");
	cr_assert(r.total.reclaimed == 0 && r.owners_dead == 0 && r.owners_alive == 0 && r.dead_listed == 0 &&
	          r.lock_taken_from == 0, "report all zero");
}

static void expect_taken_over(shmprim_slab *slab, fake_liveness *f, uint32_t holder)
{
	shmprim_slab_dead_report r;

	slab->raw.header->reclaim_lock = holder;
	cr_assert_eq(shmprim_slab_reclaim_dead(slab, 0, fake, f, &r), SHMPRIM_OK, "holder %u", holder);
	cr_assert_eq(r.lock_taken_from, holder);
	cr_assert_eq(slab->raw.header->reclaim_lock, 0, "released after the takeover");
}

Test(slab_recovery, reclaim_lock_rules)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, 8);
	static fake_liveness f;
	shmprim_slab_dead_report r;
	shmprim_reclaim_report one;

	memset(&f, 0, sizeof(f));
	f.dead = dead_77;
	hold(&heap, 77, 2, 0, 0);

	/* Alive, unsure, or our own id: the lock stays; liveness asked only about the holder. */
	expect_refused(&slab, &f, 78, SHMPRIM_ERR_CONTENDED);
	expect_refused(&slab, &f, 79, SHMPRIM_ERR_CONTENDED);
	expect_refused(&slab, &f, ME, SHMPRIM_ERR_CONTENDED);
	cr_assert(f.calls == 2 && f.asked[78] == 1 && f.asked[79] == 1 && f.asked[77] == 0);
	expect_census(&slab, 6, 2, 0, 0);

	/* Impossible ids: taken over without asking. */
	expect_taken_over(&slab, &f, SHMPRIM_SLAB_OWNER_MAX + 1);
	expect_taken_over(&slab, &f, 0xFFFFFFFFu);
	cr_assert_eq(f.calls, 3, "77, the slot owner, asked once by the first takeover's pass");
	cr_assert_eq(f.asked[77], 1);
	expect_census(&slab, 8, 0, 0, 0);

	/* A dead holder that also owns slots: asked once, for both. */
	hold(&heap, 77, 3, 0, 0);
	slab.raw.header->reclaim_lock = 77;
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, fake, &f, &r), SHMPRIM_OK);
	cr_assert_eq(r.lock_taken_from, 77);
	cr_assert_eq(f.asked[77], 2, "once for this call");
	cr_assert_eq(r.dead_listed, 1);
	expect_owner(&r.dead[0].slots, 77, 3, 0, 0);
	cr_assert_eq(slab.raw.header->reclaim_lock, 0);

	/* reclaim(dead) takes over an impossible id too, and still waits for a live one. */
	slab.raw.header->reclaim_lock = SHMPRIM_SLAB_OWNER_MAX + 7;
	cr_assert_eq(shmprim_slab_reclaim(&slab, 55, 0, &one), SHMPRIM_OK);
	cr_assert_eq(slab.raw.header->reclaim_lock, 0);
	slab.raw.header->reclaim_lock = 78;
	cr_assert_eq(shmprim_slab_reclaim(&slab, 55, 0, &one), SHMPRIM_ERR_CONTENDED);
	cr_assert_eq(slab.raw.header->reclaim_lock, 78);
	slab.raw.header->reclaim_lock = 0;
	expect_census(&slab, 8, 0, 0, 0);
	shmprim_heap_region_free(&heap);
}

Test(slab_recovery, arguments)
{
	shmprim_slab slab;
	shmprim_heap_region heap = make(&slab, 8);
	shmprim_slab_dead_report r;

	memset(&r, 0xA5, sizeof(r));
	cr_assert_eq(shmprim_slab_reclaim_dead(NULL, 0, NULL, NULL, &r), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert(r.total.reclaimed == 0 && r.owners_alive == 0 && r.lock_taken_from == 0, "report zeroed");
	cr_assert_eq(shmprim_slab_raw_reclaim_dead(NULL, 0, NULL, NULL, NULL), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_slab_set_owner(&slab, 0), SHMPRIM_OK);
	memset(&r, 0xA5, sizeof(r));
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, NULL, NULL, &r), SHMPRIM_ERR_INVALID_ARGUMENT,
	             "an anonymous handle cannot hold the lock");
	cr_assert(r.total.reclaimed == 0 && r.owners_dead == 0);
	cr_assert_eq(slab.raw.header->reclaim_lock, 0);
	/* No report wanted. */
	cr_assert_eq(shmprim_slab_set_owner(&slab, ME), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_reclaim_dead(&slab, 0, NULL, NULL, NULL), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}
