/** @file
 * Who holds a side: process identities that pid reuse cannot fool, their
 * liveness, and the claim words in shared memory that make a ring's or a
 * channel's producer and consumer sides exclusive.
 *
 * A process token packs a pid (22 bits: Linux pids stay below 2^22) and the
 * process's start time (42 bits of clock ticks after boot, /proc/PID/stat field
 * 22) into one 64-bit word, so a claim is taken or given back by one CAS. A pid
 * that the kernel has reused for another process has another start time, so a
 * token never names the newcomer.
 *
 * A claim word holds one of:
 *   SHMPRIM_CLAIM_FREE (0)    nobody holds the side; anyone may take it;
 *   SHMPRIM_CLAIM_CLOSED (1)  the holder closed the side for good (its peer
 *                             gets END or CLOSED); nobody may take it again;
 *   a token (>= 2^42)         held by that process;
 *   anything else             impossible: only a scribbler writes it. It holds
 *                             nothing, so a claimant may take it over.
 * A claimant may take a side over from a holder only when the holder is
 * verified dead (SHMPRIM_DEAD): its pid is gone, a zombie, or names a process
 * with another start time. When that cannot be verified (no /proc, a pid
 * hidden by hidepid, a token without a start time) the side stays held:
 * SHMPRIM_ERR_CLAIMED, never a guess.
 *
 * Pids are compared as this process sees them: both sides of a claimed
 * structure must share a pid namespace (a peer outside it cannot be checked,
 * and reads as alive).
 */
#ifndef SHMPRIM_CLAIM_H
#define SHMPRIM_CLAIM_H

#include <stdint.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A process identity: pid << 42 | start time in clock ticks after boot. */
typedef uint64_t shmprim_proc_token;

/** Claim word: nobody holds the side. */
#define SHMPRIM_CLAIM_FREE 0u
/** Claim word: the holder closed the side for good. */
#define SHMPRIM_CLAIM_CLOSED 1u
/** Bits of a token's start time (below the pid). */
#define SHMPRIM_TOKEN_START_BITS 42u
/** A token's start-time field. */
#define SHMPRIM_TOKEN_START_MASK ((UINT64_C(1) << SHMPRIM_TOKEN_START_BITS) - 1u)
/** Start-time field of a token made without /proc: liveness can then only be
 * verified as "gone" (the pid no longer exists), never as "reused". */
#define SHMPRIM_TOKEN_START_UNKNOWN SHMPRIM_TOKEN_START_MASK
/** Largest pid a token holds (2^22 - 1, Linux's PID_MAX_LIMIT - 1). */
#define SHMPRIM_TOKEN_PID_MAX 0x3FFFFFu

/** What a liveness check found. */
typedef enum shmprim_liveness {
	SHMPRIM_ALIVE = 0,          /**< the process exists and is the one named */
	SHMPRIM_DEAD = 1,           /**< verified gone: no such pid, a zombie, or the pid names a newer process */
	SHMPRIM_LIVENESS_UNKNOWN = 2 /**< the pid exists but cannot be checked further (treated as alive) */
} shmprim_liveness;

/** What a claim word says. */
typedef enum shmprim_side_state {
	SHMPRIM_SIDE_FREE = 0,      /**< SHMPRIM_CLAIM_FREE */
	SHMPRIM_SIDE_HELD = 1,      /**< a token */
	SHMPRIM_SIDE_CLOSED = 2,    /**< SHMPRIM_CLAIM_CLOSED */
	SHMPRIM_SIDE_IMPOSSIBLE = 3 /**< a value no claim writes (a scribbler's) */
} shmprim_side_state;

/** A claim word, decoded, and its holder's liveness. */
typedef struct shmprim_claim_holder {
	/** the claim word as read */
	uint64_t word;
	/** what it says */
	shmprim_side_state state;
	/** SHMPRIM_SIDE_HELD: the holder's pid; else 0 */
	int pid;
	/** SHMPRIM_SIDE_HELD: its start time in clock ticks after boot (SHMPRIM_TOKEN_START_UNKNOWN: not known) */
	uint64_t start_ticks;
	/** SHMPRIM_SIDE_HELD: what a liveness check found when the word was read; else SHMPRIM_DEAD */
	shmprim_liveness liveness;
} shmprim_claim_holder;

/** Makes a token from its parts.
 * @param pid         1..SHMPRIM_TOKEN_PID_MAX
 * @param start_ticks start time in clock ticks after boot (masked to 42 bits)
 * @return the token, 0 if pid is out of range */
static inline shmprim_proc_token shmprim_proc_token_make(int pid, uint64_t start_ticks)
{
	if (pid <= 0 || (uint32_t)pid > SHMPRIM_TOKEN_PID_MAX)
		return 0;
	return ((uint64_t)(uint32_t)pid << SHMPRIM_TOKEN_START_BITS) | (start_ticks & SHMPRIM_TOKEN_START_MASK);
}

/** The pid in a token.
 * @param token a claim word's value
 * @return the pid, 0 if the value is not a token */
static inline int shmprim_proc_token_pid(shmprim_proc_token token)
{
	return (int)(uint32_t)(token >> SHMPRIM_TOKEN_START_BITS);
}

/** This process's token (its start time read once from /proc/self/stat and
 * kept; SHMPRIM_TOKEN_START_UNKNOWN without /proc).
 * @param out receives the token
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, or SHMPRIM_ERR_INVALID_ARGUMENT
 *         when getpid() does not fit a token */
SHMPRIM_API shmprim_status shmprim_proc_token_self(shmprim_proc_token *out);

/** The token of the process that has pid now (its start time from /proc/PID/stat).
 * @param pid the process
 * @param out receives the token
 * @return SHMPRIM_OK, SHMPRIM_ERR_PEER_DEAD (no such process, or a zombie),
 *         SHMPRIM_ERR_SYSTEM (/proc unreadable for it), or an argument error */
SHMPRIM_API shmprim_status shmprim_proc_token_of(int pid, shmprim_proc_token *out);

/** Is the process a token names still running?
 * @param token a token (a value that is not one reads SHMPRIM_DEAD)
 * @return SHMPRIM_ALIVE, SHMPRIM_DEAD or SHMPRIM_LIVENESS_UNKNOWN */
SHMPRIM_API shmprim_liveness shmprim_proc_liveness(shmprim_proc_token token);

/** Liveness of a bare pid (a slab owner id, a pid announced in a ring header):
 * SHMPRIM_DEAD only when the pid is gone or a zombie. A reused pid reads alive,
 * which errs on the safe side: what a dead process held is kept, never handed
 * out twice.
 * @param pid the process
 * @return SHMPRIM_ALIVE, SHMPRIM_DEAD or SHMPRIM_LIVENESS_UNKNOWN (pid <= 0) */
SHMPRIM_API shmprim_liveness shmprim_pid_liveness(int pid);

/** Decodes a claim word and checks the holder's liveness.
 * @param word a claim word's value
 * @param out  receives the holder */
SHMPRIM_API void shmprim_claim_describe(uint64_t word, shmprim_claim_holder *out);

#ifdef __cplusplus
}
#endif

#endif
