/*
 * Fan-in between real processes (<shmprim/channel.h>, "fan-in"): 64 producer
 * processes, each on its own channel, one consumer (this process) serving
 * them all with one fan-in set. Every message is checked (producer i's
 * message n: its length and bytes derive from (seed, i, n)), so order, loss
 * and duplication show; counts are exact.
 *   stream    every producer sends M messages with send_wait, then closes:
 *             recv_any gets exactly M from each, in order, then END once per
 *             channel, then END with SHMPRIM_FANIN_NONE.
 *   fairness  63 producers stream flat out while the last (index 63, the one
 *             a scan from 0 would reach last) sends one message at a time and
 *             waits until it is received: between its send and its receipt
 *             the consumer serves at most n - 1 = 63 other messages (the
 *             round-robin bound, see wait_any in channel.h). Asserted for
 *             every one of its messages.
 *   death     one producer is SIGKILLed mid-stream: recv_any reports
 *             PEER_DEAD once, with its index, after everything it sent; its
 *             consumer is closed and its channel unmapped (a later touch
 *             would fault). The other 63 stream until the report (so it
 *             cannot wait for them to go quiet: that fails as no report
 *             within 15 s), then stop; every message they sent and their
 *             END arrive.
 *   wake      64 x 1600 messages (SHMPRIM_FANIN_WAKE_MSGS per producer:
 *             15625, 10^6 in all, in ipc-fanin-*-million); producers sleep at random (0-2 ms, after
 *             3 in 4 of their messages); the consumer uses wait_any + receive_batch with a
 *             check interval of 60 s, so a lost wake-up is not healed by a
 *             periodic look: any wait of 5 s or more fails the test. The consumer
 *             must have slept in the mode under test.
 *   relay     one message in flight at a time, the 64 producers in turn
 *             (6400 messages; 1600 polling): nearly every one is sent while the consumer
 *             sleeps or is about to; a lost wake-up stalls it (5 s: fail).
 *             Built with the test hooks, the consumer also lingers between
 *             finding every channel empty and setting the flags.
 * Each case runs in the mode given: "waitv" (futex_waitv; SKIP, exit 77,
 * where the kernel lacks it) or "poll" (SHMPRIM_WAIT_ANY_POLL, the fallback).
 *
 *   ipc_fanin waitv|poll [CASE...]   default: all cases (SHMPRIM_LONG=1: 10x counts)
 */
#include "ipc_channel_common.h"

#include "../../src/test_hooks.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>

#define N 64u
#define DATA_BYTES (8u * 1024u)
#define MAX 200u
#define SLOW (N - 1u)  /* the fairness case's slow producer */
#define VICTIM 17u     /* the death case's */
#define KILL_AFTER 200u
#define SLOW_MSGS 300u
#define WAKE_LIMIT (5 * CH_SEC)
#define RELAY_ROUNDS 100u /* 25 in poll mode: each message waits up to a slice there */

typedef struct fanin_ctl {
	ch_fail fail;
	uint64_t stop;              /* fairness, death: the streaming producers stop */
	uint64_t sent[N];           /* messages each producer sent before closing */
	uint64_t served;            /* fairness: messages the consumer has finished */
	uint64_t slow_received;     /* fairness: the slow producer's messages received */
	uint64_t slow_sent;         /* fairness: ... sent, with before[] written */
	uint64_t before[SLOW_MSGS]; /* fairness: served, read right after each slow send */
	uint64_t recv_at[SLOW_MSGS];/* fairness: served, when that message was received */
	uint64_t sent_ns[SLOW_MSGS];
	uint64_t recv_ns[SLOW_MSGS];
	uint32_t go[N];             /* relay: producer i may send its next message */
} fanin_ctl;

#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static shmprim_channel ch[N];
static shmprim_channel_consumer cons[N];
static shmprim_channel_consumer *cptr[N];
static pid_t pids[N];
static fanin_ctl *ctl;
static uint64_t seed, msgs, wake_msgs, relay_rounds;
static uint32_t mode_flags;

static uint64_t seed_of(uint32_t i)
{
	return ipc_mix(seed + 1000003u * (i + 1u));
}

