// Names of enum values, written once as a table: `constexpr NamedValue<Verdict> kVerdictNames[] =
// {{Verdict::kRegression, "regression"}, ...};`, then NameOf(kVerdictNames, v) and
// ValueNamed(kVerdictNames, "regression"). One idiom for every enum a result file, a flag or a
// report spells out, in place of a switch per enum with a fallback of its own.
//
// A value missing from its table is a bug, named "?" so that it shows; each table's test checks
// every value round-trips. Look-ups are linear: the tables are a handful of rows.
#ifndef LOCKBENCH_BASE_ENUM_NAMES_H_
#define LOCKBENCH_BASE_ENUM_NAMES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockbench {

template <class E>
struct NamedValue {
  E value;
  const char* name;
};

// The name of `value`; `missing` ("?") when the table lacks it. A table whose values come from
// outside the program (another build's shared memory) passes a missing name its schema allows.
template <class E, std::size_t N>
constexpr const char* NameOf(const NamedValue<E> (&table)[N], E value,
                             const char* missing = "?") {
  for (const NamedValue<E>& row : table) {
    if (row.value == value) return row.name;
  }
  return missing;
}

// The value called `name`; nullopt when none is.
template <class E, std::size_t N>
constexpr std::optional<E> ValueNamed(const NamedValue<E> (&table)[N], std::string_view name) {
  for (const NamedValue<E>& row : table) {
    if (row.name == name) return row.value;
  }
  return std::nullopt;
}

// Every name, in table order, for "use one of ..." messages and did-you-mean suggestions.
template <class E, std::size_t N>
std::vector<std::string> NamesOf(const NamedValue<E> (&table)[N]) {
  std::vector<std::string> names;
  for (const NamedValue<E>& row : table) names.emplace_back(row.name);
  return names;
}

}  // namespace lockbench

#endif  // LOCKBENCH_BASE_ENUM_NAMES_H_
