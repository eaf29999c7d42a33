#!/usr/bin/env bash
# The folders are floors, and an include only goes down or stays on its floor:
#   tool -> tool/plan -> workloads -> results -> lockimpls -> arch -> base
# (tool/plan, the run's planning, is a floor of its own below the command wiring in tool/.)
# (results/ does not include workloads/ or tool/: a result is read without the engine that made
# it; bazel/ is build support and may include anything.) Each include that climbs is printed as
# file:line: text. Usage: layer_check.sh SOURCE...   (the tree's C and C++ sources)
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/check_lib.sh"

# allowed FOLDER: the folders FOLDER's sources may include from.
allowed() {
  case "$1" in
    base) echo "base" ;;
    arch) echo "arch base" ;;
    lockimpls) echo "lockimpls arch base" ;;
    results) echo "results lockimpls arch base" ;;
    workloads) echo "workloads results lockimpls arch base" ;;
    tool/plan) echo "tool/plan workloads results lockimpls arch base" ;;
    tool) echo "tool tool/plan workloads results lockimpls arch base" ;;
    *) echo "*" ;;
  esac
}

# climbs FILE...: every include of a project folder its file's floor may not reach.
climbs() {
  local f
  for f in "$@"; do
    local folder=${f%%/*}
    case "$f" in tool/plan/*) folder=tool/plan ;; esac
    local ok
    ok=$(allowed "$folder")
    [ "$ok" = "*" ] && continue
    grep -nHE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"(base|arch|lockimpls|results|workloads|tool)/' "$f" |
      while IFS= read -r hit; do
        local target
        target=$(printf '%s' "$hit" | sed -E 's/.*#[[:space:]]*include[[:space:]]+"(tool\/plan|[a-z]+)\/.*/\1/')
        case " $ok " in
          *" $target "*) ;;
          *) printf '%s\n' "$hit" ;;
        esac
      done
  done
}

[ "$#" -gt 100 ]
check $? "the check sees the tree's sources ($# files)"

# The check is not vacuous: an include planted in a copy of the tree's layout is found.
plant=${TEST_TMPDIR:-$(mktemp -d)}/plant
mkdir -p "$plant/results" "$plant/lockimpls" "$plant/workloads" "$plant/tool/plan"
printf '#include "workloads/engine.h"\n' >"$plant/results/planted.cc"
printf '#include "results/histogram.h"\n' >"$plant/lockimpls/planted.h"
printf '#include "results/histogram.h"\n#include "lockimpls/registry.h"\n' >"$plant/workloads/fine.cc"
printf '#include "tool/commands.h"\n#include "tool/plan/run_options.h"\n' >"$plant/tool/plan/planted.cc"
printf '#include "tool/plan/run_plan.h"\n' >"$plant/workloads/planted_plan.cc"
planted=$(cd "$plant" && climbs results/planted.cc lockimpls/planted.h workloads/fine.cc \
  tool/plan/planted.cc workloads/planted_plan.cc)
[ "$(printf '%s\n' "$planted" | grep -c .)" -eq 4 ] &&
  printf '%s\n' "$planted" | grep -q '^results/planted.cc:1:' &&
  printf '%s\n' "$planted" | grep -q '^lockimpls/planted.h:1:' &&
  printf '%s\n' "$planted" | grep -q '^tool/plan/planted.cc:1:' &&
  printf '%s\n' "$planted" | grep -q '^workloads/planted_plan.cc:1:'
check $? "planted climbs are found, a downward include is not ($planted)"

found=$(climbs "$@")
if [ -n "$found" ]; then
  echo "includes that climb a floor (tool -> tool/plan -> workloads -> results -> lockimpls -> arch -> base):" >&2
  printf '%s\n' "$found" >&2
fi
[ -z "$found" ]
check $? "no include climbs a floor"
check_finish layer_check
