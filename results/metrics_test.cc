#include "results/metrics.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "results/compare.h"
#include "results/report.h"

namespace lockbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json LoadSchema() {
  std::ifstream in("results/result_schema.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The sub-schemas that may describe `key` inside `node`, following $ref, allOf and oneOf.
void PropertySchemas(const json& root, const json& node, const std::string& key,
                     std::vector<const json*>* out) {
  if (const auto ref = node.find("$ref"); ref != node.end()) {
    const std::string target = ref->get<std::string>();  // "#/$defs/latency"
    PropertySchemas(root, root.at(json::json_pointer(target.substr(1))), key, out);
  }
  if (const auto props = node.find("properties"); props != node.end() && props->contains(key)) {
    out->push_back(&props->at(key));
  }
  for (const char* combinator : {"allOf", "oneOf", "anyOf"}) {
    if (const auto list = node.find(combinator); list != node.end()) {
      for (const json& alternative : *list) PropertySchemas(root, alternative, key, out);
    }
  }
}

// Whether a value at `dotted` inside a run may be a number, by the schema.
bool SchemaHasNumberAt(const json& root, std::string_view dotted) {
  std::vector<const json*> level = {&root.at("$defs").at("run")};
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    std::vector<const json*> next;
    for (const json* node : level) {
      PropertySchemas(root, *node, std::string(dotted.substr(start, dot - start)), &next);
    }
    level = std::move(next);
    start = dot + 1;
  }
  std::vector<const json*> leaves = level;
  while (!leaves.empty()) {
    const json* leaf = leaves.back();
    leaves.pop_back();
    if (leaf->contains("$ref")) {
      leaves.push_back(&root.at(json::json_pointer(leaf->at("$ref").get<std::string>().substr(1))));
      continue;
    }
    const json type = leaf->value("type", json());
    if (type == "number" || type == "integer") return true;
    for (const char* combinator : {"oneOf", "anyOf"}) {  // a nullable number
      if (const auto list = leaf->find(combinator); list != leaf->end()) {
        for (const json& alternative : *list) leaves.push_back(&alternative);
      }
    }
  }
  return false;
}

TEST(MetricTable, NamesAreUniqueAndEveryRowIsComplete) {
  std::set<std::string_view> names, counters;
  for (const MetricDef& m : MetricTable()) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_TRUE(counters.insert(m.counter).second) << m.counter;
    EXPECT_FALSE(m.path.empty()) << m.name;
    EXPECT_FALSE(m.meaning.empty()) << m.name;
    EXPECT_NE(m.of, nullptr) << m.name;
    EXPECT_EQ(FindMetric(m.name), &m);
    EXPECT_EQ(&MetricTable()[MetricIndex(m)], &m);
  }
  EXPECT_EQ(FindMetric("no_such_metric"), nullptr);
  EXPECT_EQ(MetricTable()[0].name, "throughput");  // the primary metric
}

TEST(MetricTable, SchemaListsTheTableAndDescribesEveryPath) {
  const json schema = LoadSchema();
  EXPECT_EQ(schema.at("x-metrics"), MetricTableJson())
      << "results/result_schema.json's x-metrics must be the metric table; it is:\n"
      << MetricTableJson().dump(2);
  for (const MetricDef& m : MetricTable()) {
    EXPECT_TRUE(SchemaHasNumberAt(schema, m.path)) << m.name << ": " << m.path;
    if (!m.counted_by.empty()) {
      EXPECT_TRUE(SchemaHasNumberAt(schema, m.counted_by)) << m.name << ": " << m.counted_by;
    }
  }
}

TEST(FitMetricTable, CompareAcceptsEveryRowAndItsHelpNamesItButTheRunTablesDoNot) {
  ASSERT_FALSE(FitMetricTable().empty());
  for (const MetricDef& m : FitMetricTable()) {
    const std::vector<const MetricDef*> parsed = ParseMetricList(m.name);
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(parsed[0], &m);
    EXPECT_TRUE(IsFitMetric(m));
    EXPECT_EQ(FindFitMetric(m.name), &m);
    EXPECT_EQ(FindMetric(m.name), nullptr);  // not a per-run metric: no column, no counter
    EXPECT_EQ(m.of, nullptr);
    EXPECT_THAT(MetricHelp(), HasSubstr(std::string(m.name) + " (lower is better)"));
    EXPECT_THAT(MetricNames(), HasSubstr(std::string(m.name)));
    // The path names a field of a sweep_fits entry.
    json fit;
    fit[std::string(m.path)] = 0.0125;
    EXPECT_EQ(MetricValue(m, fit), 0.0125);
    fit[std::string(m.path)] = nullptr;
    EXPECT_FALSE(MetricValue(m, fit).has_value());
  }
  for (const MetricDef& m : MetricTable()) EXPECT_FALSE(IsFitMetric(m));
  EXPECT_EQ(FormatMetric(*FindFitMetric("usl_sigma"), 0.0123456), "0.01235");
  EXPECT_EQ(FormatMetric(*FindFitMetric("usl_kappa"), 3.21e-5), "3.21e-05");
}

