// liblockbench_preload.so: interposes a program's pthread mutexes, rwlocks and condition
// variables (LD_PRELOAD), for `lockbench profile`. The rules it follows, each with its test:
// lockimpls/SEMANTICS.md, "A program's locks".
//
// Two modes, chosen by the environment `lockbench profile` sets:
// - observe (LOCKBENCH_PROFILE_LOCK unset): the program's own glibc locks serve it. Each
//   acquisition tries first; a try that fails is a contended acquisition, and the blocking (or
//   timed) call that follows is timed as its wait. Grant-to-release is the hold time.
// - substitute (LOCKBENCH_PROFILE_LOCK=<lock>): every mutex and rwlock is served by an object of
//   the named lockbench lock of its own (mutex and write lock exclusive, read lock shared).
//   Recursive mutexes go through a recursion wrapper (owner and depth), error-checking ones
//   return EDEADLK and EPERM as POSIX says, timed calls poll until their deadline, and condition
//   variables are a futex sequence counter over the substituted mutex (the program's cond memory
//   holds the counter). Robust, priority-inheritance, priority-protect and process-shared
//   objects, and any found locked when first seen, stay on glibc, and their records say why.
//
// What is counted goes to a shared file per process (profile_shm.h) as it happens.
//
// The hot path allocates nothing and takes no lock of its own: the side table from a program
// object's address to its slot is an insert-only open-addressing table in memory mapped at
// start, claimed by compare-and-swap; statistics are relaxed atomic increments. glibc's malloc
// and ld.so lock through internal names that never reach these functions, and a call made while
// this library is inside a hook (a lock object built on pthread_rwlock, dladdr) goes straight to
// glibc. Nothing here writes to the program's stdout or stderr.
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lockimpls/preload/profile_shm.h"
#include "lockimpls/preload/served_lock.h"

namespace lockbench::preload {
namespace {

using namespace profile_shm;

// General-dynamic TLS: the library is preloaded, so its block is in every thread's static TLS and
// __tls_get_addr finds it without allocating. (The initial-exec model, resolved through the
// local symbols the export list leaves, put the variables at the wrong offsets.)
#define LB_TLS __thread

// ---- glibc's functions ----

struct RealFunctions {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_destroy)(pthread_mutex_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_timedlock)(pthread_mutex_t*, const timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const timespec*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*rwlock_destroy)(pthread_rwlock_t*);
  int (*rwlock_rdlock)(pthread_rwlock_t*);
  int (*rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_wrlock)(pthread_rwlock_t*);
  int (*rwlock_trywrlock)(pthread_rwlock_t*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const timespec*);
  int (*rwlock_unlock)(pthread_rwlock_t*);
  int (*cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*cond_destroy)(pthread_cond_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
};

RealFunctions g_real;
std::atomic<bool> g_resolved{false};

template <class F>
void Resolve(F*& slot, const char* name) {
  slot = reinterpret_cast<F*>(dlsym(RTLD_NEXT, name));
  if (slot == nullptr) {
    // Without glibc's function nothing can be served; there is no safe way on.
    static const char kMsg[] = "liblockbench_preload: a pthread function is missing\n";
    (void)!write(2, kMsg, sizeof(kMsg) - 1);
    _exit(127);
  }
}

void ResolveAll() {
  RealFunctions r;
  Resolve(r.mutex_init, "pthread_mutex_init");
  Resolve(r.mutex_destroy, "pthread_mutex_destroy");
  Resolve(r.mutex_lock, "pthread_mutex_lock");
  Resolve(r.mutex_trylock, "pthread_mutex_trylock");
  Resolve(r.mutex_timedlock, "pthread_mutex_timedlock");
  Resolve(r.mutex_clocklock, "pthread_mutex_clocklock");
  Resolve(r.mutex_unlock, "pthread_mutex_unlock");
  Resolve(r.rwlock_init, "pthread_rwlock_init");
  Resolve(r.rwlock_destroy, "pthread_rwlock_destroy");
  Resolve(r.rwlock_rdlock, "pthread_rwlock_rdlock");
  Resolve(r.rwlock_tryrdlock, "pthread_rwlock_tryrdlock");
  Resolve(r.rwlock_timedrdlock, "pthread_rwlock_timedrdlock");
  Resolve(r.rwlock_clockrdlock, "pthread_rwlock_clockrdlock");
  Resolve(r.rwlock_wrlock, "pthread_rwlock_wrlock");
  Resolve(r.rwlock_trywrlock, "pthread_rwlock_trywrlock");
  Resolve(r.rwlock_timedwrlock, "pthread_rwlock_timedwrlock");
  Resolve(r.rwlock_clockwrlock, "pthread_rwlock_clockwrlock");
  Resolve(r.rwlock_unlock, "pthread_rwlock_unlock");
  Resolve(r.cond_init, "pthread_cond_init");
  Resolve(r.cond_destroy, "pthread_cond_destroy");
  Resolve(r.cond_wait, "pthread_cond_wait");
  Resolve(r.cond_timedwait, "pthread_cond_timedwait");
  Resolve(r.cond_clockwait, "pthread_cond_clockwait");
  Resolve(r.cond_signal, "pthread_cond_signal");
  Resolve(r.cond_broadcast, "pthread_cond_broadcast");
  g_real = r;
  g_resolved.store(true, std::memory_order_release);
}

const RealFunctions& Real() {
  if (!g_resolved.load(std::memory_order_acquire)) ResolveAll();
  return g_real;
}

// ---- configuration, set once by the constructor ----

constexpr std::uint32_t kCapacity = 1u << 14;  // program lock objects per process
constexpr int kMaxHeld = 64;                    // locks one thread holds at once, timed

std::atomic<bool> g_enabled{false};
bool g_substitute = false;
ServedLock g_served;
std::size_t g_stride = 0;  // bytes per lock object in the arena
std::byte* g_arena = nullptr;
std::uint32_t g_sample = 1;
char g_dir[512];
char g_lock_name[64];

std::uint64_t Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
}

// ---- threads ----

std::atomic<std::uint32_t> g_threads{0};

struct Held {
  std::uint32_t slot;
  int mode;
  std::uint64_t granted_ns;  // 0: this hold is not timed (sampling)
};

LB_TLS bool t_in_hook;
LB_TLS std::uint32_t t_index;  // 1-based; 0 until the thread's first hook
LB_TLS std::uint32_t t_sample_tick;
LB_TLS int t_held_count;
LB_TLS Held t_held[kMaxHeld];
// When the thread released its last held lock, if that hold was timed; 0 otherwise. The next
// acquisition request records the time since as think time (ThinkHistogram).
LB_TLS std::uint64_t t_free_since_ns;

std::uint32_t ThreadIndex() {
  if (t_index == 0) t_index = g_threads.fetch_add(1, std::memory_order_relaxed) + 1;
  return t_index;
}

// Marks the calling thread inside the library, so that any pthread call it makes on the way
// goes to glibc; `active` is false when the call should go to glibc untouched.
class HookScope {
 public:
  HookScope() : active_(g_enabled.load(std::memory_order_acquire) && !t_in_hook) {
    if (active_) t_in_hook = true;
  }
  ~HookScope() {
    if (active_) t_in_hook = false;
  }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;
  bool active() const { return active_; }

