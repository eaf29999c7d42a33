#!/usr/bin/env bash
# Builds lockbench for aarch64 (--config=aarch64) and runs it under qemu-aarch64 user-mode
# emulation: every C++ test of arch/, the locks (lockimpls/) and the engine (workloads/) through
# `bazel test --config=qemu`, then the tool itself once: `topology` and a short `run` whose result
# file must pass the schema and say it came from aarch64 with the generic timer.
#   bash bazel/qemu_tests.sh [BAZEL-FLAGS...]   # e.g. --config=aarch64_lse
# Needs `bash bazel/setup.sh --cross aarch64`. Ends with "qemu tool: N passed, N failed"; exits 1
# when a test or a check failed. qemu shows that the port builds and behaves, not how fast it is:
# its timings say nothing about real ARM hardware.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
status=0
flags=(--config=aarch64 "$@")

# Shell tests run host tools (bash, python), so only the C++ tests run under qemu. Left out,
# because qemu-user cannot do what they test, not because the port fails them:
#   conformance_test, topology_regression_test: stress and hwloc loops past their 60 s under
#     emulation;
#   placement_test: qemu-user does not implement mbind/get_mempolicy (ENOSYS);
#   lock_schedules_test: it explores a sequentially consistent model of the lock code, the same
#     on every architecture, and its tens of thousands of schedules are hand-overs between
#     threads, which emulation only slows down;
#   death tests (and the fast_mutex cases that hold one): gtest re-executes the test binary,
#     and an aarch64 binary cannot exec another without binfmt_misc.
skip='//lockimpls:conformance_test + //lockimpls:lock_schedules_test + //workloads:topology_regression_test + //workloads:placement_test'
# Tests that are not GoogleTest binaries (and take no --gtest_filter): fuzz replays and the
# benchmarks' smoke runs.
others="attr(name, 'fuzz_replay_test', kind(cc_test, //workloads/...)) + attr(name, 'benchmark_smoke_test\$', kind(cc_test, //arch/... + //base/... + //lockimpls/... + //workloads/...))"
mapfile -t gtests < <(bazel query "kind(cc_test, //arch/... + //base/... + //lockimpls/... + //workloads/...) \
  except ($others) except ($skip)" 2>/dev/null)
mapfile -t replays < <(bazel query "$others" 2>/dev/null)
no_exec='-*DeathTest*:GateMutexTest/*.ExclusiveOnlyAndNotRecursive:FastMutexApiTest.UnsafeCallsRequireApcsDisabled:GuardedMutexApiTest.AcquireEntersGuardedRegionAndFailedTryLeavesIt:GuardedMutexApiTest.UnsafeCallsEnterNoRegionAndRequireAGuardedRegionOrApcLevel'
# Only this run's test logs: CI counts the test.xml files there, and a left-out test must not
# be counted from an older run.
rm -rf "$(bazel info "${flags[@]}" bazel-testlogs 2>/dev/null)"
echo "qemu: ${#gtests[@]} GoogleTest and ${#replays[@]} other tests under qemu-aarch64" >&2
if ! bazel test "${flags[@]}" --config=qemu --test_arg=--gtest_filter="$no_exec" "${gtests[@]}"; then
  status=1
fi
if ! bazel test "${flags[@]}" --config=qemu "${replays[@]}"; then
  status=1
fi

# The tool once, under qemu.
source "$root/bazel/check_lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bazel build "${flags[@]}" //tool:lockbench
check $? "lockbench builds for aarch64"
bin="$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)/tool/lockbench"
file -L "$bin" | grep -q "ARM aarch64"
check $? "lockbench is an aarch64 executable ($(file -L "$bin" | cut -d, -f1-2))"
# The arm64 libc and loader of Debian's multiarch packages, where the binary's interpreter
# (/lib/ld-linux-aarch64.so.1) points; see .bazelrc's qemu config for why not -L.
qemu=(qemu-aarch64)
"${qemu[@]}" "$bin" topology >"$tmp/topology" 2>&1
check $? "lockbench topology runs under qemu ($(head -c 300 "$tmp/topology"))"
"${qemu[@]}" "$bin" run --lock push_lock,shared_mutex,queued_spin_lock --threads 2 --duration 200ms \
  --warmup 20ms --out "$tmp/run.json" >"$tmp/table" 2>&1
check $? "lockbench run exits 0 under qemu ($(tail -c 300 "$tmp/table"))"
python3 results/validate_result.py results/result_schema.json "$tmp/run.json" >"$tmp/validate" 2>&1
check $? "its result file passes the schema ($(tail -c 300 "$tmp/validate"))"
python3 - "$tmp/run.json" >"$tmp/context" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
c = doc["context"]
print({k: c.get(k) for k in ["arch", "atomics", "cpu_lse", "clock", "timer_frequency_hz",
                             "timer_frequency_source", "timer_resolution_ns", "timer_overhead_ns",
                             "compiler"]})
assert c["arch"] == "aarch64" and c["clock"] == "cntvct_el0", c
assert c["timer_frequency_source"] == "cntfrq_el0" and c["timer_frequency_hz"] > 0, c
assert c["atomics"] in ("lse", "outline-atomics", "llsc"), c["atomics"]
assert all(r["status"] == "ok" and r["ops"] > 0 for r in doc["runs"]), doc["runs"]
PY
check $? "its context records aarch64, cntvct_el0 and the atomics ($(cat "$tmp/context"))"
cat "$tmp/context" >&2
check_finish "qemu tool" || status=1
exit "$status"
