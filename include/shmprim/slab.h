/** @file
 * Lock-free slab of fixed-size slots: a Treiber stack of free slots with an
 * ABA tag, and per-slot (generation, state) words.
 *
 * Slot life: FREE --try_alloc--> ALLOCATED --mark_in_flight--> IN_FLIGHT --free--> FREE,
 * and ALLOCATED --free_allocated--> FREE. Every allocation bumps the slot's
 * generation (a slot's first handle has generation 1); a handle whose
 * generation no longer matches is refused, so stale handles can't free or
 * move a slot that has a new owner. Any number of threads/processes may call
 * every operation concurrently.
 *
 * Raw form (shmprim_slab_raw_*): header, meta array and data array are caller
 * pointers. Region form (shmprim_slab_*): all three sit together in a region
 * at an offset; it delegates to the raw form.
 *
 * Crash recovery. Each handle carries an owner id (set_owner; 0 = anonymous,
 * the default). The CAS that takes a slot (allocation) records it in the
 * slot's state word, and so does the CAS that starts a free (FREE|FREEING|id,
 * finished back to FREE once the slot is on the list again): ownership never
 * lags a state change. reclaim(dead) then returns to the free list:
 *   - every ALLOCATED slot owned by dead, and every slot dead was freeing;
 *   - IN_FLIGHT slots owned by dead only with SHMPRIM_RECLAIM_IN_FLIGHT (an
 *     in-flight handle normally belongs to whoever receives it: pass the flag
 *     once no live process holds or will receive the dead one's handles, or
 *     have receivers call adopt());
 *   - every slot that any process took off the list and died before
 *     allocating (found by a scan: free, not on the list, not pushed since
 *     the reclaim began). A live allocator caught in that window by a
 *     reclaim loses the slot and simply retries.
 * A slot whose free is still in progress in another process is left alone and
 * counted in `busy`; a later reclaim collects it if that process dies too.
 * Anonymous owners cannot be reclaimed by owner: set an id (e.g. the pid) in
 * every process that may die, including forked children, which otherwise
 * keep their parent's.
 * reclaim_dead does it for every dead owner in one call: it gathers the owner
 * ids recorded in the slots, asks a liveness function about each (by default
 * the ids are pids), reclaims the dead ones' slots and reports, per dead owner,
 * what came back; audit_owners says who holds what without changing anything.
 * The reclaim lock (one reclaim at a time) never blocks recovery for ever: a
 * reclaimer that finds it holding an impossible id (above OWNER_MAX) or an owner
 * its liveness check says is dead takes it over, with one CAS from exactly that
 * value; a live holder keeps it (CONTENDED).
 *
 * Per-handle cache (optional, off by default: set_cache). Like a mempool's
 * per-core cache, a handle may keep up to n slots it freed and hand them out
 * again itself: a free then costs one CAS on the slot's own state word and
 * an allocation one more, and neither touches the shared free-list head.
 * A cached slot is in an existing state, "a free in progress by this handle's
 * owner" (FREE|FREEING|owner), so the guarantees above hold unchanged:
 *   - stale handles and double frees are refused exactly as without a cache
 *     (the slot is FREE; an allocation still bumps the generation);
 *   - reclaim(owner) returns a dead owner's cached slots (counted in
 *     `freeing`); every other reclaim leaves them alone (`busy`);
 *   - taking a slot from the cache is a CAS, so two copies of one handle (a
 *     struct copy, a fork) never allocate one slot twice: the loser drops its
 *     entry and tries the next.
 * The price is capacity: slots in one handle's cache are invisible to every
 * other handle, which may see WOULD_BLOCK while they sit there (and
 * free_count_approx does not count them). flush_cache gives them back; a full
 * cache gives back its older half by itself. A slot the cache gives back to
 * the list has its generation stepped once more on the way (so a stale copy
 * of the cache cannot take it), i.e. its next handle's generation is 2 above
 * the last one. An anonymous handle's (owner 0) cached slots can be recovered
 * only by its own flush: set an owner id wherever a process may die.
 *
 * Bounds: a peer rewriting shared words can slow a call down but never hang
 * it. Each retry loop stops after SHMPRIM_SLAB_RETRY_LIMIT (R) attempts
 * (CONTENDED); all the pushes one call makes (a free that gives back half a
 * full cache, a flush of up to SHMPRIM_SLAB_CACHE_MAX slots) share one budget
 * of R attempts; walks stop after slot_count (N) links. Per call, counting
 * every retry-loop attempt and walk step (SHMPRIM_SLAB_BOUND_* below, which
 * tests/ipc asserts under a scribbler with the cache on):
 *   try_alloc                         CACHE_MAX + R + 1  (cache entries tried, pops)
 *   free, free_allocated              2 R                (state CAS, pushes)
 *   mark_in_flight, adopt             R
 *   flush_cache, set_cache, set_owner R                  (pushes)
 *   reclaim                           2 R + 2 N + 3      (detach, walk, scan, splice)
 *   reclaim_dead                      P (N + 2 R + 2 N + 3), P = N / 64 + 1 passes
 *                                     (each: gather up to 64 owner ids, one reclaim)
 *   audit                             2 N + 1;  free_count_approx  N
 *   audit_owners                      N
 *   slot_data, attach, init           no retry loop (init writes N links)
 * (reclaim_dead's P is quadratic in N only when a peer writes distinct owner ids
 * into many slots; with a few owners it makes one pass.)
 * A CONTENDED free or free_allocated has no effect: the slot is put back as
 * it was (same state, owner and generation), and the same handle frees it
 * on a retry. (A free that finds the cache full and cannot give its older
 * half back keeps those slots cached, for flush_cache or reclaim(owner).)
 */
