#include "tool/context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <string>

#include "base/sanitizers.h"
#include "arch/atomics.h"
#include "tool/build_info.h"
#include "workloads/doctor.h"


namespace lockbench {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  return line;
}

// The compiler that built this binary. Clang defines __GNUC__ too, so it is asked first.
std::string Compiler() {
#if defined(__clang__)
  std::string version = __clang_version__;  // "17.0.6 " or "17.0.6 (https://... hash)"
  while (!version.empty() && version.back() == ' ') version.pop_back();
  return "clang " + version;
#elif defined(__GNUC__)
  return "gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#else
  return "unknown compiler";
#endif
}

const char* Architecture() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "other";
#endif
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

// 64 random bits in hex: names this invocation, so compare can tell its repetitions (which share
// its conditions) from those of another invocation.
std::string NewInvocationId() {
  std::random_device rd;
  const uint64_t id = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

std::string NowUtc() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

nlohmann::json OrNull(const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); }

}  // namespace

const char* ToolVersion() { return "0.1.0"; }

std::string ToolCommit() {
  const std::string commit = kBuildCommit;
  return commit.empty() ? "unknown" : commit;
}

nlohmann::json BuildContext(const Topology& topology, const ClockCalibration& clock,
                            const TimedAcquisitionCost& timed) {
  nlohmann::json c;
  c["tool"] = "lockbench";
  c["version"] = ToolVersion();
  c["commit"] = ToolCommit();
#if defined(NDEBUG) || defined(__OPTIMIZE__)
  c["build_type"] = "optimized";
#else
  c["build_type"] = "debug";
#endif
#if defined(LOCKBENCH_ASAN)
  c["build_type"] = "asan";
#elif defined(LOCKBENCH_TSAN)
  c["build_type"] = "tsan";
#endif
  c["compiler"] = Compiler();
  c["date"] = NowUtc();
  c["invocation"] = NewInvocationId();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  c["hostname"] = host;
  c["cpu_model"] = CpuModel();
  c["topology"] = topology.Summary();
  c["pus"] = topology.pus();
  c["cores"] = topology.cores();
  c["numa_nodes"] = topology.numa_nodes();
  c["packages"] = topology.packages();
  struct utsname u {};
  if (uname(&u) == 0) c["kernel"] = std::string(u.sysname) + " " + u.release;
  c["smt"] = OrNull(ReadFirstLine("/sys/devices/system/cpu/smt/control"));
  c["frequency_governor"] = OrNull(ReadFirstLine("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
  c["arch"] = Architecture();
  c["atomics"] = arch::AtomicsFlavour();
#if defined(__aarch64__)
  c["cpu_lse"] = arch::CpuHasLse();
#endif
  c["clock"] = clock.counter;
  c["tsc_ghz"] = clock.ticks_per_ns;  // the counter's rate, whichever counter it is
  c["timer_frequency_hz"] = clock.ticks_per_ns * 1e9;
  c["timer_frequency_source"] = clock.rate_source;
  c["timer_resolution_ns"] = clock.ResolutionNs();
  c["timer_overhead_ns"] = clock.timer_overhead_ns;
  c["timed_acquisition_overhead_ns"] = {{"shared", timed.shared_ns},
                                         {"exclusive", timed.exclusive_ns}};
  c["doctor"] = CheapDoctorVerdicts(topology, clock);  // `lockbench doctor`'s cheap checks
  return c;
}

}  // namespace lockbench
