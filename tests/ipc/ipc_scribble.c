/*
 * A hostile peer scribbles over the shared region while a victim uses it.
 * Built with AddressSanitizer and UndefinedBehaviorSanitizer (aborting on the
 * first report) and the library's loop counter; the region is a memfd mapped
 * between PROT_NONE guard pages.
 *
 * The scribbler writes 0, ~0, values near the u32/u64 wrap, random words,
 * and half words (a torn store) at random offsets anywhere in the region,
 * headers included. In turn the victim is the ring's producer, its consumer,
 * and a slab user (allocate, mark, free, adopt, reclaim, reclaim_dead, the
 * audits), each also
 * re-attaching now and then. The victim checks:
 *   - every call returns a documented value, and a slot pointer it gets back
 *     lies inside the slab's data array;
 *   - no call runs more than a fixed number of loop iterations (counted by
 *     the library itself), so none can hang;
 *   - it never crashes, never touches memory outside the region (guard pages,
 *     ASan), never hits undefined behaviour (UBSan).
 *
 *   ipc_scribble [SCRIBBLES_PER_ROLE] [thread|process]
 *     default 4x10^6 per role (a quarter of it from a forked scribbler)
 *     (SHMPRIM_LONG=1: 10^8)
 */
#include "ipc_common.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/test_hooks.h"

#define CAP 64u
#define SLOTS 32u
#define SLOT_SIZE 64u
/* Loop iterations one call may take, unless held to a bound of its own: the
 * largest per-call bound in slab.h but reclaim_dead's (reclaim's). Each slab
 * call is also held to its own bound there. */
#define LOOP_BOUND SHMPRIM_SLAB_BOUND_RECLAIM(SLOTS)

enum role { PRODUCER, CONSUMER, SLAB_USER, ROLES };
static const char *role_name[ROLES] = { "producer", "consumer", "slab user" };

static ipc_geometry geo;
static shmprim_shm shm;
static volatile uint64_t scribbles;
static volatile int stop_scribbling;
static unsigned long worst_loops;
static uint64_t calls, refusals;
static uint64_t dead_calls, dead_found, lock_takeovers; /* reclaim_dead: calls, dead owners, takeovers */

static void check_bound(unsigned long before, const char *call, unsigned long bound)
{
	unsigned long used = shmprim_loop_count - before;

	if (used > worst_loops)
		worst_loops = used;
	if (used > bound)
		IPC_FAIL("%s ran %lu loop iterations (bound %lu)", call, used, bound);
	calls++;
}

static void check_loops(unsigned long before, const char *call)
{
	check_bound(before, call, LOOP_BOUND);
}

/* ---- the scribbler ---- */

static uint64_t nasty(ipc_rng *r)
{
	switch (ipc_below(r, 8)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 0xFFFFFFFFull - ipc_below(r, 4);           /* u32 wrap */
	case 3: return 0x7FFFFFFFull + ipc_below(r, 3);           /* 2^31 */
	case 4: return ipc_below(r, 2 * CAP);                     /* small, plausible */
	case 5: return 0xFFFFFFFF00000000ull | ipc_below(r, SLOTS); /* tag and index */
	default: return ipc_rand(r);
	}
}

