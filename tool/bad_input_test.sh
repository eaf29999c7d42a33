#!/usr/bin/env bash
# Bad input to the built lockbench, case by case: every flag of every subcommand (zero, negative,
# non-numeric, absurdly large, empty, unknown units and names), workload files, placements that
# cannot be satisfied, output paths and compare inputs. Each case must meet the bar for user
# error: exit 2 (below 128: no crash), exactly one line on stderr, "lockbench: error: ..." naming
# the flag, field or file, nothing on stdout, no file created, and an existing --out file left
# byte-identical. Each case is one test case in the XML report.
#
# Usage: bad_input_test.sh path/to/lockbench
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${TEST_TMPDIR:-$(mktemp -d)}/bad_input"
rm -rf "$tmp"
mkdir -p "$tmp"
passed=0
failed=0
skipped=0
cases=""

xml_name() { printf '%s' "$1" | tr -d '<>&"' | head -c 120; }

pass() {
  passed=$((passed + 1))
  cases+="<testcase name=\"$(xml_name "$1")\" status=\"run\"/>"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1: $2" >&2
  cases+="<testcase name=\"$(xml_name "$1")\" status=\"run\">"
  cases+="<failure message=\"$(xml_name "$2")\"/></testcase>"
}
skip() {
  skipped=$((skipped + 1))
  echo "SKIP: $1: $2"
  cases+="<testcase name=\"$(xml_name "$1")\" status=\"notrun\">"
  cases+="<skipped message=\"$(xml_name "$2")\"/></testcase>"
}

# bad NAME PATTERN ARGS...: runs `lockbench ARGS` in an empty directory and checks the bar.
# PATTERN (grep -E) must match the stderr line: the flag, field or file it names. A `run` case
# gets --out FILE on an existing file unless it is about --out itself, to prove that file stays.
bad() {
  local name=$1 pattern=$2
  shift 2
  local dir="$tmp/case"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'existing result for %s\n' "$name" >"$dir/keep.json"
  cp "$dir/keep.json" "$tmp/keep.expected"
  local args=("$@") has_out=0 a
  for a in "${args[@]}"; do [ "$a" = "--out" ] || [ "$a" = "--resume" ] && has_out=1; done
  if [ "${args[0]:-}" = run ] && [ "$has_out" -eq 0 ]; then args+=(--out "$dir/keep.json"); fi
  # Bounded, so that an input wrongly accepted cannot start a long measurement.
  (cd "$dir" && timeout 30 "$bin" "${args[@]}" >"$tmp/out" 2>"$tmp/err")
  local rc=$? problems=""
  local lines
  lines=$(wc -l <"$tmp/err")
  [ "$rc" -lt 128 ] || problems+="crashed or timed out (exit $rc); "
  [ "$rc" -eq 2 ] || problems+="exit $rc, not 2; "
  [ "$lines" -eq 1 ] || problems+="$lines stderr lines, not 1; "
  grep -Eq '^lockbench: error: ' "$tmp/err" || problems+="no 'lockbench: error:' prefix; "
  grep -Eq -- "$pattern" "$tmp/err" || problems+="stderr does not match /$pattern/; "
  [ ! -s "$tmp/out" ] || problems+="wrote to stdout; "
  [ "$(ls -A "$dir")" = "keep.json" ] || problems+="files created: $(ls -A "$dir" | tr '\n' ' '); "
  cmp -s "$dir/keep.json" "$tmp/keep.expected" || problems+="existing --out file changed; "
  if [ -z "$problems" ]; then
    pass "$name"
  else
    fail "$name" "$problems stderr: $(head -c 300 "$tmp/err")"
  fi
}

# Root reads and writes regardless of permission bits, so chmod cannot make those cases.
as_root=0
probe="$tmp/permission-probe"
echo x >"$probe"
chmod 000 "$probe"
cat "$probe" >/dev/null 2>&1 && as_root=1
rm -f "$probe"

# bounded KB COMMAND...: runs a case under an address-space limit of KB kilobytes, so that an
# unbounded read fails quickly instead of taking the machine's memory, or so that only a few
# threads' stacks fit; the counts come back from the subshell.
bounded() {
  local kb=$1
  shift
  rm -f "$tmp/state"
  (ulimit -v "$kb" && "$@"
   declare -p passed failed skipped cases | sed 's/^declare --/declare -g/' >"$tmp/state")
  if [ -f "$tmp/state" ]; then
    . "$tmp/state"
  else
    fail "$2" "could not run under a memory limit"
  fi
}

# Memory-bounded runs (ulimit -v) cannot work under AddressSanitizer's shadow mappings.
sanitized=0
# Read ldd's whole output first: `ldd | grep -q` under pipefail fails at random when grep quits
# early and ldd dies of SIGPIPE.
linked=$(ldd "$bin" 2>/dev/null || true)
case "$linked" in *libasan* | *libtsan* | *libubsan*) sanitized=1 ;; esac
# clang links its sanitizer runtimes in statically: look for their entry points instead.
if grep -qaE '__(asan|tsan)_init' "$bin"; then
  sanitized=1
fi

R=(run --lock shared_mutex --duration 5ms --warmup 0 --repetitions 1)

# ---- run: locks and workload presets ----
bad "lock unknown with suggestion" \
  "--lock: unknown lock 'shared_mutx' \(did you mean 'shared_mutex'\?\)" \
  run --lock shared_mutx
