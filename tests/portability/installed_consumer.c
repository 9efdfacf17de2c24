/* Built outside the project from `pkg-config --cflags --libs shmprim` alone,
 * against an installed copy: the one header, the library, a ring and a slab. */
#include <shmprim/shmprim.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_slab slab;
	shmprim_slot_handle h;
	size_t ring_size = shmprim_spsc_required_size(4, 8);
	uint64_t v = 7, out = 0;

	/* With an argument, the backend the installed library must use. */
	if (argc > 1 && strcmp(argv[1], shmprim_backend_name()) != 0) {
		printf("installed library uses backend %s, expected %s\n", shmprim_backend_name(), argv[1]);
		return 1;
	}
	printf("shmprim %s (ABI %d, layout %u), backend %s\n", shmprim_version_string(), SHMPRIM_ABI_VERSION,
	       shmprim_layout_version(), shmprim_backend_name());
	if (shmprim_heap_region_new_zeroed(&heap, ring_size + shmprim_slab_required_size(2, 16)) != SHMPRIM_OK ||
	    shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 4, 8) != SHMPRIM_OK ||
	    shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), ring_size, 2, 16) != SHMPRIM_OK) {
		printf("init failed\n");
		return 1;
	}
	shmprim_spsc_split(&ring, &p, &c);
	if (shmprim_spsc_push(&p, &v) != SHMPRIM_PUSH_OK || !shmprim_spsc_pop(&c, &out) || out != 7) {
		printf("ring round trip failed (got %llu)\n", (unsigned long long)out);
		return 1;
	}
	if (shmprim_slab_try_alloc(&slab, &h) != SHMPRIM_ALLOC_OK || h.generation != 1 ||
	    shmprim_slab_free_allocated(&slab, h) != SHMPRIM_OK ||
	    shmprim_slab_free_allocated(&slab, h) != SHMPRIM_ERR_INVALID_STATE) {
		printf("slab round trip failed\n");
		return 1;
	}
	shmprim_heap_region_free(&heap);
	printf("installed shmprim (%s backend) works\n", shmprim_backend_name());
	return 0;
}
