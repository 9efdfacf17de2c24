/* OS shared-memory regions: memfd and POSIX shm (include/shmprim/shm.h). */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */

#include <shmprim/shm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

static void reset(shmprim_shm *shm, unsigned flags)
{
	shm->base = NULL;
	shm->len = 0;
	shm->fd = -1;
	shm->flags = flags;
	shm->sys_errno = 0;
	shm->sys_call = NULL;
	shm->map_base = NULL;
	shm->map_len = 0;
}

/* Records the failed call and keeps errno as it was for the caller. */
static shmprim_status os_fail(shmprim_shm *shm, const char *call)
{
	int e = errno;

	shm->sys_errno = e;
	shm->sys_call = call;
	errno = e;
	return SHMPRIM_ERR_SYSTEM;
}

/* Closes what a failed create/open had made without losing its errno. */
static shmprim_status abandon(shmprim_shm *shm, shmprim_status st)
{
	int e = errno, saved = shm->sys_errno;
	const char *call = shm->sys_call;

	if (shm->map_base)
		munmap(shm->map_base, shm->map_len);
	if (shm->fd >= 0)
		close(shm->fd);
	reset(shm, shm->flags);
	shm->sys_errno = saved;
	shm->sys_call = call;
	errno = e;
	return st;
}

static int len_ok(size_t len)
{
	return len != 0 && len <= SHMPRIM_SHM_MAX_SIZE;
}

/* Maps shm->fd's first len bytes, between guard pages if asked. */
static shmprim_status map_fd(shmprim_shm *shm, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	if (shm->flags & SHMPRIM_SHM_GUARD_PAGES) {
		size_t span = (len + page - 1) / page * page;
		unsigned char *r;

		/* Reserve [guard | region rounded to pages | guard], then put the
		 * file over the middle: the guards stay PROT_NONE. */
		r = mmap(NULL, span + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED)
			return os_fail(shm, "mmap");
		shm->map_base = r;
		shm->map_len = span + 2 * page;
		p = mmap(r + page, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, shm->fd, 0);
		if (p == MAP_FAILED)
			return os_fail(shm, "mmap");
		/* mmap rounds len up to a page with file-backed bytes; the guard
		 * starts after that, so the region's last partial page is usable
		 * but cannot reach the guard by more than the rounding. */
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, shm->fd, 0);
		if (p == MAP_FAILED)
			return os_fail(shm, "mmap");
		shm->map_base = p;
		shm->map_len = len;
	}
	shm->base = p;
	shm->len = len;
	return SHMPRIM_OK;
}

/* The object's size, checked to be mappable as a whole. */
static shmprim_status size_of_fd(shmprim_shm *shm, size_t *len)
{
	struct stat st;

	if (fstat(shm->fd, &st) != 0)
		return os_fail(shm, "fstat");
	if (st.st_size <= 0)
		return SHMPRIM_ERR_REGION_TOO_SMALL;
	if ((uint64_t)st.st_size > (uint64_t)SHMPRIM_SHM_MAX_SIZE)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	*len = (size_t)st.st_size;
	return SHMPRIM_OK;
}

shmprim_status shmprim_shm_create_memfd(shmprim_shm *out, const char *name, size_t len, unsigned flags)
{
	shmprim_status st;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	reset(out, flags);
	if (!len_ok(len))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	out->fd = memfd_create(name ? name : "shmprim", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (out->fd < 0)
		return abandon(out, os_fail(out, "memfd_create"));
	if (ftruncate(out->fd, (off_t)len) != 0)
		return abandon(out, os_fail(out, "ftruncate"));
	/* Size fixed for good, and no one may add seals later (a peer adding
	 * F_SEAL_FUTURE_WRITE would stop new writable mappings). */
	if (fcntl(out->fd, F_ADD_SEALS, SIZE_SEALS | F_SEAL_SEAL) != 0)
		return abandon(out, os_fail(out, "fcntl(F_ADD_SEALS)"));
	st = map_fd(out, len);
	if (st != SHMPRIM_OK)
		return abandon(out, st);
	return SHMPRIM_OK;
}

shmprim_status shmprim_shm_open_fd(shmprim_shm *out, int fd, unsigned flags)
{
	shmprim_status st;
	size_t len;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	reset(out, flags);
	if (fd < 0)
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	out->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (out->fd < 0)
		return abandon(out, os_fail(out, "fcntl(F_DUPFD_CLOEXEC)"));
	if (!(flags & SHMPRIM_SHM_ALLOW_UNSEALED)) {
		int seals = fcntl(out->fd, F_GET_SEALS);

		if (seals < 0) {
			/* EINVAL: not a file that supports sealing, so not sealed. */
			if (errno != EINVAL)
				return abandon(out, os_fail(out, "fcntl(F_GET_SEALS)"));
			return abandon(out, SHMPRIM_ERR_NOT_SEALED);
		}
		if ((seals & SIZE_SEALS) != SIZE_SEALS)
			return abandon(out, SHMPRIM_ERR_NOT_SEALED);
	}
	/* Sealed, so this size is the size for good. */
	st = size_of_fd(out, &len);
	if (st == SHMPRIM_OK)
		st = map_fd(out, len);
	if (st != SHMPRIM_OK)
		return abandon(out, st);
	return SHMPRIM_OK;
}

static int name_ok(const char *name)
{
	size_t n;

	if (!name || name[0] != '/')
		return 0;
	n = strlen(name);
	return n > 1 && n < 255 && !strchr(name + 1, '/');
}

shmprim_status shmprim_shm_create_named(shmprim_shm *out, const char *name, size_t len, unsigned mode,
                                        unsigned flags)
{
	shmprim_status st;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	reset(out, flags);
	if (!name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!name_ok(name) || !len_ok(len))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (mode == 0)
		mode = SHMPRIM_SHM_DEFAULT_MODE;
	out->fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)(mode & 0777));
	if (out->fd < 0)
		return abandon(out, os_fail(out, "shm_open"));
	if (ftruncate(out->fd, (off_t)len) != 0) {
		st = os_fail(out, "ftruncate");
		shm_unlink(name); /* ours: made just now, exclusively */
		return abandon(out, st);
	}
	st = map_fd(out, len);
	if (st != SHMPRIM_OK) {
		shm_unlink(name);
		return abandon(out, st);
	}
	return SHMPRIM_OK;
}

