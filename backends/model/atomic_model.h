/*
 * Model-checking binding: every sp_* call becomes a hook into the checker
 * (mc.h), tagged with its call site so traces can say where it happened.
 * Test-only: selected by -DSHMPRIM_ATOMICS_MODEL, linked with the engine in
 * the backends/model sources, never installed.
 */
#ifndef SHMPRIM_ATOMIC_MODEL_H
#define SHMPRIM_ATOMIC_MODEL_H

#include "mc.h"

#define SP_BACKEND_NAME "model"
#define SP_HAVE_PLAIN_ANNOTATIONS 1
#define SP_HAVE_RETRY_BOUND 1
#define sp_retry_bound(limit) mc_retry_bound(limit)

/* The hooks take orders as ints; keep the two enums in step. */
typedef char sp_model_order_check[((int)SP_RELAXED == MC_RELAXED && (int)SP_ACQUIRE == MC_ACQUIRE &&
                                   (int)SP_RELEASE == MC_RELEASE && (int)SP_ACQ_REL == MC_ACQ_REL &&
                                   (int)SP_SEQ_CST == MC_SEQ_CST) ? 1 : -1];

#define SP_MODEL_DEFINE(W, T, N)                                                                           \
	SP_INLINE T sp_model_load_##W(const T *p, int o, const char *f, int l)                             \
	{ return (T)mc_load(p, N, o, f, l); }                                                              \
	SP_INLINE void sp_model_store_##W(T *p, T v, int o, const char *f, int l)                          \
	{ mc_store(p, N, v, o, f, l); }                                                                    \
	SP_INLINE bool sp_model_cas_##W(T *p, T *e, T d, sp_order s, sp_order fo, bool weak, const char *f, \
	                                int l)                                                             \
	{                                                                                                  \
		uint64_t x = *e;                                                                           \
		bool ok = mc_cas(p, N, &x, d, (int)s, (int)fo, weak, f, l);                                \
		*e = (T)x;                                                                                 \
		return ok;                                                                                 \
	}                                                                                                  \
	SP_INLINE T sp_model_rmw_##W(T *p, int op, T v, sp_order o, const char *f, int l)                  \
	{ return (T)mc_rmw(p, N, op, v, (int)o, f, l); }

SP_MODEL_DEFINE(u32, uint32_t, 4)
SP_MODEL_DEFINE(u64, uint64_t, 8)
#undef SP_MODEL_DEFINE

#define sp_load_relaxed_u32(p) sp_model_load_u32((p), MC_RELAXED, __FILE__, __LINE__)
#define sp_load_acquire_u32(p) sp_model_load_u32((p), MC_ACQUIRE, __FILE__, __LINE__)
#define sp_store_relaxed_u32(p, v) sp_model_store_u32((p), (v), MC_RELAXED, __FILE__, __LINE__)
#define sp_store_release_u32(p, v) sp_model_store_u32((p), (v), MC_RELEASE, __FILE__, __LINE__)
#define sp_cas_u32(p, e, d, s, f) sp_model_cas_u32((p), (e), (d), (s), (f), false, __FILE__, __LINE__)
#define sp_cas_weak_u32(p, e, d, s, f) sp_model_cas_u32((p), (e), (d), (s), (f), true, __FILE__, __LINE__)
#define sp_fetch_add_u32(p, v, o) sp_model_rmw_u32((p), MC_RMW_ADD, (v), (o), __FILE__, __LINE__)
#define sp_exchange_u32(p, v, o) sp_model_rmw_u32((p), MC_RMW_XCHG, (v), (o), __FILE__, __LINE__)

#define sp_load_relaxed_u64(p) sp_model_load_u64((p), MC_RELAXED, __FILE__, __LINE__)
#define sp_load_acquire_u64(p) sp_model_load_u64((p), MC_ACQUIRE, __FILE__, __LINE__)
#define sp_store_relaxed_u64(p, v) sp_model_store_u64((p), (v), MC_RELAXED, __FILE__, __LINE__)
#define sp_store_release_u64(p, v) sp_model_store_u64((p), (v), MC_RELEASE, __FILE__, __LINE__)
#define sp_cas_u64(p, e, d, s, f) sp_model_cas_u64((p), (e), (d), (s), (f), false, __FILE__, __LINE__)
#define sp_cas_weak_u64(p, e, d, s, f) sp_model_cas_u64((p), (e), (d), (s), (f), true, __FILE__, __LINE__)
#define sp_fetch_add_u64(p, v, o) sp_model_rmw_u64((p), MC_RMW_ADD, (v), (o), __FILE__, __LINE__)
#define sp_exchange_u64(p, v, o) sp_model_rmw_u64((p), MC_RMW_XCHG, (v), (o), __FILE__, __LINE__)

#define sp_fence(o) mc_fence((int)(o), __FILE__, __LINE__)
#define sp_spin_hint() mc_spin_hint(__FILE__, __LINE__)
#define sp_plain_read(p, n) mc_plain_read((p), (n), __FILE__, __LINE__)
#define sp_plain_write(p, n) mc_plain_write((p), (n), __FILE__, __LINE__)

#endif
