// The profile reader on region files made here, as the preload library lays them out.
#include "results/profile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "lockimpls/preload/profile_shm.h"

namespace lockbench {
namespace {

namespace shm = profile_shm;

TEST(ProfileHistogramLayoutTest, EveryValueLandsInTheBucketWhoseTopTheReaderRecords) {
  Histogram h(HistogramOptions{shm::kHistSubBucketBits, shm::kHistHighest});
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 31, 63, 64, 65, 1000, 123456,
                          (std::uint64_t{1} << 39) + 5, shm::kHistHighest}) {
    const std::size_t i = shm::HistIndex(v);
    ASSERT_LT(i, shm::kHistBuckets) << v;
    const std::uint64_t high = shm::HistBucketHigh(i);
    EXPECT_GE(high, v) << v;
    EXPECT_EQ(shm::HistIndex(high), i) << v;
    if (i > 0) EXPECT_LT(shm::HistBucketHigh(i - 1), v) << v;
  }
  EXPECT_EQ(shm::HistIndex(shm::kHistHighest), shm::kHistBuckets - 1);
  // The rebuilt histogram's percentile is the top of the recorded value's bucket.
  h.RecordN(shm::HistBucketHigh(shm::HistIndex(1000)), 3);
  EXPECT_EQ(h.ValueAtPercentile(50), shm::HistBucketHigh(shm::HistIndex(1000)));
}

// A region file in a fresh directory, filled by the test as the library would.
class RegionFile {
 public:
  RegionFile() {
    char tmpl[] = "/tmp/profile_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/100-0.lbprof";
    bytes_ = shm::RegionBytes(kCapacity);
    const int fd = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes_)), 0);
    mem_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    h_ = static_cast<shm::RegionHeader*>(mem_);
    h_->magic = shm::kMagic;
    h_->version = shm::kVersion;
    h_->header_bytes = sizeof(shm::RegionHeader);
    h_->record_bytes = sizeof(shm::LockRecord);
    h_->histogram_bytes = sizeof(shm::ShmHistogram);
    h_->capacity = kCapacity;
    h_->pid = 100;
    h_->sample = 1;
  }
  ~RegionFile() {
    munmap(mem_, bytes_);
    std::system(("rm -rf " + dir_).c_str());
  }

  shm::LockRecord& Use(std::uint32_t i, std::uint64_t address, std::uint32_t kind) {
    shm::LockRecord& r = shm::Records(h_)[i];
    r.state = 2;
    r.address = address;
    r.object_kind = kind;
    r.generation = 1;
    if (h_->records_used < i + 1) h_->records_used = i + 1;
    return r;
  }
  shm::RegionHeader* header() { return h_; }
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

  static constexpr std::uint32_t kCapacity = 16;

 private:
  std::string dir_, path_;
  std::size_t bytes_ = 0;
  void* mem_ = nullptr;
  shm::RegionHeader* h_ = nullptr;
};

TEST(ReadProfileRegionsTest, EachObjectKindHasItsNameAndAKindFromAnotherBuildReadsUnknown) {
  RegionFile f;
  const std::pair<std::uint32_t, const char*> kinds[] = {
      {shm::kMutexNormal, "mutex"},
      {shm::kMutexRecursive, "recursive_mutex"},
      {shm::kMutexErrorCheck, "errorcheck_mutex"},
      {shm::kMutexAdaptive, "adaptive_mutex"},
      {shm::kRwlock, "rwlock"},
      {77, "unknown"},
  };
  std::map<std::string, std::string> want;  // address -> kind
  for (std::uint32_t i = 0; i < std::size(kinds); ++i) {
    f.Use(i, 0x1000 * (i + 1), kinds[i].first).acquisitions[0] = 1;
    want["0x" + std::to_string(i + 1) + "000"] = kinds[i].second;  // 0x1000 .. 0x6000
  }
  std::string warnings;
  const nlohmann::json processes = ReadProfileRegions(f.dir(), &warnings);
  ASSERT_EQ(processes.size(), 1u);
  std::map<std::string, std::string> got;
  for (const auto& l : processes[0]["locks"]) got[l["address"]] = l["kind"];
  EXPECT_EQ(got, want);
}

