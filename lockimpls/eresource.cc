#include "lockimpls/eresource.h"

#include "lockimpls/eresource_impl.h"

namespace lockbench {

template class BasicEResource<internal::RealAtoms>;

}  // namespace lockbench
