/** @file
 * A channel: messages of any length from 1 byte to a stated maximum, from one
 * producer process to one consumer process, in shared memory.
 *
 * The data area is a byte ring of framed records (layout.h): each message is
 * contiguous, so a producer can write it in place (loan, then send) and a
 * consumer can read it in place (receive a view, then release). Copying
 * forms and batches sit on the same path.
 *
 * Sides are exclusive. Taking the producer or consumer side claims it with
 * this process's token (<shmprim/claim.h>): a second taker, in any process,
 * gets SHMPRIM_ERR_CLAIMED and the holder's pid. When the holder is verified
 * dead, the next taker takes the side over:
 *   - a new producer resumes right after the last message the dead one sent;
 *     a loan it had not sent is dropped;
 *   - a new consumer resumes at the first message the dead one had not
 *     released: messages it had received but not released are delivered
 *     again (at-least-once across a consumer crash; exactly once otherwise).
 *
 * Every call returns a shmprim_status. Ending:
 *   - the producer closes: the consumer receives everything sent, then
 *     SHMPRIM_ERR_END (not a failure);
 *   - the consumer closes: the producer's sends return SHMPRIM_ERR_CLOSED;
 *   - a side leaves (shmprim_channel_*_leave): the side is free again, for a
 *     successor; the peer sees nothing;
 *   - a side dies: the blocking calls return SHMPRIM_ERR_PEER_DEAD within one
 *     check interval (opts->check_ns, 20 ms by default) of the death, also
 *     while they are still making progress; a consumer first receives every
 *     message the dead producer sent. Non-blocking calls report END and
 *     CLOSED at once, and leave death to the blocking calls and to
 *     shmprim_channel_*_peer().
 *
 * Memory the peer shares is untrusted: geometry is copied at open, every
 * record header and the consumer's position are validated before use
 * (SHMPRIM_ERR_CORRUPT otherwise), and every loop is bounded. A view's bytes
 * are the peer's: a hostile producer may change them while they are read;
 * copy before validating what they say.
 *
 * One thread per side handle; the producer and consumer handles are
 * independent. The handles are padded (SHMPRIM_HANDLE_PAD) so that two side
 * by side never share a cache line.
 */
#ifndef SHMPRIM_CHANNEL_H
#define SHMPRIM_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include <shmprim/claim.h>
#include <shmprim/layout.h>
#include <shmprim/region.h>
#include <shmprim/shm.h>
#include <shmprim/status.h>
#include <shmprim/wait.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A channel: where it is and its geometry, copied at create or open. */
typedef struct shmprim_channel {
	/** the header in shared memory */
	shmprim_channel_header *header;
	/** the data area */
	unsigned char *data;
	/** bytes of the data area (a power of two) */
	uint32_t data_bytes;
	/** longest message */
	uint32_t max_message;
	/** the mapping, when create_memfd / create_named / open_fd / open_named made it (fd -1 otherwise) */
	shmprim_shm shm;
} shmprim_channel;

/** A message: bytes and a length. A received one points into the channel. */
typedef struct shmprim_channel_msg {
	/** the bytes */
	const void *data;
	/** how many */
	uint32_t len;
} shmprim_channel_msg;

/** The producer side (one thread). Fields are private. */
typedef struct shmprim_channel_producer {
	/** private: keeps whatever lies before the handle off its lines */
	unsigned char pad_before[SHMPRIM_HANDLE_PAD];
	shmprim_channel_header *header; /**< private */
	unsigned char *data;            /**< private */
	uint32_t data_bytes;            /**< private: geometry copy */
	uint32_t max_message;           /**< private: geometry copy */
	uint64_t head;                  /**< private: where the next record goes */
	uint64_t released_seen;         /**< private: the consumer's position, last read */
	uint64_t token;                 /**< private: this side's claim */
	uint64_t peer_seen;             /**< private: the consumer's claim word, last read */
	uint32_t peer_changes;          /**< private: times that word was seen to change */
	uint32_t loan_len;              /**< private: bytes loaned, 0 = no loan */
	uint64_t loan_at;               /**< private: position of the loaned record */
	uint64_t next_check_ns;         /**< private: when a blocking call next checks the peer */
	uint32_t state;                 /**< private: 1 while the side is held */
	/** private: keeps whatever lies after the handle off its lines */
	unsigned char pad_after[SHMPRIM_HANDLE_PAD];
} shmprim_channel_producer;

