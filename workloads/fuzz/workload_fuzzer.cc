// Fuzz target: the text of a workload file through ParseWorkload and ValidateWorkload, as
// `lockbench run --workload FILE` does. A SpecError is the documented answer to bad input;
// anything else (a crash, another exception, a sanitizer report) is a finding. A workload that
// is accepted must also survive being written as a result file's `config.workload` and read
// back.
//
// Built two ways: with libFuzzer by workloads/fuzz/run_fuzzers.sh, and under Bazel with
// results/fuzz/fuzz_replay_main.cc as a test that replays the seed corpus and past crashes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "workloads/workload_spec.h"

namespace {

[[noreturn]] void Finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "workload_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lockbench::WorkloadSpec spec;
  try {
    spec = lockbench::ParseWorkload(text, "fuzz.json");
    lockbench::ValidateWorkload(spec);
  } catch (const lockbench::SpecError& e) {
    // The CLI prints this as the one line of a usage error: it must say something.
    if (std::string(e.what()).empty()) Finding("empty SpecError message", text);
    return 0;
  }
  // Every accepted workload is within the documented limits the engine relies on.
  if (spec.repetitions < 1 || spec.recursion_depth > lockbench::kMaxRecursion ||
      spec.lock_instances < 1 || spec.lock_instances > lockbench::kMaxLockInstances ||
      spec.shared_lines > lockbench::kMaxLines || spec.exclusive_lines > lockbench::kMaxLines ||
      !(spec.read_ratio >= 0 && spec.read_ratio <= 1) ||
      !(spec.try_fraction >= 0 && spec.try_fraction <= 1)) {
    Finding("accepted a workload outside the limits", text);
  }
  for (int n : spec.threads) {
    if (n < 1 || n > lockbench::kMaxThreads) Finding("accepted a thread count out of range", text);
  }
  // The resolved workload is recorded as a result file's config.workload: it must dump (json
  // throws on invalid UTF-8, which a name taken from the file could carry) and read back as the
  // same workload.
  const nlohmann::json resolved = lockbench::WorkloadToJson(spec);
  const std::string dumped = resolved.dump();
  try {
    const lockbench::WorkloadSpec again = lockbench::ParseWorkload(dumped, "resolved");
    lockbench::ValidateWorkload(again);
    if (lockbench::WorkloadToJson(again) != resolved) {
      Finding("resolved workload reads back changed", dumped);
    }
  } catch (const lockbench::SpecError& e) {
    Finding("resolved workload does not read back", dumped + ": " + e.what());
  }
  return 0;
}
