#!/usr/bin/env bash
# Builds uoms, the sandbox and the unit tests with AddressSanitizer and UBSan (g++, in
# build-asan) and runs the whole unit, end-to-end and fault suite there. Any report fails
# the test that caused it: ASan aborts on the first error and UBSan is made to halt too.
#
#   bash scripts/sanitize.sh                 # everything (what .ci/run does)
#   bash scripts/sanitize.sh -R e2e.test_sync_stock
#
# Arguments are passed to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build-asan -DUOMS_SANITIZE=ON >/dev/null
# The benchmarks are not tests; building them would only lengthen the run.
cmake --build build-asan -j2 --target uoms uoms-sandbox uoms_unit
export ASAN_OPTIONS="abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
ctest --test-dir build-asan --output-on-failure -j2 "$@"
