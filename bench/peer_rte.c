/*
 * DPDK rte_ring peer, single-producer/single-consumer mode, on the benchmark's
 * own memory: rte_ring_init() on a buffer sized by rte_ring_get_memsize_elem(),
 * no EAL (rte_eal_init is never called; the elem API and rte_ring_init need
 * none of it). Single items use rte_ring_sp_enqueue_elem/sc_dequeue_elem,
 * batches the _burst_elem calls. Like ck_ring, a ring of count N holds N - 1.
 * Built with DPDK's own compile flags (pkg-config libdpdk: -march=corei7 and
 * its rte_config.h), which apply to this file only.
 */
#include "bench_common.h"

#include <rte_ring.h>
#include <rte_ring_elem.h>

static int rte_init_ring(void *mem, uint32_t cap, uint32_t esize)
{
	ssize_t need = rte_ring_get_memsize_elem(esize, cap);

	if (need < 0)
		return -1;
	return rte_ring_init((struct rte_ring *)mem, "shmprim-bench", cap, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

static size_t rte_bytes(uint32_t cap, uint32_t esize)
{
	ssize_t need = rte_ring_get_memsize_elem(esize, cap);

	return need < 0 ? 4096 : (size_t)need;
}

static int rte_open(void *mem, struct rte_ring **r)
{
	*r = (struct rte_ring *)mem;
	return 0;
}

#define RTE_ROW(NAME, ITEM, ESZ)                                                                     \
	static inline int NAME##_push1(struct rte_ring **r, const ITEM *it)                          \
	{                                                                                             \
		return rte_ring_sp_enqueue_elem(*r, (void *)it, ESZ) == 0;                            \
	}                                                                                             \
	static inline int NAME##_pop1(struct rte_ring **r, ITEM *it)                                 \
	{                                                                                             \
		return rte_ring_sc_dequeue_elem(*r, it, ESZ) == 0;                                    \
	}                                                                                             \
	static inline uint32_t NAME##_pushn(struct rte_ring **r, const ITEM *it, uint32_t n)         \
	{                                                                                             \
		return rte_ring_sp_enqueue_burst_elem(*r, it, ESZ, n, NULL);                          \
	}                                                                                             \
	static inline uint32_t NAME##_popn(struct rte_ring **r, ITEM *it, uint32_t n)                \
	{                                                                                             \
		return rte_ring_sc_dequeue_burst_elem(*r, it, ESZ, n, NULL);                          \
	}

RTE_ROW(rte8, uint64_t, 8)
RTE_ROW(rte64, item64, 64)
RTE_ROW(rte256, item256, 256)

#define RH_NAME rte8
#define RH_ITEM uint64_t
#define RH_PROD struct rte_ring *
#define RH_CONS struct rte_ring *
#define RH_SIZE(cap) rte_bytes(cap, 8)
#define RH_INIT(mem, cap) rte_init_ring(mem, cap, 8)
#define RH_OPEN_PROD(mem, cap, p) rte_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) rte_open(mem, c)
#define RH_PUSH1(p, it) rte8_push1(p, it)
#define RH_POP1(c, it) rte8_pop1(c, it)
#define RH_PUSHN(p, it, n) rte8_pushn(p, it, n)
#define RH_POPN(c, it, n) rte8_popn(c, it, n)
#include "ring_harness.h"

#define RH_NAME rte64
#define RH_ITEM item64
#define RH_PROD struct rte_ring *
#define RH_CONS struct rte_ring *
#define RH_SIZE(cap) rte_bytes(cap, 64)
#define RH_INIT(mem, cap) rte_init_ring(mem, cap, 64)
#define RH_OPEN_PROD(mem, cap, p) rte_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) rte_open(mem, c)
#define RH_PUSH1(p, it) rte64_push1(p, it)
#define RH_POP1(c, it) rte64_pop1(c, it)
#define RH_PUSHN(p, it, n) rte64_pushn(p, it, n)
#define RH_POPN(c, it, n) rte64_popn(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME rte256
#define RH_ITEM item256
#define RH_PROD struct rte_ring *
#define RH_CONS struct rte_ring *
#define RH_SIZE(cap) rte_bytes(cap, 256)
#define RH_INIT(mem, cap) rte_init_ring(mem, cap, 256)
#define RH_OPEN_PROD(mem, cap, p) rte_open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) rte_open(mem, c)
#define RH_PUSH1(p, it) rte256_push1(p, it)
#define RH_POP1(c, it) rte256_pop1(c, it)
#define RH_PUSHN(p, it, n) rte256_pushn(p, it, n)
#define RH_POPN(c, it, n) rte256_popn(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

static const ring_impl rte_rings[] = {
	{"rte_ring", "-", RI_SINGLE | RI_BATCH | RI_PROCS, {rte8_tput, rte64_tput, rte256_tput}, rte8_rtt},
};

void bench_register_rte(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab)
{
	(void)add_slab;
	add_ring(&rte_rings[0]);
}
