// berthd's entry to the CRI: opens an engine of its own and serves it. scripts/build.sh bundles
// this file alone (dist/lib/cri.cjs), so that the gRPC code (about 1 MB) is parsed by berthd
// when it serves the CRI and never by a plain CLI start; an engine passed across bundles would
// also break the error classes' instanceof checks, hence engine options, not an Engine.
import { Engine, type EngineInit } from '../engine/index.ts';
import { CriServer } from './server.ts';

export interface ServeOptions {
  engine: EngineInit;
  socket: string;
  version: string;
  log: (line: string) => void;
}

export async function serveCri(o: ServeOptions): Promise<{ socket: string; close(): Promise<void> }> {
  // berthd lives on: removed containers' and pods' files are deleted off the RPCs' path, and
  // the next pod's network namespace is made ahead; conmon and the CNI plugins are spawned by a
  // small helper (no fork of berthd per spawn).
  const engine = new Engine({ ...o.engine, longLived: true, log: o.log });
  const server = new CriServer({ engine, version: o.version, log: o.log }, o.socket);
  try {
    await server.listen();
  } catch (e) {
    engine.close();
    throw e;
  }
  return { socket: server.socket, close: async () => { await server.close(); await engine.settle(); engine.close(); } };
}
