/* Scenario lookup and running (see scenarios.h). */
#include <stdio.h>
#include <string.h>

#include "scenarios.h"

static const scenario *const tables[] = {ring_scenarios, slab_scenarios,  channel_scenarios,    wait_scenarios,
                                          ready_scenarios, fanin_scenarios, mutant_only_scenarios};

const scenario *scenario_find(const char *name)
{
	size_t t;
	const scenario *s;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (s = tables[t]; s->name; s++)
			if (strcmp(s->name, name) == 0)
				return s;
	return NULL;
}

void scenario_full_name(const scenario *sc, fx_form form, char *buf, size_t len)
{
	if (sc->single_form)
		snprintf(buf, len, "%s", sc->name);
	else
		snprintf(buf, len, "%s[%s]", sc->name, fx_form_name(form));
}

mc_verdict scenario_run(const scenario *sc, fx_form form, const mc_config *cfg, mc_result *res)
{
	static scenario_arg arg; /* outlives the check; never shared between checks */
	const scenario_reach *reach;
	char name[96];

	arg.form = form;
	arg.sc = sc;
	scenario_full_name(sc, form, name, sizeof(name));
	for (reach = scenario_reaches; reach->name && strcmp(reach->name, sc->name) != 0; reach++)
		;
	if (reach->name)
		reach->reset();
	mc_check(name, sc->body, &arg, cfg, res);
	if (reach->name && (res->verdict == MC_PASS_EXHAUSTIVE || res->verdict == MC_PASS_BOUNDED)) {
		const char *what = reach->missing();

		if (what) {
			res->verdict = MC_FAIL;
			snprintf(res->message, sizeof(res->message), "no execution reached %s", what);
		}
	}
	return res->verdict;
}
