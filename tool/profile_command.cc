#include "tool/profile_command.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "base/file_io.h"
#include "base/strings.h"
#include "results/histogram.h"
#include "results/profile.h"
#include "tool/plan/run_plan.h"
#include "tool/context.h"
#include "tool/exit_codes.h"
#include "tool/messages.h"
#include "tool/plan/lock_catalog.h"
#include "workloads/clock.h"
#include "workloads/engine.h"
#include "workloads/record.h"
#include "workloads/topology.h"
#include "workloads/units.h"
#include "workloads/workload_spec.h"

namespace lockbench {
namespace {

using json = nlohmann::json;

constexpr const char* kPreloadName = "liblockbench_preload.so";

// Everything checked before the program runs once.
struct ProfilePlan {
  std::vector<std::string> rows;  // "pthread", then each lock
  std::string executable;         // the command's program, found
  std::string preload;            // the library's path
  std::optional<std::regex> metric;
  std::uint32_t sample = 1;
  std::uint64_t timeout_ns = 0;  // 0: none
  LockCatalog catalog;
};

std::string DirName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// CMD as execvp would find it; throws SpecError naming what is wrong.
std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    const std::string path = UserPath(name);
    if (!IsExecutableFile(path)) {
      throw SpecError("profile: command '" + name + "' is not an executable file");
    }
    return path;
  }
  const char* env = std::getenv("PATH");
  std::stringstream dirs(env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string path = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(path)) return path;
  }
  throw SpecError("profile: command '" + name + "' not found in PATH");
}

// The library beside the running binary (bazel-bin/tool, a bazel run's runfiles resolve to it,
// an installed copy keeps the two together).
std::string FindPreload() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw SpecError("profile: cannot find the lockbench binary's directory");
  self[n] = '\0';
  const std::string path = DirName(self) + "/" + kPreloadName;
  if (access(path.c_str(), R_OK) != 0) {
    throw SpecError(std::string("profile: ") + kPreloadName + " is not next to the lockbench "
                    "binary (" + DirName(self) + "); build //tool:lockbench, which makes both");
  }
  return path;
}

ProfilePlan Plan(const ProfileOptions& o) {
  ProfilePlan plan;
  if (o.format != "table" && o.format != "json") {
    throw SpecError("--format: '" + o.format + "' is not allowed; use one of table, json");
  }
  if (o.top < 1) throw SpecError("--top: " + std::to_string(o.top) + " is below 1");
  if (o.command.empty()) {
    throw SpecError("profile: no command to run; give it after --, e.g. "
                    "lockbench profile -- ./my_program --its-flags");
  }
  char* end = nullptr;
  errno = 0;
  const long sample = std::strtol(o.sample.c_str(), &end, 10);
  if (o.sample.empty() || *end != '\0' || errno != 0 || sample < 1 || sample > 1000000) {
    throw SpecError("--sample: '" + o.sample + "' is not a whole number from 1 to 1000000");
  }
  plan.sample = static_cast<std::uint32_t>(sample);
  if (!o.timeout.empty()) {
    try {
      plan.timeout_ns = ParseDurationNs(o.timeout);
    } catch (const SpecError& e) {
      throw SpecError(std::string("--timeout: ") + e.what());
    }
    if (plan.timeout_ns == 0) throw SpecError("--timeout: must be above 0");
  }
  if (!o.metric_regex.empty()) {
    try {
      plan.metric.emplace(o.metric_regex);
    } catch (const std::regex_error& e) {
      throw SpecError("--metric-regex: '" + o.metric_regex + "' is not a regular expression: " +
                      e.what());
    }
    if (plan.metric->mark_count() < 1) {
      throw SpecError("--metric-regex: '" + o.metric_regex + "' has no group; put the number "
                      "in parentheses, e.g. 'events/s: ([0-9.]+)'");
    }
  }
  plan.catalog = LoadLockCatalog(o.plugins);
  plan.rows.push_back("pthread");
  if (!o.locks.empty()) {
    for (const LockRunner* r : ResolveLockList(o.locks, plan.catalog.runners)) {
      plan.rows.emplace_back(r->traits.name);
    }
  }
  plan.executable = FindExecutable(o.command.front());
  plan.preload = FindPreload();
  if (!o.out.empty()) CheckWritable(UserPath(o.out));
  if (!o.record_workload.empty()) {
    try {
      CheckWritable(UserPath(o.record_workload));
    } catch (const std::runtime_error& e) {
      throw SpecError(std::string("--record-workload: ") + e.what());
    }
  }
  if (!o.hgrm_dir.empty()) CheckHgrmDir(UserPath(o.hgrm_dir));
  return plan;
}

