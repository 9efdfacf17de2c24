/*
 * C++ peers, compiled only for the benchmark: Boost.Lockfree spsc_queue (run-time
 * capacity; push/pop of one entry, and its array push/pop for batches) and
 * moodycamel ReaderWriterQueue (try_enqueue never allocates, so the queue stays
 * bounded; no batch API). Both keep their buffers on the heap, so they run as
 * two threads only (no two-process rows).
 */
#include "bench_common.h"

#include <new>

#include <boost/lockfree/spsc_queue.hpp>
#include <readerwriterqueue/readerwriterqueue.h>

namespace {

template <typename T> struct boost_ring {
	typedef boost::lockfree::spsc_queue<T> queue;
	static size_t size(uint32_t) { return sizeof(queue); }
	static int init(void *mem, uint32_t cap)
	{
		new (mem) queue(cap);
		return 0;
	}
	static void fini(void *mem) { static_cast<queue *>(mem)->~queue(); }
	static int open(void *mem, queue **q)
	{
		*q = static_cast<queue *>(mem);
		return 0;
	}
	static int push1(queue **q, const T *it) { return (*q)->push(*it); }
	static int pop1(queue **q, T *it) { return (*q)->pop(*it); }
	static uint32_t pushn(queue **q, const T *it, uint32_t n) { return (uint32_t)(*q)->push(it, n); }
	static uint32_t popn(queue **q, T *it, uint32_t n) { return (uint32_t)(*q)->pop(it, n); }
};

template <typename T> struct mc_ring {
	typedef moodycamel::ReaderWriterQueue<T> queue;
	static size_t size(uint32_t) { return sizeof(queue); }
	static int init(void *mem, uint32_t cap)
	{
		new (mem) queue(cap);
		return 0;
	}
	static void fini(void *mem) { static_cast<queue *>(mem)->~queue(); }
	static int open(void *mem, queue **q)
	{
		*q = static_cast<queue *>(mem);
		return 0;
	}
	static int push1(queue **q, const T *it) { return (*q)->try_enqueue(*it); }
	static int pop1(queue **q, T *it) { return (*q)->try_dequeue(*it); }
};

} // namespace

#define BOOST_ROW(NAME, ITEM)                                          \
	typedef boost_ring<ITEM> NAME##_t;                                   \
	typedef NAME##_t::queue *NAME##_h;

BOOST_ROW(bq8, uint64_t)
BOOST_ROW(bq64, item64)
BOOST_ROW(bq256, item256)
typedef mc_ring<uint64_t> mc8_t;
typedef mc8_t::queue *mc8_h;
typedef mc_ring<item64> mc64_t;
typedef mc64_t::queue *mc64_h;
typedef mc_ring<item256> mc256_t;
typedef mc256_t::queue *mc256_h;

#define RH_NAME bq8
#define RH_ITEM uint64_t
#define RH_PROD bq8_h
#define RH_CONS bq8_h
#define RH_SIZE(cap) bq8_t::size(cap)
#define RH_INIT(mem, cap) bq8_t::init(mem, cap)
#define RH_FINI(mem) bq8_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) bq8_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) bq8_t::open(mem, c)
#define RH_PUSH1(p, it) bq8_t::push1(p, it)
#define RH_POP1(c, it) bq8_t::pop1(c, it)
#define RH_PUSHN(p, it, n) bq8_t::pushn(p, it, n)
#define RH_POPN(c, it, n) bq8_t::popn(c, it, n)
#include "ring_harness.h"

#define RH_NAME bq64
#define RH_ITEM item64
#define RH_PROD bq64_h
#define RH_CONS bq64_h
#define RH_SIZE(cap) bq64_t::size(cap)
#define RH_INIT(mem, cap) bq64_t::init(mem, cap)
#define RH_FINI(mem) bq64_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) bq64_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) bq64_t::open(mem, c)
#define RH_PUSH1(p, it) bq64_t::push1(p, it)
#define RH_POP1(c, it) bq64_t::pop1(c, it)
#define RH_PUSHN(p, it, n) bq64_t::pushn(p, it, n)
#define RH_POPN(c, it, n) bq64_t::popn(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME bq256
#define RH_ITEM item256
#define RH_PROD bq256_h
#define RH_CONS bq256_h
#define RH_SIZE(cap) bq256_t::size(cap)
#define RH_INIT(mem, cap) bq256_t::init(mem, cap)
#define RH_FINI(mem) bq256_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) bq256_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) bq256_t::open(mem, c)
#define RH_PUSH1(p, it) bq256_t::push1(p, it)
#define RH_POP1(c, it) bq256_t::pop1(c, it)
#define RH_PUSHN(p, it, n) bq256_t::pushn(p, it, n)
#define RH_POPN(c, it, n) bq256_t::popn(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME mc8
#define RH_ITEM uint64_t
#define RH_PROD mc8_h
#define RH_CONS mc8_h
#define RH_SIZE(cap) mc8_t::size(cap)
#define RH_INIT(mem, cap) mc8_t::init(mem, cap)
#define RH_FINI(mem) mc8_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) mc8_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) mc8_t::open(mem, c)
#define RH_PUSH1(p, it) mc8_t::push1(p, it)
#define RH_POP1(c, it) mc8_t::pop1(c, it)
#include "ring_harness.h"

#define RH_NAME mc64
#define RH_ITEM item64
#define RH_PROD mc64_h
#define RH_CONS mc64_h
#define RH_SIZE(cap) mc64_t::size(cap)
#define RH_INIT(mem, cap) mc64_t::init(mem, cap)
#define RH_FINI(mem) mc64_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) mc64_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) mc64_t::open(mem, c)
#define RH_PUSH1(p, it) mc64_t::push1(p, it)
#define RH_POP1(c, it) mc64_t::pop1(c, it)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME mc256
#define RH_ITEM item256
#define RH_PROD mc256_h
#define RH_CONS mc256_h
#define RH_SIZE(cap) mc256_t::size(cap)
#define RH_INIT(mem, cap) mc256_t::init(mem, cap)
#define RH_FINI(mem) mc256_t::fini(mem)
#define RH_OPEN_PROD(mem, cap, p) mc256_t::open(mem, p)
#define RH_OPEN_CONS(mem, cap, c) mc256_t::open(mem, c)
#define RH_PUSH1(p, it) mc256_t::push1(p, it)
#define RH_POP1(c, it) mc256_t::pop1(c, it)
#define RH_NO_RTT
#include "ring_harness.h"

static const ring_impl cpp_rings[] = {
	{"boost spsc_queue", "-", RI_SINGLE | RI_BATCH, {bq8_tput, bq64_tput, bq256_tput}, bq8_rtt},
	{"moodycamel RWQ", "-", RI_SINGLE, {mc8_tput, mc64_tput, mc256_tput}, mc8_rtt},
};

extern "C" void bench_register_cpp(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab)
{
	(void)add_slab;
	add_ring(&cpp_rings[0]);
	add_ring(&cpp_rings[1]);
}
