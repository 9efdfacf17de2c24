/*
 * One side of a two-process exchange, exec'd by the ipc tests: built once per
 * atomics backend and, where the toolchain can, as a 32-bit (-m32) program, so
 * that any two builds can be paired over the same memory.
 *
 *   ipc_peer info
 *   ipc_peer stream-produce FD COUNT       ring at offset 0 of the memfd FD
 *   ipc_peer stream-consume FD COUNT
 *   ipc_peer rpc-produce FD COUNT SLAB_OFF slab slots carry the payload, the
 *   ipc_peer rpc-consume FD COUNT SLAB_OFF ring carries {index, generation}
 *   ipc_peer init FD CAP ENTRY SLAB_OFF SLOTS SLOT_SIZE   this build writes the headers
 *   ipc_peer flip FD SLAB_OFF              every single-bit flip of both
 *                                           immutable header lines is refused,
 *                                           and so is each structure read as the other
 *
 * Exit status 0 = every check passed; 1 = a check failed (message on stderr).
 */
#include "ipc_common.h"

#include <unistd.h>

#define SEC 1000000000ull
#define WAIT (20 * SEC) /* any single wait this long means something is broken */

static const char *me = "?";

static void attach_region(int fd, shmprim_shm *shm)
{
	shmprim_status st = shmprim_shm_open_fd(shm, fd, 0);

	if (st != SHMPRIM_OK)
		IPC_FAIL("%s: open_fd(%d): %s (errno %d, %s)", me, fd, shmprim_status_str(st), shm->sys_errno,
		         shm->sys_call ? shm->sys_call : "-");
}

static uint64_t tag_of_build(void)
{
	return ((uint64_t)sizeof(void *) << 32) | (uint64_t)shmprim_backend_name()[0];
}

static int stream_produce(int fd, uint64_t count)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_peer peer;
	shmprim_wait_opts o = { NULL, SHMPRIM_WAIT_DEFAULT_SPIN, 0 };
	ipc_entry e;
	uint64_t i;
	int cpid;

	attach_region(fd, &shm);
	IPC_OK(shmprim_spsc_attach(&ring, shmprim_shm_region(&shm), 0));
	IPC_CHECK(shmprim_spsc_entry_size(&ring) == sizeof(ipc_entry), "%s: entry size %u", me,
	          shmprim_spsc_entry_size(&ring));
	shmprim_spsc_split(&ring, &p, NULL);
	shmprim_spsc_announce_producer(&p);
	for (i = 0; i < count; i++) {
		shmprim_status st;

		if (!o.peer && (cpid = shmprim_spsc_consumer_pid(&p)) > 0 && shmprim_peer_watch(&peer, cpid) == SHMPRIM_OK)
			o.peer = &peer;
		ipc_entry_make(&e, i, tag_of_build());
		st = shmprim_spsc_push_wait(&p, &e, WAIT, &o);
		if (st != SHMPRIM_OK)
			IPC_FAIL("%s: push %" PRIu64 ": %s", me, i, shmprim_status_str(st));
	}
	return 0;
}

static int stream_consume(int fd, uint64_t count)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_spsc_consumer c;
	shmprim_peer peer;
	shmprim_wait_opts o = { NULL, SHMPRIM_WAIT_DEFAULT_SPIN, 0 };
	ipc_entry e;
	uint64_t i, tag = 0;
	int ppid;

	attach_region(fd, &shm);
	IPC_OK(shmprim_spsc_attach(&ring, shmprim_shm_region(&shm), 0));
	shmprim_spsc_split(&ring, NULL, &c);
	shmprim_spsc_announce_consumer(&c);
	for (i = 0; i < count; i++) {
		shmprim_status st;

		if (!o.peer && (ppid = shmprim_spsc_producer_pid(&c)) > 0 && shmprim_peer_watch(&peer, ppid) == SHMPRIM_OK)
			o.peer = &peer;
		st = shmprim_spsc_pop_wait(&c, &e, WAIT, &o);
		if (st != SHMPRIM_OK)
			IPC_FAIL("%s: pop %" PRIu64 ": %s", me, i, shmprim_status_str(st));
		if (!ipc_entry_ok(&e))
			IPC_FAIL("%s: item %" PRIu64 " torn (seq %" PRIu64 ")", me, i, e.seq);
		if (e.seq != i)
			IPC_FAIL("%s: item %" PRIu64 " has seq %" PRIu64 " (lost or reordered)", me, i, e.seq);
		if (i == 0)
			tag = e.tag;
		else if (e.tag != tag)
			IPC_FAIL("%s: producer build changed mid-stream", me);
	}
	if (shmprim_spsc_pop(&c, &e))
		IPC_FAIL("%s: an item past the end (seq %" PRIu64 ")", me, e.seq);
	printf("%s: %" PRIu64 " items in order from a %u-bit %c producer\n", me, count, (unsigned)(tag >> 32) * 8,
	       (char)tag);
	return 0;
}

