/*
 * How a channel ends, between real processes (<shmprim/channel.h>, "Ending"):
 *   - the producer closes and exits: the consumer receives every message,
 *     then END, and END again after the producer is reaped (never PEER_DEAD);
 *   - the consumer closes and exits: the producer's sends return CLOSED,
 *     also after the consumer is reaped (never PEER_DEAD);
 *   - the producer leaves and exits: the consumer sees nothing (TIMED_OUT,
 *     not END nor PEER_DEAD), and a successor takes the side and goes on;
 *   - the producer is SIGKILLed (quiet, or mid-stream; reaped, or left a
 *     zombie): the consumer in recv_wait receives everything sent, then
 *     PEER_DEAD within the bound: one check interval (20 ms by default) plus
 *     SLACK for a loaded machine, measured from the kill;
 *   - the consumer is SIGKILLed while the producer still has room and makes
 *     progress: send_wait returns PEER_DEAD within the same bound.
 *
 *   ipc_channel_close [TRIALS]   kill trials per case; default 10 (SHMPRIM_LONG=1: 100)
 */
#include "ipc_channel_common.h"

#define DATA_BYTES (64u * 1024u)
#define BIG_DATA (4u * 1024u * 1024u)
#define MAX 500u
#define CHECK_NS (20 * CH_MS) /* SHMPRIM_WAIT_DEFAULT_CHECK_NS, what channel.h states */
#define SLACK_NS (200 * CH_MS)

typedef struct close_ctl {
	ch_fail fail;
	uint64_t count;     /* messages to send */
	uint64_t sending;   /* the message being sent */
	uint64_t sent_done; /* sends completed */
	uint64_t received;
	uint64_t first;     /* the successor's first message */
	uint32_t status;    /* how the blocking side's stream ended */
	uint64_t t_kill, t_status;
	uint64_t sends_after_kill;
	uint64_t in_flight_at_end;
} close_ctl;

static int memfd;
static uint64_t seed;
static close_ctl *ctl;
static uint64_t worst_latency[2];

#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void new_channel(shmprim_channel *ch, uint32_t data_bytes)
{
	memset(ctl, 0, sizeof(*ctl));
	IPC_OK(shmprim_channel_create_memfd(ch, "chan_close", data_bytes, MAX));
	memfd = ch->shm.fd;
}

static void child_producer(shmprim_channel *ch, shmprim_channel_producer *p, shmprim_claim_holder *h)
{
	shmprim_status st = shmprim_channel_open_fd(ch, memfd);

	if (st == SHMPRIM_OK)
		st = shmprim_channel_take_producer(ch, p, h);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer: open or take: %s", shmprim_status_str(st));
}

static void child_consumer(shmprim_channel *ch, shmprim_channel_consumer *c)
{
	shmprim_status st = shmprim_channel_open_fd(ch, memfd);

	if (st == SHMPRIM_OK)
		st = shmprim_channel_take_consumer(ch, c, NULL);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "consumer: open or take: %s", shmprim_status_str(st));
}

/* Sends messages first .. count-1 with send_wait, recording progress. */
static void send_from(shmprim_channel_producer *p, uint64_t first)
{
	static unsigned char buf[MAX];
	uint64_t n;

	for (n = first; n < LD(ctl->count); n++) {
		uint32_t len = ch_len(seed, n, MAX);
		shmprim_status st;

		ch_fill(buf, seed, n, len);
		ST(ctl->sending, n);
		st = shmprim_channel_send_wait(p, buf, len, 10 * CH_SEC, NULL);
		if (st != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "send_wait of %" PRIu64 ": %s", n, shmprim_status_str(st));
		ST(ctl->sent_done, n + 1);
	}
}

/* Receives with recv_wait from message n on, checking each, until a status
 * that is not OK; returns it (and the time it came in ctl->t_status). */
