#!/usr/bin/env bash
# Submits a lockbench sweep to Slurm as an array of N slices and a merge job that runs once the
# whole array succeeded (docs/ci_gate.md, "Slurm").
#   submit.sh [--bin LOCKBENCH] [--out DIR] [--shards N] [--notebook IPYNB] [--sbatch "FLAGS"]
#             -- RUN-FLAGS...
# --bin defaults to `lockbench` on PATH, --out to ./lockbench-slurm, --shards to 4; --sbatch
# passes flags to both sbatch calls (e.g. "--partition=bench --constraint=epyc"). Prints
# "array JOBID" and "merge JOBID"; the merged file is DIR/merged.json.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$(command -v lockbench || true)
out=$PWD/lockbench-slurm
shards=4
notebook=""
sbatch_flags=""
usage="usage: submit.sh [--bin LOCKBENCH] [--out DIR] [--shards N] [--notebook IPYNB] [--sbatch FLAGS] -- RUN-FLAGS..."
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=${2:?$usage}; shift 2 ;;
    --out) out=${2:?$usage}; shift 2 ;;
    --shards) shards=${2:?$usage}; shift 2 ;;
    --notebook) notebook=${2:?$usage}; shift 2 ;;
    --sbatch) sbatch_flags=${2:?$usage}; shift 2 ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown argument $1 ($usage)" >&2; exit 2 ;;
  esac
done
case "$shards" in
  '' | *[!0-9]* | 0) echo "submit.sh: --shards $shards: a count of 1 or more is allowed" >&2; exit 2 ;;
esac
[ -n "$bin" ] && [ -x "$bin" ] ||
  { echo "submit.sh: no lockbench binary (--bin ${bin:-unset}): give its path" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -z "$notebook" ] || notebook=$(cd "$(dirname "$notebook")" && pwd)/$(basename "$notebook")

export LOCKBENCH_BIN=$bin LOCKBENCH_OUT=$out LOCKBENCH_SHARDS=$shards LOCKBENCH_NOTEBOOK=$notebook
# shellcheck disable=SC2086  # --sbatch holds several flags
array=$(sbatch --parsable --export=ALL --array="1-$shards" --output="$out/shard-%a.log" \
  $sbatch_flags "$here/lockbench_array.sbatch" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/merge.log" $sbatch_flags "$here/lockbench_merge.sbatch")
merge=${merge%%;*}
echo "array $array"
echo "merge $merge"
