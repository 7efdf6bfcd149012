// CRI Exec and Attach with a terminal follow the client's window size: crictl (cri-tools 1.26,
// built by hand: $BERTH_CRICTL, PATH or /opt/cri-tools/build/bin/linux/amd64/crictl) sends its
// terminal's size on the resize stream (SPDY, remote command v4: {"Width","Height"}); the exec's
// pty (through berth-recvtty's size channel) and the container's own terminal (conmon's control
// FIFO) take it. script(1) gives crictl a terminal whose size `stty` sets first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const DEFAULT_CRICTL = '/opt/cri-tools/build/bin/linux/amd64/crictl';
const CRICTL = process.env.BERTH_CRICTL || (existsSync(DEFAULT_CRICTL) ? DEFAULT_CRICTL : spawnSync('sh', ['-c', 'command -v crictl'], { encoding: 'utf8' }).stdout.trim() || undefined);
const skip = !isRoot ? 'needs root'
  : !CRICTL ? 'crictl not found: build cri-tools v1.26.1 (make crictl) and set BERTH_CRICTL, or put crictl on PATH'
  : spawnSync('sh', ['-c', 'command -v script']).status !== 0 ? 'needs script(1) (util-linux)'
  : false;

/** Runs crictl in a terminal of rows×cols (script's pty, sized by stty before crictl starts);
 * asynchronously: the CRI server runs in this process. */
function inTerminal(sock: string, rows: number, cols: number, args: string, input: string, limitS = 30): Promise<string> {
  // An attach lasts as long as the container: `timeout` ends crictl.
  const cmd = `stty rows ${rows} cols ${cols}; timeout ${limitS} ${CRICTL} --runtime-endpoint unix://${sock} --timeout 60s ${args}`;
  return new Promise((resolve) => {
    execFile('bash', ['-c', `(${input}) | script -qec '${cmd}' /dev/null`], { encoding: 'utf8', timeout: 60_000 }, (_e, stdout, stderr) => resolve(stdout + stderr));
  });
}

test('CRI exec -it and attach -it: the terminal takes the client\'s window size', { skip, timeout: 300_000 }, async (t) => {
  const { client: c, socket: sock } = await criFixture(t, 'tty');
  const podConfig = { metadata: { name: 'tty', namespace: 'ns', uid: 'uid-tty' }, linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } };
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: podConfig }) as { podSandboxId: string };

  // exec -it: the exec's own pty.
  const { containerId: sleeper } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: { metadata: { name: 'sleeper' }, image: { image: 'busybox' }, command: ['sleep', '1000'] } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId: sleeper });
  const out = await inTerminal(sock, 33, 101, `exec -it ${sleeper} sh -c "sleep 1; stty size"`, 'sleep 4');
  assert.match(out, /^33 101\r?$/m, out);
  // A non-terminal exec has no size to take, and still runs.
  const plain = await new Promise<string>((resolve) => execFile(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, '--timeout', '60s', 'exec', sleeper, 'echo', 'plain'], { encoding: 'utf8' }, (_e, o) => resolve(o)));
  assert.equal(plain, 'plain\n');

  // attach -it: the container's own terminal (it prints its size as it changes).
  const { containerId: shell } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: {
    metadata: { name: 'shell' }, image: { image: 'busybox' }, tty: true, stdin: true,
    command: ['sh', '-c', 'while :; do stty size; sleep 0.3; done'],
  } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId: shell });
  const attached = await inTerminal(sock, 41, 123, `attach -it ${shell}`, 'sleep 3', 6);
  assert.match(attached, /^41 123\r?$/m, attached);
});
