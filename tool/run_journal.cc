#include "tool/run_journal.h"

#include <unistd.h>

#include <cstdio>
#include <set>

#include "base/file_io.h"
#include "tool/context.h"
#include "tool/messages.h"
#include "workloads/units.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Every run flag that decides what a sweep measures or writes beside its result, but --out (the
// journal's own name) and --format (stdout only): a resume needs no other.
// A value in a message: short, one line.
std::string Shown(const json& v) {
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return "'" + text + "'";
}

// The first field (one level into objects) in which `was` and `now` differ, as
// "<where>.<field> 'a' vs 'b'", or "".
std::string FirstDifference(const json& was, const json& now, const std::string& where) {
  std::set<std::string> keys;
  for (const auto& [k, v] : was.items()) keys.insert(k);
  for (const auto& [k, v] : now.items()) keys.insert(k);
  for (const std::string& k : keys) {
    const json a = was.contains(k) ? was[k] : json();
    const json b = now.contains(k) ? now[k] : json();
    if (a == b) continue;
    if (a.is_object() && b.is_object()) return FirstDifference(a, b, where + "." + k);
    return where + "." + k + " " + Shown(a) + " vs " + Shown(b);
  }
  return "";
}

// Refuses (or with --force, warns about) a resume by another binary: checked before the
// journal's flags are planned, since another version may not know them.
void CheckVersion(const std::string& path, const json& was, bool force) {
  if (was["version"] == ToolVersion() && was["commit"] == ToolCommit()) return;
  const std::string why = path + " was written by lockbench " + Shown(was["version"]) +
                          " (commit " + Shown(was["commit"]) + "), this is " +
                          Shown(ToolVersion()) + " (commit " + Shown(ToolCommit()) +
                          "); resume with the binary that started the sweep";
  if (!force) throw SpecError("--resume: " + why + ", or add --force");
  PrintMessage("warning", "--resume --force: " + why);
}

// Why the journal does not belong to this machine or config; empty when it does.
std::vector<std::string> Mismatches(const std::string& path, const json& header,
                                    const json& context, const json& config) {
  std::vector<std::string> why;
  const json& was = header["context"];
  for (const char* field : {"hostname", "cpu_model", "topology"}) {
    if (was[field] != context[field]) {
      why.push_back(path + " comes from another machine (context." + field + " " +
                    Shown(was[field]) + " vs " + Shown(context[field]) +
                    "); resume on the machine that started the sweep");
      break;
    }
  }
  if (const std::string diff = FirstDifference(header["config"], config, "config"); !diff.empty()) {
    why.push_back(path + " was written for another configuration (" + diff +
                  "); resume with the same workload files and binary");
  }
  return why;
}

}  // namespace

RunOptions ResumedOptions(const RunOptions& given, Journal* journal) {
  const std::string path = JournalPath(UserPath(given.resume));
  if (access(path.c_str(), F_OK) != 0) {
    throw SpecError("--resume: no journal '" + path +
                    "': nothing to resume (a sweep that finished removed its journal)");
  }
  try {
    *journal = ReadJournalLocked(path);
  } catch (const JournalError& e) {
    throw SpecError(std::string("--resume: ") + e.what());
  }
  const json& h = journal->header;
  RunOptions o;
  try {
    for (const char* field : {"version", "commit", "hostname", "cpu_model", "topology"}) {
      h.at("context").at(field).get<std::string>();
    }
    if (!h.at("config").is_object()) throw SpecError("config is not an object");
    o = OptionsFromJson(h.at("options"));
  } catch (const std::exception& e) {
    throw SpecError("--resume: " + path + ":1: not the header of a lockbench journal (" +
                    e.what() + ")");
  }
  CheckVersion(path, h["context"], given.force);
  if (journal->torn_line != 0) {
    PrintMessage("warning", "--resume: " + path + ":" + std::to_string(journal->torn_line) +
                                ": the last line is cut short (the sweep ended while writing "
                                "it); that run is measured again");
  }
  o.out = given.resume;
  o.resume = given.resume;
  o.force = given.force;
  o.format = given.format;
  return o;
}

void SweepJournal::Start(const RunPlan& plan, const json& context, const Journal* resumed) {
  const std::string& out = plan.out;
  if (out.empty() || IsStream(out)) return;
  result_path_ = out;
  const std::string path = JournalPath(out);
  if (resumed == nullptr && access(path.c_str(), F_OK) == 0) {
    try {
      JournalLock::Take(path);
    } catch (const JournalBusy& e) {
      throw SpecError("--out: " + std::string(e.what()));
    } catch (const JournalError&) {
      // Not lockable (unreadable): refused below all the same.
    }
    throw SpecError("--out: '" + path + "' holds the finished runs of a sweep into '" + out +
                    "' that did not finish; resume it with `lockbench run --resume " + out +
                    "`, or remove the journal to start over");
  }
  if (resumed != nullptr) {
    for (const std::string& why : Mismatches(path, resumed->header, context, plan.config)) {
      if (!plan.force) throw SpecError("--resume: " + why + ", or add --force");
      PrintMessage("warning", "--resume --force: " + why);
    }
    resumed_context_ = resumed->header["context"];
    resumed_invocation_ = context["invocation"].get<std::string>();
    finished_ = resumed->runs;
  }
  const json header = {{"context", Context(context)},
                       {"config", plan.config},
                       {"options", plan.journal_options},
                       {"owner", JournalOwner()}};
  try {
    writer_ = std::make_unique<JournalWriter>(path, header, finished_,
                                              resumed != nullptr ? &resumed->lock : nullptr);
  } catch (const JournalBusy& e) {
    throw SpecError("--out: " + std::string(e.what()));
  } catch (const std::exception& e) {
    throw SpecError(std::string("--out: cannot start the journal: ") + e.what());
  }
}

const json* SweepJournal::Finished(std::string_view lock, int threads, double arrival_rate,
                                  int repetition) const {
  for (const json& run : finished_) {
    if (run["lock"] == lock && run["threads"] == threads && run["repetition"] == repetition &&
        JournaledRate(run) == arrival_rate) {
      return &run;
    }
  }
  return nullptr;
}

void SweepJournal::Record(json* run) {
  if (!resumed_invocation_.empty()) (*run)["invocation"] = resumed_invocation_;
  const json& status = (*run)["status"];
  if (writer_ == nullptr || (status != "ok" && status != "violation")) return;
  try {
    writer_->Add(*run);
  } catch (const std::exception& e) {
    PrintMessage("warning", std::string("journal: ") + e.what() +
                                "; the sweep goes on, its journal ends here");
    writer_.reset();
  }
}

json SweepJournal::Context(json fresh) const {
  return resumed_context_.has_value() ? *resumed_context_ : fresh;
}

void SweepJournal::Finish(bool complete, bool written) {
  if (result_path_.empty()) return;
  const std::string path = JournalPath(result_path_);
  if (complete && written) {
    unlink(path.c_str());
  } else if (access(path.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "lockbench: %s keeps the finished runs; `lockbench run --resume %s` "
                         "measures the rest\n",
                 OneLine(path).c_str(), OneLine(result_path_).c_str());
  }
}

}  // namespace lockbench
