/*
 * A hostile peer scribbles over the whole channel (header, claim words,
 * released, sent, records) while a victim uses both of its sides. Built like
 * ipc_scribble.c: AddressSanitizer and UndefinedBehaviorSanitizer (aborting
 * on the first report) and the library's loop counter; the channel lies in
 * a memfd mapped between PROT_NONE guard pages.
 *
 * In turn the victim is the producer (send, loan + send_loan or cancel,
 * send_batch, send_wait, re-take after CLAIM_LOST or CLOSED, leave or close)
 * and the consumer (receive, receive_batch, recv, release, receive_wait,
 * recv_wait, re-take, leave or close). The other side is driven by the same
 * thread, lightly, so that records keep flowing round the ring (and its
 * calls are held to the same checks). Every call is checked:
 *   - it returns a status documented for that call (channel.h), and one a
 *     handle's own state allows (no INVALID_STATE while the side is held);
 *   - every view and loan lies inside the data area, with a length in
 *     1..max_message, and the views received since the last release never
 *     overlap (each stays valid until release);
 *   - no call runs more than a fixed number of loop iterations (counted by
 *     the library), so none can hang; alarm() catches a hang outside them;
 *   - no crash, no access outside the mapping, no undefined behaviour.
 *
 *   ipc_channel_scribble [SCRIBBLES_PER_ROLE] [thread|process|both]
 *     default 2x10^6 scribbles per role from a scribbler thread, then half
 *     that from a forked scribbler through its own mapping (SHMPRIM_LONG=1:
 *     10^8)
 */
#include "ipc_common.h"

#include <shmprim/channel.h>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/test_hooks.h"

#define DATA_BYTES 1024u
#define MAX_MESSAGE 200u
#define BATCH 6u
#define HELD_VIEWS 64u
/* Loop iterations one call may take: a takeover's walk of the records (at
 * most DATA_BYTES / 8 + 1 headers) after the claim's bounded CAS rounds (8),
 * or a batch of BATCH messages (a few per message); with room to spare, but
 * far below what a hang would count. */
#define LOOP_BOUND (DATA_BYTES / 8u + 8u * BATCH + 32u)
#define CTL_OFF 4096u /* the forked scribbler's counter, outside the channel */

enum role { PRODUCER, CONSUMER, ROLES };
static const char *role_name[ROLES] = { "producer", "consumer" };

static shmprim_shm shm;
static shmprim_channel ch;
static size_t channel_bytes;
static volatile uint64_t scribbles;
static volatile int stop_scribbling;
static unsigned long worst_loops;
static uint64_t calls, refusals, corrupt_seen, lost_seen, views_seen, reinits;

/* ---- checks ---- */

static unsigned long loops_before;

static void begin(void)
{
	loops_before = shmprim_loop_count;
}

static void end(const char *call, shmprim_status st)
{
	unsigned long used = shmprim_loop_count - loops_before;

	if (used > worst_loops)
		worst_loops = used;
	if (used > LOOP_BOUND)
		IPC_FAIL("%s ran %lu loop iterations (bound %u)", call, used, LOOP_BOUND);
	if (st == SHMPRIM_ERR_CORRUPT)
		corrupt_seen++;
	if (st == SHMPRIM_ERR_CLAIM_LOST)
		lost_seen++;
	calls++;
}

static int one_of(shmprim_status st, const shmprim_status *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st == ok[i])
			return 1;
	return 0;
}

#define EXPECT(call, st, ...)                                                                    \
	do {                                                                                     \
		static const shmprim_status ok_[] = { __VA_ARGS__ };                             \
		if (!one_of((st), ok_, sizeof(ok_) / sizeof(ok_[0])))                            \
			IPC_FAIL("%s returned %s, not one documented for it", (call),             \
			         shmprim_status_str(st));                                         \
	} while (0)

