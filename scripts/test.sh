#!/usr/bin/env bash
# Runs the whole test suite: sets up (idempotent), type-checks, then unit and integration tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"
bash scripts/setup.sh
echo "== typecheck"
tsc -p tsconfig.json
echo "== tests"
# Unit tests need no root; integration tests run one file at a time and clean up after themselves.
files=$(find test/unit test/integration -name '*.test.ts' 2>/dev/null | sort)
# A hung test must not eat CI's 90 minutes: each test gets at most 5 minutes.
"$NODE" --test --test-concurrency=1 --test-timeout=300000 --test-reporter=spec $files
