# Sourced first by scripts/run.sh and scripts/test.sh: strict mode, the project root as the
# working directory, the service and Node helpers, and the local data directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck source=services.sh
source scripts/lib/services.sh
# shellcheck source=node.sh
source scripts/lib/node.sh
# Go (tools/compose-check, the Temporal server build) where the toolchain's tarball puts it.
_vb_path_add /usr/local/go/bin
export VIBEBOX_DATA_DIR="${VIBEBOX_DATA_DIR:-$PWD/.data}"
mkdir -p "$VIBEBOX_DATA_DIR"
