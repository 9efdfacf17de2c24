/*
 * Dumps the shared-memory ABI as text: every constant, struct size and field
 * offset of include/shmprim/layout.h, then the exact bytes of a ring and of a
 * slab after a fixed sequence of operations. Two targets (or compilers, or
 * backends) share memory correctly only if their dumps are identical, so:
 *
 *   layout-dump            prints the dump
 *   layout-dump GOLDEN     compares it with GOLDEN (tests/portability/layout.golden,
 *                          written on x86_64) and reports the first difference
 *
 * The golden file is little-endian: a big-endian target differs in every
 * multi-byte value (and attach reports SHMPRIM_ERR_WRONG_ENDIAN there), so
 * it compares with layout.golden-be, which layout-byteswap checks is this
 * layout with each field byte-swapped.
 */
#include <shmprim/shmprim.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define CONST(name) fprintf(out, "const %s %lu\n", #name, (unsigned long)(name))
#define SIZE(type) fprintf(out, "size %s %u\n", #type, (unsigned)sizeof(type))
#define FIELD(type, field)                                                                 \
	fprintf(out, "field %s.%s offset %u size %u\n", #type, #field, (unsigned)offsetof(type, field), \
	        (unsigned)sizeof(((type *)0)->field))

static void hex(FILE *out, const char *what, const unsigned char *p, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i += 32) {
		fprintf(out, "%s %04lx:", what, (unsigned long)i);
		for (j = i; j < i + 32 && j < n; j++)
			fprintf(out, " %02x", p[j]);
		fputc('\n', out);
	}
}