bad "lock unknown, list of allowed" "--lock: unknown lock 'nosuch'.*pthread_rwlock" \
  run --lock nosuch
bad "lock empty" "--lock" run --lock ""
bad "lock empty item" "--lock: unknown lock ''" run --lock "shared_mutex,,push_lock"
bad "lock named twice" "--lock: 'push_lock' is named twice" run --lock push_lock,push_lock
bad "lock newline stays one line" "--lock: unknown lock 'a.x0ab'" run --lock $'a\nb'
bad "workload unknown preset with suggestion" \
  "--workload: unknown workload 'writer-strom' \(did you mean 'writer-storm'\?\)" \
  run --workload writer-strom
bad "workload empty" "--workload: empty value" run --workload ""

# ---- run: every workload flag ----
bad "threads zero" "--threads: 0 threads is out of range" "${R[@]}" --threads 0
bad "threads negative" "--threads: '-1' is negative" "${R[@]}" --threads -1
bad "threads non-numeric" "--threads: 'abc' is not a number" "${R[@]}" --threads abc
bad "threads absurdly large" "--threads: '99999999999999999999' is too large" \
  "${R[@]}" --threads 99999999999999999999
bad "threads empty" "--threads" "${R[@]}" --threads ""
bad "threads zero per core" "--threads: '0/core' is out of range" "${R[@]}" --threads 0/core
bad "threads too many per core" "--threads: '65' is too large" "${R[@]}" --threads 65/core
bad "threads range beyond limit" "--threads: '100000' is too large" "${R[@]}" --threads 1-100000
bad "threads sweep too long" "--threads: 257 thread counts; a sweep has at most 256" "${R[@]}" \
  --threads "$(seq -s, 1 257)"
bad "threads list expands too far" "--threads: list is too long" "${R[@]}" \
  --threads "$(printf '1-4096,%.0s' $(seq 1 300))1"
bad "threads with readers" "--threads: cannot be combined with --readers" \
  "${R[@]}" --threads 2 --readers 1 --writers 1
bad "readers negative" "--readers: '-1' is out of range" "${R[@]}" --readers -1 --writers 1
bad "readers without writers" "--readers: dedicated roles need both" "${R[@]}" --readers 2
bad "writers non-numeric" "--writers: 'x' is not a number" "${R[@]}" --readers 1 --writers x
bad "readers and writers zero" "--readers/--writers: 0 threads in all" \
  "${R[@]}" --readers 0 --writers 0
bad "read ratio above one" "--read-ratio: 2.0+ is out of range; expected 0 to 1" \
  "${R[@]}" --read-ratio 2
bad "read ratio nan" "--read-ratio: nan is out of range" "${R[@]}" --read-ratio nan
bad "read ratio empty" "--read-ratio: empty value" "${R[@]}" --read-ratio ""
bad "shared cs unknown unit" \
  "--shared-cs: unknown unit 'd' in '5d'; units are ns, us, ms, s, m, h" \
  "${R[@]}" --shared-cs 5d
bad "shared cs negative" "--shared-cs: '-1us' is negative" "${R[@]}" --shared-cs -1us
bad "shared cs no unit" "--shared-cs: '10' has no unit" "${R[@]}" --shared-cs 10
bad "exclusive cs non-numeric" "--exclusive-cs: 'abc' is not a number" "${R[@]}" --exclusive-cs abc
bad "exclusive cs absurdly large" "--exclusive-cs: '99999m' is too large" \
  "${R[@]}" --exclusive-cs 99999m
bad "shared lines too many" "--shared-lines: '4097' is too large.*at most 4096" \
  "${R[@]}" --shared-lines 4097
bad "exclusive lines negative" "--exclusive-lines: '-1' is out of range" \
  "${R[@]}" --exclusive-lines -1
bad "protected data too large" "--lock-instances: 65536 instances x 4096 cache lines" "${R[@]}" \
  --lock-instances 65536 --shared-lines 4096
bad "think unknown with suggestion" "--think: unknown value 'fixd' \(did you mean 'fixed'\?\)" \
  "${R[@]}" --think fixd
bad "think without think time" "--think-time: think 'fixed' needs a mean think time above 0" \
  "${R[@]}" --think fixed
bad "think time negative" "--think-time: '-1s' is negative" "${R[@]}" --think-time -1s
bad "think empirical without a distribution" "--think-time: think 'empirical' needs think_time as" \
  "${R[@]}" --think empirical --think-time 1us
bad "shared cs distribution malformed" "--shared-cs: malformed JSON" \
  "${R[@]}" --shared-cs '{"distribution": "empirical", "quantiles_ns": [1, 2'
bad "shared cs quantiles decrease" \
  "--shared-cs: quantiles_ns\[2\] = 5 is below quantiles_ns\[1\] = 9; quantiles must not decrease" \
  "${R[@]}" --shared-cs '{"distribution": "empirical", "quantiles_ns": [1, 9, 5]}'
bad "lock weights negative" "--lock-weights: lock_weights\[1\] = -1 is negative" \
  "${R[@]}" --lock-weights 1,-1,3
bad "lock weights all zero" "--lock-weights: every weight is 0" "${R[@]}" --lock-weights 0,0
bad "lock weights against lock instances" "--lock-weights: 3 entries for 4 lock instances" \
  "${R[@]}" --lock-instances 4 --lock-weights 1,0,3