TEST(ReadProfileRegionsTest, RecordsBecomeLocksWithCountsHistogramsAndThreads) {
  RegionFile f;
  std::strcpy(f.header()->lock, "push_lock");
  shm::LockRecord& mutex = f.Use(3, 0x1000, shm::kMutexNormal);
  mutex.served = shm::kServedSubstituted;
  mutex.acquisitions[0] = 10;
  mutex.contended[0] = 4;
  mutex.threads[0] = 0b101;  // threads 1 and 3
  for (std::uint64_t wait : {100, 200, 300, 400}) shm::Histograms(f.header(), 3, 0)->Record(wait);
  shm::LockRecord& robust = f.Use(7, 0x2000, shm::kMutexNormal);
  robust.flags = shm::kFlagRobust;
  robust.served = shm::kServedGlibc;
  robust.acquisitions[0] = 2;
  shm::LockRecord& rw = f.Use(5, 0x3000, shm::kRwlock);
  rw.served = shm::kServedSubstituted;
  rw.acquisitions[1] = 6;
  f.Use(9, 0x4000, shm::kMutexRecursive).state = 1;  // being filled: not read

  std::string warnings;
  const nlohmann::json processes = ReadProfileRegions(f.dir(), &warnings);
  EXPECT_EQ(warnings, "");
  ASSERT_EQ(processes.size(), 1u);
  const nlohmann::json& locks = processes[0]["locks"];
  ASSERT_EQ(locks.size(), 3u);
  // Longest total wait first.
  EXPECT_EQ(locks[0]["address"], "0x1000");
  EXPECT_EQ(locks[0]["served_by"], "push_lock");
  EXPECT_EQ(locks[0]["acquisitions"]["exclusive"], 10);
  EXPECT_EQ(locks[0]["contended"]["exclusive"], 4);
  EXPECT_DOUBLE_EQ(locks[0]["contended_fraction"].get<double>(), 0.4);
  EXPECT_EQ(locks[0]["threads"], 2);
  EXPECT_EQ(locks[0]["total_wait_ns"], 1000);
  EXPECT_EQ(locks[0]["wait_ns"]["exclusive"]["count"], 4);
  EXPECT_EQ(locks[0]["wait_ns"]["exclusive"]["max"], 400);
  EXPECT_DOUBLE_EQ(locks[0]["wait_ns"]["exclusive"]["mean"].get<double>(), 250.0);
  nlohmann::json robust_json, rw_json;
  for (const auto& l : locks) {
    if (l["address"] == "0x2000") robust_json = l;
    if (l["address"] == "0x3000") rw_json = l;
  }
  EXPECT_EQ(robust_json["served_by"], "pthread");
  EXPECT_EQ(robust_json["stays_on_glibc"], "robust mutex");
  EXPECT_EQ(robust_json["attributes"], nlohmann::json::array({"robust"}));
  EXPECT_EQ(rw_json["kind"], "rwlock");
  EXPECT_EQ(rw_json["acquisitions"]["shared"], 6);

  const nlohmann::json totals = ProfileTotals(processes);
  EXPECT_EQ(totals["locks"], 3);
  EXPECT_EQ(totals["acquisitions"]["exclusive"], 12);
  EXPECT_EQ(totals["acquisitions"]["shared"], 6);
  EXPECT_EQ(totals["substituted_locks"], 2);
  EXPECT_EQ(totals["stays_on_glibc"]["robust mutex"], 1);
  EXPECT_EQ(totals["total_wait_ns"], 1000);
}

TEST(ReadProfileRegionsTest, AFileThatIsNoRegionIsNamedAndSkipped) {
  RegionFile f;
  f.header()->version = shm::kVersion + 1;
  std::string warnings;
  const nlohmann::json processes = ReadProfileRegions(f.dir(), &warnings);
  EXPECT_TRUE(processes.empty());
  EXPECT_NE(warnings.find(f.path()), std::string::npos);
  EXPECT_NE(warnings.find("not a profile region"), std::string::npos);
}

TEST(RenderProfileReportTest, RowsSideBySideAndTopLocksByWait) {
  RegionFile f;
  shm::LockRecord& r = f.Use(1, 0xabc, shm::kMutexNormal);
  r.acquisitions[0] = 5;
  r.contended[0] = 1;
  shm::Histograms(f.header(), 1, 0)->Record(5000);
  std::string warnings;
  nlohmann::json processes = ReadProfileRegions(f.dir(), &warnings);
  nlohmann::json doc;
  doc["profile"]["command"] = nlohmann::json::array({"prog", "arg"});
  doc["profile"]["metric_regex"] = "x: ([0-9]+)";
  nlohmann::json row;
  row["lock"] = "pthread";
  row["exit"] = {{"status", "exited"}, {"code", 0}, {"signal", nullptr}};
  row["wall_s"] = 0.5;
  row["metric"] = 42.0;
  row["processes"] = processes;
  row["totals"] = ProfileTotals(processes);
  doc["profile"]["rows"] = nlohmann::json::array({row});
  std::ostringstream out;
  RenderProfileReport(doc, 10, out);
  const std::string text = out.str();
  EXPECT_NE(text.find("Program: prog arg"), std::string::npos) << text;
  EXPECT_NE(text.find("pthread"), std::string::npos) << text;
  EXPECT_NE(text.find("42"), std::string::npos) << text;
  EXPECT_NE(text.find("0xabc"), std::string::npos) << text;
  EXPECT_NE(text.find("20%"), std::string::npos) << text;
}

}  // namespace
}  // namespace lockbench
