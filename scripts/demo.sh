#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, then run a container from a built-in
# busybox image (assembled from Debian's busybox-static; no network needed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$BERTH_TOP/scripts/setup.sh"
exec "$NODE" "$BERTH_TOP/scripts/demo.ts" "$@"
