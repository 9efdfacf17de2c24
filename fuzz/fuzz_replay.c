/*
 * Runs the fuzz target over files and directories (the seed corpus and the
 * kept findings), so CI replays them with any compiler, libFuzzer or not.
 *   fuzz_replay PATH...           every file, recursively; exit 0 = all passed
 *   fuzz_replay --write-seeds DIR writes the generated seed inputs
 *   fuzz_replay --write-channel-seeds DIR  the same for fuzz_channel.c
 */
#define _DEFAULT_SOURCE /* DT_DIR */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <shmprim/shmprim.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned files;

static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	static uint8_t buf[1 << 20];
	size_t n;

	if (!f) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	files++;
}

static void run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];

	if (stat(path, &st) != 0) {
		perror(path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	if (!(d = opendir(path))) {
		perror(path);
		exit(1);
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			run_path(sub);
		}
	closedir(d);
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* Seeds: op sequences exercising each operation, and valid images (so the
 * fuzzer starts from headers that attach) followed by operations. */
static void write_seeds(const char *dir)
{
	static const uint8_t ops[] = { 1, 0, 'a', 0, 'b', 2, 3, 3, 4, 0, 12, 1, 3, 20, 0, 2, 2, 5, 3, 7, 0,
	                               5, 9, 7, 3, 7, 4, 3, 28, 0, 13, 2, 7, 5, 7, 1, 7, 2 };
	static const uint8_t hostile[] = { 1, 3, 3, 0, 'x', 0x86, 128, 4, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 3, 2,
	                                   0xC6, 136, 4, 0, 0, 1, 0, 0, 0, 2, 3, 5, 9, 7, 3 };
	shmprim_heap_region heap;
	shmprim_spsc ring;
	shmprim_slab slab;
	uint8_t *img;
	size_t n = 3 + 4096;

	write_seed(dir, "ops-every-call", ops, sizeof(ops));
	write_seed(dir, "ops-hostile-writes", hostile, sizeof(hostile));
	if (shmprim_heap_region_new_zeroed(&heap, 4096) != SHMPRIM_OK || !(img = calloc(1, n + sizeof(ops))))
		exit(1);
	shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 8, 12);
	shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 1024, 8, 24);
	img[0] = 0;
	img[1] = 4096 & 0xFF;
	img[2] = 4096 >> 8;
	memcpy(img + 3, heap.base, 4096);
	memcpy(img + n, ops + 1, sizeof(ops) - 1);
	write_seed(dir, "image-valid-then-ops", img, n + sizeof(ops) - 1);
	shmprim_spsc_init(&ring, shmprim_heap_region_region(&heap), 0, 64, 4);
	shmprim_slab_init(&slab, shmprim_heap_region_region(&heap), 1024, 40, 8);
	memcpy(img + 3, heap.base, 4096);
	write_seed(dir, "image-other-geometry", img, n + sizeof(ops) - 1);
	shmprim_heap_region_free(&heap);
	free(img);
}

/* ---- channel seeds (fuzz_channel.c's input: mode, [image], operations) ---- */

#define CH_DATA 256u
#define CH_MAX 120u
#define CH_IMAGE (SHMPRIM_CHANNEL_HEADER_SIZE + CH_DATA)

static uint64_t ch_header_word(uint64_t pos, uint32_t kind_len)
{
	return ((uint64_t)((uint32_t)(pos >> 3) + 1u) << 32) | kind_len;
}

static void ch_put(unsigned char *at, uint64_t v)
{
	memcpy(at, &v, 8); /* the native order, as the channel stores its words */
}

/* Writes mode 0, the image, then ops[0..n). */
static void write_image_seed(const char *dir, const char *name, const unsigned char *image,
                             const uint8_t *ops, size_t n)
{
	static uint8_t buf[3 + CH_IMAGE + 256];

	buf[0] = 0;
	buf[1] = CH_IMAGE & 0xFF;
	buf[2] = CH_IMAGE >> 8;
	memcpy(buf + 3, image, CH_IMAGE);
	memcpy(buf + 3 + CH_IMAGE, ops, n);
	write_seed(dir, name, buf, 3 + CH_IMAGE + n);
}

static void fresh_channel(shmprim_heap_region *heap, shmprim_channel *ch)
{
	memset(heap->base, 0, CH_IMAGE);
	if (shmprim_channel_init(ch, shmprim_heap_region_region(heap), 0, CH_DATA, CH_MAX) != SHMPRIM_OK)
		exit(1);
}

