/*
 * The baseline and the two bounds.
 *
 * seed: the seed crate's SpscRing (shm-primitives 0.5) redone in C, same
 *   layout (visible_head u64 @0, tail u64 @64, capacity u32 @128, entries
 *   @192) and the same per-call work: enqueue loads tail (acquire) and the
 *   capacity (plain) on every call; dequeue loads its own tail and the
 *   producer's head (acquire) on every call; no cached peer index, no batch.
 * bounce: one cache line bounced between the two CPUs (the pinger writes an
 *   odd count, the echoer answers with the next even one): the floor for any
 *   round trip between two cores. "bounce 2 lines" answers in a second line,
 *   as two rings must (one line moves each way): the floor for a ring pair.
 * stream: the simplest correct ring, producer publishing 64 entries per
 *   release store of its index and the consumer taking everything published
 *   per acquire load (indices cached on both sides): the throughput ceiling.
 */
#include "bench_common.h"

/* ---- seed baseline ---- */

typedef struct seed_hdr {
	uint64_t visible_head;
	uint8_t pad0[56];
	uint64_t tail;
	uint8_t pad1[56];
	uint32_t capacity;
	uint8_t pad2[60];
} seed_hdr;

typedef struct seed_prod {
	seed_hdr *h;
	unsigned char *entries;
	uint64_t local_head;
} seed_prod;

typedef struct seed_cons {
	seed_hdr *h;
	unsigned char *entries;
} seed_cons;

static int seed_init(void *mem, uint32_t cap)
{
	seed_hdr *h = (seed_hdr *)mem;

	h->visible_head = 0;
	h->tail = 0;
	h->capacity = cap;
	return 0;
}

static int seed_open(void *mem, seed_prod *p, seed_cons *c)
{
	seed_hdr *h = (seed_hdr *)mem;

	if (p) {
		p->h = h;
		p->entries = (unsigned char *)mem + sizeof(seed_hdr);
		p->local_head = __atomic_load_n(&h->visible_head, __ATOMIC_ACQUIRE);
	}
	if (c) {
		c->h = h;
		c->entries = (unsigned char *)mem + sizeof(seed_hdr);
	}
	return 0;
}

static inline int seed_enqueue(seed_prod *p, const void *item, size_t size)
{
	uint64_t tail = __atomic_load_n(&p->h->tail, __ATOMIC_ACQUIRE);
	uint32_t cap = *(volatile uint32_t *)&p->h->capacity;

	if (p->local_head - tail >= cap)
		return 0;
	memcpy(p->entries + (size_t)(p->local_head & (cap - 1)) * size, item, size);
	p->local_head++;
	__atomic_store_n(&p->h->visible_head, p->local_head, __ATOMIC_RELEASE);
	return 1;
}

static inline int seed_dequeue(seed_cons *c, void *item, size_t size)
{
	uint64_t tail = __atomic_load_n(&c->h->tail, __ATOMIC_RELAXED);
	uint64_t head = __atomic_load_n(&c->h->visible_head, __ATOMIC_ACQUIRE);
	uint32_t cap;

	if (tail >= head)
		return 0;
	cap = *(volatile uint32_t *)&c->h->capacity;
	memcpy(item, c->entries + (size_t)(tail & (cap - 1)) * size, size);
	__atomic_store_n(&c->h->tail, tail + 1, __ATOMIC_RELEASE);
	return 1;
}

#define RH_NAME seed8
#define RH_ITEM uint64_t
#define RH_PROD seed_prod
#define RH_CONS seed_cons
#define RH_SIZE(cap) (sizeof(seed_hdr) + (size_t)(cap) * 8)
#define RH_INIT(mem, cap) seed_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) seed_open(mem, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) seed_open(mem, NULL, c)
#define RH_PUSH1(p, it) seed_enqueue(p, it, 8)
#define RH_POP1(c, it) seed_dequeue(c, it, 8)
#include "ring_harness.h"

