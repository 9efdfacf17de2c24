/* OS shared-memory regions: memfd, named shm, seals, guard pages, errors. */
#include "ipc_common.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u

static void name_for(char *buf, size_t n, const char *what)
{
	snprintf(buf, n, "/shmprim-test-%d-%s-%s", (int)getpid(), shmprim_backend_name(), what);
}

Test(shm, memfd_is_zeroed_sealed_and_mapped)
{
	shmprim_shm s;
	unsigned char *p;
	size_t i;
	int seals;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&s, "t", 3 * PAGE + 5, 0), SHMPRIM_OK);
	cr_assert_not_null(s.base);
	cr_assert_eq(s.len, 3 * PAGE + 5);
	cr_assert_eq((uintptr_t)s.base % PAGE, 0);
	cr_assert_geq(s.fd, 0);
	cr_assert_eq(s.sys_errno, 0);
	p = s.base;
	for (i = 0; i < s.len; i++)
		cr_assert_eq(p[i], 0, "byte %zu", i);
	seals = fcntl(s.fd, F_GET_SEALS);
	cr_assert_eq(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL,
	             "seals 0x%x", seals);
	cr_assert_eq(fcntl(s.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* The attacks the seals exist for. */
	errno = 0;
	cr_assert_eq(ftruncate(s.fd, 0), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(ftruncate(s.fd, 16 * PAGE), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_eq(fcntl(s.fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
	cr_assert_eq(errno, EPERM);
	p[s.len - 1] = 0xAB;
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);
	cr_assert_null(s.base);
	cr_assert_eq(s.fd, -1);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK, "closing twice is a no-op");
}

Test(shm, open_fd_sees_the_same_bytes_through_another_mapping)
{
	shmprim_shm a, b;
	int fd;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&a, NULL, 2 * PAGE, 0), SHMPRIM_OK);
	fd = dup(a.fd);
	cr_assert_eq(shmprim_shm_open_fd(&b, fd, 0), SHMPRIM_OK);
	close(fd); /* open_fd keeps its own duplicate */
	cr_assert_neq(b.fd, fd);
	cr_assert_eq(b.len, 2 * PAGE, "size comes from fstat");
	cr_assert_neq(a.base, b.base);
	((volatile unsigned char *)a.base)[PAGE + 7] = 42;
	cr_assert_eq(((volatile unsigned char *)b.base)[PAGE + 7], 42);
	cr_assert_eq(shmprim_shm_region(&b).base, b.base);
	cr_assert_eq(shmprim_shm_region(&b).len, b.len);
	cr_assert_eq(shmprim_shm_close(&b), SHMPRIM_OK);
	cr_assert_eq(shmprim_shm_region(&b).base, NULL);
	cr_assert_eq(shmprim_shm_region(&b).len, 0);
	cr_assert_eq(shmprim_shm_close(&a), SHMPRIM_OK);
}

Test(shm, open_fd_refuses_unsealed_memory_unless_asked)
{
	shmprim_shm s;
	int fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int half = memfd_create("half", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int nosealing = memfd_create("nosealing", MFD_CLOEXEC);
	FILE *tmp = tmpfile();
	int pipefd[2];

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, PAGE), 0);
	cr_assert_eq(shmprim_shm_open_fd(&s, fd, 0), SHMPRIM_ERR_NOT_SEALED);
	cr_assert_eq(s.fd, -1, "nothing left open");
	cr_assert_null(s.base);
	cr_assert_eq(shmprim_shm_open_fd(&s, fd, SHMPRIM_SHM_ALLOW_UNSEALED), SHMPRIM_OK);
	cr_assert_eq(s.len, PAGE);
	shmprim_shm_close(&s);

	/* One of the two size seals is not enough. */
	cr_assert_eq(ftruncate(half, PAGE), 0);
	cr_assert_eq(fcntl(half, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	cr_assert_eq(shmprim_shm_open_fd(&s, half, 0), SHMPRIM_ERR_NOT_SEALED);
	cr_assert_eq(ftruncate(nosealing, PAGE), 0);
	cr_assert_eq(shmprim_shm_open_fd(&s, nosealing, 0), SHMPRIM_ERR_NOT_SEALED);

	/* A regular file cannot be sealed; allowed, it maps like shm. */
	cr_assert_not_null(tmp);
	cr_assert_eq(ftruncate(fileno(tmp), 3 * PAGE), 0);
	cr_assert_eq(shmprim_shm_open_fd(&s, fileno(tmp), 0), SHMPRIM_ERR_NOT_SEALED);
	cr_assert_eq(shmprim_shm_open_fd(&s, fileno(tmp), SHMPRIM_SHM_ALLOW_UNSEALED), SHMPRIM_OK);
	cr_assert_eq(s.len, 3 * PAGE);
	shmprim_shm_close(&s);

	/* Nothing to map: a pipe has size 0. */
	cr_assert_eq(pipe(pipefd), 0);
	cr_assert_eq(shmprim_shm_open_fd(&s, pipefd[0], SHMPRIM_SHM_ALLOW_UNSEALED), SHMPRIM_ERR_REGION_TOO_SMALL);
	cr_assert_eq(s.fd, -1);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
	close(half);
	close(nosealing);
	fclose(tmp);
}

Test(shm, failures_keep_errno_and_the_call)
{
	shmprim_shm s;
	char name[96];

	CR_REQUIRE(host_lacks_memfd());
	CR_REQUIRE(host_lacks_named_shm());
	cr_assert_eq(shmprim_shm_create_memfd(NULL, "x", PAGE, 0), SHMPRIM_ERR_NULL_ARGUMENT);
	cr_assert_eq(shmprim_shm_create_memfd(&s, "x", 0, 0), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_shm_create_memfd(&s, "x", SHMPRIM_SHM_MAX_SIZE + 1, 0), SHMPRIM_ERR_INVALID_ARGUMENT);
	cr_assert_eq(shmprim_shm_open_fd(&s, -1, 0), SHMPRIM_ERR_INVALID_ARGUMENT);

	errno = 0;
	cr_assert_eq(shmprim_shm_open_fd(&s, 1000000, 0), SHMPRIM_ERR_SYSTEM);
	cr_assert_eq(errno, EBADF);
	cr_assert_eq(s.sys_errno, EBADF);
	cr_assert_str_eq(s.sys_call, "fcntl(F_DUPFD_CLOEXEC)");
	cr_assert_eq(s.fd, -1);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK, "a failed open leaves a closed handle");

	name_for(name, sizeof(name), "missing");
	errno = 0;
	cr_assert_eq(shmprim_shm_open_named(&s, name, 0), SHMPRIM_ERR_SYSTEM);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(s.sys_errno, ENOENT);
	cr_assert_str_eq(s.sys_call, "shm_open");
	cr_assert_str_neq(shmprim_status_str(SHMPRIM_ERR_SYSTEM), shmprim_status_str(SHMPRIM_STATUS_COUNT_));
}

Test(shm, named_create_open_unlink)
{
	shmprim_shm a, b, c;
	char name[96];
	int e = -1;
	static const char *bad[] = { "noslash", "/", "/a/b", "" };
	size_t i;

	CR_REQUIRE(host_lacks_named_shm());
	name_for(name, sizeof(name), "named");
	shmprim_shm_unlink_named(name, NULL); /* a leftover from a killed run */
	cr_assert_eq(shmprim_shm_create_named(&a, name, 5 * PAGE, 0600, 0), SHMPRIM_OK);
	cr_assert_eq(a.len, 5 * PAGE);
	cr_assert_eq(shmprim_shm_open_named(&b, name, 0), SHMPRIM_OK);
	cr_assert_eq(b.len, 5 * PAGE);
	((volatile uint32_t *)a.base)[100] = 0xC0FFEE;
	cr_assert_eq(((volatile uint32_t *)b.base)[100], 0xC0FFEE);

	errno = 0;
	cr_assert_eq(shmprim_shm_create_named(&c, name, PAGE, 0600, 0), SHMPRIM_ERR_SYSTEM, "exclusive create");
	cr_assert_eq(c.sys_errno, EEXIST);
	cr_assert_eq(errno, EEXIST);

	cr_assert_eq(shmprim_shm_unlink_named(name, &e), SHMPRIM_OK);
	cr_assert_eq(e, 0);
	cr_assert_eq(shmprim_shm_unlink_named(name, &e), SHMPRIM_ERR_SYSTEM);
	cr_assert_eq(e, ENOENT);
	cr_assert_eq(((volatile uint32_t *)b.base)[100], 0xC0FFEE, "mappings outlive the name");
	cr_assert_eq(shmprim_shm_close(&a), SHMPRIM_OK);
	cr_assert_eq(shmprim_shm_close(&b), SHMPRIM_OK);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(shmprim_shm_create_named(&c, bad[i], PAGE, 0600, 0), SHMPRIM_ERR_INVALID_ARGUMENT, "%s", bad[i]);
		cr_assert_eq(shmprim_shm_open_named(&c, bad[i], 0), SHMPRIM_ERR_INVALID_ARGUMENT, "%s", bad[i]);
		cr_assert_eq(shmprim_shm_unlink_named(bad[i], NULL), SHMPRIM_ERR_INVALID_ARGUMENT, "%s", bad[i]);
	}
	cr_assert_eq(shmprim_shm_create_named(&c, NULL, PAGE, 0600, 0), SHMPRIM_ERR_NULL_ARGUMENT);
}

