#!/usr/bin/env bash
# The bundle (//tool:bundle) run where none of the build's packages are: a minimal Debian 12 root
# (debootstrap --variant=minbase bookworm), entered with chroot. In it, `tar xf` of the tarball,
# then `lockbench list`, `topology` (the same machine as seen outside), a 200 ms run, `profile`
# of a program (the preload library and its libraries) and `doctor`. The run's result file is
# validated outside the root with the bundle's own validate_result.py: minbase has no python3,
# and adding python3 with jsonschema would bring in what the test means to leave out.
#   bundle_chroot_test.sh BUNDLE-DIR
# Needs root (chroot, mount), debootstrap and the network the first time: the root is made once
# and kept as a tarball in $LOCKBENCH_CHROOT_CACHE (default /var/cache/lockbench), then every run
# extracts a fresh copy. The Debian mirror is $LOCKBENCH_DEBIAN_MIRROR, or apt's first one.
# Not in `bazel test //...` (tag manual); CI runs it by name (.ci/run).
set -uo pipefail
# As a Bazel test it runs as tool/<test name>; from the source tree, as tool/packaging/<script>.
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/../bazel/check_lib.sh" 2>/dev/null || source "$here/../../bazel/check_lib.sh" || exit 1
dir=$1
export PATH=$PATH:/usr/sbin:/sbin  # chroot and debootstrap
start=$SECONDS

if [ "$(id -u)" -ne 0 ]; then
  echo "bundle_chroot_test: needs root (debootstrap, chroot, mount); run CI as root or with sudo" >&2
  exit 1
fi
mapfile -t tarballs < <(ls "$dir"/lockbench-*-linux-*.tar.gz 2>/dev/null)
[ "${#tarballs[@]}" -eq 1 ]
check $? "one bundle tarball in $dir (${tarballs[*]:-none})"
tarball=${tarballs[0]:-/nonexistent}
name=$(basename "$tarball" .tar.gz)
arch=${name##*-linux-}
case "$arch" in
  x86_64) debarch=amd64 ;;
  aarch64) debarch=arm64 ;;
  *) debarch=unknown ;;
esac

# The mirror apt already uses (deb822 .sources or one-line sources.list), not the security one.
mirror() {
  if [ -n "${LOCKBENCH_DEBIAN_MIRROR:-}" ]; then
    echo "$LOCKBENCH_DEBIAN_MIRROR"
    return
  fi
  cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    sed -n -e 's/^URIs: *\([^ ]*\).*/\1/p' -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' |
    grep -v security | head -1
}

cache=${LOCKBENCH_CHROOT_CACHE:-/var/cache/lockbench}
base_tar=$cache/bookworm-minbase-$debarch.tar
if [ ! -s "$base_tar" ]; then
  t0=$SECONDS
  mkdir -p "$cache"
  fresh=$(mktemp -d "$cache/debootstrap.XXXXXX")
  if debootstrap --variant=minbase --arch="$debarch" bookworm "$fresh/root" "$(mirror)" \
      >"$fresh/log" 2>&1; then
    tar -C "$fresh/root" -cf "$base_tar.part" . && mv "$base_tar.part" "$base_tar"
  else
    tail -5 "$fresh/log" >&2
  fi
  rm -rf "$fresh"
  echo "bundle_chroot_test: debootstrap --variant=minbase bookworm took $((SECONDS - t0)) s" >&2
fi
[ -s "$base_tar" ]
check $? "a minbase bookworm root is available ($base_tar; debootstrap from $(mirror))"

work=$(mktemp -d /tmp/lockbench-chroot.XXXXXX)
root=$work/root
# Unmount whatever was mounted, then remove the copy, on every way out.
cleanup() {
  for m in "$root/sys" "$root/proc"; do
    mountpoint -q "$m" && umount -l "$m"
  done
  mountpoint -q "$root/proc" || mountpoint -q "$root/sys" || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$root"
tar -C "$root" -xf "$base_tar"
check $? "a fresh copy of the root"

# None of the build's packages in the root: no lock, topology or test library, no python3.
installed=$(chroot "$root" dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
  libhwloc15 libtbb12 libabsl20220623 libhwloc-dev libtbb-dev libabsl-dev python3 \
  python3-jsonschema 2>/dev/null | awk '$1 == "ii" {print $2}')
[ -z "$installed" ]
check $? "the root has none of the build's packages (installed: $installed)"

mount -t proc proc "$root/proc" && mount -t sysfs sysfs "$root/sys"
check $? "/proc and /sys mounted in the root"

cp "$tarball" "$root/tmp/" && chroot "$root" tar xf "/tmp/$name.tar.gz" -C /opt
check $? "tar xf of the bundle in the root"
lb=/opt/$name/bin/lockbench

chroot "$root" "$lb" list >"$work/list" 2>&1
check $? "lockbench list runs in the root ($(head -c 300 "$work/list"))"
grep -q push_lock "$work/list"
check $? "list names the locks"

chroot "$root" "$lb" topology >"$work/topology.in" 2>&1
check $? "lockbench topology runs in the root ($(head -c 300 "$work/topology.in"))"
"$root$lb" topology >"$work/topology.out" 2>&1
cmp -s "$work/topology.in" "$work/topology.out"
check $? "it sees the machine that the same binary sees outside ($(diff "$work/topology.in" "$work/topology.out" | head -c 300))"

chroot "$root" "$lb" run --lock push_lock,shared_mutex,tbb_spin_rw --threads 2 --duration 200ms \
  --warmup 20ms --out /tmp/run.json >"$work/run" 2>&1
check $? "a 200 ms run exits 0 in the root ($(tail -c 300 "$work/run"))"
python3 "$root/opt/$name/results/validate_result.py" "$root/opt/$name/results/result_schema.json" \
  "$root/tmp/run.json" >"$work/validate" 2>&1
check $? "its result file passes the bundle's validate_result.py ($(tail -c 300 "$work/validate"))"

chroot "$root" "$lb" profile --lock push_lock -- /bin/sleep 0.01 >"$work/profile" 2>&1
check $? "lockbench profile runs a program with the preload library in the root ($(tail -c 300 "$work/profile"))"

# doctor exits 5 when the machine cannot show something (a busy or virtual machine): both are
# a doctor that ran; 2 or a crash is not.
chroot "$root" "$lb" --help >"$work/help" 2>&1
check $? "lockbench --help runs in the root ($(tail -c 300 "$work/help"))"
if grep -q '^ *doctor ' "$work/help"; then
  chroot "$root" "$lb" doctor >"$work/doctor" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 5 ]
  check $? "lockbench doctor runs in the root (exit $rc: $(tail -c 300 "$work/doctor"))"
  grep -Eq '^pass +exclusion ' "$work/doctor"
  check $? "doctor's exclusion check passes ($(grep exclusion "$work/doctor"))"
else
  echo "bundle_chroot_test: this lockbench has no doctor command; not run" >&2
fi

echo "bundle_chroot_test: $((SECONDS - start)) s in all" >&2
check_finish "bundle chroot"
