#include <shmprim/status.h>

#include "../backends/shmprim_atomic.h"

const char *shmprim_status_str(shmprim_status status)
{
	switch (status) {
	case SHMPRIM_OK: return "ok";
	case SHMPRIM_ERR_NULL_ARGUMENT: return "a required pointer argument is NULL";
	case SHMPRIM_ERR_MISALIGNED: return "offset or pointer is not aligned as the layout requires";
	case SHMPRIM_ERR_REGION_TOO_SMALL: return "the structure does not fit in the region";
	case SHMPRIM_ERR_BAD_CAPACITY: return "ring capacity must be a power of two between 1 and 2^31";
	case SHMPRIM_ERR_BAD_ENTRY_SIZE: return "ring entry size must be between 1 and 1 MiB";
	case SHMPRIM_ERR_BAD_SLOT_COUNT: return "slab slot count must be between 1 and 2^30";
	case SHMPRIM_ERR_BAD_SLOT_SIZE: return "slab slot size must be between 1 and 16 MiB";
	case SHMPRIM_ERR_BAD_MAGIC: return "header magic does not match: not this kind of structure, or not initialised";
	case SHMPRIM_ERR_WRONG_ENDIAN: return "header was written by a machine of the other byte order";
	case SHMPRIM_ERR_BAD_VERSION: return "header layout version is not supported by this build";
	case SHMPRIM_ERR_BAD_GEOMETRY: return "header geometry is inconsistent (derived sizes, flags or reserved bytes)";
	case SHMPRIM_ERR_BAD_CHECKSUM: return "header checksum does not match its fields";
	case SHMPRIM_ERR_CORRUPT: return "shared state is corrupt (index out of range or impossible state)";
	case SHMPRIM_ERR_CONTENDED: return "retry bound hit under contention; nothing was changed, try again";
	case SHMPRIM_ERR_INVALID_INDEX: return "slot index is out of range";
	case SHMPRIM_ERR_GENERATION_MISMATCH: return "slot handle is stale: generation mismatch";
	case SHMPRIM_ERR_INVALID_STATE: return "slot is not in the state this operation requires";
	case SHMPRIM_ERR_NO_MEMORY: return "out of memory";
	case SHMPRIM_ERR_SYSTEM: return "an OS call failed (see the errno kept with it)";
	case SHMPRIM_ERR_NOT_SEALED: return "shared memory fd is not sealed against resizing (F_SEAL_SHRINK|F_SEAL_GROW)";
	case SHMPRIM_ERR_TIMED_OUT: return "timed out";
	case SHMPRIM_ERR_PEER_DEAD: return "the peer process has exited";
	case SHMPRIM_ERR_INVALID_ARGUMENT: return "an argument is out of its documented range";
	case SHMPRIM_ERR_UNEXPECTED_GEOMETRY: return "header is valid but its geometry (sizes, counts) is not the one expected";
	case SHMPRIM_ERR_OVERLAP: return "the structure would run past its declared extent, over a neighbouring one";
	case SHMPRIM_ERR_WRONG_OWNER: return "named shared memory is owned by another user than expected";
	case SHMPRIM_ERR_INSECURE_MODE: return "named shared memory is writable by group or others, or not a regular file";
	case SHMPRIM_ERR_PEER_REFUSED: return "the peer's credentials are not allowed by the rendezvous policy";
	case SHMPRIM_ERR_PROTOCOL: return "rendezvous protocol error: malformed or truncated message, wrong fds, or closed early";
	case SHMPRIM_ERR_EMPTY: return "nothing to receive yet";
	case SHMPRIM_ERR_FULL: return "no room to send yet";
	case SHMPRIM_ERR_END: return "the sender closed and everything it sent has been received";
	case SHMPRIM_ERR_CLOSED: return "the receiver closed the channel";
	case SHMPRIM_ERR_CLAIMED: return "this side is held by another live process";
	case SHMPRIM_ERR_CLAIM_LOST: return "this side's claim was taken over or overwritten: the handle no longer holds it";
	case SHMPRIM_ERR_MESSAGE_SIZE: return "message length is 0 or above the maximum, or the receive buffer is too small";
	case SHMPRIM_STATUS_COUNT_: break;
	}
	return "unknown shmprim status";
}

const char *shmprim_backend_name(void)
{
	return SP_BACKEND_NAME;
}
