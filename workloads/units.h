// Parsing of values with units, as users type them in flags and workload files:
// durations ("200ns", "2us", "1.5ms", "3s", "1m", "2h") and plain counts with optional SI suffixes
// ("10k", "2M"). Errors are SpecError with a message that says what is allowed; the caller
// prefixes the flag or field name.
#ifndef LOCKBENCH_WORKLOADS_UNITS_H_
#define LOCKBENCH_WORKLOADS_UNITS_H_

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lockbench {

// A user-input error in a workload, a flag or a file: one line, ends as exit code 2.
class SpecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The longest duration any field takes: one day (24h).
inline constexpr uint64_t kMaxDurationNs = 86'400ull * 1'000'000'000ull;

// "1.5s" -> 1'500'000'000. Units: ns, us, ms, s, m (minutes), h (hours). A unit is required
// except for 0.
// REQUIRES nothing; throws SpecError on a malformed, negative or too-large (> kMaxDurationNs)
// value.
uint64_t ParseDurationNs(std::string_view text);

// Formats nanoseconds exactly, in the largest unit it reaches: "1.5s", "200ns", "1.000001ms".
// ParseDurationNs reads the text back to the same value.
std::string FormatDurationNs(uint64_t ns);

// "12", "10k", "2M", "1G" -> count. Throws SpecError on a malformed or negative value, or one
// above `max`: "'<text>' <problem>; expected <allowed>", where `allowed` defaults to "a whole
// number like 12, 10k or 2M, at most <max>"; a caller with a range or keyword of its own passes
// its wording, so the message states what is allowed once.
uint64_t ParseCount(std::string_view text, uint64_t max);
uint64_t ParseCount(std::string_view text, uint64_t max, std::string_view allowed);

// "1,2,4-8" style lists of non-negative integers, each <= max. Ranges are inclusive. Throws
// SpecError on a malformed item or a list of more than 1,000,000 numbers in all.
std::vector<uint64_t> ParseIntList(std::string_view text, uint64_t max);

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_UNITS_H_