#define RH_NAME seed64
#define RH_ITEM item64
#define RH_PROD seed_prod
#define RH_CONS seed_cons
#define RH_SIZE(cap) (sizeof(seed_hdr) + (size_t)(cap) * 64)
#define RH_INIT(mem, cap) seed_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) seed_open(mem, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) seed_open(mem, NULL, c)
#define RH_PUSH1(p, it) seed_enqueue(p, it, 64)
#define RH_POP1(c, it) seed_dequeue(c, it, 64)
#define RH_NO_RTT
#include "ring_harness.h"

#define RH_NAME seed256
#define RH_ITEM item256
#define RH_PROD seed_prod
#define RH_CONS seed_cons
#define RH_SIZE(cap) (sizeof(seed_hdr) + (size_t)(cap) * 256)
#define RH_INIT(mem, cap) seed_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) seed_open(mem, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) seed_open(mem, NULL, c)
#define RH_PUSH1(p, it) seed_enqueue(p, it, 256)
#define RH_POP1(c, it) seed_dequeue(c, it, 256)
#define RH_NO_RTT
#include "ring_harness.h"

/* ---- stream ceiling ---- */

#define STREAM_CHUNK 64u

typedef struct stream_hdr {
	uint32_t head;
	uint8_t pad0[124];
	uint32_t tail;
	uint8_t pad1[124];
	uint32_t capacity;
	uint8_t pad2[124];
} stream_hdr;

typedef struct stream_side {
	stream_hdr *h;
	uint64_t *entries;
	uint32_t mask, capacity;
	uint32_t local;         /* own index */
	uint32_t cached;        /* the peer's index as last seen */
} stream_side;

static int stream_init(void *mem, uint32_t cap)
{
	stream_hdr *h = (stream_hdr *)mem;

	h->head = h->tail = 0;
	h->capacity = cap;
	return cap >= STREAM_CHUNK ? 0 : -1;
}

static int stream_open(void *mem, uint32_t cap, stream_side *s)
{
	s->h = (stream_hdr *)mem;
	s->entries = (uint64_t *)((unsigned char *)mem + sizeof(stream_hdr));
	s->capacity = cap;
	s->mask = cap - 1;
	s->local = 0;
	s->cached = 0;
	return 0;
}

/* Publishes up to n (the harness asks for 64 at a time) with one release store. */
static inline uint32_t stream_push(stream_side *s, const uint64_t *items, uint32_t n)
{
	uint32_t i;

	if (s->capacity - (s->local - s->cached) < n) {
		s->cached = __atomic_load_n(&s->h->tail, __ATOMIC_ACQUIRE);
		if (s->capacity - (s->local - s->cached) < n)
			return 0;
	}
	for (i = 0; i < n; i++)
		s->entries[(s->local + i) & s->mask] = items[i];
	s->local += n;
	__atomic_store_n(&s->h->head, s->local, __ATOMIC_RELEASE);
	return n;
}

static inline uint32_t stream_pop(stream_side *s, uint64_t *items, uint32_t n)
{
	uint32_t avail = s->cached - s->local, i;

	if (!avail) {
		s->cached = __atomic_load_n(&s->h->head, __ATOMIC_ACQUIRE);
		avail = s->cached - s->local;
		if (!avail)
			return 0;
	}
	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++)
		items[i] = s->entries[(s->local + i) & s->mask];
	s->local += n;
	__atomic_store_n(&s->h->tail, s->local, __ATOMIC_RELEASE);
	return n;
}

static inline int stream_push1(stream_side *s, const uint64_t *item)
{
	return stream_push(s, item, 1) == 1;
}

static inline int stream_pop1(stream_side *s, uint64_t *item)
{
	return stream_pop(s, item, 1) == 1;
}

