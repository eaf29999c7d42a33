#include "lockimpls/internal/lock_checks.h"

namespace lockbench::internal {
namespace {

// Plain thread-local storage: constant-initialized, so no per-access init guard.
struct HeldTable {
  const void* locks[kMaxTracked];
  int size;
};
thread_local HeldTable held_table{};

}  // namespace

void NoteExclusiveHeld(const void* lock) {
  HeldTable& t = held_table;
  if (t.size < kMaxTracked) t.locks[t.size++] = lock;
}

void NoteExclusiveReleased(const void* lock) {
  HeldTable& t = held_table;
  // Newest first: locks are usually released in reverse order of acquisition.
  for (int i = t.size - 1; i >= 0; --i) {
    if (t.locks[i] == lock) {
      t.locks[i] = t.locks[--t.size];
      return;
    }
  }
}

bool HoldsExclusive(const void* lock) {
  const HeldTable& t = held_table;
  for (int i = 0; i < t.size; ++i) {
    if (t.locks[i] == lock) return true;
  }
  return false;
}

}  // namespace lockbench::internal
