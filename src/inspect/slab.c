/* Slab decode. The header is copied once and validated by the library's
 * attach (as for the ring); then each slot's state word and each free-list
 * link is read once, by one load through the atomics seam, and only the
 * value read is used. The walk and the scan are bounded by the slot count,
 * which the attach has checked against the mapping. A live slab moves while
 * it is read: the figures are a snapshot, exact only when nobody is using it
 * (the library's audit says the same of itself). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shmprim/slab.h>
#include <shmprim/static/atomics.h>

#include "refuse.h"

#define W_STATE(w) ((uint32_t)(w))
#define W_GEN(w) ((uint32_t)((w) >> 32))
#define W_KIND(w) (W_STATE(w) & SHMPRIM_SLAB_KIND_MASK)
#define W_OWNER(w) (W_STATE(w) >> SHMPRIM_SLAB_OWNER_SHIFT)
#define W_FREEING(w) ((W_STATE(w) & SHMPRIM_SLAB_FREEING) != 0)

void insp_slab_free(insp_slab *slab)
{
	free(slab->held);
	free(slab->owners);
	free(slab->words);
	free(slab->list_bits);
	slab->list_bits = NULL;
	slab->held = NULL;
	slab->owners = NULL;
	slab->words = NULL;
}

static int by_owner(const void *a, const void *b)
{
	const insp_held *x = (const insp_held *)a, *y = (const insp_held *)b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Walks the free list from the head index read once: marks each listed slot
 * in on_list; stops at END, a repeat (cycle), an out-of-range index, or after
 * slot_count links. */
static void walk_list(const shmprim_slab_meta *meta, uint32_t n, uint32_t first, unsigned char *on_list,
                      insp_slab *r)
{
	uint32_t idx = first, steps;

	r->list_problem = NULL;
	for (steps = 0; idx != SHMPRIM_SLAB_END; steps++) {
		if (steps == n) {
			r->list_problem = "longer than the slot count";
			return;
		}
		if (idx >= n) {
			r->list_problem = "a link points past the last slot";
			return;
		}
		if (on_list[idx / 8] & (1u << (idx % 8))) {
			r->list_problem = "it loops back on itself (a cycle)";
			return;
		}
		on_list[idx / 8] |= (unsigned char)(1u << (idx % 8));
		r->on_list++;
		idx = sp_load_relaxed_u32(&meta[idx].next_free); /* pairs with F2, R5 through the head's acquire */
	}
}

static void fail(insp_struct *s, const char *what)
{
	snprintf(s->why, sizeof(s->why), "slab at offset %llu: %s", (unsigned long long)s->offset, what);
	insp_slab_free(&s->u.slab);
}

