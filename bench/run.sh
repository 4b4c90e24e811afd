#!/usr/bin/env bash
# Performance benchmark, copydesk side by side with autocorrect-py (issues 4 and 16).
#
#   bench/run.sh [--with-100] [--sizes "1 10"] [--reps N] [--no-peer] [--no-web] [--skip-build] [--e2e-only]
#
# Builds copydesk and copydesk-bench in release mode, prepares the inputs in bench/out/ (generated corpora of
# 1 and 10 MB, 100 MB with --with-100; the real web-news corpus from WEB_NEWS_FILE, or when
# ../shared/corpora/fetch-web-news.sh can fetch it), installs autocorrect-py 2.14.0 when it can, and measures:
#   - the headline table (bench/e2e.py): the `copydesk` command as users run it, whole processes, on the web
#     news as one file and as one file per article (ARTICLES_DIR, or split at its `### ` lines): lint --fix,
#     lint (text, json, sarif), print style, the duplicates pack; min and median of --reps runs, CPU, peak RSS,
#     each run beside autocorrect-py `format` of the same text in its own process; per-file overhead of clean
#     small files; start-up (median of 20 runs). Written to bench/out/e2e.json. --e2e-only stops after it.
# and, as a second table that explains the first, on the same files:
#   - copydesk-bench in-process numbers (scanner, lint, fix, many small files, phrase lists, start-up);
#   - `copydesk lint` and `copydesk lint --fix` end to end (wall time, peak RSS);
#   - autocorrect_py.format(text) and lint_for(text, "txt") (wall time, peak RSS);
#   - start-up: `copydesk lint` on one small file, median of 20 runs (hyperfine when installed).
# Prints one table and writes bench/out/results.json. Never fails because the network or the peer is missing.
# Environment: SCRATCH (SwiftPM scratch path, default .build), PYTHON (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
OUT=bench/out
SIZES="1 10"
REPS=3
PEER=1
WEB=1
BUILD=1
E2E_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --with-100) SIZES="$SIZES 100" ;;
        --sizes) SIZES="$2"; shift ;;
        --reps) REPS="$2"; shift ;;
        --no-peer) PEER=0 ;;
        --no-web) WEB=0 ;;
        --skip-build) BUILD=0 ;;
        --e2e-only) E2E_ONLY=1 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n== %s\n' "$*" >&2; }
warn() { printf 'bench/run.sh: %s\n' "$*" >&2; }
mkdir -p "$OUT/work"

# ---------------------------------------------------------------- build
STATIC=""
# As the README installs it: the Swift runtime linked in, a position-dependent binary (no relocations at start-up).
[ "$(uname -s)" = Linux ] && STATIC="--static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie"
# The commit measured (recorded before building; "-dirty" when the working tree has uncommitted changes).
COMMIT=$(git describe --always --dirty 2>/dev/null || echo unknown)
if [ "$BUILD" = 1 ]; then
    say "building copydesk and copydesk-bench (release, scratch path $SCRATCH)"
    # Built as the README installs it (`--static-swift-stdlib` on Linux: start-up without binding the Swift runtime's
    # symbols); both products with the same flags, so that one build does not undo the other.
    swift build -c release --scratch-path "$SCRATCH" $STATIC --product copydesk-bench || { warn "build of copydesk-bench failed"; exit 1; }
    swift build -c release --scratch-path "$SCRATCH" $STATIC --product copydesk || { warn "build of copydesk failed"; exit 1; }
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" $STATIC --show-bin-path)
COPYDESK="$BIN/copydesk"
BENCH="$BIN/copydesk-bench"
[ -x "$COPYDESK" ] && [ -x "$BENCH" ] || { warn "no binaries in $BIN (run without --skip-build)"; exit 1; }

HAVE_PY=1
command -v "$PYTHON" >/dev/null 2>&1 || { HAVE_PY=0; warn "$PYTHON not found: peer columns, RSS of CLI runs and the summary table are skipped"; }

# ---------------------------------------------------------------- inputs
say "preparing inputs in $OUT"
INPUTS=()
for s in $SIZES; do
    f="$OUT/corpus-${s}mb.txt"
    if [ ! -s "$f" ]; then "$BENCH" --write-corpus "$f" --size-mb "$s" || { warn "cannot generate $f"; continue; }; fi
    INPUTS+=("$f")
