/*
 * Claimed ring sides between real processes (include/shmprim/spsc.h,
 * docs/ipc.md "Claims, takeover and close"): a second producer or consumer
 * process is refused and told the holder's pid; a SIGKILLed consumer is taken
 * over and the stream goes on with nothing lost and at most the stated
 * duplicates; close gives END after the exact count, or CLOSED; a killed but
 * unreaped holder (a zombie) counts as dead. The ring lives in a MAP_SHARED
 * anonymous mapping that fork() shares.
 */
#include "ipc_common.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(claims, .timeout = 100);

#define CAP 64u
#define SEC 1000000000ull

/* What the processes of one test share, after the ring. */
struct shared {
	volatile uint32_t progress;  /* entries the first consumer has recorded */
	volatile int32_t status[4];  /* children's findings */
	volatile int32_t pid[4];
	volatile uint64_t start[4];
	volatile uint32_t count;     /* entries a child moved */
	uint8_t seen[];              /* times each value was recorded */
};

static void *map_shared(size_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(m, MAP_FAILED);
	return m;
}

static struct shared *setup(shmprim_spsc *ring, size_t values, void **mem, size_t *len)
{
	size_t ring_len = (shmprim_spsc_required_size(CAP, sizeof(uint64_t)) + 4095) & ~(size_t)4095;

	*len = ring_len + sizeof(struct shared) + values;
	*mem = map_shared(*len);
	cr_assert_eq(shmprim_spsc_init(ring, shmprim_region_from_raw(*mem, ring_len), 0, CAP, sizeof(uint64_t)),
	             SHMPRIM_OK);
	return (struct shared *)(void *)((unsigned char *)*mem + ring_len);
}