#ifndef SHMPRIM_SLAB_H
#define SHMPRIM_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <shmprim/claim.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A slot's state (see the slot life at the top of this file). */
typedef enum shmprim_slot_state {
	SHMPRIM_SLOT_FREE = 0,      /**< on the free list, or in a handle's cache */
	SHMPRIM_SLOT_ALLOCATED = 1, /**< taken by try_alloc, being filled */
	SHMPRIM_SLOT_IN_FLIGHT = 2  /**< handed to another party, e.g. pushed through a ring */
} shmprim_slot_state;

/** A slot handle: which slot, and which allocation of it. */
typedef struct shmprim_slot_handle {
	/** slot index, below the slot count */
	uint32_t index;
	/** the allocation's generation (first: 1); a stale one is refused */
	uint32_t generation;
} shmprim_slot_handle;

/** What try_alloc did. */
typedef enum shmprim_alloc_result {
	SHMPRIM_ALLOC_OK = 0,          /**< allocated */
	SHMPRIM_ALLOC_WOULD_BLOCK = 1, /**< no free slot */
	SHMPRIM_ALLOC_CORRUPT = 2,     /**< shared state failed validation; nothing was allocated */
	SHMPRIM_ALLOC_CONTENDED = 3    /**< retry bound hit under extreme contention; try again */
} shmprim_alloc_result;

/** What a refused slot operation saw. For SHMPRIM_ERR_INVALID_INDEX: expected =
 * slot count, actual = handle index. GENERATION_MISMATCH: expected = handle's
 * generation, actual = slot's. INVALID_STATE: expected = the state the call
 * needs, actual = the slot's state (a free in progress reads as FREE; a word
 * that holds no valid state is reported as read). Otherwise both 0. */
typedef struct shmprim_slot_error {
	/** the status the call returned */
	shmprim_status code;
	/** what the call needed (see above) */
	uint32_t expected;
	/** what it found */
	uint32_t actual;
} shmprim_slot_error;

/** @def SHMPRIM_SLAB_GEN_LAST
 * Generation lifetime. A slot hands out generations 1..SHMPRIM_SLAB_GEN_LAST,
 * one per allocation (two when its handle's cache gives it back to the list),
 * and is then retired: at the allocation that would go past GEN_LAST it is
 * taken off the list for good (ALLOCATED, owner 0, generation GEN_RETIRED,
 * which no handle carries) and the allocation takes the next slot. So a
 * generation never repeats and a stale handle is never accepted, however
 * long the slab lives; the price is that a slot retires after about 4.29e9
 * allocations (GEN_LAST = 2^32 - 2^16 - 1; the 2^16 below the top leave room
 * for the steps a cache give-back or a reclaim of a crashed allocation make
 * between two allocations), i.e. after 4.3 s of 10^9 allocations/s on that
 * one slot, 2.5 min at the 2.8e7/s one slot can do here. A slab whose
 * slots have all retired answers WOULD_BLOCK; init starts it afresh.
 * Retired slots count as allocated in audit (owner 0). */
#define SHMPRIM_SLAB_GEN_LAST 0xFFFEFFFFu
/** The generation of a retired slot, which no handle carries (see SHMPRIM_SLAB_GEN_LAST). */
#define SHMPRIM_SLAB_GEN_RETIRED 0xFFFFFFFFu

/** CAS retries per loop before a call gives up with CONTENDED: far above what real
 * contention needs, low enough that a peer rewriting the free-list head for ever cannot
 * hang a call. */
#define SHMPRIM_SLAB_RETRY_LIMIT 100000u
/** Most slots one handle's cache may keep (set_cache). */
#define SHMPRIM_SLAB_CACHE_MAX 32u
/* Most loop iterations one call makes (see "Bounds" at the top of this file). */
/** Most loop iterations of try_alloc: cache entries tried, pops. */
#define SHMPRIM_SLAB_BOUND_TRY_ALLOC (SHMPRIM_SLAB_CACHE_MAX + SHMPRIM_SLAB_RETRY_LIMIT + 1ul)
/** Most loop iterations of free and free_allocated: state CAS, pushes. */
#define SHMPRIM_SLAB_BOUND_FREE (2ul * SHMPRIM_SLAB_RETRY_LIMIT)
/** Most loop iterations of mark_in_flight and adopt. */
#define SHMPRIM_SLAB_BOUND_STATE_CHANGE ((unsigned long)SHMPRIM_SLAB_RETRY_LIMIT)
/** Most loop iterations of flush_cache, set_cache and set_owner (pushes). */
#define SHMPRIM_SLAB_BOUND_CACHE ((unsigned long)SHMPRIM_SLAB_RETRY_LIMIT)
/** Most loop iterations of reclaim (detach, walk, scan, splice).
 * @param slot_count the slab's slot count */
