/** @file
 * Readiness as a file descriptor (Linux): each side of a channel or an SPSC
 * ring gets an fd that poll, epoll, select and io_uring poll report readable
 * when the side has work (a message or entry for the consumer, room for the
 * producer), when the peer closes, and when the peer dies. The channel and
 * the ring are unchanged; this is a layer beside them (docs/events.md has the
 * design and the argument).
 *
 * Parts:
 *   - a doorbell pair (shmprim_ready_bell_pair): a connected pair of
 *     AF_UNIX SOCK_SEQPACKET sockets, one end per side, handed to the peer
 *     with the memfd (fork, SCM_RIGHTS, the rendezvous's extra fds);
 *   - per side, a shmprim_ready: an epoll fd over the side's bell end
 *     and the peer's pidfd. Poll ready->fd (it is one fd in any loop).
 *
 * The loop, consumer side (the producer's is the same with _producer_arm and
 * SHMPRIM_ERR_FULL):
 *
 *     for (;;) {
 *         st = shmprim_channel_consumer_arm(&r);
 *         if (st == SHMPRIM_ERR_EMPTY) { sleep in poll/epoll on r.fd; continue; }
 *         if (st != SHMPRIM_OK) break;                  // END, PEER_DEAD, ...
 *         while (shmprim_channel_receive(c, &m) == SHMPRIM_OK) use(m);
 *         shmprim_channel_release(c);
 *         shmprim_ready_notify(&r);             // a producer may wait for room
 *     }
 *
 * Arm returns EMPTY (consumer) or FULL (producer) when it has armed the fd
 * and nothing is ready: then, and only then, sleep on r.fd. Any other status
 * is the reason not to sleep: SHMPRIM_OK (work is there), SHMPRIM_ERR_END or
 * SHMPRIM_ERR_CLOSED (the peer closed), SHMPRIM_ERR_PEER_DEAD (after everything
 * the dead producer sent), or an error of the channel call. Wake-ups can be
 * spurious: after each, arm again.
 *
 * Ringing: after sends (producer), releases (consumer), close or leave, call
 * shmprim_ready_notify. It rings the peer's bell only when the peer
 * is armed (one load while the peer is busy: two busy sides make no system
 * call per message), and also wakes a peer asleep in the futex blocking calls.
 * The blocking calls and the ring's notify calls wake futex sleepers only (an
 * armed peer's flag is left for shmprim_ready_notify): once either side uses
 * its readiness fd, the other announces through shmprim_ready_notify.
 *
 * The ring (shmprim_spsc_*_ready_open, shmprim_spsc_*_arm) works the same:
 * arm returns EMPTY (consumer) or FULL (producer, no room for one entry) when
 * armed; notify after pushes (it also stores the ring's head, which pushes
 * store only every few entries) and after pops.
 *
 * A hostile peer (it may write any shared word, flood or close its bell end)
 * can cause spurious wake-ups and cost this side system calls; it cannot
 * block this side in a shmprim call, and the peer's death is reported from
 * the kernel (a pidfd). See docs/events.md for what it can and cannot do.
 *
 * Readiness binds two processes: after a side is taken over by another
 * process, make a new bell pair and open the ready objects again. One thread
 * per ready object (the side's thread).
 */
#ifndef SHMPRIM_READY_H
#define SHMPRIM_READY_H

#include <stdint.h>
#include <shmprim/channel.h>
#include <shmprim/spsc.h>
#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One side's readiness fd and what it needs. Fields other than fd and the
 * counters are private. */
typedef struct shmprim_ready {
	/** the fd to poll (an epoll fd): readable = arm again */
	int fd;
	int bell;            /**< private: this side's bell end (a dup) */
	int pidfd;           /**< private: the peer's pidfd, -1 when none */
	int bell_in_set;     /**< private: 1 while the bell end is in the epoll set */
	int pidfd_given;     /**< private: 1 if the caller gave the pidfd (never replaced) */
	int pid_known;       /**< private: 1 once pid_word is set */
	uint32_t kind;       /**< private: 1/2 a channel's producer/consumer, 3/4 a ring's */
	uint64_t pid_word;   /**< private: the claim word pidfd was opened for */
	uint32_t *own_flag;  /**< private: this side's sleeping flag */
	uint32_t *peer_flag; /**< private: the peer's sleeping flag */
	uint64_t *peer_claim;/**< private: the peer's claim word */
	void *side;          /**< private: the side handle */
	/** statistics: times arm armed the fd (returned EMPTY or FULL) */
	uint64_t arms;
	/** statistics: bells rung (one send() each, only when the peer was armed) */
	uint64_t rings;
	/** statistics: futex wakes made for a peer asleep in a blocking call */
	uint64_t futex_wakes;
	/** statistics: system calls arm made (epoll_wait, recv, pidfd upkeep) */
	uint64_t arm_syscalls;
} shmprim_ready;

/** Makes a doorbell pair: ends[0] for the producer, ends[1] for the consumer
 * (close-on-exec). Hand the peer its end, then close your copy of it.
 * @param ends receives the two ends
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_SYSTEM (errno kept) */
SHMPRIM_API shmprim_status shmprim_ready_bell_pair(int ends[2]);

