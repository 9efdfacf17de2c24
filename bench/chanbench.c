/*
 * shmprim-chanbench: the channel design comparison of issue 16, two
 * processes over memfd pages, in one run.
 *
 *   design A  the library's channel (<shmprim/channel.h>): a byte ring of
 *             framed records; rows for copying send/recv, zero-copy
 *             loan/view, batches of 32 (send_batch, receive_batch + one
 *             release) and the blocking calls (send_wait/recv_wait);
 *   design B  a slab of max-size records plus an SPSC ring of slot handles
 *             (channel_slab.c), the hand-assembled baseline, busy
 *             polling, copying and zero copy.
 *
 * Sizes: 16-200 B random (the log shipper), 64 B, 1 KiB, 16 KiB.
 * Throughput in messages/s and MB/s; round trip p50/p99 of a 64-byte
 * ping-pong over two channels. Every pass measures the bare cache-line
 * bounce first (bounds.c's row) and then runs every row once, A and B of a
 * size and mode next to each other, so the ratios A/B are taken pass by
 * pass; passes whose bounce is not within 1.5x of the median pass's (the
 * VM's other speed mode) are set aside, as shmprim-bench does.
 *
 * Every message is verified: message k has a length drawn from k and carries
 * k mixed with each word's position in every byte; the consumer checks the
 * length and every byte, in order, and after the last message that nothing
 * more comes (A: END right after the producer closed; B: an empty ring).
 * A row with any error is printed FAILED and the program exits 1.
 */
#include "bench_common.h"
#include "channel_slab.h"
#include "twoproc.h"

#include <shmprim/channel.h>

/* ---- what runs ---- */

enum mode { A_COPY, B_COPY, A_ZC, B_ZC, A_BATCH, A_BLOCK, NMODES };

static const char *const mode_design[NMODES] = {"A", "B", "A", "B", "A", "A"};
static const char *const mode_name[NMODES] = {"copy", "copy", "zero-copy", "zero-copy", "batch 32", "blocking"};
static const int tput_modes[] = {A_COPY, B_COPY, A_ZC, B_ZC, A_BATCH, A_BLOCK};
static const int rtt_modes[] = {A_COPY, B_COPY, A_ZC, B_ZC, A_BLOCK};
#define NTPUT_MODES ((int)(sizeof(tput_modes) / sizeof(tput_modes[0])))
#define NRTT_MODES ((int)(sizeof(rtt_modes) / sizeof(rtt_modes[0])))

typedef struct size_case {
	const char *name;
	uint32_t fixed;   /* 0: random, 16..200 */
	uint32_t max;     /* the channel's longest message */
	uint64_t items;   /* messages per row at --scale 1 */
} size_case;

static const size_case sizes[] = {
	{"16-200 rnd", 0, 200, 1000000},
	{"64 B", 64, 64, 1000000},
	{"1 KiB", 1024, 1024, 250000},
	{"16 KiB", 16384, 16384, 25000},
};
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))

#define RTT_SIZE 64u
#define RTT_ROUNDS 50000u
#define BATCH 32u
/* Both designs get room for --room max-size messages (A: rounded up to a power of two of bytes). */
#define ROOM opt.room
#define MAX_PASSES TWOPROC_MAX_PASSES
#define WAIT_NS (10ull * 1000000000ull)   /* blocking calls' timeout */

static struct {
	int runs;
	int cpu[2];
	double scale;
	int quick;
	int selftest_corrupt;
	uint32_t room;
	double ticks_per_ns;
} opt = {5, {0, 1}, 1.0, 0, 0, 256, 1.0};

/* ---- the message sequence ---- */

static uint32_t msg_len(const size_case *sc, uint64_t k)
{
	return sc->fixed ? sc->fixed : 16u + (uint32_t)(twoproc_mix64(k) % 185u);
}

#define msg_fill twoproc_fill

/* 0 when p holds message k, exactly. */
static int msg_bad(const unsigned char *p, uint32_t len, const size_case *sc, uint64_t k)
{
	return twoproc_bad(p, len, msg_len(sc, k), k);
}

static uint64_t total_bytes(const size_case *sc, uint64_t n)
{
	uint64_t k, b = 0;

	if (sc->fixed)
		return n * sc->fixed;
	for (k = 1; k <= n; k++)
		b += msg_len(sc, k);
	return b;
}

