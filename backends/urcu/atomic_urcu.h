/*
 * liburcu uatomic binding (written for liburcu 0.13, Debian 12; 0.15 added
 * memory-order arguments, which this binding does not need).
 *
 * 0.13 has no acquire/release operations:
 *   - uatomic_read / uatomic_set are volatile accesses with no ordering; they
 *     serve relaxed loads and stores.
 *   - acquire load = uatomic_read, then SP_URCU_ACQ_FENCE;
 *     release store = SP_URCU_REL_FENCE, then uatomic_set.
 *     On x86 (TSO: loads are not reordered with older loads, stores not with
 *     older loads or stores) a compiler barrier (cmm_barrier) is enough for
 *     both. Everywhere else cmm_smp_mb, a full barrier, since the documented
 *     promise of cmm_smp_rmb/wmb (load-load / store-store) is not enough for
 *     acquire (load-store) or release (load-store).
 *   - uatomic_cmpxchg, uatomic_xchg and uatomic_add_return are full barriers on
 *     both sides, so they satisfy every order; the order arguments are ignored.
 *     uatomic_cmpxchg never fails spuriously, so the weak CAS is the strong one.
 *   - sp_fence: cmm_smp_mb (full) for every order but relaxed.
 * 64-bit operations need 64-bit long (uatomic only handles int and long): the
 * build is refused where long is 32-bit.
 *
 * ThreadSanitizer cannot see the inline assembly of uatomic_cmpxchg and sees
 * uatomic_read/set as plain accesses, so under TSan each access is hidden from
 * race detection and the happens-before edges it really provides are declared
 * with __tsan_acquire/__tsan_release on the word's address.
 */
#ifndef SHMPRIM_ATOMIC_URCU_H
#define SHMPRIM_ATOMIC_URCU_H

#include <urcu/arch.h>
#include <urcu/uatomic.h>

#if CAA_BITS_PER_LONG != 64
#error "shmprim urcu backend: liburcu's uatomic has no 64-bit operations where long is 32-bit (the slab's free-list head is a 64-bit word); choose -Datomics=c11 or gcc"
#endif

#define SP_BACKEND_NAME "urcu"

#if defined(URCU_ARCH_X86)
#define SP_URCU_ACQ_FENCE() cmm_barrier()
#define SP_URCU_REL_FENCE() cmm_barrier()
#else
#define SP_URCU_ACQ_FENCE() cmm_smp_mb()
#define SP_URCU_REL_FENCE() cmm_smp_mb()
#endif

#if defined(__SANITIZE_THREAD__)
#define SP_URCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SP_URCU_TSAN 1
#endif
#endif

#ifdef SP_URCU_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#define SP_TSAN_HIDE_BEGIN() (AnnotateIgnoreReadsBegin(__FILE__, __LINE__), AnnotateIgnoreWritesBegin(__FILE__, __LINE__))
#define SP_TSAN_HIDE_END() (AnnotateIgnoreWritesEnd(__FILE__, __LINE__), AnnotateIgnoreReadsEnd(__FILE__, __LINE__))
#define SP_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define SP_TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define SP_TSAN_HIDE_BEGIN() ((void)0)
#define SP_TSAN_HIDE_END() ((void)0)
#define SP_TSAN_ACQUIRE(p) ((void)(p))
#define SP_TSAN_RELEASE(p) ((void)(p))
#endif

#define SP_URCU_DEFINE(W, T)                                                           \
	SP_INLINE T sp_load_relaxed_##W(const T *p)                                    \
	{ T v; SP_TSAN_HIDE_BEGIN(); v = uatomic_read(p); SP_TSAN_HIDE_END(); return v; } \
	SP_INLINE T sp_load_acquire_##W(const T *p)                                    \
	{ T v; SP_TSAN_HIDE_BEGIN(); v = uatomic_read(p); SP_TSAN_HIDE_END();          \
	  SP_URCU_ACQ_FENCE(); SP_TSAN_ACQUIRE(p); return v; }                         \
	SP_INLINE void sp_store_relaxed_##W(T *p, T v)                                 \
	{ SP_TSAN_HIDE_BEGIN(); uatomic_set(p, v); SP_TSAN_HIDE_END(); }               \
	SP_INLINE void sp_store_release_##W(T *p, T v)                                 \
	{ SP_TSAN_RELEASE(p); SP_URCU_REL_FENCE();                                     \
	  SP_TSAN_HIDE_BEGIN(); uatomic_set(p, v); SP_TSAN_HIDE_END(); }               \
	SP_INLINE bool sp_cas_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ T seen; (void)s; (void)f; SP_TSAN_RELEASE(p);                                \
	  SP_TSAN_HIDE_BEGIN(); seen = uatomic_cmpxchg(p, *expected, desired); SP_TSAN_HIDE_END(); \
	  SP_TSAN_ACQUIRE(p);                                                          \
	  if (seen == *expected) return true;                                          \
	  *expected = seen; return false; }                                            \
	SP_INLINE bool sp_cas_weak_##W(T *p, T *expected, T desired, sp_order s, sp_order f) \
	{ return sp_cas_##W(p, expected, desired, s, f); }                             \
	SP_INLINE T sp_fetch_add_##W(T *p, T v, sp_order o)                            \
	{ T r; (void)o; SP_TSAN_RELEASE(p);                                            \
	  SP_TSAN_HIDE_BEGIN(); r = uatomic_add_return(p, v); SP_TSAN_HIDE_END();       \
	  SP_TSAN_ACQUIRE(p); return (T)(r - v); }                                     \
	SP_INLINE T sp_exchange_##W(T *p, T v, sp_order o)                             \
	{ T r; (void)o; SP_TSAN_RELEASE(p);                                            \
	  SP_TSAN_HIDE_BEGIN(); r = uatomic_xchg(p, v); SP_TSAN_HIDE_END();             \
	  SP_TSAN_ACQUIRE(p); return r; }

SP_URCU_DEFINE(u32, uint32_t)
SP_URCU_DEFINE(u64, uint64_t)
#undef SP_URCU_DEFINE

SP_INLINE void sp_fence(sp_order o)
{
	if (o != SP_RELAXED)
		cmm_smp_mb();
}

SP_INLINE void sp_spin_hint(void) { caa_cpu_relax(); }

#endif
