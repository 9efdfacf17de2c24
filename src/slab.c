/*
 * The Treiber slab algorithm (layout in include/shmprim/layout.h).
 *
 * free_head = tag << 32 | index. Every successful push or pop installs tag+1,
 * so a CAS that read the head before other pops/pushes fails even when the
 * same index is back on top (ABA).
 *
 * pop (try_alloc):                            push (free paths):
 *   old = load_acquire(free_head)       (A1)    old = load_relaxed(free_head)
 *   next = load_relaxed(meta[i].next)           store_relaxed(meta[i].next, old.index)
 *   CAS(free_head, old -> {next, tag+1},        CAS(free_head, old -> {i, tag+1},
 *       acquire, acquire)               (A2)        release, relaxed)        (F2)
 *   state_gen CAS FREE,g -> ALLOCATED,g+1 (A3)
 * F2 -> A1/A2 makes the pusher's link store (and everything it did to the slot
 * before freeing it) visible to the popper; a later pusher's CAS continues the
 * release sequence. A popper may read a link that is being rewritten, but then
 * the head's tag has moved and its CAS fails, so the stale link is never used.
 *
 * Slot transitions are one CAS on state_gen (acq_rel) taking (generation,
 * state) together: a handle whose generation is stale can never win against
 * the slot's current owner, and a double free finds the state already FREE.
 *
 * Hostile peer: indices read from shared memory are range-checked before use,
 * every retry loop is bounded, geometry comes from the private handle.
 */
#include <string.h>

#include <shmprim/slab.h>

#include "../backends/shmprim_atomic.h"
#include "checksum.h"
#include "mutation.h"
#include "placement.h"

/* CAS retries before giving up with CONTENDED: far above what real contention
 * needs, low enough that a peer rewriting the head forever cannot hang us. */
#define SLAB_RETRY_LIMIT 100000u

#define STATE_OF(w) ((uint32_t)(w))
#define GEN_OF(w) ((uint32_t)((w) >> 32))
#define STATE_GEN(gen, state) (((uint64_t)(gen) << 32) | (uint32_t)(state))
#define HEAD_INDEX(w) ((uint32_t)(w))
#define HEAD_TAG(w) ((uint32_t)((w) >> 32))
#define HEAD(tag, index) (((uint64_t)(tag) << 32) | (uint32_t)(index))

static int slot_count_ok(uint32_t n)
{
	return n != 0 && n <= SHMPRIM_SLAB_MAX_SLOTS;
}

static int slot_size_ok(uint32_t n)
{
	return n != 0 && n <= SHMPRIM_SLAB_MAX_SLOT_SIZE;
}

static uint32_t data_stride_of(uint32_t slot_size)
{
	return (slot_size + (SHMPRIM_SLOT_ALIGN - 1)) & ~(SHMPRIM_SLOT_ALIGN - 1);
}

size_t shmprim_slab_meta_size(uint32_t slot_count)
{
	uint64_t n;

	if (!slot_count_ok(slot_count))
		return 0;
	n = (uint64_t)slot_count * SHMPRIM_SLAB_META_STRIDE;
	return n > (uint64_t)SIZE_MAX / 4 ? 0 : (size_t)n;
}

size_t shmprim_slab_data_size(uint32_t slot_count, uint32_t slot_size)
{
	uint64_t n;

	if (!slot_count_ok(slot_count) || !slot_size_ok(slot_size))
		return 0;
	n = (uint64_t)slot_count * data_stride_of(slot_size);
	return n > (uint64_t)SIZE_MAX / 4 ? 0 : (size_t)n;
}

size_t shmprim_slab_required_size(uint32_t slot_count, uint32_t slot_size)
{
	size_t meta = shmprim_slab_meta_size(slot_count);
	size_t data = shmprim_slab_data_size(slot_count, slot_size);

	/* each term is at most SIZE_MAX / 4, so the sum cannot wrap */
	return (meta && data) ? SHMPRIM_SLAB_HEADER_SIZE + meta + data : 0;
}

