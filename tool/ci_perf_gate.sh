#!/usr/bin/env bash
# Performance-regression gate for CI: builds lockbench at two commits, measures the same workload
# with both binaries, repetitions interleaved, and runs `lockbench compare` on the results.
# Exits with compare's code: 0 no regression, 1 a significant regression, 2 bad input; a
# measurement that fails (3 violation, 4 stalled) exits with its own code.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: tool/ci_perf_gate.sh [OPTIONS] [-- RUN_FLAGS...]

Builds //tool:lockbench (bazel build -c opt) at two commits in temporary git worktrees,
runs the same workload with both binaries, alternating which goes first in each repetition
(ABBA order, so slow drift of the machine favours neither), and compares the results with
`lockbench compare`. Exits with compare's exit code (0 no regression, 1 regression,
2 bad input) or with a failed run's code (3 violation, 4 stalled).

Options:
  --base COMMIT       baseline commit (default: HEAD~1)
  --new COMMIT        candidate commit (default: HEAD)
  --base-bin PATH     use this baseline binary instead of building --base
  --new-bin PATH      use this candidate binary instead of building --new
  --workload NAME     preset or workload .json file (default: read-mostly)
  --locks LIST        locks, comma-separated (default: push_lock,eresource,shared_mutex)
  --threads LIST      thread counts, e.g. 1,2,4 (default: the workload's)
  --duration TIME     measured window per run (default: 1s)
  --repetitions N     repetitions per binary (default: 7; fewer than 5 cannot show a
                      significant change: 3 vs 3 gives p >= 0.1)
  --metric LIST       metrics for compare (default: throughput)
  --threshold T       relative change that counts, 5% or 0.05 (default: 5%)
  --alpha A           significance level, for all comparisons together (default: 0.05)
  --correction C      holm, bh or none: adjustment for making many comparisons (default: holm)
  --calibrate         measure one binary against itself (--new, or --new-bin) and print, per
                      lock and metric, the spread between invocations, the smallest change
                      this job can detect (mde) and the repetitions per side it would need to
                      detect a change of --threshold; sizes a CI job. Exits 0 unless a run
                      fails, whatever the A/A comparison found (that is reported).
  --format F          report format: table, markdown, json (default: table)
  --out DIR           keep results here: DIR/baseline/*.json, DIR/new/*.json and
                      DIR/report.{txt,md,json} (default: a temporary directory, removed)
  --repo DIR          git repository to build from (default: the one containing this script)
  --disk-cache DIR    Bazel disk cache shared by both builds (default: in the temporary dir)
  -h, --help          this help
Anything after -- is passed to every `lockbench run`, e.g. -- --placement scatter.
EOF
}

die() {  # one line, exit 2, like lockbench's own usage errors
  echo "ci_perf_gate: error: $*" >&2
  exit 2
}

base=HEAD~1 new=HEAD base_bin="" new_bin="" calibrate=0 correction=holm
workload=read-mostly locks=push_lock,eresource,shared_mutex threads="" duration=1s repetitions=7
metric=throughput threshold=5% alpha=0.05 format=table out="" disk_cache=""
repo=$(cd "$(dirname "$0")/.." && pwd)
run_flags=()

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --calibrate) calibrate=1; shift; continue ;;
    --) shift; run_flags=("$@"); break ;;
    --base | --new | --base-bin | --new-bin | --workload | --locks | --threads | --duration | \
      --repetitions | --metric | --threshold | --alpha | --correction | --format | --out | --repo | \
      --disk-cache)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)"
      v=$2
      case "$1" in
        --base) base=$v ;; --new) new=$v ;; --base-bin) base_bin=$v ;; --new-bin) new_bin=$v ;;
        --workload) workload=$v ;; --locks) locks=$v ;; --threads) threads=$v ;;
        --duration) duration=$v ;; --repetitions) repetitions=$v ;; --metric) metric=$v ;;
        --threshold) threshold=$v ;; --alpha) alpha=$v ;; --correction) correction=$v ;;
        --format) format=$v ;;
        --out) out=$v ;; --repo) repo=$v ;; --disk-cache) disk_cache=$v ;;
      esac
      shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

case "$repetitions" in
  '' | *[!0-9]* | 0) die "--repetitions: '$repetitions' is not a positive integer" ;;
esac
case "$format" in
  table) ext=txt ;; markdown) ext=md ;; json) ext=json ;;
  *) die "--format: '$format' is not allowed; use one of table, markdown, json" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ci_perf_gate.XXXXXX") || die "cannot create a temporary directory"
worktrees=()
cleanup() {
  for w in "${worktrees[@]}"; do
    (cd "$w" 2>/dev/null && bazel --output_base="$w.bazel" shutdown >/dev/null 2>&1)
    git -C "$repo" worktree remove --force "$w" >/dev/null 2>&1
  done
  [ "${#worktrees[@]}" -eq 0 ] || git -C "$repo" worktree prune >/dev/null 2>&1
  chmod -R u+w "$tmp" 2>/dev/null  # Bazel leaves read-only directories in its output base
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build NAME COMMIT: builds lockbench at COMMIT and sets $built to its path. Not run in a
# subshell, so the cleanup knows every worktree.
build() {
  local name=$1 commit=$2 sha dir
  sha=$(git -C "$repo" rev-parse --verify --quiet "$commit^{commit}") \
    || die "--$name: '$commit' is not a commit of $repo"
  dir="$tmp/$name-src"
  git -C "$repo" worktree add --detach --quiet "$dir" "$sha" >&2 \
    || die "cannot check out $commit into $dir"
  worktrees+=("$dir")
  echo "ci_perf_gate: building $name at ${sha:0:12}" >&2
  # Its own output base (removed afterwards); the disk cache lets the second build reuse every
  # action whose inputs did not change.
  (cd "$dir" && bazel --output_base="$dir.bazel" build -c opt \
      --disk_cache="${disk_cache:-$tmp/disk-cache}" //tool:lockbench >&2) \
    || die "bazel build of $name ($commit) failed"
  mkdir -p "$tmp/bin"
  cp "$dir/bazel-bin/tool/lockbench" "$tmp/bin/$name" || die "no binary after building $name"
  built="$tmp/bin/$name"
}

if [ "$calibrate" -eq 1 ]; then
  [ -z "$base_bin" ] || die "--calibrate measures one binary: give --new or --new-bin, not --base-bin"
  if [ -z "$new_bin" ]; then
    build new "$new"
    new_bin=$built
  fi
  base_bin=$new_bin
fi
if [ -z "$base_bin" ]; then
  build base "$base"
  base_bin=$built
fi
if [ -z "$new_bin" ]; then
  build new "$new"
  new_bin=$built
fi
for b in "$base_bin" "$new_bin"; do
  [ -x "$b" ] || die "'$b' is not an executable lockbench"
done

results=${out:-$tmp/results}
mkdir -p "$results/baseline" "$results/new" || die "--out: cannot create '$results'"
rm -f "$results"/baseline/*.json "$results"/new/*.json

flags=(run --lock "$locks" --workload "$workload" --duration "$duration" --repetitions 1
  --format table)
[ -n "$threads" ] && flags+=(--threads "$threads")
flags+=("${run_flags[@]}")

# measure SIDE BINARY REP
measure() {
  local side=$1 bin=$2 rep=$3 rc
  printf 'ci_perf_gate: repetition %d/%d: %s\n' "$rep" "$repetitions" "$side" >&2
  "$bin" "${flags[@]}" --out "$(printf '%s/%s/rep-%03d.json' "$results" "$side" "$rep")" \
    >"$tmp/run.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$tmp/run.log" >&2
    echo "ci_perf_gate: error: the $side run (repetition $rep) exited with $rc" >&2
    exit "$rc"
  fi
}

for ((rep = 1; rep <= repetitions; rep++)); do
  if ((rep % 2 == 1)); then
    measure baseline "$base_bin" "$rep"
    measure new "$new_bin" "$rep"
  else
    measure new "$new_bin" "$rep"
    measure baseline "$base_bin" "$rep"
  fi
done

if [ "$calibrate" -eq 1 ]; then
  "$new_bin" compare "$results/baseline" "$results/new" --metric "$metric" \
    --threshold "$threshold" --alpha "$alpha" --correction "$correction" --format json \
    >"$results/report.json"
  status=$?
  [ "$status" -le 1 ] || exit "$status"
  python3 - "$results/report.json" "$repetitions" <<'PY'
import json, sys
report, reps = json.load(open(sys.argv[1])), int(sys.argv[2])
threshold = report["threshold"]
print(f"calibration: one binary against itself, {reps} invocations a side, alpha "
      f"{report['alpha']} ({report['correction']} over {len(report['comparisons'])} comparisons),"
      f" power {report['power']:.0%}")
rows = [("lock", "threads", "metric", "median", "spread", "mde", f"reps for {threshold:.1%}",
         "A/A verdict")]
for c in report["comparisons"]:
    values = c["baseline"]["values"] + c["new"]["values"]
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / max(1, len(values) - 1)) ** 0.5
    need = c["invocations_needed"]
    rows.append((c["lock"], str(c["threads"]), c["metric"], f"{c['baseline']['median']:.4g}",
                 f"{sd / mean:.1%}" if mean else "-",
                 "none" if c["mde"] is None else f"{c['mde']:.1%}",
                 "over 1000" if need is None else str(need), c["verdict"]))
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
for r in rows:
    print("  ".join(v.ljust(w) if i in (0, 2, 7) else v.rjust(w)
                    for i, (v, w) in enumerate(zip(r, widths))).rstrip())
print("spread: standard deviation of the invocations over their mean; mde: the smallest change "
      "this job can detect; reps: repetitions (invocations) per side that would detect a change "
      "of the threshold. Lengthen --duration to shrink the spread, or raise --repetitions.")
PY
  exit 0
fi

"$new_bin" compare "$results/baseline" "$results/new" --metric "$metric" \
  --threshold "$threshold" --alpha "$alpha" --correction "$correction" --format "$format" \
  >"$results/report.$ext"
status=$?
cat "$results/report.$ext"
exit "$status"
