// A small CNI executor: runs plugin binaries as the CNI spec (1.0) defines. The operation and
// the container come through CNI_* environment variables, the plugin's configuration (with the
// network's name and cniVersion injected, plus prevResult when chaining and runtimeConfig for the
// capabilities the plugin declares) goes on stdin, the result or an error object comes on stdout.
import { spawn } from 'node:child_process';
import { trace } from '../util/trace.ts';
import { activeSpawner } from '../util/spawner.ts';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { CniPluginError, CniPluginNotFoundError } from './errors.ts';
import type { Conflist, PluginConf } from './conflist.ts';
import { inNetns } from './nsenter.ts';

export const DEFAULT_CNI_PATH = ['/usr/lib/cni', '/opt/cni/bin'];

export interface CniInterface { name: string; mac?: string; sandbox?: string; mtu?: number }
export interface CniIPConfig { address: string; gateway?: string; interface?: number }
export interface CniRoute { dst: string; gw?: string }
export interface CniResult {
  cniVersion: string;
  interfaces?: CniInterface[];
  ips?: CniIPConfig[];
  routes?: CniRoute[];
  dns?: Record<string, unknown>;
}

/** What identifies one attachment to the plugins (libcni's RuntimeConf). */
export interface CniRuntimeConf {
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs, e.g. [['IP', '10.89.0.9']]; IgnoreUnknown=1 is added when non-empty. */
  args?: [string, string][];
  /** Values for plugin capabilities (e.g. portMappings); only declared ones reach a plugin. */
  capabilityArgs?: Record<string, unknown>;
}

export interface CniExecOptions {
  cniPath?: string[];
  timeoutMs?: number;
  /** The netns the plugins run in (where the bridge and the host ends of the veths go): the
   * caller's own when undefined; rootless, the user's rootless netns (rootless-netns.ts). */
  netns?: string;
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

function findPlugin(type: string, cniPath: string[]): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw new CniPluginNotFoundError(type, cniPath);
  for (const dir of cniPath) {
    const p = join(dir, type);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch { /* try the next directory */ }
  }
  throw new CniPluginNotFoundError(type, cniPath);
}

/** The stdin document for one plugin of a list (libcni's buildOneConfig, in data). */
export function pluginInput(list: Conflist, plugin: PluginConf, rt: CniRuntimeConf, prevResult?: CniResult): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  if (prevResult) conf.prevResult = prevResult;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(plugin.capabilities ?? {})) {
    if (on && rt.capabilityArgs && cap in rt.capabilityArgs) runtimeConfig[cap] = rt.capabilityArgs[cap];
  }
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  return conf;
}

function cniArgs(rt: CniRuntimeConf): string {
  if (!rt.args || rt.args.length === 0) return '';
  return [['IgnoreUnknown', '1'], ...rt.args].map(([k, v]) => `${k}=${v}`).join(';');
}

/** Runs one plugin binary; resolves with its parsed stdout (undefined when empty). */
export function execPlugin(command: CniCommand | 'VERSION', network: string, plugin: PluginConf, input: unknown,
  rt: CniRuntimeConf, opts: CniExecOptions = {}): Promise<unknown> {
  const cniPath = opts.cniPath ?? DEFAULT_CNI_PATH;
  const bin = findPlugin(plugin.type, cniPath);
  const env: Record<string, string> = {
    // Plugins call iptables, ip, sysctl helpers: they need a PATH with the sbin directories.
    PATH: `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`,
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_PATH: cniPath.join(':'),
  };
  const args = cniArgs(rt);
  if (args) env.CNI_ARGS = args;
  // Rootless: in the user's rootless netns, where the bridges are (rootless-netns.ts).
  const [cmd, argv] = inNetns(opts.netns, [bin]);
  const helper = activeSpawner();
  if (helper) {
    // Through the spawn helper (util/spawner.ts): no fork of this (big) process.
    const t0 = performance.now();
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return helper.run(cmd, argv, { env, input: JSON.stringify(input), timeoutMs }).then((r) => {
      trace(`cni: ${plugin.type} ${command} took ${(performance.now() - t0).toFixed(1)} ms (helper)`);
      return pluginOutcome(command, network, plugin, r.code, r.signal, r.stdout.trim(), r.stderr.trim(), r.timedOut, timeoutMs);
    }, (e: Error) => {
      throw new CniPluginError({ plugin: plugin.type, command, network, msg: `cannot run ${bin}: ${e.message}` });
    });
  }
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    trace(`spawn: ${plugin.type} ${(performance.now() - t0).toFixed(1)} ms`);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => { /* the exit status tells the story */ });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CniPluginError({ plugin: plugin.type, command, network, msg: `cannot run ${bin}: ${e.message}` }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      trace(`cni: ${plugin.type} ${command} took ${(performance.now() - t0).toFixed(1)} ms`);
      const stdout = Buffer.concat(out).toString('utf8').trim();
      const stderr = Buffer.concat(err).toString('utf8').trim();
      try {
        resolve(pluginOutcome(command, network, plugin, code, signal, stdout, stderr, timedOut, opts.timeoutMs ?? 60_000));
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.end(JSON.stringify(input));
  });
}

/** A plugin's parsed stdout, or its failure as a CniPluginError. */
function pluginOutcome(command: CniCommand | 'VERSION', network: string, plugin: PluginConf, code: number | null, signal: string | null,
  stdout: string, stderr: string, timedOut: boolean, timeoutMs: number): unknown {
  let parsed: unknown;
  try { parsed = stdout ? JSON.parse(stdout) : undefined; } catch { parsed = undefined; }
  if (code === 0) {
    if (stdout && parsed === undefined) throw new CniPluginError({ plugin: plugin.type, command, network, msg: `unparsable output: ${stdout.slice(0, 200)}`, stderr });
    return parsed;
  }
  const e = (parsed ?? {}) as { code?: number; msg?: string; details?: string };
  const msg = timedOut ? `timed out after ${timeoutMs} ms` : e.msg ?? (stderr || stdout || `exited with ${signal ?? code}`);
  throw new CniPluginError({ plugin: plugin.type, command, network, code: e.code, msg, details: e.details, stderr });
}

/** ADD through the whole list, each plugin getting the previous one's result. */
export async function addNetworkList(list: Conflist, rt: CniRuntimeConf, opts: CniExecOptions = {}): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const plugin of list.plugins) {
    const res = await execPlugin('ADD', list.name, plugin, pluginInput(list, plugin, rt, prev), rt, opts);
    if (res !== undefined) prev = res as CniResult;
  }
  if (!prev) throw new CniPluginError({ plugin: list.plugins.at(-1)?.type ?? '?', command: 'ADD', network: list.name, msg: 'no result' });
  return prev;
}

/** DEL through the list in reverse, each plugin getting the cached ADD result. Every plugin runs
 * even when an earlier one fails; the failures are returned. */
export async function delNetworkList(list: Conflist, rt: CniRuntimeConf, cached: CniResult | undefined,
  opts: CniExecOptions = {}): Promise<Error[]> {
  const errors: Error[] = [];
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await execPlugin('DEL', list.name, plugin, pluginInput(list, plugin, rt, cached), rt, opts);
    } catch (e) {
      errors.push(e as Error);
    }
  }
  return errors;
}

/** CHECK through the list in order with the cached ADD result; throws the first failure. */
export async function checkNetworkList(list: Conflist, rt: CniRuntimeConf, cached: CniResult, opts: CniExecOptions = {}): Promise<void> {
  for (const plugin of list.plugins) {
    await execPlugin('CHECK', list.name, plugin, pluginInput(list, plugin, rt, cached), rt, opts);
  }
}
