#!/usr/bin/env bash
# Private sshd on 127.0.0.1:$PORT with generated host and client keys, all under $BASE.
#   sshd.sh start|stop|status
# Env: BASE (/tmp/parsl-ts-services/sshd), PORT (2222). start prints the files a client needs:
# $BASE/client_ed25519 (key for the current user) and $BASE/known_hosts ([127.0.0.1]:PORT host key).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
BASE=${BASE:-/tmp/parsl-ts-services/sshd}
PORT=${PORT:-2222}

start() {
  if alive "$BASE/sshd.pid"; then echo "sshd already running on 127.0.0.1:$PORT ($BASE)"; return 0; fi
  install_packages openssh-server openssh-client || return 1
  need_commands /usr/sbin/sshd ssh-keygen || return 1
  mkdir -p "$BASE" && chmod 700 "$BASE"
  [ -f "$BASE/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$BASE/host_ed25519" -C parsl-ts-host
  [ -f "$BASE/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$BASE/client_ed25519" -C parsl-ts-client
  cp "$BASE/client_ed25519.pub" "$BASE/authorized_keys" && chmod 600 "$BASE/authorized_keys"
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$BASE/host_ed25519.pub")" > "$BASE/known_hosts"
  cat > "$BASE/sshd_config" <<CONF
Port $PORT
ListenAddress 127.0.0.1
HostKey $BASE/host_ed25519
PidFile $BASE/sshd.pid
AuthorizedKeysFile $BASE/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel INFO
MaxSessions 64
MaxStartups 64:30:128
CONF
  # The privilege-separation directory that the Debian service unit normally creates.
  mkdir -p /run/sshd && chmod 755 /run/sshd
  /usr/sbin/sshd -t -f "$BASE/sshd_config" || return 1
  /usr/sbin/sshd -f "$BASE/sshd_config" -E "$BASE/sshd.log" || return 1
  for _ in $(seq 50); do [ -s "$BASE/sshd.pid" ] && break; sleep 0.1; done
  alive "$BASE/sshd.pid" || { echo "sshd did not start, see $BASE/sshd.log" >&2; return 1; }
  echo "sshd ready on 127.0.0.1:$PORT ($BASE)"
  echo "SSH_KEY=$BASE/client_ed25519"
  echo "SSH_KNOWN_HOSTS=$BASE/known_hosts"
}

stop() { stop_pidfile "$BASE/sshd.pid"; echo "sshd stopped ($BASE)"; }
status() { alive "$BASE/sshd.pid" && echo "sshd running on 127.0.0.1:$PORT" || { echo "sshd not running"; return 1; }; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
