#!/usr/bin/env bash
# Harness overhead: what lockbench's run loop adds to a lock's uncontended round trip. Runs
# 1-thread lockbench with an empty critical section and the lock benchmark's Uncontended cases
# for the same locks, interleaved round by round in one session, and prints the medians side by
# side; optionally also a run with every acquisition timed against the prediction "untimed round
# trip + context.timed_acquisition_overhead_ns".
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: tool/harness_overhead.sh [OPTIONS]

Measures, for each lock and mode, the 1-thread round trip lockbench reports (default latency
sampling, empty critical section, no verifier) against //lockimpls:lock_benchmark's
Uncontended/<mode>/<lock>, in ROUNDS interleaved rounds, and prints median ns per operation
and their ratio. With --timed it also runs lockbench with every acquisition timed and compares
that with the untimed round trip plus the timed-acquisition cost lockbench records.

Options:
  --lockbench PATH       lockbench binary (default: bazel-bin/tool/lockbench)
  --lock-benchmark PATH  lock benchmark binary (default: bazel-bin/lockimpls/lock_benchmark)
  --locks LIST           comma-separated (default: tbb_spin_rw,push_lock)
  --modes LIST           exclusive, shared or both (default: exclusive,shared)
  --rounds N             interleaved rounds, 1 to 100 (default: 5)
  --duration TIME        lockbench's window per run (default: 500ms)
  --timed                also run with every acquisition timed
  --max-ratio R          exit 1 if a median lockbench/benchmark ratio is above R (e.g. 1.10)
  --out DIR              keep the raw JSON files here (default: a temporary directory, removed)
  -h, --help             this help
Exit codes: 0 done (and within --max-ratio), 1 a ratio above --max-ratio, 2 bad input,
3 a run failed.
EOF
}

die() {
  echo "harness_overhead.sh: $*" >&2
  exit 2
}

lockbench=bazel-bin/tool/lockbench
lock_benchmark=bazel-bin/lockimpls/lock_benchmark
locks=tbb_spin_rw,push_lock
modes=exclusive,shared
rounds=5
duration=500ms
timed=0
max_ratio=""
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --timed) timed=1; shift; continue ;;
    --lockbench | --lock-benchmark | --locks | --modes | --rounds | --duration | --max-ratio | --out)
      [[ $# -ge 2 ]] || die "$1: missing value"
      case "$1" in
        --lockbench) lockbench=$2 ;;
        --lock-benchmark) lock_benchmark=$2 ;;
        --locks) locks=$2 ;;
        --modes) modes=$2 ;;
        --rounds) rounds=$2 ;;
        --duration) duration=$2 ;;
        --max-ratio) max_ratio=$2 ;;
        --out) out=$2 ;;
      esac
      shift 2 ;;
    *) die "unknown option '$1'; see --help" ;;
  esac
done

[[ -x "$lockbench" ]] || die "--lockbench: '$lockbench' is not an executable file"
[[ -x "$lock_benchmark" ]] || die "--lock-benchmark: '$lock_benchmark' is not an executable file"
[[ "$rounds" =~ ^[0-9]+$ ]] && ((rounds >= 1 && rounds <= 100)) ||
  die "--rounds: '$rounds' is not a whole number from 1 to 100"
