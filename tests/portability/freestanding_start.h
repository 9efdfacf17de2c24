/*
 * Process entry and exit without a C library, one block per architecture:
 * _start aligns the stack as the ABI wants, calls freestanding_main() and
 * passes its result to the exit system call. Nothing else is needed from the
 * kernel. A new architecture gets a new block here (and in meson.build's list).
 */
#ifndef SHMPRIM_FREESTANDING_START_H
#define SHMPRIM_FREESTANDING_START_H

int freestanding_main(void);

#if defined(__x86_64__)
__asm__(".text\n.global _start\n.type _start, %function\n_start:\n"
        "	xor %ebp, %ebp\n"
        "	and $-16, %rsp\n"
        "	call freestanding_main\n"
        "	mov %eax, %edi\n"
        "	mov $60, %eax\n" /* exit */
        "	syscall\n"
        "	hlt\n");
#elif defined(__i386__)
__asm__(".text\n.global _start\n.type _start, %function\n_start:\n"
        "	xor %ebp, %ebp\n"
        "	and $-16, %esp\n"
        "	call freestanding_main\n"
        "	mov %eax, %ebx\n"
        "	mov $1, %eax\n" /* exit */
        "	int $0x80\n"
        "	hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n.type _start, %function\n_start:\n"
        "	mov x29, #0\n"
        "	mov x30, #0\n"
        "	bl freestanding_main\n"
        "	mov x8, #93\n" /* exit; status already in x0 */
        "	svc #0\n");
#elif defined(__arm__)
/* In Thumb builds _start is a Thumb function: the odd entry address tells the
 * kernel to start in Thumb state. */
__asm__(".text\n.syntax unified\n.global _start\n.type _start, %function\n"
#if defined(__thumb__)
        ".thumb_func\n"
#endif
        "_start:\n"
        "	mov r0, #0\n"
        "	mov lr, r0\n"
        "	bl freestanding_main\n"
        "	mov r7, #1\n" /* exit; status already in r0 */
        "	svc #0\n");
#elif defined(__riscv) && __riscv_xlen == 64
/* gp must hold __global_pointer$ before any code the linker relaxed to use it. */
__asm__(".text\n.global _start\n.type _start, %function\n_start:\n"
        "	.option push\n"
        "	.option norelax\n"
        "	lla gp, __global_pointer$\n"
        "	.option pop\n"
        "	li ra, 0\n"
        "	call freestanding_main\n"
        "	li a7, 93\n" /* exit; status already in a0 */
        "	ecall\n");
#elif defined(__powerpc64__) && defined(_CALL_ELF) && _CALL_ELF == 2
/* ELFv2: find our own address, derive the TOC pointer (r2) from it, and give
 * the callee a 16-byte-aligned stack with a minimal frame. */
__asm__(".text\n.global _start\n.type _start, %function\n_start:\n"
        "	bl 1f\n"
        "1:	mflr 2\n"
        "	addis 2, 2, (.TOC. - 1b)@ha\n"
        "	addi 2, 2, (.TOC. - 1b)@l\n"
        "	clrrdi 1, 1, 4\n"
        "	li 0, 0\n"
        "	stdu 0, -32(1)\n"
        "	bl freestanding_main\n"
        "	nop\n"
        "	li 0, 1\n" /* exit; status already in r3 */
        "	sc\n");
#else
#error "freestanding test: no _start for this architecture (add one to freestanding_start.h)"
#endif

#endif
