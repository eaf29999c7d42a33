#!/usr/bin/env bash
# Lock plugins as docs/plugins.md tells a user to use them: the example is compiled with
# the page's own cc line, passes `lockbench check`, and runs beside a built-in lock with its
# plugin recorded in the result file; the rw example passes check and runs with a shared mode;
# the planted bug fails check with exit 3, naming the checks it breaks.
#
# Also: the page's measurement of the boundary's cost runs (its figures are not asserted).
#
# Usage: plugin_test.sh lockbench docs/plugins.md ticket_lock.so rw_spin.so buggy_rw.so validate.py schema
#        tbb_spin_rw_abi.so
set -uo pipefail

bin=$1 page=$2 bazel_ticket=$3 rw=$4 buggy=$5 validator=$6 schema=$7 tbb_abi=$8
tmp="${TEST_TMPDIR:-$(mktemp -d)}/plugin"
rm -rf "$tmp"
mkdir -p "$tmp/src/lockimpls/plugin/examples"

source "$(dirname "${BASH_SOURCE[0]}")/../../bazel/check_lib.sh"

# The page's build line for the ticket lock, run in a copy of the sources as a user would.
line=$(grep -E '^cc -shared -fPIC -O2 .*ticket_lock\.c$' "$page" | head -1)
[ -n "$line" ]
check $? "docs/plugins.md gives the cc line for ticket_lock.c"
cp lockimpls/plugin/lockbench_plugin.h "$tmp/src/lockimpls/plugin/"
cp lockimpls/plugin/examples/ticket_lock.c "$tmp/src/lockimpls/plugin/examples/"
if command -v cc >/dev/null; then
  (cd "$tmp/src" && eval "$line") 2>"$tmp/cc.err"
  check $? "docs/plugins.md's cc line builds ticket_lock.so ($(head -c 300 "$tmp/cc.err"))"
  ticket="$tmp/src/ticket_lock.so"
else
  echo "no cc on PATH: using the Bazel-built ticket_lock.so"
  ticket=$bazel_ticket
fi

# check passes on the examples: every line PASS, exit 0.
"$bin" check --plugin "$ticket" --plugin "$rw" >"$tmp/check.out" 2>"$tmp/check.err"
rc=$?
check $((rc != 0)) "check passes the examples (exit $rc: $(cat "$tmp/check.out" "$tmp/check.err"))"
for lock_check in "ticket_lock exclusion" "ticket_lock try_while_held" "ticket_lock try_when_free" \
  "rw_spin exclusion" "rw_spin readers_share" "rw_spin writer_excludes_readers" \
  "rw_spin readers_exclude_writer" "rw_spin recursion"; do
  grep -q "^PASS $lock_check: " "$tmp/check.out"
  check $? "check prints PASS $lock_check"
done
# The exclusive-only lock is not put through the shared-mode checks it cannot pass.
! grep -q "^[A-Z]* ticket_lock readers_share" "$tmp/check.out"
check $? "check skips readers_share on an exclusive-only lock"
! grep -q "^FAIL" "$tmp/check.out"
check $? "check fails nothing on the examples"

# --lock narrows check to one plugin lock.
"$bin" check --plugin "$ticket" --plugin "$rw" --lock rw_spin >"$tmp/one.out" 2>&1
[ $? -eq 0 ] && ! grep -q ticket_lock "$tmp/one.out" && grep -q "^PASS rw_spin" "$tmp/one.out"
check $? "check --lock rw_spin checks rw_spin alone"

# The planted bug: exit 3, and the checks it breaks are named.
"$bin" check --plugin "$buggy" >"$tmp/buggy.out" 2>"$tmp/buggy.err"
rc=$?
check $((rc != 3)) "check exits 3 on buggy_rw (exit $rc: $(cat "$tmp/buggy.out"))"
grep -q "^FAIL buggy_rw writer_excludes_readers: a reader got in while a writer held the lock$" \
  "$tmp/buggy.out"
check $? "check names writer_excludes_readers on buggy_rw"
grep -q "^FAIL buggy_rw try_while_held: try_lock_shared succeeded while another thread held" \
  "$tmp/buggy.out"
check $? "check names try_while_held on buggy_rw"
grep -q "^FAIL buggy_rw exclusion: [1-9][0-9]* acquisitions found a writer inside" "$tmp/buggy.out"
check $? "check names exclusion on buggy_rw"
grep -q "^PASS buggy_rw readers_exclude_writer" "$tmp/buggy.out"
check $? "check still passes what buggy_rw gets right"