/** The consumer side (one thread). Fields are private. */
typedef struct shmprim_channel_consumer {
	/** private: keeps whatever lies before the handle off its lines */
	unsigned char pad_before[SHMPRIM_HANDLE_PAD];
	shmprim_channel_header *header; /**< private */
	const unsigned char *data;      /**< private */
	uint32_t data_bytes;            /**< private: geometry copy */
	uint32_t max_message;           /**< private: geometry copy */
	uint64_t tail;                  /**< private: the next record to receive */
	uint64_t released;              /**< private: the position last released */
	uint64_t token;                 /**< private: this side's claim */
	uint64_t peer_seen;             /**< private: the producer's claim word, last read */
	uint32_t peer_changes;          /**< private: times that word was seen to change */
	uint32_t pending;               /**< private: messages received and not yet released */
	uint64_t next_check_ns;         /**< private: when a blocking call next checks the peer */
	uint32_t state;                 /**< private: 1 while the side is held */
	/** private: keeps whatever lies after the handle off its lines */
	unsigned char pad_after[SHMPRIM_HANDLE_PAD];
} shmprim_channel_consumer;

/** What a side knows of its peer. */
typedef struct shmprim_channel_peer_info {
	/** the peer's claim word, decoded, with a liveness check made now */
	shmprim_claim_holder holder;
	/** times the peer's claim was seen to change since this side was taken (a replaced peer) */
	uint32_t changes;
	/** bytes of records published and not yet released (sent - released, as read now) */
	uint64_t bytes_in_flight;
} shmprim_channel_peer_info;

/** What a channel holds now, read without writing anything (monitoring,
 * shmprim-inspect). Each shared word is read once; the records are walked
 * from the released position like a consumer would, at most one ring. */
typedef struct shmprim_channel_snapshot {
	/** bytes the consumer has released (free-running) */
	uint64_t released;
	/** end of the last record published after released (free-running) */
	uint64_t published_end;
	/** the producer's hint of bytes sent (header word "sent") */
	uint64_t sent_hint;
	/** messages published and not released */
	uint32_t messages;
	/** their bytes (message bytes, not record bytes) */
	uint64_t message_bytes;
	/** the producer side's claim word */
	uint64_t producer_claim;
	/** the consumer side's claim word */
	uint64_t consumer_claim;
	/** the producer's sleeping flag (1: may sleep waiting for room) */
	uint32_t producer_sleeping;
	/** the consumer's sleeping flag (1: may sleep waiting for a message) */
	uint32_t consumer_sleeping;
	/** SHMPRIM_OK, or SHMPRIM_ERR_CORRUPT: the walk stopped at a record no producer writes
	 * (at published_end) or released is not a record boundary */
	shmprim_status records;
} shmprim_channel_snapshot;

/* ---- sizes ---- */

/** Bytes a channel takes (header and data).
 * @param data_bytes bytes of the data area
 * @return the size, 0 if data_bytes is not a power of two in
 *         [SHMPRIM_CHANNEL_MIN_DATA, SHMPRIM_CHANNEL_MAX_DATA] */
SHMPRIM_API size_t shmprim_channel_required_size(uint32_t data_bytes);
/** The longest message a data area of data_bytes can take (a message of that
 * size always fits in an empty channel).
 * @param data_bytes bytes of the data area
 * @return data_bytes / 2 - 8, 0 if data_bytes is invalid */
SHMPRIM_API uint32_t shmprim_channel_max_message_for(uint32_t data_bytes);

/* ---- creating and opening ---- */

