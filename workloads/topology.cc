#include "workloads/topology.h"

#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "base/enum_names.h"
#include "base/strings.h"
#include "nlohmann/json.hpp"

namespace lockbench {
namespace {

// Owns an hwloc topology until it is handed to a Topology, so that every error path frees it.
class PendingTopology {
 public:
  PendingTopology() {
    if (hwloc_topology_init(&topo_) != 0) topo_ = nullptr;
  }
  ~PendingTopology() {
    if (topo_ != nullptr) hwloc_topology_destroy(topo_);
  }
  PendingTopology(const PendingTopology&) = delete;
  PendingTopology& operator=(const PendingTopology&) = delete;

  hwloc_topology_t get() const { return topo_; }
  hwloc_topology_t release() { return std::exchange(topo_, nullptr); }

 private:
  hwloc_topology_t topo_ = nullptr;
};

std::string Plural(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

constexpr NamedValue<hwloc_obj_cache_type_e> kCacheTypeNames[] = {
    {HWLOC_OBJ_CACHE_DATA, "data"},
    {HWLOC_OBJ_CACHE_INSTRUCTION, "instruction"},
    {HWLOC_OBJ_CACHE_UNIFIED, "unified"},
};

// A cache type a newer hwloc adds reads "unified", as caches without a type did before.
std::string CacheTypeName(hwloc_obj_cache_type_e type) {
  return NameOf(kCacheTypeNames, type, "unified");
}

// "L1d", "L1i", "L2": the names lstopo and lscpu use.
std::string CacheLabel(const CacheInfo& c) {
  std::string label = "L" + std::to_string(c.level);
  if (c.type == "data") label += "d";
  if (c.type == "instruction") label += "i";
  return label;
}

std::string FormatBytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  std::uint64_t scale = 1;
  while (unit < 4 && bytes >= scale * 1024) {
    scale *= 1024;
    ++unit;
  }
  // Exact sizes (caches) print whole; memory sizes rarely are, and one decimal is enough there.
  char text[32];
  if (bytes % scale == 0) {
    std::snprintf(text, sizeof(text), "%llu %s", static_cast<unsigned long long>(bytes / scale),
                  kUnits[unit]);
  } else {
    std::snprintf(text, sizeof(text), "%.1f %s", static_cast<double>(bytes) / scale, kUnits[unit]);
  }
  return text;
}

// hwloc builds a synthetic topology object by object, in time that grows faster than the PU
// count (16384 PUs take about a second, 65536 most of a minute), so a mistyped count would hang
// the tool. The PU count is the product of the level arities: the number after the last ':' of
// each level ("pack:2", "pu:4"), or a bare number ("2 4 2"), with attributes in (), attached
// memory in [] and anything else left for hwloc to judge.
constexpr std::uint64_t kMaxSyntheticPus = 16384;

std::uint64_t SyntheticPuCount(const std::string& text) {
  std::string top;  // the description with bracketed parts dropped
  int depth = 0;
  for (char c : text) {
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (depth == 0) top += c;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
  }
  std::uint64_t pus = 1;
  std::istringstream levels(top);
  std::string level;
  while (levels >> level) {
    const std::size_t colon = level.rfind(':');
    const std::string arity = colon == std::string::npos ? level : level.substr(colon + 1);
    if (arity.empty() || arity.find_first_not_of("0123456789") != std::string::npos) continue;
    // Ten digits or more is over the limit alone, and could overflow the product.
    if (arity.size() > 9) return kMaxSyntheticPus + 1;
    pus = std::min<std::uint64_t>(pus * std::stoull(arity), kMaxSyntheticPus + 1);
  }
  return pus;
}

}  // namespace

std::string FormatIndexList(std::vector<int> indexes) {
  std::sort(indexes.begin(), indexes.end());
  indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
  std::string out;
  for (std::size_t i = 0; i < indexes.size();) {
    std::size_t j = i;
    while (j + 1 < indexes.size() && indexes[j + 1] == indexes[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(indexes[i]);
    if (j > i) out += "-" + std::to_string(indexes[j]);
    i = j + 1;
  }
  return out;
}

Topology Topology::LoadThisMachine() {
  PendingTopology pending;
  if (pending.get() == nullptr || hwloc_topology_load(pending.get()) != 0) {
    throw PlacementError(std::string("--topology: hwloc cannot read this machine's topology (") +
                         std::strerror(errno) + ")");
  }
  return Topology(pending.release(), "this machine");
}

Topology Topology::FromSynthetic(std::string_view description) {
  const std::string text(description);
  const std::string quoted = "\"" + text + "\"";
  if (SyntheticPuCount(text) > kMaxSyntheticPus) {
    throw PlacementError("--synthetic " + quoted +
                         ": too many PUs; a synthetic topology has at most " +
                         std::to_string(kMaxSyntheticPus) + " (the product of the level counts)");
  }
  PendingTopology pending;
  if (pending.get() == nullptr || hwloc_topology_set_synthetic(pending.get(), text.c_str()) != 0 ||
      hwloc_topology_load(pending.get()) != 0) {
    throw PlacementError("--synthetic " + quoted +
                         ": not a valid hwloc synthetic topology (expected levels outermost "
                         "first, each type:count, ending in PUs, e.g. \"pack:2 numa:2 core:8 "
                         "pu:2\")");
  }
  return Topology(pending.release(), "synthetic " + quoted);
}

Topology Topology::FromXmlFile(const std::string& path) {
  {
    // hwloc's own message for a missing file is a bare failure; say which problem it is.
    std::ifstream probe(path);
    if (!probe) {
      throw PlacementError("--topology-xml " + path + ": cannot read the file (" +
                           std::strerror(errno) + ")");
    }
  }
  PendingTopology pending;
  if (pending.get() == nullptr || hwloc_topology_set_xml(pending.get(), path.c_str()) != 0 ||
      hwloc_topology_load(pending.get()) != 0) {
    throw PlacementError("--topology-xml " + path +
                         ": not a valid hwloc XML topology (write one with `lstopo FILE.xml`)");
  }
  return Topology(pending.release(), "xml " + path);
}

Topology::Topology(hwloc_topology* topo, std::string source)
    : topo_(topo), source_(std::move(source)) {
  this_machine_ = hwloc_topology_is_thissystem(topo_) != 0;
  Index();
}

Topology::Topology(Topology&& other) noexcept
    : topo_(std::exchange(other.topo_, nullptr)),
      source_(std::move(other.source_)),
      this_machine_(other.this_machine_),
      packages_(other.packages_),
      cores_(other.cores_),
      pus_(std::move(other.pus_)),
      nodes_(std::move(other.nodes_)),
      caches_(std::move(other.caches_)) {}

Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    if (topo_ != nullptr) hwloc_topology_destroy(topo_);
    topo_ = std::exchange(other.topo_, nullptr);
    source_ = std::move(other.source_);
    this_machine_ = other.this_machine_;
    packages_ = other.packages_;
    cores_ = other.cores_;
    pus_ = std::move(other.pus_);
    nodes_ = std::move(other.nodes_);
    caches_ = std::move(other.caches_);
  }
  return *this;
}

Topology::~Topology() {
  if (topo_ != nullptr) hwloc_topology_destroy(topo_);
}

void Topology::Index() {
  const int pu_count = hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_PU);
  const int core_count = hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_CORE);
  const int package_count = hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_PACKAGE);
  const int node_count = hwloc_get_nbobjs_by_type(topo_, HWLOC_OBJ_NUMANODE);
  // Some platforms report no cores or no packages; then each PU is its own core and the machine
  // is one package, which is what scheduling on such a machine amounts to.
  cores_ = core_count > 0 ? core_count : pu_count;
  packages_ = package_count > 0 ? package_count : 1;

  std::vector<hwloc_obj_t> node_objs;
  for (int n = 0; n < node_count; ++n) {
    hwloc_obj_t node = hwloc_get_obj_by_type(topo_, HWLOC_OBJ_NUMANODE, n);
    node_objs.push_back(node);
    NumaNodeInfo info;
    info.os_index = static_cast<int>(node->os_index);
    info.logical_index = static_cast<int>(node->logical_index);
    info.memory_bytes = node->attr != nullptr ? node->attr->numanode.local_memory : 0;
    nodes_.push_back(std::move(info));
  }

  for (int i = 0; i < pu_count; ++i) {
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo_, HWLOC_OBJ_PU, i);
    PuInfo info;
    info.os_index = static_cast<int>(pu->os_index);
    info.logical_index = static_cast<int>(pu->logical_index);
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topo_, HWLOC_OBJ_CORE, pu);
    info.core = core != nullptr ? static_cast<int>(core->logical_index) : info.logical_index;
    hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topo_, HWLOC_OBJ_PACKAGE, pu);
    info.package = package != nullptr ? static_cast<int>(package->logical_index) : 0;
    // A PU can lie in several nodes' CPU sets (a DRAM node and a high-bandwidth node beside it):
    // each such node lists it, and the PU's own node is the first in logical order, which is
    // the ordinary DRAM node on the machines hwloc documents.
    info.numa_node = -1;
    for (std::size_t n = 0; n < node_objs.size(); ++n) {
      if (hwloc_bitmap_isset(node_objs[n]->cpuset, pu->os_index)) {
        if (info.numa_node < 0) info.numa_node = nodes_[n].os_index;
        nodes_[n].pus.push_back(info.os_index);
        nodes_[n].cores.push_back(info.core);
        nodes_[n].packages.push_back(info.package);
      }
    }
    pus_.push_back(info);
  }
  for (NumaNodeInfo& node : nodes_) {
    for (std::vector<int>* list : {&node.pus, &node.cores, &node.packages}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
  }

  // (level, type, size, PUs each) -> instances
  std::map<std::tuple<int, std::string, std::uint64_t, int>, int> caches;
  for (int t = HWLOC_OBJ_TYPE_MIN; t < HWLOC_OBJ_TYPE_MAX; ++t) {
    const auto type = static_cast<hwloc_obj_type_t>(t);
    if (!hwloc_obj_type_is_cache(type)) continue;
    const int count = hwloc_get_nbobjs_by_type(topo_, type);
    for (int i = 0; i < count; ++i) {
      hwloc_obj_t cache = hwloc_get_obj_by_type(topo_, type, i);
      const int sharing = hwloc_bitmap_weight(cache->cpuset);
      ++caches[{static_cast<int>(cache->attr->cache.depth), CacheTypeName(cache->attr->cache.type),
                cache->attr->cache.size, sharing}];
    }
  }
  for (const auto& [key, instances] : caches) {
    const auto& [level, type, size, sharing] = key;
    caches_.push_back(CacheInfo{level, type, size, instances, sharing});
  }
}

