#!/usr/bin/env bash
# Bad lock plugins given to run, list and check, case by case, held to the bar of
# tool/bad_input_test.sh: exit 2, exactly one stderr line "lockbench: error: --plugin: '<path>':
# <problem>" with the problem's exact words, nothing on stdout, no file created, and an existing
# --out left byte-identical: nothing ran. Each case is one test case in the XML report.
#
# Usage: plugin_bad_input_test.sh lockbench ticket_lock.so bad_*.so...
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ticket=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
shift 2
declare -A so
for f in "$@"; do so[$(basename "$f" .so)]=$(cd "$(dirname "$f")" && pwd)/$(basename "$f"); done
tmp="${TEST_TMPDIR:-$(mktemp -d)}/plugin_bad_input"
rm -rf "$tmp"
mkdir -p "$tmp"

source "$(dirname "${BASH_SOURCE[0]}")/../../bazel/check_lib.sh"

# bad NAME PATTERN ARGS...: `lockbench ARGS` in an empty directory; PATTERN (grep -E) must match
# the whole stderr line. A `run` case gets --out on an existing file, which must stay as it was.
bad() {
  local name=$1 pattern=$2
  shift 2
  local dir="$tmp/case"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'existing result\n' >"$dir/keep.json"
  local args=("$@")
  [ "${args[0]}" = run ] && args+=(--out "$dir/keep.json")
  (cd "$dir" && timeout 30 "$bin" "${args[@]}" >"$tmp/out" 2>"$tmp/err")
  local rc=$? problems=""
  [ "$rc" -eq 2 ] || problems+="exit $rc, not 2; "
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || problems+="$(wc -l <"$tmp/err") stderr lines, not 1; "
  grep -Eqx -- "lockbench: error: $pattern" "$tmp/err" || problems+="stderr is not /$pattern/; "
  [ ! -s "$tmp/out" ] || problems+="wrote to stdout; "
  [ "$(ls -A "$dir")" = "keep.json" ] || problems+="files created: $(ls -A "$dir" | tr '\n' ' '); "
  [ "$(cat "$dir/keep.json")" = "existing result" ] || problems+="existing --out file changed; "
  check "$([ -z "$problems" ]; echo $?)" "$name ($problems stderr: $(head -c 300 "$tmp/err"))"
}

# A path's characters as a literal in an extended regular expression.
re() { printf '%s' "$1" | sed 's/[][\.*^$(){}+?|/]/\\&/g'; }

printf 'not an ELF file\n' >"$tmp/text.so"
: >"$tmp/empty.so"
mkdir -p "$tmp/dir.so"
for p in "${!so[@]}"; do eval "p_$p=\$(re \"\${so[$p]}\")"; done

# The file itself.
bad "missing file" "--plugin: '$(re "$tmp/none.so")': no such file" run --plugin "$tmp/none.so"
bad "a directory" "--plugin: '$(re "$tmp/dir.so")': not a regular file" run --plugin "$tmp/dir.so"
bad "a text file" "--plugin: '$(re "$tmp/text.so")': cannot be loaded as a shared object \(.*\)" \
  run --plugin "$tmp/text.so"
bad "an empty file" "--plugin: '$(re "$tmp/empty.so")': cannot be loaded as a shared object \(.*\)" \
  run --plugin "$tmp/empty.so"
bad "given twice" "--plugin: '$(re "$ticket")' is given twice" \
  run --plugin "$ticket" --plugin "$ticket"

# The entry point and the table.
bad "no entry point" \
  "--plugin: '$p_bad_no_entry': exports no lockbench_plugin_entry function; a plugin defines it \(lockimpls/plugin/lockbench_plugin\.h\)" \
  run --plugin "${so[bad_no_entry]}"
bad "entry returns NULL" "--plugin: '$p_bad_null_table': lockbench_plugin_entry returned NULL" \
  run --plugin "${so[bad_null_table]}"
