#!/usr/bin/env bash
# Installs the system packages the test suite uses (Debian/Ubuntu): both MPIs, single-node Slurm with munge, an
# sshd for the SSH channel tests, rsync, vsftpd for the FTP staging tests, chromium for the dashboard's browser tests, tmux for the terminal tests of the progress display, and the build tools for the native addon. Idempotent and quick when
# everything is present; what it cannot install follows the rule of install_packages (scripts/packages.sh).
set -uo pipefail
. "$(dirname "$0")/packages.sh"

install_packages "${MPI_PACKAGES[@]}" "${BUILD_PACKAGES[@]}" slurm-wlm munge openssh-server openssh-client \
  rsync procps vsftpd chromium tmux || exit 1
echo "setup-system: done"
