/*
 * SIGKILL the producer or the consumer of a ring at random moments, restart
 * it, and check that the stream the consumer verifies is exactly 0, 1, 2, ...:
 * no committed item lost, none torn or uncommitted, none out of order, and at
 * most one re-delivery per consumer kill (the entry it had verified but not
 * released).
 *
 *   ipc_crash_ring [KILLS_PER_ROLE]   default 1000 (SHMPRIM_LONG=1: 20000)
 *
 * Each victim is a forked process that maps the memfd anew (open_fd), attaches
 * and splits off its side, as a restarted peer would. The consumer verifies
 * with peek, records its progress, then releases, so its record is exact.
 * After killing a producer the parent records every committed entry (seq word
 * set) past the consumer's position; the consumer checks it later receives
 * exactly those bytes, whatever the restarted producer does.
 */
#include "ipc_common.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmprim/static/spsc.h>

#define CAP 64u
#define SEC 1000000000ull

typedef struct ring_ctl {
	uint64_t goal;         /* producers stop at this position */
	uint64_t verified;     /* consumer: positions verified */
	uint64_t last_sum;     /* consumer: checksum of the last verified entry */
	uint64_t redelivered;  /* consumer restarts that saw their last verified entry again */
	uint64_t expect_hits;  /* committed entries recorded at a producer kill, checked on arrival */
	uint32_t incarnation;
	uint32_t failed;
	char why[256];
	struct {
		uint64_t pos_plus_1; /* 0 = empty */
		uint64_t sum;
	} expect[CAP];
} ring_ctl;

static ipc_geometry geo;
static int memfd;
static ring_ctl *ctl; /* the parent's view */

static void child_fail(ring_ctl *c, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_exchange_n(&c->failed, 1, __ATOMIC_SEQ_CST)) {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
	_exit(1);
}

static ring_ctl *child_attach(shmprim_spsc *ring, shmprim_shm *shm)
{
	ring_ctl *c;

	if (shmprim_shm_open_fd(shm, memfd, 0) != SHMPRIM_OK)
		_exit(2);
	c = (ring_ctl *)((unsigned char *)shm->base + geo.ctl_off);
	if (shmprim_spsc_attach(ring, shmprim_shm_region(shm), geo.ring_off) != SHMPRIM_OK)
		child_fail(c, "attach refused a ring left by a killed peer");
	return c;
}

static void producer(void)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	ring_ctl *c = child_attach(&ring, &shm);
	uint32_t inc = __atomic_add_fetch(&c->incarnation, 1, __ATOMIC_SEQ_CST);
	uint64_t pos;
	ipc_entry e;

	shmprim_spsc_split(&ring, &p, NULL);
	for (pos = p.local_head; pos < __atomic_load_n(&c->goal, __ATOMIC_ACQUIRE); pos++) {
		shmprim_status st;

		ipc_entry_make(&e, pos, inc);
		st = shmprim_spsc_push_wait(&p, &e, 10 * SEC, NULL);
		if (st != SHMPRIM_OK)
			child_fail(c, "push of %" PRIu64 ": %s", pos, shmprim_status_str(st));
	}
	_exit(0);
}

static void consumer(void)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_spsc_consumer cs;
	ring_ctl *c = child_attach(&ring, &shm);
	uint64_t v = __atomic_load_n(&c->verified, __ATOMIC_ACQUIRE);
	ipc_rng rng = { (uint64_t)getpid() };
	ipc_entry e;

	shmprim_spsc_split(&ring, NULL, &cs);
	if (cs.local_tail + 1 == v) {
		/* Killed after recording, before releasing: the same entry again. */
		if (shmprim_spsc_wait_readable(&cs, 10 * SEC, NULL) != SHMPRIM_OK || shmprim_spsc_peek(&cs, 1) != 1)
			child_fail(c, "the recorded but unreleased entry %u is gone", cs.local_tail);
		e = *(const ipc_entry *)shmprim_spsc_peeked_entry(&cs, 0);
		if (e.seq != v - 1 || e.sum != c->last_sum)
			child_fail(c, "re-delivered entry %" PRIu64 " differs from the one verified", v - 1);
		shmprim_spsc_release(&cs, 1);
		shmprim_spsc_notify_producer(&cs);
		__atomic_add_fetch(&c->redelivered, 1, __ATOMIC_RELAXED);
	} else if (cs.local_tail != v) {
		child_fail(c, "restart: ring tail %u, verified %" PRIu64, cs.local_tail, v);
	}
	while (v < __atomic_load_n(&c->goal, __ATOMIC_ACQUIRE)) {
		uint64_t slot_pos;
		shmprim_status st;

		if (shmprim_spsc_peek(&cs, 1) == 0) {
			st = shmprim_spsc_wait_readable(&cs, 10 * SEC, NULL);
			if (st != SHMPRIM_OK)
				child_fail(c, "waiting for %" PRIu64 ": %s", v, shmprim_status_str(st));
			continue;
		}
		e = *(const ipc_entry *)shmprim_spsc_peeked_entry(&cs, 0);
		if (!ipc_entry_ok(&e))
			child_fail(c, "entry %" PRIu64 " torn (seq %" PRIu64 ")", v, e.seq);
		if (e.seq != v)
			child_fail(c, "expected %" PRIu64 ", got %" PRIu64 ": lost or reordered", v, e.seq);
		slot_pos = __atomic_load_n(&c->expect[v % CAP].pos_plus_1, __ATOMIC_ACQUIRE);
		if (slot_pos == v + 1) {
			if (e.sum != c->expect[v % CAP].sum)
				child_fail(c, "committed entry %" PRIu64 " was replaced (incarnation %" PRIu64 ")", v, e.tag);
			__atomic_add_fetch(&c->expect_hits, 1, __ATOMIC_RELAXED);
		}
		c->last_sum = e.sum;
		__atomic_store_n(&c->verified, v + 1, __ATOMIC_RELEASE);
		v++;
		if (ipc_below(&rng, 32) == 0)
			ipc_sleep_ns(ipc_below(&rng, 20000)); /* widen record -> release, where a kill re-delivers */
		shmprim_spsc_release(&cs, 1);
		shmprim_spsc_notify_producer(&cs);
	}
	_exit(0);
}

