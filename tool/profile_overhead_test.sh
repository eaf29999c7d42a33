#!/usr/bin/env bash
# tool/profile_overhead.sh runs briefly (one invocation, a twentieth of the work) and prints its
# table: both programs, the three variants, a number and a ratio in each row. Its ratios are not
# checked: on a shared 2-core machine a timed assertion would only measure the noise.
#
# Usage: profile_overhead_test.sh path/to/profile_overhead.sh path/to/lockbench
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

out=$(bash "$1" "$2" 1 0.05 2>&1)
check $? "profile_overhead.sh completes ($(printf '%s' "$out" | tail -2))"
for program in sysbench db_bench; do
  for variant in plain observed sample16; do
    printf '%s\n' "$out" | grep -Eq "^$program +$variant +[0-9.e+-]+ +[0-9.]+x "
    check $? "a row for $program $variant ($out)"
  done
done
check_finish profile_overhead_test
