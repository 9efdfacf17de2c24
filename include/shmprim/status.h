/** @file
 * One status code for every fallible shmprim call. SHMPRIM_OK is 0. */
#ifndef SHMPRIM_STATUS_H
#define SHMPRIM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/** @def SHMPRIM_API
 * Marks a function the library exports (default visibility; the library builds with hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define SHMPRIM_API __attribute__((visibility("default")))
#else
#define SHMPRIM_API
#endif

/** C99 compile-time assert (negative array size on failure), usable at file scope;
 * name makes the typedef unique. */
#define SHMPRIM_STATIC_ASSERT(cond, name) typedef char shmprim_static_assert_##name[(cond) ? 1 : -1]

/** What a fallible call did: SHMPRIM_OK, or why it refused (shmprim_status_str() says it in words). */
typedef enum shmprim_status {
	SHMPRIM_OK = 0,                 /**< success */
	SHMPRIM_ERR_NULL_ARGUMENT,      /**< a required pointer argument is NULL */
	SHMPRIM_ERR_MISALIGNED,         /**< offset or pointer not aligned as the layout requires */
	SHMPRIM_ERR_REGION_TOO_SMALL,   /**< the structure does not fit in the region / buffer */
	SHMPRIM_ERR_BAD_CAPACITY,       /**< ring capacity not a power of two in [1, 2^31] */
	SHMPRIM_ERR_BAD_ENTRY_SIZE,     /**< ring entry size not in [1, SHMPRIM_SPSC_MAX_ENTRY_SIZE] */
	SHMPRIM_ERR_BAD_SLOT_COUNT,     /**< slab slot count not in [1, SHMPRIM_SLAB_MAX_SLOTS] */
	SHMPRIM_ERR_BAD_SLOT_SIZE,      /**< slab slot size not in [1, SHMPRIM_SLAB_MAX_SLOT_SIZE] */
	SHMPRIM_ERR_BAD_MAGIC,          /**< header magic is not this structure's */
	SHMPRIM_ERR_WRONG_ENDIAN,       /**< header written by a machine of the other byte order */
	SHMPRIM_ERR_BAD_VERSION,        /**< header layout version unknown to this build */
	SHMPRIM_ERR_BAD_GEOMETRY,       /**< derived header fields (strides, sizes, flags, reserved bytes) inconsistent */
	SHMPRIM_ERR_BAD_CHECKSUM,       /**< header checksum does not match its immutable fields */
	SHMPRIM_ERR_CORRUPT,            /**< shared state failed validation (index out of range, impossible state) */
	SHMPRIM_ERR_CONTENDED,          /**< a retry bound was hit; the call had no effect and may be retried */
	SHMPRIM_ERR_INVALID_INDEX,      /**< slot handle index >= slot count */
	SHMPRIM_ERR_GENERATION_MISMATCH,/**< slot handle is stale: the slot has been reallocated */
	SHMPRIM_ERR_INVALID_STATE,      /**< slot is not in the state the call requires */
	SHMPRIM_ERR_NO_MEMORY,          /**< allocation failed */
	SHMPRIM_ERR_SYSTEM,             /**< an OS call failed; its errno is kept (errno, and shmprim_shm.sys_errno) */
	SHMPRIM_ERR_NOT_SEALED,         /**< a memfd lacks the size seals (F_SEAL_SHRINK|F_SEAL_GROW) */
	SHMPRIM_ERR_TIMED_OUT,          /**< a blocking call's timeout expired; nothing was done */
	SHMPRIM_ERR_PEER_DEAD,          /**< the watched peer process has exited */
	SHMPRIM_ERR_INVALID_ARGUMENT,   /**< an argument is out of its documented range */
	SHMPRIM_ERR_UNEXPECTED_GEOMETRY,/**< a valid header whose geometry is not what the attacher expects */
	SHMPRIM_ERR_OVERLAP,            /**< the structure would run past the bytes declared for it, or
	                                   declared extents overlap */
	SHMPRIM_ERR_WRONG_OWNER,        /**< a named object is owned by another uid than the expected one */
	SHMPRIM_ERR_INSECURE_MODE,      /**< a named object is writable by group/others, or not a regular file */
	SHMPRIM_ERR_PEER_REFUSED,       /**< a rendezvous policy refused the peer's credentials (either side) */
	SHMPRIM_ERR_PROTOCOL,           /**< a rendezvous message was malformed, truncated, had the wrong fds, or the
	                                 * peer closed the connection early */
	SHMPRIM_ERR_EMPTY,              /**< nothing to receive now (a non-blocking call); the sender is still there */
	SHMPRIM_ERR_FULL,               /**< no room to send now (a non-blocking call); the receiver is still there */
	SHMPRIM_ERR_END,                /**< the sender closed and everything it sent has been received: not a failure */
	SHMPRIM_ERR_CLOSED,             /**< the receiver closed: nothing sent from now on would be read */
	SHMPRIM_ERR_CLAIMED,            /**< the side is held by another process that is alive (or whose death cannot be
	                                 * verified); the holder is reported (shmprim_claim_holder) */
	SHMPRIM_ERR_CLAIM_LOST,         /**< this handle's claim is no longer in shared memory: another process took the
	                                 * side over, or a peer overwrote the claim word */
	SHMPRIM_ERR_MESSAGE_SIZE,       /**< a message length of 0 or above the channel's maximum, or a receive buffer
	                                 * smaller than the message (the needed length is reported) */
	SHMPRIM_STATUS_COUNT_           /**< not a status: number of codes */
} shmprim_status;

/** A readable message for a status.
 * @param status any value, unknown ones included
 * @return a static, never-NULL string */
SHMPRIM_API const char *shmprim_status_str(shmprim_status status);

/** The atomics backend this library was built with.
 * @return "c11", "gcc" or "urcu" (static) */
SHMPRIM_API const char *shmprim_backend_name(void);

#ifdef __cplusplus
}
#endif

#endif