static void scribble_once(ipc_rng *r, unsigned char *base, size_t len)
{
	size_t off = (size_t)ipc_below(r, len - 8) & ~(size_t)3;
	uint64_t v = nasty(r);

	/* Whole-word, aligned stores (as a peer's atomics would make them), or a
	 * torn half; relaxed atomics, so the scribbler itself is well defined. */
	switch (ipc_below(r, 3)) {
	case 0:
		__atomic_store_n((uint32_t *)(base + off), (uint32_t)v, __ATOMIC_RELAXED);
		break;
	case 1:
		off &= ~(size_t)7;
		__atomic_store_n((uint64_t *)(base + off), v, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_store_n((uint32_t *)(base + (off & ~(size_t)7) + 4 * ipc_below(r, 2)), (uint32_t)(v >> 32),
		                 __ATOMIC_RELAXED);
		break;
	}
}

/* Most scribbles go where the action is (headers and metadata), the rest anywhere. */
static void *scribbler(void *arg)
{
	ipc_rng r = { (uint64_t)(uintptr_t)arg };
	unsigned char *base = shm.base;

	while (!stop_scribbling) {
		if (ipc_below(&r, 2))
			scribble_once(&r, base + geo.slab_off, SHMPRIM_SLAB_HEADER_SIZE + SLOTS * SHMPRIM_SLAB_META_STRIDE);
		else if (ipc_below(&r, 2))
			scribble_once(&r, base, SHMPRIM_SPSC_HEADER_SIZE + 16 * (size_t)CAP);
		else
			scribble_once(&r, base, geo.ctl_off);
		scribbles++;
	}
	return NULL;
}

/* ---- the victims ---- */

static void ring_attach(shmprim_spsc *ring, int *ok)
{
	unsigned long before = shmprim_loop_count;
	const shmprim_spsc_expect expect = { sizeof(ipc_entry), CAP, CAP };
	shmprim_status st = shmprim_spsc_attach_expect(ring, shmprim_shm_region(&shm), geo.ring_off,
	                                               geo.slab_off - geo.ring_off, &expect);

	check_loops(before, "spsc_attach");
	*ok = st == SHMPRIM_OK;
	if (!*ok)
		refusals++;
}

static void victim_ring(int producer, ipc_rng *r)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	ipc_entry e;
	int ok = 0;

	ring_attach(&ring, &ok);
	if (!ok)
		return;
	if (producer)
		shmprim_spsc_split(&ring, &p, NULL);
	else
		shmprim_spsc_split(&ring, NULL, &c);
	for (int i = 0; i < 200; i++) {
		unsigned long before = shmprim_loop_count;

		if (producer) {
			shmprim_push_result pr;

			ipc_entry_make(&e, (uint64_t)i, 0);
			pr = shmprim_spsc_push(&p, &e);
			if (pr != SHMPRIM_PUSH_OK && pr != SHMPRIM_PUSH_WOULD_BLOCK && pr != SHMPRIM_PUSH_CORRUPT)
				IPC_FAIL("push returned %d", (int)pr);
			(void)shmprim_spsc_is_full(&p);
			if (shmprim_spsc_available(&p) > CAP)
				IPC_FAIL("available() above capacity%s", "");
			if (ipc_below(r, 8) == 0) {
				shmprim_status st = shmprim_spsc_push_wait(&p, &e, 0, NULL);

				/* CLOSED: the scribbler wrote 1 into the consumer's claim word;
				 * PEER_DEAD: it wrote a token that names no live process there
				 * (push_wait checks the consumer's claim before it pushes). */
				if (st != SHMPRIM_OK && st != SHMPRIM_ERR_TIMED_OUT && st != SHMPRIM_ERR_CORRUPT &&
				    st != SHMPRIM_ERR_CLOSED && st != SHMPRIM_ERR_PEER_DEAD)
					IPC_FAIL("push_wait returned %s", shmprim_status_str(st));
			}
			{
				shmprim_status st = shmprim_spsc_try_push(&p, &e);

				if (st != SHMPRIM_OK && st != SHMPRIM_ERR_FULL && st != SHMPRIM_ERR_CORRUPT &&
				    st != SHMPRIM_ERR_CLOSED)
					IPC_FAIL("try_push returned %s", shmprim_status_str(st));
			}
			check_loops(before, "push");
		} else {
			(void)shmprim_spsc_pop(&c, &e);
			(void)shmprim_spsc_consumer_is_empty(&c);
			if (shmprim_spsc_consumer_len(&c) > CAP)
				IPC_FAIL("consumer_len() above capacity%s", "");
			if (ipc_below(r, 8) == 0) {
				shmprim_status st = shmprim_spsc_pop_wait(&c, &e, 0, NULL);

				/* CORRUPT: the statused pop behind it sees scribbled head,
				 * tail and seqs; END: 1 scribbled into the producer's claim. */
				if (st != SHMPRIM_OK && st != SHMPRIM_ERR_TIMED_OUT && st != SHMPRIM_ERR_CORRUPT &&
				    st != SHMPRIM_ERR_END)
					IPC_FAIL("pop_wait returned %s", shmprim_status_str(st));
			}
			{
				shmprim_status st = shmprim_spsc_try_pop(&c, &e);

				if (st != SHMPRIM_OK && st != SHMPRIM_ERR_EMPTY && st != SHMPRIM_ERR_CORRUPT &&
				    st != SHMPRIM_ERR_END)
					IPC_FAIL("try_pop returned %s", shmprim_status_str(st));
			}
			check_loops(before, "pop");
		}
		if (shmprim_spsc_snapshot_of(&ring).len > CAP)
			IPC_FAIL("snapshot len above capacity%s", "");
	}
}

