/*
 * SIGKILL slab users at random moments (the library's crash windows widened
 * by the test hooks, so kills land inside allocations and frees), reclaim the
 * dead one's slots, restart it, and check the census:
 *   - every other worker started keeps a free-slot cache of CACHE slots
 *     (set_cache), so kills also land on workers with cached slots, and in
 *     the middle of a cache's give-back;
 *   - after every reclaim, with the live workers stopped: the free list is
 *     acyclic and well-formed; the plain free slots off the list are at most
 *     one per live worker whose allocation is in progress (plus those
 *     reclaim reported busy, whose freer may have finished since), and the
 *     FREE|FREEING ones at most what the live workers' frees in progress and
 *     caches can hold (CACHE + 1 each);
 *   - every live worker's slots keep their stamps (no slot owned twice) and
 *     every call on a held handle succeeds;
 *   - at the end, with every worker killed and reclaimed: free == slot count,
 *     nothing allocated or in flight, nothing leaked.
 *
 *   ipc_crash_slab [KILLS]   default 1000 (SHMPRIM_LONG=1: 20000)
 */
#include "ipc_common.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/test_hooks.h"

#define SLOTS 32u
#define SLOT_SIZE 64u
#define WORKERS 3
#define HELD_MAX 6
#define CACHE 3 /* WORKERS * (HELD_MAX + CACHE + 1) <= SLOTS: nobody waits for long */

typedef struct slab_ctl {
	uint32_t failed;
	char why[256];
	uint64_t ops;
} slab_ctl;

typedef struct stamp {
	uint64_t pid, index, generation, sum;
} stamp;

static ipc_geometry geo;
static int memfd;
static slab_ctl *ctl;

static void child_fail(slab_ctl *c, const char *fmt, ...)
{
	va_list ap;

	if (!__atomic_exchange_n(&c->failed, 1, __ATOMIC_SEQ_CST)) {
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
	}
	_exit(1);
}

static __thread ipc_rng hook_rng;

/* Inside a crash window: now and then linger, so that kills land here. */
static void linger(int window)
{
	uint64_t r = ipc_rand(&hook_rng);

	if (window > SHMPRIM_WINDOW_PUSHED)
		return; /* the retry-loop windows are for the bound tests, not crash windows */
	if (r % 16 == 0)
		ipc_sleep_ns(r % 40000);
	else if (r % 16 == 1)
		sched_yield();
}

static uint64_t stamp_sum(const stamp *s)
{
	return ipc_mix(s->pid ^ ipc_mix(s->index ^ ipc_mix(s->generation)));
}

static void worker(uint32_t cache)
{
	shmprim_shm shm;
	shmprim_slab slab;
	shmprim_slot_handle held[HELD_MAX];
	int in_flight[HELD_MAX];
	uint32_t n = 0, k;
	uint64_t pid = (uint64_t)getpid();
	ipc_rng rng = { pid * 0x9e3779b97f4a7c15ull };
	slab_ctl *c;

	if (shmprim_shm_open_fd(&shm, memfd, 0) != SHMPRIM_OK)
		_exit(2);
	c = (slab_ctl *)((unsigned char *)shm.base + geo.ctl_off);
	hook_rng.s = pid;
	shmprim_window_hook = linger;
	if (shmprim_slab_attach(&slab, shmprim_shm_region(&shm), geo.slab_off) != SHMPRIM_OK)
		child_fail(c, "attach refused a slab left by killed workers");
	if (shmprim_slab_set_owner(&slab, (uint32_t)pid) != SHMPRIM_OK)
		child_fail(c, "set_owner(%" PRIu64 ")", pid);
	if (shmprim_slab_set_cache(&slab, cache) != SHMPRIM_OK)
		child_fail(c, "set_cache(%u)", cache);
	for (;;) {
		if (n < HELD_MAX && (n == 0 || ipc_below(&rng, 2))) {
			shmprim_alloc_result a = shmprim_slab_try_alloc(&slab, &held[n]);
			stamp *s;

			if (a == SHMPRIM_ALLOC_WOULD_BLOCK || a == SHMPRIM_ALLOC_CONTENDED) {
				sched_yield(); /* all taken, or a reclaim is running */
				continue;
			}
			if (a != SHMPRIM_ALLOC_OK)
				child_fail(c, "alloc: %d", (int)a);
			s = shmprim_slab_slot_data(&slab, held[n]);
			if (!s)
				child_fail(c, "no data for fresh slot %u", held[n].index);
			s->pid = pid;
			s->index = held[n].index;
			s->generation = held[n].generation;
			s->sum = stamp_sum(s);
			in_flight[n] = 0;
			if (ipc_below(&rng, 2)) {
				shmprim_status st = shmprim_slab_mark_in_flight(&slab, held[n]);

				if (st != SHMPRIM_OK)
					child_fail(c, "mark_in_flight %u: %s", held[n].index, shmprim_status_str(st));
				in_flight[n] = 1;
			}
			n++;
		} else {
			const stamp *s;
			shmprim_status st;

			k = (uint32_t)ipc_below(&rng, n);
			s = shmprim_slab_slot_data(&slab, held[k]);
			if (!s || s->pid != pid || s->index != held[k].index || s->generation != held[k].generation ||
			    s->sum != stamp_sum(s))
				child_fail(c, "slot %u/%u lost its stamp: owned twice?", held[k].index, held[k].generation);
			st = in_flight[k] ? shmprim_slab_free(&slab, held[k]) : shmprim_slab_free_allocated(&slab, held[k]);
			if (st != SHMPRIM_OK)
				child_fail(c, "free %u/%u: %s", held[k].index, held[k].generation, shmprim_status_str(st));
			held[k] = held[n - 1];
			in_flight[k] = in_flight[n - 1];
			n--;
		}
		__atomic_add_fetch(&c->ops, 1, __ATOMIC_RELAXED);
	}
}

