#!/usr/bin/env bash
# `lockbench compare` as CI runs it, on the golden files of results/testdata/compare/ (written by
# make_goldens.py there): exit codes, the one-line errors on stderr, and what the report names;
# then tool/ci_perf_gate.sh with prebuilt binaries.
# Usage: compare_cli_test.sh LOCKBENCH GOLDEN_FILE CI_PERF_GATE_SH
set -uo pipefail

# Absolute paths: compare runs inside the golden directory so messages name files briefly.
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
golden=$(cd "$(dirname "$2")" && pwd)  # $2: any file of testdata/compare/
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

check_cut=":"
source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

# compare EXPECTED_RC ARGS...: runs compare in the golden directory; leaves out/err in $tmp.
compare() {
  local expected=$1
  shift
  (cd "$golden" && "$bin" compare "$@") >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" -eq "$expected" ]
}

# expect_error NAME PATTERN ARGS...: exit 2 and exactly one stderr line, matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  compare 2 "$@" && [ "$(wc -l <"$tmp/err")" -eq 1 ] \
    && grep -q -- "^lockbench: error: .*$pattern" "$tmp/err"
  check $? "$name: rc=$rc, stderr: $(cat "$tmp/err")"
}

# Identical inputs.
compare 0 base.json base.json && [ ! -s "$tmp/err" ] \
  && grep -q "^0 regressions, 0 improvements, 2 comparisons" "$tmp/out"
check $? "identical inputs: rc=$rc, stderr: $(cat "$tmp/err")"

# A clear 30% throughput drop over 7 repetitions: exit 1 naming the run, on stdout and stderr.
compare 1 base.json drop30.json \
  && grep -Eq "^eresource +read-mostly +2 +compact +throughput .* -30\.[0-9]% +0\.0006 +0\.0012 +[0-9.]+% +7/7 +REGR" \
    "$tmp/out" \
  && grep -Eq "^shared_mutex .* same$" "$tmp/out" \
  && [ "$(wc -l <"$tmp/err")" -eq 1 ] \
  && grep -q "^lockbench: regression: eresource read-mostly 2 threads compact: throughput -30" \
    "$tmp/err"
check $? "30% drop: rc=$rc, stdout: $(cat "$tmp/out"), stderr: $(cat "$tmp/err")"

# All repetitions from one invocation per side: not independent, so nothing can be judged; exit 0
# with one warning that says how to measure.
compare 0 one_invocation_base.json one_invocation_drop30.json \
  && grep -Eq "^eresource .* -30\.[0-9]% +- +- +- +1/1 \(7/7 reps\) +inconclusive$" "$tmp/out" \
  && [ "$(wc -l <"$tmp/err")" -eq 1 ] \
  && grep -q "^lockbench: warning: 2 comparisons .* single lockbench invocation.*ci_perf_gate" \
    "$tmp/err"
check $? "one invocation per side: rc=$rc, stdout: $(cat "$tmp/out"), stderr: $(cat "$tmp/err")"
compare 2 base.json base.json --correction bonferroni \
  && grep -q "^lockbench: error: --correction: 'bonferroni' is not a correction" "$tmp/err"
check $? "bad --correction: rc=$rc, stderr: $(cat "$tmp/err")"

# The same over directories of files (interleaved CI runs write one file per repetition).
compare 1 split_base split_drop30 && grep -q "baseline: split_base (2 files, 14 runs)" "$tmp/out" \
  && grep -q "^lockbench: regression: eresource" "$tmp/err"
check $? "directories: rc=$rc, stdout: $(cat "$tmp/out")"

# Noise within the threshold.
compare 0 base.json noise.json && [ ! -s "$tmp/err" ]
check $? "noise within threshold: rc=$rc, stderr: $(cat "$tmp/err")"

# A significant 3% change is under the 5% threshold.
compare 0 base.json shift3.json && grep -Eq "^eresource .* -3\.0% +0\.0006 +0\.0012 +1\.0% +7/7 +same$" "$tmp/out"
check $? "significant 3% change: rc=$rc, stdout: $(cat "$tmp/out")"
compare 1 base.json shift3.json --threshold 2%
check $? "... is a regression with --threshold 2%: rc=$rc"

# A large change over 3 noisy repetitions is not significant: exit 0, with a warning.
compare 0 few_base.json few_new.json \
  && grep -Eq "^eresource .* -40\.0% .* 3/3! +not significant$" "$tmp/out" \
  && [ "$(wc -l <"$tmp/err")" -eq 1 ] \
  && grep -q "^lockbench: warning: .*3 vs 3.*smallest possible p-value is 0.100" "$tmp/err"
check $? "3 noisy repetitions: rc=$rc, stdout: $(cat "$tmp/out"), stderr: $(cat "$tmp/err")"

# Runs on one side only are listed.
compare 0 base.json unmatched.json \
  && grep -A1 "^only in baseline" "$tmp/out" \
    | grep -q "shared_mutex read-mostly 2 threads compact" \
  && grep -A1 "^only in new" "$tmp/out" | grep -q "push_lock read-mostly 2 threads compact" \
  && grep -q "^eresource" "$tmp/out"