# The page's run: the plugin lock beside a built-in one, both in the result file. 300 ms, so that
# a FIFO spin lock on a loaded 2-core machine, whose holder can lose its core for a whole time
# slice, still completes shared requests (50 ms once gave it none under CI's parallel tests).
"$bin" run --plugin "$ticket" --lock ticket_lock,push_lock --duration 300ms --threads 2 \
  --out "$tmp/run.json" >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
check $rc "run --plugin ticket_lock.so --lock ticket_lock,push_lock exits 0 (exit $rc: $(head -c 500 "$tmp/run.err"))"
python3 "$validator" "$schema" "$tmp/run.json"
check $? "the plugin run's result file passes the schema"
python3 - "$tmp/run.json" "$ticket" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
runs = doc["runs"]
assert {r["lock"] for r in runs} == {"ticket_lock", "push_lock"}, [r["lock"] for r in runs]
assert all(r["status"] == "ok" for r in runs) and sum(r["ops"] for r in runs) > 0, [
    (r["lock"], r["status"], r["status_detail"], r["ops"]) for r in runs]
(plugin,) = doc["config"]["plugins"]
h = 0xcbf29ce484222325
for b in open(sys.argv[2], "rb").read():
    h = ((h ^ b) * 0x100000001b3) % (1 << 64)
assert plugin["content_hash"] == "fnv1a64:%016x" % h, plugin
assert plugin["path"] == sys.argv[2] and plugin["abi_version"] == 1, plugin
assert plugin["locks"] == [{"name": "ticket_lock", "shared_mode": False}], plugin
for r in runs:
    noted = any("no shared mode" in w for w in r["warnings"])
    assert noted == (r["lock"] == "ticket_lock"), (r["lock"], r["warnings"])
PY
check $? "results for both locks, the plugin's path, hash and ABI version, the exclusive-only note"
# The table says it (the row's shared cells marked, the footnote), so stderr does not repeat it.
grep -q "^ticket_lock .*[0-9]\*" "$tmp/run.out" &&
  grep -q "^\* exclusive-only lock: its shared requests ran exclusive" "$tmp/run.out"
check $? "the table marks ticket_lock's shared cells and its footnote says they ran exclusive"
! grep -q "shared requests ran exclusive" "$tmp/run.err"
check $? "stderr leaves it to the footnote ($(head -c 300 "$tmp/run.err"))"

# A shared-mode plugin lock runs readers and writers without the note.
"$bin" run --plugin "$rw" --lock rw_spin --duration 50ms --threads 2 --format json \
  >"$tmp/rw.json" 2>"$tmp/rw.err"
rc=$?
python3 - "$tmp/rw.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
assert runs and all(r["lock"] == "rw_spin" and r["status"] == "ok" for r in runs)
assert all(r["shared_ops"] > 0 and r["exclusive_ops"] > 0 and not r["warnings"] for r in runs)
PY
check $((rc != 0 || $? != 0)) "run --plugin rw_spin.so: shared and exclusive ops, no warning"

# list --plugin shows the plugin's locks with their traits and the note.
"$bin" list --plugin "$ticket" >"$tmp/list.out" 2>&1
grep -q "^  ticket_lock .*\[no shared mode: shared requests run exclusive\]" "$tmp/list.out"
check $? "list --plugin shows ticket_lock and its exclusive-only note"
"$bin" list --plugin "$rw" --format json | python3 -c '
import json, sys
locks = {l["name"]: l for l in json.load(sys.stdin)["locks"]}
assert "push_lock" in locks and locks["rw_spin"]["recursion"] == "shared_only", locks.get("rw_spin")'
check $? "list --plugin --format json lists rw_spin beside the built-in locks"

# The boundary's cost, as docs/plugins.md measures it (briefly): both sides run, interleaved.
"$bin" run --plugin "$tbb_abi" --lock tbb_spin_rw,tbb_spin_rw_abi --readers 0 --writers 1 \
  --shared-lines 0 --exclusive-lines 0 --shared-cs 0 --exclusive-cs 0 --duration 20ms \
  --warmup 5ms --repetitions 5 --no-verify --format json >"$tmp/boundary.json" 2>"$tmp/boundary.err"
rc=$?
python3 - "$tmp/boundary.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
order = [r["lock"] for r in runs]
assert order == ["tbb_spin_rw", "tbb_spin_rw_abi"] * 5, order
assert all(r["status"] == "ok" and r["threads"] == 1 for r in runs)
PY
check $((rc != 0 || $? != 0)) "the boundary measurement runs both sides, interleaved ($(head -c 300 "$tmp/boundary.err"))"

check_finish plugin_test
