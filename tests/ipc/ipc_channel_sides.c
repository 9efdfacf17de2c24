/*
 * Exclusive sides between real processes, as in issue 16's trial: while a
 * producer and a consumer stream, a second producer process and then a
 * second consumer process try to take their side. Each try must get
 * SHMPRIM_ERR_CLAIMED naming the real holder's pid (alive), the refused
 * handle must send or receive nothing, and the stream must be undisturbed:
 * every message arrives once, in order, every byte checked, END at the last.
 * Also: processes racing for a fresh side, exactly one wins and the others
 * are told its pid; and a holder taking its own side again is refused.
 *
 *   ipc_channel_sides [TRIES]   tries per intruder; default 1000 (SHMPRIM_LONG=1: 20000)
 */
#include "ipc_channel_common.h"

#define DATA_BYTES 8192u
#define MAX 300u
#define RACERS 6

typedef struct sides_ctl {
	ch_fail fail;
	uint32_t stop;        /* the producer closes after its current message */
	uint64_t sent;        /* messages sent */
	uint64_t received;    /* messages verified */
	uint64_t producer_final;
	uint64_t ended;
	/* intruders */
	uint64_t refused;                  /* tries refused with the right holder */
	uint64_t received_first, received_last; /* the stream's progress at the first and last try */
	/* the race for a fresh side */
	uint32_t go;
	uint32_t winners, losers_right;
	int32_t winner_pid;
	int32_t loser_saw[RACERS];
} sides_ctl;

static int memfd;
static uint64_t seed, tries;
static pid_t producer_pid, consumer_pid;
static sides_ctl *ctl;

#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void open_channel(shmprim_channel *ch)
{
	shmprim_status st = shmprim_channel_open_fd(ch, memfd);

	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "open_fd: %s", shmprim_status_str(st));
}

static void producer(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p, again;
	shmprim_claim_holder h;
	static unsigned char buf[MAX];
	shmprim_status st;
	uint64_t n;

	(void)unused;
	open_channel(&ch);
	st = shmprim_channel_take_producer(&ch, &p, NULL);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer: take: %s", shmprim_status_str(st));
	/* A side is taken once, by this process too. */
	st = shmprim_channel_take_producer(&ch, &again, &h);
	if (st != SHMPRIM_ERR_CLAIMED || h.pid != getpid())
		ch_child_fail(&ctl->fail, "producer: a second take in the holder: %s, holder %d", shmprim_status_str(st),
		              h.pid);
	for (n = 0; !LD(ctl->stop); n++) {
		uint32_t len = ch_len(seed, n, MAX);

		ch_fill(buf, seed, n, len);
		st = shmprim_channel_send_wait(&p, buf, len, 10 * CH_SEC, NULL);
		if (st != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "send_wait of %" PRIu64 ": %s", n, shmprim_status_str(st));
		ST(ctl->sent, n + 1);
	}
	ST(ctl->producer_final, n);
	if (shmprim_channel_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer_close failed");
}

static void consumer(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	static unsigned char buf[MAX];
	shmprim_status st;
	uint64_t n = 0;
	uint32_t len;

	(void)unused;
	open_channel(&ch);
	st = shmprim_channel_take_consumer(&ch, &c, NULL);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "consumer: take: %s", shmprim_status_str(st));
	while ((st = shmprim_channel_recv_wait(&c, buf, sizeof(buf), &len, 10 * CH_SEC, NULL)) == SHMPRIM_OK) {
		if (!ch_check(buf, len, seed, n, MAX))
			ch_child_fail(&ctl->fail, "message %" PRIu64 " (%u bytes) is not the one sent: lost, repeated or torn",
			              n, len);
		ST(ctl->received, ++n);
	}
	if (st != SHMPRIM_ERR_END)
		ch_child_fail(&ctl->fail, "after %" PRIu64 " messages: %s, not END", n, shmprim_status_str(st));
	if (n != LD(ctl->producer_final))
		ch_child_fail(&ctl->fail, "END after %" PRIu64 " messages, %" PRIu64 " sent", n, LD(ctl->producer_final));
	ST(ctl->ended, 1);
}

/* A second producer or consumer: every try refused, naming the holder. */
static void intruder(void *arg)
{
	int producer_side = *(const int *)arg;
	pid_t holder = producer_side ? producer_pid : consumer_pid;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	shmprim_channel_msg view;
	shmprim_claim_holder h;
	unsigned char byte = 1;
	uint32_t len;
	uint64_t i;

	open_channel(&ch);
	ST(ctl->received_first, LD(ctl->received));
	for (i = 0; i < tries; i++) {
		shmprim_status st = producer_side ? shmprim_channel_take_producer(&ch, &p, &h)
		                                  : shmprim_channel_take_consumer(&ch, &c, &h);

		if (st != SHMPRIM_ERR_CLAIMED || h.state != SHMPRIM_SIDE_HELD || h.pid != holder ||
		    h.liveness != SHMPRIM_ALIVE)
			ch_child_fail(&ctl->fail, "second %s, try %" PRIu64 ": %s, state %d, holder pid %d (want %d), "
			              "liveness %d", producer_side ? "producer" : "consumer", i, shmprim_status_str(st),
			              (int)h.state, h.pid, (int)holder, (int)h.liveness);
		/* The refused handle moves nothing. */
		st = producer_side ? shmprim_channel_send(&p, &byte, 1) : shmprim_channel_receive(&c, &view);
		if (st != SHMPRIM_ERR_INVALID_STATE)
			ch_child_fail(&ctl->fail, "a refused handle's %s: %s", producer_side ? "send" : "receive",
			              shmprim_status_str(st));
		if (!producer_side && shmprim_channel_recv(&c, &byte, 1, &len) != SHMPRIM_ERR_INVALID_STATE)
			ch_child_fail(&ctl->fail, "a refused handle's recv moved a message");
		__atomic_add_fetch(&ctl->refused, 1, __ATOMIC_RELAXED);
		ipc_sleep_ns(50000);
	}
	ST(ctl->received_last, LD(ctl->received));
}