#define SHMPRIM_SLAB_BOUND_RECLAIM(slot_count) (2ul * SHMPRIM_SLAB_RETRY_LIMIT + 2ul * (slot_count) + 3ul)
/** Most loop iterations of audit.
 * @param slot_count the slab's slot count */
#define SHMPRIM_SLAB_BOUND_AUDIT(slot_count) (2ul * (slot_count) + 1ul)
/** Owner ids reclaim_dead gathers in one pass over the slots (then checks and reclaims). */
#define SHMPRIM_SLAB_OWNERS_PER_PASS 64u
/** Most passes of reclaim_dead (one more than the slots could name new owners for).
 * @param slot_count the slab's slot count */
#define SHMPRIM_SLAB_RECLAIM_DEAD_PASSES(slot_count) ((unsigned long)(slot_count) / SHMPRIM_SLAB_OWNERS_PER_PASS + 1ul)
/** Most loop iterations of reclaim_dead: per pass, a scan and one reclaim.
 * @param slot_count the slab's slot count */
#define SHMPRIM_SLAB_BOUND_RECLAIM_DEAD(slot_count) \
	(SHMPRIM_SLAB_RECLAIM_DEAD_PASSES(slot_count) * ((unsigned long)(slot_count) + SHMPRIM_SLAB_BOUND_RECLAIM(slot_count)))
/** Most loop iterations of audit_owners.
 * @param slot_count the slab's slot count */
#define SHMPRIM_SLAB_BOUND_AUDIT_OWNERS(slot_count) ((unsigned long)(slot_count))

/** Private view of a slab (raw form): pointers into shared memory, a copy of
 * its geometry, and this handle's owner id and cache. With a cache, calls write
 * the handle (cache_len, cache[], cache_returned), so the fields sit between
 * two SHMPRIM_HANDLE_PAD pads: per-thread handles side by side (an array of
 * them) never share a cache line. */
typedef struct shmprim_slab_raw {
	/** private: keeps whatever lies before the handle off its lines */
	unsigned char pad_before[SHMPRIM_HANDLE_PAD];
	/** the header in shared memory */
	shmprim_slab_header *header;
	/** the metadata lines */
	shmprim_slab_meta *meta;
	/** the slot data */
	unsigned char *data;
	/** slots, copied at init/attach */
	uint32_t slot_count;
	/** bytes per slot, copied at init/attach */
	uint32_t slot_size;
	/** bytes from one slot's data to the next */
	uint32_t data_stride;
	uint32_t owner_id;        /**< recorded in the slots this handle takes; 0 = anonymous */
	/* Private: the free-slot cache (set_cache), oldest first. */
	/** most slots the cache keeps (private) */
	uint32_t cache_size;
	/** slots in it now (private) */
	uint32_t cache_len;
	uint64_t cache_returned;  /**< slots the cache gave back to the list (each stepped its generation once) */
	/** the cached slots (private) */
	shmprim_slot_handle cache[SHMPRIM_SLAB_CACHE_MAX];
	/** private: keeps whatever lies after the handle off its lines */
	unsigned char pad_after[SHMPRIM_HANDLE_PAD];
} shmprim_slab_raw;

/* reclaim flags */
#define SHMPRIM_RECLAIM_IN_FLIGHT 1u /**< reclaim flag: also return IN_FLIGHT slots owned by the dead process */

/** What a reclaim did. */
typedef struct shmprim_reclaim_report {
	uint32_t reclaimed;  /**< slots returned to the free list (all kinds below) */
	uint32_t allocated;  /**< of those: ALLOCATED (or IN_FLIGHT with the flag) slots owned by the dead id */
	uint32_t freeing;    /**< of those: slots the dead id was freeing */
	uint32_t orphans;    /**< of those: free slots off the list that a dead allocator had taken */
	uint32_t busy;       /**< free slots another live process is still freeing (left alone) */
	uint32_t corrupt;    /**< slots or links that failed validation (left alone, or cut out of the list) */
} shmprim_reclaim_report;

/** A census of the slab (exact only when nobody is using it). */
typedef struct shmprim_slab_audit_report {
	uint32_t on_free_list;   /**< links walked from free_head before END (or a cut) */
	uint32_t free_off_list;  /**< FREE slots not on the list: leaked unless an operation is in progress */
	/** ALLOCATED slots (retired ones included, owner 0) */
	uint32_t allocated;
	/** IN_FLIGHT slots */
	uint32_t in_flight;
	uint32_t bad_state;      /**< state word holds no valid state */
	bool list_ok;            /**< list ends in END within slot_count links, no cycle, no out-of-range index,
	                            every listed slot FREE */
	uint32_t freeing_off_list; /**< of free_off_list: FREE|FREEING, i.e. a free in progress or a slot in
	                              some handle's cache (reclaim(owner) returns them); the rest are
	                              allocations in progress or leaks */
} shmprim_slab_audit_report;