check $? "unmatched runs listed: rc=$rc, stdout: $(cat "$tmp/out")"

# Metrics, thresholds and alpha.
compare 1 base.json drop30.json --metric shared_p99 && grep -q "shared_p99 +39.7%" "$tmp/err"
check $? "shared p99 +40% is a regression: rc=$rc, stderr: $(cat "$tmp/err")"
compare 0 base.json drop30.json --metric exclusive_p50,jain
check $? "exclusive p50 and jain unchanged: rc=$rc"
compare 0 base.json drop30.json --threshold 35%
check $? "--threshold 35%: rc=$rc"
compare 0 base.json drop30.json --threshold 0.35
check $? "--threshold 0.35: rc=$rc"
compare 0 base.json drop30.json --alpha 0.0005
check $? "--alpha below the smallest p: rc=$rc"
compare 0 drop30.json base.json && grep -Eq "^eresource .* improvement$" "$tmp/out"
check $? "improvements do not fail: rc=$rc"

# Formats.
compare 1 base.json drop30.json --format json \
  && python3 - "$tmp/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["regressions"] == 1, r["summary"]
assert r["comparisons"][0]["verdict"] == "regression", r["comparisons"][0]
PY
check $? "--format json: rc=$rc"
compare 1 base.json drop30.json --format markdown \
  && grep -q "^| eresource | read-mostly | 2 | compact | throughput |.*\*\*regression\*\* |$" \
    "$tmp/out"
check $? "--format markdown: rc=$rc, stdout: $(cat "$tmp/out")"

# Mismatched inputs.
expect_error "different machine" \
  "base.json and other_machine.json come from different machines (context.cpu_model" \
  base.json other_machine.json
compare 0 base.json other_machine.json --allow-different-machines \
  && grep -q "warning: comparing results from different machines" "$tmp/err"
check $? "--allow-different-machines: rc=$rc, stderr: $(cat "$tmp/err")"
expect_error "schema_version" "schema2.json: schema_version 2 is not supported" \
  base.json schema2.json

# Malformed inputs.
expect_error "truncated" \
  "truncated.json: not valid JSON (truncated or not a result file): .*unexpected end of input" \
  base.json truncated.json
expect_error "truncated baseline" "truncated.json: not valid JSON" truncated.json base.json
expect_error "not JSON" "not_json.json: not valid JSON" base.json not_json.json
expect_error "empty file" "empty.json: empty file" base.json empty.json
expect_error "wrong type" \
  "wrong_type.json: runs\[1\].threads: expected an integer, got string \"two\"" \
  wrong_type.json base.json
expect_error "missing field" "missing_field.json: runs\[0\]: missing field 'throughput_ops_per_s'" \
  base.json missing_field.json
expect_error "empty runs" "empty_runs.json: runs is empty" base.json empty_runs.json
expect_error "missing file" "no_such.json: does not exist" base.json no_such.json
mkdir -p "$tmp/empty_dir"
expect_error "empty directory" "$tmp/empty_dir: no \*.json result files" base.json "$tmp/empty_dir"
mkdir -p "$tmp/bad_dir"
cp "$golden/base.json" "$golden/truncated.json" "$tmp/bad_dir/"
expect_error "bad file in a directory" "$tmp/bad_dir/truncated.json: not valid JSON" \
  base.json "$tmp/bad_dir"
if [ "$(id -u)" -ne 0 ]; then  # root reads everything
  cp "$golden/base.json" "$tmp/unreadable.json" && chmod 000 "$tmp/unreadable.json"
  expect_error "unreadable" "unreadable.json: cannot read: Permission denied" \
    base.json "$tmp/unreadable.json"
fi

# Bad flags.
expect_error "bad metric" "--metric: 'latency' is not a metric" base.json base.json --metric latency
expect_error "ambiguous threshold" "--threshold: '5' is ambiguous" base.json base.json --threshold 5
expect_error "bad alpha" "--alpha: '2' is not a significance level" base.json base.json --alpha 2
expect_error "bad format" "--format: 'xml' is not allowed" base.json base.json --format xml

# tool/ci_perf_gate.sh with prebuilt binaries (building two commits is the CI job's business).
gate=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
"$gate" --base-bin "$bin" --new-bin "$bin" --locks shared_mutex --threads 1 --duration 20ms \
  --repetitions 5 --threshold 90% --out "$tmp/gate" -- --warmup 5ms >"$tmp/out" 2>"$tmp/err"
rc=$?
order=$(sed -n 's/^ci_perf_gate: repetition \([0-9]\)\/5: \(.*\)$/\1\2/p' "$tmp/err" | tr '\n' ' ')
[ "$rc" -eq 0 ] && [ "$(ls "$tmp/gate/baseline" | wc -l)" -eq 5 ] \
  && [ "$(ls "$tmp/gate/new" | wc -l)" -eq 5 ] \
  && grep -q "^shared_mutex .* 5/5 " "$tmp/out" && grep -q "^shared_mutex" "$tmp/gate/report.txt" \
  && [ "$order" = "1baseline 1new 2new 2baseline 3baseline 3new 4new 4baseline 5baseline 5new " ]
