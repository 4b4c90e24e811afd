#!/usr/bin/env bash
# Archive benchmark (issue 12): both backends, SQLite and PostgreSQL, the same measurements in one table.
#
#   bench/archive.sh [--backends sqlite,postgres] [--corpus DIR] [--paragraphs 100000,1000000] [--drafts 100] [--skip-build]
#
# For each backend:
# 1. Indexes the real corpus (one file per article; default /work/corpora/articles, else ../shared/corpora/articles
#    as fetched by ../shared/corpora/fetch-web-news.sh) with `copydesk archive add` in one transaction: articles
#    per second and size on disk; then re-adds it (every article replaced).
# 2. copydesk-archive-bench fills a synthetic archive to each paragraph count and times the check of 100 drafts of
#    about 3,000 characters against it (median and p95).
# PostgreSQL: a throwaway server from scripts/pg-test-server.sh (Debian's packages; initdb in a temporary folder,
# Unix socket only, fsync off as in the tests — durable settings make `add` slower, not the check), one database per
# part, stopped at the end. Release builds with the package trait PostgreSQL (the binary has both backends).
# Results in bench/out/archive-*.json, the table on standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
CORPUS=/work/corpora/articles
[ -d "$CORPUS" ] || CORPUS=../shared/corpora/articles
PARAGRAPHS=100000,1000000
DRAFTS=100
BUILD=1
BACKENDS=sqlite,postgres
while [ $# -gt 0 ]; do
    case "$1" in
        --backends) BACKENDS="$2"; shift ;;
        --corpus) CORPUS="$2"; shift ;;
        --paragraphs) PARAGRAPHS="$2"; shift ;;
        --drafts) DRAFTS="$2"; shift ;;
        --skip-build) BUILD=0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
TRAITS=()
case ",$BACKENDS," in *,postgres,*) TRAITS=(--traits PostgreSQL) ;; esac
if [ "$BUILD" = 1 ]; then
    swift build -c release "${TRAITS[@]}" --scratch-path "$SCRATCH" --product copydesk >&2
    swift build -c release "${TRAITS[@]}" --scratch-path "$SCRATCH" --product copydesk-archive-bench >&2
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
OUT=bench/out
mkdir -p "$OUT"
WORK=$(mktemp -d)
PG_DIR=""
cleanup() { if [ -n "$PG_DIR" ]; then scripts/pg-test-server.sh stop "$PG_DIR"; fi; rm -rf "$WORK"; }
trap cleanup EXIT
: > "$OUT/archive-results.jsonl"

for backend in ${BACKENDS//,/ }; do
    case "$backend" in
    sqlite)
        corpus_loc="$WORK/corpus.sqlite"; synthetic_loc="$WORK/synthetic.sqlite" ;;
    postgres)
        PG_DIR=$(mktemp -d /tmp/copydesk-pg-bench.XXXXXX)
        eval "$(scripts/pg-test-server.sh start "$PG_DIR")"
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        "$pgbin/psql" -h "$PG_DIR/sock" -U postgres -q -c "CREATE DATABASE bench_corpus" -c "CREATE DATABASE bench_synthetic" >/dev/null
        corpus_loc="postgres://postgres@/bench_corpus?host=$PG_DIR/sock"
        synthetic_loc="postgres://postgres@/bench_synthetic?host=$PG_DIR/sock" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
    esac
    if [ -d "$CORPUS" ]; then
        n=$(find "$CORPUS" -name '*.txt' | wc -l)
        start=$(date +%s.%N)
        "$BIN/copydesk" archive add --archive "$corpus_loc" --date 2026-01-01 "$CORPUS" 2>&1 | tail -1 >&2
        end=$(date +%s.%N)
        stats=$("$BIN/copydesk" archive stats --json --archive "$corpus_loc")
        secs=$(echo "$end - $start" | bc -l)
        start=$(date +%s.%N)
        "$BIN/copydesk" archive add --archive "$corpus_loc" --date 2026-01-01 "$CORPUS" 2>&1 | tail -1 >&2
        end=$(date +%s.%N)
        printf '{"backend":"%s","part":"corpus","articles":%d,"seconds":%.1f,"articlesPerSecond":%.0f,"readdSeconds":%.1f,"stats":%s}\n' \
            "$backend" "$n" "$secs" "$(echo "$n / $secs" | bc -l)" "$(echo "$end - $start" | bc -l)" "$stats" | tee -a "$OUT/archive-results.jsonl"
    else
        echo "no corpus at $CORPUS: skipped the real-corpus part" >&2
    fi
    "$BIN/copydesk-archive-bench" "$synthetic_loc" --paragraphs "$PARAGRAPHS" --drafts "$DRAFTS" \
        | sed "s/^{/{\"backend\":\"$backend\",\"part\":\"synthetic\",/" | tee -a "$OUT/archive-results.jsonl"
    if [ "$backend" = postgres ]; then scripts/pg-test-server.sh stop "$PG_DIR"; PG_DIR=""; fi
done

python3 - "$OUT/archive-results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("\n| backend | part | articles | paragraphs | add s | articles/s | size MB | re-add s | check median ms | check p95 ms |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["part"] == "corpus":
        s = r["stats"]
        print(f"| {r['backend']} | corpus | {r['articles']:,} | {s['paragraphs']:,} | {r['seconds']:.1f} | {r['articlesPerSecond']:,} | {s['bytes']/1e6:.1f} | {r['readdSeconds']:.1f} | | |")
    else:
        print(f"| {r['backend']} | synthetic | {r['articles']:,} | {r['paragraphs']:,} | {r['addSeconds']:.1f} (cumulative step) | | {r['bytes']/1e6:.1f} | | {r['checkMedianMs']:.2f} | {r['checkP95Ms']:.2f} |")
PY
