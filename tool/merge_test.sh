#!/usr/bin/env bash
# `lockbench merge` of result files from two machines (a real sweep, and a copy of it with
# another host's context, as a CI job matrix would produce): the merged file passes the schema,
# each run keeps its own context, a run given twice (or a merged file merged again) is kept
# once, a directory is read like its files, a sweep run in slices (--shard) merges whole or names
# the missing slice, and compare reads the merged file, refusing the mix
# of machines unless --allow-different-machines.
#
# Usage: merge_test.sh path/to/lockbench path/to/validate_result.py path/to/result_schema.json
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
validator=$2 schema=$3
tmp="${TEST_TMPDIR:-$(mktemp -d)}/merge"
rm -rf "$tmp"
mkdir -p "$tmp/dir"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

"$bin" run --lock shared_mutex,push_lock --threads 1 --duration 20ms --warmup 0 --repetitions 2 \
  --out "$tmp/a.json" >/dev/null 2>&1
check $? "a sweep on this machine"
python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["context"].update(hostname="machine-b", cpu_model="Synthetic CPU B",
                      topology="1 package, 64 cores", invocation="b" * 16)
json.dump(doc, open(sys.argv[2], "w"), indent=2)
PY
cp "$tmp/a.json" "$tmp/b.json" "$tmp/dir/"

"$bin" merge "$tmp/m.json" "$tmp/a.json" "$tmp/b.json" >"$tmp/stdout" 2>"$tmp/stderr"
check $? "merge of two machines exits 0 ($(cat "$tmp/stderr"))"
grep -q "^lockbench: merged 8 runs of 2 invocations from 2 hosts into .*m.json$" "$tmp/stderr"
check $? "merge says what it merged ($(cat "$tmp/stderr"))"
python3 "$validator" "$schema" "$tmp/m.json" "$tmp/a.json"
check $? "the merged file and the single-machine file pass the schema"
python3 - "$tmp/m.json" "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
merged, a, b = (json.load(open(p)) for p in sys.argv[1:])
assert "context" not in merged and len(merged["contexts"]) == 2, merged.keys()
assert merged["contexts"] == [a["context"], b["context"]]
assert merged["configs"] == [a["config"], b["config"]]
for index, src in enumerate((a, b)):
    mine = [r for r in merged["runs"] if r["context_index"] == index]
    assert [dict(r, context_index=None) for r in mine] == \
        [dict(r, context_index=None) for r in src["runs"]], index
PY
check $? "each run keeps its own context and its numbers"
python3 - "$tmp/m.json" "$tmp/no-index.json" "$tmp/both.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
no_index = json.loads(json.dumps(doc))
del no_index["runs"][3]["context_index"]
json.dump(no_index, open(sys.argv[2], "w"))
json.dump(dict(doc, context=doc["contexts"][0], config=doc["configs"][0]), open(sys.argv[3], "w"))
PY
! python3 "$validator" "$schema" "$tmp/no-index.json" >/dev/null &&
  ! python3 "$validator" "$schema" "$tmp/both.json" >/dev/null
check $? "the schema refuses a merged run without context_index, and context beside contexts"

# A run given twice is kept once: the same file twice, a merged file with one of its inputs, a
# directory of the inputs: all give the same document.
"$bin" merge "$tmp/twice.json" "$tmp/a.json" "$tmp/b.json" "$tmp/a.json" 2>/dev/null &&
  cmp -s "$tmp/twice.json" "$tmp/m.json"
check $? "the same file given twice is merged once"
"$bin" merge "$tmp/again.json" "$tmp/m.json" "$tmp/b.json" 2>/dev/null &&
  cmp -s "$tmp/again.json" "$tmp/m.json"
check $? "a merged file merged again with one of its inputs is unchanged"
"$bin" merge "$tmp/fromdir.json" "$tmp/dir" 2>/dev/null && cmp -s "$tmp/fromdir.json" "$tmp/m.json"
check $? "a directory is merged like its files"

# A file of one invocation whose runs happen to carry a context_index: it names nothing there.
python3 - "$tmp/a.json" "$tmp/stray.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["runs"][0]["context_index"] = 7
json.dump(doc, open(sys.argv[2], "w"))
PY
"$bin" merge "$tmp/stray-merged.json" "$tmp/stray.json" 2>/dev/null &&
  python3 -c 'import json, sys; assert {r["context_index"] for r in json.load(open(sys.argv[1]))["runs"]} == {0}' \
    "$tmp/stray-merged.json"
check $? "a stray context_index in a file of one invocation is replaced by its context's"

# compare reads each context of a merged file as its own file.
"$bin" compare "$tmp/a.json" "$tmp/m.json" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
check $((rc == 2 ? 0 : 1)) "compare refuses two machines without the flag (rc=$rc)"
grep -q "^lockbench: error: .*a.json and .*m.json:contexts\[1\] come from different machines (context.cpu_model .* vs 'Synthetic CPU B')" "$tmp/stderr"
check $? "compare names the merged file's context ($(cat "$tmp/stderr"))"
"$bin" compare "$tmp/a.json" "$tmp/m.json" --allow-different-machines --format json \
  >"$tmp/report.json" 2>"$tmp/stderr"
