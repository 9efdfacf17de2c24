/*
 * Fan-in (include/shmprim/channel.h): one thread serves the consumer sides of
 * up to SHMPRIM_FANIN_MAX channels, round-robin, and sleeps on all their
 * consumer_sleeping flags at once (shmprim_futex_wait_any: futex_waitv, or
 * its polling fallback, src/futex_waitv.c).
 *
 * Lost-wake argument: src/wait.c's, once per channel. The producers are
 * unchanged: after publishing, WK1 (fence), WK2 (their flag set?), WK3
 * (clear it, then one wake syscall).
 *   FS1: every live channel's flag = 1 (SL1's role)
 *   FS2: one fence(seq_cst) after all of them (SL2's role): pairs with each
 *        producer's WK1
 *   re-check every channel, then sleep while every flag still reads 1
 * Per channel, either the re-check sees the producer's message or the
 * producer sees its flag set, clears it and wakes it. The kernel compares
 * every flag with 1 before sleeping (futex_waitv, atomically for all of
 * them), so a flag cleared before the sleep makes it return at once, and a
 * wake after it wakes it. The fallback compares words[0] in the kernel and
 * the others after each slice: a cleared flag is seen at most one slice late.
 *
 * Fairness: every scan starts at the entry after the one last reported and
 * stops at the first with something to report, so an entry with a message is
 * reached before any other is reported twice.
 *
 * The producers' memory is untrusted: the flags are hints (stored, and
 * compared by the kernel); what decides is the channel's own receive, which
 * validates every record.
 */
#define _GNU_SOURCE

#include <string.h>

#include <shmprim/channel.h>

#include "../backends/shmprim_atomic.h"
#include "../backends/shmprim_os.h" /* the producers' liveness: the model checker replaces it */
#include "channel_internal.h"
#include "claim_word.h"
#include "test_hooks.h"
#include "wait_internal.h"

/* What a scan does with an entry: look (wait_any) or copy one out (recv_any). */
struct fanin_op {
	void *buf; /* NULL: look only */
	uint32_t cap;
	uint32_t *len;
};

static int is_retired(const shmprim_channel_fanin *f, uint32_t i)
{
	return (int)((f->retired[i / 32u] >> (i % 32u)) & 1u);
}

static void retire(shmprim_channel_fanin *f, uint32_t i)
{
	f->retired[i / 32u] |= 1u << (i % 32u);
	f->live--;
}

static uint32_t after(const shmprim_channel_fanin *f, uint32_t i)
{
	return i + 1u == f->n ? 0u : i + 1u;
}

shmprim_status shmprim_channel_fanin_init(shmprim_channel_fanin *f, shmprim_channel_consumer *const *consumers,
                                          uint32_t n, uint32_t flags)
{
	uint32_t i;

	if (!f || !consumers)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (n == 0 || n > SHMPRIM_FANIN_MAX || (flags & ~SHMPRIM_WAIT_ANY_POLL))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	for (i = 0; i < n; i++)
		if (!consumers[i])
			return SHMPRIM_ERR_NULL_ARGUMENT;
	memset(f, 0, sizeof(*f));
	f->consumers = consumers;
	f->n = n;
	f->live = n;
	f->flags = flags;
	return SHMPRIM_OK;
}

shmprim_status shmprim_channel_fanin_remove(shmprim_channel_fanin *f, uint32_t index)
{
	if (!f)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (index >= f->n || is_retired(f, index))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	retire(f, index);
	return SHMPRIM_OK;
}

uint32_t shmprim_channel_fanin_live(const shmprim_channel_fanin *f)
{
	return f ? f->live : 0u;
}

/* Whether c has a message (SHMPRIM_OK), nothing yet (EMPTY), or what ended
 * it; the handle is left as it was (a receive, undone). */
static shmprim_status peek(shmprim_channel_consumer *c)
{
	shmprim_channel_msg view;
	uint64_t tail = c->tail;
	uint32_t pending = c->pending;
	shmprim_status st = shmprim_channel_receive(c, &view);

	c->tail = tail;
	c->pending = pending;
	return st;
}