const PuInfo* Topology::FindPu(int os_index) const {
  for (const PuInfo& pu : pus_) {
    if (pu.os_index == os_index) return &pu;
  }
  return nullptr;
}

const NumaNodeInfo* Topology::FindNumaNode(int os_index) const {
  for (const NumaNodeInfo& node : nodes_) {
    if (node.os_index == os_index) return &node;
  }
  return nullptr;
}

std::string Topology::Summary() const {
  return Plural(packages(), "package", "packages") + ", " +
         Plural(numa_nodes(), "NUMA node", "NUMA nodes") + ", " + Plural(cores(), "core", "cores") +
         ", " + Plural(pus(), "PU", "PUs");
}

std::string Topology::RenderTable() const {
  std::ostringstream out;
  out << "Topology (" << source_ << "): " << Summary() << "\n";
  if (!this_machine_) out << "  not this machine: placement is plan-only, nothing is bound\n";

  for (int p = 0; p < packages_; ++p) {
    std::vector<int> pus, cores, nodes;
    for (const PuInfo& pu : pus_) {
      if (pu.package != p) continue;
      pus.push_back(pu.os_index);
      cores.push_back(pu.core);
      if (pu.numa_node >= 0) nodes.push_back(pu.numa_node);
    }
    out << "Package " << p << ": NUMA nodes " << FormatIndexList(nodes) << "; cores "
        << FormatIndexList(cores) << "; PUs " << FormatIndexList(pus) << "\n";
  }
  for (const NumaNodeInfo& node : nodes_) {
    out << "NUMA node " << node.os_index << ": " << FormatBytes(node.memory_bytes) << "; ";
    if (node.pus.empty()) {
      out << "memory only, no PUs\n";
      continue;
    }
    out << "package " << FormatIndexList(node.packages) << "; cores " << FormatIndexList(node.cores)
        << "; PUs " << FormatIndexList(node.pus) << "\n";
  }
  if (caches_.empty()) {
    out << "Caches: none reported\n";
  } else {
    out << "Caches:\n";
    for (const CacheInfo& c : caches_) {
      out << "  " << PadRight(CacheLabel(c), 4) << PadLeft(FormatBytes(c.size_bytes), 10) << "  x"
          << PadRight(std::to_string(c.instances), 4) << " each shared by "
          << Plural(c.pus_per_instance, "PU", "PUs") << "\n";
    }
  }
  out << "PU (os)  PU (logical)  core  NUMA node  package\n";
  for (const PuInfo& pu : pus_) {
    out << PadLeft(std::to_string(pu.os_index), 7) << PadLeft(std::to_string(pu.logical_index), 14)
        << PadLeft(std::to_string(pu.core), 6) << PadLeft(std::to_string(pu.numa_node), 11)
        << PadLeft(std::to_string(pu.package), 9) << "\n";
  }
  return out.str();
}

