/*
 * The SPSC ring from one thread: exact values and order, wrap-around, the
 * full/empty edges, entry sizes, two handles on one memory, both forms, bad
 * arguments, restart and crash recovery, and a corrupted peer index.
 */
#include "unit_util.h"

#include <shmprim/static/spsc.h>
#include <shmprim/wait.h>

/* Below Meson's 60 s, so a hang is reported by Criterion, which also reaps its worker. */
TestSuite(ring, .timeout = UNIT_TIMEOUT_S);

/* A ring alone in a region of exactly its required size, at offset 0. */
static shmprim_heap_region make_ring(shmprim_spsc *ring, uint32_t capacity, uint32_t entry_size)
{
	size_t need = shmprim_spsc_required_size(capacity, entry_size);
	shmprim_heap_region heap;

	cr_assert_neq(need, 0, "required_size(%u, %u) is 0", capacity, entry_size);
	heap = unit_heap(need);
	cr_assert_eq(shmprim_spsc_init(ring, shmprim_heap_region_region(&heap), 0, capacity, entry_size), SHMPRIM_OK,
	             "init capacity %u entry %u", capacity, entry_size);
	return heap;
}

static void push_u64(shmprim_spsc_producer *p, uint64_t v)
{
	cr_assert_eq(shmprim_spsc_push(p, &v), SHMPRIM_PUSH_OK, "push of %llu", (unsigned long long)v);
}

static void pop_expect_u64(shmprim_spsc_consumer *c, uint64_t want)
{
	uint64_t got = ~want;

	cr_assert(shmprim_spsc_pop(c, &got), "pop: empty, expected %llu", (unsigned long long)want);
	cr_assert_eq(got, want, "pop: got %llu, expected %llu", (unsigned long long)got, (unsigned long long)want);
}

static void pop_expect_empty(shmprim_spsc_consumer *c)
{
	uint64_t got = 0x5151515151515151ull;

	cr_assert_not(shmprim_spsc_pop(c, &got), "pop: expected empty, got %llu", (unsigned long long)got);
	cr_assert_eq(got, 0x5151515151515151ull, "a failed pop wrote its output");
}

/* The seq word of the cell holding position pos. */
static uint32_t *cell_seq_at(const shmprim_spsc *ring, uint32_t pos)
{
	uint32_t rem;

	return shmprim_ring_cell_seq(&ring->raw.geo, pos, &rem);
}

/* ---- order and values ---- */

Test(ring, fifo_exact_values)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 16, 8);
	uint64_t i;

	cr_assert_eq(shmprim_spsc_capacity(&ring), 16);
	cr_assert_eq(shmprim_spsc_entry_size(&ring), 8);
	cr_assert(shmprim_spsc_is_empty(&ring));
	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 10; i++)
		push_u64(&p, 0xA000000000000000ull + i * 7919);
	cr_assert_eq(shmprim_spsc_len(&ring), 10);
	cr_assert_not(shmprim_spsc_is_empty(&ring));
	for (i = 0; i < 10; i++)
		pop_expect_u64(&c, 0xA000000000000000ull + i * 7919);
	pop_expect_empty(&c);
	cr_assert_eq(shmprim_spsc_len(&ring), 0);
	cr_assert(shmprim_spsc_is_empty(&ring));
	shmprim_heap_region_free(&heap);
}

/* Push 3, pop 2: the two sides are never aligned to a lap boundary. */
Test(ring, interleaved_unaligned)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint64_t next_in = 0, next_out = 0;
	int round;

	shmprim_spsc_split(&ring, &p, &c);
	for (round = 0; round < 500; round++) {
		while (next_in - next_out < 3)
			push_u64(&p, next_in++);
		pop_expect_u64(&c, next_out++);
		pop_expect_u64(&c, next_out++);
	}
	while (next_out < next_in)
		pop_expect_u64(&c, next_out++);
	pop_expect_empty(&c);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, (uint32_t)next_in);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).tail, (uint32_t)next_in);
	cr_assert_eq(next_in, 1001);
	shmprim_heap_region_free(&heap);
}

Test(ring, wrap_around_1000_laps_capacity_4)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint64_t seq = 0, want = 0, blocker = 0;
	shmprim_spsc_snapshot s;
	int lap, k;

	shmprim_spsc_split(&ring, &p, &c);
	for (lap = 0; lap < 1000; lap++) {
		for (k = 0; k < 4; k++)
			push_u64(&p, seq++);
		cr_assert_eq(shmprim_spsc_push(&p, &blocker), SHMPRIM_PUSH_WOULD_BLOCK, "lap %d: fifth push", lap);
		for (k = 0; k < 4; k++)
			pop_expect_u64(&c, want++);
		pop_expect_empty(&c);
	}
	s = shmprim_spsc_snapshot_of(&ring);
	cr_assert_eq(s.head, 4000);
	cr_assert_eq(s.tail, 4000);
	cr_assert_eq(s.len, 0);
	shmprim_heap_region_free(&heap);
}

/* A ring that has carried ~2^32 entries: free-running u32 indices wrap to 0.
 * Every slot's seq is set to what its previous lap left there (pos + 1). */
