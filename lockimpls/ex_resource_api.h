// The Windows executive-resource API (ExXxxResourceLite, wdm.h) over EResource, named as Windows
// names it, so scenarios and workloads can be written as a driver would write them. Each call is
// a thin forward; the behaviour and its costs are documented in eresource.h.
//
// Differences from the kernel: there is no IRQL and no critical region, so callers need not call
// KeEnterCriticalRegion first; ExInitializeResourceLite only resets an already constructed
// EResource (C++ storage is constructed, unlike nonpaged pool); ContentionCount, a field that
// drivers read directly, is read through ExGetResourceContentionCount. TRUE and FALSE are not
// defined, because other headers define them as macros; pass true and false.
#ifndef LOCKBENCH_LOCKIMPLS_EX_RESOURCE_API_H_
#define LOCKBENCH_LOCKIMPLS_EX_RESOURCE_API_H_

#include <cstdint>

#include "lockimpls/eresource.h"

namespace lockbench {

using BOOLEAN = unsigned char;
using ULONG = std::uint32_t;
using NTSTATUS = std::int32_t;
using ERESOURCE = EResource;
using PERESOURCE = EResource*;

inline constexpr NTSTATUS STATUS_SUCCESS = 0;

// REQUIRES (both): the resource is neither owned nor waited on.
NTSTATUS ExInitializeResourceLite(PERESOURCE resource);
NTSTATUS ExDeleteResourceLite(PERESOURCE resource);

// Each returns TRUE once granted; with Wait FALSE, FALSE where it would wait, changing nothing.
BOOLEAN ExAcquireResourceExclusiveLite(PERESOURCE resource, BOOLEAN wait);
BOOLEAN ExAcquireResourceSharedLite(PERESOURCE resource, BOOLEAN wait);
BOOLEAN ExAcquireSharedStarveExclusive(PERESOURCE resource, BOOLEAN wait);
BOOLEAN ExAcquireSharedWaitForExclusive(PERESOURCE resource, BOOLEAN wait);
BOOLEAN ExTryToAcquireResourceExclusiveLite(PERESOURCE resource);

// REQUIRES: the caller holds the resource.
void ExReleaseResourceLite(PERESOURCE resource);
// REQUIRES: the caller owns the resource exclusive.
void ExConvertExclusiveToSharedLite(PERESOURCE resource);
void ExDisableResourceBoostLite(PERESOURCE resource);

BOOLEAN ExIsResourceAcquiredExclusiveLite(PERESOURCE resource);
// The caller's acquisition count (exclusive or shared); 0 when it holds nothing.
ULONG ExIsResourceAcquiredSharedLite(PERESOURCE resource);
ULONG ExGetExclusiveWaiterCount(PERESOURCE resource);
ULONG ExGetSharedWaiterCount(PERESOURCE resource);
// Stands in for reading ERESOURCE::ContentionCount: acquisitions that had to wait.
ULONG ExGetResourceContentionCount(PERESOURCE resource);

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_EX_RESOURCE_API_H_
