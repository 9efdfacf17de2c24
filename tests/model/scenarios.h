/*
 * Model-checked scenarios on the real ring, slab and channel code. Each runs in raw
 * and region form ("name[raw]", "name[region]") unless single_form is set.
 * The same bodies serve the real-code suite (must pass) and the mutant gate
 * (must fail on the planted bug they target).
 */
#ifndef SHMPRIM_MODEL_SCENARIOS_H
#define SHMPRIM_MODEL_SCENARIOS_H

#include <stdbool.h>
#include <stdint.h>

#include "fixtures.h"

typedef struct scenario {
	const char *name;
	void (*body)(void *arg);  /* arg: const scenario_arg * */
	mc_tier tier;
	bool single_form;         /* no raw/region distinction (runs as [region]) */
	uint32_t a, b;            /* scenario parameters (capacity, items, ...) */
} scenario;

/* Outcomes that some execution of the scenario named must reach: reset()
 * runs before its check, missing() after a pass and returns what no
 * execution reached (the pass then fails), or NULL. */
typedef struct scenario_reach {
	const char *name;
	void (*reset)(void);
	const char *(*missing)(void);
} scenario_reach;

extern const scenario_reach scenario_reaches[];

typedef struct scenario_arg {
	fx_form form;
	const scenario *sc;
} scenario_arg;

extern const scenario ring_scenarios[];
extern const scenario slab_scenarios[];
extern const scenario channel_scenarios[];
extern const scenario wait_scenarios[];
extern const scenario ready_scenarios[];
extern const scenario fanin_scenarios[];
/* Bodies that only the mutant gate runs (test-level mutants such as S6). */
extern const scenario mutant_only_scenarios[];

const scenario *scenario_find(const char *name);

/* Runs one scenario in one form under cfg; fills *res. */
mc_verdict scenario_run(const scenario *sc, fx_form form, const mc_config *cfg, mc_result *res);
/* "name[form]" */
void scenario_full_name(const scenario *sc, fx_form form, char *buf, size_t len);

#endif
