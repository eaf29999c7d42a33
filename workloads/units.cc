#include "workloads/units.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "base/strings.h"

namespace lockbench {
namespace {

constexpr size_t kMaxListItems = 1'000'000;

// Splits "1.5ms" into a non-negative number and its suffix.
bool SplitNumber(std::string_view s, double* value, std::string_view* suffix) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  if (i == 0) return false;
  const std::string number(s.substr(0, i));
  if (std::count(number.begin(), number.end(), '.') > 1 || number == ".") return false;
  char* end = nullptr;
  *value = std::strtod(number.c_str(), &end);
  // Digits past a double's range read as infinity, which the caller refuses as too large.
  if (end != number.c_str() + number.size() || std::isnan(*value)) return false;
  *suffix = s.substr(i);
  return true;
}

}  // namespace

uint64_t ParseDurationNs(std::string_view text) {
  const std::string_view s = Trim(text);
  const std::string allowed = "a duration like 200ns, 2us, 1.5ms, 3s, 1m or 2h";
  if (s.empty()) throw SpecError("empty value; expected " + allowed);
  if (s.front() == '-') throw SpecError("'" + std::string(s) + "' is negative; expected " + allowed);
  double value = 0;
  std::string_view unit;
  if (!SplitNumber(s, &value, &unit)) {
    throw SpecError("'" + std::string(s) + "' is not a number; expected " + allowed);
  }
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else if (unit == "m") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else if (unit.empty() && value == 0) scale = 1;
  else if (unit.empty()) throw SpecError("'" + std::string(s) + "' has no unit; expected " + allowed);
  else throw SpecError("unknown unit '" + std::string(unit) + "' in '" + std::string(s) +
                       "'; units are ns, us, ms, s, m, h");
  const double ns = value * scale;
  if (ns > static_cast<double>(kMaxDurationNs)) {
    throw SpecError("'" + std::string(s) + "' is too large; at most 1 day (24h)");
  }
  return static_cast<uint64_t>(std::llround(ns));
}

std::string FormatDurationNs(uint64_t ns) {
  struct Unit {
    uint64_t scale;
    size_t digits;  // decimal places of a nanosecond in this unit
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {1'000'000'000, 9, "s"}, {1'000'000, 6, "ms"}, {1'000, 3, "us"}};
  for (const Unit& u : kUnits) {
    if (ns >= u.scale) {
      // Exact, in integers: result files record durations this way and must read back the same.
      std::string text = std::to_string(ns / u.scale);
      if (const uint64_t fraction = ns % u.scale; fraction != 0) {
        std::string decimals = std::to_string(fraction);
        decimals.insert(0, u.digits - decimals.size(), '0');
        while (decimals.back() == '0') decimals.pop_back();
        text += "." + decimals;
      }
      return text + u.name;
    }
  }
  return std::to_string(ns) + "ns";
}

uint64_t ParseCount(std::string_view text, uint64_t max) {
  return ParseCount(text, max, "a whole number like 12, 10k or 2M, at most " + std::to_string(max));
}

uint64_t ParseCount(std::string_view text, uint64_t max, std::string_view allowed_text) {
  const std::string_view s = Trim(text);
  const std::string allowed(allowed_text);
  if (s.empty()) throw SpecError("empty value; expected " + allowed);
  if (s.front() == '-') throw SpecError("'" + std::string(s) + "' is negative; expected " + allowed);
  uint64_t value = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ptr == first) throw SpecError("'" + std::string(s) + "' is not a number; expected " + allowed);
  if (ec == std::errc::result_out_of_range) {
    throw SpecError("'" + std::string(s) + "' is too large; expected " + allowed);
  }
  const std::string_view suffix(ptr, static_cast<size_t>(last - ptr));
  uint64_t scale = 1;
  if (suffix == "k") scale = 1'000;
  else if (suffix == "M") scale = 1'000'000;
  else if (suffix == "G") scale = 1'000'000'000;
  else if (!suffix.empty()) {
    throw SpecError("'" + std::string(s) + "' is not a whole number; expected " + allowed);
  }
  if (value > max / scale) throw SpecError("'" + std::string(s) + "' is too large; expected " + allowed);
  return value * scale;
}

std::vector<uint64_t> ParseIntList(std::string_view text, uint64_t max) {
  std::vector<uint64_t> out;
  const std::string_view s = Trim(text);
  if (s.empty()) throw SpecError("empty list; expected numbers like 1,2,4-8");
  // Ranges multiply a short text into many numbers; bound the whole list, not only each range.
  const std::string too_long =
      "list is too long; at most " + std::to_string(kMaxListItems) + " numbers in all";
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    const std::string_view item = Trim(s.substr(start, comma - start));
    if (item.empty()) throw SpecError("empty item in list '" + std::string(s) + "'");
    const size_t dash = item.find('-', 1);
    if (dash == std::string_view::npos) {
      if (out.size() >= kMaxListItems) throw SpecError(too_long);
      out.push_back(ParseCount(item, max));
    } else {
      const uint64_t lo = ParseCount(item.substr(0, dash), max);
      const uint64_t hi = ParseCount(item.substr(dash + 1), max);
      if (hi < lo) throw SpecError("range '" + std::string(item) + "' runs backwards");
      if (hi - lo > 100'000) throw SpecError("range '" + std::string(item) + "' is too long");
      if (hi - lo >= kMaxListItems - out.size()) throw SpecError(too_long);
      for (uint64_t v = lo; v <= hi; ++v) out.push_back(v);
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace lockbench
