#!/usr/bin/env bash
# tool/harness_overhead.sh end to end on the built binaries, briefly: it prints one row per lock
# and mode with positive figures, and refuses bad input with exit 2. It checks the report's
# shape, not the ratios: those are for a quiet machine and a longer run.
set -uo pipefail
script=$1
lockbench=$2
lock_benchmark=$3
source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
bins=(--lockbench "$lockbench" --lock-benchmark "$lock_benchmark")

# 200 ms: long enough that a thread of a busy test machine still runs in its window.
bash "$script" "${bins[@]}" --locks tbb_spin_rw --rounds 1 --duration 200ms --timed --out "$tmp/raw" \
  >"$tmp/out" 2>"$tmp/err"
check $? "a short run exits 0 ($(cat "$tmp/err"))"
python3 - "$tmp/out" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.startswith(("exclusive", "shared"))]
assert [(r[0], r[1]) for r in rows] == [("exclusive", "tbb_spin_rw"), ("shared", "tbb_spin_rw")], rows
for r in rows:
    lockbench, benchmark, ratio = float(r[2]), float(r[3]), float(r[4].rstrip("x"))
    assert lockbench > 0 and benchmark > 0, r
    assert abs(ratio - lockbench / benchmark) < 0.01, r
    timed, predicted = float(r[6]), float(r[7])
    assert timed > lockbench and predicted > lockbench, r  # timing every acquisition costs
PY
check $? "one row per mode with consistent figures"
ls "$tmp/raw"/lockbench_exclusive_1.json "$tmp/raw"/timed_shared_1.json "$tmp/raw"/benchmark_1.json >/dev/null
check $? "--out keeps the raw results"

expect_usage_error() {  # NAME EXPECTED_TEXT ARGS...
  local name=$1 text=$2
  shift 2
  bash "$script" "${bins[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [[ $rc -eq 2 && $(wc -l <"$tmp/err") -eq 1 ]] && grep -q -- "$text" "$tmp/err"
  check $? "$name: exit 2 with one line naming it (rc=$rc, stderr: $(cat "$tmp/err"))"
}
expect_usage_error "rounds 0" "--rounds" --rounds 0
expect_usage_error "bad mode" "--modes" --modes exclusive,both
expect_usage_error "unknown option" "--colour" --colour red
expect_usage_error "bad ratio" "--max-ratio" --max-ratio fast
expect_usage_error "unknown lock" "no_such_lock" --locks no_such_lock --rounds 1 --duration 50ms
expect_usage_error "missing binary" "--lockbench" --lockbench "$tmp/none"

check_finish harness_overhead_test
