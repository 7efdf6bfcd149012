#!/usr/bin/env bash
# bundle-cjs.sh ENTRY OUTFILE [LOG_LEVEL]: one CommonJS bundle of an entry point, as scripts/build.sh
# makes dist/lib/{berth-runtime,berth,berth-query,cri}.cjs (build.sh says why CommonJS); LOG_LEVEL
# is esbuild's (default warning). Its own script so
# that a test can build what it checks the same way (test/integration/engine/query-bundle.test.ts).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# helper.ts's import.meta.url becomes the bundle's own file URL.
exec esbuild "$1" --bundle --platform=node --format=cjs --target=node26 --log-level="${3:-warning}" \
  --define:import.meta.url=__berth_bundle_url \
  --banner:js="var __berth_bundle_url = require('node:url').pathToFileURL(__filename).href;" \
  --outfile="$2"