/* ---- producers (children) ---- */

enum pace { FLAT, STREAM, JITTER, SLOW_ONE, FOREVER, RELAY };

static uint32_t role_index;
static enum pace role_pace;

static void producer(void *unused)
{
	static unsigned char buf[MAX];
	shmprim_channel_producer p;
	uint32_t i = role_index;
	uint64_t s = seed_of(i), n;
	uint64_t count = role_pace == FOREVER || role_pace == STREAM ? UINT64_MAX
	                 : role_pace == SLOW_ONE                        ? SLOW_MSGS
	                 : role_pace == JITTER                          ? wake_msgs
	                 : role_pace == RELAY                           ? relay_rounds
	                                                                : msgs;
	ipc_rng rng;
	shmprim_status st;

	(void)unused;
	rng.s = s;
	st = shmprim_channel_take_producer(&ch[i], &p, NULL);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer %u: take: %s", i, shmprim_status_str(st));
	for (n = 0; n < count; n++) {
		uint32_t len = ch_len(s, n, MAX);

		if (role_pace == STREAM && LD(ctl->stop))
			break;
		if (role_pace == RELAY) {
			/* My turn: the consumer received the previous producer's message. */
			uint64_t give_up = ipc_now_ns() + 60 * CH_SEC;
			struct timespec slice = {1, 0};

			while (!__atomic_exchange_n(&ctl->go[i], 0, __ATOMIC_ACQUIRE)) {
				if (ipc_now_ns() > give_up)
					ch_child_fail(&ctl->fail, "producer %u: no turn for 60 s", i);
				syscall(SYS_futex, &ctl->go[i], FUTEX_WAIT, 0, &slice, NULL, 0);
			}
			/* Land the send anywhere in the consumer's spin, arm, re-check and sleep. */
			{
				uint64_t until = ipc_now_ns() + ipc_below(&rng, 30000);

				while (ipc_now_ns() < until)
					;
			}
		}
		ch_fill(buf, s, n, len);
		if (role_pace == SLOW_ONE)
			ST(ctl->sent_ns[n], ipc_now_ns());
		st = shmprim_channel_send_wait(&p, buf, len, 20 * CH_SEC, NULL);
		if (st != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "producer %u: send_wait of %" PRIu64 ": %s", i, n, shmprim_status_str(st));
		/* Mostly idle, so that the consumer often finds every channel empty and sleeps. */
		if (role_pace == JITTER && ipc_below(&rng, 4) != 0)
			ipc_sleep_ns(ipc_below(&rng, 2000000));
		if (role_pace == SLOW_ONE) {
			/* send_wait's wake (WK1) fenced the publication before this load. */
			ST(ctl->before[n], LD(ctl->served));
			ST(ctl->slow_sent, n + 1);
			while (LD(ctl->slow_received) <= n) {
				if (getppid() == 1)
					ch_child_fail(&ctl->fail, "slow producer: the consumer is gone");
				sched_yield();
			}
			ipc_sleep_ns(ipc_below(&rng, 300000));
		}
	}
	ST(ctl->sent[i], n);
	st = shmprim_channel_producer_close(&p);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer %u: close: %s", i, shmprim_status_str(st));
}

/* A failing consumer (exit) takes its producers with it, so that none is
 * left waiting for a turn that never comes. */
static pid_t consumer_pid;

