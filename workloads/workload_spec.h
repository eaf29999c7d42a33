// What the threads of a run do: the workload spec. A workload comes from a JSON file (the
// presets in workloads/presets/ are compiled in) and/or `run` flags; flags override the file.
// Both go through one parser, so a field is checked the same way wherever it came from, and
// every error names its field (or flag) and what is allowed.
#ifndef LOCKBENCH_WORKLOADS_WORKLOAD_SPEC_H_
#define LOCKBENCH_WORKLOADS_WORKLOAD_SPEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"
#include "base/roles.h"
#include "workloads/arrivals.h"
#include "workloads/units.h"

namespace lockbench {

// kEmpirical: think times drawn from WorkloadSpec::think_quantiles_ns.
enum class ThinkKind { kNone, kFixed, kUniform, kExponential, kEmpirical };
// kWeights: instance i with probability lock_weights[i] / their sum.
enum class LockChoice { kOne, kUniform, kZipf, kWeights };
struct WorkloadSpec {
  std::string name = "custom";
  std::string description;
  // Thread counts to sweep. With dedicated roles (readers/writers >= 0) this is {readers+writers}.
  std::vector<int> threads = {2};
  int threads_per_core = 0;  // "threads": "4/core": resolved against the topology at run time
  int readers = -1;  // dedicated roles when both are >= 0
  int writers = -1;
  double read_ratio = 0.9;  // mixed roles: each op is shared with this probability
  // Critical-section lengths: fixed, or, where the field's quantile list is not empty, drawn per
  // acquisition from that empirical distribution (workloads/samplers.h), and then the member
  // holds its mean, rounded, for what needs one number (cost accounting, sampling, batch sizes).
  // The parser keeps the two in step; code that sets a list sets the mean too.
  uint64_t shared_cs_ns = 100;
  uint64_t exclusive_cs_ns = 100;
  std::vector<uint64_t> shared_cs_quantiles_ns;  // q0 (min) .. qK (max); empty: fixed
  std::vector<uint64_t> exclusive_cs_quantiles_ns;
  // Cache lines of protected data read in shared mode / written in exclusive mode. 0 makes an
  // empty critical section (pure lock cost): nothing to verify and no grant order recorded.
  int shared_lines = 1;
  int exclusive_lines = 1;
  ThinkKind think = ThinkKind::kNone;
  uint64_t think_ns = 0;  // mean think time between acquisitions
  // think kEmpirical: its distribution (think_ns is then its mean). Kept, unused, when a later
  // override (a flag) picks another think kind: that kind takes the mean.
  std::vector<uint64_t> think_quantiles_ns;
  uint64_t duration_ns = 1'000'000'000;
  uint64_t ops = 0;  // if > 0: each thread stops after this many ops; duration is not used
  uint64_t warmup_ns = 100'000'000;
  int repetitions = 1;
  uint64_t seed = 1;
  double try_fraction = 0;  // fraction of acquisitions made with try_lock / try_lock_shared
  int recursion_depth = 0;  // extra re-acquisitions while holding
  int lock_instances = 1;
  LockChoice lock_choice = LockChoice::kOne;
  double zipf_s = 0.99;
  // lock_choice kWeights: one non-negative weight per instance. Kept, unused, when a later
  // override picks another choice.
  std::vector<double> lock_weights;
  // Mixed roles: the read ratio of each instance, in place of read_ratio; empty: read_ratio.
  std::vector<double> lock_read_ratios;
  // Open loop: requests per second over all threads (each thread gets an equal share), due at
  // scheduled times whatever the lock does; a sweep list like the thread counts. Empty = closed
  // loop (each thread asks again as soon as its previous acquisition and think time are done).
  std::vector<double> arrival_rates;
  ArrivalKind arrival = ArrivalKind::kPoisson;
  // The program this workload stands for blocks or touches pageable memory while holding (a
  // file-system filter does): locks whose holder may not block (LockTraits, HolderMayBlock) are
  // no candidates for it. A statement about the use, not something the run does.
  bool holder_may_block = false;
  // A workload recorded from a program (`lockbench profile --record-workload`): where it came
  // from (command, date, host, lockbench commit, the lock that stands for the program's) and
  // what the program's locks did while recorded, per mode (RecordedFigures), which a replay
  // reports beside its own. Null for a workload written by hand.
  nlohmann::json recorded_from;

