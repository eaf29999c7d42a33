#!/usr/bin/env bash
# The trace of a command's options (analyze.py states the rule): builds lockbench with every
# function's entry instrumented (its own output tree, so the normal build is kept), runs
# `lockbench run` on a small sweep (a journal, .hgrm files and a result file) and `lockbench
# compare` on its result, and prints each trace with its stops, files and climbs.
#   bash bazel/option_trace/trace.sh [DIR]    (DIR keeps the traces and the run's files)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then
  work=$(realpath "$1")
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

cc -O1 -fPIC -c bazel/option_trace/hooks.c -o "$work/hooks.o"
flags=(--platform_suffix=trace --copt=-finstrument-functions
       --copt=-finstrument-functions-exclude-file-list=external/,/usr/include --copt=-g
       --linkopt="$work/hooks.o" --symlink_prefix=/)
bazel build "${flags[@]}" //tool:lockbench >&2
bin="$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)/tool/lockbench"

OPTION_TRACE_OUT="$work/run.trace" "$bin" run -l push_lock,eresource -w writer-storm \
  --threads 1,2 --duration 20ms --repetitions 2 --hgrm "$work" --out "$work/r.json" \
  --format table >/dev/null 2>&1
OPTION_TRACE_OUT="$work/compare.trace" "$bin" compare "$work/r.json" "$work/r.json" \
  >/dev/null 2>&1 || true

echo "== run: lockbench run -l push_lock,eresource -w writer-storm --threads 1,2 --duration 20ms --repetitions 2 --hgrm DIR --out FILE"
python3 bazel/option_trace/analyze.py "$work/run.trace" RunCommand RunOptions,RunPlan,PlannedRun,EngineConfig
echo "== compare: lockbench compare FILE FILE"
python3 bazel/option_trace/analyze.py "$work/compare.trace" CompareCommand CompareOptions,CompareSettings