static shmprim_status try_entry(shmprim_channel_fanin *f, uint32_t i, const struct fanin_op *op)
{
	shmprim_channel_consumer *c = f->consumers[i];
	shmprim_status st;

	if (!op->buf)
		return peek(c);
	st = shmprim_channel_recv(c, op->buf, op->cap, op->len);
	if (st == SHMPRIM_OK)
		sp_wake_flag(&c->header->producer_sleeping); /* recv released: room for a sleeping producer */
	return st;
}

/* Reports entry i with st: the round-robin moves past it, and an entry that
 * ended is retired. */
static int report(shmprim_channel_fanin *f, uint32_t i, shmprim_status r, uint32_t *index, shmprim_status *st)
{
	*index = i;
	*st = r;
	if (r == SHMPRIM_ERR_MESSAGE_SIZE) {
		f->next = i; /* the message stays: it is first again */
		return 1;
	}
	f->next = after(f, i);
	if (r != SHMPRIM_OK)
		retire(f, i);
	return 1;
}

/* One pass, round-robin from f->next: 1 with *index and *st at the first
 * entry that has something to report, 0 when every live one is empty. */
static int scan(shmprim_channel_fanin *f, const struct fanin_op *op, uint32_t *index, shmprim_status *st)
{
	uint32_t k, i = f->next;

	for (k = 0; k < f->n; k++, i = after(f, i)) {
		shmprim_status r;

		if (is_retired(f, i))
			continue;
		r = try_entry(f, i, op);
		if (r != SHMPRIM_ERR_EMPTY)
			return report(f, i, r, index, st);
	}
	return 0;
}

/* SHMPRIM_ERR_PEER_DEAD if the claim word names a process verified dead,
 * SHMPRIM_ERR_CORRUPT if it holds a value no claim writes. */
static shmprim_status producer_status(shmprim_channel_consumer *c)
{
	shmprim_claim_holder h;
	uint64_t word = sp_channel_consumer_peer_word(c); /* K4 inside */

	/* shmprim_claim_describe, with the liveness through the OS seam */
	sp_claim_decode(word, sp_claim_state(word) == SHMPRIM_SIDE_HELD ? sp_proc_liveness(word) : SHMPRIM_DEAD, &h);
	if (h.state == SHMPRIM_SIDE_HELD && h.liveness == SHMPRIM_DEAD)
		return SHMPRIM_ERR_PEER_DEAD;
	if (h.state == SHMPRIM_SIDE_IMPOSSIBLE)
		return SHMPRIM_ERR_CORRUPT;
	return SHMPRIM_OK;
}

/* Once per check interval, while waiting and while serving: the producer of
 * each empty channel (a /proc read each). A dead one is reported once its
 * channel is drained; the next call checks again at once, for another. */
static int check_producers(shmprim_channel_fanin *f, uint64_t interval, uint32_t *index, shmprim_status *st)
{
	uint64_t now = sp_now_ns();
	uint32_t k, i = f->next;

	if (now < f->next_check_ns)
		return 0;
	f->next_check_ns = now + interval;
	for (k = 0; k < f->n; k++, i = after(f, i)) {
		shmprim_channel_consumer *c = f->consumers[i];
		shmprim_status r;

		if (is_retired(f, i) || peek(c) != SHMPRIM_ERR_EMPTY)
			continue; /* the scan reports it */
		r = producer_status(c);
		if (r == SHMPRIM_OK)
			continue;
		/* Everything the dead producer sent comes first: it published before its claim says dead. */
		if (r == SHMPRIM_ERR_PEER_DEAD && peek(c) != SHMPRIM_ERR_EMPTY)
			continue;
		f->next_check_ns = 0;
		return report(f, i, r, index, st);
	}
	return 0;
}

/* FS1, FS2: announces the consumer on every live channel, starting at the
 * entry last reported (the fallback sleeps on words[0], the likeliest to be
 * woken). Returns how many. */
static uint32_t arm(shmprim_channel_fanin *f, uint32_t **words, uint32_t *expected)
{
	uint32_t k, n = 0, i = f->next == 0 ? f->n - 1u : f->next - 1u;

	for (k = 0; k < f->n; k++, i = after(f, i)) {
		uint32_t *flag;

		if (is_retired(f, i))
			continue;
		flag = &f->consumers[i]->header->consumer_sleeping;
		sp_store_relaxed_u32(flag, 1); /* FS1: ordered by FS2 */
		words[n] = flag;
		expected[n] = 1;
		n++;
	}
	sp_fence(SP_SEQ_CST); /* FS2: pairs with each producer's WK1 */
	return n;
}