static int reap(pid_t pid)
{
	int ws;

	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

/* A child tries both sides while they are held: each refusal names its holder. */
static void intruder(shmprim_spsc *ring, struct shared *sh)
{
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;

	sh->status[0] = shmprim_spsc_take_producer(ring, &p, &h);
	sh->pid[0] = h.pid;
	sh->status[1] = shmprim_spsc_take_consumer(ring, &c, &h);
	sh->pid[1] = h.pid;
	sh->status[2] = h.liveness;
	_exit(0);
}

/* The first consumer: peek one, record it, release it, so a kill at any point
 * re-delivers at most the one entry it had peeked. */
static void first_consumer(shmprim_spsc *ring, struct shared *sh)
{
	shmprim_spsc_consumer c;
	uint64_t expect = 0;

	if (shmprim_spsc_take_consumer(ring, &c, NULL) != SHMPRIM_OK)
		_exit(2);
	for (;;) {
		uint64_t v;

		if (shmprim_spsc_wait_readable(&c, 10 * SEC, NULL) != SHMPRIM_OK)
			_exit(3);
		if (shmprim_spsc_peek(&c, 1) != 1)
			_exit(4);
		memcpy(&v, shmprim_spsc_peeked_entry(&c, 0), sizeof(v));
		if (v != expect)
			_exit(5);
		sh->seen[v]++;
		sh->progress = (uint32_t)(v + 1);
		shmprim_spsc_release(&c, 1);
		shmprim_spsc_notify_producer(&c);
		expect++;
	}
}

/* The successor: takes the side over, pops in order until END. */
static void second_consumer(shmprim_spsc *ring, struct shared *sh)
{
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;
	shmprim_status st;
	uint64_t v, prev = UINT64_MAX;
	uint32_t n = 0;

	st = shmprim_spsc_take_consumer(ring, &c, &h);
	sh->status[3] = st;
	sh->pid[3] = h.pid;
	sh->start[3] = h.liveness;
	if (st != SHMPRIM_OK)
		_exit(2);
	while ((st = shmprim_spsc_pop_wait(&c, &v, 10 * SEC, NULL)) == SHMPRIM_OK) {
		if (prev != UINT64_MAX && v != prev + 1)
			_exit(5);
		prev = v;
		sh->seen[v]++;
		n++;
	}
	sh->count = n;
	_exit(st == SHMPRIM_ERR_END ? 0 : 6);
}

Test(claims, sigkilled_consumer_is_taken_over_and_the_stream_goes_on)
{
	enum { N = 60000 };
	shmprim_spsc ring;
	void *mem;
	size_t len;
	struct shared *sh = setup(&ring, N, &mem, &len);
	shmprim_spsc_producer p;
	shmprim_wait_opts opts = { NULL, 64, 5000000ull };
	pid_t c1, c2 = -1, spy;
	uint64_t v;
	uint32_t dup = 0, i;
	int peer_dead = 0;

	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	c1 = fork();
	if (c1 == 0)
		first_consumer(&ring, sh);
	/* Push until the first consumer has recorded a third, then kill it. */
	for (v = 0; sh->progress < N / 3; v++)
		cr_assert_eq(shmprim_spsc_push_wait(&p, &v, 10 * SEC, &opts), SHMPRIM_OK, "push %llu",
		             (unsigned long long)v);

	spy = fork();
	if (spy == 0)
		intruder(&ring, sh);
	cr_assert_eq(reap(spy), 0);
	cr_assert_eq(sh->status[0], SHMPRIM_ERR_CLAIMED, "second producer process: %s",
	             shmprim_status_str((shmprim_status)sh->status[0]));
	cr_assert_eq(sh->pid[0], getpid(), "the producer's holder named");
	cr_assert_eq(sh->status[1], SHMPRIM_ERR_CLAIMED, "second consumer process: %s",
	             shmprim_status_str((shmprim_status)sh->status[1]));
	cr_assert_eq(sh->pid[1], c1, "the consumer's holder named");
	cr_assert_eq(sh->status[2], SHMPRIM_ALIVE);

	kill(c1, SIGKILL);
	cr_assert_eq(reap(c1), 128 + SIGKILL);
	/* The producer fills the ring, then its wait finds the claim's holder dead. */
	for (; v < N; v++) {
		shmprim_status st = shmprim_spsc_push_wait(&p, &v, 10 * SEC, &opts);

		if (st == SHMPRIM_ERR_PEER_DEAD && !peer_dead) {
			peer_dead = 1;
			sh->status[3] = -1;
			c2 = fork();
			if (c2 == 0)
				second_consumer(&ring, sh);
			/* Until it has taken the side, the claim still names the dead one. */
			for (i = 0; sh->status[3] == -1 && i < 10000; i++)
				usleep(1000);
			cr_assert_eq(sh->status[3], SHMPRIM_OK, "take-over: %d", sh->status[3]);
			st = shmprim_spsc_push_wait(&p, &v, 10 * SEC, &opts);
		}
		cr_assert_eq(st, SHMPRIM_OK, "push %llu: %s", (unsigned long long)v, shmprim_status_str(st));
	}
	cr_assert(peer_dead, "the producer never saw the dead consumer");
	cr_assert_eq(shmprim_spsc_producer_close(&p), SHMPRIM_OK);
	cr_assert_eq(reap(c2), 0, "second consumer: status %d", sh->status[3]);
	cr_assert_eq(sh->pid[3], c1, "took over from the first consumer");
	cr_assert_eq(sh->start[3], SHMPRIM_DEAD);
	for (i = 0; i < N; i++) {
		cr_assert_neq(sh->seen[i], 0, "value %u lost", i);
		cr_assert_leq(sh->seen[i], 2, "value %u seen %u times", i, sh->seen[i]);
		dup += sh->seen[i] - 1u;
	}
	cr_assert_leq(dup, 1, "%u duplicates; the bound for a peek of one is 1", dup);
	munmap(mem, len);
}

Test(claims, producer_close_gives_end_after_the_exact_count)
{
	enum { M = 5000 };
	shmprim_spsc ring;
	void *mem;
	size_t len;
	struct shared *sh = setup(&ring, 0, &mem, &len);
	shmprim_spsc_consumer c;
	uint64_t v, n = 0;
	shmprim_status st;
	pid_t prod;

	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	prod = fork();
	if (prod == 0) {
		shmprim_spsc_producer p;

		if (shmprim_spsc_take_producer(&ring, &p, NULL) != SHMPRIM_OK)
			_exit(2);
		for (v = 0; v < M; v++)
			if (shmprim_spsc_push_wait(&p, &v, 10 * SEC, NULL) != SHMPRIM_OK)
				_exit(3);
		_exit(shmprim_spsc_producer_close(&p) == SHMPRIM_OK ? 0 : 4);
	}
	while ((st = shmprim_spsc_pop_wait(&c, &v, 10 * SEC, NULL)) == SHMPRIM_OK) {
		cr_assert_eq(v, n, "entry %llu holds %llu", (unsigned long long)n, (unsigned long long)v);
		n++;
	}
	cr_assert_eq(st, SHMPRIM_ERR_END, "%s", shmprim_status_str(st));
	cr_assert_eq(n, M);
	cr_assert_eq(shmprim_spsc_try_pop(&c, &v), SHMPRIM_ERR_END);
	cr_assert_eq(reap(prod), 0);
	(void)sh;
	munmap(mem, len);
}

Test(claims, consumer_close_gives_closed)
{
	shmprim_spsc ring;
	void *mem;
	size_t len;
	struct shared *sh = setup(&ring, 0, &mem, &len);
	shmprim_spsc_consumer c;
	uint64_t v;
	pid_t prod;

	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_try_pop(&c, &v), SHMPRIM_ERR_EMPTY);
	cr_assert_eq(shmprim_spsc_consumer_close(&c), SHMPRIM_OK);
	prod = fork();
	if (prod == 0) {
		shmprim_spsc_producer p;
		shmprim_status st;
		uint32_t n = 0;

		if (shmprim_spsc_take_producer(&ring, &p, NULL) != SHMPRIM_OK)
			_exit(2);
		for (v = 0; (st = shmprim_spsc_try_push(&p, &v)) == SHMPRIM_OK; v++)
			n++;
		sh->count = n;
		sh->status[0] = st;
		sh->status[1] = shmprim_spsc_push_wait(&p, &v, 10 * SEC, NULL);
		_exit(0);
	}
	cr_assert_eq(reap(prod), 0);
	cr_assert_eq(sh->count, CAP, "pushes before CLOSED: the ring's free space");
	cr_assert_eq(sh->status[0], SHMPRIM_ERR_CLOSED, "%s", shmprim_status_str((shmprim_status)sh->status[0]));
	cr_assert_eq(sh->status[1], SHMPRIM_ERR_CLOSED);
	munmap(mem, len);
}

