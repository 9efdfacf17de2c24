/** @file
 * Which shmprim this is, at compile time (the macros) and at run time (the
 * calls, answered by the library actually loaded). Three numbers move
 * independently; docs/compatibility.md says when each changes:
 *   SHMPRIM_VERSION_*       the release (API: additions in a minor release)
 *   SHMPRIM_ABI_VERSION     the soname's number (libshmprim.so.N), bumped on
 *                           every incompatible binary change
 *   SHMPRIM_LAYOUT_VERSION  the shared-memory layout (layout.h); attach
 *                           accepts exactly this version
 */
#ifndef SHMPRIM_VERSION_H
#define SHMPRIM_VERSION_H

#include <shmprim/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The release's major number. */
#define SHMPRIM_VERSION_MAJOR 0
/** The release's minor number (API additions). */
#define SHMPRIM_VERSION_MINOR 1
/** The release's patch number. */
#define SHMPRIM_VERSION_PATCH 0
/** The release as a string, "MAJOR.MINOR.PATCH". */
#define SHMPRIM_VERSION_STRING "0.1.0"
/** major * 10000 + minor * 100 + patch: compare with `#if SHMPRIM_VERSION_NUMBER >= 100` */
#define SHMPRIM_VERSION_NUMBER \
	(SHMPRIM_VERSION_MAJOR * 10000 + SHMPRIM_VERSION_MINOR * 100 + SHMPRIM_VERSION_PATCH)
/** The soname's number (libshmprim.so.N): bumped on every incompatible binary change. */
#define SHMPRIM_ABI_VERSION 1

/** The release of the library loaded at run time, e.g. "0.1.0".
 * @return a static string, never NULL */
SHMPRIM_API const char *shmprim_version_string(void);
/** The same as SHMPRIM_VERSION_NUMBER was when the loaded library was built.
 * @return major * 10000 + minor * 100 + patch of the loaded library */
SHMPRIM_API int shmprim_version_number(void);
/** The shared-memory layout version the loaded library writes and attaches.
 * @return SHMPRIM_LAYOUT_VERSION as the loaded library was built with it */
SHMPRIM_API unsigned shmprim_layout_version(void);

#ifdef __cplusplus
}
#endif

#endif
