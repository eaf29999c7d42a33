#!/usr/bin/env bash
# `lockbench profile` on real programs: lockuser (ours, lockimpls/preload/testdata/lockuser.c),
# whose every lock has a known count, observed and then served by every registered lock; and two
# programs nobody here wrote, sysbench's mutex test (64 mutexes picked at random, 2 x 200000
# acquisitions) and RocksDB's db_bench (pthread mutexes, rwlocks and condition variables through
# librocksdb and libstdc++), each observed and substituted. Then a program killed mid-run, and
# bad input (exit 2, one line, nothing written).
#
# Usage: profile_test.sh lockbench lockuser validate_result.py result_schema.json rw_spin.so
# sysbench and db_bench come from bazel/setup.sh; without them their checks fail, not skip.
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
lockuser=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
validator=$3 schema=$4
plugin=$(cd "$(dirname "$5")" && pwd)/$(basename "$5")
tmp="${TEST_TMPDIR:-$(mktemp -d)}/profile"
rm -rf "$tmp"
mkdir -p "$tmp"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

# known_answers DOC STDOUT: each row's lock records against the counts and addresses lockuser
# printed in that run (the runs print in row order, each starting with static_counter).
known_answers() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
runs = []
for l in open(sys.argv[2]):
    if l.startswith("lock static_counter "):
        runs.append([])
    if re.match(r"lock \S+ 0x[0-9a-f]+ \S+ -?[0-9]+ -?[0-9]+$", l):
        runs[-1].append(l.split())
if len(runs) != len(doc["profile"]["rows"]):
    print(f"{len(runs)} runs of lockuser printed, {len(doc['profile']['rows'])} rows")
    sys.exit(1)
kinds = {"normal": "mutex", "robust": "mutex", "pshared": "mutex", "pi": "mutex",
         "recursive": "recursive_mutex", "errorcheck": "errorcheck_mutex", "rwlock": "rwlock"}
glibc_kept = {"robust": "robust", "pshared": "process_shared", "pi": "priority_inherit"}
problems = []
for row, lines in zip(doc["profile"]["rows"], runs):
    lock = row["lock"]
    say = lambda text: problems.append(f"{lock}: {text}")
    if row["exit"] != {"status": "exited", "code": 0, "signal": None}:
        say(f"lockuser did not exit 0: {row['exit']}")
        continue
    procs = row["processes"]
    main = [p for p in procs if not any(p["ppid"] == q["pid"] for q in procs)]
    if len(main) != 1:
        say(f"{len(main)} top processes")
        continue
    main = main[0]
    children = [p for p in procs if p is not main]
    rows = {}
    for _, name, address, kind, excl, shared in lines:
        where = children if name == "child_only" else [main]
        found = [l for p in where for l in p["locks"] if l["address"] == address]
        if name.startswith("destroy_reuse_"):
            found = [l for l in found if l["generation"] == int(name[-1])]
        if len(found) != 1:
            say(f"{name} at {address}: {len(found)} records")
            continue
        l = rows[name] = found[0]
        if l["kind"] != kinds[kind]:
            say(f"{name}: kind {l['kind']}, want {kinds[kind]}")
        for mode, want in (("exclusive", int(excl)), ("shared", int(shared))):
            if want >= 0 and l["acquisitions"][mode] != want:
                say(f"{name}: {l['acquisitions'][mode]} {mode} acquisitions, lockuser made {want}")
        if kind in glibc_kept:
            if glibc_kept[kind] not in l["attributes"]:
                say(f"{name}: attributes {l['attributes']} lack {glibc_kept[kind]}")
            if l["served_by"] != "pthread":
                say(f"{name}: served by {l['served_by']}, must stay on glibc")
            if lock != "pthread" and not l["stays_on_glibc"]:
                say(f"{name}: stays on glibc without a reason")
        elif l["served_by"] != lock:
            say(f"{name}: served by {l['served_by']}")
    if len(rows) != len(lines):
        continue
    if not rows["destroy_reuse_1"]["closed"]:
        say("destroy_reuse_1: a destroyed lock's record is not closed")
    if rows["static_counter"]["threads"] != 4:
        say(f"static_counter: {rows['static_counter']['threads']} threads, lockuser ran 4")
    if rows["timeouts"]["timed_out"] < 2 or rows["rwlock_static"]["timed_out"] < 4:
        say("timed acquisitions that gave up are not counted")
    if rows["errorcheck"]["errors"] < 3:
        say(f"errorcheck: {rows['errorcheck']['errors']} error returns, lockuser saw 3")
    # Known hold: lockuser's timeouts holder keeps the mutex at least 300 ms.
    if rows["timeouts"]["hold_ns"]["exclusive"]["max"] < 300_000_000:
        say(f"timeouts: longest hold {rows['timeouts']['hold_ns']['exclusive']['max']} ns, "
            "lockuser held it 300 ms")
    if rows["cond_mutex"]["cond_waits"] == 0:
        say("cond_mutex: no condition-variable waits counted")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}

