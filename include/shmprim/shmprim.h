/** @file
 * shmprim: lock-free primitives for shared-memory IPC. The one header to include:
 * every public header but the opt-in static/ ones. */
#ifndef SHMPRIM_H
#define SHMPRIM_H

#include <shmprim/version.h>
#include <shmprim/status.h>
#include <shmprim/region.h>
#include <shmprim/layout.h>
#include <shmprim/spsc.h>
#include <shmprim/slab.h>
#include <shmprim/shm.h>
#include <shmprim/wait.h>
#include <shmprim/rendezvous.h>
#include <shmprim/claim.h>
#include <shmprim/channel.h>
#include <shmprim/ready.h>

#endif