/* Forks a child that becomes nobody and creates name with mode (fchmod, so the
 * umask does not soften it); returns once the object exists. Skips the test
 * where the host cannot do that. */
static void create_as_nobody(const char *name, mode_t mode)
{
	int status;
	pid_t pid;

	CR_REQUIRE(host_lacks_setuid_nobody());
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgid(HOST_NOBODY_UID) != 0 || setuid(HOST_NOBODY_UID) != 0)
			_exit(77);
		fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || ftruncate(fd, PAGE) != 0 || fchmod(fd, mode) != 0)
			_exit(1);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		cr_skip_test("setuid(nobody) refused here (no uid 65534 in this namespace?)");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the nobody child failed: status 0x%x", status);
}

Test(shm, create_named_defaults_to_owner_only)
{
	shmprim_shm a;
	struct stat st;
	char name[96];
	mode_t old = umask(0);

	CR_REQUIRE(host_lacks_named_shm());
	name_for(name, sizeof(name), "defmode");
	shmprim_shm_unlink_named(name, NULL);
	cr_assert_eq(shmprim_shm_create_named(&a, name, PAGE, 0, 0), SHMPRIM_OK);
	umask(old);
	cr_assert_eq(fstat(a.fd, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode 0%o", (unsigned)(st.st_mode & 0777));
	cr_assert_eq(st.st_uid, geteuid());
	shmprim_shm_unlink_named(name, NULL);
	cr_assert_eq(shmprim_shm_close(&a), SHMPRIM_OK);
}

/* The attack: another user creates the name first, world-writable, and waits
 * for the victim to attach. */
Test(shm, open_named_refuses_an_object_planted_by_another_user)
{
	shmprim_shm s;
	char name[96];

	CR_REQUIRE(host_lacks_named_shm());
	name_for(name, sizeof(name), "planted");
	shmprim_shm_unlink_named(name, NULL);
	create_as_nobody(name, 0666);
	cr_assert_eq(shmprim_shm_create_named(&s, name, PAGE, 0, 0), SHMPRIM_ERR_SYSTEM, "the name is taken");
	cr_assert_eq(s.sys_errno, EEXIST);
	cr_assert_eq(shmprim_shm_open_named(&s, name, 0), SHMPRIM_ERR_WRONG_OWNER);
	cr_assert_null(s.base, "nothing mapped");
	cr_assert_eq(s.fd, -1, "nothing kept open");
	cr_assert_eq(shmprim_shm_open_named(&s, name, SHMPRIM_SHM_ALLOW_SHARED_MODE), SHMPRIM_ERR_WRONG_OWNER,
	             "the mode opt-in does not waive the owner check");
	/* Expecting nobody as the owner still refuses the 0666 mode... */
	cr_assert_eq(shmprim_shm_open_named_owned(&s, name, HOST_NOBODY_UID, 0), SHMPRIM_ERR_INSECURE_MODE);
	cr_assert_null(s.base);
	/* ...unless the caller opts in. */
	cr_assert_eq(shmprim_shm_open_named_owned(&s, name, HOST_NOBODY_UID, SHMPRIM_SHM_ALLOW_SHARED_MODE),
	             SHMPRIM_OK);
	cr_assert_eq(s.len, PAGE);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);
	cr_assert_eq(shmprim_shm_unlink_named(name, NULL), SHMPRIM_OK);
}

Test(shm, open_named_checks_the_mode_bits_one_by_one)
{
	static const mode_t modes[] = { 0600, 0640, 0644, 0660, 0602, 0666, 0620 };
	static const int refused[] = { 0, 0, 0, 1, 1, 1, 1 };
	shmprim_shm a, s;
	char name[96];
	size_t i;

	CR_REQUIRE(host_lacks_named_shm());
	name_for(name, sizeof(name), "modes");
	shmprim_shm_unlink_named(name, NULL);
	cr_assert_eq(shmprim_shm_create_named(&a, name, PAGE, 0600, 0), SHMPRIM_OK);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		cr_assert_eq(fchmod(a.fd, modes[i]), 0);
		cr_assert_eq(shmprim_shm_open_named(&s, name, 0), refused[i] ? SHMPRIM_ERR_INSECURE_MODE : SHMPRIM_OK,
		             "mode 0%o", (unsigned)modes[i]);
		shmprim_shm_close(&s);
		cr_assert_eq(shmprim_shm_open_named(&s, name, SHMPRIM_SHM_ALLOW_SHARED_MODE), SHMPRIM_OK, "mode 0%o",
		             (unsigned)modes[i]);
		shmprim_shm_close(&s);
	}
	/* The caller's own object, but the caller expected another owner. */
	cr_assert_eq(shmprim_shm_open_named_owned(&s, name, geteuid() + 1, 0), SHMPRIM_ERR_WRONG_OWNER);
	shmprim_shm_unlink_named(name, NULL);
	cr_assert_eq(shmprim_shm_close(&a), SHMPRIM_OK);
}