static pid_t start(void)
{
	static uint64_t started;
	uint32_t cache = started++ % 2 ? CACHE : 0;
	pid_t pid = fork();

	if (pid < 0)
		IPC_FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		worker(cache);
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		IPC_FAIL("waitpid: %s", strerror(errno));
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		IPC_FAIL("worker %d exited by itself (status %d): %s", (int)pid, status, ctl->failed ? ctl->why : "-");
}

static void stop_all(pid_t *w, int count, int sig)
{
	int i, status;

	for (i = 0; i < count; i++) {
		kill(w[i], sig);
		if (sig == SIGSTOP && waitpid(w[i], &status, WUNTRACED) != w[i])
			IPC_FAIL("waitpid(WUNTRACED): %s", strerror(errno));
		if (sig == SIGSTOP && !WIFSTOPPED(status))
			IPC_FAIL("worker %d did not stop (status %d): %s", (int)w[i], status, ctl->failed ? ctl->why : "-");
	}
}

static shmprim_reclaim_report reclaim(shmprim_slab *slab, pid_t dead, shmprim_reclaim_report *total)
{
	shmprim_reclaim_report r;
	shmprim_status st;
	int tries = 0;

	while ((st = shmprim_slab_reclaim(slab, (uint32_t)dead, SHMPRIM_RECLAIM_IN_FLIGHT, &r)) == SHMPRIM_ERR_CONTENDED)
		IPC_CHECK(++tries < 1000, "reclaim of %d stays contended", (int)dead);
	IPC_CHECK(st == SHMPRIM_OK, "reclaim of %d: %s (corrupt %u)", (int)dead, shmprim_status_str(st), r.corrupt);
	total->reclaimed += r.reclaimed;
	total->allocated += r.allocated;
	total->freeing += r.freeing;
	total->orphans += r.orphans;
	total->busy += r.busy;
	return r;
}