static void write_channel_seeds(const char *dir)
{
	/* Every call: sends of three lengths, a loan sent and one cancelled,
	 * receive, release, recv, both batches, leave and take again on both
	 * sides, a peer look, then the producer closes and the consumer drains
	 * to END. */
	static const uint8_t ops[] = { 1, 0, 24, 0, 5, 0, 119, 2, 2, 3, 1, 40, 1, 30, 1, 17, 0x11, 0, 2, 3,
	                               0x75, 0x45, 4, 200, 4, 0, 0x06, 0, 60, 0x16, 2, 3, 0x56, 0x46, 0, 9,
	                               0x27, 0x45, 4, 200, 4, 200, 4, 200, 2, 2 };
	/* Receive everything, release, send some, receive again. */
	static const uint8_t drain[] = { 2, 2, 2, 2, 2, 3, 0, 100, 0, 9, 0x85, 3, 2, 0x27 };
	/* forged-lap: receive the record at 0 (a view of 8..128), then a peer
	 * forges the header of a record at position 256 (offset 0, over that
	 * view), then receive twice: the pad at 248 runs past one ring from
	 * released (0), so the consumer must refuse it (CORRUPT), never hand out
	 * the forged record over the view it holds (mutant C5). */
	static const uint8_t lap[] = { 2, 0x86, SHMPRIM_CHANNEL_HEADER_SIZE & 0xFF, SHMPRIM_CHANNEL_HEADER_SIZE >> 8, 0, 0,
	                               8, 0, 0, 0, 256 / 8 + 1, 0, 0, 0, 2, 2, 2, 3 };
	shmprim_heap_region heap;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	unsigned char msg[CH_MAX], *data;
	uint8_t fresh_ops[sizeof(ops)];
	uint32_t i, len;

	if (shmprim_heap_region_new_zeroed(&heap, 4096) != SHMPRIM_OK)
		exit(1);
	write_seed(dir, "ops-every-call", ops, sizeof(ops));

	/* A valid empty channel, then the same calls. */
	fresh_channel(&heap, &ch);
	memcpy(fresh_ops, ops + 1, sizeof(ops) - 1);
	write_image_seed(dir, "image-empty", heap.base, fresh_ops, sizeof(ops) - 1);

	/* Records across the wrap: the consumer released up to 184, then three
	 * messages (a pad at 216, the second at 256), nobody holding a side. */
	fresh_channel(&heap, &ch);
	if (shmprim_channel_take_producer(&ch, &p, NULL) != SHMPRIM_OK ||
	    shmprim_channel_take_consumer(&ch, &c, NULL) != SHMPRIM_OK)
		exit(1);
	for (i = 0; i < 4; i++) {
		len = i == 3 ? 8 : 48; /* records of 56, 56, 56 and 16: up to 184 */
		memset(msg, (int)(0x30 + i), len);
		if (shmprim_channel_send(&p, msg, len) != SHMPRIM_OK || shmprim_channel_recv(&c, msg, CH_MAX, &len) != SHMPRIM_OK)
			exit(1);
	}
	for (i = 0; i < 3; i++) {
		len = i == 1 ? 100 : 20;
		memset(msg, (int)(0x61 + i), len);
		if (shmprim_channel_send(&p, msg, len) != SHMPRIM_OK)
			exit(1);
	}
	if (shmprim_channel_producer_leave(&p) != SHMPRIM_OK || shmprim_channel_consumer_leave(&c) != SHMPRIM_OK)
		exit(1);
	write_image_seed(dir, "image-wrapped", heap.base, drain, sizeof(drain));

	/* The same, with claims a dead process and an impossible value hold. */
	ch_put((unsigned char *)&ch.header->producer_claim, shmprim_proc_token_make(12345, 678));
	ch_put((unsigned char *)&ch.header->consumer_claim, 0x00000000000000FFull);
	write_image_seed(dir, "image-claims-held", heap.base, drain, sizeof(drain));

	/* Corrupt images: a record longer than max_message, released off a
	 * record boundary, the immutable line changed (checksum). */
	fresh_channel(&heap, &ch);
	data = ch.data;
	ch_put(data, ch_header_word(0, CH_MAX + 1));
	write_image_seed(dir, "image-record-too-long", heap.base, drain, sizeof(drain));
	fresh_channel(&heap, &ch);
	ch_put(ch.data, ch_header_word(0, 8));
	ch_put((unsigned char *)&ch.header->released, 4);
	write_image_seed(dir, "image-released-misaligned", heap.base, drain, sizeof(drain));
	fresh_channel(&heap, &ch);
	ch.header->max_message = CH_MAX - 1;
	write_image_seed(dir, "image-bad-checksum", heap.base, drain, sizeof(drain));

	/* forged-lap (above): records at 0 (120 bytes), 128 (112) and a pad at 248. */
	fresh_channel(&heap, &ch);
	ch_put(ch.data, ch_header_word(0, 120));
	ch_put(ch.data + 128, ch_header_word(128, 112));
	ch_put(ch.data + 248, ch_header_word(248, SHMPRIM_CHANNEL_PAD | 8));
	write_image_seed(dir, "forged-lap", heap.base, lap, sizeof(lap));
	shmprim_heap_region_free(&heap);
}

int main(int argc, char **argv)
{
	int i;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
		write_seeds(argv[2]);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--write-channel-seeds") == 0) {
		write_channel_seeds(argv[2]);
		return 0;
	}
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("%u inputs replayed, all checks passed\n", files);
	return 0;
}
