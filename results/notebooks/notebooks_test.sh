#!/usr/bin/env bash
# Runs short lockbench sweeps (and merges one with a synthetic second machine's copy), executes
# the notebooks headless on their results with Debian's /usr/bin/python3 kernel, and checks that
# every cell ran without error and that the figures were drawn. choosing_a_windows_lock.ipynb
# measures every preset itself, then runs again loading a results directory. Also checks that the
# notebooks are committed without outputs.
# timeline.ipynb measures its two timeline files itself (LOCKBENCH_TIMELINES unset).
# Last, it measures a directory of recorded workloads in place of the presets.
# Usage: notebooks_test.sh LOCKBENCH_BINARY PATH/TO/notebooks/lockbench_results.py
#        PATH/TO/a recorded workload (its directory holds the others)
set -euo pipefail

bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
notebooks=$(cd "$(dirname "$2")" && pwd)
recorded=$(cd "$(dirname "$3")" && pwd)
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

# Jupyter and matplotlib write caches and runtime files under HOME; keep them in the sandbox.
export HOME="$tmp/home" MPLCONFIGDIR="$tmp/mpl" IPYTHONDIR="$tmp/ipython"
export JUPYTER_RUNTIME_DIR="$tmp/jupyter-runtime" JUPYTER_CONFIG_DIR="$tmp/jupyter-config"
export PYDEVD_DISABLE_FILE_VALIDATION=1  # the kernel's debugger notice is not an error
mkdir -p "$HOME" "$MPLCONFIGDIR"

NOTEBOOKS=(lockbench.ipynb seed_claims.ipynb latency_load.ipynb choosing_a_windows_lock.ipynb
  timeline.ipynb)
python3 - "${NOTEBOOKS[@]/#/$notebooks/}" <<'PY'
import json, sys
for path in sys.argv[1:]:
    nb = json.load(open(path))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path}: cells {dirty} have outputs; commit notebooks without outputs"
PY

# Short measurements: what the notebooks plot, not numbers anyone should quote.
"$bin" run --lock push_lock,eresource,shared_mutex --workload read-mostly --threads 1,2 \
  --duration 100ms --warmup 20ms --repetitions 2 --out "$tmp/read-mostly.json" >/dev/null
"$bin" run --lock push_lock,eresource --workload writer-storm --threads 2 \
  --duration 100ms --warmup 20ms --repetitions 2 --out "$tmp/writer-storm.json" >/dev/null
# An open-loop sweep from a rate every lock keeps up with to one none can on this machine (a
# shared_mutex round trip alone is some 20 ns; 2 threads cannot serve 500M requests a second).
"$bin" run --lock push_lock,eresource,shared_mutex --threads 2 --arrival-rate 20k/s,100k/s,500M/s \
  --duration 100ms --warmup 20ms --repetitions 1 --out "$tmp/latency-load.json" >/dev/null

# A second machine: the same sweep with another host's context (and half the throughput),
# merged with the first as a CI job matrix's merge job would.
python3 - "$tmp/read-mostly.json" "$tmp/machine-b.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["context"].update(hostname="machine-b", cpu_model="Synthetic CPU B", invocation="b" * 16)
for run in doc["runs"]:
    run["throughput_ops_per_s"] /= 2
json.dump(doc, open(sys.argv[2], "w"))
PY
"$bin" merge "$tmp/machines.json" "$tmp/read-mostly.json" "$tmp/machine-b.json" 2>/dev/null

export LOCKBENCH_BIN="$bin"
export LOCKBENCH_MACHINES="$tmp/machines.json"
export LOCKBENCH_RESULTS="$tmp/read-mostly.json"
export LOCKBENCH_READ_MOSTLY="$tmp/read-mostly.json"
export LOCKBENCH_WRITER_STORM="$tmp/writer-storm.json"
export LOCKBENCH_LATENCY_LOAD="$tmp/latency-load.json"
# choosing_a_windows_lock measures every preset itself (nine short runs of all its locks).
export LOCKBENCH_CHOOSE_THREADS=2 LOCKBENCH_CHOOSE_DURATION=100ms LOCKBENCH_CHOOSE_WARMUP=20ms
export LOCKBENCH_CHOOSE_REPETITIONS=1
export TMPDIR="$tmp"  # where it measures into: inside the test's own directory, not /tmp
"$bin" list --format json >"$tmp/list.json"

# The notebooks import lockbench_results from their working directory: run copies in one.
mkdir -p "$tmp/nb" "$tmp/out"
cp "${NOTEBOOKS[@]/#/$notebooks/}" "$notebooks"/lockbench_results.py "$tmp/nb/"
cp "$notebooks"/../result_schema.json "$tmp/"  # the metric table, where the repository has it
cd "$tmp/nb"
timeout 240 jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=python3 \
  --ExecutePreprocessor.timeout=300 --output-dir "$tmp/out" "${NOTEBOOKS[@]}" \
  2>"$tmp/nbconvert.log" || { cat "$tmp/nbconvert.log" >&2; exit 1; }

python3 - "$tmp/out" "$tmp/list.json" <<'PY'
import json, os, sys
out = sys.argv[1]
# (figures, verdict lines)
expected = {"lockbench.ipynb": (7, 0), "seed_claims.ipynb": (4, 5), "latency_load.ipynb": (1, 0),
            "choosing_a_windows_lock.ipynb": (0, 0), "timeline.ipynb": (1, 0)}
