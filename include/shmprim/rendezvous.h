/** @file
 * A rendezvous (Linux): hands a sealed memfd only to a peer that a policy
 * allows, over an AF_UNIX socket.
 *
 * The server listens on a filesystem path or an abstract name ("@name"). A
 * client connects and says hello; the server reads the client's credentials
 * from the kernel (SO_PEERCRED, and a pidfd through SO_PEERPIDFD where the
 * kernel has it), checks them against its policy, then either refuses or
 * passes the memfd (and up to SHMPRIM_RV_MAX_EXTRA_FDS other fds, e.g.
 * eventfds) with SCM_RIGHTS, and closes the connection. The client checks
 * the server's credentials against its own policy, then the fd: a regular
 * file carrying F_SEAL_SHRINK | F_SEAL_GROW whose size is the one the
 * server announced; it maps it. Attaching the ring or slab in it (their
 * header checks) is the client's next step.
 *
 * Everything received is untrusted: messages are fixed-size, read with a
 * deadline, every field checked; fds that come with a bad message, or more
 * than expected, are closed, never kept. Statuses: SHMPRIM_ERR_PEER_REFUSED
 * (a policy said no, on either side), SHMPRIM_ERR_PROTOCOL (malformed,
 * truncated or oversized message, wrong fd count, the connection closed
 * early, a size other than announced), SHMPRIM_ERR_BAD_VERSION (another wire
 * version), SHMPRIM_ERR_NOT_SEALED (the fd is not a size-sealed memfd),
 * SHMPRIM_ERR_TIMED_OUT (the peer stalled past the deadline),
 * SHMPRIM_ERR_SYSTEM (an OS call failed; sys_errno and sys_call say which).
 *
 * A server answers one client per accept call, in turn: a client that
 * stalls holds the next one back until its deadline.
 */
#ifndef SHMPRIM_RENDEZVOUS_H
#define SHMPRIM_RENDEZVOUS_H

#include <stdint.h>
#include <shmprim/shm.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Other fds an offer may carry besides the memfd. */
#define SHMPRIM_RV_MAX_EXTRA_FDS 4u
/** Longest address: a path, or "@" and an abstract name (sun_path's size less one). */
#define SHMPRIM_RV_ADDRESS_MAX 107u

/* How shmprim_peer_id.pidfd was obtained. */
#define SHMPRIM_PIDFD_NONE 0        /**< pidfd_source: no pidfd (kernel without pidfds, or pid not visible) */
#define SHMPRIM_PIDFD_FROM_SOCKET 1 /**< pidfd_source: SO_PEERPIDFD (Linux 6.5+): the connecting process itself */
#define SHMPRIM_PIDFD_FROM_PID 2    /**< pidfd_source: pidfd_open(pid) afterwards: if the peer died in between,
                                     * the pid may already name another process */

/** Who is at the other end, as the kernel saw it when the socket was connected
 * (the server's side: when it called listen). */
typedef struct shmprim_peer_id {
	/** effective uid */
	uint32_t uid;
	/** effective gid */
	uint32_t gid;
	int32_t pid;      /**< 0 when the peer's pid is not visible from this pid namespace */
	int pidfd;        /**< -1 when none; owned here: shmprim_peer_id_close closes it */
	int pidfd_source; /**< SHMPRIM_PIDFD_*: how pidfd was obtained */
} shmprim_peer_id;

/** A policy's own check: returns nonzero to let the peer in.
 * @param peer who connected
 * @param arg  the policy's check_arg */
typedef int (*shmprim_rv_check_fn)(const shmprim_peer_id *peer, void *arg);

/** Who may be the peer. A NULL policy, or one with no list entries and no
 * callback, allows only this process's effective uid. Otherwise the peer is
 * allowed when its uid is in uids, or its gid in gids, or check says so. */
typedef struct shmprim_rv_policy {
	/** uids allowed (n_uids of them; may be NULL if 0) */
	const uint32_t *uids;
	/** entries in uids */
	unsigned n_uids;
	/** gids allowed (n_gids of them; may be NULL if 0) */
	const uint32_t *gids;
	/** entries in gids */
	unsigned n_gids;
	shmprim_rv_check_fn check; /**< may be NULL */
	/** passed to check */
	void *check_arg;
} shmprim_rv_policy;

