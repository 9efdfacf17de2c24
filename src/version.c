/* The run-time half of include/shmprim/version.h. */
#include <shmprim/layout.h>
#include <shmprim/version.h>

const char *shmprim_version_string(void)
{
	return SHMPRIM_VERSION_STRING;
}

int shmprim_version_number(void)
{
	return SHMPRIM_VERSION_NUMBER;
}

unsigned shmprim_layout_version(void)
{
	return SHMPRIM_LAYOUT_VERSION;
}
