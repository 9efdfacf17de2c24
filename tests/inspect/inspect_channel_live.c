/*
 * shmprim-inspect against two live processes sharing a channel's memfd:
 *   inspect_channel_live PATH_TO_SHMPRIM_INSPECT
 * A producer sends 10 messages (lengths 7, 14, ... 70); a consumer receives
 * 4 and releases them. Both then stop, holding the memfd, and report what
 * they did. The tool, run on /proc/PRODUCER/fd/N, must report exactly those
 * figures (6 messages, their bytes, both sides held by their pids, alive,
 * no findings) and the region's bytes must be the same before and after it
 * ran (it maps read-only). Then the consumer is SIGKILLed: the tool must
 * name it dead with the 6 messages a successor will receive, and exit 1.
 */
#define _GNU_SOURCE

#include <shmprim/shmprim.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SENT 10u
#define RECEIVED 4u
#define DATA 4096u

static int failures;

#define CHECK(c)                                                                            \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "inspect_channel_live: FAIL %s (line %d)\n", #c, __LINE__); \
			failures++;                                                         \
		}                                                                           \
	} while (0)

static uint32_t fnv(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Runs the tool, output into buf; its exit status, or -1. The region's bytes
 * must not change while it runs. */
static int run_tool(char *const *args, const shmprim_channel *ch, char *buf, size_t cap)
{
	uint32_t before = fnv((const unsigned char *)ch->shm.base, ch->shm.len);
	int fds[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execv(args[0], args);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < cap && (n = read(fds[0], buf + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	CHECK(fnv((const unsigned char *)ch->shm.base, ch->shm.len) == before);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void child(int fd, int is_producer, int out, int go)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_channel_consumer c;
	shmprim_channel_msg m;
	unsigned char msg[80];
	uint32_t i, done = 0;
	char byte;

	if (shmprim_channel_open_fd(&ch, fd) != SHMPRIM_OK)
		_exit(3);
	if (is_producer) {
		if (shmprim_channel_take_producer(&ch, &p, NULL) != SHMPRIM_OK)
			_exit(4);
		for (i = 0; i < SENT; i++) {
			memset(msg, (int)i, sizeof(msg));
			done += shmprim_channel_send(&p, msg, 7u * (i + 1)) == SHMPRIM_OK;
		}
	} else {
		if (shmprim_channel_take_consumer(&ch, &c, NULL) != SHMPRIM_OK)
			_exit(4);
		while (done < RECEIVED) {
			shmprim_status st = shmprim_channel_receive(&c, &m);

			if (st == SHMPRIM_OK)
				done += m.len == 7u * (done + 1);
			else if (st != SHMPRIM_ERR_EMPTY)
				_exit(5);
		}
		if (shmprim_channel_release(&c) != SHMPRIM_OK)
			_exit(5);
	}
	if (write(out, &done, sizeof(done)) != (ssize_t)sizeof(done))
		_exit(6);
	while (read(go, &byte, 1) < 0) /* stopped, holding the memfd, until the parent says */
		;
	_exit(0);
}

static pid_t start(int fd, int is_producer, uint32_t *done)
{
	int rep[2], go[2];
	pid_t pid;

	if (pipe(rep) != 0 || pipe(go) != 0)
		exit(2);
	pid = fork();
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		child(fd, is_producer, rep[1], go[0]);
	}
	close(rep[1]);
	close(go[0]);
	if (read(rep[0], done, sizeof(*done)) != (ssize_t)sizeof(*done)) {
		fprintf(stderr, "inspect_channel_live: a child failed to start\n");
		exit(2);
	}
	close(rep[0]);
	return pid; /* go[1] stays open: the child waits on it until it is killed */
}

int main(int argc, char **argv)
{
	shmprim_channel ch;
	uint32_t sent = 0, received = 0, i, bytes = 0;
	pid_t prod, cons;
	char path[64], want[320];
	static char out[1 << 16];
	char *args[6];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: inspect_channel_live SHMPRIM_INSPECT\n");
		return 2;
	}
	if (shmprim_channel_create_memfd(&ch, "inspect-channel-live", DATA, 100) != SHMPRIM_OK) {
		fprintf(stderr, "inspect_channel_live: setup failed\n");
		return 2;
	}
	prod = start(ch.shm.fd, 1, &sent);
	cons = start(ch.shm.fd, 0, &received);
	CHECK(sent == SENT && received == RECEIVED);
	for (i = RECEIVED; i < SENT; i++)
		bytes += 7u * (i + 1);

	snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)prod, ch.shm.fd);
	args[0] = argv[1];
	args[1] = "--json";
	args[2] = path; /* no offset: the channel is found at 0 */
	args[3] = NULL;
	rc = run_tool(args, &ch, out, sizeof(out));
	CHECK(rc == 0);
	snprintf(want, sizeof(want), "\"messages\": %u, \"message_bytes\": %u, \"records_ok\": true", SENT - RECEIVED, bytes);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"producer\": {\"state\": \"held\", \"word\": ");
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"pid\": %ld, \"start_ticks\": ", (long)prod);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "\"pid\": %ld, \"start_ticks\": ", (long)cons);
	CHECK(strstr(out, want) != NULL);
	CHECK(strstr(out, "\"liveness\": \"dead\"") == NULL);
	CHECK(strstr(out, "\"findings\": []") != NULL);
	if (failures)
		fprintf(stderr, "--- tool output (live) ---\n%s\n", out);

	kill(cons, SIGKILL);
	waitpid(cons, NULL, 0);
	args[1] = "--channel";
	args[2] = "0";
	args[3] = path;
	args[4] = NULL;
	rc = run_tool(args, &ch, out, sizeof(out));
	CHECK(rc == 1);
	snprintf(want, sizeof(want),
	         "warning: channel at 0: consumer pid %ld is dead: %u messages (%u bytes) not released go to the "
	         "consumer that takes the side over",
	         (long)cons, SENT - RECEIVED, bytes);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof(want), "producer: held by pid %ld (alive", (long)prod);
	CHECK(strstr(out, want) != NULL);
	if (failures)
		fprintf(stderr, "--- tool output (after the kill) ---\n%s\n", out);
	kill(prod, SIGKILL);
	waitpid(prod, NULL, 0);
	shmprim_channel_unmap(&ch);
	printf("inspect-channel-live: %s\n", failures ? "FAILED" : "figures match, region unchanged, dead consumer named");
	return failures ? 1 : 0;
}
