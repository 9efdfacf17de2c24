/* Liveness, and the findings: what a decoded structure means, in words. */
#define _POSIX_C_SOURCE 200809L /* kill */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <shmprim/claim.h>
#include <shmprim/layout.h>

#include "inspect.h"

/* Pids live below 2^22 (PID_MAX_LIMIT); a larger value is no pid, and is
 * never passed to kill() (a negative pid_t would signal a process group). */
#define INSP_PID_LIMIT 4194304u

enum insp_life insp_pid_life(uint32_t pid)
{
	if (pid == 0)
		return INSP_NONE;
	if (pid > INSP_PID_LIMIT)
		return INSP_NOT_A_PID;
	/* EPERM: it exists, under another uid */
	return kill((pid_t)pid, 0) == 0 || errno == EPERM ? INSP_ALIVE : INSP_DEAD;
}

const char *insp_life_str(enum insp_life life)
{
	switch (life) {
	case INSP_ALIVE: return "alive";
	case INSP_DEAD: return "dead";
	case INSP_NOT_A_PID: return "not a pid";
	case INSP_UNKNOWN: return "liveness unknown";
	default: return "none";
	}
}

const char *insp_kind_str(enum insp_kind k)
{
	return k == INSP_RING ? "ring" : k == INSP_SLAB ? "slab" : "channel";
}

void insp_add(insp_report *r, enum insp_severity sev, size_t structure, const char *fmt, ...)
{
	va_list ap;
	insp_finding *f;

	if (r->nf == INSP_MAX_FINDINGS)
		return;
	f = &r->f[r->nf++];
	f->severity = sev;
	f->structure = structure;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static void ring_findings(insp_report *r, size_t i)
{
	const insp_ring *g = &r->s[i].u.ring;
	unsigned long long off = (unsigned long long)r->s[i].offset;

	if (g->producer_life == INSP_DEAD)
		insp_add(r, INSP_WARN, i,
		         "ring at %llu: producer pid %u is dead: a new producer resumes after its %u published "
		         "entries (split)",
		         off, g->producer_pid, g->published);
	if (g->consumer_life == INSP_DEAD)
		insp_add(r, INSP_WARN, i, "ring at %llu: consumer pid %u is dead with %u entries unread", off,
		         g->consumer_pid, g->occupancy);
	if (g->producer_life == INSP_NOT_A_PID)
		insp_add(r, INSP_WARN, i, "ring at %llu: producer pid word %u is no pid: scribbled?", off,
		         g->producer_pid);
	if (g->consumer_life == INSP_NOT_A_PID)
		insp_add(r, INSP_WARN, i, "ring at %llu: consumer pid word %u is no pid: scribbled?", off,
		         g->consumer_pid);
	if (g->consumer_sleeping && g->occupancy > 0)
		insp_add(r, INSP_WARN, i,
		         "ring at %llu: consumer asleep while %u entries are published: a lost wake-up (if it "
		         "persists across refreshes)",
		         off, g->occupancy);
	if (g->producer_sleeping && g->occupancy < g->capacity)
		insp_add(r, INSP_WARN, i,
		         "ring at %llu: producer asleep while %u slots are free: a lost wake-up (if it persists "
		         "across refreshes)",
		         off, g->capacity - g->occupancy);
	if (g->producer_claim.state == SHMPRIM_SIDE_HELD && g->producer_claim.liveness == SHMPRIM_DEAD)
		insp_add(r, INSP_WARN, i,
		         "ring at %llu: the producer side is claimed by pid %d, which is dead: a new producer may take "
		         "it over (take_producer)",
		         off, g->producer_claim.pid);
	if (g->consumer_claim.state == SHMPRIM_SIDE_HELD && g->consumer_claim.liveness == SHMPRIM_DEAD)
		insp_add(r, INSP_WARN, i,
		         "ring at %llu: the consumer side is claimed by pid %d, which is dead: a new consumer may take "
		         "it over (take_consumer)",
		         off, g->consumer_claim.pid);
	if (g->producer_claim.state == SHMPRIM_SIDE_IMPOSSIBLE || g->consumer_claim.state == SHMPRIM_SIDE_IMPOSSIBLE)
		insp_add(r, INSP_WARN, i, "ring at %llu: a claim word holds 0x%llx, which no claim writes: scribbled?",
		         off,
		         (unsigned long long)(g->producer_claim.state == SHMPRIM_SIDE_IMPOSSIBLE ? g->producer_claim.word
		                                                                                 : g->consumer_claim.word));
	if (g->consumer_sleeping > 2 || g->producer_sleeping > 2) /* 2: armed on a readiness fd (ready.h) */
		insp_add(r, INSP_WARN, i, "ring at %llu: a sleeping flag holds %u, not 0, 1 or 2: scribbled?", off,
		         g->consumer_sleeping > 2 ? g->consumer_sleeping : g->producer_sleeping);
}

/* What a pid is to the rings in this report: "producer", "consumer" or "owner". */
static const char *role_of(const insp_report *r, uint32_t pid)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (!r->s[i].ok || r->s[i].kind != INSP_RING)
			continue;
		if (r->s[i].u.ring.producer_pid == pid)
			return "producer";
		if (r->s[i].u.ring.consumer_pid == pid)
			return "consumer";
	}
	return "owner";
}

