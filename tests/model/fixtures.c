/* Fixtures for model-checked bodies (see fixtures.h). */
#include <stddef.h>
#include <string.h>

#include "fixtures.h"

#include <shmprim/static/spsc.h>

#define FX_REGION_OFFSET 64 /* the region form is placed off the region's start, as real users may */

const char *fx_form_name(fx_form form)
{
	return form == FX_RAW ? "raw" : "region";
}

/* ---- ring ---- */

static void ring_names(ring_fx *fx, shmprim_spsc_header *h, const shmprim_spsc_geometry *geo)
{
	uint32_t i;

	mc_name(h, sizeof(*h), "ring.header");
	mc_name(&h->magic, 4, "ring.magic");
	mc_name(&h->head, 4, "ring.head");
	mc_name(&h->tail, 4, "ring.tail");
	for (i = 0; i < fx->capacity; i++) {
		uint32_t cell = shmprim_spsc_cell_number(geo, i), rem;

		if (i % geo->entries_per_cell == 0)
			mc_name(shmprim_ring_cell_seq(geo, i, &rem), 4, "ring.cell[%u].seq", cell);
		mc_name(shmprim_spsc_entry_at(geo, i), geo->entry_size, "ring.entry[%u] (cell %u)", i, cell);
	}
}

ring_fx *ring_fx_new(fx_form form, uint32_t capacity)
{
	return ring_fx_new_sized(form, capacity, sizeof(uint64_t));
}

ring_fx *ring_fx_new_sized(fx_form form, uint32_t capacity, uint32_t entry_size)
{
	ring_fx *fx = mc_alloc(sizeof(*fx), 8);
	shmprim_status st;

	fx->form = form;
	fx->capacity = capacity;
	if (form == FX_REGION) {
		size_t need = shmprim_spsc_required_size(capacity, entry_size);

		fx->offset = FX_REGION_OFFSET;
		fx->region = shmprim_region_from_raw(mc_alloc(need + FX_REGION_OFFSET, 64), need + FX_REGION_OFFSET);
		st = shmprim_spsc_init(&fx->region_ring, fx->region, fx->offset, capacity, entry_size);
		mc_assert_eq(st, SHMPRIM_OK);
		ring_names(fx, fx->region_ring.raw.header, &fx->region_ring.raw.geo);
		shmprim_spsc_split(&fx->region_ring, &fx->producer, &fx->consumer);
	} else {
		fx->slots_len = shmprim_spsc_slots_size(capacity, entry_size);
		fx->header = mc_alloc(SHMPRIM_SPSC_HEADER_SIZE, 64);
		fx->slots = mc_alloc(fx->slots_len, 8);
		st = shmprim_spsc_raw_init(&fx->raw_ring, fx->header, fx->slots, fx->slots_len, capacity, entry_size);
		mc_assert_eq(st, SHMPRIM_OK);
		ring_names(fx, fx->header, &fx->raw_ring.geo);
		shmprim_spsc_raw_split(&fx->raw_ring, &fx->producer, &fx->consumer);
	}
	return fx;
}

shmprim_status ring_fx_attach_consumer(ring_fx *fx, shmprim_spsc_consumer *out)
{
	shmprim_status st;

	if (fx->form == FX_REGION) {
		shmprim_spsc *r = mc_alloc(sizeof(*r), 8);

		st = shmprim_spsc_attach(r, fx->region, fx->offset);
		if (st == SHMPRIM_OK)
			shmprim_spsc_split(r, NULL, out);
	} else {
		shmprim_spsc_raw *r = mc_alloc(sizeof(*r), 8);

		st = shmprim_spsc_raw_attach(r, fx->header, fx->slots, fx->slots_len);
		if (st == SHMPRIM_OK)
			shmprim_spsc_raw_split(r, NULL, out);
	}
	return st;
}

shmprim_status ring_fx_attach_producer(ring_fx *fx, shmprim_spsc_producer *out)
{
	shmprim_status st;

	if (fx->form == FX_REGION) {
		shmprim_spsc *r = mc_alloc(sizeof(*r), 8);

		st = shmprim_spsc_attach(r, fx->region, fx->offset);
		if (st == SHMPRIM_OK)
			shmprim_spsc_split(r, out, NULL);
	} else {
		shmprim_spsc_raw *r = mc_alloc(sizeof(*r), 8);

		st = shmprim_spsc_raw_attach(r, fx->header, fx->slots, fx->slots_len);
		if (st == SHMPRIM_OK)
			shmprim_spsc_raw_split(r, out, NULL);
	}
	return st;
}