done
WEB_NEWS=""
if [ "$WEB" = 1 ]; then
    for cand in "${WEB_NEWS_FILE:-}" "$OUT/corpora/web-news.txt" ".corpora/web-news.txt"; do
        [ -n "$cand" ] && [ -s "$cand" ] && { WEB_NEWS="$cand"; break; }
    done
    if [ -z "$WEB_NEWS" ]; then
        FETCH=../shared/corpora/fetch-web-news.sh
        if [ -f "$FETCH" ] && [ "$HAVE_PY" = 1 ]; then
            if timeout 600 bash "$FETCH" "$OUT/corpora" >&2; then WEB_NEWS="$OUT/corpora/web-news.txt"
            else warn "could not fetch the web-news corpus (offline?); skipped"; fi
        else
            warn "$FETCH not found; the web-news corpus is skipped"
        fi
    fi
    [ -n "$WEB_NEWS" ] && [ -s "$WEB_NEWS" ] && INPUTS+=("$WEB_NEWS")
fi
# A small draft for start-up: the first article of the 1 MB corpus (or any input).
SMALL="$OUT/work/small.txt"
"$BENCH" --write-corpus "$SMALL" --size-mb 0.002 2>/dev/null || head -c 2000 "${INPUTS[0]}" > "$SMALL"

# ---------------------------------------------------------------- peer
PEER_DESC="not measured"
if [ "$PEER" = 1 ] && [ "$HAVE_PY" = 1 ]; then
    if ! "$PYTHON" -c 'import autocorrect_py' 2>/dev/null; then
        say "installing autocorrect-py 2.14.0"
        "$PYTHON" -m pip install --quiet autocorrect-py==2.14.0 >&2 || true
    fi
    if "$PYTHON" -c 'import autocorrect_py' 2>/dev/null; then
        PEER_DESC="autocorrect-py $("$PYTHON" -m pip show autocorrect-py 2>/dev/null | sed -n 's/^Version: //p')"
    else
        warn "autocorrect-py is not available: peer columns skipped"; PEER=0
    fi
else
    PEER=0
fi

# ---------------------------------------------------------------- headline: the command, end to end
E2E_TABLE=""
if [ "$HAVE_PY" = 1 ]; then
    say "end to end: the copydesk command beside autocorrect-py format (bench/e2e.py, $REPS runs each)"
    E2E_ARGS=(--copydesk "$COPYDESK" --work "$OUT/e2e" --reps "$REPS" --json "$OUT/e2e.json")
    [ "$PEER" = 1 ] || E2E_ARGS+=(--no-peer)
    if [ -n "$WEB_NEWS" ]; then
        E2E_ARGS+=(--web "$WEB_NEWS")
        if [ -n "${ARTICLES_DIR:-}" ] && [ -d "$ARTICLES_DIR" ]; then E2E_ARGS+=(--articles "$ARTICLES_DIR")
        else E2E_ARGS+=(--split-articles "$OUT/e2e/articles"); fi
    else
        warn "no web-news corpus: the headline table has only the per-file overhead and start-up"
    fi
    E2E_TABLE=$("$PYTHON" bench/e2e.py "${E2E_ARGS[@]}") || warn "bench/e2e.py failed"
    echo "$E2E_TABLE"
fi
if [ "$E2E_ONLY" = 1 ]; then exit 0; fi

# ---------------------------------------------------------------- measurements
RUNS="$OUT/runs.jsonl"
: > "$RUNS"
record() {  # record INPUT WHAT JSON
    [ -n "$3" ] || return 0
    "$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[3]); d["input"]=sys.argv[1]; d["what"]=sys.argv[2]; print(json.dumps(d))' "$1" "$2" "$3" >> "$RUNS"
}
name_of() { local b; b=$(basename "$1" .txt); echo "${b#corpus-}"; }

