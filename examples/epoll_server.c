/*
 * shmprim-epoll-server: one consumer serves N producer processes, each on
 * its own channel, from one epoll set beside a timerfd (<shmprim/ready.h>).
 *
 * The server creates N channels (sealed memfds) and N doorbell pairs, and
 * forks N producers that inherit their memfd and bell end. Each producer
 * sends COUNT messages (8..120 bytes: its number, a sequence number and
 * filler derived from both), pausing now and then so that the server sleeps,
 * and sleeps on its own readiness fd when its channel is full; then it closes.
 * The server puts every channel's readiness fd and a 5 ms timerfd in one
 * epoll set, and on each wake-up drains that channel, checks each message,
 * and arms it again; a channel is done at END.
 *   shmprim-epoll-server [PRODUCERS [COUNT]]   (default 8 producers, 20000 each)
 * Exit status 0 when every message arrived once, in order, intact, and every
 * producer ended with END.
 */
#define _GNU_SOURCE
#include <shmprim/shmprim.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DATA_BYTES 4096u
#define MAX_MSG 120u
#define MAX_PRODUCERS 256
#define TIMER_TAG UINT32_MAX

typedef struct server_channel {
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_ready r;
	int bell[2]; /* [0] the producer's end, [1] the server's */
	uint64_t next; /* the sequence number expected next */
	int done;
} server_channel;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	return x ^ (x >> 33);
}

/* Message seq of producer who: its length and bytes. */
static uint32_t make_msg(uint32_t who, uint64_t seq, unsigned char *out)
{
	uint64_t h = mix(((uint64_t)who << 40) ^ seq);
	uint32_t len = 8u + (uint32_t)(h % (MAX_MSG - 7u)), i;

	memcpy(out, &who, 4);
	memcpy(out + 4, &seq, 4); /* the low 32 bits */
	for (i = 8; i < len; i++)
		out[i] = (unsigned char)(h >> (8 * (i % 8))) ^ (unsigned char)i;
	return len;
}

static void die(const char *what, shmprim_status st)
{
	fprintf(stderr, "%s: %s\n", what, shmprim_status_str(st));
	exit(1);
}

static void producer(server_channel *s, uint32_t who, uint64_t count)
{
	shmprim_channel_producer p;
	shmprim_ready r;
	unsigned char msg[MAX_MSG];
	uint64_t seq, x = who + 1;
	shmprim_status st;

	st = shmprim_channel_take_producer(&s->ch, &p, NULL);
	if (st != SHMPRIM_OK)
		die("take_producer", st);
	st = shmprim_channel_producer_ready_open(&r, &p, s->bell[0], -1);
	if (st != SHMPRIM_OK)
		die("producer_ready_open", st);
	for (seq = 0; seq < count; seq++) {
		uint32_t len = make_msg(who, seq, msg);

		while ((st = shmprim_channel_send(&p, msg, len)) == SHMPRIM_ERR_FULL) {
			/* Full: sleep on our own fd until the server releases room. */
			st = shmprim_channel_producer_arm(&r, len);
			if (st == SHMPRIM_ERR_FULL) {
				struct pollfd pf = {r.fd, POLLIN, 0};

				if (poll(&pf, 1, 10000) == 0)
					die("producer: no room for 10 s", SHMPRIM_ERR_TIMED_OUT);
			} else if (st != SHMPRIM_OK) {
				die("producer_arm", st);
			}
		}
		if (st != SHMPRIM_OK)
			die("send", st);
		(void)shmprim_ready_notify(&r); /* a load while the server is busy */
		x = mix(x);
		if ((x & 255) == 0) /* now and then a pause: the server goes to sleep */
			usleep((useconds_t)(x >> 56) * 4u);
	}
	st = shmprim_channel_producer_close(&p);
	if (st != SHMPRIM_OK)
		die("producer_close", st);
	(void)shmprim_ready_notify(&r);
	(void)shmprim_ready_close(&r);
}