// A directory for one run's region files: in memory (/dev/shm) where there is one, since the
// regions are written at every lock call and a disk file system makes each first touch slow.
std::string MakeRegionDir() {
  std::vector<std::string> bases = {"/dev/shm"};
  if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && tmp[0] != '\0') {
    bases.emplace_back(tmp);
  }
  bases.emplace_back("/tmp");
  for (const std::string& base : bases) {
    std::string tmpl = base + "/lockbench-profile-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) return tmpl;
  }
  throw std::runtime_error("profile: cannot make a directory for the region files in /dev/shm, "
                           "$TMPDIR or /tmp");
}

void RemoveRegionDir(const std::string& dir) {
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") unlink((dir + "/" + name).c_str());
    }
    closedir(d);
  }
  rmdir(dir.c_str());
}

std::atomic<int> g_child{0};
std::atomic<int> g_interrupted{0};

void ForwardSignal(int sig) {
  g_interrupted.store(sig);
  const int child = g_child.load();
  if (child > 0) kill(child, sig);
}

struct ChildResult {
  int wait_status = 0;
  bool timed_out = false;
  double wall_s = 0;
  std::string stdout_text;  // when captured
};

// Runs argv with `env` added; its stdout is captured (and passed on to `relay_fd`) when
// `capture`, sent to `relay_fd` otherwise. Ends it after `timeout_ns` (0: never).
ChildResult RunChild(const std::vector<std::string>& argv, const std::string& executable,
                     const std::vector<std::pair<std::string, std::string>>& env, bool capture,
                     int relay_fd, std::uint64_t timeout_ns) {
  int pipe_fds[2] = {-1, -1};
  if (capture && pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("profile: pipe: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("profile: fork: ") + std::strerror(errno));
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    if (capture) {
      dup2(pipe_fds[1], STDOUT_FILENO);
    } else if (relay_fd != STDOUT_FILENO) {
      dup2(relay_fd, STDOUT_FILENO);
    }
    execv(executable.c_str(), args.data());
    const std::string msg = "lockbench: error: profile: cannot run '" + executable +
                            "': " + std::strerror(errno) + "\n";
    (void)!write(STDERR_FILENO, msg.data(), msg.size());
    _exit(127);
  }
  g_child.store(pid);
  ChildResult result;
  if (capture) close(pipe_fds[1]);
  const auto deadline = start + std::chrono::nanoseconds(timeout_ns);
  bool term_sent = false;
  auto kill_at = deadline;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (timeout_ns != 0 && now >= kill_at) {
      result.timed_out = true;
      kill(pid, term_sent ? SIGKILL : SIGTERM);
      kill_at = now + std::chrono::seconds(5);
      term_sent = true;
    }
    if (capture && pipe_fds[0] >= 0) {
      pollfd p{pipe_fds[0], POLLIN, 0};
      if (poll(&p, 1, 20) > 0) {
        char buf[65536];
        const ssize_t n = read(pipe_fds[0], buf, sizeof(buf));
        if (n > 0) {
          result.stdout_text.append(buf, static_cast<std::size_t>(n));
          (void)!write(relay_fd, buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (n < 0 && errno != EINTR)) {
          close(pipe_fds[0]);
          pipe_fds[0] = -1;
        }
      }
    } else {
      usleep(2000);
    }
    const pid_t done = waitpid(pid, &result.wait_status, WNOHANG);
    if (done == pid) break;
  }
  result.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (capture && pipe_fds[0] >= 0) {
    // What the program's children still had to say after it ended.
    char buf[65536];
    ssize_t n;
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) {
      result.stdout_text.append(buf, static_cast<std::size_t>(n));
      (void)!write(relay_fd, buf, static_cast<std::size_t>(n));
    }
    close(pipe_fds[0]);
  }
  g_child.store(0);
  return result;
}

