#!/usr/bin/env bash
# Installs the system packages the test suite uses (Debian/Ubuntu, as root): both MPIs, single-node Slurm with
# munge, an sshd for the SSH channel tests, rsync, and the build tools for the native addon. Idempotent and
# quick when everything is present. Without root or apt it lists what is missing; the affected suites then say
# so (and fail under CI=true).
set -uo pipefail

packages=(mpich libmpich-dev openmpi-bin libopenmpi-dev slurm-wlm munge openssh-server openssh-client rsync
  pkg-config cmake g++ make procps)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "setup-system: all system packages present"; exit 0; }

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: MISSING ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || echo "setup-system: apt-get update failed" >&2
# policy-rc.d keeps Debian from starting daemons at install: the test helpers start their own, on loopback.
apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/parsl-ts-apt.log 2>&1 || {
  echo "setup-system: apt-get install failed; see /tmp/parsl-ts-apt.log" >&2
  tail -20 /tmp/parsl-ts-apt.log >&2
  exit 1
}
echo "setup-system: done"