/* Things that are not a shared-memory object under the name: a symlink
 * (shm_open follows none) and a FIFO (not a regular file). */
Test(shm, open_named_refuses_symlinks_and_fifos)
{
	char name[96], path[128];
	shmprim_shm s;

	CR_REQUIRE(host_lacks_named_shm());
	name_for(name, sizeof(name), "link");
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	unlink(path);
	cr_assert_eq(symlink("/etc/passwd", path), 0, "%s", strerror(errno));
	errno = 0;
	cr_assert_eq(shmprim_shm_open_named(&s, name, 0), SHMPRIM_ERR_SYSTEM);
	cr_assert_eq(s.sys_errno, ELOOP, "%s", strerror(s.sys_errno));
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkfifo(path, 0600), 0, "%s", strerror(errno));
	cr_assert_eq(shmprim_shm_open_named(&s, name, 0), SHMPRIM_ERR_INSECURE_MODE);
	cr_assert_eq(s.fd, -1);
	cr_assert_eq(unlink(path), 0);
}

/* Runs fn in a child and returns the signal that killed it (0 if it exited). */
static int child_signal(void (*fn)(shmprim_shm *), shmprim_shm *s)
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Sanitizers catch SIGSEGV and exit instead: let the kernel kill us. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		fn(s);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void touch_first_and_last(shmprim_shm *s)
{
	((volatile unsigned char *)s->base)[0] = 1;
	((volatile unsigned char *)s->base)[s->len - 1] = 1;
}