 private:
  bool active_;
};

// ---- the region (profile_shm.h) ----

std::atomic<RegionHeader*> g_region{nullptr};
std::atomic<int> g_region_state{0};  // 0 none, 1 being made, 2 ready
std::atomic<std::uint32_t> g_region_serial{0};

void ReadProcFile(const char* path, char* out, std::size_t size, bool nul_to_space) {
  out[0] = '\0';
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n <= 0) return;
  out[n] = '\0';
  if (nul_to_space) {
    for (ssize_t i = 0; i + 1 < n; ++i) {
      if (out[i] == '\0') out[i] = ' ';
    }
  }
}

RegionHeader* MakeRegion() {
  const std::size_t bytes = RegionBytes(kCapacity);
  void* mem = MAP_FAILED;
  if (g_dir[0] != '\0') {
    for (int attempt = 0; attempt < 64 && mem == MAP_FAILED; ++attempt) {
      char path[640];
      std::snprintf(path, sizeof(path), "%s/%d-%u.lbprof", g_dir, static_cast<int>(getpid()),
                    g_region_serial.fetch_add(1, std::memory_order_relaxed));
      const int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) {
        if (errno == EEXIST) continue;
        break;
      }
      if (ftruncate(fd, static_cast<off_t>(bytes)) == 0) {
        mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      }
      close(fd);
    }
  }
  if (mem == MAP_FAILED) {
    // Counting goes on in memory no one reads, so substitution still works.
    mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
               -1, 0);
    if (mem == MAP_FAILED) _exit(127);
  }
  auto* h = static_cast<RegionHeader*>(mem);
  h->version = kVersion;
  h->header_bytes = sizeof(RegionHeader);
  h->record_bytes = sizeof(LockRecord);
  h->histogram_bytes = sizeof(ShmHistogram);
  h->capacity = kCapacity;
  h->sample = g_sample;
  h->pid = static_cast<std::int32_t>(getpid());
  h->ppid = static_cast<std::int32_t>(getppid());
  h->start_ns = Now();
  timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  h->start_unix_ns = std::uint64_t(wall.tv_sec) * 1000000000u + std::uint64_t(wall.tv_nsec);
  std::memcpy(h->lock, g_lock_name, sizeof(h->lock));
  const ssize_t n = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
  h->exe[n > 0 ? n : 0] = '\0';
  ReadProcFile("/proc/self/cmdline", h->cmdline, sizeof(h->cmdline), true);
  // The magic last: a reader that finds it finds a complete header.
  std::atomic_ref<std::uint64_t>(h->magic).store(kMagic, std::memory_order_release);
  return h;
}

RegionHeader* Region() {
  RegionHeader* r = g_region.load(std::memory_order_acquire);
  if (r != nullptr) return r;
  int expected = 0;
  if (g_region_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    r = MakeRegion();
    g_region.store(r, std::memory_order_release);
    g_region_state.store(2, std::memory_order_release);
    return r;
  }
  while ((r = g_region.load(std::memory_order_acquire)) == nullptr) sched_yield();
  return r;
}

// ---- the side table: program object address -> slot ----

enum SlotState : std::uint32_t { kSlotEmpty = 0, kSlotFilling = 1, kSlotOpen = 2, kSlotClosed = 3 };

struct alignas(64) Slot {
  std::atomic<std::uintptr_t> address;  // set once, when the slot is claimed
  std::atomic<std::uint32_t> state;
  std::uint32_t object_kind;
  std::uint32_t flags;
  bool substituted;
  std::uint64_t generation;
  std::atomic<std::uint32_t> owner;  // exclusive holder's thread index (substituted locks)
  std::uint32_t depth;               // recursion beyond the first acquisition, owner only
};

