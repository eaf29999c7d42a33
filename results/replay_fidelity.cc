#include "results/replay_fidelity.h"

#include <string_view>
#include <vector>

#include "base/strings.h"
#include "results/contention.h"
#include "results/metrics.h"

namespace lockbench {
namespace {

using nlohmann::json;

constexpr std::string_view kModes[] = {"exclusive", "shared"};

// A figure's cell: its formatted value, or "-" where there is none.
std::string Cell(const ContentionFigure& f, const json& figures) {
  const auto it = figures.find(std::string(f.name));
  if (it == figures.end() || !it->is_number()) return "-";
  return f.format(it->get<double>());
}

// The recorded figures per mode, or null when the workload holds none.
const json* RecordedFigures(const json& workload) {
  if (!workload.is_object()) return nullptr;
  const auto from = workload.find("recorded_from");
  if (from == workload.end() || !from->is_object()) return nullptr;
  const auto recorded = from->find("recorded");
  if (recorded == from->end() || !recorded->is_object() || recorded->empty()) return nullptr;
  return &*recorded;
}

std::vector<std::string> Header() {
  std::vector<std::string> header = {"lock", "threads", "rep", "mode"};
  for (const ContentionFigure& f : ContentionFigures()) {
    if (!f.column.empty()) header.emplace_back(f.column);
  }
  return header;
}

// "replay fidelity of workload X (recorded / replayed; recorded from 'cmd' on lock)".
std::string Title(const json& workload) {
  const json& from = workload.at("recorded_from");
  std::string source;
  if (from.contains("command") && from["command"].is_string()) {
    source += "; recorded from '" + from["command"].get<std::string>() + "'";
  }
  if (from.contains("lock") && from["lock"].is_string()) {
    source += (source.empty() ? "; recorded on " : " on ") + from["lock"].get<std::string>();
  }
  return "replay fidelity of workload " + workload.value("name", std::string("?")) +
         " (recorded / replayed" + source + ")";
}

}  // namespace

std::string RenderReplayFidelity(const json& workload, const json& runs, ReportFormat format) {
  const json* recorded = RecordedFigures(workload);
  if (recorded == nullptr || !runs.is_array()) return "";
  std::vector<std::vector<std::string>> rows;
  for (const json& run : runs) {
    const auto contention = run.find("contention");
    if (contention == run.end() || !contention->is_object()) continue;
    if (run.value("status", std::string()) != "ok") continue;
    for (const std::string_view mode : kModes) {
      const auto mine = recorded->find(std::string(mode));
      if (mine == recorded->end()) continue;
      const json& replayed = contention->value(std::string(mode), json::object());
      std::vector<std::string> row = {
          run.value("lock", std::string("?")) + AtRate(OfferedRate(run)),
          std::to_string(run.value("threads", 0)), std::to_string(run.value("repetition", 0)),
          std::string(mode)};
      for (const ContentionFigure& f : ContentionFigures()) {
        if (!f.column.empty()) row.push_back(Cell(f, *mine) + " / " + Cell(f, replayed));
      }
      rows.push_back(std::move(row));
    }
  }
  if (rows.empty()) return "";
  const std::string footnote =
      "contended: acquisitions whose first try failed, so they waited; wait: how long those "
      "waited (the replay's timed ones)\n";
  return RenderTextTable(Title(workload), Header(), rows, footnote, format);
}

}  // namespace lockbench