static int status_documented_for_slot_op(shmprim_status st)
{
	return st == SHMPRIM_OK || st == SHMPRIM_ERR_INVALID_INDEX || st == SHMPRIM_ERR_GENERATION_MISMATCH ||
	       st == SHMPRIM_ERR_INVALID_STATE || st == SHMPRIM_ERR_CONTENDED;
}

static void check_slot_pointer(shmprim_slab *slab, void *p)
{
	unsigned char *lo = slab->raw.data, *hi = lo + (size_t)SLOTS * slab->raw.data_stride;

	if (p && ((unsigned char *)p < lo || (unsigned char *)p + SLOT_SIZE > hi))
		IPC_FAIL("slot pointer %p outside the data array [%p, %p)", p, (void *)lo, (void *)hi);
}

static shmprim_liveness odd_is_dead(uint32_t owner, void *arg)
{
	(void)arg;
	return owner % 2 ? SHMPRIM_DEAD : SHMPRIM_ALIVE;
}

/* What reclaim_dead reports holds together whatever the scribbler wrote: the
 * listed owners ascending and valid, their slots a part of the totals, the
 * totals within one slab per pass. */
static void check_dead_report(const shmprim_slab_dead_report *d)
{
	uint64_t alloc = 0, freeing = 0;
	uint32_t k;

	if (d->dead_listed > SHMPRIM_SLAB_REPORT_OWNERS || d->dead_listed + d->dead_unlisted != d->owners_dead)
		IPC_FAIL("reclaim_dead listed %u + %u of %u dead owners", d->dead_listed, d->dead_unlisted, d->owners_dead);
	for (k = 0; k < d->dead_listed; k++) {
		const shmprim_slab_owner_slots *o = &d->dead[k].slots;

		if (o->owner == 0 || o->owner > SHMPRIM_SLAB_OWNER_MAX || (k > 0 && o->owner <= d->dead[k - 1].slots.owner))
			IPC_FAIL("reclaim_dead listed owner %u at %u", o->owner, k);
		alloc += (uint64_t)o->allocated + o->in_flight;
		freeing += o->freeing;
	}
	if (alloc > d->total.allocated || freeing > d->total.freeing ||
	    d->total.reclaimed > SLOTS * SHMPRIM_SLAB_RECLAIM_DEAD_PASSES(SLOTS))
		IPC_FAIL("reclaim_dead per-owner %" PRIu64 "/%" PRIu64 " against totals %u/%u, %u reclaimed", alloc, freeing,
		         d->total.allocated, d->total.freeing, d->total.reclaimed);
}