void ring_push_wait(shmprim_spsc_producer *p, uint64_t v)
{
	shmprim_push_result r;

	while ((r = shmprim_spsc_push(p, &v)) == SHMPRIM_PUSH_WOULD_BLOCK)
		sp_spin_hint();
	mc_assert_eq(r, SHMPRIM_PUSH_OK);
}

uint64_t ring_pop_wait(shmprim_spsc_consumer *c)
{
	uint64_t v;

	while (!shmprim_spsc_pop(c, &v))
		sp_spin_hint();
	return v;
}

/* ---- slab ---- */

static void slab_names(slab_fx *fx, unsigned char *data, uint32_t stride)
{
	uint32_t i;

	mc_name(fx->header, sizeof(*fx->header), "slab.header");
	mc_name(&fx->header->magic, 4, "slab.magic");
	mc_name(&fx->header->free_head, 8, "slab.free_head");
	mc_name(&fx->header->reclaim_lock, 4, "slab.reclaim_lock");
	for (i = 0; i < fx->slot_count; i++) {
		mc_name(&fx->meta[i], sizeof(fx->meta[i]), "slab.meta[%u]", i);
		mc_name(&fx->meta[i].state_gen, 8, "slab.meta[%u].state_gen", i);
		mc_name(&fx->meta[i].next_free, 4, "slab.meta[%u].next", i);
		mc_name(&fx->meta[i].owner, 4, "slab.meta[%u].owner", i);
		mc_name(&fx->meta[i].free_tag, 4, "slab.meta[%u].free_tag", i);
		mc_name(&fx->meta[i].reclaim_mark, 4, "slab.meta[%u].reclaim_mark", i);
		mc_name(data + (size_t)i * stride, stride, "slab.data[%u]", i);
	}
}

slab_fx *slab_fx_new(fx_form form, uint32_t slot_count, uint32_t slot_size)
{
	slab_fx *fx = mc_alloc(sizeof(*fx), 8);
	shmprim_status st;

	fx->form = form;
	fx->slot_count = slot_count;
	fx->slot_size = slot_size;
	if (form == FX_REGION) {
		size_t need = shmprim_slab_required_size(slot_count, slot_size);

		fx->offset = FX_REGION_OFFSET;
		fx->region = shmprim_region_from_raw(mc_alloc(need + FX_REGION_OFFSET, 64), need + FX_REGION_OFFSET);
		st = shmprim_slab_init(&fx->region_slab, fx->region, fx->offset, slot_count, slot_size);
		mc_assert_eq(st, SHMPRIM_OK);
		fx->header = fx->region_slab.raw.header;
		fx->meta = fx->region_slab.raw.meta;
		fx->data = fx->region_slab.raw.data;
		slab_names(fx, fx->region_slab.raw.data, fx->region_slab.raw.data_stride);
	} else {
		fx->meta_len = shmprim_slab_meta_size(slot_count);
		fx->data_len = shmprim_slab_data_size(slot_count, slot_size);
		fx->header = mc_alloc(SHMPRIM_SLAB_HEADER_SIZE, 64);
		fx->meta = mc_alloc(fx->meta_len, 64);
		fx->data = mc_alloc(fx->data_len, 8);
		st = shmprim_slab_raw_init(&fx->raw_slab, fx->header, fx->meta, fx->meta_len, fx->data, fx->data_len,
		                           slot_count, slot_size);
		mc_assert_eq(st, SHMPRIM_OK);
		slab_names(fx, fx->data, fx->raw_slab.data_stride);
	}
	return fx;
}

slab_fx *slab_fx_attach(const slab_fx *fx)
{
	slab_fx *b = mc_alloc(sizeof(*b), 8);
	shmprim_status st;

	*b = *fx;
	if (fx->form == FX_REGION)
		st = shmprim_slab_attach(&b->region_slab, fx->region, fx->offset);
	else
		st = shmprim_slab_raw_attach(&b->raw_slab, fx->header, fx->meta, fx->meta_len, fx->data, fx->data_len);
	mc_assert_eq(st, SHMPRIM_OK);
	return b;
}

