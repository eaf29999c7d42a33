#!/usr/bin/env bash
# A sweep killed with SIGKILL at a random point and resumed loses nothing: for several seeds a
# sweep of 12 runs is killed once its journal holds a random number of runs (plus a random few
# milliseconds, so the kill can land inside a run or a journal write), then `--resume` finishes
# it. The result must hold exactly the planned runs in the interleaved order, none twice, and
# every run the journal held with the journal's numbers, unchanged; the journal is then gone.
# A sweep ended by SIGTERM keeps its journal too, and the resume measures the interrupted run
# again; --force resumes a journal of another machine with a warning; a rate sweep in torture
# mode resumes with its rates apart and its torture seed; of two resumes started together, the
# second is refused while the first finishes the sweep.
#
# Usage: resume_test.sh path/to/lockbench
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${TEST_TMPDIR:-$(mktemp -d)}/resume"
rm -rf "$tmp"
mkdir -p "$tmp"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

# Complete lines (the header and one per finished run) in FILE, at least N.
lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

sweep=(run --lock shared_mutex,push_lock,eresource --threads 1,2 --duration 20ms --warmup 0
       --repetitions 2 --format csv)

# check_result RESULT JOURNAL_COPY: the planned runs, once each, in order, with the journal's.
check_result() {
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
complete = text.split("\n")[:-1]  # a last line without its newline was cut short
journaled = [json.loads(line) for line in complete[1:]]
planned = [(lock, t, rep) for t in (1, 2) for rep in (1, 2)
           for lock in ("shared_mutex", "push_lock", "eresource")]
got = [(r["lock"], r["threads"], r["repetition"]) for r in doc["runs"]]
assert got == planned, f"runs {got}, planned {planned}"
assert all(r["status"] == "ok" for r in doc["runs"]), [r["status"] for r in doc["runs"]]
by_key = {(r["lock"], r["threads"], r["repetition"]): r for r in doc["runs"]}
for j in journaled:
    assert by_key[(j["lock"], j["threads"], j["repetition"])] == j, f"changed: {j['lock']}"
first = doc["context"]["invocation"]
resumed = [r for r in doc["runs"] if r not in journaled]
assert all("invocation" not in r for r in journaled), "journaled runs keep the file's invocation"
assert resumed and all(r.get("invocation") not in (None, first) for r in resumed), \
    "runs measured by the resume carry their own invocation"
print(f"{len(journaled)} runs from the journal, {len(resumed)} measured by the resume")
PY
}

for seed in 1 2 3; do
  RANDOM=$seed
  k=$((1 + RANDOM % 6))        # finished runs the journal holds at least
  extra=$((RANDOM % 20))       # then milliseconds more
  d="$tmp/seed$seed"
  mkdir -p "$d"
  "$bin" "${sweep[@]}" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
  pid=$!
  wait_for 60 lines_at_least "$d/r.json.journal" $((k + 1))
  check $? "seed $seed: the journal holds $k runs ($(cat "$d/stderr"))"
  sleep "0.0$(printf '%02d' "$extra")"
  kill -KILL "$pid"
  { wait "$pid"; } 2>/dev/null
  rc=$?
  check $((rc == 137 ? 0 : 1)) "seed $seed: killed mid-sweep (rc=$rc)"
  [ ! -e "$d/r.json" ]
  check $? "seed $seed: no result file yet"
  cp "$d/r.json.journal" "$d/journal.copy"
  "$bin" run --resume "$d/r.json" >"$d/resume.stdout" 2>"$d/resume.stderr"
  rc=$?
  check $((rc == 0 ? 0 : 1)) "seed $seed: the resume exits 0 (rc=$rc; $(cat "$d/resume.stderr"))"
  out=$(check_result "$d/r.json" "$d/journal.copy" 2>&1)
  check $? "seed $seed: the planned runs once each, the journal's unchanged ($out)"
  echo "seed $seed: killed after $k runs + ${extra} ms: $out"
  [ ! -e "$d/r.json.journal" ]
  check $? "seed $seed: the journal is removed once the result is written"
done

# SIGTERM: the result so far is written, the journal kept; the resume measures the rest.
d="$tmp/sigterm"
mkdir -p "$d"
"$bin" "${sweep[@]}" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
pid=$!
wait_for 60 lines_at_least "$d/r.json.journal" 3
check $? "sigterm: the journal holds 2 runs ($(cat "$d/stderr"))"
kill -TERM "$pid"
wait "$pid"
rc=$?
check $((rc == 130 ? 0 : 1)) "sigterm: exit 130 (rc=$rc)"
grep -q "r.json.journal keeps the finished runs; \`lockbench run --resume .*r.json\` measures the rest" \
  "$d/stderr"
check $? "sigterm: stderr says how to resume ($(cat "$d/stderr"))"
cp "$d/r.json.journal" "$d/journal.copy"
"$bin" run --resume "$d/r.json" >"$d/resume.stdout" 2>"$d/resume.stderr"
rc=$?
check $((rc == 0 ? 0 : 1)) "sigterm: the resume exits 0 (rc=$rc; $(cat "$d/resume.stderr"))"
out=$(check_result "$d/r.json" "$d/journal.copy" 2>&1)
check $? "sigterm: the planned runs once each, all ok, the journal's unchanged ($out)"

# An open-loop rate sweep in torture mode: the journal tells the rates apart, and the resume
# keeps the torture seed.
d="$tmp/rates"
mkdir -p "$d"
"$bin" run --lock shared_mutex,push_lock --threads 2 --arrival-rate 10k/s,20k/s --torture \
  --torture-seed 5 --duration 20ms --warmup 0 --repetitions 2 --format csv --out "$d/r.json" \
  >"$d/stdout" 2>"$d/stderr" &
