/*
 * liburcu peer: the cds_lfs lock-free stack as a slot allocator. Its pop is
 * ABA-safe only under an RCU read lock with deferred reuse, or serialised by
 * the stack's pop mutex; slots are reused at once here, so pops go through
 * cds_lfs_pop_blocking (the mutex) and pushes are lock-free, as the library
 * documents. _LGPL_SOURCE inlines the fast paths.
 */
#define _LGPL_SOURCE
#include "bench_common.h"

#include <urcu/lfstack.h>

typedef struct lfs_slot {
	struct cds_lfs_node node;
	uint64_t data[7];
} lfs_slot;

typedef struct lfs_state {
	struct cds_lfs_stack *stack;
	lfs_slot *slots;
	uint32_t count;
} lfs_state;

static int lfs_init(lfs_state *s, void *mem, size_t bytes, uint32_t slots)
{
	uint32_t i;

	if (bytes < 128 + (size_t)slots * sizeof(lfs_slot) || sizeof(struct cds_lfs_stack) > 128)
		return -1;
	s->stack = (struct cds_lfs_stack *)mem;
	s->slots = (lfs_slot *)((unsigned char *)mem + 128);
	s->count = slots;
	cds_lfs_init(s->stack);
	for (i = slots; i-- > 0;)
		cds_lfs_push(s->stack, &s->slots[i].node);
	return 0;
}

static inline int lfs_alloc(lfs_state *s, lfs_slot **out)
{
	struct cds_lfs_node *n = cds_lfs_pop_blocking(s->stack);

	if (!n)
		return 0;
	*out = caa_container_of(n, lfs_slot, node);
	return 1;
}

static uint32_t lfs_free_count(lfs_state *s)
{
	struct cds_lfs_head *head = s->stack->head;
	struct cds_lfs_node *n;
	uint32_t k = 0;

	for (n = head ? &head->node : NULL; n && k <= s->count; n = n->next)
		k++;
	return k;
}

#define SH_NAME lfs
#define SH_STATE lfs_state
#define SH_HANDLE lfs_slot *
#define SH_SIZE(slots) (128 + (size_t)(slots) * sizeof(lfs_slot))
#define SH_INIT(s, mem, bytes, slots) lfs_init(s, mem, bytes, slots)
#define SH_ALLOC(s, h) lfs_alloc(s, h)
#define SH_DATA(s, h) (&(h)->data[0])
#define SH_FREE(s, h) (cds_lfs_push((s)->stack, &(h)->node), 0)
#define SH_FREE_COUNT(s) lfs_free_count(s)
#define SH_FINI(s) cds_lfs_destroy((s)->stack)
#include "slab_harness.h"

static const slab_impl lfs_slabs[] = {
	{"urcu cds_lfs", "-", lfs_pairs},
};

void bench_register_urcu(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab)
{
	(void)add_ring;
	add_slab(&lfs_slabs[0]);
}
