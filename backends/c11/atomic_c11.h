/*
 * C11 <stdatomic.h> binding. Shared words are plain uint32_t/uint64_t in the
 * layout (so other bindings can read them); here they are viewed as _Atomic
 * objects of the same size and alignment, which the asserts below pin down.
 * Needs c_std=c11 for the translation units that include it.
 */
#ifndef SHMPRIM_ATOMIC_C11_H
#define SHMPRIM_ATOMIC_C11_H

#include <stdatomic.h>

/* A libatomic lock lives in one process's memory and cannot guard a word
 * shared with another process, so only always-lock-free widths are usable. */
#if ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_LLONG_LOCK_FREE != 2
#error "shmprim c11 backend: 32- and 64-bit atomics are not always lock-free on this target"
#endif

_Static_assert(sizeof(_Atomic uint32_t) == sizeof(uint32_t), "_Atomic uint32_t size");
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "_Atomic uint64_t size");
_Static_assert(_Alignof(_Atomic uint32_t) <= 4, "_Atomic uint32_t needs more than 4-byte alignment");
_Static_assert(_Alignof(_Atomic uint64_t) <= 8, "_Atomic uint64_t needs more than 8-byte alignment");

#define SP_BACKEND_NAME "c11"

SP_INLINE memory_order sp_c11_order(sp_order o)
{
	switch (o) {
	case SP_RELAXED: return memory_order_relaxed;
	case SP_ACQUIRE: return memory_order_acquire;
	case SP_RELEASE: return memory_order_release;
	case SP_ACQ_REL: return memory_order_acq_rel;
	default:         return memory_order_seq_cst;
	}
}

#define SP_C11_DEFINE(W, T, A)                                                            \
	SP_INLINE T sp_load_relaxed_##W(const T *p)                                    \
	{ return atomic_load_explicit((const A *)p, memory_order_relaxed); }           \
	SP_INLINE T sp_load_acquire_##W(const T *p)                                    \
	{ return atomic_load_explicit((const A *)p, memory_order_acquire); }           \
	SP_INLINE void sp_store_relaxed_##W(T *p, T v)                                 \
	{ atomic_store_explicit((A *)p, v, memory_order_relaxed); }                    \
	SP_INLINE void sp_store_release_##W(T *p, T v)                                 \
	{ atomic_store_explicit((A *)p, v, memory_order_release); }                    \
	SP_INLINE bool sp_cas_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ return atomic_compare_exchange_strong_explicit((A *)p, expected, desired,    \
			sp_c11_order(s), sp_c11_order(f)); }                           \
	SP_INLINE bool sp_cas_weak_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ return atomic_compare_exchange_weak_explicit((A *)p, expected, desired,      \
			sp_c11_order(s), sp_c11_order(f)); }                           \
	SP_INLINE T sp_fetch_add_##W(T *p, T v, sp_order o)                            \
	{ return atomic_fetch_add_explicit((A *)p, v, sp_c11_order(o)); }              \
	SP_INLINE T sp_exchange_##W(T *p, T v, sp_order o)                             \
	{ return atomic_exchange_explicit((A *)p, v, sp_c11_order(o)); }

typedef _Atomic uint32_t sp_c11_atomic_u32;
typedef _Atomic uint64_t sp_c11_atomic_u64;
SP_C11_DEFINE(u32, uint32_t, sp_c11_atomic_u32)
SP_C11_DEFINE(u64, uint64_t, sp_c11_atomic_u64)
#undef SP_C11_DEFINE

SP_INLINE void sp_fence(sp_order o) { atomic_thread_fence(sp_c11_order(o)); }

#if defined(__x86_64__) || defined(__i386__)
SP_INLINE void sp_spin_hint(void) { __builtin_ia32_pause(); }
#elif defined(__aarch64__) || defined(__arm__)
SP_INLINE void sp_spin_hint(void) { __asm__ __volatile__("yield" ::: "memory"); }
#else
SP_INLINE void sp_spin_hint(void) { atomic_signal_fence(memory_order_seq_cst); }
#endif

#endif
