// The journal of a sweep: FILE.journal beside the result file FILE, so that a sweep killed in its
// 380th run of 400 (SIGKILL, the OOM killer, a lost session, a reboot) keeps the runs before it.
// Line 1 is the header, an object the tool fills (what it needs to rebuild the plan and to check
// that a resume belongs to the same binary, configuration and machine); every further line is one
// finished run, the `runs[]` entry exactly as the result file will hold it. Each line is written
// whole and fsynced before the next run starts, so a process that dies leaves at most its last
// line without the newline: the reader skips that line and reports it.
#ifndef LOCKBENCH_RESULTS_JOURNAL_H_
#define LOCKBENCH_RESULTS_JOURNAL_H_

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "base/file_io.h"

namespace lockbench {

// A journal that cannot be read or is malformed. what() is one line "<path>: <what>" or
// "<path>:<line>: <what>".
class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The journal is in use: another process (a sweep or a resume of it) holds its lock. what() is
// one line naming the journal and, from its header, the process and host.
class JournalBusy : public JournalError {
 public:
  using JournalError::JournalError;
};

// An exclusive lock (flock) on a journal file, held while this lives. A sweep holds it on its
// journal from start to end, and a resume from before it reads the journal, so two processes on
// one machine or on a shared file system never write one journal.
class JournalLock {
 public:
  JournalLock() = default;
  ~JournalLock();
  JournalLock(JournalLock&& other) noexcept;
  JournalLock& operator=(JournalLock&& other) noexcept;
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;

  // Locks the journal at `path` without waiting; throws JournalBusy when another process holds
  // it, JournalError when it cannot be opened.
  static JournalLock Take(const std::string& path);
  bool held() const { return fd_ >= 0; }

 private:
  friend class JournalWriter;
  explicit JournalLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// "FILE.journal": where the journal of the result file FILE lives.
std::string JournalPath(const std::string& result_path);

struct Journal {
  nlohmann::json header;              // line 1, an object
  std::vector<nlohmann::json> runs;   // the complete run lines, in order
  std::size_t torn_line = 0;          // the number of a last line cut short (skipped), else 0
  JournalLock lock;                   // held when read by ReadJournalLocked
};

// The open-loop rate a journaled run was offered (open_loop.offered_ops_per_s), 0 for a
// closed-loop run or a line without a numeric rate: with lock, threads and repetition, what
// tells the runs of a sweep apart.
double JournaledRate(const nlohmann::json& run);

// Reads and checks a journal: the header an object, each complete run line a run as a result
// file holds it (checked as the result file's reader checks a run, with the header's context
// and config), no run (of one rate) twice. A last line without its newline is skipped
// (torn_line); anything else malformed throws JournalError naming the line.
Journal ReadJournal(const std::string& path);

// ReadJournal with the journal's lock taken first (Journal::lock), for a resume; throws
// JournalBusy when another process holds it.
Journal ReadJournalLocked(const std::string& path);

// Writes a journal: the constructor puts down the header and the runs already finished, whole
// or not at all, in a new file it locks before the file takes the journal's name; `resumed`
// (the lock of the journal being resumed) replaces that journal, so a torn line goes; without
// it, a journal already there is never replaced (JournalBusy names the sweep that made it, or
// JournalError says it is left by one that did not finish). Add appends one run line and
// returns once it is on disk. Throws std::runtime_error with a one-line reason on failure.
class JournalWriter {
 public:
  JournalWriter(const std::string& path, const nlohmann::json& header,
                const std::vector<nlohmann::json>& runs, const JournalLock* resumed);
  void Add(const nlohmann::json& run);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  JournalLock lock_;
  std::unique_ptr<DurableAppender> out_;
};

// The header's record of the process that writes the journal, for JournalBusy's message.
nlohmann::json JournalOwner();

}  // namespace lockbench

#endif  // LOCKBENCH_RESULTS_JOURNAL_H_
