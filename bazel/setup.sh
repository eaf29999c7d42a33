#!/usr/bin/env bash
# Installs every Debian 12 package lockbench needs to build, test and plot. Idempotent: it only
# installs what is missing, so it is safe (and quick) to run before every build.
set -euo pipefail

packages=(
  # build
  bazel-bootstrap g++ git ca-certificates
  # libraries
  libcli11-dev nlohmann-json3-dev libhwloc-dev libbenchmark-dev libgtest-dev libgmock-dev googletest
  libabsl-dev libtbb-dev
  # tests: result-schema checks and notebooks
  python3 python3-jsonschema python3-pandas python3-matplotlib python3-scipy jupyter-nbconvert
  python3-ipykernel
  # fuzzing: clang's libFuzzer
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q "${missing[@]}" >&2