Test(ring, u32_index_wrap)
{
	const uint32_t start = 0xFFFFFFFAu;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint32_t q, i;
	shmprim_spsc_snapshot s;

	for (q = start - 4; q != start; q++) {
		uint32_t seq = q + 1;

		memcpy(cell_seq_at(&ring, q), &seq, sizeof(seq));
	}
	ring.raw.header->head = start;
	ring.raw.header->tail = start;
	shmprim_spsc_split(&ring, &p, &c);
	pop_expect_empty(&c);
	for (i = 0; i < 20; i++) {
		push_u64(&p, 100 + i);
		if (i % 3 == 2) {
			pop_expect_u64(&c, 100 + i - 2);
			pop_expect_u64(&c, 100 + i - 1);
			pop_expect_u64(&c, 100 + i);
		}
	}
	pop_expect_u64(&c, 118);
	pop_expect_u64(&c, 119);
	pop_expect_empty(&c);
	s = shmprim_spsc_snapshot_of(&ring);
	cr_assert_eq(s.head, start + 20, "head %u", s.head);
	cr_assert_eq(s.tail, start + 20, "tail %u", s.tail);
	cr_assert_eq(s.head, 14u);
	shmprim_heap_region_free(&heap);
}

/* ---- full / empty edges ---- */

static void check_edges(uint32_t cap)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, cap, 8);
	shmprim_spsc_snapshot s;
	uint64_t extra = 0xEEEEu;
	uint32_t i;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < cap; i++) {
		s = shmprim_spsc_snapshot_of(&ring);
		cr_assert(s.head == i && s.tail == 0 && s.len == i && s.capacity == cap,
		          "cap %u after %u pushes: snapshot head %u tail %u len %u capacity %u", cap, i, s.head, s.tail,
		          s.len, s.capacity);
		cr_assert_eq(shmprim_spsc_available(&p), cap - i, "cap %u after %u pushes: available", cap, i);
		cr_assert_not(shmprim_spsc_is_full(&p), "cap %u after %u pushes: is_full", cap, i);
		cr_assert_eq(shmprim_spsc_consumer_is_empty(&c), i == 0, "cap %u after %u pushes: consumer_is_empty",
		             cap, i);
		cr_assert_eq(shmprim_spsc_consumer_len(&c), i, "cap %u after %u pushes: consumer_len", cap, i);
		cr_assert_eq(shmprim_spsc_push(&p, &(uint64_t){ i }), SHMPRIM_PUSH_OK, "cap %u push #%u", cap, i);
	}
	/* Exactly capacity entries fit. */
	cr_assert(shmprim_spsc_is_full(&p), "cap %u full: is_full", cap);
	cr_assert_eq(shmprim_spsc_available(&p), 0, "cap %u full: available", cap);
	cr_assert_eq(shmprim_spsc_push(&p, &extra), SHMPRIM_PUSH_WOULD_BLOCK, "cap %u: push past capacity", cap);
	cr_assert_eq(shmprim_spsc_push(&p, &extra), SHMPRIM_PUSH_WOULD_BLOCK, "cap %u: second push past capacity", cap);
	s = shmprim_spsc_snapshot_of(&ring);
	cr_assert(s.head == cap && s.tail == 0 && s.len == cap, "cap %u full: snapshot head %u tail %u len %u", cap,
	          s.head, s.tail, s.len);
	cr_assert_eq(shmprim_spsc_len(&ring), cap);
	cr_assert_eq(shmprim_spsc_consumer_len(&c), cap, "cap %u full: consumer_len", cap);
	cr_assert_not(shmprim_spsc_consumer_is_empty(&c), "cap %u full: consumer_is_empty", cap);

	for (i = 0; i < cap; i++) {
		pop_expect_u64(&c, i);
		cr_assert_eq(shmprim_spsc_consumer_len(&c), cap - i - 1, "cap %u after %u pops: consumer_len", cap, i + 1);
		cr_assert_eq(shmprim_spsc_available(&p), i + 1, "cap %u after %u pops: available", cap, i + 1);
		cr_assert_not(shmprim_spsc_is_full(&p), "cap %u after %u pops: is_full", cap, i + 1);
		s = shmprim_spsc_snapshot_of(&ring);
		cr_assert(s.head == cap && s.tail == i + 1 && s.len == cap - i - 1,
		          "cap %u after %u pops: snapshot head %u tail %u len %u", cap, i + 1, s.head, s.tail, s.len);
	}
	/* Exactly capacity entries come out, then nothing. */
	pop_expect_empty(&c);
	cr_assert(shmprim_spsc_consumer_is_empty(&c), "cap %u drained: consumer_is_empty", cap);
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 0, "cap %u drained: consumer_len", cap);
	cr_assert(shmprim_spsc_is_empty(&ring));
	cr_assert_eq(shmprim_spsc_available(&p), cap, "cap %u drained: available", cap);
	/* And the next lap starts cleanly. */
	push_u64(&p, 0xCAFEu);
	pop_expect_u64(&c, 0xCAFEu);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

Test(ring, edges_capacity_1) { check_edges(1); }
Test(ring, edges_capacity_2) { check_edges(2); }
Test(ring, edges_capacity_1024) { check_edges(1024); }

/* ---- entry sizes: every byte of every entry, and nothing past it ---- */

