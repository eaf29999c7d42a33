// The journal of `lockbench run --out FILE` (results/journal.h) and `lockbench run --resume FILE`.
//
// The journal's header records the context, the resolved config and the run's flags (with the
// latency sampling `auto` chose), so `--resume FILE` alone rebuilds the same plan; the runs it
// holds are skipped and the rest run in the same interleaved order. A resume is refused, one
// line and exit 2, when the journal was written by another lockbench version or commit, on
// another machine (host name, CPU model or topology), or when the rebuilt config differs (a
// workload file edited since, a lock list that `all` now expands differently); --force resumes
// anyway and says what differs. The result file keeps the journal's context; runs measured by a
// resume carry their own `invocation`, since another process measured them.
#ifndef LOCKBENCH_TOOL_RUN_JOURNAL_H_
#define LOCKBENCH_TOOL_RUN_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "results/journal.h"
#include "tool/plan/run_options.h"
#include "tool/plan/run_plan.h"

namespace lockbench {

// For --resume FILE: reads FILE.journal into `journal` and returns the options it recorded, with
// --out FILE and the given --format and --force. Throws SpecError (a missing or malformed
// journal); warns about a torn last line.
RunOptions ResumedOptions(const RunOptions& given, Journal* journal);

class SweepJournal {
 public:
  // Journals nothing until Start.
  SweepJournal() = default;

  // Before the first run. Without --out, or with --out naming a device or pipe, journals
  // nothing. A new sweep refuses to start over a journal left by an unfinished one and writes
  // the header; a resumed one (`resumed` non-null) is checked against this binary, machine and
  // config, then its journal is rewritten without a torn line. Throws SpecError.
  void Start(const RunPlan& plan, const nlohmann::json& context, const Journal* resumed);

  // The run as the journal holds it when it finished before, else nullptr. `arrival_rate` is
  // the open loop's offered rate, 0 for a closed loop.
  const nlohmann::json* Finished(std::string_view lock, int threads, double arrival_rate,
                                 int repetition) const;

  // Between runs: appends a run that ended (ok or violation) and is on disk when this returns.
  // Interrupted and stalled runs are not journaled: a resume measures them again. A failed
  // write warns once and ends the journal; the sweep goes on.
  void Record(nlohmann::json* run);

  // The result file's context: the journal's when resumed, else `fresh`.
  nlohmann::json Context(nlohmann::json fresh) const;

  // After the result file was written (`written`): a complete sweep's journal is removed, an
  // unfinished one's kept with a line saying how to resume it.
  void Finish(bool complete, bool written);

 private:
  std::unique_ptr<JournalWriter> writer_;
  std::string result_path_;
  std::string resumed_invocation_;  // set on resume: the invocation of the runs measured now
  std::optional<nlohmann::json> resumed_context_;
  std::vector<nlohmann::json> finished_;
};

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_RUN_JOURNAL_H_