for name, (figures, verdicts) in expected.items():
    nb = json.load(open(os.path.join(out, name)))
    pngs, text = 0, ""
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", f"{name}: {o.get('ename')}: {o.get('evalue')}"
            pngs += "image/png" in o.get("data", {})
            if o["output_type"] == "stream":
                text += "".join(o["text"])
    found = [line for line in text.splitlines() if line.startswith("VERDICT ")]
    print(f"{name}: {pngs} figures")
    for line in found:
        print("  " + line)
    assert pngs >= figures, f"{name}: {pngs} figures, expected at least {figures}"
    assert len(found) == verdicts, f"{name}: {len(found)} verdict lines, expected {verdicts}"
# The across-machines cell lists both machines of the merged file.
last = json.load(open(os.path.join(out, "lockbench.ipynb")))["cells"][-1]["outputs"]
table = "".join("".join(o.get("data", {}).get("text/plain", "")) for o in last)
assert "machine-b" in table and "Synthetic CPU B" in table and table.count("\n") >= 2, table

# The choice table: a trade-off sentence for every preset `lockbench list` names, and a note for
# each Windows lock name the build lacks (skipped, not an error).
catalog = json.load(open(sys.argv[2]))
nb = json.load(open(os.path.join(out, "choosing_a_windows_lock.ipynb")))
text = "".join("".join(o["text"]) for c in nb["cells"] for o in c.get("outputs", [])
               if o["output_type"] == "stream")
presets = [w["name"] for w in catalog["workloads"]]
trade_offs = [line for line in text.splitlines() if line.startswith("TRADE-OFF ")]
assert [line.split(":")[0][len("TRADE-OFF "):] for line in trade_offs] == presets, text
names = {lock["name"] for lock in catalog["locks"]}
from lockbench_results import WINDOWS_LOCKS as windows  # the copy in the working directory
skipped = sorted(line.split()[1].rstrip(":") for line in text.splitlines()
                 if line.startswith("SKIPPED "))
assert skipped == sorted(set(windows) - names), (skipped, text)
for line in trade_offs:
    print("  " + line)
# timeline.ipynb, LOCKBENCH_TIMELINES unset, measured push_lock and eresource itself: one title
# line per lock (and the figure, counted above).
nb = json.load(open(os.path.join(out, "timeline.ipynb")))
text = "".join("".join(o["text"]) for c in nb["cells"] for o in c.get("outputs", [])
               if o["output_type"] == "stream")
titles = [line for line in text.splitlines() if ", writer-storm, 2 threads: " in line]
assert [t.split(",")[0] for t in titles] == ["push_lock", "eresource"], text
assert "LOCKBENCH_TIMELINES is not set: measuring" in text, text
PY

# The same notebook loading a results directory instead of measuring: the files' locks are what
# it chooses among (every other Windows lock is skipped), and the files' workloads its rows.
mkdir -p "$tmp/choose-load" "$tmp/out-load"
cp "$tmp/read-mostly.json" "$tmp/writer-storm.json" "$tmp/choose-load/"
LOCKBENCH_CHOOSE_RESULTS="$tmp/choose-load" timeout 120 jupyter nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=100 \
  --output-dir "$tmp/out-load" choosing_a_windows_lock.ipynb \
  2>"$tmp/nbconvert-load.log" || { cat "$tmp/nbconvert-load.log" >&2; exit 1; }
python3 - "$tmp/out-load/choosing_a_windows_lock.ipynb" <<'PY'
import json, sys
from lockbench_results import WINDOWS_LOCKS
nb = json.load(open(sys.argv[1]))
text = ""
for cell in nb["cells"]:
    for o in cell.get("outputs", []):
        assert o["output_type"] != "error", f"{o.get('ename')}: {o.get('evalue')}"
        if o["output_type"] == "stream":
            text += "".join(o["text"])
assert "measuring" not in text, text
lines = text.splitlines()
trade_offs = sorted(line.split(":")[0] for line in lines if line.startswith("TRADE-OFF "))
assert trade_offs == ["TRADE-OFF read-mostly", "TRADE-OFF writer-storm"], text
skipped = sorted(line.split()[1].rstrip(":") for line in lines if line.startswith("SKIPPED "))
assert skipped == sorted(set(WINDOWS_LOCKS) - {"push_lock", "eresource"}), text
assert "locks: push_lock, eresource, shared_mutex" in lines, text
print("choosing_a_windows_lock.ipynb on loaded files: rows for read-mostly and writer-storm")
PY
# Pointed at recorded workloads (lockbench profile --record-workload), it measures each file in
# place of the presets: one row per recording, named as the file names its workload.
mkdir -p "$tmp/out-recorded"
LOCKBENCH_CHOOSE_WORKLOADS="$recorded" timeout 300 jupyter nbconvert --to notebook --execute \
  --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=280 \
  --output-dir "$tmp/out-recorded" choosing_a_windows_lock.ipynb \
  2>"$tmp/nbconvert-recorded.log" || { cat "$tmp/nbconvert-recorded.log" >&2; exit 1; }
python3 - "$tmp/out-recorded/choosing_a_windows_lock.ipynb" "$recorded" <<'PY'
import glob, json, os, sys
nb = json.load(open(sys.argv[1]))
text = ""
for cell in nb["cells"]:
    for o in cell.get("outputs", []):
        assert o["output_type"] != "error", f"{o.get('ename')}: {o.get('evalue')}"
        if o["output_type"] == "stream":
            text += "".join(o["text"])
names = sorted(json.load(open(f))["name"] for f in glob.glob(os.path.join(sys.argv[2], "*.json")))
assert len(names) >= 2 and "measuring %d workload file(s)" % len(names) in text, text
trade_offs = sorted(line.split(":")[0][len("TRADE-OFF "):] for line in text.splitlines()
                    if line.startswith("TRADE-OFF "))
assert trade_offs == names, (trade_offs, names, text)
for line in text.splitlines():
    if line.startswith("TRADE-OFF "):
        print("  " + line)
PY
echo "notebooks_test: passed"
