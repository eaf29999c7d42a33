// Text helpers every layer above the locks uses: joining lists, padding table cells, fixed-point
// numbers, trimming, and the "did you mean" suggestion for a mistyped name. One of each, so that
// messages and tables read the same everywhere.
#ifndef LOCKBENCH_BASE_STRINGS_H_
#define LOCKBENCH_BASE_STRINGS_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lockbench {

// "a, b, c" with separator ", " (or any other).
std::string Join(std::span<const std::string> items, std::string_view separator = ", ");
std::string Join(std::span<const std::string_view> items, std::string_view separator = ", ");

// `s` padded with spaces to `width` on the left (right-aligned) or the right (left-aligned);
// unchanged when it is already as wide.
std::string PadLeft(std::string_view s, std::size_t width);
std::string PadRight(std::string_view s, std::size_t width);

// `value` with `digits` digits after the point: Fixed(3.14159, 2) == "3.14".
std::string Fixed(double value, int digits);

// "1 file", "3 files".
std::string CountedNoun(std::size_t n, std::string_view singular, std::string_view plural);

// A fraction as a percentage without trailing zeros: 0.05 -> "5%", 0.025 -> "2.5%".
std::string Percent(double fraction);

// The shortest form printf's %g gives: 0.05 -> "0.05", 1e-05 -> "1e-05".
std::string Shortest(double value);

// A rate per second as lockbench's flags write it: 200000 -> "200k/s", 1.5e6 -> "1.5M/s",
// 750 -> "750/s" (six significant digits).
std::string FormatRate(double per_second);
// " at 200k/s" for an open-loop rate, "" for 0 (a closed loop): how labels name a sweep's rate.
std::string AtRate(double per_second);

// `s` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view s);

// Levenshtein distance: insertions, deletions and substitutions.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate nearest to `word` when it is a plausible typo of it, else "". Plausible: at most
// max(2, length / 3) edits, and fewer edits than the candidate has letters (so "ab" does not
// suggest "x").
std::string ClosestName(std::string_view word, std::span<const std::string> candidates);

// As above with an explicit bound: at most `max_edits` edits (and fewer than the candidate has
// letters).
std::string ClosestName(std::string_view word, std::span<const std::string> candidates,
                        std::size_t max_edits);

// " (did you mean 'X'?)" for a non-empty `suggestion`, else "": how every message offers one.
std::string DidYouMeanText(std::string_view suggestion);

// DidYouMeanText of ClosestName(word, candidates).
std::string DidYouMean(std::string_view word, std::span<const std::string> candidates);

}  // namespace lockbench

#endif  // LOCKBENCH_BASE_STRINGS_H_
