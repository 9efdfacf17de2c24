/* shmprim-inspect: map, decode, find, print; again every --watch seconds. */
#define _POSIX_C_SOURCE 200809L /* sigaction, nanosleep */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inspect.h"

static volatile sig_atomic_t stop;

static void on_int(int sig)
{
	(void)sig;
	stop = 1;
}

typedef struct decode_job {
	const insp_args *args;
	const insp_map *map;
	insp_report *report;
} decode_job;

static void decode_all(void *arg)
{
	decode_job *j = (decode_job *)arg;
	size_t i;

	for (i = 0; i < j->report->n; i++) {
		insp_struct *s = &j->report->s[i];

		if (s->kind == INSP_RING)
			insp_ring_decode(j->map, s);
		else if (s->kind == INSP_CHANNEL)
			insp_channel_decode(j->map, s);
		else
			insp_slab_decode(j->map, s, j->args->verbose);
	}
}

static void release(insp_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->s[i].kind == INSP_SLAB)
			insp_slab_free(&r->s[i].u.slab);
}

/* One look: returns the exit code. */
static int inspect_once(const insp_args *a, const insp_map *m, insp_report *r)
{
	decode_job job;
	size_t i;
	int code;

	memset(r, 0, sizeof(*r));
	r->target = a->target;
	r->map = m;
	if (a->count == 0) {
		enum insp_kind k = INSP_RING;
		uint32_t magic = 0;

		/* No offsets: whatever header sits at 0 (the ring decoder explains a miss). */
		insp_probe_kind(m, 0, &k, &magic);
		r->s[0].kind = k;
		r->s[0].offset = 0;
		r->n = 1;
	} else {
		for (i = 0; i < a->count; i++) {
			r->s[i].kind = a->kinds[i];
			r->s[i].offset = a->offsets[i];
		}
		r->n = a->count;
	}
	job.args = a;
	job.map = m;
	job.report = r;
	if (insp_guarded(decode_all, &job) != 0) {
		for (i = 0; i < r->n; i++) {
			r->s[i].ok = 0;
			snprintf(r->s[i].why, sizeof(r->s[i].why),
			         "the object shrank below its mapping while being read (SIGBUS): refusing to interpret");
		}
	}
	insp_find(r);
	if (a->json)
		insp_print_json(r, a->verbose);
	else
		insp_print_text(r, a->verbose);
	code = insp_exit_code(r);
	for (i = 0; i < r->nf; i++)
		if (r->f[i].severity == INSP_ERROR)
			fprintf(stderr, "shmprim-inspect: %s\n", r->f[i].text);
	release(r);
	fflush(stdout);
	return code;
}

int main(int argc, char **argv)
{
	static insp_report report; /* large: not on the stack */
	struct sigaction sa;
	insp_args args;
	insp_map map;
	char why[512];
	unsigned n;
	int code;

	code = insp_parse_args(argc, argv, &args);
	if (code != 0)
		return code < 0 ? 0 : code;
	if (insp_map_open(args.target, &map, why, sizeof(why)) != 0) {
		fprintf(stderr, "shmprim-inspect: %s\n", why);
		return INSP_EXIT_OPEN;
	}
	if (!args.watch_s) {
		code = inspect_once(&args, &map, &report);
		insp_map_close(&map);
		return code;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (n = 0; !stop;) {
		struct timespec t;

		code = inspect_once(&args, &map, &report);
		if (args.watch_max && ++n == args.watch_max)
			break;
		t.tv_sec = (time_t)args.watch_s;
		t.tv_nsec = 0;
		/* Ctrl-C interrupts the sleep; the loop then ends */
		while (!stop && nanosleep(&t, &t) != 0 && errno == EINTR)
			;
		if (!stop && !args.json)
			printf("\n");
	}
	insp_map_close(&map);
	return code;
}
