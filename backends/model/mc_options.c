/*
 * Configuration: tier defaults, then the MC_* environment variables on top, so
 * any test can be rerun deeper, shallower, naively or on one schedule without
 * rebuilding. README.md lists the knobs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc_internal.h"

static bool env_set(const char *name, const char **out)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return false;
	*out = v;
	return true;
}

/* Integer knob; "none" or a negative value means unbounded (-1). */
static long long env_ll(const char *name, long long def)
{
	const char *v;
	char *end;
	long long x;

	if (!env_set(name, &v))
		return def;
	if (strcmp(v, "none") == 0)
		return -1;
	errno = 0;
	x = strtoll(v, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "model: %s=%s is not a number; using %lld\n", name, v, def);
		return def;
	}
	return x < 0 ? -1 : x;
}

static double env_double(const char *name, double def)
{
	const char *v;
	char *end;
	double x;

	if (!env_set(name, &v))
		return def;
	x = strtod(v, &end);
	if (*end || x <= 0) {
		fprintf(stderr, "model: %s=%s is not a positive number; using %g\n", name, v, def);
		return def;
	}
	return x;
}

void mc_config_init(mc_config *cfg, mc_tier tier)
{
	const char *v;
	long long deep = env_ll("MC_DEEP", 0); /* 1 or 2: the 3-thread tier with spurious=1 and 10^9 executions / 1 h */

	memset(cfg, 0, sizeof(*cfg));
	/* no preemption or stale bound in any tier: source-DPOR (mc_explore.c)
	 * makes the 3-thread slab scenarios finish without them */
	cfg->preempt = -1;
	cfg->stale = -1;
	if (tier == MC_TIER_PREEMPT) {
		cfg->preempt = deep ? 4 : 3;
		cfg->stale = deep ? 3 : 2;
	}
	/* spurious weak-CAS failures: 1 per execution; the 3-thread tier none
	 * in CI (each multiplies its executions by more than 4; a named cap,
	 * so BOUNDED), 1 with MC_DEEP */
	cfg->spurious = tier == MC_TIER_BOUNDED && !deep ? 0 : 1;
	cfg->max_execs = deep ? 1000000000ull : tier == MC_TIER_BOUNDED ? 5000000ull : 1000000ull;
	cfg->max_seconds = deep ? 3600 : tier == MC_TIER_BOUNDED ? 140 : 60; /* slab_aba_3t: about 13 s of CPU per form */
	cfg->max_steps = 5000;
	cfg->spin = MC_SPIN_PRUNE;

	cfg->preempt = (int)env_ll("MC_PREEMPT", cfg->preempt);
	cfg->stale = (int)env_ll("MC_STALE", cfg->stale);
	cfg->spurious = (int)env_ll("MC_SPURIOUS", cfg->spurious);
	if (cfg->spurious < 0) /* unbounded spurious failures never terminate a retry loop */
		cfg->spurious = 1000;
	cfg->futex = (int)env_ll("MC_FUTEX", 1);
	if (cfg->futex < 0) /* as for spurious: a wait loop needs an end */
		cfg->futex = 1000;
	cfg->max_execs = (uint64_t)env_ll("MC_MAX_EXECS", (long long)cfg->max_execs);
	if (cfg->max_execs == (uint64_t)-1)
		cfg->max_execs = UINT64_MAX;
	cfg->max_seconds = env_double("MC_MAX_SECONDS", cfg->max_seconds);
	cfg->max_steps = (uint32_t)env_ll("MC_MAX_STEPS", cfg->max_steps);
	cfg->naive = env_ll("MC_NAIVE", 0) > 0;
	if (env_set("MC_SPIN", &v))
		cfg->spin = strcmp(v, "block") == 0 ? MC_SPIN_BLOCK : MC_SPIN_PRUNE;
	cfg->random = (uint64_t)env_ll("MC_RANDOM", 0);
	cfg->seed = (uint64_t)env_ll("MC_SEED", 1);
	if (env_set("MC_REPLAY", &v))
		cfg->replay = v;
	cfg->trace = (int)env_ll("MC_TRACE", 0);
}

/* A body's lower bound for the code's retry loops: per check (mc_check sets
 * cfg afresh), so one scenario's bound never leaks into the next. */
void mc_retry_limit(uint32_t n)
{
	if (n >= 1 && (mc.cfg.retry == 0 || n < mc.cfg.retry))
		mc.cfg.retry = n;
}

uint32_t mc_retry_bound(uint32_t limit)
{
	return mc.cfg.retry != 0 && mc.cfg.retry < limit ? mc.cfg.retry : limit;
}