bad "lock choice weights without weights" "--lock-choice: 'weights' needs lock_weights" \
  "${R[@]}" --lock-instances 2 --lock-choice weights
bad "lock read ratio above one" "--lock-read-ratios: lock_read_ratios\[0\] = 1.5 is above 1" \
  "${R[@]}" --lock-read-ratios 1.5,0.5
bad "lock read ratios with dedicated roles" "--lock-read-ratios: dedicated roles" \
  "${R[@]}" --readers 1 --writers 1 --lock-read-ratios 0.5,0.5
bad "arrival rate zero" "--arrival-rate: '0' is not above 0" "${R[@]}" --arrival-rate 0
bad "arrival rate negative" "--arrival-rate: '-5k/s' is negative" "${R[@]}" --arrival-rate -5k/s
bad "arrival rate unknown unit" "--arrival-rate: '5k/min' is not a rate" \
  "${R[@]}" --arrival-rate 5k/min
bad "arrival rate empty" "--arrival-rate: " "${R[@]}" --arrival-rate ""
bad "arrival rate absurdly large" "--arrival-rate: .* above the limit of 1G/s" \
  "${R[@]}" --arrival-rate 5G/s
bad "arrival rate below one per thread" "--arrival-rate: .* below 1 request per second per thread" \
  "${R[@]}" --arrival-rate 1 --threads 2
bad "arrival rate with sampled latency" "--latency-sample: '16' samples; the open loop" \
  "${R[@]}" --arrival-rate 10k/s --latency-sample 16
bad "arrival kind unknown" "--arrival: unknown value 'bursty'" "${R[@]}" --arrival bursty
bad "torture seed without torture" "--torture-seed: given without --torture" \
  "${R[@]}" --torture-seed 5
bad "torture seed not a number" "--torture-seed: .*expected 0 to 9223372036854775807" \
  "${R[@]}" --torture --torture-seed five
bad "arrival kind without a rate" "--arrival: 'fixed' shapes the open loop's arrivals; give arrival_rate" \
  "${R[@]}" --arrival fixed
bad "arrival rate list with an empty item" "--arrival-rate: '' is not a rate" \
  "${R[@]}" --arrival-rate 10k/s,,20k/s
bad "arrival rate listed twice" "--arrival-rate: '10000' is listed twice" \
  "${R[@]}" --arrival-rate 10k/s,10000
bad "arrival rate list with a bad unit" "--arrival-rate: '20k/h' is not a rate" \
  "${R[@]}" --arrival-rate 10k/s,20k/h
bad "arrival rate below one per thread of a per-core count" \
  "--arrival-rate: 3.000/s over [0-9]+ threads is below 1 request per second per thread" \
  "${R[@]}" --threads 4/core --arrival-rate 3
bad "arrival rate with think time" "--arrival-rate: .*arrivals replace think time" \
  "${R[@]}" --arrival-rate 10k/s --think fixed --think-time 1us
bad "duration zero" "--duration: '0' is too short; at least 1ms" \
  run --lock shared_mutex --duration 0
bad "duration above a day" "--duration: '1441m' is too large" \
  run --lock shared_mutex --duration 1441m
bad "duration unknown unit" "--duration: unknown unit 'd'" run --lock shared_mutex --duration 2d
bad "duration above a day in hours" "--duration: '25h' is too large; at most 1 day \(24h\)" \
  run --lock shared_mutex --duration 25h
bad "duration far above a day in hours" "--duration: '10000000h' is too large; at most 1 day" \
  run --lock shared_mutex --duration 10000000h
bad "duration past a double's range" "--duration: '9+h' is too large" \
  run --lock shared_mutex --duration "$(printf '9%.0s' $(seq 400))h"
bad "warmup above a day in hours" "--warmup: '24.5h' is too large" \
  run --lock shared_mutex --warmup 24.5h
bad "stall timeout above a day in hours" "--stall-timeout: '48h' is too large" \
  "${R[@]}" --stall-timeout 48h
bad "latency sample negative, the range said once" \
  "^lockbench: error: --latency-sample: '-1' is negative; expected auto or 1 to 1000000$" \
  "${R[@]}" --latency-sample -1
bad "ops negative" "--ops: '-1' is out of range" "${R[@]}" --ops -1
bad "ops absurdly large" "--ops: '1125899906842625' is too large" "${R[@]}" --ops 1125899906842625
bad "warmup non-numeric" "--warmup: 'abc' is not a number" run --lock shared_mutex --warmup abc
bad "repetitions zero" "--repetitions: 0 is out of range" run --lock shared_mutex --repetitions 0
bad "repetitions too many" "--repetitions: '1001' is too large.*at most 1000" \
  run --lock shared_mutex --repetitions 1001
bad "seed negative" "--seed: '-1' is out of range" "${R[@]}" --seed -1
bad "try fraction above one" "--try-fraction: 1.50* is out of range" "${R[@]}" --try-fraction 1.5
bad "recursion too deep" "--recursion: '65' is too large.*at most 64" "${R[@]}" --recursion 65
bad "recursion on a lock that cannot" \
  "--recursion: lock 'shared_mutex' does not allow recursive acquisition" \
  "${R[@]}" --recursion 1
