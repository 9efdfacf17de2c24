/*
 * Configure-time probe of an atomics binding (meson.build compiles and links
 * it once per backend). Compiling runs the binding's own #error checks;
 * linking catches what they cannot see: a compiler that accepts the binding
 * but turns an operation into a libatomic call (__atomic_load_8 and friends),
 * which is not lock-free across processes and is not linked anyway. Every
 * operation goes through a pointer the compiler knows nothing about, as the
 * library's do (shared memory), so alignment cannot be inferred from a global.
 */
#include "shmprim_atomic.h"

static uint64_t word64;
static uint32_t word32;
uint64_t *volatile probe_u64 = &word64;
uint32_t *volatile probe_u32 = &word32;

int main(void)
{
	uint64_t *p64 = probe_u64, e64 = 0;
	uint32_t *p32 = probe_u32, e32 = 0;

	sp_store_release_u64(p64, sp_load_acquire_u64(p64) + 1);
	sp_store_relaxed_u64(p64, sp_load_relaxed_u64(p64));
	(void)sp_fetch_add_u64(p64, 1, SP_ACQ_REL);
	(void)sp_exchange_u64(p64, 2, SP_ACQ_REL);
	sp_store_release_u32(p32, sp_load_acquire_u32(p32) + 1);
	sp_store_relaxed_u32(p32, sp_load_relaxed_u32(p32));
	(void)sp_fetch_add_u32(p32, 1, SP_ACQ_REL);
	(void)sp_exchange_u32(p32, 2, SP_ACQ_REL);
	(void)sp_cas_weak_u32(p32, &e32, 3, SP_ACQ_REL, SP_ACQUIRE);
	(void)sp_cas_weak_u64(p64, &e64, 3, SP_ACQ_REL, SP_ACQUIRE);
	sp_fence(SP_SEQ_CST);
	sp_spin_hint();
	return !sp_cas_u64(p64, &e64, 1, SP_ACQ_REL, SP_ACQUIRE) + !sp_cas_u32(p32, &e32, 1, SP_ACQ_REL, SP_ACQUIRE);
}