static void touch_before(shmprim_shm *s)
{
	((volatile unsigned char *)s->base)[-1] = 1;
}

static void touch_after(shmprim_shm *s)
{
	((volatile unsigned char *)s->base)[s->len] = 1;
}

Test(shm, guard_pages_fault_just_outside)
{
	shmprim_shm s;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&s, "guarded", 4 * PAGE, SHMPRIM_SHM_GUARD_PAGES), SHMPRIM_OK);
	cr_assert_eq(s.map_len, 6 * PAGE);
	cr_assert_eq((unsigned char *)s.base, (unsigned char *)s.map_base + PAGE);
	cr_assert_eq(child_signal(touch_first_and_last, &s), 0);
	cr_assert_eq(child_signal(touch_before, &s), SIGSEGV);
	cr_assert_eq(child_signal(touch_after, &s), SIGSEGV);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);

	/* The same through open_fd. */
	{
		shmprim_shm a, b;

		cr_assert_eq(shmprim_shm_create_memfd(&a, "g2", 2 * PAGE, 0), SHMPRIM_OK);
		cr_assert_eq(shmprim_shm_open_fd(&b, a.fd, SHMPRIM_SHM_GUARD_PAGES), SHMPRIM_OK);
		cr_assert_eq(child_signal(touch_first_and_last, &b), 0);
		cr_assert_eq(child_signal(touch_after, &b), SIGSEGV);
		cr_assert_eq(child_signal(touch_before, &b), SIGSEGV);
		shmprim_shm_close(&b);
		shmprim_shm_close(&a);
	}
}