/* Drains channel k; 1 once it is done (END). */
static int serve(server_channel *s, uint32_t who, uint64_t count, uint64_t *bad)
{
	unsigned char want[MAX_MSG];
	shmprim_channel_msg m;
	shmprim_status st;

	for (;;) {
		st = shmprim_channel_consumer_arm(&s->r);
		if (st == SHMPRIM_ERR_EMPTY)
			return 0; /* armed: back to epoll */
		if (st == SHMPRIM_ERR_END)
			break;
		if (st != SHMPRIM_OK)
			die("consumer_arm", st);
		while (shmprim_channel_receive(&s->c, &m) == SHMPRIM_OK) {
			uint32_t len = make_msg(who, s->next, want);

			if (m.len != len || memcmp(m.data, want, len) != 0)
				(*bad)++;
			s->next++;
		}
		(void)shmprim_channel_release(&s->c);
		(void)shmprim_ready_notify(&s->r); /* the producer may wait for room */
	}
	if (s->next != count)
		(*bad)++;
	s->done = 1;
	return 1;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 8u, k, left;
	uint64_t count = argc > 2 ? strtoull(argv[2], NULL, 0) : 20000u, bad = 0, ticks = 0, wakes = 0;
	server_channel *s;
	struct itimerspec its;
	int ep, tfd, fail = 0;
	shmprim_status st;

	if (n == 0 || n > MAX_PRODUCERS) {
		fprintf(stderr, "usage: %s [PRODUCERS (1..%d) [COUNT]]\n", argv[0], MAX_PRODUCERS);
		return 2;
	}
	s = calloc(n, sizeof(*s));
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!s || ep < 0 || tfd < 0) {
		perror("setup");
		return 1;
	}
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = its.it_value.tv_nsec = 5000000;
	timerfd_settime(tfd, 0, &its, NULL);
	{
		struct epoll_event ev = {EPOLLIN, {.u32 = TIMER_TAG}};

		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	}
	for (k = 0; k < n; k++) {
		struct epoll_event ev;
		pid_t pid;

		st = shmprim_channel_create_memfd(&s[k].ch, "epoll-server", DATA_BYTES, MAX_MSG);
		if (st != SHMPRIM_OK)
			die("create_memfd", st);
		st = shmprim_ready_bell_pair(s[k].bell);
		if (st != SHMPRIM_OK)
			die("bell_pair", st);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) { /* the mapping and the bell end are inherited */
			producer(&s[k], k, count);
			_exit(0);
		}
		close(s[k].bell[0]);
		/* Taken after the fork: the child's pidfd comes from its claim word
		 * (or pass pidfd_open(pid) here as peer_pidfd). */
		st = shmprim_channel_take_consumer(&s[k].ch, &s[k].c, NULL);
		if (st != SHMPRIM_OK)
			die("take_consumer", st);
		st = shmprim_channel_consumer_ready_open(&s[k].r, &s[k].c, s[k].bell[1], -1);
		if (st != SHMPRIM_OK)
			die("consumer_ready_open", st);
		close(s[k].bell[1]);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u32 = k;
		epoll_ctl(ep, EPOLL_CTL_ADD, s[k].r.fd, &ev);
	}
	/* Messages may have come before the first arm: serve each channel once. */
	left = n;
	for (k = 0; k < n; k++)
		left -= (uint32_t)serve(&s[k], k, count, &bad);
	while (left > 0) {
		struct epoll_event evs[64];
		int got = epoll_wait(ep, evs, 64, 10000), i;

		if (got == 0) {
			fprintf(stderr, "no event for 10 s with %u producers left\n", left);
			return 1;
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			return 1;
		}
		for (i = 0; i < got; i++) {
			uint32_t tag = evs[i].data.u32;

			if (tag == TIMER_TAG) {
				uint64_t t;

				if (read(tfd, &t, sizeof(t)) == (ssize_t)sizeof(t))
					ticks += t;
				continue;
			}
			wakes++;
			if (!s[tag].done && serve(&s[tag], tag, count, &bad)) {
				epoll_ctl(ep, EPOLL_CTL_DEL, s[tag].r.fd, NULL);
				left--;
			}
		}
	}
	for (k = 0; k < n; k++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail = 1;
		(void)shmprim_ready_close(&s[k].r);
		(void)shmprim_channel_unmap(&s[k].ch);
	}
	printf("%u producers x %llu messages: %llu bad, %llu channel wake-ups, %llu timer ticks beside them\n", n,
	       (unsigned long long)count, (unsigned long long)bad, (unsigned long long)wakes, (unsigned long long)ticks);
	free(s);
	return bad == 0 && !fail ? 0 : 1;
}
