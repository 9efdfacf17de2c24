/* Status codes and their messages, and which backend this build links. */
#include "unit_util.h"

#include <stdio.h>

/* Below Meson's 60 s, so a hang is reported by Criterion, which also reaps its worker. */
TestSuite(status, .timeout = UNIT_TIMEOUT_S);

#ifndef SHMPRIM_TEST_BACKEND
#error "build with -DSHMPRIM_TEST_BACKEND=\"<backend>\" (tests/unit/meson.build does)"
#endif

Test(status, codes_have_fixed_values)
{
	/* Returned across the library boundary: renumbering is an ABI break. */
	cr_assert_eq(SHMPRIM_OK, 0);
	cr_assert_eq(SHMPRIM_ERR_NULL_ARGUMENT, 1);
	cr_assert_eq(SHMPRIM_ERR_MISALIGNED, 2);
	cr_assert_eq(SHMPRIM_ERR_REGION_TOO_SMALL, 3);
	cr_assert_eq(SHMPRIM_ERR_BAD_CAPACITY, 4);
	cr_assert_eq(SHMPRIM_ERR_BAD_ENTRY_SIZE, 5);
	cr_assert_eq(SHMPRIM_ERR_BAD_SLOT_COUNT, 6);
	cr_assert_eq(SHMPRIM_ERR_BAD_SLOT_SIZE, 7);
	cr_assert_eq(SHMPRIM_ERR_BAD_MAGIC, 8);
	cr_assert_eq(SHMPRIM_ERR_WRONG_ENDIAN, 9);
	cr_assert_eq(SHMPRIM_ERR_BAD_VERSION, 10);
	cr_assert_eq(SHMPRIM_ERR_BAD_GEOMETRY, 11);
	cr_assert_eq(SHMPRIM_ERR_BAD_CHECKSUM, 12);
	cr_assert_eq(SHMPRIM_ERR_CORRUPT, 13);
	cr_assert_eq(SHMPRIM_ERR_CONTENDED, 14);
	cr_assert_eq(SHMPRIM_ERR_INVALID_INDEX, 15);
	cr_assert_eq(SHMPRIM_ERR_GENERATION_MISMATCH, 16);
	cr_assert_eq(SHMPRIM_ERR_INVALID_STATE, 17);
	cr_assert_eq(SHMPRIM_ERR_NO_MEMORY, 18);
	cr_assert_eq(SHMPRIM_ERR_SYSTEM, 19);
	cr_assert_eq(SHMPRIM_ERR_NOT_SEALED, 20);
	cr_assert_eq(SHMPRIM_ERR_TIMED_OUT, 21);
	cr_assert_eq(SHMPRIM_ERR_PEER_DEAD, 22);
	cr_assert_eq(SHMPRIM_ERR_INVALID_ARGUMENT, 23);
	cr_assert_eq(SHMPRIM_ERR_UNEXPECTED_GEOMETRY, 24);
	cr_assert_eq(SHMPRIM_ERR_OVERLAP, 25);
	cr_assert_eq(SHMPRIM_ERR_WRONG_OWNER, 26);
	cr_assert_eq(SHMPRIM_ERR_INSECURE_MODE, 27);
	cr_assert_eq(SHMPRIM_ERR_PEER_REFUSED, 28);
	cr_assert_eq(SHMPRIM_ERR_PROTOCOL, 29);
	cr_assert_eq(SHMPRIM_ERR_EMPTY, 30);
	cr_assert_eq(SHMPRIM_ERR_FULL, 31);
	cr_assert_eq(SHMPRIM_ERR_END, 32);
	cr_assert_eq(SHMPRIM_ERR_CLOSED, 33);
	cr_assert_eq(SHMPRIM_ERR_CLAIMED, 34);
	cr_assert_eq(SHMPRIM_ERR_CLAIM_LOST, 35);
	cr_assert_eq(SHMPRIM_ERR_MESSAGE_SIZE, 36);
	cr_assert_eq(SHMPRIM_STATUS_COUNT_, 37);
	cr_assert_eq(SHMPRIM_PUSH_OK, 0);
	cr_assert_eq(SHMPRIM_PUSH_WOULD_BLOCK, 1);
	cr_assert_eq(SHMPRIM_PUSH_CORRUPT, 2);
	cr_assert_eq(SHMPRIM_ALLOC_OK, 0);
	cr_assert_eq(SHMPRIM_ALLOC_WOULD_BLOCK, 1);
	cr_assert_eq(SHMPRIM_ALLOC_CORRUPT, 2);
	cr_assert_eq(SHMPRIM_ALLOC_CONTENDED, 3);
}

Test(status, every_code_has_its_own_message)
{
	const char *unknown = shmprim_status_str(SHMPRIM_STATUS_COUNT_);
	int i, j;

	cr_assert_not_null(unknown);
	cr_assert_gt(strlen(unknown), 0);
	for (i = 0; i < SHMPRIM_STATUS_COUNT_; i++) {
		const char *s = shmprim_status_str((shmprim_status)i);

		cr_assert_not_null(s, "status %d has no message", i);
		cr_assert_gt(strlen(s), 0, "status %d has an empty message", i);
		cr_assert_str_neq(s, unknown, "status %d gets the unknown message", i);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(s, shmprim_status_str((shmprim_status)j), "statuses %d and %d share \"%s\"", j, i,
			                  s);
	}
	cr_assert_str_eq(shmprim_status_str(SHMPRIM_OK), "ok");
}

Test(status, out_of_range_values_give_the_unknown_message)
{
	const char *unknown = shmprim_status_str(SHMPRIM_STATUS_COUNT_);
	static const int values[] = { -1, -1000, 1000, 0x7FFFFFFF };
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *s = shmprim_status_str((shmprim_status)values[i]);

		cr_assert_not_null(s, "value %d", values[i]);
		cr_assert_str_eq(s, unknown, "value %d", values[i]);
	}
	cr_assert_str_eq(shmprim_status_str((shmprim_status)(SHMPRIM_STATUS_COUNT_ + 1)), unknown);
}

Test(status, backend_name_is_this_builds)
{
	const char *name = shmprim_backend_name();

	cr_assert_not_null(name);
	cr_assert_str_eq(name, SHMPRIM_TEST_BACKEND, "linked the %s core, built for %s", name, SHMPRIM_TEST_BACKEND);
}

/* One release number everywhere: meson.build, version.h and the loaded library. */
Test(status, version_matches_the_project)
{
	char built[16];

	cr_assert_str_eq(SHMPRIM_VERSION_STRING, SHMPRIM_PROJECT_VERSION, "version.h vs meson.build");
	cr_assert_str_eq(shmprim_version_string(), SHMPRIM_PROJECT_VERSION);
	snprintf(built, sizeof(built), "%d.%d.%d", SHMPRIM_VERSION_MAJOR, SHMPRIM_VERSION_MINOR, SHMPRIM_VERSION_PATCH);
	cr_assert_str_eq(built, SHMPRIM_VERSION_STRING);
	cr_assert_eq(shmprim_version_number(), SHMPRIM_VERSION_NUMBER);
	cr_assert_eq(SHMPRIM_VERSION_NUMBER,
	             SHMPRIM_VERSION_MAJOR * 10000 + SHMPRIM_VERSION_MINOR * 100 + SHMPRIM_VERSION_PATCH);
	cr_assert_eq(SHMPRIM_ABI_VERSION, SHMPRIM_PROJECT_ABI, "version.h vs meson.build's abi_version");
	cr_assert_eq(shmprim_layout_version(), SHMPRIM_LAYOUT_VERSION);
}