static void disarm(uint32_t **words, uint32_t n)
{
	uint32_t k;

	for (k = 0; k < n; k++)
		sp_store_relaxed_u32(words[k], 0); /* SL3: a hint; a late wake is harmless */
}

static shmprim_status fanin_wait(shmprim_channel_fanin *f, const struct fanin_op *op, uint32_t *index,
                                 uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	uint32_t spin = opts ? opts->spin : SHMPRIM_WAIT_DEFAULT_SPIN;
	uint64_t interval = opts && opts->check_ns ? opts->check_ns : SHMPRIM_WAIT_DEFAULT_CHECK_NS;
	uint32_t *words[SHMPRIM_FANIN_MAX];
	uint32_t expected[SHMPRIM_FANIN_MAX];
	uint64_t start, deadline;
	shmprim_status st;
	uint32_t i;

	*index = SHMPRIM_FANIN_NONE;
	if (f->live == 0)
		return SHMPRIM_ERR_END;
	/* The check first: a scan that always finds a message (busy producers)
	 * must not keep a dead one's empty channel from being reported. */
	if (check_producers(f, interval, index, &st) || scan(f, op, index, &st))
		return st;
	if (timeout_ns == 0)
		return SHMPRIM_ERR_TIMED_OUT;
	start = sp_now_ns();
	deadline = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	for (i = 0; i < spin; i++) {
		sp_spin_hint();
		if (scan(f, op, index, &st))
			return st;
		if ((i + 1) % SHMPRIM_WAIT_CLOCK_EVERY == 0 && sp_now_ns() >= deadline)
			return SHMPRIM_ERR_TIMED_OUT;
	}
	for (;;) {
		uint64_t now, slice;
		uint32_t n;

		if (check_producers(f, interval, index, &st))
			return st;
		if (f->live == 0)
			return SHMPRIM_ERR_END;
		/* A producer waiting for room released without a wake must not wait on us. */
		for (i = 0; i < f->n; i++)
			if (!is_retired(f, i))
				sp_wake_flag(&f->consumers[i]->header->producer_sleeping);
		SHMPRIM_WINDOW(SHMPRIM_WINDOW_BEFORE_ARM);
		n = arm(f, words, expected);
		if (scan(f, op, index, &st)) {
			disarm(words, n);
			return st;
		}
		now = sp_now_ns();
		if (now >= deadline) {
			disarm(words, n);
			return SHMPRIM_ERR_TIMED_OUT;
		}
		slice = deadline - now < interval ? deadline - now : interval;
		st = shmprim_futex_wait_any(words, expected, n, slice, f->flags, NULL);
		if ((f->flags & SHMPRIM_WAIT_ANY_POLL) || !shmprim_futex_waitv_supported())
			f->sleeps_poll++;
		else
			f->sleeps_waitv++;
		disarm(words, n);
		if (st != SHMPRIM_OK && st != SHMPRIM_ERR_TIMED_OUT)
			return st;
		if (scan(f, op, index, &st))
			return st;
	}
}

shmprim_status shmprim_channel_wait_any(shmprim_channel_fanin *f, uint32_t *index, uint64_t timeout_ns,
                                        const shmprim_wait_opts *opts)
{
	struct fanin_op op;

	if (!f || !index || !f->consumers)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	memset(&op, 0, sizeof(op));
	return fanin_wait(f, &op, index, timeout_ns, opts);
}

shmprim_status shmprim_channel_recv_any(shmprim_channel_fanin *f, void *buf, uint32_t cap, uint32_t *len,
                                        uint32_t *index, uint64_t timeout_ns, const shmprim_wait_opts *opts)
{
	struct fanin_op op;

	if (!f || !buf || !len || !index || !f->consumers)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	op.buf = buf;
	op.cap = cap;
	op.len = len;
	return fanin_wait(f, &op, index, timeout_ns, opts);
}
