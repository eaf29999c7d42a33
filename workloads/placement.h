// Where each benchmark thread runs and where the lock's memory lives.
//
// A placement plan maps every thread (in thread order, each with its role) to one PU of a
// Topology, or leaves it unpinned. Plans are pure functions of (policy, roles, SMT, topology), so
// they can be computed, printed (`lockbench run --dry-run`) and tested for any synthetic or XML
// topology; only binding touches the OS, and only on this machine.
//
// Policies (`--placement`):
//   compact       node by node, core by core, filling each core's hardware threads before the
//                 next core: threads share caches as much as the machine allows.
//   scatter       consecutive threads go to different packages first, then different NUMA nodes,
//                 then different cores, and only then to a second PU of a core: threads share as
//                 little as the machine allows.
//   numa:<n>      every thread on NUMA node n (OS index), compact within the node.
//   split         readers compact on one NUMA node, writers compact on another: the first two
//   split:<r>,<w> nodes with PUs that do not overlap, or nodes r and w. Mixed-role threads are
//                 an error, and so is a topology without two such nodes.
//   cpus:<list>   thread i on the i-th PU of an explicit list of PU OS indexes, e.g. 0,2,4-7.
//   none          no pinning; the OS scheduler decides.
// With SMT off only one PU per core is used: the first of each core in the policy's order.
// More threads than usable PUs is allowed: the sequence wraps round and the plan carries a
// warning. Anything impossible (an unknown policy, a node that does not exist, split on a
// one-node machine, an empty or unknown CPU list) throws PlacementError; there is no fallback.
//
// Memory (`--memory`): first-touch (the default: plain page-aligned allocation, pages land on the
// node of the thread that first writes them), node:<n> (bound to node n) or interleave (pages
// spread round-robin over all nodes). MemoryBlock allocates and frees it; NodesHoldingMemory
// reports where the pages really are, for the result file.
#ifndef LOCKBENCH_WORKLOADS_PLACEMENT_H_
#define LOCKBENCH_WORKLOADS_PLACEMENT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json_fwd.hpp"
#include "base/roles.h"
#include "workloads/topology.h"

namespace lockbench {

enum class PlacementKind { kCompact, kScatter, kNuma, kSplit, kCpus, kNone };

// A parsed and validated --placement value. Build it with ParsePlacementPolicy.
struct PlacementPolicy {
  PlacementKind kind = PlacementKind::kNone;
  std::string spec = "none";  // as the user wrote it, for messages and results
  int node = -1;              // kNuma: the node's OS index
  int reader_node = -1;       // kSplit: OS indexes of the two nodes
  int writer_node = -1;
  std::vector<int> cpus;  // kCpus: PU OS indexes in the user's order (repeats allowed)
};

// Throws PlacementError naming `option` if `spec` is malformed, unknown (with a "did you mean"
// suggestion where one is close) or names nodes/PUs this topology lacks.
PlacementPolicy ParsePlacementPolicy(std::string_view spec, const Topology& topology,
                                     std::string_view option = "--placement");

struct ThreadPlacement {
  int thread;
  Role role;
  bool pinned;  // false for policy none; then the fields below are -1
  int pu_os;
  int pu_logical;
  int core;
  int numa_node;  // OS index
  int package;
};

struct PlacementPlan {
  std::string policy;  // the spec as given
  bool smt = true;
  // True when threads will really be bound: a pinning policy on this machine. A plan for a
  // synthetic or XML topology is only a plan.
  bool binds = false;
  std::string topology;  // Topology::source() and Summary(), for the record
  std::vector<ThreadPlacement> threads;
  // Things that are allowed but worth saying (PUs shared by wrap-round, an unused split side,
  // plan-only topology). Not printed here: the caller decides where they go.
  std::vector<std::string> warnings;
};

// `roles[i]` is thread i's role. `policy.spec` is checked again against `topology`, so a policy
// parsed for another topology cannot name PUs this one lacks. Throws PlacementError (naming
// `option`) for anything ParsePlacementPolicy rejects and for split with mixed-role threads.
// O(PUs log PUs + threads); allocates only the plan.
PlacementPlan PlanPlacement(const PlacementPolicy& policy, const std::vector<Role>& roles,
                            bool smt, const Topology& topology,
                            std::string_view option = "--placement");

// Parse and plan in one call.
PlacementPlan PlanPlacement(std::string_view spec, const std::vector<Role>& roles, bool smt,
                            const Topology& topology, std::string_view option = "--placement");

// A header line, one row per thread, then the warnings, each prefixed "warning: ".
std::string RenderPlanTable(const PlacementPlan& plan);
// {"policy", "smt", "binds", "topology", "threads": [{thread, role, pinned, pu, pu_logical,
// core, numa_node, package}], "warnings"}; unpinned threads have null locations.
nlohmann::json PlanToJson(const PlacementPlan& plan);

// Binds the calling thread to one PU (OS index). Returns "" on success, otherwise why not: the
// topology is not this machine, the PU is unknown, or the OS refused (e.g. a cgroup forbids it).
// Never aborts. Safe to call from many threads at once on one Topology.
std::string BindCurrentThread(const Topology& topology, int pu_os_index);

// PU OS indexes the calling thread is allowed to run on (its binding); empty on failure.
std::vector<int> CurrentThreadBinding(const Topology& topology);

enum class MemoryKind { kFirstTouch, kBind, kInterleave };

struct MemoryPolicy {
  MemoryKind kind = MemoryKind::kFirstTouch;
  int node = -1;  // kBind: the node's OS index
  std::string spec = "first-touch";
};

// "first-touch", "node:<n>" or "interleave". Throws PlacementError naming `option` otherwise or
// if node n does not exist.
MemoryPolicy ParseMemoryPolicy(std::string_view spec, const Topology& topology,
                               std::string_view option = "--memory");

// Page-aligned memory for the lock and its protected data, placed by a MemoryPolicy, freed on
// destruction. Not zeroed and not touched: with first-touch the caller's first writes decide
// the node, so write it from the thread that should own it.
class MemoryBlock {
 public:
  // On this machine, node:<n> and interleave use hwloc_alloc_membind (strict). Where that is
  // impossible (a synthetic/XML topology, or the OS refuses) the block is a plain first-touch
  // allocation and policy_applied() is false with note() saying why; record it, do not hide it.
  // REQUIRES: bytes > 0; `topology` outlives the block. Throws std::bad_alloc if no memory.
  static MemoryBlock Allocate(const Topology& topology, std::size_t bytes,
                              const MemoryPolicy& policy);

  MemoryBlock() = default;
  MemoryBlock(MemoryBlock&& other) noexcept;
  MemoryBlock& operator=(MemoryBlock&& other) noexcept;
  MemoryBlock(const MemoryBlock&) = delete;
  MemoryBlock& operator=(const MemoryBlock&) = delete;
  ~MemoryBlock();

  void* data() const { return data_; }
  // Rounded up to whole pages.
  std::size_t size() const { return size_; }
  bool policy_applied() const { return applied_; }
  const std::string& note() const { return note_; }

  // OS indexes of the NUMA nodes holding the block's pages, ascending. Pages never touched have
  // no node yet and are not counted. On failure (not this machine, the OS cannot say) returns
  // empty and sets *error if given.
  std::vector<int> NodesHoldingMemory(std::string* error = nullptr) const;

 private:
  void Release();

  hwloc_topology* topo_ = nullptr;
  bool this_machine_ = false;
  void* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t alignment_ = 0;
  bool from_hwloc_ = false;  // freed with hwloc_free, else with aligned operator delete
  bool applied_ = false;
  std::string note_;
};

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_PLACEMENT_H_
