/*
 * Reads the goals file (see goals.h; its format is at the top of
 * bench/goals.txt) into goals[]. The whole file is read and checked before
 * anything is measured, so a malformed line costs no run, and the error names
 * the file and the line: there is no default to fall back on.
 */
#include "goals.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 512
#define MAX_DEPTH 4
#define LINE_MAX_LEN 512

goal goals[MAX_GOALS];
int ngoals;

/* the file's meaningful lines (comments and blank lines dropped), trimmed */
static struct {
	int no;
	char text[LINE_MAX_LEN];
	int end;                /* an "each" line: the index of its "end" */
} lines[MAX_LINES];
static int nlines;

/* the values of the blocks being expanded, innermost last */
static struct {
	char name[32];
	const char *value;
} vars[MAX_DEPTH];
static int nvars;

static const char *goals_path;

static int malformed(int no, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "shmprim-bench: %s:%d: ", goals_path, no);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int starts_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	return strncmp(s, word, n) == 0 && (s[n] == '\0' || isspace((unsigned char)s[n]));
}

/* in with every {NAME} replaced by its block's value, into out */
static int substitute(int no, const char *in, char *out, size_t len)
{
	size_t o = 0;

	while (*in) {
		const char *v = NULL, *close;
		size_t n;
		int k;

		if (*in != '{') {
			if (o + 1 >= len)
				return malformed(no, "a field is longer than %zu characters", len - 1);
			out[o++] = *in++;
			continue;
		}
		close = strchr(in, '}');
		if (!close)
			return malformed(no, "'{' without '}'");
		n = (size_t)(close - in - 1);
		for (k = nvars - 1; k >= 0 && !v; k--)
			if (strlen(vars[k].name) == n && strncmp(vars[k].name, in + 1, n) == 0)
				v = vars[k].value;
		if (!v)
			return malformed(no, "{%.*s} is not the name of an enclosing each block", (int)n, in + 1);
		if (o + strlen(v) >= len)
			return malformed(no, "a field is longer than %zu characters", len - 1);
		memcpy(out + o, v, strlen(v));
		o += strlen(v);
		in = close + 1;
	}
	out[o] = '\0';
	return 0;
}

static int is_workload(const char *name)
{
	static const char *const known[] = {"spsc-tput", "rtt", "ipc", "slab", "entry-size"};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return 1;
	return 0;
}

static int copy_part(int no, const char *field, char *out, size_t len, const char *part, const char *value)
{
	if (!*value)
		return malformed(no, "%s: the %s is empty (WORKLOAD:IMPL:BACKEND:PARAM)", field, part);
	if (strlen(value) >= len)
		return malformed(no, "%s: %s '%s' is longer than %zu characters", field, part, value, len - 1);
	snprintf(out, len, "%s", value);
	return 0;
}

/* WORKLOAD:IMPL:BACKEND:PARAM, or WORKLOAD:*best-peer:-:PARAM where allowed */
static int parse_rowref(int no, const char *field, const char *text, rowref *r, int best_peer_allowed)
{
	char buf[LINE_MAX_LEN], *part[4], *p = buf;
	int n;

	snprintf(buf, sizeof(buf), "%s", text);
	for (n = 0; n < 4; n++) {
		part[n] = p;
		p = n < 3 ? strchr(p, ':') : NULL;
		if (n < 3 && !p)
			return malformed(no, "%s '%s' is not WORKLOAD:IMPL:BACKEND:PARAM", field, text);
		if (p)
			*p++ = '\0';
	}
	for (n = 0; n < 4; n++)
		part[n] = trim(part[n]);
	if (!is_workload(part[0]))
		return malformed(no, "%s: unknown workload '%s' (spsc-tput, rtt, ipc, slab, entry-size)", field, part[0]);
	if (copy_part(no, field, r->workload, sizeof(r->workload), "workload", part[0]) ||
	    copy_part(no, field, r->impl, sizeof(r->impl), "impl", part[1]) ||
	    copy_part(no, field, r->backend, sizeof(r->backend), "backend", part[2]) ||
	    copy_part(no, field, r->param, sizeof(r->param), "param", part[3]))
		return -1;
	r->best_peer = strcmp(r->impl, "*best-peer") == 0;
	if (r->best_peer && !best_peer_allowed)
		return malformed(no, "%s: *best-peer is only for the row against", field);
	if (r->best_peer && strcmp(r->backend, "-") != 0)
		return malformed(no, "%s: *best-peer takes backend '-', not '%s'", field, r->backend);
	return 0;
}