static void check_entry_size(uint32_t entry_size, uint32_t want_per_cell, uint32_t want_stride)
{
	enum { CAP = 8, CANARY = 16 };
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, CAP, entry_size);
	unsigned char *in = malloc(entry_size);
	unsigned char *out = malloc(entry_size + CANARY);
	uint32_t n_in = 0, n_out = 0, k, cells;
	int lap;

	cr_assert(in && out);
	cells = (CAP + want_per_cell - 1) / want_per_cell;
	cr_assert_eq(ring.raw.geo.cell_stride, want_stride, "entry %u: cell_stride %u", entry_size,
	             ring.raw.geo.cell_stride);
	cr_assert_eq(ring.raw.geo.entries_per_cell, want_per_cell, "entry %u: %u per cell", entry_size,
	             ring.raw.geo.entries_per_cell);
	cr_assert_eq(ring.raw.header->entries_per_cell, want_per_cell);
	cr_assert_eq(shmprim_spsc_slots_size(CAP, entry_size), (size_t)cells * want_stride);
	cr_assert_eq(shmprim_spsc_required_size(CAP, entry_size), SHMPRIM_SPSC_HEADER_SIZE + (size_t)cells * want_stride);
	shmprim_spsc_split(&ring, &p, &c);
	/* Three full laps, then half laps so entries straddle the lap boundary. */
	for (lap = 0; lap < 6; lap++) {
		uint32_t batch = lap < 3 ? CAP : CAP / 2 + 1;

		for (k = 0; k < batch; k++) {
			unit_fill(in, entry_size, n_in);
			cr_assert_eq(shmprim_spsc_push(&p, in), SHMPRIM_PUSH_OK, "entry %u: push #%u", entry_size, n_in);
			n_in++;
		}
		if (batch == CAP)
			cr_assert_eq(shmprim_spsc_push(&p, in), SHMPRIM_PUSH_WOULD_BLOCK, "entry %u: full", entry_size);
		for (k = 0; k < batch; k++) {
			size_t bad;

			memset(out, 0xA5, entry_size + CANARY);
			cr_assert(shmprim_spsc_pop(&c, out), "entry %u: pop #%u empty", entry_size, n_out);
			bad = unit_first_mismatch(out, entry_size, n_out);
			cr_assert_eq(bad, entry_size, "entry %u: item #%u byte %zu is %02x, expected %02x", entry_size, n_out,
			             bad, out[bad < entry_size ? bad : 0], unit_pattern(n_out, bad));
			cr_assert(unit_all_bytes(out + entry_size, CANARY, 0xA5), "entry %u: pop wrote past the entry",
			          entry_size);
			n_out++;
		}
		cr_assert_not(shmprim_spsc_pop(&c, out), "entry %u: extra item after #%u", entry_size, n_out);
	}
	cr_assert_eq(n_out, 3 * CAP + 3 * (CAP / 2 + 1));
	free(in);
	free(out);
	shmprim_heap_region_free(&heap);
}

/* Pitch 8, 16, 24 share a 64-byte cell (7, 3, 2 entries; CAP 8 leaves the
 * last cell part empty); wider entries get a cell each. */
Test(ring, entry_size_1) { check_entry_size(1, 7, 64); }
Test(ring, entry_size_8) { check_entry_size(8, 7, 64); }
Test(ring, entry_size_13) { check_entry_size(13, 3, 64); }
Test(ring, entry_size_24) { check_entry_size(24, 2, 64); }
Test(ring, entry_size_25) { check_entry_size(25, 1, 40); }
Test(ring, entry_size_64) { check_entry_size(64, 1, 72); }
Test(ring, entry_size_200) { check_entry_size(200, 1, 208); }
Test(ring, entry_size_4096) { check_entry_size(4096, 1, 4104); }

/* The cell of ring index i is i * cell_mul >> cell_shift: exact for every
 * index below 2^31 (the largest capacity). The error of the multiply grows
 * with i, so the top of the range is the case that matters; checked there,
 * at the bottom, and at every cell boundary in both. */
static void check_cell_numbers(uint32_t entry_size, uint32_t k)
{
	shmprim_spsc ring;
	shmprim_heap_region heap = make_ring(&ring, 8, entry_size);
	const shmprim_spsc_geometry *g = &ring.raw.geo;
	uint32_t i;

	cr_assert_eq(g->entries_per_cell, k);
	for (i = 0; i < (1u << 22); i++)
		cr_assert_eq(shmprim_spsc_cell_number(g, i), i / k, "index %u", i);
	for (i = 0x80000000u - (1u << 22); i != 0x80000000u; i++)
		cr_assert_eq(shmprim_spsc_cell_number(g, i), i / k, "index %u", i);
	for (i = k; i < 0x80000000u - k; i += (i >> 8) / k * k + k) {
		cr_assert_eq(shmprim_spsc_cell_number(g, i - 1), (i - 1) / k, "index %u", i - 1);
		cr_assert_eq(shmprim_spsc_cell_number(g, i), i / k, "index %u", i);
	}
	shmprim_heap_region_free(&heap);
}

Test(ring, cell_numbers_exact_7_per_cell) { check_cell_numbers(8, 7); }
Test(ring, cell_numbers_exact_3_per_cell) { check_cell_numbers(16, 3); }
Test(ring, cell_numbers_exact_2_per_cell) { check_cell_numbers(24, 2); }
Test(ring, cell_numbers_exact_1_per_cell) { check_cell_numbers(40, 1); }

/* ---- two handles, both forms ---- */