check $? "gate, same binary twice: rc=$rc, order: $order, stderr: $(tail -3 "$tmp/err")"

# Scalability fits: usl_sigma and usl_kappa read each file's sweep_fits. One file a side holds one
# fit per lock, so there is no test: a sigma 50% worse is a regression on the threshold alone,
# and the report says so on its row, in a warning and in the regression line.
python3 - "$golden/base.json" "$tmp" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for name, sigma, kappa in (("sweep_base", 0.02, 1e-4), ("sweep_new", 0.03, 0.99e-4)):
    fit = {"workload": "read-mostly", "lock": "eresource", "placement": "compact", "model": "usl",
           "thread_counts": [1, 2, 3, 4], "fitted": True, "why_not": None,
           "lambda_ops_per_s": 2e6, "sigma": sigma, "kappa": kappa, "peak_threads": 98.0,
           "r2": 0.99, "points": 4, "oversubscribed_left_out": 0, "processors": 4}
    doc["sweep_fits"] = [fit]
    json.dump(doc, open(sys.argv[2] + "/" + name + ".json", "w"))
PY
compare 1 "$tmp/sweep_base.json" "$tmp/sweep_new.json" --metric usl_sigma,usl_kappa \
  && grep -Eq "^eresource +read-mostly +sweep +compact +usl_sigma +0\.02 +0\.03 +\+50\.0% +- +- +- +1/1 +REGRESSION \(single fit, no test\)$" \
    "$tmp/out" \
  && grep -Eq "^eresource +read-mostly +sweep +compact +usl_kappa +.* +-1\.0% .* same \(single fit, no test\)$" \
    "$tmp/out" \
  && grep -q "^lockbench: warning: 2 scalability-fit comparisons rest on a single fit" "$tmp/err" \
  && grep -q "^lockbench: regression: eresource read-mostly sweep compact: usl_sigma +50.0% (0.02 -> 0.03, single fit, no test" \
    "$tmp/err"
check $? "usl_sigma single fit: rc=$rc, stdout: $(cat "$tmp/out"), stderr: $(cat "$tmp/err")"
compare 1 "$tmp/sweep_base.json" "$tmp/sweep_new.json" --metric usl_sigma --format json \
  && python3 - "$tmp/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
(c,) = r["comparisons"]
assert (c["metric"], c["threads"], c["fit"], c["single_fit"], c["p_value"], c["verdict"]) == \
    ("usl_sigma", None, "usl", True, None, "regression"), c
PY
check $? "usl_sigma as JSON: rc=$rc, stdout: $(cat "$tmp/out")"
expect_error "usl_kappa without a sweep" \
  "usl_kappa needs the scalability fit of one thread sweep on both sides" \
  base.json base.json --metric usl_kappa

# Stand-in binaries that write a golden file for every run: the gate passes compare's exit on.
for side in base drop30; do
  cat >"$tmp/fake_$side" <<FAKE
#!/usr/bin/env bash
if [ "\$1" = run ]; then
  while [ \$# -gt 0 ]; do [ "\$1" = --out ] && cp "$golden/$side.json" "\$2"; shift; done
  exit 0
fi
exec "$bin" "\$@"
FAKE
  chmod +x "$tmp/fake_$side"
done
"$gate" --base-bin "$tmp/fake_base" --new-bin "$tmp/fake_drop30" --repetitions 2 --format markdown \
  --out "$tmp/gate2" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "^| eresource .*\*\*regression\*\* |$" "$tmp/gate2/report.md" \
  && grep -q "^lockbench: regression: eresource" "$tmp/err"
check $? "gate passes a regression on: rc=$rc, stdout: $(cat "$tmp/out")"
"$gate" --base-bin "$bin" --new-bin "$bin" --repetitions 1 -- --no-such-flag \
  >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] \
  && grep -q "^ci_perf_gate: error: the baseline run (repetition 1) exited with 2" "$tmp/err"
check $? "gate stops on a failed run: rc=$rc, stderr: $(cat "$tmp/err")"
"$gate" --repetitions 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] \
  && grep -q "^ci_perf_gate: error: --repetitions" "$tmp/err"
check $? "gate usage error: rc=$rc, stderr: $(cat "$tmp/err")"
"$gate" --calibrate --new-bin "$bin" --locks shared_mutex --threads 1 --duration 20ms \
  --repetitions 3 -- --warmup 5ms >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^calibration: one binary against itself, 3 invocations a side" "$tmp/out" \
  && grep -Eq "^shared_mutex +1 +throughput .* (not_significant|inconclusive|within_threshold)$" \
    "$tmp/out"
check $? "gate --calibrate: rc=$rc, stdout: $(cat "$tmp/out"), stderr: $(tail -3 "$tmp/err")"
"$gate" --calibrate --base-bin "$bin" --new-bin "$bin" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "^ci_perf_gate: error: --calibrate measures one binary" "$tmp/err"
check $? "gate --calibrate with two binaries: rc=$rc, stderr: $(cat "$tmp/err")"
"$gate" --help | grep -q "^Usage: tool/ci_perf_gate.sh"
check $? "gate --help"

check_finish compare_cli_test