Slot* g_slots = nullptr;  // kCapacity slots, private memory: a fork copies them with the arena

std::uint32_t SlotIndex(const Slot* s) { return static_cast<std::uint32_t>(s - g_slots); }
void* ObjectOf(const Slot* s) { return g_arena + std::size_t{SlotIndex(s)} * g_stride; }

enum class Object { kMutex, kRwlock };

// Kind and flags from glibc's own fields (stable in glibc's public pthread types).
void Classify(void* object, Object type, Slot* s) {
  s->flags = 0;
  if (type == Object::kMutex) {
    const auto* m = static_cast<pthread_mutex_t*>(object);
    const int kind = m->__data.__kind;
    s->object_kind = static_cast<std::uint32_t>(kind & 3);
    if (kind & 16) s->flags |= kFlagRobust;
    if (kind & 32) s->flags |= kFlagPriorityInherit;
    if (kind & 64) s->flags |= kFlagPriorityProtect;
    if (kind & 128) s->flags |= kFlagProcessShared;
    if (m->__data.__lock != 0) s->flags |= kFlagHeldBeforeSubstitution;
  } else {
    auto* rw = static_cast<pthread_rwlock_t*>(object);
    s->object_kind = kRwlock;
    if (rw->__data.__shared != 0) s->flags |= kFlagProcessShared;
    if (g_substitute) {
      if (Real().rwlock_trywrlock(rw) == 0) {
        Real().rwlock_unlock(rw);
      } else {
        s->flags |= kFlagHeldBeforeSubstitution;
      }
    }
  }
  if (!g_substitute) s->flags &= ~kFlagHeldBeforeSubstitution;
}

void FillSlot(Slot* s, void* object, Object type, std::uint64_t generation) {
  Classify(object, type, s);
  s->generation = generation;
  s->owner.store(0, std::memory_order_relaxed);
  s->depth = 0;
  constexpr std::uint32_t kStayOnGlibc = kFlagRobust | kFlagPriorityInherit |
                                         kFlagPriorityProtect | kFlagProcessShared |
                                         kFlagHeldBeforeSubstitution;
  s->substituted = g_substitute && (s->flags & kStayOnGlibc) == 0;
  if (s->substituted) g_served.construct(ObjectOf(s), g_served.context);
}

// Where probing for `address` starts (Fibonacci hashing of the 8-byte-aligned address).
std::uint32_t HomeSlot(std::uintptr_t address) {
  return static_cast<std::uint32_t>(((address >> 3) * 0x9E3779B97F4A7C15ULL) >> 50) &
         (kCapacity - 1);
}

// The open slot of `object`, made on first use; nullptr when the table is full.
Slot* Lookup(void* object, Object type) {
  const auto address = reinterpret_cast<std::uintptr_t>(object);
  std::uint32_t i = HomeSlot(address);
  std::uint64_t generation = 1;
  for (std::uint32_t probe = 0; probe < kCapacity; ++probe, i = (i + 1) & (kCapacity - 1)) {
    Slot* s = &g_slots[i];
    std::uintptr_t seen = s->address.load(std::memory_order_acquire);
    if (seen == 0) {
      if (s->address.compare_exchange_strong(seen, address, std::memory_order_acq_rel)) {
        FillSlot(s, object, type, generation);
        s->state.store(kSlotOpen, std::memory_order_release);
        return s;
      }
      // Someone claimed it first; `seen` now holds their address.
    }
    if (seen != address) continue;
    std::uint32_t state;
    while ((state = s->state.load(std::memory_order_acquire)) <= kSlotFilling) sched_yield();
    if (state == kSlotOpen) return s;
    ++generation;  // a closed record of an earlier object at this address
  }
  Region()->untracked_acquisitions.fetch_add(1, std::memory_order_relaxed);
  return nullptr;
}

// The open slot of `object` if there is one; never makes one.
Slot* Find(void* object) {
  const auto address = reinterpret_cast<std::uintptr_t>(object);
  std::uint32_t i = HomeSlot(address);
  for (std::uint32_t probe = 0; probe < kCapacity; ++probe, i = (i + 1) & (kCapacity - 1)) {
    Slot* s = &g_slots[i];
    const std::uintptr_t seen = s->address.load(std::memory_order_acquire);
    if (seen == 0) return nullptr;
    if (seen == address && s->state.load(std::memory_order_acquire) == kSlotOpen) return s;
  }
  return nullptr;
}

// ---- records ----

LockRecord* RecordOf(Slot* s) {
  RegionHeader* h = Region();
  const std::uint32_t i = SlotIndex(s);
  LockRecord* r = &Records(h)[i];
  if (r->state.load(std::memory_order_acquire) == 2) return r;
  std::uint32_t expected = 0;
  if (r->state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    r->object_kind = s->object_kind;
    r->flags = s->flags;
    r->served = s->substituted ? kServedSubstituted : kServedGlibc;
    r->address = s->address.load(std::memory_order_relaxed);
    r->generation = s->generation;
    r->first_use_ns = Now();
    std::uint32_t used = h->records_used.load(std::memory_order_relaxed);
    while (used < i + 1 &&
           !h->records_used.compare_exchange_weak(used, i + 1, std::memory_order_relaxed)) {
    }
    r->state.store(2, std::memory_order_release);
    return r;
  }
  while (r->state.load(std::memory_order_acquire) != 2) sched_yield();
  return r;
}