/** A listening rendezvous server. */
typedef struct shmprim_rv_server {
	int fd;                    /**< the listening socket, -1 when closed */
	char path[SHMPRIM_RV_ADDRESS_MAX + 1]; /**< filesystem socket to unlink at close; "" if abstract */
	int sys_errno;             /**< errno of the last failed OS call, 0 if none */
	const char *sys_call;      /**< that call's name, NULL if none */
} shmprim_rv_server;

/** What accept hands to an allowed client. */
typedef struct shmprim_rv_offer {
	const shmprim_shm *shm;    /**< a sealed memfd (shmprim_shm_create_memfd): its fd and len are sent */
	uint64_t tag;              /**< passed through as is, e.g. which layout the region holds */
	const int *extra_fds;      /**< n_extra <= SHMPRIM_RV_MAX_EXTRA_FDS more fds; may be NULL if 0 */
	/** entries in extra_fds */
	unsigned n_extra;
} shmprim_rv_offer;

/** What connect got. */
typedef struct shmprim_rv_client {
	shmprim_shm shm;                            /**< the server's region, mapped */
	uint64_t tag;                               /**< the offer's tag */
	int extra_fds[SHMPRIM_RV_MAX_EXTRA_FDS];    /**< the offer's other fds (close-on-exec), -1 past n_extra */
	/** how many extra_fds came */
	unsigned n_extra;
	/** who the server is, as the kernel saw it */
	shmprim_peer_id server;
	/** errno of the last failed OS call, 0 if none */
	int sys_errno;
	/** that call's name, NULL if none */
	const char *sys_call;
} shmprim_rv_client;

/** Listens on address: "@name" for the abstract namespace, else a filesystem path
 * (which must not exist: a stale socket is the caller's to remove).
 * @param out     the server to fill
 * @param address "@name" or a path, at most SHMPRIM_RV_ADDRESS_MAX bytes
 * @return SHMPRIM_OK, SHMPRIM_ERR_SYSTEM or an argument error */
SHMPRIM_API shmprim_status shmprim_rv_listen(shmprim_rv_server *out, const char *address);
/** Waits up to timeout_ns for one client and its hello, checks it against policy
 * (NULL: same uid), then sends the offer or a refusal. The client's identity goes
 * to *client (may be NULL) on SHMPRIM_OK and on SHMPRIM_ERR_PEER_REFUSED;
 * the caller closes it with shmprim_peer_id_close.
 * @param srv        a listening server
 * @param policy     who may connect, or NULL for this process's uid
 * @param offer      the memfd (and extra fds) to hand over
 * @param timeout_ns deadline for the whole exchange
 * @param client     receives the client's identity (may be NULL)
 * @return SHMPRIM_OK, or a status listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_rv_accept(shmprim_rv_server *srv, const shmprim_rv_policy *policy,
                                             const shmprim_rv_offer *offer, uint64_t timeout_ns,
                                             shmprim_peer_id *client);
/** Closes the socket and unlinks a filesystem path; a closed server is a no-op.
 * @param srv the server
 * @return SHMPRIM_OK, or the first OS failure */
SHMPRIM_API shmprim_status shmprim_rv_server_close(shmprim_rv_server *srv);

/** Connects to address, checks the server against policy (NULL: same uid), and
 * receives and maps the region within timeout_ns. shm_flags go to
 * shmprim_shm_open_fd (SHMPRIM_SHM_GUARD_PAGES; SHMPRIM_SHM_ALLOW_UNSEALED is
 * ignored: the seals are always required). On failure *out holds nothing open.
 * @param out        the client to fill
 * @param address    the server's address, as given to shmprim_rv_listen()
 * @param policy     who the server may be, or NULL for this process's uid
 * @param timeout_ns deadline for the whole exchange
 * @param shm_flags  SHMPRIM_SHM_GUARD_PAGES or 0
 * @return SHMPRIM_OK, or a status listed at the top of this file */
SHMPRIM_API shmprim_status shmprim_rv_connect(shmprim_rv_client *out, const char *address,
                                              const shmprim_rv_policy *policy, uint64_t timeout_ns,
                                              unsigned shm_flags);
/** Unmaps the region, closes the extra fds and the server's pidfd.
 * @param c the client
 * @return SHMPRIM_OK, or the first OS failure */
SHMPRIM_API shmprim_status shmprim_rv_client_close(shmprim_rv_client *c);

/** Closes id's pidfd (if any); id stays readable.
 * @param id the identity */
SHMPRIM_API void shmprim_peer_id_close(shmprim_peer_id *id);

#ifdef __cplusplus
}
#endif

#endif
