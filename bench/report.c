/*
 * The report (see report.h). A row with any error is printed FAILED (NO DATA
 * if it could not run) and left out of the JSON.
 */
#include "report.h"

#include "impls.h"
#include "options.h"

#include <sys/utsname.h>

FILE *json_out;

void json_line(const char *wl, const char *impl, const char *backend, const char *param, double med, double min,
               double max, const char *unit)
{
	if (!json_out)
		return;
	fprintf(json_out,
	        "{\"workload\": \"%s\", \"impl\": \"%s\", \"backend\": \"%s\", \"param\": \"%s\", "
	        "\"median\": %.4g, \"min\": %.4g, \"max\": %.4g, \"unit\": \"%s\"}\n",
	        wl, impl, backend, param, med, min, max, unit);
}

static void print_row_line(const row *r, const char *suffix, const double *v)
{
	stat3 st = stats_of(v, r->n);
	char param[96];

	snprintf(param, sizeof(param), "%s%s", r->param, suffix);
	if (!row_ok(r)) {
		printf("%-19s %-9s %-25s %10s  (%llu errors, %d failed runs)\n", r->impl, r->backend, param,
		       r->errors ? "FAILED" : "NO DATA", (unsigned long long)r->errors, r->setup_failures);
		return;
	}
	printf("%-19s %-9s %-25s %10.1f %10.1f %10.1f  %s\n", r->impl, r->backend, param, st.median, st.min, st.max,
	       r->unit);
	json_line(r->workload, r->impl, r->backend, param, st.median, st.min, st.max, r->unit);
}

void print_workload(const workload *w)
{
	int i;

	printf("\n== %s: %s ==\n", w->name, w->title);
	printf("bare cache-line bounce before it: %.0f ns round trip (cpu%d <-> cpu%d); other processes used %.1f%% "
	       "of the CPUs meanwhile%s\n",
	       w->bounce[0], opt.cpu[0], opt.cpu[1], w->others_pct,
	       w->others_pct > 5 ? " (figures disturbed: compare ratios only)" : "");
	printf("passes: %d; kept %d, all in one mode (bounce ~%.0f ns before each)", w->npass, w->nkept, w->mode_bounce);
	if (w->npass > w->nkept)
		printf("; %d in another mode dropped", w->npass - w->nkept);
	printf("\n");
	printf("%-19s %-9s %-25s %10s %10s %10s  %s\n", "impl", "backend", "param", "median", "min", "max", "unit");
	for (i = w->first; i < w->first + w->count; i++) {
		const row *r = &rows[i];

		if (r->kind == K_RTT) {
			print_row_line(r, " p50", r->v);
			print_row_line(r, " p99", r->v99);
		} else {
			print_row_line(r, "", r->v);
		}
	}
	fflush(stdout);
}

static void json_string(FILE *f, const char *str)
{
	fputc('"', f);
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			fprintf(f, "\\%c", *str);
		else if ((unsigned char)*str < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*str);
		else
			fputc(*str, f);
	}
	fputc('"', f);
}

/* Printed on every run, "none" included, so a reader (or a script) never has
 * to infer an absent implementation from a row that is not there. */
void print_absent(void)
{
	int i;

	printf("\n== absent: implementations expected but not in this run ==\n");
	if (nabsent == 0)
		printf("  none\n");
	for (i = 0; i < nabsent; i++) {
		printf("  %-19s %-7s %s\n", absent[i].impl, absent[i].backend, absent[i].why);
		if (!json_out)
			continue;
		fprintf(json_out, "{\"workload\": \"absent\", \"impl\": ");
		json_string(json_out, absent[i].impl);
		fprintf(json_out, ", \"backend\": ");
		json_string(json_out, absent[i].backend);
		fprintf(json_out, ", \"param\": \"\", \"reason\": ");
		json_string(json_out, absent[i].why);
		fprintf(json_out, "}\n");
	}
}

void print_machine(void)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	FILE *f = fopen("/proc/cpuinfo", "r");
	double load[3] = {0, 0, 0};

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0) {
			char *p = strchr(line, ':');

			snprintf(model, sizeof(model), "%s", p ? p + 2 : line);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	getloadavg(load, 3);
	printf("shmprim-bench %s: %s, %ld online CPUs, %s %s; compiler %s\n", opt.quick ? "--quick" : "(full)", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.sysname, u.release, __VERSION__);
	printf("pinned to cpu%d (producer / pinger) and cpu%d (consumer / echoer); %d runs after a warm-up; "
	       "load average %.2f; TSC %.3f ticks/ns\n",
	       opt.cpu[0], opt.cpu[1], opt.runs, load[0], opt.ticks_per_ns);
	if (nabsent)
		printf("absent: %d expected implementation%s (listed at the end, with why)\n", nabsent,
		       nabsent == 1 ? "" : "s");
}
