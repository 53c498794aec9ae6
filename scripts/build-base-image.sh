#!/usr/bin/env bash
# build-base-image.sh — build the VibeBox base Docker image WITHOUT an image registry.
#
#   scripts/build-base-image.sh             build if the tag for this script+node is absent
#   scripts/build-base-image.sh --force     rebuild even if the tag exists
#   scripts/build-base-image.sh --print-tag print the tag this build would produce, do nothing
#
# Image name convention: the Docker provider maps VibeBox image names such as
# `ubuntu-22.04` (and the default image) to `vibebox/base:latest`, which this
# script tags. Every build is also tagged `vibebox/base:<hash>`, the hash covering
# this script, docker/base-image/vibebox-init, the host's node/npm versions and
# the host's extra CA certificates — so a change to any of them means a new tag.
#
# How (a registry-free equivalent of docker/base-image/Dockerfile):
#   1. `debootstrap --variant=minbase bookworm` with openssh-server & co; the bare
#      rootfs is cached as a tarball in ${VIBEBOX_CACHE_DIR:-/var/cache/vibebox}
#      (outside the repo), so warm builds skip it.
#   2. Copy the HOST's Node.js (bookworm's nodejs 18 is too old for happy-coder /
#      Claude Code) with npm/npx/corepack into /usr/local. The host must be a
#      glibc system no newer than bookworm (checked by running node in the image).
#   3. Configure sshd for root password login, generate host keys, install the
#      shared init docker/base-image/vibebox-init as /usr/local/sbin/vibebox-init.
#   4. Copy the host's extra CA certificates (/usr/local/share/ca-certificates),
#      so TLS works through an intercepting egress proxy if the host has one.
#   5. `docker import` with CMD/EXPOSE/ENV/LABEL, tag, then verify node/npm/sshd
#      inside the image.
#
# Env: VIBEBOX_CACHE_DIR (cache dir, default /var/cache/vibebox),
#      VIBEBOX_BASE_IMAGE (repository, default vibebox/base),
#      VIBEBOX_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#      VIBEBOX_NODE_BIN (node binary to copy, default `command -v node`).
# Needs root, debootstrap (installed if missing) and a running dockerd (started if not).
set -euo pipefail

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
REPO_ROOT=$(dirname "$SCRIPT_DIR")
INIT_SRC="$REPO_ROOT/docker/base-image/vibebox-init"

CACHE_DIR=${VIBEBOX_CACHE_DIR:-/var/cache/vibebox}
IMAGE_REPO=${VIBEBOX_BASE_IMAGE:-vibebox/base}
MIRROR=${VIBEBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
PACKAGES=openssh-server,ca-certificates,sudo,procps,curl,git,less,nano,iproute2,locales

say() { echo "build-base-image: $*" >&2; }
die() { echo "build-base-image: ERROR: $*" >&2; exit 1; }

[[ -f $INIT_SRC ]] || die "missing $INIT_SRC"

# --- host Node.js ---------------------------------------------------------------
NODE_BIN=${VIBEBOX_NODE_BIN:-$(command -v node || true)}
[[ -n $NODE_BIN ]] || die "node not found on the host (set VIBEBOX_NODE_BIN)"
NODE_BIN=$(readlink -f "$NODE_BIN")
NODE_VERSION=$("$NODE_BIN" --version) || die "$NODE_BIN --version failed"
NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")")        # /usr/local or /usr
NODE_MODULES="$NODE_PREFIX/lib/node_modules"
[[ -f $NODE_MODULES/npm/bin/npm-cli.js ]] || die "npm not found at $NODE_MODULES/npm (next to $NODE_BIN)"
NPM_VERSION=$("$NODE_BIN" -p "require('$NODE_MODULES/npm/package.json').version")

host_extra_certs() { # extra CA certs of the host, if any
  local f
  for f in /usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt; do
    [[ -f $f ]] && echo "$f"
  done
  return 0
}

TAG_HASH=$( { cat "$SCRIPT_PATH" "$INIT_SRC"; echo "node=$NODE_VERSION npm=$NPM_VERSION";
              host_extra_certs | sort | while read -r f; do cat "$f"; done; } \
            | sha256sum | cut -c1-12)
TAG="$IMAGE_REPO:$TAG_HASH"
LATEST="$IMAGE_REPO:latest"

FORCE=0
case "${1:-}" in
  --print-tag) echo "$TAG"; exit 0 ;;
  --force) FORCE=1 ;;
  "") ;;
  *) die "usage: $0 [--force|--print-tag]" ;;
esac

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot, docker import)"

# shellcheck source-path=SCRIPTDIR
# shellcheck source=lib/services.sh
source "$SCRIPT_DIR/lib/services.sh"
start_dockerd >&2 || die "docker daemon not available"

if [[ $FORCE == 0 ]] && docker image inspect "$TAG" >/dev/null 2>&1; then
  docker tag "$TAG" "$LATEST"
  say "$TAG already built; tagged $LATEST"
  echo "$TAG"
  exit 0
fi

ensure_apt_packages debootstrap debian-archive-keyring >&2 || die "cannot install debootstrap"

T0=$(date +%s)
mkdir -p "$CACHE_DIR"
WORK=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
ROOTFS="$WORK/rootfs"
cleanup() { rm -rf --one-file-system "$WORK"; }
trap cleanup EXIT