pid=$!
wait_for 60 lines_at_least "$d/r.json.journal" 4
check $? "rates: the journal holds 3 runs ($(cat "$d/stderr"))"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$bin" run --resume "$d/r.json" >"$d/resume.stdout" 2>"$d/resume.stderr"
rc=$?
check $((rc == 0 ? 0 : 1)) "rates: the resume exits 0 (rc=$rc; $(cat "$d/resume.stderr"))"
python3 - "$d/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
got = [(r["lock"], r["open_loop"]["offered_ops_per_s"], r["repetition"]) for r in doc["runs"]]
planned = [(lock, rate, rep) for rate in (10000, 20000) for rep in (1, 2)
           for lock in ("shared_mutex", "push_lock")]
assert got == planned, f"runs {got}, planned {planned}"
assert doc["config"]["torture"] == {"seed": 5}, doc["config"]["torture"]
assert all(r["torture"]["seed"] == 5 for r in doc["runs"]), "every run tortured with seed 5"
PY
check $? "rates: each lock, rate and repetition once, in order, tortured with the seed given"

# --force resumes a journal of another machine, saying so.
d="$tmp/force"
mkdir -p "$d"
"$bin" "${sweep[@]}" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
pid=$!
wait_for 60 lines_at_least "$d/r.json.journal" 3
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null
python3 - "$d/r.json.journal" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
header = json.loads(lines[0])
header["context"]["hostname"] = "another-host"
open(sys.argv[1], "w").write("\n".join([json.dumps(header)] + lines[1:]))
PY
cp "$d/r.json.journal" "$d/journal.copy"
"$bin" run --resume "$d/r.json" --force >/dev/null 2>"$d/resume.stderr"
rc=$?
check $((rc == 0 ? 0 : 1)) "force: the resume exits 0 (rc=$rc; $(cat "$d/resume.stderr"))"
grep -q "^lockbench: warning: --resume --force: .*r.json.journal comes from another machine (context.hostname 'another-host' vs " \
  "$d/resume.stderr"
check $? "force: a warning names the difference ($(cat "$d/resume.stderr"))"
out=$(check_result "$d/r.json" "$d/journal.copy" 2>&1)
check $? "force: the planned runs once each, the journal's unchanged ($out)"

# A complete sweep leaves no journal behind.
d="$tmp/complete"
mkdir -p "$d"
"$bin" run --lock shared_mutex --threads 1 --duration 5ms --warmup 0 --out "$d/r.json" \
  >/dev/null 2>&1
check $? "complete: exit 0"
[ "$(ls -A "$d")" = "r.json" ]
check $? "complete: the result file alone ($(ls -A "$d" | tr '\n' ' '))"

# Two resumes of one journal started together: the first takes the journal's lock, the second
# is refused (exit 2, naming the first's process), and so is a new sweep into the same file; the
# first finishes the sweep whole and removes the journal.
d="$tmp/two-resumes"
mkdir -p "$d"
slow=(run --lock shared_mutex,push_lock,eresource --threads 1,2 --duration 150ms --warmup 0
      --repetitions 2 --format csv)
"$bin" "${slow[@]}" --out "$d/r.json" >"$d/stdout" 2>"$d/stderr" &
pid=$!
wait_for 60 lines_at_least "$d/r.json.journal" 2
check $? "two resumes: the journal holds a run ($(cat "$d/stderr"))"
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null
cp "$d/r.json.journal" "$d/journal.copy"
owned_by() {
  python3 -c 'import json, sys; h = json.loads(open(sys.argv[1]).readline())
sys.exit(0 if h.get("owner", {}).get("pid") == int(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null
}
"$bin" run --resume "$d/r.json" >"$d/first.stdout" 2>"$d/first.stderr" &
first=$!
wait_for 30 owned_by "$d/r.json.journal" "$first"
check $? "two resumes: the first holds the journal ($(cat "$d/first.stderr"))"
"$bin" run --resume "$d/r.json" >"$d/second.stdout" 2>"$d/second.stderr"
rc=$?
check $((rc == 2 ? 0 : 1)) "two resumes: the second exits 2 (rc=$rc)"
grep -qx "lockbench: error: --resume: .*r.json.journal is in use by process $first on host .* (a sweep or a resume of it); wait for it to end" \
  "$d/second.stderr"
check $? "two resumes: the second names the first's process ($(cat "$d/second.stderr"))"
"$bin" "${slow[@]}" --out "$d/r.json" >"$d/new.stdout" 2>"$d/new.stderr"
rc=$?
check $((rc == 2 ? 0 : 1)) "two resumes: a new sweep into the same file exits 2 (rc=$rc)"
grep -q "^lockbench: error: --out: .*r.json.journal is in use by process $first " "$d/new.stderr"
check $? "two resumes: the new sweep names the resume's process ($(cat "$d/new.stderr"))"
wait "$first"
rc=$?
check $((rc == 0 ? 0 : 1)) "two resumes: the first exits 0 (rc=$rc; $(cat "$d/first.stderr"))"
out=$(check_result "$d/r.json" "$d/journal.copy" 2>&1)
check $? "two resumes: the planned runs once each, the journal's unchanged ($out)"
[ ! -e "$d/r.json.journal" ] && [ -z "$(find "$d" -name '*.tmp.*')" ]
check $? "two resumes: the journal is removed, nothing left beside it"

check_finish resume_test
