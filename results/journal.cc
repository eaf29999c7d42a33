#include "results/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <tuple>

#include "base/strings.h"
#include "results/result_file.h"
#include "results/result_json.h"

namespace lockbench {
namespace {

using nlohmann::json;

// Journals are larger than result files only by their header: the same bound.
constexpr std::size_t kMaxJournalBytes = std::size_t{256} << 20;

std::string ReadText(const std::string& path) {
  try {
    return ReadFileBounded(path, kMaxJournalBytes);
  } catch (const std::runtime_error& e) {
    throw JournalError(e.what());
  }
}

// A complete line as a JSON object; throws naming the line.
json ParseLine(const std::string& path, std::size_t number, const std::string& line) {
  const std::string where = path + ":" + std::to_string(number) + ": ";
  json value;
  try {
    value = json::parse(line);
  } catch (const json::exception& e) {
    const std::string what = e.what();
    const std::size_t close = what.find("] ");
    throw JournalError(where + "not valid JSON: " +
                       (close == std::string::npos ? what : what.substr(close + 2)));
  }
  if (!value.is_object()) throw JournalError(where + "expected a JSON object");
  return value;
}

// Checks a run line as a result file's reader checks a run of its file: within a document of the
// header's context and config.
void CheckRun(const std::string& where, const json& header, const json& run) {
  json doc = json::object();
  doc["schema_version"] = kSchemaVersion;
  doc["context"] = header.value("context", json());
  doc["config"] = header.value("config", json());
  doc["runs"] = json::array();
  doc["runs"].push_back(run);
  try {
    ParseResultFile(where, doc.dump());
  } catch (const CompareInputError& e) {
    throw JournalError(e.what());
  }
}

// "process 1234 on host h", from the header of the journal at `path`, which another process
// writes; "another process" when it does not say.
std::string Holder(const std::string& path) {
  try {
    const std::string text = ReadFileBounded(path, kMaxJournalBytes);
    const json owner = json::parse(text.substr(0, text.find('\n'))).at("owner");
    return "process " + owner.at("pid").dump() + " on host " + owner.at("host").get<std::string>();
  } catch (const std::exception&) {
    return "another process";
  }
}

bool SameFile(int fd, const std::string& path) {
  struct stat held {};
  struct stat named {};
  return fstat(fd, &held) == 0 && stat(path.c_str(), &named) == 0 &&
         held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

JournalLock::~JournalLock() {
  if (fd_ >= 0) close(fd_);
}

JournalLock::JournalLock(JournalLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

JournalLock& JournalLock::operator=(JournalLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

JournalLock JournalLock::Take(const std::string& path) {
  // A journal replaced between the open and the lock (a resume that started first rewrites it)
  // is locked again under its name.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw JournalError(path + ": " + std::strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      close(fd);
      if (err == EWOULDBLOCK) {
        throw JournalBusy(path + " is in use by " + Holder(path) +
                          " (a sweep or a resume of it); wait for it to end");
      }
      throw JournalError(path + ": cannot lock: " + std::strerror(err));
    }
    if (SameFile(fd, path)) return JournalLock(fd);
    close(fd);
  }
  throw JournalBusy(path + " is being replaced by another process again and again");
}

json JournalOwner() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return {{"host", std::string(host)}, {"pid", static_cast<int64_t>(getpid())}};
}

std::string JournalPath(const std::string& result_path) { return result_path + ".journal"; }

double JournaledRate(const json& run) {
  const auto open = run.find("open_loop");
  if (open == run.end() || !open->is_object()) return 0;
  const auto rate = open->find("offered_ops_per_s");
  return rate != open->end() && rate->is_number() ? rate->get<double>() : 0;
}

Journal ReadJournal(const std::string& path) {
  const std::string text = ReadText(path);
  Journal journal;
  std::set<std::tuple<std::string, int64_t, double, int64_t>> seen;
  std::size_t begin = 0;
  for (std::size_t number = 1; begin < text.size(); ++number) {
    const std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) {  // the process died while writing this line
      if (number == 1) {
        throw JournalError(path + ":1: the header is cut short: the sweep measured nothing "
                           "before it ended; start it again without --resume");
      }
      journal.torn_line = number;
      break;
    }
    json line = ParseLine(path, number, text.substr(begin, end - begin));
    begin = end + 1;
    if (number == 1) {
      if (!line.contains("context") || !line["context"].is_object() || !line.contains("config") ||
          !line["config"].is_object()) {
        throw JournalError(path + ":1: not the header of a lockbench journal (its context or "
                           "config is missing)");
      }
      journal.header = std::move(line);
      continue;
    }
    const auto lock = line.find("lock");
    const auto threads = line.find("threads");
    const auto repetition = line.find("repetition");
    if (lock == line.end() || !lock->is_string() || threads == line.end() ||
        !threads->is_number_integer() || repetition == line.end() ||
        !repetition->is_number_integer()) {
      throw JournalError(path + ":" + std::to_string(number) +
                         ": expected a run with lock, threads and repetition");
    }
    CheckRun(path + ":" + std::to_string(number), journal.header, line);
    const double rate = JournaledRate(line);
    if (!seen.emplace(lock->get<std::string>(), threads->get<int64_t>(), rate,
                      repetition->get<int64_t>())
             .second) {
      throw JournalError(path + ":" + std::to_string(number) + ": run " + lock->get<std::string>() +
                         ", " +
                         CountedNoun(static_cast<size_t>(threads->get<int64_t>()), "thread", "threads") +
                         AtRate(rate) + ", repetition " +
                         repetition->dump() + " is already on an earlier line");
    }
    journal.runs.push_back(std::move(line));
  }
  if (journal.header.is_null()) throw JournalError(path + ": empty file, not a journal");
  return journal;
}

Journal ReadJournalLocked(const std::string& path) {
  JournalLock lock = JournalLock::Take(path);
  Journal journal = ReadJournal(path);
  journal.lock = std::move(lock);
  return journal;
}

JournalWriter::JournalWriter(const std::string& path, const json& header,
                             const std::vector<json>& runs, const JournalLock* resumed)
    : path_(path) {
  std::string text = header.dump() + "\n";
  for (const json& run : runs) text += run.dump() + "\n";
  // Written whole and locked under a name of its own, then given the journal's: whoever opens
  // the journal finds it complete and locked.
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create a file beside '" + path + "': " + std::strerror(errno));
  JournalLock lock(fd);
  auto fail = [&](const std::string& why) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + why);
  };
  fchmod(fd, 0644);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) fail(std::string("cannot lock: ") + std::strerror(errno));
  if (const int err = WriteAll(fd, text); err != 0) fail(std::strerror(err));
  if (fsync(fd) != 0) fail(std::strerror(errno));
  if (resumed != nullptr) {
    if (rename(tmp.c_str(), path.c_str()) != 0) fail(std::strerror(errno));
  } else {
    // link() fails where a file has the name: a journal another sweep made is never replaced.
    if (link(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      unlink(tmp.c_str());
      if (err != EEXIST) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
      JournalLock::Take(path);  // throws JournalBusy while its sweep runs
      throw JournalError(path + ": a sweep that did not finish left it");
    }
    unlink(tmp.c_str());
  }
  lock_ = std::move(lock);
  out_ = std::make_unique<DurableAppender>(path);
}

// One write of the whole line: a kill leaves the line complete or without its newline.
void JournalWriter::Add(const json& run) { out_->Append(run.dump() + "\n"); }

}  // namespace lockbench