void insp_slab_decode(const insp_map *m, insp_struct *s, int verbose)
{
	union {
		shmprim_slab_header h;
		unsigned char align[SHMPRIM_SLAB_HEADER_SIZE + SHMPRIM_ALIGN];
	} buf;
	shmprim_slab_header *copy;
	const shmprim_slab_header *h;
	const shmprim_slab_meta *meta;
	shmprim_slab_raw raw;
	shmprim_status st;
	insp_slab *r = &s->u.slab;
	unsigned char *at, *on_list;
	size_t rest, i, nh, no;
	uint64_t need;

	s->ok = 0;
	memset(r, 0, sizeof(*r));
	if (insp_check_place(m, s, SHMPRIM_SLAB_HEADER_SIZE) != 0)
		return;
	h = (const shmprim_slab_header *)(m->base + s->offset);
	copy = (shmprim_slab_header *)(void *)(buf.align +
	                                       ((SHMPRIM_ALIGN - ((uintptr_t)buf.align % SHMPRIM_ALIGN)) % SHMPRIM_ALIGN));
	memset(copy, 0, sizeof(*copy));
	copy->magic = sp_load_acquire_u32(&h->magic); /* pairs with the init's I1 (src/slab.c) */
	memcpy((unsigned char *)copy + sizeof(copy->magic), (const unsigned char *)h + sizeof(copy->magic),
	       offsetof(shmprim_slab_header, free_head) - sizeof(copy->magic));
	copy->free_head = sp_load_acquire_u64(&h->free_head);        /* pairs with F2, R5 */
	copy->free_waiters = sp_load_relaxed_u32(&h->free_waiters);  /* a snapshot: no partner */
	copy->free_wake = sp_load_relaxed_u32(&h->free_wake);        /* a snapshot: no partner */
	copy->reclaim_lock = sp_load_relaxed_u32(&h->reclaim_lock);  /* a snapshot: no partner */

	at = (unsigned char *)(uintptr_t)(m->base + s->offset + SHMPRIM_SLAB_HEADER_SIZE);
	rest = m->len - (size_t)s->offset - SHMPRIM_SLAB_HEADER_SIZE;
	/* Validation only (meta and data both given the whole rest: the region
	 * form's sum is checked below). The library only reads here. */
	st = shmprim_slab_raw_attach(&raw, copy, at, rest, at, rest);
	if (st == SHMPRIM_ERR_CORRUPT) {
		snprintf(s->why, sizeof(s->why),
		         "slab at offset %llu: the free list starts at slot %u of %u: corrupt, refusing to interpret",
		         (unsigned long long)s->offset, (uint32_t)copy->free_head, copy->slot_count);
		return;
	}
	need = (uint64_t)SHMPRIM_SLAB_HEADER_SIZE + copy->meta_bytes + copy->data_bytes;
	if (st == SHMPRIM_OK && need - SHMPRIM_SLAB_HEADER_SIZE > (uint64_t)rest)
		st = SHMPRIM_ERR_REGION_TOO_SMALL;
	if (st != SHMPRIM_OK) {
		insp_refusal(s, st, copy->magic, copy->version, copy->slot_count, copy->slot_size, need,
		             (uint64_t)m->len - s->offset);
		return;
	}
	meta = (const shmprim_slab_meta *)(const void *)at;
	r->version = copy->version;
	r->slot_count = raw.slot_count;
	r->slot_size = raw.slot_size;
	r->data_stride = raw.data_stride;
	r->bytes = need;
	r->head_index = (uint32_t)copy->free_head;
	r->head_tag = (uint32_t)(copy->free_head >> 32);
	r->free_waiters = copy->free_waiters;
	r->free_wake = copy->free_wake;
	r->reclaim_lock = copy->reclaim_lock;
	r->reclaim_life = copy->reclaim_lock ? insp_pid_life(copy->reclaim_lock) : INSP_NONE;

	on_list = r->list_bits = (unsigned char *)calloc((size_t)raw.slot_count / 8 + 1, 1);
	r->held = (insp_held *)malloc(sizeof(insp_held) * raw.slot_count);
	r->words = verbose ? (uint64_t *)malloc(sizeof(uint64_t) * raw.slot_count) : NULL;
	if (!on_list || !r->held || (verbose && !r->words)) {
		fail(s, "not enough memory to decode this many slots");
		return;
	}
	walk_list(meta, raw.slot_count, r->head_index, on_list, r);
	nh = 0;
	for (i = 0; i < raw.slot_count; i++) {
		uint64_t w = sp_load_acquire_u64(&meta[i].state_gen); /* pairs with A3, F1, F3 (as the audit's) */
		uint32_t kind = W_KIND(w), owner = W_OWNER(w);
		int listed = (on_list[i / 8] >> (i % 8)) & 1;

		if (r->words)
			r->words[i] = w;
		if (kind == SHMPRIM_SLOT_FREE) {
			r->free_count++;
			if (W_FREEING(w)) {
				r->freeing++;
				if (owner) {
					r->held[nh].owner = owner;
					r->held[nh].index = (uint32_t)i;
					r->held[nh].kind = (uint8_t)kind;
					r->held[nh++].freeing = 1;
				}
			}
			if (!listed) {
				r->free_off_list++;
				r->orphans += !W_FREEING(w);
			}
			continue;
		}
		if (listed)
			r->listed_not_free++;
		if ((kind != SHMPRIM_SLOT_ALLOCATED && kind != SHMPRIM_SLOT_IN_FLIGHT) || W_FREEING(w)) {
			r->bad_state++;
			continue;
		}
		if (kind == SHMPRIM_SLOT_ALLOCATED)
			r->allocated++;
		else
			r->in_flight++;
		if (owner == 0) {
			if (kind == SHMPRIM_SLOT_ALLOCATED && W_GEN(w) == SHMPRIM_SLAB_GEN_RETIRED)
				r->retired++;
			else
				r->anonymous++;
			continue;
		}
		r->held[nh].owner = owner;
		r->held[nh].index = (uint32_t)i;
		r->held[nh].kind = (uint8_t)kind;
		r->held[nh++].freeing = 0;
	}
	free(on_list);
	r->list_bits = NULL;
	r->n_held = nh;
	qsort(r->held, nh, sizeof(*r->held), by_owner);
	for (i = 0, no = 0; i < nh; i++)
		no += i == 0 || r->held[i].owner != r->held[i - 1].owner;
	r->owners = (insp_owner *)calloc(no ? no : 1, sizeof(insp_owner));
	if (!r->owners) {
		fail(s, "not enough memory to decode this many owners");
		return;
	}
	for (i = 0, no = 0; i < nh; i++) {
		insp_owner *o;

		if (i == 0 || r->held[i].owner != r->held[i - 1].owner) {
			o = &r->owners[no++];
			o->id = r->held[i].owner;
			o->life = insp_pid_life(o->id);
			o->first = i;
		}
		o = &r->owners[no - 1];
		o->count++;
		if (r->held[i].freeing)
			o->freeing++;
		else if (r->held[i].kind == SHMPRIM_SLOT_ALLOCATED)
			o->allocated++;
		else
			o->in_flight++;
	}
	r->n_owners = no;
	s->ok = 1;
}

int insp_probe_kind(const insp_map *m, uint64_t offset, enum insp_kind *kind, uint32_t *magic)
{
	uint32_t v;

	if (offset > m->len || m->len - offset < sizeof(uint32_t))
		return 0;
	v = sp_load_acquire_u32((const uint32_t *)(const void *)(m->base + offset)); /* pairs with I1 */
	*magic = v;
	if (v == SHMPRIM_SPSC_MAGIC)
		*kind = INSP_RING;
	else if (v == SHMPRIM_SLAB_MAGIC)
		*kind = INSP_SLAB;
	else if (v == SHMPRIM_CHANNEL_MAGIC)
		*kind = INSP_CHANNEL;
	else
		return 0;
	return 1;
}
