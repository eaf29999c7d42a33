#include "results/profile.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "base/strings.h"
#include "lockimpls/preload/profile_shm.h"
#include "results/result_json.h"

namespace lockbench {
namespace {

using json = nlohmann::json;
namespace shm = profile_shm;

constexpr const char* kModeNames[2] = {"exclusive", "shared"};

HistogramOptions ProfileLayout() {
  HistogramOptions o;
  o.sub_bucket_bits = shm::kHistSubBucketBits;
  o.highest_trackable_value = shm::kHistHighest;
  return o;
}

// LatencyToJson of the rebuilt histogram, with the exact max and mean the region kept.
json HistogramJson(const shm::ShmHistogram& h) {
  Histogram rebuilt(ProfileLayout());
  for (std::size_t i = 0; i < shm::kHistBuckets; ++i) {
    const std::uint64_t n = h.buckets[i].load(std::memory_order_relaxed);
    if (n != 0) rebuilt.RecordN(shm::HistBucketHigh(i), n);
  }
  json j = LatencyToJson(rebuilt);
  const std::uint64_t total = h.total.load(std::memory_order_relaxed);
  if (total != 0) {
    // The exact max; percentiles (tops of buckets) are capped at it, as Histogram caps them.
    const std::uint64_t max = h.max.load(std::memory_order_relaxed);
    for (const char* p : {"min", "p50", "p90", "p99", "p999"}) {
      j[p] = std::min(j[p].get<std::uint64_t>(), max);
    }
    j["max"] = max;
    j["mean"] = static_cast<double>(h.sum.load(std::memory_order_relaxed)) /
                static_cast<double>(total);
  }
  return j;
}

constexpr NamedValue<std::uint32_t> kKindNames[] = {
    {shm::kMutexNormal, "mutex"},
    {shm::kMutexRecursive, "recursive_mutex"},
    {shm::kMutexErrorCheck, "errorcheck_mutex"},
    {shm::kMutexAdaptive, "adaptive_mutex"},
    {shm::kRwlock, "rwlock"},
};

// A kind a preload library of another build wrote reads "unknown", as the schema allows.
std::string KindName(std::uint32_t kind) { return NameOf(kKindNames, kind, "unknown"); }

struct FlagName {
  std::uint32_t flag;
  const char* attribute;  // in "attributes"
  const char* reason;     // why substitution left it on glibc
};
constexpr FlagName kFlags[] = {
    {shm::kFlagRobust, "robust", "robust mutex"},
    {shm::kFlagPriorityInherit, "priority_inherit", "priority-inheritance mutex"},
    {shm::kFlagPriorityProtect, "priority_protect", "priority-protect mutex"},
    {shm::kFlagProcessShared, "process_shared", "process-shared object"},
    {shm::kFlagHeldBeforeSubstitution, "held_before_substitution",
     "held before the preload library saw it"},
};

std::string Hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string BoundedText(const char* text, std::size_t size) {
  return std::string(text, strnlen(text, size));
}

json RecordJson(const shm::RegionHeader& h, std::uint32_t index) {
  const shm::LockRecord& r = shm::Records(&h)[index];
  json j;
  j["address"] = Hex(r.address);
  j["generation"] = r.generation;
  j["kind"] = KindName(r.object_kind);
  json attributes = json::array();
  std::string reason;
  for (const FlagName& f : kFlags) {
    if ((r.flags & f.flag) == 0) continue;
    attributes.push_back(f.attribute);
    if (reason.empty()) reason = f.reason;
  }
  j["attributes"] = attributes;
  const std::string lock = BoundedText(h.lock, sizeof(h.lock));
  const bool substituted = r.served == shm::kServedSubstituted;
  j["served_by"] = substituted ? lock : "pthread";
  j["stays_on_glibc"] = !lock.empty() && !substituted ? json(reason) : json(nullptr);
  j["closed"] = r.closed_ns.load(std::memory_order_relaxed) != 0;
  std::uint64_t acquisitions = 0;
  std::uint64_t contended = 0;
  std::uint64_t wait_total = 0;
  for (int m = 0; m < 2; ++m) {
    const std::uint64_t a = r.acquisitions[m].load(std::memory_order_relaxed);
    const std::uint64_t c = r.contended[m].load(std::memory_order_relaxed);
    j["acquisitions"][kModeNames[m]] = a;
    j["contended"][kModeNames[m]] = c;
    acquisitions += a;
    contended += c;
    const shm::ShmHistogram& wait = *shm::Histograms(&h, index, m);
    const shm::ShmHistogram& hold = *shm::Histograms(&h, index, 2 + m);
    wait_total += wait.sum.load(std::memory_order_relaxed);
    j["wait_ns"][kModeNames[m]] = HistogramJson(wait);
    j["hold_ns"][kModeNames[m]] = HistogramJson(hold);
  }
  j["contended_fraction"] =
      acquisitions == 0 ? 0.0 : static_cast<double>(contended) / static_cast<double>(acquisitions);
  j["total_wait_ns"] = wait_total;
  j["try_failed"] = r.try_failed.load(std::memory_order_relaxed);
  j["timed_out"] = r.timed_out.load(std::memory_order_relaxed);
  j["errors"] = r.errors.load(std::memory_order_relaxed);
  j["cond_waits"] = r.cond_waits.load(std::memory_order_relaxed);
  j["unmatched_releases"] = r.unmatched_releases.load(std::memory_order_relaxed);
  std::uint64_t threads = 0;
  json thread_indices = json::array();
  for (std::size_t w = 0; w < shm::kThreadBits / 64; ++w) {
    const std::uint64_t word = r.threads[w].load(std::memory_order_relaxed);
    threads += std::popcount(word);
    for (int b = 0; b < 64; ++b) {
      if ((word >> b) & 1) thread_indices.push_back(w * 64 + static_cast<std::size_t>(b));
    }
  }
  j["threads"] = threads;
  j["thread_indices"] = std::move(thread_indices);
  j["threads_beyond_count"] = r.threads_beyond.load(std::memory_order_relaxed) != 0;
  if (r.site_state.load(std::memory_order_acquire) == 2) {
    json site;
    site["pc"] = Hex(r.site_pc);
    site["module"] = BoundedText(r.site_module, sizeof(r.site_module));
    site["module_offset"] = Hex(r.site_module_offset);
    const std::string symbol = BoundedText(r.site_symbol, sizeof(r.site_symbol));
    site["symbol"] = symbol.empty() ? json(nullptr) : json(symbol);
    site["symbol_offset"] = symbol.empty() ? json(nullptr) : json(Hex(r.site_symbol_offset));
    site["function"] = nullptr;  // filled by the symboliser when it knows better
    site["source"] = nullptr;
    j["first_contended_site"] = std::move(site);
  } else {
    j["first_contended_site"] = nullptr;
  }
  return j;
}

// The region in `path` as a process object, or null (and a warning) when it is not one.
json ReadRegion(const std::string& path, std::string* warnings) {
  auto warn = [&](const std::string& why) {
    *warnings += path + ": " + why + "\n";
    return json(nullptr);
  };
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return warn("cannot open");
  struct stat st {};
  if (fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < sizeof(shm::RegionHeader)) {
    close(fd);
    return warn("not a profile region (too short)");
  }
  const std::size_t bytes = static_cast<std::size_t>(st.st_size);
  void* mem = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED) return warn("cannot map");
  const auto* h = static_cast<const shm::RegionHeader*>(mem);
  json process;
  if (h->magic != shm::kMagic || h->version != shm::kVersion ||
      h->header_bytes != sizeof(shm::RegionHeader) ||
      h->record_bytes != sizeof(shm::LockRecord) ||
      h->histogram_bytes != sizeof(shm::ShmHistogram) || h->capacity == 0 ||
      shm::RegionBytes(h->capacity) != bytes) {
    munmap(mem, bytes);
    return warn("not a profile region of this lockbench version");
  }
  process["pid"] = h->pid;
  process["ppid"] = h->ppid;
  process["exe"] = BoundedText(h->exe, sizeof(h->exe));
  process["cmdline"] = BoundedText(h->cmdline, sizeof(h->cmdline));
  const std::uint64_t end = h->end_ns.load(std::memory_order_relaxed);
  process["ended_normally"] = end != 0;
  process["duration_s"] = end != 0 ? json(static_cast<double>(end - h->start_ns) / 1e9) : json(nullptr);
  process["sample"] = h->sample;
  process["threads"] = h->threads_seen.load(std::memory_order_relaxed);
  process["untracked_acquisitions"] = h->untracked_acquisitions.load(std::memory_order_relaxed);
  process["think_ns"] = HistogramJson(*shm::ThinkHistogram(h));
  json by_thread = json::array();
  const std::uint32_t seen = std::min<std::uint32_t>(
      h->threads_seen.load(std::memory_order_relaxed), shm::kThreadBits);
  for (std::uint32_t t = 0; t < seen; ++t) {
    by_thread.push_back(shm::ThreadCounts(h)[t].acquisitions.load(std::memory_order_relaxed));
  }
  process["thread_acquisitions"] = std::move(by_thread);
  json locks = json::array();
  const std::uint32_t used = std::min(h->records_used.load(std::memory_order_relaxed), h->capacity);
  for (std::uint32_t i = 0; i < used; ++i) {
    if (shm::Records(h)[i].state.load(std::memory_order_acquire) != 2) continue;
    locks.push_back(RecordJson(*h, i));
  }
  // First use order is the program's own; the report sorts as it needs.
  std::stable_sort(locks.begin(), locks.end(), [](const json& a, const json& b) {
    return a["total_wait_ns"].get<std::uint64_t>() > b["total_wait_ns"].get<std::uint64_t>();
  });
  process["locks"] = std::move(locks);
  munmap(mem, bytes);
  return process;
}

std::string Nanos(double ns) {
  if (ns < 1e3) return Fixed(ns, 0) + " ns";
  if (ns < 1e6) return Fixed(ns / 1e3, 1) + " us";
  if (ns < 1e9) return Fixed(ns / 1e6, 1) + " ms";
  return Fixed(ns / 1e9, 2) + " s";
}

}  // namespace