[[ "$locks" =~ ^[a-z0-9_]+(,[a-z0-9_]+)*$ ]] || die "--locks: '$locks' is not a comma-separated list of lock names"
[[ -z "$max_ratio" || "$max_ratio" =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
  die "--max-ratio: '$max_ratio' is not a number such as 1.10"
IFS=, read -r -a mode_list <<<"$modes"
for m in "${mode_list[@]}"; do
  [[ "$m" == exclusive || "$m" == shared ]] || die "--modes: '$m' is not exclusive or shared"
done

if [[ -n "$out" ]]; then
  mkdir -p "$out" || die "--out: cannot create directory '$out'"
  dir=$out
else
  dir=$(mktemp -d) || exit 3
  trap 'rm -rf "$dir"' EXIT
fi

# The lock names are checked by lockbench itself; a bad one fails the first run with exit 2.
lockbench_run() {  # MODE SAMPLE FILE
  local roles=(--readers 0 --writers 1)
  [[ "$1" == shared ]] && roles=(--readers 1 --writers 0)
  "$lockbench" run --lock "$locks" "${roles[@]}" --shared-lines 0 --exclusive-lines 0 \
    --shared-cs 0 --exclusive-cs 0 --duration "$duration" --warmup 100ms --repetitions 1 \
    --no-verify --latency-sample "$2" --format json --out "$3" >/dev/null 2>"$dir/stderr"
  local rc=$?
  ((rc == 0)) || cat "$dir/stderr" >&2
  return $rc
}

filter="^Uncontended/($(IFS='|'; echo "${mode_list[*]}"))/(${locks//,/|})\$"
for ((r = 1; r <= rounds; ++r)); do
  for m in "${mode_list[@]}"; do
    lockbench_run "$m" auto "$dir/lockbench_${m}_$r.json"
    rc=$?
    ((rc == 2)) && exit 2  # bad input: lockbench's own line says what
    ((rc == 0)) || { echo "harness_overhead.sh: lockbench run failed (exit $rc)" >&2; exit 3; }
    if ((timed)); then
      lockbench_run "$m" 1 "$dir/timed_${m}_$r.json" || { echo "harness_overhead.sh: timed run failed" >&2; exit 3; }
    fi
  done
  "$lock_benchmark" --benchmark_filter="$filter" --benchmark_min_time=0.2 \
    --benchmark_format=json >"$dir/benchmark_$r.json" 2>/dev/null ||
    { echo "harness_overhead.sh: lock benchmark failed" >&2; exit 3; }
done

python3 - "$dir" "$rounds" "$locks" "$modes" "$timed" "$max_ratio" <<'PY'
import json, statistics, sys

dir, rounds, locks, modes, timed, max_ratio = sys.argv[1:]
rounds, timed = int(rounds), timed == "1"
locks, modes = locks.split(","), modes.split(",")

def fail(message):
    print(f"harness_overhead.sh: {message}", file=sys.stderr)
    sys.exit(3)

def lockbench_ns(path):
    doc = json.load(open(path))
    cost = doc["context"]["timed_acquisition_overhead_ns"]
    idle = [r["lock"] for r in doc["runs"] if not r["throughput_ops_per_s"] > 0]
    if idle:  # the thread never ran in the window: a machine too busy to measure on
        fail(f"{path}: {', '.join(idle)} completed no operation in the window; "
             "the machine was too busy, or --duration too short")
    return {r["lock"]: 1e9 / r["throughput_ops_per_s"] for r in doc["runs"]}, cost

rows, worst = [], 0.0
for m in modes:
    for lock in locks:
        lb, bench, tm, predicted = [], [], [], []
        for r in range(1, rounds + 1):
            ns, cost = lockbench_ns(f"{dir}/lockbench_{m}_{r}.json")
            if lock not in ns:
                fail(f"no run of '{lock}' in lockbench's output")
            lb.append(ns[lock])
            doc = json.load(open(f"{dir}/benchmark_{r}.json"))
            hits = [b["cpu_time"] for b in doc["benchmarks"] if b["name"] == f"Uncontended/{m}/{lock}"]
            if not hits:
                fail(f"the lock benchmark has no Uncontended/{m}/{lock}")
            bench.append(hits[0])
            if timed:
                t, c = lockbench_ns(f"{dir}/timed_{m}_{r}.json")
                tm.append(t[lock])
                predicted.append(ns[lock] + c[m])
        ratio = statistics.median(lb) / statistics.median(bench)
        worst = max(worst, ratio)
        row = [m, lock, statistics.median(lb), statistics.median(bench), ratio, min(lb) / max(bench),
               max(lb) / min(bench)]
        if timed:
            row += [statistics.median(tm), statistics.median(predicted),
                    statistics.median(tm) / statistics.median(predicted)]
        rows.append(row)

header = f"{'mode':<10} {'lock':<16} {'lockbench ns':>12} {'benchmark ns':>12} {'ratio':>6} {'range':>12}"
if timed:
    header += f"  {'timed ns':>9} {'predicted':>9} {'ratio':>6}"
print(f"medians of {rounds} interleaved rounds; range = lowest to highest ratio of any two runs")
print(header)
for row in rows:
    line = f"{row[0]:<10} {row[1]:<16} {row[2]:>12.2f} {row[3]:>12.2f} {row[4]:>5.2f}x {row[5]:>5.2f}-{row[6]:.2f}x"
    if timed:
        line += f"  {row[7]:>9.2f} {row[8]:>9.2f} {row[9]:>5.2f}x"
    print(line)
if max_ratio and worst > float(max_ratio):
    print(f"harness overhead above {max_ratio}x: worst median ratio {worst:.2f}x", file=sys.stderr)
    sys.exit(1)
PY
