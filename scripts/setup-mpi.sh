#!/usr/bin/env bash
# Installs both MPIs the test suite covers (Debian/Ubuntu, only what is missing), then builds the native addon
# for each flavour and the C programs in mpi-tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh

install_packages "${MPI_PACKAGES[@]}" "${BUILD_PACKAGES[@]}"
node scripts/build-native.mjs --strict
for flavor in openmpi mpich; do
  if command -v "mpicc.$flavor" >/dev/null; then
    make -s -C mpi-tests MPICC="mpicc.$flavor" OUT="../build/mpi-tests/$flavor"
  fi
done
echo "setup-mpi: done (addons in build/<flavour>/Release, C programs in build/mpi-tests/<flavour>)"
