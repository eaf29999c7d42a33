// Engine internals: the run itself. MakePlan turns a config into the workers' plan; Drive does
// the type-erased part of a run (memory, threads, start barrier, watchdog, the record) around a
// worker body; RunLock<L> instantiates it for one lock type. Private to workloads/: runners.cc
// and the engine's tests include it; the tool reaches runs through workloads/runners.h.
#ifndef LOCKBENCH_WORKLOADS_INTERNAL_DRIVE_H_
#define LOCKBENCH_WORKLOADS_INTERNAL_DRIVE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <vector>

#include "lockimpls/lock_concept.h"
#include "results/run_record.h"
#include "workloads/clock.h"
#include "workloads/engine.h"
#include "workloads/internal/worker.h"

namespace lockbench {
namespace engine_internal {

// Recursion follows the lock's traits: kFull re-acquires in both modes, kSharedOnly only shared
// acquisitions, kNone never, unless cfg.allow_deadlock, which re-acquires in both modes anyway.
Plan MakePlan(const EngineConfig& cfg, const ClockCalibration& clock,
              Recursion recursion = Recursion::kFull);

// The type-erased part of a run: memory, threads, barrier, watchdog, and assembling the record.
// `construct(p, context)`/`destroy` place the lock objects; `body(thread, shared, record)` is the
// hot loop. Lock objects sit LockStride bytes apart: each starts a cache line (or its alignment,
// if larger) of its own.
struct LockOps {
  size_t size;
  size_t align;
  void (*construct)(void* p, const void* context);
  void (*destroy)(void* p);
  const void* context = nullptr;  // what construct needs beyond the type (a plugin's descriptor)
};
constexpr size_t LockStride(const LockOps& ops) {
  const size_t unit = ops.align > 64 ? ops.align : 64;
  return (ops.size + unit - 1) / unit * unit;
}
using WorkerBody = std::function<void(int thread, Shared& shared, ThreadRecord& record,
                                      std::vector<uint32_t>& grant_log, std::byte* locks,
                                      Line* lines)>;
// Throws ThreadStartError if a thread cannot start. If the run stalls, the stuck threads are
// left behind with everything they use (see Abandon in drive.cc).
RunRecord Drive(const EngineConfig& cfg, const LockTraits& traits, const LockOps& ops,
                const Plan& plan, const WorkerBody& body);

}  // namespace engine_internal

// Runs the hot loop instantiated for L, on lock objects that `ops` places, once.
template <class L>
RunRecord RunWithOps(const EngineConfig& cfg, const LockTraits& traits,
                     const engine_internal::LockOps& ops) {
  using namespace engine_internal;
  auto plan = std::make_shared<const Plan>(MakePlan(cfg, Clock(), traits.recursion));
  const size_t stride = LockStride(ops);
  const uint64_t seed = cfg.spec.seed * 0x100000001b3ull + static_cast<uint64_t>(cfg.repetition);
  // Captures by value: a stalled thread may outlive this call.
  const WorkerBody body = [plan, spec = cfg.spec, stride, seed](
                              int tid, Shared& shared, ThreadRecord& rec,
                              std::vector<uint32_t>& grant_log, std::byte* locks, Line* lines) {
    WorkerLoop<L>(*plan, tid, spec.RoleOf(tid), shared, rec, grant_log, locks, stride, lines,
                  seed + static_cast<uint64_t>(tid) * 0x9e3779b97f4a7c15ull);
  };
  return Drive(cfg, traits, ops, *plan, body);
}

// Runs lock type L once, recorded under `traits`. Blocks until the run ends. If it stalled,
// the stuck threads are left behind (they cannot be joined) with everything they use; the
// caller should exit soon.
template <BenchLock L>
RunRecord RunLockAs(const EngineConfig& cfg, const LockTraits& traits) {
  const engine_internal::LockOps ops{
      sizeof(L), alignof(L), [](void* p, const void*) { new (p) L(); },
      [](void* p) { std::launder(static_cast<L*>(p))->~L(); }};
  return RunWithOps<L>(cfg, traits, ops);
}

template <BenchLock L>
RunRecord RunLock(const EngineConfig& cfg) {
  return RunLockAs<L>(cfg, L::kTraits);
}

}  // namespace lockbench

#endif  // LOCKBENCH_WORKLOADS_INTERNAL_DRIVE_H_
