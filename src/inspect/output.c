/* Text and JSON. Both print the same figures; JSON keys are stable
 * (docs/inspect.md), text is for people. */
#include <stdio.h>

#include <shmprim/claim.h>
#include <shmprim/layout.h>

#include "inspect.h"

static const char *sev_str(enum insp_severity s)
{
	return s == INSP_ERROR ? "error" : s == INSP_WARN ? "warning" : "note";
}

static const char *slot_kind_str(uint32_t kind)
{
	return kind == 0 ? "free" : kind == 1 ? "allocated" : kind == 2 ? "in flight" : "invalid";
}

static void text_ring(const insp_ring *g)
{
	printf(": layout %u, capacity %u x %u-byte entries (%u per %u-byte cell), %llu bytes\n", g->version,
	       g->capacity, g->entry_size, g->entries_per_cell, g->cell_stride, (unsigned long long)g->bytes);
	printf("  published %u (head word %u), consumed %u, occupancy %u of %u\n", g->published, g->head_word,
	       g->tail, g->occupancy, g->capacity);
	printf("  producer pid %u (%s), %s\n", g->producer_pid, insp_life_str(g->producer_life),
	       g->producer_sleeping ? "asleep" : "awake");
	printf("  consumer pid %u (%s), %s\n", g->consumer_pid, insp_life_str(g->consumer_life),
	       g->consumer_sleeping ? "asleep" : "awake");
}

static const char *side_str(int state)
{
	return state == SHMPRIM_SIDE_FREE ? "free" : state == SHMPRIM_SIDE_CLOSED ? "closed"
	       : state == SHMPRIM_SIDE_HELD ? "held" : "impossible word";
}

static void text_claim(const char *side, const insp_claim *c, uint32_t sleeping)
{
	printf("  %s: %s", side, side_str(c->state));
	if (c->state == SHMPRIM_SIDE_HELD)
		printf(" by pid %u (%s, started at tick %llu)", c->pid, insp_life_str(c->life),
		       (unsigned long long)c->start_ticks);
	printf(", %s\n", sleeping ? "asleep" : "awake");
}

static void text_channel(const insp_channel *c)
{
	printf(": channel layout %u, %u data bytes, messages up to %u bytes, %llu bytes\n", c->version,
	       c->data_bytes, c->max_message, (unsigned long long)c->bytes);
	printf("  in flight: %u messages, %llu message bytes (released %llu, published to %llu, sent %llu)%s\n",
	       c->messages, (unsigned long long)c->message_bytes, (unsigned long long)c->released,
	       (unsigned long long)c->published_end, (unsigned long long)c->sent_hint,
	       c->records_ok ? "" : ", then a corrupt record");
	text_claim("producer", &c->producer, c->producer_sleeping);
	text_claim("consumer", &c->consumer, c->consumer_sleeping);
}

static void text_slab(const insp_slab *b, int verbose)
{
	size_t k, j;

	printf(": layout %u, %u slots x %u bytes, %llu bytes\n", b->version, b->slot_count, b->slot_size,
	       (unsigned long long)b->bytes);
	printf("  free %u (%u on the list, %u off it, %u being freed), allocated %u, in flight %u, invalid %u\n",
	       b->free_count, b->on_list, b->free_off_list, b->freeing, b->allocated, b->in_flight, b->bad_state);
	if (b->retired || b->anonymous)
		printf("  of those held: %u retired, %u by anonymous handles\n", b->retired, b->anonymous);
	printf("  free list: head %s%u, tag %u, %s; %u waiting to allocate; reclaim lock %s", 
	       b->head_index == SHMPRIM_SLAB_END ? "none " : "slot ", b->head_index == SHMPRIM_SLAB_END ? 0 : b->head_index,
	       b->head_tag, b->list_problem ? b->list_problem : "well-formed", b->free_waiters,
	       b->reclaim_lock ? "held by " : "free");
	if (b->reclaim_lock)
		printf("%u (%s)", b->reclaim_lock, insp_life_str(b->reclaim_life));
	printf("\n");
	if (b->n_owners == 0)
		printf("  owners: none\n");
	for (k = 0; k < b->n_owners; k++) {
		const insp_owner *o = &b->owners[k];

		printf("  owner pid %u (%s): %u allocated, %u in flight, %u being freed; slots", o->id,
		       insp_life_str(o->life), o->allocated, o->in_flight, o->freeing);
		for (j = 0; j < o->count; j++)
			printf(" %u", b->held[o->first + j].index);
		printf("\n");
	}
	if (verbose && b->words) {
		for (k = 0; k < b->slot_count; k++) {
			uint64_t w = b->words[k];
			uint32_t st = (uint32_t)w;

			printf("  slot %zu: %s%s, generation %u, owner %u\n", k,
			       slot_kind_str(st & SHMPRIM_SLAB_KIND_MASK),
			       (st & SHMPRIM_SLAB_FREEING) ? " (being freed)" : "", (uint32_t)(w >> 32),
			       st >> SHMPRIM_SLAB_OWNER_SHIFT);
		}
	}
}

