import sys,collections,statistics
# classify each pass by the bounce before and after it
lines=open(sys.argv[1]).read().split('\n')
passes=[]; cur=None; b=None
for l in lines:
    f=l.split()
    if not f: continue
    if f[0]=='bounce':
        if cur is not None: cur['after']=int(f[1]); passes.append(cur)
        cur={'before':int(f[1]),'rows':[]}
    else: cur['rows'].append((f[1],int(f[2]),float(f[6])))
for mode,cond in (('fast',lambda p:p['before']<200 and p['after']<200),('slow',lambda p:p['before']>300 and p['after']>300)):
    d=collections.defaultdict(list); n=0
    for p in passes:
        if cond(p):
            n+=1
            for v,k,x in p['rows']: d[v].append(x)
    if n==0: continue
    print(mode,'passes',n)
    for v in ('old','new','nr2','pold','th1','th2','tip'):
        xs=d[v]
        if xs: print('  %-5s median %4d  min %4d  max %4d  n %d  share>=450: %.2f'%(v,statistics.median(xs),min(xs),max(xs),len(xs),sum(x>=450 for x in xs)/len(xs)))