# --- 1. bare rootfs (cached) -----------------------------------------------------
ROOTFS_KEY=$(echo "$SUITE minbase $PACKAGES $MIRROR $(dpkg --print-architecture) v1" | sha256sum | cut -c1-12)
ROOTFS_TAR="$CACHE_DIR/rootfs-$SUITE-minbase-$ROOTFS_KEY.tar"
mkdir -p "$ROOTFS"
if [[ -f $ROOTFS_TAR ]]; then
  say "using cached rootfs $ROOTFS_TAR"
  tar -C "$ROOTFS" --numeric-owner -xpf "$ROOTFS_TAR"
else
  say "debootstrap $SUITE (minbase + $PACKAGES) — takes a few minutes"
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" \
       >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    [[ -f $ROOTFS/debootstrap/debootstrap.log ]] && tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  # apt sources with updates + security, for a usable `apt-get install` in the box.
  cat >"$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
  sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$ROOTFS/etc/locale.gen"
  chroot "$ROOTFS" /usr/sbin/locale-gen >/dev/null
  chroot "$ROOTFS" apt-get clean
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/debootstrap
  tar -C "$ROOTFS" --numeric-owner -cpf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  say "cached rootfs as $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
fi

# --- 2. Node.js from the host ---------------------------------------------------------
say "copying host node $NODE_VERSION / npm $NPM_VERSION from $NODE_PREFIX"
mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/node_modules" "$ROOTFS/usr/local/etc"
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
cp -a "$NODE_MODULES/npm" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
if [[ -f $NODE_MODULES/corepack/dist/corepack.js ]]; then
  cp -a "$NODE_MODULES/corepack" "$ROOTFS/usr/local/lib/node_modules/corepack"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$ROOTFS/usr/local/bin/corepack"
fi
# Global npm config (prefix /usr/local). Node's own CA list lacks any local CA, so
# point npm at the system bundle (which includes the extra certs copied below).
cat >"$ROOTFS/usr/local/etc/npmrc" <<'EOF'
cafile=/etc/ssl/certs/ca-certificates.crt
update-notifier=false
fund=false
EOF

# --- 3. extra CA certificates from the host ------------------------------------------
mapfile -t EXTRA_CERTS < <(host_extra_certs)
if ((${#EXTRA_CERTS[@]})); then
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates/host"
  cp "${EXTRA_CERTS[@]}" "$ROOTFS/usr/local/share/ca-certificates/host/"
  say "added ${#EXTRA_CERTS[@]} extra CA certificate(s) from the host"
fi
chroot "$ROOTFS" /usr/sbin/update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"

# --- 4. sshd, init, environment ------------------------------------------------------
# Drop-ins are Included at the top of sshd_config, and the first value wins.
# UsePAM no: pam_loginuid fails without CAP_AUDIT_CONTROL in containers; sshd's own
# shadow check is enough for password login.
mkdir -p "$ROOTFS/etc/ssh/sshd_config.d" "$ROOTFS/run/sshd" "$ROOTFS/etc/vibebox/services" \
         "$ROOTFS/var/log/vibebox"
cat >"$ROOTFS/etc/ssh/sshd_config.d/vibebox.conf" <<'EOF'
# VibeBox: root login with a password (set by the provisioning step via chpasswd)
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
SetEnv NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt LANG=C.UTF-8
EOF
rm -f "$ROOTFS"/etc/ssh/ssh_host_*
chroot "$ROOTFS" /usr/bin/ssh-keygen -A >/dev/null
chroot "$ROOTFS" /usr/sbin/sshd -t || die "sshd config test failed"
install -m 0755 "$INIT_SRC" "$ROOTFS/usr/local/sbin/vibebox-init"
cat >"$ROOTFS/etc/profile.d/vibebox.sh" <<'EOF'
export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
EOF
echo 'LANG=C.UTF-8' >"$ROOTFS/etc/default/locale"
echo vibebox >"$ROOTFS/etc/hostname"

# --- 5. import -------------------------------------------------------------------------
say "importing into docker as $TAG"
tar -C "$ROOTFS" --numeric-owner -cpf - --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' . \
  | docker import \
      --change 'CMD ["/usr/local/sbin/vibebox-init"]' \
      --change 'EXPOSE 22' \
      --change 'WORKDIR /root' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
      --change 'LABEL vibebox.base=1' \
      --change "LABEL vibebox.node=$NODE_VERSION" \
      -m "vibebox base image (debootstrap $SUITE + host node $NODE_VERSION)" \
      - "$TAG" >/dev/null

say "verifying node/npm/sshd inside the image"
OUT=$(docker run --rm --entrypoint /bin/sh "$TAG" -c \
      'node --version && npm --version && /usr/sbin/sshd -t && echo sshd-ok' 2>&1) \
  || { docker rmi "$TAG" >/dev/null 2>&1; die "image verification failed: $OUT"; }
say "in image: $(echo "$OUT" | tr '\n' ' ')"
docker tag "$TAG" "$LATEST"
# Drop older builds' tags (an image still used by a container stays: rmi refuses).
docker images --filter label=vibebox.base=1 --format '{{.Repository}}:{{.Tag}}' \
  | grep -v -x -e "$TAG" -e "$LATEST" | xargs -r docker rmi >/dev/null 2>&1 || true
say "built $TAG (also $LATEST) in $(( $(date +%s) - T0 ))s"
echo "$TAG"