static shmprim_status receive_from(shmprim_channel_consumer *c, uint64_t *n, uint64_t timeout_ns)
{
	static unsigned char buf[MAX];
	shmprim_status st;
	uint32_t len;

	while ((st = shmprim_channel_recv_wait(c, buf, sizeof(buf), &len, timeout_ns, NULL)) == SHMPRIM_OK) {
		if (!ch_check(buf, len, seed, *n, MAX))
			return SHMPRIM_ERR_CORRUPT;
		ST(ctl->received, ++*n);
	}
	ST(ctl->t_status, ipc_now_ns());
	return st;
}

/* ---- close, leave ---- */

static void producer_then_close(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p;

	(void)unused;
	child_producer(&ch, &p, NULL);
	send_from(&p, 0);
	if (shmprim_channel_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer_close failed");
}

static void producer_close_gives_end(void)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	uint64_t n = 0;
	uint32_t len;
	unsigned char b;
	shmprim_status st;
	pid_t pid;

	new_channel(&ch, DATA_BYTES);
	ctl->count = 20000;
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	pid = ch_fork(producer_then_close, NULL);
	st = receive_from(&c, &n, 10 * CH_SEC);
	IPC_CHECK(st == SHMPRIM_ERR_END, "the stream ended with %s after %" PRIu64, shmprim_status_str(st), n);
	IPC_CHECK(n == 20000, "END after %" PRIu64 " of 20000 messages", n);
	ch_finish(pid, "producer", ctl->fail.why);
	/* The closed producer is gone now: still END, never PEER_DEAD. */
	IPC_CHECK(shmprim_channel_recv_wait(&c, &b, 1, &len, 100 * CH_MS, NULL) == SHMPRIM_ERR_END,
	          "after the producer exited: %s", "not END");
	IPC_CHECK(shmprim_channel_recv(&c, &b, 1, &len) == SHMPRIM_ERR_END, "non-blocking: %s", "not END");
	IPC_OK(shmprim_channel_unmap(&ch));
	printf("producer close: 20000 messages, then END, END again after its exit\n");
}

static void consumer_then_close(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	static unsigned char buf[MAX];
	uint32_t len;
	uint64_t n;

	(void)unused;
	child_consumer(&ch, &c);
	for (n = 0; n < 5000; n++) {
		shmprim_status st = shmprim_channel_recv_wait(&c, buf, sizeof(buf), &len, 10 * CH_SEC, NULL);

		if (st != SHMPRIM_OK || !ch_check(buf, len, seed, n, MAX))
			ch_child_fail(&ctl->fail, "consumer: message %" PRIu64 ": %s", n, shmprim_status_str(st));
	}
	ST(ctl->received, n);
	if (shmprim_channel_consumer_close(&c) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "consumer_close failed");
}

static void consumer_close_gives_closed(void)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	static unsigned char buf[MAX];
	void *at;
	uint64_t n;
	shmprim_status st;
	pid_t pid;

	new_channel(&ch, DATA_BYTES);
	IPC_OK(shmprim_channel_take_producer(&ch, &p, NULL));
	pid = ch_fork(consumer_then_close, NULL);
	for (n = 0;; n++) {
		uint32_t len = ch_len(seed, n, MAX);

		ch_fill(buf, seed, n, len);
		st = shmprim_channel_send_wait(&p, buf, len, 10 * CH_SEC, NULL);
		if (st != SHMPRIM_OK)
			break;
	}
	IPC_CHECK(st == SHMPRIM_ERR_CLOSED, "the producer got %s after %" PRIu64 " sends", shmprim_status_str(st), n);
	ch_finish(pid, "consumer", ctl->fail.why);
	IPC_CHECK(ctl->received == 5000 && n >= 5000, "the consumer read %" PRIu64 ", the producer sent %" PRIu64,
	          ctl->received, n);
	/* The closed consumer is gone now: still CLOSED, never PEER_DEAD. */
	st = shmprim_channel_send_wait(&p, buf, 1, 100 * CH_MS, NULL);
	IPC_CHECK(st == SHMPRIM_ERR_CLOSED, "send_wait after the consumer exited: %s", shmprim_status_str(st));
	st = shmprim_channel_send(&p, buf, 1);
	IPC_CHECK(st == SHMPRIM_ERR_CLOSED, "send after the consumer exited: %s", shmprim_status_str(st));
	st = shmprim_channel_loan(&p, 1, &at);
	IPC_CHECK(st == SHMPRIM_ERR_CLOSED, "loan after the consumer exited: %s", shmprim_status_str(st));
	IPC_OK(shmprim_channel_unmap(&ch));
	printf("consumer close: it read 5000, the producer's send %" PRIu64 " got CLOSED, CLOSED again after its "
	       "exit\n", n);
}

