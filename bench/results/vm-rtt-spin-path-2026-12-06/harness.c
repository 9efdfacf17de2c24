/* throwaway: exported push/pop round trip, handles at chosen offsets */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <x86intrin.h>
#include <shmprim/shmprim.h>
#ifndef NOPS
#define NOPS 0
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#ifdef LOCAL_OLD
#include "spsc_inline.h"
#endif
#ifdef LOCAL_NEW
#include <shmprim/static/spsc.h>
#endif
#ifdef INL
#define PUSH shmprim_spsc_push_inline
#define POP shmprim_spsc_pop_inline
#elif defined(MIX)
shmprim_push_result old_push(shmprim_spsc_producer *p, const void *e);
bool old_pop(shmprim_spsc_consumer *c, void *e);
shmprim_push_result new_push(shmprim_spsc_producer *p, const void *e);
bool new_pop(shmprim_spsc_consumer *c, void *e);
#define PUSH MIXPUSH
#define POP MIXPOP
#elif defined(LOCAL_OLD) || defined(LOCAL_NEW)
#ifndef NOPS_PUSH
#define NOPS_PUSH 0
#endif
__attribute__((noinline,aligned(64))) static shmprim_push_result my_push(shmprim_spsc_producer *p, const void *e){asm volatile(".rept " STR(NOPS_PUSH) "\n nop\n .endr"); return shmprim_spsc_push_inline(p,e);}
__attribute__((noinline,aligned(64))) static bool my_pop(shmprim_spsc_consumer *c, void *e){asm volatile(".rept " STR(NOPS) "\n nop\n .endr"); return shmprim_spsc_pop_inline(c,e);}
#define PUSH my_push
#define POP my_pop
#else
#define PUSH shmprim_spsc_push
#define POP shmprim_spsc_pop
#endif

#define CAP 1024
#ifndef NOPS
#define NOPS 0
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#ifndef NPAUSE
#define NPAUSE 1
#endif
static unsigned char *mem; static size_t rb;
static unsigned char *hbuf; static long off[4];
static long rounds = 200000;
static uint64_t *st;
static volatile int ready;
static double tpn; static long espins, pspins;

static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);sched_setaffinity(0,sizeof s,&s);}
static void open_side(unsigned char *m, shmprim_spsc_producer *p, shmprim_spsc_consumer *c){
	shmprim_spsc r; if (shmprim_spsc_attach(&r, shmprim_region_from_raw(m, shmprim_spsc_required_size(CAP,8)),0)!=SHMPRIM_OK) abort();
	shmprim_spsc_split(&r,p,c);
}
__attribute__((aligned(64))) static void *echo(void *a){
#ifdef INL
	asm volatile(".rept " STR(NOPS) "\n nop\n .endr");
#endif

	shmprim_spsc_consumer *from=(void*)(hbuf+off[2]); shmprim_spsc_producer *to=(void*)(hbuf+off[3]);
	uint64_t it; long es=0; (void)a; pin(1);
	open_side(mem,NULL,from); open_side(mem+rb,to,NULL);
	__atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	for(long i=0;i<rounds;i++){ while(!POP(from,&it)) {for(int q=0;q<NPAUSE;q++)_mm_pause(); es++;} while(PUSH(to,&it)!=SHMPRIM_PUSH_OK) _mm_pause(); }
	espins=es;
	return NULL;
}
static int cmp(const void*a,const void*b){uint64_t x=*(uint64_t*)a,y=*(uint64_t*)b;return x<y?-1:x>y;}
__attribute__((aligned(64))) int main(int argc,char**argv){
#ifdef INL
	asm volatile(".rept " STR(NOPS) "\n nop\n .endr");
#endif

	pthread_t t; uint64_t it=0; long ps=0;
	long sp = argc>3?strtol(argv[3],0,0):4096; for(int i=0;i<4;i++) off[i]=i*sp + (argc>1?strtol(argv[1],0,0):0);
	if(argc>2) rounds=atol(argv[2]);
	rb=(shmprim_spsc_required_size(CAP,8)+4095)&~4095UL;
	mem=mmap(0,2*rb,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_ANONYMOUS,-1,0);
	hbuf=aligned_alloc(4096,5*sp+8192); memset(hbuf,0,5*sp+8192);
	for(int k=0;k<2;k++){shmprim_spsc r; if(shmprim_spsc_init(&r,shmprim_region_from_raw(mem+k*rb,shmprim_spsc_required_size(CAP,8)),0,CAP,8)!=SHMPRIM_OK) abort();}
	st=malloc((rounds+1)*8);
	{struct timespec a,b; clock_gettime(CLOCK_MONOTONIC,&a); uint64_t t0=__rdtsc(); do clock_gettime(CLOCK_MONOTONIC,&b); while((b.tv_sec-a.tv_sec)*1e9+(b.tv_nsec-a.tv_nsec)<2e7); tpn=(double)(__rdtsc()-t0)/((b.tv_sec-a.tv_sec)*1e9+(b.tv_nsec-a.tv_nsec));}
	pthread_create(&t,0,echo,0);
	pin(0);
	shmprim_spsc_producer *to=(void*)(hbuf+off[0]); shmprim_spsc_consumer *from=(void*)(hbuf+off[1]);
	open_side(mem,to,NULL); open_side(mem+rb,NULL,from);
	__atomic_fetch_add(&ready,1,__ATOMIC_SEQ_CST); while(ready<2) _mm_pause();
	for(long i=0;i<rounds;i++){ st[i]=__rdtsc(); while(PUSH(to,&it)!=SHMPRIM_PUSH_OK) _mm_pause(); while(!POP(from,&it)) {for(int q=0;q<NPAUSE;q++)_mm_pause(); ps++;} }
	st[rounds]=__rdtsc(); pspins=ps;
	pthread_join(t,0);
	for(long i=0;i<rounds;i++) st[i]=st[i+1]-st[i];
	qsort(st,rounds,8,cmp);
	printf("off %s p50 %.0f ns p10 %.0f spins/rt echo %.1f ping %.1f\n", argc>1?argv[1]:"0", st[rounds/2]/tpn, st[rounds/10]/tpn, (double)espins/rounds, (double)pspins/rounds);
	return 0;
}