void insp_print_text(const insp_report *r, int verbose)
{
	size_t i;

	printf("%s: %s, %llu bytes, mapped read-only\n", r->target, r->map->how, (unsigned long long)r->map->len);
	for (i = 0; i < r->n; i++) {
		const insp_struct *s = &r->s[i];

		printf("%s at offset %llu%s", insp_kind_str(s->kind), (unsigned long long)s->offset,
		       s->ok ? "" : ": refused\n");
		if (!s->ok)
			continue;
		if (s->kind == INSP_RING)
			text_ring(&s->u.ring);
		else if (s->kind == INSP_CHANNEL)
			text_channel(&s->u.channel);
		else
			text_slab(&s->u.slab, verbose);
	}
	if (r->nf == 0) {
		printf("findings: none\n");
		return;
	}
	printf("findings:\n");
	for (i = 0; i < r->nf; i++)
		printf("  %s: %s\n", sev_str(r->f[i].severity), r->f[i].text);
}

/* Strings printed into JSON come from this tool (never from shared memory),
 * except the target path: escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_pid(const char *key, uint32_t pid, enum insp_life life)
{
	printf("\"%s\": {\"pid\": %u, \"state\": \"%s\"}", key, pid, insp_life_str(life));
}

static void json_ring(const insp_ring *g)
{
	printf(", \"version\": %u, \"capacity\": %u, \"entry_size\": %u, \"entries_per_cell\": %u, "
	       "\"cell_stride\": %u, \"bytes\": %llu,\n     \"head_word\": %u, \"published\": %u, \"tail\": %u, "
	       "\"occupancy\": %u,\n     ",
	       g->version, g->capacity, g->entry_size, g->entries_per_cell, g->cell_stride,
	       (unsigned long long)g->bytes, g->head_word, g->published, g->tail, g->occupancy);
	json_pid("producer", g->producer_pid, g->producer_life);
	printf(", ");
	json_pid("consumer", g->consumer_pid, g->consumer_life);
	printf(",\n     \"producer_sleeping\": %u, \"consumer_sleeping\": %u", g->producer_sleeping,
	       g->consumer_sleeping);
}

static void json_claim(const char *key, const insp_claim *c)
{
	printf("\"%s\": {\"state\": \"%s\", \"word\": %llu, \"pid\": %u, \"start_ticks\": %llu, \"liveness\": \"%s\"}",
	       key, side_str(c->state), (unsigned long long)c->word, c->pid, (unsigned long long)c->start_ticks,
	       insp_life_str(c->life));
}

static void json_channel(const insp_channel *c)
{
	printf(", \"version\": %u, \"data_bytes\": %u, \"max_message\": %u, \"bytes\": %llu,\n"
	       "     \"released\": %llu, \"published_end\": %llu, \"sent\": %llu, \"messages\": %u, "
	       "\"message_bytes\": %llu, \"records_ok\": %s,\n     ",
	       c->version, c->data_bytes, c->max_message, (unsigned long long)c->bytes,
	       (unsigned long long)c->released, (unsigned long long)c->published_end,
	       (unsigned long long)c->sent_hint, c->messages, (unsigned long long)c->message_bytes,
	       c->records_ok ? "true" : "false");
	json_claim("producer", &c->producer);
	printf(",\n     ");
	json_claim("consumer", &c->consumer);
	printf(",\n     \"producer_sleeping\": %u, \"consumer_sleeping\": %u", c->producer_sleeping,
	       c->consumer_sleeping);
}

static void json_slab(const insp_slab *b, int verbose)
{
	size_t k, j;

	printf(", \"version\": %u, \"slot_count\": %u, \"slot_size\": %u, \"bytes\": %llu,\n"
	       "     \"free\": %u, \"on_free_list\": %u, \"free_off_list\": %u, \"being_freed\": %u, "
	       "\"allocated\": %u, \"in_flight\": %u, \"retired\": %u, \"anonymous\": %u, \"invalid\": %u,\n"
	       "     \"free_head\": %u, \"free_tag\": %u, \"free_list_ok\": %s, \"free_waiters\": %u, ",
	       b->version, b->slot_count, b->slot_size, (unsigned long long)b->bytes, b->free_count, b->on_list,
	       b->free_off_list, b->freeing, b->allocated, b->in_flight, b->retired, b->anonymous, b->bad_state,
	       b->head_index, b->head_tag, b->list_problem ? "false" : "true", b->free_waiters);
	json_pid("reclaim_lock", b->reclaim_lock, b->reclaim_life);
	printf(",\n     \"owners\": [");
	for (k = 0; k < b->n_owners; k++) {
		const insp_owner *o = &b->owners[k];

		printf("%s\n       {\"pid\": %u, \"state\": \"%s\", \"allocated\": %u, \"in_flight\": %u, "
		       "\"being_freed\": %u, \"slots\": [",
		       k ? "," : "", o->id, insp_life_str(o->life), o->allocated, o->in_flight, o->freeing);
		for (j = 0; j < o->count; j++)
			printf("%s%u", j ? ", " : "", b->held[o->first + j].index);
		printf("]}");
	}
	printf("]");
	if (verbose && b->words) {
		printf(",\n     \"slots\": [");
		for (k = 0; k < b->slot_count; k++) {
			uint64_t w = b->words[k];
			uint32_t st = (uint32_t)w;

			printf("%s\n       {\"index\": %zu, \"state\": \"%s\", \"being_freed\": %s, \"generation\": %u, "
			       "\"owner\": %u}",
			       k ? "," : "", k, slot_kind_str(st & SHMPRIM_SLAB_KIND_MASK),
			       (st & SHMPRIM_SLAB_FREEING) ? "true" : "false", (uint32_t)(w >> 32),
			       st >> SHMPRIM_SLAB_OWNER_SHIFT);
		}
		printf("]");
	}
}

void insp_print_json(const insp_report *r, int verbose)
{
	size_t i;

	printf("{\"target\": ");
	json_str(r->target);
	printf(", \"object\": \"%s\", \"bytes\": %llu,\n \"structures\": [", r->map->how,
	       (unsigned long long)r->map->len);
	for (i = 0; i < r->n; i++) {
		const insp_struct *s = &r->s[i];

		printf("%s\n    {\"kind\": \"%s\", \"offset\": %llu, \"ok\": %s", i ? "," : "", insp_kind_str(s->kind),
		       (unsigned long long)s->offset, s->ok ? "true" : "false");
		if (!s->ok) {
			printf(", \"error\": ");
			json_str(s->why);
		} else if (s->kind == INSP_RING) {
			json_ring(&s->u.ring);
		} else if (s->kind == INSP_CHANNEL) {
			json_channel(&s->u.channel);
		} else {
			json_slab(&s->u.slab, verbose);
		}
		printf("}");
	}
	printf("],\n \"findings\": [");
	for (i = 0; i < r->nf; i++) {
		printf("%s\n    {\"severity\": \"%s\", \"structure\": %zu, \"text\": ", i ? "," : "",
		       sev_str(r->f[i].severity), r->f[i].structure);
		json_str(r->f[i].text);
		printf("}");
	}
	printf("],\n \"exit\": %d}\n", insp_exit_code(r));
}