bad "lock instances zero" "--lock-instances: 0 is out of range" "${R[@]}" --lock-instances 0
bad "lock instances too many" "--lock-instances: '65537' is too large.*at most 65536" \
  "${R[@]}" --lock-instances 65537
bad "lock choice unknown with suggestion" \
  "--lock-choice: unknown value 'zipff' \(did you mean 'zipf'\?\)" \
  "${R[@]}" --lock-choice zipff
bad "lock choice zipf on one instance" "--lock-choice: 'zipf' needs --lock-instances of 2 or more" \
  "${R[@]}" --lock-choice zipf
bad "zipf s too large" "--zipf-s: 11.0+ is out of range; expected 0 to 10" "${R[@]}" --zipf-s 11

# ---- run: placement, memory, topology ----
bad "placement numa node missing" "--placement numa:9: no NUMA node 9" "${R[@]}" --placement numa:9
bad "placement split on one node" "--placement split: split needs two NUMA nodes" \
  "${R[@]}" --placement split
bad "placement cpu missing" "--placement cpus:99: no PU 99" "${R[@]}" --placement cpus:99
bad "placement unknown with suggestion" \
  "--placement scater: unknown policy 'scater' \(did you mean 'scatter'\?\)" \
  "${R[@]}" --placement scater
bad "placement empty" "--placement" "${R[@]}" --placement ""
bad "placement cpus non-numeric" "--placement cpus:abc: 'abc' is not a PU index" \
  "${R[@]}" --placement cpus:abc
bad "placement split node missing" "--placement split:0,9: no NUMA node 9" \
  "${R[@]}" --placement split:0,9
bad "smt unknown" "--smt: 'of' is not allowed; use one of on, off" "${R[@]}" --smt of
bad "memory node missing" "--memory node:9: no NUMA node 9" "${R[@]}" --memory node:9
bad "memory unknown with suggestion" \
  "--memory intrleave: unknown memory policy 'intrleave' \(did you mean 'interleave'\?\)" \
  "${R[@]}" --memory intrleave
bad "lock node missing" "--lock-node node:9: no NUMA node 9" "${R[@]}" --lock-node 9
bad "lock node with memory" "--lock-node: give it or --memory, not both" \
  "${R[@]}" --lock-node 0 --memory interleave
bad "lock node empty" "--lock-node: empty value" "${R[@]}" --lock-node ""
bad "synthetic without dry run" \
  "--synthetic: another machine's topology can only be planned; add --dry-run" \
  "${R[@]}" --synthetic "pack:2 core:2 pu:1"
bad "synthetic malformed" "--synthetic \"garbage\": not a valid hwloc synthetic topology" \
  run --dry-run --synthetic garbage
bad "synthetic absurdly large" "--synthetic .*too many PUs" \
  run --dry-run --synthetic "pack:99999999 core:99999 pu:9999"
bad "topology xml missing" "--topology-xml .*/nosuch.xml: cannot read the file" \
  run --dry-run --topology-xml "$tmp/nosuch.xml"
bad "topology xml not xml" "--topology-xml .*not a valid hwloc XML topology" \
  run --dry-run --topology-xml "$bin"
bad "synthetic and xml both" "--synthetic and --topology-xml: give one, not both" \
  run --dry-run --synthetic "pack:1 pu:1" --topology-xml "$bin"

# ---- run: output paths and the remaining flags ----
bad "out in a missing directory" "--out: directory '.*/nodir' does not exist" \
  "${R[@]}" --out "$tmp/case/nodir/r.json"
bad "out is a directory" "--out: '.*/case' is a directory" "${R[@]}" --out "$tmp/case"
bad "out with trailing slash" "--out: '.*/r.json/' is a directory" \
  "${R[@]}" --out "$tmp/case/r.json/"
bad "out where nothing can be created" "--out: cannot create a file in '/proc'" \
  "${R[@]}" --out /proc/lockbench-r.json
bad "out empty" "--out: empty value" "${R[@]}" --out ""
if [ "$as_root" -eq 0 ]; then
  mkdir -p "$tmp/readonly"
  chmod 555 "$tmp/readonly"
  bad "out in a directory without write permission" \
    "--out: directory '.*/readonly' is not writable" \
    "${R[@]}" --out "$tmp/readonly/r.json"
  chmod 755 "$tmp/readonly"
else
  skip "out in a directory without write permission" \
    "running as root, which writes regardless of permission bits; see 'out where nothing can be created'"
fi
bad "hgrm directory missing" "--hgrm: '.*/nodir' is not an existing directory" \
  "${R[@]}" --hgrm "$tmp/nodir"
bad "hgrm is a file" "--hgrm: '.*' is not an existing directory" "${R[@]}" --hgrm "$bin"
bad "hgrm empty" "--hgrm: empty value" "${R[@]}" --hgrm ""
bad "format unknown" "--format: 'xml' is not allowed; use one of table, json, csv, markdown" \
  "${R[@]}" --format xml
bad "latency sample zero" "--latency-sample: '0' is out of range; expected auto or 1 to 1000000" \
  "${R[@]}" --latency-sample 0
bad "latency sample non-numeric" "--latency-sample: 'autp' is not a number" \
  "${R[@]}" --latency-sample autp
