#!/usr/bin/env bash
# Installs both MPIs the test suite covers (Debian/Ubuntu, idempotent: only what is missing), then
# builds the native addon for each flavour and the C programs in mpi-tests/.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in mpich libmpich-dev openmpi-bin libopenmpi-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
for tool in cmake g++ make pkg-config; do
  command -v "$tool" >/dev/null || need+=("$([ "$tool" = g++ ] && echo g++ || echo "$tool")")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-mpi: installing ${need[*]}"
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
else
  echo "setup-mpi: MPICH and Open MPI are already installed"
fi

node scripts/build-native.mjs --strict
for flavor in openmpi mpich; do
  if command -v "mpicc.$flavor" >/dev/null; then
    make -s -C mpi-tests MPICC="mpicc.$flavor" OUT="../build/mpi-tests/$flavor"
  fi
done
echo "setup-mpi: done (addons in build/<flavour>/Release, C programs in build/mpi-tests/<flavour>)"