/* ---- geometry: the same room in both designs ---- */

static uint32_t a_data_bytes(uint32_t max)
{
	uint32_t need = ROOM * (((max + 7u) & ~7u) + 8u), d = SHMPRIM_CHANNEL_MIN_DATA;

	while (d < need)
		d *= 2;
	return d;
}

static size_t row_bytes(int mode, uint32_t max)
{
	if (mode_design[mode][0] == 'A')
		return shmprim_channel_required_size(a_data_bytes(max));
	return chslab_required_size(ROOM, max);
}

static int row_init(int mode, void *mem, size_t len, uint32_t max)
{
	shmprim_region r = shmprim_region_from_raw(mem, len);

	if (mode_design[mode][0] == 'A') {
		shmprim_channel ch;

		return shmprim_channel_init(&ch, r, 0, a_data_bytes(max), max) == SHMPRIM_OK ? 0 : -1;
	} else {
		chslab b;

		return chslab_init(&b, r, ROOM, max) == SHMPRIM_OK ? 0 : -1;
	}
}

/* One process's end of a row's channel: design A's side handles or design B's view. */
typedef struct end {
	int mode;
	const size_case *sc;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	chslab b;
	int is_producer;
} end;

static int end_open(end *e, int mode, const size_case *sc, void *mem, size_t len, int producer)
{
	shmprim_region r = shmprim_region_from_raw(mem, len);

	e->mode = mode;
	e->sc = sc;
	e->is_producer = producer;
	if (mode_design[mode][0] == 'B')
		return chslab_attach(&e->b, r, ROOM, sc->max, (uint32_t)getpid()) == SHMPRIM_OK ? 0 : -1;
	if (shmprim_channel_attach_expect(&e->ch, r, 0, a_data_bytes(sc->max), sc->max) != SHMPRIM_OK)
		return -1;
	if (producer)
		return shmprim_channel_take_producer(&e->ch, &e->p, NULL) == SHMPRIM_OK ? 0 : -1;
	return shmprim_channel_take_consumer(&e->ch, &e->c, NULL) == SHMPRIM_OK ? 0 : -1;
}

/* Sends message k (len bytes; src holds it for the copying modes). 0 on success. */
static int send_one(end *e, uint64_t k, uint32_t len, unsigned char *src, patience *w)
{
	shmprim_status st;
	void *buf;
	chslab_msg loan;

	switch (e->mode) {
	case A_COPY:
		msg_fill(src, len, k);
		while ((st = shmprim_channel_send(&e->p, src, len)) == SHMPRIM_ERR_FULL)
			if (!patience_left(w))
				return -1;
		return st == SHMPRIM_OK ? 0 : -1;
	case A_BLOCK:
		msg_fill(src, len, k);
		return shmprim_channel_send_wait(&e->p, src, len, WAIT_NS, NULL) == SHMPRIM_OK ? 0 : -1;
	case A_ZC:
		while ((st = shmprim_channel_loan(&e->p, len, &buf)) == SHMPRIM_ERR_FULL)
			if (!patience_left(w))
				return -1;
		if (st != SHMPRIM_OK)
			return -1;
		msg_fill((unsigned char *)buf, len, k);
		return shmprim_channel_send_loan(&e->p, len) == SHMPRIM_OK ? 0 : -1;
	case B_COPY:
		msg_fill(src, len, k);
		while ((st = chslab_send(&e->b, src, len)) == SHMPRIM_ERR_FULL)
			if (!patience_left(w))
				return -1;
		return st == SHMPRIM_OK ? 0 : -1;
	case B_ZC:
		while ((st = chslab_loan(&e->b, len, &loan)) == SHMPRIM_ERR_FULL)
			if (!patience_left(w))
				return -1;
		if (st != SHMPRIM_OK)
			return -1;
		msg_fill(loan.data, len, k);
		/* --selftest-corrupt: one wrong byte in one message of one row, which must be caught */
		if (opt.selftest_corrupt && k == 7 && e->sc == &sizes[1])
			loan.data[len - 1] ^= 1;
		return chslab_send_loan(&e->b, &loan, len) == SHMPRIM_OK ? 0 : -1;
	default:
		return -1;
	}
}