for slice in 0/3 4/3 1/0 x 2/3x -1/3 1/100001; do
  bad "shard $slice" "--shard: '$slice' is not a slice; expected K/N with N from 1 to 100000 and K from 1 to N, e.g. 2/3" \
    "${R[@]}" --shard "$slice"
done
bad "shard empty" "--shard: empty value" "${R[@]}" --shard ""
bad "shard of no run" "--shard: slice 2/2 holds none of the sweep's 1 run; use at most 1 slice" \
  "${R[@]}" --threads 1 --shard 2/2
bad "stall timeout zero" "--stall-timeout: '0' is too short; at least 1ms" \
  "${R[@]}" --stall-timeout 0
bad "stall timeout no unit" "--stall-timeout: '10' has no unit" "${R[@]}" --stall-timeout 10
bad "time series interval too short" "--time-series-interval: '1us' is too short; at least 100us" \
  "${R[@]}" --time-series-interval 1us
bad "spin count negative" "--spin-count: '-1' is negative" "${R[@]}" --spin-count -1
bad "spin count absurdly large" "--spin-count: '2000000' is too large" \
  "${R[@]}" --spin-count 2000000
bad "spin count empty" "--spin-count: empty value" "${R[@]}" --spin-count ""
bad "unknown flag with suggestion" "--lok \(did you mean '--lock'\?\)" run --lok shared_mutex
bad "flag without its value" "--threads: 1 required TEXT missing" \
  run --lock shared_mutex --out "$tmp/case/keep.json" --threads
bad "flag given twice" "--threads: At Most 1 required but received 2" \
  "${R[@]}" --threads 1 --threads 2

# ---- workload files ----
w="$tmp/workloads"
mkdir -p "$w"
wl() { printf '%s' "$2" >"$w/$1"; }
wl malformed.json '{"threads": 2,'
wl wrong-type.json '{"threads": "two"}'
wl wrong-type-duration.json '{"shared_cs": 100}'
wl unknown-field.json '{"threads": 2, "thread": 4}'
wl empty.json ''
wl not-object.json '[1, 2]'
wl number-overflow.json '{"threads": 1e400}'
wl out-of-range.json '{"repetitions": 0}'
wl newline-field.json '{"a\nb": 1}'
wl huge-data.json '{"lock_instances": 65536, "exclusive_lines": 4096}'
wl duplicate-field.json '{"threads": 2, "duration": "1s", "threads": 4}'
q='{"distribution": "empirical", "quantiles_ns": '
wl quantiles-decrease.json '{"exclusive_cs": '"$q"'[100, 300, 200]}}'
wl quantiles-empty.json '{"shared_cs": '"$q"'[]}}'
wl quantiles-negative.json '{"think_time": '"$q"'[-5, 10]}}'
wl quantiles-too-long.json '{"shared_cs": '"$q"'[1, 86400000000001]}}'
wl quantiles-wrong-type.json '{"shared_cs": '"$q"'["1us", "2us"]}}'
wl distribution-unknown.json '{"shared_cs": {"distribution": "normal", "quantiles_ns": [1]}}'
wl weights-negative.json '{"lock_weights": [1, -2, 3]}'
wl weights-zero.json '{"lock_weights": [0, 0, 0]}'
wl weights-length.json '{"lock_instances": 4, "lock_weights": [1, 0, 3]}'
wl weights-wrong-type.json '{"lock_weights": "heavy"}'
wl weights-other-choice.json '{"lock_choice": "zipf", "lock_weights": [1, 3]}'
wl think-hours.json '{"think": "fixed", "think_time": "25h"}'
bad "workload malformed JSON" \
  "workload .*malformed.json: malformed JSON: .*unexpected end of input" \
  "${R[@]}" --workload "$w/malformed.json"
bad "workload wrong type" "workload .*wrong-type.json: field 'threads': 'two' is not a number" \
  "${R[@]}" --workload "$w/wrong-type.json"
bad "workload duration as a number" "field 'shared_cs': expected a duration string" \
  "${R[@]}" --workload "$w/wrong-type-duration.json"
bad "workload think time above a day in hours" \
  "workload .*think-hours.json: field 'think_time': '25h' is too large; at most 1 day \(24h\)" \
  "${R[@]}" --workload "$w/think-hours.json"
bad "workload unknown field with suggestion" "unknown field 'thread' \(did you mean 'threads'\?\)" \
  "${R[@]}" --workload "$w/unknown-field.json"
bad "workload empty file" "workload .*empty.json: malformed JSON" \
  "${R[@]}" --workload "$w/empty.json"
bad "workload not an object" \
  "workload .*not-object.json: expected a JSON object of fields, got array" \
  "${R[@]}" --workload "$w/not-object.json"
bad "workload number beyond double" \
  "workload .*number-overflow.json: malformed JSON: number overflow" \
  "${R[@]}" --workload "$w/number-overflow.json"
bad "workload field out of range" "field 'repetitions': 0 is out of range" \
  "${R[@]}" --workload "$w/out-of-range.json"
bad "workload repeats a field" "workload .*duplicate-field.json: field 'threads' appears twice" \
  "${R[@]}" --workload "$w/duplicate-field.json"
bad "workload quantiles decrease" \
  "workload .*quantiles-decrease.json: field 'exclusive_cs': quantiles_ns\[2\] = 200 is below quantiles_ns\[1\] = 300" \
  "${R[@]}" --workload "$w/quantiles-decrease.json"