Test(ring, second_handle_attached_to_same_memory)
{
	shmprim_spsc a, b;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&a, 8, 8);
	uint64_t i, next_out = 0;

	/* Entries pushed before the second handle exists are seen through it. */
	shmprim_spsc_split(&a, &p, NULL);
	for (i = 0; i < 3; i++)
		push_u64(&p, 500 + i);
	cr_assert_eq(shmprim_spsc_attach(&b, shmprim_heap_region_region(&heap), 0), SHMPRIM_OK);
	cr_assert_eq(b.raw.header, a.raw.header);
	cr_assert_eq(b.raw.geo.slots, a.raw.geo.slots);
	cr_assert_eq(shmprim_spsc_capacity(&b), 8);
	cr_assert_eq(shmprim_spsc_entry_size(&b), 8);
	cr_assert_eq(b.raw.geo.cell_stride, 64);
	cr_assert_eq(b.raw.geo.entries_per_cell, 7);
	cr_assert_eq(shmprim_spsc_len(&b), 3);
	shmprim_spsc_split(&b, NULL, &c);
	for (i = 3; i < 100; i++) {
		push_u64(&p, 500 + i);
		if (i % 5 == 0)
			while (next_out <= i)
				pop_expect_u64(&c, 500 + next_out++);
		cr_assert_eq(shmprim_spsc_len(&a), shmprim_spsc_len(&b));
	}
	while (next_out < 100)
		pop_expect_u64(&c, 500 + next_out++);
	pop_expect_empty(&c);
	cr_assert_eq(shmprim_spsc_snapshot_of(&a).tail, 100);
	shmprim_heap_region_free(&heap);
}

Test(ring, raw_form_separate_buffers)
{
	enum { CAP = 4, ENTRY = 12, STRIDE = 64, CELLS = 2, SLOTS = CELLS * STRIDE, PAD = 64 };
	shmprim_heap_region hb = unit_heap(SHMPRIM_SPSC_HEADER_SIZE + PAD);
	shmprim_heap_region sb = unit_heap(SLOTS + PAD);
	shmprim_spsc_raw ring, again;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char in[ENTRY], out[ENTRY];
	uint32_t i, k;
	shmprim_spsc_snapshot s;

	memset(hb.base, 0xEE, hb.len);
	memset(sb.base, 0xEE, sb.len);
	cr_assert_eq(shmprim_spsc_slots_size(CAP, ENTRY), SLOTS);
	cr_assert_eq(shmprim_spsc_raw_init(&ring, hb.base, sb.base, SLOTS - 1, CAP, ENTRY),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_raw_init(&ring, hb.base, sb.base, SLOTS, CAP, ENTRY), SHMPRIM_OK);
	cr_assert_eq((void *)ring.header, hb.base);
	cr_assert_eq((void *)ring.geo.slots, sb.base);
	cr_assert(unit_all_bytes((unsigned char *)hb.base + SHMPRIM_SPSC_HEADER_SIZE, PAD, 0xEE), "init wrote past the header");
	cr_assert(unit_all_bytes((unsigned char *)sb.base + SLOTS, PAD, 0xEE), "init wrote past the slots");
	for (k = 0; k < CELLS; k++)
		cr_assert(unit_all_bytes((unsigned char *)sb.base + k * STRIDE, SHMPRIM_SPSC_CELL_OVERHEAD, 0),
		          "cell %u seq not cleared", k);

	shmprim_spsc_raw_split(&ring, &p, &c);
	for (i = 0; i < 4 * CAP + 2; i++) {
		unit_fill(in, ENTRY, i);
		cr_assert_eq(shmprim_spsc_push(&p, in), SHMPRIM_PUSH_OK);
		cr_assert(shmprim_spsc_pop(&c, out));
		cr_assert_eq(unit_first_mismatch(out, ENTRY, i), ENTRY, "item %u", i);
	}
	cr_assert_not(shmprim_spsc_pop(&c, out));
	cr_assert(unit_all_bytes((unsigned char *)sb.base + SLOTS, PAD, 0xEE), "push wrote past the slots");
	s = shmprim_spsc_raw_snapshot(&ring);
	cr_assert(s.head == 4 * CAP + 2 && s.tail == 4 * CAP + 2 && s.len == 0 && s.capacity == CAP);

	cr_assert_eq(shmprim_spsc_raw_attach(&again, hb.base, sb.base, SLOTS - 1), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_raw_attach(&again, hb.base, sb.base, SLOTS), SHMPRIM_OK);
	cr_assert(again.geo.capacity == CAP && again.geo.entry_size == ENTRY && again.geo.cell_stride == STRIDE &&
	          again.geo.entries_per_cell == 3 && again.geo.entry_pitch == 16);
	cr_assert_eq((void *)again.geo.slots, sb.base);
	shmprim_heap_region_free(&hb);
	shmprim_heap_region_free(&sb);
}

Test(ring, region_form_at_nonzero_offset)
{
	const size_t offset = 192, tail_pad = 64;
	const size_t need = shmprim_spsc_required_size(8, 16);
	shmprim_heap_region heap = unit_heap(offset + need + tail_pad);
	shmprim_region region = shmprim_heap_region_region(&heap);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_spsc ring, other;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char in[16], out[16];
	uint32_t i;

	memset(base, 0x5A, heap.len);
	cr_assert_eq(shmprim_spsc_init(&ring, region, offset, 8, 16), SHMPRIM_OK);
	cr_assert_eq((unsigned char *)ring.raw.header, base + offset);
	cr_assert_eq(ring.raw.geo.slots, base + offset + SHMPRIM_SPSC_HEADER_SIZE);
	cr_assert_eq(ring.offset, offset);
	cr_assert_eq(ring.region.base, heap.base);
	cr_assert_eq(ring.region.len, heap.len);
	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 20; i++) {
		unit_fill(in, sizeof(in), i);
		cr_assert_eq(shmprim_spsc_push(&p, in), SHMPRIM_PUSH_OK);
		cr_assert(shmprim_spsc_pop(&c, out));
		cr_assert_eq(unit_first_mismatch(out, sizeof(out), i), sizeof(out), "item %u", i);
	}
	cr_assert(unit_all_bytes(base, offset, 0x5A), "bytes before the offset changed");
	cr_assert(unit_all_bytes(base + offset + need, tail_pad, 0x5A), "bytes after the ring changed");
	cr_assert_eq(shmprim_spsc_attach(&other, region, offset), SHMPRIM_OK);
	cr_assert_eq(other.raw.header, ring.raw.header);
	cr_assert_eq(shmprim_spsc_attach(&other, region, 0), SHMPRIM_ERR_BAD_MAGIC);
	shmprim_heap_region_free(&heap);
}

