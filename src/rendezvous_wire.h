/*
 * The rendezvous wire format and the two handshakes on a connected socket
 * (src/rendezvous.c), internal: the fuzz target drives them directly.
 *
 * One message is one SOCK_SEQPACKET record of exactly RV_MSG_SIZE bytes in
 * the host's byte order (both sides run on one machine). A client sends
 * HELLO; the server answers OFFER (size and tag, with 1 + extra fds) or
 * REFUSE (no fds) and closes.
 */
#ifndef SHMPRIM_RENDEZVOUS_WIRE_H
#define SHMPRIM_RENDEZVOUS_WIRE_H

#include <stdint.h>
#include <shmprim/rendezvous.h>

#define RV_MAGIC 0x56525053u /* "SPRV" read as a little-endian word */
#define RV_VERSION 1u

enum { RV_HELLO = 1, RV_OFFER = 2, RV_REFUSE = 3 };

typedef struct rv_msg {
	uint32_t magic;
	uint16_t version;
	uint16_t kind;
	uint32_t n_fds;    /* fds sent with this record */
	uint32_t reserved; /* 0 */
	uint64_t size;     /* OFFER: region bytes; 0 otherwise */
	uint64_t tag;      /* OFFER: the offer's tag; 0 otherwise */
} rv_msg;

#define RV_MSG_SIZE 32u
SHMPRIM_STATIC_ASSERT(sizeof(rv_msg) == RV_MSG_SIZE, rv_msg_size);

/* The server's side on an accepted connection: hello, policy, answer.
 * deadline_ns is CLOCK_MONOTONIC. */
shmprim_status rv_server_handshake(int conn, const shmprim_rv_policy *policy, const shmprim_rv_offer *offer,
                                   uint64_t deadline_ns, shmprim_peer_id *client, int *sys_errno,
                                   const char **sys_call);
/* The client's side on a connected socket: policy, hello, answer, fd checks. */
shmprim_status rv_client_handshake(int conn, const shmprim_rv_policy *policy, uint64_t deadline_ns,
                                   unsigned shm_flags, shmprim_rv_client *out);
uint64_t rv_now_ns(void);

#endif
