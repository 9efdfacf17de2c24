/*
 * seq_cst as RC11 has it (Lahav, Vafeiadis, Kang, Hur, Dreyer, "Repairing
 * sequential consistency in C/C++11", PLDI 2017, section 3): SC accesses and
 * SC fences add no happens-before of their own (hb = (sb | sw)+, and an SC
 * access synchronises only as the release/acquire access it also is); they
 * constrain executions only through the SC axiom, "psc is acyclic", where
 *
 *   scb      = sb | sb|!=loc ; hb ; sb|!=loc | hb|loc | mo | fr
 *   psc_base = ([E^sc] | [F^sc] ; hb?) ; scb ; ([E^sc] | hb? ; [F^sc])
 *   psc_F    = [F^sc] ; (hb | hb ; eco ; hb) ; [F^sc]
 *   psc      = psc_base | psc_F
 *
 * (definitions as in herd's rc11.cat). This file evaluates that axiom on the
 * current execution (or prefix): events from the trace, hb from the event
 * clocks, rf from each read's source, mo from each location's store list.
 * RC11 consistency is prefix-closed, so an inconsistent prefix is dropped as
 * soon as it is seen: before a failure is reported, when the last other thread
 * is joined (what a test observes after its joins is then consistent) and at
 * the end of the execution; once a consistent check finds the checking thread
 * alone, nothing later can be inconsistent and the checks stop. Executions with fewer than two SC events cannot have a psc
 * cycle and skip the check (the ring and slab have none).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_internal.h"

#define PSC_MAX_EVENTS 1024 /* memory events in one execution with seq_cst in it */
#define PSC_MAX_SC 64       /* SC events (bitset rows) */

typedef struct pev {
	const mc_event *ev;
	uintptr_t lo, hi;   /* bytes touched; lo == hi: a fence (no location) */
	int loc;            /* atomic location index, -1: plain or fence */
	int32_t src, pos;   /* mo index read from / written (-1: none) */
	int nxt, prv;       /* first later / last earlier event of the thread on another location */
	bool sc, fence;
} pev;

static pev E[PSC_MAX_EVENTS];
static int nE;
static uint64_t adj[PSC_MAX_SC];
static int S[PSC_MAX_SC];
static int32_t pos_of_seq_cap;
static int32_t *pos_of_seq; /* event seq -> index in its location's mo */

static bool is_memory(int kind)
{
	return kind == MC_EV_LOAD || kind == MC_EV_STORE || kind == MC_EV_RMW || kind == MC_EV_CAS_OK ||
	       kind == MC_EV_CAS_FAIL || kind == MC_EV_FENCE || kind == MC_EV_PLAIN_READ || kind == MC_EV_PLAIN_WRITE;
}

static int loc_of_addr(const void *addr)
{
	uint32_t i;

	for (i = 0; i < mc.nlocs; i++)
		if (mc.locs[i].addr == addr)
			return (int)i;
	return -1;
}

/* a happens-before b (strict): a ran first and b's clock covers a's epoch */
static bool hb(int a, int b)
{
	const mc_event *x = E[a].ev, *y = E[b].ev;

	return x->seq < y->seq && y->clock.c[x->tid] >= x->clock.c[x->tid];
}

static bool sb(int a, int b)
{
	return E[a].ev->tid == E[b].ev->tid && E[a].ev->seq < E[b].ev->seq;
}

static bool same_loc(int a, int b)
{
	return E[a].lo < E[a].hi && E[b].lo < E[b].hi && E[a].lo < E[b].hi && E[b].lo < E[a].hi;
}

static bool atomic_same_loc(int a, int b)
{
	return E[a].loc >= 0 && E[a].loc == E[b].loc;
}

static bool mo(int a, int b)
{
	return atomic_same_loc(a, b) && E[a].pos >= 0 && E[b].pos >= 0 && E[a].pos < E[b].pos;
}

/* fr = rf^-1 ; mo, minus identity (an RMW is one event) */
static bool fr(int a, int b)
{
	return a != b && atomic_same_loc(a, b) && E[a].src >= 0 && E[b].pos >= 0 && E[a].src < E[b].pos;
}

/* eco = rf | mo ; rf? | fr ; rf? */
static bool eco(int a, int b)
{
	if (a == b || !atomic_same_loc(a, b))
		return false;
	if (E[a].pos >= 0 && ((E[b].pos >= 0 && E[a].pos < E[b].pos) || (E[b].src >= 0 && E[a].pos <= E[b].src)))
		return true; /* mo, rf, mo;rf */
	if (E[a].src >= 0 && ((E[b].pos >= 0 && E[a].src < E[b].pos) || (E[b].src >= 0 && E[a].src < E[b].src)))
		return true; /* fr, fr;rf */
	return false;
}

static bool scb(int x, int y)
{
	if (x == y)
		return false;
	if (sb(x, y) || (same_loc(x, y) && hb(x, y)) || mo(x, y) || fr(x, y))
		return true;
	/* sb|!=loc ; hb ; sb|!=loc: the earliest x' and the latest y' are the best witnesses */
	return E[x].nxt >= 0 && E[y].prv >= 0 && E[x].nxt != E[y].prv && hb(E[x].nxt, E[y].prv);
}

/* x in ([E^sc] | [F^sc] ; hb?) starting at SC event a */
static bool left(int a, int x)
{
	return x == a || (E[a].fence && hb(a, x));
}

/* y in ([E^sc] | hb? ; [F^sc]) ending at SC event b */
static bool right(int y, int b)
{
	return y == b || (E[b].fence && hb(y, b));
}

