/* throwaway: exported burst (or single) throughput; PADB bytes of padding in this object shift the library's code */
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
#ifndef PADB
#define PADB 0
#endif
#ifndef B
#define B 32
#endif
#define CAP 1024
#define STR2(x) #x
#define STR(x) STR2(x)
__attribute__((used,noinline)) void pad_fn(void){ asm volatile(".skip " STR(PADB) ", 0x90"); }
static unsigned char *mem; static unsigned char *hbuf; static long n=40000000; static volatile int ready; static long errs;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);sched_setaffinity(0,sizeof s,&s);}
static void *cons(void *a){ shmprim_spsc cr; shmprim_spsc_consumer *c=(void*)(hbuf+8192); uint64_t buf[B], expect=1; (void)a; pin(1);
	if (shmprim_spsc_attach(&cr, shmprim_region_from_raw(mem, shmprim_spsc_required_size(CAP,8)),0)) abort();
	shmprim_spsc_split(&cr,NULL,c); __atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	while (expect <= (uint64_t)n) { uint32_t k = shmprim_spsc_pop_burst(c,buf,B); if (!k) { _mm_pause(); continue; } for (uint32_t i=0;i<k;i++) { if (buf[i]!=expect) errs++; expect++; } }
	return NULL; }
int main(int argc,char**argv){ pthread_t t; shmprim_spsc r; shmprim_spsc_producer *p; struct timespec a,b; uint64_t buf[B];
	if(argc>1) n=atol(argv[1]);
	size_t sz=(shmprim_spsc_required_size(CAP,8)+4095)&~4095UL;
	mem=mmap(0,sz,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0); hbuf=aligned_alloc(4096,4*4096); memset(hbuf,0,4*4096);
	if(shmprim_spsc_init(&r,shmprim_region_from_raw(mem,shmprim_spsc_required_size(CAP,8)),0,CAP,8)) abort();
	p=(void*)hbuf; shmprim_spsc_split(&r,p,NULL);
	pthread_create(&t,0,cons,0); pin(0); __atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	clock_gettime(CLOCK_MONOTONIC,&a);
	for (uint64_t s=1; s<=(uint64_t)n; ) { uint32_t want = (uint64_t)n - s + 1 < B ? (uint32_t)(n - s + 1) : B; for (uint32_t i=0;i<want;i++) buf[i]=s+i;
		uint32_t k = shmprim_spsc_push_burst(p,buf,want,NULL); if (!k) _mm_pause(); s += k; }
	pthread_join(t,0); clock_gettime(CLOCK_MONOTONIC,&b);
	printf("padb %d Mitems/s %.1f errs %ld\n", PADB, n/((b.tv_sec-a.tv_sec)*1e3+(b.tv_nsec-a.tv_nsec)/1e6)/1e3, errs);
	return errs!=0; }