/* Killed and not reaped: a zombie, dead for a taker. */
Test(claims, zombie_holder_counts_dead)
{
	shmprim_spsc ring;
	void *mem;
	size_t len;
	struct shared *sh = setup(&ring, 0, &mem, &len);
	shmprim_spsc_consumer c;
	shmprim_claim_holder h;
	int fds[2];
	char b;
	pid_t z;

	cr_assert_eq(pipe(fds), 0);
	z = fork();
	if (z == 0) {
		shmprim_spsc_consumer zc;

		if (shmprim_spsc_take_consumer(&ring, &zc, NULL) != SHMPRIM_OK)
			_exit(2);
		(void)!write(fds[1], "t", 1);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(fds[0], &b, 1), 1);
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, &h), SHMPRIM_ERR_CLAIMED);
	cr_assert_eq(h.pid, z);
	kill(z, SIGKILL);
	/* Wait until it is a zombie (waitid with WNOWAIT leaves it unreaped). */
	{
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		cr_assert_eq(waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT), 0);
	}
	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, &h), SHMPRIM_OK);
	cr_assert_eq(h.pid, z);
	cr_assert_eq(h.liveness, SHMPRIM_DEAD);
	cr_assert_eq(reap(z), 128 + SIGKILL);
	close(fds[0]);
	close(fds[1]);
	(void)sh;
	munmap(mem, len);
}

