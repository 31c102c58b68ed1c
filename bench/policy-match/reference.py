import csv, json, sys, re
from fractions import Fraction
from decimal import Decimal, ROUND_HALF_UP
pol=json.load(open(sys.argv[2])); schema={f['name']:f['type'] for f in pol['schema']}
def conv(k,v):
    t=schema.get(k)
    if v=='' : return None
    if t=='flag': return int(v)
    if t=='int': return Fraction(int(v))
    if t=='float': return Fraction(v)
    return v
def rnd(x,n):
    q=Fraction(10)**n; y=x*q
    r=(abs(y)+Fraction(1,2)).__floor__()
    return Fraction(r if y>=0 else -r)/q
funcs={'min':min,'max':max,'abs':abs,'round':rnd,'Fraction':Fraction}
def lit(e):
    return re.sub(r"(?<![\w'])(\d+\.\d+|\d+)(?![\w'])", r"Fraction('\1')", e)
def py(expr):
    expr=lit(expr)
    e=re.sub(r'\bif (.+?) then (.+?) else ', r'\2 if \1 else ', expr)  # only simple cases
    return e
out=[]
rows=list(csv.DictReader(open(sys.argv[1],encoding='utf-8')))
for p in pol['policies']:
    c=compile(lit(p['condition']).replace('true','True').replace('false','False'),'c','eval'); a=compile(py(p['amount']),'a','eval')
    for r in rows:
        env={k:conv(k,v) for k,v in r.items()}; env.update(funcs)
        try:
            ok=eval(c,env)
        except ZeroDivisionError: continue
        if ok:
            amt=Fraction(eval(a,env))
            s=(amt*10000+Fraction(1,2)).__floor__()
            out.append(f"{p['id']},{r['id']},{s//10000}.{s%10000:04d}")
open(sys.argv[3],'w').write("policy,enterprise,amount\n"+"\n".join(out)+"\n")
