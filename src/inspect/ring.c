/* Ring decode. The header is copied once into private memory (line 0 as
 * bytes, it is immutable; the moving words each by one load through the
 * atomics seam), and the library's own attach validates the copy: its
 * geometry rules are the ones checked, and nothing after that reads the
 * header in the mapping again. The snapshot then scans the slots' seqs in the
 * mapping (bounded by the capacity) for how far entries are published. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <shmprim/spsc.h>
#include <shmprim/static/atomics.h>

#include "refuse.h"

void insp_ring_decode(const insp_map *m, insp_struct *s)
{
	/* the library's attach wants SHMPRIM_ALIGN-aligned headers */
	union {
		shmprim_spsc_header h;
		unsigned char align[SHMPRIM_SPSC_HEADER_SIZE + SHMPRIM_ALIGN];
	} buf;
	shmprim_spsc_header *copy;
	const shmprim_spsc_header *h;
	shmprim_spsc_raw raw;
	shmprim_spsc_snapshot snap;
	shmprim_status st;
	insp_ring *r = &s->u.ring;
	size_t slots_len;
	unsigned char *slots;

	s->ok = 0;
	memset(r, 0, sizeof(*r));
	if (insp_check_place(m, s, SHMPRIM_SPSC_HEADER_SIZE) != 0)
		return;
	h = (const shmprim_spsc_header *)(m->base + s->offset);
	copy = (shmprim_spsc_header *)(void *)(buf.align +
	                                       ((SHMPRIM_ALIGN - ((uintptr_t)buf.align % SHMPRIM_ALIGN)) % SHMPRIM_ALIGN));
	memset(copy, 0, sizeof(*copy));
	copy->magic = sp_load_acquire_u32(&h->magic); /* pairs with the init's I1 (src/spsc.c) */
	memcpy((unsigned char *)copy + sizeof(copy->magic), (const unsigned char *)h + sizeof(copy->magic),
	       offsetof(shmprim_spsc_header, head) - sizeof(copy->magic));
	copy->head = sp_load_acquire_u32(&h->head); /* pairs with P3 */
	copy->tail = sp_load_acquire_u32(&h->tail); /* pairs with C2 */
	copy->producer_pid = sp_load_relaxed_u32(&h->producer_pid);           /* a hint: no partner */
	copy->consumer_pid = sp_load_relaxed_u32(&h->consumer_pid);           /* a hint: no partner */
	copy->producer_sleeping = sp_load_relaxed_u32(&h->producer_sleeping); /* a snapshot: no partner */
	copy->consumer_sleeping = sp_load_relaxed_u32(&h->consumer_sleeping); /* a snapshot: no partner */
	copy->producer_claim = sp_load_acquire_u64(&h->producer_claim); /* K4: pairs with K1/K3 (src/claim_word.h) */
	copy->consumer_claim = sp_load_acquire_u64(&h->consumer_claim); /* K4: pairs with K1/K3 */

	slots = (unsigned char *)(uintptr_t)(m->base + s->offset + SHMPRIM_SPSC_HEADER_SIZE);
	slots_len = m->len - (size_t)s->offset - SHMPRIM_SPSC_HEADER_SIZE;
	/* The library only reads here (attach and snapshot); the mapping is
	 * PROT_READ, so a write would fault rather than land. */
	st = shmprim_spsc_raw_attach(&raw, copy, slots, slots_len);
	if (st == SHMPRIM_ERR_CORRUPT) {
		snprintf(s->why, sizeof(s->why),
		         "ring at offset %llu: head %u and tail %u are more than its capacity %u apart: corrupt, "
		         "refusing to interpret",
		         (unsigned long long)s->offset, copy->head, copy->tail, copy->capacity);
		return;
	}
	if (st != SHMPRIM_OK) {
		insp_refusal(s, st, copy->magic, copy->version, copy->capacity, copy->entry_size,
		             (uint64_t)SHMPRIM_SPSC_HEADER_SIZE + copy->slots_bytes,
		             (uint64_t)m->len - s->offset);
		return;
	}
	snap = shmprim_spsc_raw_snapshot(&raw); /* head and tail from the copy; seqs from the mapping */
	r->version = copy->version;
	r->capacity = raw.geo.capacity;
	r->entry_size = raw.geo.entry_size;
	r->entries_per_cell = raw.geo.entries_per_cell;
	r->cell_stride = raw.geo.cell_stride;
	r->bytes = (uint64_t)SHMPRIM_SPSC_HEADER_SIZE + copy->slots_bytes;
	r->head_word = copy->head;
	r->published = snap.head;
	r->tail = snap.tail;
	r->occupancy = snap.len;
	r->producer_pid = copy->producer_pid;
	r->consumer_pid = copy->consumer_pid;
	r->producer_life = insp_pid_life(copy->producer_pid);
	r->consumer_life = insp_pid_life(copy->consumer_pid);
	r->producer_sleeping = copy->producer_sleeping;
	r->consumer_sleeping = copy->consumer_sleeping;
	shmprim_claim_describe(copy->producer_claim, &r->producer_claim);
	shmprim_claim_describe(copy->consumer_claim, &r->consumer_claim);
	s->ok = 1;
}
