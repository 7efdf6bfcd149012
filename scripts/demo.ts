// Runs a busybox container with berth-runtime: builds the bundle from Debian's busybox-static,
// writes the default config (berth-runtime spec) with a demo command, runs it, and cleans up.
// Then the same through the engine: `berth run --rm busybox echo hello`, where `busybox` is the
// built-in image (assembled from the host's busybox-static on first use; no network needed).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBusyboxRootfs, makeTemp, removeTemp } from '../test/helpers/rootfs.ts';

const runtime = 'berth-runtime';
const dir = makeTemp('berth-demo-');
const id = `berth-demo-${process.pid}`;
try {
  makeBusyboxRootfs(join(dir, 'rootfs'));
  execFileSync(runtime, ['spec', '--bundle', dir], { stdio: 'inherit' });
  const cfgPath = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
  cfg.process.terminal = false;
  cfg.process.args = ['/bin/sh', '-c',
    'echo "hello from a berth container: pid $$ on $(hostname), kernel $(uname -r)"; id; ls /; cat /proc/self/cgroup | head -3'];
  cfg.hostname = 'berth-demo';
  writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  const r = spawnSync(runtime, ['run', '--bundle', dir, id], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`berth-runtime run exited with ${r.status ?? r.signal}`);
} finally {
  spawnSync(runtime, ['delete', '--force', id], { stdio: 'ignore' });
  removeTemp(dir);
}

const engine = spawnSync('berth', ['run', '--rm', 'busybox', 'echo', 'hello'], { stdio: 'inherit' });
if (engine.status !== 0) throw new Error(`berth run exited with ${engine.status ?? engine.signal}`);
