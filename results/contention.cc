#include "results/contention.h"

#include <cstdio>
#include <cstdlib>

#include "base/strings.h"

namespace lockbench {
namespace {

using nlohmann::json;

json WaitPercentile(const Histogram& h, double percentile) {
  return h.TotalCount() == 0 ? json(nullptr) : json(h.ValueAtPercentile(percentile));
}

std::string Count(double v) { return Fixed(v, 0); }
std::string Nanoseconds(double v) { return Fixed(v, 0); }
// Three significant digits: "8.23k/s", "140k/s".
std::string Rate(double v) {
  char rounded[32];
  std::snprintf(rounded, sizeof rounded, "%.3g", v);
  return FormatRate(std::strtod(rounded, nullptr));
}

constexpr ContentionFigure kFigures[] = {
    {.name = "acquisitions",
     .column = "",
     .meaning = "the mode's acquisitions completed in the window",
     .of = [](const ModeContention& m) -> json { return m.acquisitions; },
     .format = Count},
    {.name = "contended",
     .column = "",
     .meaning = "of which contended: a try made first failed, and the acquisition then waited",
     .of = [](const ModeContention& m) -> json { return m.contended; },
     .format = Count},
    {.name = "contended_fraction",
     .column = "contended",
     .meaning = "contended / acquisitions",
     .of = [](const ModeContention& m) -> json { return m.contended_fraction; },
     .format = Percent},
    {.name = "wait_p50_ns",
     .column = "wait p50 ns",
     .meaning = "median acquire time of the timed contended acquisitions; null without one",
     .of = [](const ModeContention& m) { return WaitPercentile(m.wait, 50); },
     .format = Nanoseconds},
    {.name = "wait_p99_ns",
     .column = "wait p99 ns",
     .meaning = "99th percentile of the timed contended acquisitions' acquire time",
     .of = [](const ModeContention& m) { return WaitPercentile(m.wait, 99); },
     .format = Nanoseconds},
    {.name = "acquisitions_per_s_per_thread",
     .column = "acq/s/thread",
     .meaning = "acquisitions per second of the window per thread of the run",
     .of = [](const ModeContention& m) -> json { return m.acquisitions_per_s_per_thread; },
     .format = Rate},
};

void Finish(ModeContention& m, double duration_s, int threads) {
  m.contended_fraction = m.acquisitions > 0 ? static_cast<double>(m.contended) /
                                                  static_cast<double>(m.acquisitions)
                                            : 0;
  m.acquisitions_per_s_per_thread =
      duration_s > 0 && threads > 0
          ? static_cast<double>(m.acquisitions) / duration_s / static_cast<double>(threads)
          : 0;
}

json ModeToJson(const ModeContention& m) {
  json j = json::object();
  for (const ContentionFigure& f : kFigures) j[std::string(f.name)] = f.of(m);
  return j;
}

}  // namespace

ContentionSummary SummarizeContention(const RunRecord& r) {
  ContentionSummary c;
  c.measured = r.contention_measured;
  if (!c.measured) return c;
  for (const ThreadRecord& t : r.per_thread) {
    c.shared.acquisitions += t.shared_ops;
    c.exclusive.acquisitions += t.exclusive_ops;
    c.shared.contended += t.shared_contended;
    c.exclusive.contended += t.exclusive_contended;
    c.shared.wait.Merge(t.shared_contended_wait);
    c.exclusive.wait.Merge(t.exclusive_contended_wait);
  }
  Finish(c.shared, r.duration_s, r.threads);
  Finish(c.exclusive, r.duration_s, r.threads);
  return c;
}

std::span<const ContentionFigure> ContentionFigures() { return kFigures; }

json ContentionToJson(const ContentionSummary& c) {
  if (!c.measured) return nullptr;
  return {{"shared", ModeToJson(c.shared)}, {"exclusive", ModeToJson(c.exclusive)}};
}

}  // namespace lockbench