#define RH_NAME stream8
#define RH_ITEM uint64_t
#define RH_PROD stream_side
#define RH_CONS stream_side
#define RH_SIZE(cap) (sizeof(stream_hdr) + (size_t)(cap) * 8)
#define RH_INIT(mem, cap) stream_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) stream_open(mem, cap, p)
#define RH_OPEN_CONS(mem, cap, c) stream_open(mem, cap, c)
#define RH_PUSH1(p, it) stream_push1(p, it)
#define RH_POP1(c, it) stream_pop1(c, it)
#define RH_PUSHN(p, it, n) stream_push(p, it, n)
#define RH_POPN(c, it, n) stream_pop(c, it, n)
#define RH_NO_RTT
#include "ring_harness.h"

/* The driver always runs the stream with batch 64, whatever the row's batch. */
static int stream8_tput64(const tput_cfg *cfg, tput_out *out)
{
	tput_cfg c = *cfg;

	c.batch = STREAM_CHUNK;
	return stream8_tput(&c, out);
}

/* ---- bare cache-line bounce ---- */

typedef struct bounce_ctx {
	const rtt_cfg *cfg;
	bench_ctl *ctl;
	uint64_t *line;         /* the pinger writes here */
	uint64_t *answer;       /* the echoer answers here: the same line, or a second one */
} bounce_ctx;

static void bounce_side(int side, void *arg)
{
	bounce_ctx *x = (bounce_ctx *)arg;
	const uint64_t rounds = x->cfg->rounds;
	uint64_t i, errors = 0;

	bench_pin(x->cfg->cpu[side]);
	bench_barrier(x->ctl, 2);
	if (side == 0) {
		uint64_t *stamps = (uint64_t *)calloc((size_t)rounds + 1, sizeof(uint64_t));

		/* without memory for the stamps the rounds still run, so the echoer ends */
		for (i = 1; i <= rounds; i++) {
			uint64_t v;

			if (stamps)
				stamps[i - 1] = bench_ticks();
			__atomic_store_n(x->line, 2 * i - 1, __ATOMIC_RELEASE);
			while ((v = __atomic_load_n(x->answer, __ATOMIC_ACQUIRE)) != 2 * i) {
				if (v != 2 * i - 1 && v != 2 * i - 2)
					errors++;
				bench_relax();
			}
		}
		if (stamps) {
			stamps[rounds] = bench_ticks();
			bench_rtt_stats(stamps, (size_t)rounds, (size_t)(rounds / 100), x->cfg->ticks_per_ns,
			                &x->ctl->p50_ns, &x->ctl->p99_ns);
			free(stamps);
		} else {
			errors++;
		}
		x->ctl->side_errors[0] = errors;
	} else {
		for (i = 1; i <= rounds; i++) {
			uint64_t v;

			while ((v = __atomic_load_n(x->line, __ATOMIC_ACQUIRE)) != 2 * i - 1)
				bench_relax();
			__atomic_store_n(x->answer, v + 1, __ATOMIC_RELEASE);
		}
	}
}

static int bounce_run(const rtt_cfg *cfg, rtt_out *out, int lines)
{
	bounce_ctx x;
	int rc = -1;

	x.cfg = cfg;
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	x.line = (uint64_t *)bench_map(4096);
	/* the second line half a page away: no adjacent-line prefetch pairs them */
	x.answer = x.line ? (lines == 2 ? x.line + 256 : x.line) : NULL;
	if (x.ctl && x.line && bench_run_sides(cfg->procs, bounce_side, &x) == 0) {
		out->p50_ns = x.ctl->p50_ns;
		out->p99_ns = x.ctl->p99_ns;
		out->errors = x.ctl->side_errors[0];
		rc = 0;
	}
	bench_unmap(x.line, 4096);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return rc;
}

static int bounce_rtt(const rtt_cfg *cfg, rtt_out *out)
{
	return bounce_run(cfg, out, 1);
}