bad "wrong ABI version" \
  "--plugin: '$p_bad_abi_99': ABI version 99 is not supported; this lockbench supports version 1" \
  run --plugin "${so[bad_abi_99]}"
bad "no locks" \
  "--plugin: '$p_bad_no_locks': lock_count 0 is out of range \(or locks is NULL\); 1 to 64 locks" \
  run --plugin "${so[bad_no_locks]}"

# A descriptor.
bad "null unlock" \
  "--plugin: '$p_bad_null_unlock': lock #1 'bad_spin': unlock is NULL; init, lock, unlock and try_lock are required" \
  run --plugin "${so[bad_null_unlock]}"
bad "null shared function" \
  "--plugin: '$p_bad_null_shared': lock #1 'bad_spin': lock_shared is NULL; with has_shared, lock_shared, unlock_shared and try_lock_shared are required" \
  run --plugin "${so[bad_null_shared]}"
bad "size 0" "--plugin: '$p_bad_size_0': lock #1 'bad_spin': size 0 is out of range; 1 to 1048576 bytes" \
  run --plugin "${so[bad_size_0]}"
bad "size 2 MiB" \
  "--plugin: '$p_bad_size_2mib': lock #1 'bad_spin': size 2097152 is out of range; 1 to 1048576 bytes" \
  run --plugin "${so[bad_size_2mib]}"
bad "align 3" \
  "--plugin: '$p_bad_align_3': lock #1 'bad_spin': align 3 is not a power of two from 1 to 4096" \
  run --plugin "${so[bad_align_3]}"
bad "align 8192" \
  "--plugin: '$p_bad_align_8192': lock #1 'bad_spin': align 8192 is not a power of two from 1 to 4096" \
  run --plugin "${so[bad_align_8192]}"
bad "bad name" "--plugin: '$p_bad_bad_name': lock #1: name is not 1 to 48 of a-z, 0-9 and _" \
  run --plugin "${so[bad_bad_name]}"
bad "bad recursion" \
  "--plugin: '$p_bad_bad_recursion': lock #1 'bad_spin': recursion 7 is not 0 \(none\), 1 \(shared only\) or 2 \(full\)" \
  run --plugin "${so[bad_bad_recursion]}"
bad "shared recursion without a shared mode" \
  "--plugin: '$p_bad_shared_recursion': lock #1 'bad_spin': recursion 1 \(shared only\) needs a shared mode \(has_shared\)" \
  run --plugin "${so[bad_shared_recursion]}"

# Names taken.
bad "clash with a built-in lock" \
  "--plugin: '$p_bad_clash_builtin': lock 'push_lock' clashes with the built-in lock of that name; lock names must be unique" \
  run --plugin "${so[bad_clash_builtin]}"
bad "clash with another plugin" \
  "--plugin: '$p_bad_clash_ticket': lock 'ticket_lock' clashes with a lock of plugin '$(re "$ticket")'; lock names must be unique" \
  run --plugin "$ticket" --plugin "${so[bad_clash_ticket]}"
bad "clash inside one plugin" \
  "--plugin: '$p_bad_twice_inside': lock 'bad_spin' clashes with another lock of the same plugin; lock names must be unique" \
  run --plugin "${so[bad_twice_inside]}"

# list and check refuse the same way; check's own flags.
bad "list with a bad plugin" "--plugin: '$p_bad_abi_99': ABI version 99 .*" \
  list --plugin "${so[bad_abi_99]}"
bad "check with a bad plugin" "--plugin: '$p_bad_size_0': lock #1 'bad_spin': size 0 .*" \
  check --plugin "${so[bad_size_0]}"
bad "check without --plugin" "--plugin is required.*" check
bad "check --lock not in the plugins" \
  "--lock: 'ticket_lok' is not a lock of the plugins given \(did you mean 'ticket_lock'\?\); their locks: ticket_lock" \
  check --plugin "$ticket" --lock ticket_lok
bad "run --lock of a plugin not given" "--lock: unknown lock 'ticket_lock'; locks: .*" \
  run --lock ticket_lock

check_finish plugin_bad_input_test