TEST(MetricTable, CompareAcceptsEveryRowAndItsHelpNamesIt) {
  for (const MetricDef& m : MetricTable()) {
    const std::vector<const MetricDef*> parsed = ParseMetricList(m.name);
    ASSERT_EQ(parsed.size(), 1u);
    EXPECT_EQ(parsed[0], &m);
    EXPECT_THAT(MetricHelp(), HasSubstr(std::string(m.name) + " ("));
  }
}

TEST(MetricTable, ReportHasAColumnForEveryRowThatNamesOne) {
  const json run = {{"lock", "l"},
                    {"workload", "w"},
                    {"threads", 1},
                    {"status", "ok"},
                    {"fairness", {{"starved", false}}}};
  const std::string report = RenderReport(json::array({run}), ReportFormat::kCsv);
  const std::string header = report.substr(0, report.find('\n'));
  for (const MetricDef& m : MetricTable()) {
    if (!m.column.empty()) {
      EXPECT_THAT(header, HasSubstr("," + std::string(m.column) + ","));
    }
  }
}

// A run of `lock` with shared and exclusive latency; an exclusive-only lock's carries the
// warning the engine writes when it served shared requests exclusive.
json LatencyRun(const std::string& lock, bool exclusive_only) {
  json run = {{"lock", lock},
              {"workload", "w"},
              {"threads", 2},
              {"status", "ok"},
              {"throughput_ops_per_s", 1e6},
              {"fairness", {{"starved", false}}},
              {"latency_ns",
               {{"shared", {{"count", 5}, {"p50", 400}, {"p99", 900}, {"max", 1200}}},
                {"exclusive", {{"count", 5}, {"p50", 700}, {"p99", 1700}, {"max", 2100}}}}},
              {"warnings", json::array()}};
  if (exclusive_only) {
    run["warnings"].push_back("lock '" + lock +
                              "' has no shared mode: its shared requests ran exclusive");
  }
  return run;
}

