/*
 * Ring and slab fixtures for model-checked test bodies: built in the
 * checker's arena (same addresses every execution), in raw or region form,
 * with every shared word named for traces. Calls dispatch on the form so one
 * scenario body covers both APIs.
 */
#ifndef SHMPRIM_MODEL_FIXTURES_H
#define SHMPRIM_MODEL_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>

#include <shmprim/shmprim.h>

#include "shmprim_atomic.h"

typedef enum fx_form { FX_RAW, FX_REGION } fx_form;

const char *fx_form_name(fx_form form);

/* ---- ring ---- */
typedef struct ring_fx {
	fx_form form;
	shmprim_spsc region_ring;   /* FX_REGION */
	shmprim_spsc_raw raw_ring;  /* FX_RAW */
	shmprim_region region;      /* FX_REGION: where the ring sits */
	size_t offset;
	void *header, *slots;       /* FX_RAW */
	size_t slots_len;
	uint32_t capacity;
	shmprim_spsc_producer producer;
	shmprim_spsc_consumer consumer;
} ring_fx;

/* A fresh ring of u64 entries, split into producer and consumer. */
ring_fx *ring_fx_new(fx_form form, uint32_t capacity);
/* The same with entries of entry_size bytes. */
ring_fx *ring_fx_new_sized(fx_form form, uint32_t capacity, uint32_t entry_size);
/* Attaches a second handle to fx's ring (as another process would) and
 * takes its consumer into *out. */
shmprim_status ring_fx_attach_consumer(ring_fx *fx, shmprim_spsc_consumer *out);
/* The same for a producer: the split resumes after the entries published
 * past head (a producer that died before storing head left them). */
shmprim_status ring_fx_attach_producer(ring_fx *fx, shmprim_spsc_producer *out);

/* Spin until pushed / popped (sp_spin_hint between failed attempts). */
void ring_push_wait(shmprim_spsc_producer *p, uint64_t v);
uint64_t ring_pop_wait(shmprim_spsc_consumer *c);

/* ---- slab ---- */
typedef struct slab_fx {
	fx_form form;
	shmprim_slab region_slab;   /* FX_REGION */
	shmprim_slab_raw raw_slab;  /* FX_RAW */
	shmprim_region region;      /* FX_REGION: where the slab sits */
	size_t offset;
	void *data;                 /* FX_RAW: the three parts */
	size_t meta_len, data_len;
	uint32_t slot_count;
	uint32_t slot_size;
	shmprim_slab_header *header;
	shmprim_slab_meta *meta;
} slab_fx;

slab_fx *slab_fx_new(fx_form form, uint32_t slot_count, uint32_t slot_size);
/* Another handle on the same slab, as a second process would attach it. */
slab_fx *slab_fx_attach(const slab_fx *fx);
shmprim_alloc_result slab_alloc(slab_fx *fx, shmprim_slot_handle *h);
shmprim_status slab_free(slab_fx *fx, shmprim_slot_handle h);
shmprim_status slab_free_allocated(slab_fx *fx, shmprim_slot_handle h);
shmprim_status slab_mark_in_flight(slab_fx *fx, shmprim_slot_handle h);
void *slab_data(slab_fx *fx, shmprim_slot_handle h);
uint32_t slab_free_count(slab_fx *fx);
/* Alloc, spinning while the slab is empty (WOULD_BLOCK). */
shmprim_slot_handle slab_alloc_wait(slab_fx *fx);
/* Quiescent check (all other threads joined): the free list holds exactly
 * `expected_free` distinct FREE slots and every other slot is not FREE. */
void slab_check_quiescent(slab_fx *fx, uint32_t expected_free);
uint32_t slab_generation(slab_fx *fx, uint32_t index);

/* ---- payloads (annotated plain accesses, so races on them are caught) ---- */
void payload_write(void *p, size_t n, unsigned char byte);
/* True if all n bytes equal byte. */
bool payload_is(const void *p, size_t n, unsigned char byte);

#endif
