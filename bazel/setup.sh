#!/usr/bin/env bash
# Installs every Debian 12 package lockbench needs to build, test and plot. Idempotent: it only
# installs what is missing, so it is safe (and quick) to run before every build.
#   bash bazel/setup.sh                  # the native (x86-64) build
#   bash bazel/setup.sh --cross aarch64  # also the aarch64 cross compiler, the arm64 libraries
#                                        # (Debian multiarch) and qemu to run what it builds
set -euo pipefail

cross=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cross)
      cross=${2:-}
      shift 2 || { echo "setup: --cross needs an architecture (aarch64)" >&2; exit 2; }
      ;;
    *)
      echo "setup: unknown argument $1 (usage: setup.sh [--cross aarch64])" >&2
      exit 2
      ;;
  esac
done
if [ -n "$cross" ] && [ "$cross" != "aarch64" ]; then
  echo "setup: --cross supports aarch64 only, not $cross" >&2
  exit 2
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

packages=(
  # build
  bazel-bootstrap g++ git ca-certificates
  # libraries
  libcli11-dev nlohmann-json3-dev libhwloc-dev libbenchmark-dev libgtest-dev libgmock-dev googletest
  libabsl-dev libtbb-dev
  # tests: result-schema checks and notebooks
  python3 python3-jsonschema python3-pandas python3-matplotlib python3-scipy jupyter-nbconvert tmux
  python3-ipykernel
  # fuzzing: clang's libFuzzer
  clang libclang-rt-14-dev
  # `lockbench profile`: programs nobody here wrote, run on lockbench's locks in the tests, and
  # addr2line (binutils) to name call sites
  sysbench rocksdb-tools binutils
  # the bundle (//tool:bundle): readelf (binutils) lists the libraries it needs; its chroot test
  # makes a minimal Debian root to run it in
  debootstrap
  # the Slurm recipe's test (//tool:slurm_test): a one-node cluster started by the test
  slurmctld slurmd slurm-client munge
)
added_arch=0
if [ "$cross" = "aarch64" ]; then
  # The libraries come from Debian's arm64 architecture, installed beside the amd64 ones
  # (multiarch): headers stay in /usr/include, libraries land in /usr/lib/aarch64-linux-gnu.
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
    added_arch=1
  fi
  packages+=(
    g++-aarch64-linux-gnu binutils-aarch64-linux-gnu
    libhwloc-dev:arm64 libbenchmark-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64
    libabsl-dev:arm64 libtbb-dev:arm64
    qemu-user qemu-user-static
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ] && [ "$added_arch" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q "${missing[@]}" >&2