  bool OpenLoop() const { return !arrival_rates.empty(); }

  // Whether some per-acquisition value is drawn from a table of the workload: an empirical
  // duration, lock weights or per-lock read ratios. Such runs use the engine's table-drawing
  // loop; all others keep the loop they had before these forms existed.
  bool DrawsFromTables() const;

  bool DedicatedRoles() const { return readers >= 0 && writers >= 0; }
  // The role of thread `index` in a run of `n` threads.
  Role RoleOf(int index) const;
};

// Limits, shared by the parser and the documentation.
inline constexpr int kMaxThreads = 4096;
inline constexpr int kMaxLines = 4096;
inline constexpr int kMaxRecursion = 64;
inline constexpr int kMaxLockInstances = 65536;
inline constexpr double kMaxArrivalRate = 1e9;  // requests per second, over all threads
inline constexpr size_t kMaxQuantiles = 10'001;  // per empirical distribution

// The members of a workload's recorded_from and, under its "recorded" member, of each mode's
// figures. All text members are strings; every figure is a non-negative number.
inline constexpr std::string_view kRecordedFromText[] = {"command", "date", "host",
                                                          "lockbench_commit", "lock"};
inline constexpr std::string_view kRecordedFigures[] = {
    "acquisitions", "contended_fraction", "wait_p50_ns", "wait_p99_ns",
    "acquisitions_per_s_per_thread"};

// Where a field's value came from (its name and file, or a flag), for its errors.
struct FieldError;

// One workload field, declared once: the JSON reader and writer, WorkloadFieldNames and the
// `run` flags all loop over WorkloadFields(). Adding a field is its WorkloadSpec member and one
// row in workload_spec.cc (and its test).
struct WorkloadField {
  std::string_view name;  // JSON field
  std::string_view flag;  // the `run` flag that sets it, or "" where only a file does
  std::string_view help;  // the flag's help
  // Reads `value` into `spec`, checking its type and range; errors go through `err`.
  void (*parse)(const nlohmann::json& value, const FieldError& err, WorkloadSpec* spec);
  // The value as a result file records it; nullopt where the field does not apply to `spec`
  // (readers and writers without dedicated roles, threads and read_ratio with them).
  std::optional<nlohmann::json> (*format)(const WorkloadSpec& spec);
};

// Every workload field, in documentation order.
std::span<const WorkloadField> WorkloadFields();

// The JSON field names a workload accepts, in documentation order.
const std::vector<std::string>& WorkloadFieldNames();

// The `run` flag that sets a field ("shared_cs" -> "--shared-cs").
std::string FlagForField(const std::string& field);

// Applies the fields of `fields` to `spec`. `origin` says where they came from, for errors:
// a file name, or "" for flags (then errors name the flag). Throws SpecError.
void ApplyWorkloadJson(const nlohmann::json& fields, const std::string& origin, WorkloadSpec* spec);

// Parses a workload file's text (a JSON object). Throws SpecError naming `origin`.
WorkloadSpec ParseWorkload(const std::string& text, const std::string& origin);

// The resolved spec as JSON, with the same field names (durations as strings with units).
nlohmann::json WorkloadToJson(const WorkloadSpec& spec);

// Cross-field checks that hold after every override (e.g. roles against thread counts).
void ValidateWorkload(const WorkloadSpec& spec);

// Open loop: every rate of the sweep gives each of `most_threads` threads at least one request
// a second (the stall watchdog's pace). ValidateWorkload checks the listed thread counts; the
// tool checks again once per-core counts are resolved. Throws SpecError.
void CheckArrivalRates(const WorkloadSpec& spec, int most_threads);

struct Preset {
  std::string name;
  std::string description;
  std::string json;  // the file's text
};

// The compiled-in presets from workloads/presets/, sorted by name.
const std::vector<Preset>& Presets();

// A preset by name; throws SpecError with a "did you mean" suggestion when unknown.
WorkloadSpec LoadPreset(const std::string& name);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_WORKLOAD_SPEC_H_
