/*
 * shmprim's rows, built once per atomics backend into shmprim-bench-<b>.so.
 *
 * Why a loadable module per backend: the core compiled for each backend
 * exports the same symbol names, so one executable cannot link two of them.
 * Each module links one backend's core statically (hidden, -Bsymbolic, so its
 * calls into the core are direct calls, as in a user's static link) and
 * exports a single table; the driver dlopen()s every module RTLD_LOCAL and can
 * then interleave the rows of all backends and all peers in one process, run
 * after run, so drift hits them alike. The hot loop calls the library's
 * exported functions exactly as a user's code would.
 */
#include "bench_common.h"

#include <shmprim/shmprim.h>

#include <shmprim/static/spsc.h>

#ifndef BENCH_BACKEND
#error "BENCH_BACKEND must name the atomics backend this module is built for"
#endif

/* ---- ring glue ---- */

static int sp_init(void *mem, uint32_t cap, uint32_t size)
{
	shmprim_spsc r;
	size_t need = shmprim_spsc_required_size(cap, size);

	return shmprim_spsc_init(&r, shmprim_region_from_raw(mem, need), 0, cap, size) == SHMPRIM_OK ? 0 : -1;
}

/* Each side attaches on its own (validating the header), as a second process would. */
static int sp_open(void *mem, uint32_t cap, uint32_t size, shmprim_spsc_producer *p, shmprim_spsc_consumer *c)
{
	shmprim_spsc r;
	size_t need = shmprim_spsc_required_size(cap, size);

	if (shmprim_spsc_attach(&r, shmprim_region_from_raw(mem, need), 0) != SHMPRIM_OK ||
	    shmprim_spsc_entry_size(&r) != size)
		return -1;
	shmprim_spsc_split(&r, p, c);
	return 0;
}

static inline int sp_push1(shmprim_spsc_producer *p, const void *item)
{
	return shmprim_spsc_push(p, item) == SHMPRIM_PUSH_OK;
}

/* Zero-copy: entries are written and checked where they lie in the ring. */
static inline uint32_t sp_filln(shmprim_spsc_producer *p, uint32_t n, uint64_t seq, unsigned words)
{
	uint32_t k = shmprim_spsc_reserve(p, n, NULL);
	uint32_t i;

	for (i = 0; i < k; i++)
		bench_item_fill((uint64_t *)shmprim_spsc_reserved_entry(p, i), words, seq + i);
	return shmprim_spsc_commit(p, k);
}

static inline uint32_t sp_drainn(shmprim_spsc_consumer *c, uint32_t n, uint64_t *expect, uint64_t *errors,
                                 unsigned words)
{
	uint32_t k = shmprim_spsc_peek(c, n);
	uint32_t i;

	for (i = 0; i < k; i++)
		bench_item_check((const uint64_t *)shmprim_spsc_peeked_entry(c, i), words, expect, errors);
	return shmprim_spsc_release(c, k);
}

typedef struct w8 {
	uint64_t w[1];
} w8;

SHMPRIM_SPSC_TYPED(w8_ring, w8)

/* The same push and pop inlined into the loop (include/shmprim/static/spsc.h), as a
 * program built in the same Meson tree gets them: batch 1 only. */
#define RH_NAME sp_inline8
#define RH_ITEM uint64_t
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
/* a macro, not a wrapper function: GCC kept a wrapper out of line */
#define RH_PUSH1(p, it) (shmprim_spsc_push_inline(p, it) == SHMPRIM_PUSH_OK)
#define RH_POP1(c, it) shmprim_spsc_pop_inline(c, it)
#include "ring_harness.h"

/* The same two, with each ring's producer and consumer handles side by side in
 * one struct (RH_ADJACENT), as a thread-to-thread queue holds them: the handles'
 * per-call fields must not share a line across the two sides (issue 14). */
#define RH_NAME sp_inline_adj8
#define RH_ITEM uint64_t
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
#define RH_PUSH1(p, it) (shmprim_spsc_push_inline(p, it) == SHMPRIM_PUSH_OK)
#define RH_POP1(c, it) shmprim_spsc_pop_inline(c, it)
#define RH_ADJACENT
#include "ring_harness.h"

