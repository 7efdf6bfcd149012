// The network a container's network mode names ('bridge' is the default network): apart from
// netglue.ts so that listing containers (the query face, src/engine/query.ts) loads no network code.
import { DEFAULT_NETWORK } from '../network/default-name.ts';

export function networkName(mode: string): string {
  return mode === 'bridge' ? DEFAULT_NETWORK : mode;
}