void NoteThread(LockRecord* r) {
  const std::uint32_t t = ThreadIndex() - 1;
  if (t < kThreadBits) ThreadCounts(Region())[t].Add();
  if (t >= kThreadBits) {
    r->threads_beyond.store(1, std::memory_order_relaxed);
    return;
  }
  const std::uint64_t bit = std::uint64_t{1} << (t % 64);
  auto& word = r->threads[t / 64];
  if ((word.load(std::memory_order_relaxed) & bit) == 0) {
    word.fetch_or(bit, std::memory_order_relaxed);
    RegionHeader* h = Region();
    std::uint32_t seen = h->threads_seen.load(std::memory_order_relaxed);
    while (seen < t + 1 &&
           !h->threads_seen.compare_exchange_weak(seen, t + 1, std::memory_order_relaxed)) {
    }
  }
}

void CopyText(char* out, const char* in) {
  if (in == nullptr) {
    out[0] = '\0';
    return;
  }
  std::strncpy(out, in, kTextBytes - 1);
  out[kTextBytes - 1] = '\0';
}

// The call site of the first contended acquisition, once per record.
void NoteSite(LockRecord* r, const void* pc) {
  std::uint32_t expected = 0;
  if (r->site_state.load(std::memory_order_relaxed) != 0 ||
      !r->site_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    return;
  }
  r->site_pc = reinterpret_cast<std::uint64_t>(pc);
  Dl_info info{};
  // pc - 1: the call instruction, not the one after it, so a call at a function's end stays in it.
  const void* at = static_cast<const char*>(pc) - 1;
  if (dladdr(at, &info) != 0) {
    CopyText(r->site_module, info.dli_fname);
    CopyText(r->site_symbol, info.dli_sname);
    r->site_module_offset = reinterpret_cast<std::uint64_t>(pc) -
                            reinterpret_cast<std::uint64_t>(info.dli_fbase);
    if (info.dli_saddr != nullptr) {
      r->site_symbol_offset = reinterpret_cast<std::uint64_t>(pc) -
                              reinterpret_cast<std::uint64_t>(info.dli_saddr);
    }
  }
  r->site_state.store(2, std::memory_order_release);
}

// ---- accounting shared by both modes ----

void PushHeld(Slot* s, int mode, std::uint64_t granted_ns) {
  if (t_held_count < kMaxHeld) t_held[t_held_count++] = Held{SlotIndex(s), mode, granted_ns};
}

// Takes the calling thread's newest hold of `s` off its list; false when it has none.
bool PopHeld(Slot* s, Held* out) {
  const std::uint32_t index = SlotIndex(s);
  for (int k = t_held_count - 1; k >= 0; --k) {
    if (t_held[k].slot != index) continue;
    *out = t_held[k];
    for (int j = k; j + 1 < t_held_count; ++j) t_held[j] = t_held[j + 1];
    --t_held_count;
    return true;
  }
  return false;
}

bool SampleThisHold() {
  if (g_sample <= 1) return true;
  return t_sample_tick++ % g_sample == 0;
}

// A successful acquisition: counts it and starts its hold.
void Granted(Slot* s, int mode, bool contended, std::uint64_t wait_ns, const void* pc) {
  std::uint64_t now = 0;
  if (t_free_since_ns != 0) {
    // The request came wait_ns before the grant; an uncontended one waited for nothing.
    now = Now();
    const std::uint64_t requested = now - wait_ns;
    if (t_held_count == 0 && requested > t_free_since_ns) {
      ThinkHistogram(Region())->Record(requested - t_free_since_ns);
    }
    t_free_since_ns = 0;
  }
  LockRecord* r = RecordOf(s);
  r->acquisitions[mode].fetch_add(1, std::memory_order_relaxed);
  NoteThread(r);
  if (contended) {
    r->contended[mode].fetch_add(1, std::memory_order_relaxed);
    Histograms(Region(), SlotIndex(s), mode)->Record(wait_ns);
    NoteSite(r, pc);
  }
  PushHeld(s, mode, SampleThisHold() ? (now != 0 ? now : Now()) : 0);
}

// A timed hold ended at end_ns (0: untimed): think time starts if the thread holds nothing now.
void HoldEnded(std::uint64_t end_ns) {
  if (t_held_count == 0) t_free_since_ns = end_ns;
}

// A release about to happen: ends the hold. Returns the mode the thread held it in (-1 unknown).
int Releasing(Slot* s) {
  Held held;
  if (!PopHeld(s, &held)) {
    RecordOf(s)->unmatched_releases.fetch_add(1, std::memory_order_relaxed);
    return -1;
  }
  std::uint64_t end_ns = 0;
  if (held.granted_ns != 0) {
    end_ns = Now();
    Histograms(Region(), SlotIndex(s), 2 + held.mode)->Record(end_ns - held.granted_ns);
  }
  HoldEnded(end_ns);
  return held.mode;
}

void CountError(Slot* s, int rc);

// Observing a release: the hold ends just before glibc's unlock; a failed unlock keeps it.
template <class UnlockCall>
int ObserveRelease(Slot* s, UnlockCall unlock_call) {
  Held held;
  const bool had = PopHeld(s, &held);
  const std::uint64_t end_ns = had && held.granted_ns != 0 ? Now() : 0;
  const int rc = unlock_call();
  if (rc != 0) {
    if (had) PushHeld(s, held.mode, held.granted_ns);
    CountError(s, rc);
  } else if (!had) {
    RecordOf(s)->unmatched_releases.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (end_ns != 0) {
      Histograms(Region(), SlotIndex(s), 2 + held.mode)->Record(end_ns - held.granted_ns);
    }
    HoldEnded(end_ns);
  }
  return rc;
}