/* ---- bad arguments ---- */

Test(ring, bad_capacity)
{
	static const uint32_t caps[] = { 0, 3, 5, 6, 12, 1000, 0x80000001u, 0xC0000000u, 0xFFFFFFFFu };
	shmprim_heap_region heap = unit_heap(4096);
	shmprim_spsc ring;
	shmprim_spsc_raw raw;
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, caps[i], 8),
		             SHMPRIM_ERR_BAD_CAPACITY, "capacity %u", caps[i]);
		cr_assert_eq(shmprim_spsc_raw_init(&raw, heap.base, (unsigned char *)heap.base + 512, 2048, caps[i], 8),
		             SHMPRIM_ERR_BAD_CAPACITY, "raw, capacity %u", caps[i]);
		cr_assert_eq(shmprim_spsc_required_size(caps[i], 8), 0, "required_size, capacity %u", caps[i]);
		cr_assert_eq(shmprim_spsc_slots_size(caps[i], 8), 0, "slots_size, capacity %u", caps[i]);
	}
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	shmprim_heap_region_free(&heap);
}

Test(ring, bad_entry_size)
{
	static const uint32_t sizes[] = { 0, SHMPRIM_SPSC_MAX_ENTRY_SIZE + 1, 0x80000000u, 0xFFFFFFFFu };
	shmprim_heap_region heap = unit_heap(4096);
	shmprim_spsc ring;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 4, sizes[i]),
		             SHMPRIM_ERR_BAD_ENTRY_SIZE, "entry size %u", sizes[i]);
		cr_assert_eq(shmprim_spsc_required_size(4, sizes[i]), 0, "required_size, entry size %u", sizes[i]);
	}
	/* The largest entry size is legal. */
	cr_assert_eq(shmprim_spsc_required_size(1, SHMPRIM_SPSC_MAX_ENTRY_SIZE),
	             SHMPRIM_SPSC_HEADER_SIZE + SHMPRIM_SPSC_MAX_ENTRY_SIZE + 8);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	shmprim_heap_region_free(&heap);
}

Test(ring, required_size_limits)
{
	/* The largest ring: 2^31 slots of 2^20 + 8 bytes. Computed in 64 bits
	 * where size_t holds it; refused (0) where it does not. */
	size_t biggest = shmprim_spsc_required_size(SHMPRIM_SPSC_MAX_CAPACITY, SHMPRIM_SPSC_MAX_ENTRY_SIZE);

	if (sizeof(size_t) >= 8)
		cr_assert_eq((uint64_t)biggest, 384ull + 0x80000000ull * (0x100000ull + 8), "got %zu", biggest);
	else
		cr_assert_eq(biggest, 0);
	cr_assert_eq(shmprim_spsc_required_size(1, 1), 384 + 64);
	cr_assert_eq(shmprim_spsc_required_size(8, 24), 384 + 4 * 64);
	/* 2^31 8-byte entries: ceil(2^31 / 7) = 306783379 cells of 64 bytes */
	cr_assert_eq((uint64_t)shmprim_spsc_slots_size(0x80000000u, 8), sizeof(size_t) >= 8 ? 306783379ull * 64 : 0);
}

Test(ring, too_large_for_region_writes_nothing)
{
	shmprim_heap_region heap = unit_heap(4096);
	shmprim_spsc ring;

	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, SHMPRIM_SPSC_MAX_CAPACITY, 8),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	shmprim_heap_region_free(&heap);
}

Test(ring, misaligned)
{
	static const size_t offsets[] = { 1, 8, 32, 63, 65, 96 };
	const size_t need = shmprim_spsc_required_size(4, 8);
	shmprim_heap_region heap = unit_heap(need + 256);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_region region = shmprim_heap_region_region(&heap);
	shmprim_spsc ring;
	shmprim_spsc_raw raw;
	size_t i;

	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		cr_assert_eq(shmprim_spsc_init(&ring, region, offsets[i], 4, 8), SHMPRIM_ERR_MISALIGNED, "offset %zu",
		             offsets[i]);
		cr_assert_eq(shmprim_spsc_attach(&ring, region, offsets[i]), SHMPRIM_ERR_MISALIGNED, "attach offset %zu",
		             offsets[i]);
	}
	cr_assert_eq(shmprim_spsc_raw_init(&raw, base + 8, base + 512, 64, 4, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_spsc_raw_init(&raw, base, base + 516, 64, 4, 8), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, base + 8, base + 512, 64), SHMPRIM_ERR_MISALIGNED);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, base, base + 516, 64), SHMPRIM_ERR_MISALIGNED);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	/* A multiple of SHMPRIM_ALIGN is fine. */
	cr_assert_eq(shmprim_spsc_init(&ring, region, 128, 4, 8), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(ring, region_too_small_by_one_byte)
{
	const size_t need = shmprim_spsc_required_size(16, 24);
	shmprim_heap_region heap = unit_heap(need + 64);
	shmprim_spsc ring;

	cr_assert_eq(need, 384 + 16 * 32);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_region_from_raw(heap.base, need - 1), 0, 16, 24),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_region_from_raw(heap.base, 64 + need - 1), 64, 16, 24),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_region_from_raw(heap.base, 64), 128, 16, 24),
	             SHMPRIM_ERR_REGION_TOO_SMALL, "offset past the end");
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_region_from_raw(heap.base, 64 + need), 64, 16, 24), SHMPRIM_OK);
	/* attach needs the slots too, and at least a header. */
	cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_region_from_raw(heap.base, 64 + need - 1), 64),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_region_from_raw(heap.base, 64 + SHMPRIM_SPSC_HEADER_SIZE - 1), 64),
	             SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_region_from_raw(heap.base, 64 + need), 64), SHMPRIM_OK);
	shmprim_heap_region_free(&heap);
}

