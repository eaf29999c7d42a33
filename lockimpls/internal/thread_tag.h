// One number per live thread, for locks that record their owner: the address of a thread_local,
// as the Windows kernel uses the ETHREAD address. Costs a thread-local address computation.
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_THREAD_TAG_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_THREAD_TAG_H_

#include <cstdint>

namespace lockbench::internal {

// Never 0, so 0 can mean "no owner".
inline std::uintptr_t CurrentThreadTag() {
  static thread_local char tag;
  return reinterpret_cast<std::uintptr_t>(&tag);
}

}  // namespace lockbench::internal

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_THREAD_TAG_H_
