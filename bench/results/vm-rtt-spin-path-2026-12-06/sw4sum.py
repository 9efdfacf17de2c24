import sys,collections,statistics
passes=[]; cur=None
for l in open(sys.argv[1]):
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
    for v in sys.argv[2:]:
        xs=d[v]
        if xs: print('  %-5s median %6.1f  min %6.1f  max %6.1f  n %d'%(v,statistics.median(xs),min(xs),max(xs),len(xs)))