static shmprim_status check_geometry_args(uint32_t slot_count, uint32_t slot_size)
{
	if (!slot_count_ok(slot_count))
		return SHMPRIM_ERR_BAD_SLOT_COUNT;
	if (!slot_size_ok(slot_size))
		return SHMPRIM_ERR_BAD_SLOT_SIZE;
	if (!shmprim_slab_required_size(slot_count, slot_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	return SHMPRIM_OK;
}

static void fill_handle(shmprim_slab_raw *slab, void *header, void *meta, void *data, uint32_t slot_count,
                        uint32_t slot_size)
{
	slab->header = (shmprim_slab_header *)header;
	slab->meta = (shmprim_slab_meta *)meta;
	slab->data = (unsigned char *)data;
	slab->slot_count = slot_count;
	slab->slot_size = slot_size;
	slab->data_stride = data_stride_of(slot_size);
}

shmprim_status shmprim_slab_raw_init(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len, void *data,
                                     size_t data_len, uint32_t slot_count, uint32_t slot_size)
{
	shmprim_slab_header *h = (shmprim_slab_header *)header;
	shmprim_slab_meta *m = (shmprim_slab_meta *)meta;
	shmprim_status st;
	uint32_t i;

	if (!slab || !header || !meta || !data)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(meta, SHMPRIM_ALIGN) ||
	    !shmprim_is_aligned(data, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	st = check_geometry_args(slot_count, slot_size);
	if (st != SHMPRIM_OK)
		return st;
	if (meta_len < shmprim_slab_meta_size(slot_count) || data_len < shmprim_slab_data_size(slot_count, slot_size))
		return SHMPRIM_ERR_REGION_TOO_SMALL;

	memset(h, 0, sizeof(*h));
	h->version = SHMPRIM_LAYOUT_VERSION;
	h->slot_count = slot_count;
	h->slot_size = slot_size;
	h->data_stride = data_stride_of(slot_size);
	h->meta_stride = SHMPRIM_SLAB_META_STRIDE;
	h->meta_bytes = shmprim_slab_meta_size(slot_count);
	h->data_bytes = shmprim_slab_data_size(slot_count, slot_size);
	h->header_size = SHMPRIM_SLAB_HEADER_SIZE;
	h->magic = SHMPRIM_SLAB_MAGIC;
	h->checksum = shmprim_fnv1a(h, SHMPRIM_SLAB_CHECKSUM_SPAN);
	h->magic = 0;
	memset(m, 0, shmprim_slab_meta_size(slot_count));
	for (i = 0; i < slot_count; i++)
		m[i].next_free = i + 1 < slot_count ? i + 1 : SHMPRIM_SLAB_END;
	h->free_head = HEAD(0, 0);
	sp_store_release_u32(&h->magic, SHMPRIM_SLAB_MAGIC);
	fill_handle(slab, header, meta, data, slot_count, slot_size);
	return SHMPRIM_OK;
}

static shmprim_status validate_header(const shmprim_slab_header *local)
{
	if (local->magic != SHMPRIM_SLAB_MAGIC)
		return local->magic == shmprim_bswap32(SHMPRIM_SLAB_MAGIC) ? SHMPRIM_ERR_WRONG_ENDIAN
		                                                          : SHMPRIM_ERR_BAD_MAGIC;
	if (local->version != SHMPRIM_LAYOUT_VERSION)
		return SHMPRIM_ERR_BAD_VERSION;
	if (!slot_count_ok(local->slot_count))
		return SHMPRIM_ERR_BAD_SLOT_COUNT;
	if (!slot_size_ok(local->slot_size))
		return SHMPRIM_ERR_BAD_SLOT_SIZE;
	if (local->data_stride != data_stride_of(local->slot_size) || local->meta_stride != SHMPRIM_SLAB_META_STRIDE ||
	    local->meta_bytes != (uint64_t)local->slot_count * SHMPRIM_SLAB_META_STRIDE ||
	    local->data_bytes != (uint64_t)local->slot_count * local->data_stride ||
	    local->header_size != SHMPRIM_SLAB_HEADER_SIZE || local->flags != 0 || local->reserved_a != 0 ||
	    !shmprim_all_zero(local->reserved0, sizeof(local->reserved0)))
		return SHMPRIM_ERR_BAD_GEOMETRY;
	if (local->checksum != shmprim_fnv1a(local, SHMPRIM_SLAB_CHECKSUM_SPAN))
		return SHMPRIM_ERR_BAD_CHECKSUM;
	return SHMPRIM_OK;
}

shmprim_status shmprim_slab_raw_attach(shmprim_slab_raw *slab, void *header, void *meta, size_t meta_len,
                                       void *data, size_t data_len)
{
	shmprim_slab_header *h = (shmprim_slab_header *)header;
	shmprim_slab_header local;
	shmprim_status st;
	uint64_t head;

	if (!slab || !header || !meta || !data)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!shmprim_is_aligned(header, SHMPRIM_ALIGN) || !shmprim_is_aligned(meta, SHMPRIM_ALIGN) ||
	    !shmprim_is_aligned(data, SHMPRIM_SLOT_ALIGN))
		return SHMPRIM_ERR_MISALIGNED;
	local.magic = sp_load_acquire_u32(&h->magic);
	memcpy((unsigned char *)&local + sizeof(local.magic), (const unsigned char *)h + sizeof(local.magic),
	       offsetof(shmprim_slab_header, free_head) - sizeof(local.magic));
	st = validate_header(&local);
	if (st != SHMPRIM_OK)
		return st;
	if (local.meta_bytes > (uint64_t)meta_len || local.data_bytes > (uint64_t)data_len)
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	head = sp_load_acquire_u64(&h->free_head);
	if (HEAD_INDEX(head) != SHMPRIM_SLAB_END && HEAD_INDEX(head) >= local.slot_count)
		return SHMPRIM_ERR_CORRUPT;
	fill_handle(slab, header, meta, data, local.slot_count, local.slot_size);
	return SHMPRIM_OK;
}

static inline uint32_t load_link(shmprim_slab_meta *m)
{
	if (SLAB_LINK_PLAIN) {
		sp_plain_read(&m->next_free, sizeof(m->next_free));
		return *(volatile uint32_t *)&m->next_free;
	}
	return sp_load_relaxed_u32(&m->next_free);
}

static inline void store_link(shmprim_slab_meta *m, uint32_t next)
{
	if (SLAB_LINK_PLAIN) {
		sp_plain_write(&m->next_free, sizeof(m->next_free));
		*(volatile uint32_t *)&m->next_free = next;
		return;
	}
	sp_store_relaxed_u32(&m->next_free, next);
}

shmprim_alloc_result shmprim_slab_raw_try_alloc(shmprim_slab_raw *slab, shmprim_slot_handle *out)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old = SLAB_POP_LOAD(free_head);                           /* A1 */
	uint32_t tries, index = 0;
	uint64_t w;

	for (tries = 0;; tries++) {
		uint32_t next;

		if (tries == SLAB_RETRY_LIMIT)
			return SHMPRIM_ALLOC_CONTENDED;
		index = HEAD_INDEX(old);
		if (index == SHMPRIM_SLAB_END)
			return SHMPRIM_ALLOC_WOULD_BLOCK;
		if (index >= slab->slot_count)
			return SHMPRIM_ALLOC_CORRUPT;
		next = load_link(&slab->meta[index]);
		if (next != SHMPRIM_SLAB_END && next >= slab->slot_count) {
			/* Either a racing pop/push rewrote the link (the head moved) or
			 * the list is corrupt (it did not). */
			uint64_t again = SLAB_POP_LOAD(free_head);

			if (again == old)
				return SHMPRIM_ALLOC_CORRUPT;
			old = again;
			continue;
		}
		if (sp_cas_weak_u64(free_head, &old, HEAD(SLAB_NEXT_TAG(HEAD_TAG(old)), next), SLAB_POP_ORDER,
		                    SLAB_POP_ORDER))                                /* A2 */
			break;
	}

	/* The slot is ours: off the list, and nothing but a corrupt peer changes a
	 * FREE slot's word, so one CAS suffices. */
	w = SLAB_STATE_LOAD(&slab->meta[index].state_gen);
	if (STATE_OF(w) != SHMPRIM_SLOT_FREE)
		return SHMPRIM_ALLOC_CORRUPT;
	if (!sp_cas_u64(&slab->meta[index].state_gen, &w,
	                STATE_GEN(GEN_OF(w) + SLAB_GEN_STEP, SHMPRIM_SLOT_ALLOCATED), SLAB_STATE_ORDER,
	                SP_RELAXED))                                            /* A3 */
		return SHMPRIM_ALLOC_CORRUPT;
	out->index = index;
	out->generation = GEN_OF(w) + SLAB_GEN_STEP;
	return SHMPRIM_ALLOC_OK;
}

static shmprim_status push_free(shmprim_slab_raw *slab, uint32_t index)
{
	uint64_t *free_head = &slab->header->free_head;
	uint64_t old = sp_load_relaxed_u64(free_head);
	uint32_t tries;

	for (tries = 0; tries < SLAB_RETRY_LIMIT; tries++) {
		store_link(&slab->meta[index], HEAD_INDEX(old));
		if (sp_cas_weak_u64(free_head, &old, HEAD(SLAB_NEXT_TAG(HEAD_TAG(old)), index), SLAB_PUSH_ORDER,
		                    SP_RELAXED))                                    /* F2 */
			return SHMPRIM_OK;
	}
	return SHMPRIM_ERR_CONTENDED;
}

static shmprim_status report(shmprim_slot_error *err, shmprim_status code, uint32_t expected, uint32_t actual)
{
	if (err) {
		err->code = code;
		err->expected = expected;
		err->actual = actual;
	}
	return code;
}

/* Moves h's slot from state `from` to `to` if h is still its current handle. */
static shmprim_status transition(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from, uint32_t to,
                                 shmprim_slot_error *err)
{
	uint64_t *word;
	uint64_t w;
	uint32_t tries;

	if (h.index >= slab->slot_count)
		return report(err, SHMPRIM_ERR_INVALID_INDEX, slab->slot_count, h.index);
	word = &slab->meta[h.index].state_gen;
	w = SLAB_STATE_LOAD(word);
	for (tries = 0; tries < SLAB_RETRY_LIMIT; tries++) {
		if (GEN_OF(w) != h.generation)
			return report(err, SHMPRIM_ERR_GENERATION_MISMATCH, h.generation, GEN_OF(w));
		if (STATE_OF(w) != from)
			return report(err, SHMPRIM_ERR_INVALID_STATE, from, STATE_OF(w));
		if (SLAB_STATE_CHECK_THEN_STORE) {
			sp_store_release_u64(word, STATE_GEN(h.generation, to));
			return report(err, SHMPRIM_OK, 0, 0);
		}
		/* On failure w is reloaded and re-checked: the only legitimate
		 * reason is another holder of the same handle racing us. */
		if (sp_cas_u64(word, &w, STATE_GEN(h.generation, to), SLAB_STATE_ORDER, SP_RELAXED))
			return report(err, SHMPRIM_OK, 0, 0);
	}
	return report(err, SHMPRIM_ERR_CONTENDED, 0, 0);
}

shmprim_status shmprim_slab_raw_mark_in_flight(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                               shmprim_slot_error *err)
{
	return transition(slab, h, SHMPRIM_SLOT_ALLOCATED, SHMPRIM_SLOT_IN_FLIGHT, err);
}

static shmprim_status release_slot(shmprim_slab_raw *slab, shmprim_slot_handle h, uint32_t from,
                                   shmprim_slot_error *err)
{
	shmprim_status st = transition(slab, h, from, SHMPRIM_SLOT_FREE, err);

	if (st != SHMPRIM_OK)
		return st;
	return report(err, push_free(slab, h.index), 0, 0);
}

shmprim_status shmprim_slab_raw_free(shmprim_slab_raw *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return release_slot(slab, h, SHMPRIM_SLOT_IN_FLIGHT, err);
}

shmprim_status shmprim_slab_raw_free_allocated(shmprim_slab_raw *slab, shmprim_slot_handle h,
                                               shmprim_slot_error *err)
{
	return release_slot(slab, h, SHMPRIM_SLOT_ALLOCATED, err);
}

void *shmprim_slab_raw_slot_data(shmprim_slab_raw *slab, shmprim_slot_handle h)
{
	uint64_t w;

	if (h.index >= slab->slot_count)
		return NULL;
	w = sp_load_acquire_u64(&slab->meta[h.index].state_gen);
	if (GEN_OF(w) != h.generation || STATE_OF(w) == SHMPRIM_SLOT_FREE)
		return NULL;
	return slab->data + (size_t)h.index * slab->data_stride;
}

uint32_t shmprim_slab_raw_free_count_approx(shmprim_slab_raw *slab)
{
	uint32_t index = HEAD_INDEX(sp_load_acquire_u64(&slab->header->free_head));
	uint32_t n = 0;

	while (index != SHMPRIM_SLAB_END && index < slab->slot_count && n < slab->slot_count) {
		n++;
		index = sp_load_relaxed_u32(&slab->meta[index].next_free);
	}
	return n;
}

/* ---- region form: placement, then the raw form ---- */

shmprim_status shmprim_slab_init(shmprim_slab *slab, shmprim_region region, size_t offset, uint32_t slot_count,
                                 uint32_t slot_size)
{
	unsigned char *at;
	shmprim_status st;
	size_t meta, data;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = check_geometry_args(slot_count, slot_size);
	if (st != SHMPRIM_OK)
		return st;
	meta = shmprim_slab_meta_size(slot_count);
	data = shmprim_slab_data_size(slot_count, slot_size);
	st = shmprim_place(region, offset, shmprim_slab_required_size(slot_count, slot_size), &at);
	if (st != SHMPRIM_OK)
		return st;
	st = shmprim_slab_raw_init(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                           at + SHMPRIM_SLAB_HEADER_SIZE + meta, data, slot_count, slot_size);
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

shmprim_status shmprim_slab_attach(shmprim_slab *slab, shmprim_region region, size_t offset)
{
	unsigned char *at;
	shmprim_status st;
	size_t room;
	uint32_t count;
	size_t meta;

	if (!slab)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	st = shmprim_place(region, offset, SHMPRIM_SLAB_HEADER_SIZE, &at);
	if (st != SHMPRIM_OK)
		return st;
	room = region.len - offset - SHMPRIM_SLAB_HEADER_SIZE;
	/* Where data starts depends on slot_count: read it once, and let the raw
	 * attach re-validate everything against its own single read. Hostile
	 * values only shift the split of `room`, which raw attach bounds. */
	count = sp_load_relaxed_u32(&((shmprim_slab_header *)at)->slot_count);
	meta = shmprim_slab_meta_size(count);
	if (!meta || meta > room)
		meta = room < SHMPRIM_ALIGN ? 0 : room - room % SHMPRIM_ALIGN;
	st = shmprim_slab_raw_attach(&slab->raw, at, at + SHMPRIM_SLAB_HEADER_SIZE, meta,
	                             at + SHMPRIM_SLAB_HEADER_SIZE + meta, room - meta);
	if (st == SHMPRIM_OK && slab->raw.slot_count != count)
		st = SHMPRIM_ERR_CORRUPT; /* the header changed between the two reads */
	if (st == SHMPRIM_OK) {
		slab->region = region;
		slab->offset = offset;
	}
	return st;
}

shmprim_alloc_result shmprim_slab_try_alloc(shmprim_slab *slab, shmprim_slot_handle *out)
{
	return shmprim_slab_raw_try_alloc(&slab->raw, out);
}

shmprim_status shmprim_slab_mark_in_flight(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_free_allocated(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, NULL);
}

shmprim_status shmprim_slab_mark_in_flight_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_mark_in_flight(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free(&slab->raw, h, err);
}

shmprim_status shmprim_slab_free_allocated_ex(shmprim_slab *slab, shmprim_slot_handle h, shmprim_slot_error *err)
{
	return shmprim_slab_raw_free_allocated(&slab->raw, h, err);
}

void *shmprim_slab_slot_data(shmprim_slab *slab, shmprim_slot_handle h)
{
	return shmprim_slab_raw_slot_data(&slab->raw, h);
}

uint32_t shmprim_slab_slot_size(const shmprim_slab *slab)
{
	return slab->raw.slot_size;
}

uint32_t shmprim_slab_slot_count(const shmprim_slab *slab)
{
	return slab->raw.slot_count;
}

uint32_t shmprim_slab_free_count_approx(shmprim_slab *slab)
{
	return shmprim_slab_raw_free_count_approx(&slab->raw);
}
