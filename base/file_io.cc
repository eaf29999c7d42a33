#include "base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace lockbench {

std::string UserPath(const std::string& path) {
  const char* base = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || base == nullptr || *base == '\0') return path;
  return std::string(base) + "/" + path;
}

namespace {

// Closes a file descriptor on every path out.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string CannotRead(const std::string& path, int err) {
  return path + ": cannot read: " + std::strerror(err);
}

std::string SizeText(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

void WriteThrough(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  if (const int err = WriteAll(fd, text); err != 0) {
    close(fd);
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
  }
  close(fd);
}

// Where the new file goes: through a symlink, beside the file it names, so the link survives.
std::string ReplacedFile(const std::string& path) {
  std::string target = path;
  if (char* real = realpath(path.c_str(), nullptr); real != nullptr) {
    target = real;
    std::free(real);
  }
  return target;
}

}  // namespace

int WriteAll(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    written += static_cast<size_t>(n);
  }
  return 0;
}


// Renaming a file over a device would replace the node itself (as root, /dev/null for everyone).
bool IsStream(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

DurableAppender::DurableAppender(const std::string& path)
    : path_(path), fd_(open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error("cannot append to '" + path + "': " + std::strerror(errno));
}

DurableAppender::~DurableAppender() { close(fd_); }

void DurableAppender::Append(const std::string& text) {
  int err = WriteAll(fd_, text);
  if (err == 0 && fsync(fd_) != 0) err = errno;
  if (err != 0) throw std::runtime_error("cannot append to '" + path_ + "': " + std::strerror(err));
}

std::string ReadFileBounded(const std::string& path, std::size_t max_bytes) {
  const Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw std::runtime_error(CannotRead(path, errno));
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const std::size_t want = std::min(sizeof buf, max_bytes + 1 - text.size());
    const ssize_t n = read(fd.get(), buf, want);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(CannotRead(path, errno));
    }
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) throw FileTooLarge(path + ": larger than " + SizeText(max_bytes));
  }
}

void CheckWritable(const std::string& path) {
  if (path.empty()) throw std::runtime_error("empty path");
  if (!path.empty() && path.back() == '/') throw std::runtime_error("'" + path + "' is a directory");
  if (IsStream(path)) {
    if (access(path.c_str(), W_OK) != 0) throw std::runtime_error("'" + path + "' is not writable");
    return;
  }
  const std::string dir = DirectoryOf(path);
  if (access(dir.c_str(), F_OK) != 0) {
    throw std::runtime_error("directory '" + dir + "' does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw std::runtime_error("directory '" + dir + "' is not writable");
  }
  if (access(path.c_str(), F_OK) == 0 && access(path.c_str(), W_OK) != 0) {
    throw std::runtime_error("'" + path + "' is not writable");
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw std::runtime_error("'" + path + "' is a directory");
  }
  // access() judges permission bits only, and root passes it where nothing can be created
  // (/proc, a read-only mount): create the temporary file for real, then remove it.
  std::string probe = ReplacedFile(path) + ".tmp.XXXXXX";
  const int fd = mkstemp(probe.data());
  if (fd < 0) {
    throw std::runtime_error("cannot create a file in '" + dir + "': " + std::strerror(errno));
  }
  close(fd);
  unlink(probe.c_str());
}

void WriteFileAtomically(const std::string& path, const std::string& text) {
  CheckWritable(path);
  if (IsStream(path)) {
    WriteThrough(path, text);
    return;
  }
  const std::string target = ReplacedFile(path);
  std::string tmp = target + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error("cannot create a file beside '" + path + "': " + std::strerror(errno));
  if (const int err = WriteAll(fd, text); err != 0) {
    close(fd);
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + std::strerror(err));
  }
  fchmod(fd, 0644);
  // The errno is kept before unlink can change it, and fd is closed even when fsync fails.
  const int sync_err = fsync(fd) != 0 ? errno : 0;
  const int close_err = close(fd) != 0 ? errno : 0;
  if (sync_err != 0 || close_err != 0) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " +
                             std::strerror(sync_err != 0 ? sync_err : close_err));
  }
  if (rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "': " + why);
  }
}

}  // namespace lockbench
