// The machine's shape as lockbench sees it: packages, NUMA nodes, cores, PUs and caches.
//
// A Topology wraps one loaded hwloc topology. It comes from this machine, from an hwloc synthetic
// description (`--synthetic "pack:2 numa:2 core:8 pu:2"`) or from an hwloc XML export
// (`--topology-xml file.xml`); the last two let placement plans be computed and tested for
// machines we do not have. Only a topology of this machine may bind threads or memory.
//
// Loading flattens hwloc's tree into a PU table (which core, NUMA node and package each PU
// belongs to) because every placement policy is a walk over that table; hwloc stays behind the
// raw() handle for binding. Indexes are chosen to match what users type elsewhere:
//   PU         OS index (what Linux, taskset and /proc/cpuinfo call the CPU number)
//   NUMA node  OS index (what numactl and /sys/devices/system/node call the node)
//   core       hwloc logical index (core OS indexes repeat across packages)
//   package    hwloc logical index
// The PUs are those this process may use (hwloc drops PUs outside the cgroup/affinity
// restriction), so a plan never names a PU that binding would refuse.
#ifndef LOCKBENCH_WORKLOADS_TOPOLOGY_H_
#define LOCKBENCH_WORKLOADS_TOPOLOGY_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json_fwd.hpp"

// hwloc's handle type, declared here so that users of this header need not include hwloc.h.
struct hwloc_topology;

namespace lockbench {

// A request that cannot be satisfied on this topology: a bad synthetic string, an unreadable XML
// file, a placement naming a node that does not exist... The message is one line naming the
// option, what was wrong and what is allowed; the CLI prints it and exits with status 2.
class PlacementError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PuInfo {
  int os_index;       // the CPU number the OS uses
  int logical_index;  // hwloc's depth-first order: neighbours in the tree are neighbours here
  int core;           // logical index of the core holding this PU
  int numa_node;      // OS index of the first NUMA node whose CPUs include this PU
  int package;        // logical index of the package (0 where hwloc reports none)
};

struct NumaNodeInfo {
  int os_index;
  int logical_index;
  std::uint64_t memory_bytes;  // local memory; 0 where unknown
  std::vector<int> pus;        // OS indexes of its local PUs, ascending; empty if memory-only
  std::vector<int> cores;      // logical core indexes, ascending
  std::vector<int> packages;   // logical package indexes whose PUs are here
};

// One kind of cache, e.g. "L2 unified, 2 MiB, 8 instances, each shared by 2 PUs". Caches of the
// same level and type but different size or sharing are separate entries.
struct CacheInfo {
  int level;         // 1, 2, 3...
  std::string type;  // "data", "instruction" or "unified"
  std::uint64_t size_bytes;
  int instances;
  int pus_per_instance;
};

class Topology {
 public:
  // REQUIRES: nothing. Throws PlacementError naming `--topology` only if hwloc cannot even see
  // this machine (a broken /sys), which users can do nothing about but should hear of.
  static Topology LoadThisMachine();
  // Throws PlacementError naming `--synthetic` if hwloc rejects the description or it has more
  // than 16384 PUs.
  static Topology FromSynthetic(std::string_view description);
  // Throws PlacementError naming `--topology-xml` if the file cannot be read or is not an hwloc
  // XML topology.
  static Topology FromXmlFile(const std::string& path);

  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&& other) noexcept;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology();

  // True only when loaded from this machine: only then may threads and memory be bound.
  bool is_this_machine() const { return this_machine_; }
  // "this machine", "synthetic \"pack:2 core:4 pu:2\"" or "xml /path/file.xml".
  const std::string& source() const { return source_; }

  int packages() const { return packages_; }
  int numa_nodes() const { return static_cast<int>(nodes_.size()); }
  int cores() const { return cores_; }
  int pus() const { return static_cast<int>(pus_.size()); }

  // Ordered by logical index.
  const std::vector<PuInfo>& pu_list() const { return pus_; }
  // Ordered by logical index.
  const std::vector<NumaNodeInfo>& numa_node_list() const { return nodes_; }
  // Ordered by level, then type.
  const std::vector<CacheInfo>& cache_list() const { return caches_; }

  // nullptr when no PU / node has this OS index.
  const PuInfo* FindPu(int os_index) const;
  const NumaNodeInfo* FindNumaNode(int os_index) const;

  // "1 package, 1 NUMA node, 2 cores, 2 PUs": for result files and headers.
  std::string Summary() const;
  // Several lines for `lockbench topology`: summary, packages, NUMA nodes with their cores and
  // PUs, caches, then one row per PU.
  std::string RenderTable() const;
  // The same facts as RenderTable, as a JSON object.
  nlohmann::json ToJson() const;

  // The hwloc handle, for binding. Stays valid (same pointer) across moves of this object.
  hwloc_topology* raw() const { return topo_; }

 private:
  Topology(hwloc_topology* topo, std::string source);
  void Index();

  hwloc_topology* topo_ = nullptr;
  std::string source_;
  bool this_machine_ = false;
  int packages_ = 0;
  int cores_ = 0;
  std::vector<PuInfo> pus_;
  std::vector<NumaNodeInfo> nodes_;
  std::vector<CacheInfo> caches_;
};

// "0-3,8,10-11": the compact list form used by taskset, numactl and hwloc. Input need not be
// sorted; duplicates are dropped.
std::string FormatIndexList(std::vector<int> indexes);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_TOPOLOGY_H_
