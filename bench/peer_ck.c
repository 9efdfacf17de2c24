/*
 * Concurrency Kit peers: ck_ring in SPSC mode (typed by CK_RING_PROTOTYPE, so
 * entries are copied by value like shmprim's) and ck_stack (pop_mpmc with its
 * double-width CAS generation, push_mpmc) as a slot allocator.
 * ck_ring keeps one slot empty: a ring of size N holds N - 1 entries.
 * It has no batch API, so it appears in single-item rows only.
 */
#include "bench_common.h"

#include <ck_ring.h>
#include <ck_stack.h>

struct ck8 {
	uint64_t w[1];
};
struct ck64 {
	uint64_t w[8];
};
struct ck256 {
	uint64_t w[32];
};
CK_RING_PROTOTYPE(ck8, ck8)
CK_RING_PROTOTYPE(ck64, ck64)
CK_RING_PROTOTYPE(ck256, ck256)

/* shared layout: struct ck_ring (its own padding keeps the indices apart), then the buffer */
#define CKR_BUF_OFF 256u

typedef struct ckside {
	struct ck_ring *ring;
	void *buf;
} ckside;

static int ckr_init(void *mem, uint32_t cap)
{
	if (sizeof(struct ck_ring) > CKR_BUF_OFF)
		return -1;
	ck_ring_init((struct ck_ring *)mem, cap);
	return 0;
}

static int ckr_open(void *mem, ckside *s)
{
	s->ring = (struct ck_ring *)mem;
	s->buf = (unsigned char *)mem + CKR_BUF_OFF;
	return 0;
}

#define CK_ROW(NAME, T, ITEM, RTT)                                                      \
	static inline int NAME##_push(ckside *s, const ITEM *it)                       \
	{                                                                               \
		return ck_ring_enqueue_spsc_##T(s->ring, (struct T *)s->buf, (struct T *)it); \
	}                                                                               \
	static inline int NAME##_pop(ckside *s, ITEM *it)                              \
	{                                                                               \
		return ck_ring_dequeue_spsc_##T(s->ring, (struct T *)s->buf, (struct T *)it); \
	}

CK_ROW(ckr8, ck8, uint64_t, 1)
CK_ROW(ckr64, ck64, item64, 0)
CK_ROW(ckr256, ck256, item256, 0)

#define RH_NAME ckr8
#define RH_ITEM uint64_t
#define RH_PROD ckside
#define RH_CONS ckside
#define RH_SIZE(cap) (CKR_BUF_OFF + (size_t)(cap) * 8)
#define RH_INIT(mem, cap) ckr_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) ckr_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) ckr_open(mem, c)
#define RH_PUSH1(p, it) ckr8_push(p, it)
#define RH_POP1(c, it) ckr8_pop(c, it)
#include "ring_harness.h"

#define RH_NAME ckr64
#define RH_ITEM item64
#define RH_PROD ckside
#define RH_CONS ckside
#define RH_SIZE(cap) (CKR_BUF_OFF + (size_t)(cap) * 64)
#define RH_INIT(mem, cap) ckr_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) ckr_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) ckr_open(mem, c)
#define RH_PUSH1(p, it) ckr64_push(p, it)
#define RH_POP1(c, it) ckr64_pop(c, it)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME ckr256
#define RH_ITEM item256
#define RH_PROD ckside
#define RH_CONS ckside
#define RH_SIZE(cap) (CKR_BUF_OFF + (size_t)(cap) * 256)
#define RH_INIT(mem, cap) ckr_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) ckr_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) ckr_open(mem, c)
#define RH_PUSH1(p, it) ckr256_push(p, it)
#define RH_POP1(c, it) ckr256_pop(c, it)
#define RH_NO_RTT
#include "ring_harness.h"

static const ring_impl ck_rings[] = {
	{"ck_ring", "-", RI_SINGLE | RI_PROCS, {ckr8_tput, ckr64_tput, ckr256_tput}, ckr8_rtt},
};

#ifdef CK_F_STACK_POP_MPMC
/* ck_stack as a slot allocator: each 64-byte slot holds its own link, and the
 * stack head carries a generation swapped with it by a double-width CAS. */
typedef struct ck_slot {
	ck_stack_entry_t link;
	uint64_t data[7];
} ck_slot;

typedef struct cks_state {
	ck_stack_t *stack;
	ck_slot *slots;
	uint32_t count;
} cks_state;

static int cks_init(cks_state *s, void *mem, size_t bytes, uint32_t slots)
{
	uint32_t i;

	if (bytes < 64 + (size_t)slots * sizeof(ck_slot))
		return -1;
	s->stack = (ck_stack_t *)mem;
	s->slots = (ck_slot *)((unsigned char *)mem + 64);
	s->count = slots;
	ck_stack_init(s->stack);
	for (i = slots; i-- > 0;)
		ck_stack_push_mpmc(s->stack, &s->slots[i].link);
	return 0;
}

static inline int cks_alloc(cks_state *s, ck_slot **out)
{
	ck_stack_entry_t *e = ck_stack_pop_mpmc(s->stack);

	if (!e)
		return 0;
	*out = (ck_slot *)e;    /* link is the first member */
	return 1;
}

static uint32_t cks_free_count(cks_state *s)
{
	ck_stack_entry_t *e;
	uint32_t n = 0;

	for (e = s->stack->head; e && n <= s->count; e = e->next)
		n++;
	return n;
}

#define SH_NAME cks
#define SH_STATE cks_state
#define SH_HANDLE ck_slot *
#define SH_SIZE(slots) (64 + (size_t)(slots) * sizeof(ck_slot))
#define SH_INIT(s, mem, bytes, slots) cks_init(s, mem, bytes, slots)
#define SH_ALLOC(s, h) cks_alloc(s, h)
#define SH_DATA(s, h) (&(h)->data[0])
#define SH_FREE(s, h) (ck_stack_push_mpmc((s)->stack, &(h)->link), 0)
#define SH_FREE_COUNT(s) cks_free_count(s)
#include "slab_harness.h"

static const slab_impl ck_slabs[] = {
	{"ck_stack", "-", cks_pairs},
};
#endif

void bench_register_ck(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab)
{
	add_ring(&ck_rings[0]);
#ifdef CK_F_STACK_POP_MPMC
	add_slab(&ck_slabs[0]);
#else
	(void)add_slab;
#endif
}