json ExitJson(int status) {
  json e;
  if (WIFEXITED(status)) {
    e["status"] = "exited";
    e["code"] = WEXITSTATUS(status);
    e["signal"] = nullptr;
  } else {
    e["status"] = "signaled";
    e["code"] = nullptr;
    e["signal"] = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return e;
}

// Runs `argv` and returns its stdout; empty when it cannot run.
std::string Capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "";
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    const int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  if (pid > 0) waitpid(pid, nullptr, 0);
  return out;
}

// True for an ELF shared object or position-independent executable, whose addresses are offsets
// from its load address; false for a fixed-address executable.
bool LoadsAnywhere(const std::string& module) {
  std::ifstream in(module, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof(header))) return true;
  return header.e_type == ET_DYN;
}

// Names each first contended call site with addr2line (binutils) where it can: the function,
// and file:line where the module has debug information. Without addr2line the sites keep the
// dynamic symbol the preload library found.
void Symbolise(json* rows) {
  std::map<std::string, std::vector<json*>> by_module;
  for (json& row : *rows) {
    for (json& p : row["processes"]) {
      for (json& l : p["locks"]) {
        json& site = l["first_contended_site"];
        if (site.is_null()) continue;
        // dladdr names the main program as it was started (argv[0]); the region has its path.
        if (site["module"].get<std::string>().find('/') == std::string::npos) {
          site["module"] = p["exe"];
        }
        if (!site["module"].get<std::string>().empty()) {
          by_module[site["module"].get<std::string>()].push_back(&site);
        }
      }
    }
  }
  for (auto& [module, sites] : by_module) {
    const bool relative = LoadsAnywhere(module);
    std::vector<std::string> argv = {"addr2line", "-f", "-C", "-e", module};
    for (json* site : sites) {
      // The call instruction: one byte before the return address.
      const std::uint64_t at =
          std::stoull((*site)[relative ? "module_offset" : "pc"].get<std::string>(), nullptr, 16);
      char hex[24];
      std::snprintf(hex, sizeof(hex), "0x%llx", static_cast<unsigned long long>(at - 1));
      argv.emplace_back(hex);
    }
    std::istringstream out(Capture(argv));
    for (json* site : sites) {
      std::string function, source;
      if (!std::getline(out, function) || !std::getline(out, source)) break;
      if (function != "??") (*site)["function"] = function;
      if (source.rfind("??", 0) != 0) (*site)["source"] = source;
    }
  }
}

double MetricOf(const std::regex& re, const std::string& text, bool* found) {
  *found = false;
  double value = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    char* end = nullptr;
    const std::string group = (*it)[1].str();
    const double v = std::strtod(group.c_str(), &end);
    if (!group.empty() && end == group.c_str() + group.size()) {
      value = v;
      *found = true;
    }
  }
  return value;
}

