/* The command line: shmprim-inspect [options] TARGET */
#define _GNU_SOURCE /* getopt_long */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shmprim/layout.h>

#include "inspect.h"

static const char usage[] =
	"usage: shmprim-inspect [--ring OFFSET]... [--slab OFFSET]... [--channel OFFSET]...\n"
	"                       [--json] [--verbose] [--watch SECONDS [--count N]] TARGET\n"
	"Maps TARGET read-only and reports the shmprim rings, slabs and channels in it.\n"
	"  TARGET          /NAME (a named shm object), a path such as /proc/PID/fd/N\n"
	"                  (a memfd another process holds), or a plain file\n"
	"  --ring OFFSET   a ring header at OFFSET (a multiple of 64; 0x for hex); repeatable\n"
	"  --slab OFFSET   a slab header at OFFSET; repeatable\n"
	"  --channel OFFSET a channel header at OFFSET; repeatable\n"
	"                  (none of these: whatever header sits at offset 0)\n"
	"  --json          one JSON document instead of text\n"
	"  --verbose       every slab slot's state, generation and owner\n"
	"  --watch SECONDS refresh every SECONDS until Ctrl-C (--count N: N times)\n"
	"exit: 0 nothing to report, 1 warnings, 2 a structure refused (corrupt), 3 cannot open, 64 usage\n";

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int insp_parse_args(int argc, char **argv, insp_args *out)
{
	static const struct option opts[] = {
		{"ring", required_argument, NULL, 'r'}, {"slab", required_argument, NULL, 's'},
		{"channel", required_argument, NULL, 'C'},
		{"json", no_argument, NULL, 'j'},       {"verbose", no_argument, NULL, 'v'},
		{"watch", required_argument, NULL, 'w'}, {"count", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
	int c;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:s:C:jvw:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 's':
		case 'C':
			if (parse_u64(optarg, &v) != 0) {
				fprintf(stderr, "shmprim-inspect: --%s wants an offset, not '%s'\n",
				        c == 'r' ? "ring" : c == 's' ? "slab" : "channel", optarg);
				return INSP_EXIT_USAGE;
			}
			if (out->count == INSP_MAX_STRUCTS) {
				fprintf(stderr, "shmprim-inspect: at most %u structures\n", INSP_MAX_STRUCTS);
				return INSP_EXIT_USAGE;
			}
			out->kinds[out->count] = c == 'r' ? INSP_RING : c == 's' ? INSP_SLAB : INSP_CHANNEL;
			out->offsets[out->count++] = v;
			break;
		case 'j':
			out->json = 1;
			break;
		case 'v':
			out->verbose = 1;
			break;
		case 'w':
		case 'c':
			if (parse_u64(optarg, &v) != 0 || v == 0 || v > 86400) {
				fprintf(stderr, "shmprim-inspect: --%s wants a number from 1 to 86400, not '%s'\n",
				        c == 'w' ? "watch" : "count", optarg);
				return INSP_EXIT_USAGE;
			}
			if (c == 'w')
				out->watch_s = (unsigned)v;
			else
				out->watch_max = (unsigned)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			fprintf(stderr, "shmprim-inspect: unknown or incomplete option '%s'\n%s", argv[optind - 1], usage);
			return INSP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "shmprim-inspect: %s\n%s", optind >= argc ? "no TARGET given" : "one TARGET only",
		        usage);
		return INSP_EXIT_USAGE;
	}
	if (out->watch_max && !out->watch_s) {
		fprintf(stderr, "shmprim-inspect: --count goes with --watch\n");
		return INSP_EXIT_USAGE;
	}
	out->target = argv[optind];
	return 0;
}
