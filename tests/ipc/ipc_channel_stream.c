/*
 * A channel between two processes: a sealed memfd made by the parent, its fd
 * inherited by a forked consumer that opens it (shmprim_channel_open_fd).
 * Messages of random length 1..MAX, each derived from a seed and its number,
 * every byte checked on arrival; the count checked exactly at END.
 *
 *   ipc_channel_stream [COUNT]   per run; default 10^7 (SHMPRIM_LONG=1: 5 * 10^7)
 *
 * Two runs:
 *   copy       send_wait -> recv_wait (the copying blocking calls);
 *   zero-copy  loan_wait + write in place + send_loan, and send_batch, ->
 *              receive_batch / receive_wait views read in place, release.
 * Messages/s and MB/s are printed (informational: nothing asserts a speed).
 */
#include "ipc_channel_common.h"

#define DATA_BYTES (256u * 1024u)
#define MAX 1000u
#define BATCH 32u

typedef struct stream_ctl {
	ch_fail fail;
	uint64_t received;
	uint64_t bytes;
} stream_ctl;

static int memfd;
static uint64_t seed, count;
static stream_ctl *ctl;

static void consumer(void *arg)
{
	int zero_copy = *(const int *)arg;
	shmprim_channel ch;
	shmprim_channel_consumer c;
	static unsigned char buf[MAX];
	uint64_t n = 0, bytes = 0;
	shmprim_status st;

	st = shmprim_channel_open_fd(&ch, memfd);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "open_fd: %s", shmprim_status_str(st));
	st = shmprim_channel_take_consumer(&ch, &c, NULL);
	if (st != SHMPRIM_OK)
		ch_child_fail(&ctl->fail, "take_consumer: %s", shmprim_status_str(st));
	for (;;) {
		if (!zero_copy) {
			uint32_t len = 0;

			st = shmprim_channel_recv_wait(&c, buf, sizeof(buf), &len, 10 * CH_SEC, NULL);
			if (st != SHMPRIM_OK)
				break;
			if (n >= count || !ch_check(buf, len, seed, n, MAX))
				ch_child_fail(&ctl->fail, "message %" PRIu64 " (%u bytes) is not the one sent", n, len);
			n++;
			bytes += len;
		} else {
			shmprim_channel_msg views[BATCH];
			uint32_t got = 0, i;

			st = shmprim_channel_receive_batch(&c, views, BATCH, &got);
			if (st == SHMPRIM_ERR_EMPTY) {
				/* Nothing now: release what we hold and sleep for one. */
				(void)shmprim_channel_release(&c);
				st = shmprim_channel_receive_wait(&c, &views[0], 10 * CH_SEC, NULL);
				got = st == SHMPRIM_OK ? 1 : 0;
			}
			if (st != SHMPRIM_OK)
				break;
			for (i = 0; i < got; i++, n++) {
				if (n >= count || !ch_check(views[i].data, views[i].len, seed, n, MAX))
					ch_child_fail(&ctl->fail, "message %" PRIu64 " (%u bytes, view) is not the one sent",
					              n, views[i].len);
				bytes += views[i].len;
			}
			if (shmprim_channel_release(&c) != SHMPRIM_OK)
				ch_child_fail(&ctl->fail, "release failed");
			shmprim_channel_notify_producer(&c);
		}
	}
	if (st != SHMPRIM_ERR_END)
		ch_child_fail(&ctl->fail, "after %" PRIu64 " messages: %s, not END", n, shmprim_status_str(st));
	/* END stays END. */
	st = shmprim_channel_recv(&c, buf, sizeof(buf), &(uint32_t){ 0 });
	if (st != SHMPRIM_ERR_END)
		ch_child_fail(&ctl->fail, "a second receive after END: %s", shmprim_status_str(st));
	ctl->received = n;
	ctl->bytes = bytes;
	_exit(0);
}

static void produce_copy(shmprim_channel_producer *p)
{
	static unsigned char buf[MAX];
	uint64_t n;

	for (n = 0; n < count; n++) {
		uint32_t len = ch_len(seed, n, MAX);

		ch_fill(buf, seed, n, len);
		IPC_OK(shmprim_channel_send_wait(p, buf, len, 10 * CH_SEC, NULL));
	}
}

