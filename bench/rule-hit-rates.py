#!/usr/bin/env python3
"""Per-rule hit rates of a `copydesk lint --format json` run, per 100k Han characters of the corpus.

usage: rule-hit-rates.py FINDINGS.json CORPUS.txt [--samples N] [--seed S] [--samples-out FILE]

Prints a Markdown table (rule, findings, per 100k Han characters, fixable share) and, with --samples-out,
writes N randomly chosen findings of each rule with their context (the text around the finding, the
finding itself in [[ ]], and the fix) for judging by hand. Byte offsets in the JSON are UTF-8 offsets into
the corpus (after a BOM, if any).
"""
import argparse
import collections
import json
import random
import sys


def is_han(ch):
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3FFFF or o in (0x3007, 0x3005) or 0x2E80 <= o <= 0x2FDF)


def show(b):
    s = b.decode('utf-8', errors='replace')
    return (s.replace('\n', '⏎').replace('\u3000', '␣ᵢ').replace(' ', '␠').replace('\t', '⇥')
            .replace('\u200b', '<200B>').replace('\xa0', '<A0>'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('findings')
    ap.add_argument('corpus')
    ap.add_argument('--samples', type=int, default=10)
    ap.add_argument('--seed', type=int, default=3)
    ap.add_argument('--samples-out')
    ap.add_argument('--context', type=int, default=36, help='bytes of context on each side')
    a = ap.parse_args()

    data = json.load(open(a.findings, encoding='utf-8'))
    raw = open(a.corpus, 'rb').read()
    if raw.startswith(b'\xef\xbb\xbf'):
        raw = raw[3:]
    text = raw.decode('utf-8')
    han = sum(1 for ch in text if is_han(ch))

    by_rule = collections.defaultdict(list)
    for d in data['diagnostics']:
        by_rule[d['rule']].append(d)

    total = sum(len(v) for v in by_rule.values())
    print(f'Corpus: {a.corpus}: {len(raw):,} bytes, {han:,} Han characters; {total:,} findings.\n')
    print('| rule | findings | per 100k Han | with safe fix |')
    print('|---|---:|---:|---:|')
    for rule, ds in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        fixable = sum(1 for d in ds if d.get('fix') and d['fix'].get('safety') == 'safe')
        print(f'| `{rule}` | {len(ds):,} | {len(ds) * 100000 / han:.1f} | {fixable * 100 / len(ds):.0f}% |')
    print(f'| **all** | {total:,} | {total * 100000 / han:.1f} | |')

    if a.samples_out:
        rnd = random.Random(a.seed)
        with open(a.samples_out, 'w', encoding='utf-8') as out:
            for rule, ds in sorted(by_rule.items()):
                out.write(f'## {rule} ({len(ds)} findings)\n\n')
                for d in sorted(rnd.sample(ds, min(a.samples, len(ds))), key=lambda d: d['start']['byte']):
                    s, e = d['start']['byte'], d['end']['byte']
                    lo, hi = max(0, s - a.context), min(len(raw), e + a.context)
                    # Widen to character boundaries.
                    while lo > 0 and (raw[lo] & 0xC0) == 0x80:
                        lo -= 1
                    while hi < len(raw) and (raw[hi] & 0xC0) == 0x80:
                        hi += 1
                    ctx = show(raw[lo:s]) + '[[' + show(raw[s:e]) + ']]' + show(raw[e:hi])
                    fix = ''
                    if d.get('fix'):
                        fix = ' → ' + '; '.join(repr(x['replacement']) for x in d['fix']['edits'][:3])
                    out.write(f"- line {d['start']['line']}: {ctx}{fix}\n")
                out.write('\n')
        print(f'\nSamples: {a.samples_out}', file=sys.stderr)


if __name__ == '__main__':
    main()
