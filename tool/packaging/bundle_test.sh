#!/usr/bin/env bash
# The bundle tarball (//tool:bundle) inspected on the build machine: its file list, the run
# path, every needed library found in the bundle or the base system (glibc, libstdc++,
# libgcc_s: never a library of the build's -dev packages), and the binary run from the
# extracted tree. The run in a minimal Debian root is bundle_chroot_test.
#   bundle_test.sh BUNDLE-DIR
set -uo pipefail
# As a Bazel test it runs as tool/<test name>; from the source tree, as tool/packaging/<script>.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/../bazel/check_lib.sh" 2>/dev/null || source "$here/../../bazel/check_lib.sh" || exit 1
dir=$1
tmp=$(mktemp -d "${TEST_TMPDIR:-/tmp}/bundle.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mapfile -t tarballs < <(ls "$dir"/lockbench-*-linux-*.tar.gz 2>/dev/null)
[ "${#tarballs[@]}" -eq 1 ]
check $? "one tarball named lockbench-VERSION-linux-ARCH.tar.gz (${tarballs[*]:-none} in $dir)"
tarball=${tarballs[0]:-/nonexistent}
name=$(basename "$tarball" .tar.gz)
tar xzf "$tarball" -C "$tmp"
check $? "it extracts"
root=$tmp/$name
[ -d "$root" ]
check $? "its files are under $name/"

for f in bin/lockbench bin/liblockbench_preload.so plugin/lockbench_plugin.h \
    plugin/examples/rw_spin.c plugin/examples/ticket_lock.c results/result_schema.json \
    results/validate_result.py results/notebooks/lockbench_results.py \
    results/notebooks/lockbench.ipynb VERSION; do
  [ -s "$root/$f" ]
  check $? "the bundle has $f"
done
[ -x "$root/bin/lockbench" ]
check $? "bin/lockbench is executable"

# The base system: what every Debian (or glibc) machine has. Anything else must be in lib/.
base='^(libc|libm|libmvec|libpthread|libdl|librt|libresolv|libutil|libanl)\.so\.[0-9]+$|^ld-linux-.*\.so\.[0-9]+$|^libstdc\+\+\.so\.6$|^libgcc_s\.so\.1$'
for elf in "$root"/bin/lockbench "$root"/bin/*.so "$root"/lib/*; do
  [ -e "$elf" ] || continue
  rel=${elf#"$root"/}
  missing=""
  for lib in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
    if ! [[ $lib =~ $base ]] && [ ! -e "$root/lib/$lib" ]; then missing+=" $lib"; fi
  done
  [ -z "$missing" ]
  check $? "$rel needs only the base system and lib/ (missing:$missing)"
done
for elf in bin/lockbench bin/liblockbench_preload.so; do
  readelf -d "$root/$elf" | grep -E '\((RPATH|RUNPATH)\)' | grep -qF '[$ORIGIN/../lib]'
  check $? "$elf has the run path \$ORIGIN/../lib ($(readelf -d "$root/$elf" | grep -E 'R(UN)?PATH'))"
done

# The rest runs the binary: only where it can run (the host's architecture).
machine=$(readelf -h "$root/bin/lockbench" | sed -n 's/^ *Machine: *//p')
case "$(uname -m):$machine" in
  x86_64:*X86-64* | aarch64:AArch64) ;;
  *)
    check_finish "bundle"
    exit
    ;;
esac
# ldd: every library resolved, and from the bundle unless it is in the base system.
ldd "$root/bin/lockbench" >"$tmp/ldd" 2>&1
check $? "ldd reads bin/lockbench"
! grep -q "not found" "$tmp/ldd"
check $? "ldd resolves every library ($(grep 'not found' "$tmp/ldd" | tr -s ' \t' ' '))"
outside=$(awk '$2 == "=>" && $3 !~ /^\// {next} $2 == "=>" {print $1, $3}' "$tmp/ldd" |
  while read -r lib path; do
    [[ $lib =~ $base ]] || [[ $path == "$root"/* ]] || printf '%s ' "$lib=$path"
  done)
[ -z "$outside" ]
check $? "ldd finds every non-base library in the bundle (from elsewhere: $outside)"

"$root/bin/lockbench" --version >"$tmp/version" 2>&1
check $? "bin/lockbench --version runs ($(cat "$tmp/version"))"
version=${name#lockbench-}
version=${version%-linux-*}
grep -q "^lockbench $version " "$tmp/version"
check $? "the tarball's version $version is the binary's ($(cat "$tmp/version"))"
grep -q "^lockbench $version " "$root/VERSION"
check $? "VERSION names it ($(head -1 "$root/VERSION"))"
"$root/bin/lockbench" list >"$tmp/list" 2>&1 && grep -q push_lock "$tmp/list"
check $? "bin/lockbench list runs from the extracted tree ($(head -c 200 "$tmp/list"))"
check_finish "bundle"