/** Owners a report lists by id (reclaim_dead's dead[], audit_owners' owner[]). */
#define SHMPRIM_SLAB_REPORT_OWNERS 32u

/** What one owner id holds (audit_owners), or got back (reclaim_dead). */
typedef struct shmprim_slab_owner_slots {
	uint32_t owner;     /**< the owner id (1..SHMPRIM_SLAB_OWNER_MAX) */
	uint32_t allocated; /**< ALLOCATED slots */
	uint32_t in_flight; /**< IN_FLIGHT slots (reclaim_dead: only with SHMPRIM_RECLAIM_IN_FLIGHT) */
	uint32_t freeing;   /**< FREE|FREEING slots: frees in progress, or slots in its handle's cache */
} shmprim_slab_owner_slots;

/** Who holds the slab's slots (audit_owners; exact only when nobody is using the slab). */
typedef struct shmprim_slab_owner_audit {
	/** entries filled in owner[]: the owner ids holding slots, smallest first */
	uint32_t owners_listed;
	/** slots held by owner ids that did not fit in owner[] (more than SHMPRIM_SLAB_REPORT_OWNERS owners) */
	uint32_t slots_unlisted;
	/** slots held by owner 0: ALLOCATED, IN_FLIGHT or FREEING by anonymous handles, and retired slots */
	uint32_t anonymous;
	/** per owner id, what it holds */
	shmprim_slab_owner_slots owner[SHMPRIM_SLAB_REPORT_OWNERS];
} shmprim_slab_owner_audit;

/** Is an owner id's process alive? For reclaim_dead; NULL there means the ids are
 * pids (shmprim_pid_liveness). Only SHMPRIM_DEAD lets a reclaim take the owner's slots
 * or the reclaim lock it holds: answer SHMPRIM_LIVENESS_UNKNOWN when unsure.
 * @param owner an owner id found in the slab (1..SHMPRIM_SLAB_OWNER_MAX)
 * @param arg   the caller's argument, as passed to reclaim_dead
 * @return SHMPRIM_ALIVE, SHMPRIM_DEAD or SHMPRIM_LIVENESS_UNKNOWN */
typedef shmprim_liveness (*shmprim_slab_liveness_fn)(uint32_t owner, void *arg);

/** What reclaim_dead got back, and from whom. */
typedef struct shmprim_slab_dead_owner {
	/** the dead owner's id and the slots it got back (by kind) */
	shmprim_slab_owner_slots slots;
	/** what the reclaim that covered it returned: SHMPRIM_OK, SHMPRIM_ERR_CONTENDED (some of
	 * its slots may be left: call again) or SHMPRIM_ERR_CORRUPT */
	shmprim_status status;
} shmprim_slab_dead_owner;

/** What reclaim_dead did (written on every return; all zero when it did nothing). */
typedef struct shmprim_slab_dead_report {
	/** sums over the call, as reclaim reports them (allocated counts IN_FLIGHT slots too;
	 * orphans, busy and corrupt belong to no owner) */
	shmprim_reclaim_report total;
	/** owner ids found holding slots and left alone: alive, not verifiably dead, or this handle's own */
	uint32_t owners_alive;
	/** owner ids found dead: every slot of theirs the flags allow was reclaimed */
	uint32_t owners_dead;
	/** entries filled in dead[]: the first SHMPRIM_SLAB_REPORT_OWNERS dead owners, smallest id first */
	uint32_t dead_listed;
	/** dead owners that did not fit in dead[] (their slots are in total) */
	uint32_t dead_unlisted;
	/** the reclaim lock's holder this call took the lock over from (an impossible id, or one
	 * the liveness check found dead); 0 when the lock was free */
	uint32_t lock_taken_from;
	/** per dead owner: what came back */
	shmprim_slab_dead_owner dead[SHMPRIM_SLAB_REPORT_OWNERS];
} shmprim_slab_dead_report;

/** A slab in a region (region form): the raw view plus where it sits. */
typedef struct shmprim_slab {
	/** the slab itself */
	shmprim_slab_raw raw;
	/** the region it sits in */
	shmprim_region region;
	/** its header's offset in the region */
	size_t offset;
} shmprim_slab;

/* ---- sizes (0 if slot_count or slot_size is invalid) ---- */
/** Bytes for the metadata array (raw form).
 * @param slot_count slots, 1..SHMPRIM_SLAB_MAX_SLOTS
 * @return the size, or 0 if slot_count is invalid */
SHMPRIM_API size_t shmprim_slab_meta_size(uint32_t slot_count);
/** Bytes for the data array (raw form).
 * @param slot_count slots, 1..SHMPRIM_SLAB_MAX_SLOTS
 * @param slot_size  bytes per slot, 1..SHMPRIM_SLAB_MAX_SLOT_SIZE
 * @return the size, or 0 if either is invalid */
SHMPRIM_API size_t shmprim_slab_data_size(uint32_t slot_count, uint32_t slot_size);
/** Header + metadata + data, for the region form.
 * @param slot_count slots, 1..SHMPRIM_SLAB_MAX_SLOTS
 * @param slot_size  bytes per slot, 1..SHMPRIM_SLAB_MAX_SLOT_SIZE
 * @return the size, or 0 if either is invalid */