/* take_producer / take_consumer */
#define TAKE_STATUSES SHMPRIM_OK, SHMPRIM_ERR_CLAIMED, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_CONTENDED, SHMPRIM_ERR_CORRUPT
/* loan and send (a side held, no loan open: never INVALID_STATE) */
#define SEND_STATUSES SHMPRIM_OK, SHMPRIM_ERR_FULL, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_MESSAGE_SIZE, \
	SHMPRIM_ERR_CLAIM_LOST, SHMPRIM_ERR_CORRUPT
/* receive (held) */
#define RECEIVE_STATUSES SHMPRIM_OK, SHMPRIM_ERR_EMPTY, SHMPRIM_ERR_END, SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_CLAIM_LOST

static void check_area(const char *call, const void *p, uint32_t len)
{
	const unsigned char *lo = ch.data, *hi = lo + ch.data_bytes, *b = p;

	if (!b || b < lo || b > hi || len > (size_t)(hi - b))
		IPC_FAIL("%s: %u bytes at %p outside the data area [%p, %p)", call, len, p, (const void *)lo,
		         (const void *)hi);
	if (len == 0 || len > ch.max_message)
		IPC_FAIL("%s: length %u outside 1..%u", call, len, ch.max_message);
}

/* The consumer's views since its last release: each must lie in the data
 * area, and none may overlap another (it is valid until release). */
typedef struct views {
	const unsigned char *at[HELD_VIEWS];
	uint32_t len[HELD_VIEWS];
	uint32_t n;
} views;

static void view_add(views *v, const char *call, const shmprim_channel_msg *m)
{
	const unsigned char *b = m->data;
	uint32_t i;

	check_area(call, m->data, m->len);
	views_seen++;
	for (i = 0; i < v->n; i++)
		if (b < v->at[i] + v->len[i] && v->at[i] < b + m->len)
			IPC_FAIL("%s: a view [%p, +%u) overlaps one not yet released [%p, +%u)", call, m->data,
			         m->len, (const void *)v->at[i], v->len[i]);
	if (v->n < HELD_VIEWS) {
		v->at[v->n] = b;
		v->len[v->n++] = m->len;
	}
}

/* ---- the scribbler ---- */

static uint64_t nasty(ipc_rng *r, size_t off)
{
	switch (ipc_below(r, 9)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 0xFFFFFFFFull - ipc_below(r, 4);                 /* u32 wrap */
	case 3: return 0x80000000ull | ipc_below(r, 2 * DATA_BYTES);    /* a pad's kind bit */
	case 4: return ipc_below(r, 4 * DATA_BYTES);                    /* small: a position, a length, CLOSED */
	case 5: /* a header that carries the right tag for some lap of this offset */
		return ((uint64_t)(((off + DATA_BYTES * ipc_below(r, 4)) >> 3) + 1) << 32) |
		       (ipc_below(r, 4) ? 1 + ipc_below(r, MAX_MESSAGE + 8) : 0x80000000ull | ipc_below(r, DATA_BYTES + 8));
	case 6: return ((uint64_t)ipc_below(r, 1u << 22) << 42) | ipc_below(r, 1ull << 42); /* a token's shape */
	default: return ipc_rand(r);
	}
}

