/*
 * Process identities and liveness (include/shmprim/claim.h), from kill(2)
 * and /proc/PID/stat. Linux.
 */
#define _GNU_SOURCE

#include <shmprim/claim.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claim_word.h"

/* What /proc/PID/stat says about a process. */
typedef struct proc_stat {
	char state;            /* 'R', 'S', 'Z', ... */
	uint64_t start_ticks;  /* field 22 */
} proc_stat;

/* 0 on success; -1 with errno when the file cannot be read or parsed. */
static int read_proc_stat(int pid, proc_stat *out)
{
	char path[64], buf[1024];
	const char *p;
	FILE *f;
	size_t n;
	int field;

	if (pid <= 0)
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything, ')' included */
	if (!p || p[1] != ' ' || !p[2]) {
		errno = EPROTO;
		return -1;
	}
	out->state = p[2];
	/* p + 2 is field 3 (state); skip to field 22. */
	p += 2;
	for (field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p) {
			errno = EPROTO;
			return -1;
		}
		p++;
	}
	{
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || end == p) {
			errno = EPROTO;
			return -1;
		}
		out->start_ticks = (uint64_t)v & SHMPRIM_TOKEN_START_MASK;
		if (out->start_ticks == SHMPRIM_TOKEN_START_UNKNOWN)
			out->start_ticks--; /* 2^42 - 1 ticks: centuries of uptime; keep the marker unambiguous */
	}
	return 0;
}

static int is_gone_state(char state)
{
	return state == 'Z' || state == 'X' || state == 'x';
}

shmprim_status shmprim_proc_token_self(shmprim_proc_token *out)
{
	/* Read each time: claims are taken rarely, and a cache would need
	 * resetting across fork. */
	int pid = (int)getpid();
	proc_stat st;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (pid <= 0 || (uint32_t)pid > SHMPRIM_TOKEN_PID_MAX)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	*out = shmprim_proc_token_make(pid, read_proc_stat(0, &st) == 0 ? st.start_ticks : SHMPRIM_TOKEN_START_UNKNOWN);
	return SHMPRIM_OK;
}

shmprim_status shmprim_proc_token_of(int pid, shmprim_proc_token *out)
{
	proc_stat st;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (pid <= 0 || (uint32_t)pid > SHMPRIM_TOKEN_PID_MAX)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (read_proc_stat(pid, &st) != 0) {
		if (errno == ENOENT && kill(pid, 0) != 0 && errno == ESRCH)
			return SHMPRIM_ERR_PEER_DEAD;
		return SHMPRIM_ERR_SYSTEM;
	}
	if (is_gone_state(st.state))
		return SHMPRIM_ERR_PEER_DEAD;
	*out = shmprim_proc_token_make(pid, st.start_ticks);
	return SHMPRIM_OK;
}

shmprim_liveness shmprim_pid_liveness(int pid)
{
	proc_stat st;

	if (pid <= 0)
		return SHMPRIM_LIVENESS_UNKNOWN;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return SHMPRIM_DEAD;
	if (read_proc_stat(pid, &st) != 0) /* EPERM from kill, or hidepid: it exists */
		return kill(pid, 0) != 0 && errno == ESRCH ? SHMPRIM_DEAD : SHMPRIM_LIVENESS_UNKNOWN;
	return is_gone_state(st.state) ? SHMPRIM_DEAD : SHMPRIM_ALIVE;
}

shmprim_liveness shmprim_proc_liveness(shmprim_proc_token token)
{
	int pid = shmprim_proc_token_pid(token);
	uint64_t start = token & SHMPRIM_TOKEN_START_MASK;
	proc_stat st;

	if (pid <= 0)
		return SHMPRIM_DEAD; /* not a token: nobody */
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return SHMPRIM_DEAD;
	if (read_proc_stat(pid, &st) != 0)
		return kill(pid, 0) != 0 && errno == ESRCH ? SHMPRIM_DEAD : SHMPRIM_LIVENESS_UNKNOWN;
	if (is_gone_state(st.state))
		return SHMPRIM_DEAD;
	if (start == SHMPRIM_TOKEN_START_UNKNOWN)
		return SHMPRIM_LIVENESS_UNKNOWN; /* the pid exists; whether it is the same process, nobody can say */
	return st.start_ticks == start ? SHMPRIM_ALIVE : SHMPRIM_DEAD; /* another start time: the pid was reused */
}

void shmprim_claim_describe(uint64_t word, shmprim_claim_holder *out)
{
	sp_claim_decode(word, sp_claim_state(word) == SHMPRIM_SIDE_HELD ? shmprim_proc_liveness(word) : SHMPRIM_DEAD, out);
}
