#!/usr/bin/env bash
# Builds native/ with the system C compiler and bundles each CLI entry point (src/cli/NAME-main.ts)
# into dist/lib/NAME.mjs, with a tiny launcher dist/NAME.mjs that turns on V8's compile cache first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"
mkdir -p build dist/lib build/v8-cache
make -s -C native OUT="$BERTH_TOP/build"
for entry in src/cli/*-main.ts; do
  [ -e "$entry" ] || continue
  name=$(basename "$entry" -main.ts)
  esbuild "$entry" --bundle --platform=node --format=esm --target=node26 --log-level=warning \
    --outfile="dist/lib/$name.mjs"
  cat > "dist/$name.mjs" <<LAUNCH
#!$NODE
import { enableCompileCache } from 'node:module';
enableCompileCache('$BERTH_TOP/build/v8-cache');
await import('./lib/$name.mjs');
LAUNCH
  chmod +x "dist/$name.mjs"
done
