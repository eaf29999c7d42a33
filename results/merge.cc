#include "results/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "results/result_json.h"
#include "results/sweep_fits.h"

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

  // The input file a merged context first came from, for messages.
  void NoteSource(size_t context_index, const std::string& path) {
    sources_.emplace(context_index, path);
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
                              CountedNoun(run["threads"].get<size_t>(), "thread", "threads") +
                              ", repetition " +
                              run["repetition"].dump() +
                              ") differs from the same run of the same invocation in an earlier "
                              "input; merge each result once");
    }
  }

  // Every slice of each sharded sweep (`run --shard K/N`) is there, whole: the contexts whose
  // configs are the same but for `shard` are one sweep's slices. Throws CompareInputError naming
  // the slices that are missing or short of runs.
  void CheckShards() const {
    struct Sweep {
      int count = 0;
      std::map<int, std::vector<size_t>> slices;  // K -> the contexts holding slice K
    };
    std::map<std::string, Sweep> sweeps;
    for (size_t i = 0; i < configs_.size(); ++i) {
      const json& config = configs_[i];
      if (!config.is_object() || !config.contains("shard") || !config["shard"].is_object()) continue;
      json rest = config;
      rest.erase("shard");
      Sweep& sweep = sweeps[rest.dump()];
      const int count = config["shard"].value("count", 0);
      if (sweep.count != 0 && sweep.count != count) {
        throw CompareInputError(Source(i) + ": slice of a sweep cut into " + std::to_string(count) +
                                " where " + Source(sweep.slices.begin()->second.front()) +
                                " cut the same sweep into " + std::to_string(sweep.count) +
                                "; merge the slices of one --shard K/N sweep");
      }
      sweep.count = count;
      sweep.slices[config["shard"].value("index", 0)].push_back(i);
    }
    for (const auto& [config, sweep] : sweeps) {
      std::string missing;
      for (int k = 1; k <= sweep.count; ++k) {
        if (!sweep.slices.contains(k)) missing += (missing.empty() ? "" : ", ") + Slice(k, sweep.count);
      }
      const size_t first = sweep.slices.begin()->second.front();
      if (!missing.empty()) {
        throw CompareInputError("the sweep sliced by --shard in " + Source(first) + " lacks " +
                                missing + "; merge every slice's result file");
      }
      for (const auto& [k, contexts] : sweep.slices) {
        size_t runs = 0;
        for (const json& run : runs_) {
          for (size_t c : contexts) runs += run["context_index"] == c ? 1 : 0;
        }
        const size_t planned = configs_[contexts.front()]["shard"].value("runs", size_t{0});
        if (runs < planned) {
          throw CompareInputError(Source(contexts.front()) + ": slice " + Slice(k, sweep.count) +
                                  " holds " + std::to_string(runs) + " of its " +
                                  std::to_string(planned) +
                                  " runs (it did not finish); resume it with lockbench run "
                                  "--resume and merge again");
        }
      }
    }
  }

  // The scalability fits (results/sweep_fits.h) of each sweep in the merged runs: a sharded
  // sweep's slices together, any other context on its own, each fit naming its contexts. A
  // sweep whose slices ran on machines with different processor counts gets no fit, and says so.
  json Fits() const {
    std::map<std::string, std::vector<size_t>> sweeps;  // sweep key -> its contexts
    std::vector<std::string> order;
    for (size_t i = 0; i < configs_.size(); ++i) {
      std::string key = "context " + std::to_string(i);
      if (const json& config = configs_[i]; config.is_object() && config.contains("shard")) {
        json rest = config;
        rest.erase("shard");
        key = "sweep " + rest.dump();
      }
      auto [it, added] = sweeps.try_emplace(key);
      if (added) order.push_back(key);
      it->second.push_back(i);
    }
    json fits = json::array();
    for (const std::string& key : order) {
      const std::vector<size_t>& contexts = sweeps[key];
      std::set<int> processors;
      for (size_t c : contexts) processors.insert(contexts_[c].value("pus", 0));
      json runs = json::array();
      for (const json& run : runs_) {
        const size_t c = run["context_index"].get<size_t>();
        if (std::find(contexts.begin(), contexts.end(), c) != contexts.end()) runs.push_back(run);
      }
      for (json& fit : SweepFits(runs, *processors.begin())) {
        if (processors.size() > 1) {
          std::string counts;
          for (int n : processors) counts += (counts.empty() ? "" : ", ") + std::to_string(n);
          fit["fitted"] = false;
          fit["why_not"] = "the sweep's slices ran on machines with different processor counts (" +
                           counts + "); a fit needs one kind of machine";
          for (const char* k : {"lambda_ops_per_s", "sigma", "kappa", "peak_threads", "r2"}) {
            fit[k] = nullptr;
          }
        }
        fit["contexts"] = contexts;
        fits.push_back(std::move(fit));
      }
    }
    return fits;
  }

  json Document() && {
    json fits = Fits();
    json doc = {{"schema_version", kSchemaVersion},
                {"contexts", std::move(contexts_)},
                {"configs", std::move(configs_)},
                {"runs", std::move(runs_)}};
    if (!fits.empty()) doc["sweep_fits"] = std::move(fits);
    return doc;
  }

 private:
  json contexts_ = json::array();
  json configs_ = json::array();
  json runs_ = json::array();
  std::map<std::string, size_t> seen_;  // run key -> index in runs_
  std::map<size_t, std::string> sources_;  // context index -> the input it first came from

  std::string Source(size_t context_index) const {
    const auto it = sources_.find(context_index);
    return it == sources_.end() ? "contexts[" + std::to_string(context_index) + "]" : it->second;
  }
  static std::string Slice(int k, int n) { return std::to_string(k) + "/" + std::to_string(n); }
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
    for (const size_t i : index) merged.NoteSource(i, in.path);
    const bool merged_input = doc.contains("contexts");
    const json& runs = doc["runs"];
    for (size_t i = 0; i < runs.size(); ++i) {
      json run = runs[i];
      // Checked by the reader to be within the input's contexts; other files have one context.
      run["context_index"] = index[merged_input ? run["context_index"].get<size_t>() : 0];
      merged.AddRun(std::move(run), in.path + ": runs[" + std::to_string(i) + "]");
    }
  }
  merged.CheckShards();
  return std::move(merged).Document();
}

}  // namespace lockbench
