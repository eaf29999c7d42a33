// Fuzz target: the value parsers behind every duration and count flag and field
// (ParseDurationNs, ParseCount, ParseIntList). The first input byte picks the parser and, for
// the counts, the upper bound; the rest is the text a user would type. A SpecError is the
// documented answer to bad input; anything else (a crash, another exception, a sanitizer
// report, a value outside what the parser promises, a duration that does not survive
// FormatDurationNs and back) is a finding.
//
// Built two ways: with libFuzzer by workloads/fuzz/run_fuzzers.sh, and under Bazel with
// results/fuzz/fuzz_replay_main.cc as a test that replays the seed corpus and past crashes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/units.h"

namespace {

// The bounds the tool passes: per-core threads, threads, latency sampling and spin counts,
// ops, seeds, and the unbounded extreme.
constexpr uint64_t kMaxima[] = {64, 4096, 1'000'000, uint64_t{1} << 50, INT64_MAX, UINT64_MAX};
constexpr uint64_t kOneDayNs = 86'400ull * 1'000'000'000ull;

[[noreturn]] void Finding(const char* what, std::string_view text) {
  std::fprintf(stderr, "units_fuzzer: %s: '%.*s'\n", what, static_cast<int>(text.size()),
               text.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const uint64_t max = kMaxima[(selector >> 2) % std::size(kMaxima)];
  try {
    switch (selector % 3) {
      case 0: {
        const uint64_t ns = lockbench::ParseDurationNs(text);
        if (ns > kOneDayNs) Finding("duration above one day accepted", text);
        // Result files record durations formatted: they must read back exactly.
        const std::string shown = lockbench::FormatDurationNs(ns);
        uint64_t again = 0;
        try {
          again = lockbench::ParseDurationNs(shown);
        } catch (const lockbench::SpecError&) {
          Finding(("formatted duration does not parse back: " + shown).c_str(), text);
        }
        if (again != ns) Finding(("formatted duration reads back changed: " + shown).c_str(), text);
        break;
      }
      case 1:
        if (lockbench::ParseCount(text, max) > max) Finding("count above its maximum", text);
        break;
      default: {
        const std::vector<uint64_t> list = lockbench::ParseIntList(text, max);
        if (list.empty()) Finding("empty list accepted", text);
        for (uint64_t v : list) {
          if (v > max) Finding("list item above its maximum", text);
        }
        break;
      }
    }
  } catch (const lockbench::SpecError& e) {
    if (std::string_view(e.what()).empty()) Finding("empty SpecError message", text);
  }
  return 0;
}
