#!/usr/bin/env bash
# Regenerates the README tour's picture, docs/img/tour.png: two locks measured by lockbench on
# this machine, drawn by the notebook helper (results/notebooks/lockbench_results.py) with
# matplotlib's Agg backend, the same plot lockbench.ipynb shows. Run from anywhere:
#   bash docs/make_pictures.sh
# It builds lockbench with Bazel, and needs Debian's python3-pandas and python3-matplotlib
# (bazel/setup.sh installs them). The figures are this machine's: expect another picture on
# another machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bazel build //tool:lockbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The tour's comparison: a barging lock and a handing-off one, read-mostly, 2 threads.
bazel-bin/tool/lockbench run --lock push_lock,eresource --workload read-mostly --threads 2 \
  --repetitions 3 --duration 300ms --latency-sample 1 --out "$tmp/tour.json"

# Debian's python3, which has the packages bazel/setup.sh installed.
MPLBACKEND=Agg MPLCONFIGDIR="$tmp/mpl" PYTHONPATH="$root/results/notebooks" /usr/bin/python3 - \
  "$tmp/tour.json" docs/img/tour.png <<'PY'
import sys
import lockbench_results as lr

df = lr.load_runs([sys.argv[1]])
fig = lr.plot_latency_percentiles(df, workload="read-mostly")
fig.savefig(sys.argv[2], dpi=80)
print("wrote", sys.argv[2])
PY