static void check_owner_audit(const shmprim_slab_owner_audit *a)
{
	uint64_t slots = (uint64_t)a->slots_unlisted + a->anonymous;
	uint32_t k;

	if (a->owners_listed > SHMPRIM_SLAB_REPORT_OWNERS)
		IPC_FAIL("audit_owners listed %u owners", a->owners_listed);
	for (k = 0; k < a->owners_listed; k++) {
		const shmprim_slab_owner_slots *o = &a->owner[k];

		if (o->owner == 0 || o->owner > SHMPRIM_SLAB_OWNER_MAX || (k > 0 && o->owner <= a->owner[k - 1].owner))
			IPC_FAIL("audit_owners listed owner %u at %u", o->owner, k);
		slots += (uint64_t)o->allocated + o->in_flight + o->freeing;
	}
	if (slots > SLOTS)
		IPC_FAIL("audit_owners counted %" PRIu64 " slots of %u", slots, SLOTS);
}

static void victim_slab(ipc_rng *r)
{
	shmprim_slab_dead_report dead_rep;
	shmprim_slab_owner_audit owners;
	shmprim_slab slab;
	shmprim_slot_handle held[8];
	uint32_t n = 0;
	unsigned long before = shmprim_loop_count;
	const shmprim_slab_expect expect = { SLOT_SIZE, SLOTS, SLOTS };
	shmprim_status st = shmprim_slab_attach_expect(&slab, shmprim_shm_region(&shm), geo.slab_off,
	                                               shmprim_slab_required_size(SLOTS, SLOT_SIZE), &expect);

	check_loops(before, "slab_attach");
	if (st != SHMPRIM_OK) {
		refusals++;
		return;
	}
	shmprim_slab_set_owner(&slab, 7);
	/* The cache on in most rounds (its paths make several pushes per call). */
	if (ipc_below(r, 4) != 0)
		shmprim_slab_set_cache(&slab, 1 + (uint32_t)ipc_below(r, SHMPRIM_SLAB_CACHE_MAX));
	for (int i = 0; i < 200; i++) {
		uint32_t op = (uint32_t)ipc_below(r, 18);
		unsigned long bound = LOOP_BOUND;

		before = shmprim_loop_count;
		if (op < 6 && n < 8) {
			shmprim_alloc_result a = shmprim_slab_try_alloc(&slab, &held[n]);

			check_bound(before, "try_alloc", SHMPRIM_SLAB_BOUND_TRY_ALLOC);

			if (a > SHMPRIM_ALLOC_CONTENDED)
				IPC_FAIL("try_alloc returned %d", (int)a);
			if (a == SHMPRIM_ALLOC_OK) {
				void *p = shmprim_slab_slot_data(&slab, held[n]);

				check_slot_pointer(&slab, p);
				if (p)
					memset(p, 0x5A, SLOT_SIZE);
				n++;
			}
		} else if (op < 12 && n > 0) {
			uint32_t k = (uint32_t)ipc_below(r, n);

			st = op & 1 ? shmprim_slab_free_allocated(&slab, held[k]) : shmprim_slab_mark_in_flight(&slab, held[k]);
			check_bound(before, op & 1 ? "free_allocated" : "mark_in_flight",
			            op & 1 ? SHMPRIM_SLAB_BOUND_FREE : SHMPRIM_SLAB_BOUND_STATE_CHANGE);
			if (!status_documented_for_slot_op(st))
				IPC_FAIL("slot op returned %s", shmprim_status_str(st));
			if (op & 1 || st != SHMPRIM_OK) {
				before = shmprim_loop_count;
				st = shmprim_slab_free(&slab, held[k]);
				check_bound(before, "free", SHMPRIM_SLAB_BOUND_FREE);
				if (!status_documented_for_slot_op(st))
					IPC_FAIL("free returned %s", shmprim_status_str(st));
				held[k] = held[--n];
			}
			before = shmprim_loop_count;
		} else if (op == 12) {
			shmprim_slot_handle h = { (uint32_t)nasty(r), (uint32_t)nasty(r) };

			check_slot_pointer(&slab, shmprim_slab_slot_data(&slab, h));
			st = shmprim_slab_adopt(&slab, h);
			bound = SHMPRIM_SLAB_BOUND_STATE_CHANGE;
			if (!status_documented_for_slot_op(st))
				IPC_FAIL("adopt returned %s", shmprim_status_str(st));
		} else if (op == 13 && ipc_below(r, 2)) {
			shmprim_reclaim_report rep;

			st = shmprim_slab_reclaim(&slab, 1 + (uint32_t)ipc_below(r, 8), SHMPRIM_RECLAIM_IN_FLIGHT, &rep);
			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_CORRUPT && st != SHMPRIM_ERR_CONTENDED &&
			    st != SHMPRIM_ERR_INVALID_ARGUMENT)
				IPC_FAIL("reclaim returned %s", shmprim_status_str(st));
			if (rep.reclaimed > SLOTS)
				IPC_FAIL("reclaim returned %u slots of %u", rep.reclaimed, SLOTS);
		} else if (op == 13) {
			/* mostly the fake liveness (odd ids dead), now and then real pids */
			st = shmprim_slab_reclaim_dead(&slab, SHMPRIM_RECLAIM_IN_FLIGHT, ipc_below(r, 8) ? odd_is_dead : NULL,
			                               NULL, &dead_rep);
			bound = SHMPRIM_SLAB_BOUND_RECLAIM_DEAD(SLOTS);
			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_CORRUPT && st != SHMPRIM_ERR_CONTENDED)
				IPC_FAIL("reclaim_dead returned %s", shmprim_status_str(st));
			check_dead_report(&dead_rep);
			dead_calls++;
			dead_found += dead_rep.owners_dead;
			lock_takeovers += dead_rep.lock_taken_from != 0;
		} else if (op == 14) {
			shmprim_slab_audit_report a;

			shmprim_slab_audit(&slab, &a);
			check_bound(before, "audit", SHMPRIM_SLAB_BOUND_AUDIT(SLOTS));
			before = shmprim_loop_count;
			if (a.on_free_list > SLOTS)
				IPC_FAIL("audit walked %u links", a.on_free_list);
			if (shmprim_slab_free_count_approx(&slab) > SLOTS)
				IPC_FAIL("free_count_approx above the slot count%s", "");
			check_bound(before, "free_count_approx", SHMPRIM_SLAB_BOUND_AUDIT(SLOTS));
			before = shmprim_loop_count;
			shmprim_slab_audit_owners(&slab, &owners);
			bound = SHMPRIM_SLAB_BOUND_AUDIT_OWNERS(SLOTS);
			check_owner_audit(&owners);
		} else if (op >= 16) {
			/* the cache's own calls: each gives back up to CACHE_MAX slots */
			uint32_t pick = (uint32_t)ipc_below(r, 3);

			st = pick == 0 ? shmprim_slab_flush_cache(&slab)
			   : pick == 1 ? shmprim_slab_set_cache(&slab, (uint32_t)ipc_below(r, SHMPRIM_SLAB_CACHE_MAX + 1))
			               : shmprim_slab_set_owner(&slab, 7);
			bound = SHMPRIM_SLAB_BOUND_CACHE;
			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_CONTENDED)
				IPC_FAIL("cache call returned %s", shmprim_status_str(st));
		} else {
			shmprim_slot_handle h;

			st = shmprim_slab_alloc_wait(&slab, &h, 0, NULL);
			bound = SHMPRIM_SLAB_BOUND_TRY_ALLOC;
			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_TIMED_OUT && st != SHMPRIM_ERR_CORRUPT)
				IPC_FAIL("alloc_wait returned %s", shmprim_status_str(st));
			if (st == SHMPRIM_OK && n < 8)
				held[n++] = h;
		}
		check_bound(before, "slab call", bound);
	}
}

