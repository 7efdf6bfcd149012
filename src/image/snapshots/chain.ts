// Layer chain IDs (the OCI image spec's ChainID): how unpacked layers are named and shared.
import { sha256Hex } from '../../util/sha256.ts';

/** chainID(L0) = diffID(L0); chainID(L0..n) = sha256(chainID(L0..n-1) + " " + diffID(Ln)). */
export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    out.push(out.length ? `sha256:${sha256Hex(`${out[out.length - 1]} ${d}`)}` : d);
  }
  return out;
}
