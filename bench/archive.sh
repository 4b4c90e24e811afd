#!/usr/bin/env bash
# Archive benchmark (issue 12): SQLite backend.
#
#   bench/archive.sh [--corpus DIR] [--paragraphs 100000,1000000] [--drafts 100] [--skip-build]
#
# 1. Indexes the real corpus (one file per article; default /work/corpora/articles, else ../shared/corpora/articles
#    as fetched by ../shared/corpora/fetch-web-news.sh) with `copydesk archive add` in one transaction: articles
#    per second and size on disk.
# 2. copydesk-archive-bench fills a synthetic archive to each paragraph count and times the check of 100 drafts of
#    about 3,000 characters against it (median and p95).
# Release builds; results in bench/out/archive-*.json, the table on standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build}
CORPUS=/work/corpora/articles
[ -d "$CORPUS" ] || CORPUS=../shared/corpora/articles
PARAGRAPHS=100000,1000000
DRAFTS=100
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --corpus) CORPUS="$2"; shift ;;
        --paragraphs) PARAGRAPHS="$2"; shift ;;
        --drafts) DRAFTS="$2"; shift ;;
        --skip-build) BUILD=0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [ "$BUILD" = 1 ]; then
    swift build -c release --scratch-path "$SCRATCH" --product copydesk >&2
    swift build -c release --scratch-path "$SCRATCH" --product copydesk-archive-bench >&2
fi
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)
OUT=bench/out
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -d "$CORPUS" ]; then
    n=$(find "$CORPUS" -name '*.txt' | wc -l)
    start=$(date +%s.%N)
    "$BIN/copydesk" archive add --archive "$WORK/corpus.sqlite" --date 2026-01-01 "$CORPUS" 2>&1 | tail -1 >&2
    end=$(date +%s.%N)
    "$BIN/copydesk" archive stats --json --archive "$WORK/corpus.sqlite" > "$OUT/archive-corpus-stats.json"
    secs=$(echo "$end - $start" | bc -l)
    printf '{"articles":%d,"seconds":%.1f,"articlesPerSecond":%.0f,"stats":%s}\n' "$n" "$secs" "$(echo "$n / $secs" | bc -l)" \
        "$(cat "$OUT/archive-corpus-stats.json")" | tee "$OUT/archive-corpus.json"
    # Re-adding the whole corpus replaces every article (one transaction).
    start=$(date +%s.%N)
    "$BIN/copydesk" archive add --archive "$WORK/corpus.sqlite" --date 2026-01-01 "$CORPUS" 2>&1 | tail -1 >&2
    end=$(date +%s.%N)
    printf '{"readd_seconds":%.1f}\n' "$(echo "$end - $start" | bc -l)" | tee -a "$OUT/archive-corpus.json"
else
    echo "no corpus at $CORPUS: skipped the real-corpus part" >&2
fi

"$BIN/copydesk-archive-bench" "$WORK/synthetic.sqlite" --paragraphs "$PARAGRAPHS" --drafts "$DRAFTS" | tee "$OUT/archive-synthetic.json"
