// The CNI configuration pods are attached with: the first conflist (or single-plugin .conf) in
// the configuration directory by file name, as libcni and kubelet deployments order them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Conflist } from '../../network/index.ts';

export const DEFAULT_CNI_CONF_DIR = '/etc/cni/net.d';

export interface PodNetworkStatus {
  ready: boolean;
  confDir: string;
  /** The configuration's network name and file, when one is usable. */
  name?: string;
  file?: string;
  message: string;
}

/** Loads the pod network configuration; throws with the reason when there is none usable. */
export function loadPodConflist(confDir: string): { conflist: Conflist; file: string } {
  let names: string[];
  try { names = readdirSync(confDir).filter((n) => /\.(conflist|conf|json)$/.test(n)).sort(); } catch (e) {
    throw new Error(`no CNI configuration: cannot read ${confDir}: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  for (const n of names) {
    const file = join(confDir, n);
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      // A single-plugin .conf becomes a list of one, as libcni's ConfListFromConf does.
      const list = (Array.isArray(raw.plugins) ? raw : { cniVersion: raw.cniVersion, name: raw.name, plugins: [raw] }) as unknown as Conflist;
      if (typeof list.name !== 'string' || !list.name || !Array.isArray(list.plugins) || !list.plugins.length) {
        problems.push(`${file}: no name or no plugins`);
        continue;
      }
      return { conflist: list, file };
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no usable CNI configuration in ${confDir}${problems.length ? ` (${problems.join('; ')})` : ''}`);
}

export function podNetworkStatus(confDir: string): PodNetworkStatus {
  try {
    const { conflist, file } = loadPodConflist(confDir);
    return { ready: true, confDir, name: conflist.name, file, message: '' };
  } catch (e) {
    return { ready: false, confDir, message: (e as Error).message };
  }
}
