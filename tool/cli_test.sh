#!/usr/bin/env bash
# Runs the built lockbench binary as a user would and checks exit codes, stderr and output files.
set -uo pipefail

bin="$1"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

# expect_usage_error NAME PATTERN ARGS...: exit 2, exactly one stderr line, matching PATTERN.
expect_usage_error() {
  local name=$1 pattern=$2
  shift 2
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$tmp/err")
  [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$tmp/err"
  check $? "$name (rc=$rc, stderr: $(cat "$tmp/err"))"
}

# --help on every subcommand; the exit codes are documented where they can happen.
for sub in "" run list topology compare; do
  "$bin" $sub --help >"$tmp/help" 2>&1
  check $? "help $sub exits 0"
done
for sub in "" run compare; do
  "$bin" $sub --help | grep -q "3 a correctness violation.*130 interrupted"
  check $? "help $sub documents exit codes"
done
grep -q -- "--read-ratio" <("$bin" run --help)
check $? "run --help lists workload flags"

"$bin" --version >"$tmp/version"
check $? "--version exits 0"
grep -Eq '^lockbench [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown)\)$' "$tmp/version"
check $? "--version prints version and commit: $(cat "$tmp/version")"

# A thread sweep reports its scalability fit, or why there is none: 1,2 is two thread counts,
# too few for the Universal Scalability Law's three parameters (results/usl.h).
"$bin" run --workload writer-storm --lock push_lock --threads 1,2 --duration 30ms --warmup 5ms \
  --repetitions 1 --out "$tmp/sweep.json" >"$tmp/sweep.out" 2>"$tmp/sweep.err" &&
  grep -q "writer-storm, push_lock: no fit: too few points: 2 thread counts" "$tmp/sweep.out" &&
  python3 - "$tmp/sweep.json" <<'PY'
import json, sys
fits = json.load(open(sys.argv[1]))["sweep_fits"]
assert len(fits) == 1 and fits[0]["thread_counts"] == [1, 2] and not fits[0]["fitted"], fits
assert fits[0]["why_not"].startswith("too few points") and fits[0]["sigma"] is None, fits
PY
check $? "a 1,2 sweep says too few points for a fit, in the report and sweep_fits ($(tail -3 "$tmp/sweep.out"))"

# list shows every lock and preset, in both formats.
"$bin" list >"$tmp/list"
check $? "list exits 0"
for name in shared_mutex eresource pthread_rwlock cache_aware_push_lock critical_section read-mostly writer-storm minifilter; do
  grep -q "$name" "$tmp/list"
  check $? "list shows $name"
done
"$bin" list --format json >"$tmp/list.json"
python3 - "$tmp/list.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
names = [l["name"] for l in doc["locks"]]
assert "shared_mutex" in names, names
for l in doc["locks"]:
    assert l["size_bytes"] > 0 and l["recursion"] in ("none", "shared_only", "full"), l
    assert l["heap_bytes"] >= 0, l
cap = [l for l in doc["locks"] if l["name"] == "cache_aware_push_lock"]
assert len(cap) == 1 and cap[0]["heap_bytes"] >= 64 and cap[0]["heap_bytes"] % 64 == 0, cap
assert len(doc["workloads"]) == 9, doc["workloads"]
PY
check $? "list --format json has locks with traits and 9 workloads"

# Bad input: one line, exit 2.
expect_usage_error "threads 0" "threads" run --threads 0
expect_usage_error "unknown lock with suggestion" "did you mean 'shared_mutex'" run --lock shared_mutx
expect_usage_error "unknown lock" "unknown lock 'nosuch'" run --lock nosuch
expect_usage_error "bad duration unit" "--duration: unknown unit 'd'" run --duration 5d
expect_usage_error "bad read ratio" "--read-ratio" run --read-ratio 2
expect_usage_error "unknown preset" "did you mean 'writer-storm'" run --workload writer-strom
expect_usage_error "unknown flag" "--bogus" run --bogus
expect_usage_error "bad format" "--format" run --format xml
expect_usage_error "placement node missing" "numa:7" run --placement numa:7
expect_usage_error "recursion refused" "does not allow recursive" run --lock shared_mutex --recursion 1
expect_usage_error "missing out dir" "does not exist" run --lock shared_mutex --out "$tmp/nodir/r.json"
[ ! -e "$tmp/nodir" ]
check $? "missing out dir: nothing created"
expect_usage_error "workload is a directory" "is a directory" run --workload "$tmp/"
echo '{"threads": 2,' >"$tmp/broken.json"
expect_usage_error "malformed workload" "malformed JSON" run --workload "$tmp/broken.json"
echo '{"threads": 2, "colour": "red"}' >"$tmp/unknown.json"
expect_usage_error "unknown field" "unknown field 'colour'" run --workload "$tmp/unknown.json"
expect_usage_error "compare missing file" "a.json" compare "$tmp/a.json" "$tmp/b.json"
expect_usage_error "no subcommand" "subcommand" 

# The vertical slice: a real run writes a table and valid JSON.
"$bin" run --lock shared_mutex --threads 2 --duration 200ms --warmup 20ms --repetitions 2 --latency-sample 8 \
  --out "$tmp/r.json" >"$tmp/table" 2>"$tmp/err"
check $? "run exits 0 ($(cat "$tmp/err"))"
grep -q "shared_mutex" "$tmp/table" && grep -q "Mops/s" "$tmp/table"
check $? "run prints a table"
python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema_version"] == 1
assert doc["context"]["tsc_ghz"] > 0 and doc["context"]["timer_overhead_ns"] > 0
# The clock and atomics of the architecture this test runs on, and one consistent rate.
import platform
ctx = doc["context"]
assert ctx["arch"] == platform.machine(), (ctx["arch"], platform.machine())
expected = {"x86_64": ("tsc", "calibrated", {"x86-lock"}),
            "aarch64": ("cntvct_el0", "cntfrq_el0", {"lse", "outline-atomics", "llsc"})}[ctx["arch"]]
assert (ctx["clock"], ctx["timer_frequency_source"]) == expected[:2], ctx
assert ctx["atomics"] in expected[2], ctx["atomics"]
assert abs(ctx["timer_frequency_hz"] - ctx["tsc_ghz"] * 1e9) <= 1e-9 * ctx["timer_frequency_hz"], ctx
assert abs(ctx["timer_resolution_ns"] * ctx["tsc_ghz"] - 1) < 1e-9, ctx
timed = doc["context"]["timed_acquisition_overhead_ns"]
# Three timer reads and the recording: more than one timer read, in both modes.
assert timed["shared"] > doc["context"]["timer_overhead_ns"], timed
assert timed["exclusive"] > doc["context"]["timer_overhead_ns"], timed
runs = doc["runs"]
assert [(r["lock"], r["threads"], r["repetition"]) for r in runs] == [("shared_mutex", 2, 1), ("shared_mutex", 2, 2)], runs
for r in runs:
    assert r["status"] == "ok", r["status_detail"]
    assert r["ops"] > 0 and r["ops"] == r["shared_ops"] + r["exclusive_ops"]
    assert abs(r["throughput_ops_per_s"] - r["ops"] / r["duration_s"]) < 1e-6 * r["ops"]
    assert 0.15 < r["duration_s"] < 1.0
    assert len(r["per_thread"]) == 2 and sum(t["ops"] for t in r["per_thread"]) == r["ops"]
    for mode in ("shared", "exclusive"):
        lat = r["latency_ns"][mode]
        assert lat["count"] > 0, mode
        assert lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p999"] <= lat["max"], lat
        assert sum(b[2] for b in lat["buckets"]) == lat["count"]
    assert 0 < r["fairness"]["jain_index"] <= 1
PY
check $? "run JSON is complete and consistent"

# An existing output file is left untouched when the run is refused.
echo "keep me" >"$tmp/keep.json"
"$bin" run --lock nosuch --out "$tmp/keep.json" 2>/dev/null
[ "$(cat "$tmp/keep.json")" = "keep me" ]
check $? "refused run leaves existing --out untouched"

# Formats.
"$bin" run --lock shared_mutex --threads 1 --duration 50ms --warmup 0 --repetitions 1 --format csv >"$tmp/csv"
head -1 "$tmp/csv" | grep -q "^workload,threads,lock,"
check $? "csv format"
"$bin" run --lock shared_mutex --threads 1 --duration 50ms --warmup 0 --repetitions 1 --format json \
  | python3 -c 'import json,sys; assert json.load(sys.stdin)["runs"][0]["lock"] == "shared_mutex"'
check $? "json format on stdout"
"$bin" run --lock shared_mutex --threads 1 --duration 50ms --warmup 0 --repetitions 1 --format gbench \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); b=d["benchmarks"][0]; assert b["run_type"] == "iteration" and b["iterations"] > 0 and b["time_unit"] == "ns" and "shared_mutex" in b["name"], b'
check $? "gbench format on stdout"