static void producer_then_leave(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p;

	(void)unused;
	child_producer(&ch, &p, NULL);
	send_from(&p, 0);
	if (shmprim_channel_producer_leave(&p) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer_leave failed");
}

static void successor(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_claim_holder h;

	(void)unused;
	child_producer(&ch, &p, &h);
	if (h.state != SHMPRIM_SIDE_FREE)
		ch_child_fail(&ctl->fail, "the successor found state %d, not FREE, after a leave", (int)h.state);
	/* It goes on right after the last message sent: the consumer checks. */
	send_from(&p, LD(ctl->first));
	if (shmprim_channel_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer_close failed");
}

static void producer_leave_is_silent(void)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	uint64_t n = 0;
	shmprim_status st;
	pid_t pid;

	new_channel(&ch, DATA_BYTES);
	ctl->count = 3000;
	IPC_OK(shmprim_channel_take_consumer(&ch, &c, NULL));
	pid = ch_fork(producer_then_leave, NULL);
	st = receive_from(&c, &n, 300 * CH_MS);
	IPC_CHECK(st == SHMPRIM_ERR_TIMED_OUT && n == 3000, "after a leave: %s after %" PRIu64 " of 3000",
	          shmprim_status_str(st), n);
	ch_finish(pid, "producer", ctl->fail.why);
	st = receive_from(&c, &n, 100 * CH_MS);
	IPC_CHECK(st == SHMPRIM_ERR_TIMED_OUT, "after the left producer exited: %s", shmprim_status_str(st));
	ctl->first = 3000;
	ctl->count = 6000;
	pid = ch_fork(successor, NULL);
	st = receive_from(&c, &n, 10 * CH_SEC);
	IPC_CHECK(st == SHMPRIM_ERR_END && n == 6000, "the successor's stream: %s after %" PRIu64 " of 6000",
	          shmprim_status_str(st), n);
	ch_finish(pid, "successor", ctl->fail.why);
	IPC_OK(shmprim_channel_unmap(&ch));
	printf("producer leave: 3000 messages, then nothing (TIMED_OUT, also after its exit); a successor sent "
	       "3000 more in sequence, then END\n");
}

/* ---- death ---- */

static void producer_for_kill(void *arg)
{
	int quiet = *(const int *)arg;
	shmprim_channel ch;
	shmprim_channel_producer p;

	child_producer(&ch, &p, NULL);
	send_from(&p, 0);
	if (!quiet)
		ch_child_fail(&ctl->fail, "the producer reached its count before the kill");
	for (;;)
		pause(); /* sent all: waits for its kill */
}

static void consumer_until_status(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	uint64_t n = 0;

	(void)unused;
	child_consumer(&ch, &c);
	ST(ctl->status, (uint32_t)receive_from(&c, &n, 10 * CH_SEC));
}

static void check_latency(int which, const char *what)
{
	uint64_t t_kill = LD(ctl->t_kill), t_status = LD(ctl->t_status);

	IPC_CHECK(t_status >= t_kill, "%s: PEER_DEAD %.1f ms before the kill", what, (double)(t_kill - t_status) / 1e6);
	IPC_CHECK(t_status - t_kill < CHECK_NS + SLACK_NS, "%s: PEER_DEAD %.1f ms after the kill", what,
	          (double)(t_status - t_kill) / 1e6);
	if (t_status - t_kill > worst_latency[which])
		worst_latency[which] = t_status - t_kill;
}

/* quiet: the producer sent count and waits; else it is killed mid-stream. */
static void producer_killed(int quiet, int zombie, ipc_rng *rng)
{
	shmprim_channel ch;
	pid_t prod, cons;
	uint64_t s, t0;
	int status;

	new_channel(&ch, DATA_BYTES);
	ctl->count = quiet ? 1 + ipc_below(rng, 3000) : UINT64_MAX;
	cons = ch_fork(consumer_until_status, NULL);
	prod = ch_fork(producer_for_kill, &quiet);
	t0 = ipc_now_ns();
	if (quiet) {
		while (LD(ctl->received) < ctl->count) {
			if (LD(ctl->fail.failed) || ipc_now_ns() - t0 > 10 * CH_SEC)
				IPC_FAIL("quiet kill: received %" PRIu64 " of %" PRIu64 ": %s", LD(ctl->received),
				         ctl->count, ctl->fail.failed ? ctl->fail.why : "no message");
			ipc_sleep_ns(100000);
		}
		ipc_sleep_ns((5 + ipc_below(rng, 30)) * CH_MS); /* the consumer asleep in recv_wait */
	} else {
		/* Killed mid-stream, once it holds the side (else nobody died). */
		while (LD(ctl->sent_done) == 0) {
			if (LD(ctl->fail.failed) || ipc_now_ns() - t0 > 10 * CH_SEC)
				IPC_FAIL("streaming kill: the producer did not start: %s",
				         ctl->fail.failed ? ctl->fail.why : "no message");
			ipc_sleep_ns(100000);
		}
		ipc_sleep_ns(ipc_below(rng, 20) * CH_MS);
	}
	ST(ctl->t_kill, ipc_now_ns());
	kill(prod, SIGKILL);
	if (!zombie && waitpid(prod, &status, 0) != prod)
		IPC_FAIL("waitpid: %s", strerror(errno));
	ch_finish(cons, "consumer", ctl->fail.why);
	if (zombie && waitpid(prod, &status, 0) != prod)
		IPC_FAIL("waitpid: %s", strerror(errno));
	IPC_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the producer ended by itself (0x%x): %s",
	          status, ctl->fail.failed ? ctl->fail.why : "no message");
	IPC_CHECK(ctl->status == SHMPRIM_ERR_PEER_DEAD, "the consumer's stream ended with %s",
	          shmprim_status_str((shmprim_status)ctl->status));
	s = ctl->sent_done;
	/* Everything whose send completed; the one under way whole or not at all. */
	IPC_CHECK(ctl->received == s || (ctl->received == s + 1 && ctl->sending == s),
	          "received %" PRIu64 ", sends completed %" PRIu64 " (sending %" PRIu64 ")", ctl->received, s,
	          ctl->sending);
	check_latency(0, quiet ? "quiet producer killed" : "streaming producer killed");
	IPC_OK(shmprim_channel_unmap(&ch));
}