/* The RPC pattern: alloc, write payload, mark in flight, push {index, gen};
 * pop, read, free. Slot payload: an ipc_entry whose tag is the handle. */
typedef struct rpc_msg {
	uint32_t index;
	uint32_t generation;
} rpc_msg;

static uint64_t handle_tag(shmprim_slot_handle h)
{
	return ((uint64_t)h.generation << 32) | h.index;
}

static int rpc_produce(int fd, uint64_t count, size_t slab_off)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_producer p;
	shmprim_wait_opts o = { NULL, SHMPRIM_WAIT_DEFAULT_SPIN, 0 };
	uint64_t i;

	attach_region(fd, &shm);
	IPC_OK(shmprim_spsc_attach(&ring, shmprim_shm_region(&shm), 0));
	IPC_OK(shmprim_slab_attach(&slab, shmprim_shm_region(&shm), slab_off));
	IPC_OK(shmprim_slab_set_owner(&slab, (uint32_t)getpid()));
	IPC_CHECK(shmprim_spsc_entry_size(&ring) == sizeof(rpc_msg), "%s: ring entry %u", me,
	          shmprim_spsc_entry_size(&ring));
	IPC_CHECK(shmprim_slab_slot_size(&slab) >= sizeof(ipc_entry), "%s: slot size %u", me,
	          shmprim_slab_slot_size(&slab));
	shmprim_spsc_split(&ring, &p, NULL);
	for (i = 0; i < count; i++) {
		shmprim_slot_handle h;
		ipc_entry *slot;
		rpc_msg m;

		IPC_OK(shmprim_slab_alloc_wait(&slab, &h, WAIT, &o));
		slot = shmprim_slab_slot_data(&slab, h);
		IPC_CHECK(slot != NULL, "%s: no data for a fresh slot", me);
		ipc_entry_make(slot, i, handle_tag(h));
		IPC_OK(shmprim_slab_mark_in_flight(&slab, h));
		m.index = h.index;
		m.generation = h.generation;
		IPC_OK(shmprim_spsc_push_wait(&p, &m, WAIT, &o));
	}
	return 0;
}

static int rpc_consume(int fd, uint64_t count, size_t slab_off)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_consumer c;
	shmprim_wait_opts o = { NULL, SHMPRIM_WAIT_DEFAULT_SPIN, 0 };
	uint64_t i;

	attach_region(fd, &shm);
	IPC_OK(shmprim_spsc_attach(&ring, shmprim_shm_region(&shm), 0));
	IPC_OK(shmprim_slab_attach(&slab, shmprim_shm_region(&shm), slab_off));
	IPC_OK(shmprim_slab_set_owner(&slab, (uint32_t)getpid()));
	shmprim_spsc_split(&ring, NULL, &c);
	for (i = 0; i < count; i++) {
		shmprim_slot_handle h;
		const ipc_entry *slot;
		ipc_entry copy;
		rpc_msg m;

		IPC_OK(shmprim_spsc_pop_wait(&c, &m, WAIT, &o));
		h.index = m.index;
		h.generation = m.generation;
		IPC_OK(shmprim_slab_adopt(&slab, h)); /* ours now, should we die */
		slot = shmprim_slab_slot_data(&slab, h);
		IPC_CHECK(slot != NULL, "%s: handle %u/%u from the ring is not live", me, h.index, h.generation);
		copy = *slot;
		if (!ipc_entry_ok(&copy) || copy.seq != i || copy.tag != handle_tag(h))
			IPC_FAIL("%s: message %" PRIu64 " wrong (seq %" PRIu64 ", slot %u/%u)", me, i, copy.seq, h.index,
			         h.generation);
		IPC_OK(shmprim_slab_free_notify(&slab, h));
	}
	{
		shmprim_slab_audit_report a;

		shmprim_slab_audit(&slab, &a);
		IPC_CHECK(a.list_ok && a.on_free_list == shmprim_slab_slot_count(&slab) && a.allocated == 0 &&
		                  a.in_flight == 0,
		          "%s: slab not whole after the exchange: %u listed, %u allocated, %u in flight", me,
		          a.on_free_list, a.allocated, a.in_flight);
	}
	printf("%s: %" PRIu64 " messages through the slab\n", me, count);
	return 0;
}

/* Every single-bit flip of line 0 of both headers, on a private copy of the
 * region the other build made: each must be refused with an attach error. */
