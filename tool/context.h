// The `context` block of a result file: what was measured where, so results can be compared
// and regressions traced: tool version and commit, build, compiler, host, CPU, topology,
// kernel, SMT and frequency governor, the clock's calibration and what timing an acquisition costs.
#ifndef LOCKBENCH_TOOL_CONTEXT_H_
#define LOCKBENCH_TOOL_CONTEXT_H_

#include <string>

#include "nlohmann/json.hpp"
#include "workloads/clock.h"
#include "workloads/engine.h"
#include "workloads/topology.h"

namespace lockbench {

// "0.1.0".
const char* ToolVersion();
// The git commit the binary was built from, or "unknown".
std::string ToolCommit();

nlohmann::json BuildContext(const Topology& topology, const ClockCalibration& clock,
                            const TimedAcquisitionCost& timed);

}  // namespace lockbench

#endif  // LOCKBENCH_TOOL_CONTEXT_H_