/* Two rings ping-ponging move two lines per round trip, one each way: this
 * is the floor for them (the one-line bounce is the floor for any exchange). */
static int bounce2_rtt(const rtt_cfg *cfg, rtt_out *out)
{
	return bounce_run(cfg, out, 2);
}

/* ---- a deliberately wrong ring, for the self-test (--selftest-broken) ----
 * The seed ring with two bugs a fast queue could have: every 997th pop hands
 * out the entry without consuming it (a duplicate), and entries larger than 8
 * bytes are copied only halfway (torn). The driver must report it FAILED. */

typedef struct broken_cons {
	seed_cons c;
	uint32_t pops;
} broken_cons;

static inline int broken_dequeue(broken_cons *b, void *item, size_t size)
{
	seed_cons *c = &b->c;
	uint64_t tail = __atomic_load_n(&c->h->tail, __ATOMIC_RELAXED);
	uint64_t head = __atomic_load_n(&c->h->visible_head, __ATOMIC_ACQUIRE);
	uint32_t cap;

	if (tail >= head)
		return 0;
	cap = *(volatile uint32_t *)&c->h->capacity;
	memcpy(item, c->entries + (size_t)(tail & (cap - 1)) * size, size > 8 ? size / 2 : size);
	if (++b->pops % 997 != 0)
		__atomic_store_n(&c->h->tail, tail + 1, __ATOMIC_RELEASE);
	return 1;
}

static int broken_open(void *mem, broken_cons *b)
{
	b->pops = 0;
	return seed_open(mem, NULL, &b->c);
}

#define RH_NAME broken8
#define RH_ITEM uint64_t
#define RH_PROD seed_prod
#define RH_CONS broken_cons
#define RH_SIZE(cap) (sizeof(seed_hdr) + (size_t)(cap) * 8)
#define RH_INIT(mem, cap) seed_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) seed_open(mem, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) broken_open(mem, c)
#define RH_PUSH1(p, it) seed_enqueue(p, it, 8)
#define RH_POP1(c, it) broken_dequeue(c, it, 8)
#include "ring_harness.h"

#define RH_NAME broken64
#define RH_ITEM item64
#define RH_PROD seed_prod
#define RH_CONS broken_cons
#define RH_SIZE(cap) (sizeof(seed_hdr) + (size_t)(cap) * 64)
#define RH_INIT(mem, cap) seed_init(mem, cap)
#define RH_OPEN_PROD(mem, cap, p) seed_open(mem, p, NULL)
#define RH_OPEN_CONS(mem, cap, c) broken_open(mem, c)
#define RH_PUSH1(p, it) seed_enqueue(p, it, 64)
#define RH_POP1(c, it) broken_dequeue(c, it, 64)
#define RH_NO_RTT
#include "ring_harness.h"

static const ring_impl broken_ring = {
	"broken (self-test)", "-", RI_SINGLE | RI_PROCS, {broken8_tput, broken64_tput, NULL}, broken8_rtt,
};

void bench_register_broken(bench_add_ring_fn add_ring)
{
	add_ring(&broken_ring);
}

static const ring_impl bound_rings[] = {
	{"seed baseline", "-", RI_SINGLE | RI_PROCS, {seed8_tput, seed64_tput, seed256_tput}, seed8_rtt},
	{"stream ceiling", "-", RI_BATCH | RI_PROCS, {stream8_tput64, NULL, NULL}, NULL},
	{"bounce floor", "-", RI_PROCS, {NULL, NULL, NULL}, bounce_rtt},
	{"bounce 2 lines", "-", RI_PROCS, {NULL, NULL, NULL}, bounce2_rtt},
};

void bench_register_bounds(bench_add_ring_fn add_ring, bench_add_slab_fn add_slab)
{
	(void)add_slab;
	add_ring(&bound_rings[0]);
	add_ring(&bound_rings[1]);
	add_ring(&bound_rings[2]);
	add_ring(&bound_rings[3]);
}
