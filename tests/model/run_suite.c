/*
 * The real-code model suite: every scenario of one table (argv[1]: ring,
 * slab, channel, wait, ready or fanin), in both forms where it has two, must pass. TAP output: one test point per scenario
 * and form, with the verdict, executions explored and time in its line.
 * MC_TEST selects scenarios by full name ("ring_concurrent[raw]") or pattern.
 */
#include <stdio.h>
#include <string.h>

#include "scenarios.h"

int main(int argc, char **argv)
{
	const scenario *table, *sc;
	int planned = 0, n = 0, failed = 0, f;

	if (argc != 2 || (strcmp(argv[1], "ring") != 0 && strcmp(argv[1], "slab") != 0 &&
	                  strcmp(argv[1], "channel") != 0 && strcmp(argv[1], "wait") != 0 &&
	                  strcmp(argv[1], "ready") != 0 && strcmp(argv[1], "fanin") != 0)) {
		fprintf(stderr, "usage: %s ring|slab|channel|wait|ready|fanin\n", argv[0]);
		return 2;
	}
	table = strcmp(argv[1], "ring") == 0    ? ring_scenarios
	      : strcmp(argv[1], "slab") == 0    ? slab_scenarios
	      : strcmp(argv[1], "wait") == 0    ? wait_scenarios
	      : strcmp(argv[1], "ready") == 0   ? ready_scenarios
	      : strcmp(argv[1], "fanin") == 0   ? fanin_scenarios
	                                        : channel_scenarios;
	for (sc = table; sc->name; sc++)
		for (f = 0; f < (sc->single_form ? 1 : 2); f++) {
			char name[96];

			scenario_full_name(sc, sc->single_form ? FX_REGION : (fx_form)f, name, sizeof(name));
			planned += mc_selected(name);
		}
	printf("1..%d\n", planned);
	mc_set_tap(true);
	for (sc = table; sc->name; sc++) {
		for (f = 0; f < (sc->single_form ? 1 : 2); f++) {
			fx_form form = sc->single_form ? FX_REGION : (fx_form)f;
			char name[96];
			mc_config cfg;
			mc_result res;

			scenario_full_name(sc, form, name, sizeof(name));
			if (!mc_selected(name))
				continue;
			mc_config_init(&cfg, sc->tier);
			scenario_run(sc, form, &cfg, &res);
			n++;
			if (res.verdict == MC_PASS_EXHAUSTIVE || res.verdict == MC_PASS_BOUNDED) {
				printf("ok %d - %s # %s, %llu executions, %.2f s\n", n, name, mc_verdict_str(res.verdict),
				       (unsigned long long)res.executions, res.seconds);
			} else {
				failed++;
				printf("not ok %d - %s # %s%s%s\n", n, name, mc_verdict_str(res.verdict),
				       res.verdict == MC_FAIL ? ": " : "", res.verdict == MC_FAIL ? res.message : "");
			}
			fflush(stdout);
		}
	}
	return failed ? 1 : 0;
}
