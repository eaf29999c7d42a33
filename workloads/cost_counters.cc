#include "workloads/cost_counters.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace lockbench {
namespace {

uint64_t Minus(uint64_t later, uint64_t earlier) { return later > earlier ? later - earlier : 0; }

}  // namespace

ThreadCounters ReadThreadCounters() {
  ThreadCounters c;
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) {
    c.cpu_ns = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
  }
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) == 0) {
    c.voluntary_switches = static_cast<uint64_t>(ru.ru_nvcsw);
    c.involuntary_switches = static_cast<uint64_t>(ru.ru_nivcsw);
  }
  return c;
}

ThreadCounters CountersBetween(const ThreadCounters& earlier, const ThreadCounters& later) {
  return {Minus(later.cpu_ns, earlier.cpu_ns),
          Minus(later.voluntary_switches, earlier.voluntary_switches),
          Minus(later.involuntary_switches, earlier.involuntary_switches)};
}

std::optional<MachineCpu> ParseProcStat(std::string_view text, uint64_t ticks_per_second) {
  if (ticks_per_second == 0) return std::nullopt;
  // The aggregate line: "cpu  user nice system idle iowait irq softirq steal guest guest_nice".
  // guest and guest_nice are already inside user and nice.
  size_t at = 0;
  while (at < text.size() && !(text.substr(at, 4) == "cpu " || text.substr(at, 4) == "cpu\t")) {
    const size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return std::nullopt;
    at = nl + 1;
  }
  if (at >= text.size()) return std::nullopt;
  std::string_view line = text.substr(at + 3, text.find('\n', at) - (at + 3));
  uint64_t fields[8] = {};
  int n = 0;
  while (n < 8) {
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), fields[n]);
    if (ec != std::errc()) return std::nullopt;
    line.remove_prefix(static_cast<size_t>(end - line.data()));
    ++n;
  }
  if (n < 4) return std::nullopt;  // user nice system idle at least
  const uint64_t idle = fields[3] + fields[4];
  const uint64_t busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
  const uint64_t ns_per_tick = 1'000'000'000u / ticks_per_second;
  return MachineCpu{busy * ns_per_tick, (busy + idle) * ns_per_tick};
}

std::optional<MachineCpu> ReadMachineCpu() {
  std::ifstream in("/proc/stat");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  const long ticks = sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return std::nullopt;
  return ParseProcStat(text.str(), static_cast<uint64_t>(ticks));
}

}  // namespace lockbench
