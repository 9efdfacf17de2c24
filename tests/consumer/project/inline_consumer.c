/* A parent project using the inlined push/pop (dependency('shmprim-inline')): 1000
 * values through a 16-entry ring, popped by the exported call, checked. */
#include <shmprim/shmprim.h>
#include <stdint.h>
#include <stdio.h>

#include <shmprim/static/spsc.h>

int main(void)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_spsc_producer producer;
	shmprim_spsc_consumer consumer;
	size_t size = shmprim_spsc_required_size(16, sizeof(uint64_t));
	uint64_t next = 0, want = 0, out;

	if (shmprim_heap_region_new_zeroed(&heap, size) != SHMPRIM_OK ||
	    shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 16, sizeof(uint64_t)) != SHMPRIM_OK)
		return 1;
	shmprim_spsc_split(&ring, &producer, &consumer);
	while (want < 1000) {
		while (next < 1000 && shmprim_spsc_push_inline(&producer, &next) == SHMPRIM_PUSH_OK)
			next++;
		while (shmprim_spsc_pop(&consumer, &out)) {
			if (out != want) {
				fprintf(stderr, "popped %llu, want %llu\n", (unsigned long long)out, (unsigned long long)want);
				return 1;
			}
			want++;
		}
	}
	shmprim_heap_region_free(&heap);
	printf("inline push: 1000 values in order\n");
	return 0;
}
