// Boost.Interprocess message_queue for shmprim-ipcbench (ipcbench_boost.h):
// the queue as a user would take it, named, default options, its own
// process-shared mutex and condition variables. Exceptions stop here.
#include "ipcbench_boost.h"

#include <boost/interprocess/ipc/message_queue.hpp>
#include <cstdio>
#include <new>

namespace bi = boost::interprocess;

extern "C" int ipcb_boost_create(const char *name, size_t max_msgs, size_t msg_size, char *err, size_t errlen)
{
	try {
		bi::message_queue::remove(name);
		bi::message_queue q(bi::create_only, name, max_msgs, msg_size);
		return 0;
	} catch (const std::exception &e) {
		std::snprintf(err, errlen, "%s", e.what());
		return -1;
	}
}

extern "C" void *ipcb_boost_open(const char *name)
{
	try {
		return new bi::message_queue(bi::open_only, name);
	} catch (...) {
		return nullptr;
	}
}

extern "C" int ipcb_boost_send(void *q, const void *msg, size_t len)
{
	try {
		static_cast<bi::message_queue *>(q)->send(msg, len, 0);
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" int ipcb_boost_receive(void *q, void *buf, size_t cap, size_t *got)
{
	try {
		bi::message_queue::size_type n = 0;
		unsigned int prio = 0;

		static_cast<bi::message_queue *>(q)->receive(buf, cap, n, prio);
		*got = n;
		return 0;
	} catch (...) {
		return -1;
	}
}

extern "C" int ipcb_boost_try_receive(void *q, void *buf, size_t cap, size_t *got)
{
	try {
		bi::message_queue::size_type n = 0;
		unsigned int prio = 0;

		if (!static_cast<bi::message_queue *>(q)->try_receive(buf, cap, n, prio))
			return 0;
		*got = n;
		return 1;
	} catch (...) {
		return -1;
	}
}

extern "C" void ipcb_boost_close(void *q)
{
	delete static_cast<bi::message_queue *>(q);
}

extern "C" void ipcb_boost_remove(const char *name)
{
	bi::message_queue::remove(name);
}
