// Running one RUN step: an OCI bundle over the mounted work root (docker's default capabilities,
// masked paths and seccomp profile, from spec.ts), run in the foreground by the engine's OCI
// runtime, its output streamed to the caller. Mount points the runtime had to create in the
// root (an image without /etc/hosts, say) are noted so that they stay out of the layer.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSpec } from '../../oci/index.ts';
import { dockerDefaultProfile } from '../../runtime/seccomp/index.ts';
import { resolveIn } from '../copy.ts';
import { buildSpec, effectiveCaps, hostCaps } from '../spec.ts';
import type { ContainerConfig, MountSpec } from '../types.ts';
import { lookupUser } from '../users.ts';

export interface BuildMount {
  type: 'bind' | 'tmpfs';
  source: string;
  target: string;
  readOnly: boolean;
  options?: string[];
}

export interface BuildProcess {
  argv: string[];
  env: string[];
  user: string;
  workdir: string;
  network: 'default' | 'none' | 'host';
  mounts: BuildMount[];
  /** RUN --security=insecure (the builder asks only when --allow security.insecure was given). */
  privileged?: boolean;
  /** --add-host entries (`name:ip`), added to /etc/hosts. */
  extraHosts?: string[];
  /** /dev/shm size in bytes (--shm-size; default 64 MiB). */
  shmSize?: number;
}

/** Where a step's network comes from: the build's shared namespace (default), or none/host. */
export interface StepNetwork { netnsPath: string; resolvConf: string }

export interface ProcessOutcome { exitCode: number; createdMountpoints: string[] }

const SPEC_MOUNTS = ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts'];

export async function runInRoot(opts: {
  id: string; dir: string; rootfs: string; runtime: string; runtimeRoot: string; cgroupParent: string;
  proc: BuildProcess; onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Aborting kills the container (the runtime's run then returns, and its caller cleans up). */
  signal?: AbortSignal; kill?: () => Promise<void>;
  /** For network=default: the build's namespace on the default bridge. */
  net?: StepNetwork;
}): Promise<ProcessOutcome> {
  const { proc, rootfs, dir } = opts;
  const read = (p: string) => { try { return readFileSync(resolveIn(rootfs, p), 'utf8'); } catch { return ''; } };
  const user = lookupUser(proc.user || '0', read('/etc/passwd'), read('/etc/group'));
  // The working directory is created as the step's user (BuildKit does the same).
  const cwd = resolveIn(rootfs, proc.workdir);
  if (!existsSync(cwd)) mkdirSync(cwd, { recursive: true });
  const targets = [...SPEC_MOUNTS, ...proc.mounts.map((m) => m.target)];
  const created = targets.filter((t) => { try { lstatSync(resolveIn(rootfs, t)); return false; } catch { return true; } });

  const extra = (proc.extraHosts ?? []).map((h) => { const i = h.lastIndexOf(':'); return `${h.slice(i + 1)}\t${h.slice(0, i)}\n`; }).join('');
  writeFileSync(join(dir, 'hosts'), `127.0.0.1\tlocalhost buildkitsandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n${extra}`);
  writeFileSync(join(dir, 'hostname'), 'buildkitsandbox\n');
  if (opts.net) writeFileSync(join(dir, 'resolv.conf'), opts.net.resolvConf);
  else if (existsSync('/etc/resolv.conf')) copyFileSync('/etc/resolv.conf', join(dir, 'resolv.conf'));
  else writeFileSync(join(dir, 'resolv.conf'), '');
  const hostNet = proc.network === 'host' || (proc.network === 'default' && !opts.net);
  const mounts: MountSpec[] = proc.mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, readOnly: m.readOnly, options: m.options ?? [] }));
  const config = {
    image: 'build', imageName: 'build', imageId: '', chainId: '', entrypoint: [], cmd: proc.argv, env: proc.env, workingDir: proc.workdir,
    user: proc.user, hostname: 'buildkitsandbox', domainname: '', tty: false, openStdin: false, labels: {}, mounts, publish: [],
    networkMode: hostNet ? 'host' : opts.net ? 'bridge' : 'none', networkAliases: [], extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [], shmSize: proc.shmSize ?? 64 << 20,
    readOnly: false, capAdd: [], capDrop: [], privileged: !!proc.privileged, seccomp: proc.privileged ? 'unconfined' : 'default', noNewPrivileges: false,
    restart: { name: 'no', maximumRetryCount: 0 }, init: false, stopSignal: 'SIGTERM', stopTimeout: 10, runtime: opts.runtime, autoRemove: true, logSizeMax: 0,
  } satisfies ContainerConfig;
  const caps = hostCaps();
  const spec = buildSpec({
    id: opts.id, config, rootfs, user, netnsPath: opts.net?.netnsPath ?? '', hostsPath: join(dir, 'hosts'), hostnamePath: join(dir, 'hostname'), resolvConfPath: join(dir, 'resolv.conf'),
    mountSources: mounts.map((m) => m.source), ...(proc.privileged ? {} : { seccomp: dockerDefaultProfile({ caps: effectiveCaps([], [], false, caps) }) }), availableCaps: caps,
    cgroupParent: opts.cgroupParent, hostHostname: 'buildkitsandbox',
  });
  spec.hostname = 'buildkitsandbox';
  writeFileSync(join(dir, 'config.json'), renderSpec(spec));
  const exitCode = await new Promise<number>((resolve, reject) => {
    const child = spawn(opts.runtime, ['--root', opts.runtimeRoot, 'run', '--bundle', dir, opts.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => opts.onOutput(d, 'stdout'));
    child.stderr.on('data', (d: Buffer) => opts.onOutput(d, 'stderr'));
    const onAbort = () => { void opts.kill?.().catch(() => child.kill('SIGKILL')); };
    // Cancelled before the container even started: killed as soon as it exists.
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(code ?? (signal ? 128 + 9 : 1));
    });
  });
  return { exitCode, createdMountpoints: created };
}
