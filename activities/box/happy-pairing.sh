#!/bin/bash
# VibeBox: Happy pairing inside a box, as root (installed by activities/happyPairingTool.ts as
# /usr/local/lib/vibebox/happy-pairing beside happy-pairing.mjs). Every step that touches Happy's
# files runs as the Happy user with Happy's environment (/etc/vibebox/happy.env).
#
#   happy-pairing <user> begin <ttl-ms>       new or kept pairing key, registered with the relay
#   happy-pairing <user> wait <public-key>    until the phone answers (stdin held open = keep going)
#   happy-pairing <user> activate <ms>        register the machine, start the daemon, verify it
#   happy-pairing <user> status [<ms>]        pairing, credentials, daemon and `happy auth status`
#                                             (first waiting up to <ms> for the daemon to come online)
#   happy-pairing <user> unpair               stop the daemon, remove credentials and machine id
#
# Output: `::<tag> <json>` lines only. Nothing printed here holds a token or a private key; the
# output of `happy auth status` (which shows a token prefix) is reduced to booleans.
set -euo pipefail

LIB=$(dirname "$(readlink -f "$0")")
HAPPY_USER=${1:?user}
step=${2:?command}
arg=${3:-}

error() { printf '::error {"code":"%s","message":"%s"}\n' "$1" "$2"; exit 3; }

id -u "$HAPPY_USER" >/dev/null 2>&1 || error no-user "no user $HAPPY_USER in the box"
happy_bin=$(command -v happy) || error no-happy "happy is not installed in the box"
# tweetnacl comes from happy-coder's own install, whatever npm's prefix and layout.
HAPPY_PKG=$(dirname "$(dirname "$(readlink -f "$happy_bin")")")

# as_user CMD...: run as the Happy user, in its home, with Happy's environment.
as_user() {
  su -s /bin/bash "$HAPPY_USER" -c 'set -a; [ -r /etc/vibebox/happy.env ] && . /etc/vibebox/happy.env; set +a; cd ~ && exec "$@"' \
    vibebox-happy env "VIBEBOX_HAPPY_PKG=$HAPPY_PKG" "PATH=/usr/local/bin:/usr/bin:/bin" "$@"
}
tool() { as_user node "$LIB/happy-pairing.mjs" "$@"; }

# `happy auth status` as three booleans (its output also shows a token prefix: never printed).
auth_report() {
  local out
  out=$(as_user happy auth status </dev/null 2>&1 || true)
  has() { if grep -qF -- "$1" <<<"$out"; then echo true; else echo false; fi; }
  printf '::auth {"authenticated":%s,"machineRegistered":%s,"daemonRunning":%s}\n' \
    "$(has '✓ Authenticated')" "$(has '✓ Machine registered')" "$(has '✓ Daemon running')"
}

start_daemon() {
  if [ -d /run/systemd/system ] && systemctl cat happy-daemon >/dev/null 2>&1; then
    systemctl restart happy-daemon
  else
    # Containers: the service runner (/etc/vibebox/services/happy-daemon) keeps it up from now on,
    # and starts it after a restart; starting it here saves waiting for the runner's next check.
    as_user happy daemon start </dev/null >/dev/null 2>&1 || true
  fi
}

stop_daemon() {
  as_user happy daemon stop </dev/null >/dev/null 2>&1 || true
}

case "$step" in
  begin) tool begin "$arg" </dev/null ;;
  wait) tool wait "$arg" ;;
  activate)
    # With access.key present and stdin closed, `happy auth login` only records a machine id.
    as_user happy auth login </dev/null >/dev/null 2>&1 || error auth-login "happy auth login failed"
    start_daemon
    tool verify "${arg:-30000}" </dev/null
    auth_report
    ;;
  status)
    if [ -n "$arg" ]; then tool verify "$arg" </dev/null >/dev/null; fi
    tool status </dev/null
    auth_report
    ;;
  unpair)
    stop_daemon
    tool forget </dev/null
    tool verify 0 </dev/null
    auth_report
    ;;
  *) error usage "unknown command $step" ;;
esac