std::vector<std::pair<const json*, const json*>> LocksByWait(const json& row) {
  std::vector<std::pair<const json*, const json*>> locks;
  for (const json& p : row["processes"]) {
    for (const json& l : p["locks"]) locks.emplace_back(&p, &l);
  }
  using Entry = std::pair<const json*, const json*>;
  std::stable_sort(locks.begin(), locks.end(), [](const Entry& a, const Entry& b) {
    return (*a.second)["total_wait_ns"].get<std::uint64_t>() >
           (*b.second)["total_wait_ns"].get<std::uint64_t>();
  });
  return locks;
}

namespace {

std::string ExitText(const json& exit) {
  if (exit["status"] == "exited") return std::to_string(exit["code"].get<int>());
  if (exit["status"] == "signaled") return "signal " + std::to_string(exit["signal"].get<int>());
  return exit["status"].get<std::string>();
}

std::string SiteText(const json& site) {
  if (site.is_null()) return "-";
  if (!site["function"].is_null()) {
    std::string s = site["function"].get<std::string>();
    if (!site["source"].is_null()) s += " (" + site["source"].get<std::string>() + ")";
    return s;
  }
  if (!site["symbol"].is_null()) {
    return site["symbol"].get<std::string>() + "+" + site["symbol_offset"].get<std::string>();
  }
  std::string module = site["module"].get<std::string>();
  module = module.substr(module.rfind('/') + 1);
  return module + "+" + site["module_offset"].get<std::string>();
}

std::string Row(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += "  ";
    line += i == 0 || i + 1 == cells.size() ? PadRight(cells[i], widths[i])
                                            : PadLeft(cells[i], widths[i]);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line + "\n";
}

void PrintTable(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  for (const auto& r : rows) out << Row(r, widths);
}

}  // namespace

