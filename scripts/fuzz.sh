#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/<name>.cpp, one per input surface) in build-sanitize
# by scripts/sanitize.sh (clang-19, ASan, UBSan), and runs each for SECONDS from its seed corpus
# (tests/fuzz/corpus/<name>). Prints per target the executions and crashes; exits 1 when
# any target crashed, naming the input that did (build-sanitize/fuzz/<name>/crash-*).
#
#   bash scripts/fuzz.sh                   # every target, 20 s each (the CI smoke run)
#   bash scripts/fuzz.sh --seconds 600 csv config
#
# What each run finds new is kept in build-sanitize/fuzz/<name>/corpus, so later runs start
# from it; the seeds in tests/fuzz/corpus are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (--seconds N, then target names)" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  for source in tests/fuzz/*.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/$t.cpp" ]; then
    echo "fuzz.sh: no target \"$t\" (tests/fuzz/$t.cpp)" >&2
    exit 2
  fi
done

# The targets come from the sanitizer build (clang-19, ASan, UBSan, coverage).
bash scripts/sanitize.sh --build-only

failed=0
printf '%-16s %12s %8s %8s\n' target executions crashes seconds
for t in "${targets[@]}"; do
  dir="build-sanitize/fuzz/$t"
  mkdir -p "$dir/corpus"
  status=0
  # -timeout: one input taking 25 s is a hang, reported like a crash.
  "build-sanitize/uoms-fuzz-$t" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  crashes=0
  if [ "$status" -ne 0 ]; then
    crashes=1 # libFuzzer stops at the first
    failed=1
  fi
  printf '%-16s %12s %8s %8s\n' "$t" "${executions:-?}" "$crashes" "$seconds"
  if [ "$status" -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|Test unit written|uncaught|terminate' "$dir/log" | head -8 | sed 's/^/    /'
    echo "    log: $dir/log" >&2
  fi
done
exit "$failed"
