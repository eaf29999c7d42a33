// Which sanitizer this build runs under, asked the way both compilers answer: GCC defines
// __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__, clang answers through __has_feature. Tests scale
// down or skip what a sanitizer cannot run (an address-space limit, a stress of millions of
// operations), and result files record the build type.
//
// LOCKBENCH_ASAN and LOCKBENCH_TSAN are macros, for #if around sanitizer-only includes; the
// constants are for ordinary code.
#ifndef LOCKBENCH_BASE_SANITIZERS_H_
#define LOCKBENCH_BASE_SANITIZERS_H_

#if defined(__SANITIZE_ADDRESS__)
#define LOCKBENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOCKBENCH_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define LOCKBENCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCKBENCH_TSAN 1
#endif
#endif

namespace lockbench {

#if defined(LOCKBENCH_ASAN)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(LOCKBENCH_TSAN)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif

}  // namespace lockbench

#endif  // LOCKBENCH_BASE_SANITIZERS_H_
