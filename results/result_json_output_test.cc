// WriteFileAtomically and CheckWritable on paths that are not plain writable files. Renaming a
// temporary file over a device node replaced the node itself: `--out /dev/null` run as root
// turned /dev/null into a regular file for every process on the machine.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <stdexcept>
#include <string>

#include "gtest/gtest.h"
#include "base/file_io.h"

namespace lockbench {
namespace {

namespace fs = std::filesystem;

fs::path ScratchDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  fs::path dir = fs::path(base != nullptr ? base : fs::temp_directory_path().string()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A pipe is written through: the reader gets the text and the FIFO stays a FIFO.
TEST(WriteFileAtomically, WritesThroughAFifo) {
  const fs::path dir = ScratchDir("fifo");
  const fs::path fifo = dir / "out.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading blocks until the writer opens it, so the reader runs beside.
  std::future<std::string> got = std::async(std::launch::async, [&fifo] { return ReadAll(fifo); });
  WriteFileAtomically(fifo.string(), "{\"runs\": []}\n");
  // A writer that never opened the FIFO leaves the reader blocked for good, and the future's
  // destructor would wait for it: fail loudly instead of hanging.
  if (got.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    std::fprintf(stderr, "WriteFileAtomically never opened the FIFO for writing\n");
    std::abort();
  }
  EXPECT_EQ(got.get(), "{\"runs\": []}\n");
  struct stat st {};
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "a temporary file was left beside the FIFO";
}

// A character device (a private copy of /dev/null, which only root may create) stays a device.
TEST(WriteFileAtomically, LeavesADeviceNodeInPlace) {
  const fs::path dir = ScratchDir("device");
  const fs::path null_copy = dir / "null";
  if (mknod(null_copy.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "cannot create a device node here (needs root): " << std::strerror(errno);
  }
  WriteFileAtomically(null_copy.string(), "{}\n");
  struct stat st {};
  ASSERT_EQ(lstat(null_copy.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "the device node was replaced";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

// Through a symlink, the file it names is replaced whole and the link still names it.
TEST(WriteFileAtomically, KeepsASymlinkAndReplacesItsTarget) {
  const fs::path dir = ScratchDir("symlink");
  const fs::path target = dir / "results-2026.json";
  const fs::path link = dir / "latest.json";
  { std::ofstream(target) << "old\n"; }
  fs::create_symlink(target.filename(), link);
  WriteFileAtomically(link.string(), "new\n");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(ReadAll(target), "new\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
}

// The ordinary case is unchanged: a regular file is replaced whole, nothing left beside it.
TEST(WriteFileAtomically, ReplacesARegularFile) {
  const fs::path dir = ScratchDir("regular");
  const fs::path file = dir / "r.json";
  { std::ofstream(file) << "old\n"; }
  WriteFileAtomically(file.string(), "new\n");
  EXPECT_EQ(ReadAll(file), "new\n");
  EXPECT_FALSE(fs::is_symlink(file));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

// access() let root through where no file can be created, so a bad --out was found only after
// the whole run had been measured. /proc refuses new files to everyone, root included.
TEST(CheckWritable, RefusesWhereNoFileCanBeCreated) {
  try {
    CheckWritable("/proc/lockbench-result.json");
    FAIL() << "CheckWritable accepted a path in /proc";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create a file in '/proc'"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists("/proc/lockbench-result.json"));
}

TEST(CheckWritable, RefusesADirectoryAndLeavesNothingBehind) {
  const fs::path dir = ScratchDir("check");
  fs::create_directory(dir / "sub");
  EXPECT_THROW(CheckWritable((dir / "sub").string()), std::runtime_error);
  CheckWritable((dir / "new.json").string());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "the probe file was left behind";
}

}  // namespace
}  // namespace lockbench