/* Racers for the producer side of a fresh channel: one wins and holds it
 * until told; the others must name it. */
static void racer(void *arg)
{
	int i = *(const int *)arg;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_claim_holder h;
	shmprim_status st;

	open_channel(&ch);
	while (!LD(ctl->go))
		;
	st = shmprim_channel_take_producer(&ch, &p, &h);
	if (st == SHMPRIM_OK) {
		ST(ctl->winner_pid, (int32_t)getpid());
		__atomic_add_fetch(&ctl->winners, 1, __ATOMIC_ACQ_REL);
		while (LD(ctl->go) != 2)
			ipc_sleep_ns(100000);
		if (shmprim_channel_producer_leave(&p) != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "the winner's leave failed");
		return;
	}
	/* A lost CAS means a winner holds it: the next round sees it alive. */
	if (st != SHMPRIM_ERR_CLAIMED || h.liveness != SHMPRIM_ALIVE)
		ch_child_fail(&ctl->fail, "racer %d lost with %s (liveness %d), not CLAIMED", i, shmprim_status_str(st),
		              (int)h.liveness);
	ST(ctl->loser_saw[i], (int32_t)h.pid);
}

static void race(void)
{
	shmprim_channel ch;
	pid_t pids[RACERS];
	int ids[RACERS], i, right = 0;
	uint64_t t0;

	IPC_OK(shmprim_channel_create_memfd(&ch, "chan_race", DATA_BYTES, MAX));
	memfd = ch.shm.fd;
	for (i = 0; i < RACERS; i++) {
		ids[i] = i;
		ctl->loser_saw[i] = 0;
		pids[i] = ch_fork(racer, &ids[i]);
	}
	ipc_sleep_ns(20 * CH_MS); /* all mapped and spinning */
	ST(ctl->go, 1);
	t0 = ipc_now_ns();
	for (;;) {
		int done = 0;

		for (i = 0; i < RACERS; i++)
			done += LD(ctl->loser_saw[i]) != 0;
		if (done == RACERS - 1 && LD(ctl->winners) == 1)
			break;
		if (LD(ctl->fail.failed) || LD(ctl->winners) > 1 || ipc_now_ns() - t0 > 10 * CH_SEC)
			IPC_FAIL("race: %u winners, %d losers reported: %s", LD(ctl->winners), done,
			         ctl->fail.failed ? ctl->fail.why : "no message");
		ipc_sleep_ns(100000);
	}
	for (i = 0; i < RACERS; i++) {
		if (pids[i] == ctl->winner_pid)
			continue;
		right += ctl->loser_saw[i] == ctl->winner_pid;
	}
	IPC_CHECK(right == RACERS - 1, "losers naming the winner %d: %d of %d", (int)ctl->winner_pid, right,
	          RACERS - 1);
	ST(ctl->go, 2);
	for (i = 0; i < RACERS; i++)
		ch_finish(pids[i], "racer", ctl->fail.why);
	printf("race for a fresh side: %d processes, 1 winner, the %d others told its pid\n", RACERS, right);
	IPC_OK(shmprim_channel_unmap(&ch));
}

int main(int argc, char **argv)
{
	shmprim_channel ch;
	int producer_side = 1, consumer_side = 0;
	pid_t second;
	uint64_t t0;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	tries = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(1000, 20000);
	seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid());
	ctl = ch_shared(sizeof(*ctl));

	race();

	IPC_OK(shmprim_channel_create_memfd(&ch, "chan_sides", DATA_BYTES, MAX));
	memfd = ch.shm.fd;
	producer_pid = ch_fork(producer, NULL);
	consumer_pid = ch_fork(consumer, NULL);
	t0 = ipc_now_ns();
	while (LD(ctl->received) < 1000) {
		if (LD(ctl->fail.failed) || ipc_now_ns() - t0 > 10 * CH_SEC)
			IPC_FAIL("the stream did not start: %s", ctl->fail.failed ? ctl->fail.why : "no message");
		ipc_sleep_ns(100000);
	}
	second = ch_fork(intruder, &producer_side);
	ch_finish(second, "second producer", ctl->fail.why);
	IPC_CHECK(ctl->received_last > ctl->received_first, "the stream stood still during the tries (%" PRIu64 ")",
	          ctl->received_first);
	second = ch_fork(intruder, &consumer_side);
	ch_finish(second, "second consumer", ctl->fail.why);
	IPC_CHECK(ctl->received_last > ctl->received_first, "the stream stood still during the tries (%" PRIu64 ")",
	          ctl->received_first);
	ST(ctl->stop, 1);
	ch_finish(producer_pid, "producer", ctl->fail.why);
	ch_finish(consumer_pid, "consumer", ctl->fail.why);
	IPC_CHECK(ctl->ended == 1 && ctl->received == ctl->producer_final,
	          "received %" PRIu64 " of %" PRIu64, ctl->received, ctl->producer_final);
	IPC_CHECK(ctl->refused == 2 * tries, "refused %" PRIu64 " of %" PRIu64 " tries", ctl->refused, 2 * tries);
	printf("channel sides (%s): a second producer and a second consumer refused %" PRIu64 " times each, naming "
	       "the holders %d and %d; the stream went on: %" PRIu64 " messages, each once, in order, END at the last\n",
	       shmprim_backend_name(), tries, (int)producer_pid, (int)consumer_pid, ctl->received);
	IPC_OK(shmprim_channel_unmap(&ch));
	return 0;
}