static bool psc_edge(int a, int b)
{
	int x, y;

	if (!E[a].fence && !E[b].fence)
		return scb(a, b);
	for (x = 0; x < nE; x++) {
		if (!left(a, x))
			continue;
		for (y = 0; y < nE; y++)
			if (right(y, b) && scb(x, y))
				return true;
	}
	if (E[a].fence && E[b].fence) {
		if (hb(a, b))
			return true;
		for (x = 0; x < nE; x++) {
			if (!hb(a, x))
				continue;
			for (y = 0; y < nE; y++)
				if (hb(y, b) && eco(x, y))
					return true;
		}
	}
	return false;
}

static bool is_sc_event(const mc_event *ev)
{
	switch (ev->kind) {
	case MC_EV_LOAD:
	case MC_EV_STORE:
	case MC_EV_RMW:
	case MC_EV_CAS_OK:
	case MC_EV_FENCE: return ev->order == MC_SEQ_CST;
	case MC_EV_CAS_FAIL: return ev->order2 == MC_SEQ_CST;
	default: return false;
	}
}

static bool grow_pos_map(uint32_t n)
{
	int32_t *p;

	if ((int32_t)n <= pos_of_seq_cap)
		return true;
	p = realloc(pos_of_seq, (n + 1024) * sizeof(*p));
	if (!p)
		return false;
	pos_of_seq = p;
	pos_of_seq_cap = (int32_t)n + 1024;
	return true;
}

int mc_psc_check(char *why, size_t len)
{
	uint32_t i, j, l;
	int a, b, k = 0, m;

	if (!grow_pos_map(mc.nevents + 1)) {
		snprintf(why, len, "unsupported: out of memory in the seq_cst (psc) check");
		return -1;
	}
	for (l = 0; l < mc.nlocs; l++)
		for (j = 1; j < mc.locs[l].nstores; j++)
			pos_of_seq[mc.locs[l].stores[j].event] = (int32_t)j;
	nE = 0;
	for (i = 0; i < mc.nevents; i++) {
		const mc_event *ev = &mc.events[i];
		pev *p;

		if (!is_memory(ev->kind))
			continue;
		if (nE == PSC_MAX_EVENTS) {
			snprintf(why, len,
			         "unsupported: seq_cst in an execution of more than %d memory events (the psc check's "
			         "limit)",
			         PSC_MAX_EVENTS);
			return -1;
		}
		p = &E[nE];
		p->ev = ev;
		p->fence = ev->kind == MC_EV_FENCE;
		p->sc = is_sc_event(ev);
		p->loc = -1;
		p->src = p->pos = -1;
		p->lo = p->hi = 0;
		if (!p->fence) {
			p->lo = (uintptr_t)ev->addr;
			p->hi = p->lo + (ev->kind == MC_EV_PLAIN_READ || ev->kind == MC_EV_PLAIN_WRITE ? ev->len : ev->size);
		}
		if (ev->kind != MC_EV_FENCE && ev->kind != MC_EV_PLAIN_READ && ev->kind != MC_EV_PLAIN_WRITE) {
			p->loc = loc_of_addr(ev->addr);
			if (ev->kind != MC_EV_STORE)
				p->src = ev->rf ? pos_of_seq[ev->rf] : 0;
			if (ev->kind == MC_EV_STORE || ev->kind == MC_EV_RMW || ev->kind == MC_EV_CAS_OK)
				p->pos = pos_of_seq[ev->seq];
		}
		if (p->sc) {
			if (k == PSC_MAX_SC) {
				snprintf(why, len, "unsupported: more than %d seq_cst events in one execution (the psc "
				         "check's limit)", PSC_MAX_SC);
				return -1;
			}
			S[k++] = nE;
		}
		nE++;
	}
	if (k < 2)
		return 1;
	/* nxt / prv: first later and last earlier event of the same thread on another location */
	for (a = 0; a < nE; a++) {
		E[a].nxt = E[a].prv = -1;
		for (b = a + 1; b < nE && E[a].nxt < 0; b++)
			if (E[b].ev->tid == E[a].ev->tid && !same_loc(a, b))
				E[a].nxt = b;
		for (b = a - 1; b >= 0 && E[a].prv < 0; b--)
			if (E[b].ev->tid == E[a].ev->tid && !same_loc(a, b))
				E[a].prv = b;
	}
	for (a = 0; a < k; a++) {
		adj[a] = 0;
		for (b = 0; b < k; b++)
			if (a != b && psc_edge(S[a], S[b]))
				adj[a] |= 1ull << b;
	}
	/* transitive closure (Warshall); a cycle puts a node in its own row */
	for (m = 0; m < k; m++)
		for (a = 0; a < k; a++)
			if (adj[a] >> m & 1u)
				adj[a] |= adj[m];
	for (a = 0; a < k; a++)
		if (adj[a] >> a & 1u) {
			snprintf(why, len, "psc cycle through event #%u", (unsigned)E[S[a]].ev->seq);
			return 0;
		}
	return 1;
}

/* Is the current thread the only one left? Then everything else happens
 * before what it does next: its reads take the last stores and its stores go
 * last, which can close no psc cycle (a maximal extension). */
static bool alone(void)
{
	int i;

	for (i = 0; i < mc.nthreads; i++)
		if (i != mc.cur && mc.threads[i].state != MC_T_FINISHED)
			return false;
	return true;
}

void mc_psc_enforce(void)
{
	char why[160];
	int r;

	if (mc.nsc < 2 || mc.psc_settled)
		return;
	r = mc_psc_check(why, sizeof(why));
	if (r == 0)
		mc_end_execution(MC_END_INCONSISTENT);
	if (r < 0)
		mc_fail_kind(MC_FAILURE_USAGE, "%s", why);
	mc.psc_settled = alone();
}
