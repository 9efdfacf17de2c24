/** @file
 * shmprim: lock-free primitives for shared-memory IPC. The one header to include. */
#ifndef SHMPRIM_H
#define SHMPRIM_H

#include <shmprim/version.h>
#include <shmprim/status.h>
#include <shmprim/region.h>
#include <shmprim/layout.h>
#include <shmprim/spsc.h>
#include <shmprim/slab.h>

#endif
