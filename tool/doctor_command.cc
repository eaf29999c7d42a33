#include "tool/doctor_command.h"

#include <cstdint>
#include <iostream>
#include <string>

#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "workloads/doctor.h"
#include "workloads/topology.h"
#include "workloads/units.h"
#include "workloads/workload_spec.h"

namespace lockbench {

int DoctorCommand(const DoctorOptions& o) {
  if (o.format != "table" && o.format != "json") {
    return UsageError("--format: '" + o.format + "' is not allowed; use one of table, json");
  }
  DoctorRequest request;
  if (!o.threads.empty()) {
    const std::string allowed =
        "; give a whole number of threads from 1 to " + std::to_string(kMaxThreads);
    try {
      request.threads = static_cast<int>(ParseCount(o.threads, kMaxThreads));
    } catch (const SpecError&) {
      return UsageError("--threads: '" + o.threads + "' is not a thread count" + allowed);
    }
    if (request.threads < 1) return UsageError("--threads: 0 threads" + allowed);
    request.threads_given = true;
  }
  const DoctorReport report = RunDoctor(request, Topology::LoadThisMachine());
  if (o.format == "json") {
    std::cout << DoctorToJson(report).dump(2) << "\n";
  } else {
    std::cout << RenderDoctorText(report);
  }
  std::cout.flush();
  return report.cannot_show.empty() ? kExitOk : kExitCannotShow;
}

}  // namespace lockbench
