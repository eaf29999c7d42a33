// The profile region: what the preload library (liblockbench_preload.so) writes about a program's
// locks, and `lockbench profile` reads after the program ends.
//
// One region per process, a file of its own in the directory LOCKBENCH_PROFILE_DIR names
// ("<pid>-<n>.lbprof"), mapped shared: every counter lands in the file the moment it is counted,
// so a program that crashes or is killed still leaves what it gathered. A forked child starts a
// region of its own (its counts are its own), keeping the parent's lock side table.
//
// The file: a RegionHeader, then `capacity` LockRecords, then 4 x `capacity` ShmHistograms (wait
// exclusive, wait shared, hold exclusive, hold shared of record i at 4 * i + n), then one more:
// the process's think times (ThinkHistogram), then kThreadBits ThreadCounts. The file is
// sparse: only the records and histogram pages a lock touched take memory.
//
// Plain data with std::atomic fields of lock-free types, so the layout is the same in the
// writer and the reader (one build of both). The reader checks the magic, the version and the
// sizes before trusting anything.
#ifndef LOCKBENCH_LOCKIMPLS_PRELOAD_PROFILE_SHM_H_
#define LOCKBENCH_LOCKIMPLS_PRELOAD_PROFILE_SHM_H_

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace lockbench::profile_shm {

inline constexpr std::uint64_t kMagic = 0x31666f72'70626c6cULL;  // "llbprof1"
inline constexpr std::uint32_t kVersion = 2;

// Histogram layout: the log-linear layout of results/histogram.h with 5 sub-bucket bits (relative
// error < 3.2%) and values up to 2^40 - 1 ns (18 minutes): 36 x 32 = 1152 buckets. Coarser than a
// run's histograms so that four per lock stay small.
inline constexpr int kHistSubBucketBits = 5;
inline constexpr int kHistTopBit = 40;
inline constexpr std::uint64_t kHistHighest = (std::uint64_t{1} << kHistTopBit) - 1;
inline constexpr std::size_t kHistBuckets =
    std::size_t{kHistTopBit + 1 - kHistSubBucketBits} << kHistSubBucketBits;

// The bucket of `value` (already clamped to kHistHighest), as Histogram::IndexOf computes it.
constexpr std::size_t HistIndex(std::uint64_t value) {
  const int shift =
      63 - kHistSubBucketBits - std::countl_zero(value | (std::uint64_t{1} << kHistSubBucketBits));
  return (static_cast<std::size_t>(shift) << kHistSubBucketBits) + (value >> shift);
}

// The highest value of bucket `index`.
constexpr std::uint64_t HistBucketHigh(std::size_t index) {
  const int shift = static_cast<int>(index >> kHistSubBucketBits) - 1 > 0
                        ? static_cast<int>(index >> kHistSubBucketBits) - 1
                        : 0;
  const std::uint64_t low = (index - (static_cast<std::size_t>(shift) << kHistSubBucketBits))
                            << shift;
  return low + (std::uint64_t{1} << shift) - 1;
}

// Many writers, relaxed increments; read after the program ends.
struct ShmHistogram {
  std::atomic<std::uint64_t> total;
  std::atomic<std::uint64_t> sum;  // of the clamped values, ns
  std::atomic<std::uint64_t> max;
  std::atomic<std::uint64_t> buckets[kHistBuckets];

  void Record(std::uint64_t value) {
    if (value > kHistHighest) value = kHistHighest;
    buckets[HistIndex(value)].fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(1, std::memory_order_relaxed);
    sum.fetch_add(value, std::memory_order_relaxed);
    std::uint64_t seen = max.load(std::memory_order_relaxed);
    while (value > seen && !max.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
  }
};

enum Mode : int { kExclusive = 0, kShared = 1 };

// What the program's object is (LockRecord::object_kind).
enum ObjectKind : std::uint32_t {
  kMutexNormal = 0,
  kMutexRecursive = 1,
  kMutexErrorCheck = 2,
  kMutexAdaptive = 3,
  kRwlock = 8,
};

// Mutex and rwlock attributes that keep a lock on glibc when substituting (LockRecord::flags).
enum ObjectFlags : std::uint32_t {
  kFlagRobust = 1u << 0,
  kFlagPriorityInherit = 1u << 1,
  kFlagPriorityProtect = 1u << 2,
  kFlagProcessShared = 1u << 3,
  kFlagHeldBeforeSubstitution = 1u << 4,  // locked when first seen: its glibc state is live
};

// Who served the lock (LockRecord::served).
enum Served : std::uint32_t {
  kServedGlibc = 0,        // observe mode, or substitution refused (flags say why)
  kServedSubstituted = 1,  // the named lockbench lock
};

inline constexpr std::size_t kThreadBits = 512;
inline constexpr std::size_t kTextBytes = 192;

// One program lock object, from its first use to its destroy (or the end of the program). A
// destroyed lock's record is closed; a lock made again at the same address gets a new record.
struct alignas(64) LockRecord {
  std::atomic<std::uint32_t> state;  // 0 unused, 1 being filled, 2 in use
  std::uint32_t object_kind;         // ObjectKind
  std::uint32_t flags;               // ObjectFlags
  std::uint32_t served;              // Served
  std::uint64_t address;             // the program's pthread object
  std::uint64_t generation;          // n-th record at this address in this process, from 1
  std::uint64_t first_use_ns;        // CLOCK_MONOTONIC
  std::atomic<std::uint64_t> closed_ns;  // 0 while open
  std::atomic<std::uint64_t> acquisitions[2];  // by Mode; every successful lock call
  std::atomic<std::uint64_t> contended[2];     // the try failed, the thread waited
  std::atomic<std::uint64_t> try_failed;       // the program's own trylocks that returned EBUSY
  std::atomic<std::uint64_t> timed_out;        // timed and clock acquisitions that gave up
  std::atomic<std::uint64_t> errors;           // EDEADLK, EPERM and other error returns
  std::atomic<std::uint64_t> cond_waits;       // condition-variable waits that released it
  std::atomic<std::uint64_t> unmatched_releases;  // releases with no acquisition on record
  std::atomic<std::uint64_t> threads[kThreadBits / 64];  // bit t: thread index t used it
  std::atomic<std::uint32_t> threads_beyond;   // uses by threads past kThreadBits
  // The first contended acquisition's call site, filled once (site_state 0 -> 1 -> 2).
  std::atomic<std::uint32_t> site_state;
  std::uint64_t site_pc;
  std::uint64_t site_module_offset;  // pc - the module's load address
  std::uint64_t site_symbol_offset;  // pc - the symbol's address, when a symbol was found
  char site_module[kTextBytes];
  char site_symbol[kTextBytes];
};

struct alignas(64) RegionHeader {
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t header_bytes;
  std::uint32_t record_bytes;
  std::uint32_t histogram_bytes;
  std::uint32_t capacity;
  std::uint32_t sample;  // hold times of 1 in `sample` acquisitions are timed
  std::int32_t pid;
  std::int32_t ppid;
  std::uint64_t start_ns;  // CLOCK_MONOTONIC at region creation
  std::uint64_t start_unix_ns;
  std::atomic<std::uint64_t> end_ns;  // set at a normal exit; 0 after a crash or a kill
  std::atomic<std::uint32_t> records_used;  // records [0, records_used) may be in use
  std::atomic<std::uint32_t> threads_seen;
  std::atomic<std::uint64_t> untracked_acquisitions;  // the side table was full: glibc, uncounted
  char lock[64];    // the substituted lock's name, empty when observing
  char exe[256];    // /proc/self/exe
  char cmdline[256];  // /proc/self/cmdline, arguments separated by spaces
};

// Acquisitions by one thread (index t of ThreadIndex, 0-based), over every lock it used; only
// that thread writes it, so it has a line of its own and no atomic read-modify-write.
struct alignas(64) ThreadCount {
  std::atomic<std::uint64_t> acquisitions;

  void Add() {
    acquisitions.store(acquisitions.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
  }
};

inline constexpr std::size_t RegionBytes(std::uint32_t capacity) {
  return sizeof(RegionHeader) + capacity * sizeof(LockRecord) +
         (std::size_t{4} * capacity + 1) * sizeof(ShmHistogram) +
         kThreadBits * sizeof(ThreadCount);
}

inline LockRecord* Records(RegionHeader* h) {
  return reinterpret_cast<LockRecord*>(reinterpret_cast<std::byte*>(h) + sizeof(RegionHeader));
}
inline const LockRecord* Records(const RegionHeader* h) {
  return Records(const_cast<RegionHeader*>(h));
}

// Histogram n (0 wait exclusive, 1 wait shared, 2 hold exclusive, 3 hold shared) of record i.
inline ShmHistogram* Histograms(RegionHeader* h, std::uint32_t i, int n) {
  auto* base = reinterpret_cast<std::byte*>(Records(h) + h->capacity);
  return reinterpret_cast<ShmHistogram*>(base) + (std::size_t{4} * i + n);
}
inline const ShmHistogram* Histograms(const RegionHeader* h, std::uint32_t i, int n) {
  return Histograms(const_cast<RegionHeader*>(h), i, n);
}

// Think times: from a thread's release that left it holding no tracked lock to its next
// acquisition request (the program's own call, not a condition variable's re-acquisition), for
// timed holds (1 in `sample`). What `lockbench profile --record-workload` takes as think_time.
inline ShmHistogram* ThinkHistogram(RegionHeader* h) { return Histograms(h, h->capacity, 0); }
inline const ShmHistogram* ThinkHistogram(const RegionHeader* h) {
  return Histograms(h, h->capacity, 0);
}

// The kThreadBits per-thread counts, after the think histogram.
inline ThreadCount* ThreadCounts(RegionHeader* h) {
  return reinterpret_cast<ThreadCount*>(ThinkHistogram(h) + 1);
}
inline const ThreadCount* ThreadCounts(const RegionHeader* h) {
  return ThreadCounts(const_cast<RegionHeader*>(h));
}

}  // namespace lockbench::profile_shm

#endif  // LOCKBENCH_LOCKIMPLS_PRELOAD_PROFILE_SHM_H_
