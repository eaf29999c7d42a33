#include "lockimpls/srw_api.h"

#include <time.h>

#include <cerrno>
#include <climits>

#include "lockimpls/internal/futex.h"

namespace lockbench {
namespace {

void Wake(PCONDITION_VARIABLE cv, int count) {
  cv->sequence.fetch_add(1, std::memory_order_seq_cst);
  if (cv->sleepers.load(std::memory_order_seq_cst) != 0) internal::FutexWake(&cv->sequence, count);
}

timespec DeadlineAfter(DWORD milliseconds) {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  t.tv_sec += milliseconds / 1000;
  t.tv_nsec += static_cast<long>(milliseconds % 1000) * 1000000L;
  if (t.tv_nsec >= 1000000000L) {
    t.tv_nsec -= 1000000000L;
    ++t.tv_sec;
  }
  return t;
}

}  // namespace

VOID WakeConditionVariable(PCONDITION_VARIABLE cv) { Wake(cv, 1); }

VOID WakeAllConditionVariable(PCONDITION_VARIABLE cv) { Wake(cv, INT_MAX); }

BOOL SleepConditionVariableSRW(PCONDITION_VARIABLE cv, PSRWLOCK lock, DWORD milliseconds,
                               ULONG flags) {
  if (flags & ~CONDITION_VARIABLE_LOCKMODE_SHARED) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return FALSE;
  }
  const bool shared = (flags & CONDITION_VARIABLE_LOCKMODE_SHARED) != 0;
  const bool timed = milliseconds != INFINITE;
  const timespec deadline = timed ? DeadlineAfter(milliseconds) : timespec{};

  // Counted in and sequence read while the lock is still held: a waker that changes the
  // predicate under the lock bumps the sequence after this read, so its wake is not lost.
  cv->sleepers.fetch_add(1, std::memory_order_seq_cst);
  const std::uint32_t seen = cv->sequence.load(std::memory_order_seq_cst);
  if (shared) {
    lock->unlock_shared();
  } else {
    lock->unlock();
  }

  bool timed_out = false;
  while (cv->sequence.load(std::memory_order_acquire) == seen) {
    const int err = timed ? internal::FutexWaitUntil(&cv->sequence, seen, deadline)
                          : internal::FutexWait(&cv->sequence, seen);
    if (err == ETIMEDOUT) {
      timed_out = true;
      break;
    }
  }
  cv->sleepers.fetch_sub(1, std::memory_order_relaxed);

  if (shared) {
    lock->lock_shared();
  } else {
    lock->lock();
  }
  if (timed_out) {
    SetLastError(ERROR_TIMEOUT);
    return FALSE;
  }
  return TRUE;
}

}  // namespace lockbench
