/*
 * SIGKILL the producer or the consumer of a channel at random moments, start a
 * replacement that takes the side over, and check the takeover rules of
 * <shmprim/channel.h> exactly:
 *   - the replacement's take succeeds at once and names, as the holder it
 *     took over from, the dead process (also while it is an unreaped zombie);
 *   - producer: every message whose send completed arrives; a message whose
 *     send was under way arrives whole or not at all; a loan not sent is
 *     dropped (a kill while the loan was half written never delivers it);
 *   - consumer: the replacement receives again exactly the messages the dead
 *     one received but had not released, then the rest, nothing lost;
 *   - the stream the consumers see is 0, 1, 2, ... with every byte checked,
 *     and after the final producer closes, END at exactly its last message.
 *
 *   ipc_channel_crash [KILLS_PER_ROLE]   default 1000 (SHMPRIM_LONG=1: 20000)
 *
 * How the test stays exact: a replacement producer waits until the consumer
 * has released everything published (bytes_in_flight 0), then resumes at
 * the count the consumer verified, which must be the count of completed
 * sends, or one more when the dead producer was inside a send. A consumer
 * records, around each release, the count it releases and the header's
 * released position after it; its replacement compares that position with
 * the header's to learn whether the dead one's last release took effect.
 */
#include "ipc_channel_common.h"

#define DATA_BYTES 4096u
#define MAX 200u
#define POISON 0xEE

typedef struct crash_ctl {
	ch_fail fail;
	uint64_t goal; /* producers close on reaching it */
	/* producers */
	uint64_t sending;   /* the message being sent */
	uint64_t sent_done; /* messages whose send returned OK */
	uint32_t in_loan;   /* 1: loaned, being written; 2: written, being sent; 0 otherwise */
	int32_t p_taking;   /* the last producer about to take the side */
	/* Every process about to take a side since its last recorded holder:
	 * any of them may have taken it and been killed before recording. */
	int32_t p_takers[64], c_takers[64];
	uint32_t p_ntakers, c_ntakers;
	int32_t p_holder;   /* the last producer that took it */
	uint64_t producer_final;
	uint64_t p_inflight_arrived; /* resumes where the dead one's send under way had gone through */
	uint64_t p_loan_drops;       /* resumes after a kill inside a half-written loan */
	uint64_t p_takeovers, p_zombie_takeovers;
	/* consumers */
	uint64_t received;  /* messages verified, in order */
	uint64_t releasing; /* the count being released */
	uint64_t rel_count; /* the count released, once release returned */
	uint64_t rel_pos;   /* the header's released position after that */
	int32_t c_taking, c_holder;
	uint64_t redelivered, redelivery_events, c_takeovers, c_zombie_takeovers;
	uint64_t ended;
	/* parent -> replacement: the predecessor left unreaped (0: none) */
	int32_t zombie;
	uint32_t took; /* the replacement has taken the side */
} crash_ctl;

static int memfd;
static uint64_t seed;
static crash_ctl *ctl;

#define LD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

/* Opens the channel anew, as a restarted process would, and checks whom the
 * side was taken over from. */
static void take_side(shmprim_channel *ch, int producer, shmprim_channel_producer *p, shmprim_channel_consumer *c)
{
	int32_t *taking = producer ? &ctl->p_taking : &ctl->c_taking;
	int32_t *holding = producer ? &ctl->p_holder : &ctl->c_holder;
	const char *role = producer ? "producer" : "consumer";
	int32_t *takers = producer ? ctl->p_takers : ctl->c_takers;
	uint32_t *n_takers = producer ? &ctl->p_ntakers : &ctl->c_ntakers;
	int32_t before_taking, before_holder, zombie = LD(ctl->zombie);
	uint32_t ntakers, k;
	int known = 0;
	shmprim_claim_holder h;
	shmprim_status st;

	st = shmprim_channel_open_fd(ch, memfd);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "%s: open_fd: %s", role, shmprim_status_str(st));
	before_taking = LD(*taking);
	before_holder = LD(*holding);
	ntakers = LD(*n_takers);
	if (ntakers < 64)
		ST(takers[ntakers], (int32_t)getpid());
	ST(*n_takers, ntakers + 1);
	ST(*taking, (int32_t)getpid());
	st = producer ? shmprim_channel_take_producer(ch, p, &h) : shmprim_channel_take_consumer(ch, c, &h);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "%s: take after a verified death: %s (holder pid %d)", role,
		              shmprim_status_str(st), h.pid);
	ST(*holding, (int32_t)getpid());
	ST(*n_takers, 0);
	/* The holder was the last process that took the side, or one that was
	 * about to since (killed between its take and its record; several in a
	 * row may have been). */
	known = h.pid == before_holder || h.pid == before_taking;
	for (k = 0; k < ntakers && k < 64; k++)
		known |= h.pid == takers[k];
	if (h.state == SHMPRIM_SIDE_FREE) {
		/* Only before anyone took it: nobody here leaves or closes early. */
		if (before_holder != 0)
			ch_child_fail(&ctl->fail, "%s: the side of dead %d was free", role, before_holder);
	} else if (h.state != SHMPRIM_SIDE_HELD || h.liveness != SHMPRIM_DEAD ||
	           !known) {
		ch_child_fail(&ctl->fail, "%s: took over from state %d pid %d liveness %d, want the dead %d, %d or one of %u takers since",
		              role, (int)h.state, h.pid, (int)h.liveness, before_holder, before_taking, ntakers);
	} else {
		__atomic_add_fetch(producer ? &ctl->p_takeovers : &ctl->c_takeovers, 1, __ATOMIC_RELAXED);
		if (zombie != 0 && h.pid == zombie)
			__atomic_add_fetch(producer ? &ctl->p_zombie_takeovers : &ctl->c_zombie_takeovers, 1,
			                   __ATOMIC_RELAXED);
	}
	ST(ctl->took, 1);
}