for f in "${INPUTS[@]}"; do
    name=$(name_of "$f")
    bytes=$(wc -c < "$f")
    say "$name ($bytes bytes): copydesk-bench"
    reps=$REPS
    [ "$bytes" -gt 50000000 ] && reps=1
    # One process per group of measurements (as the peer gets one per operation): a measurement does not inherit
    # the heap of the ones before it, and peak RSS belongs to its group. The JSON files are merged afterwards.
    parts=()
    for only in startup,parse,scan,bare lint fix files,phrases; do
        part="$OUT/work/bench-$name-${only%%,*}.json"
        "$BENCH" --reps "$reps" --only "$only" --json "$part" --tmp "$OUT/work" "$f" && parts+=("$part") || warn "copydesk-bench --only $only failed on $f"
    done
    if [ "$HAVE_PY" = 1 ] && [ "${#parts[@]}" -gt 0 ]; then
        "$PYTHON" - "$OUT/bench-$name.json" "${parts[@]}" <<'PY'
import json, sys
out, parts = sys.argv[1], sys.argv[2:]
merged = None
for p in parts:
    d = json.load(open(p))
    if merged is None:
        merged = d
    else:
        merged["results"] += d["results"]
json.dump(merged, open(out, "w"), indent=1)
PY
    fi
    [ "$HAVE_PY" = 1 ] || continue

    say "$name: copydesk CLI (lint, lint --fix)"
    record "$name" cli-lint "$("$PYTHON" bench/bench.py cmd --reps "$reps" --bytes "$bytes" -- "$COPYDESK" lint --no-config --color never "$f")"
    cp "$f" "$OUT/work/fix-input.txt"
    record "$name" cli-fix "$("$PYTHON" bench/bench.py cmd --reps "$reps" --bytes "$bytes" --copy "$f" "$OUT/work/fix-input.txt" -- "$COPYDESK" lint --fix --no-config --color never "$OUT/work/fix-input.txt")"

    if [ "$PEER" = 1 ]; then
        say "$name: autocorrect-py format, lint_for"
        for op in format lint; do
            # One process per operation, so that peak RSS belongs to it.
            j=$("$PYTHON" bench/bench.py peer "$op" "$f" --reps "$reps") && record "$name" "peer-$op" "$j" || warn "autocorrect-py $op failed on $f"
        done
    fi
done

# ---------------------------------------------------------------- start-up
say "start-up: copydesk lint on one small file (20 runs)"
SB=$(wc -c < "$SMALL")
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --runs 20 --warmup 3 -N -i --export-json "$OUT/work/startup.json" "$COPYDESK lint --no-config --color never $SMALL" >&2 || true
    ST=$("$PYTHON" -c 'import json,statistics,sys; r=json.load(open(sys.argv[1]))["results"][0]; t=r["times"]; print(json.dumps({"median_ms": statistics.median(t)*1000, "best_ms": min(t)*1000, "runs": len(t), "method": "hyperfine"}))' "$OUT/work/startup.json" 2>/dev/null)
else
    times=()
    for _ in 1 2 3; do "$COPYDESK" lint --no-config --color never "$SMALL" >/dev/null 2>&1; done
    for _ in $(seq 20); do
        t0=$(date +%s%N); "$COPYDESK" lint --no-config --color never "$SMALL" >/dev/null 2>&1; t1=$(date +%s%N)
        times+=($(( (t1 - t0) / 1000 )))
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    med_us=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    best_us=$(echo "$sorted" | head -1)
    ST="{\"median_ms\": $(awk "BEGIN{print $med_us/1000}"), \"best_ms\": $(awk "BEGIN{print $best_us/1000}"), \"runs\": 20, \"method\": \"date +%s%N loop\"}"
fi
echo "start-up: $ST" >&2

# ---------------------------------------------------------------- report
if [ "$HAVE_PY" = 1 ]; then
    "$PYTHON" - "$OUT/meta.json" "$ST" "$SB" "$PEER_DESC" "$COMMIT" <<'PY'
import json, os, sys
out, st, sb, peer, commit = sys.argv[1:6]
cpu = "unknown"
try:
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
except OSError:
    pass
st = json.loads(st) if st else {}
st["bytes"] = int(sb)
json.dump({"nproc": os.cpu_count(), "cpu": cpu, "peer": peer, "commit": commit, "startup": st}, open(out, "w"), indent=2)
PY
    [ -n "$E2E_TABLE" ] && { echo "$E2E_TABLE"; echo; echo "In-process measurements (they explain the table above):"; }
    "$PYTHON" bench/bench.py report "$OUT"
else
    echo "start-up: $ST"
    echo "in-process results: $OUT/bench-*.json (install python3 for the combined table and results.json)"
fi
exit 0