static int parse_number(int no, const char *text, double *x)
{
	char *end;

	errno = 0;
	*x = strtod(text, &end);
	if (end == text || *trim(end) || errno || !(*x > 0))
		return malformed(no, "goal: '%s' is not a positive number", text);
	return 0;
}

static int add_goal(int no, const char *text)
{
	char buf[LINE_MAX_LEN], sub[6][LINE_MAX_LEN], *field[6], *p = buf;
	static const char *const names[] = {"what", "param", "row", "against", "goal", "if against is missing"};
	goal *g;
	int n;

	snprintf(buf, sizeof(buf), "%s", text);
	for (n = 0; p; n++) {
		if (n == 6)
			return malformed(no, "more than 6 fields (what | param | row | against | goal | "
			                     "if against is missing)");
		field[n] = p;
		p = strchr(p, '|');
		if (p)
			*p++ = '\0';
	}
	if (n != 6)
		return malformed(no, "%d field%s, not 6 (what | param | row | against | goal | if against is missing)", n,
		                 n == 1 ? "" : "s");
	for (n = 0; n < 6; n++) {
		if (substitute(no, trim(field[n]), sub[n], sizeof(sub[n])) != 0)
			return -1;
		if (!sub[n][0])
			return malformed(no, "the field '%s' is empty", names[n]);
	}
	if (ngoals == MAX_GOALS)
		return malformed(no, "more than %d goals", MAX_GOALS);
	g = &goals[ngoals];
	memset(g, 0, sizeof(*g));
	if (strlen(sub[0]) >= sizeof(g->what) || strlen(sub[1]) >= sizeof(g->param))
		return malformed(no, "%s longer than %zu characters", strlen(sub[0]) >= sizeof(g->what) ? "what" : "param",
		                 (strlen(sub[0]) >= sizeof(g->what) ? sizeof(g->what) : sizeof(g->param)) - 1);
	snprintf(g->what, sizeof(g->what), "%s", sub[0]);
	snprintf(g->param, sizeof(g->param), "%s", sub[1]);
	if (parse_rowref(no, "row", sub[2], &g->a, 0) || parse_rowref(no, "against", sub[3], &g->b, 1))
		return -1;
	if (strncmp(sub[4], ">=", 2) == 0 || strncmp(sub[4], "<=", 2) == 0) {
		g->rel = sub[4][0] == '>' ? REL_AT_LEAST : REL_AT_MOST;
		if (parse_number(no, trim(sub[4] + 2), &g->x))
			return -1;
	} else if (starts_word(sub[4], "within")) {
		g->rel = REL_WITHIN;
		if (parse_number(no, trim(sub[4] + 6), &g->x))
			return -1;
		if (g->x >= 1)
			return malformed(no, "goal: within %s: the tolerance must be below 1", trim(sub[4] + 6));
	} else if (strcmp(sub[4], "documented") == 0) {
		g->rel = REL_DOCUMENTED;
	} else {
		return malformed(no, "goal '%s' is none of '>= X', '<= X', 'within T', 'documented'", sub[4]);
	}
	if (g->b.best_peer && g->rel != REL_AT_LEAST && g->rel != REL_AT_MOST)
		return malformed(no, "against *best-peer needs a '>= X' or '<= X' goal (which peer is best depends on it)");
	if (strcmp(sub[5], "skip") == 0)
		g->skip_missing = 1;
	else if (strcmp(sub[5], "n/a") != 0)
		return malformed(no, "'%s': if against is missing, 'n/a' or 'skip'", sub[5]);
	ngoals++;
	return 0;
}