/* A peer holding the fd tries to shrink the memory under us: refused, and
 * every byte stays readable (no SIGBUS). */
Test(shm, peer_cannot_truncate_a_sealed_region)
{
	shmprim_shm s;
	int status;
	size_t i;
	pid_t pid;
	volatile unsigned char *p;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&s, "victim", 8 * PAGE, 0), SHMPRIM_OK);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int ok = ftruncate(s.fd, 0) == -1 && errno == EPERM && ftruncate(s.fd, PAGE) == -1 &&
		         fallocate(s.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE) == 0;
		_exit(ok ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the peer's truncate was not refused");
	p = s.base;
	for (i = 0; i < s.len; i += PAGE)
		(void)p[i + PAGE - 1];
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);
}

/* The library's structures in a memfd, used by a forked child through its own mapping. */
Test(shm, ring_and_slab_in_a_memfd_across_fork)
{
	ipc_geometry g = ipc_geometry_of(16, sizeof(ipc_entry), 8, 64, 0);
	shmprim_shm s;
	shmprim_spsc ring;
	shmprim_slab slab;
	shmprim_spsc_consumer c;
	ipc_entry e;
	int status;
	uint64_t i;
	pid_t pid;

	CR_REQUIRE(host_lacks_memfd());
	cr_assert_eq(shmprim_shm_create_memfd(&s, "rs", g.total, 0), SHMPRIM_OK);
	cr_assert_eq(shmprim_spsc_init(&ring, shmprim_shm_region(&s), g.ring_off, 16, sizeof(ipc_entry)), SHMPRIM_OK);
	cr_assert_eq(shmprim_slab_init(&slab, shmprim_shm_region(&s), g.slab_off, 8, 64), SHMPRIM_OK);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		shmprim_shm mine;
		shmprim_spsc r;
		shmprim_slab sl;
		shmprim_spsc_producer p;
		shmprim_slot_handle h;

		if (shmprim_shm_open_fd(&mine, s.fd, 0) != SHMPRIM_OK ||
		    shmprim_spsc_attach(&r, shmprim_shm_region(&mine), g.ring_off) != SHMPRIM_OK ||
		    shmprim_slab_attach(&sl, shmprim_shm_region(&mine), g.slab_off) != SHMPRIM_OK)
			_exit(2);
		shmprim_spsc_split(&r, &p, NULL);
		for (i = 0; i < 10; i++) {
			ipc_entry_make(&e, i, 0);
			if (shmprim_spsc_push(&p, &e) != SHMPRIM_PUSH_OK)
				_exit(3);
		}
		if (shmprim_slab_try_alloc(&sl, &h) != SHMPRIM_ALLOC_OK)
			_exit(4);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	shmprim_spsc_split(&ring, NULL, &c);
	for (i = 0; i < 10; i++) {
		cr_assert(shmprim_spsc_pop(&c, &e));
		cr_assert(ipc_entry_ok(&e) && e.seq == i, "entry %" PRIu64, i);
	}
	cr_assert_not(shmprim_spsc_pop(&c, &e));
	cr_assert_eq(shmprim_slab_free_count_approx(&slab), 7);
	cr_assert_eq(shmprim_shm_close(&s), SHMPRIM_OK);
}
