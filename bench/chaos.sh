#!/usr/bin/env bash
# Runs bench/chaos.ts (chaos scenarios R0–R3 at N boxes each, on a cluster of separate processes)
# after setting up what it needs and is missing: Debian's Postgres binaries (the cluster runs two
# servers of its own from them), dockerd and the VibeBox base image (the emulated instances are
# containers answering SSH), the temporal CLI (readiness probes) and the Temporal server binaries.
# Never touches the shared Postgres or Temporal dev server. Arguments go to bench/chaos.ts.
# shellcheck source=../scripts/lib/prelude.sh
source "$(dirname "$0")/../scripts/lib/prelude.sh"
# shellcheck source=../scripts/lib/temporal-server.sh
source scripts/lib/temporal-server.sh

ensure_apt_packages postgresql docker.io debootstrap
ensure_node_modules
ensure_temporal_cli
ensure_temporal_server_binaries
start_dockerd
ensure_base_image
exec node --import tsx bench/chaos.ts "$@"