static void kill_producers(void)
{
	uint32_t i;

	if (getpid() != consumer_pid)
		return;
	for (i = 0; i < N; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
}

static void start(uint32_t i, enum pace pace)
{
	role_index = i;
	role_pace = pace;
	pids[i] = ch_fork(producer, NULL);
}

/* ---- the consumer (this process) ---- */

static void setup(shmprim_channel_fanin *f)
{
	uint32_t i;

	memset(ctl, 0, sizeof(*ctl));
	for (i = 0; i < N; i++) {
		IPC_OK(shmprim_channel_create_memfd(&ch[i], "fanin", DATA_BYTES, MAX));
		IPC_OK(shmprim_channel_take_consumer(&ch[i], &cons[i], NULL));
		cptr[i] = &cons[i];
		pids[i] = 0;
	}
	IPC_OK(shmprim_channel_fanin_init(f, cptr, N, mode_flags));
}

static void teardown(const char *what, const shmprim_channel_fanin *f)
{
	uint32_t i;

	for (i = 0; i < N; i++) {
		if (pids[i] > 0) {
			ch_finish(pids[i], "producer", ctl->fail.why);
			pids[i] = 0;
		}
		if (ch[i].header) {
			IPC_OK(shmprim_channel_consumer_close(&cons[i]));
			IPC_OK(shmprim_channel_unmap(&ch[i]));
		}
	}
	IPC_CHECK(!ctl->fail.failed, "%s", ctl->fail.why);
	/* The sleeps went where the mode says. */
	if (mode_flags & SHMPRIM_WAIT_ANY_POLL)
		IPC_CHECK(f->sleeps_waitv == 0, "%s: %" PRIu64 " futex_waitv sleeps in poll mode", what, f->sleeps_waitv);
	else
		IPC_CHECK(f->sleeps_poll == 0, "%s: %" PRIu64 " polling sleeps in waitv mode", what, f->sleeps_poll);
}

/* Checks the message producer i sent as its got[i]-th. */
static void check_msg(uint32_t i, const void *m, uint32_t len, uint64_t *got)
{
	IPC_CHECK(i < N, "index %u", i);
	IPC_CHECK(ch_check(m, len, seed_of(i), got[i], MAX), "producer %u message %" PRIu64 " (len %u) is wrong", i,
	          got[i], len);
	got[i]++;
}

static void case_stream(void)
{
	static unsigned char buf[MAX];
	shmprim_channel_fanin f;
	uint64_t got[N], total = 0, t0 = ipc_now_ns();
	uint32_t ended[N], i, idx, len;
	shmprim_status st;

	memset(got, 0, sizeof(got));
	memset(ended, 0, sizeof(ended));
	setup(&f);
	for (i = 0; i < N; i++)
		start(i, FLAT);
	while ((st = shmprim_channel_recv_any(&f, buf, sizeof(buf), &len, &idx, 10 * CH_SEC, NULL)) != SHMPRIM_ERR_END ||
	       idx != SHMPRIM_FANIN_NONE) {
		if (st == SHMPRIM_OK) {
			IPC_CHECK(!ended[idx], "a message from %u after its END", idx);
			check_msg(idx, buf, len, got);
			total++;
		} else {
			IPC_CHECK(st == SHMPRIM_ERR_END, "recv_any: %s (index %u)", shmprim_status_str(st), idx);
			ended[idx]++;
		}
	}
	IPC_CHECK(shmprim_channel_fanin_live(&f) == 0, "%u live after the last END", shmprim_channel_fanin_live(&f));
	for (i = 0; i < N; i++) {
		IPC_CHECK(ended[i] == 1, "producer %u: END %u times", i, ended[i]);
		IPC_CHECK(got[i] == msgs, "producer %u: %" PRIu64 " messages, sent %" PRIu64, i, got[i], msgs);
	}
	IPC_CHECK(total == (uint64_t)N * msgs, "total %" PRIu64, total);
	teardown("stream", &f);
	printf("stream: %u producers x %" PRIu64 " messages, all checked, in %.2f s (sleeps: %" PRIu64 " waitv, %" PRIu64
	       " poll)\n", N, msgs, (double)(ipc_now_ns() - t0) / 1e9, f.sleeps_waitv, f.sleeps_poll);
}

static void case_fairness(void)
{
	static unsigned char buf[MAX];
	shmprim_channel_fanin f;
	uint64_t got[N], served = 0, worst = 0, worst_ns = 0, total_ns = 0;
	uint32_t ended[N], i, idx, len, k, worst_k = 0, received_before_look = 0;
	shmprim_status st;

	memset(got, 0, sizeof(got));
	memset(ended, 0, sizeof(ended));
	setup(&f);
	for (i = 0; i < N; i++)
		start(i, i == SLOW ? SLOW_ONE : STREAM);
	while ((st = shmprim_channel_recv_any(&f, buf, sizeof(buf), &len, &idx, 10 * CH_SEC, NULL)) != SHMPRIM_ERR_END ||
	       idx != SHMPRIM_FANIN_NONE) {
		if (st != SHMPRIM_OK) {
			IPC_CHECK(st == SHMPRIM_ERR_END, "recv_any: %s (index %u)", shmprim_status_str(st), idx);
			ended[idx]++;
			continue;
		}
		check_msg(idx, buf, len, got);
		if (idx == SLOW) {
			ST(ctl->recv_at[got[SLOW] - 1], served);
			ST(ctl->recv_ns[got[SLOW] - 1], ipc_now_ns());
			ST(ctl->slow_received, got[SLOW]);
			if (got[SLOW] == SLOW_MSGS)
				ST(ctl->stop, 1);
		}
		/* A starved producer fails at once, not after the others' timeouts. */
		if (LD(ctl->slow_sent) > got[SLOW])
			IPC_CHECK(served - LD(ctl->before[got[SLOW]]) <= 4u * N, "slow message %" PRIu64 " starved: %" PRIu64
			          " others served since it was sent", got[SLOW], served - LD(ctl->before[got[SLOW]]));
		served++;
		ST(ctl->served, served);
		/* Pairs with the fence after the slow producer's publication: either
		 * it reads this count, or the next scan sees its message. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	for (i = 0; i < N; i++) {
		IPC_CHECK(ended[i] == 1, "producer %u: END %u times", i, ended[i]);
		IPC_CHECK(got[i] == LD(ctl->sent[i]), "producer %u: %" PRIu64 " received, %" PRIu64 " sent", i, got[i],
		          LD(ctl->sent[i]));
	}
	IPC_CHECK(got[SLOW] == SLOW_MSGS, "the slow producer: %" PRIu64, got[SLOW]);
	for (k = 0; k < SLOW_MSGS; k++) {
		uint64_t recv_at = LD(ctl->recv_at[k]), before = LD(ctl->before[k]);
		uint64_t ns = LD(ctl->recv_ns[k]) - LD(ctl->sent_ns[k]);
		/* The producer looks at the count after send_wait returns. If it is
		 * preempted there, the consumer may receive the message and serve
		 * more before the look, so recv_at < before: the message waited for
		 * no one after the look. */
		uint64_t others = recv_at >= before ? recv_at - before : 0;

		if (recv_at < before)
			received_before_look++;
		if (others > worst) {
			worst = others;
			worst_k = k;
		}
		if (ns > worst_ns)
			worst_ns = ns;
		total_ns += ns;
	}
	teardown("fairness", &f);
	printf("fairness: slow producer's %u messages: at most %" PRIu64 " others served between send and receipt "
	       "(bound %u, message %u; %u received before the sender looked); send to receipt mean %.1f us, "
	       "worst %.1f us; %" PRIu64 " fast messages\n",
	       SLOW_MSGS, worst, N - 1u, worst_k, received_before_look, (double)total_ns / SLOW_MSGS / 1e3,
	       (double)worst_ns / 1e3, served - SLOW_MSGS);
	IPC_CHECK(worst <= N - 1u, "slow message %u waited for %" PRIu64 " others (bound %u)", worst_k, worst, N - 1u);
	IPC_CHECK(served - SLOW_MSGS >= (uint64_t)SLOW_MSGS * 8u, "only %" PRIu64 " fast messages: they did not stream",
	          served - SLOW_MSGS);
}

static void case_death(void)
{
	static unsigned char buf[MAX];
	shmprim_channel_fanin f;
	uint64_t got[N], t_kill = 0, t_dead = 0, at_report = 0, others = 0;
	uint32_t ended[N], dead[N], i, idx, len;
	shmprim_status st;

	memset(got, 0, sizeof(got));
	memset(ended, 0, sizeof(ended));
	memset(dead, 0, sizeof(dead));
	setup(&f);
	for (i = 0; i < N; i++)
		start(i, i == VICTIM ? FOREVER : STREAM);
	while ((st = shmprim_channel_recv_any(&f, buf, sizeof(buf), &len, &idx, 10 * CH_SEC, NULL)) != SHMPRIM_ERR_END ||
	       idx != SHMPRIM_FANIN_NONE) {
		IPC_CHECK(t_kill == 0 || t_dead != 0 || ipc_now_ns() - t_kill < 15 * CH_SEC,
		          "no PEER_DEAD 15 s after the kill, while the others stream");
		if (st == SHMPRIM_OK) {
			IPC_CHECK(!dead[idx] && !ended[idx], "a message from %u after it ended", idx);
			check_msg(idx, buf, len, got);
			if (idx == VICTIM && got[idx] == KILL_AFTER) {
				IPC_CHECK(kill(pids[VICTIM], SIGKILL) == 0, "kill: %s", strerror(errno));
				t_kill = ipc_now_ns();
			}
		} else if (st == SHMPRIM_ERR_END) {
			ended[idx]++;
		} else {
			IPC_CHECK(st == SHMPRIM_ERR_PEER_DEAD, "recv_any: %s (index %u)", shmprim_status_str(st), idx);
			IPC_CHECK(idx == VICTIM, "PEER_DEAD for %u, not the victim %u", idx, VICTIM);
			IPC_CHECK(t_kill != 0, "PEER_DEAD before the kill");
			dead[idx]++;
			t_dead = ipc_now_ns();
			for (i = 0; i < N; i++)
				if (i != VICTIM)
					at_report += got[i];
			ST(ctl->stop, 1); /* the others stop only now */
			/* Cleaned up: closed and unmapped while the others go on (a touch now would fault). */
			IPC_OK(shmprim_channel_consumer_close(&cons[idx]));
			IPC_OK(shmprim_channel_unmap(&ch[idx]));
			IPC_CHECK(shmprim_channel_fanin_remove(&f, idx) == SHMPRIM_ERR_INVALID_ARGUMENT,
			          "the dead entry was not retired");
		}
	}
	{
		int status;

		IPC_CHECK(waitpid(pids[VICTIM], &status, 0) == pids[VICTIM], "waitpid");
		IPC_CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the victim ended with 0x%x", status);
		pids[VICTIM] = 0;
	}
	for (i = 0; i < N; i++) {
		if (i == VICTIM) {
			IPC_CHECK(dead[i] == 1 && ended[i] == 0, "victim: PEER_DEAD %u, END %u", dead[i], ended[i]);
			IPC_CHECK(got[i] >= KILL_AFTER, "victim: %" PRIu64 " messages", got[i]);
			continue;
		}
		IPC_CHECK(ended[i] == 1 && dead[i] == 0, "producer %u: END %u, PEER_DEAD %u", i, ended[i], dead[i]);
		IPC_CHECK(got[i] == LD(ctl->sent[i]), "producer %u: %" PRIu64 " messages, sent %" PRIu64, i, got[i],
		          LD(ctl->sent[i]));
		others += got[i];
	}
	teardown("death", &f);
	printf("death: producer %u killed after %u messages; reported after %" PRIu64 " (all checked), %.1f ms after "
	       "the kill, while the other %u streamed (%" PRIu64 " of their messages in by then, %" PRIu64
	       " in all, every one delivered)\n", VICTIM, KILL_AFTER, got[VICTIM], (double)(t_dead - t_kill) / 1e6,
	       N - 1u, at_report, others);
	IPC_CHECK(t_dead - t_kill < 15 * CH_SEC, "PEER_DEAD %.1f ms after the kill", (double)(t_dead - t_kill) / 1e6);
}

static void case_wake(void)
{
	shmprim_channel_fanin f;
	shmprim_wait_opts opts;
	uint64_t got[N], total = 0, waits = 0, batches = 0, t0 = ipc_now_ns(), sleeps;
	uint32_t ended[N], i, idx;
	shmprim_status st;

	memset(got, 0, sizeof(got));
	memset(ended, 0, sizeof(ended));
	memset(&opts, 0, sizeof(opts));
	opts.spin = 64;
	opts.check_ns = 60 * CH_SEC; /* no periodic look: a lost wake-up shows as a stall */
	setup(&f);
	for (i = 0; i < N; i++)
		start(i, JITTER);
	for (;;) {
		shmprim_channel_msg views[8];
		uint32_t n, k;
		uint64_t t = ipc_now_ns();

		/* Every message in: what is left is the closes, which wake nobody
		 * (a sleeping consumer sees them at its next check): the default interval. */
		if (total == (uint64_t)N * wake_msgs)
			opts.check_ns = 0;
		st = shmprim_channel_wait_any(&f, &idx, WAKE_LIMIT + CH_SEC, &opts);
		waits++;
		IPC_CHECK(ipc_now_ns() - t < WAKE_LIMIT, "a wait of %.1f s with %" PRIu64 " of %" PRIu64
		          " received: a lost wake-up", (double)(ipc_now_ns() - t) / 1e9, total, (uint64_t)N * wake_msgs);
		if (st == SHMPRIM_ERR_END && idx == SHMPRIM_FANIN_NONE)
			break;
		if (st == SHMPRIM_ERR_END) {
			ended[idx]++;
			continue;
		}
		IPC_CHECK(st == SHMPRIM_OK, "wait_any: %s (index %u)", shmprim_status_str(st), idx);
		/* wait_any said a message waits there: the receive must find it. */
		IPC_OK(shmprim_channel_receive_batch(cptr[idx], views, 8, &n));
		IPC_CHECK(n >= 1, "wait_any reported %u, receive_batch got nothing", idx);
		for (k = 0; k < n; k++)
			check_msg(idx, views[k].data, views[k].len, got);
		total += n;
		batches++;
		IPC_OK(shmprim_channel_release(cptr[idx]));
		shmprim_channel_notify_producer(cptr[idx]);
	}
	for (i = 0; i < N; i++) {
		IPC_CHECK(ended[i] == 1, "producer %u: END %u times", i, ended[i]);
		IPC_CHECK(got[i] == wake_msgs, "producer %u: %" PRIu64 " messages, sent %" PRIu64, i, got[i], wake_msgs);
	}
	IPC_CHECK(total == (uint64_t)N * wake_msgs, "total %" PRIu64, total);
	teardown("wake", &f);
	sleeps = f.sleeps_waitv + f.sleeps_poll;
	printf("wake: %" PRIu64 " messages with random producer sleeps, %" PRIu64 " batches, %" PRIu64
	       " consumer sleeps, in %.2f s\n", total, batches, sleeps, (double)(ipc_now_ns() - t0) / 1e9);
	/* At least once: how often depends on the machine's speed (hundreds to
	 * thousands here, tens under ThreadSanitizer); relay asserts a proportion. */
	IPC_CHECK(sleeps >= 1, "the consumer never slept");
	(void)waits;
}

#ifdef SHMPRIM_TEST_HOOKS
/* The consumer lingers (0-40 us) after finding every channel empty and
 * before setting the flags: a send there must be caught by the re-check
 * after FS2 (a wait that skipped it would sleep through the message). */
static ipc_rng linger_rng;

/* Up to 40 us by default; the F1 gate lingers up to 2 ms
 * (SHMPRIM_FANIN_LINGER_NS), longer than a woken producer takes to send on a
 * loaded machine, so that nearly every message lands in the window. */
static uint64_t linger_ns = 40000;

static void linger(int window)
{
	if (window == SHMPRIM_WINDOW_BEFORE_ARM) {
		uint64_t until = ipc_now_ns() + ipc_below(&linger_rng, linger_ns);

		while (ipc_now_ns() < until)
			;
	}
}
#endif

/* One message in flight at a time, round the 64 producers in turn: the
 * consumer has usually found every channel empty and armed all 64 flags when
 * the next one is sent, so every message crosses the sleep/wake race. */
static void case_relay(void)
{
	static unsigned char buf[MAX];
	shmprim_channel_fanin f;
	shmprim_wait_opts opts;
	uint64_t got[N], total = 0, t0 = ipc_now_ns();
	uint32_t ended[N], i, idx, len;
	shmprim_status st;

	memset(got, 0, sizeof(got));
	memset(ended, 0, sizeof(ended));
	memset(&opts, 0, sizeof(opts));
	opts.spin = 16;
	opts.check_ns = 60 * CH_SEC; /* as in wake */
	setup(&f);
	for (i = 0; i < N; i++)
		start(i, RELAY);
#ifdef SHMPRIM_TEST_HOOKS
	linger_rng.s = seed;
	linger_ns = ipc_env_u64("SHMPRIM_FANIN_LINGER_NS", linger_ns);
	shmprim_window_hook = linger; /* after the fork: only the consumer lingers */
#endif
	ctl->go[0] = 1;
	syscall(SYS_futex, &ctl->go[0], FUTEX_WAKE, 1, NULL, NULL, 0);
	for (;;) {
		uint64_t t = ipc_now_ns();
		uint32_t next;

		if (total == (uint64_t)N * relay_rounds)
			opts.check_ns = 0; /* as in wake: only closes are left */
		st = shmprim_channel_recv_any(&f, buf, sizeof(buf), &len, &idx, WAKE_LIMIT + CH_SEC, &opts);
		IPC_CHECK(ipc_now_ns() - t < WAKE_LIMIT, "relay: a wait of %.1f s after %" PRIu64 " messages: a lost wake-up",
		          (double)(ipc_now_ns() - t) / 1e9, total);
		if (st == SHMPRIM_ERR_END && idx == SHMPRIM_FANIN_NONE)
			break;
		if (st == SHMPRIM_ERR_END) {
			ended[idx]++;
			continue;
		}
		IPC_CHECK(st == SHMPRIM_OK, "recv_any: %s (index %u)", shmprim_status_str(st), idx);
		IPC_CHECK(idx == (uint32_t)(total % N), "relay: message %" PRIu64 " from %u", total, idx);
		check_msg(idx, buf, len, got);
		total++;
		next = (uint32_t)(total % N);
		if (total < (uint64_t)N * relay_rounds) {
			__atomic_store_n(&ctl->go[next], 1, __ATOMIC_RELEASE);
			syscall(SYS_futex, &ctl->go[next], FUTEX_WAKE, 1, NULL, NULL, 0);
		}
	}
	for (i = 0; i < N; i++) {
		IPC_CHECK(ended[i] == 1, "producer %u: END %u times", i, ended[i]);
		IPC_CHECK(got[i] == relay_rounds, "producer %u: %" PRIu64 " messages", i, got[i]);
	}
#ifdef SHMPRIM_TEST_HOOKS
	shmprim_window_hook = NULL;
#endif
	teardown("relay", &f);
	printf("relay: %" PRIu64 " messages one at a time, %" PRIu64 " consumer sleeps, in %.2f s\n", total,
	       f.sleeps_waitv + f.sleeps_poll, (double)(ipc_now_ns() - t0) / 1e9);
	IPC_CHECK(f.sleeps_waitv + f.sleeps_poll >= total / 4, "only %" PRIu64 " sleeps for %" PRIu64 " messages",
	          f.sleeps_waitv + f.sleeps_poll, total);
}

/* The calls' argument checks and the bare wait on many words. */
static void case_basics(void)
{
	shmprim_channel_fanin f;
	uint32_t words[3] = {1, 1, 1}, expected[3] = {1, 1, 1}, idx, len;
	uint32_t *ptrs[3] = {&words[0], &words[1], &words[2]};
	unsigned char buf[8];
	uint64_t t;

	IPC_CHECK(shmprim_channel_fanin_init(&f, cptr, 0, 0) == SHMPRIM_ERR_INVALID_ARGUMENT, "n = 0");
	IPC_CHECK(shmprim_channel_fanin_init(&f, cptr, SHMPRIM_FANIN_MAX + 1u, 0) == SHMPRIM_ERR_INVALID_ARGUMENT,
	          "n = 129");
	IPC_CHECK(shmprim_channel_fanin_init(&f, cptr, 1, 2) == SHMPRIM_ERR_INVALID_ARGUMENT, "flags");
	IPC_CHECK(shmprim_futex_wait_any(ptrs, expected, 0, 0, mode_flags, NULL) == SHMPRIM_ERR_INVALID_ARGUMENT, "n 0");
	IPC_CHECK(shmprim_futex_wait_any(ptrs, expected, 129, 0, mode_flags, NULL) == SHMPRIM_ERR_INVALID_ARGUMENT,
	          "n 129");
	/* Every word as expected: sleeps the whole time. */
	t = ipc_now_ns();
	IPC_CHECK(shmprim_futex_wait_any(ptrs, expected, 3, 30 * CH_MS, mode_flags, &idx) == SHMPRIM_ERR_TIMED_OUT,
	          "no change: TIMED_OUT");
	IPC_CHECK(ipc_now_ns() - t >= 30 * CH_MS, "returned after %" PRIu64 " ns", ipc_now_ns() - t);
	/* A word that differs: at once, and says which. */
	words[2] = 0;
	IPC_CHECK(shmprim_futex_wait_any(ptrs, expected, 3, 10 * CH_SEC, mode_flags, &idx) == SHMPRIM_OK, "changed");
	IPC_CHECK(idx == 2 || (idx == SHMPRIM_WAIT_ANY_UNKNOWN && !(mode_flags & SHMPRIM_WAIT_ANY_POLL)),
	          "woken index %u", idx);
	/* A set with nothing sent: TIMED_OUT after the timeout, index NONE. */
	setup(&f);
	t = ipc_now_ns();
	IPC_CHECK(shmprim_channel_recv_any(&f, buf, sizeof(buf), &len, &idx, 50 * CH_MS, NULL) == SHMPRIM_ERR_TIMED_OUT,
	          "recv_any on empty channels");
	IPC_CHECK(idx == SHMPRIM_FANIN_NONE, "index %u on TIMED_OUT", idx);
	IPC_CHECK(ipc_now_ns() - t >= 50 * CH_MS, "returned early");
	IPC_CHECK(f.sleeps_waitv + f.sleeps_poll >= 1, "it did not sleep");
	IPC_OK(shmprim_channel_fanin_remove(&f, 5));
	IPC_CHECK(shmprim_channel_fanin_remove(&f, 5) == SHMPRIM_ERR_INVALID_ARGUMENT, "removed twice");
	IPC_CHECK(shmprim_channel_fanin_live(&f) == N - 1u, "live %u", shmprim_channel_fanin_live(&f));
	teardown("basics", &f);
	printf("basics: ok\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} cases[] = {{"basics", case_basics}, {"stream", case_stream}, {"fairness", case_fairness},
	             {"death", case_death}, {"wake", case_wake},
	             {"relay", case_relay}};
	int i, a;

	if (argc < 2 || (strcmp(argv[1], "waitv") != 0 && strcmp(argv[1], "poll") != 0)) {
		fprintf(stderr, "usage: %s waitv|poll [basics|stream|fairness|death|wake|relay...]\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "poll") == 0) {
		mode_flags = SHMPRIM_WAIT_ANY_POLL;
	} else if (!shmprim_futex_waitv_supported()) {
		printf("SKIP: this kernel has no futex_waitv (Linux 5.16+); the poll mode covers the fallback\n");
		return IPC_SKIP;
	}
	seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)ipc_now_ns());
	msgs = ipc_scale(1000, 10000);
	wake_msgs = ipc_scale(1600, 16000); /* 64 x 1600 = 102400 messages */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
	/* 5-10x slower: a quarter of the counts keeps the run near 15 s. */
	msgs /= 4u;
	wake_msgs /= 4u;
#endif
	/* The million-message run (ipc-fanin-*-million): 64 x 15625, exactly. */
	wake_msgs = ipc_env_u64("SHMPRIM_FANIN_WAKE_MSGS", wake_msgs);
	relay_rounds = ipc_scale(mode_flags ? RELAY_ROUNDS / 4u : RELAY_ROUNDS, 10u * RELAY_ROUNDS);
	ctl = ch_shared(sizeof(*ctl));
	consumer_pid = getpid();
	atexit(kill_producers);
	printf("mode %s, seed %" PRIu64 " (SHMPRIM_SEED=%" PRIu64 " repeats it)\n", argv[1], seed, seed);
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		int chosen = argc == 2;

		for (a = 2; a < argc; a++)
			chosen |= strcmp(argv[a], cases[i].name) == 0;
		if (chosen) {
			fflush(stdout);
			cases[i].run();
		}
	}
	return 0;
}
