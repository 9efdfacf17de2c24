/*
 * Doorbells (mc_bell.h): the readiness fds' socket pair under the checker.
 *
 * Each end holds `rung`, the rings its peer end has sent it, in arena memory
 * the checker models as an atomic word, and `drained`, the count its owner
 * last took (the owner's own state: the kernel's queue position). A ring is a
 * relaxed fetch_add on the peer's count and a futex wake on it; pending and
 * drain are relaxed loads compared with, or copied into, `drained`. Relaxed
 * throughout: a real send/recv pair synchronises in the kernel, but the
 * readiness protocol must not lean on that (src/ready.c decides with its own
 * fences and the channel call after every wake), and a weaker bell can only
 * show more executions. A sleep is a futex wait on the count with the value
 * it last read, so a ring after the read either changes the word before the
 * wait compares it or wakes the sleeper; nothing else wakes it, bar a dead
 * peer, which the futex model lets time out once no thread can run.
 *
 * An end's "fd" is MC_BELL_FD_BASE plus its offset in the arena: stable
 * across executions, like every mc_alloc address, and never a real fd.
 * What the model leaves out: the queue's bound (a flood, DRAIN_MAX), EOF when
 * the peer's end closes (E2's bug lives there: tests/ipc), dup and close.
 */
#include <stdio.h>

#include "mc_bell.h"
#include "mc_internal.h"

#define MC_BELL_FD_BASE 0x40000000
#define BELL_MAGIC 0x62656c6cu
#define SLEEP_NS (UINT64_MAX / 2) /* never reached: a sleeper needs a ring or a death */

typedef struct bell_end {
	uint32_t rung;    /* rings received (the model atomic word) */
	uint32_t drained; /* rung when its owner last drained (plain, the owner's) */
	uint32_t magic;
	uint32_t side;    /* its index in the pair: the peer is end[side ^ 1] */
} bell_end;

typedef struct bell_pair {
	bell_end end[2];
} bell_pair;

static int fd_of(const bell_end *e)
{
	return MC_BELL_FD_BASE + (int)((const unsigned char *)e - mc.arena);
}

static bell_end *end_of(int fd)
{
	size_t off;
	bell_end *e;

	if (!mc.active || fd < MC_BELL_FD_BASE)
		return NULL;
	off = (size_t)(fd - MC_BELL_FD_BASE);
	if (off % 8 != 0 || off + sizeof(bell_end) > mc.arena_used)
		return NULL;
	e = (bell_end *)(void *)(mc.arena + off);
	return e->magic == BELL_MAGIC ? e : NULL;
}

static bell_end *end_or_fail(int fd)
{
	bell_end *e = end_of(fd);

	if (!e)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_bell: %d is not a bell end of this execution", fd);
	return e;
}

void mc_bell_pair_at(int ends[2], const char *file, int line)
{
	bell_pair *p = mc_alloc(sizeof(*p), 8);
	int i;

	(void)file;
	(void)line;
	for (i = 0; i < 2; i++) {
		p->end[i].magic = BELL_MAGIC;
		p->end[i].side = (uint32_t)i;
		ends[i] = fd_of(&p->end[i]);
		mc_name(&p->end[i].rung, 4, i == 0 ? "bell.producer_end" : "bell.consumer_end");
	}
}

bool mc_bell_is(int fd)
{
	return end_of(fd) != NULL;
}

void mc_bell_ring_at(int fd, const char *file, int line)
{
	bell_end *e = end_or_fail(fd);
	bell_end *peer = e + ((int)(e->side ^ 1u) - (int)e->side);

	mc_rmw(&peer->rung, 4, MC_RMW_ADD, 1, MC_RELAXED, file, line);
	mc_futex_wake(&peer->rung, file, line);
}

bool mc_bell_pending_at(int fd, const char *file, int line)
{
	bell_end *e = end_or_fail(fd);

	return (uint32_t)mc_load(&e->rung, 4, MC_RELAXED, file, line) != e->drained;
}

void mc_bell_drain_at(int fd, const char *file, int line)
{
	bell_end *e = end_or_fail(fd);

	e->drained = (uint32_t)mc_load(&e->rung, 4, MC_RELAXED, file, line);
}

void mc_bell_sleep_at(int fd, int pid, const char *file, int line)
{
	bell_end *e = end_or_fail(fd);

	for (;;) {
		uint32_t seen = (uint32_t)mc_load(&e->rung, 4, MC_RELAXED, file, line);

		if (seen != e->drained)
			return;
		if (pid >= 0 && mc_pid_liveness(pid) == 0)
			return;
		(void)mc_futex_wait(&e->rung, seen, SLEEP_NS, file, line);
	}
}