shmprim_alloc_result slab_alloc(slab_fx *fx, shmprim_slot_handle *h)
{
	return fx->form == FX_REGION ? shmprim_slab_try_alloc(&fx->region_slab, h)
	                             : shmprim_slab_raw_try_alloc(&fx->raw_slab, h);
}

shmprim_status slab_free(slab_fx *fx, shmprim_slot_handle h)
{
	return fx->form == FX_REGION ? shmprim_slab_free(&fx->region_slab, h)
	                             : shmprim_slab_raw_free(&fx->raw_slab, h, NULL);
}

shmprim_status slab_free_allocated(slab_fx *fx, shmprim_slot_handle h)
{
	return fx->form == FX_REGION ? shmprim_slab_free_allocated(&fx->region_slab, h)
	                             : shmprim_slab_raw_free_allocated(&fx->raw_slab, h, NULL);
}

shmprim_status slab_mark_in_flight(slab_fx *fx, shmprim_slot_handle h)
{
	return fx->form == FX_REGION ? shmprim_slab_mark_in_flight(&fx->region_slab, h)
	                             : shmprim_slab_raw_mark_in_flight(&fx->raw_slab, h, NULL);
}

void *slab_data(slab_fx *fx, shmprim_slot_handle h)
{
	return fx->form == FX_REGION ? shmprim_slab_slot_data(&fx->region_slab, h)
	                             : shmprim_slab_raw_slot_data(&fx->raw_slab, h);
}

uint32_t slab_free_count(slab_fx *fx)
{
	return fx->form == FX_REGION ? shmprim_slab_free_count_approx(&fx->region_slab)
	                             : shmprim_slab_raw_free_count_approx(&fx->raw_slab);
}

shmprim_slot_handle slab_alloc_wait(slab_fx *fx)
{
	shmprim_slot_handle h;
	shmprim_alloc_result r;

	while ((r = slab_alloc(fx, &h)) == SHMPRIM_ALLOC_WOULD_BLOCK)
		sp_spin_hint();
	mc_assert_eq(r, SHMPRIM_ALLOC_OK);
	return h;
}

void slab_check_quiescent(slab_fx *fx, uint32_t expected_free)
{
	uint32_t index = (uint32_t)sp_load_relaxed_u64(&fx->header->free_head);
	uint32_t listed = 0, free_states = 0, i;
	unsigned char on_list[64];

	mc_assert(fx->slot_count <= sizeof(on_list));
	memset(on_list, 0, sizeof(on_list));
	while (index != SHMPRIM_SLAB_END) {
		if (index >= fx->slot_count)
			mc_fail(__FILE__, __LINE__, "free list links to slot %u of %u", index, fx->slot_count);
		if (on_list[index])
			mc_fail(__FILE__, __LINE__, "free list visits slot %u twice", index);
		on_list[index] = 1;
		listed++;
		index = sp_load_relaxed_u32(&fx->meta[index].next_free);
	}
	for (i = 0; i < fx->slot_count; i++) {
		uint32_t state = (uint32_t)sp_load_relaxed_u64(&fx->meta[i].state_gen);

		if (state == SHMPRIM_SLOT_FREE)
			free_states++;
		if (on_list[i] && state != SHMPRIM_SLOT_FREE)
			mc_fail(__FILE__, __LINE__, "slot %u is on the free list in state %u", i, state);
		if (!on_list[i] && state == SHMPRIM_SLOT_FREE)
			mc_fail(__FILE__, __LINE__, "slot %u is FREE but not on the free list (leaked)", i);
	}
	if (listed != expected_free)
		mc_fail(__FILE__, __LINE__, "free list holds %u slots, expected %u", listed, expected_free);
	mc_assert_eq(slab_free_count(fx), expected_free);
}

uint32_t slab_generation(slab_fx *fx, uint32_t index)
{
	return (uint32_t)(sp_load_relaxed_u64(&fx->meta[index].state_gen) >> 32);
}

/* ---- payloads ---- */

void payload_write(void *p, size_t n, unsigned char byte)
{
	sp_plain_write(p, n);
	memset(p, byte, n);
}

bool payload_is(const void *p, size_t n, unsigned char byte)
{
	const unsigned char *b = p;
	size_t i;

	sp_plain_read(p, n);
	for (i = 0; i < n; i++)
		if (b[i] != byte)
			return false;
	return true;
}