Histogram ProfileHistogramFromJson(const json& latency) {
  Histogram h(ProfileLayout());
  for (const json& b : latency["buckets"]) {
    h.RecordN(b[1].get<std::uint64_t>(), b[2].get<std::uint64_t>());
  }
  return h;
}

json ReadProfileRegions(const std::string& dir, std::string* warnings) {
  std::vector<std::string> paths;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 7 && name.ends_with(".lbprof")) paths.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  json processes = json::array();
  for (const std::string& path : paths) {
    json p = ReadRegion(path, warnings);
    if (!p.is_null()) processes.push_back(std::move(p));
  }
  std::sort(processes.begin(), processes.end(), [](const json& a, const json& b) {
    return a["pid"].get<int>() < b["pid"].get<int>();
  });
  return processes;
}

json ProfileTotals(const json& processes) {
  json t;
  std::uint64_t locks = 0, acq[2] = {0, 0}, cont[2] = {0, 0}, wait = 0, try_failed = 0,
                timed_out = 0, errors = 0, cond_waits = 0, substituted = 0, untracked = 0;
  std::map<std::string, std::uint64_t> kept;
  for (const json& p : processes) {
    untracked += p["untracked_acquisitions"].get<std::uint64_t>();
    for (const json& l : p["locks"]) {
      ++locks;
      for (int m = 0; m < 2; ++m) {
        acq[m] += l["acquisitions"][kModeNames[m]].get<std::uint64_t>();
        cont[m] += l["contended"][kModeNames[m]].get<std::uint64_t>();
      }
      wait += l["total_wait_ns"].get<std::uint64_t>();
      try_failed += l["try_failed"].get<std::uint64_t>();
      timed_out += l["timed_out"].get<std::uint64_t>();
      errors += l["errors"].get<std::uint64_t>();
      cond_waits += l["cond_waits"].get<std::uint64_t>();
      if (l["served_by"] != "pthread") ++substituted;
      if (!l["stays_on_glibc"].is_null()) ++kept[l["stays_on_glibc"].get<std::string>()];
    }
  }
  t["processes"] = processes.size();
  t["locks"] = locks;
  for (int m = 0; m < 2; ++m) {
    t["acquisitions"][kModeNames[m]] = acq[m];
    t["contended"][kModeNames[m]] = cont[m];
  }
  const std::uint64_t all = acq[0] + acq[1];
  t["contended_fraction"] =
      all == 0 ? 0.0 : static_cast<double>(cont[0] + cont[1]) / static_cast<double>(all);
  t["total_wait_ns"] = wait;
  t["try_failed"] = try_failed;
  t["timed_out"] = timed_out;
  t["errors"] = errors;
  t["cond_waits"] = cond_waits;
  t["substituted_locks"] = substituted;
  t["stays_on_glibc"] = kept.empty() ? json::object() : json(kept);
  t["untracked_acquisitions"] = untracked;
  return t;
}