Test(ring, null_arguments)
{
	shmprim_heap_region heap = unit_heap(4096);
	unsigned char *base = (unsigned char *)heap.base;
	shmprim_spsc ring;
	shmprim_spsc_raw raw;

	cr_assert_eq(shmprim_spsc_init(NULL, shmprim_heap_region_region(&heap), 0, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_region_from_raw(NULL, 4096), 0, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_attach(NULL, shmprim_heap_region_region(&heap), 0), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_attach(&ring, shmprim_region_from_raw(NULL, 4096), 0), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_init(NULL, base, base + 512, 64, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_init(&raw, NULL, base + 512, 64, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_init(&raw, base, NULL, 64, 4, 8), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_attach(NULL, base, base + 512, 64), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, NULL, base + 512, 64), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_spsc_raw_attach(&raw, base, NULL, 64), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert(unit_all_bytes(heap.base, heap.len, 0), "a refused init wrote");
	shmprim_heap_region_free(&heap);
}

/* ---- restart ---- */

Test(ring, resplit_resumes_both_sides)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p, p2;
	shmprim_spsc_consumer c, c2;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 5; i++)
		push_u64(&p, i);
	for (i = 0; i < 3; i++)
		pop_expect_u64(&c, i);
	/* A new producer continues at position 5 and sees the consumer at 3. */
	shmprim_spsc_split(&ring, &p2, NULL);
	cr_assert_eq(shmprim_spsc_available(&p2), 6);
	for (i = 5; i < 11; i++)
		push_u64(&p2, i);
	cr_assert_eq(shmprim_spsc_push(&p2, &i), SHMPRIM_PUSH_WOULD_BLOCK);
	/* A new consumer continues at position 3. */
	shmprim_spsc_split(&ring, NULL, &c2);
	cr_assert_eq(shmprim_spsc_consumer_len(&c2), 8);
	for (i = 3; i < 11; i++)
		pop_expect_u64(&c2, i);
	pop_expect_empty(&c2);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 11);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).tail, 11);
	shmprim_heap_region_free(&heap);
}

/* Writes what a producer at position pos does up to P2 (entry, then seq),
 * and dies before P3 (head). */
static void publish_without_head(shmprim_spsc *ring, uint32_t pos, uint64_t value)
{
	uint32_t seq = pos + 1;

	memcpy(shmprim_spsc_entry_at(&ring->raw.geo, pos), &value, sizeof(value));
	memcpy(cell_seq_at(ring, pos), &seq, sizeof(seq));
}

Test(ring, crash_after_seq_before_head_is_recovered_once)
{
	shmprim_spsc ring;
	shmprim_spsc_producer dead, p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &dead, &c);
	for (i = 0; i < 3; i++)
		push_u64(&dead, i);
	pop_expect_u64(&c, 0);
	publish_without_head(&ring, 3, 0xDEAD0003u);
	/* The shared head lags (interval 8 on this ring); a snapshot counts
	 * what the slots say is published. */
	cr_assert_eq(ring.raw.header->head, 0);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 4);

	shmprim_spsc_split(&ring, &p, NULL);
	cr_assert_eq(ring.raw.header->head, 4, "split did not publish the recovered entry");
	push_u64(&p, 4);
	pop_expect_u64(&c, 1);
	pop_expect_u64(&c, 2);
	pop_expect_u64(&c, 0xDEAD0003u);
	pop_expect_u64(&c, 4);
	pop_expect_empty(&c);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 5);
	shmprim_heap_region_free(&heap);
}

/* The dead producer's published-but-not-counted entries were already taken
 * by the consumer: tail is ahead of head. The new producer continues after
 * them and nothing is delivered twice. */
