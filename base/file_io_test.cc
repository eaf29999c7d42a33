// ReadFileBounded: whole files up to the bound, and the two one-line errors past it.
#include "base/file_io.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "gtest/gtest.h"

namespace lockbench {
namespace {

namespace fs = std::filesystem;

std::string ScratchDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  return base != nullptr ? base : fs::temp_directory_path().string();
}

fs::path ScratchFile(const std::string& name, const std::string& text) {
  const fs::path path = fs::path(ScratchDir()) / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string ErrorOf(const std::string& path, std::size_t max_bytes) {
  try {
    ReadFileBounded(path, max_bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "read";
}

TEST(ReadFileBounded, ReadsUpToTheBound) {
  const fs::path path = ScratchFile("five", "12345");
  EXPECT_EQ(ReadFileBounded(path.string(), 5), "12345");
  EXPECT_EQ(ReadFileBounded(path.string(), 1 << 20), "12345");
  EXPECT_EQ(ReadFileBounded(ScratchFile("empty", "").string(), 0), "");
}

TEST(ReadFileBounded, RefusesMoreThanTheBound) {
  const std::string path = ScratchFile("six", "123456").string();
  EXPECT_THROW(ReadFileBounded(path, 5), FileTooLarge);
  EXPECT_EQ(ErrorOf(path, 5), path + ": larger than 5 bytes");
  EXPECT_EQ(ErrorOf("/dev/zero", std::size_t{1} << 20), "/dev/zero: larger than 1 MiB");
}

TEST(ReadFileBounded, NamesThePathAndTheReasonItCannotRead) {
  EXPECT_EQ(ErrorOf("/nonexistent/lockbench.json", 10),
            "/nonexistent/lockbench.json: cannot read: No such file or directory");
  const std::string dir = ScratchDir();
  EXPECT_EQ(ErrorOf(dir, 10), dir + ": cannot read: Is a directory");
}

}  // namespace
}  // namespace lockbench