/** Writes a fresh, empty channel in a region at an offset (a multiple of
 * SHMPRIM_ALIGN): nobody holds either side.
 * @param ch          receives the channel
 * @param region      where it goes
 * @param offset      its header's offset in region
 * @param data_bytes  bytes of the data area: a power of two in [64, 2^30]
 * @param max_message longest message: 1 .. shmprim_channel_max_message_for(data_bytes)
 * @return SHMPRIM_OK, SHMPRIM_ERR_INVALID_ARGUMENT (data_bytes), SHMPRIM_ERR_MESSAGE_SIZE
 *         (max_message), SHMPRIM_ERR_MISALIGNED, SHMPRIM_ERR_REGION_TOO_SMALL, SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_init(shmprim_channel *ch, shmprim_region region, size_t offset,
                                                uint32_t data_bytes, uint32_t max_message);
/** Opens the channel another process wrote at offset: checks the header
 * (magic, byte order, version, geometry, checksum, reserved bytes) and that
 * it lies inside the region, and copies the geometry.
 * @param ch     receives the channel
 * @param region the region
 * @param offset the header's offset
 * @return SHMPRIM_OK or what the check found (BAD_MAGIC, WRONG_ENDIAN, BAD_VERSION,
 *         BAD_GEOMETRY, BAD_CHECKSUM, MISALIGNED, REGION_TOO_SMALL, NULL_ARGUMENT) */
SHMPRIM_API shmprim_status shmprim_channel_attach(shmprim_channel *ch, shmprim_region region, size_t offset);
/** attach, and SHMPRIM_ERR_UNEXPECTED_GEOMETRY unless the channel has exactly
 * this data_bytes and max_message.
 * @param ch          receives the channel
 * @param region      the region
 * @param offset      the header's offset
 * @param data_bytes  the data area expected
 * @param max_message the longest message expected
 * @return as attach, or SHMPRIM_ERR_UNEXPECTED_GEOMETRY */
SHMPRIM_API shmprim_status shmprim_channel_attach_expect(shmprim_channel *ch, shmprim_region region,
                                                         size_t offset, uint32_t data_bytes, uint32_t max_message);
/** Creates a size-sealed memfd holding a fresh channel (one call); hand its fd
 * (ch->shm.fd) to the peer (fork, SCM_RIGHTS, <shmprim/rendezvous.h>).
 * @param ch          receives the channel and its mapping
 * @param name        the memfd's name (for /proc; need not be unique)
 * @param data_bytes  as for init
 * @param max_message as for init
 * @return as init, or an error of shmprim_shm_create_memfd */
SHMPRIM_API shmprim_status shmprim_channel_create_memfd(shmprim_channel *ch, const char *name, uint32_t data_bytes,
                                                        uint32_t max_message);
/** Maps a channel's memfd (it must carry the size seals) and opens the channel at offset 0.
 * @param ch receives the channel and its mapping (the fd is dup'ed: the caller keeps its own)
 * @param fd the memfd
 * @return as attach, or an error of shmprim_shm_open_fd */
SHMPRIM_API shmprim_status shmprim_channel_open_fd(shmprim_channel *ch, int fd);
/** Creates a POSIX named object (mode 0600) holding a fresh channel.
 * @param ch          receives the channel and its mapping
 * @param name        "/name"
 * @param data_bytes  as for init
 * @param max_message as for init
 * @return as init, or an error of shmprim_shm_create_named */
SHMPRIM_API shmprim_status shmprim_channel_create_named(shmprim_channel *ch, const char *name, uint32_t data_bytes,
                                                        uint32_t max_message);
/** Opens a channel in a POSIX named object (owned by this uid, not writable by others).
 * @param ch   receives the channel and its mapping
 * @param name "/name"
 * @return as attach, or an error of shmprim_shm_open_named */
SHMPRIM_API shmprim_status shmprim_channel_open_named(shmprim_channel *ch, const char *name);
/** Unmaps what create_* or open_* mapped (a no-op for the region forms). Side
 * handles taken from ch must not be used after.
 * @param ch the channel
 * @return SHMPRIM_OK, or the first OS failure */