static int flip(int fd, size_t slab_off)
{
	shmprim_shm shm;
	shmprim_heap_region copy;
	unsigned char *b;
	size_t offs[2], k, byte;
	unsigned bit, refused = 0;

	attach_region(fd, &shm);
	IPC_OK(shmprim_heap_region_new_zeroed(&copy, shm.len));
	memcpy(copy.base, shm.base, shm.len);
	b = copy.base;
	offs[0] = 0;
	offs[1] = slab_off;
	{
		shmprim_spsc ring;
		shmprim_slab slab;

		IPC_OK(shmprim_spsc_attach(&ring, shmprim_heap_region_region(&copy), 0));
		IPC_OK(shmprim_slab_attach(&slab, shmprim_heap_region_region(&copy), slab_off));
	}
	for (k = 0; k < 2; k++) {
		for (byte = 0; byte < 128; byte++) {
			for (bit = 0; bit < 8; bit++) {
				shmprim_status st;

				b[offs[k] + byte] ^= (unsigned char)(1u << bit);
				if (k == 0) {
					shmprim_spsc ring;

					st = shmprim_spsc_attach(&ring, shmprim_heap_region_region(&copy), 0);
				} else {
					shmprim_slab slab;

					st = shmprim_slab_attach(&slab, shmprim_heap_region_region(&copy), slab_off);
				}
				b[offs[k] + byte] ^= (unsigned char)(1u << bit);
				if (st == SHMPRIM_OK || st == SHMPRIM_ERR_CORRUPT || st == SHMPRIM_ERR_NULL_ARGUMENT ||
				    st == SHMPRIM_ERR_MISALIGNED)
					IPC_FAIL("%s: %s byte %zu bit %u: %s", me, k ? "slab" : "ring", byte, bit,
					         shmprim_status_str(st));
				refused++;
			}
		}
	}
	/* Layout mismatch: the wrong structure at an offset is named as such. */
	{
		shmprim_spsc ring;
		shmprim_slab slab;
		shmprim_status st = shmprim_spsc_attach(&ring, shmprim_heap_region_region(&copy), slab_off);

		IPC_CHECK(st == SHMPRIM_ERR_BAD_MAGIC, "%s: slab attached as a ring: %s", me, shmprim_status_str(st));
		st = shmprim_slab_attach(&slab, shmprim_heap_region_region(&copy), 0);
		IPC_CHECK(st == SHMPRIM_ERR_BAD_MAGIC, "%s: ring attached as a slab: %s", me, shmprim_status_str(st));
		((uint32_t *)b)[1] = SHMPRIM_LAYOUT_VERSION + 1; /* a future layout: version refused before anything else */
		st = shmprim_spsc_attach(&ring, shmprim_heap_region_region(&copy), 0);
		IPC_CHECK(st == SHMPRIM_ERR_BAD_VERSION, "%s: version 2 ring: %s", me, shmprim_status_str(st));
	}
	printf("%s: %u single-bit flips refused\n", me, refused);
	shmprim_heap_region_free(&copy);
	return 0;
}

static int init(int fd, uint32_t cap, uint32_t entry, size_t slab_off, uint32_t slots, uint32_t slot_size)
{
	shmprim_shm shm;
	shmprim_spsc ring;
	shmprim_slab slab;

	attach_region(fd, &shm);
	IPC_OK(shmprim_spsc_init(&ring, shmprim_shm_region(&shm), 0, cap, entry));
	IPC_OK(shmprim_slab_init(&slab, shmprim_shm_region(&shm), slab_off, slots, slot_size));
	return 0;
}

int main(int argc, char **argv)
{
	char name[64];

	snprintf(name, sizeof(name), "%s-%zubit", shmprim_backend_name(), sizeof(void *) * 8);
	me = name;
	if (argc >= 2 && strcmp(argv[1], "info") == 0) {
		printf("%s\n", name);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "stream-produce") == 0)
		return stream_produce(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (argc >= 4 && strcmp(argv[1], "stream-consume") == 0)
		return stream_consume(atoi(argv[2]), strtoull(argv[3], NULL, 0));
	if (argc >= 5 && strcmp(argv[1], "rpc-produce") == 0)
		return rpc_produce(atoi(argv[2]), strtoull(argv[3], NULL, 0), (size_t)strtoull(argv[4], NULL, 0));
	if (argc >= 5 && strcmp(argv[1], "rpc-consume") == 0)
		return rpc_consume(atoi(argv[2]), strtoull(argv[3], NULL, 0), (size_t)strtoull(argv[4], NULL, 0));
	if (argc >= 8 && strcmp(argv[1], "init") == 0)
		return init(atoi(argv[2]), (uint32_t)strtoul(argv[3], NULL, 0), (uint32_t)strtoul(argv[4], NULL, 0),
		            (size_t)strtoull(argv[5], NULL, 0), (uint32_t)strtoul(argv[6], NULL, 0),
		            (uint32_t)strtoul(argv[7], NULL, 0));
	if (argc >= 4 && strcmp(argv[1], "flip") == 0)
		return flip(atoi(argv[2]), (size_t)strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: ipc_peer info | stream-produce|stream-consume FD COUNT | "
	                "rpc-produce|rpc-consume FD COUNT SLAB_OFF | init FD CAP ENTRY SLAB_OFF SLOTS SLOT_SIZE | "
	                "flip FD SLAB_OFF\n");
	return 2;
}
