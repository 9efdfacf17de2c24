/*
 * Data races on plain memory. Non-atomic shared accesses (ring entry copies,
 * slab slot data, a test's own payload checks) are annotated through
 * sp_plain_read/sp_plain_write. Each arena byte has a shadow cell: the last
 * write (thread, epoch, event) and, per thread, the last read. An access races
 * with an earlier conflicting one (at least one a write, other thread) whose
 * epoch the accessing thread's clock does not cover, i.e. that does not happen
 * before it. The check does not depend on the order the two ran in, so plain
 * accesses need not be scheduling points.
 *
 * Only arena memory (mc_alloc) is shadowed; annotations elsewhere are ignored.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mc_internal.h"

typedef struct shadow {
	uint32_t w_epoch; /* 0: never written in this execution */
	uint32_t w_event;
	uint32_t r_epoch[MC_MAX_THREADS];
	uint32_t r_event[MC_MAX_THREADS];
	uint8_t w_tid;
} shadow;

static shadow *cells;
static size_t dirty_lo = SIZE_MAX, dirty_hi;

void mc_race_reset(void)
{
	if (!cells) {
		void *p = mmap(NULL, MC_ARENA_SIZE * sizeof(shadow), PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "model: cannot map the race shadow\n");
			abort();
		}
		cells = p;
	}
	if (dirty_lo < dirty_hi)
		memset(cells + dirty_lo, 0, (dirty_hi - dirty_lo) * sizeof(shadow));
	dirty_lo = SIZE_MAX;
	dirty_hi = 0;
}

static MC_NORETURN void report(const void *addr, int tid, bool write, uint32_t event, int other_tid,
                               bool other_write, uint32_t other_event)
{
	const mc_event *a = &mc.events[other_event - 1], *b = &mc.events[event - 1];
	char name[96];

	mc_fail_kind(MC_FAILURE_RACE,
	             "data race on %s: T%d %s at %s:%d (event #%u) and T%d %s at %s:%d (event #%u) are not "
	             "ordered by happens-before",
	             mc_name_of(addr, name, sizeof(name)), other_tid, other_write ? "writes" : "reads", a->file,
	             a->line, other_event, tid, write ? "writes" : "reads", b->file, b->line, event);
}

void mc_race_access(mc_thread *t, int tid, const void *p, size_t n, bool write, uint32_t event)
{
	const unsigned char *b = p;
	size_t off, i;
	int u;

	if (b < mc.arena || b >= mc.arena + MC_ARENA_SIZE || n == 0)
		return;
	off = (size_t)(b - mc.arena);
	if (n > MC_ARENA_SIZE - off)
		n = MC_ARENA_SIZE - off;
	if (off < dirty_lo)
		dirty_lo = off;
	if (off + n > dirty_hi)
		dirty_hi = off + n;
	for (i = 0; i < n; i++) {
		shadow *c = &cells[off + i];

		if (c->w_epoch && c->w_tid != tid && c->w_epoch > t->clock.c[c->w_tid])
			report(b + i, tid, write, event, c->w_tid, true, c->w_event);
		if (write) {
			for (u = 0; u < MC_MAX_THREADS; u++)
				if (u != tid && c->r_epoch[u] && c->r_epoch[u] > t->clock.c[u])
					report(b + i, tid, true, event, u, false, c->r_event[u]);
			c->w_epoch = t->clock.c[tid];
			c->w_event = event;
			c->w_tid = (uint8_t)tid;
			/* reads before this write happen before it (else reported) */
			memset(c->r_epoch, 0, sizeof(c->r_epoch));
		} else {
			c->r_epoch[tid] = t->clock.c[tid];
			c->r_event[tid] = event;
		}
	}
}

static void plain(const void *p, size_t n, bool write, const char *file, int line)
{
	mc_thread *t;
	mc_event *ev;
	int tid;

	if (!mc.active)
		return;
	tid = mc.cur;
	t = mc_current();
	t->clock.c[tid]++; /* its own epoch: a later release must not cover an access after it */
	ev = mc_event_new(tid, write ? MC_EV_PLAIN_WRITE : MC_EV_PLAIN_READ, file, line);
	ev->addr = p;
	ev->len = n;
	ev->clock = t->clock;
	mc_race_access(t, tid, p, n, write, ev->seq);
}

void mc_plain_read(const void *p, size_t n, const char *file, int line)
{
	plain(p, n, false, file, line);
}

void mc_plain_write(void *p, size_t n, const char *file, int line)
{
	plain(p, n, true, file, line);
}