static void consumer_for_kill(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	uint64_t n = 0;
	shmprim_status st;

	(void)unused;
	child_consumer(&ch, &c);
	st = receive_from(&c, &n, 30 * CH_SEC);
	ch_child_fail(&ctl->fail, "the consumer's stream ended before its kill: %s (%d)", shmprim_status_str(st),
	              (int)st);
}

/* Paced sends (one per 40 us, 10 MB/s at most): the data area never fills. */
static void paced_producer(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_peer_info info;
	static unsigned char buf[MAX];
	uint64_t n, next = ipc_now_ns();
	shmprim_status st;

	(void)unused;
	child_producer(&ch, &p, NULL);
	for (n = 0;; n++) {
		uint32_t len = ch_len(seed, n, MAX);
		uint64_t t_kill;

		while (ipc_now_ns() < next)
			;
		next += 40000;
		ch_fill(buf, seed, n, len);
		st = shmprim_channel_send_wait(&p, buf, len, 10 * CH_SEC, NULL);
		if (st != SHMPRIM_OK)
			break;
		t_kill = LD(ctl->t_kill);
		if (t_kill != 0 && ipc_now_ns() > t_kill)
			ctl->sends_after_kill++;
	}
	ST(ctl->t_status, ipc_now_ns());
	(void)shmprim_channel_producer_peer(&p, &info);
	ctl->in_flight_at_end = info.bytes_in_flight;
	ST(ctl->status, (uint32_t)st);
}