#define RH_NAME sp_adj8
#define RH_ITEM uint64_t
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_ADJACENT
#include "ring_harness.h"

/* copy API: push/pop for batch 1, push_burst/pop_burst for larger batches */
#define RH_NAME sp_copy8
#define RH_ITEM uint64_t
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_PUSHN(p, it, n) shmprim_spsc_push_burst(p, it, n, NULL)
#define RH_POPN(c, it, n) shmprim_spsc_pop_burst(c, it, n)
#include "ring_harness.h"

#define RH_NAME sp_copy64
#define RH_ITEM item64
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 64)
#define RH_INIT(mem, cap) sp_init(mem, cap, 64)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 64, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 64, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_PUSHN(p, it, n) shmprim_spsc_push_burst(p, it, n, NULL)
#define RH_POPN(c, it, n) shmprim_spsc_pop_burst(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME sp_copy256
#define RH_ITEM item256
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 256)
#define RH_INIT(mem, cap) sp_init(mem, cap, 256)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 256, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 256, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_PUSHN(p, it, n) shmprim_spsc_push_burst(p, it, n, NULL)
#define RH_POPN(c, it, n) shmprim_spsc_pop_burst(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

/* zero-copy API: reserve/commit and peek/release, entries touched in place */
#define RH_NAME sp_zc8
#define RH_ITEM uint64_t
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_FILLN(p, n, seq) sp_filln(p, n, seq, 1)
#define RH_DRAINN(c, n, e, err) sp_drainn(c, n, e, err, 1)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME sp_zc64
#define RH_ITEM item64
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 64)
#define RH_INIT(mem, cap) sp_init(mem, cap, 64)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 64, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 64, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_FILLN(p, n, seq) sp_filln(p, n, seq, 8)
#define RH_DRAINN(c, n, e, err) sp_drainn(c, n, e, err, 8)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME sp_zc256
#define RH_ITEM item256
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 256)
#define RH_INIT(mem, cap) sp_init(mem, cap, 256)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 256, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 256, NULL, c)
#define RH_PUSH1(p, it) sp_push1(p, it)
#define RH_POP1(c, it) shmprim_spsc_pop(c, it)
#define RH_FILLN(p, n, seq) sp_filln(p, n, seq, 32)
#define RH_DRAINN(c, n, e, err) sp_drainn(c, n, e, err, 32)
#define RH_NO_RTT
#include "ring_harness.h"

/* typed wrappers (SHMPRIM_SPSC_TYPED): bursts through a caller array, each entry a plain 8-byte move */
#define RH_NAME sp_typed8
#define RH_ITEM w8
#define RH_PROD shmprim_spsc_producer
#define RH_CONS shmprim_spsc_consumer
#define RH_SIZE(cap) shmprim_spsc_required_size(cap, 8)
#define RH_INIT(mem, cap) sp_init(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) sp_open(mem, cap, 8, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) sp_open(mem, cap, 8, NULL, c)
#define RH_PUSH1(p, it) (w8_ring_push(p, it) == SHMPRIM_PUSH_OK)
#define RH_POP1(c, it) w8_ring_pop(c, it)
#define RH_PUSHN(p, it, n) w8_ring_push_burst(p, it, n)
#define RH_POPN(c, it, n) w8_ring_pop_burst(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

static const ring_impl rings[] = {
	{"shmprim", BENCH_BACKEND, RI_SINGLE | RI_BATCH | RI_PROCS,
	 {sp_copy8_tput, sp_copy64_tput, sp_copy256_tput}, sp_copy8_rtt},
	/* both handles in one struct: threads only (single items and round trip) */
	{"shmprim-adjacent", BENCH_BACKEND, RI_SINGLE, {sp_adj8_tput, NULL, NULL}, sp_adj8_rtt},
	{"shmprim-inline", BENCH_BACKEND, RI_SINGLE | RI_PROCS, {sp_inline8_tput, NULL, NULL}, sp_inline8_rtt},
	{"shmprim-inline-adj", BENCH_BACKEND, RI_SINGLE, {sp_inline_adj8_tput, NULL, NULL}, sp_inline_adj8_rtt},
	{"shmprim-zc", BENCH_BACKEND, RI_BATCH | RI_PROCS, {sp_zc8_tput, sp_zc64_tput, sp_zc256_tput}, NULL},
	{"shmprim-typed", BENCH_BACKEND, RI_BATCH | RI_PROCS, {sp_typed8_tput, NULL, NULL}, NULL},
};

