#include "results/report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "results/stats.h"

namespace lockbench {
namespace {

using nlohmann::json;

struct Row {
  std::string lock;
  std::vector<double> throughput, jain;
  std::vector<double> over_fifo;  // exclusive bypass over the FIFO bound, runs with waits only
  std::vector<double> lat[6];  // shared p50 p99 max, exclusive p50 p99 max
  uint64_t shared_count = 0, exclusive_count = 0;
  bool starved = false;
  std::string status = "ok";
};

struct Table {
  std::string workload;
  int threads;
  std::vector<Row> rows;
};

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Ns(const std::vector<double>& v, uint64_t count) {
  if (count == 0) return "-";
  return Fixed(Median(v), 0);
}

int StatusRank(const std::string& s) {
  if (s == "violation") return 3;
  if (s == "stalled") return 2;
  if (s == "interrupted") return 1;
  return 0;
}

}  // namespace

std::string RenderReport(const json& runs, ReportFormat format) {
  std::vector<Table> tables;
  for (const json& run : runs) {
    const std::string workload = run.at("workload").get<std::string>();
    const int threads = run.at("threads").get<int>();
    auto t = std::find_if(tables.begin(), tables.end(), [&](const Table& x) {
      return x.workload == workload && x.threads == threads;
    });
    if (t == tables.end()) {
      tables.push_back({workload, threads, {}});
      t = tables.end() - 1;
    }
    const std::string lock = run.at("lock").get<std::string>();
    auto row = std::find_if(t->rows.begin(), t->rows.end(), [&](const Row& r) { return r.lock == lock; });
    if (row == t->rows.end()) {
      t->rows.emplace_back();
      t->rows.back().lock = lock;
      row = t->rows.end() - 1;
    }
    const std::string status = run.at("status").get<std::string>();
    if (StatusRank(status) > StatusRank(row->status)) row->status = status;
    if (status != "ok") continue;
    row->throughput.push_back(run.at("throughput_ops_per_s").get<double>());
    row->jain.push_back(run.at("fairness").at("jain_index").get<double>());
    row->starved = row->starved || run.at("fairness").at("starved").get<bool>();
    if (const json& bypass = run.at("handoff").at("bypass"); !bypass.is_null()) {
      const json& ex = bypass.at("exclusive");
      if (ex.at("waited").get<uint64_t>() > 0) {
        row->over_fifo.push_back(ex.at("over_fifo_bound").get<double>());
      }
    }
    const json& lat = run.at("latency_ns");
    int k = 0;
    for (const char* mode : {"shared", "exclusive"}) {
      const json& m = lat.at(mode);
      (k == 0 ? row->shared_count : row->exclusive_count) += m.at("count").get<uint64_t>();
      for (const char* q : {"p50", "p99", "max"}) row->lat[k++].push_back(m.at(q).get<double>());
    }
  }

  const std::vector<std::string> header = {"lock", "runs", "Mops/s", "ratio", "sh p50", "sh p99",
                                           "sh max", "ex p50", "ex p99", "ex max", "jain",
                                           "bypass>fifo", "starved", "status"};
  std::string out;
  for (const Table& t : tables) {
    std::vector<std::vector<std::string>> cells;
    double first = 0;
    for (const Row& r : t.rows) {
      const double tp = r.throughput.empty() ? 0 : Median(r.throughput);
      if (&r == &t.rows.front()) first = tp;
      cells.push_back({r.lock, std::to_string(r.throughput.size()), Fixed(tp / 1e6, 3),
                       first > 0 ? Fixed(tp / first, 2) + "x" : "-", Ns(r.lat[0], r.shared_count),
                       Ns(r.lat[1], r.shared_count), Ns(r.lat[2], r.shared_count),
                       Ns(r.lat[3], r.exclusive_count), Ns(r.lat[4], r.exclusive_count),
                       Ns(r.lat[5], r.exclusive_count),
                       r.jain.empty() ? "-" : Fixed(Median(r.jain), 3),
                       r.over_fifo.empty() ? "-" : Fixed(100 * Median(r.over_fifo), 1) + "%",
                       r.starved ? "yes" : "no", r.status});
    }
    const std::string title = "workload " + t.workload + ", " + std::to_string(t.threads) +
                              " threads (latency in ns, medians over runs; ratio to " +
                              (t.rows.empty() ? std::string("-") : t.rows.front().lock) + ")";
    if (format == ReportFormat::kCsv) {
      if (out.empty()) {
        out += "workload,threads";
        for (const std::string& h : header) out += "," + h;
        out += "\n";
      }
      for (const auto& row : cells) {
        out += t.workload + "," + std::to_string(t.threads);
        for (const std::string& c : row) out += "," + c;
        out += "\n";
      }
      continue;
    }
    if (format == ReportFormat::kMarkdown) {
      out += "### " + title + "\n\n|";
      for (const std::string& h : header) out += " " + h + " |";
      out += "\n|";
      for (size_t i = 0; i < header.size(); ++i) out += i == 0 ? "---|" : "---:|";
      out += "\n";
      for (const auto& row : cells) {
        out += "|";
        for (const std::string& c : row) out += " " + c + " |";
        out += "\n";
      }
      out += "\n";
      continue;
    }
    std::vector<size_t> width(header.size());
    for (size_t i = 0; i < header.size(); ++i) {
      width[i] = header[i].size();
      for (const auto& row : cells) width[i] = std::max(width[i], row[i].size());
    }
    auto line = [&](const std::vector<std::string>& row) {
      std::string s;
      for (size_t i = 0; i < row.size(); ++i) {
        const std::string pad(width[i] - row[i].size(), ' ');
        s += i == 0 ? row[i] + pad : "  " + pad + row[i];
      }
      return s + "\n";
    };
    out += title + "\n" + line(header);
    for (const auto& row : cells) out += line(row);
    out += "\n";
  }
  return out;
}

}  // namespace lockbench
