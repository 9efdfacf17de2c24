/*
 * The mutation gate: built once per planted bug (MC_MUTANT, with the core
 * compiled from a copy of the sources that tests/mutants/MC_MUTANT.mutant
 * rewrote, or the correct core for the test-level S6), it runs the scenarios that must expose that bug and
 * passes only if, for each one:
 *   1. the checker FAILS it (the report, with its trace, is printed);
 *   2. the naive enumerator (no sleep sets, no skipped stale reads) fails it
 *      too, with the same kind of failure; it runs under a preemption bound of
 *      NAIVE_PREEMPT, because without any reduction its depth-first order can
 *      take millions of executions to reach an early preemption;
 *   3. spin=block mode fails it too, with the same kind of failure;
 *   4. replaying the printed schedule string fails again, with the same
 *      verdict, in exactly one execution.
 * So the suite 'model-mutants' passes only when every mutant is caught, and
 * the reduction and the spin pruning are checked against the plain
 * enumeration on every one of them. TAP: one test point per check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenarios.h"

#define NAIVE_PREEMPT 3
#define MAX_SCENARIOS 2

#ifndef MC_MUTANT
#error "build with -DMC_MUTANT=\"R1\" (etc.)"
#endif

typedef struct gate_entry {
	const char *mutant;
	const char *what;
	const char *scenarios[MAX_SCENARIOS];
	/* also caught, but too big for the naive enumerator (steps 1, 3, 4 only) */
	const char *large[MAX_SCENARIOS];
} gate_entry;

static const gate_entry gate[] = {
	{"R1", "slot seq and head published relaxed", {"ring_one_item", "ring_batch_wide"}, {NULL}},
	{"R2", "consumer loads the slot seq relaxed", {"ring_one_item"}, {NULL}},
	{"R3", "consumer releases its index relaxed", {"ring_cap1_2items"}, {NULL}},
	{"R4", "producer loads the consumer index relaxed", {"ring_cap1_2items"}, {NULL}},
	{"R5", "full test off by one", {"ring_cap1_2items"}, {NULL}},
	{"R6", "seq published before the entry is copied in", {"ring_one_item", "ring_batch_wide"}, {NULL}},
	{"R7", "consumer releases its index before copying out", {"ring_cap1_2items"}, {NULL}},
	{"R8", "consumer believes head without the seq before it", {"ring_cap2_3items"}, {NULL}},
	{"R9", "cell seq accepted only inside its own cell", {"ring_cap2_3items"}, {NULL}},
	{"R10", "consumer's cached head from a second read of head", {"ring_head_twice"}, {NULL}},
	{"R11", "consumer's cached head from a second read of the seq", {"ring_head_twice"}, {NULL}},
	{"R12", "bulk pop loads the last entry's seq relaxed", {"ring_pop_bulk"}, {NULL}},
	/* S1': 3 threads x (alloc, write, free) needs 3 preemptions: the reduced
	 * search finds it in 8 153 executions, the naive one in 18 240 031 (180 s) */
	{"S1", "free-list head CAS without the ABA tag", {"slab_aba_preempt", NULL}, {"slab_aba_3t"}},
	{"S2", "free-list link as plain memory", {"slab_relink_race"}, {NULL}},
	{"S3", "alloc's head load and CAS relaxed", {"slab_publish_payload"}, {NULL}},
	{"S4", "free's head CAS relaxed", {"slab_publish_payload"}, {NULL}},
	{"S5", "double-free check as load then store", {"slab_double_free_allocated", "slab_free_race"}, {NULL}},
	{"S6", "consumer frees the slot before reading it (test-level)", {"slab_handoff_free_first"}, {NULL}},
	{"S7", "generation not bumped on allocation", {"slab_stale_handle_sequential"}, {NULL}},
	{"S8", "ABA tag truncated to one bit", {"slab_aba_tag_parity"}, {NULL}},
	{"S9", "cache allocation as load then store", {"slab_cache_copied_race"}, {NULL}},
	{"S10", "cache give-back without the claiming CAS", {"slab_cache_copy_flush_vs_alloc"}, {NULL}},
	{"S13", "allocation's A3 CAS as a plain store after the pop", {"slab_reclaim_vs_live"}, {NULL}},
	{"S14", "free not finished (no F3): FREEING left on the list", {"slab_reclaim_popped_orphan"}, {NULL}},
	{"C1", "channel record header published relaxed (S1)", {"chan_transfer"}, {NULL}},
	{"C2", "channel consumer gives space back relaxed (R2)", {"chan_transfer"}, {NULL}},
	{"C3", "channel header word after a record not zeroed", {"chan_transfer"}, {NULL}},
	{"C6", "claim taken by a store after a look, no CAS (K1)", {"chan_claims_free", "chan_claims_dead_holder"}, {NULL}},
	{"K1", "claim given back (leave, close) with a relaxed CAS (K3)", {"ring_close_end", "chan_close"}, {NULL}},
	{"S15", "reclaim lock taken over from any holder", {"slab_reclaim_lock_takeover"}, {NULL}},
	{"S16", "alloc's second head read, after a bad link, relaxed", {"slab_scribbled_link"}, {NULL}},
	{"S17", "a free that gave up leaves its slot off the list (no undo)", {"slab_free_at_retry_bound"}, {NULL}},
	{"W1", "ring notify wakes the index word, not the flag the other side sleeps on", {"wait_ring_one"}, {NULL}},
	{"W2", "slab notify wakes without bumping free_wake", {"wait_slab_free_notify"}, {NULL}},
	{"W3", "waiter announces without the fence before its re-check (SL2)", {"wait_ring_one"}, {NULL}},
	{"W4", "push_wait notifies before it publishes", {"wait_ring_one"}, {NULL}},
	{"W5", "notify reads the flag without its fence (WK1)", {"wait_ring_one"}, {NULL}},
	{"W6", "wait stops checking its peer after a sleep (a hang after its death)", {"wait_ring_producer_dies"}, {NULL}},
	{"E1", "ready notify gives an fd sleeper a futex wake instead of a ring", {"ready_ring_one", "ready_chan_one"}, {NULL}},
	{"E3", "the futex waker (the ring's close) clears an armed flag of 2", {"ready_ring_close"}, {NULL}},
	{"E4", "arm announces (SL1) without the fence before its look (SL2)", {"ready_ring_one", "ready_chan_one"}, {NULL}},
	{"E5", "ready notify reads the flag without its fence (WK1)", {"ready_ring_one", "ready_chan_one"}, {NULL}},
	{"E6", "arm drains the bell after its look, not before SL1", {"ready_ring_one"}, {NULL}},
	{"F1", "fan-in sleeps without its re-check after setting the flags", {"fanin_waitv_2ch", "fanin_waitv_3ch"}, {NULL}},
	{"F2", "fan-in scans always start at entry 0 (no round-robin)", {"fanin_round_robin"}, {NULL}},
	{"F3", "fan-in sets its flags without the fence before its re-check (FS2)", {"fanin_waitv_2ch", "fanin_waitv_3ch"}, {NULL}},
	{"F4", "fan-in arms one flag fewer than it has live channels", {"fanin_waitv_2ch"}, {NULL}},
};