rc=$?
check $((rc == 0 ? 0 : 1)) "compare --allow-different-machines reads the merged file (rc=$rc; $(cat "$tmp/stderr"))"
python3 - "$tmp/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
locks = sorted({c["lock"] for c in report["comparisons"]})
assert locks == ["push_lock", "shared_mutex"], locks
PY
check $? "compare matched both locks across the merged file"

# A sweep run in three slices (--shard K/N, as a job array would run it) merges into the whole
# sweep; a slice left out, or slices of two different cuts, are named and refused.
shard_sweep=(run --lock shared_mutex,push_lock,srwlock --threads 1 --duration 10ms --warmup 0
             --repetitions 2)
"$bin" "${shard_sweep[@]}" --dry-run >/dev/null 2>&1
check $? "the sharded sweep plans"
for k in 1 2 3; do
  "$bin" "${shard_sweep[@]}" --shard "$k/3" --out "$tmp/slice$k.json" >/dev/null 2>&1
  check $? "slice $k/3 runs"
done
"$bin" merge "$tmp/slices.json" "$tmp/slice1.json" "$tmp/slice2.json" "$tmp/slice3.json" \
  >/dev/null 2>"$tmp/stderr"
check $? "the three slices merge ($(cat "$tmp/stderr"))"
python3 "$validator" "$schema" "$tmp/slices.json" "$tmp/slice2.json"
check $? "the merged slices and a slice pass the schema"
python3 - "$tmp/slices.json" <<'PY'
import collections, json, sys
doc = json.load(open(sys.argv[1]))
runs = collections.Counter((r["lock"], r["repetition"]) for r in doc["runs"])
assert len(doc["runs"]) == 6 and set(runs.values()) == {1}, runs  # 3 locks x 2 repetitions
shards = sorted((c["shard"]["index"], c["shard"]["count"], c["shard"]["sweep_runs"])
                for c in doc["configs"])
assert shards == [(1, 3, 6), (2, 3, 6), (3, 3, 6)], shards
PY
check $? "the merged slices hold each of the sweep's 6 runs once"
# A thread sweep in two slices: neither slice holds both thread counts, the merged file fits the
# sweep over both (too few counts here for the law itself, which says so) and names its slices.
fit_sweep=(run --lock push_lock --threads 1,2 --duration 50ms --warmup 0 --repetitions 1)
for k in 1 2; do
  "$bin" "${fit_sweep[@]}" --shard "$k/2" --out "$tmp/fit$k.json" >/dev/null 2>&1
  check $? "thread-sweep slice $k/2 runs"
done
"$bin" merge "$tmp/fits.json" "$tmp/fit1.json" "$tmp/fit2.json" >/dev/null 2>"$tmp/stderr"
check $? "the thread-sweep slices merge ($(cat "$tmp/stderr"))"
python3 "$validator" "$schema" "$tmp/fits.json"
check $? "the merged file with its sweep_fits passes the schema"
python3 - "$tmp/fit1.json" "$tmp/fits.json" <<'PY'
import json, sys
slice1, merged = (json.load(open(p)) for p in sys.argv[1:])
assert "sweep_fits" not in slice1, slice1.get("sweep_fits")
fits = merged["sweep_fits"]
assert len(fits) == 1, fits
fit = fits[0]
assert fit["lock"] == "push_lock" and fit["thread_counts"] == [1, 2], fit
assert fit["contexts"] == [0, 1] and not fit["fitted"], fit
# Too few: 2 counts at most (a run a loaded machine left without an acquisition is no point).
assert fit["why_not"].startswith("too few points: "), fit["why_not"]
PY
check $? "merge fits the sweep over both slices"
"$bin" merge "$tmp/partial.json" "$tmp/slice1.json" "$tmp/slice3.json" >/dev/null 2>"$tmp/stderr"
rc=$?
check $((rc == 2 ? 0 : 1)) "merge refuses a sweep without one of its slices (rc=$rc)"
grep -qx "lockbench: error: the sweep sliced by --shard in .*slice1.json lacks 2/3; merge every slice's result file" \
  "$tmp/stderr"
check $? "merge names the missing slice ($(cat "$tmp/stderr"))"
[ ! -e "$tmp/partial.json" ]
check $? "a refused merge writes nothing"
"$bin" "${shard_sweep[@]}" --shard 2/2 --out "$tmp/half.json" >/dev/null 2>&1
"$bin" merge "$tmp/mixed.json" "$tmp/slice1.json" "$tmp/slice2.json" "$tmp/slice3.json" \
  "$tmp/half.json" >/dev/null 2>"$tmp/stderr"
rc=$?
check $((rc == 2 ? 0 : 1)) "merge refuses slices of two cuts of one sweep (rc=$rc)"
grep -q "cut the same sweep into 3" "$tmp/stderr"
check $? "merge says the cuts differ ($(cat "$tmp/stderr"))"

check_finish merge_test
