/*
 * The ring's static inline form (include/shmprim/static/spsc.h), compiled into this program with
 * the backend's binding, against the library's exported calls: mixed freely
 * on one ring they move exact sequences, and the same operations leave the
 * same bytes in shared memory and the same results.
 */
#include "unit_util.h"

#include <shmprim/static/spsc.h>

TestSuite(inline_ring, .timeout = UNIT_TIMEOUT_S);

static shmprim_heap_region ring_of(shmprim_spsc *ring, uint32_t capacity)
{
	size_t need = shmprim_spsc_required_size(capacity, 8);
	shmprim_heap_region heap = unit_heap(need);

	cr_assert_eq(shmprim_spsc_init(ring, shmprim_heap_region_region(&heap), 0, capacity, 8), SHMPRIM_OK);
	return heap;
}

/* Pushes with one API, pops with the other, alternating each lap of i. */
Test(inline_ring, mixed_with_the_exported_calls)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = ring_of(&ring, 8);
	uint64_t next_in = 0, next_out = 0, v;
	uint32_t round, k;

	shmprim_spsc_split(&ring, &p, &c);
	for (round = 0; round < 50; round++) {
		uint32_t burst = 1 + round % 8;

		for (k = 0; k < burst; k++, next_in++) {
			shmprim_push_result r = round & 1 ? shmprim_spsc_push_inline(&p, &next_in)
			                                  : shmprim_spsc_push(&p, &next_in);
			cr_assert_eq(r, SHMPRIM_PUSH_OK, "round %u push %lu", round, (unsigned long)next_in);
		}
		for (k = 0; k < burst; k++, next_out++) {
			bool ok = round & 2 ? shmprim_spsc_pop_inline(&c, &v) : shmprim_spsc_pop(&c, &v);
			cr_assert(ok && v == next_out, "round %u: popped %lu, want %lu", round, (unsigned long)v,
			          (unsigned long)next_out);
		}
		cr_assert(!shmprim_spsc_pop_inline(&c, &v), "round %u: empty ring popped", round);
	}
	cr_assert_eq(next_out, 219); /* 6 x (1 + ... + 8) + 1 + 2 */
	shmprim_heap_region_free(&heap);
}

/* Same operations through each API on two rings: same bytes, same results,
 * including full, empty and head's interval. */
Test(inline_ring, same_bytes_and_results_as_the_exported_calls)
{
	shmprim_spsc a, b;
	shmprim_spsc_producer pa, pb;
	shmprim_spsc_consumer ca, cb;
	shmprim_heap_region ha = ring_of(&a, 64), hb = ring_of(&b, 64);
	uint64_t i, va = 0, vb = 0;
	uint32_t step;

	shmprim_spsc_split(&a, &pa, &ca);
	shmprim_spsc_split(&b, &pb, &cb);
	for (step = 0; step < 2000; step++) {
		/* pushes run ahead in bursts of 70 (past full), then pops of 50 (past empty) */
		if (step % 120 < 70) {
			i = step;
			cr_assert_eq(shmprim_spsc_push_inline(&pa, &i), shmprim_spsc_push(&pb, &i), "step %u push", step);
		} else {
			bool ra = shmprim_spsc_pop_inline(&ca, &va), rb = shmprim_spsc_pop(&cb, &vb);

			cr_assert(ra == rb && (!ra || va == vb), "step %u pop: %d/%d %lu/%lu", step, ra, rb,
			          (unsigned long)va, (unsigned long)vb);
		}
		cr_assert_eq(memcmp(ha.base, hb.base, ha.len), 0, "step %u: the two rings' bytes differ", step);
	}
	cr_assert_eq(a.raw.header->head, b.raw.header->head);
	cr_assert_neq(a.raw.header->tail, 0);
	shmprim_heap_region_free(&ha);
	shmprim_heap_region_free(&hb);
}
