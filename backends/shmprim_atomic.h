/*
 * The atomics seam: the only interface through which ring and slab code touch
 * shared words. Exactly one binding is chosen at build time by defining one of
 * SHMPRIM_ATOMICS_C11, _GCC, _URCU or _MODEL (Meson passes it per target, so one
 * tree can build the core once per backend).
 *
 * Every binding provides, for T in {u32, u64}:
 *   T    sp_load_relaxed_T(const T *p)      T    sp_load_acquire_T(const T *p)
 *   void sp_store_relaxed_T(T *p, T v)      void sp_store_release_T(T *p, T v)
 *   bool sp_cas_T(T *p, T *expected, T desired, sp_order success, sp_order failure)
 *   bool sp_cas_weak_T(...)                 (may fail spuriously; same contract)
 *   T    sp_fetch_add_T(T *p, T v, sp_order order)   returns the old value
 *   T    sp_exchange_T(T *p, T v, sp_order order)    returns the old value
 *   void sp_fence(sp_order order)
 *   void sp_spin_hint(void)   call only after a failed, side-effect-free attempt
 *   void sp_plain_read(const void *p, size_t n), sp_plain_write(void *p, size_t n)
 *        annotate non-atomic accesses to shared memory (entry and slot copies);
 *        no-ops except under the model checker, which reports races on them.
 *   uint32_t sp_retry_bound(uint32_t limit)
 *        the attempts a bounded retry loop makes before it gives up: limit,
 *        except under the model checker, where a test body may lower it
 *        (mc_retry_limit) so that a give-up path is reachable in a model run.
 * CAS returns true on success; on failure it stores the value it saw in
 * *expected. Shared words are plain uint32_t / uint64_t (naturally aligned), so
 * memory written by one binding is read correctly by any other.
 */
#ifndef SHMPRIM_ATOMIC_H
#define SHMPRIM_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sp_order {
	SP_RELAXED,
	SP_ACQUIRE,
	SP_RELEASE,
	SP_ACQ_REL,
	SP_SEQ_CST
} sp_order;

#if defined(__GNUC__) || defined(__clang__)
#define SP_INLINE static inline __attribute__((always_inline))
#else
#define SP_INLINE static inline
#endif

#if defined(SHMPRIM_ATOMICS_C11)
#include "c11/atomic_c11.h"
#elif defined(SHMPRIM_ATOMICS_GCC)
#include "gcc/atomic_gcc.h"
#elif defined(SHMPRIM_ATOMICS_URCU)
#include "urcu/atomic_urcu.h"
#elif defined(SHMPRIM_ATOMICS_MODEL)
#include "model/atomic_model.h"
#else
#error "no atomics backend selected: define SHMPRIM_ATOMICS_C11, _GCC, _URCU or _MODEL"
#endif

#ifndef SP_HAVE_PLAIN_ANNOTATIONS
SP_INLINE void sp_plain_read(const void *p, size_t n) { (void)p; (void)n; }
SP_INLINE void sp_plain_write(void *p, size_t n) { (void)p; (void)n; }
#endif

#ifndef SP_HAVE_RETRY_BOUND
SP_INLINE uint32_t sp_retry_bound(uint32_t limit) { return limit; }
#endif

#endif