bad "workload quantiles empty" "field 'shared_cs': quantiles_ns is empty" \
  "${R[@]}" --workload "$w/quantiles-empty.json"
bad "workload quantile negative" "field 'think_time': quantiles_ns\[0\] = -5 is negative" \
  "${R[@]}" --workload "$w/quantiles-negative.json"
bad "workload quantile above a day" "field 'shared_cs': quantiles_ns\[1\] = 86400000000001 is above the limit of 1 day" \
  "${R[@]}" --workload "$w/quantiles-too-long.json"
bad "workload quantile not a number" "field 'shared_cs': quantiles_ns\[0\]: expected a number of nanoseconds, got string" \
  "${R[@]}" --workload "$w/quantiles-wrong-type.json"
bad "workload distribution unknown" "field 'shared_cs': unknown distribution 'normal'; allowed: empirical" \
  "${R[@]}" --workload "$w/distribution-unknown.json"
bad "workload weight negative" "field 'lock_weights': lock_weights\[1\] = -2 is negative" \
  "${R[@]}" --workload "$w/weights-negative.json"
bad "workload weights all zero" "field 'lock_weights': every weight is 0" \
  "${R[@]}" --workload "$w/weights-zero.json"
bad "workload weights of the wrong length" "field 'lock_weights': 3 entries for 4 lock instances" \
  "${R[@]}" --workload "$w/weights-length.json"
bad "workload weights not a list" "field 'lock_weights': lock_weights\[0\] = 'heavy' is not a number" \
  "${R[@]}" --workload "$w/weights-wrong-type.json"
bad "workload weights with another choice" "field 'lock_choice': 'zipf' does not use lock_weights" \
  "${R[@]}" --workload "$w/weights-other-choice.json"
bad "workload field name with a newline" "unknown field 'a.x0ab'" \
  "${R[@]}" --workload "$w/newline-field.json"
bad "workload asks for too much memory" "--lock-instances: 65536 instances x 4096 cache lines" \
  "${R[@]}" --workload "$w/huge-data.json"
bad "workload is a directory" "--workload: '.*/workloads/' is a directory" \
  "${R[@]}" --workload "$w/"
bad "workload missing file" "--workload: '.*nosuch.json' is neither a preset nor a readable file" \
  "${R[@]}" --workload "$w/nosuch.json"
bad "workload unreadable even for root" "--workload: cannot read '/proc/self/mem'" \
  "${R[@]}" --workload /proc/self/mem
if [ "$as_root" -eq 0 ]; then
  wl unreadable.json '{"threads": 1}'
  chmod 000 "$w/unreadable.json"
  bad "workload without read permission" "--workload: cannot read '.*unreadable.json'" \
    "${R[@]}" --workload "$w/unreadable.json"
  chmod 644 "$w/unreadable.json"
else
  skip "workload without read permission" \
    "running as root, which reads regardless of permission bits; see 'workload unreadable even for root'"
fi
if [ "$sanitized" -eq 0 ]; then
  # Under a memory limit: an unbounded read would fail here rather than take the machine's memory.
  bounded 4000000 bad "workload endless" "--workload: '/dev/zero' is larger than 1 MiB" \
    "${R[@]}" --workload /dev/zero
  # Room for a few dozen thread stacks only: the check before the first run refuses the count.
  bounded 400000 bad "threads beyond the process's limits" \
    "--threads: could not start thread [0-9]+ of 1000 .*ulimit" "${R[@]}" --threads 1000
else
  skip "workload endless" "memory limits do not work under a sanitizer"
  skip "threads beyond the process's limits" "memory limits do not work under a sanitizer"
fi

# ---- list, topology, the subcommand itself ----
bad "list format unknown" "--format: 'xml' is not allowed; use one of table, json" list --format xml
bad "list unknown flag with suggestion" "--formt \(did you mean '--format'\?\)" list --formt json
bad "list extra argument" "not expected: extra" list extra
bad "topology format unknown" "--format: 'yaml' is not allowed" topology --format yaml
bad "topology synthetic malformed" \
  "--synthetic \"pack:0 pu:1\": not a valid hwloc synthetic topology" \
  topology --synthetic "pack:0 pu:1"
bad "topology synthetic absurdly large" \
  "--synthetic .*too many PUs; a synthetic topology has at most 16384" \
  topology --synthetic "pack:16 core:1024 pu:4"
bad "topology synthetic empty" "--synthetic: empty value" topology --synthetic ""
bad "topology xml is a directory" "--topology-xml .*: not a valid hwloc XML topology" \
  topology --topology-xml "$tmp"
bad "no subcommand" "A subcommand is required"
bad "unknown subcommand with suggestion" "unknown subcommand 'ruun' \(did you mean 'run'\?\)" ruun

# ---- run --resume: journals of other versions, machines and configs, missing or malformed ----
# A journal left by a sweep killed after its first runs, and copies of it edited one way each.
# Each refused resume must leave its journal byte-identical.
j="$tmp/journal"
mkdir -p "$j"
printf '{"read_ratio": 0.9, "duration": "20ms", "warmup": "0"}\n' >"$j/w.json"
printf '{"read_ratio": 0.9, "duration": "30ms", "warmup": "0"}\n' >"$j/w-edited.json"
"$bin" run --lock shared_mutex,push_lock --threads 1 --repetitions 50 --workload "$j/w.json" \
  --out "$j/base.json" >/dev/null 2>&1 &