/* "each NAME = V1, V2, ...": the values, split in place into values[] */
static int parse_each(int no, char *text, char *name, size_t name_len, char **values, int *nvalues, int max)
{
	char *eq = strchr(text, '='), *v, *save = NULL, *n;

	if (!eq)
		return malformed(no, "'each' needs NAME = V1, V2, ...");
	*eq = '\0';
	n = trim(text + 4);
	if (!*n || strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(n) || isdigit((unsigned char)*n))
		return malformed(no, "each: '%s' is not a name (lower-case letters, digits, _)", n);
	if (strlen(n) >= name_len)
		return malformed(no, "each: the name '%s' is longer than %zu characters", n, name_len - 1);
	snprintf(name, name_len, "%s", n);
	*nvalues = 0;
	if (strstr(eq + 1, ",,") || *trim(eq + 1) == ',' || eq[1 + strlen(eq + 1) - 1] == ',')
		return malformed(no, "each %s: an empty value", name);
	for (v = strtok_r(eq + 1, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		v = trim(v);
		if (!*v)
			return malformed(no, "each %s: an empty value", name);
		if (*nvalues == max)
			return malformed(no, "each %s: more than %d values", name, max);
		values[(*nvalues)++] = v;
	}
	if (*nvalues == 0)
		return malformed(no, "each %s: no values", name);
	return 0;
}

/* Adds the goals of lines[from .. to - 1], expanding their blocks. */
static int expand(int from, int to)
{
	int i, k, v;

	for (i = from; i < to; i++) {
		char text[LINE_MAX_LEN], name[32], *values[64];
		int nvalues = 0;

		if (!starts_word(lines[i].text, "each")) {
			if (add_goal(lines[i].no, lines[i].text) != 0)
				return -1;
			continue;
		}
		snprintf(text, sizeof(text), "%s", lines[i].text);
		if (parse_each(lines[i].no, text, name, sizeof(name), values, &nvalues, 64) != 0)
			return -1;
		for (k = 0; k < nvars; k++)
			if (strcmp(vars[k].name, name) == 0)
				return malformed(lines[i].no, "each %s: inside a block of the same name", name);
		snprintf(vars[nvars].name, sizeof(vars[0].name), "%s", name);
		nvars++;
		for (v = 0; v < nvalues; v++) {
			vars[nvars - 1].value = values[v];
			if (expand(i + 1, lines[i].end) != 0)
				return -1;
		}
		nvars--;
		i = lines[i].end;
	}
	return 0;
}

int load_goals(const char *path)
{
	char buf[LINE_MAX_LEN + 2];
	int stack[MAX_DEPTH], depth = 0, no = 0, rc;
	FILE *f = fopen(path, "r");

	goals_path = path;
	if (!f) {
		fprintf(stderr, "shmprim-bench: cannot read the goals file %s: %s (--goals FILE names another)\n", path,
		        strerror(errno));
		return -1;
	}
	ngoals = nlines = nvars = 0;
	rc = 0;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		char *t;
		int whole;

		no++;
		whole = strchr(buf, '\n') || feof(f);
		t = trim(buf);
		if (!whole || strlen(t) >= LINE_MAX_LEN) {
			rc = malformed(no, "longer than %d characters", LINE_MAX_LEN - 1);
			break;
		}
		if (!*t || *t == '#')
			continue;
		if (nlines == MAX_LINES) {
			rc = malformed(no, "more than %d lines of goals", MAX_LINES);
			break;
		}
		lines[nlines].no = no;
		snprintf(lines[nlines].text, sizeof(lines[0].text), "%s", t);
		lines[nlines].end = -1;
		if (starts_word(t, "each")) {
			if (depth == MAX_DEPTH)
				rc = malformed(no, "each blocks nested more than %d deep", MAX_DEPTH);
			else
				stack[depth++] = nlines;
		} else if (strcmp(t, "end") == 0) {
			if (depth == 0)
				rc = malformed(no, "'end' without an 'each'");
			else
				lines[stack[--depth]].end = nlines;
		} else if (starts_word(t, "end")) {
			rc = malformed(no, "'end' takes nothing after it");
		}
		nlines++;
	}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "shmprim-bench: cannot read the goals file %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc == 0 && depth > 0)
		rc = malformed(lines[stack[depth - 1]].no, "'each' without its 'end'");
	if (rc == 0)
		rc = expand(0, nlines);
	if (rc == 0 && ngoals == 0) {
		fprintf(stderr, "shmprim-bench: %s: no goals in it\n", path);
		rc = -1;
	}
	return rc;
}