static void dump_abi(FILE *out)
{
	const uint32_t probe = 0x01020304u;

	fprintf(out, "byte-order %s\n", *(const unsigned char *)&probe == 4 ? "little" : "big");
	/* Each constant only if defined: one renamed or dropped shows up as a
	 * difference from the golden dump rather than a build break. */
#ifdef SHMPRIM_ALIGN
	CONST(SHMPRIM_ALIGN);
#endif
#ifdef SHMPRIM_SLOT_ALIGN
	CONST(SHMPRIM_SLOT_ALIGN);
#endif
#ifdef SHMPRIM_LAYOUT_VERSION
	CONST(SHMPRIM_LAYOUT_VERSION);
#endif
#ifdef SHMPRIM_SPSC_MAGIC
	CONST(SHMPRIM_SPSC_MAGIC);
#endif
#ifdef SHMPRIM_SLAB_MAGIC
	CONST(SHMPRIM_SLAB_MAGIC);
#endif
#ifdef SHMPRIM_SPSC_MAX_CAPACITY
	CONST(SHMPRIM_SPSC_MAX_CAPACITY);
#endif
#ifdef SHMPRIM_SPSC_MAX_ENTRY_SIZE
	CONST(SHMPRIM_SPSC_MAX_ENTRY_SIZE);
#endif
#ifdef SHMPRIM_SPSC_CELL_OVERHEAD
	CONST(SHMPRIM_SPSC_CELL_OVERHEAD);
#endif
#ifdef SHMPRIM_SPSC_PACKED_PITCH_MAX
	CONST(SHMPRIM_SPSC_PACKED_PITCH_MAX);
#endif
#ifdef SHMPRIM_SPSC_PACKED_CELL
	CONST(SHMPRIM_SPSC_PACKED_CELL);
#endif
#ifdef SHMPRIM_SLAB_MAX_SLOTS
	CONST(SHMPRIM_SLAB_MAX_SLOTS);
#endif
#ifdef SHMPRIM_SLAB_MAX_SLOT_SIZE
	CONST(SHMPRIM_SLAB_MAX_SLOT_SIZE);
#endif
#ifdef SHMPRIM_SLAB_META_STRIDE
	CONST(SHMPRIM_SLAB_META_STRIDE);
#endif
#ifdef SHMPRIM_SLAB_END
	CONST(SHMPRIM_SLAB_END);
#endif
#ifdef SHMPRIM_SLAB_KIND_MASK
	CONST(SHMPRIM_SLAB_KIND_MASK);
#endif
#ifdef SHMPRIM_SLAB_FREEING
	CONST(SHMPRIM_SLAB_FREEING);
#endif
#ifdef SHMPRIM_SLAB_OWNER_SHIFT
	CONST(SHMPRIM_SLAB_OWNER_SHIFT);
#endif
#ifdef SHMPRIM_SLAB_OWNER_MAX
	CONST(SHMPRIM_SLAB_OWNER_MAX);
#endif
#ifdef SHMPRIM_SPSC_HEADER_SIZE
	CONST(SHMPRIM_SPSC_HEADER_SIZE);
#endif
#ifdef SHMPRIM_SLAB_HEADER_SIZE
	CONST(SHMPRIM_SLAB_HEADER_SIZE);
#endif
#ifdef SHMPRIM_SPSC_CHECKSUM_SPAN
	CONST(SHMPRIM_SPSC_CHECKSUM_SPAN);
#endif
#ifdef SHMPRIM_SLAB_CHECKSUM_SPAN
	CONST(SHMPRIM_SLAB_CHECKSUM_SPAN);
#endif

	SIZE(shmprim_spsc_header);
	FIELD(shmprim_spsc_header, magic);
	FIELD(shmprim_spsc_header, version);
	FIELD(shmprim_spsc_header, capacity);
	FIELD(shmprim_spsc_header, entry_size);
	FIELD(shmprim_spsc_header, cell_stride);
	FIELD(shmprim_spsc_header, header_size);
	FIELD(shmprim_spsc_header, slots_bytes);
	FIELD(shmprim_spsc_header, flags);
	FIELD(shmprim_spsc_header, entries_per_cell);
	FIELD(shmprim_spsc_header, checksum);
	FIELD(shmprim_spsc_header, reserved0);
	FIELD(shmprim_spsc_header, head);
	FIELD(shmprim_spsc_header, producer_pid);
	FIELD(shmprim_spsc_header, producer_claim);
	FIELD(shmprim_spsc_header, reserved1);
	FIELD(shmprim_spsc_header, producer_sleeping);
	FIELD(shmprim_spsc_header, reserved1b);
	FIELD(shmprim_spsc_header, tail);
	FIELD(shmprim_spsc_header, consumer_pid);
	FIELD(shmprim_spsc_header, consumer_claim);
	FIELD(shmprim_spsc_header, reserved2);
	FIELD(shmprim_spsc_header, consumer_sleeping);
	FIELD(shmprim_spsc_header, reserved2b);

	SIZE(shmprim_slab_header);
	FIELD(shmprim_slab_header, magic);
	FIELD(shmprim_slab_header, version);
	FIELD(shmprim_slab_header, slot_count);
	FIELD(shmprim_slab_header, slot_size);
	FIELD(shmprim_slab_header, data_stride);
	FIELD(shmprim_slab_header, meta_stride);
	FIELD(shmprim_slab_header, meta_bytes);
	FIELD(shmprim_slab_header, data_bytes);
	FIELD(shmprim_slab_header, header_size);
	FIELD(shmprim_slab_header, flags);
	FIELD(shmprim_slab_header, reserved_a);
	FIELD(shmprim_slab_header, checksum);
	FIELD(shmprim_slab_header, reserved0);
	FIELD(shmprim_slab_header, free_head);
	FIELD(shmprim_slab_header, free_waiters);
	FIELD(shmprim_slab_header, free_wake);
	FIELD(shmprim_slab_header, reclaim_lock);
	FIELD(shmprim_slab_header, reserved1);

	SIZE(shmprim_slab_meta);
	FIELD(shmprim_slab_meta, state_gen);
	FIELD(shmprim_slab_meta, next_free);
	FIELD(shmprim_slab_meta, owner);
	FIELD(shmprim_slab_meta, free_tag);
	FIELD(shmprim_slab_meta, reclaim_mark);
	FIELD(shmprim_slab_meta, reserved);

	/* Handles cross the API by value: their size is part of the ABI too. */
	SIZE(shmprim_slot_handle);
	FIELD(shmprim_slot_handle, index);
	FIELD(shmprim_slot_handle, generation);
}

/* A ring of capacity x size-byte entries: push 0,1,2, pop 2, push 3 .. capacity
 * (wrapped once, head capacity + 1, tail 2). */
