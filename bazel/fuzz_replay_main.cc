// A main() that replays inputs through a libFuzzer target without libFuzzer, so that a fuzz
// target's seed corpus and the inputs that once crashed it run as an ordinary test under any
// compiler. Each argument is a file, or a directory whose regular files are replayed in name
// order. A target signals a finding by crashing or throwing, exactly as under libFuzzer.
//
// It is build support, not product code: every package's fuzz_replay_test (bazel/fuzz.bzl) links
// it.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// A parser that loops forever on some input must fail the test, naming the input, rather than
// hang it until Bazel's timeout.
constexpr auto kWatchdog = std::chrono::seconds(120);

std::mutex g_current_mu;
std::string g_current;  // the input being replayed, for the watchdog's message

std::vector<fs::path> Inputs(const std::vector<std::string>& args) {
  std::vector<fs::path> files;
  for (const std::string& arg : args) {
    if (fs::is_directory(arg)) {
      std::vector<fs::path> in_dir;
      for (const fs::directory_entry& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file()) in_dir.push_back(e.path());
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.emplace_back(arg);
    }
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::thread([] {
    std::this_thread::sleep_for(kWatchdog);
    std::lock_guard<std::mutex> lock(g_current_mu);
    std::fprintf(stderr, "fuzz replay: no result after %lld s on %s\n",
                 static_cast<long long>(kWatchdog.count()), g_current.c_str());
    std::abort();
  }).detach();

  const std::vector<fs::path> files = Inputs(std::vector<std::string>(argv + 1, argv + argc));
  if (files.empty()) {
    std::fprintf(stderr, "fuzz replay: no inputs given; pass corpus files or directories\n");
    return 1;
  }
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz replay: cannot read %s\n", file.c_str());
      return 1;
    }
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    {
      std::lock_guard<std::mutex> lock(g_current_mu);
      g_current = file.string();
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::printf("fuzz replay: %zu inputs replayed without a finding\n", files.size());
  return 0;
}