SHMPRIM_API size_t shmprim_slab_required_size(uint32_t slot_count, uint32_t slot_size);

/* ---- raw form ---- */
/** Writes a fresh slab, every slot free, over caller-placed arrays.
 * @param slab       the handle to fill
 * @param header     SHMPRIM_SLAB_HEADER_SIZE bytes, SHMPRIM_ALIGN-aligned
 * @param meta       the metadata array, SHMPRIM_ALIGN-aligned
 * @param meta_len   bytes at meta, at least shmprim_slab_meta_size()
 * @param data       the slot data, SHMPRIM_SLOT_ALIGN-aligned
 * @param data_len   bytes at data, at least shmprim_slab_data_size()
 * @param slot_count slots, 1..SHMPRIM_SLAB_MAX_SLOTS
 * @param slot_size  bytes per slot, 1..SHMPRIM_SLAB_MAX_SLOT_SIZE
 * @return SHMPRIM_OK, or why not (nothing is written then) */
SHMPRIM_API shmprim_status shmprim_slab_raw_init(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                                 void *data, size_t data_len, uint32_t slot_count,
                                                 uint32_t slot_size);
/** What an attacher expects of a slab someone else created (see
 * shmprim_spsc_expect for why a valid checksum is not enough): slot_size must
 * equal the header's (the bytes the caller reads and writes through
 * slot_data; required), and slot_count lie in [min_slot_count,
 * max_slot_count] (0: no bound on that side). */
typedef struct shmprim_slab_expect {
	/** must equal the header's (required) */
	uint32_t slot_size;
	/** least slot count accepted (0: no bound) */
	uint32_t min_slot_count;
	/** most slot count accepted (0: no bound) */
	uint32_t max_slot_count;
} shmprim_slab_expect;

/** The attach to use: validates the header, then refuses a geometry other than
 * *expect (SHMPRIM_ERR_UNEXPECTED_GEOMETRY), then arrays that do not fit in
 * meta_len / data_len (SHMPRIM_ERR_REGION_TOO_SMALL). INVALID_ARGUMENT for an
 * expectation no slab can meet.
 * @param slab     the handle to fill
 * @param header   the slab's header
 * @param meta     its metadata array
 * @param meta_len bytes at meta
 * @param data     its slot data
 * @param data_len bytes at data
 * @param expect   the geometry this process was written for
 * @return SHMPRIM_OK, or why the slab was refused */
SHMPRIM_API shmprim_status shmprim_slab_raw_attach_expect(shmprim_slab_raw *slab, void *header, void *meta,
                                                          size_t meta_len, void *data, size_t data_len,
                                                          const shmprim_slab_expect *expect);
/** Attach with no expectation: any valid slab that fits. The caller MUST then
 * check slot_size (raw: slab->slot_size) against every access it makes through
 * slot_data, which points at slot_size bytes only. Prefer the _expect form.
 * @param slab     the handle to fill
 * @param header   the slab's header
 * @param meta     its metadata array
 * @param meta_len bytes at meta
 * @param data     its slot data
 * @param data_len bytes at data
 * @return SHMPRIM_OK, or why the slab was refused */
SHMPRIM_API shmprim_status shmprim_slab_raw_attach(shmprim_slab_raw *slab, void *header, void *meta,
                                                   size_t meta_len, void *data, size_t data_len);
/** Takes a free slot: ALLOCATED, generation bumped, owner recorded (raw form of shmprim_slab_try_alloc()).
 * @param slab the slab (raw form)
 * @param out  receives the slot's handle
 * @return SHMPRIM_ALLOC_OK, or why no slot was taken */
SHMPRIM_API shmprim_alloc_result shmprim_slab_raw_try_alloc(shmprim_slab_raw *slab, shmprim_slot_handle *out);
/** ALLOCATED -> IN_FLIGHT: the slot is handed to another party.
 * @param slab the slab (raw form)
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return SHMPRIM_OK, or why the handle was refused */
SHMPRIM_API shmprim_status shmprim_slab_raw_mark_in_flight(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                           shmprim_slot_error *err);
/** IN_FLIGHT -> FREE (to the list, or this handle's cache).
 * @param slab the slab (raw form)
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return SHMPRIM_OK, or why the handle was refused (the slot is then unchanged) */
SHMPRIM_API shmprim_status shmprim_slab_raw_free(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                 shmprim_slot_error *err);
/** ALLOCATED -> FREE, for a slot never handed over.
 * @param slab the slab (raw form)
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return SHMPRIM_OK, or why the handle was refused (the slot is then unchanged) */
SHMPRIM_API shmprim_status shmprim_slab_raw_free_allocated(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                           shmprim_slot_error *err);
/** The slot's data (raw form of shmprim_slab_slot_data()).
 * @param slab the slab (raw form)
 * @param h    the slot's handle
 * @return slot_size bytes, or NULL for an out-of-range index or a stale generation */
