#!/usr/bin/env bash
# The tool's real output, and the golden files in results/testdata/, pass the result schema and
# load in pandas as one row per run (when pandas is installed).
set -euo pipefail
bin=$1 validator=$2 schema=$3
shift 3
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

"$bin" run --lock shared_mutex,pthread_rwlock --threads 1,2 --duration 100ms --warmup 10ms \
  --repetitions 2 --try-fraction 0.1 --out "$tmp/run.json" >/dev/null
python3 "$validator" "$schema" "$tmp/run.json" "$@"

# Bypass and hand-off latency: present where the run can measure them, null where it cannot.
"$bin" run --lock eresource --threads 2 --duration 100ms --warmup 10ms --latency-sample 1 \
  --out "$tmp/timed.json" >/dev/null
"$bin" run --lock eresource --threads 2 --duration 100ms --warmup 10ms --latency-sample 256 \
  --exclusive-lines 0 --shared-lines 0 --out "$tmp/unstamped.json" >/dev/null
# An open-loop rate sweep and a torture run: their objects as the schema describes them.
"$bin" run --lock eresource --threads 2 --duration 50ms --warmup 10ms --repetitions 1 \
  --arrival-rate 10k/s,20k/s --out "$tmp/open.json" >/dev/null
"$bin" run --lock push_lock --threads 2 --duration 50ms --warmup 10ms --repetitions 1 --torture \
  --out "$tmp/torture.json" >/dev/null
# A workload of a recorded program's forms: its config.workload holds the distribution objects
# and the per-instance lists, as the schema describes them.
"$bin" run --lock push_lock --threads 2 --duration 50ms --warmup 10ms --repetitions 1 \
  --shared-cs '{"distribution": "empirical", "quantiles_ns": [0, 100, 400]}' \
  --think-time '{"distribution": "empirical", "quantiles_ns": [10, 50, 900]}' \
  --lock-weights 1,0,3 --lock-read-ratios 0.9,0.5,0.5 --out "$tmp/recorded.json" >/dev/null
# A workload recorded from a program (recorded_from): each run's contention object.
cat >"$tmp/replay_workload.json" <<'JSON'
{"name": "replay", "read_ratio": 0.5, "exclusive_cs": "2us",
 "recorded_from": {"command": "prog", "lock": "pthread_mutex",
                   "recorded": {"exclusive": {"contended_fraction": 0.2}}}}
JSON
"$bin" run --workload "$tmp/replay_workload.json" --lock pthread_mutex,push_lock --threads 2 \
  --duration 50ms --warmup 10ms --repetitions 1 --out "$tmp/replay.json" >/dev/null
python3 "$validator" "$schema" "$tmp/timed.json" "$tmp/unstamped.json" "$tmp/open.json" \
  "$tmp/torture.json" "$tmp/recorded.json" "$tmp/replay.json"
python3 - "$tmp/replay.json" "$tmp/recorded.json" <<'PY'
import json, sys
replay, drawn = (json.load(open(p))["runs"] for p in sys.argv[1:])
for run in replay:
    assert set(run["contention"]) == {"shared", "exclusive"}, run["contention"]
    assert run["contention"]["exclusive"]["acquisitions"] == run["exclusive_ops"] > 0
for run in drawn:
    assert run["contention"] is None, "drawn forms alone are no recording"
PY
python3 - "$tmp/recorded.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["config"]["workload"]
assert w["shared_cs"] == {"distribution": "empirical", "quantiles_ns": [0, 100, 400]}, w
assert w["think"] == "empirical" and w["lock_choice"] == "weights", w
assert w["lock_instances"] == 3 and w["lock_weights"] == [1, 0, 3], w
PY
python3 - "$tmp/run.json" "$tmp/timed.json" "$tmp/unstamped.json" <<'PY'
import json, sys
sampled, timed, unstamped = (json.load(open(p))["runs"] for p in sys.argv[1:])
for run in sampled + timed:
    b = run["handoff"]["bypass"]
    assert set(b) == {"shared", "exclusive"}, b
    assert b["exclusive"]["fifo_bound"] == run["threads"] - 1, b
    assert all(t["bypass"] is not None for t in run["per_thread"])
for run in sampled:
    assert run["handoff"]["handoff_latency_ns"] is None, "not every acquisition was timed"
    assert run["handoff"]["reacquire_while_waited"] is None
for run in timed:
    h = run["handoff"]["handoff_latency_ns"]
    assert h is not None and h["count"] > 0, h  # two threads on one lock: somebody waited
    w = run["handoff"]["reacquire_while_waited"]
    assert w is not None and w["releases"] > 0 and 0 <= w["rate"] <= 1, w
for run in unstamped:
    assert run["handoff"]["bypass"] is None and run["per_thread"][0]["bypass"] is None
PY

# A file that breaks the schema is refused: the check can fail.
python3 - "$tmp/run.json" "$tmp/broken.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
del doc["runs"][0]["latency_ns"]["shared"]["p99"]
json.dump(doc, open(sys.argv[2], "w"))
PY
if python3 "$validator" "$schema" "$tmp/broken.json" >/dev/null; then
  echo "a result without latency_ns.shared.p99 passed the schema" >&2
  exit 1
fi

python3 - "$tmp/run.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert len(doc["runs"]) == 2 * 2 * 2
try:
    import pandas as pd
except ImportError:
    sys.exit(0)
df = pd.json_normalize(doc["runs"])
assert len(df) == 8
for col in ("lock", "threads", "repetition", "throughput_ops_per_s", "latency_ns.shared.p99",
            "latency_ns.exclusive.p50", "fairness.jain_index", "fairness.starved", "handoff.reacquire_rate",
            "handoff.bypass.exclusive.over_fifo_bound"):
    assert col in df.columns, col
PY
echo "schema_test: passed"
