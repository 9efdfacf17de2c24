/** @file
 * OS shared memory as a region (Linux): an anonymous memfd passed between
 * processes as a file descriptor, or a named POSIX shm_open object.
 *
 * A memfd made here is sealed against resizing (F_SEAL_SHRINK | F_SEAL_GROW,
 * then F_SEAL_SEAL), so no process holding the fd can truncate it under a
 * mapping and turn the other side's next access into SIGBUS; opening an fd
 * checks those seals unless SHMPRIM_SHM_ALLOW_UNSEALED is given. Named
 * objects cannot be sealed: anyone allowed to open the name can truncate it,
 * so use them only between processes that trust each other that far.
 * Opening a name checks who made it: the object must be owned by the
 * expected uid (the caller's effective uid by default) and not writable by
 * group or others, so another local user cannot plant an object under the
 * name and have it used (SHMPRIM_ERR_WRONG_OWNER, SHMPRIM_ERR_INSECURE_MODE).
 * To hand a sealed memfd only to the right peer, see <shmprim/rendezvous.h>.
 *
 * Every failure returns a status; an OS failure returns SHMPRIM_ERR_SYSTEM,
 * leaves errno as the failing call set it and records it with the call's
 * name in the handle (sys_errno, sys_call), even when the call fails before
 * anything was mapped. The handle is private memory; the mapping is shared.
 */
#ifndef SHMPRIM_SHM_H
#define SHMPRIM_SHM_H

#include <stddef.h>
#include <shmprim/region.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* flags */
#define SHMPRIM_SHM_GUARD_PAGES 1u     /**< map between two PROT_NONE pages: a stray access before the region, or
                                        * past its end rounded up to a page, faults */
#define SHMPRIM_SHM_ALLOW_UNSEALED 2u  /**< open_fd: accept an fd without the size seals (e.g. a plain file) */
#define SHMPRIM_SHM_ALLOW_SHARED_MODE 4u /**< open_named: accept an object writable by group or others */

/** create_named's mode when 0 is passed: owner read-write only. */
#define SHMPRIM_SHM_DEFAULT_MODE 0600u

/** Largest region size accepted, so that offsets fit every ABI (32-bit peers included). */
#define SHMPRIM_SHM_MAX_SIZE ((size_t)1 << 30 << 1)

/** A mapped shared-memory object; private memory, the mapping is shared. */
typedef struct shmprim_shm {
	void *base;            /**< the region's first byte (page-aligned), NULL when closed */
	size_t len;            /**< region bytes */
	int fd;                /**< the shared-memory fd, -1 when closed */
	unsigned flags;        /**< SHMPRIM_SHM_* it was made with */
	int sys_errno;         /**< errno of the last failed OS call on this handle, 0 if none */
	const char *sys_call;  /**< name of that call ("mmap", "ftruncate", ...), NULL if none */
	void *map_base;        /**< whole mapping, guard pages included (private) */
	/** its length (private) */
	size_t map_len;
} shmprim_shm;

/** A new anonymous memfd of len bytes (zero-filled), sealed, mapped read-write.
 * name only labels it in `/proc/<pid>/fd` (may be NULL). len in [1, SHMPRIM_SHM_MAX_SIZE].
 * @param out   the handle to fill (closed, with sys_errno/sys_call set, on an OS failure)
 * @param name  a label, or NULL
 * @param len   bytes
 * @param flags SHMPRIM_SHM_GUARD_PAGES or 0
 * @return SHMPRIM_OK, SHMPRIM_ERR_SYSTEM or an argument error */
SHMPRIM_API shmprim_status shmprim_shm_create_memfd(shmprim_shm *out, const char *name, size_t len, unsigned flags);
/** Maps an fd received from a peer (it is duplicated: the caller keeps its own). The size
 * comes from fstat; an fd without F_SEAL_SHRINK and F_SEAL_GROW gives SHMPRIM_ERR_NOT_SEALED
 * unless SHMPRIM_SHM_ALLOW_UNSEALED.
 * @param out   the handle to fill (closed, with sys_errno/sys_call set, on an OS failure)
 * @param fd    the shared-memory fd
 * @param flags SHMPRIM_SHM_GUARD_PAGES, SHMPRIM_SHM_ALLOW_UNSEALED, or 0
 * @return SHMPRIM_OK, SHMPRIM_ERR_NOT_SEALED, SHMPRIM_ERR_SYSTEM or an argument error */
SHMPRIM_API shmprim_status shmprim_shm_open_fd(shmprim_shm *out, int fd, unsigned flags);
/** A new named object ("/name", created exclusively: EEXIST if it exists), len bytes,
 * permissions mode & 0777, or SHMPRIM_SHM_DEFAULT_MODE (0600) when mode is 0
 * (the umask still applies).
 * @param out   the handle to fill (closed, with sys_errno/sys_call set, on an OS failure)
 * @param name  "/name", as shm_open takes it
 * @param len   bytes
 * @param mode  permissions, 0 for SHMPRIM_SHM_DEFAULT_MODE
 * @param flags SHMPRIM_SHM_GUARD_PAGES or 0
 * @return SHMPRIM_OK, SHMPRIM_ERR_SYSTEM or an argument error */
SHMPRIM_API shmprim_status shmprim_shm_create_named(shmprim_shm *out, const char *name, size_t len,
                                                    unsigned mode, unsigned flags);
/** Maps an existing named object, its whole current size, once fstat on the opened fd
 * shows it is a regular file owned by the caller's effective uid
 * (else SHMPRIM_ERR_WRONG_OWNER) and not writable by group or others (else
 * SHMPRIM_ERR_INSECURE_MODE, unless SHMPRIM_SHM_ALLOW_SHARED_MODE). Nothing is
 * mapped when a check fails.
 * @param out   the handle to fill (closed, with sys_errno/sys_call set, on an OS failure)
 * @param name  "/name"
 * @param flags SHMPRIM_SHM_GUARD_PAGES, SHMPRIM_SHM_ALLOW_SHARED_MODE, or 0
 * @return SHMPRIM_OK, or why not */
SHMPRIM_API shmprim_status shmprim_shm_open_named(shmprim_shm *out, const char *name, unsigned flags);
/** As shmprim_shm_open_named(), for an object that expected_uid must own (e.g. a server's uid).
 * @param out   the handle to fill (closed, with sys_errno/sys_call set, on an OS failure)
 * @param name         "/name"
 * @param expected_uid the uid that must own the object
 * @param flags        as for shmprim_shm_open_named()
 * @return SHMPRIM_OK, or why not */
SHMPRIM_API shmprim_status shmprim_shm_open_named_owned(shmprim_shm *out, const char *name,
                                                        unsigned expected_uid, unsigned flags);
/** Removes the name (existing mappings stay valid).
 * @param name      "/name"
 * @param sys_errno receives errno on SHMPRIM_ERR_SYSTEM (may be NULL)
 * @return SHMPRIM_OK or SHMPRIM_ERR_SYSTEM */
SHMPRIM_API shmprim_status shmprim_shm_unlink_named(const char *name, int *sys_errno);
/** Unmaps and closes; the handle becomes closed (base NULL, fd -1). A closed handle
 * (after close, or after a failed create/open) is a no-op.
 * @param shm the handle
 * @return SHMPRIM_OK, or the first failure, after trying both */
SHMPRIM_API shmprim_status shmprim_shm_close(shmprim_shm *shm);
/** The mapping as a region.
 * @param shm the handle
 * @return {base, len}, or {NULL, 0} when closed */
SHMPRIM_API shmprim_region shmprim_shm_region(const shmprim_shm *shm);

#ifdef __cplusplus
}
#endif

#endif
