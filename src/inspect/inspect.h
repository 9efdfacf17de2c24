/*
 * shmprim-inspect: what a read-only mapping of a shared region holds.
 * One idea per file: args.c (command line), map.c (read-only mapping and
 * the SIGBUS guard), ring.c and slab.c (decoding), findings.c (liveness and
 * the plain-words findings), output.c (text and JSON). A structure kind is
 * one enum value, one decoder and one printer: a channel adds a third.
 *
 * Everything read from the mapping is untrusted: each shared word is read
 * once into a local and validated before it is used, geometry comes from the
 * library's attach checks (which copy the header first), and every loop is
 * bounded by a slot count that fits in the mapping.
 */
#ifndef SHMPRIM_INSPECT_H
#define SHMPRIM_INSPECT_H

#include <stddef.h>
#include <stdint.h>

enum insp_kind { INSP_RING, INSP_SLAB, INSP_CHANNEL };

/* Exit codes (docs/inspect.md). */
#define INSP_EXIT_OK 0       /* decoded, nothing to report */
#define INSP_EXIT_WARN 1     /* decoded, with warnings (a dead owner, a lost wake-up) */
#define INSP_EXIT_CORRUPT 2  /* a structure was refused: corrupt, truncated or not there */
#define INSP_EXIT_OPEN 3     /* the target could not be opened or mapped */
#define INSP_EXIT_USAGE 64   /* bad command line */

#define INSP_MAX_STRUCTS 64u

/* Liveness of a pid read from shared memory. */
enum insp_life { INSP_NONE, INSP_ALIVE, INSP_DEAD, INSP_NOT_A_PID, INSP_UNKNOWN };

typedef struct insp_args {
	const char *target;
	enum insp_kind kinds[INSP_MAX_STRUCTS];
	uint64_t offsets[INSP_MAX_STRUCTS];
	size_t count; /* 0: probe offset 0 */
	int json, verbose;
	unsigned watch_s;   /* 0: once */
	unsigned watch_max; /* refreshes before ending (0: until Ctrl-C) */
} insp_args;

typedef struct insp_map {
	const unsigned char *base;
	size_t len;
	char how[32]; /* "shm object", "file", "memfd" */
} insp_map;

typedef struct insp_ring {
	uint32_t version, capacity, entry_size, entries_per_cell, cell_stride;
	uint64_t bytes;
	uint32_t head_word, published, tail, occupancy;
	uint32_t producer_pid, consumer_pid;
	enum insp_life producer_life, consumer_life;
	uint32_t producer_sleeping, consumer_sleeping;
} insp_ring;

/* A slot that is not plainly free, for the owner table: sorted by owner, index. */
typedef struct insp_held {
	uint32_t owner, index;
	uint8_t kind, freeing;
} insp_held;

typedef struct insp_owner {
	uint32_t id;
	enum insp_life life;
	uint32_t allocated, in_flight, freeing;
	size_t first, count; /* its slots: held[first .. first+count) */
} insp_owner;

typedef struct insp_slab {
	uint32_t version, slot_count, slot_size, data_stride;
	uint64_t bytes;
	uint32_t head_index, head_tag, free_waiters, free_wake, reclaim_lock;
	enum insp_life reclaim_life;
	uint32_t on_list, listed_not_free;
	const char *list_problem; /* NULL: the list ends well */
	uint32_t free_count, free_off_list, orphans, freeing, allocated, in_flight, retired, anonymous, bad_state;
	insp_held *held;
	size_t n_held;
	insp_owner *owners;
	size_t n_owners;
	uint64_t *words; /* --verbose: every slot's state_gen as read */
	unsigned char *list_bits; /* scratch: one bit per slot (here so a SIGBUS cannot leak it) */
} insp_slab;

/* A side's claim word (<shmprim/claim.h>), decoded. */
typedef struct insp_claim {
	uint64_t word;
	int state;          /* shmprim_side_state */
	uint32_t pid;
	uint64_t start_ticks;
	enum insp_life life;
} insp_claim;

typedef struct insp_channel {
	uint32_t version, data_bytes, max_message;
	uint64_t bytes;
	uint64_t released, published_end, sent_hint, message_bytes;
	uint32_t messages;
	int records_ok; /* the walk from released met only well-formed records */
	uint32_t producer_sleeping, consumer_sleeping;
	insp_claim producer, consumer;
} insp_channel;

typedef struct insp_struct {
	enum insp_kind kind;
	uint64_t offset;
	int ok;          /* decoded; else why says what was refused */
	char why[256];
	union {
		insp_ring ring;
		insp_slab slab;
		insp_channel channel;
	} u;
} insp_struct;

enum insp_severity { INSP_INFO, INSP_WARN, INSP_ERROR };

typedef struct insp_finding {
	enum insp_severity severity;
	size_t structure;
	char text[320];
} insp_finding;

#define INSP_MAX_FINDINGS 256u

typedef struct insp_report {
	const char *target;
	const insp_map *map;
	insp_struct s[INSP_MAX_STRUCTS];
	size_t n;
	insp_finding f[INSP_MAX_FINDINGS];
	size_t nf;
} insp_report;

/* args.c: 0, or INSP_EXIT_USAGE after printing why (or the help: -1). */
int insp_parse_args(int argc, char **argv, insp_args *out);

/* map.c */
int insp_map_open(const char *target, insp_map *out, char *why, size_t why_len);
void insp_map_close(insp_map *m);
/* Runs fn(arg) with SIGBUS turned into a refusal: returns 0, or -1 if the
 * object shrank under the mapping while fn read it. */
int insp_guarded(void (*fn)(void *), void *arg);

/* ring.c, slab.c: fill s (offset and kind set) from the mapping. */
void insp_ring_decode(const insp_map *m, insp_struct *s);
void insp_slab_decode(const insp_map *m, insp_struct *s, int verbose);
void insp_slab_free(insp_slab *slab);
void insp_channel_decode(const insp_map *m, insp_struct *s);
/* The kind at an offset from its magic, for the no-offset default: 0 if none. */
int insp_probe_kind(const insp_map *m, uint64_t offset, enum insp_kind *kind, uint32_t *magic);

/* findings.c */
enum insp_life insp_pid_life(uint32_t pid);
const char *insp_life_str(enum insp_life life);
void insp_find(insp_report *r);
void insp_add(insp_report *r, enum insp_severity sev, size_t structure, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;
int insp_exit_code(const insp_report *r);

/* output.c */
void insp_print_text(const insp_report *r, int verbose);
void insp_print_json(const insp_report *r, int verbose);

const char *insp_kind_str(enum insp_kind k);

#endif
