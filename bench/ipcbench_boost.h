/*
 * shmprim-ipcbench's Boost.Interprocess message_queue row, behind a C face
 * (ipcbench_boost.cpp, built only where the Boost headers are found).
 */
#ifndef SHMPRIM_BENCH_IPCBENCH_BOOST_H
#define SHMPRIM_BENCH_IPCBENCH_BOOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Creates the named queue (removing a stale one of that name) and closes it
 * again: 0, or -1 with why in err. */
int ipcb_boost_create(const char *name, size_t max_msgs, size_t msg_size, char *err, size_t errlen);
/* Opens it in this process: a handle, or NULL. */
void *ipcb_boost_open(const char *name);
/* Blocking send and receive: 0, or -1 (an exception). *got: the length received. */
int ipcb_boost_send(void *q, const void *msg, size_t len);
int ipcb_boost_receive(void *q, void *buf, size_t cap, size_t *got);
/* 1 when a message was there, 0 when the queue was empty, -1 on an exception. */
int ipcb_boost_try_receive(void *q, void *buf, size_t cap, size_t *got);
void ipcb_boost_close(void *q);
void ipcb_boost_remove(const char *name);

#ifdef __cplusplus
}
#endif

#endif
