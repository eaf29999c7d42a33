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
            "latency_ns.exclusive.p50", "fairness.jain_index", "fairness.starved", "handoff.reacquire_rate"):
    assert col in df.columns, col
PY
echo "schema_test: passed"
