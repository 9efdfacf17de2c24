/*
 * Fibers and the arena. Each model thread is a fiber with its own
 * mmap'd stack (a guard page below it turns an overflow into a crash, not a
 * silent corruption). Stacks and the arena are mapped once and reused by every
 * execution, so addresses repeat from run to run: that is what makes traces
 * comparable and replays exact.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mc_internal.h"

static void *map_or_die(size_t len, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "model: cannot map %s\n", what);
		abort();
	}
	return p;
}

void mc_fiber_setup(void)
{
	int i;

	if (mc.arena)
		return;
	for (i = 0; i < MC_MAX_THREADS; i++) {
		unsigned char *s = map_or_die(MC_STACK_SIZE + 4096, "a fiber stack");

		if (mprotect(s, 4096, PROT_NONE) != 0) {
			fprintf(stderr, "model: cannot protect a stack guard page\n");
			abort();
		}
		mc.threads[i].stack = s + 4096;
	}
	mc.arena = map_or_die(MC_ARENA_SIZE, "the arena");
}

#if MC_FAST_SWITCH
/* mc_switch(save, to): push the callee-saved registers, save the stack
 * pointer in *save, load `to`, pop its registers, return into it. */
__asm__(".text\n"
        ".globl mc_switch\n"
        ".hidden mc_switch\n"
        ".type mc_switch, @function\n"
        "mc_switch:\n"
        "\tpushq %rbp\n\tpushq %rbx\n\tpushq %r12\n\tpushq %r13\n\tpushq %r14\n\tpushq %r15\n"
        "\tmovq %rsp, (%rdi)\n"
        "\tmovq %rsi, %rsp\n"
        "\tpopq %r15\n\tpopq %r14\n\tpopq %r13\n\tpopq %r12\n\tpopq %rbx\n\tpopq %rbp\n"
        "\tret\n"
        ".size mc_switch, .-mc_switch\n");
void mc_switch(void **save, void *to);

void mc_fiber_make(int tid, void (*entry)(void))
{
	uintptr_t top = ((uintptr_t)mc.threads[tid].stack + MC_STACK_SIZE) & ~(uintptr_t)15;
	void **sp = (void **)top;
	int i;

	*--sp = NULL;            /* entry's return address: it never returns */
	*--sp = (void *)entry;   /* where the first switch "returns" to, as if called */
	for (i = 0; i < 6; i++)
		*--sp = NULL;    /* rbp, rbx, r12-r15 */
	mc.threads[tid].ctx.sp = sp;
}

void mc_fiber_switch(mc_fiber *from, mc_fiber *to)
{
	mc_switch(&from->sp, to->sp);
}
#else
void mc_fiber_make(int tid, void (*entry)(void))
{
	mc_thread *t = &mc.threads[tid];

	if (getcontext(&t->ctx.uc) != 0) {
		fprintf(stderr, "model: getcontext failed\n");
		abort();
	}
	t->ctx.uc.uc_stack.ss_sp = t->stack;
	t->ctx.uc.uc_stack.ss_size = MC_STACK_SIZE;
	t->ctx.uc.uc_link = NULL; /* threads never return from entry: they switch away */
	makecontext(&t->ctx.uc, entry, 0);
}

void mc_fiber_switch(mc_fiber *from, mc_fiber *to)
{
	swapcontext(&from->uc, &to->uc);
}
#endif

void mc_arena_reset(void)
{
	memset(mc.arena, 0, mc.arena_dirty);
	mc.arena_used = 0;
	mc.arena_dirty = 0;
}

void *mc_alloc(size_t size, size_t align)
{
	size_t at;

	if (!mc.active) {
		fprintf(stderr, "model: mc_alloc called outside a model execution\n");
		abort();
	}
	if (align < 8)
		align = 8;
	if (align & (align - 1))
		mc_fail_kind(MC_FAILURE_USAGE, "mc_alloc: alignment %zu is not a power of two", align);
	at = (mc.arena_used + align - 1) & ~(align - 1);
	if (at > MC_ARENA_SIZE || size > MC_ARENA_SIZE - at)
		mc_fail_kind(MC_FAILURE_USAGE, "mc_alloc: arena exhausted (%zu bytes asked, %u in all)", size,
		             MC_ARENA_SIZE);
	mc.arena_used = at + size;
	if (mc.arena_used > mc.arena_dirty)
		mc.arena_dirty = mc.arena_used;
	return mc.arena + at;
}