static void slab_findings(insp_report *r, size_t i)
{
	const insp_slab *b = &r->s[i].u.slab;
	unsigned long long off = (unsigned long long)r->s[i].offset;
	size_t k, j;

	if (b->list_problem)
		insp_add(r, INSP_ERROR, i, "slab at %llu: the free list is broken: %s (after %u slots)", off,
		         b->list_problem, b->on_list);
	if (b->bad_state)
		insp_add(r, INSP_ERROR, i, "slab at %llu: %u slots hold no valid state: corrupt", off, b->bad_state);
	for (k = 0; k < b->n_owners; k++) {
		const insp_owner *o = &b->owners[k];
		char list[120];
		size_t used = 0;

		if (o->life != INSP_DEAD && o->life != INSP_NOT_A_PID)
			continue;
		list[0] = '\0';
		for (j = 0; j < o->count && used < sizeof(list) - 16; j++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%u", j ? ", " : "",
			                         b->held[o->first + j].index);
		if (j < o->count)
			snprintf(list + used, sizeof(list) - used, ", ...");
		if (o->life == INSP_DEAD)
			insp_add(r, INSP_WARN, i, "slab at %llu: %s pid %u is dead and holds %zu slot%s (%s): run reclaim",
			         off, role_of(r, o->id), o->id, o->count, o->count == 1 ? "" : "s", list);
		else
			insp_add(r, INSP_INFO, i,
			         "slab at %llu: owner id %u is no pid and holds %zu slot%s (%s): liveness unknown", off,
			         o->id, o->count, o->count == 1 ? "" : "s", list);
	}
	if (b->reclaim_lock && b->reclaim_life == INSP_DEAD)
		insp_add(r, INSP_WARN, i,
		         "slab at %llu: the reclaim lock is held by owner %u, which is dead: reclaim(%u) takes it over",
		         off, b->reclaim_lock, b->reclaim_lock);
	if (b->free_waiters && b->on_list)
		insp_add(r, INSP_WARN, i,
		         "slab at %llu: %u waiting to allocate while %u slots are on the free list: a lost wake-up (if "
		         "it persists across refreshes)",
		         off, b->free_waiters, b->on_list);
	if (b->orphans)
		insp_add(r, INSP_INFO, i,
		         "slab at %llu: %u free slots are off the free list: allocations in progress, or taken "
		         "by an allocator that died (any reclaim returns those)",
		         off, b->orphans);
	if (b->anonymous)
		insp_add(r, INSP_INFO, i,
		         "slab at %llu: %u slots are held by anonymous handles (owner 0): no reclaim can return them",
		         off, b->anonymous);
}

static void claim_findings(insp_report *r, size_t i, const char *side, const insp_claim *c, const char *dead_means)
{
	unsigned long long off = (unsigned long long)r->s[i].offset;

	if (c->state == SHMPRIM_SIDE_HELD && c->life == INSP_DEAD)
		insp_add(r, INSP_WARN, i, "channel at %llu: %s pid %u is dead: %s", off, side, c->pid, dead_means);
	else if (c->state == SHMPRIM_SIDE_IMPOSSIBLE)
		insp_add(r, INSP_WARN, i,
		         "channel at %llu: the %s claim word holds 0x%llx, which no claim writes: scribbled? (the next "
		         "taker takes it over)",
		         off, side, (unsigned long long)c->word);
}

static void channel_findings(insp_report *r, size_t i)
{
	const insp_channel *c = &r->s[i].u.channel;
	unsigned long long off = (unsigned long long)r->s[i].offset;
	char dead_consumer[200];

	if (!c->records_ok)
		insp_add(r, INSP_ERROR, i,
		         "channel at %llu: the record at position %llu is not one a producer writes: corrupt (the consumer "
		         "gets SHMPRIM_ERR_CORRUPT there)",
		         off, (unsigned long long)c->published_end);
	claim_findings(r, i, "producer", &c->producer,
	               "the consumer receives what it published, then PEER_DEAD; a new producer takes the side over");
	snprintf(dead_consumer, sizeof(dead_consumer),
	         "%u message%s (%llu bytes) not released go to the consumer that takes the side over", c->messages,
	         c->messages == 1 ? "" : "s", (unsigned long long)c->message_bytes);
	claim_findings(r, i, "consumer", &c->consumer, dead_consumer);
	if (c->producer.state == SHMPRIM_SIDE_CLOSED)
		insp_add(r, INSP_INFO, i, "channel at %llu: the producer closed; %u message%s left, then END", off,
		         c->messages, c->messages == 1 ? "" : "s");
	if (c->consumer.state == SHMPRIM_SIDE_CLOSED)
		insp_add(r, INSP_INFO, i, "channel at %llu: the consumer closed; sends return CLOSED", off);
	/* 1: asleep in a futex wait; 2: armed on its readiness fd (<shmprim/ready.h>). */
	if ((c->consumer_sleeping == 1 || c->consumer_sleeping == 2) && c->messages > 0)
		insp_add(r, INSP_WARN, i,
		         "channel at %llu: consumer asleep while %u messages are published: a lost wake-up (if it persists "
		         "across refreshes)",
		         off, c->messages);
	if (c->producer_sleeping > 2 || c->consumer_sleeping > 2)
		insp_add(r, INSP_WARN, i, "channel at %llu: a sleeping flag holds %u, not 0, 1 or 2: scribbled?", off,
		         c->consumer_sleeping > 2 ? c->consumer_sleeping : c->producer_sleeping);
}

void insp_find(insp_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (!r->s[i].ok)
			insp_add(r, INSP_ERROR, i, "%s", r->s[i].why);
		else if (r->s[i].kind == INSP_RING)
			ring_findings(r, i);
		else if (r->s[i].kind == INSP_CHANNEL)
			channel_findings(r, i);
		else
			slab_findings(r, i);
	}
}

int insp_exit_code(const insp_report *r)
{
	int code = INSP_EXIT_OK;
	size_t i;

	for (i = 0; i < r->nf; i++) {
		if (r->f[i].severity == INSP_ERROR)
			return INSP_EXIT_CORRUPT;
		if (r->f[i].severity == INSP_WARN)
			code = INSP_EXIT_WARN;
	}
	return code;
}
