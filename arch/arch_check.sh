#!/usr/bin/env bash
# Architecture code stays in arch/: no x86 intrinsics (__builtin_ia32_*, _mm_*, rdtsc, the
# <x86intrin.h>/<immintrin.h> headers) and no inline assembly anywhere else among the C and C++
# sources given as arguments. An empty asm template (asm volatile("" ::: "memory"), a compiler
# barrier that emits nothing) is portable and allowed. Text after // is not looked at, so a
# comment may name an instruction. Each offending line is printed as file:line: text.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../bazel/check_lib.sh"

pattern='__builtin_ia32_|\b_mm_[a-z0-9_]+\s*\(|\b_*rdtscp?\b|x86intrin\.h|immintrin\.h|\b(asm|__asm|__asm__)\b\s*(volatile|__volatile__|goto|inline|\s)*\('
barrier='\b(asm|__asm|__asm__)\s*(volatile|__volatile__|\s)*\(\s*""'

# offenders FILE...: prints file:line: text for every hit outside comments.
offenders() {
  grep -nHP "$pattern" "$@" 2>/dev/null | while IFS= read -r hit; do
    local file=${hit%%:*} rest=${hit#*:}
    local line=${rest%%:*} text=${rest#*:}
    local code=${text%%//*}
    if printf '%s\n' "$code" | grep -qP "$pattern" && ! printf '%s\n' "$code" | grep -qP "$barrier"; then
      printf '%s:%s: %s\n' "$file" "$line" "$(printf '%s' "$text" | sed 's/^[[:space:]]*//')"
    fi
  done
}

# The one exception: the example plugins are stand-alone C that a plugin author copies and builds
# with one cc line (docs/plugins.md), without this tree's headers; they guard their spin hint
# by architecture themselves.
arch=() rest=()
for f in "$@"; do
  case "$f" in
    arch/*) arch+=("$f") ;;
    lockimpls/plugin/examples/*) ;;
    *) rest+=("$f") ;;
  esac
done

# The pattern is not vacuous: it finds what arch/ is for.
[ "${#rest[@]}" -gt 100 ]
check $? "the check sees the tree's sources (${#rest[@]} files outside arch/)"
hits=$(offenders "${arch[@]}")
printf '%s\n' "$hits" | grep -q 'cycle_counter.h:.*__rdtsc'
check $? "the pattern finds rdtsc in arch/cycle_counter.h"
printf '%s\n' "$hits" | grep -q 'cpu_relax.h:.*__builtin_ia32_pause'
check $? "the pattern finds pause in arch/cpu_relax.h"
printf '%s\n' "$hits" | grep -q 'cycle_counter.h:.*cntvct_el0'
check $? "the pattern finds inline assembly in arch/cycle_counter.h"
printf 'asm volatile("" ::: "memory");\n' > "${TEST_TMPDIR:-/tmp}/barrier.cc"
[ -z "$(offenders "${TEST_TMPDIR:-/tmp}/barrier.cc")" ]
check $? "an empty asm template (a compiler barrier) is allowed"

found=$(offenders "${rest[@]}")
if [ -n "$found" ]; then
  echo "x86 intrinsics or inline assembly outside arch/ (move them behind an arch/ header):" >&2
  printf '%s\n' "$found" >&2
fi
[ -z "$found" ]
check $? "no x86 intrinsics or inline assembly outside arch/"
check_finish arch_check
