#include "base/strings.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace lockbench {
namespace {

template <class S>
std::string JoinAll(std::span<const S> items, std::string_view separator) {
  std::string out;
  for (const S& item : items) {
    if (&item != items.data()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

std::string Join(std::span<const std::string> items, std::string_view separator) {
  return JoinAll(items, separator);
}

std::string Join(std::span<const std::string_view> items, std::string_view separator) {
  return JoinAll(items, separator);
}

std::string PadLeft(std::string_view s, std::size_t width) {
  return std::string(width > s.size() ? width - s.size() : 0, ' ') + std::string(s);
}

std::string PadRight(std::string_view s, std::size_t width) {
  return std::string(s) + std::string(width > s.size() ? width - s.size() : 0, ' ');
}

std::string Fixed(double value, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

std::string CountedNoun(std::size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string Percent(double fraction) {
  std::string s = Fixed(fraction * 100.0, 2);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s + "%";
}

std::string Shortest(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string FormatRate(double per_second) {
  for (const auto& [scale, unit] : {std::pair{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}) {
    if (per_second >= scale) return Shortest(per_second / scale) + unit + "/s";
  }
  return Shortest(per_second) + "/s";
}

std::string AtRate(double per_second) {
  return per_second > 0 ? " at " + FormatRate(per_second) : "";
}

std::string_view Trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::string ClosestName(std::string_view word, std::span<const std::string> candidates) {
  return ClosestName(word, candidates, std::max<std::size_t>(2, word.size() / 3));
}

std::string ClosestName(std::string_view word, std::span<const std::string> candidates,
                        std::size_t max_edits) {
  std::string best;
  std::size_t best_distance = max_edits + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = EditDistance(word, c);
    if (d < best_distance && d < c.size()) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMeanText(std::string_view suggestion) {
  if (suggestion.empty()) return "";
  return " (did you mean '" + std::string(suggestion) + "'?)";
}

std::string DidYouMean(std::string_view word, std::span<const std::string> candidates) {
  return DidYouMeanText(ClosestName(word, candidates));
}

}  // namespace lockbench