json RunRow(const ProfileOptions& o, const ProfilePlan& plan, const std::string& lock) {
  const std::string dir = MakeRegionDir();
  std::vector<std::pair<std::string, std::string>> env;
  const char* existing = std::getenv("LD_PRELOAD");
  env.emplace_back("LD_PRELOAD", plan.preload + (existing != nullptr && existing[0] != '\0'
                                                     ? std::string(":") + existing
                                                     : std::string()));
  env.emplace_back("LOCKBENCH_PROFILE_DIR", dir);
  env.emplace_back("LOCKBENCH_PROFILE_SAMPLE", std::to_string(plan.sample));
  env.emplace_back("LOCKBENCH_PROFILE_LOCK", lock == "pthread" ? "" : lock);
  std::string plugins;
  for (const LoadedPlugin& p : plan.catalog.plugins) plugins += (plugins.empty() ? "" : ":") + p.path;
  env.emplace_back("LOCKBENCH_PROFILE_PLUGINS", plugins);
  const int relay_fd = o.format == "json" ? STDERR_FILENO : STDOUT_FILENO;
  ChildResult child;
  try {
    child = RunChild(o.command, plan.executable, env, plan.metric.has_value(), relay_fd,
                     plan.timeout_ns);
  } catch (...) {
    RemoveRegionDir(dir);
    throw;
  }
  std::string warnings;
  json processes = ReadProfileRegions(dir, &warnings);
  RemoveRegionDir(dir);
  if (!warnings.empty()) PrintMessage("warning", "profile: " + warnings.substr(0, warnings.size() - 1));
  json row;
  row["lock"] = lock;
  row["exit"] = ExitJson(child.wait_status);
  row["timed_out"] = child.timed_out;
  row["wall_s"] = child.wall_s;
  row["metric"] = nullptr;
  if (plan.metric) {
    bool found = false;
    const double v = MetricOf(*plan.metric, child.stdout_text, &found);
    if (found) {
      row["metric"] = v;
    } else {
      PrintMessage("warning", "--metric-regex: no match with a number in the program's output "
                              "on " + lock);
    }
  }
  row["totals"] = ProfileTotals(processes);
  row["processes"] = std::move(processes);
  return row;
}

// <dir>/<row>.p<pid>.<address>.g<generation>.<wait|hold>.<mode>.hgrm for the top locks, in
// microseconds, as `run --hgrm` writes.
void WriteProfileHgrm(const std::string& dir, const json& rows, int top) {
  HgrmOptions options;
  options.value_unit_ratio = 1000.0;
  for (const json& row : rows) {
    auto locks = LocksByWait(row);
    if (locks.size() > static_cast<std::size_t>(top)) locks.resize(static_cast<std::size_t>(top));
    for (const auto& [p, l] : locks) {
      const std::string stem = dir + "/" + row["lock"].get<std::string>() + ".p" +
                               std::to_string((*p)["pid"].get<int>()) + "." +
                               (*l)["address"].get<std::string>() +
                               ".g" + std::to_string((*l)["generation"].get<std::uint64_t>()) + ".";
      for (const char* what : {"wait", "hold"}) {
        for (const char* mode : {"exclusive", "shared"}) {
          const Histogram h = ProfileHistogramFromJson((*l)[std::string(what) + "_ns"][mode]);
          if (h.TotalCount() == 0) continue;
          std::ostringstream text;
          WriteHgrm(h, text, options);
          try {
            WriteFileAtomically(stem + what + "." + mode + ".hgrm", text.str());
          } catch (const std::exception& e) {
            PrintMessage("warning", std::string("--hgrm: ") + e.what());
          }
        }
      }
    }
  }
}

bool RowFailed(const json& row) {
  return row["timed_out"].get<bool>() || row["exit"]["status"] != "exited" ||
         row["exit"]["code"].get<int>() != 0;
}

}  // namespace