# ---- lockuser, observed and on every lock ----

shared_locks=push_lock,cache_aware_push_lock,eresource,srwlock,ex_spin_lock,shared_mutex,pthread_rwlock,pthread_rwlock_wp,absl_mutex,tbb_spin_rw
# Exclusive-only locks serve read locks exclusive; tbb_queuing_rw's try_lock_shared fails whenever
# its queue is not empty, readers only or not (lockimpls/SEMANTICS.md, "A program's locks").
exclusive_locks=critical_section,fast_mutex,guarded_mutex,queued_spin_lock,pthread_mutex,tbb_queuing_rw
all=$("$bin" list --format json | python3 -c 'import json,sys; print(",".join(sorted(l["name"] for l in json.load(sys.stdin)["locks"])))')
named=$(printf '%s\n' ${shared_locks//,/ } ${exclusive_locks//,/ } | sort | paste -sd,)
[ "$all" = "$named" ]
check $? "the test names every registered lock (registered: $all)"

"$bin" profile --timeout 120s --lock "$shared_locks" --out "$tmp/lockuser.json" -- "$lockuser" \
  >"$tmp/lockuser.out" 2>"$tmp/lockuser.err"
check $? "lockuser passes observed and on every lock with a shared mode ($(tail -3 "$tmp/lockuser.err"))"
python3 "$validator" "$schema" "$tmp/lockuser.json"
check $? "the lockuser profile validates against the schema"
problems=$(known_answers "$tmp/lockuser.json" "$tmp/lockuser.out")
check $? "every lockuser lock has its known counts, kind and server in every row ($problems)"
python3 - "$tmp/lockuser.json" <<'PY'
import json, sys
row = json.load(open(sys.argv[1]))["profile"]["rows"][0]
t = row["totals"]
contended = t["contended"]["exclusive"] + t["contended"]["shared"]
p99 = max(l["wait_ns"][m]["p99"] for p in row["processes"] for l in p["locks"]
          for m in ("exclusive", "shared"))
sites = [l["first_contended_site"] for p in row["processes"] for l in p["locks"]
         if l["first_contended_site"]]
sys.exit(0 if row["lock"] == "pthread" and contended > 0 and p99 > 0 and sites else 1)
PY
check $? "observed, lockuser's locks are contended with a wait p99 and a first contended call site"

"$bin" profile --timeout 120s --lock "$exclusive_locks" --out "$tmp/exclusive.json" -- \
  "$lockuser" --exclusive-rwlocks >"$tmp/exclusive.out" 2>"$tmp/exclusive.err"
check $? "lockuser passes on every exclusive-only lock and tbb_queuing_rw, readers not required to share ($(tail -3 "$tmp/exclusive.err"))"
problems=$(known_answers "$tmp/exclusive.json" "$tmp/exclusive.out")
check $? "on exclusive-only locks too, every lockuser lock has its known counts ($problems)"

"$bin" profile --timeout 120s --plugin "$plugin" --lock rw_spin --out "$tmp/plugin.json" -- \
  "$lockuser" --quick >"$tmp/plugin.out" 2>"$tmp/plugin.err"
check $? "lockuser passes on a plugin's lock, rw_spin ($(tail -3 "$tmp/plugin.err"))"
problems=$(known_answers "$tmp/plugin.json" "$tmp/plugin.out")
check $? "on the plugin's lock, every lockuser lock has its known counts and is served by it ($problems)"

# ---- sysbench mutex: 64 mutexes, 2 threads x 200000 acquisitions ----

sysbench_args=(sysbench mutex --threads=2 --mutex-num=64 --mutex-locks=200000 --mutex-loops=100 run)
mkdir -p "$tmp/hgrm"
"$bin" profile --out "$tmp/sysbench.json" --hgrm "$tmp/hgrm" --top 3 -- "${sysbench_args[@]}" \
  >"$tmp/sysbench.out" 2>&1
check $? "sysbench mutex runs observed ($(tail -2 "$tmp/sysbench.out"))"
waits=$(ls "$tmp/hgrm" | grep -c '^pthread\.p[0-9]*\.0x[0-9a-f]*\.g1\.wait\.exclusive\.hgrm$')
holds=$(ls "$tmp/hgrm" | grep -c '\.hold\.exclusive\.hgrm$')
[ "$waits" -eq 3 ] && [ "$holds" -eq 3 ] &&
  head -1 "$tmp/hgrm/$(ls "$tmp/hgrm" | head -1)" | grep -q 'Value.*Percentile.*TotalCount'
check $? "--hgrm writes the top 3 locks' wait and hold histograms ($waits waits, $holds holds)"
python3 "$validator" "$schema" "$tmp/sysbench.json"
check $? "the sysbench profile validates against the schema"
# sysbench_mutexes DOC: its 64 test mutexes (the 64 busiest) in every row: acquisitions adding
# up to the 2 x 200000 it made, spread evenly, served by the row's lock.
# sysbench_mutexes FILE [contended]: sysbench's 64 test mutexes in each row of FILE: all there,
# evenly used, served by the row's lock; with "contended", the pthread row also saw contended
# waits (two workers on two cores do; a substitution run on a loaded machine may not, and does
# not claim it).
sysbench_mutexes() {
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
problems = []
want_contended = sys.argv[2] == "contended"
for row in json.load(open(sys.argv[1]))["profile"]["rows"]:
    locks = sorted((l for p in row["processes"] for l in p["locks"]),
                   key=lambda l: l["acquisitions"]["exclusive"], reverse=True)[:64]
    counts = [l["acquisitions"]["exclusive"] for l in locks]
    if len(counts) < 64 or sum(counts) < 400000:
        problems.append(f"{row['lock']}: {len(counts)} mutexes, {sum(counts)} acquisitions")
    elif max(counts) > 2 * min(counts):
        problems.append(f"{row['lock']}: uneven, {max(counts)} vs {min(counts)}")
    if any(l["served_by"] != row["lock"] for l in locks):
        problems.append(f"{row['lock']}: a test mutex served by another lock")
    if row["lock"] == "pthread" and want_contended:
        contended = sum(l["contended"]["exclusive"] for l in locks)
        p50 = max(l["wait_ns"]["exclusive"]["p50"] for l in locks)
        if contended == 0 or p50 == 0:
            problems.append(f"pthread: {contended} contended, wait p50 {p50}")
    if row["exit"]["code"] != 0:
        problems.append(f"{row['lock']}: exit {row['exit']}")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}
problems=$(sysbench_mutexes "$tmp/sysbench.json" contended)
check $? "sysbench's 64 mutexes: 400000 acquisitions, even spread, contended waits ($problems)"

# Known answer: with one worker thread its 64 test mutexes are never contended, so no wait is
# recorded on them. (sysbench's own start-up barrier is shared by the main thread and the worker:
# it may be contended, legitimately, and is not one of the 64.)
"$bin" profile --out "$tmp/one_thread.json" -- sysbench mutex --threads=1 --mutex-num=64 \
  --mutex-locks=50000 --mutex-loops=100 run >/dev/null 2>&1
problems=$(python3 - "$tmp/one_thread.json" <<'PY'
import json, sys
row = json.load(open(sys.argv[1]))["profile"]["rows"][0]
locks = sorted((l for p in row["processes"] for l in p["locks"]),
               key=lambda l: l["acquisitions"]["exclusive"], reverse=True)[:64]
acquired = sum(l["acquisitions"]["exclusive"] for l in locks)
contended = sum(l["contended"][m] for l in locks for m in ("exclusive", "shared"))
waits = sum(l["wait_ns"][m]["count"] for l in locks for m in ("exclusive", "shared"))
threads = sorted({l["threads"] for l in locks})
print(f"{acquired} acquisitions, {contended} contended, {waits} waits, threads per lock {threads}")
sys.exit(0 if acquired >= 50000 and contended == 0 and waits == 0 and threads == [1] else 1)
PY
)
check $? "one thread: its 64 mutexes take 50000 acquisitions, none contended, no wait ($problems)"

# ---- recording a workload: sysbench mutex at two loop counts ----

# Known answer: 2 threads, 64 locks of even weight, read ratio 0, and a think time (release to
# the next request) that grows with the empty loop sysbench runs before each acquisition.
for loops in 1000 10000; do
  "$bin" profile --record-workload "$tmp/sysbench_$loops.workload.json" -- sysbench mutex \
    --threads=2 --mutex-num=64 --mutex-locks=50000 --mutex-loops=$loops run \
    >"$tmp/record_$loops.out" 2>&1
  check $? "sysbench mutex --mutex-loops=$loops recorded ($(tail -1 "$tmp/record_$loops.out"))"
done
problems=$(python3 - "$tmp/sysbench_1000.workload.json" "$tmp/sysbench_10000.workload.json" <<'PY'
import json, sys
problems, medians = [], []
for path in sys.argv[1:]:
    w = json.load(open(path))
    weights = w["lock_weights"]
    if w["threads"] != [2]:
        problems.append(f"threads {w['threads']}")
    if not 58 <= len(weights) <= 70 or max(weights) > 2 * min(weights):
        problems.append(f"{len(weights)} locks weighing {min(weights)}..{max(weights)}")
    if w["read_ratio"] != 0 or "shared_cs" in w and w["shared_cs"] != "100ns":
        problems.append(f"read ratio {w['read_ratio']}")
    source = w["recorded_from"]
    if source["lock"] != "pthread_mutex" or not source["command"].startswith("sysbench mutex"):
        problems.append(f"recorded_from {source}")
    if source["recorded"]["exclusive"]["acquisitions"] < 100000:
        problems.append(f"recorded {source['recorded']}")
    medians.append(w["think_time"]["quantiles_ns"][50])
ratio = medians[1] / max(medians[0], 1)
if not 4 <= ratio <= 25:
    problems.append("think p50 does not grow about 10x")
print(f"think p50 {medians[0]} ns and {medians[1]} ns, x{ratio:.1f}; " + "; ".join(problems))
sys.exit(1 if problems else 0)
PY
)
check $? "recorded: 2 threads, 64 even locks, read ratio 0, think grows with the loop ($problems)"
"$bin" run --workload "$tmp/sysbench_1000.workload.json" --lock pthread_mutex,push_lock \
  --duration 100ms --warmup 10ms --repetitions 1 --out "$tmp/replay.json" >"$tmp/replay.out" 2>&1 &&
  python3 "$validator" "$schema" "$tmp/replay.json" &&
  python3 - "$tmp/replay.json" "$tmp/sysbench_1000.workload.json" <<'PY'
import json, sys
doc, recorded = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
workload = doc["config"]["workload"]
ok = workload["recorded_from"] == recorded["recorded_from"]
ok = ok and workload["lock_weights"] == recorded["lock_weights"] and len(doc["runs"]) == 2
sys.exit(0 if ok else 1)
PY
check $? "the recorded workload replays on two locks and its result keeps recorded_from ($(tail -2 "$tmp/replay.out"))"

"$bin" profile --record-workload "$tmp/none.workload.json" -- true >/dev/null 2>"$tmp/none.err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/none.err")" -eq 1 ] && [ ! -e "$tmp/none.workload.json" ] &&
  grep -q -- "--record-workload: nothing to record" "$tmp/none.err"
check $? "a program without locks: nothing recorded, exit 2, one line (exit $rc: $(cat "$tmp/none.err"))"

"$bin" profile --lock push_lock,srwlock,eresource,critical_section,shared_mutex \
  --metric-regex 'total time: +([0-9.]+)s' --out "$tmp/sysbench_sub.json" -- "${sysbench_args[@]}" \
  >"$tmp/sysbench_sub.out" 2>&1
check $? "sysbench mutex runs on push_lock, srwlock, eresource, critical_section and shared_mutex"
problems=$(sysbench_mutexes "$tmp/sysbench_sub.json")
check $? "on every lock, sysbench's 64 mutexes are served by it with all their acquisitions ($problems)"
python3 - "$tmp/sysbench_sub.json" "$tmp/sysbench_sub.out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["profile"]["rows"]
report = open(sys.argv[2]).read()
ok = [r["lock"] for r in rows] == ["pthread", "push_lock", "srwlock", "eresource",
                                   "critical_section", "shared_mutex"]
ok = ok and all(r["metric"] is not None and r["metric"] > 0 for r in rows)
ok = ok and all(f"{r['metric']:g}" in report for r in rows)
sys.exit(0 if ok else 1)
PY
check $? "the report shows sysbench's own figure beside each lock and the pthread baseline"

# ---- db_bench: fillrandom then readrandom, the same keys found on every lock ----

"$bin" profile --timeout 300s --lock push_lock,srwlock,eresource \
  --metric-regex '\(([0-9]+) of [0-9]+ found\)' --out "$tmp/db_bench.json" -- \
  db_bench --db="$tmp/db" --benchmarks=fillrandom,readrandom --num=20000 --threads=2 --seed=1 \
  >"$tmp/db_bench.out" 2>&1
check $? "db_bench fillrandom,readrandom completes observed and on push_lock, srwlock, eresource ($(tail -2 "$tmp/db_bench.out"))"
python3 "$validator" "$schema" "$tmp/db_bench.json"
check $? "the db_bench profile validates against the schema"
python3 - "$tmp/db_bench.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["profile"]["rows"]
found = {r["lock"]: r["metric"] for r in rows}
ok = len(rows) == 4 and found["pthread"] and all(f == found["pthread"] for f in found.values())
print(found)
sys.exit(0 if ok else 1)
PY
check $? "readrandom finds as many keys on every lock as on glibc's"
python3 - "$tmp/db_bench.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["profile"]["rows"]
base = rows[0]
rw = [l for p in base["processes"] for l in p["locks"] if l["kind"] == "rwlock"]
shared = sum(l["acquisitions"]["shared"] for l in rw)
waits = sum(r["totals"]["cond_waits"] for r in rows)
subbed = all(r["totals"]["substituted_locks"] > 0 for r in rows[1:])
sys.exit(0 if shared > 0 and waits > 0 and subbed else 1)
PY
check $? "db_bench's profile shows rwlocks taken shared, condition-variable waits and substitution"

# ---- a program killed mid-run keeps its status and what was gathered ----

"$bin" profile --timeout 1s --out "$tmp/killed.json" -- sysbench mutex --threads=2 \
  --mutex-num=4 --mutex-locks=2000000000 --mutex-loops=0 run >/dev/null 2>&1
rc=$?
[ "$rc" -eq 5 ]
check $? "a program ended by --timeout makes exit 5 (got $rc)"
python3 - "$tmp/killed.json" <<'PY'
import json, sys
row = json.load(open(sys.argv[1]))["profile"]["rows"][0]
p = row["processes"][0]
ok = row["timed_out"] and row["exit"]["status"] == "signaled" and not p["ended_normally"]
ok = ok and row["totals"]["acquisitions"]["exclusive"] > 0
sys.exit(0 if ok else 1)
PY
check $? "the killed program's result has its signal and the acquisitions counted until then"

# ---- bad input: exit 2, one line on stderr, nothing written ----

bad() {
  local what=$1
  shift
  rm -f "$tmp/bad.json"
  "$bin" profile --out "$tmp/bad.json" "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
  local rc=$?
  [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] && [ ! -s "$tmp/bad.out" ] &&
    [ ! -e "$tmp/bad.json" ] && grep -qF -e "$what" "$tmp/bad.err"
  check $? "bad input: $* (exit $rc: $(cat "$tmp/bad.err"))"
}
bad "unknown lock 'push_lok'" --lock push_lok -- true
bad "no command" --lock push_lock
bad "not found in PATH" -- no-such-program-anywhere
bad "not an executable file" -- ./no/such/file
bad "has no group" --metric-regex 'events/s: [0-9.]+' -- true
bad "not a regular expression" --metric-regex '([0-9' -- true
bad "--sample" --sample 0 -- true
bad "--format" --format yaml -- true
bad "--record-workload: directory" --record-workload "$tmp/no/such/dir/w.json" -- true

check_finish profile_test