# Hours are a duration unit wherever durations are read: a flag, a row of the run-option table and
# a workload file; --ops bounds the run, so an hour-long --duration is recorded, not waited for.
printf '{"think": "fixed", "think_time": "0.0000000001h"}\n' >"$tmp/hours.json"
"$bin" run --lock shared_mutex --threads 1 --ops 1000 --duration 1h --warmup 0.00001h \
  --stall-timeout 1.5h --workload "$tmp/hours.json" --repetitions 1 --out "$tmp/hours-run.json" \
  >/dev/null 2>&1 && python3 - "$tmp/hours-run.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
w = c["workload"]
assert c["stall_timeout_ns"] == 5_400_000_000_000, c["stall_timeout_ns"]
assert (w["duration"], w["warmup"], w["think_time"]) == ("3600s", "36ms", "360ns"), w
PY
check $? "durations in hours (1h, 1.5h, 0.00001h, 0.0000000001h) are read and recorded"

# HdrHistogram percentile export.
mkdir -p "$tmp/hgrm"
"$bin" run --lock shared_mutex --threads 2 --duration 50ms --warmup 0 --repetitions 1 --latency-sample 1 --hgrm "$tmp/hgrm" >/dev/null 2>&1
f="$tmp/hgrm/shared_mutex.read-mostly.t2.r1.shared.hgrm"
[ -f "$f" ] && head -1 "$f" | grep -q "Value.*Percentile.*TotalCount" && grep -q "^#\[Max" "$f" \
  && grep -Eq '^ +[0-9.]+ +1\.000000000000 ' "$f"