Test(ring, crash_recovery_after_the_consumer_took_the_entries)
{
	shmprim_spsc ring, other;
	shmprim_spsc_producer dead, p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	shmprim_spsc_snapshot s;
	uint64_t i;

	shmprim_spsc_split(&ring, &dead, &c);
	for (i = 0; i < 3; i++)
		push_u64(&dead, i);
	publish_without_head(&ring, 3, 0xD3);
	publish_without_head(&ring, 4, 0xD4);
	for (i = 0; i < 3; i++)
		pop_expect_u64(&c, i);
	pop_expect_u64(&c, 0xD3);
	pop_expect_u64(&c, 0xD4);
	pop_expect_empty(&c);
	cr_assert(ring.raw.header->head == 0 && ring.raw.header->tail == 5, "head %u tail %u",
	          ring.raw.header->head, ring.raw.header->tail);
	s = shmprim_spsc_snapshot_of(&ring);
	cr_assert(s.head == 5 && s.tail == 5 && s.len == 0, "snapshot head %u tail %u len %u", s.head, s.tail, s.len);
	/* Such a ring still attaches. */
	cr_assert_eq(shmprim_spsc_attach(&other, shmprim_heap_region_region(&heap), 0), SHMPRIM_OK);

	shmprim_spsc_split(&ring, &p, NULL);
	cr_assert_eq(ring.raw.header->head, 5, "split did not move head past the taken entries");
	cr_assert_eq(shmprim_spsc_available(&p), 8);
	for (i = 5; i < 13; i++)
		push_u64(&p, i);
	cr_assert_eq(shmprim_spsc_push(&p, &i), SHMPRIM_PUSH_WOULD_BLOCK);
	for (i = 5; i < 13; i++)
		pop_expect_u64(&c, i);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

Test(ring, crash_recovery_of_several_entries_across_the_lap)
{
	shmprim_spsc ring;
	shmprim_spsc_producer dead, p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &dead, &c);
	for (i = 0; i < 6; i++) {
		push_u64(&dead, i);
		pop_expect_u64(&c, i);
	}
	/* Positions 6 and 7 (slots 2 and 3) published, head left at 6. */
	publish_without_head(&ring, 6, 0xD6);
	publish_without_head(&ring, 7, 0xD7);
	shmprim_spsc_split(&ring, &p, NULL);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 8);
	cr_assert_eq(shmprim_spsc_available(&p), 2);
	push_u64(&p, 8);
	push_u64(&p, 9);
	cr_assert_eq(shmprim_spsc_push(&p, &i), SHMPRIM_PUSH_WOULD_BLOCK);
	pop_expect_u64(&c, 0xD6);
	pop_expect_u64(&c, 0xD7);
	pop_expect_u64(&c, 8);
	pop_expect_u64(&c, 9);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

Test(ring, crash_recovery_stops_at_capacity)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint32_t pos;
	uint64_t v = 0;

	for (pos = 0; pos < 4; pos++)
		publish_without_head(&ring, pos, 0xF0 + pos);
	shmprim_spsc_split(&ring, &p, &c);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 4);
	cr_assert_eq(shmprim_spsc_push(&p, &v), SHMPRIM_PUSH_WOULD_BLOCK);
	for (pos = 0; pos < 4; pos++)
		pop_expect_u64(&c, 0xF0 + pos);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

/* A slot's seq from the previous lap is not a published entry. */
Test(ring, previous_lap_seq_is_not_recovered)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p, p2;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 4; i++)
		push_u64(&p, i);
	for (i = 0; i < 4; i++)
		pop_expect_u64(&c, i);
	shmprim_spsc_split(&ring, &p2, NULL);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 4);
	cr_assert_eq(shmprim_spsc_available(&p2), 4);
	pop_expect_empty(&c);
	push_u64(&p2, 44);
	pop_expect_u64(&c, 44);
	shmprim_heap_region_free(&heap);
}

/* ---- hostile peer ---- */

static void check_corrupt_tail(uint32_t forged_tail_offset)
{
	enum { CAP = 4 };
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, CAP, 8);
	size_t need = heap.len;
	unsigned char *before = malloc(need);
	uint64_t i, v = 0xBADu;
	uint32_t forged;

	cr_assert(before);
	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < CAP; i++)
		push_u64(&p, i);
	/* The producer thinks the ring is full and must reload tail. */
	forged = CAP + forged_tail_offset;
	ring.raw.header->tail = forged;
	memcpy(before, heap.base, need);
	cr_assert_eq(shmprim_spsc_push(&p, &v), SHMPRIM_PUSH_CORRUPT, "tail %u, head %u", forged, CAP);
	cr_assert_eq(shmprim_spsc_push(&p, &v), SHMPRIM_PUSH_CORRUPT, "tail %u, head %u (again)", forged, CAP);
	cr_assert(shmprim_spsc_is_full(&p), "is_full with tail %u", forged);
	cr_assert_eq(shmprim_spsc_available(&p), 0, "available with tail %u", forged);
	cr_assert_eq(memcmp(before, heap.base, need), 0, "a refused push changed the ring");
	/* tail up to capacity ahead of head is what a consumer leaves after taking
	 * entries a dead producer published without moving head: nothing left. Any
	 * other impossible pair reads as full (clamped). */
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).len, forged_tail_offset <= CAP ? 0 : CAP,
	             "snapshot len with tail %u, head %u", forged, CAP);
	free(before);
	shmprim_heap_region_free(&heap);
}

Test(ring, tail_ahead_of_head_is_corrupt) { check_corrupt_tail(5); }
Test(ring, tail_one_ahead_of_head_is_corrupt) { check_corrupt_tail(1); }
/* tail = head - capacity - 1: one more unconsumed entry than the ring holds. */
Test(ring, tail_more_than_capacity_behind_is_corrupt) { check_corrupt_tail((uint32_t)-5); }

/* The consumer takes a seq only in (position, position + capacity] (an
 * earlier lap's is at most position; the producer is never further ahead),
 * and refuses a head more than capacity ahead. Capacity 8, 8-byte entries:
 * cells of 7 and 1. */