void RenderProfileReport(const json& doc, int top, std::ostream& out) {
  const json& profile = doc["profile"];
  std::string command;
  for (const json& arg : profile["command"]) {
    command += (command.empty() ? "" : " ") + arg.get<std::string>();
  }
  out << "Program: " << command << "\n";
  const bool has_metric = !profile["metric_regex"].is_null();
  std::vector<std::vector<std::string>> table;
  table.push_back({"lock", "exit", "wall", has_metric ? "figure" : "", "locks", "acquisitions",
                   "shared", "contended", "wait total", "wait p99", "kept on glibc"});
  for (const json& row : profile["rows"]) {
    const json& t = row["totals"];
    Histogram waits(ProfileLayout());
    for (const json& p : row["processes"]) {
      for (const json& l : p["locks"]) {
        for (const char* m : kModeNames) waits.Merge(ProfileHistogramFromJson(l["wait_ns"][m]));
      }
    }
    std::uint64_t kept = 0;
    for (const auto& [reason, n] : t["stays_on_glibc"].items()) kept += n.get<std::uint64_t>();
    const std::uint64_t shared = t["acquisitions"]["shared"].get<std::uint64_t>();
    const std::uint64_t all = t["acquisitions"]["exclusive"].get<std::uint64_t>() + shared;
    table.push_back({row["lock"].get<std::string>(), ExitText(row["exit"]),
                     Fixed(row["wall_s"].get<double>(), 3) + " s",
                     !has_metric ? ""
                     : row["metric"].is_null() ? "(none)"
                                               : Shortest(row["metric"].get<double>()),
                     std::to_string(t["locks"].get<std::uint64_t>()), std::to_string(all),
                     std::to_string(shared), Percent(t["contended_fraction"].get<double>()),
                     Nanos(t["total_wait_ns"].get<double>()),
                     waits.TotalCount() == 0 ? "-" : Nanos(static_cast<double>(waits.ValueAtPercentile(99))),
                     std::to_string(kept)});
  }
  if (!has_metric) {
    for (auto& r : table) r.erase(r.begin() + 3);
  }
  out << "\n";
  PrintTable(table, out);
  out << "(wait p99: over contended acquisitions, whose try failed)\n";
  for (const json& row : profile["rows"]) {
    const auto locks = LocksByWait(row);
    out << "\nTop locks by total wait, " << row["lock"].get<std::string>() << " ("
        << CountedNoun(locks.size(), "lock", "locks") << "):\n";
    if (locks.empty()) {
      out << "  (the program took no pthread lock)\n";
      continue;
    }
    std::vector<std::vector<std::string>> t;
    t.push_back({"pid", "address", "kind", "excl", "shared", "contended", "wait total",
                 "wait p50", "wait p99", "hold p50", "hold p99", "threads",
                 "first contended at"});
    for (std::size_t i = 0; i < locks.size() && static_cast<int>(i) < top; ++i) {
      const json& p = *locks[i].first;
      const json& l = *locks[i].second;
      Histogram wait(ProfileLayout());
      Histogram hold(ProfileLayout());
      for (const char* m : kModeNames) {
        wait.Merge(ProfileHistogramFromJson(l["wait_ns"][m]));
        hold.Merge(ProfileHistogramFromJson(l["hold_ns"][m]));
      }
      auto pct = [](const Histogram& h, double p) {
        return h.TotalCount() == 0 ? std::string("-")
                                   : Nanos(static_cast<double>(h.ValueAtPercentile(p)));
      };
      std::string kind = l["kind"].get<std::string>();
      if (l["served_by"] != "pthread") kind += " on " + l["served_by"].get<std::string>();
      t.push_back({std::to_string(p["pid"].get<int>()), l["address"].get<std::string>(), kind,
                   std::to_string(l["acquisitions"]["exclusive"].get<std::uint64_t>()),
                   std::to_string(l["acquisitions"]["shared"].get<std::uint64_t>()),
                   Percent(l["contended_fraction"].get<double>()),
                   Nanos(l["total_wait_ns"].get<double>()), pct(wait, 50), pct(wait, 99),
                   pct(hold, 50), pct(hold, 99), std::to_string(l["threads"].get<std::uint64_t>()),
                   SiteText(l["first_contended_site"])});
    }
    std::ostringstream body;
    PrintTable(t, body);
    std::string text = body.str();
    for (std::size_t pos = 0; pos < text.size();) {
      const std::size_t nl = text.find('\n', pos);
      out << "  " << text.substr(pos, nl - pos + 1);
      pos = nl + 1;
    }
  }
}

}  // namespace lockbench