static int dump_ring(FILE *out, uint32_t capacity, uint32_t size)
{
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_spsc_producer p;
	shmprim_spsc_consumer c;
	unsigned char e[40];
	size_t need = shmprim_spsc_required_size(capacity, size);
	unsigned i, k;

	if (size > sizeof(e) || shmprim_heap_region_new_zeroed(&heap, need) != SHMPRIM_OK ||
	    shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, capacity, size) != SHMPRIM_OK)
		return -1;
	shmprim_spsc_split(&ring, &p, &c);
	for (i = 0; i <= capacity; i++) {
		for (k = 0; k < size; k++)
			e[k] = (unsigned char)(i * 16 + k);
		if (shmprim_spsc_push(&p, e) != SHMPRIM_PUSH_OK)
			return -1;
		if (i == 2 && (!shmprim_spsc_pop(&c, e) || !shmprim_spsc_pop(&c, e)))
			return -1;
	}
	fprintf(out, "ring capacity %u entry_size %u after push 0-2, pop 2, push 3-%u: %lu bytes\n", capacity, size,
	        capacity, (unsigned long)need);
	hex(out, "ring", (const unsigned char *)heap.base, need);
	shmprim_heap_region_free(&heap);
	return 0;
}

/* A slab of 4 x 12-byte slots: alloc 3 and fill them, then slot 1 in flight and
 * freed, slot 0 freed from allocated (free list 0 -> 1 -> 3, tag 5). */
static int dump_slab(FILE *out)
{
	shmprim_heap_region heap;
	shmprim_slab slab;
	shmprim_slot_handle h[3];
	size_t need = shmprim_slab_required_size(4, 12);
	unsigned i;

	if (shmprim_heap_region_new_zeroed(&heap, need) != SHMPRIM_OK ||
	    shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 0, 4, 12) != SHMPRIM_OK)
		return -1;
	for (i = 0; i < 3; i++) {
		unsigned char *d;
		unsigned k;

		if (shmprim_slab_try_alloc(&slab, &h[i]) != SHMPRIM_ALLOC_OK ||
		    !(d = (unsigned char *)shmprim_slab_slot_data(&slab, h[i])))
			return -1;
		for (k = 0; k < 12; k++)
			d[k] = (unsigned char)(0x40 + h[i].index * 16 + k);
	}
	if (shmprim_slab_mark_in_flight(&slab, h[1]) != SHMPRIM_OK || shmprim_slab_free(&slab, h[1]) != SHMPRIM_OK ||
	    shmprim_slab_free_allocated(&slab, h[0]) != SHMPRIM_OK)
		return -1;
	fprintf(out, "slab slot_count 4 slot_size 12 after alloc 3, free 1 (in flight), free 0: %lu bytes\n",
	        (unsigned long)need);
	hex(out, "slab", (const unsigned char *)heap.base, need);
	shmprim_heap_region_free(&heap);
	return 0;
}

static int dump(FILE *out)
{
	fprintf(out, "shmprim layout dump (layout version %u)\n", SHMPRIM_LAYOUT_VERSION);
	dump_abi(out);
	/* 12-byte entries: 3 to a cell, padded; 8-byte: 7 to a cell, the
	 * second cell partly used; 40-byte: one per cell. */
	if (dump_ring(out, 4, 12) != 0 || dump_ring(out, 8, 8) != 0 || dump_ring(out, 4, 40) != 0 ||
	    dump_slab(out) != 0) {
		fprintf(stderr, "layout-dump: a ring or slab operation failed\n");
		return -1;
	}
	return 0;
}

static void chomp(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* Line-by-line comparison; prints the first few differences. */
static int compare(FILE *mine, const char *golden_path)
{
	FILE *golden = fopen(golden_path, "r");
	char a[512], b[512];
	unsigned line = 0, diffs = 0;

	if (!golden) {
		perror(golden_path);
		return 1;
	}
	for (;;) {
		char *ga = fgets(a, sizeof(a), golden);
		char *gb = fgets(b, sizeof(b), mine);

		if (!ga && !gb)
			break;
		line++;
		if (ga)
			chomp(a);
		if (gb)
			chomp(b);
		if (!ga || !gb || strcmp(a, b) != 0) {
			if (++diffs <= 8)
				printf("line %u differs:\n  golden: %s\n  here:   %s\n", line, ga ? a : "(end of file)",
				       gb ? b : "(end of file)");
		}
	}
	fclose(golden);
	if (diffs) {
		printf("layout differs from %s on %u of %u lines\n"
		       "(a deliberate change: run this program without arguments > %s, and review the diff)\n",
		       golden_path, diffs, line, golden_path);
		return 1;
	}
	printf("layout identical to %s (%u lines)\n", golden_path, line);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *out;
	int rc;

	if (argc < 2)
		return dump(stdout) == 0 ? 0 : 1;
	out = tmpfile();
	if (!out) {
		perror("tmpfile");
		return 1;
	}
	if (dump(out) != 0)
		return 1;
	rewind(out);
	rc = compare(out, argv[1]);
	fclose(out);
	return rc;
}
