#!/usr/bin/env bash
# Builds lockbench's fuzz targets with clang's libFuzzer, AddressSanitizer and UBSan (Bazel here
# builds with gcc, which has no libFuzzer) and runs each for FUZZ_SECONDS on a scratch copy of
# its seed corpus and past crash inputs. Prints the executions per target; exits non-zero if any
# target found a crash, and leaves the crashing inputs in FUZZ_OUT/<target>/artifacts/.
#
# Usage: workloads/fuzz/run_fuzzers.sh [TARGET...]
#   targets: workload (ParseWorkload + ValidateWorkload), units (ParseDurationNs, ParseCount,
#   ParseIntList), compare_reader (ParseResultFile, then CompareResults); default all three.
# Environment: FUZZ_SECONDS (default 60 per target), FUZZ_OUT (default a new /tmp directory),
#   CXX (default clang++; needs libclang-rt-14-dev or equivalent for -fsanitize=fuzzer).
#
# The fuzzers run in libFuzzer's fork mode with -ignore_crashes, so that a target with a known
# crash keeps exploring and every distinct crash is saved. To turn a crash into a regression
# test, copy its input into the target's crashes/ folder (replayed by the Bazel tests
# *_fuzz_replay_test) and add a GoogleTest case beside the code that was fixed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-60}
cxx=${CXX:-clang++}
out=${FUZZ_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/lockbench-fuzz.XXXXXX")}
mkdir -p "$out"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(workload units compare_reader)

flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -pthread -I"$root"
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

# The compiled-in presets, generated as the Bazel genrule does.
sh "$root/bazel/embed_files.sh" "$out/preset_texts.cc" "$root"/workloads/presets/*.json

# A target's sources are those of its Bazel replay test (the fuzzer and every .cc of lockbench
# it depends on, without the replay main), so this list never falls behind the BUILD files.
replay_test() {
  case "$1" in
    workload) echo //workloads:workload_fuzz_replay_test ;;
    units) echo //workloads:units_fuzz_replay_test ;;
    compare_reader) echo //results:compare_reader_fuzz_replay_test ;;
    *) echo "run_fuzzers: unknown target '$1' (targets: workload units compare_reader)" >&2
       return 1 ;;
  esac
}
sources() {
  local test
  test=$(replay_test "$1") || return 1
  (cd "$root" && bazel query "kind('source file', deps($test))" --output=label 2>/dev/null) |
    grep -E '^//(base|lockimpls|workloads|results)[:/].*\.cc$' | sed 's|^//||; s|:|/|'
  # The compiled-in presets, generated as the Bazel genrule does.
  [ "$1" != workload ] || echo "$out/preset_texts.cc"
}

# Seed corpus, past crashes and dictionary of each target.
inputs_dir() {
  case "$1" in
    workload) echo "$root/workloads/fuzz/corpus/workload $root/workloads/fuzz/crashes/workload" ;;
    units) echo "$root/workloads/fuzz/corpus/units $root/workloads/fuzz/crashes/units" ;;
    compare_reader) echo "$root/results/fuzz/corpus/compare $root/results/fuzz/crashes/compare" ;;
  esac
}
dictionary() {
  case "$1" in
    workload) echo "$root/workloads/fuzz/workload.dict" ;;
    compare_reader) echo "$root/results/fuzz/compare_reader.dict" ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  srcs=$(sources "$t") || exit 2
  dir="$out/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  echo "== $t: building"
  # shellcheck disable=SC2086  # the source list is split on purpose
  (cd "$root" && "$cxx" "${flags[@]}" $srcs -o "$dir/fuzzer")
  for d in $(inputs_dir "$t"); do
    if [ -d "$d" ]; then find "$d" -maxdepth 1 -type f -exec cp {} "$dir/corpus/" \; ; fi
  done
  dict=$(dictionary "$t")
  dict_flag=()
  [ -n "$dict" ] && dict_flag=(-dict="$dict")
  echo "== $t: fuzzing for ${seconds}s ($(ls "$dir/corpus" | wc -l) seed inputs)"
  set +e
  (cd "$dir" && ./fuzzer -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
     -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
     "${dict_flag[@]}" -artifact_prefix="$dir/artifacts/" corpus >"$dir/log" 2>&1)
  rc=$?
  set -e
  # Fork mode reports "#<executions>: cov: ... corp: ..." lines; the last one is the total.
  execs=$(grep -oE '^#[0-9]+' "$dir/log" | tail -1 | tr -d '#' || true)
  crashes=$(find "$dir/artifacts" -type f | wc -l)
  summary+=("$(printf '%-15s %12s executions in %ss, %4s corpus inputs, %s crash inputs' \
    "$t" "${execs:-?}" "$seconds" "$(ls "$dir/corpus" | wc -l)" "$crashes")")
  if [ "$crashes" -gt 0 ] || [ "$rc" -ne 0 ]; then
    status=1
    echo "== $t: FINDINGS (libFuzzer exit $rc); inputs in $dir/artifacts/, log in $dir/log"
    # Fork mode keeps the inner reports out of the log: replay each input alone for its reason.
    find "$dir/artifacts" -type f | sort | head -20 | while read -r input; do
      reason=$("$dir/fuzzer" "$input" 2>&1 |
        grep -m1 -E '_fuzzer: |ERROR: AddressSanitizer|runtime error|what\(\):|SUMMARY: ' || true)
      echo "   $(basename "$input"): $(printf '%s' "${reason:-no report on replay}" | cut -c1-160)"
    done
  fi
done

echo
echo "fuzz results (output in $out):"
printf '  %s\n' "${summary[@]}"
exit "$status"