SHMPRIM_API shmprim_status shmprim_channel_unmap(shmprim_channel *ch);

/** Reads what the channel holds now (see shmprim_channel_snapshot); writes nothing.
 * @param ch  an opened channel
 * @param out receives it
 * @return SHMPRIM_OK or SHMPRIM_ERR_NULL_ARGUMENT (a corrupt record is reported in out->records) */
SHMPRIM_API shmprim_status shmprim_channel_snapshot_of(const shmprim_channel *ch, shmprim_channel_snapshot *out);

/* ---- sides ---- */

/** Takes the producer side (see the top of this file for takeover).
 * @param ch     the channel
 * @param p      receives the producer handle
 * @param holder receives who held the side: on SHMPRIM_ERR_CLAIMED, the live holder;
 *               on SHMPRIM_OK, whom it was taken over from (state FREE if nobody) (may be NULL)
 * @return SHMPRIM_OK, SHMPRIM_ERR_CLAIMED, SHMPRIM_ERR_CLOSED (closed for good),
 *         SHMPRIM_ERR_CONTENDED, SHMPRIM_ERR_CORRUPT (a takeover found the records inconsistent) */
SHMPRIM_API shmprim_status shmprim_channel_take_producer(shmprim_channel *ch, shmprim_channel_producer *p,
                                                         shmprim_claim_holder *holder);
/** Takes the consumer side (see the top of this file for takeover).
 * @param ch     the channel
 * @param c      receives the consumer handle
 * @param holder as for take_producer (may be NULL)
 * @return as take_producer */
SHMPRIM_API shmprim_status shmprim_channel_take_consumer(shmprim_channel *ch, shmprim_channel_consumer *c,
                                                         shmprim_claim_holder *holder);
/** Closes the producer side for good, after everything sent: the consumer
 * receives it all, then SHMPRIM_ERR_END. A loan not sent is dropped.
 * @param p the producer
 * @return SHMPRIM_OK, or SHMPRIM_ERR_CLAIM_LOST (someone else holds the side: nothing done) */
SHMPRIM_API shmprim_status shmprim_channel_producer_close(shmprim_channel_producer *p);
/** Gives the producer side back without closing: a successor may take it and
 * go on; the consumer sees nothing. A loan not sent is dropped.
 * @param p the producer
 * @return SHMPRIM_OK or SHMPRIM_ERR_CLAIM_LOST */
SHMPRIM_API shmprim_status shmprim_channel_producer_leave(shmprim_channel_producer *p);
/** Closes the consumer side for good: the producer's sends return SHMPRIM_ERR_CLOSED.
 * @param c the consumer
 * @return SHMPRIM_OK or SHMPRIM_ERR_CLAIM_LOST */
SHMPRIM_API shmprim_status shmprim_channel_consumer_close(shmprim_channel_consumer *c);
/** Gives the consumer side back: a successor resumes at the first message not
 * released (so messages received and not released are delivered again).
 * @param c the consumer
 * @return SHMPRIM_OK or SHMPRIM_ERR_CLAIM_LOST */
SHMPRIM_API shmprim_status shmprim_channel_consumer_leave(shmprim_channel_consumer *c);
/** The consumer, as the producer sees it now.
 * @param p    the producer
 * @param info receives it
 * @return SHMPRIM_OK or SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_producer_peer(shmprim_channel_producer *p,
                                                         shmprim_channel_peer_info *info);
/** The producer, as the consumer sees it now.
 * @param c    the consumer
 * @param info receives it
 * @return SHMPRIM_OK or SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_consumer_peer(shmprim_channel_consumer *c,
                                                         shmprim_channel_peer_info *info);

/* ---- producer: non-blocking ---- */

/** Loans len bytes of contiguous space for one message (zero copy): write the
 * message there, then shmprim_channel_send_loan. One loan at a time.
 * @param p   the producer
 * @param len bytes wanted, 1 .. max_message
 * @param buf receives where to write
 * @return SHMPRIM_OK, SHMPRIM_ERR_FULL, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_MESSAGE_SIZE,
 *         SHMPRIM_ERR_INVALID_STATE (a loan is open), SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT */
