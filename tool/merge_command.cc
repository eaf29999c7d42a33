#include "tool/merge_command.h"

#include <cstdio>
#include <set>

#include "base/strings.h"
#include "nlohmann/json.hpp"
#include "base/file_io.h"
#include "results/merge.h"
#include "results/result_file.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"

namespace lockbench {

// check OUT -> load every input -> merge -> write OUT.
int MergeCommand(const MergeOptions& o) {
  try {
    CheckWritable(o.out);
  } catch (const std::exception& e) {
    return UsageError(std::string("OUT: ") + e.what());
  }
  nlohmann::json doc;
  try {
    std::vector<LoadedResult> inputs;
    for (const std::string& path : o.inputs) {
      for (LoadedResult& in : LoadResultDocuments(path)) inputs.push_back(std::move(in));
    }
    doc = MergeResults(inputs);
  } catch (const CompareInputError& e) {
    return UsageError(e.what());
  }
  try {
    WriteFileAtomically(o.out, doc.dump(2) + "\n");
  } catch (const std::exception& e) {
    return UsageError(std::string("OUT: ") + e.what());
  }
  std::set<std::string> hosts;
  for (const nlohmann::json& c : doc["contexts"]) hosts.insert(c.value("hostname", "?"));
  std::fprintf(stderr, "lockbench: merged %s of %s from %s into %s\n",
               CountedNoun(doc["runs"].size(), "run", "runs").c_str(),
               CountedNoun(doc["contexts"].size(), "invocation", "invocations").c_str(),
               CountedNoun(hosts.size(), "host", "hosts").c_str(), OneLine(o.out).c_str());
  return kExitOk;
}

}  // namespace lockbench
