#include <shmprim/shmprim.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_spsc_producer producer; /* the sides: each process keeps its own */
	shmprim_spsc_consumer consumer;
	shmprim_slab slab;
	shmprim_slot_handle h;
	size_t ring_size = shmprim_spsc_required_size(16, sizeof(uint64_t));
	size_t slab_size = shmprim_slab_required_size(4, 64);
	uint64_t v, out;
	shmprim_status st;

	/* One region: a ring of 16 u64 entries, then 4 x 64-byte slots at a 64-byte-aligned offset. */
	size_t slab_offset = (ring_size + 63) / 64 * 64;
	st = shmprim_heap_region_new_zeroed(&heap, slab_offset + slab_size);
	if (st == SHMPRIM_OK)
		st = shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 16, sizeof(uint64_t));
	if (st == SHMPRIM_OK)
		st = shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), slab_offset, 4, 64);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "set-up: %s\n", shmprim_status_str(st));
		return 1;
	}

	/* Another process opens the ring with the geometry it expects (entry size,
	 * capacity bounds); a valid header describing anything else is refused. */
	{
		const shmprim_spsc_expect expect = { sizeof(uint64_t), 16, 16 };
		shmprim_spsc opened;
		printf("attach: %s\n", shmprim_status_str(shmprim_spsc_attach_expect(
		       &opened, shmprim_heap_region_region(&heap), 0, ring_size, &expect)));
	}

	/* Ring: split into producer and consumer, push two values, pop them back. */
	shmprim_spsc_split(&ring, &producer, &consumer);
	for (v = 42; v <= 43; v++)
		if (shmprim_spsc_push(&producer, &v) != SHMPRIM_PUSH_OK)
			return 1;
	while (shmprim_spsc_pop(&consumer, &out))
		printf("popped %llu\n", (unsigned long long)out);

	/* Slab: allocate a slot, fill it, hand it over (in flight), free it. */
	if (shmprim_slab_try_alloc(&slab, &h) != SHMPRIM_ALLOC_OK)
		return 1;
	strcpy((char *)shmprim_slab_slot_data(&slab, h), "hello from slot");
	shmprim_slab_mark_in_flight(&slab, h);
	printf("slot %u (generation %u): %s\n", (unsigned)h.index, (unsigned)h.generation,
	       (const char *)shmprim_slab_slot_data(&slab, h));
	st = shmprim_slab_free(&slab, h);
	printf("free: %s; freeing again: %s\n", shmprim_status_str(st),
	       shmprim_status_str(shmprim_slab_free(&slab, h)));

	shmprim_heap_region_free(&heap);
	return 0;
}