static void consumer_killed(int zombie, ipc_rng *rng)
{
	shmprim_channel ch;
	pid_t prod, cons;
	uint64_t t0;
	int status;

	new_channel(&ch, BIG_DATA);
	cons = ch_fork(consumer_for_kill, NULL);
	prod = ch_fork(paced_producer, NULL);
	t0 = ipc_now_ns();
	while (LD(ctl->received) < 500) {
		if (LD(ctl->fail.failed) || ipc_now_ns() - t0 > 10 * CH_SEC)
			IPC_FAIL("paced stream: %s", ctl->fail.failed ? ctl->fail.why : "did not start");
		ipc_sleep_ns(100000);
	}
	ipc_sleep_ns(ipc_below(rng, 10) * CH_MS);
	ST(ctl->t_kill, ipc_now_ns());
	kill(cons, SIGKILL);
	if (!zombie && waitpid(cons, &status, 0) != cons)
		IPC_FAIL("waitpid: %s", strerror(errno));
	ch_finish(prod, "producer", ctl->fail.why);
	if (zombie && waitpid(cons, &status, 0) != cons)
		IPC_FAIL("waitpid: %s", strerror(errno));
	IPC_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the consumer ended by itself (0x%x): %s",
	          status, ctl->fail.failed ? ctl->fail.why : "no message");
	IPC_CHECK(ctl->status == SHMPRIM_ERR_PEER_DEAD, "the producer's stream ended with %s",
	          shmprim_status_str((shmprim_status)ctl->status));
	/* It was making progress: sends went through after the kill, with room left. */
	IPC_CHECK(ctl->sends_after_kill > 0, "no send completed after the kill%s", "");
	IPC_CHECK(ctl->in_flight_at_end + 2 * (MAX + 8) < BIG_DATA, "the data area filled (%" PRIu64 " bytes in flight)",
	          ctl->in_flight_at_end);
	check_latency(1, "consumer killed");
	IPC_OK(shmprim_channel_unmap(&ch));
}

int main(int argc, char **argv)
{
	uint64_t trials = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(10, 100), t;
	ipc_rng rng;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid());
	rng.s = seed;
	ctl = ch_shared(sizeof(*ctl));

	producer_close_gives_end();
	consumer_close_gives_closed();
	producer_leave_is_silent();
	for (t = 0; t < trials; t++) {
		producer_killed(1, (int)(t & 1), &rng);
		producer_killed(0, (int)(t & 1), &rng);
		consumer_killed((int)(t & 1), &rng);
	}
	printf("channel close and death (%s): %" PRIu64 " producer kills (half quiet, half mid-stream), %" PRIu64
	       " consumer kills while the producer made progress, half left as zombies; PEER_DEAD at most %.1f ms "
	       "(consumer side) and %.1f ms (producer side) after the kill (bound: %.0f + %.0f ms); seed %" PRIu64 "\n",
	       shmprim_backend_name(), 2 * trials, trials, (double)worst_latency[0] / 1e6,
	       (double)worst_latency[1] / 1e6, (double)CHECK_NS / 1e6, (double)SLACK_NS / 1e6, seed);
	return 0;
}
