// Layer chain IDs (the OCI image spec's ChainID): how unpacked layers are named and shared.
import { createHash } from 'node:crypto';

/** chainID(L0) = diffID(L0); chainID(L0..n) = sha256(chainID(L0..n-1) + " " + diffID(Ln)). */
export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    out.push(out.length ? 'sha256:' + createHash('sha256').update(`${out[out.length - 1]} ${d}`).digest('hex') : d);
  }
  return out;
}
