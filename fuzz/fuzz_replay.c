/*
 * Runs the fuzz target over files and directories (the seed corpus and the
 * kept findings), so CI replays them with any compiler, libFuzzer or not.
 *   fuzz_replay PATH...           every file, recursively; exit 0 = all passed
 *   fuzz_replay --write-seeds DIR writes the generated seed inputs
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

int main(int argc, char **argv)
{
	int i;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
		write_seeds(argv[2]);
		return 0;
	}
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	printf("%u inputs replayed, all checks passed\n", files);
	return 0;
}
