#include "workloads/placement.h"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <new>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "base/strings.h"
#include "lockimpls/internal/check.h"
#include "nlohmann/json.hpp"

namespace lockbench {
namespace {

constexpr std::string_view kPlacementForms =
    "compact, scatter, numa:<node>, split, split:<reader node>,<writer node>, cpus:<list>, none";
constexpr std::string_view kMemoryForms = "first-touch, node:<node>, interleave";

// hwloc bitmaps, freed on every path.
class Bitmap {
 public:
  Bitmap() : map_(hwloc_bitmap_alloc()) {
    if (map_ == nullptr) throw std::bad_alloc();
  }
  ~Bitmap() { hwloc_bitmap_free(map_); }
  Bitmap(const Bitmap&) = delete;
  Bitmap& operator=(const Bitmap&) = delete;
  hwloc_bitmap_t get() const { return map_; }

  std::vector<int> Indexes() const {
    std::vector<int> out;
    for (int i = hwloc_bitmap_first(map_); i != -1; i = hwloc_bitmap_next(map_, i)) {
      out.push_back(i);
    }
    return out;
  }

 private:
  hwloc_bitmap_t map_;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Candidate {
  std::string_view name;  // what is compared with the user's word
  std::string_view form;  // what is suggested
};

// " (did you mean 'X'?)" for the closest form to `word`: exact synonyms first (names other tools
// use for the same idea), then the nearest name if at most two edits away; "" if nothing is close.
std::string Suggestion(std::string_view word, const std::vector<Candidate>& names,
                       const std::vector<Candidate>& synonyms) {
  const std::string lower = Lower(word);
  for (const Candidate& s : synonyms) {
    if (lower == s.name) return DidYouMeanText(s.form);
  }
  std::vector<std::string> keys;
  for (const Candidate& c : names) keys.emplace_back(c.name);
  const std::string closest = ClosestName(lower, keys, 2);
  for (const Candidate& c : names) {
    if (c.name == closest) return DidYouMeanText(c.form);
  }
  return "";
}

// A non-negative decimal that fits in int, nothing else (no sign, spaces or suffix).
bool ParseIndex(std::string_view text, int* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string NodesOf(const Topology& topology) {
  std::vector<int> nodes;
  for (const NumaNodeInfo& n : topology.numa_node_list()) nodes.push_back(n.os_index);
  return FormatIndexList(nodes);
}

std::vector<int> NodesWithPus(const Topology& topology) {
  std::vector<int> nodes;
  for (const NumaNodeInfo& n : topology.numa_node_list()) {
    if (!n.pus.empty()) nodes.push_back(n.os_index);
  }
  return nodes;
}

bool SharePus(const Topology& topology, int node_a, int node_b) {
  const std::vector<int>& a = topology.FindNumaNode(node_a)->pus;
  const std::vector<int>& b = topology.FindNumaNode(node_b)->pus;
  for (int pu : a) {
    if (std::binary_search(b.begin(), b.end(), pu)) return true;
  }
  return false;
}

std::string PusOf(const Topology& topology) {
  std::vector<int> pus;
  for (const PuInfo& p : topology.pu_list()) pus.push_back(p.os_index);
  return FormatIndexList(pus);
}

// A NUMA node given by the user that can hold threads; throws otherwise.
int CheckThreadNode(std::string_view text, const Topology& topology, const std::string& where) {
  int node = -1;
  if (!ParseIndex(text, &node)) {
    throw PlacementError(where + ": '" + std::string(text) +
                         "' is not a NUMA node number (this topology has nodes " +
                         NodesOf(topology) + ")");
  }
  const NumaNodeInfo* info = topology.FindNumaNode(node);
  if (info == nullptr) {
    throw PlacementError(where + ": no NUMA node " + std::to_string(node) +
                         " (this topology has nodes " + NodesOf(topology) + ")");
  }
  if (info->pus.empty()) {
    throw PlacementError(where + ": NUMA node " + std::to_string(node) +
                         " has memory but no PUs to run threads (nodes with PUs: " +
                         FormatIndexList(NodesWithPus(topology)) + ")");
  }
  return node;
}

std::vector<int> ParseCpuList(std::string_view list, const Topology& topology,
                              const std::string& where) {
  if (list.empty()) {
    throw PlacementError(where + ": empty CPU list (give PU OS indexes like cpus:0,2,4-7; this " +
                         "topology has PUs " + PusOf(topology) + ")");
  }
  std::vector<int> cpus;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string_view item = list.substr(start, comma - start);
    const std::size_t dash = item.find('-');
    int first = -1;
    int last = -1;
    const bool ok =
        dash == std::string_view::npos
            ? ParseIndex(item, &first) && (last = first, true)
            : ParseIndex(item.substr(0, dash), &first) && ParseIndex(item.substr(dash + 1), &last);
    if (!ok) {
      throw PlacementError(where + ": '" + std::string(item) +
                           "' is not a PU index or range (give PU OS indexes like 0,2,4-7)");
    }
    if (last < first) {
      throw PlacementError(where + ": range " + std::string(item) +
                           " runs backwards (write it low-high)");
    }
    for (int cpu = first; cpu <= last; ++cpu) {
      if (topology.FindPu(cpu) == nullptr) {
        throw PlacementError(where + ": no PU " + std::to_string(cpu) + " (this topology has PUs " +
                             PusOf(topology) + ")");
      }
      cpus.push_back(cpu);
    }
    start = comma + 1;
  }
  return cpus;
}

// Ranks of cores and nodes in logical PU order: the order hwloc's tree walk gives, which is the
// order "next core" and "next node" mean.
struct Ranks {
  std::map<int, int> node;  // node OS index -> rank
  std::map<int, int> core;  // core -> rank
};

Ranks RankTopology(const Topology& topology) {
  Ranks r;
  for (const PuInfo& pu : topology.pu_list()) {
    r.node.emplace(pu.numa_node, static_cast<int>(r.node.size()));
    r.core.emplace(pu.core, static_cast<int>(r.core.size()));
  }
  return r;
}

// All PUs, or only those local to NUMA node `only_node` (OS index) when it is not -1.
std::vector<const PuInfo*> CompactOrder(const Topology& topology, int only_node) {
  const Ranks ranks = RankTopology(topology);
  const NumaNodeInfo* node = only_node < 0 ? nullptr : topology.FindNumaNode(only_node);
  std::vector<const PuInfo*> pus;
  for (const PuInfo& pu : topology.pu_list()) {
    if (node == nullptr || std::binary_search(node->pus.begin(), node->pus.end(), pu.os_index)) {
      pus.push_back(&pu);
    }
  }
  std::stable_sort(pus.begin(), pus.end(), [&](const PuInfo* a, const PuInfo* b) {
    return std::make_tuple(ranks.node.at(a->numa_node), ranks.core.at(a->core), a->logical_index) <
           std::make_tuple(ranks.node.at(b->numa_node), ranks.core.at(b->core), b->logical_index);
  });
  return pus;
}

// Scatter sorts PUs by digits read from the leaf up: which hardware thread of its core, which
// core of its node, which node of its package, which package. Consecutive PUs then differ in
// package first, node second, core third, and every core's first PU precedes any second one;
// uneven trees simply run out of digits early.
std::vector<const PuInfo*> ScatterOrder(const Topology& topology) {
  struct Key {
    int smt, core, node, package, logical;
    auto Tuple() const { return std::make_tuple(smt, core, node, package, logical); }
  };
  std::map<int, int> pus_seen_in_core;
  std::map<std::pair<int, int>, std::map<int, int>> cores_in_node;  // (package, node) -> core ranks
  std::map<int, std::map<int, int>> nodes_in_package;               // package -> node ranks
  std::map<int, int> package_rank;
  std::vector<std::pair<Key, const PuInfo*>> keyed;
  for (const PuInfo& pu : topology.pu_list()) {
    auto& cores = cores_in_node[{pu.package, pu.numa_node}];
    auto& nodes = nodes_in_package[pu.package];
    const int core = cores.emplace(pu.core, static_cast<int>(cores.size())).first->second;
    const int node = nodes.emplace(pu.numa_node, static_cast<int>(nodes.size())).first->second;
    const int package =
        package_rank.emplace(pu.package, static_cast<int>(package_rank.size())).first->second;
    keyed.push_back({Key{pus_seen_in_core[pu.core]++, core, node, package, pu.logical_index}, &pu});
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first.Tuple() < b.first.Tuple(); });
  std::vector<const PuInfo*> pus;
  for (const auto& [key, pu] : keyed) pus.push_back(pu);
  return pus;
}

// SMT off: keep the first PU of each core in the sequence; returns the PUs dropped.
std::vector<int> DropSmtSiblings(std::vector<const PuInfo*>* pus) {
  std::set<int> cores;
  std::vector<int> dropped;
  std::vector<const PuInfo*> kept;
  for (const PuInfo* pu : *pus) {
    if (cores.insert(pu->core).second) {
      kept.push_back(pu);
    } else {
      dropped.push_back(pu->os_index);
    }
  }
  *pus = std::move(kept);
  return dropped;
}

ThreadPlacement Place(int thread, Role role, const PuInfo* pu) {
  if (pu == nullptr) return ThreadPlacement{thread, role, false, -1, -1, -1, -1, -1};
  return ThreadPlacement{thread,   role,          true,       pu->os_index, pu->logical_index,
                         pu->core, pu->numa_node, pu->package};
}

std::string WrapWarning(int threads, std::size_t pus, const std::string& where, bool smt) {
  return std::to_string(threads) + " threads on " + std::to_string(pus) + " usable PU" +
         (pus == 1 ? "" : "s") + where + (smt ? "" : " (SMT off)") +
         ": placement wraps round, so some PUs run more than one thread";
}

}  // namespace

PlacementPolicy ParsePlacementPolicy(std::string_view spec, const Topology& topology,
                                     std::string_view option) {
  const std::string where = std::string(option) + " " + std::string(spec);
  if (spec.empty()) {
    throw PlacementError(std::string(option) +
                         ": empty value (allowed: " + std::string(kPlacementForms) + ")");
  }
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const bool has_arg = colon != std::string_view::npos;
  const std::string_view arg = has_arg ? spec.substr(colon + 1) : std::string_view();

  PlacementPolicy policy;
  policy.spec = std::string(spec);
  const auto no_argument = [&](PlacementKind kind) {
    if (has_arg) {
      throw PlacementError(where + ": " + std::string(name) +
                           " takes no argument (allowed: " + std::string(kPlacementForms) + ")");
    }
    policy.kind = kind;
    return policy;
  };
  if (name == "compact") return no_argument(PlacementKind::kCompact);
  if (name == "scatter") return no_argument(PlacementKind::kScatter);
  if (name == "none") return no_argument(PlacementKind::kNone);
  if (name == "numa") {
    if (!has_arg) {
      throw PlacementError(where + ": numa needs a node, numa:<node> (this topology has nodes " +
                           NodesOf(topology) + ")");
    }
    policy.kind = PlacementKind::kNuma;
    policy.node = CheckThreadNode(arg, topology, where);
    return policy;
  }
  if (name == "split") {
    policy.kind = PlacementKind::kSplit;
    const std::vector<int> usable = NodesWithPus(topology);
    if (!has_arg) {
      // The first two nodes whose PUs do not overlap: a high-bandwidth node sharing the PUs of
      // a DRAM node would not separate readers from writers.
      policy.reader_node = usable.empty() ? -1 : usable[0];
      for (std::size_t i = 1; i < usable.size() && policy.writer_node < 0; ++i) {
        if (!SharePus(topology, usable[0], usable[i])) policy.writer_node = usable[i];
      }
      if (policy.writer_node < 0) {
        throw PlacementError(where + ": split needs two NUMA nodes with separate PUs, this " +
                             "topology has " + std::to_string(usable.size()) + " node" +
                             (usable.size() == 1 ? "" : "s") + " with PUs" +
                             (usable.empty() ? "" : " (" + FormatIndexList(usable) + ")") +
                             "; use compact, scatter or numa:<node>");
      }
      return policy;
    }
    const std::size_t comma = arg.find(',');
    if (comma == std::string_view::npos) {
      throw PlacementError(where + ": split takes two nodes, split:<reader node>,<writer node> " +
                           "(this topology has nodes " + NodesOf(topology) + ")");
    }
    policy.reader_node = CheckThreadNode(arg.substr(0, comma), topology, where);
    policy.writer_node = CheckThreadNode(arg.substr(comma + 1), topology, where);
    if (policy.reader_node == policy.writer_node) {
      throw PlacementError(where + ": readers and writers must be on different nodes " +
                           "(use numa:" + std::to_string(policy.reader_node) +
                           " to put all threads on one node)");
    }
    return policy;
  }
  if (name == "cpus") {
    policy.kind = PlacementKind::kCpus;
    policy.cpus = ParseCpuList(arg, topology, where);
    return policy;
  }

  static const std::vector<Candidate> kNames = {{"compact", "compact"},  {"scatter", "scatter"},
                                                {"numa", "numa:<node>"}, {"split", "split"},
                                                {"cpus", "cpus:<list>"}, {"none", "none"}};
  static const std::vector<Candidate> kSynonyms = {
      {"close", "compact"},       {"spread", "scatter"},
      {"node", "numa:<node>"},    {"numanode", "numa:<node>"},
      {"socket", "numa:<node>"},  {"cpu", "cpus:<list>"},
      {"cpulist", "cpus:<list>"}, {"pus", "cpus:<list>"},
      {"pu", "cpus:<list>"},      {"off", "none"},
      {"unpinned", "none"},       {"os", "none"}};
  throw PlacementError(where + ": unknown policy '" + std::string(name) + "'" +
                       Suggestion(name, kNames, kSynonyms) + "; allowed: " +
                       std::string(kPlacementForms));
}

PlacementPlan PlanPlacement(const PlacementPolicy& given, const std::vector<Role>& roles,
                            bool smt, const Topology& topology, std::string_view option) {
  const PlacementPolicy policy = ParsePlacementPolicy(given.spec, topology, option);
  PlacementPlan plan;
  plan.policy = policy.spec;
  plan.smt = smt;
  plan.binds = policy.kind != PlacementKind::kNone && topology.is_this_machine();
  plan.topology = topology.source() + ": " + topology.Summary();
  const int threads = static_cast<int>(roles.size());

  if (policy.kind == PlacementKind::kNone) {
    for (int t = 0; t < threads; ++t) plan.threads.push_back(Place(t, roles[t], nullptr));
    return plan;
  }

  // Assigns `members` (thread indexes) round-robin over `pus`, warning if it must wrap.
  const auto assign = [&](const std::vector<int>& members, std::vector<const PuInfo*> pus,
                          const std::string& where, bool drop_siblings, int node) {
    if (drop_siblings) DropSmtSiblings(&pus);
    if (members.empty()) return;
    // Parsing guarantees every policy has at least one PU; failing here is a bug.
    LOCKBENCH_CHECK(!pus.empty(), "placement", "policy " + policy.spec + " has no PUs");
    if (members.size() > pus.size()) {
      plan.warnings.push_back(
          WrapWarning(static_cast<int>(members.size()), pus.size(), where, smt));
    }
    for (std::size_t i = 0; i < members.size(); ++i) {
      const int t = members[i];
      plan.threads[t] = Place(t, roles[t], pus[i % pus.size()]);
      // A PU local to several nodes is recorded under the node the policy chose it for.
      if (node >= 0) plan.threads[t].numa_node = node;
    }
  };
  plan.threads.resize(threads, ThreadPlacement{});
  std::vector<int> all(threads);
  for (int t = 0; t < threads; ++t) all[t] = t;

  switch (policy.kind) {
    case PlacementKind::kCompact:
      assign(all, CompactOrder(topology, -1), "", !smt, -1);
      break;
    case PlacementKind::kScatter:
      assign(all, ScatterOrder(topology), "", !smt, -1);
      break;
    case PlacementKind::kNuma:
      assign(all, CompactOrder(topology, policy.node),
             " of NUMA node " + std::to_string(policy.node), !smt, policy.node);
      break;
    case PlacementKind::kSplit: {
      std::vector<int> readers, writers;
      for (int t = 0; t < threads; ++t) {
        if (roles[t] == Role::kMixed) {
          throw PlacementError(std::string(option) + " " + policy.spec + ": thread " +
                               std::to_string(t) +
                               " is mixed (reads and writes); split needs every thread to be a " +
                               "reader or a writer (use compact, scatter or numa:<node>)");
        }
        (roles[t] == Role::kReader ? readers : writers).push_back(t);
      }
      assign(readers, CompactOrder(topology, policy.reader_node),
             " of reader node " + std::to_string(policy.reader_node), !smt, policy.reader_node);
      assign(writers, CompactOrder(topology, policy.writer_node),
             " of writer node " + std::to_string(policy.writer_node), !smt, policy.writer_node);
      if (SharePus(topology, policy.reader_node, policy.writer_node)) {
        plan.warnings.push_back("split: nodes " + std::to_string(policy.reader_node) + " and " +
                                std::to_string(policy.writer_node) +
                                " share PUs, so readers and writers may share cores");
      }
      if (threads > 0 && (readers.empty() || writers.empty())) {
        plan.warnings.push_back(
            std::string("split with no ") + (readers.empty() ? "readers" : "writers") + ": node " +
            std::to_string(readers.empty() ? policy.reader_node : policy.writer_node) +
            " is unused");
      }
      break;
    }
    case PlacementKind::kCpus: {
      std::vector<const PuInfo*> pus;
      for (int cpu : policy.cpus) pus.push_back(topology.FindPu(cpu));
      if (!smt) {
        const std::vector<int> dropped = DropSmtSiblings(&pus);
        if (!dropped.empty()) {
          plan.warnings.push_back("SMT off: PUs " + FormatIndexList(dropped) +
                                  " of the CPU list share a core with an earlier PU and are "
                                  "not used");
        }
      }
      assign(all, pus, " in the CPU list", false, -1);
      break;
    }
    case PlacementKind::kNone:
      break;
  }
  return plan;
}

PlacementPlan PlanPlacement(std::string_view spec, const std::vector<Role>& roles, bool smt,
                            const Topology& topology, std::string_view option) {
  PlacementPolicy policy;
  policy.spec = std::string(spec);
  return PlanPlacement(policy, roles, smt, topology, option);
}

std::string RenderPlanTable(const PlacementPlan& plan) {
  std::ostringstream out;
  out << "Placement " << plan.policy << ", SMT " << (plan.smt ? "on" : "off") << ", "
      << plan.threads.size() << " thread" << (plan.threads.size() == 1 ? "" : "s") << " on "
      << plan.topology << (plan.binds ? "" : " (plan only: threads are not bound)") << "\n";
  out << "thread  role    PU (os)  PU (logical)  core  NUMA node  package\n";
  for (const ThreadPlacement& t : plan.threads) {
    out << PadLeft(std::to_string(t.thread), 6) << "  " << PadRight(RoleName(t.role), 8);
    if (!t.pinned) {
      out << PadLeft("unpinned", 7) << "\n";
      continue;
    }
    out << PadLeft(std::to_string(t.pu_os), 7) << PadLeft(std::to_string(t.pu_logical), 14)
        << PadLeft(std::to_string(t.core), 6) << PadLeft(std::to_string(t.numa_node), 11)
        << PadLeft(std::to_string(t.package), 9) << "\n";
  }
  for (const std::string& w : plan.warnings) out << "warning: " << w << "\n";
  return out.str();
}

nlohmann::json PlanToJson(const PlacementPlan& plan) {
  nlohmann::json j;
  j["policy"] = plan.policy;
  j["smt"] = plan.smt;
  j["binds"] = plan.binds;
  j["topology"] = plan.topology;
  j["threads"] = nlohmann::json::array();
  for (const ThreadPlacement& t : plan.threads) {
    const auto field = [&](int v) { return t.pinned ? nlohmann::json(v) : nlohmann::json(); };
    j["threads"].push_back({{"thread", t.thread},
                            {"role", RoleName(t.role)},
                            {"pinned", t.pinned},
                            {"pu", field(t.pu_os)},
                            {"pu_logical", field(t.pu_logical)},
                            {"core", field(t.core)},
                            {"numa_node", field(t.numa_node)},
                            {"package", field(t.package)}});
  }
  j["warnings"] = plan.warnings;
  return j;
}

std::string BindCurrentThread(const Topology& topology, int pu_os_index) {
  if (!topology.is_this_machine()) {
    return "cannot bind to PU " + std::to_string(pu_os_index) + ": topology " + topology.source() +
           " is not this machine";
  }
  if (topology.FindPu(pu_os_index) == nullptr) {
    return "cannot bind to PU " + std::to_string(pu_os_index) + ": no such PU (this machine has " +
           PusOf(topology) + ")";
  }
  Bitmap set;
  hwloc_bitmap_only(set.get(), static_cast<unsigned>(pu_os_index));
  if (hwloc_set_cpubind(topology.raw(), set.get(), HWLOC_CPUBIND_THREAD) != 0) {
    return "cannot bind to PU " + std::to_string(pu_os_index) + ": the OS refused (" +
           std::strerror(errno) + ")";
  }
  return "";
}

std::vector<int> CurrentThreadBinding(const Topology& topology) {
  if (!topology.is_this_machine()) return {};
  Bitmap set;
  if (hwloc_get_cpubind(topology.raw(), set.get(), HWLOC_CPUBIND_THREAD) != 0) return {};
  return set.Indexes();
}

MemoryPolicy ParseMemoryPolicy(std::string_view spec, const Topology& topology,
                               std::string_view option) {
  const std::string where = std::string(option) + " " + std::string(spec);
  MemoryPolicy policy;
  policy.spec = std::string(spec);
  if (spec == "first-touch") {
    policy.kind = MemoryKind::kFirstTouch;
    return policy;
  }
  if (spec == "interleave") {
    policy.kind = MemoryKind::kInterleave;
    return policy;
  }
  const std::size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  if (name == "node") {
    int node = -1;
    const std::string_view arg =
        colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
    if (!ParseIndex(arg, &node)) {
      throw PlacementError(where + ": node needs a NUMA node number, node:<node> (this " +
                           "topology has nodes " + NodesOf(topology) + ")");
    }
    if (topology.FindNumaNode(node) == nullptr) {
      throw PlacementError(where + ": no NUMA node " + std::to_string(node) +
                           " (this topology has nodes " + NodesOf(topology) + ")");
    }
    policy.kind = MemoryKind::kBind;
    policy.node = node;
    return policy;
  }
  static const std::vector<Candidate> kNames = {
      {"first-touch", "first-touch"}, {"node", "node:<node>"}, {"interleave", "interleave"}};
  static const std::vector<Candidate> kSynonyms = {
      {"firsttouch", "first-touch"}, {"first_touch", "first-touch"}, {"local", "first-touch"},
      {"default", "first-touch"},    {"numa", "node:<node>"},        {"bind", "node:<node>"},
      {"membind", "node:<node>"},    {"interleaved", "interleave"}};
  throw PlacementError(where + ": unknown memory policy '" + std::string(spec) + "'" +
                       Suggestion(name, kNames, kSynonyms) + "; allowed: " +
                       std::string(kMemoryForms));
}

MemoryBlock MemoryBlock::Allocate(const Topology& topology, std::size_t bytes,
                                  const MemoryPolicy& policy) {
  const long page_size = sysconf(_SC_PAGESIZE);
  const std::size_t page = page_size > 0 ? static_cast<std::size_t>(page_size) : 4096;
  MemoryBlock block;
  block.topo_ = topology.raw();
  block.this_machine_ = topology.is_this_machine();
  block.size_ = (std::max<std::size_t>(bytes, 1) + page - 1) / page * page;
  block.alignment_ = page;

  if (policy.kind != MemoryKind::kFirstTouch) {
    if (!topology.is_this_machine()) {
      block.note_ = "memory policy " + policy.spec + " not applied: topology " + topology.source() +
                    " is not this machine (plan only); memory is first-touch";
    } else {
      Bitmap nodes;
      if (policy.kind == MemoryKind::kBind) {
        hwloc_bitmap_only(nodes.get(), static_cast<unsigned>(policy.node));
      } else {
        hwloc_bitmap_copy(nodes.get(), hwloc_topology_get_topology_nodeset(topology.raw()));
      }
      const hwloc_membind_policy_t how =
          policy.kind == MemoryKind::kBind ? HWLOC_MEMBIND_BIND : HWLOC_MEMBIND_INTERLEAVE;
      // Strict: a policy the OS cannot enforce fails here instead of quietly not happening.
      block.data_ = hwloc_alloc_membind(topology.raw(), block.size_, nodes.get(), how,
                                        HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
      if (block.data_ != nullptr) {
        block.from_hwloc_ = true;
        block.applied_ = true;
        return block;
      }
      block.note_ = "memory policy " + policy.spec + " not applied: the OS refused (" +
                    std::strerror(errno) + "); memory is first-touch";
    }
  }
  block.data_ = ::operator new(block.size_, std::align_val_t(page));
  block.applied_ = policy.kind == MemoryKind::kFirstTouch;
  return block;
}

MemoryBlock::MemoryBlock(MemoryBlock&& other) noexcept
    : topo_(other.topo_),
      this_machine_(other.this_machine_),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      alignment_(other.alignment_),
      from_hwloc_(other.from_hwloc_),
      applied_(other.applied_),
      note_(std::move(other.note_)) {}

MemoryBlock& MemoryBlock::operator=(MemoryBlock&& other) noexcept {
  if (this != &other) {
    Release();
    topo_ = other.topo_;
    this_machine_ = other.this_machine_;
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    alignment_ = other.alignment_;
    from_hwloc_ = other.from_hwloc_;
    applied_ = other.applied_;
    note_ = std::move(other.note_);
  }
  return *this;
}

MemoryBlock::~MemoryBlock() { Release(); }

void MemoryBlock::Release() {
  if (data_ == nullptr) return;
  if (from_hwloc_) {
    hwloc_free(topo_, data_, size_);
  } else {
    ::operator delete(data_, std::align_val_t(alignment_));
  }
  data_ = nullptr;
}

std::vector<int> MemoryBlock::NodesHoldingMemory(std::string* error) const {
  const auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = why;
    return std::vector<int>();
  };
  if (data_ == nullptr) return fail("no memory allocated");
  if (!this_machine_) return fail("memory location unknown: the topology is not this machine");
  Bitmap nodes;
  if (hwloc_get_area_memlocation(topo_, data_, size_, nodes.get(), HWLOC_MEMBIND_BYNODESET) != 0) {
    return fail(std::string("memory location unknown: ") + std::strerror(errno));
  }
  return nodes.Indexes();
}

}  // namespace lockbench
