#!/usr/bin/env bash
# Soak: every lock that `lockbench list --format json` names, driven by 64 threads however few
# CPUs there are, with a random mix of modes, critical sections, think times, lock instances,
# try-acquires and, where the lock's traits allow it, recursive acquisition; the verifier on.
# Per lock: exit 0, status ok (no violation, no stall), and every thread made progress. Prints
# each lock's mix and the total time and operations.
#
# Threads have mixed roles (each acquisition shared or exclusive at random): a dedicated writer
# may legitimately starve on a reader-preferring lock, which lockbench reports as a finding about
# the lock, not a failure of it.
#
# Not part of `bazel test //...` (tagged manual and soak); CI runs it by name with a time bound:
#   bazel test //tool:soak_test --test_env=SOAK_SECONDS=30 --test_timeout=1200
# Environment: SOAK_SECONDS per lock (default 3), SOAK_SEED to replay a mix (default random,
#   printed), SOAK_THREADS (default 64), SOAK_LOCKS (comma-separated names; default all),
#   SOAK_TORTURE=1 to run each lock in torture mode (`run --torture`, seeded from the mix) and
#   check that every kind of disturbance was injected.
#
# Usage: soak_test.sh path/to/lockbench
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${TEST_TMPDIR:-$(mktemp -d)}/soak"
rm -rf "$tmp"
mkdir -p "$tmp"
seconds=${SOAK_SECONDS:-3}
threads=${SOAK_THREADS:-64}
seed=${SOAK_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

pick() {
  local options=("$@")
  echo "${options[RANDOM % ${#options[@]}]}"
}

# name and recursion trait of every lock, one "name recursion" pair per line.
"$bin" list --format json >"$tmp/list.json"
check $? "list --format json exits 0"
locks=$(python3 -c '
import json, sys
for l in json.load(open(sys.argv[1]))["locks"]:
    print(l["name"], l["recursion"])' "$tmp/list.json")
if [ -n "${SOAK_LOCKS:-}" ]; then
  locks=$(echo "$locks" | grep -E "^($(echo "$SOAK_LOCKS" | tr ',' '|')) ")
fi
[ -n "$locks" ]
check $? "there are locks to soak"

echo "soak: $threads threads, ${seconds}s per lock, SOAK_SEED=$seed"
wall_start=$SECONDS
while read -r lock recursion; do
  [ -n "$lock" ] || continue
  case "$recursion" in
    full) depth=2 ;;                # both modes re-acquire
    shared_only) depth=$(pick 0 1 2) ;;  # shared acquisitions re-acquire
    *) depth=0 ;;
  esac
  instances=$(pick 1 1 4 16)
  choice=one
  [ "$instances" -gt 1 ] && choice=$(pick uniform zipf)
  think=$(pick none uniform exponential)
  mix=(--read-ratio "$(pick 0.5 0.8 0.95 0.99)" --try-fraction "$(pick 0 0.1 0.3 0.5)"
       --recursion "$depth" --shared-cs "$(pick 0 50ns 200ns 1us)" --exclusive-cs "$(pick 0 100ns 500ns)"
       --lock-instances "$instances" --lock-choice "$choice" --think "$think" --seed "$RANDOM")
  [ "$think" != none ] && mix+=(--think-time "$(pick 100ns 1us)")
  [ "${SOAK_TORTURE:-0}" = 1 ] && mix+=(--torture --torture-seed "$RANDOM")
  echo "soak: $lock ${mix[*]}"
  # tbb_queuing_rw manages about 1 Mops/s here with 64 threads on 2 cores: the stall timeout is
  # generous, and the outer bound leaves room for warm-up, start-up and the result file.
  timeout $((seconds + 180)) "$bin" run --lock "$lock" --threads "$threads" --duration "${seconds}s" \
    --warmup 100ms --repetitions 1 --stall-timeout 60s --format csv "${mix[@]}" \
    --out "$tmp/$lock.json" >"$tmp/$lock.csv" 2>"$tmp/$lock.err"
  rc=$?
  check $((rc == 0 ? 0 : 1)) "$lock: exit 0 (rc=$rc; $(grep -v 'placement wraps round' "$tmp/$lock.err"))"
  report=$(python3 - "$tmp/$lock.json" "$threads" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["config"]["verify"] is True, "verifier off"
(run,) = doc["runs"]
assert run["status"] == "ok", f'status {run["status"]}: {run["status_detail"]}'
per = [t["ops"] for t in run["per_thread"]]
assert len(per) == int(sys.argv[2]), f"{len(per)} threads reported"
stuck = [i for i, n in enumerate(per) if n == 0]
assert not stuck, f"threads without progress: {stuck}"
torture = run.get("torture")
if doc["config"].get("torture"):
    # Every kind of disturbance was injected (re-pinning needs this machine's topology, which a
    # run has unless told otherwise); delays between steps only in the locks with step hooks.
    hooked = run["lock"] in ("push_lock", "srwlock", "eresource")
    quiet = [k for k, v in torture.items()
             if k != "seed" and v == 0 and (hooked or k != "step_delays")]
    assert not quiet, f"torture injected no {quiet}: {torture}"
print(f'{run["ops"]} {run["duration_s"]:.3f} {min(per)} {max(per)}'
      + (f' {torture["holder_sleeps"]} {torture["stutters"]} {torture["repins"]} {torture["signals"]}'
         f' {torture["step_delays"]}' if torture else ""))
PY
  )
  check $? "$lock: status ok and every thread made progress (${report:-see above})"
  if [ -n "$report" ]; then
    read -r ops duration least most sleeps stutters repins signals steps <<<"$report"
    echo "soak: $lock: $ops operations in ${duration}s, per thread $least..$most" \
      "${sleeps:+(torture: $sleeps holder sleeps, $stutters stutters, $repins re-pins, $signals signals, $steps step delays)}"
    echo "$ops $duration" >>"$tmp/totals"
  fi
done <<<"$locks"

totals=$(awk '{ops += $1; s += $2} END {printf "%d operations in %.1f s measured", ops, s}' "$tmp/totals" 2>/dev/null)
echo "soak: total ${totals:-nothing measured}, $((SECONDS - wall_start)) s wall (SOAK_SEED=$seed)"
check_finish soak_test
