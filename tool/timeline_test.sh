#!/usr/bin/env bash
# `run --timeline FILE`: the file a trace viewer opens (Trace Event JSON: tracks, wait and hold
# spans, flow arrows, the config), one per run in a sweep, named like the .hgrm files; no two
# conflicting holds overlap on the built-in locks, and a planted exclusion bug (the buggy_rw
# plugin, readers ignoring the writer) shows overlapping holds that timeline_check finds.
set -uo pipefail

bin="$1" checker="$2" buggy="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

R=(run --duration 100ms --warmup 20ms --repetitions 1 --format json)

# One run: FILE itself, a Trace Event document a viewer reads.
"$bin" "${R[@]}" --lock eresource --workload writer-storm --threads 2 \
  --timeline "$tmp/one.json" --timeline-window 10ms >"$tmp/one.out" 2>"$tmp/one.err"
check $? "a run with --timeline succeeds ($(tail -2 "$tmp/one.err"))"
python3 - "$tmp/one.json" "$tmp/one.out" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
result = json.load(open(sys.argv[2]))
assert doc["displayTimeUnit"] == "ns"
events = doc["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
assert sorted(names) == [0, 1], names
# writer-storm at --threads 2: mixed roles with read ratio 0 (docs/user_guide.md, Workloads)
assert all(re.fullmatch(r"thread [01] mixed (@ PU \d+|unpinned)", n) for n in names.values()), names
for e in events:
    assert e["pid"] == 1 and isinstance(e["ts"], (int, float)), e
    assert e["ph"] in ("M", "X", "s", "f", "i"), e
spans = [e for e in events if e["ph"] == "X"]
holds = [e for e in spans if e["name"] == "hold exclusive"]
waits = [e for e in spans if e["name"] == "wait exclusive"]
assert holds and len(holds) == len(waits), (len(holds), len(waits))
for h in holds:
    assert h["dur"] >= 0 and set(("mode", "instance", "bypass")) <= set(h["args"]), h
    assert h["ts"] < 10_000.0 + 1e-9 or h["args"]["requested_ns"] < 10_000_000, h  # the window
flows = {}
for e in events:
    if e["ph"] in ("s", "f"):
        flows.setdefault(e["id"], []).append(e)
assert flows and all(len(v) == 2 and v[0]["ph"] == "s" and v[1]["ph"] == "f" and v[1]["bp"] == "e"
                     for v in flows.values())
other = doc["otherData"]
assert other["window_ns"] == 10_000_000 and other["events_per_thread_cap"] > 0, other
assert other["config"]["threads"] == 2 and other["config"]["workload"]["name"] == "writer-storm"
assert result["config"]["timeline"].endswith("one.json")
assert result["config"]["timeline_window_ns"] == 10_000_000
PY
check $? "the file is Trace Event JSON: named tracks, wait and hold spans, paired flow arrows, config"
"$checker" "$tmp/one.json" >"$tmp/one.check"
check $? "no overlapping holds on eresource ($(cat "$tmp/one.check"))"
grep -q "cross-thread" "$tmp/one.check"
check $? "timeline_check prints the hand-off counts"

# A sweep: one file per run, named like the .hgrm files; no overlap on any built-in lock.
"$bin" "${R[@]}" --lock push_lock,srwlock,eresource,shared_mutex,pthread_rwlock --threads 3 \
  --read-ratio 0.5 --shared-cs 500ns --exclusive-cs 500ns --timeline "$tmp/sweep.json" \
  >/dev/null 2>"$tmp/sweep.err"
check $? "a sweep with --timeline succeeds ($(tail -2 "$tmp/sweep.err"))"
files=()
for lock in push_lock srwlock eresource shared_mutex pthread_rwlock; do
  files+=("$tmp/sweep.$lock.read-mostly.t3.r1.json")
done
ls "${files[@]}" >/dev/null 2>&1
check $? "one file per run: sweep.<lock>.<workload>.t<threads>.r<rep>.json ($(ls "$tmp"))"
[ ! -e "$tmp/sweep.json" ]
check $? "a sweep does not write FILE itself"
"$checker" "${files[@]}" >"$tmp/sweep.check"
check $? "no two exclusive holds and no shared and exclusive hold overlap on the built-in locks ($(cat "$tmp/sweep.check"))"

# The planted bug: buggy_rw's readers walk in on a writer. The verifier is off, so the run ends
# normally and the timeline shows it.
# Mixed roles with think time, so that the writer finds the lock free now and then (dedicated
# readers would keep it out) and a reader then walks in on it. An overlap needs both threads on a
# core at once, which a loaded 2-core machine (other tests, a sanitizer) can deny a short
# window: the window is the whole 300 ms run, and a run without an overlap is tried again,
# three times at most.
for attempt in 1 2 3; do
  "$bin" run --duration 300ms --warmup 20ms --repetitions 1 --format json --plugin "$buggy" \
    --lock buggy_rw --threads 2 --read-ratio 0.5 --shared-cs 20us --exclusive-cs 20us \
    --think fixed --think-time 20us --no-verify --timeline "$tmp/buggy.json" \
    --timeline-window 300ms >/dev/null 2>"$tmp/buggy.err"
  rc_run=$?
  "$checker" "$tmp/buggy.json" >"$tmp/buggy.check"
  rc=$?
  [[ $rc_run -ne 0 || $rc -ne 0 ]] && break
done
check $rc_run "buggy_rw runs with --no-verify ($(tail -2 "$tmp/buggy.err"))"
check $((rc != 1)) "timeline_check finds buggy_rw's overlapping holds (attempt $attempt, exit $rc: $(head -3 "$tmp/buggy.check"))"
grep -q "overlap on instance 0: thread [01] \(exclusive\|shared\)" "$tmp/buggy.check"
check $? "it names the overlapping holds ($(head -3 "$tmp/buggy.check"))"

# Open loop: each hold carries its scheduled arrival, shown as a mark; torture: injected delays
# marked on the hold they fell in.
"$bin" "${R[@]}" --lock push_lock --threads 2 --arrival-rate 200k/s --timeline "$tmp/open.json" \
  >/dev/null 2>"$tmp/open.err"
check $? "an open-loop run with --timeline succeeds ($(tail -2 "$tmp/open.err"))"
python3 - "$tmp/open.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
holds = [e for e in events if e["ph"] == "X" and e["name"].startswith("hold ")]
arrivals = [e for e in events if e["ph"] == "i" and e["name"] == "arrival"]
assert holds and len(arrivals) == len(holds), (len(holds), len(arrivals))
assert all("arrival_ns" in h["args"] and h["args"]["arrival_ns"] <= h["args"]["requested_ns"] + 1
           for h in holds)
PY
check $? "open loop: every hold has its arrival, none after its request"
"$bin" "${R[@]}" --lock push_lock --threads 2 --torture --timeline "$tmp/torture.json" \
  >/dev/null 2>"$tmp/torture.err"
check $? "a torture run with --timeline succeeds ($(tail -2 "$tmp/torture.err"))"
python3 - "$tmp/torture.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
marks = [e for e in events if e["ph"] == "i" and e["name"] == "torture delay"]
marked = [e for e in events if e["ph"] == "X" and e.get("cat") == "hold,torture"]
assert marks and len(marks) == len(marked), (len(marks), len(marked))
PY
check $? "torture: injected delays marked on their holds"
"$checker" "$tmp/torture.json" >"$tmp/torture.check"
check $? "no overlap on push_lock under torture ($(cat "$tmp/torture.check"))"

# Bad input: one line naming the flag, exit 2, before any run.
"$bin" run --lock push_lock --duration 10ms --timeline "$tmp/x.json" --timeline-window 0 \
  >/dev/null 2>"$tmp/bad1.err"
rc=$?
check $((rc != 2)) "--timeline-window 0 exits 2 (got $rc)"
[ "$(wc -l <"$tmp/bad1.err")" -eq 1 ] && grep -q -- "--timeline-window: '0' is too short; at least 1us" "$tmp/bad1.err"
check $? "one line naming --timeline-window and its minimum ($(cat "$tmp/bad1.err"))"
"$bin" run --lock push_lock --duration 10ms --timeline "$tmp/no/such/dir/t.json" \
  >/dev/null 2>"$tmp/bad2.err"
rc=$?
check $((rc != 2)) "--timeline into a missing directory exits 2 (got $rc)"
[ "$(wc -l <"$tmp/bad2.err")" -eq 1 ] && grep -q -- "--timeline: " "$tmp/bad2.err"
check $? "one line naming --timeline ($(cat "$tmp/bad2.err"))"

check_finish timeline_test
