// Fuzz target: the text of a result file through ParseResultFile, the reader behind
// `lockbench compare`, and an accepted file on through CompareResults against itself and every
// report format. CompareInputError is the documented answer to a bad file; anything else (a
// crash, another exception, a sanitizer report) is a finding.
//
// Built two ways: with libFuzzer by workloads/fuzz/run_fuzzers.sh, and under Bazel with
// results/fuzz/fuzz_replay_main.cc as a test that replays the seed corpus and past crashes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "results/compare_render.h"

namespace {

[[noreturn]] void Finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "compare_reader_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lockbench::ResultFile file;
  try {
    file = lockbench::ParseResultFile("fuzz.json", text);
  } catch (const lockbench::CompareInputError& e) {
    if (std::string(e.what()).empty()) Finding("empty CompareInputError message", text);
    return 0;
  }
  if (file.runs.empty()) Finding("accepted a file without runs", text);

  // A file compared with itself: every metric the reader filled in is exercised.
  lockbench::CompareSettings settings;
  settings.metrics.clear();
  for (const lockbench::MetricDef& m : lockbench::MetricTable()) settings.metrics.push_back(&m);
  const lockbench::ResultSide side{"fuzz.json", {file}};
  lockbench::CompareReport report;
  try {
    report = lockbench::CompareResults(side, side, settings);
  } catch (const lockbench::CompareInputError&) {
    return 0;
  }
  if (report.HasRegression()) Finding("a file regressed against itself", text);
  for (lockbench::CompareFormat f : {lockbench::CompareFormat::kTable,
                                     lockbench::CompareFormat::kMarkdown,
                                     lockbench::CompareFormat::kJson}) {
    (void)lockbench::RenderCompareReport(report, f);
  }
  (void)lockbench::CompareReportToJson(report).dump();
  return 0;
}