/* Receives the next message and checks it is message k: 0 verified, 1 wrong data, -1 a failed call. */
static int recv_one(end *e, uint64_t k, unsigned char *dst, patience *w)
{
	shmprim_status st;
	shmprim_channel_msg v;
	chslab_msg bv;
	uint32_t len = 0;
	int bad;

	switch (e->mode) {
	case A_COPY:
		while ((st = shmprim_channel_recv(&e->c, dst, e->sc->max, &len)) == SHMPRIM_ERR_EMPTY)
			if (!patience_left(w))
				return -1;
		return st == SHMPRIM_OK ? msg_bad(dst, len, e->sc, k) : -1;
	case A_BLOCK:
		st = shmprim_channel_recv_wait(&e->c, dst, e->sc->max, &len, WAIT_NS, NULL);
		return st == SHMPRIM_OK ? msg_bad(dst, len, e->sc, k) : -1;
	case A_ZC:
		while ((st = shmprim_channel_receive(&e->c, &v)) == SHMPRIM_ERR_EMPTY)
			if (!patience_left(w))
				return -1;
		if (st != SHMPRIM_OK)
			return -1;
		bad = msg_bad((const unsigned char *)v.data, v.len, e->sc, k);
		return shmprim_channel_release(&e->c) == SHMPRIM_OK ? bad : -1;
	case B_COPY:
		while ((st = chslab_recv(&e->b, dst, e->sc->max, &len)) == SHMPRIM_ERR_EMPTY)
			if (!patience_left(w))
				return -1;
		return st == SHMPRIM_OK ? msg_bad(dst, len, e->sc, k) : -1;
	case B_ZC:
		while ((st = chslab_receive(&e->b, &bv)) == SHMPRIM_ERR_EMPTY)
			if (!patience_left(w))
				return -1;
		if (st != SHMPRIM_OK)
			return -1;
		bad = msg_bad(bv.data, bv.len, e->sc, k);
		return chslab_release(&e->b, &bv) == SHMPRIM_OK ? bad : -1;
	default:
		return -1;
	}
}

/* After the last message: nothing more may come (A: END, the producer
 * having closed; B: an empty ring, the producer having finished). */
static int nothing_after(end *e)
{
	shmprim_channel_msg v;
	chslab_msg bv;

	if (mode_design[e->mode][0] == 'A')
		return shmprim_channel_receive(&e->c, &v) == SHMPRIM_ERR_END ? 0 : 1;
	return chslab_receive(&e->b, &bv) == SHMPRIM_ERR_EMPTY ? 0 : 1;
}

/* ---- throughput: producer on cpu[0], consumer on cpu[1], two processes ---- */

typedef struct tput_ctx {
	int mode;
	const size_case *sc;
	uint64_t items;
	void *mem;
	size_t len;
	bench_ctl *ctl;
} tput_ctx;

static void tput_producer(tput_ctx *x, end *e, uint64_t *errors)
{
	unsigned char *src = (unsigned char *)malloc((size_t)x->sc->max * BATCH);
	shmprim_channel_msg msgs[BATCH];
	patience w;
	uint64_t k = 1;

	patience_start(&w);
	x->ctl->t_start = bench_now_ns();
	if (!src) {
		(*errors)++;
		return;
	}
	while (k <= x->items) {
		if (x->mode == A_BATCH) {
			uint32_t n = 0, done = 0, sent;
			shmprim_status st;

			for (; n < BATCH && k + n <= x->items; n++) {
				msgs[n].data = src + (size_t)n * x->sc->max;
				msgs[n].len = msg_len(x->sc, k + n);
				msg_fill(src + (size_t)n * x->sc->max, msgs[n].len, k + n);
			}
			while (done < n) {
				st = shmprim_channel_send_batch(&e->p, msgs + done, n - done, &sent);
				done += sent;
				if (st == SHMPRIM_ERR_FULL && done < n) {
					if (!patience_left(&w))
						break;
				} else if (st != SHMPRIM_OK) {
					break;
				}
			}
			if (done < n) {
				(*errors)++;
				break;
			}
			k += n;
		} else {
			if (send_one(e, k, msg_len(x->sc, k), src, &w) != 0) {
				(*errors)++;
				break;
			}
			k++;
		}
	}
	free(src);
}

