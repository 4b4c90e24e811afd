#!/usr/bin/env bash
# The GB/T 15834/15835 rules of issue 14 (numbers, punctuation forms): hit rates, the enumeration-comma
# simulation and the throughput check, in one small script (it replaces the loop that lived in /tmp).
#
#   bench/standards.sh hits [CORPUS...]            findings of every issue-14 rule per 100k Han characters, and
#                                                   up to SAMPLES (default 60) findings of each rule with context
#                                                   for judging (bench/out/standards-<name>.md / -samples.txt)
#   bench/standards.sh enumeration [CORPUS]         the enumeration-comma rules on the corpus with every 、 and ，
#                                                   between Chinese made ','; how many of the commas they would
#                                                   make 、 were 、 in the source (bench/enumeration-sim.py)
#   bench/standards.sh speed OLD NEW [CORPUS]       OLD and NEW copydesk binaries run alternately PAIRS times
#                                                   (default 6), `lint` and `lint --fix` (on a copy) with
#                                                   `extends: [copydesk:recommended]`; median wall and CPU (GNU time)
#
# CORPUS defaults to $WEB_NEWS_FILE or /work/corpora/web-news.txt. BIN (default .build/debug/copydesk, built
# by `swift build`) runs `hits` and `enumeration`. Nothing here is part of `swift test`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
mkdir -p "$OUT"
BIN=${BIN:-.build/debug/copydesk}
PYTHON=${PYTHON:-python3}
DEFAULT_CORPUS=${WEB_NEWS_FILE:-/work/corpora/web-news.txt}
CFG=$OUT/standards.yml
cat > "$CFG" <<'YAML'
extends: []
rules:
  numbers.approx-arabic: on
  numbers.approx-chinese: on
  numbers.bai-qian: on
  numbers.event-date: on
  numbers.leading-zero: on
  numbers.lunar-arabic: on
  numbers.mixed-date: on
  numbers.range-unit: on
  numbers.split-number: on
  numbers.split-number-line: on
  numbers.two-digit-year: on
  numbers.year-zero: on
  punctuation.caption-period: on
  punctuation.caption-period-credit-line: on
  punctuation.dunhao-between-quoted: on
  punctuation.ellipsis-deng: on
  punctuation.enumeration-comma: on
  punctuation.enumeration-comma-words: on
  punctuation.list-marker: on
  punctuation.ordinal-bracket-dunhao: on
  punctuation.ordinal-di-dunhao: on
  punctuation.period-after-number: on
  punctuation.quote-nesting: on
  punctuation.quote-style: on
  punctuation.straight-quotes: on
  punctuation.tilde-range: on
  punctuation.unbalanced-pairs: on
YAML

cmd=${1:-}; shift || true
case "$cmd" in
hits)
    [ $# -gt 0 ] || set -- "$DEFAULT_CORPUS"
    for corpus in "$@"; do
        name=$(basename "$corpus" .txt)
        "$BIN" lint --config "$CFG" --format json "$corpus" > "$OUT/standards-$name.json"
        [ $? -le 1 ] || { echo "copydesk failed on $corpus" >&2; exit 2; }
        "$PYTHON" bench/rule-hit-rates.py "$OUT/standards-$name.json" "$corpus" --samples "${SAMPLES:-60}" --seed 14 \
            --samples-out "$OUT/standards-$name-samples.txt" | tee "$OUT/standards-$name.md"
    done ;;
enumeration)
    "$PYTHON" bench/enumeration-sim.py "$BIN" "${1:-$DEFAULT_CORPUS}" "$OUT" ;;
speed)
    [ $# -ge 2 ] || { echo "usage: bench/standards.sh speed OLD NEW [CORPUS]" >&2; exit 2; }
    old=$1 new=$2 corpus=${3:-$DEFAULT_CORPUS} pairs=${PAIRS:-6}
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    printf 'extends: [copydesk:recommended]\n' > "$tmp/.lintrc.yml"
    : > "$tmp/times"
    for i in $(seq "$pairs"); do
        for which in old new; do
            bin=$old; [ $which = new ] && bin=$new
            /usr/bin/time -f "$which lint %e %U %S" -a -o "$tmp/times" "$bin" lint --config "$tmp/.lintrc.yml" --format json "$corpus" > /dev/null
            cp "$corpus" "$tmp/copy.txt"
            /usr/bin/time -f "$which fix %e %U %S" -a -o "$tmp/times" "$bin" lint --fix --config "$tmp/.lintrc.yml" --format json "$tmp/copy.txt" > /dev/null
        done
    done
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $pairs pairs; $corpus"
    "$PYTHON" - "$tmp/times" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 5 and p[0] in ('old', 'new'):
        runs[(p[0], p[1])].append((float(p[2]), float(p[3]) + float(p[4])))
print('| command | old wall (median, min) | new wall (median, min) | old CPU | new CPU | change (median wall) |')
print('|---|---:|---:|---:|---:|---:|')
for c in ('lint', 'fix'):
    o, n = runs[('old', c)], runs[('new', c)]
    if not o or not n: continue
    ow, nw = statistics.median(w for w, _ in o), statistics.median(w for w, _ in n)
    oc, nc = statistics.median(u for _, u in o), statistics.median(u for _, u in n)
    print(f'| `lint{" --fix" if c == "fix" else ""}` | {ow:.2f} s, {min(w for w, _ in o):.2f} | {nw:.2f} s, {min(w for w, _ in n):.2f} | {oc:.2f} s | {nc:.2f} s | {100 * (nw - ow) / ow:+.0f}% |')
PY
    ;;
*)
    sed -n '2,17p' "$0"; exit 2 ;;
esac
