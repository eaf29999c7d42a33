#include "lockimpls/internal/wait_block_word.h"

#include "lockimpls/internal/step_hook.h"
#include "lockimpls/internal/wait_block_word_impl.h"

namespace lockbench::internal {

template class BasicWaitBlockWord<RealAtoms>;
template class BasicWaitBlockWord<HookedAtoms>;

}  // namespace lockbench::internal
