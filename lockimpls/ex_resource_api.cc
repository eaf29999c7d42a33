#include "lockimpls/ex_resource_api.h"

namespace lockbench {

NTSTATUS ExInitializeResourceLite(PERESOURCE resource) {
  resource->Initialize();
  return STATUS_SUCCESS;
}

NTSTATUS ExDeleteResourceLite(PERESOURCE resource) {
  resource->Delete();
  return STATUS_SUCCESS;
}

BOOLEAN ExAcquireResourceExclusiveLite(PERESOURCE resource, BOOLEAN wait) {
  return resource->AcquireExclusive(wait != 0);
}

BOOLEAN ExAcquireResourceSharedLite(PERESOURCE resource, BOOLEAN wait) {
  return resource->AcquireShared(wait != 0, EResource::SharedMode::kNormal);
}

BOOLEAN ExAcquireSharedStarveExclusive(PERESOURCE resource, BOOLEAN wait) {
  return resource->AcquireShared(wait != 0, EResource::SharedMode::kStarveExclusive);
}

BOOLEAN ExAcquireSharedWaitForExclusive(PERESOURCE resource, BOOLEAN wait) {
  return resource->AcquireShared(wait != 0, EResource::SharedMode::kWaitForExclusive);
}

BOOLEAN ExTryToAcquireResourceExclusiveLite(PERESOURCE resource) {
  return resource->AcquireExclusive(false);
}

void ExReleaseResourceLite(PERESOURCE resource) { resource->Release(); }

void ExConvertExclusiveToSharedLite(PERESOURCE resource) { resource->ConvertExclusiveToShared(); }

void ExDisableResourceBoostLite(PERESOURCE resource) { resource->DisablePriorityBoost(); }

BOOLEAN ExIsResourceAcquiredExclusiveLite(PERESOURCE resource) {
  return resource->IsAcquiredExclusiveByCaller();
}

ULONG ExIsResourceAcquiredSharedLite(PERESOURCE resource) {
  return resource->CallerAcquisitionCount();
}

ULONG ExGetExclusiveWaiterCount(PERESOURCE resource) { return resource->ExclusiveWaiterCount(); }

ULONG ExGetSharedWaiterCount(PERESOURCE resource) { return resource->SharedWaiterCount(); }

ULONG ExGetResourceContentionCount(PERESOURCE resource) { return resource->ContentionCount(); }

}  // namespace lockbench
