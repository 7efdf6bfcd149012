// One berth pull + unpack, as its own process (so that the bench times it like the other
// tools): node bench/pull-berth.ts ROOT REF [--sequential]
//   default        pullAndUnpack: layers unpacked into snapshots while they download
//   --sequential   pull, then unpackImage from the content store (what `berth run` does after
//                  a plain `berth pull`; before pullAndUnpack, the engine's only path)
import { openImageStore } from '../src/image/store/index.ts';
import { pull } from '../src/image/pull.ts';
import { unpackImage } from '../src/image/snapshots/index.ts';
import { RegistryClient } from '../src/image/registry/client.ts';
import { parseReference } from '../src/image/reference.ts';
import { pullAndUnpack } from '../src/image/pullunpack.ts';

const [root, ref, mode] = process.argv.slice(2);
const store = openImageStore(root);
try {
  const r = parseReference(ref);
  const client = new RegistryClient({ domain: r.domain, credentials: null });
  if (mode === '--sequential') {
    const res = await pull(r, { store: store.content, client });
    await unpackImage(store.content, store.snapshotter, res.manifest, res.config);
  } else {
    await pullAndUnpack(r, { store, client });
  }
} finally {
  store.close();
}