static void tput_consumer(tput_ctx *x, end *e, uint64_t *errors)
{
	unsigned char *dst = (unsigned char *)malloc(x->sc->max);
	shmprim_channel_msg views[BATCH];
	patience w;
	uint64_t k = 1;

	patience_start(&w);
	if (!dst) {
		(*errors)++;
		return;
	}
	while (k <= x->items) {
		if (x->mode == A_BATCH) {
			uint32_t got = 0, i;
			shmprim_status st;

			while ((st = shmprim_channel_receive_batch(&e->c, views, BATCH, &got)) == SHMPRIM_ERR_EMPTY)
				if (!patience_left(&w))
					break;
			if (st != SHMPRIM_OK) {
				(*errors)++;
				break;
			}
			for (i = 0; i < got; i++, k++)
				*errors += (uint64_t)msg_bad((const unsigned char *)views[i].data, views[i].len, x->sc, k);
			if (shmprim_channel_release(&e->c) != SHMPRIM_OK) {
				(*errors)++;
				break;
			}
		} else {
			int r = recv_one(e, k, dst, &w);

			if (r < 0) {
				(*errors)++;
				break;
			}
			*errors += (uint64_t)r;
			k++;
		}
	}
	x->ctl->t_end = bench_now_ns();
	free(dst);
}

static void tput_side(int side, void *arg)
{
	tput_ctx *x = (tput_ctx *)arg;
	uint64_t errors = 0;
	end *e = (end *)calloc(1, sizeof(end)); /* handles are large (padded): off the stack */
	int ok;

	bench_pin(opt.cpu[side]);
	ok = e && end_open(e, x->mode, x->sc, x->mem, x->len, side == 0) == 0;
	bench_barrier(x->ctl, 2);
	if (!ok)
		errors++;
	else if (side == 0)
		tput_producer(x, e, &errors);
	else
		tput_consumer(x, e, &errors);
	if (ok && side == 0 && mode_design[x->mode][0] == 'A' && shmprim_channel_producer_close(&e->p) != SHMPRIM_OK)
		errors++;
	/* the producer has finished (and closed) before the consumer looks for more */
	bench_barrier(x->ctl, 4);
	if (ok && side == 1)
		errors += (uint64_t)nothing_after(e);
	x->ctl->side_errors[side] = errors;
	free(e);
}

typedef struct row_result {
	double mmsg, mbps, p50, p99;
	uint64_t errors;
	int ran;
} row_result;

static row_result run_tput(int mode, const size_case *sc, uint64_t items)
{
	row_result out;
	tput_ctx x;

	memset(&out, 0, sizeof(out));
	out.errors = 1;
	x.mode = mode;
	x.sc = sc;
	x.items = items;
	x.len = row_bytes(mode, sc->max);
	x.mem = bench_map(x.len);
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	if (x.mem && x.ctl && row_init(mode, x.mem, x.len, sc->max) == 0 && bench_run_sides(1, tput_side, &x) == 0) {
		double s = (double)(x.ctl->t_end - x.ctl->t_start) / 1e9;

		out.errors = x.ctl->side_errors[0] + x.ctl->side_errors[1];
		out.mmsg = (double)items / s / 1e6;
		out.mbps = (double)total_bytes(sc, items) / s / 1e6;
		out.ran = 1;
	}
	bench_unmap(x.mem, x.len);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return out;
}

/* ---- round trip: 64 bytes to the echoer over one channel and back over another ---- */

static const size_case rtt_size = {"64 B", RTT_SIZE, RTT_SIZE, 0};

typedef struct rtt_ctx {
	int mode;
	uint64_t rounds;
	void *mem[2];
	size_t len;
	bench_ctl *ctl;
} rtt_ctx;

/* The echoer sends back what it received, through the same API the row measures. */
static int echo_one(end *in, end *out, uint64_t k, unsigned char *buf, patience *w)
{
	int r = recv_one(in, k, buf, w);

	/* recv_one has released it: send message k back, the same bytes rebuilt */
	if (r != 0)
		return -1;
	return send_one(out, k, RTT_SIZE, buf, w);
}

