#include "results/result_json.h"

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "results/metrics.h"

namespace lockbench {

using nlohmann::json;

json LatencyToJson(const Histogram& h) {
  json j;
  j["count"] = h.TotalCount();
  j["min"] = h.Min();
  j["p50"] = h.ValueAtPercentile(50);
  j["p90"] = h.ValueAtPercentile(90);
  j["p99"] = h.ValueAtPercentile(99);
  j["p999"] = h.ValueAtPercentile(99.9);
  j["max"] = h.Max();
  j["mean"] = h.Mean();
  j["stddev"] = h.StdDev();
  json buckets = json::array();
  h.ForEachBucket([&buckets](const HistogramBucket& b) {
    buckets.push_back(json::array({b.low, b.high, b.count}));
  });
  j["buckets"] = std::move(buckets);
  return j;
}

namespace {

// A per-thread latency summary: the merged one's fields without the buckets.
json ShortLatency(const Histogram& h) {
  json j = LatencyToJson(h);
  j.erase("buckets");
  return j;
}

json FairnessToJson(const FairnessSummary& f) {
  json j;
  j["threads"] = f.threads;
  j["jain_index"] = f.jain_index;
  j["min_max_ratio"] = f.min_max_ratio;
  j["cov"] = f.coefficient_of_variation;
  j["starved"] = f.starved;
  json bins;
  for (int i = 0; i < kFairShareBins; ++i) {
    bins[std::string(FairShareBinLabel(i))] = f.fair_share[static_cast<size_t>(i)];
  }
  j["share_histogram"] = std::move(bins);
  return j;
}

json BypassToJson(const BypassSummary& b) {
  json counts = json::object();
  for (const auto& [bypass, n] : b.counts) counts[std::to_string(bypass)] = n;
  return {{"sampled", b.sampled},
          {"waited", b.waited},
          {"mean", b.mean},
          {"p99", b.p99},
          {"max", b.max},
          {"fifo_bound", b.fifo_bound},
          {"over_fifo_bound", b.over_fifo_bound},
          {"counts", std::move(counts)}};
}

}  // namespace

json RunToJson(const RunRecord& r, const RunSummary& s) {
  json j;
  j["lock"] = r.lock;
  j["workload"] = r.workload;
  j["threads"] = r.threads;
  j["repetition"] = r.repetition;
  j["placement"] = r.placement;
  j["status"] = RunStatusName(r.status);
  j["status_detail"] = r.status_detail;
  j["duration_s"] = r.duration_s;
  j["ops"] = s.ops;
  j["shared_ops"] = s.shared_ops;
  j["exclusive_ops"] = s.exclusive_ops;
  j["try_attempts"] = s.try_attempts;
  j["try_failures"] = s.try_failures;
  j["latency_sample_every"] = r.latency_sample_every;
  j["latency_ns"] = {{"shared", LatencyToJson(s.shared_acquire)},
                     {"exclusive", LatencyToJson(s.exclusive_acquire)}};
  j["hold_ns"] = {{"shared", LatencyToJson(s.shared_hold)},
                  {"exclusive", LatencyToJson(s.exclusive_hold)}};
  json fairness = FairnessToJson(s.fairness);
  fairness["readers"] = FairnessToJson(s.readers);
  fairness["writers"] = FairnessToJson(s.writers);
  j["fairness"] = std::move(fairness);
  json run_lengths = json::object();
  for (const auto& [len, count] : s.handoff.run_lengths) run_lengths[std::to_string(len)] = count;
  j["handoff"] = {{"grants", s.handoff.grants},
                  {"reacquire_rate", s.handoff.reacquire_rate},
                  {"mean_run", s.handoff.mean_run},
                  {"longest_run", s.handoff.longest_run},
                  {"run_lengths", std::move(run_lengths)},
                  {"same_node", s.same_node_handoffs},
                  {"cross_node", s.cross_node_handoffs},
                  {"truncated", r.grant_sequence_truncated},
                  {"bypass", r.bypass_measured
                                 ? json{{"shared", BypassToJson(s.shared_bypass)},
                                        {"exclusive", BypassToJson(s.exclusive_bypass)}}
                                 : json(nullptr)},
                  {"reacquire_while_waited",
                   s.handoff_latency_measured
                       ? json{{"releases", s.contended_reacquire.releases},
                              {"reacquires", s.contended_reacquire.reacquires},
                              {"rate", s.contended_reacquire.rate}}
                       : json(nullptr)},
                  {"handoff_latency_ns", s.handoff_latency_measured
                                             ? LatencyToJson(s.handoff_latency)
                                             : json(nullptr)}};
  json batches = json::object();
  for (const auto& [size, count] : s.reader_batches) batches[std::to_string(size)] = count;
  j["reader_batches"] = {{"admissions", [&] {
                            uint64_t n = 0;
                            for (const auto& [size, count] : s.reader_batches) n += count;
                            return n;
                          }()},
                         {"mean", s.mean_reader_batch},
                         {"sizes", std::move(batches)}};
  j["starvation"] = {{"reader_max_wait_ns", s.reader_max_wait_ns},
                     {"writer_max_wait_ns", s.writer_max_wait_ns},
                     {"reader_max_gap_ns", s.reader_max_gap_ns},
                     {"writer_max_gap_ns", s.writer_max_gap_ns}};
  json per_thread = json::array();
  const double total = static_cast<double>(s.ops);
  const auto bypass = [&](const Histogram& h) {
    json b = BypassToJson(SummarizeBypass(h, s.exclusive_bypass.fifo_bound));
    b.erase("counts");
    return b;
  };
  for (const ThreadRecord& t : r.per_thread) {
    auto loc = [](int v) { return v < 0 ? json(nullptr) : json(v); };
    per_thread.push_back({{"thread", t.thread},
                          {"role", RoleName(t.role)},
                          {"pu", loc(t.pu)},
                          {"core", loc(t.core)},
                          {"numa_node", loc(t.numa_node)},
                          {"package", loc(t.package)},
                          {"ops", t.ops()},
                          {"shared_ops", t.shared_ops},
                          {"exclusive_ops", t.exclusive_ops},
                          {"try_failures", t.try_failures},
                          {"share", total > 0 ? static_cast<double>(t.ops()) / total : 0.0},
                          {"latency_ns", {{"shared", ShortLatency(t.shared_acquire)},
                                          {"exclusive", ShortLatency(t.exclusive_acquire)}}},
                          {"hold_ns", {{"shared", ShortLatency(t.shared_hold)},
                                       {"exclusive", ShortLatency(t.exclusive_hold)}}},
                          {"max_wait_ns", std::max(t.shared_acquire.Max(), t.exclusive_acquire.Max())},
                          {"max_gap_ns", t.max_gap_ns},
                          {"bypass", r.bypass_measured
                                         ? json{{"shared", bypass(t.shared_bypass)},
                                                {"exclusive", bypass(t.exclusive_bypass)}}
                                         : json(nullptr)}});
  }
  j["per_thread"] = std::move(per_thread);
  j["time_series"] = {{"interval_ns", r.time_series_interval_ns},
                      {"shared_ops", s.shared_series},
                      {"exclusive_ops", s.exclusive_series}};
  j["lock_memory"] = {{"nodes", r.lock_memory_nodes}, {"note", r.lock_memory_note}};
  j["warnings"] = r.warnings;
  WriteMetrics(s, &j);
  return j;
}

json ResultDocument(json context, json config, std::vector<json> runs) {
  json doc;
  doc["schema_version"] = kSchemaVersion;
  doc["context"] = std::move(context);
  doc["config"] = std::move(config);
  doc["runs"] = std::move(runs);
  return doc;
}

namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A device, pipe or socket, after symlinks: /dev/null, /dev/stdout, a FIFO. Renaming a file over
// one would replace the node itself (as root, /dev/null for everyone), so it is written through.
bool IsStream(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

// Writes all of `text` to fd, past short writes and EINTR; returns 0 or the failure's errno.
int WriteAll(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    written += static_cast<size_t>(n);
  }
  return 0;
}

void WriteThrough(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  if (const int err = WriteAll(fd, text); err != 0) {
    close(fd);
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
  }
  close(fd);
}

// Where the new file goes: through a symlink, beside the file it names, so the link survives.
std::string ReplacedFile(const std::string& path) {
  std::string target = path;
  if (char* real = realpath(path.c_str(), nullptr); real != nullptr) {
    target = real;
    std::free(real);
  }
  return target;
}

}  // namespace

