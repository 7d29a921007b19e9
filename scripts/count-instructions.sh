#!/bin/bash
# scripts/count-instructions.sh DIST BLOB EXPORT [ARGS…]   (GAS=1: with sync gas metering)
#
# Machine instructions one call of EXPORT(ARGS) executes on the compiler backend of the build in DIST, counted by
# valgrind (cachegrind, no cache simulation): the count of a process making K + 1 calls minus that of a process
# making one, divided by K (K=4 unless set), so start-up and translation cancel out. V8 runs single-threaded and
# without Liftoff, so the count repeats to within about 0.5% between processes. On this noisy shared machine, this
# compares code generation between two builds where timings cannot. Needs valgrind (apt install valgrind).
set -euo pipefail
here=$(dirname "$0")
K=${K:-4}
count() {
  RUNS=$1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --smc-check=all-non-file \
    node --no-liftoff --single-threaded "$here/run-guest.mjs" "${@:2}" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
}
one=$(count 1 "$@")
more=$(count $((K + 1)) "$@")
echo $(((more - one) / K))