/* Who made the object behind shm->fd: checked on the open fd (fstat), so a
 * name swapped after the check cannot slip in. glibc's shm_open opens with
 * O_NOFOLLOW, so a symlink planted under /dev/shm is refused by the open. */
static shmprim_status owner_ok(shmprim_shm *shm, unsigned expected_uid, unsigned flags)
{
	struct stat st;

	if (fstat(shm->fd, &st) != 0)
		return os_fail(shm, "fstat");
	if (!S_ISREG(st.st_mode))
		return SHMPRIM_ERR_INSECURE_MODE;
	if ((unsigned)st.st_uid != expected_uid)
		return SHMPRIM_ERR_WRONG_OWNER;
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(flags & SHMPRIM_SHM_ALLOW_SHARED_MODE))
		return SHMPRIM_ERR_INSECURE_MODE;
	return SHMPRIM_OK;
}

shmprim_status shmprim_shm_open_named(shmprim_shm *out, const char *name, unsigned flags)
{
	return shmprim_shm_open_named_owned(out, name, (unsigned)geteuid(), flags);
}

shmprim_status shmprim_shm_open_named_owned(shmprim_shm *out, const char *name, unsigned expected_uid,
                                            unsigned flags)
{
	shmprim_status st;
	size_t len;

	if (!out)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	reset(out, flags);
	if (!name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!name_ok(name))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	out->fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
	if (out->fd < 0)
		return abandon(out, os_fail(out, "shm_open"));
	st = owner_ok(out, expected_uid, flags);
	if (st == SHMPRIM_OK)
		st = size_of_fd(out, &len);
	if (st == SHMPRIM_OK)
		st = map_fd(out, len);
	if (st != SHMPRIM_OK)
		return abandon(out, st);
	return SHMPRIM_OK;
}

shmprim_status shmprim_shm_unlink_named(const char *name, int *sys_errno)
{
	if (sys_errno)
		*sys_errno = 0;
	if (!name)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	if (!name_ok(name))
		return SHMPRIM_ERR_INVALID_ARGUMENT;
	if (shm_unlink(name) != 0) {
		if (sys_errno)
			*sys_errno = errno;
		return SHMPRIM_ERR_SYSTEM;
	}
	return SHMPRIM_OK;
}

shmprim_status shmprim_shm_close(shmprim_shm *shm)
{
	shmprim_status st = SHMPRIM_OK;
	unsigned flags;

	if (!shm)
		return SHMPRIM_ERR_NULL_ARGUMENT;
	flags = shm->flags;
	if (shm->map_base && munmap(shm->map_base, shm->map_len) != 0)
		st = os_fail(shm, "munmap");
	shm->map_base = NULL;
	if (shm->fd >= 0 && close(shm->fd) != 0 && st == SHMPRIM_OK)
		st = os_fail(shm, "close");
	if (st == SHMPRIM_OK) {
		reset(shm, flags);
	} else {
		int e = shm->sys_errno;
		const char *call = shm->sys_call;

		reset(shm, flags);
		shm->sys_errno = e;
		shm->sys_call = call;
	}
	return st;
}

shmprim_region shmprim_shm_region(const shmprim_shm *shm)
{
	return shmprim_region_from_raw(shm ? shm->base : NULL, shm ? shm->len : 0);
}