void CountError(Slot* s, int rc) {
  LockRecord* r = RecordOf(s);
  if (rc == EBUSY) {
    r->try_failed.fetch_add(1, std::memory_order_relaxed);
  } else if (rc == ETIMEDOUT) {
    r->timed_out.fetch_add(1, std::memory_order_relaxed);
  } else {
    r->errors.fetch_add(1, std::memory_order_relaxed);
  }
}

// ---- observe mode: glibc serves, a try first tells contended from not ----

// `try_call` never blocks; `wait_call` is the program's blocking or timed call.
template <class TryCall, class WaitCall>
int ObserveAcquire(Slot* s, int mode, const void* pc, TryCall try_call, WaitCall wait_call) {
  int rc = try_call();
  bool contended = false;
  std::uint64_t wait_ns = 0;
  if (rc == EBUSY) {
    const std::uint64_t t0 = Now();
    rc = wait_call();
    wait_ns = Now() - t0;
    contended = true;
  }
  // EOWNERDEAD: a robust mutex whose owner died; the caller holds it now.
  if (rc == 0 || rc == EOWNERDEAD) {
    Granted(s, mode, contended, wait_ns, pc);
  } else {
    CountError(s, rc);
  }
  return rc;
}

// The program's own trylock: a failure is counted, not timed.
template <class TryCall>
int ObserveTry(Slot* s, int mode, TryCall try_call) {
  const int rc = try_call();
  if (rc == 0 || rc == EOWNERDEAD) {
    Granted(s, mode, false, 0, nullptr);
  } else {
    CountError(s, rc);
  }
  return rc;
}

// ---- substitute mode ----

bool ValidDeadline(const timespec* t) { return t->tv_nsec >= 0 && t->tv_nsec < 1000000000; }

