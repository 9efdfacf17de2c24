/*
 * The event log of the current execution, location names, and the failure
 * report: the verdict, every event that led to it (thread, operation, memory
 * order, location, value, which store a read took and whether it was stale,
 * call site) and the schedule string that replays it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_internal.h"

#define TRACE_MAX_LINES 600 /* longer traces print their last lines only */

static bool tap_output;

void mc_set_tap(bool on)
{
	tap_output = on;
}

void mc_out(const char *fmt, ...)
{
	char buf[8192];
	const char *line, *nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			printf("%s%s\n", tap_output ? "# " : "", line);
			break;
		}
		printf("%s%.*s\n", tap_output ? "# " : "", (int)(nl - line), line);
	}
}

void mc_trace_reset(void)
{
	mc.nevents = 0;
	if (mc.nnames > mc.names_prev)
		mc.names_prev = mc.nnames;
	mc.nnames = 0;
}

mc_event *mc_event_new(int tid, mc_ev_kind kind, const char *file, int line)
{
	mc_event *ev;

	if (mc.nevents == mc.events_cap) {
		mc.events_cap = mc.events_cap ? mc.events_cap * 2 : 1024;
		mc.events = realloc(mc.events, mc.events_cap * sizeof(*mc.events));
		if (!mc.events)
			abort();
	}
	ev = &mc.events[mc.nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->seq = mc.nevents;
	ev->tid = (uint8_t)tid;
	ev->kind = (uint8_t)kind;
	ev->file = file;
	ev->line = line;
	return ev;
}

void mc_name(const void *p, size_t len, const char *fmt, ...)
{
	mc_name_entry *e;
	va_list ap;

	if (!mc.active)
		return;
	if (mc.nnames == mc.names_cap) {
		mc.names_cap = mc.names_cap ? mc.names_cap * 2 : 64;
		mc.names = realloc(mc.names, mc.names_cap * sizeof(*mc.names));
		if (!mc.names)
			abort();
	}
	e = &mc.names[mc.nnames++];
	if (mc.nnames <= mc.names_prev && e->addr == p && e->len == (len ? len : 1) && e->fmt == fmt)
		return; /* executions repeat: same call, same name, no formatting */
	e->addr = p;
	e->len = len ? len : 1;
	e->fmt = fmt;
	va_start(ap, fmt);
	vsnprintf(e->name, sizeof(e->name), fmt, ap);
	va_end(ap);
}

const char *mc_name_of(const void *addr, char *buf, size_t len)
{
	const unsigned char *a = addr;
	uint32_t i;

	for (i = mc.nnames; i-- > 0;) {
		const mc_name_entry *e = &mc.names[i];
		const unsigned char *b = e->addr;

		if (a >= b && a < b + e->len) {
			if (a == b)
				snprintf(buf, len, "%s", e->name);
			else
				snprintf(buf, len, "%s+%zu", e->name, (size_t)(a - b));
			return buf;
		}
	}
	if (mc.arena && a >= mc.arena && a < mc.arena + MC_ARENA_SIZE)
		snprintf(buf, len, "arena+0x%zx", (size_t)(a - mc.arena));
	else
		snprintf(buf, len, "%p", addr);
	return buf;
}

/* "../src/spsc.c" -> "src/spsc.c": build directories sit beside the sources */
static const char *short_file(const char *f)
{
	if (!f)
		return "";
	while (f[0] == '.' && f[1] == '.' && f[2] == '/')
		f += 3;
	return f;
}

static const char *order_str(int o)
{
	switch (o) {
	case MC_RELAXED: return "relaxed";
	case MC_ACQUIRE: return "acquire";
	case MC_RELEASE: return "release";
	case MC_ACQ_REL: return "acq_rel";
	case MC_SEQ_CST: return "seq_cst";
	}
	return "?";
}

static void value_str(char *buf, size_t len, uint64_t v)
{
	if (v <= 0xFFFF)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else if (v >> 32)
		snprintf(buf, len, "0x%x:%08x", (unsigned)(v >> 32), (unsigned)v);
	else
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
}

static void print_event(const mc_event *e, bool clocks)
{
	char op[40], ord[24], loc[96], val[80], a[32], b[32], rf[32], line[400];
	size_t off;
	int i;

	op[0] = ord[0] = loc[0] = val[0] = rf[0] = '\0';
	if (e->addr)
		mc_name_of(e->addr, loc, sizeof(loc));
	if (e->kind == MC_EV_LOAD || e->kind == MC_EV_RMW || e->kind == MC_EV_CAS_OK || e->kind == MC_EV_CAS_FAIL)
		snprintf(rf, sizeof(rf), "rf #%u%s%s", e->rf, e->rf ? "" : " (init)", e->stale ? " STALE" : "");
	switch (e->kind) {
	case MC_EV_LOAD:
		snprintf(op, sizeof(op), "load u%d", e->size * 8);
		snprintf(ord, sizeof(ord), "%s", order_str(e->order));
		value_str(val, sizeof(val), e->value);
		break;
	case MC_EV_STORE:
		snprintf(op, sizeof(op), "store u%d", e->size * 8);
		snprintf(ord, sizeof(ord), "%s", order_str(e->order));
		value_str(val, sizeof(val), e->value);
		break;
	case MC_EV_RMW:
		snprintf(op, sizeof(op), "rmw u%d", e->size * 8);
		snprintf(ord, sizeof(ord), "%s", order_str(e->order));
		value_str(a, sizeof(a), e->value);
		value_str(b, sizeof(b), e->value2);
		snprintf(val, sizeof(val), "%s -> %s", a, b);
		break;
	case MC_EV_CAS_OK:
	case MC_EV_CAS_FAIL:
		snprintf(op, sizeof(op), "cas u%d %s", e->size * 8,
		         e->kind == MC_EV_CAS_OK ? "ok" : e->spurious ? "SPURIOUS-FAIL" : "fail");
		snprintf(ord, sizeof(ord), "%s/%s", order_str(e->order), order_str(e->order2));
		value_str(a, sizeof(a), e->value);
		value_str(b, sizeof(b), e->value2);
		if (e->kind == MC_EV_CAS_OK)
			snprintf(val, sizeof(val), "%s -> %s", a, b);
		else
			snprintf(val, sizeof(val), "saw %s", a);
		break;
	case MC_EV_FENCE:
		snprintf(op, sizeof(op), "fence");
		snprintf(ord, sizeof(ord), "%s", order_str(e->order));
		break;
	case MC_EV_PLAIN_READ:
	case MC_EV_PLAIN_WRITE:
		snprintf(op, sizeof(op), "plain %s", e->kind == MC_EV_PLAIN_READ ? "read" : "write");
		snprintf(val, sizeof(val), "%zu bytes", e->len);
		break;
	case MC_EV_SPAWN:
		snprintf(op, sizeof(op), "spawn T%d", e->other);
		break;
	case MC_EV_JOIN:
		snprintf(op, sizeof(op), "join T%d", e->other);
		break;
	case MC_EV_SPIN:
		snprintf(op, sizeof(op), "spin (retry)");
		break;
	case MC_EV_EXIT:
		snprintf(op, sizeof(op), "exit");
		break;
	case MC_EV_FUTEX_WAIT: {
		static const char *const how[] = {"sleeps", "value differs", "SPURIOUS return", "TIMEOUT"};

		if (e->len) { /* a futex_waitv on len words (their loads are the events before) */
			snprintf(op, sizeof(op), "futex_waitv");
			snprintf(val, sizeof(val), "%zu words: %s", e->len, how[e->value & 3]);
		} else {
			snprintf(op, sizeof(op), "futex_wait");
			snprintf(val, sizeof(val), "expects %llu: %s", (unsigned long long)e->value2, how[e->value & 3]);
		}
		break;
	}
	case MC_EV_FUTEX_WAKE:
		snprintf(op, sizeof(op), "futex_wake");
		snprintf(val, sizeof(val), "woke 0x%llx", (unsigned long long)e->value);
		break;
	case MC_EV_FUTEX_RESUME:
		snprintf(op, sizeof(op), "futex resume");
		snprintf(val, sizeof(val), "%s", e->value ? "TIMEOUT (all waited)" : "woken");
		break;
	case MC_EV_DEATH:
		snprintf(op, sizeof(op), "DIES");
		break;
	}
	off = (size_t)snprintf(line, sizeof(line), "  %4u  T%u  %-18s %-16s %-26s %-22s %-18s %s", e->seq, e->tid,
	                       op, ord, loc, val, rf, short_file(e->file));
	if (e->file && off < sizeof(line))
		off += (size_t)snprintf(line + off, sizeof(line) - off, ":%d", e->line);
	if (clocks && off < sizeof(line)) {
		off += (size_t)snprintf(line + off, sizeof(line) - off, "  [");
		for (i = 0; i < MC_MAX_THREADS && off < sizeof(line); i++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%u", i ? " " : "", e->clock.c[i]);
		if (off < sizeof(line))
			snprintf(line + off, sizeof(line) - off, "]");
	}
	mc_out("%s\n", line);
}

void mc_trace_print(void)
{
	uint32_t i = 0;

	mc_out("  trace (%u events; rf = the event whose store a read took, #0 = initial value):\n", mc.nevents);
	mc_out("  %4s  %-2s  %-18s %-16s %-26s %-22s %-18s %s\n", "#", "th", "operation", "order", "location",
	       "value", "read from", "site");
	if (mc.nevents > TRACE_MAX_LINES) {
		i = mc.nevents - TRACE_MAX_LINES;
		mc_out("  ... %u earlier events not shown\n", i);
	}
	for (; i < mc.nevents; i++)
		print_event(&mc.events[i], mc.cfg.trace >= 2);
}

static void shell_quote(char *out, size_t len, const char *s)
{
	size_t o = 0;

	if (len < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (; *s && o + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

void mc_report_failure(const mc_result *res)
{
	char name[256], replay[MC_REPLAY_MAX + 64];

	mc_out("model: %s: FAIL (%s) in execution %llu\n", mc.test_name, mc_failure_str(res->failure),
	       (unsigned long long)res->failing_execution);
	mc_out("  %s\n", res->message);
	mc_trace_print();
	shell_quote(name, sizeof(name), mc.test_name);
	shell_quote(replay, sizeof(replay), res->replay);
	mc_out("  schedule: %s\n", res->replay[0] ? res->replay : "(no choices: the default schedule fails)");
	mc_out("  replay:   MC_TEST=%s MC_REPLAY=%s%s MC_TRACE=1 %s\n", name, replay[2] ? replay : "' '",
	       mc.cfg.spin == MC_SPIN_BLOCK ? " MC_SPIN=block" : "", program_invocation_name);
}