/* Loans (written in place) and copying batches, mixed by the seed. */
static void produce_zero_copy(shmprim_channel_producer *p)
{
	static unsigned char bufs[BATCH][MAX];
	shmprim_channel_msg msgs[BATCH];
	ipc_rng rng = { seed ^ 0x5a5a };
	uint64_t n = 0;

	while (n < count) {
		if (ipc_below(&rng, 4) != 0) {
			uint32_t len = ch_len(seed, n, MAX);
			void *at;

			IPC_OK(shmprim_channel_loan_wait(p, len, &at, 10 * CH_SEC, NULL));
			ch_fill(at, seed, n, len);
			IPC_OK(shmprim_channel_send_loan(p, len));
			shmprim_channel_notify_consumer(p);
			n++;
		} else {
			uint32_t k = 1 + (uint32_t)ipc_below(&rng, BATCH), sent = 0, i;
			uint64_t start = ipc_now_ns();

			if (k > count - n)
				k = (uint32_t)(count - n);
			for (i = 0; i < k; i++) {
				msgs[i].len = ch_len(seed, n + i, MAX);
				ch_fill(bufs[i], seed, n + i, msgs[i].len);
				msgs[i].data = bufs[i];
			}
			/* What does not fit goes by send_wait (which waits for room). */
			shmprim_status st = shmprim_channel_send_batch(p, msgs, k, &sent);

			if (st != SHMPRIM_OK && st != SHMPRIM_ERR_FULL)
				IPC_FAIL("send_batch: %s", shmprim_status_str(st));
			shmprim_channel_notify_consumer(p);
			for (i = sent; i < k; i++)
				IPC_OK(shmprim_channel_send_wait(p, msgs[i].data, msgs[i].len, 10 * CH_SEC, NULL));
			n += k;
			if (ipc_now_ns() - start > 10 * CH_SEC)
				IPC_FAIL("a batch took over 10 s");
		}
	}
}

static void run(int zero_copy)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_claim_holder holder;
	uint64_t t0, t1;
	pid_t cons;

	memset(ctl, 0, sizeof(*ctl));
	IPC_OK(shmprim_channel_create_memfd(&ch, "chan_stream", DATA_BYTES, MAX));
	memfd = ch.shm.fd;
	IPC_OK(shmprim_channel_take_producer(&ch, &p, &holder));
	IPC_CHECK(holder.state == SHMPRIM_SIDE_FREE, "a fresh channel's producer side was held (state %d)",
	          (int)holder.state);
	t0 = ipc_now_ns();
	cons = ch_fork(consumer, &zero_copy);
	if (zero_copy)
		produce_zero_copy(&p);
	else
		produce_copy(&p);
	IPC_OK(shmprim_channel_producer_close(&p));
	ch_finish(cons, "consumer", ctl->fail.why);
	t1 = ipc_now_ns();
	IPC_CHECK(ctl->received == count, "received %" PRIu64 " of %" PRIu64, ctl->received, count);
	printf("channel stream (%s, %s): %" PRIu64 " messages of 1..%u bytes, %.1f MB, every byte checked: "
	       "%.2f s, %.0f messages/s, %.1f MB/s\n",
	       shmprim_backend_name(), zero_copy ? "zero-copy: loans, batches, views" : "copy: send_wait/recv_wait",
	       count, MAX, (double)ctl->bytes / 1e6, (double)(t1 - t0) / 1e9,
	       (double)count / ((double)(t1 - t0) / 1e9), (double)ctl->bytes / 1e6 / ((double)(t1 - t0) / 1e9));
	IPC_OK(shmprim_channel_unmap(&ch));
}

int main(int argc, char **argv)
{
	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	count = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(10000000, 50000000);
	seed = ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid());
	ctl = ch_shared(sizeof(*ctl));
	printf("seed %" PRIu64 " (SHMPRIM_SEED=%" PRIu64 " repeats it)\n", seed, seed);
	run(0);
	run(1);
	return 0;
}