SHMPRIM_API void *shmprim_slab_raw_slot_data(shmprim_slab_raw *slab, shmprim_slot_handle h);
/** Walks the free list (at most slot_count steps): exact only when no one else is using the slab.
 * @param slab the slab (raw form)
 * @return slots on the free list (cached ones not counted) */
SHMPRIM_API uint32_t shmprim_slab_raw_free_count_approx(shmprim_slab_raw *slab);
/** Sets the owner id (1..SHMPRIM_SLAB_OWNER_MAX, or 0 for anonymous) recorded by this handle's
 * allocations, frees and adoptions; INVALID_ARGUMENT otherwise. Flushes the cache first
 * (and returns its failure, owner unchanged). A forked child that
 * inherits a handle keeps the parent's id until it sets its own. Also the id a reclaim
 * made through this handle locks with (a reclaim needs one).
 * @param slab     the slab (raw form)
 * @param owner_id the id, e.g. the pid
 * @return SHMPRIM_OK, SHMPRIM_ERR_INVALID_ARGUMENT or the flush's failure */
SHMPRIM_API shmprim_status shmprim_slab_raw_set_owner(shmprim_slab_raw *slab, uint32_t owner_id);
/** Per-handle cache of up to n freed slots (0..SHMPRIM_SLAB_CACHE_MAX; 0, the default, is
 * no cache), see the top of this file; INVALID_ARGUMENT above the max. Shrinking gives the
 * excess (oldest first) back to the free list; if that fails (CONTENDED) the size is left
 * as it was. The size is per handle: a copy of the handle gets it too; init and attach
 * start a handle without a cache (re-attaching a handle whose cache holds slots leaves
 * them to reclaim(owner): flush first).
 * @param slab the slab (raw form)
 * @param n    most slots to keep
 * @return SHMPRIM_OK, SHMPRIM_ERR_INVALID_ARGUMENT or SHMPRIM_ERR_CONTENDED */
SHMPRIM_API shmprim_status shmprim_slab_raw_set_cache(shmprim_slab_raw *slab, uint32_t n);
/** Gives every cached slot back to the free list. CONTENDED if a push hit the retry bound:
 * the slots not given back stay cached (and reclaimable by owner). Also done by
 * set_owner (cached slots carry the old id), which fails with the same status.
 * @param slab the slab (raw form)
 * @return SHMPRIM_OK or SHMPRIM_ERR_CONTENDED */
SHMPRIM_API shmprim_status shmprim_slab_raw_flush_cache(shmprim_slab_raw *slab);
/** The receiver of an IN_FLIGHT handle takes responsibility for it: reclaim of its own
 * id will return the slot. Same errors as mark_in_flight.
 * @param slab the slab (raw form)
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return SHMPRIM_OK, or why the handle was refused */
SHMPRIM_API shmprim_status shmprim_slab_raw_adopt(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                                  shmprim_slot_error *err);
/** Returns to the free list the slots that dead_owner held or was taking or giving
 * back (see the top of this file). Call once dead_owner is known to be dead (e.g.
 * its pidfd said so) and before its id can be reused. One reclaim runs at a time:
 * CONTENDED if another live process is reclaiming. The reclaim lock is taken over
 * (one CAS from exactly the value read) when it holds an impossible id (above
 * SHMPRIM_SLAB_OWNER_MAX: only a scribbler writes one) or dead_owner (a reclaimer that
 * died); reclaim_dead also takes it from any holder its liveness check finds dead. While it runs, allocations may see an
 * empty free list (WOULD_BLOCK). INVALID_ARGUMENT for owner 0 or above OWNER_MAX, or
 * when this handle has no id or dead_owner's. *report (may be NULL) is written on every
 * return: all zero when nothing was done.
 * @param slab       the slab (raw form), with an owner id of its own
 * @param dead_owner the dead process's owner id
 * @param flags      SHMPRIM_RECLAIM_IN_FLIGHT or 0
 * @param report     receives what was done (may be NULL)
 * @return SHMPRIM_OK, SHMPRIM_ERR_CONTENDED, SHMPRIM_ERR_INVALID_ARGUMENT or SHMPRIM_ERR_CORRUPT */
SHMPRIM_API shmprim_status shmprim_slab_raw_reclaim(shmprim_slab_raw *slab, uint32_t dead_owner, uint32_t flags,
                                                    shmprim_reclaim_report *report);
/** Walks the free list and reads every slot's state; writes nothing.
 * @param slab   the slab (raw form)
 * @param report receives the census */