static void producer(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_peer_info info;
	ipc_rng rng = { seed ^ (uint64_t)getpid() };
	static unsigned char buf[MAX];
	uint64_t n, s, r, t0;
	uint32_t in_loan;

	(void)unused;
	take_side(&ch, 1, &p, NULL);
	/* Wait until the consumer has released all that was published: it has
	 * then verified every message there is. */
	t0 = ipc_now_ns();
	for (;;) {
		if (shmprim_channel_producer_peer(&p, &info) != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "producer_peer failed");
		if (info.bytes_in_flight == 0)
			break;
		if (ipc_now_ns() - t0 > 10 * CH_SEC)
			ch_child_fail(&ctl->fail, "the consumer did not drain in 10 s");
		ipc_sleep_ns(20000);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the consumer's record precedes its release */
	s = LD(ctl->sent_done);
	r = LD(ctl->received);
	in_loan = LD(ctl->in_loan);
	if (r == s + 1 && LD(ctl->sending) == s && in_loan != 1) {
		__atomic_add_fetch(&ctl->p_inflight_arrived, 1, __ATOMIC_RELAXED);
	} else if (r != s) {
		ch_child_fail(&ctl->fail, "resume: the consumer has %" PRIu64 " messages, %" PRIu64
		              " sends completed (sending %" PRIu64 ", loan state %u)",
		              r, s, LD(ctl->sending), in_loan);
	} else if (in_loan == 1) {
		__atomic_add_fetch(&ctl->p_loan_drops, 1, __ATOMIC_RELAXED);
	}
	ST(ctl->in_loan, 0);
	ST(ctl->sent_done, r);
	for (n = r; n < LD(ctl->goal); n++) {
		uint32_t len = ch_len(seed, n, MAX);
		shmprim_status st;

		ST(ctl->sending, n);
		t0 = ipc_now_ns();
		if (ipc_below(&rng, 2) == 0) {
			ch_fill(buf, seed, n, len);
			while ((st = shmprim_channel_send_wait(&p, buf, len, 10 * CH_SEC, NULL)) == SHMPRIM_ERR_PEER_DEAD &&
			       ipc_now_ns() - t0 < 10 * CH_SEC)
				ipc_sleep_ns(20000); /* the consumer is being replaced */
			if (st != SHMPRIM_OK)
				ch_child_fail(&ctl->fail, "send_wait of %" PRIu64 ": %s", n, shmprim_status_str(st));
		} else {
			void *at;

			while ((st = shmprim_channel_loan_wait(&p, len, &at, 10 * CH_SEC, NULL)) == SHMPRIM_ERR_PEER_DEAD &&
			       ipc_now_ns() - t0 < 10 * CH_SEC)
				ipc_sleep_ns(20000);
			if (st != SHMPRIM_OK)
				ch_child_fail(&ctl->fail, "loan_wait of %" PRIu64 ": %s", n, shmprim_status_str(st));
			ST(ctl->in_loan, 1);
			/* Poison first: a half-written loan that reached the consumer would show. */
			memset(at, POISON, len);
			if (ipc_below(&rng, 4) == 0)
				ipc_sleep_ns(ipc_below(&rng, 50000)); /* widen loan -> send_loan, where a kill drops it */
			ch_fill(at, seed, n, len);
			ST(ctl->in_loan, 2);
			st = shmprim_channel_send_loan(&p, len);
			if (st != SHMPRIM_OK)
				ch_child_fail(&ctl->fail, "send_loan of %" PRIu64 ": %s", n, shmprim_status_str(st));
			shmprim_channel_notify_consumer(&p);
			ST(ctl->in_loan, 0);
		}
		ST(ctl->sent_done, n + 1);
	}
	ST(ctl->producer_final, n);
	if (shmprim_channel_producer_close(&p) != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "producer_close failed");
	_exit(0);
}

static void consumer(void *unused)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	ipc_rng rng = { seed ^ ((uint64_t)getpid() << 20) };
	shmprim_channel_msg views[8];
	uint64_t pos, resume, dead_received, n, t0;

	(void)unused;
	take_side(&ch, 0, NULL, &c);
	/* Did the dead consumer's last release take effect? The header says. */
	pos = __atomic_load_n(&ch.header->released, __ATOMIC_ACQUIRE);
	resume = pos == LD(ctl->rel_pos) ? LD(ctl->rel_count) : LD(ctl->releasing);
	dead_received = LD(ctl->received);
	if (resume > dead_received || resume < LD(ctl->rel_count))
		ch_child_fail(&ctl->fail, "resume at %" PRIu64 ": the dead consumer verified %" PRIu64
		              ", released %" PRIu64 " (releasing %" PRIu64 ")",
		              resume, dead_received, LD(ctl->rel_count), LD(ctl->releasing));
	if (dead_received > resume) {
		__atomic_add_fetch(&ctl->redelivered, dead_received - resume, __ATOMIC_RELAXED);
		__atomic_add_fetch(&ctl->redelivery_events, 1, __ATOMIC_RELAXED);
	}
	ST(ctl->rel_count, resume);
	ST(ctl->rel_pos, pos);
	ST(ctl->received, resume);
	n = resume;
	for (;;) {
		uint32_t k = 1 + (uint32_t)ipc_below(&rng, 8), got = 0, i;
		shmprim_status st;

		t0 = ipc_now_ns();
		while ((st = shmprim_channel_receive_wait(&c, &views[0], 10 * CH_SEC, NULL)) == SHMPRIM_ERR_PEER_DEAD &&
		       ipc_now_ns() - t0 < 10 * CH_SEC)
			ipc_sleep_ns(20000); /* the producer is being replaced */
		if (st == SHMPRIM_ERR_END)
			break;
		if (st != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "receive_wait at %" PRIu64 ": %s", n, shmprim_status_str(st));
		got = 1;
		while (got < k && shmprim_channel_receive(&c, &views[got]) == SHMPRIM_OK)
			got++;
		for (i = 0; i < got; i++, n++) {
			if (!ch_check(views[i].data, views[i].len, seed, n, MAX)) {
				const unsigned char *b = views[i].data;

				ch_child_fail(&ctl->fail, "message %" PRIu64 ": %u bytes (want %u), first byte 0x%02x%s", n,
				              views[i].len, ch_len(seed, n, MAX), b[0],
				              b[0] == POISON ? ": a half-written loan arrived" : "");
			}
			ST(ctl->received, n + 1);
		}
		if (ipc_below(&rng, 8) == 0)
			ipc_sleep_ns(ipc_below(&rng, 20000)); /* widen receive -> release, where a kill re-delivers */
		ST(ctl->releasing, n);
		if (shmprim_channel_release(&c) != SHMPRIM_OK)
			ch_child_fail(&ctl->fail, "release failed");
		ST(ctl->rel_count, n);
		ST(ctl->rel_pos, __atomic_load_n(&ch.header->released, __ATOMIC_ACQUIRE));
		shmprim_channel_notify_producer(&c);
	}
	if (n != LD(ctl->producer_final))
		ch_child_fail(&ctl->fail, "END after %" PRIu64 " messages, the producer sent %" PRIu64, n,
		              LD(ctl->producer_final));
	ST(ctl->ended, 1);
	_exit(0);
}

