#include "lockimpls/eresource.h"

#include "lockimpls/eresource_impl.h"
#include "lockimpls/internal/step_hook.h"

namespace lockbench {

template class BasicEResource<internal::RealAtoms>;
template class BasicEResource<internal::HookedAtoms>;

}  // namespace lockbench
