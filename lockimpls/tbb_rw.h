// oneTBB's two reader/writer locks as lockbench locks: the spinning designs a user-space
// library offers, as the fast end of the comparison with the Windows emulations.
//
// TbbSpinRw (tbb::spin_rw_mutex): one word (writer bit, writer-pending bit, reader count).
// Nobody ever sleeps: waiters spin with exponential pause backoff, then yield. A waiting writer
// sets writer-pending, which holds back new readers (writer preference), but nothing is handed
// over and writers race each other: not fair, not FIFO. Cost: one atomic each way
// uncontended, inline; 8 bytes.
//
// TbbQueuingRw (tbb::queuing_rw_mutex): an MCS-style queue: each acquisition links a node into
// the queue and spins on its own node, so grants are FIFO (fair) and adjacent readers enter
// together. TBB only exposes it through scoped_lock, the node, which must stay put from acquire
// to release; lock()/unlock() cannot carry it, so each thread keeps a pool of eight nodes
// (thread_local) and a table of which lock each one holds. Cost: a swap to enqueue and a
// compare-and-swap to dequeue (calls into libtbb), plus a thread_local lookup and a scan of
// the pool (one slot when a thread holds one lock); 8 bytes per lock and 320 bytes per thread.
// A thread may hold at most eight queuing locks (or holds) at once; a ninth aborts. try_lock*
// succeed only when the queue is empty, so try_lock_shared fails while another reader holds it.
//
// Neither is recursive: a holder that asks again, in either mode, spins forever (kNone). Neither
// reports an owner. Releases must come from the acquiring thread.
#ifndef LOCKBENCH_LOCKIMPLS_TBB_RW_H_
#define LOCKBENCH_LOCKIMPLS_TBB_RW_H_

#include "lockimpls/internal/check.h"
#include "lockimpls/internal/tsan_library_lock.h"
#include "lockimpls/lock_concept.h"
#include "oneapi/tbb/queuing_rw_mutex.h"
#include "oneapi/tbb/spin_rw_mutex.h"

namespace lockbench {

class TbbSpinRw : public tbb::spin_rw_mutex {
 public:
  static constexpr LockTraits kTraits{
      .name = "tbb_spin_rw",
      .description = "tbb::spin_rw_mutex: one word, spin with backoff then yield, never sleeps",
      .size_bytes = sizeof(tbb::spin_rw_mutex),
      .recursion = Recursion::kNone,
      .fairness =
          "not fair: a waiting writer holds back new readers, but writers race and "
          "nothing is handed over",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSpin,
  };
};

class TbbQueuingRw {
 public:
  static constexpr int kMaxHeldPerThread = 8;

  TbbQueuingRw() = default;
  TbbQueuingRw(const TbbQueuingRw&) = delete;
  TbbQueuingRw& operator=(const TbbQueuingRw&) = delete;

  void lock() { Acquire(/*write=*/true); }
  void unlock() { ReleaseHeld(); }
  void lock_shared() { Acquire(/*write=*/false); }
  void unlock_shared() { ReleaseHeld(); }
  bool try_lock() { return TryAcquire(/*write=*/true); }
  bool try_lock_shared() { return TryAcquire(/*write=*/false); }

  static constexpr LockTraits kTraits{
      .name = "tbb_queuing_rw",
      .description = "tbb::queuing_rw_mutex: MCS-style queue of per-thread nodes, local spinning",
      .size_bytes = sizeof(tbb::queuing_rw_mutex),
      .recursion = Recursion::kNone,
      .fairness = "FIFO: grants in arrival order, adjacent readers together; no barging",
      .owner_query = false,
      .holder_level = HolderLevel::kUserMode,
      .waiters = WaitKind::kSpin,
  };

 private:
  struct NodePool {
    const TbbQueuingRw* holder[kMaxHeldPerThread] = {};
    tbb::queuing_rw_mutex::scoped_lock node[kMaxHeldPerThread];
  };

  static NodePool& Pool() {
    static thread_local NodePool pool;
    return pool;
  }

  static int FreeSlot(const NodePool& pool) {
    for (int i = 0; i < kMaxHeldPerThread; ++i) {
      if (pool.holder[i] == nullptr) return i;
    }
    Fatal("TbbQueuingRw", "a thread holds more than kMaxHeldPerThread queuing locks");
  }

  int HeldSlot(const NodePool& pool) const {
    for (int i = 0; i < kMaxHeldPerThread; ++i) {
      if (pool.holder[i] == this) return i;
    }
    Fatal("TbbQueuingRw", "release of a queuing lock this thread does not hold");
  }

  void Acquire(bool write) {
    NodePool& pool = Pool();
    const int slot = FreeSlot(pool);
    pool.node[slot].acquire(mu_, write);
    pool.holder[slot] = this;
    internal::TsanAcquired(this);
  }

  bool TryAcquire(bool write) {
    NodePool& pool = Pool();
    const int slot = FreeSlot(pool);
    if (!pool.node[slot].try_acquire(mu_, write)) return false;
    pool.holder[slot] = this;
    internal::TsanAcquired(this);
    return true;
  }

  void ReleaseHeld() {
    NodePool& pool = Pool();
    const int slot = HeldSlot(pool);
    internal::TsanReleasing(this);
    pool.holder[slot] = nullptr;
    pool.node[slot].release();
  }

  tbb::queuing_rw_mutex mu_;
};

static_assert(BenchLock<TbbSpinRw>);
static_assert(BenchLock<TbbQueuingRw>);
static_assert(sizeof(TbbSpinRw) == TbbSpinRw::kTraits.size_bytes);
static_assert(sizeof(TbbQueuingRw) == TbbQueuingRw::kTraits.size_bytes);
static_assert(sizeof(tbb::queuing_rw_mutex::scoped_lock) + sizeof(void*) == 40,
              "the per-thread cost quoted above assumes 40-byte pool slots");

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_TBB_RW_H_
