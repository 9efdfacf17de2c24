/*
 * Median, min and max of one row's passes (see stats.h).
 */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

stat3 stats_of(const double *v, int n)
{
	double s[MAX_RUNS];
	stat3 st;

	memset(&st, 0, sizeof(st));
	if (n <= 0)
		return st;
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	st.min = s[0];
	st.max = s[n - 1];
	st.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	st.ok = 1;
	return st;
}
