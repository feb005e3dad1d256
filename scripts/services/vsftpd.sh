#!/usr/bin/env bash
# Private vsftpd on 127.0.0.1:$PORT for the FTP staging tests: anonymous logins read $BASE/anon, and the local
# user $FTP_USER (created here, password $FTP_PASSWORD) reads $BASE/home.
#   vsftpd.sh start|stop|status
# Env: BASE (/tmp/parsl-ts-services/vsftpd), PORT (2121), PASV_MIN (30000; 20 ports), FTP_USER (parslftp),
# FTP_PASSWORD (parsl-ftp-secret). start prints FTP_ANON_ROOT, FTP_USER_ROOT, FTP_PORT.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
BASE=${BASE:-/tmp/parsl-ts-services/vsftpd}
PORT=${PORT:-2121}
PASV_MIN=${PASV_MIN:-30000}
FTP_USER=${FTP_USER:-parslftp}
FTP_PASSWORD=${FTP_PASSWORD:-parsl-ftp-secret}

start() {
  if alive "$BASE/vsftpd.pid"; then echo "vsftpd already running on 127.0.0.1:$PORT ($BASE)"; print_env; return 0; fi
  install_packages vsftpd || return 1
  need_commands /usr/sbin/vsftpd useradd chpasswd || return 1
  mkdir -p "$BASE/anon" "$BASE/home" /var/run/vsftpd/empty
  # vsftpd refuses a chroot root that its user can write: both roots belong to root, mode 755.
  chmod 755 "$BASE" "$BASE/anon" "$BASE/home"
  if id "$FTP_USER" >/dev/null 2>&1; then usermod --home "$BASE/home" "$FTP_USER" || return 1
  else useradd --no-create-home --home-dir "$BASE/home" --shell /bin/bash "$FTP_USER" || return 1; fi
  echo "$FTP_USER:$FTP_PASSWORD" | chpasswd || return 1
  cat > "$BASE/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$PORT
background=NO
anonymous_enable=YES
anon_root=$BASE/anon
no_anon_password=YES
local_enable=YES
local_root=$BASE/home
chroot_local_user=YES
write_enable=NO
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=$PASV_MIN
pasv_max_port=$((PASV_MIN + 19))
pam_service_name=vsftpd
seccomp_sandbox=NO
xferlog_enable=YES
vsftpd_log_file=$BASE/vsftpd.log
dual_log_enable=YES
delay_failed_login=0
CONF
  setsid /usr/sbin/vsftpd "$BASE/vsftpd.conf" </dev/null >"$BASE/stdout.log" 2>&1 &
  echo $! > "$BASE/vsftpd.pid"
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
  done
  alive "$BASE/vsftpd.pid" && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null ||
    { echo "vsftpd did not start, see $BASE/stdout.log: $(tail -3 "$BASE/stdout.log")" >&2; return 1; }
  echo "vsftpd ready on 127.0.0.1:$PORT ($BASE)"
  print_env
}

print_env() {
  echo "FTP_PORT=$PORT"
  echo "FTP_ANON_ROOT=$BASE/anon"
  echo "FTP_USER_ROOT=$BASE/home"
  echo "FTP_USER=$FTP_USER"
  echo "FTP_PASSWORD=$FTP_PASSWORD"
}

stop() { stop_pidfile "$BASE/vsftpd.pid"; echo "vsftpd stopped ($BASE)"; }
status() { alive "$BASE/vsftpd.pid" && echo "vsftpd running on 127.0.0.1:$PORT" || { echo "vsftpd not running"; return 1; }; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
