#!/usr/bin/env bash
# Writes lockbench-VERSION-linux-ARCH.tar.gz into --out (run by //tool:bundle, see bundle.bzl):
#   make_bundle.sh --out DIR --binary LOCKBENCH --version-source tool/context.cc \
#     --status bazel-out/stable-status.txt [--file SRC=PATH-IN-BUNDLE]...
# VERSION is ToolVersion()'s string in --version-source; ARCH is the binary's ELF machine. Every
# shared library an ELF file of the bundle needs, other than glibc's, libstdc++ and libgcc_s
# (the base of every Debian system), is copied from the target's multiarch directory into lib/,
# and so are the library's own needs. The tarball is byte-for-byte the same for the same inputs:
# sorted names, owner 0, the mtime of the commit (0 without git), gzip without a time stamp.
set -euo pipefail

out="" binary="" version_source="" status=""
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2 ;;
    --binary) binary=$2 ;;
    --version-source) version_source=$2 ;;
    --status) status=$2 ;;
    --file) files+=("$2") ;;
    *) echo "make_bundle: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
for v in out binary version_source status; do
  [ -n "${!v}" ] || { echo "make_bundle: --${v//_/-} is required" >&2; exit 2; }
done

version=$(sed -n 's/.*ToolVersion() *{ *return *"\([^"]*\)".*/\1/p' "$version_source" | head -1)
if [ -z "$version" ]; then
  echo "make_bundle: no 'ToolVersion() { return \"X\"; }' in $version_source" >&2
  exit 1
fi
commit=$(sed -n 's/^STABLE_GIT_COMMIT //p' "$status")

machine=$(readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
case "$machine" in
  *X86-64*) arch=x86_64 ;;
  AArch64) arch=aarch64 ;;
  *) echo "make_bundle: no bundle for machine '$machine' (x86-64 and AArch64 only)" >&2; exit 1 ;;
esac
triplet=$arch-linux-gnu
libdirs=("/usr/lib/$triplet" "/lib/$triplet")

name=lockbench-$version-linux-$arch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/$name
mkdir -p "$root/bin" "$root/lib"
install -m 755 "$binary" "$root/bin/lockbench"
for f in "${files[@]+"${files[@]}"}"; do
  src=${f%%=*}
  dest=$root/${f#*=}
  mkdir -p "$(dirname "$dest")"
  case "$src" in
    *.so | */lockbench) install -m 755 "$src" "$dest" ;;
    *) install -m 644 "$src" "$dest" ;;
  esac
done

# glibc, libstdc++ and libgcc_s: present on every Debian system (and any glibc distribution of
# the same age or newer), so they are not bundled.
is_base() {
  case "$1" in
    libc.so.* | libm.so.* | libmvec.so.* | libpthread.so.* | libdl.so.* | librt.so.* | \
      libresolv.so.* | libutil.so.* | libanl.so.* | ld-linux-*.so.* | libstdc++.so.* | \
      libgcc_s.so.*) return 0 ;;
  esac
  return 1
}

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }

packages=()
bundle_lib() {  # NAME: copies NAME and what it needs into lib/
  local lib=$1 dir src=""
  [ -e "$root/lib/$lib" ] && return 0
  for dir in "${libdirs[@]}"; do
    if [ -e "$dir/$lib" ]; then src=$dir/$lib; break; fi
  done
  if [ -z "$src" ]; then
    echo "make_bundle: $lib (needed by the bundle) is not in ${libdirs[*]}" >&2
    exit 1
  fi
  install -m 644 "$(readlink -f "$src")" "$root/lib/$lib"
  packages+=("$(readlink -f "$src")")
  local dep
  for dep in $(needed "$root/lib/$lib"); do
    is_base "$dep" || bundle_lib "$dep"
  done
}

for elf in "$root/bin/lockbench" "$root"/bin/*.so; do
  [ -e "$elf" ] || continue
  for dep in $(needed "$elf"); do
    is_base "$dep" || bundle_lib "$dep"
  done
done
rmdir "$root/lib" 2>/dev/null || true

# The Debian packages the bundled and statically linked libraries come from, with their
# copyright files (their licences travel with their code).
owner() {  # PATH: its package, as dpkg knows it under /usr/lib or (before merged /usr) /lib
  { dpkg-query -S "$1" || dpkg-query -S "${1#/usr}"; } 2>/dev/null | head -1 | cut -d: -f1-2
}
static=()
for a in libabsl_base.a libhwloc.a; do
  for dir in "${libdirs[@]}"; do
    if [ -e "$dir/$a" ]; then static+=("$dir/$a"); break; fi
  done
done
provenance=()
for path in "${packages[@]+"${packages[@]}"}" "${static[@]+"${static[@]}"}"; do
  pkg=$(owner "$path")
  [ -n "$pkg" ] || continue
  # The copyright file is in the runtime package (libabsl-dev's points at libabsl20220623's).
  runtime=$pkg
  case "$pkg" in
    libabsl-dev:*) runtime=$(dpkg-query -W -f='${Depends}' "$pkg" | grep -o 'libabsl[0-9]*' | head -1):${pkg#*:} ;;
    libhwloc-dev:*) runtime=libhwloc15:${pkg#*:} ;;
  esac
  ver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
  provenance+=("$(basename "$path") from Debian package ${pkg%%:*} $ver")
  copyright=/usr/share/doc/${runtime%%:*}/copyright
  if [ -r "$copyright" ]; then
    mkdir -p "$root/licenses"
    install -m 644 "$copyright" "$root/licenses/${runtime%%:*}.copyright"
  fi
done

{
  echo "lockbench $version (commit ${commit:-unknown}), linux $arch"
  echo "Run bin/lockbench from anywhere; it finds lib/ through its run path (\$ORIGIN/../lib)."
  echo "Needs glibc 2.36 or newer, libstdc++ and libgcc_s (any Debian 12 or newer system)."
  if [ "${#provenance[@]}" -gt 0 ]; then
    echo "Third-party libraries (bundled in lib/ or linked into bin/):"
    printf '  %s\n' "${provenance[@]}"
  fi
} >"$root/VERSION"

# The commit's time as every file's mtime: the same tree gives the same bytes.
epoch=$(git -C "$(dirname "$(readlink -f "$version_source")")" log -1 --format=%ct 2>/dev/null || echo 0)
mkdir -p "$out"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" --format=gnu \
  -C "$work" -cf - "$name" | gzip -9n >"$out/$name.tar.gz"
