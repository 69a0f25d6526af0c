#!/usr/bin/env bash
# The hostile-input build: uoms, the sandbox, the unit tests and the libFuzzer targets, all
# compiled once by clang-19 with AddressSanitizer, UBSan and the fuzzer's coverage
# instrumentation (UOMS_FUZZ) in build-sanitize, at -O1 with line tables (asserts stay on).
# Then the whole unit, end-to-end and fault suite runs there. Any report fails the test that
# caused it: ASan aborts on the first error and UBSan does not recover.
#
#   bash scripts/sanitize.sh                 # build, then every test (what .ci/run does)
#   bash scripts/sanitize.sh -R e2e.test_sync_stock
#   bash scripts/sanitize.sh --build-only    # what scripts/fuzz.sh runs first
#
# Other arguments are passed to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

build_only=0
if [ "${1:-}" = "--build-only" ]; then
  build_only=1
  shift
fi

bash scripts/deps.sh --fuzz
cmake -S . -B build-sanitize -DCMAKE_CXX_COMPILER=clang++-19 -DUOMS_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >/dev/null
# The benchmarks are not tests; building them would only lengthen the run.
cmake --build build-sanitize -j2 --target uoms uoms-sandbox uoms_unit uoms-fuzz
if [ "$build_only" -eq 1 ]; then
  exit 0
fi
export ASAN_OPTIONS="abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
ctest --test-dir build-sanitize --output-on-failure -j2 "$@"