/* Puts the structures back (the victim's next attach may then succeed). */
static void reinit(void)
{
	shmprim_spsc ring;
	shmprim_slab slab;

	IPC_OK(shmprim_spsc_init(&ring, shmprim_shm_region(&shm), geo.ring_off, CAP, sizeof(ipc_entry)));
	IPC_OK(shmprim_slab_init(&slab, shmprim_shm_region(&shm), geo.slab_off, SLOTS, SLOT_SIZE));
}

static void run_role(enum role role, uint64_t target, int as_process, uint64_t seed)
{
	ipc_rng r = { seed };
	pthread_t t;
	pid_t pid = 0;
	uint64_t start = scribbles, rounds = 0, t0 = ipc_now_ns();
	volatile uint64_t *counter = &scribbles;

	reinit();
	stop_scribbling = 0;
	if (as_process) {
		/* The scribbler in another process, through its own mapping; it
		 * counts its scribbles in the control block. */
		volatile uint64_t *shared = (volatile uint64_t *)((unsigned char *)shm.base + geo.ctl_off);

		*shared = 0;
		counter = shared;
		start = 0;
		pid = fork();
		if (pid < 0)
			IPC_FAIL("fork: %s", strerror(errno));
		if (pid == 0) {
			shmprim_shm mine;
			ipc_rng rr = { seed ^ 0xABCDEF };

			if (shmprim_shm_open_fd(&mine, shm.fd, 0) != SHMPRIM_OK)
				_exit(2);
			for (;;) {
				if (ipc_below(&rr, 2))
					scribble_once(&rr, (unsigned char *)mine.base + geo.slab_off,
					              SHMPRIM_SLAB_HEADER_SIZE + SLOTS * SHMPRIM_SLAB_META_STRIDE);
				else
					scribble_once(&rr, mine.base, geo.ctl_off);
				__atomic_add_fetch((uint64_t *)((unsigned char *)mine.base + geo.ctl_off), 1, __ATOMIC_RELAXED);
			}
		}
	} else {
		pthread_create(&t, NULL, scribbler, (void *)(uintptr_t)(seed | 1));
	}
	while (*counter - start < target || rounds < 100) {
		if (role == SLAB_USER)
			victim_slab(&r);
		else
			victim_ring(role == PRODUCER, &r);
		if (++rounds % 64 == 0)
			reinit(); /* a peer that re-initialises, too */
	}
	if (as_process) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		stop_scribbling = 1;
		pthread_join(t, NULL);
	}
	printf("%-9s (%s scribbler): %" PRIu64 " scribbles, %" PRIu64 " victim rounds, %.1f s\n", role_name[role],
	       as_process ? "process" : "thread", *counter - start, rounds, (double)(ipc_now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	uint64_t target = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(4000000, 100000000);
	const char *mode = argc > 2 ? argv[2] : "both";
	uint64_t seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid() * 7919);
	int role;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(900); /* a hang is a failure */
	geo = ipc_geometry_of(CAP, sizeof(ipc_entry), SLOTS, SLOT_SIZE, 4096);
	IPC_OK(shmprim_shm_create_memfd(&shm, "scribble", geo.total, SHMPRIM_SHM_GUARD_PAGES));
	for (role = 0; role < ROLES; role++) {
		if (strcmp(mode, "process") != 0)
			run_role((enum role)role, target, 0, seed + (uint64_t)role);
		if (strcmp(mode, "thread") != 0)
			run_role((enum role)role, target / 4, 1, seed + 100 + (uint64_t)role);
	}
	printf("scribble test (%s): %" PRIu64 " calls, %" PRIu64 " attach refusals, worst call %lu loop iterations "
	       "(bound %lu), seed %" PRIu64 "\n",
	       shmprim_backend_name(), calls, refusals, worst_loops, LOOP_BOUND, seed);
	printf("reclaim_dead: %" PRIu64 " calls, %" PRIu64 " dead owners found, %" PRIu64 " scribbled locks taken over\n",
	       dead_calls, dead_found, lock_takeovers);
	shmprim_shm_close(&shm);
	return 0;
}
