#include "results/merge.h"

#include <map>
#include <string>

#include "results/result_json.h"

namespace lockbench {
namespace {

using nlohmann::json;

class Merged {
 public:
  // The index of (context, config), added when new.
  size_t AddContext(const json& context, const json& config) {
    for (size_t i = 0; i < contexts_.size(); ++i) {
      if (contexts_[i] == context && configs_[i] == config) return i;
    }
    contexts_.push_back(context);
    configs_.push_back(config);
    return contexts_.size() - 1;
  }

  // Adds `run` (its context_index already the merged one) unless the same run is there.
  void AddRun(json run, const std::string& where) {
    const json key = {run["context_index"], run.value("invocation", ""), run["lock"],
                      run["workload"],      run["threads"],              run["placement"],
                      run["repetition"]};
    const auto [it, added] = seen_.emplace(key.dump(), runs_.size());
    if (added) {
      runs_.push_back(std::move(run));
    } else if (runs_[it->second] != run) {
      throw CompareInputError(where + " (" + run["lock"].get<std::string>() + ", " +
                              run["threads"].dump() + " threads, repetition " +
                              run["repetition"].dump() +
                              ") differs from the same run of the same invocation in an earlier "
                              "input; merge each result once");
    }
  }

  json Document() && {
    return {{"schema_version", kSchemaVersion},
            {"contexts", std::move(contexts_)},
            {"configs", std::move(configs_)},
            {"runs", std::move(runs_)}};
  }

 private:
  json contexts_ = json::array();
  json configs_ = json::array();
  json runs_ = json::array();
  std::map<std::string, size_t> seen_;  // run key -> index in runs_
};

}  // namespace

json MergeResults(const std::vector<LoadedResult>& inputs) {
  Merged merged;
  for (const LoadedResult& in : inputs) {
    const json& doc = in.doc;
    std::vector<size_t> index;  // the input's context index -> the merged one
    if (doc.contains("contexts")) {
      for (size_t i = 0; i < doc["contexts"].size(); ++i) {
        index.push_back(merged.AddContext(doc["contexts"][i], doc["configs"][i]));
      }
    } else {
      index.push_back(merged.AddContext(doc["context"], doc.value("config", json())));
    }
    const bool merged_input = doc.contains("contexts");
    const json& runs = doc["runs"];
    for (size_t i = 0; i < runs.size(); ++i) {
      json run = runs[i];
      // Checked by the reader to be within the input's contexts; other files have one context.
      run["context_index"] = index[merged_input ? run["context_index"].get<size_t>() : 0];
      merged.AddRun(std::move(run), in.path + ": runs[" + std::to_string(i) + "]");
    }
  }
  return std::move(merged).Document();
}

}  // namespace lockbench