check $? "--hgrm writes .hgrm percentile files: $(ls "$tmp/hgrm")"
! ls "$tmp/hgrm" | grep -q response
check $? "closed loop writes no response .hgrm files"
mkdir -p "$tmp/hgrm-open"
"$bin" run --lock shared_mutex --threads 2 --duration 50ms --warmup 0 --repetitions 1 --arrival-rate 20k/s --hgrm "$tmp/hgrm-open" >/dev/null 2>&1
f="$tmp/hgrm-open/shared_mutex.read-mostly.t2.a20k.r1.shared.response.hgrm"
[ -f "$f" ] && head -1 "$f" | grep -q "Value.*Percentile.*TotalCount"
check $? "open loop --hgrm adds the response-time files, named by rate: $(ls "$tmp/hgrm-open")"

# An open-loop rate sweep: every rate runs every lock and repetition, and each rate stays apart
# in the report, the .hgrm names, the gbench names and compare's matching.
mkdir -p "$tmp/hgrm-sweep"
"$bin" run --lock shared_mutex,push_lock --threads 2 --duration 30ms --warmup 0 --repetitions 2 \
  --arrival-rate 10k/s,40k/s --hgrm "$tmp/hgrm-sweep" --out "$tmp/sweep.json" >"$tmp/sweep.txt" 2>&1
check $? "an arrival-rate sweep runs"
python3 - "$tmp/sweep.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["workload"]["arrival_rate"] == [10000, 40000], d["config"]["workload"]
runs = collections.Counter((r["lock"], r["open_loop"]["offered_ops_per_s"], r["repetition"])
                           for r in d["runs"])
