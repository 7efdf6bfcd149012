#!/usr/bin/env bash
# Builds native/ with the system C compiler and bundles each CLI entry point (src/cli/NAME-main.ts)
# into dist/lib/NAME.mjs, with a tiny launcher dist/NAME.mjs that turns on V8's compile cache first
# (berth-runtime and berth: dist/lib/NAME.cjs behind scripts/launcher.mjs and its own code cache;
# berth's read-only commands from dist/lib/berth-query.cjs, behind berth's launcher).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BERTH_TOP"
mkdir -p build dist/lib build/v8-cache
make -s -C native OUT="$BERTH_TOP/build"
for entry in src/cli/*-main.ts; do
  [ -e "$entry" ] || continue
  name=$(basename "$entry" -main.ts)
  if [ "$name" = berth-runtime ] || [ "$name" = berth ] || [ "$name" = berth-query ]; then
    # CommonJS, not ESM: an ESM `import … from 'node:fs'` builds the module's ESM facade, which
    # reads every export and so trips fs's lazy getters (ReadStream loads all of node:stream);
    # esbuild's lazily initialised CJS modules also `require` their builtins only when first
    # used, so `state` never loads child_process. See docs/benchmarks.md ("runtime").
    bash scripts/bundle-cjs.sh "$entry" "dist/lib/$name.cjs.new"
    rm -f "dist/lib/$name.mjs"
    # Replaced only when changed, and by rename: a CLI running meanwhile never sees a half-written
    # file (ETXTBSY, truncated source), and an unchanged bundle keeps its code caches.
    if cmp -s "dist/lib/$name.cjs.new" "dist/lib/$name.cjs"; then
      rm -f "dist/lib/$name.cjs.new"
    else
      mv -f "dist/lib/$name.cjs.new" "dist/lib/$name.cjs"
      # The launcher keeps a V8 code cache per command (scripts/launcher.mjs says why), keyed by
      # the bundle's inode and mtime: the old ones are now useless.
      rm -rf "build/v8-cache/$name"
    fi
    # berth-query (berth's read-only commands, src/cli/berth-query-main.ts) has no command of its
    # own: berth's launcher runs it (scripts/launcher.mjs).
    [ "$name" = berth-query ] && continue
    # A young generation of 16 MB from the start: a `run` otherwise spends ~8 ms in four
    # scavenges while the heap grows through its first megabytes (one argument: a #! line
    # passes everything after the interpreter as one).
    { echo "#!$NODE --min-semi-space-size=16"; cat scripts/launcher.mjs; } > "dist/$name.mjs.new"
    chmod +x "dist/$name.mjs.new"
    if cmp -s "dist/$name.mjs.new" "dist/$name.mjs"; then rm -f "dist/$name.mjs.new"; else mv -f "dist/$name.mjs.new" "dist/$name.mjs"; fi
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
# The CRI server (with @grpc/grpc-js and @grpc/proto-loader, ~1 MB) in a bundle of its own that
# berthd loads when it serves the CRI (src/cli/berth/system-service.ts): in dist/lib/berth.cjs it
# would add ~40 ms to every CLI start. CommonJS, as the gRPC packages are; its protocol
# definition is read at run time from beside it (src/cri/proto.ts).
# (esbuild's warnings about the gRPC packages' own code are not ours: errors only.)
bash scripts/bundle-cjs.sh src/cri/serve.ts dist/lib/cri.cjs error
# (A file, not a directory: scripts/install.sh copies dist/lib's files one by one.)
rm -rf dist/lib/api
cp -f src/cri/api/runtime-v1.proto dist/lib/cri-runtime-v1.proto