bool Passed(clockid_t clock, const timespec* deadline) {
  timespec now;
  clock_gettime(clock, &now);
  return now.tv_sec > deadline->tv_sec ||
         (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

// A timed acquisition on a lock that has no timed call: tries until the deadline, sleeping
// between tries from 1 us up to 1 ms, so it gives up at most about 1 ms late.
bool TryUntil(bool (*try_fn)(void*), void* object, clockid_t clock, const timespec* deadline) {
  long sleep_ns = 1000;
  for (;;) {
    if (try_fn(object)) return true;
    if (Passed(clock, deadline)) return false;
    timespec nap{0, sleep_ns};
    nanosleep(&nap, nullptr);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
}

enum class Call { kBlock, kTry, kTimed };

// One acquisition on the substituted lock. `count` is false for the re-acquisition inside a
// condition-variable wait, which is not the program's own call.
int SubAcquire(Slot* s, int mode, Call call, clockid_t clock, const timespec* deadline,
               const void* pc, bool count = true) {
  const std::uint32_t me = ThreadIndex();
  const bool is_rwlock = s->object_kind == kRwlock;
  if (s->owner.load(std::memory_order_relaxed) == me) {
    if (mode == kExclusive && s->object_kind == kMutexRecursive) {
      ++s->depth;
      if (count) Granted(s, mode, false, 0, pc);
      return 0;
    }
    if (call == Call::kTry) {
      if (count) CountError(s, EBUSY);
      return EBUSY;
    }
    // glibc answers EDEADLK for an error-checking mutex and for an rwlock its caller
    // write-holds; a normal mutex deadlocks, as it does on glibc.
    if (is_rwlock || s->object_kind == kMutexErrorCheck) {
      if (count) CountError(s, EDEADLK);
      return EDEADLK;
    }
  }
  void* object = ObjectOf(s);
  const bool shared = mode == kShared;
  bool (*try_fn)(void*) = shared ? g_served.try_lock_shared : g_served.try_lock;
  bool contended = false;
  std::uint64_t wait_ns = 0;
  if (!try_fn(object)) {
    if (call == Call::kTry) {
      if (count) CountError(s, EBUSY);
      return EBUSY;
    }
    const std::uint64_t t0 = Now();
    if (call == Call::kTimed) {
      if (!ValidDeadline(deadline)) {
        if (count) CountError(s, EINVAL);
        return EINVAL;
      }
      if (!TryUntil(try_fn, object, clock, deadline)) {
        if (count) CountError(s, ETIMEDOUT);
        return ETIMEDOUT;
      }
    } else if (shared) {
      g_served.lock_shared(object);
    } else {
      g_served.lock(object);
    }
    wait_ns = Now() - t0;
    contended = true;
  }
  if (!shared) s->owner.store(me, std::memory_order_relaxed);
  if (count) Granted(s, mode, contended, wait_ns, pc);
  return 0;
}

// A mutex or rwlock release on the substituted lock.
int SubRelease(Slot* s) {
  const std::uint32_t me = ThreadIndex();
  const bool owned = s->owner.load(std::memory_order_relaxed) == me;
  if (s->object_kind == kRwlock) {
    Releasing(s);
    if (owned) {
      s->owner.store(0, std::memory_order_relaxed);
      g_served.unlock(ObjectOf(s));
    } else {
      g_served.unlock_shared(ObjectOf(s));
    }
    return 0;
  }
  if (!owned && (s->object_kind == kMutexRecursive || s->object_kind == kMutexErrorCheck)) {
    CountError(s, EPERM);
    return EPERM;
  }
  Releasing(s);
  if (owned && s->depth > 0) {
    --s->depth;
    return 0;
  }
  s->owner.store(0, std::memory_order_relaxed);
  g_served.unlock(ObjectOf(s));
  return 0;
}

void CloseSlot(void* object) {
  Slot* s = Find(object);
  if (s == nullptr) return;
  LockRecord* r = RecordOf(s);
  r->closed_ns.store(Now(), std::memory_order_relaxed);
  if (s->substituted && g_served.destroy != nullptr) g_served.destroy(ObjectOf(s));
  s->state.store(kSlotClosed, std::memory_order_release);
}

// ---- condition variables over a substituted mutex: a futex sequence counter ----

// Lives in the program's pthread_cond_t (zeroes, as PTHREAD_COND_INITIALIZER makes them, are a
// valid idle state). A wait reads the sequence before it releases the mutex and sleeps only while
// the sequence is unchanged, so a signal between the release and the sleep is never lost; a wake
// may be spurious, which POSIX allows.
struct SeqCond {
  std::atomic<std::uint32_t> seq;
  std::atomic<std::uint32_t> waiters;
  std::uint32_t clock;    // the clock pthread_cond_timedwait's deadline is on
  std::uint32_t pshared;  // shared futex across processes
};
static_assert(sizeof(SeqCond) <= sizeof(pthread_cond_t));

SeqCond* AsSeqCond(pthread_cond_t* c) { return reinterpret_cast<SeqCond*>(c); }

int FutexWaitAbs(SeqCond* c, std::uint32_t expected, clockid_t clock, const timespec* deadline) {
  int op = c->pshared ? FUTEX_WAIT_BITSET : FUTEX_WAIT_BITSET_PRIVATE;
  if (deadline != nullptr && clock == CLOCK_REALTIME) op |= FUTEX_CLOCK_REALTIME;
  const long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&c->seq), op, expected,
                          deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
  return rc == 0 ? 0 : errno;
}

void FutexWake(SeqCond* c, int count) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&c->seq),
          c->pshared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

// The mutex side of a wait: release before sleeping, re-acquire after, on whichever lock serves
// the mutex (glibc's when the side table had no room for it). Neither is the program's own call,
// so only the wait itself is counted. A recursive mutex is released whole and comes back at the
// depth it had.
std::uint32_t CondRelease(Slot* s, pthread_mutex_t* m) {
  if (s == nullptr) {
    Real().mutex_unlock(m);
    return 0;
  }
  RecordOf(s)->cond_waits.fetch_add(1, std::memory_order_relaxed);
  Releasing(s);
  if (!s->substituted) {
    Real().mutex_unlock(m);
    return 0;
  }
  const std::uint32_t depth = s->depth;
  s->depth = 0;
  s->owner.store(0, std::memory_order_relaxed);
  g_served.unlock(ObjectOf(s));
  return depth;
}

void CondReacquire(Slot* s, pthread_mutex_t* m, std::uint32_t depth) {
  if (s == nullptr) {
    Real().mutex_lock(m);
    return;
  }
  if (s->substituted) {
    SubAcquire(s, kExclusive, Call::kBlock, CLOCK_MONOTONIC, nullptr, nullptr, false);
    s->depth = depth;
  } else {
    Real().mutex_lock(m);
  }
  PushHeld(s, kExclusive, SampleThisHold() ? Now() : 0);
  t_free_since_ns = 0;  // a wait for a signal, not think time
}

int SeqCondWait(pthread_cond_t* cond, pthread_mutex_t* m, clockid_t clock,
                const timespec* deadline) {
  if (deadline != nullptr && !ValidDeadline(deadline)) return EINVAL;
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
  Slot* s = Lookup(m, Object::kMutex);
  SeqCond* c = AsSeqCond(cond);
  c->waiters.fetch_add(1, std::memory_order_seq_cst);
  const std::uint32_t seq = c->seq.load(std::memory_order_seq_cst);
  const std::uint32_t depth = CondRelease(s, m);
  int rc = 0;
  do {
    rc = FutexWaitAbs(c, seq, clock, deadline);
  } while (rc == EINTR && c->seq.load(std::memory_order_acquire) == seq);
  c->waiters.fetch_sub(1, std::memory_order_relaxed);
  CondReacquire(s, m, depth);
  return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

// Observing: the wait releases the mutex inside glibc; the hold ends before and restarts after.
template <class WaitCall>
int ObservedCondWait(pthread_mutex_t* m, WaitCall wait_call) {
  Slot* s = Find(m);
  if (s == nullptr) return wait_call();
  RecordOf(s)->cond_waits.fetch_add(1, std::memory_order_relaxed);
  Releasing(s);
  const int rc = wait_call();
  PushHeld(s, kExclusive, SampleThisHold() ? Now() : 0);
  t_free_since_ns = 0;  // a wait for a signal, not think time
  return rc;
}

// ---- set-up ----

std::vector<std::string> SplitPaths(const char* list) {
  std::vector<std::string> out;
  if (list == nullptr) return out;
  std::string item;
  for (const char* p = list;; ++p) {
    if (*p == ':' || *p == '\0') {
      if (!item.empty()) out.push_back(item);
      item.clear();
      if (*p == '\0') break;
    } else {
      item += *p;
    }
  }
  return out;
}

void* MapAnonymous(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void AtForkChild() {
  // The child counts into a region of its own; the side table and the lock objects it inherited
  // (copies, as fork copies the program's own locks) stay.
  g_region.store(nullptr, std::memory_order_relaxed);
  g_region_state.store(0, std::memory_order_relaxed);
  g_region_serial.store(0, std::memory_order_relaxed);
}

__attribute__((constructor(101))) void Start() {
  ResolveAll();
  const char* dir = getenv("LOCKBENCH_PROFILE_DIR");
  if (dir == nullptr || dir[0] == '\0') return;  // loaded but not asked for: glibc only
  std::snprintf(g_dir, sizeof(g_dir), "%s", dir);
  if (const char* sample = getenv("LOCKBENCH_PROFILE_SAMPLE")) {
    const long n = std::strtol(sample, nullptr, 10);
    if (n >= 1 && n <= 1000000) g_sample = static_cast<std::uint32_t>(n);
  }
  if (const char* lock = getenv("LOCKBENCH_PROFILE_LOCK"); lock != nullptr && lock[0] != '\0') {
    std::string error;
    t_in_hook = true;  // loading a plugin may take pthread locks: those go to glibc
    const bool found =
        FindServedLock(lock, SplitPaths(getenv("LOCKBENCH_PROFILE_PLUGINS")), &g_served, &error);
    t_in_hook = false;
    if (!found) {
      // `lockbench profile` checks names before it runs anything; a hand-made environment can
      // still name no lock. Observing is the safe way on, and the region says it observed.
      g_substitute = false;
    } else {
      g_substitute = true;
      std::snprintf(g_lock_name, sizeof(g_lock_name), "%.*s", static_cast<int>(g_served.name.size()),
                    g_served.name.data());
      const std::size_t align = g_served.align < 64 ? 64 : g_served.align;
      g_stride = (g_served.size + align - 1) / align * align;
      // Aligned to the object's alignment: mmap gives page alignment, enough up to 4096.
      g_arena = static_cast<std::byte*>(MapAnonymous(g_stride * kCapacity));
      if (g_arena == nullptr) return;
    }
  }
  g_slots = static_cast<Slot*>(MapAnonymous(sizeof(Slot) * kCapacity));
  if (g_slots == nullptr) return;
  pthread_atfork(nullptr, nullptr, AtForkChild);
  g_enabled.store(true, std::memory_order_release);
}

__attribute__((destructor)) void Finish() {
  RegionHeader* r = g_region.load(std::memory_order_acquire);
  if (r != nullptr) r->end_ns.store(Now(), std::memory_order_release);
}

}  // namespace
}  // namespace lockbench::preload

// ---- the interposed functions ----

using lockbench::preload::Call;
using lockbench::preload::HookScope;
using lockbench::preload::Object;
using lockbench::preload::Real;
using lockbench::preload::Slot;
namespace shm = lockbench::profile_shm;
namespace pl = lockbench::preload;

#define LB_PC __builtin_return_address(0)

extern "C" {

int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  HookScope scope;
  if (scope.active()) pl::CloseSlot(m);  // memory reused without a destroy: a new lock
  return Real().mutex_init(m, attr);
}

int pthread_mutex_destroy(pthread_mutex_t* m) {
  HookScope scope;
  if (scope.active()) pl::CloseSlot(m);
  return Real().mutex_destroy(m);
}

int pthread_mutex_lock(pthread_mutex_t* m) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(m, Object::kMutex) : nullptr;
  if (s == nullptr) return Real().mutex_lock(m);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kBlock, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [m] { return Real().mutex_trylock(m); },
      [m] { return Real().mutex_lock(m); });
}