static void rtt_side(int side, void *arg)
{
	rtt_ctx *x = (rtt_ctx *)arg;
	end *e = (end *)calloc(2, sizeof(end)); /* e[0]: the channel out, e[1]: the one in */
	unsigned char buf[RTT_SIZE];
	uint64_t errors = 0, k;
	patience w;
	int ok;

	bench_pin(opt.cpu[side]);
	/* side 0 sends on mem[0] and receives on mem[1]; side 1 the other way */
	ok = e && end_open(&e[0], x->mode, &rtt_size, x->mem[side], x->len, 1) == 0 &&
	     end_open(&e[1], x->mode, &rtt_size, x->mem[1 - side], x->len, 0) == 0;
	bench_barrier(x->ctl, 2);
	patience_start(&w);
	if (!ok) {
		errors++;
	} else if (side == 0) {
		uint64_t *stamps = (uint64_t *)calloc((size_t)x->rounds + 1, sizeof(uint64_t));

		for (k = 1; k <= x->rounds; k++) {
			int r;

			if (stamps)
				stamps[k - 1] = bench_ticks();
			if (send_one(&e[0], k, RTT_SIZE, buf, &w) != 0 || (r = recv_one(&e[1], k, buf, &w)) < 0) {
				errors++;
				break;
			}
			errors += (uint64_t)r;
		}
		if (stamps && k > x->rounds) {
			stamps[x->rounds] = bench_ticks();
			bench_rtt_stats(stamps, (size_t)x->rounds, (size_t)(x->rounds / 100), opt.ticks_per_ns,
			                &x->ctl->p50_ns, &x->ctl->p99_ns);
		} else {
			errors++;
		}
		free(stamps);
	} else {
		for (k = 1; k <= x->rounds; k++)
			if (echo_one(&e[1], &e[0], k, buf, &w) != 0) {
				errors++;
				break;
			}
	}
	if (ok && mode_design[x->mode][0] == 'A' && shmprim_channel_producer_close(&e[0].p) != SHMPRIM_OK)
		errors++;
	bench_barrier(x->ctl, 4);
	if (ok)
		errors += (uint64_t)nothing_after(&e[1]);
	x->ctl->side_errors[side] = errors;
	free(e);
}

static row_result run_rtt(int mode, uint64_t rounds)
{
	row_result out;
	rtt_ctx x;

	memset(&out, 0, sizeof(out));
	out.errors = 1;
	x.mode = mode;
	x.rounds = rounds;
	x.len = row_bytes(mode, RTT_SIZE);
	x.mem[0] = bench_map(x.len);
	x.mem[1] = bench_map(x.len);
	x.ctl = (bench_ctl *)bench_map(sizeof(bench_ctl));
	if (x.mem[0] && x.mem[1] && x.ctl && row_init(mode, x.mem[0], x.len, RTT_SIZE) == 0 &&
	    row_init(mode, x.mem[1], x.len, RTT_SIZE) == 0 && bench_run_sides(1, rtt_side, &x) == 0) {
		out.errors = x.ctl->side_errors[0] + x.ctl->side_errors[1];
		out.p50 = x.ctl->p50_ns;
		out.p99 = x.ctl->p99_ns;
		out.ran = 1;
	}
	bench_unmap(x.mem[0], x.len);
	bench_unmap(x.mem[1], x.len);
	bench_unmap(x.ctl, sizeof(bench_ctl));
	return out;
}

/* ---- the run ---- */

static row_result tput_res[MAX_PASSES][NSIZES][NMODES];
static row_result rtt_res[MAX_PASSES][NMODES];
static double pass_bounce[MAX_PASSES];

static void usage(void)
{
	fprintf(stderr, "usage: shmprim-chanbench [--runs N] [--scale F] [--cpus A,B] [--room N] [--quick] [--selftest-corrupt]\n"
	                "  --runs N            measured passes after one warm-up pass (1..%d, default 5)\n"
	                "  --scale F           multiply every message and round-trip count (default 1)\n"
	                "  --cpus A,B          the producer's and the consumer's CPU (default 0,1)\n"
	                "  --room N            room in both designs for N max-size messages, a power of two\n"
	                "                      in [2, 4096] (default 256)\n"
	                "  --quick             counts / 50 (the bench test suite)\n"
	                "  --selftest-corrupt  design B's zero-copy producer spoils one byte of one 64 B\n"
	                "                      message: that row must come out FAILED (exit 1)\n",
	        MAX_PASSES - 1);
}

