#include "lockimpls/internal/wait_block_word.h"

#include "lockimpls/internal/step_hook.h"
#include "lockimpls/internal/wait_block_word_impl.h"

namespace lockbench::internal {
namespace {

constinit std::atomic<WaitObserver*> observer{nullptr};

}  // namespace

WaitObserver* Observer() { return observer.load(std::memory_order_acquire); }

void SetWaitObserver(WaitObserver* o) { observer.store(o, std::memory_order_release); }

template class BasicWaitBlockWord<RealAtoms>;
template class BasicWaitBlockWord<HookedAtoms>;

}  // namespace lockbench::internal
