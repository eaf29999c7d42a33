#include "results/report.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "base/roles.h"
#include "base/strings.h"
#include "results/metrics.h"
#include "results/stats.h"

namespace lockbench {
namespace {

using nlohmann::json;

// One lock's repetitions in one table.
struct Row {
  std::string lock;
  int ok_runs = 0;
  std::vector<std::vector<double>> values;  // per metric table row, from ok repetitions
  bool starved = false;
  std::string status = "ok";
  bool exclusive_only = false;  // its shared requests ran exclusive (the run's warning says so)
  bool oversubscribed_spinner = false;  // a spinning lock on more threads than processors
};

// One (workload, threads) pair; the workload names its open-loop rate.
struct Table {
  std::string workload;
  int threads;
  std::vector<Row> rows;
  // The fewest distinct processors the table's ok runs had their threads pinned to, where that
  // is fewer than the threads (0: none was): the table's runs were oversubscribed.
  int oversubscribed_on = 0;
};


// Whether the run carries a warning that ends with `ending` (base/roles.h).
bool HasWarning(const json& run, std::string_view ending) {
  const auto it = run.find("warnings");
  if (it == run.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [&](const json& w) {
    return w.is_string() && w.get<std::string>().ends_with(ending);
  });
}

// The shared-mode latency columns, which an exclusive-only lock's row marks.
bool IsSharedLatency(const MetricDef& m) { return m.path.starts_with("latency_ns.shared."); }

// The CPU columns, which an oversubscribed spinning lock's row marks.
bool IsCpuCost(const MetricDef& m) {
  return m.path == "cost.cpu_ns_per_op" || m.path == "cost.lock_cpu_ns_per_op";
}

int StatusRank(const std::string& s) {
  if (s == "violation") return 3;
  if (s == "stalled") return 2;
  if (s == "interrupted") return 1;
  return 0;
}

// The distinct processors a run's threads were pinned to, when every thread was pinned; else 0
// (unpinned threads share whatever the scheduler gives them, which a run does not record).
int PinnedProcessors(const json& run) {
  const auto it = run.find("per_thread");
  if (it == run.end() || !it->is_array() || it->empty()) return 0;
  std::vector<int> pus;
  for (const json& t : *it) {
    const auto pu = t.find("pu");
    if (pu == t.end() || !pu->is_number_integer()) return 0;
    const int id = pu->get<int>();
    if (std::find(pus.begin(), pus.end(), id) == pus.end()) pus.push_back(id);
  }
  return static_cast<int>(pus.size());
}

template <class T, class Match>
T& FindOrAdd(std::vector<T>& items, Match match, T fresh) {
  const auto it = std::find_if(items.begin(), items.end(), match);
  if (it != items.end()) return *it;
  items.push_back(std::move(fresh));
  return items.back();
}

void AddRun(const json& run, std::vector<Table>* tables) {
  // The runs of an open-loop rate sweep get a table per rate.
  const std::string workload = run.at("workload").get<std::string>() + AtRate(OfferedRate(run));
  const int threads = run.at("threads").get<int>();
  Table& t = FindOrAdd(
      *tables, [&](const Table& x) { return x.workload == workload && x.threads == threads; },
      Table{workload, threads, {}});
  const std::string lock = run.at("lock").get<std::string>();
  Row& row = FindOrAdd(t.rows, [&](const Row& r) { return r.lock == lock; },
                       Row{lock, 0, std::vector<std::vector<double>>(MetricTable().size())});
  const std::string status = run.at("status").get<std::string>();
  if (StatusRank(status) > StatusRank(row.status)) row.status = status;
  if (status != "ok") return;
  ++row.ok_runs;
  if (const int pus = PinnedProcessors(run); pus > 0 && pus < threads) {
    t.oversubscribed_on = t.oversubscribed_on == 0 ? pus : std::min(t.oversubscribed_on, pus);
  }
  row.starved = row.starved || run.at("fairness").at("starved").get<bool>();
  row.exclusive_only = row.exclusive_only || HasWarning(run, kRanExclusiveWarning);
  row.oversubscribed_spinner =
      row.oversubscribed_spinner || HasWarning(run, kOversubscribedSpinnersWarning);
  for (const MetricDef& m : MetricTable()) {
    if (const auto v = MetricValue(m, run)) row.values[MetricIndex(m)].push_back(*v);
  }
}

std::vector<std::string> Header() {
  std::vector<std::string> header = {"lock", "runs"};
  for (const MetricDef& m : MetricTable()) {
    if (m.column.empty()) continue;
    header.emplace_back(m.column);
    if (&m == &MetricTable()[0]) header.emplace_back("ratio");
  }
  header.insert(header.end(), {"starved", "status"});
  return header;
}

// `mark` follows an exclusive-only lock's shared-latency figures and `spin_mark` an
// oversubscribed spinning lock's CPU figures (empty: no mark, as in CSV).
std::vector<std::string> Cells(const Row& r, double first, const std::string& mark,
                               const std::string& spin_mark) {
  std::vector<std::string> cells = {r.lock, std::to_string(r.ok_runs)};
  for (const MetricDef& m : MetricTable()) {
    if (m.column.empty()) continue;
    const std::vector<double>& v = r.values[MetricIndex(m)];
    const bool marked = r.exclusive_only && IsSharedLatency(m) && !v.empty();
    const bool spun = r.oversubscribed_spinner && IsCpuCost(m) && !v.empty();
    cells.push_back(v.empty() ? "-"
                               : FormatMetricCell(m, Median(v)) + (marked ? mark : "") +
                                     (spun ? spin_mark : ""));
    if (&m != &MetricTable()[0]) continue;
    const double primary = v.empty() ? 0 : Median(v);
    cells.push_back(first > 0 && !v.empty() ? Fixed(primary / first, 2) + "x" : "-");
  }
  cells.insert(cells.end(), {r.starved ? "yes" : "no", r.status});
  return cells;
}

using Grid = std::vector<std::vector<std::string>>;

// The table's main columns (ReportColumns::kMain), by header; the others stay in --wide, Markdown
// and CSV.
constexpr std::string_view kMainColumns[] = {"lock",   "runs",   "Mops/s", "ratio",
                                             "sh p50", "sh p99", "ex p50", "ex p99",
                                             "jain",   "cpu/op", "starved", "status"};

bool IsMainColumn(const std::string& header) {
  return std::find(std::begin(kMainColumns), std::end(kMainColumns), header) !=
         std::end(kMainColumns);
}

// Keeps the main columns of `header` and `cells`; returns the headers of those left out.
std::vector<std::string> KeepMainColumns(std::vector<std::string>* header, Grid* cells) {
  std::vector<std::string> kept_header;
  std::vector<std::string> dropped;
  Grid kept(cells->size());
  for (size_t i = 0; i < header->size(); ++i) {
    if (!IsMainColumn((*header)[i])) {
      dropped.push_back((*header)[i]);
      continue;
    }
    kept_header.push_back((*header)[i]);
    for (size_t r = 0; r < cells->size(); ++r) kept[r].push_back((*cells)[r][i]);
  }
  *header = std::move(kept_header);
  *cells = std::move(kept);
  return dropped;
}

std::string Csv(const Table& t, const Grid& cells) {
  std::string out;
  for (const auto& row : cells) {
    out += t.workload + "," + std::to_string(t.threads) + "," + Join(row, ",") + "\n";
  }
  return out;
}

std::string Markdown(const std::string& title, const std::vector<std::string>& header,
                     const Grid& cells, const std::string& footnote) {
  std::string out = "### " + title + "\n\n| " + Join(header, " | ") + " |\n|";
  for (size_t i = 0; i < header.size(); ++i) out += i == 0 ? "---|" : "---:|";
  out += "\n";
  for (const auto& row : cells) out += "| " + Join(row, " | ") + " |\n";
  return out + (footnote.empty() ? "" : "\n" + footnote) + "\n";
}

std::string Aligned(const std::string& title, const std::vector<std::string>& header,
                    const Grid& cells, const std::string& footnote) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const auto& row : cells) width[i] = std::max(width[i], row[i].size());
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t i = 0; i < row.size(); ++i) {
      s += i == 0 ? PadRight(row[i], width[i]) : "  " + PadLeft(row[i], width[i]);
    }
    return s + "\n";
  };
  std::string out = title + "\n" + line(header);
  for (const auto& row : cells) out += line(row);
  return out + footnote + "\n";
}

}  // namespace