static void scribble_once(ipc_rng *r, unsigned char *base, size_t len, size_t data_off)
{
	size_t off = (size_t)ipc_below(r, len - 8) & ~(size_t)3;
	uint64_t v = nasty(r, off >= data_off ? off - data_off : 0);

	/* Whole-word, aligned stores (as a peer's atomics would make them), or a
	 * torn half; relaxed atomics, so the scribbler itself is well defined. */
	switch (ipc_below(r, 3)) {
	case 0:
		__atomic_store_n((uint32_t *)(base + off), (uint32_t)v, __ATOMIC_RELAXED);
		break;
	case 1:
		off &= ~(size_t)7;
		__atomic_store_n((uint64_t *)(base + off), v, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_store_n((uint32_t *)(base + (off & ~(size_t)7) + 4 * ipc_below(r, 2)), (uint32_t)(v >> 32),
		                 __ATOMIC_RELAXED);
		break;
	}
}

/* Where: a quarter on the header's mutable lines (sent, released, the
 * claims), a quarter on the immutable line (a re-attach sees it), the rest
 * anywhere in the channel, records included. */
static void scribble_channel(ipc_rng *r, unsigned char *base)
{
	switch (ipc_below(r, 4)) {
	case 0: scribble_once(r, base + 128, SHMPRIM_CHANNEL_HEADER_SIZE - 128 + 8, (size_t)-1 / 2); break;
	case 1: scribble_once(r, base, 128, (size_t)-1 / 2); break;
	default: scribble_once(r, base, channel_bytes, SHMPRIM_CHANNEL_HEADER_SIZE); break;
	}
}

static void *scribbler(void *arg)
{
	ipc_rng r = { (uint64_t)(uintptr_t)arg };

	while (!stop_scribbling) {
		scribble_channel(&r, shm.base);
		scribbles++;
	}
	return NULL;
}

/* ---- the victim ---- */

static void reinit(void)
{
	IPC_OK(shmprim_channel_init(&ch, shmprim_shm_region(&shm), 0, DATA_BYTES, MAX_MESSAGE));
	reinits++;
}

/* A re-attach, as a restarted process would: refused (counted) or the
 * geometry it must have. */
static int reattach(void)
{
	shmprim_channel again;
	shmprim_status st;

	begin();
	st = shmprim_channel_attach_expect(&again, shmprim_shm_region(&shm), 0, DATA_BYTES, MAX_MESSAGE);
	end("attach_expect", st);
	EXPECT("attach_expect", st, SHMPRIM_OK, SHMPRIM_ERR_BAD_MAGIC, SHMPRIM_ERR_WRONG_ENDIAN, SHMPRIM_ERR_BAD_VERSION,
	       SHMPRIM_ERR_BAD_GEOMETRY, SHMPRIM_ERR_BAD_CHECKSUM, SHMPRIM_ERR_UNEXPECTED_GEOMETRY);
	if (st != SHMPRIM_OK) {
		refusals++;
		return 0;
	}
	if (again.data != ch.data || again.data_bytes != DATA_BYTES || again.max_message != MAX_MESSAGE)
		IPC_FAIL("attach_expect gave another geometry%s", "");
	return 1;
}

typedef struct sides {
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	int have_p, have_c, loan_open;
	views v;
} sides;

static void take_p(sides *s)
{
	shmprim_claim_holder h;
	shmprim_status st;

	begin();
	st = shmprim_channel_take_producer(&ch, &s->p, &h);
	end("take_producer", st);
	EXPECT("take_producer", st, TAKE_STATUSES);
	s->have_p = st == SHMPRIM_OK;
	s->loan_open = 0;
	if (!s->have_p)
		refusals++;
}

static void take_c(sides *s)
{
	shmprim_claim_holder h;
	shmprim_status st;

	begin();
	st = shmprim_channel_take_consumer(&ch, &s->c, &h);
	end("take_consumer", st);
	EXPECT("take_consumer", st, TAKE_STATUSES);
	s->have_c = st == SHMPRIM_OK;
	s->v.n = 0;
	if (!s->have_c)
		refusals++;
}

/* Gives a side back (leave or close): OK, or CLAIM_LOST when the word no
 * longer holds this side's token. */
static void drop_p(sides *s, ipc_rng *r)
{
	shmprim_status st;
	int close = ipc_below(r, 8) == 0;

	if (!s->have_p)
		return;
	begin();
	st = close ? shmprim_channel_producer_close(&s->p) : shmprim_channel_producer_leave(&s->p);
	end("producer leave/close", st);
	EXPECT("producer leave/close", st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
	s->have_p = 0;
	s->loan_open = 0;
}

static void drop_c(sides *s, ipc_rng *r)
{
	shmprim_status st;
	int close = ipc_below(r, 8) == 0;

	if (!s->have_c)
		return;
	begin();
	st = close ? shmprim_channel_consumer_close(&s->c) : shmprim_channel_consumer_leave(&s->c);
	end("consumer leave/close", st);
	EXPECT("consumer leave/close", st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
	s->have_c = 0;
}

/* A length: mostly valid, sometimes 0 or above the maximum. */
static uint32_t some_len(ipc_rng *r)
{
	uint32_t k = (uint32_t)ipc_below(r, 32);

	return k == 0 ? 0 : k == 1 ? MAX_MESSAGE + 1 + (uint32_t)ipc_below(r, 64) : 1 + (uint32_t)ipc_below(r, MAX_MESSAGE);
}

static void producer_op(sides *s, ipc_rng *r)
{
	static unsigned char msg[MAX_MESSAGE + 64];
	uint32_t len = some_len(r), op = (uint32_t)ipc_below(r, 10);
	shmprim_status st;

	if (!s->have_p) {
		take_p(s);
		return;
	}
	memset(msg, (int)len, len);
	begin();
	if (s->loan_open) {
		if (op & 1) {
			st = shmprim_channel_send_loan(&s->p, len);
			end("send_loan", st);
			EXPECT("send_loan", st, SHMPRIM_OK, SHMPRIM_ERR_MESSAGE_SIZE);
			s->loan_open = st != SHMPRIM_OK;
		} else {
			st = shmprim_channel_cancel_loan(&s->p);
			end("cancel_loan", st);
			EXPECT("cancel_loan", st, SHMPRIM_OK);
			s->loan_open = 0;
		}
	} else if (op < 4) {
		st = shmprim_channel_send(&s->p, msg, len);
		end("send", st);
		EXPECT("send", st, SEND_STATUSES);
	} else if (op < 7) {
		void *buf = NULL;

		st = shmprim_channel_loan(&s->p, len, &buf);
		end("loan", st);
		EXPECT("loan", st, SEND_STATUSES);
		if (st == SHMPRIM_OK) {
			check_area("loan", buf, len);
			memset(buf, 0x5A, len); /* ASan: every byte loaned is ours to write */
			s->loan_open = 1;
		}
	} else if (op < 9) {
		shmprim_channel_msg m[BATCH];
		uint32_t n = (uint32_t)ipc_below(r, BATCH + 1), i, sent = 99;

		for (i = 0; i < n; i++) {
			m[i].data = msg;
			m[i].len = i == 0 ? len : 1 + (uint32_t)ipc_below(r, MAX_MESSAGE);
		}
		st = shmprim_channel_send_batch(&s->p, m, n, &sent);
		end("send_batch", st);
		EXPECT("send_batch", st, SEND_STATUSES);
		if (sent > n || (st == SHMPRIM_OK) != (sent == n))
			IPC_FAIL("send_batch sent %u of %u with %s", sent, n, shmprim_status_str(st));
	} else {
		shmprim_wait_opts o = { 0 };

		o.check_ns = 1; /* a peer check on every clock read */
		st = shmprim_channel_send_wait(&s->p, msg, len ? len : 1, 0, &o);
		end("send_wait", st);
		EXPECT("send_wait", st, SHMPRIM_OK, SHMPRIM_ERR_CLOSED, SHMPRIM_ERR_MESSAGE_SIZE, SHMPRIM_ERR_CLAIM_LOST,
		       SHMPRIM_ERR_CORRUPT, SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_TIMED_OUT);
	}
	if (st == SHMPRIM_ERR_CLAIM_LOST || st == SHMPRIM_ERR_CLOSED) {
		/* Someone else holds the side, or the consumer closed: give the side
		 * back (CLAIM_LOST is documented there too) and take it again. */
		drop_p(s, r);
		take_p(s);
	}
	if (s->have_p && ipc_below(r, 16) == 0) {
		shmprim_channel_peer_info info;

		begin();
		st = shmprim_channel_producer_peer(&s->p, &info);
		end("producer_peer", st);
		EXPECT("producer_peer", st, SHMPRIM_OK);
	}
}

static void consumer_op(sides *s, ipc_rng *r)
{
	uint32_t op = (uint32_t)ipc_below(r, 12);
	shmprim_channel_msg m;
	shmprim_status st;

	if (!s->have_c) {
		take_c(s);
		return;
	}
	begin();
	if (op < 4) {
		st = shmprim_channel_receive(&s->c, &m);
		end("receive", st);
		EXPECT("receive", st, RECEIVE_STATUSES);
		if (st == SHMPRIM_OK)
			view_add(&s->v, "receive", &m);
	} else if (op < 6) {
		shmprim_channel_msg got[BATCH];
		uint32_t n = (uint32_t)ipc_below(r, BATCH + 1), k = 99, i;

		st = shmprim_channel_receive_batch(&s->c, got, n, &k);
		end("receive_batch", st);
		EXPECT("receive_batch", st, RECEIVE_STATUSES);
		if (k > n || (k > 0 && st != SHMPRIM_OK))
			IPC_FAIL("receive_batch got %u of %u with %s", k, n, shmprim_status_str(st));
		for (i = 0; i < k; i++)
			view_add(&s->v, "receive_batch", &got[i]);
	} else if (op < 8) {
		st = shmprim_channel_release(&s->c);
		end("release", st);
		EXPECT("release", st, SHMPRIM_OK, SHMPRIM_ERR_CLAIM_LOST);
		s->v.n = 0;
	} else if (op < 10) {
		unsigned char buf[MAX_MESSAGE];
		uint32_t cap = ipc_below(r, 4) ? MAX_MESSAGE : (uint32_t)ipc_below(r, MAX_MESSAGE), len = 0;

		st = shmprim_channel_recv(&s->c, buf, cap, &len);
		end("recv", st);
		EXPECT("recv", st, RECEIVE_STATUSES, SHMPRIM_ERR_MESSAGE_SIZE);
		if (st == SHMPRIM_OK && (len == 0 || len > cap))
			IPC_FAIL("recv copied %u bytes into %u", len, cap);
		if (st == SHMPRIM_ERR_MESSAGE_SIZE && (len <= cap || len > MAX_MESSAGE))
			IPC_FAIL("recv: MESSAGE_SIZE with a length needed of %u (cap %u)", len, cap);
		if (st == SHMPRIM_OK)
			s->v.n = 0; /* recv releases */
	} else {
		shmprim_wait_opts o = { 0 };

		o.check_ns = 1;
		if (op == 10) {
			st = shmprim_channel_receive_wait(&s->c, &m, 0, &o);
			end("receive_wait", st);
			EXPECT("receive_wait", st, RECEIVE_STATUSES, SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_TIMED_OUT);
			if (st == SHMPRIM_OK)
				view_add(&s->v, "receive_wait", &m);
		} else {
			unsigned char buf[MAX_MESSAGE];
			uint32_t len = 0;

			st = shmprim_channel_recv_wait(&s->c, buf, sizeof(buf), &len, 0, &o);
			end("recv_wait", st);
			EXPECT("recv_wait", st, RECEIVE_STATUSES, SHMPRIM_ERR_PEER_DEAD, SHMPRIM_ERR_TIMED_OUT);
			if (st == SHMPRIM_OK) {
				if (len == 0 || len > MAX_MESSAGE)
					IPC_FAIL("recv_wait: length %u", len);
				s->v.n = 0;
			}
		}
	}
	if (st == SHMPRIM_ERR_CLAIM_LOST || (st == SHMPRIM_ERR_END && ipc_below(r, 4) == 0)) {
		drop_c(s, r);
		take_c(s);
	}
	if (s->have_c && ipc_below(r, 16) == 0) {
		shmprim_channel_peer_info info;

		begin();
		st = shmprim_channel_consumer_peer(&s->c, &info);
		end("consumer_peer", st);
		EXPECT("consumer_peer", st, SHMPRIM_OK);
		if (info.bytes_in_flight > DATA_BYTES)
			IPC_FAIL("bytes_in_flight %" PRIu64 " above the data area", info.bytes_in_flight);
	}
}

/* One round: (re-)attach, take both sides, 200 calls (3 of 4 on the role's
 * side), then leave or close. */
static void victim_round(enum role role, ipc_rng *r)
{
	sides s;
	int i;

	memset(&s, 0, sizeof(s));
	if (ipc_below(r, 8) == 0 && !reattach())
		return;
	take_p(&s);
	take_c(&s);
	for (i = 0; i < 200; i++) {
		int mine = ipc_below(r, 4) != 0;

		if ((role == PRODUCER) == mine)
			producer_op(&s, r);
		else
			consumer_op(&s, r);
	}
	drop_p(&s, r);
	drop_c(&s, r);
}

static void run_role(enum role role, uint64_t target, int as_process, uint64_t seed)
{
	ipc_rng r = { seed };
	pthread_t t;
	pid_t pid = 0;
	uint64_t start = scribbles, rounds = 0, t0 = ipc_now_ns(), calls0 = calls;
	volatile uint64_t *counter = &scribbles;

	reinit();
	stop_scribbling = 0;
	if (as_process) {
		/* The scribbler in another process, through its own mapping; it
		 * counts its scribbles in the control block past the channel. */
		volatile uint64_t *shared = (volatile uint64_t *)((unsigned char *)shm.base + CTL_OFF);

		*shared = 0;
		counter = shared;
		start = 0;
		pid = fork();
		if (pid < 0)
			IPC_FAIL("fork: %s", strerror(errno));
		if (pid == 0) {
			shmprim_shm mine;
			ipc_rng rr = { seed ^ 0xABCDEF };

			if (shmprim_shm_open_fd(&mine, shm.fd, 0) != SHMPRIM_OK)
				_exit(2);
			for (;;) {
				scribble_channel(&rr, mine.base);
				__atomic_add_fetch((uint64_t *)((unsigned char *)mine.base + CTL_OFF), 1, __ATOMIC_RELAXED);
			}
		}
	} else {
		pthread_create(&t, NULL, scribbler, (void *)(uintptr_t)(seed | 1));
	}
	while (*counter - start < target || rounds < 200) {
		victim_round(role, &r);
		/* A peer that re-initialises, too: CLOSED is for good, and the
		 * scribbler outpaces the victim, so this keeps valid records coming. */
		if (++rounds % 4 == 0)
			reinit();
	}
	if (as_process) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		stop_scribbling = 1;
		pthread_join(t, NULL);
	}
	printf("%-8s (%s scribbler): %" PRIu64 " scribbles, %" PRIu64 " victim rounds, %" PRIu64 " calls, %.1f s, "
	       "0 crashes, 0 hangs\n",
	       role_name[role], as_process ? "process" : "thread", *counter - start, rounds, calls - calls0,
	       (double)(ipc_now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	uint64_t target = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(2000000, 100000000);
	const char *mode = argc > 2 ? argv[2] : "both";
	uint64_t seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid() * 7919);
	int role;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(900); /* a hang is a failure */
	channel_bytes = shmprim_channel_required_size(DATA_BYTES);
	IPC_CHECK(channel_bytes + 8 <= CTL_OFF, "channel of %zu bytes", channel_bytes);
	IPC_OK(shmprim_shm_create_memfd(&shm, "channel-scribble", CTL_OFF + 4096, SHMPRIM_SHM_GUARD_PAGES));
	for (role = 0; role < ROLES; role++) {
		if (strcmp(mode, "process") != 0)
			run_role((enum role)role, target, 0, seed + (uint64_t)role);
		if (strcmp(mode, "thread") != 0)
			run_role((enum role)role, target / 2, 1, seed + 100 + (uint64_t)role);
	}
	printf("channel scribble test (%s): %" PRIu64 " calls, %" PRIu64 " views checked, %" PRIu64
	       " refusals (attach, take), %" PRIu64 " CORRUPT, %" PRIu64 " CLAIM_LOST, %" PRIu64
	       " re-inits, worst call %lu loop iterations (bound %u), seed %" PRIu64 "\n",
	       shmprim_backend_name(), calls, views_seen, refusals, corrupt_seen, lost_seen, reinits, worst_loops,
	       LOOP_BOUND, seed);
	shmprim_shm_close(&shm);
	return 0;
}
