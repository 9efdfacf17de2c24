/*
 * shmprim-log-shipper: an application ships text log records (16-200 bytes)
 * to a collector process through a channel in a sealed memfd.
 *
 * The shipper (parent) writes each record in place (loan, then send); the
 * collector (a child that opened the memfd it inherited) reads each record
 * in place (a view), checks it and releases it. When the shipper closes, the
 * collector drains the channel and gets END: a clean exit, told apart from a
 * crash (PEER_DEAD). Meanwhile a second would-be shipper is refused: the
 * producer side is held, and the refusal names the holder's pid.
 *   shmprim-log-shipper [COUNT]
 * Exit status 0 when every record arrived once, in order, intact.
 */
#define _GNU_SOURCE
#include <shmprim/shmprim.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DATA_BYTES (64u * 1024u)
#define MAX_RECORD 200u
#define WAIT_NS (10ull * 1000000000ull)

static const char *const levels[] = {"INFO", "WARN", "DEBUG", "ERROR"};

/* Record n, as text, into buf (at most MAX_RECORD bytes); its length. The
 * collector rebuilds the same text to check what arrived. */
static uint32_t format_record(uint64_t n, char *buf)
{
	uint64_t x = n * 0x9E3779B97F4A7C15ull;
	unsigned pad = (unsigned)(x >> 58) * 2u; /* 0..126 bytes of detail */
	int len;

	len = snprintf(buf, MAX_RECORD + 1, "%llu %s worker-%u: request %llx done%*s",
	               (unsigned long long)n, levels[x >> 62], (unsigned)(x >> 40) % 16u,
	               (unsigned long long)(x & 0xFFFFFF), (int)pad, "");
	return len > (int)MAX_RECORD ? MAX_RECORD : (uint32_t)len;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int collector(int fd, uint64_t count)
{
	shmprim_channel ch;
	shmprim_channel_consumer c;
	shmprim_channel_msg view;
	shmprim_status st;
	uint64_t n = 0, bytes = 0;
	char want[MAX_RECORD + 1];

	st = shmprim_channel_open_fd(&ch, fd);
	if (st == SHMPRIM_OK)
		st = shmprim_channel_take_consumer(&ch, &c, NULL);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "collector: %s\n", shmprim_status_str(st));
		return 1;
	}
	while ((st = shmprim_channel_receive_wait(&c, &view, WAIT_NS, NULL)) == SHMPRIM_OK) {
		uint32_t len = format_record(n, want);

		/* The view is the shipper's memory: compare, do not trust. */
		if (view.len != len || memcmp(view.data, want, len) != 0) {
			fprintf(stderr, "collector: record %llu is wrong\n", (unsigned long long)n);
			return 1;
		}
		bytes += len;
		n++;
		if (n % 64 == 0) {
			shmprim_channel_release(&c);         /* give space back in batches */
			shmprim_channel_notify_producer(&c); /* and wake the shipper if it waits for it */
		}
	}
	shmprim_channel_release(&c);
	if (st != SHMPRIM_ERR_END) {
		fprintf(stderr, "collector: after %llu records: %s\n", (unsigned long long)n, shmprim_status_str(st));
		return 1;
	}
	printf("collector: END after %llu records, %llu bytes, all intact\n", (unsigned long long)n,
	       (unsigned long long)bytes);
	shmprim_channel_consumer_close(&c);
	shmprim_channel_unmap(&ch);
	return n == count ? 0 : 1;
}

/* A second shipper: it must be refused while the first holds the side. */
static int intruder(int fd)
{
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_claim_holder holder;
	shmprim_status st;

	if (shmprim_channel_open_fd(&ch, fd) != SHMPRIM_OK)
		return 1;
	st = shmprim_channel_take_producer(&ch, &p, &holder);
	printf("second shipper (pid %d): %s (held by pid %d)\n", (int)getpid(), shmprim_status_str(st), holder.pid);
	shmprim_channel_unmap(&ch);
	return st == SHMPRIM_ERR_CLAIMED && holder.pid == (int)getppid() ? 0 : 1;
}

static int wait_child(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	uint64_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000u;
	shmprim_channel ch;
	shmprim_channel_producer p;
	shmprim_status st;
	pid_t collector_pid, intruder_pid;
	uint64_t n;
	double t0;
	int rc = 0;

	st = shmprim_channel_create_memfd(&ch, "log-shipper", DATA_BYTES, MAX_RECORD);
	if (st == SHMPRIM_OK)
		st = shmprim_channel_take_producer(&ch, &p, NULL);
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "shipper: %s\n", shmprim_status_str(st));
		return 1;
	}
	fflush(stdout);
	collector_pid = fork();
	if (collector_pid == 0) {
		rc = collector(ch.shm.fd, count);
		fflush(stdout);
		_exit(rc);
	}
	intruder_pid = fork();
	if (intruder_pid == 0) {
		rc = intruder(ch.shm.fd);
		fflush(stdout);
		_exit(rc);
	}
	t0 = now();
	for (n = 0; n < count; n++) {
		void *buf;
		char text[MAX_RECORD + 1];
		uint32_t len = format_record(n, text);

		st = shmprim_channel_loan_wait(&p, len, &buf, WAIT_NS, NULL);
		if (st != SHMPRIM_OK)
			break;
		memcpy(buf, text, len); /* a real shipper formats straight into buf */
		shmprim_channel_send_loan(&p, len);
		if (n % 32 == 31)
			shmprim_channel_notify_consumer(&p); /* the loans do not wake a sleeping collector */
	}
	if (st != SHMPRIM_OK) {
		fprintf(stderr, "shipper: record %llu: %s\n", (unsigned long long)n, shmprim_status_str(st));
		rc = 1;
	}
	shmprim_channel_producer_close(&p);
	shmprim_channel_notify_consumer(&p);
	printf("shipper: %llu records in %.2f s (%.0f records/s), closed\n", (unsigned long long)n, now() - t0,
	       (double)n / (now() - t0));
	fflush(stdout);
	rc |= wait_child(intruder_pid);
	rc |= wait_child(collector_pid);
	shmprim_channel_unmap(&ch);
	printf("log shipper: %s\n", rc == 0 ? "ok" : "FAILED");
	return rc;
}