SHMPRIM_API shmprim_status shmprim_channel_loan(shmprim_channel_producer *p, uint32_t len, void **buf);
/** Sends the loaned message, len bytes of it (1 .. the loan's length).
 * @param p   the producer
 * @param len the message's length
 * @return SHMPRIM_OK, SHMPRIM_ERR_MESSAGE_SIZE, SHMPRIM_ERR_INVALID_STATE (no loan) */
SHMPRIM_API shmprim_status shmprim_channel_send_loan(shmprim_channel_producer *p, uint32_t len);
/** Drops the open loan (nothing is sent).
 * @param p the producer
 * @return SHMPRIM_OK, SHMPRIM_ERR_INVALID_STATE (no loan) */
SHMPRIM_API shmprim_status shmprim_channel_cancel_loan(shmprim_channel_producer *p);
/** Copies one message in and sends it.
 * @param p   the producer
 * @param msg the bytes
 * @param len 1 .. max_message
 * @return as loan */
SHMPRIM_API shmprim_status shmprim_channel_send(shmprim_channel_producer *p, const void *msg, uint32_t len);
/** Sends msgs[0..n) in order, as many as fit; *sent says how many went.
 * @param p    the producer
 * @param msgs the messages
 * @param n    how many
 * @param sent receives how many were sent (may be NULL)
 * @return SHMPRIM_OK when all n went, else why the next one did not (as send) */
SHMPRIM_API shmprim_status shmprim_channel_send_batch(shmprim_channel_producer *p, const shmprim_channel_msg *msgs,
                                                      uint32_t n, uint32_t *sent);

/* ---- consumer: non-blocking ---- */

/** Receives the next message in place: *view points into the channel until
 * shmprim_channel_release. Several may be received before one release.
 * @param c    the consumer
 * @param view receives the message
 * @return SHMPRIM_OK, SHMPRIM_ERR_EMPTY, SHMPRIM_ERR_END, SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_CLAIM_LOST
 *         (checked when nothing is there: another process took the side over) */
SHMPRIM_API shmprim_status shmprim_channel_receive(shmprim_channel_consumer *c, shmprim_channel_msg *view);
/** Receives up to n messages in place; *got says how many.
 * @param c     the consumer
 * @param views receives them
 * @param n     room in views
 * @param got   receives how many (may be NULL)
 * @return SHMPRIM_OK when at least one came, else as receive */
SHMPRIM_API shmprim_status shmprim_channel_receive_batch(shmprim_channel_consumer *c, shmprim_channel_msg *views,
                                                         uint32_t n, uint32_t *got);
/** Gives every received message's space back to the producer (the views are
 * then invalid). A handle whose side another process took over gives nothing
 * back: the successor's position is its own.
 * @param c the consumer
 * @return SHMPRIM_OK (also when nothing was pending), SHMPRIM_ERR_CLAIM_LOST */
SHMPRIM_API shmprim_status shmprim_channel_release(shmprim_channel_consumer *c);
/** Copies the next message out and releases it. Messages received in place
 * and not yet released are released too.
 * @param c   the consumer
 * @param buf where to copy
 * @param cap bytes at buf
 * @param len receives the message's length (also on SHMPRIM_ERR_MESSAGE_SIZE: the length needed;
 *            the message then stays, unreceived)
 * @return as receive, or SHMPRIM_ERR_MESSAGE_SIZE */
SHMPRIM_API shmprim_status shmprim_channel_recv(shmprim_channel_consumer *c, void *buf, uint32_t cap, uint32_t *len);

/* ---- blocking (Linux: futex waits, see <shmprim/wait.h>) ---- */

