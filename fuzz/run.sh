#!/usr/bin/env bash
# Builds the libFuzzer targets (release, AddressSanitizer, coverage for libFuzzer) and fuzzes each for SECONDS.
#
#   fuzz/run.sh SECONDS [fuzz-document|fuzz-config|fuzz-fix]…     (default: all three, one after another)
#
# Seeds: fuzz/corpus/<target>/ (committed, read only). Inputs the fuzzer finds go to .build-fuzz/corpus/<target>/
# (kept between runs, never committed); crashes to .build-fuzz/artifacts/<target>/; logs to .build-fuzz/logs/.
# A crash input is replayed without the fuzzer by a normal build: `swift run fuzz-fix PATH`.
# Extra libFuzzer flags: FUZZ_FLAGS="-max_len=20000 -jobs=2". Rules to leave out of fuzz-fix: FUZZ_RULES_OFF=id,id.
# Exit code: 0 when no target crashed, 1 otherwise, 2 on a build or usage error. docs/fuzzing.md has the details.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-}
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || { echo "usage: fuzz/run.sh SECONDS [TARGET…]" >&2; exit 2; }
shift
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(fuzz-document fuzz-config fuzz-fix)

SCRATCH=.build-fuzz
RESOURCE_DIR=$(dirname "$(dirname "$(command -v swift)")")/lib/swift/clang/lib/linux
LIBFUZZER="$RESOURCE_DIR/libclang_rt.fuzzer_no_main-$(uname -m).a"
[ -f "$LIBFUZZER" ] || { echo "libFuzzer not found at $LIBFUZZER (a swift.org Linux toolchain ships it)" >&2; exit 2; }

# `-sanitize=fuzzer` would link libFuzzer into every program of the build, including the build-time tool that
# embeds the rules (which then fails to link). So every Swift and C module is compiled with AddressSanitizer and
# libFuzzer's coverage instrumentation, and libFuzzer itself (without its main: FuzzSupport calls
# LLVMFuzzerRunDriver) is added at link time, where only the fuzz targets pull it in. -DFUZZING turns the
# targets from replayers into fuzzers.
BUILD_FLAGS=(
  -c release --scratch-path "$SCRATCH"
  -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
  -Xswiftc -DFUZZING
  -Xcc -fsanitize=fuzzer-no-link,address
  -Xlinker "$LIBFUZZER" -Xlinker -lstdc++
)
for t in "${TARGETS[@]}"; do
  echo "== building $t" >&2
  swift build "${BUILD_FLAGS[@]}" --product "$t" 2>&1 | grep -v "Cannot export local symbol" | tail -3 >&2
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "build of $t failed" >&2; exit 2; }
done
BIN=$(swift build "${BUILD_FLAGS[@]}" --show-bin-path 2>/dev/null)

# The Swift runtime's own crash handler would race libFuzzer's (and symbolicate slowly): libFuzzer reports.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}

status=0
summary=()
for t in "${TARGETS[@]}"; do
  work="$SCRATCH/corpus/$t"; art="$SCRATCH/artifacts/$t"; log="$SCRATCH/logs/$t.log"
  mkdir -p "$work" "$art" "$(dirname "$log")"
  dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  echo "== fuzzing $t for ${SECONDS_EACH}s (log: $log)" >&2
  start=$(date +%s); stamp="$SCRATCH/logs/$t.start"; touch "$stamp"
  # shellcheck disable=SC2086
  "$BIN/$t" "$work" "fuzz/corpus/$t" "${dict[@]}" \
    -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -max_len=16384 \
    -artifact_prefix="$art/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  files=$(find "$work" -type f | wc -l); bytes=$(find "$work" -type f -printf '%s\n' | awk '{s+=$1} END {printf "%d", s/1024}')
  crashes=$(find "$art" -type f -newer "$stamp" | wc -l)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  [ -n "$rate" ] || rate=$(( ${runs:-0} / (took > 0 ? took : 1) ))
  line="$t: ${took}s, ${runs:-0} runs, ${rate} exec/s, $cov, corpus $files files (${bytes} KB), exit $rc, new artifacts $crashes"
  summary+=("$line")
  echo "$line" >&2
  if [ $rc -ne 0 ]; then
    status=1
    grep -E 'ERROR: |fuzz invariant broken|Fatal error|Test unit written|SUMMARY' "$log" | head -8 >&2
  fi
done
echo "== summary"; printf '%s\n' "${summary[@]}"
rm -rf "${TMPDIR:-/tmp}"/copydesk-fuzz-config-* 2>/dev/null
exit $status