static pid_t start(void (*role)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		role();
	return pid;
}

/* After a producer kill: every published entry past the consumer is committed. */
static void record_committed(shmprim_spsc *ring)
{
	uint32_t tail = __atomic_load_n(&ring->raw.header->tail, __ATOMIC_ACQUIRE);
	uint32_t i;

	for (i = 0; i < CAP; i++) {
		uint32_t pos = tail + i, rem;
		uint32_t *seq = shmprim_ring_cell_seq(&ring->raw.geo, pos, &rem);
		const ipc_entry *e = (const ipc_entry *)shmprim_spsc_entry_at(&ring->raw.geo, pos);

		/* Published: its cell's seq (newest published + 1) is past it, in this lap. */
		if ((uint32_t)(__atomic_load_n(seq, __ATOMIC_ACQUIRE) - pos - 1) >= ring->raw.geo.entries_per_cell)
			break;
		ctl->expect[pos % CAP].sum = e->sum;
		__atomic_store_n(&ctl->expect[pos % CAP].pos_plus_1, (uint64_t)pos + 1, __ATOMIC_RELEASE);
	}
}

static void kill_and_reap(pid_t pid, const char *role)
{
	int status;

	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		IPC_FAIL("the %s exited by itself (status %d) before the kill: %s", role, status,
		         ctl->failed ? ctl->why : "no message");
}

static void finish(pid_t pid, const char *role)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		IPC_FAIL("the %s ended with status %d: %s", role, status, ctl->failed ? ctl->why : "no message");
}

int main(int argc, char **argv)
{
	uint64_t kills = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(1000, 20000);
	shmprim_shm shm;
	shmprim_spsc ring;
	ipc_rng rng = { ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid()) };
	pid_t prod, cons;
	uint64_t t, t0 = ipc_now_ns(), seed = rng.s;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	geo = ipc_geometry_of(CAP, sizeof(ipc_entry), 0, 0, sizeof(ring_ctl));
	IPC_OK(shmprim_shm_create_memfd(&shm, "crash_ring", geo.total, 0));
	memfd = shm.fd;
	IPC_OK(shmprim_spsc_init(&ring, shmprim_shm_region(&shm), geo.ring_off, CAP, sizeof(ipc_entry)));
	ctl = (ring_ctl *)((unsigned char *)shm.base + geo.ctl_off);
	ctl->goal = UINT64_MAX;

	prod = start(producer);
	cons = start(consumer);
	for (t = 0; t < 2 * kills; t++) {
		int kill_producer = (t & 1) == 0;

		ipc_sleep_ns(20000 + ipc_below(&rng, 2000000)); /* 20 us .. 2 ms: inside start-up, attach and the loop */
		if (kill_producer) {
			kill_and_reap(prod, "producer");
			record_committed(&ring);
			prod = start(producer);
		} else {
			kill_and_reap(cons, "consumer");
			cons = start(consumer);
		}
		if (ctl->failed)
			IPC_FAIL("after %" PRIu64 " kills: %s", t + 1, ctl->why);
	}
	__atomic_store_n(&ctl->goal, (uint64_t)__atomic_load_n(&ring.raw.header->head, __ATOMIC_ACQUIRE) + 1000,
	                 __ATOMIC_RELEASE);
	finish(prod, "producer");
	finish(cons, "consumer");
	IPC_CHECK(ctl->verified == ctl->goal, "verified %" PRIu64 " of %" PRIu64, ctl->verified, ctl->goal);
	IPC_CHECK(ctl->expect_hits > 0, "no committed entry was ever checked: %s", "the test proved nothing");
	IPC_CHECK(ctl->redelivered > 0 || kills < 100, "no consumer kill landed between record and release%s", "");
	printf("ring crash test (%s): %" PRIu64 " producer + %" PRIu64 " consumer kills, %" PRIu64
	       " items verified in order, %" PRIu64 " committed entries checked after producer kills, %" PRIu64
	       " re-deliveries, %.1f s, seed %" PRIu64 "\n",
	       shmprim_backend_name(), kills, kills, ctl->verified, ctl->expect_hits, ctl->redelivered,
	       (double)(ipc_now_ns() - t0) / 1e9, seed);
	shmprim_shm_close(&shm);
	return 0;
}
