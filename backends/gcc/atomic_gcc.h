/*
 * GCC/Clang __atomic builtin binding: the same orderings as c11, on plain
 * uint32_t/uint64_t, usable from C99 translation units.
 */
#ifndef SHMPRIM_ATOMIC_GCC_H
#define SHMPRIM_ATOMIC_GCC_H

/* A libatomic lock cannot guard a word shared with another process: refuse
 * targets where either width is not always lock-free. */
#if !defined(__GCC_ATOMIC_INT_LOCK_FREE) || !defined(__GCC_ATOMIC_LLONG_LOCK_FREE)
#error "shmprim gcc backend: this compiler has no GCC __atomic builtins (choose another backend)"
#elif __GCC_ATOMIC_INT_LOCK_FREE != 2 || __GCC_ATOMIC_LLONG_LOCK_FREE != 2
#error "shmprim gcc backend: 32- and 64-bit __atomic operations are not always lock-free on this target"
#endif

#define SP_BACKEND_NAME "gcc"

SP_INLINE int sp_gcc_order(sp_order o)
{
	switch (o) {
	case SP_RELAXED: return __ATOMIC_RELAXED;
	case SP_ACQUIRE: return __ATOMIC_ACQUIRE;
	case SP_RELEASE: return __ATOMIC_RELEASE;
	case SP_ACQ_REL: return __ATOMIC_ACQ_REL;
	default:         return __ATOMIC_SEQ_CST;
	}
}

#define SP_GCC_DEFINE(W, T)                                                            \
	SP_INLINE T sp_load_relaxed_##W(const T *p)                                    \
	{ return __atomic_load_n(p, __ATOMIC_RELAXED); }                               \
	SP_INLINE T sp_load_acquire_##W(const T *p)                                    \
	{ return __atomic_load_n(p, __ATOMIC_ACQUIRE); }                               \
	SP_INLINE void sp_store_relaxed_##W(T *p, T v)                                 \
	{ __atomic_store_n(p, v, __ATOMIC_RELAXED); }                                  \
	SP_INLINE void sp_store_release_##W(T *p, T v)                                 \
	{ __atomic_store_n(p, v, __ATOMIC_RELEASE); }                                  \
	SP_INLINE bool sp_cas_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ return __atomic_compare_exchange_n(p, expected, desired, 0,                   \
			sp_gcc_order(s), sp_gcc_order(f)); }                           \
	SP_INLINE bool sp_cas_weak_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ return __atomic_compare_exchange_n(p, expected, desired, 1,                   \
			sp_gcc_order(s), sp_gcc_order(f)); }                           \
	SP_INLINE T sp_fetch_add_##W(T *p, T v, sp_order o)                            \
	{ return __atomic_fetch_add(p, v, sp_gcc_order(o)); }                          \
	SP_INLINE T sp_exchange_##W(T *p, T v, sp_order o)                             \
	{ return __atomic_exchange_n(p, v, sp_gcc_order(o)); }

SP_GCC_DEFINE(u32, uint32_t)
SP_GCC_DEFINE(u64, uint64_t)
#undef SP_GCC_DEFINE

SP_INLINE void sp_fence(sp_order o) { __atomic_thread_fence(sp_gcc_order(o)); }

#if defined(__x86_64__) || defined(__i386__)
SP_INLINE void sp_spin_hint(void) { __builtin_ia32_pause(); }
#elif defined(__aarch64__) || defined(__arm__)
SP_INLINE void sp_spin_hint(void) { __asm__ __volatile__("yield" ::: "memory"); }
#else
SP_INLINE void sp_spin_hint(void) { __asm__ __volatile__("" ::: "memory"); }
#endif

#endif
