#!/usr/bin/env bash
# Runs the whole test suite: sets up (idempotent), type-checks, then unit and integration tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"
bash scripts/setup.sh
echo "== typecheck"
tsc -p tsconfig.json
echo "== tests"
# Unit test files run side by side (no root, no shared state); integration files one at a time,
# each in a process of its own with a deadline, and nothing they leave running outlives them
# (scripts/run-tests.mjs). A hung test must not eat CI's 90 minutes.
"$NODE" scripts/run-tests.mjs --concurrent test/unit test/integration
