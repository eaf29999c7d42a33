// The Windows base types the Windows-named facades (flt_push_lock.h, srw_api.h) use, with the
// sizes they have on 64-bit Windows (LLP64: ULONG and DWORD are 32 bits).
#ifndef LOCKBENCH_LOCKIMPLS_INTERNAL_WINDOWS_TYPES_H_
#define LOCKBENCH_LOCKIMPLS_INTERNAL_WINDOWS_TYPES_H_

#include <cstdint>

namespace lockbench {

using BOOLEAN = unsigned char;  // TRUE or FALSE, one byte
using BOOL = int;
using ULONG = std::uint32_t;
using DWORD = std::uint32_t;
using VOID = void;

// Windows makes these macros; here they are constants unless some header already defined them.
#ifndef TRUE
inline constexpr int TRUE = 1;
#endif
#ifndef FALSE
inline constexpr int FALSE = 0;
#endif

}  // namespace lockbench

#endif  // LOCKBENCH_LOCKIMPLS_INTERNAL_WINDOWS_TYPES_H_
