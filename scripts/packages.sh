# shellcheck shell=bash
# The one way the scripts get Debian packages; sourced by setup-system.sh, setup-mpi.sh and services/common.sh.

MPI_PACKAGES=(mpich libmpich-dev openmpi-bin libopenmpi-dev)
BUILD_PACKAGES=(cmake g++ make pkg-config)

# install_packages PACKAGE... — makes sure these Debian packages are installed. As root with apt-get it installs
# the missing ones (returns 1 if apt-get fails). Otherwise it prints the exact apt-get line that would install
# them; under CI=true that is a failure (returns 1: a CI machine must provide everything), elsewhere only a
# notice (returns 0): the suites that need the packages then skip and name them.
install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || echo "apt-get update failed; installing from the package lists already here" >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 && return 0
    echo "apt-get install failed for: ${missing[*]}" >&2
    return 1
  fi
  echo "MISSING packages ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  [ "${CI:-}" != true ]
}
