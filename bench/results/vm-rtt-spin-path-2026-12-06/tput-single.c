/* throwaway: single-item throughput, push/pop from one tree's header at a chosen code offset
 * (-DNOPS) and the consumer's handle at a chosen distance after the producer's (-DCONS_OFF) */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <sys/mman.h>
#include <x86intrin.h>
#include <shmprim/shmprim.h>
#ifndef NOPS
#define NOPS 0
#endif
#ifndef CONS_OFF
#define CONS_OFF 8192 /* where the consumer handle sits after the producer's */
#endif
#ifndef CAP
#define CAP 1024
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#ifdef LOCAL_OLD
#include "spsc_inline.h"
#else
#include <shmprim/static/spsc.h>
#endif
__attribute__((noinline,aligned(64))) static shmprim_push_result my_push(shmprim_spsc_producer *p, const void *e){return shmprim_spsc_push_inline(p,e);}
__attribute__((noinline,aligned(64))) static bool my_pop(shmprim_spsc_consumer *c, void *e){asm volatile(".rept " STR(NOPS) "\n nop\n .endr"); return shmprim_spsc_pop_inline(c,e);}
static unsigned char *mem; static unsigned char *hbuf; static long n=20000000; static volatile int ready; static long errs;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);sched_setaffinity(0,sizeof s,&s);}
static void *cons(void *a){ shmprim_spsc consumer_ring; shmprim_spsc_consumer *c=(void*)(hbuf+CONS_OFF); uint64_t it, expect=1; (void)a; pin(1);
	if (shmprim_spsc_attach(&consumer_ring, shmprim_region_from_raw(mem, shmprim_spsc_required_size(CAP,8)),0)) abort();
	shmprim_spsc_split(&consumer_ring,NULL,c); __atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	while (expect <= (uint64_t)n) { while(!my_pop(c,&it)) _mm_pause(); if (it != expect) errs++; expect++; }
	return NULL; }
int main(int argc,char**argv){ pthread_t t; shmprim_spsc r; shmprim_spsc_producer *p; struct timespec a,b;
	if(argc>1) n=atol(argv[1]);
	size_t sz=(shmprim_spsc_required_size(CAP,8)+4095)&~4095UL;
	mem=mmap(0,sz,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0); hbuf=aligned_alloc(4096,4*4096); memset(hbuf,0,4*4096);
	if(shmprim_spsc_init(&r,shmprim_region_from_raw(mem,shmprim_spsc_required_size(CAP,8)),0,CAP,8)) abort();
	p=(void*)hbuf; shmprim_spsc_split(&r,p,NULL);
	pthread_create(&t,0,cons,0); pin(0); __atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	clock_gettime(CLOCK_MONOTONIC,&a);
	for (uint64_t i=1;i<=(uint64_t)n;i++) while(my_push(p,&i)!=SHMPRIM_PUSH_OK) _mm_pause();
	pthread_join(t,0); clock_gettime(CLOCK_MONOTONIC,&b);
	printf("nops %d Mitems/s %.1f errs %ld\n", NOPS, n/((b.tv_sec-a.tv_sec)*1e3+(b.tv_nsec-a.tv_nsec)/1e6)/1e3, errs);
	return errs!=0; }
