#include "tool/messages.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "tool/exit_codes.h"

namespace lockbench {
namespace {

// Whether SweepProgress's status line is on the terminal now: a message clears it first.
bool g_status_shown = false;

void ClearStatus() {
  if (!g_status_shown) return;
  std::fputs("\r\033[K", stderr);
  g_status_shown = false;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string OneLine(const std::string& text) {
  std::string line;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      line += escaped;
    } else {
      line += c;
    }
  }
  return line;
}

void PrintMessage(const char* kind, const std::string& text) {
  ClearStatus();
  std::fprintf(stderr, "lockbench: %s: %s\n", kind, OneLine(text).c_str());
}

int UsageError(const std::string& message) {
  PrintMessage("error", message);
  return kExitUsage;
}

void WarningLog::Warn(const std::string& text) {
  if (!seen_.insert(text).second) return;
  // "lock '<name>' <rest>", the form of the engine's per-lock warnings (workloads/internal/drive.cc).
  constexpr std::string_view kLock = "lock '";
  const size_t close = text.find("' ", kLock.size());
  if (!text.starts_with(kLock) || close == std::string::npos) {
    PrintMessage("warning", text);
    return;
  }
  std::string lock = text.substr(kLock.size(), close - kLock.size());
  std::string rest = text.substr(close + 2);
  auto it = std::find_if(held_.begin(), held_.end(), [&](const auto& h) { return h.first == rest; });
  if (it == held_.end()) it = held_.insert(held_.end(), {std::move(rest), {}});
  it->second.push_back(std::move(lock));
}

void WarningLog::Flush() {
  for (const auto& [rest, locks] : held_) {
    if (locks.size() == 1) {
      PrintMessage("warning", "lock '" + locks[0] + "' " + rest);
      continue;
    }
    std::string names;
    for (const std::string& l : locks) names += (names.empty() ? "'" : ", '") + l + "'";
    PrintMessage("warning", "locks " + names + " each " + rest);
  }
  held_.clear();
}

std::string FormatClock(double seconds) {
  const long long s = std::max(0LL, std::llround(seconds));
  char text[32];
  if (s < 60) {
    std::snprintf(text, sizeof text, "%llds", s);
  } else if (s < 3600) {
    std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
  }
  return text;
}

double EtaSeconds(double planned_left_s, double real_done_s, double planned_done_s) {
  const double ratio = planned_done_s > 0 ? real_done_s / planned_done_s : 1.0;
  return planned_left_s * ratio;
}

SweepProgress::SweepProgress(std::vector<double> planned_s, bool terminal, bool quiet)
    : planned_s_(std::move(planned_s)), terminal_(terminal), quiet_(quiet),
      sweep_start_ns_(NowNs()) {}

double SweepProgress::PlannedAfter(std::size_t index) const {
  if (index + 1 >= planned_s_.size()) return 0;
  return std::accumulate(planned_s_.begin() + static_cast<std::ptrdiff_t>(index) + 1,
                         planned_s_.end(), 0.0);
}

double SweepProgress::ElapsedS() const { return static_cast<double>(NowNs() - sweep_start_ns_) / 1e9; }

void SweepProgress::Start(std::size_t index, const std::string& what) {
  index_ = index;
  what_ = what;
  run_start_ns_ = NowNs();
  if (terminal_) Update(0);
}

std::string SweepProgress::StatusText(double fraction) const {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const double left = (1 - fraction) * planned_s_.at(index_) + PlannedAfter(index_);
  char percent[8];
  std::snprintf(percent, sizeof percent, "%.0f%%", fraction * 100);
  return "run " + std::to_string(index_ + 1) + "/" + std::to_string(planned_s_.size()) + " " +
         what_ + ": " + percent + ", elapsed " + FormatClock(ElapsedS()) + ", ETA " +
         FormatClock(EtaSeconds(left, real_done_s_, planned_done_s_));
}

void SweepProgress::Update(double fraction) {
  if (quiet_ || !terminal_) return;
  std::fprintf(stderr, "\r\033[K%s", OneLine(StatusText(fraction)).c_str());
  std::fflush(stderr);
  g_status_shown = true;
}

void SweepProgress::Finish() {
  real_done_s_ += static_cast<double>(NowNs() - run_start_ns_) / 1e9;
  planned_done_s_ += planned_s_.at(index_);
  if (quiet_) return;
  if (terminal_) {
    ClearStatus();
    std::fflush(stderr);
    return;
  }
  const double eta = EtaSeconds(PlannedAfter(index_), real_done_s_, planned_done_s_);
  std::fprintf(stderr, "lockbench: run %zu/%zu %s: done, elapsed %s, ETA %s\n", index_ + 1,
               planned_s_.size(), OneLine(what_).c_str(), FormatClock(ElapsedS()).c_str(),
               FormatClock(eta).c_str());
}

}  // namespace lockbench
