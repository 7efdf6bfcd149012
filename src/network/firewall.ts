// Installs and removes berth's per-network host rules (rules.ts) with iptables-save and
// iptables-restore. ensureNetworkRules is on the path of every bridge attach: when the rules
// are in place it costs one iptables-save (≈ 3 ms) and takes no lock. Changes are made under a
// host-wide lock (every berth state root on the host changes the same chains), after reading
// the rules again, in one iptables-restore: never doubled, never half made.
// The chains and their hooks stay when the last network's rules go, like CNI's shared chains.
import { execFile, spawn } from 'node:child_process';
import { HostFirewallError } from './errors.ts';
import { withLock } from './lock.ts';
import { inNetns } from './nsenter.ts';
import { parseSave, planEnsure, planRemove } from './rules.ts';
import type { RulesNetwork, SavedTable } from './rules.ts';

/** Host-wide, not per state root: iptables is one per network namespace, not per root. */
export const RULES_LOCK = '/run/berth/network-rules.lock';

// iptables lives in sbin, which a user's PATH may lack.
const ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/bin:/bin` };

function failure(cmd: string[], e: { code?: string | number | null; message: string }, stderr = ''): HostFirewallError {
  const reason = e.code === 'ENOENT' ? `${cmd[0]} not found (install iptables)` : e.message.split('\n')[0];
  return new HostFirewallError(cmd, reason, stderr);
}

/** Where the rules go: the caller's netns and the host-wide lock by default; rootless, the user's
 * rootless netns (rootless-netns.ts) and a lock of its own. */
export interface RulesPlace { netns?: string; lock: string }

const HOST: RulesPlace = { lock: RULES_LOCK };

async function save(place: RulesPlace): Promise<Map<string, SavedTable>> {
  const cmd = ['iptables-save'];
  const [bin, argv] = inNetns(place.netns, cmd);
  const text = await new Promise<string>((resolve, reject) => {
    execFile(bin, argv, { env: ENV, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(failure(cmd, err, stderr));
      else resolve(stdout);
    });
  });
  return parseSave(text);
}

function restore(place: RulesPlace, input: string): Promise<void> {
  const cmd = ['iptables-restore', '-w', '--noflush'];
  const [bin, argv] = inNetns(place.netns, cmd);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { env: ENV, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => reject(failure(cmd, e)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new HostFirewallError(cmd, signal ? `killed by ${signal}` : `exit status ${code}`, `${stderr}\ninput:\n${input}`));
    });
    child.stdin.on('error', () => { /* the close handler reports the failure */ });
    child.stdin.end(input);
  });
}

/** Makes the network's rules exactly present (idempotent). Resolves true when it changed anything. */
export async function ensureNetworkRules(n: RulesNetwork, place: RulesPlace = HOST): Promise<boolean> {
  if (planEnsure(await save(place), n) === undefined) return false;
  return withLock(place.lock, async () => {
    // Another berth may have done it while we waited.
    const input = planEnsure(await save(place), n);
    if (input === undefined) return false;
    await restore(place, input);
    return true;
  });
}

/** Deletes every rule of berth's chains naming `bridge`. Resolves true when there were some. */
export async function removeNetworkRules(bridge: string, place: RulesPlace = HOST): Promise<boolean> {
  if (planRemove(await save(place), bridge) === undefined) return false;
  return withLock(place.lock, async () => {
    const input = planRemove(await save(place), bridge);
    if (input === undefined) return false;
    await restore(place, input);
    return true;
  });
}
