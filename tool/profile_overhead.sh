#!/usr/bin/env bash
# What observing costs a program: sysbench's mutex test and db_bench's readrandom, each run
# plain, under `lockbench profile` (every hold timed) and under `lockbench profile --sample 16`,
# the three interleaved invocation by invocation so that drift of a shared machine falls on all
# of them alike. Each variant's figure is the program's own (sysbench's total time, db_bench's
# readrandom micros/op); the table gives medians over the invocations and each one's ratio to
# plain. docs/profiling.md quotes it.
#
# Usage: profile_overhead.sh path/to/lockbench [INVOCATIONS (default 7)] [SCALE (default 1)]
# SCALE multiplies the programs' work (sysbench acquisitions, db_bench keys); the test uses 0.05.
set -uo pipefail

bin=$1
n=${2:-7}
scale=${3:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

locks=$(python3 -c "print(max(1000, int(1000000 * $scale)))")
keys=$(python3 -c "print(max(1000, int(100000 * $scale)))")
sysbench_cmd=(sysbench mutex --threads=2 --mutex-num=64 --mutex-locks="$locks" --mutex-loops=100 run)
sysbench_re='total time: +([0-9.]+)s'
db_cmd=(db_bench --db="$tmp/db" --benchmarks=fillrandom,readrandom --num="$keys" --threads=2
  --seed=1)
db_re='readrandom +: +([0-9.]+) micros/op'

# figure REGEX FILE: group 1 of the last match.
figure() {
  python3 - "$1" "$2" <<'PY'
import re, sys
found = re.findall(sys.argv[1], open(sys.argv[2]).read())
print(found[-1] if found else "nan")
PY
}

# one PROGRAM VARIANT: runs it once and appends "PROGRAM VARIANT FIGURE" to $tmp/figures.
one() {
  local program=$1 variant=$2 re cmd
  if [ "$program" = sysbench ]; then
    re=$sysbench_re
    cmd=("${sysbench_cmd[@]}")
  else
    re=$db_re
    cmd=("${db_cmd[@]}")
  fi
  case "$variant" in
    plain) "${cmd[@]}" >"$tmp/out" 2>&1 ;;
    observed) "$bin" profile --format json -- "${cmd[@]}" 2>"$tmp/out" >/dev/null ;;
    sample16) "$bin" profile --sample 16 --format json -- "${cmd[@]}" 2>"$tmp/out" >/dev/null ;;
  esac
  echo "$program $variant $(figure "$re" "$tmp/out")" >>"$tmp/figures"
}

for ((i = 0; i < n; i++)); do
  for program in sysbench db_bench; do
    for variant in plain observed sample16; do
      one "$program" "$variant"
    done
  done
done

python3 - "$tmp/figures" "$n" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
units = {"sysbench": "total time (s), 2 x 64-mutex loop", "db_bench": "readrandom micros/op"}
print(f"profile overhead: medians of {sys.argv[2]} interleaved invocations (lower is better)")
print(f"{'program':10} {'variant':10} {'median':>10} {'vs plain':>9}  figure")
for program in ("sysbench", "db_bench"):
    medians = {}
    for variant in ("plain", "observed", "sample16"):
        values = [float(f) for p, v, f in rows if p == program and v == variant and f != "nan"]
        medians[variant] = statistics.median(values) if values else float("nan")
        ratio = medians[variant] / medians["plain"] if medians["plain"] > 0 else float("nan")
        print(f"{program:10} {variant:10} {medians[variant]:10.4g} {ratio:8.2f}x  {units[program]}")
PY