// --record-workload: the observe run (row 0) as a workload, written as the workload parser
// writes it back, so the file is checked and reads back identical.
int WriteRecordedWorkload(const ProfileOptions& o, const json& doc) {
  const json& context = doc["context"];
  std::string command;
  for (const std::string& arg : o.command) command += (command.empty() ? "" : " ") + arg;
  const Provenance from{command, context["date"].get<std::string>(),
                        context["hostname"].get<std::string>(),
                        context["commit"].get<std::string>()};
  std::string name = std::filesystem::path(o.record_workload).stem().string();
  std::string why;
  const json recorded = RecordWorkload(doc["profile"]["rows"][0], from, name, &why);
  if (recorded.is_null()) {
    PrintMessage("error", "--record-workload: nothing to record: " + why);
    return kExitUsage;
  }
  try {
    const json written = WorkloadToJson(ParseWorkload(recorded.dump(), o.record_workload));
    WriteFileAtomically(UserPath(o.record_workload), written.dump(2) + "\n");
  } catch (const std::exception& e) {
    PrintMessage("error", std::string("--record-workload: ") + e.what());
    return kExitUsage;
  }
  const json& covered = recorded["recorded_from"];
  std::fprintf(stderr,
               "lockbench: wrote %s: %d threads, %s lock instances carrying %s%% of the "
               "acquisitions, read ratio %s\n",
               OneLine(o.record_workload).c_str(), recorded["threads"].get<int>(),
               recorded.contains("lock_weights")
                   ? std::to_string(recorded["lock_weights"].size()).c_str()
                   : "1",
               Fixed(100 * covered["coverage"].get<double>(), 1).c_str(),
               Shortest(recorded["read_ratio"].get<double>()).c_str());
  return kExitOk;
}

int ProfileCommand(const ProfileOptions& o) {
  ProfilePlan plan;
  try {
    plan = Plan(o);
  } catch (const SpecError& e) {
    return UsageError(e.what());
  } catch (const std::runtime_error& e) {
    return UsageError(e.what());
  }
  struct sigaction forward {};
  forward.sa_handler = ForwardSignal;
  sigemptyset(&forward.sa_mask);
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);

  json rows = json::array();
  int exit_code = kExitOk;
  for (const std::string& lock : plan.rows) {
    try {
      rows.push_back(RunRow(o, plan, lock));
    } catch (const std::runtime_error& e) {
      PrintMessage("error", e.what());
      return kExitUsage;
    }
    if (RowFailed(rows.back())) exit_code = kExitProgramFailed;
    if (g_interrupted.load() != 0) {
      exit_code = kExitInterrupted;
      break;
    }
  }
  Symbolise(&rows);

  json doc;
  doc["schema_version"] = 1;
  doc["context"] = BuildContext(Topology::LoadThisMachine(), Clock(), MeasuredTimedAcquisitionCost());
  json& profile = doc["profile"];
  profile["command"] = o.command;
  profile["locks"] = plan.rows;
  profile["plugins"] = PluginsJson(plan.catalog.plugins);
  profile["sample"] = plan.sample;
  profile["metric_regex"] = o.metric_regex.empty() ? json(nullptr) : json(o.metric_regex);
  profile["timeout_ns"] = plan.timeout_ns == 0 ? json(nullptr) : json(plan.timeout_ns);
  profile["rows"] = std::move(rows);
  doc["runs"] = json::array();

  if (o.format == "json") {
    std::cout << doc.dump(2) << "\n";
  } else {
    RenderProfileReport(doc, o.top, std::cout);
  }
  std::cout.flush();
  if (!o.hgrm_dir.empty()) WriteProfileHgrm(UserPath(o.hgrm_dir), doc["profile"]["rows"], o.top);
  if (!o.record_workload.empty() && !doc["profile"]["rows"].empty()) {
    const int code = WriteRecordedWorkload(o, doc);
    if (exit_code == kExitOk) exit_code = code;
  }
  if (!o.out.empty()) {
    try {
      WriteFileAtomically(UserPath(o.out), doc.dump(2) + "\n");
      std::fprintf(stderr, "lockbench: wrote %s\n", OneLine(o.out).c_str());
    } catch (const std::exception& e) {
      PrintMessage("error", std::string("--out: ") + e.what());
      if (exit_code == kExitOk) exit_code = kExitUsage;
    }
  }
  return exit_code;
}

}  // namespace lockbench
