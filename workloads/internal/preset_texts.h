// The text of each file in workloads/presets/, compiled in by a genrule so the binary needs no
// data files at run time.
#ifndef LOCKBENCH_WORKLOADS_INTERNAL_PRESET_TEXTS_H_
#define LOCKBENCH_WORKLOADS_INTERNAL_PRESET_TEXTS_H_

#include <string_view>
#include <vector>

namespace lockbench::internal {

const std::vector<std::string_view>& PresetTexts();

}  // namespace lockbench::internal

#endif  // LOCKBENCH_WORKLOADS_INTERNAL_PRESET_TEXTS_H_
