// Reading and writing whole files, for every command that takes or leaves one: a reader with a
// size bound (a result file, a workload file), a writer that leaves a file whole or not at all,
// and the path a user meant. Messages are one line that names the path, for the caller to pass on
// or reword.
#ifndef LOCKBENCH_BASE_FILE_IO_H_
#define LOCKBENCH_BASE_FILE_IO_H_

#include <cstddef>
#include <stdexcept>
#include <string>

namespace lockbench {

// A path as the user meant it: relative paths are taken from where `bazel run` was started
// (BUILD_WORKING_DIRECTORY) when run that way, else from the current directory.
std::string UserPath(const std::string& path);

// The file held more than the reader's bound.
class FileTooLarge : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// All of `path`, refusing more than `max_bytes`, so that /dev/zero or a runaway pipe is an error
// rather than all of memory. Throws FileTooLarge "<path>: larger than N MiB" (N bytes when
// max_bytes is not a whole number of MiB), or std::runtime_error "<path>: cannot read:
// <strerror>". Reads at most max_bytes + 1 bytes.
std::string ReadFileBounded(const std::string& path, std::size_t max_bytes);

// Writes `text` to `path` whole or not at all: a temporary file beside it, fsync, rename.
// Throws std::runtime_error with a one-line reason (missing directory, permission) on failure;
// an existing file at `path` is then left untouched. A device or pipe at `path` (/dev/null,
// /dev/stdout, a FIFO) is written through instead, and a symlink keeps naming the new file.
void WriteFileAtomically(const std::string& path, const std::string& text);

// Writes all of `text` to fd, past short writes and EINTR; returns 0 or the failure's errno.
int WriteAll(int fd, const std::string& text);

// A device, pipe or socket (after symlinks) at `path`: /dev/null, /dev/stdout, a FIFO. Written
// through rather than replaced; nothing beside it (a journal) belongs there.
bool IsStream(const std::string& path);

// A file that grows by whole records: each Append writes its text with one write() where it can,
// then fsyncs, so a record is on disk before Append returns and a process killed meanwhile leaves
// at most the last record cut short. Opens `path` (which must exist) for appending; throws
// std::runtime_error "cannot append to '<path>': <strerror>" on open and on a failed Append.
class DurableAppender {
 public:
  explicit DurableAppender(const std::string& path);
  ~DurableAppender();
  DurableAppender(const DurableAppender&) = delete;
  DurableAppender& operator=(const DurableAppender&) = delete;
  void Append(const std::string& text);

 private:
  std::string path_;
  int fd_;
};

// Checks that a file can later be created at `path` (its directory exists and is writable),
// so a run can refuse a bad --out before spending minutes measuring. Throws like above.
void CheckWritable(const std::string& path);

}  // namespace lockbench

#endif  // LOCKBENCH_BASE_FILE_IO_H_