SHMPRIM_API void shmprim_slab_raw_audit(shmprim_slab_raw *slab, shmprim_slab_audit_report *report);
/** Reclaims everything that dead processes hold, in one call. Finds every owner id
 * recorded in a slot (ALLOCATED, FREE|FREEING, and IN_FLIGHT with
 * SHMPRIM_RECLAIM_IN_FLIGHT), checks each one's liveness once (this handle's own id
 * is alive without a check), and reclaims the dead ones' slots as reclaim() does,
 * plus orphans (slots popped by a process that died before allocating them). The ids
 * are gathered SHMPRIM_SLAB_OWNERS_PER_PASS at a time, smallest first, each batch
 * reclaimed by one reclaim; the reclaim lock is held for the whole call. The lock is
 * taken over from an impossible id or from a holder that liveness finds dead (one CAS
 * from exactly the value read); a live holder (or one that cannot be verified dead)
 * keeps it: CONTENDED, nothing done. With pid ids, a live reclaimer's pid reads alive,
 * so its lock is never taken; a pid reused by a new process also reads alive (the
 * safe side: the lock or slots stay until that process is gone too).
 * @param slab     the slab (raw form), with an owner id of its own
 * @param flags    SHMPRIM_RECLAIM_IN_FLIGHT or 0 (as for reclaim)
 * @param liveness says whether an owner id's process is alive; NULL: the ids are pids
 *                 (shmprim_pid_liveness: dead only when the pid is gone or a zombie)
 * @param arg      passed to liveness
 * @param report   receives what came back, from whom (may be NULL; written on every return)
 * @return SHMPRIM_OK; SHMPRIM_ERR_CONTENDED (the lock has a live holder, or a retry or
 *         pass bound was hit: call again); SHMPRIM_ERR_CORRUPT (a reclaim met invalid
 *         words; the rest was done); SHMPRIM_ERR_INVALID_ARGUMENT (this handle has no
 *         owner id); SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_slab_raw_reclaim_dead(shmprim_slab_raw *slab, uint32_t flags,
                                                         shmprim_slab_liveness_fn liveness, void *arg,
                                                         shmprim_slab_dead_report *report);
/** Names the owners: for each owner id holding slots, how many in each state (one scan of
 * the states; writes nothing). The plain audit's census is unchanged (shmprim_slab_raw_audit).
 * @param slab   the slab (raw form)
 * @param report receives the owners, smallest id first */
SHMPRIM_API void shmprim_slab_raw_audit_owners(shmprim_slab_raw *slab, shmprim_slab_owner_audit *report);

/* ---- region form ---- */
/** Writes a fresh slab, every slot free, in a region at an offset (header, metadata, data).
 * @param slab       the handle to fill
 * @param region     the region
 * @param offset     where the header goes, a multiple of SHMPRIM_ALIGN
 * @param slot_count slots, 1..SHMPRIM_SLAB_MAX_SLOTS
 * @param slot_size  bytes per slot, 1..SHMPRIM_SLAB_MAX_SLOT_SIZE
 * @return SHMPRIM_OK, or why not (nothing is written then) */
SHMPRIM_API shmprim_status shmprim_slab_init(shmprim_slab *slab, shmprim_region region, size_t offset,
                                             uint32_t slot_count, uint32_t slot_size);
/** The attach to use in a shared region: as the raw _expect form, and the slab
 * must end within `extent` bytes from offset (normally
 * shmprim_slab_required_size of the geometry expected): SHMPRIM_ERR_OVERLAP
 * otherwise. REGION_TOO_SMALL if extent runs past the region, INVALID_ARGUMENT
 * for an extent smaller than a header.
 * @param slab   the handle to fill
 * @param region the region
 * @param offset the header's offset
 * @param extent bytes from offset the slab may cover
 * @param expect the geometry this process was written for
 * @return SHMPRIM_OK, or why the slab was refused */
SHMPRIM_API shmprim_status shmprim_slab_attach_expect(shmprim_slab *slab, shmprim_region region, size_t offset,
                                                      size_t extent, const shmprim_slab_expect *expect);
/** No expectation and no extent: the slab may claim everything to the region's
 * end. The caller MUST check shmprim_slab_slot_size (and count) afterwards, and
 * that the slab ends before any neighbour. Prefer the _expect form.
 * @param slab   the handle to fill
 * @param region the region
 * @param offset the header's offset
 * @return SHMPRIM_OK, or why the slab was refused */
SHMPRIM_API shmprim_status shmprim_slab_attach(shmprim_slab *slab, shmprim_region region, size_t offset);
/** Takes a free slot: ALLOCATED, generation bumped, owner recorded in the same CAS.
 * @param slab the slab
 * @param out  receives the slot's handle
 * @return SHMPRIM_ALLOC_OK, or why no slot was taken */
SHMPRIM_API shmprim_alloc_result shmprim_slab_try_alloc(shmprim_slab *slab, shmprim_slot_handle *out);
/** ALLOCATED -> IN_FLIGHT: the slot is handed to another party.
 * @param slab the slab
 * @param h    the slot's handle
 * @return SHMPRIM_OK, or why the handle was refused */
SHMPRIM_API shmprim_status shmprim_slab_mark_in_flight(shmprim_slab *slab, shmprim_slot_handle h);
/** IN_FLIGHT -> FREE (to the list, or this handle's cache).
 * @param slab the slab
 * @param h    the slot's handle
 * @return SHMPRIM_OK, or why the handle was refused (the slot is then unchanged) */
SHMPRIM_API shmprim_status shmprim_slab_free(shmprim_slab *slab, shmprim_slot_handle h);
/** ALLOCATED -> FREE, for a slot never handed over.
 * @param slab the slab
 * @param h    the slot's handle
 * @return SHMPRIM_OK, or why the handle was refused (the slot is then unchanged) */