void CheckWritable(const std::string& path) {
  if (path.empty()) throw std::runtime_error("empty path");
  if (!path.empty() && path.back() == '/') throw std::runtime_error("'" + path + "' is a directory");
  if (IsStream(path)) {
    if (access(path.c_str(), W_OK) != 0) throw std::runtime_error("'" + path + "' is not writable");
    return;
  }
  const std::string dir = DirectoryOf(path);
  if (access(dir.c_str(), F_OK) != 0) {
    throw std::runtime_error("directory '" + dir + "' does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw std::runtime_error("directory '" + dir + "' is not writable");
  }
  if (access(path.c_str(), F_OK) == 0 && access(path.c_str(), W_OK) != 0) {
    throw std::runtime_error("'" + path + "' is not writable");
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw std::runtime_error("'" + path + "' is a directory");
  }
  // access() judges permission bits only, and root passes it where nothing can be created
  // (/proc, a read-only mount): create the temporary file for real, then remove it.
  std::string probe = ReplacedFile(path) + ".tmp.XXXXXX";
  const int fd = mkstemp(probe.data());
  if (fd < 0) {
    throw std::runtime_error("cannot create a file in '" + dir + "': " + std::strerror(errno));
  }
  close(fd);
  unlink(probe.c_str());
}

void WriteFileAtomically(const std::string& path, const std::string& text) {
  CheckWritable(path);
  if (IsStream(path)) {
    WriteThrough(path, text);
    return;
  }
  const std::string target = ReplacedFile(path);
  std::string tmp = target + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create a file beside '" + path + "': " + std::strerror(errno));
  if (const int err = WriteAll(fd, text); err != 0) {
    close(fd);
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
  }
  fchmod(fd, 0644);
  // The errno is kept before unlink can change it, and fd is closed even when fsync fails.
  const int sync_err = fsync(fd) != 0 ? errno : 0;
  const int close_err = close(fd) != 0 ? errno : 0;
  if (sync_err != 0 || close_err != 0) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " +
                             std::strerror(sync_err != 0 ? sync_err : close_err));
  }
  if (rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + why);
  }
}

}  // namespace lockbench