std::string LineOf(const std::string& text, const std::string& start) {
  const size_t at = text.find("\n" + start);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(RenderReport, MarksTheSharedLatencyOfAnExclusiveOnlyLock) {
  const json runs = json::array({LatencyRun("rw", false), LatencyRun("mutex", true)});
  const std::string table = RenderReport(runs, ReportFormat::kTable);
  const std::string mutex = LineOf(table, "mutex ");
  EXPECT_THAT(mutex, HasSubstr(" 400* "));   // sh p50
  EXPECT_THAT(mutex, HasSubstr(" 900* "));   // sh p99
  EXPECT_THAT(mutex, HasSubstr(" 1200* "));  // sh max
  EXPECT_THAT(mutex, HasSubstr(" 1700 "));   // ex p99: a real exclusive figure, unmarked
  EXPECT_EQ(mutex.find("1700*"), std::string::npos) << mutex;
  const std::string rw = LineOf(table, "rw ");
  ASSERT_FALSE(rw.empty()) << table;
  EXPECT_EQ(rw.find('*'), std::string::npos) << rw;
  EXPECT_THAT(table, HasSubstr("\n* exclusive-only lock: its shared requests ran exclusive"));

  const std::string markdown = RenderReport(runs, ReportFormat::kMarkdown);
  EXPECT_THAT(markdown, HasSubstr("| 400\\* |"));
  EXPECT_THAT(markdown, HasSubstr("\n\\* exclusive-only lock"));
  // CSV keeps numbers parseable: no mark, no footnote.
  EXPECT_EQ(RenderReport(runs, ReportFormat::kCsv).find('*'), std::string::npos);
}

TEST(RenderReport, NoFootnoteWithoutAnExclusiveOnlyLock) {
  const std::string table =
      RenderReport(json::array({LatencyRun("rw", false)}), ReportFormat::kTable);
  EXPECT_EQ(table.find('*'), std::string::npos) << table;
}

TEST(RenderReport, MarksTheCpuFiguresOfASpinningLockOnTooFewProcessors) {
  json spun = LatencyRun("spin", false);
  spun["cost"] = {{"cpu_ns_per_op", 5000}};
  spun["warnings"].push_back(
      "lock 'spin' spins its waiters on 4 threads over 2 processors: they yielded instead of "
      "spinning, so its CPU figures are not what it costs with a processor per thread");
  json slept = LatencyRun("sleepy", false);
  slept["cost"] = {{"cpu_ns_per_op", 6000}};
  const json runs = json::array({slept, spun});
  const std::string table = RenderReport(runs, ReportFormat::kTable);
  EXPECT_THAT(LineOf(table, "spin "), HasSubstr(" 5000^ ")) << table;
  EXPECT_THAT(LineOf(table, "spin "), HasSubstr(" 900 ")) << "latency is not marked";
  EXPECT_EQ(LineOf(table, "sleepy ").find('^'), std::string::npos) << table;
  EXPECT_THAT(table, HasSubstr("\n^ spinning lock on more threads than processors"));
  EXPECT_EQ(RenderReport(runs, ReportFormat::kCsv).find('^'), std::string::npos);
  EXPECT_EQ(RenderReport(json::array({slept}), ReportFormat::kTable).find('^'), std::string::npos);
}

TEST(RenderReport, MarksATableWhoseThreadsSharedProcessors) {
  json over = LatencyRun("rw", false);
  over["threads"] = 4;
  over["per_thread"] = json::array();
  for (int i = 0; i < 4; ++i) over["per_thread"].push_back({{"thread", i}, {"pu", i % 2}});
  json fits = LatencyRun("rw", false);
  fits["per_thread"] = json::array({{{"thread", 0}, {"pu", 0}}, {{"thread", 1}, {"pu", 1}}});
  const std::string table = RenderReport(json::array({fits, over}), ReportFormat::kTable);
  EXPECT_THAT(table, HasSubstr("workload w, 4 threads, oversubscribed on 2 processors ("));
  EXPECT_THAT(table, HasSubstr("\noversubscribed: threads shared processors"));
  EXPECT_THAT(table, HasSubstr("workload w, 2 threads (")) << "a processor per thread: unmarked";
  // Unpinned threads (placement none) say nothing of how many processors they had.
  json unpinned = over;
  for (json& t : unpinned["per_thread"]) t["pu"] = nullptr;
  EXPECT_EQ(RenderReport(json::array({unpinned}), ReportFormat::kTable).find("oversubscribed"),
            std::string::npos);
}

TEST(WriteMetrics, WritesEachValueWhereMetricValueReadsIt) {
  RunSummary s;
  s.throughput_ops_per_s = 2.5e6;
  s.shared_acquire.Record(400);
  s.fairness.jain_index = 0.75;
  s.bypass_measured = true;
  s.exclusive_bypass.over_fifo_bound = 0.25;
  s.exclusive_bypass.waited = 8;
  json run = {{"latency_ns", {{"shared", {{"count", 1}}}, {"exclusive", {{"count", 0}}}}},
              {"handoff", {{"bypass", {{"exclusive", {{"waited", 8}}}}},
                           {"reacquire_while_waited", nullptr},
                           {"handoff_latency_ns", nullptr}}}};
  WriteMetrics(s, &run);
  EXPECT_EQ(MetricValue(*FindMetric("throughput"), run), 2.5e6);
  EXPECT_EQ(MetricValue(*FindMetric("jain"), run), 0.75);
  EXPECT_EQ(MetricValue(*FindMetric("bypass"), run), 0.25);
  const std::optional<double> p50 = MetricValue(*FindMetric("shared_p50"), run);
  ASSERT_TRUE(p50.has_value());
  EXPECT_NEAR(*p50, 400, 4);
  EXPECT_TRUE(run["latency_ns"]["shared"]["p50"].is_number_integer());  // as the file has it
  // No timed exclusive acquisition: the value is written, but the metric has none.
  EXPECT_FALSE(MetricValue(*FindMetric("exclusive_p99"), run).has_value());
  // Not measured: the group stays one null rather than an object of nulls.
  EXPECT_TRUE(run["handoff"]["reacquire_while_waited"].is_null());
  EXPECT_TRUE(run["handoff"]["handoff_latency_ns"].is_null());
  EXPECT_FALSE(MetricValue(*FindMetric("reacquire_while_waited"), run).has_value());
}

TEST(MetricValue, RefusesANonNumberNamingThePath) {
  const json run = {{"fairness", {{"jain_index", "high"}}}};
  try {
    MetricValue(*FindMetric("jain"), run);
    FAIL() << "a string was read as a number";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("fairness.jain_index: expected a number, got string"));
  }
  EXPECT_FALSE(MetricValue(*FindMetric("jain"), json::object()).has_value());
}

TEST(FormatMetric, ShowsEachUnitAsPeopleReadIt) {
  EXPECT_EQ(FormatMetric(*FindMetric("throughput"), 3.66e6), "3.660 Mops/s");
  EXPECT_EQ(FormatMetricCell(*FindMetric("throughput"), 3.66e6), "3.660");
  EXPECT_EQ(FormatMetric(*FindMetric("shared_p99"), 412.4), "412 ns");
  EXPECT_EQ(FormatMetric(*FindMetric("bypass"), 0.125), "12.5%");
  EXPECT_EQ(FormatMetric(*FindMetric("jain"), 0.98123), "0.981");
}

}  // namespace
}  // namespace lockbench