/* ---- slab: try_alloc + free_allocated pairs ----
 * The slot's memory is found from the public handle fields (data, data_stride)
 * rather than shmprim_slab_slot_data(), which re-validates the generation: the
 * pair measured is the allocator's, as for ck_stack and cds_lfs. */

static int slab_init(shmprim_slab *s, void *mem, size_t bytes, uint32_t slots)
{
	return shmprim_slab_init(s, shmprim_region_from_raw(mem, bytes), 0, slots, 64) == SHMPRIM_OK ? 0 : -1;
}

static inline int slab_alloc(shmprim_slab *s, shmprim_slot_handle *h)
{
	switch (shmprim_slab_try_alloc(s, h)) {
	case SHMPRIM_ALLOC_OK:
		return 1;
	case SHMPRIM_ALLOC_CORRUPT:
		return -1;
	default:
		return 0;
	}
}

#define SH_NAME sp_slab
#define SH_STATE shmprim_slab
#define SH_HANDLE shmprim_slot_handle
#define SH_SIZE(slots) shmprim_slab_required_size(slots, 64)
#define SH_INIT(s, mem, bytes, slots) slab_init(s, mem, bytes, slots)
#define SH_ALLOC(s, h) slab_alloc(s, h)
#define SH_DATA(s, h) ((uint64_t *)((s)->raw.data + (size_t)(h).index * (s)->raw.data_stride))
#define SH_FREE(s, h) (shmprim_slab_free_allocated(s, h) != SHMPRIM_OK)
#define SH_FREE_COUNT(s) shmprim_slab_free_count_approx(s)
#include "slab_harness.h"

/* The same with a per-handle cache of 32 free slots (set_cache): each thread's
 * copy of the handle keeps its own, and gives it back after the timed loop. */
static int slab_init_cached(shmprim_slab *s, void *mem, size_t bytes, uint32_t slots)
{
	return slab_init(s, mem, bytes, slots) == 0 && shmprim_slab_set_cache(s, 32) == SHMPRIM_OK ? 0 : -1;
}

#define SH_NAME sp_slab_cached
#define SH_STATE shmprim_slab
#define SH_HANDLE shmprim_slot_handle
#define SH_SIZE(slots) shmprim_slab_required_size(slots, 64)
#define SH_INIT(s, mem, bytes, slots) slab_init_cached(s, mem, bytes, slots)
#define SH_ALLOC(s, h) slab_alloc(s, h)
#define SH_DATA(s, h) ((uint64_t *)((s)->raw.data + (size_t)(h).index * (s)->raw.data_stride))
#define SH_FREE(s, h) (shmprim_slab_free_allocated(s, h) != SHMPRIM_OK)
#define SH_FREE_COUNT(s) shmprim_slab_free_count_approx(s)
#define SH_THREAD_DONE(s) (shmprim_slab_flush_cache(s) != SHMPRIM_OK)
#include "slab_harness.h"

static const slab_impl slabs[] = {
	{"shmprim-slab", BENCH_BACKEND, sp_slab_pairs},
	{"shmprim-slab-cached", BENCH_BACKEND, sp_slab_cached_pairs},
};

__attribute__((visibility("default"))) const bench_module shmprim_bench_module = {
	BENCH_MODULE_ABI, BENCH_BACKEND, rings, (int)(sizeof(rings) / sizeof(rings[0])),
	slabs, (int)(sizeof(slabs) / sizeof(slabs[0])),
};