planned = {(l, rate, rep) for l in ("shared_mutex", "push_lock") for rate in (10000, 40000)
           for rep in (1, 2)}
assert set(runs) == planned and set(runs.values()) == {1}, runs
# Rates in the planned order: the whole of 10k/s before 40k/s.
assert [r["open_loop"]["offered_ops_per_s"] for r in d["runs"]] == [10000] * 4 + [40000] * 4
PY
check $? "the sweep's file holds each lock, rate and repetition once, rate by rate"
grep -q "workload read-mostly at 10k/s, 2 threads" "$tmp/sweep.txt" \
  && grep -q "workload read-mostly at 40k/s, 2 threads" "$tmp/sweep.txt"
check $? "the report has a table per rate"
ls "$tmp/hgrm-sweep" | grep -q "push_lock.read-mostly.t2.a10k.r2.shared.response.hgrm" \
  && ls "$tmp/hgrm-sweep" | grep -q "push_lock.read-mostly.t2.a40k.r2.shared.response.hgrm"
check $? "each rate has its own .hgrm files: $(ls "$tmp/hgrm-sweep" | head -4)"
"$bin" compare "$tmp/sweep.json" "$tmp/sweep.json" --metric shared_response_p99 --format json \
  | python3 -c 'import json,sys; c=json.load(sys.stdin)["comparisons"]; rates=sorted(x["arrival_rate"] for x in c); assert rates == [10000, 10000, 40000, 40000], c'
check $? "compare matches runs rate by rate"
"$bin" run --lock shared_mutex --threads 2 --duration 30ms --warmup 0 --repetitions 1 \
  --arrival-rate 10k/s,40k/s --format gbench \
  | python3 -c 'import json,sys; n=[b["name"] for b in json.load(sys.stdin)["benchmarks"]]; assert any("/rate:10000/" in x for x in n) and any("/rate:40000/" in x for x in n), n'
check $? "gbench names carry the rate"
expect_usage_error "hgrm dir missing" "--hgrm" run --lock shared_mutex --hgrm "$tmp/no-such-dir"

# Torture mode: the run records its seed and what it injected.
"$bin" run --lock push_lock --threads 4 --duration 100ms --warmup 10ms --repetitions 1 --torture \
  --torture-seed 99 --out "$tmp/torture.json" >/dev/null 2>&1
check $? "run --torture exits 0"
python3 - "$tmp/torture.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["torture"] == {"seed": 99}, d["config"]["torture"]
(run,) = d["runs"]
t = run["torture"]
assert run["status"] == "ok" and t["seed"] == 99 and t["cs_delays"] > 0 and t["stutters"] > 0, t
PY
check $? "a torture run records its seed and the disturbances it injected"
"$bin" run --lock push_lock --threads 1 --duration 20ms --warmup 0 --repetitions 1 --out "$tmp/plain.json" >/dev/null 2>&1
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["config"]["torture"] is None and d["runs"][0]["torture"] is None' "$tmp/plain.json"
check $? "a plain run records no torture"

# Topology and the placement plan on another machine's topology.
"$bin" topology >"$tmp/topo"
check $? "topology exits 0"
"$bin" topology --synthetic "pack:2 numa:2 core:4 pu:2" --format json \
  | python3 -c 'import json,sys; t=json.load(sys.stdin); assert t["cores"] == 16 and len(t["numa"]) == 4, t' 
check $? "topology --synthetic json"
"$bin" run --dry-run --synthetic "pack:2 numa:2 core:4 pu:2" --threads 4 --placement scatter >"$tmp/plan"
check $? "dry-run on a synthetic topology exits 0"
# scatter puts consecutive threads on different packages first: PUs 0, 16, 8, 24.
[ "$(awk '$1 ~ /^[0-9]+$/ {printf "%s ", $3}' "$tmp/plan")" = "0 16 8 24 " ]
check $? "dry-run prints the scatter plan: $(cat "$tmp/plan")"
expect_usage_error "synthetic without dry-run" "dry-run" run --synthetic "pack:2 core:2 pu:1"

check_finish cli_test
