#!/usr/bin/env python3
"""The enumeration-comma rules on simulated half-width copy (bench/standards.sh enumeration).

usage: enumeration-sim.py COPYDESK CORPUS OUTDIR

Real web news has almost no ASCII commas between Chinese characters, so the rules cannot be judged on it
directly. This makes every 、 and ， between two Han characters a ',' (OUTDIR/enumeration-sim.txt), runs
`punctuation.enumeration-comma` and `punctuation.enumeration-comma-words` on it, and for each comma a finding
would make 、 looks up what the source had: 、 (right), ， (wrong, or the source's own slip). Prints per rule
and fix safety the findings, the commas, the share that were 、, and writes 30 random findings of each with
their source separators and context to OUTDIR/enumeration-sim-samples.txt for judging.
"""
import collections
import json
import random
import subprocess
import sys


def han(c):
    return '\u4e00' <= c <= '\u9fff'


def main():
    binary, corpus, outdir = sys.argv[1:4]
    src = open(corpus, encoding='utf-8').read()
    out, orig, pos, n = [], {}, 0, len(src)
    for i, c in enumerate(src):
        if c in '、，' and 0 < i < n - 1 and han(src[i - 1]) and han(src[i + 1]):
            orig[pos] = c
            out.append(',')
            pos += 1
        else:
            out.append(c)
            pos += len(c.encode())
    sim = ''.join(out)
    path = f'{outdir}/enumeration-sim.txt'
    open(path, 'w', encoding='utf-8').write(sim)
    cfg = f'{outdir}/enumeration-sim.yml'
    open(cfg, 'w').write('extends: []\nrules:\n  punctuation.enumeration-comma: on\n  punctuation.enumeration-comma-words: on\n')
    r = subprocess.run([binary, 'lint', '--config', cfg, '--format', 'json', path], capture_output=True)
    if r.returncode > 1:
        sys.exit(f'copydesk failed: {r.stderr.decode()[:500]}')
    data = json.loads(r.stdout)
    b = sim.encode()
    stats = collections.defaultdict(lambda: [0, 0, 0, 0])
    ex = collections.defaultdict(list)
    for d in data['diagnostics']:
        key = (d['rule'], d['fix']['safety'] if d.get('fix') else 'none')
        commas = [e['end']['byte'] - 1 for e in (d.get('fix') or {}).get('edits', [])]
        seps = [orig.get(c, '?') for c in commas]
        st = stats[key]
        st[0] += 1
        st[1] += len(seps)
        st[2] += sum(s == '、' for s in seps)
        st[3] += all(s == '、' for s in seps)
        s, e = d['start']['byte'], d['end']['byte']
        lo, hi = max(0, s - 24), min(len(b), e + 24)
        while lo > 0 and (b[lo] & 0xC0) == 0x80:
            lo -= 1
        while hi < len(b) and (b[hi] & 0xC0) == 0x80:
            hi += 1
        ex[key].append((''.join(seps), b[lo:hi].decode('utf-8').replace('\n', '⏎')))
    print('| rule | fix | findings | commas | were 、 | findings all 、 |')
    print('|---|---|---:|---:|---:|---:|')
    for (rule, safety), (f, c, g, a) in sorted(stats.items()):
        print(f'| `{rule}` | {safety} | {f:,} | {c:,} | {g:,} ({100 * g / max(c, 1):.0f}%) | {a:,} ({100 * a / max(f, 1):.0f}%) |')
    rnd = random.Random(14)
    with open(f'{outdir}/enumeration-sim-samples.txt', 'w', encoding='utf-8') as o:
        for key, items in sorted(ex.items()):
            o.write(f'## {key[0]} ({key[1]})\n\n')
            for seps, ctx in rnd.sample(items, min(30, len(items))):
                o.write(f'- {seps} | {ctx}\n')
            o.write('\n')


if __name__ == '__main__':
    main()