jpid=$!
for _ in $(seq 3000); do
  [ -f "$j/base.json.journal" ] && [ "$(wc -l <"$j/base.json.journal")" -ge 3 ] && break
  sleep 0.01
done
kill -KILL "$jpid"
{ wait "$jpid"; } 2>/dev/null
python3 - "$j" <<'PY'
import json, os, sys
j = sys.argv[1]
lines = open(os.path.join(j, "base.json.journal")).read().split("\n")[:3]
header, runs = json.loads(lines[0]), lines[1:3]
def put(name, header, runs, tail=""):
    text = "\n".join([json.dumps(header)] + runs) + "\n" + tail
    open(os.path.join(j, name + ".json.journal"), "w").write(text)
put("good", header, runs)
put("torn", header, runs[:1], runs[1][: len(runs[1]) // 2])
put("torn-middle", header, [runs[0][: len(runs[0]) // 2], runs[1]])
put("version", dict(header, context=dict(header["context"], version="0.0.1")), runs)
put("machine", dict(header, context=dict(header["context"], hostname="another-host")), runs)
put("config", dict(header, options=dict(header["options"], workload=os.path.join(j, "w-edited.json"))), runs)
put("not-journal", {"hello": "world"}, runs)
PY
# resumed NAME ARGS...: a `bad` case of `lockbench run --resume $j/NAME.json ARGS`, whose
# journal must stay byte-identical.
resumed() {
  local name=$1 pattern=$2
  shift 2
  cp "$j/$name.json.journal" "$tmp/journal.expected"
  bad "resume: $name" "$pattern" run --resume "$j/$name.json" "$@"
  cmp -s "$j/$name.json.journal" "$tmp/journal.expected" ||
    fail "resume: $name" "the journal changed"
}
resumed version "--resume: .*/version.json.journal was written by lockbench '0.0.1' \(commit .*\), this is '[0-9.]+' .*, or add --force$"
resumed machine "--resume: .*/machine.json.journal comes from another machine \(context.hostname 'another-host' vs '.*'\); .*, or add --force$"
resumed config "--resume: .*/config.json.journal was written for another configuration \(config.workload.duration '20ms' vs '30ms'\); .*, or add --force$"
resumed torn-middle "--resume: .*/torn-middle.json.journal:2: not valid JSON: "
resumed not-journal "--resume: .*/not-journal.json.journal:1: not the header of a lockbench journal"
resumed good "--resume: --lock cannot be given with it; a resume takes the sweep's flags from its journal" \
  --lock shared_mutex
bad "resume: missing journal" "--resume: no journal '.*/nosuch.json.journal': nothing to resume" \
  run --resume "$j/nosuch.json"
bad "force without resume" "--force: only with --resume" "${R[@]}" --force
cp "$j/good.json.journal" "$tmp/journal.expected"
bad "run over an unfinished sweep's journal" \
  "--out: '.*/good.json.journal' holds the finished runs of a sweep into '.*/good.json' that did not finish; resume it with" \
  "${R[@]}" --out "$j/good.json"
cmp -s "$j/good.json.journal" "$tmp/journal.expected" ||
  fail "run over an unfinished sweep's journal" "the journal changed"

# A torn last line is no error: a warning naming it, and that run is measured again.
(cd "$tmp" && timeout 120 "$bin" run --resume "$j/torn.json" --format csv >"$tmp/out" 2>"$tmp/err")
rc=$?
torn_problems=""
[ "$rc" -eq 0 ] || torn_problems+="exit $rc, not 0; "
grep -Eq "^lockbench: warning: --resume: .*/torn.json.journal:3: the last line is cut short \(the sweep ended while writing it\); that run is measured again$" "$tmp/err" ||
  torn_problems+="no warning naming line 3; "
python3 - "$j/torn.json" "$j/good.json.journal" <<'PY' || torn_problems+="result not complete; "
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
kept = [json.loads(line) for line in open(sys.argv[2]).read().splitlines()[1:]]
assert len(runs) == 100 and runs[:1] == kept[:1], len(runs)
assert runs[1] != kept[1], "the torn run is measured again"
PY
[ ! -e "$j/torn.json.journal" ] || torn_problems+="journal left; "
if [ -z "$torn_problems" ]; then pass "resume: torn last line"; else
  fail "resume: torn last line" "$torn_problems stderr: $(head -c 300 "$tmp/err")"; fi

# ---- compare ----
c="$tmp/compare"
mkdir -p "$c/empty-dir"
"$bin" run --lock shared_mutex --threads 1 --duration 5ms --warmup 0 --repetitions 2 \
  --latency-sample 1 --out "$c/base.json" >/dev/null 2>&1
python3 - "$c" <<'PY'
import json, os, sys
c = sys.argv[1]
base = open(os.path.join(c, "base.json")).read()
doc = json.loads(base)
def put(name, d):
    open(os.path.join(c, name), "w").write(d if isinstance(d, str) else json.dumps(d))
put("truncated.json", base[: len(base) // 2])
put("schema2.json", dict(doc, schema_version=2))
put("empty-runs.json", dict(doc, runs=[]))
put("not-json.json", "lockbench: error: this is a log, not a result\n")
put("empty.json", "")
wrong = json.loads(base)
wrong["runs"][0]["threads"] = "two"
put("wrong-type.json", wrong)
missing = json.loads(base)
del missing["runs"][1]["throughput_ops_per_s"]
put("missing-field.json", missing)
other = json.loads(base)
other["context"]["cpu_model"] = "Other CPU"
put("other-machine.json", other)
put("number-overflow.json", base.replace('"schema_version": 1', '"schema_version": 1e400', 1))
conflict = json.loads(base)
conflict["runs"][0]["ops"] += 1
put("conflict.json", conflict)
merged = dict(schema_version=1, contexts=[doc["context"]], configs=[doc["config"]],
              runs=[dict(r, context_index=i) for i, r in enumerate(doc["runs"])])
put("merged-bad-index.json", merged)
deep = json.loads(base); deep["runs"][0]["lock"] = "@DEEP@"
put("deep-nesting.json", json.dumps(deep).replace('"@DEEP@"', "[" * 100000 + "]" * 100000))
PY
B="$c/base.json"
bad "compare baseline missing" "BASELINE is required" compare
bad "compare new missing" "NEW is required" compare "$B"
bad "compare file missing" "nosuch.json: does not exist" compare "$c/nosuch.json" "$B"
printf '{}' >"$c/new"$'\n'"line.json"
bad "compare path with a newline stays one line" "new.x0aline.json: missing field 'schema_version'" \
  compare "$c/new"$'\n'"line.json" "$B"
bad "compare truncated" "truncated.json: not valid JSON \(truncated or not a result file\)" \
  compare "$B" "$c/truncated.json"
bad "compare wrong schema version" "schema2.json: schema_version 2 is not supported" \
  compare "$B" "$c/schema2.json"
bad "compare empty runs" "empty-runs.json: runs is empty" compare "$c/empty-runs.json" "$B"
bad "compare not JSON" "not-json.json: not valid JSON" compare "$B" "$c/not-json.json"
bad "compare empty file" "empty.json: empty file" compare "$B" "$c/empty.json"
bad "compare wrong type" "wrong-type.json: runs\[0\].threads: expected an integer" \
  compare "$B" "$c/wrong-type.json"
bad "compare missing field" "missing-field.json: runs\[1\]: missing field 'throughput_ops_per_s'" \
  compare "$B" "$c/missing-field.json"
bad "compare other machine" "come from different machines .*--allow-different-machines" \
  compare "$B" "$c/other-machine.json"
bad "compare directory without results" "empty-dir: no \*.json result files" \
  compare "$c/empty-dir" "$B"
bad "compare empty path" "BASELINE: empty value" compare "" "$B"
bad "compare metric unknown" "--metric: 'thruput' is not a metric" \
  compare "$B" "$B" --metric thruput
bad "compare threshold ambiguous" "--threshold: '5' is ambiguous" compare "$B" "$B" --threshold 5
bad "compare threshold negative" "--threshold: '-5%' is not a threshold" \
  compare "$B" "$B" --threshold -5%
bad "compare alpha zero" "--alpha: '0' is not a significance level" compare "$B" "$B" --alpha 0
bad "compare format unknown" "--format: 'yaml' is not allowed" compare "$B" "$B" --format yaml
bad "compare number beyond double" "number-overflow.json: " compare "$B" "$c/number-overflow.json"
bad "compare deeply nested value" "deep-nesting.json: " compare "$B" "$c/deep-nesting.json"
if [ "$sanitized" -eq 0 ]; then
  bounded 4000000 bad "compare endless input" "/dev/zero: " compare /dev/zero "$B"
else
  skip "compare endless input" "memory limits do not work under a sanitizer"
fi
bad "compare merged file with a bad context index" \
  "merged-bad-index.json: runs\[1\].context_index: 1 is past the 1 contexts" \
  compare "$B" "$c/merged-bad-index.json"

# ---- merge ----
bad "merge other schema version" \
  "schema2.json: schema_version 2 is not supported \(this lockbench reads schema_version 1\)" \
  merge m.json "$B" "$c/schema2.json"
bad "merge truncated" "truncated.json: not valid JSON" merge m.json "$B" "$c/truncated.json"
bad "merge one run with different numbers" \
  "conflict.json: runs\[0\] \(shared_mutex, 1 thread, repetition 1\) differs from the same run" \
  merge m.json "$B" "$c/conflict.json"
bad "merge input missing" "IN is required" merge m.json
bad "merge input does not exist" "nosuch.json: does not exist" merge m.json "$c/nosuch.json"
bad "merge out in a missing directory" "OUT: directory 'nodir' does not exist" \
  merge nodir/m.json "$B"

total=$((passed + failed + skipped))
echo "bad_input_test: $total bad inputs: $passed passed, $failed failed, $skipped skipped"
if [ -n "${XML_OUTPUT_FILE:-}" ]; then
  printf '<?xml version="1.0"?>\n<testsuites tests="%d" failures="%d" skipped="%d"><testsuite name="bad_input_test" tests="%d" failures="%d" skipped="%d">%s</testsuite></testsuites>\n' \
    "$total" "$failed" "$skipped" "$total" "$failed" "$skipped" "$cases" >"$XML_OUTPUT_FILE"
fi
[ "$failed" -eq 0 ]