static int test_no, failures;

static void tap(bool ok, const char *fmt, ...) MC_PRINTF(2, 3);

static void tap(bool ok, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++test_no, line);
	fflush(stdout);
	if (!ok)
		failures++;
}

static void check_one(const scenario *sc, fx_form form, bool large)
{
	char name[96];
	mc_config cfg;
	mc_result first, naive, block, replay;

	scenario_full_name(sc, form, name, sizeof(name));
	if (!mc_selected(name))
		return;
	mc_config_init(&cfg, sc->tier);
	scenario_run(sc, form, &cfg, &first);
	tap(first.verdict == MC_FAIL && first.failure != MC_FAILURE_USAGE, "%s %s caught: %s in execution %llu",
	    MC_MUTANT, name, first.verdict == MC_FAIL ? mc_failure_str(first.failure) : mc_verdict_str(first.verdict),
	    (unsigned long long)first.failing_execution);

	if (large) {
		printf("ok %d - %s %s naive enumerator # SKIP too many executions for CI\n", ++test_no, MC_MUTANT, name);
	} else {
		mc_config_init(&cfg, sc->tier);
		cfg.naive = true;
		cfg.quiet = true;
		if (cfg.preempt < 0 || cfg.preempt > NAIVE_PREEMPT)
			cfg.preempt = NAIVE_PREEMPT;
		scenario_run(sc, form, &cfg, &naive);
		tap(naive.verdict == MC_FAIL && naive.failure == first.failure,
		    "%s %s caught by the naive enumerator (preemption bound %d): %s in execution %llu", MC_MUTANT,
		    name, cfg.preempt,
		    naive.verdict == MC_FAIL ? mc_failure_str(naive.failure) : mc_verdict_str(naive.verdict),
		    (unsigned long long)naive.failing_execution);
	}

	mc_config_init(&cfg, sc->tier);
	cfg.spin = MC_SPIN_BLOCK;
	cfg.quiet = true;
	scenario_run(sc, form, &cfg, &block);
	tap(block.verdict == MC_FAIL && block.failure == first.failure, "%s %s caught with spin=block: %s in execution %llu",
	    MC_MUTANT, name, block.verdict == MC_FAIL ? mc_failure_str(block.failure) : mc_verdict_str(block.verdict),
	    (unsigned long long)block.failing_execution);

	if (first.verdict != MC_FAIL) {
		tap(false, "%s %s replay: nothing to replay", MC_MUTANT, name);
		return;
	}
	mc_config_init(&cfg, sc->tier);
	cfg.replay = first.replay;
	cfg.quiet = true;
	scenario_run(sc, form, &cfg, &replay);
	tap(replay.verdict == MC_FAIL && replay.executions == 1 && replay.failure == first.failure &&
	            strcmp(replay.message, first.message) == 0,
	    "%s %s replay of '%s' reproduces the failure", MC_MUTANT, name, first.replay);
}

int main(void)
{
	const gate_entry *g = NULL;
	size_t i;
	int s, f;

	for (i = 0; i < sizeof(gate) / sizeof(gate[0]); i++)
		if (strcmp(gate[i].mutant, MC_MUTANT) == 0)
			g = &gate[i];
	if (!g) {
		printf("1..1\nnot ok 1 - mutant %s has no entry in the gate table\n", MC_MUTANT);
		return 1;
	}
	mc_set_tap(true);
	printf("# mutant %s: %s\n", g->mutant, g->what);
	for (s = 0; s < 2 * MAX_SCENARIOS; s++) {
		bool large = s >= MAX_SCENARIOS;
		const char *want = large ? g->large[s - MAX_SCENARIOS] : g->scenarios[s];
		const scenario *sc;

		if (!want)
			continue;
		sc = scenario_find(want);
		if (!sc) {
			tap(false, "%s: no scenario named %s", MC_MUTANT, want);
			continue;
		}
		for (f = 0; f < (sc->single_form ? 1 : 2); f++)
			check_one(sc, sc->single_form ? FX_REGION : (fx_form)f, large);
	}
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