SHMPRIM_API shmprim_status shmprim_slab_free_allocated(shmprim_slab *slab, shmprim_slot_handle h);
/** shmprim_slab_mark_in_flight() with the details of a refusal written to *err.
 * @param slab the slab
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return as shmprim_slab_mark_in_flight() */
SHMPRIM_API shmprim_status shmprim_slab_mark_in_flight_ex(shmprim_slab *slab, shmprim_slot_handle h,
                                                          shmprim_slot_error *err);
/** shmprim_slab_free() with the details of a refusal written to *err.
 * @param slab the slab
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return as shmprim_slab_free() */
SHMPRIM_API shmprim_status shmprim_slab_free_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err);
/** shmprim_slab_free_allocated() with the details of a refusal written to *err.
 * @param slab the slab
 * @param h    the slot's handle
 * @param err  receives the details of a refusal (may be NULL)
 * @return as shmprim_slab_free_allocated() */
SHMPRIM_API shmprim_status shmprim_slab_free_allocated_ex(shmprim_slab *slab, shmprim_slot_handle h,
                                                          shmprim_slot_error *err);
/** The slot's data.
 * @param slab the slab
 * @param h    the slot's handle
 * @return the slot's slot_size bytes, or NULL if h's index is out of range or
 *         its generation is not the slot's current one */
SHMPRIM_API void *shmprim_slab_slot_data(shmprim_slab *slab, shmprim_slot_handle h);
/** The slab's slot size, from the private copy: check it after a plain attach.
 * @param slab the slab
 * @return bytes per slot */
SHMPRIM_API uint32_t shmprim_slab_slot_size(const shmprim_slab *slab);
/** The slab's slot count, from the private copy.
 * @param slab the slab
 * @return slots */
SHMPRIM_API uint32_t shmprim_slab_slot_count(const shmprim_slab *slab);
/** Walks the free list (at most slot_count steps): exact only when no one else is using the slab.
 * @param slab the slab
 * @return slots on the free list (cached ones not counted) */
SHMPRIM_API uint32_t shmprim_slab_free_count_approx(shmprim_slab *slab);
/** shmprim_slab_raw_set_owner() for the region form.
 * @param slab     the slab
 * @param owner_id the id, e.g. the pid; 0 for anonymous
 * @return as shmprim_slab_raw_set_owner() */
SHMPRIM_API shmprim_status shmprim_slab_set_owner(shmprim_slab *slab, uint32_t owner_id);
/** shmprim_slab_raw_set_cache() for the region form.
 * @param slab the slab
 * @param n    most slots to keep, 0..SHMPRIM_SLAB_CACHE_MAX
 * @return as shmprim_slab_raw_set_cache() */
SHMPRIM_API shmprim_status shmprim_slab_set_cache(shmprim_slab *slab, uint32_t n);
/** shmprim_slab_raw_flush_cache() for the region form.
 * @param slab the slab
 * @return SHMPRIM_OK or SHMPRIM_ERR_CONTENDED */
SHMPRIM_API shmprim_status shmprim_slab_flush_cache(shmprim_slab *slab);
/** shmprim_slab_raw_adopt() for the region form.
 * @param slab the slab
 * @param h    the slot's handle
 * @return SHMPRIM_OK, or why the handle was refused */
SHMPRIM_API shmprim_status shmprim_slab_adopt(shmprim_slab *slab, shmprim_slot_handle h);
/** shmprim_slab_raw_reclaim() for the region form.
 * @param slab       the slab, with an owner id of its own
 * @param dead_owner the dead process's owner id
 * @param flags      SHMPRIM_RECLAIM_IN_FLIGHT or 0
 * @param report     receives what was done (may be NULL)
 * @return as shmprim_slab_raw_reclaim() */
SHMPRIM_API shmprim_status shmprim_slab_reclaim(shmprim_slab *slab, uint32_t dead_owner, uint32_t flags,
                                                shmprim_reclaim_report *report);
/** shmprim_slab_raw_audit() for the region form.
 * @param slab   the slab
 * @param report receives the census */
SHMPRIM_API void shmprim_slab_audit(shmprim_slab *slab, shmprim_slab_audit_report *report);
/** shmprim_slab_raw_reclaim_dead() for the region form.
 * @param slab     the slab, with an owner id of its own
 * @param flags    SHMPRIM_RECLAIM_IN_FLIGHT or 0
 * @param liveness says whether an owner id's process is alive; NULL: the ids are pids
 * @param arg      passed to liveness
 * @param report   receives what came back, from whom (may be NULL)
 * @return as shmprim_slab_raw_reclaim_dead() */
SHMPRIM_API shmprim_status shmprim_slab_reclaim_dead(shmprim_slab *slab, uint32_t flags,
                                                     shmprim_slab_liveness_fn liveness, void *arg,
                                                     shmprim_slab_dead_report *report);
/** shmprim_slab_raw_audit_owners() for the region form.
 * @param slab   the slab
 * @param report receives the owners, smallest id first */
SHMPRIM_API void shmprim_slab_audit_owners(shmprim_slab *slab, shmprim_slab_owner_audit *report);

#ifdef __cplusplus
}
#endif

#endif
