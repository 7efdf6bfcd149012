#!/usr/bin/env bash
# Builds native/ with the system C compiler and bundles each CLI entry point (src/cli/NAME-main.ts)
# into dist/lib/NAME.mjs (berth-runtime: dist/lib/berth-runtime.cjs), with a tiny launcher dist/NAME.mjs
# that turns on V8's compile cache first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"
mkdir -p build dist/lib build/v8-cache
make -s -C native OUT="$BERTH_TOP/build"
for entry in src/cli/*-main.ts; do
  [ -e "$entry" ] || continue
  name=$(basename "$entry" -main.ts)
  if [ "$name" = berth-runtime ]; then
    # CommonJS, not ESM: an ESM `import … from 'node:fs'` builds the module's ESM facade, which
    # reads every export and so trips fs's lazy getters (ReadStream loads all of node:stream);
    # esbuild's lazily initialised CJS modules also `require` their builtins only when first
    # used, so `state` never loads child_process. helper.ts's import.meta.url becomes the bundle's
    # own file URL. See docs/benchmarks.md ("runtime").
    esbuild "$entry" --bundle --platform=node --format=cjs --target=node26 --log-level=warning \
      --define:import.meta.url=__berth_bundle_url \
      --banner:js="var __berth_bundle_url = require('node:url').pathToFileURL(__filename).href;" \
      --outfile="dist/lib/$name.cjs"
    rm -f "dist/lib/$name.mjs"
    # The launcher keeps a V8 code cache per command (scripts/launcher.mjs says why); a new
    # bundle makes the old caches useless.
    rm -rf "build/v8-cache/$name"
    { echo "#!$NODE"; cat scripts/launcher.mjs; } > "dist/$name.mjs"
  else
    esbuild "$entry" --bundle --platform=node --format=esm --target=node26 --log-level=warning \
      --outfile="dist/lib/$name.mjs"
    cat > "dist/$name.mjs" <<LAUNCH
#!$NODE
import { enableCompileCache } from 'node:module';
enableCompileCache('$BERTH_TOP/build/v8-cache');
await import('./lib/$name.mjs');
LAUNCH
  fi
  chmod +x "dist/$name.mjs"
done
# The layer unpacker's worker thread (src/image/unpack/threaded.ts looks for it beside the bundles).
esbuild src/image/unpack/worker.ts --bundle --platform=node --format=esm --target=node26 --log-level=warning \
  --outfile=dist/lib/unpack-worker.mjs