/** Opens the producer's readiness.
 * @param r          receives it
 * @param p          a held producer side (it must outlive r)
 * @param bell       the producer's bell end (dup'ed: the caller keeps its own); must be an AF_UNIX
 *                   SOCK_SEQPACKET socket
 * @param peer_pidfd the consumer's pidfd if the caller has one from the kernel (fork, SO_PEERPIDFD,
 *                   the rendezvous's peer id; dup'ed), or -1: then one is opened for the process
 *                   the consumer's claim word names, and again whenever that word changes
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_INVALID_STATE (side not held),
 *         SHMPRIM_ERR_INVALID_ARGUMENT (bell is not such a socket, peer_pidfd not a pidfd),
 *         SHMPRIM_ERR_SYSTEM (errno kept) */
SHMPRIM_API shmprim_status shmprim_channel_producer_ready_open(shmprim_ready *r, shmprim_channel_producer *p,
                                                               int bell, int peer_pidfd);
/** Opens the consumer's readiness (as shmprim_channel_producer_ready_open).
 * @param r          receives it
 * @param c          a held consumer side (it must outlive r)
 * @param bell       the consumer's bell end (dup'ed)
 * @param peer_pidfd the producer's pidfd, or -1
 * @return as shmprim_channel_producer_ready_open */
SHMPRIM_API shmprim_status shmprim_channel_consumer_ready_open(shmprim_ready *r, shmprim_channel_consumer *c,
                                                               int bell, int peer_pidfd);
/** The fd to poll (also r->fd).
 * @param r  the readiness
 * @param fd receives it
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_INVALID_STATE (closed) */
SHMPRIM_API shmprim_status shmprim_ready_fd(const shmprim_ready *r, int *fd);
/** Before sleeping on the consumer's fd: drains the bell, announces the
 * consumer, and looks again.
 * @param r the consumer's readiness
 * @return SHMPRIM_ERR_EMPTY: armed, nothing ready: sleep on r->fd. Otherwise do not sleep:
 *         SHMPRIM_OK (a message is there), SHMPRIM_ERR_END, SHMPRIM_ERR_PEER_DEAD (nothing left from
 *         the dead producer), SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_INVALID_STATE
 *         (wrong side, closed), SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_consumer_arm(shmprim_ready *r);
/** Before sleeping on the producer's fd until len bytes of room (as consumer_arm).
 * @param r   the producer's readiness
 * @param len the message the producer waits to send, 1 .. max_message
 * @return SHMPRIM_ERR_FULL: armed, no room: sleep on r->fd. Otherwise do not sleep: SHMPRIM_OK
 *         (room for len), SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_MESSAGE_SIZE,
 *         SHMPRIM_ERR_INVALID_STATE (a loan is open, wrong side, closed), SHMPRIM_ERR_CLAIM_LOST,
 *         SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_producer_arm(shmprim_ready *r, uint32_t len);
/** After sends (producer), releases (consumer), close or leave: wakes the
 * peer if it may sleep, on its readiness fd (one send on the bell) or in a
 * futex blocking call. No system call while the peer is not asleep. Never
 * blocks.
 * @param r the readiness
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_INVALID_STATE (closed) */
SHMPRIM_API shmprim_status shmprim_ready_notify(shmprim_ready *r);
/** Opens the readiness of a ring's producer (a claimed side, or one from
 * split: then pass the consumer's pidfd, or death is not watched).
 * @param r          receives it
 * @param p          the producer (it must outlive r)
 * @param bell       as for shmprim_channel_producer_ready_open
 * @param peer_pidfd as for shmprim_channel_producer_ready_open (the claim word read is the ring's consumer_claim)
 * @return as shmprim_channel_producer_ready_open */
SHMPRIM_API shmprim_status shmprim_spsc_producer_ready_open(shmprim_ready *r, shmprim_spsc_producer *p, int bell,
                                                            int peer_pidfd);
/** Opens the readiness of a ring's consumer (as shmprim_spsc_producer_ready_open).
 * @param r          receives it
 * @param c          the consumer (it must outlive r)
 * @param bell       the consumer's bell end
 * @param peer_pidfd the producer's pidfd, or -1
 * @return as shmprim_channel_producer_ready_open */
SHMPRIM_API shmprim_status shmprim_spsc_consumer_ready_open(shmprim_ready *r, shmprim_spsc_consumer *c, int bell,
                                                            int peer_pidfd);
/** Before sleeping on a ring consumer's fd (as shmprim_channel_consumer_arm).
 * @param r the ring consumer's readiness
 * @return SHMPRIM_ERR_EMPTY: armed, nothing ready: sleep on r->fd. Otherwise do not sleep:
 *         SHMPRIM_OK (an entry is there, also after the producer closed), SHMPRIM_ERR_END,
 *         SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_INVALID_STATE,
 *         SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_spsc_consumer_arm(shmprim_ready *r);
/** Before sleeping on a ring producer's fd until room for one entry.
 * @param r the ring producer's readiness
 * @return SHMPRIM_ERR_FULL: armed, no room: sleep on r->fd. Otherwise do not sleep: SHMPRIM_OK
 *         (room), SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT,
 *         SHMPRIM_ERR_INVALID_STATE, SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_spsc_producer_arm(shmprim_ready *r);
/** Closes the fds (not the side: close or leave it, and notify, first).
 * @param r the readiness
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_ready_close(shmprim_ready *r);

#ifdef __cplusplus
}
#endif

#endif
