#!/usr/bin/env bash
# A workload recorded from a program, replayed: `run --workload FILE` measures its contention
# the way the recording did, writes it in the result, and prints the replay fidelity table after
# its report; other workloads get neither. The result, with the workload's recorded_from, passes
# the schema, which describes recorded_from's members.
set -uo pipefail

bin="$1" workload="$2" validator="$3" schema="$4"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

R=(run --workload "$workload" --lock pthread_mutex --duration 200ms --warmup 20ms --repetitions 1)

"$bin" "${R[@]}" --out "$tmp/replay.json" >"$tmp/replay.out" 2>"$tmp/replay.err"
check $? "a recorded workload replays on pthread_mutex ($(tail -3 "$tmp/replay.err"))"
python3 "$validator" "$schema" "$tmp/replay.json"
check $? "the replay's result, with its workload's recorded_from, passes the schema"
python3 - "$tmp/replay.json" "$tmp/bad.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["config"]["workload"]["recorded_from"]["recorded"]["shared"]["contended"] = 0.5
json.dump(doc, open(sys.argv[2], "w"))
PY
! python3 "$validator" "$schema" "$tmp/bad.json" >/dev/null 2>&1
check $? "the schema refuses a recorded figure the workload parser does not know"

# The table follows the report: its title, then a row per recorded mode, each figure
# "recorded / replayed" with a number on both sides (a wait may be '-' if none was contended).
python3 - "$tmp/replay.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
report = text.find("workload recorded-lockuser, 2 threads")
title = text.find("replay fidelity of workload recorded-lockuser (recorded / replayed; "
                  "recorded from 'lockuser --iterations 100000' on pthread_mutex)")
assert 0 <= report < title, text
lines = text[title:].splitlines()
assert lines[1].split() == ["lock", "threads", "rep", "mode", "contended", "wait", "p50", "ns",
                            "wait", "p99", "ns", "acq/s/thread"], lines[1]
num = r"[0-9.]+(?:k|M|G)?(?:%|/s)?"
for mode, recorded in (("exclusive", ("12%", "2500", "40000", "60k/s")),
                       ("shared", ("5%", "1800", "25000", "140k/s"))):
    row = [l for l in lines[2:] if re.match(rf"pthread_mutex\s+2\s+1\s+{mode}\s", l)]
    assert len(row) == 1, (mode, lines)
    cells = re.findall(rf"(\S+) / ({num}|-)", row[0])
    assert len(cells) == 4, (mode, row[0])
    assert tuple(c[0] for c in cells) == recorded, (mode, cells)
    contended, p50, p99, rate = (c[1] for c in cells)
    assert re.fullmatch(r"[0-9.]+%", contended), row[0]
    assert re.fullmatch(r"[0-9.]+(k|M)?/s", rate) and rate != "0/s", row[0]
PY
check $? "the replay fidelity table follows the report, a row per recorded mode, recorded / replayed ($(cat "$tmp/replay.out"))"

python3 - "$tmp/replay.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["config"]["workload"]["recorded_from"]["lock"] == "pthread_mutex"
run = doc["runs"][0]
c = run["contention"]
for mode in ("shared", "exclusive"):
    m = c[mode]
    assert m["acquisitions"] == run[mode + "_ops"] > 0, (mode, m)
    assert 0 <= m["contended"] <= m["acquisitions"], (mode, m)
    assert abs(m["contended_fraction"] - m["contended"] / m["acquisitions"]) < 1e-9, (mode, m)
    per = m["acquisitions"] / run["duration_s"] / run["threads"]
    assert abs(m["acquisitions_per_s_per_thread"] - per) <= 1e-6 * per, (mode, m)
    if m["contended"] == 0:
        assert m["wait_p50_ns"] is None and m["wait_p99_ns"] is None, (mode, m)
# Two threads on one mutex for 200 ms: some acquisition found it taken.
assert c["shared"]["contended"] + c["exclusive"]["contended"] > 0, c
PY
check $? "the result's contention object holds both modes' figures, consistent with the run"

"$bin" "${R[@]}" --format markdown >"$tmp/replay.md" 2>/dev/null
grep -q "^### replay fidelity of workload recorded-lockuser" "$tmp/replay.md" &&
  grep -Eq "^\| pthread_mutex \| 2 \| 1 \| shared \| 5% / [0-9.]+% \|" "$tmp/replay.md"
check $? "markdown carries the table too ($(cat "$tmp/replay.md"))"

"$bin" "${R[@]}" --format csv >"$tmp/replay.csv" 2>/dev/null
! grep -q "replay fidelity" "$tmp/replay.csv"
check $? "CSV stays one table"

# A workload written by hand: no contention measured, no table.
"$bin" run --workload read-mostly --lock pthread_mutex --threads 2 --duration 50ms --warmup 10ms \
  --repetitions 1 --out "$tmp/plain.json" >"$tmp/plain.out" 2>"$tmp/plain.err"
check $? "a preset runs on pthread_mutex ($(tail -3 "$tmp/plain.err"))"
! grep -q "replay fidelity" "$tmp/plain.out" &&
  python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["runs"][0]["contention"] is None' \
    "$tmp/plain.json"
check $? "a preset gets no fidelity table and a null contention"

check_finish replay_test