/** send, waiting up to timeout_ns for room. Also returns SHMPRIM_ERR_PEER_DEAD
 * (the consumer died: checked every opts->check_ns, also while sends succeed)
 * and SHMPRIM_ERR_TIMED_OUT. Wakes a sleeping consumer.
 * @param p          the producer
 * @param msg        the bytes
 * @param len        1 .. max_message
 * @param timeout_ns how long to wait for room
 * @param opts       spin and check interval (opts->peer is ignored: the peer is the claim holder); may be NULL
 * @return as send, or SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_TIMED_OUT */
SHMPRIM_API shmprim_status shmprim_channel_send_wait(shmprim_channel_producer *p, const void *msg, uint32_t len,
                                                     uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** loan, waiting up to timeout_ns for room (as send_wait).
 * @param p          the producer
 * @param len        bytes wanted
 * @param buf        receives where to write
 * @param timeout_ns how long to wait
 * @param opts       as send_wait (may be NULL)
 * @return as send_wait */
SHMPRIM_API shmprim_status shmprim_channel_loan_wait(shmprim_channel_producer *p, uint32_t len, void **buf,
                                                     uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** Wakes the consumer if it sleeps in a blocking call (the non-blocking sends
 * do not: call this after them, e.g. once per batch, when the consumer may block).
 * @param p the producer */
SHMPRIM_API void shmprim_channel_notify_consumer(shmprim_channel_producer *p);
/** recv, waiting up to timeout_ns for a message. SHMPRIM_ERR_PEER_DEAD once
 * everything the dead producer sent has been received.
 * @param c          the consumer
 * @param buf        where to copy
 * @param cap        bytes at buf
 * @param len        as recv
 * @param timeout_ns how long to wait
 * @param opts       as send_wait (may be NULL)
 * @return as recv, or SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_TIMED_OUT */
SHMPRIM_API shmprim_status shmprim_channel_recv_wait(shmprim_channel_consumer *c, void *buf, uint32_t cap,
                                                     uint32_t *len, uint64_t timeout_ns,
                                                     const shmprim_wait_opts *opts);
/** receive, waiting up to timeout_ns (as recv_wait).
 * @param c          the consumer
 * @param view       receives the message
 * @param timeout_ns how long to wait
 * @param opts       as send_wait (may be NULL)
 * @return as recv_wait */
SHMPRIM_API shmprim_status shmprim_channel_receive_wait(shmprim_channel_consumer *c, shmprim_channel_msg *view,
                                                        uint64_t timeout_ns, const shmprim_wait_opts *opts);
/** Wakes the producer if it sleeps waiting for room (release does not: the
 * blocking receives do it after each release).
 * @param c the consumer */
SHMPRIM_API void shmprim_channel_notify_producer(shmprim_channel_consumer *c);

/* ---- fan-in: one consumer thread, many channels (see docs/channel.md, "Fan-in") ---- */

/** Most channels in one fan-in set (futex_waitv's limit of words per call). */
#define SHMPRIM_FANIN_MAX SHMPRIM_WAIT_ANY_MAX
/** The index the fan-in calls report when no channel is meant. */
#define SHMPRIM_FANIN_NONE 0xffffffffu

/** A fan-in set: the consumer sides of up to SHMPRIM_FANIN_MAX channels, held
 * by this thread, served round-robin. Fields are private but for the counters. */
typedef struct shmprim_channel_fanin {
	shmprim_channel_consumer *const *consumers; /**< private: the caller's array (it must outlive the set) */
	uint32_t n;                                 /**< private: entries */
	uint32_t live;                              /**< private: entries not retired */
	uint32_t next;                              /**< private: where the next scan starts */
	uint32_t flags;                             /**< private: init's flags */
	uint32_t retired[SHMPRIM_FANIN_MAX / 32u];  /**< private: one bit per retired entry */
	uint64_t next_check_ns;                     /**< private: when the producers are next checked */
	/** sleeps in futex_waitv so far (monitoring and tests) */
	uint64_t sleeps_waitv;
	/** sleeps in the fallback's polling slices so far */
	uint64_t sleeps_poll;
} shmprim_channel_fanin;

/** Makes a set of n consumer sides (each taken, one thread serves them all).
 * @param f         receives the set
 * @param consumers n consumer handles; the array is used in place, not copied
 * @param n         1 .. SHMPRIM_FANIN_MAX (more: SHMPRIM_ERR_INVALID_ARGUMENT; use one set per thread, or the readiness fds)
 * @param flags     0, or SHMPRIM_WAIT_ANY_POLL: never futex_waitv (the fallback, forced)
 * @return SHMPRIM_OK, SHMPRIM_ERR_NULL_ARGUMENT, SHMPRIM_ERR_INVALID_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_fanin_init(shmprim_channel_fanin *f,
                                                      shmprim_channel_consumer *const *consumers, uint32_t n,
                                                      uint32_t flags);
/** Takes entry index out of the set (it is never reported again), e.g. before
 * closing its channel. The fan-in calls retire an entry themselves when they
 * report it ended.
 * @param f     the set
 * @param index the entry
 * @return SHMPRIM_OK, SHMPRIM_ERR_INVALID_ARGUMENT (out of range or already retired), SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_fanin_remove(shmprim_channel_fanin *f, uint32_t index);
/** Entries not retired.
 * @param f the set
 * @return how many (0 for NULL) */
SHMPRIM_API uint32_t shmprim_channel_fanin_live(const shmprim_channel_fanin *f);
/** Waits until one channel of the set has a message, or has ended, and says
 * which. Channels are looked at round-robin from the one after the entry last
 * reported: serve a bounded batch from consumers[*index] (receive, release,
 * shmprim_channel_notify_producer), then call again; no channel then waits
 * more than n - 1 batches while it has a message.
 * Sleeps on every channel's consumer_sleeping flag at once (futex_waitv, or
 * the polling fallback: <shmprim/wait.h>); the producers' blocking sends and
 * notify_consumer wake it as they wake a single consumer.
 * @param f          the set
 * @param index      receives the entry (SHMPRIM_FANIN_NONE on TIMED_OUT and when none is left)
 * @param timeout_ns for the whole call, spin included; 0 looks once
 * @param opts       spin and check interval (opts->peer is ignored: each peer is its claim holder); may be NULL
 * @return SHMPRIM_OK (a message waits at *index); or, and that entry is then retired:
 *         SHMPRIM_ERR_END (its producer closed, everything received), SHMPRIM_ERR_PEER_DEAD
 *         (its producer died, everything it sent received; checked once per check interval),
 *         SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_INVALID_STATE (not a taken side);
 *         SHMPRIM_ERR_END with *index SHMPRIM_FANIN_NONE when every entry is retired;
 *         SHMPRIM_ERR_TIMED_OUT, SHMPRIM_ERR_SYSTEM, SHMPRIM_ERR_NULL_ARGUMENT */
SHMPRIM_API shmprim_status shmprim_channel_wait_any(shmprim_channel_fanin *f, uint32_t *index, uint64_t timeout_ns,
                                                    const shmprim_wait_opts *opts);
/** Copies out one message from the next channel, round-robin, waiting as
 * wait_any: one message per call, so between two messages of a channel that
 * always has one, at most n - 1 others are served. Wakes that channel's
 * producer if it sleeps for room.
 * @param f          the set
 * @param buf        where to copy
 * @param cap        bytes at buf
 * @param len        receives the length (on SHMPRIM_ERR_MESSAGE_SIZE the length needed: the
 *                   message stays, and the next call starts at that entry)
 * @param index      receives the entry it came from, or the one the status is about
 * @param timeout_ns as wait_any
 * @param opts       as wait_any (may be NULL)
 * @return as wait_any, or SHMPRIM_ERR_MESSAGE_SIZE */
SHMPRIM_API shmprim_status shmprim_channel_recv_any(shmprim_channel_fanin *f, void *buf, uint32_t cap, uint32_t *len,
                                                    uint32_t *index, uint64_t timeout_ns,
                                                    const shmprim_wait_opts *opts);

#ifdef __cplusplus
}
#endif

#endif
