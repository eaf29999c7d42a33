#!/usr/bin/env bash
# `lockbench doctor` run as a user would: every check has a verdict in the table and in JSON, the
# exit code follows the verdicts, a thread count above the processors is oversubscribed (exit 5,
# the checks that need a processor per thread skipped and named), and bad flags exit 2 with one
# line.
set -uo pipefail

bin="$1"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

checks="governor boost smt threads other_load timer_source aa_spread fifo_bypass eresource_handoff spin_vs_sleep_cpu exclusion timer_rate timer_read_cost"

# The table: one line per check, "VERDICT NAME FINDING", then the summary line.
"$bin" doctor >"$tmp/text" 2>"$tmp/text.err"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]
check $? "doctor exits 0 or 5 (rc=$rc, stderr: $(cat "$tmp/text.err"))"
for name in $checks; do
  grep -Eq "^(pass|warn|fail|skipped) +$name +[^ ]" "$tmp/text"
  check $? "the table gives $name a verdict and a finding ($(cat "$tmp/text"))"
done
bad_lines=$(grep -Ec '^(fail|skipped) ' "$tmp/text")
if [ "$rc" -eq 0 ]; then
  [ "$bad_lines" -eq 0 ] && tail -1 "$tmp/text" | grep -q '^every check passes$'
else
  [ "$bad_lines" -gt 0 ] && tail -1 "$tmp/text" | grep -q '^this machine cannot show what these checks cover: '
fi
check $? "the table's exit code follows its verdicts (rc=$rc, $bad_lines fail or skipped)"

# JSON: parses, every check has a verdict, cannot_show is exactly the failed and skipped ones,
# and the exit code agrees.
"$bin" doctor --format json >"$tmp/doc.json" 2>"$tmp/json.err"
rc=$?
python3 - "$tmp/doc.json" "$rc" $checks <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rc, names = int(sys.argv[2]), sys.argv[3:]
assert [c["name"] for c in doc["checks"]] == names, [c["name"] for c in doc["checks"]]
for c in doc["checks"]:
    assert c["verdict"] in ("pass", "warn", "fail", "skipped"), c
    assert isinstance(c["finding"], str) and c["finding"], c
    assert c["fix"] is None or c["fix"], c
bad = [c["name"] for c in doc["checks"] if c["verdict"] in ("fail", "skipped")]
assert doc["cannot_show"] == bad, (doc["cannot_show"], bad)
assert doc["skipped"] == [c["name"] for c in doc["checks"] if c["verdict"] == "skipped"]
assert rc == (5 if bad else 0), (rc, bad)
assert doc["threads"] == 2 and 0 <= doc["free_pus"] <= doc["allowed_pus"], doc
PY
check $? "json: every check has a verdict, cannot_show lists the failed and skipped, exit $rc agrees ($(cat "$tmp/json.err"))"

# More threads than this process may run on: oversubscribed, exit 5, the checks that need a
# processor per thread skipped and named in the table and the JSON.
over=$(( $(nproc) + 2 ))
"$bin" doctor --threads "$over" >"$tmp/over" 2>"$tmp/over.err"
rc=$?
[ "$rc" -eq 5 ]
check $? "--threads $over exits 5 (rc=$rc)"
grep -Eq "^fail +threads +oversubscribed: $over threads on $(nproc) processors?" "$tmp/over"
check $? "--threads $over: the threads check says oversubscribed ($(grep threads "$tmp/over"))"
for name in fifo_bypass spin_vs_sleep_cpu; do
  grep -Eq "^skipped +$name +needs a processor per thread" "$tmp/over"
  check $? "--threads $over skips $name and says why"
done
grep -q "^the run would be oversubscribed: $over threads on [0-9]* free processors; skipped: fifo_bypass, spin_vs_sleep_cpu$" "$tmp/over"
check $? "--threads $over names the skipped checks ($(cat "$tmp/over"))"
"$bin" doctor --threads "$over" --format json >"$tmp/over.json" 2>/dev/null
python3 - "$tmp/over.json" "$over" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["threads"] == int(sys.argv[2]) and doc["oversubscribed"] is True, doc
assert doc["skipped"] == ["fifo_bypass", "spin_vs_sleep_cpu"], doc["skipped"]
assert {"threads", "fifo_bypass", "spin_vs_sleep_cpu"} <= set(doc["cannot_show"]), doc
PY
check $? "--threads $over --format json: oversubscribed, skipped checks listed"

# Bad input: exit 2, one line on stderr naming the flag, nothing on stdout.
expect_usage_error() {
  local name=$1 pattern=$2
  shift 2
  "$bin" doctor "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] &&
    grep -q -- "$pattern" "$tmp/err"
  check $? "$name exits 2 with one line (rc=$rc, stderr: $(cat "$tmp/err"))"
}
expect_usage_error "--threads 0" "^lockbench: error: --threads: 0 threads; give a whole number of threads from 1 to 4096$" --threads 0
expect_usage_error "--threads x" "^lockbench: error: --threads: 'x' is not a thread count; give a whole number" --threads x
expect_usage_error "--threads -3" "--threads" --threads -3
expect_usage_error "--threads 5000" "--threads: '5000' is not a thread count" --threads 5000
expect_usage_error "--format xml" "^lockbench: error: --format: 'xml' is not allowed; use one of table, json$" --format xml
expect_usage_error "an unknown flag" "--bogus" --bogus 1

check_finish doctor_test