std::string RenderTextTable(const std::string& title, const std::vector<std::string>& header,
                            const Grid& rows, const std::string& footnote, ReportFormat format) {
  switch (format) {
    case ReportFormat::kTable:
      return Aligned(title, header, rows, footnote);
    case ReportFormat::kMarkdown:
      return Markdown(title, header, rows, footnote);
    case ReportFormat::kCsv:
      break;
  }
  std::string out = Join(header, ",") + "\n";
  for (const auto& row : rows) out += Join(row, ",") + "\n";
  return out;
}

std::string RenderReport(const json& runs, ReportFormat format, ReportColumns columns) {
  std::vector<Table> tables;
  for (const json& run : runs) AddRun(run, &tables);
  const std::vector<std::string> full_header = Header();
  const bool main_only = columns == ReportColumns::kMain && format == ReportFormat::kTable;
  std::string out;
  if (format == ReportFormat::kCsv && !tables.empty()) {
    out = "workload,threads," + Join(full_header, ",") + "\n";
  }
  for (const Table& t : tables) {
    const std::vector<double>& primary = t.rows.front().values[0];
    const double first = primary.empty() ? 0 : Median(primary);
    // CSV cells stay numbers; the table and Markdown mark and explain.
    const std::string mark = format == ReportFormat::kCsv        ? ""
                             : format == ReportFormat::kMarkdown ? "\\*"
                                                                 : "*";
    const std::string spin_mark = format == ReportFormat::kCsv ? "" : "^";
    Grid cells;
    bool marked = false;
    bool spun = false;
    for (const Row& r : t.rows) {
      cells.push_back(Cells(r, first, mark, spin_mark));
      marked = marked || (r.exclusive_only && !mark.empty());
      spun = spun || (r.oversubscribed_spinner && !spin_mark.empty());
    }
    std::string footnote =
        marked ? mark + " exclusive-only lock: its shared requests ran exclusive, so its sh "
                        "figures time exclusive acquisitions\n"
               : "";
    if (spun) {
      footnote += spin_mark + " spinning lock on more threads than processors: its waiters "
                              "yielded instead of spinning, so its cpu/op is not what it costs "
                              "with a processor per thread\n";
    }
    const std::string over =
        t.oversubscribed_on > 0
            ? ", oversubscribed on " +
                  CountedNoun(static_cast<size_t>(t.oversubscribed_on), "processor", "processors")
            : "";
    const std::string title = "workload " + t.workload + ", " +
                              CountedNoun(static_cast<size_t>(t.threads), "thread", "threads") +
                              over +
                              " (latency in ns, medians over runs; ratio to " +
                              t.rows.front().lock + ")";
    if (t.oversubscribed_on > 0) {
      footnote += "oversubscribed: threads shared processors, so waits include time slices and "
                  "a spinner's CPU is not what it costs with a processor per thread (lockbench "
                  "doctor --threads " +
                  std::to_string(t.threads) + " says what this machine can show)\n";
    }
    std::vector<std::string> header = full_header;
    if (main_only) {
      const std::vector<std::string> dropped = KeepMainColumns(&header, &cells);
      if (!dropped.empty()) footnote += "not shown: " + Join(dropped, ", ") + " (--wide shows them)\n";
    }
    if (format == ReportFormat::kCsv) out += Csv(t, cells);
    if (format == ReportFormat::kMarkdown) out += Markdown(title, header, cells, footnote);
    if (format == ReportFormat::kTable) out += Aligned(title, header, cells, footnote);
  }
  return out;
}

}  // namespace lockbench