int pthread_mutex_trylock(pthread_mutex_t* m) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(m, Object::kMutex) : nullptr;
  if (s == nullptr) return Real().mutex_trylock(m);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kTry, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveTry(s, shm::kExclusive, [m] { return Real().mutex_trylock(m); });
}

int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(m, Object::kMutex) : nullptr;
  if (s == nullptr) return Real().mutex_timedlock(m, deadline);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kTimed, CLOCK_REALTIME, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [m] { return Real().mutex_trylock(m); },
      [m, deadline] { return Real().mutex_timedlock(m, deadline); });
}

int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock, const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(m, Object::kMutex) : nullptr;
  if (s == nullptr) return Real().mutex_clocklock(m, clock, deadline);
  if (s->substituted) {
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return pl::SubAcquire(s, shm::kExclusive, Call::kTimed, clock, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [m] { return Real().mutex_trylock(m); },
      [m, clock, deadline] { return Real().mutex_clocklock(m, clock, deadline); });
}

int pthread_mutex_unlock(pthread_mutex_t* m) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Find(m) : nullptr;
  if (s == nullptr) return Real().mutex_unlock(m);
  if (s->substituted) return pl::SubRelease(s);
  return pl::ObserveRelease(s, [m] { return Real().mutex_unlock(m); });
}

int pthread_rwlock_init(pthread_rwlock_t* rw, const pthread_rwlockattr_t* attr) {
  HookScope scope;
  if (scope.active()) pl::CloseSlot(rw);
  return Real().rwlock_init(rw, attr);
}

int pthread_rwlock_destroy(pthread_rwlock_t* rw) {
  HookScope scope;
  if (scope.active()) pl::CloseSlot(rw);
  return Real().rwlock_destroy(rw);
}