int main(int argc, char **argv)
{
	uint64_t kills = argc > 1 ? strtoull(argv[1], NULL, 0) : ipc_scale(1000, 20000);
	shmprim_shm shm;
	shmprim_slab slab;
	shmprim_slab_audit_report a;
	shmprim_reclaim_report total;
	ipc_rng rng = { ipc_env_u64("SHMPRIM_SEED", (uint64_t)getpid()) };
	pid_t w[WORKERS], dead_ones[WORKERS];
	uint64_t t, t0 = ipc_now_ns(), seed = rng.s, max_off_list = 0;
	int i;

	IPC_REQUIRE(host_lacks_memfd());
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(600);
	memset(&total, 0, sizeof(total));
	geo = ipc_geometry_of(1, 8, SLOTS, SLOT_SIZE, sizeof(slab_ctl));
	IPC_OK(shmprim_shm_create_memfd(&shm, "crash_slab", geo.total, 0));
	memfd = shm.fd;
	IPC_OK(shmprim_slab_init(&slab, shmprim_shm_region(&shm), geo.slab_off, SLOTS, SLOT_SIZE));
	IPC_OK(shmprim_slab_set_owner(&slab, (uint32_t)getpid()));
	ctl = (slab_ctl *)((unsigned char *)shm.base + geo.ctl_off);

	for (i = 0; i < WORKERS; i++)
		w[i] = start();
	for (t = 0; t < kills; t++) {
		shmprim_reclaim_report r;
		int v = (int)ipc_below(&rng, WORKERS);

		ipc_sleep_ns(20000 + ipc_below(&rng, 1500000));
		kill_and_reap(w[v]);
		r = reclaim(&slab, w[v], &total);
		/* Census with the survivors stopped wherever they are. */
		stop_all(w, v, SIGSTOP);
		stop_all(w + v + 1, WORKERS - v - 1, SIGSTOP);
		shmprim_slab_audit(&slab, &a);
		IPC_CHECK(a.list_ok, "kill %" PRIu64 ": free list broken", t);
		IPC_CHECK(a.bad_state == 0, "kill %" PRIu64 ": %u slots in no state", t, a.bad_state);
		IPC_CHECK(a.on_free_list + a.free_off_list + a.allocated + a.in_flight == SLOTS, "census %u", SLOTS);
		IPC_CHECK(a.allocated + a.in_flight <= (WORKERS - 1) * HELD_MAX + (WORKERS - 1),
		          "kill %" PRIu64 ": %u allocated + %u in flight: more than the live workers hold", t, a.allocated,
		          a.in_flight);
		IPC_CHECK(a.freeing_off_list <= a.free_off_list, "kill %" PRIu64 ": %u freeing of %u off the list", t,
		          a.freeing_off_list, a.free_off_list);
		IPC_CHECK(a.free_off_list - a.freeing_off_list <= (WORKERS - 1) + r.busy,
		          "kill %" PRIu64 ": %u plain free slots off the list, %d live workers, %u busy: leaked", t,
		          a.free_off_list - a.freeing_off_list, WORKERS - 1, r.busy);
		IPC_CHECK(a.freeing_off_list <= (WORKERS - 1) * (CACHE + 1),
		          "kill %" PRIu64 ": %u slots being freed or cached, more than %d live workers can hold", t,
		          a.freeing_off_list, WORKERS - 1);
		if (a.free_off_list > max_off_list)
			max_off_list = a.free_off_list;
		stop_all(w, v, SIGCONT);
		stop_all(w + v + 1, WORKERS - v - 1, SIGCONT);
		if (ctl->failed)
			IPC_FAIL("after %" PRIu64 " kills: %s", t + 1, ctl->why);
		w[v] = start();
	}
	/* The end: everyone dies, everyone is reclaimed, all slots come home. */
	for (i = 0; i < WORKERS; i++) {
		kill_and_reap(w[i]);
		dead_ones[i] = w[i];
	}
	IPC_CHECK(!ctl->failed, "%s", ctl->why);
	for (i = 0; i < WORKERS; i++)
		reclaim(&slab, dead_ones[i], &total);
	reclaim(&slab, dead_ones[0], &total); /* orphans whose freer was reclaimed after them */
	shmprim_slab_audit(&slab, &a);
	IPC_CHECK(a.list_ok, "final free list broken%s", "");
	IPC_CHECK(a.on_free_list == SLOTS && a.free_off_list == 0 && a.freeing_off_list == 0 && a.allocated == 0 &&
	              a.in_flight == 0,
	          "final census: %u listed, %u leaked (%u freeing), %u allocated, %u in flight of %u", a.on_free_list,
	          a.free_off_list, a.freeing_off_list, a.allocated, a.in_flight, SLOTS);
	printf("slab crash test (%s): %" PRIu64 " kills, %" PRIu64 " ops; reclaimed %u slots (%u held, %u mid-free "
	       "or cached, %u mid-alloc), %u busy seen, at most %" PRIu64 " in progress at a census; %.1f s, seed %" PRIu64 "\n",
	       shmprim_backend_name(), kills, ctl->ops, total.reclaimed, total.allocated, total.freeing, total.orphans,
	       total.busy, max_off_list, (double)(ipc_now_ns() - t0) / 1e9, seed);
	IPC_CHECK(total.orphans > 0 && total.freeing > 0,
	          "no kill landed inside an allocation (%u) or a free (%u): the windows were never tested", total.orphans,
	          total.freeing);
	shmprim_shm_close(&shm);
	return 0;
}