/* Kills pid; leaves it a zombie (waited for with WNOWAIT) or reaps it. */
static void kill_victim(pid_t pid, const char *role, int leave_zombie)
{
	siginfo_t info;
	int status;

	kill(pid, SIGKILL);
	if (leave_zombie) {
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0)
			IPC_FAIL("waitid: %s", strerror(errno));
		if (info.si_code != CLD_KILLED || info.si_status != SIGKILL)
			IPC_FAIL("the %s ended by itself (code %d status %d) before the kill: %s", role, info.si_code,
			         info.si_status, ctl->fail.failed ? ctl->fail.why : "no message");
		return;
	}
	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		IPC_FAIL("the %s ended by itself (status 0x%x) before the kill: %s", role, status,
		         ctl->fail.failed ? ctl->fail.why : "no message");
}

int main(int argc, char **argv)
{
	uint64_t kills = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(1000, 20000);
	shmprim_channel ch;
	ipc_rng rng;
	pid_t prod, cons;
	uint64_t t, t0 = ipc_now_ns(), last;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid());
	rng.s = seed;
	ctl = ch_shared(sizeof(*ctl));
	ctl->goal = UINT64_MAX;
	IPC_OK(shmprim_channel_create_memfd(&ch, "chan_crash", DATA_BYTES, MAX));
	memfd = ch.shm.fd;

	prod = ch_fork(producer, NULL);
	cons = ch_fork(consumer, NULL);
	for (t = 0; t < 2 * kills; t++) {
		int kill_producer = (t & 1) == 0;
		int zombie = (t / 2) % 4 == 3; /* every 4th kill of each role */
		pid_t victim = kill_producer ? prod : cons, next;

		ipc_sleep_ns(20000 + ipc_below(&rng, 2000000)); /* 20 us .. 2 ms: start-up, take, resume, the loop */
		kill_victim(victim, kill_producer ? "producer" : "consumer", zombie);
		ST(ctl->took, 0);
		ST(ctl->zombie, zombie ? (int32_t)victim : 0);
		next = ch_fork(kill_producer ? producer : consumer, NULL);
		if (zombie) {
			/* Reap only once the replacement has taken the side over. */
			uint64_t w0 = ipc_now_ns();

			while (!LD(ctl->took) && !LD(ctl->fail.failed)) {
				if (ipc_now_ns() - w0 > 10 * CH_SEC)
					IPC_FAIL("the replacement did not take the side from a zombie in 10 s");
				ipc_sleep_ns(20000);
			}
			if (waitpid(victim, NULL, 0) != victim)
				IPC_FAIL("waitpid: %s", strerror(errno));
		}
		if (kill_producer)
			prod = next;
		else
			cons = next;
		if (LD(ctl->fail.failed))
			IPC_FAIL("after %" PRIu64 " kills: %s", t + 1, ctl->fail.why);
	}
	last = LD(ctl->sending) > LD(ctl->received) ? LD(ctl->sending) : LD(ctl->received);
	ST(ctl->goal, last + 1000);
	ch_finish(prod, "producer", ctl->fail.why);
	ch_finish(cons, "consumer", ctl->fail.why);
	IPC_CHECK(ctl->ended == 1, "the consumer did not see END%s", "");
	IPC_CHECK(ctl->received == ctl->producer_final && ctl->producer_final >= ctl->goal,
	          "received %" PRIu64 ", producer stopped at %" PRIu64 ", goal %" PRIu64, ctl->received,
	          ctl->producer_final, ctl->goal);
	/* Every kind of kill the rules speak of must have happened. */
	IPC_CHECK(ctl->p_takeovers > 0 && ctl->c_takeovers > 0, "takeovers: producer %" PRIu64 ", consumer %" PRIu64,
	          ctl->p_takeovers, ctl->c_takeovers);
	if (kills >= 100) {
		IPC_CHECK(ctl->p_zombie_takeovers > 0 && ctl->c_zombie_takeovers > 0,
		          "takeovers from zombies: producer %" PRIu64 ", consumer %" PRIu64, ctl->p_zombie_takeovers,
		          ctl->c_zombie_takeovers);
		IPC_CHECK(ctl->redelivery_events > 0, "no consumer kill landed between receive and release%s", "");
		IPC_CHECK(ctl->p_loan_drops > 0, "no producer kill landed inside a half-written loan%s", "");
	}
	printf("channel crash test (%s): %" PRIu64 " producer + %" PRIu64 " consumer kills; takeovers from a "
	       "dead holder: %" PRIu64 " producer (%" PRIu64 " from zombies), %" PRIu64 " consumer (%" PRIu64
	       " from zombies); %" PRIu64 " half-written loans dropped; %" PRIu64
	       " sends under way that arrived; %" PRIu64 " messages re-delivered after %" PRIu64
	       " consumer kills; %" PRIu64 " messages verified in order, END at the last; %.1f s, seed %" PRIu64 "\n",
	       shmprim_backend_name(), kills, kills, ctl->p_takeovers, ctl->p_zombie_takeovers, ctl->c_takeovers,
	       ctl->c_zombie_takeovers, ctl->p_loan_drops, ctl->p_inflight_arrived, ctl->redelivered,
	       ctl->redelivery_events, ctl->received, (double)(ipc_now_ns() - t0) / 1e9, seed);
	IPC_OK(shmprim_channel_unmap(&ch));
	return 0;
}