static int parse(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *endp;

		if (strcmp(a, "--quick") == 0) {
			opt.quick = 1;
		} else if (strcmp(a, "--selftest-corrupt") == 0) {
			opt.selftest_corrupt = 1;
		} else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], &endp, 10);

			if (*endp || n < 1 || n >= MAX_PASSES)
				return -1;
			opt.runs = (int)n;
		} else if (strcmp(a, "--scale") == 0 && i + 1 < argc) {
			opt.scale = strtod(argv[++i], &endp);
			if (*endp || !(opt.scale > 0) || opt.scale > 100)
				return -1;
		} else if (strcmp(a, "--room") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], &endp, 10);

			if (*endp || n < 2 || n > 4096 || (n & (n - 1)))
				return -1;
			opt.room = (uint32_t)n;
		} else if (strcmp(a, "--cpus") == 0 && i + 1 < argc) {
			if (sscanf(argv[++i], "%d,%d", &opt.cpu[0], &opt.cpu[1]) != 2 || opt.cpu[0] < 0 ||
			    opt.cpu[1] < 0 || opt.cpu[0] == opt.cpu[1])
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

static uint64_t scaled(uint64_t n)
{
	double v = (double)n * opt.scale / (opt.quick ? 50.0 : 1.0);

	return v < 100 ? 100 : (uint64_t)v;
}

static const char *verdict(row_result *const res[], int npass, int *failed)
{
	int p;

	for (p = 0; p < npass; p++)
		if (!res[p]->ran || res[p]->errors) {
			*failed = 1;
			return res[p]->ran ? "FAILED (data did not verify)" : "FAILED (could not run)";
		}
	return "verified";
}

int main(int argc, char **argv)
{
	int npass, p, s, m, failed = 0, keep[MAX_PASSES], nkept = 0;
	double mode_bounce;
	cpu_set_t saved;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse(argc, argv) != 0) {
		usage();
		return 2;
	}
	if (sched_getaffinity(0, sizeof(saved), &saved) != 0 || bench_pin(opt.cpu[0]) != 0 || bench_pin(opt.cpu[1]) != 0) {
		fprintf(stderr, "shmprim-chanbench: cannot pin to cpu%d and cpu%d: skipped\n", opt.cpu[0], opt.cpu[1]);
		return 77;
	}
	sched_setaffinity(0, sizeof(saved), &saved);
	opt.ticks_per_ns = twoproc_calibrate_ticks();
	npass = opt.runs + 1; /* pass 0 is the warm-up, discarded */

	printf("shmprim-chanbench: channel designs, two processes over memfd pages, producer cpu%d, consumer cpu%d, "
	       "atomics backend %s\n",
	       opt.cpu[0], opt.cpu[1], shmprim_backend_name());
	printf("  A: the library channel (byte ring of framed records); B: slab of max-size slots + SPSC ring of slot "
	       "handles (bench/channel_slab.c)\n");
	printf("  room for %u max-size messages in both (A: data area rounded up to a power of two); "
	       "%d measured passes after a warm-up, every row once per pass\n",
	       ROOM, opt.runs);
	for (p = 0; p < npass; p++) {
		pass_bounce[p] = twoproc_bounce(opt.cpu[0], opt.cpu[1], opt.ticks_per_ns);
		printf("pass %d%s: bare cache-line bounce %.0f ns round trip\n", p, p ? "" : " (warm-up)", pass_bounce[p]);
		for (s = 0; s < NSIZES; s++)
			for (m = 0; m < NTPUT_MODES; m++)
				tput_res[p][s][tput_modes[m]] = run_tput(tput_modes[m], &sizes[s], scaled(sizes[s].items));
		for (m = 0; m < NRTT_MODES; m++)
			rtt_res[p][rtt_modes[m]] = run_rtt(rtt_modes[m], scaled(RTT_ROUNDS));
	}

	/* keep the measured passes in one speed mode: bounce within 1.5x of their median */
	nkept = twoproc_keep(pass_bounce, 1, npass, keep, &mode_bounce);
	printf("\nbare cache-line bounce: median %.0f ns over the measured passes; kept %d of %d passes "
	       "(bounce within 1.5x of it)\n",
	       mode_bounce, nkept, opt.runs);

	printf("\nthroughput, median [min - max] over the kept passes\n");
	printf("%-11s %-6s %-10s %26s %26s  %s\n", "size", "design", "mode", "Mmsg/s", "MB/s", "data");
	for (s = 0; s < NSIZES; s++)
		for (m = 0; m < NTPUT_MODES; m++) {
			int mode = tput_modes[m];
			double v[MAX_PASSES], b[MAX_PASSES];
			row_result *res[MAX_PASSES];
			trio tm, tb;

			for (p = 0; p < npass; p++) {
				v[p] = tput_res[p][s][mode].mmsg;
				b[p] = tput_res[p][s][mode].mbps;
				res[p] = &tput_res[p][s][mode];
			}
			tm = trio_of(v, keep, npass);
			tb = trio_of(b, keep, npass);
			printf("%-11s %-6s %-10s %8.3f [%6.3f - %6.3f] %8.0f [%6.0f - %6.0f]  %s\n", sizes[s].name,
			       mode_design[mode], mode_name[mode], tm.med, tm.lo, tm.hi, tb.med, tb.lo, tb.hi,
			       verdict(res, npass, &failed));
		}

	printf("\nround trip, %u-byte ping-pong over two channels, ns, median [min - max] over the kept passes\n",
	       RTT_SIZE);
	printf("%-6s %-10s %26s %26s  %s\n", "design", "mode", "p50", "p99", "data");
	for (m = 0; m < NRTT_MODES; m++) {
		int mode = rtt_modes[m];
		double v[MAX_PASSES], w[MAX_PASSES];
		row_result *res[MAX_PASSES];
		trio t50, t99;

		for (p = 0; p < npass; p++) {
			v[p] = rtt_res[p][mode].p50;
			w[p] = rtt_res[p][mode].p99;
			res[p] = &rtt_res[p][mode];
		}
		t50 = trio_of(v, keep, npass);
		t99 = trio_of(w, keep, npass);
		printf("%-6s %-10s %8.0f [%6.0f - %6.0f] %8.0f [%6.0f - %6.0f]  %s\n", mode_design[mode], mode_name[mode],
		       t50.med, t50.lo, t50.hi, t99.med, t99.lo, t99.hi, verdict(res, npass, &failed));
	}

	printf("\nratios A/B, median [min - max] over the kept passes of each pass's ratio\n");
	{
		/* throughput: higher is better for A; round trip: lower is better for A */
		static const int pairs[][2] = {{A_COPY, B_COPY}, {A_ZC, B_ZC}, {A_BATCH, B_ZC}, {A_BLOCK, B_COPY}};
		int q;

		for (s = 0; s < NSIZES; s++)
			for (q = 0; q < 4; q++) {
				double r[MAX_PASSES];
				trio t;

				for (p = 0; p < npass; p++) {
					double bv = tput_res[p][s][pairs[q][1]].mmsg;

					r[p] = bv > 0 ? tput_res[p][s][pairs[q][0]].mmsg / bv : 0;
				}
				t = trio_of(r, keep, npass);
				printf("msgs/s  %-11s A %-10s / B %-10s %6.2fx [%5.2f - %5.2f]\n", sizes[s].name,
				       mode_name[pairs[q][0]], mode_name[pairs[q][1]], t.med, t.lo, t.hi);
			}
		for (q = 0; q < 2; q++) {
			double r50[MAX_PASSES], r99[MAX_PASSES];
			trio t50, t99;

			for (p = 0; p < npass; p++) {
				const row_result *a = &rtt_res[p][pairs[q][0]], *b = &rtt_res[p][pairs[q][1]];

				r50[p] = b->p50 > 0 ? a->p50 / b->p50 : 0;
				r99[p] = b->p99 > 0 ? a->p99 / b->p99 : 0;
			}
			t50 = trio_of(r50, keep, npass);
			t99 = trio_of(r99, keep, npass);
			printf("rtt     p50 A %-10s / B %-10s %6.2fx [%5.2f - %5.2f]   p99 %6.2fx [%5.2f - %5.2f] "
			       "(lower: A faster)\n",
			       mode_name[pairs[q][0]], mode_name[pairs[q][1]], t50.med, t50.lo, t50.hi, t99.med, t99.lo,
			       t99.hi);
		}
	}
	if (failed)
		fprintf(stderr, "shmprim-chanbench: a row failed (see the data column)\n");
	return failed ? 1 : 0;
}