nlohmann::json Topology::ToJson() const {
  nlohmann::json j;
  j["source"] = source_;
  j["this_machine"] = this_machine_;
  j["summary"] = Summary();
  j["packages"] = packages();
  j["numa_nodes"] = numa_nodes();
  j["cores"] = cores();
  j["pus"] = pus();
  j["numa"] = nlohmann::json::array();
  for (const NumaNodeInfo& node : nodes_) {
    j["numa"].push_back({{"os_index", node.os_index},
                         {"logical_index", node.logical_index},
                         {"memory_bytes", node.memory_bytes},
                         {"packages", node.packages},
                         {"cores", node.cores},
                         {"pus", node.pus},
                         {"cpus", FormatIndexList(node.pus)}});
  }
  j["caches"] = nlohmann::json::array();
  for (const CacheInfo& c : caches_) {
    j["caches"].push_back({{"level", c.level},
                           {"type", c.type},
                           {"size_bytes", c.size_bytes},
                           {"instances", c.instances},
                           {"pus_per_instance", c.pus_per_instance}});
  }
  j["pu"] = nlohmann::json::array();
  for (const PuInfo& pu : pus_) {
    j["pu"].push_back({{"os_index", pu.os_index},
                       {"logical_index", pu.logical_index},
                       {"core", pu.core},
                       {"numa_node", pu.numa_node},
                       {"package", pu.package}});
  }
  return j;
}

}  // namespace lockbench
