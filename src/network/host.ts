// Reads and changes the host's network state through iproute2 and iptables.
import { createHash } from 'node:crypto';
import { execFileAsync as run } from '../util/exec.ts';
import { inNetns } from './nsenter.ts';

export interface HostRoute {
  dst: string;
  dev?: string;
}

/** IPv4 routes of the main table, without the default route. */
export async function hostRoutes(): Promise<HostRoute[]> {
  const { stdout } = await run('ip', ['-j', '-4', 'route', 'show']);
  const routes = JSON.parse(stdout || '[]') as { dst: string; dev?: string }[];
  return routes.filter((r) => r.dst !== 'default')
    .map((r) => ({ dst: r.dst.includes('/') ? r.dst : `${r.dst}/32`, dev: r.dev }));
}

export async function linkExists(name: string, netns?: string): Promise<boolean> {
  try {
    await run(...inNetns(netns, ['ip', 'link', 'show', 'dev', name]));
    return true;
  } catch {
    return false;
  }
}

/** Deletes a link (in `netns`, default the caller's); a link that is already gone is fine. */
export async function deleteLink(name: string, netns?: string): Promise<void> {
  if (!(await linkExists(name, netns))) return;
  try {
    await run(...inNetns(netns, ['ip', 'link', 'del', 'dev', name]));
  } catch (e) {
    if (await linkExists(name, netns)) throw e;
  }
}

/**
 * Makes the bridge `name` (if missing), gives it `address` (the gateway with the subnet's
 * prefix, e.g. 10.88.0.1/16; none for an internal network) and sets it up. The bridge plugin
 * would make it at the first ADD; made when the network is, its subnet's route claims the
 * address space at once, so another state root choosing a subnet meanwhile sees it taken.
 * The plugin takes over a bridge that exists with its gateway address. Resolves true when it
 * made the bridge (on a failure, one it made is deleted again).
 */
export async function ensureBridge(name: string, address?: string, mtu?: number): Promise<boolean> {
  let made = false;
  if (!(await linkExists(name))) {
    try {
      await run('ip', ['link', 'add', 'name', name, ...(mtu !== undefined ? ['mtu', String(mtu)] : []), 'type', 'bridge']);
      made = true;
    } catch (e) {
      if (!(await linkExists(name))) throw e;
    }
  }
  try {
    if (address !== undefined && !(await linkAddresses(name)).includes(address)) {
      await run('ip', ['addr', 'add', address, 'dev', name]);
      // As the plugin does when it adds the address (and it skips this when the address is
      // there): a bridge's MAC set to itself stays, else it follows its lowest port's and a
      // CHECK of an earlier attachment then fails ("Mac doesn't match").
      await run('ip', ['link', 'set', 'dev', name, 'address', await linkMac(name)]);
    }
    await run('ip', ['link', 'set', 'dev', name, 'up']);
  } catch (e) {
    if (made) await deleteLink(name).catch(() => { /* the first error is the one to report */ });
    throw e;
  }
  return made;
}

async function linkMac(name: string): Promise<string> {
  const { stdout } = await run('ip', ['-j', 'link', 'show', 'dev', name]);
  return (JSON.parse(stdout) as { address: string }[])[0].address;
}

/** The link's IPv4 addresses with prefix, e.g. 10.88.0.1/16. */
async function linkAddresses(name: string): Promise<string[]> {
  const { stdout } = await run('ip', ['-j', '-4', 'addr', 'show', 'dev', name]);
  return (JSON.parse(stdout || '[]') as { addr_info?: { local: string; prefixlen: number }[] }[])
    .flatMap((l) => l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
}

/** The chain name and comment the bridge plugin uses for a container's masquerade rules
 * (CNI's FormatChainName / FormatComment: "CNI-" + sha512(name+id) in hex, cut to 28 chars). */
export function masqueradeChain(network: string, containerId: string): { chain: string; comment: string } {
  const hex = createHash('sha512').update(network + containerId).digest('hex');
  return { chain: `CNI-${hex}`.slice(0, 28), comment: `name: ${JSON.stringify(network)} id: ${JSON.stringify(containerId)}` };
}

/**
 * Removes a container's masquerade rules in nat POSTROUTING and their chain. The bridge plugin's
 * DEL finds the addresses to unmasquerade by deleting the interface inside the netns, so when the
 * netns is already gone it skips this and would leak them; we finish the job.
 */
export async function sweepMasquerade(network: string, containerId: string): Promise<void> {
  const { chain } = masqueradeChain(network, containerId);
  let rules: string;
  try {
    // The whole nat table: its POSTROUTING rules and whether the chain exists, in one exec.
    ({ stdout: rules } = await run('iptables', ['-w', '-t', 'nat', '-S']));
  } catch {
    return; // no iptables, nothing of ours either
  }
  const lines = rules.split('\n');
  for (const line of lines) {
    if (!line.startsWith('-A POSTROUTING ') || !line.split(' ').includes(chain)) continue;
    const spec = splitRule(line.slice('-A POSTROUTING '.length));
    await run('iptables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', ...spec]).catch(() => { /* raced with another DEL */ });
  }
  if (!lines.includes(`-N ${chain}`)) return;
  await run('iptables', ['-w', '-t', 'nat', '-F', chain]).catch(() => { /* not there */ });
  await run('iptables', ['-w', '-t', 'nat', '-X', chain]).catch(() => { /* not there */ });
}

/** Splits an iptables -S rule into arguments, honouring double quotes (comments have spaces). */
export function splitRule(rule: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let inToken = false;
  for (let i = 0; i < rule.length; i++) {
    const c = rule[i];
    if (quoted) {
      if (c === '\\' && i + 1 < rule.length) { cur += rule[++i]; continue; }
      if (c === '"') { quoted = false; continue; }
      cur += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (c === ' ') {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (inToken) out.push(cur);
  return out;
}

/**
 * Deletes every filter/nat rule that names `bridge` as in- or out-interface. The firewall
 * plugin's same-bridge isolation rules (CNI-ISOLATION-STAGE-1/2) are per bridge and are never
 * removed by DEL, since other containers may still use the bridge; the network's removal is when
 * they go.
 */
export async function sweepBridgeRules(bridge: string): Promise<void> {
  for (const table of ['filter', 'nat']) {
    let rules: string;
    try {
      ({ stdout: rules } = await run('iptables', ['-w', '-t', table, '-S']));
    } catch {
      continue;
    }
    for (const line of rules.split('\n')) {
      if (!line.startsWith('-A ')) continue;
      const args = splitRule(line.slice(3));
      const names = args.some((a, i) => (a === '-i' || a === '-o') && args[i + 1] === bridge);
      if (!names) continue;
      await run('iptables', ['-w', '-t', table, '-D', ...args]).catch(() => { /* raced with another removal */ });
    }
  }
}