Test(ring, forged_seq_and_head_are_refused)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	uint32_t seq;

	shmprim_spsc_split(&ring, &p, &c);
	seq = 9; /* the producer cannot have published position 8 yet */
	memcpy(cell_seq_at(&ring, 0), &seq, sizeof(seq));
	pop_expect_empty(&c);
	cr_assert(shmprim_spsc_consumer_is_empty(&c));
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 0);
	seq = 0xFFFFFFFFu;
	memcpy(cell_seq_at(&ring, 0), &seq, sizeof(seq));
	pop_expect_empty(&c);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 0);
	ring.raw.header->head = 9; /* tail 0, capacity 8 */
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 0);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

/* ---- head is stored every min(32, capacity) positions ---- */

Test(ring, head_is_stored_every_32_positions_and_counted_exactly)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 1024, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 31; i++)
		push_u64(&p, i);
	cr_assert_eq(ring.raw.header->head, 0, "head stored before the interval ended");
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 31);
	cr_assert_eq(shmprim_spsc_len(&ring), 31);
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 31);
	push_u64(&p, 31);
	cr_assert_eq(ring.raw.header->head, 32);
	for (i = 32; i < 70; i++)
		push_u64(&p, i);
	cr_assert_eq(ring.raw.header->head, 64);
	cr_assert_eq(shmprim_spsc_snapshot_of(&ring).head, 70);
	/* A burst stores head at its end whatever the interval. */
	cr_assert_eq(shmprim_spsc_push_burst(&p, &i, 1, NULL), 1);
	cr_assert_eq(ring.raw.header->head, 71);
	for (i = 0; i < 71; i++)
		pop_expect_u64(&c, i < 70 ? i : 70);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

Test(ring, head_interval_is_capped_at_capacity)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 4, 8);
	uint64_t i;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 3; i++)
		push_u64(&p, i);
	cr_assert_eq(ring.raw.header->head, 0);
	push_u64(&p, 3);
	cr_assert_eq(ring.raw.header->head, 4, "a full lap must never pass without head");
	shmprim_heap_region_free(&heap);
}

/* A consumer behind head takes the entries before it reading only the seq
 * of the cell holding head - 1 (the throughput path): wiping the earlier
 * cells' seqs changes nothing, and the entries after head are found by their
 * cells' seqs (the latency path). 7 entries per cell: head 32 - 1 is in the
 * cell of positions 28-34. */
Test(ring, consumer_behind_head_does_not_read_seqs)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 1024, 8);
	uint64_t i;
	uint32_t pos, zero = 0;

	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i < 40; i++)
		push_u64(&p, i);
	cr_assert_eq(ring.raw.header->head, 32);
	for (pos = 0; pos < 28; pos++)
		memcpy(cell_seq_at(&ring, pos), &zero, sizeof(zero));
	for (i = 0; i < 40; i++)
		pop_expect_u64(&c, i);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

/* The producer may refill the first entries of a cell for the next lap while
 * the consumer still has this lap's last ones to read: the cell's seq then
 * comes from the next lap and must still hand them over (head kept stale
 * here, so only the cell's seq can). Capacity 8, 8-byte entries: cells of 7
 * and 1; position 8 refills cell 0 while the consumer is at 1. */
Test(ring, cell_refilled_for_the_next_lap_still_hands_over_this_lap)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	uint32_t seq;
	uint64_t i;

	shmprim_spsc_split(&ring, &p, &c);
	push_u64(&p, 0);
	pop_expect_u64(&c, 0);
	for (i = 1; i <= 8; i++)
		push_u64(&p, i);
	memcpy(&seq, cell_seq_at(&ring, 0), sizeof(seq));
	cr_assert_eq(seq, 9, "cell 0 holds position 8's seq");
	ring.raw.header->head = 1;
	for (i = 1; i <= 8; i++)
		pop_expect_u64(&c, i);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

/* A head forged within capacity is ignored unless the slot just before it
 * says it is published: nothing is taken and nothing is lost. */
Test(ring, forged_head_within_capacity_is_ignored)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 8, 8);
	uint64_t v = 7;

	shmprim_spsc_split(&ring, &p, &c);
	ring.raw.header->head = 8;
	pop_expect_empty(&c);
	cr_assert(shmprim_spsc_consumer_is_empty(&c));
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 0);
	cr_assert_eq(shmprim_spsc_pop_burst(&c, &v, 1), 0);
	cr_assert_eq(ring.raw.header->tail, 0);
	/* Confirmed by the slot before it, only as far as the slots go. */
	push_u64(&p, 10);
	push_u64(&p, 11);
	ring.raw.header->head = 2;
	cr_assert_eq(shmprim_spsc_consumer_len(&c), 2);
	pop_expect_u64(&c, 10);
	pop_expect_u64(&c, 11);
	pop_expect_empty(&c);
	shmprim_heap_region_free(&heap);
}

/* A consumer about to sleep reads head as its futex word: notify must store
 * the real head first, or futex_wait would find the value it expects. */
Test(ring, notify_stores_head_for_a_sleeping_consumer)
{
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	shmprim_heap_region heap = make_ring(&ring, 1024, 8);

	shmprim_spsc_split(&ring, &p, &c);
	push_u64(&p, 1);
	shmprim_spsc_notify_consumer(&p);
	cr_assert_eq(ring.raw.header->head, 0, "nobody sleeps: notify must not write");
	ring.raw.header->consumer_sleeping = 1;
	shmprim_spsc_notify_consumer(&p);
	cr_assert_eq(ring.raw.header->head, 1);
	cr_assert_eq(ring.raw.header->consumer_sleeping, 0);
	pop_expect_u64(&c, 1);
	shmprim_heap_region_free(&heap);
}