/* A producer killed after pushing: the consumer drains what it published,
 * then its wait reports PEER_DEAD (not END: nobody closed). */
Test(claims, sigkilled_producer_gives_peer_dead_after_the_drain)
{
	shmprim_spsc ring;
	void *mem;
	size_t len;
	struct shared *sh = setup(&ring, 0, &mem, &len);
	shmprim_spsc_consumer c;
	shmprim_wait_opts opts = { NULL, 64, 5000000ull };
	uint64_t v, n = 0;
	shmprim_status st;
	pid_t prod;

	cr_assert_eq(shmprim_spsc_take_consumer(&ring, &c, NULL), SHMPRIM_OK);
	prod = fork();
	if (prod == 0) {
		shmprim_spsc_producer p;

		if (shmprim_spsc_take_producer(&ring, &p, NULL) != SHMPRIM_OK)
			_exit(2);
		for (v = 0; v < 3; v++)
			shmprim_spsc_try_push(&p, &v);
		raise(SIGKILL);
	}
	cr_assert_eq(reap(prod), 128 + SIGKILL);
	while ((st = shmprim_spsc_pop_wait(&c, &v, 10 * SEC, &opts)) == SHMPRIM_OK)
		cr_assert_eq(v, n++);
	cr_assert_eq(st, SHMPRIM_ERR_PEER_DEAD, "%s", shmprim_status_str(st));
	cr_assert_eq(n, 3);
	(void)sh;
	munmap(mem, len);
}

/* A consumer SIGKILLed while the producer still has room: push_wait, which
 * keeps succeeding, must report PEER_DEAD within the check interval (5 ms
 * here) plus slack, not only once the ring has filled. */
Test(claims, sigkilled_consumer_is_noticed_while_pushes_succeed)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_wait_opts opts;
	struct shared *sh;
	void *mem;
	size_t len;
	pid_t c;
	uint64_t v, sent = 0, t_kill = 0, t_dead = 0;
	shmprim_status st = SHMPRIM_OK;

	sh = setup(&ring, 1, &mem, &len);
	c = fork();
	cr_assert(c >= 0);
	if (c == 0) {
		shmprim_spsc_consumer cons;

		if (shmprim_spsc_take_consumer(&ring, &cons, NULL) != SHMPRIM_OK)
			_exit(3);
		sh->count = 1; /* taken */
		for (;;) /* takes nothing: the producer must not fill the ring before the kill */
			pause();
	}
	while (sh->count == 0)
		usleep(100);
	cr_assert_eq(shmprim_spsc_take_producer(&ring, &p, NULL), SHMPRIM_OK);
	memset(&opts, 0, sizeof(opts));
	opts.spin = SHMPRIM_WAIT_DEFAULT_SPIN;
	opts.check_ns = 5000000;
	/* A slow producer: one push per 1 ms, far fewer than CAP before the check. */
	for (v = 0; v < CAP - 1; v++) {
		struct timespec now;

		if (v == 5) {
			kill(c, SIGKILL);
			cr_assert_eq(reap(c), 128 + SIGKILL);
			clock_gettime(CLOCK_MONOTONIC, &now);
			t_kill = (uint64_t)now.tv_sec * SEC + (uint64_t)now.tv_nsec;
		}
		st = shmprim_spsc_push_wait(&p, &v, SEC, &opts);
		if (st != SHMPRIM_OK) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			t_dead = (uint64_t)now.tv_sec * SEC + (uint64_t)now.tv_nsec;
			break;
		}
		sent++;
		usleep(1000);
	}
	cr_assert_eq(st, SHMPRIM_ERR_PEER_DEAD, "after %llu pushes: %s", (unsigned long long)sent, shmprim_status_str(st));
	cr_assert(sent >= 5 && sent < CAP - 1, "PEER_DEAD after %llu pushes: not while the ring had room",
	          (unsigned long long)sent);
	cr_assert(t_dead - t_kill < 5000000ull + 200000000ull, "PEER_DEAD %.1f ms after the kill",
	          (double)(t_dead - t_kill) / 1e6);
	munmap(mem, len);
}
