#!/usr/bin/env bash
# Faults during a run of the built lockbench: a deadlocked workload (the stall watchdog must end
# it with exit 4, name the waiting threads and still write the result), SIGINT and SIGTERM
# mid-run (exit 130, the finished runs written, the interrupted one marked), and a hard kill
# (an existing --out file is replaced only by a complete file, never left partial). A sweep ended
# early keeps its journal beside the result (resume_test.sh resumes such sweeps).
#
# Runs are sequenced by what they leave behind, not by sleeps that hope: a run is known to have
# finished when its histogram file appears (--hgrm writes one right after each run), so a signal
# sent then lands in a later run. Every wait is bounded and fails the check when it runs out.
#
# Usage: fault_test.sh path/to/lockbench
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${TEST_TMPDIR:-$(mktemp -d)}/fault"
rm -rf "$tmp"
mkdir -p "$tmp"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

# finish PID SECONDS: the exit status of background job PID, or 137 after killing it when it has
# not exited within SECONDS.
finish() {
  local pid=$1
  if ! wait_for "$2" eval '! kill -0 '"$pid"' 2>/dev/null'; then
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid"
}

has_file() { [ -n "$(ls -A "$1" 2>/dev/null)" ]; }

# ---- (a) the stall watchdog on a deliberately deadlocked workload ----
# A push lock cannot be re-acquired exclusively by its owner: the first exclusive acquisition
# with --recursion 1 hangs its thread, and the others then wait on it for good.
d="$tmp/stall"
mkdir -p "$d"
start=$SECONDS
timeout 30 "$bin" run --lock push_lock --recursion 1 --allow-deadlock --stall-timeout 1s \
  --out "$d/stall.json" >"$d/stdout" 2>"$d/stderr"
rc=$?
check $((rc == 4 ? 0 : 1)) \
  "stall: exit 4 within the 30 s bound (rc=$rc after $((SECONDS - start)) s; $(cat "$d/stderr"))"
stalled='^lockbench: STALLED: push_lock, [0-9]+ threads, repetition 1/[0-9]+: '
stalled+='no thread completed an acquisition for 1s: '
stalled+='thread [0-9]+ \((mixed|reader|writer)\) waiting (shared|exclusive)'
grep -Eq "$stalled" "$d/stderr"
check $? "stall: stderr names the waiting threads ($(cat "$d/stderr"))"
python3 - "$d/stall.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert [r["status"] for r in runs] == ["stalled"], [r["status"] for r in runs]
assert "waiting" in runs[0]["status_detail"], runs[0]["status_detail"]
assert runs[0]["lock"] == "push_lock"
PY
check $? "stall: --out is valid JSON whose run has status stalled"
[ "$(ls -A "$d")" = "$(printf 'stall.json\nstall.json.journal\nstderr\nstdout')" ]
check $? "stall: no temporary file left beside the result and its journal ($(ls -A "$d" | tr '\n' ' '))"

# ---- (b) SIGINT and SIGTERM mid-run, (c) an existing --out replaced only whole ----
# interrupted SIGNAL NAME: a run of 20 repetitions of 1 s is signalled once its first repetition
# has finished; it must exit 130 and write every finished run plus the interrupted one.
interrupted() {
  local sig=$1 name=$2
  local d="$tmp/$name"
  mkdir -p "$d/hgrm"
  printf '{"previous": "result"}\n' >"$d/r.json"
  cp "$d/r.json" "$d/previous.json"
  "$bin" run --lock shared_mutex --threads 2 --duration 1s --warmup 0 --repetitions 20 \
    --latency-sample 1 --hgrm "$d/hgrm" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
  local pid=$!
  wait_for 60 has_file "$d/hgrm"
  check $? "$name: the first repetition finishes ($(cat "$d/stderr"))"
  cmp -s "$d/r.json" "$d/previous.json"
  check $? "$name: the existing --out file is untouched while the run goes on"
  kill -"$sig" "$pid"
  finish "$pid" 30
  local rc=$?
  check $((rc == 130 ? 0 : 1)) "$name: exit 130 (rc=$rc; $(cat "$d/stderr"))"
  grep -q "^lockbench: interrupted during shared_mutex, 2 threads, repetition [0-9]*/20" "$d/stderr"
  check $? "$name: stderr says which run was interrupted ($(cat "$d/stderr"))"
  python3 - "$d/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
statuses = [r["status"] for r in doc["runs"]]
# Every run before the signal finished; the last one was cut short.
assert len(statuses) >= 2 and statuses[-1] == "interrupted", statuses
assert all(s == "ok" for s in statuses[:-1]), statuses
assert [r["repetition"] for r in doc["runs"]] == list(range(1, len(statuses) + 1))
for r in doc["runs"][:-1]:
    assert r["ops"] > 0 and 0.5 < r["duration_s"] < 5, (r["ops"], r["duration_s"])
PY
  check $? "$name: --out is valid JSON with the finished runs and the interrupted one last"
  python3 - "$d/r.json" "$d/r.json.journal" <<'PY'
import json, sys
finished = [r for r in json.load(open(sys.argv[1]))["runs"] if r["status"] == "ok"]
assert [json.loads(line) for line in open(sys.argv[2]).read().splitlines()[1:]] == finished
PY
  check $? "$name: the journal is kept, with the header and each finished run"
  [ "$(ls -A "$d" | grep -v -x -e hgrm -e previous.json -e stdout -e stderr)" = "$(printf 'r.json\nr.json.journal')" ]
  check $? "$name: no temporary file left beside the result and its journal ($(ls -A "$d" | tr '\n' ' '))"
}
interrupted INT sigint
interrupted TERM sigterm

# A hard kill cannot be caught: the previous file must survive whole, with no partial file or
# temporary file beside it.
d="$tmp/sigkill"
mkdir -p "$d/hgrm"
printf '{"previous": "result"}\n' >"$d/r.json"
cp "$d/r.json" "$d/previous.json"
"$bin" run --lock shared_mutex --threads 2 --duration 1s --warmup 0 --repetitions 20 \
  --latency-sample 1 --hgrm "$d/hgrm" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
pid=$!
wait_for 60 has_file "$d/hgrm"
check $? "sigkill: the first repetition finishes ($(cat "$d/stderr"))"
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null  # without bash's "Killed" notice
rc=$?
check $((rc == 137 ? 0 : 1)) "sigkill: killed (rc=$rc)"
cmp -s "$d/r.json" "$d/previous.json"
check $? "sigkill: the existing --out file is left byte-identical"
[ "$(ls -A "$d" | grep -v -x -e hgrm -e previous.json -e stdout -e stderr)" = "$(printf 'r.json\nr.json.journal')" ]
check $? "sigkill: no partial or temporary file beside it, only the journal ($(ls -A "$d" | tr '\n' ' '))"

check_finish fault_test
