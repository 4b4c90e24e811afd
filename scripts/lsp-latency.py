#!/usr/bin/env python3
# Latency of copydesk server: time from a didChange to the publishDiagnostics that follows, on a generated
# 10,000-character draft (about 500 findings), 50 changes. usage: scripts/lsp-latency.py PATH/TO/copydesk
import json, subprocess, sys, time, random
p = subprocess.Popen([sys.argv[1], 'server', '--no-config'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def send(o):
    b = json.dumps(o).encode()
    p.stdin.write(b'Content-Length: %d\r\n\r\n' % len(b) + b); p.stdin.flush()
def recv():
    h = b''
    while not h.endswith(b'\r\n\r\n'): h += p.stdout.read(1)
    n = int(h.split(b':')[1].split(b'\r')[0]); return json.loads(p.stdout.read(n))
def wait_diag():
    while True:
        m = recv()
        if m.get('method') == 'textDocument/publishDiagnostics': return m
send({'jsonrpc':'2.0','id':1,'method':'initialize','params':{'capabilities':{}}}); recv()
send({'jsonrpc':'2.0','method':'initialized','params':{}})
random.seed(1)
clauses = ['县农业农村局组织技术人员深入田间地头','指导农户做好冬季田间管理','全县新建高标准农田3万亩','各乡镇抽调干部组成工作专班','全 力 以 赴']
text=''
while len(text) < 10000:
    text += '，'.join(random.choice(clauses) for _ in range(3)) + '。'
    if random.random() < 0.2: text += '\n\n'
uri='file:///tmp/lsp/big.txt'
send({'jsonrpc':'2.0','method':'textDocument/didOpen','params':{'textDocument':{'uri':uri,'languageId':'plaintext','version':1,'text':text}}})
m=wait_diag(); print('chars', len(text), 'diagnostics', len(m['params']['diagnostics']))
times=[]
for v in range(2, 52):
    t0=time.perf_counter()
    send({'jsonrpc':'2.0','method':'textDocument/didChange','params':{'textDocument':{'uri':uri,'version':v},'contentChanges':[{'range':{'start':{'line':0,'character':5},'end':{'line':0,'character':5}},'text':'好'}]}})
    wait_diag(); times.append((time.perf_counter()-t0)*1000)
times.sort(); print('didChange -> publishDiagnostics ms: min %.1f median %.1f p90 %.1f max %.1f' % (times[0], times[len(times)//2], times[int(len(times)*0.9)], times[-1]))
send({'jsonrpc':'2.0','id':9,'method':'shutdown'}); recv(); send({'jsonrpc':'2.0','method':'exit'}); p.wait()
