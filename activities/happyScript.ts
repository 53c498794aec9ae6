/**
 * The idempotent shell script configureHappy runs as root inside a box. Every step checks before
 * it changes anything and names itself in `changed`, so a second run on a configured box reports
 * (and does) nothing. `::step` lines drive the activity's heartbeat.
 */

export interface HappySettings {
  /** Non-root login that runs Happy. */
  user: string;
  registry: string;
  /** Space-separated npm package specs. */
  packages: string;
  /** Happy's environment (HAPPY_SERVER_URL …), written to /etc/vibebox/happy.env. */
  env: Record<string, string>;
}

/** Single-quotes a value for POSIX sh. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderEnvFile(env: Record<string, string>): string {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${shellQuote(env[k])}\n`)
    .join('');
}

/**
 * Bash: `write_if_changed <path> <mode> <name>` writes stdin to <path> (root-owned, <mode>) only
 * when the content differs, and then appends <name> to the `changed` array the script declares.
 */
export const WRITE_IF_CHANGED = `write_if_changed() {
  local tmp; tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; return; fi
  mkdir -p "$(dirname "$1")"; install -m "$2" "$tmp" "$1"; rm -f "$tmp"; changed+=("$3")
}
`;

export function happyScript(s: HappySettings): string {
  const envFile = renderEnvFile(s.env);
  return `#!/bin/bash
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
HAPPY_USER=${shellQuote(s.user)}
REGISTRY=${shellQuote(s.registry)}
PACKAGES=${shellQuote(s.packages)}
changed=()
step() { echo "::step $1"; }

${WRITE_IF_CHANGED}
step user
if ! id -u "$HAPPY_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$HAPPY_USER"; changed+=(user)
fi

step node
if ! command -v node >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; changed+=(node)
fi

step packages
wanted="$REGISTRY $PACKAGES"
if [ "$(cat /etc/vibebox/happy-packages 2>/dev/null || true)" != "$wanted" ] || ! command -v happy >/dev/null 2>&1; then
  npm install --global --registry "$REGISTRY" --no-fund --no-audit --loglevel=error $PACKAGES
  mkdir -p /etc/vibebox && printf '%s' "$wanted" > /etc/vibebox/happy-packages
  changed+=(packages)
fi

step claude-link
# happy-coder looks for Claude Code's cli.js (gone since Claude Code 2) or a native install under
# ~/.local; point the latter at the npm-installed binary so Happy finds it.
claude_bin=$(command -v claude)
link="$(getent passwd "$HAPPY_USER" | cut -d: -f6)/.local/bin/claude"
if [ "$(readlink "$link" 2>/dev/null || true)" != "$claude_bin" ]; then
  su - "$HAPPY_USER" -c "mkdir -p ~/.local/bin && ln -sfn '$claude_bin' ~/.local/bin/claude"
  changed+=(claude-link)
fi

step env
write_if_changed /etc/vibebox/happy.env 0644 env <<'VIBEBOX_ENV'
${envFile}VIBEBOX_ENV

step service
# The daemon can only run once the box is paired (access.key, written by VibeBox's pairing or
# 'happy auth login'): before that, starting it would begin an interactive login and die.
happy_home="$(getent passwd "$HAPPY_USER" | cut -d: -f6)/.happy"
if [ -d /run/systemd/system ]; then
  write_if_changed /etc/systemd/system/happy-daemon.service 0644 service <<VIBEBOX_UNIT
[Unit]
Description=Happy daemon (remote control of Claude Code from phone and web)
After=network-online.target
ConditionPathExists=$happy_home/access.key

[Service]
Type=oneshot
RemainAfterExit=yes
User=$HAPPY_USER
EnvironmentFile=/etc/vibebox/happy.env
# The daemon detaches. Pairing restarts this unit once access.key is there.
ExecStart=-/usr/bin/env happy daemon start
ExecStop=/usr/bin/env happy daemon stop

[Install]
WantedBy=multi-user.target
VIBEBOX_UNIT
  systemctl daemon-reload && systemctl enable happy-daemon >/dev/null 2>&1 || true
else
  # Containers without systemd: the VibeBox init starts every script in /etc/vibebox/services.
  write_if_changed /etc/vibebox/services/happy-daemon 0755 service <<VIBEBOX_SERVICE
#!/bin/sh
# Keeps the Happy daemon (which detaches) running as $HAPPY_USER with Happy's environment, once
# the box is paired: until $happy_home/access.key exists it starts nothing (the daemon
# would only begin an interactive login and die), and looks again every minute.
set -a; . /etc/vibebox/happy.env; set +a
while true; do
  if [ -s '$happy_home/access.key' ]; then
    su -s /bin/sh "$HAPPY_USER" -c 'cd ~ && (happy daemon status </dev/null 2>&1 | grep -qi "daemon is running" || happy daemon start </dev/null)' >/dev/null 2>&1 || true
  fi
  sleep 60
done
VIBEBOX_SERVICE
fi

step verify
# stdin from /dev/null: after printing its version an unpaired happy starts an interactive login.
version=$(su - "$HAPPY_USER" -c 'timeout 60 happy --version </dev/null 2>&1' | grep -m1 -io 'happy version: .*' || true)
claude_version=$(su - "$HAPPY_USER" -c 'timeout 60 claude --version </dev/null 2>/dev/null' | head -n 1 || true)
if su - "$HAPPY_USER" -c 'timeout 60 happy --help </dev/null 2>&1' | grep -q 'Claude Code is not installed'; then
  echo "happy cannot find Claude Code" >&2; exit 3
fi
echo "::version \${version#*: }"
echo "::claude $claude_version"
echo "::changed \${changed[*]:-}"
`;
}

export interface HappyScriptReport {
  happyVersion: string;
  claudeVersion: string;
  changed: string[];
}

/** Reads the `::version`, `::claude` and `::changed` lines the script prints. */
export function parseReport(stdout: string): HappyScriptReport {
  const line = (tag: string) => stdout.match(new RegExp(`^::${tag} ?(.*)$`, 'm'))?.[1]?.trim() ?? '';
  return {
    happyVersion: line('version'),
    claudeVersion: line('claude'),
    changed: line('changed').split(/\s+/).filter(Boolean),
  };
}
