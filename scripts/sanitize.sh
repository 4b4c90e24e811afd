#!/usr/bin/env bash
# Runs the test suite under the sanitizers, one after another, each in its own scratch folder:
#   address    AddressSanitizer: out-of-bounds and use-after-free in the unsafe-pointer code (SourceText's
#              memchr line table and UTF-8 DFA, the boundary scanner, the Aho–Corasick automaton, FixApplier's
#              buffer copies) and in Yams' C parser. LeakSanitizer is off (ASAN_OPTIONS=detect_leaks=0): on Linux
#              it cannot follow Swift's bit-packed pointers (indirect enums, side tables) and reports objects still
#              reachable from globals, and XCTest's own objects, as leaks (docs/fuzzing.md)
#   undefined  UndefinedBehaviorSanitizer on the C code (libyaml inside Yams). swiftc has no -sanitize=undefined
#              on Linux ("unsupported option"); Swift code traps on overflow, bounds and nil itself, and the tests
#              run in debug, where those checks are on
#   thread     ThreadSanitizer: the parallel paths (Parallel.map over chunks of a large document, exercised by
#              ParallelDocumentTests with the threshold lowered; Runner's parallel lint of many files, CLITests)
#
#   scripts/sanitize.sh [address|undefined|thread]…     (default: all three)
#   SANITIZE_FILTER=Parallel scripts/sanitize.sh thread  (only the tests matching a --filter)
#
# Logs: .build-<sanitizer>/sanitize.log. Exit code 0 when every run passed with no sanitizer report.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=("$@")
[ ${#RUNS[@]} -eq 0 ] && RUNS=(address undefined thread)

# The Swift runtime's backtracer would race the sanitizers' own reports.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=0:report_error_type=1}
RESOURCE_DIR=$(dirname "$(dirname "$(command -v swift)")")/lib/swift/clang/lib/linux
UBSAN_RT="$RESOURCE_DIR/libclang_rt.ubsan_standalone-$(uname -m).a"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}

status=0
summary=()
for san in "${RUNS[@]}"; do
  case "$san" in
    address) scratch=.build-asan ;;
    undefined) scratch=.build-ubsan ;;
    thread) scratch=.build-tsan ;;
    *) echo "unknown sanitizer '$san' (address, undefined, thread)" >&2; exit 2 ;;
  esac
  mkdir -p "$scratch"
  log="$scratch/sanitize.log"
  filter=(); [ -n "${SANITIZE_FILTER:-}" ] && filter=(--filter "$SANITIZE_FILTER")
  echo "== swift test --sanitize=$san (log: $log)" >&2
  start=$(date +%s)
  if [ "$san" = undefined ]; then
    # C modules only: -fsanitize=undefined at compile time, the standalone runtime at link time.
    swift test --scratch-path "$scratch" "${filter[@]}" -Xcc -fsanitize=undefined \
      -Xlinker "$UBSAN_RT" -Xlinker -lstdc++ >"$log" 2>&1
  else
    swift test --sanitize="$san" --scratch-path "$scratch" "${filter[@]}" >"$log" 2>&1
  fi
  rc=$?
  took=$(( $(date +%s) - start ))
  reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$log")
  result=$(grep -E '^(✔|✘) Test run with' "$log" | tail -1)
  xctest=$(grep -E 'Executed [0-9]+ tests' "$log" | tail -1 | sed 's/^ *//')
  line="$san: exit $rc, ${took}s (build included), sanitizer reports: $reports; ${result:-no Swift Testing summary}${xctest:+; XCTest: $xctest}"
  summary+=("$line")
  echo "$line" >&2
  if [ $rc -ne 0 ] || [ "$reports" -ne 0 ]; then
    status=1
    grep -E -A3 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:|SUMMARY:|error:|✘' "$log" | head -40 >&2
  fi
done
echo "== summary"; printf '%s\n' "${summary[@]}"
exit $status