int pthread_rwlock_rdlock(pthread_rwlock_t* rw) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_rdlock(rw);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kShared, Call::kBlock, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kShared, LB_PC, [rw] { return Real().rwlock_tryrdlock(rw); },
      [rw] { return Real().rwlock_rdlock(rw); });
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* rw) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_tryrdlock(rw);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kShared, Call::kTry, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveTry(s, shm::kShared, [rw] { return Real().rwlock_tryrdlock(rw); });
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t* rw, const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_timedrdlock(rw, deadline);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kShared, Call::kTimed, CLOCK_REALTIME, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kShared, LB_PC, [rw] { return Real().rwlock_tryrdlock(rw); },
      [rw, deadline] { return Real().rwlock_timedrdlock(rw, deadline); });
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t* rw, clockid_t clock,
                               const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_clockrdlock(rw, clock, deadline);
  if (s->substituted) {
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return pl::SubAcquire(s, shm::kShared, Call::kTimed, clock, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kShared, LB_PC, [rw] { return Real().rwlock_tryrdlock(rw); },
      [rw, clock, deadline] { return Real().rwlock_clockrdlock(rw, clock, deadline); });
}

int pthread_rwlock_wrlock(pthread_rwlock_t* rw) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_wrlock(rw);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kBlock, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [rw] { return Real().rwlock_trywrlock(rw); },
      [rw] { return Real().rwlock_wrlock(rw); });
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* rw) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_trywrlock(rw);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kTry, CLOCK_MONOTONIC, nullptr, LB_PC);
  }
  return pl::ObserveTry(s, shm::kExclusive, [rw] { return Real().rwlock_trywrlock(rw); });
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t* rw, const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_timedwrlock(rw, deadline);
  if (s->substituted) {
    return pl::SubAcquire(s, shm::kExclusive, Call::kTimed, CLOCK_REALTIME, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [rw] { return Real().rwlock_trywrlock(rw); },
      [rw, deadline] { return Real().rwlock_timedwrlock(rw, deadline); });
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t* rw, clockid_t clock,
                               const struct timespec* deadline) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Lookup(rw, Object::kRwlock) : nullptr;
  if (s == nullptr) return Real().rwlock_clockwrlock(rw, clock, deadline);
  if (s->substituted) {
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return pl::SubAcquire(s, shm::kExclusive, Call::kTimed, clock, deadline, LB_PC);
  }
  return pl::ObserveAcquire(
      s, shm::kExclusive, LB_PC, [rw] { return Real().rwlock_trywrlock(rw); },
      [rw, clock, deadline] { return Real().rwlock_clockwrlock(rw, clock, deadline); });
}

int pthread_rwlock_unlock(pthread_rwlock_t* rw) {
  HookScope scope;
  Slot* s = scope.active() ? pl::Find(rw) : nullptr;
  if (s == nullptr) return Real().rwlock_unlock(rw);
  if (s->substituted) return pl::SubRelease(s);
  return pl::ObserveRelease(s, [rw] { return Real().rwlock_unlock(rw); });
}

// Condition variables: glibc's while observing (the wait's release and re-acquisition end and
// start holds), the sequence counter while substituting.

int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  HookScope scope;
  if (!scope.active() || !pl::g_substitute) return Real().cond_init(c, attr);
  std::memset(c, 0, sizeof(*c));
  clockid_t clock = CLOCK_REALTIME;
  int pshared = PTHREAD_PROCESS_PRIVATE;
  if (attr != nullptr) {
    pthread_condattr_getclock(attr, &clock);
    pthread_condattr_getpshared(attr, &pshared);
  }
  pl::AsSeqCond(c)->clock = static_cast<std::uint32_t>(clock);
  pl::AsSeqCond(c)->pshared = pshared == PTHREAD_PROCESS_SHARED ? 1 : 0;
  return 0;
}

int pthread_cond_destroy(pthread_cond_t* c) {
  HookScope scope;
  if (!scope.active() || !pl::g_substitute) return Real().cond_destroy(c);
  return 0;
}

int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  HookScope scope;
  if (!scope.active()) return Real().cond_wait(c, m);
  if (pl::g_substitute) return pl::SeqCondWait(c, m, CLOCK_REALTIME, nullptr);
  return pl::ObservedCondWait(m, [c, m] { return Real().cond_wait(c, m); });
}

int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m,
                           const struct timespec* deadline) {
  HookScope scope;
  if (!scope.active()) return Real().cond_timedwait(c, m, deadline);
  if (pl::g_substitute) {
    return pl::SeqCondWait(c, m, static_cast<clockid_t>(pl::AsSeqCond(c)->clock), deadline);
  }
  return pl::ObservedCondWait(m, [c, m, deadline] { return Real().cond_timedwait(c, m, deadline); });
}

int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                           const struct timespec* deadline) {
  HookScope scope;
  if (!scope.active()) return Real().cond_clockwait(c, m, clock, deadline);
  if (pl::g_substitute) return pl::SeqCondWait(c, m, clock, deadline);
  return pl::ObservedCondWait(
      m, [c, m, clock, deadline] { return Real().cond_clockwait(c, m, clock, deadline); });
}

int pthread_cond_signal(pthread_cond_t* c) {
  HookScope scope;
  if (!scope.active() || !pl::g_substitute) return Real().cond_signal(c);
  pl::SeqCond* sc = pl::AsSeqCond(c);
  sc->seq.fetch_add(1, std::memory_order_seq_cst);
  if (sc->waiters.load(std::memory_order_seq_cst) != 0) pl::FutexWake(sc, 1);
  return 0;
}

int pthread_cond_broadcast(pthread_cond_t* c) {
  HookScope scope;
  if (!scope.active() || !pl::g_substitute) return Real().cond_broadcast(c);
  pl::SeqCond* sc = pl::AsSeqCond(c);
  sc->seq.fetch_add(1, std::memory_order_seq_cst);
  if (sc->waiters.load(std::memory_order_seq_cst) != 0) pl::FutexWake(sc, INT_MAX);
  return 0;
}

}  // extern "C"
