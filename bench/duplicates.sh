#!/usr/bin/env bash
# Cost of the duplicates pack on batches of files (issue 11): 1,000 and 10,000 files cut from real web news, linted
# end to end with the recommended rules, with and without the pack (cross-file pass included), and the whole
# corpus as one batch of per-article files.
#
#   bench/duplicates.sh [--corpus PATH] [--reps N] [--skip-build] [--bin PATH]
#
# --bin: measure that copydesk binary instead of this package's release build (to compare two builds).
#
# Files: every article of the corpus (`### title` lines separate them) cut in two halves (title + first half,
# title + second half), so 10,000 files hold no more copies than the corpus itself. Prints wall time, user CPU and
# peak RSS (GNU time), best of N runs, and the findings of the pack. Writes the files under ${TMPDIR:-/tmp}.
set -uo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-}
REPS=3
BUILD=1
BIN_GIVEN=
while [ $# -gt 0 ]; do
    case "$1" in
        --corpus) CORPUS="$2"; shift ;;
        --reps) REPS="$2"; shift ;;
        --skip-build) BUILD=0 ;;
        --bin) BIN_GIVEN="$2"; BUILD=0; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
for c in "$CORPUS" ../shared/corpora/web-news.txt ../main/.corpora/web-news.txt /work/main/.corpora/web-news.txt; do
    [ -n "$c" ] && [ -f "$c" ] && { CORPUS=$c; break; }
done
[ -f "$CORPUS" ] || { echo "no web-news corpus (run ../shared/corpora/fetch-web-news.sh or pass --corpus)"; exit 0; }
[ $BUILD = 1 ] && swift build -c release --product copydesk >/dev/null
BIN=${BIN_GIVEN:-$(swift build -c release --show-bin-path)/copydesk}
WORK=${TMPDIR:-/tmp}/copydesk-dup-bench
rm -rf "$WORK"; mkdir -p "$WORK"
python3 - "$CORPUS" "$WORK" <<'PY'
import os, sys
src, work = sys.argv[1], sys.argv[2]
arts, cur = [], None
for line in open(src, encoding='utf-8'):
    line = line.rstrip('\n')
    if line.startswith('### '):
        if cur: arts.append(cur)
        cur = [line[4:], []]
    elif cur is not None and line.strip():
        cur[1].append(line)
if cur: arts.append(cur)
def write(d, i, title, ps):
    sub = os.path.join(d, '%03d' % (i // 1000)); os.makedirs(sub, exist_ok=True)
    open(os.path.join(sub, '%05d.txt' % i), 'w', encoding='utf-8').write(title + '\n\n' + '\n'.join(ps) + '\n')
for i, (t, ps) in enumerate(arts): write(os.path.join(work, 'articles'), i, t, ps)
halves = []
for t, ps in arts:
    h = max(1, len(ps) // 2)
    halves.append((t, ps[:h]))
    if ps[h:]: halves.append((t + '（续）', ps[h:]))
for n in (1000, 10000):
    for i, (t, ps) in enumerate(halves[:n]): write(os.path.join(work, str(n)), i, t, ps)
PY
# The pack is opt-in (copydesk:duplicates) while it is slower than the recommended rules.
printf 'extends: [copydesk:recommended]\nrules:\n  duplicates: off\n' > "$WORK/off.yml"
printf 'extends: [copydesk:recommended, copydesk:duplicates]\n' > "$WORK/on.yml"
printf '%-10s %-4s %8s %8s %9s %9s\n' input pack wall_s user_s rss_MB findings
for input in 1000 10000 articles; do
    for pack in off on; do
        best=""
        for _ in $(seq "$REPS"); do
            /usr/bin/time -f "%e %U %M" -o "$WORK/time" "$BIN" lint --config "$WORK/$pack.yml" --format json "$WORK/$input" > "$WORK/out.json"
            line=$(cat "$WORK/time" | tail -1)
            if [ -z "$best" ] || [ "$(echo "$line" | cut -d' ' -f1 | tr -d .)" -lt "$(echo "$best" | cut -d' ' -f1 | tr -d .)" ]; then best=$line; fi
        done
        found=$(python3 -c "import json,sys; d=json.load(open('$WORK/out.json')); print(sum(1 for x in d['diagnostics'] if x['rule'].startswith('duplicates.')))")
        set -- $best
        printf '%-10s %-4s %8s %8s %9.1f %9s\n' "$input" "$pack" "$1" "$2" "$(echo "$3/1024" | bc -l)" "$found"
    done
done
