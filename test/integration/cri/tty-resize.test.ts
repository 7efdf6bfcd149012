// CRI Exec and Attach with a terminal follow the client's window size: crictl (cri-tools 1.26,
// built by hand: $BERTH_CRICTL, PATH or /opt/cri-tools/build/bin/linux/amd64/crictl) sends its
// terminal's size on the resize stream (SPDY, remote command v4: {"Width","Height"}); the exec's
// pty (through berth-recvtty's size channel) and the container's own terminal (conmon's control
// FIFO) take it. script(1) gives crictl a terminal whose size `stty` sets first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../../helpers/rootfs.ts';
import { criFixture } from './harness.ts';

const DEFAULT_CRICTL = '/opt/cri-tools/build/bin/linux/amd64/crictl';
const CRICTL = process.env.BERTH_CRICTL || (existsSync(DEFAULT_CRICTL) ? DEFAULT_CRICTL : spawnSync('sh', ['-c', 'command -v crictl'], { encoding: 'utf8' }).stdout.trim() || undefined);
const skip = !isRoot ? 'needs root'
  : !CRICTL ? 'crictl not found: build cri-tools v1.26.1 (make crictl) and set BERTH_CRICTL, or put crictl on PATH'
  : spawnSync('sh', ['-c', 'command -v script']).status !== 0 ? 'needs script(1) (util-linux)'
  : false;

/** Runs crictl in a terminal of rows×cols (script's pty, sized by stty before crictl starts),
 * asynchronously (the CRI server runs in this process). The commands go through a script file,
 * so the container's shell code needs no second level of quoting. script's stdin is a pipe this
 * process holds open until crictl is done: an early EOF would end the session's input. */
function inTerminal(dir: string, sock: string, rows: number, cols: number, args: string, limitS: number): Promise<string> {
  const file = join(dir, `crictl-${rows}x${cols}.sh`);
  // An attach lasts as long as the container: `timeout` ends crictl at the latest. --foreground
  // keeps crictl in the terminal's foreground process group: without it timeout moves crictl
  // into a group of its own, where crictl's switch to raw mode (tcsetattr) stops it with SIGTTOU,
  // and it then hangs without a byte of output. Whether that bit depended on the shell script(1)
  // starts: $SHELL, bash here, /bin/sh (dash) where SHELL is unset, as in CI.
  writeFileSync(file, `stty rows ${rows} cols ${cols}\nexec timeout --foreground ${limitS} ${CRICTL} --runtime-endpoint unix://${sock} --timeout 60s ${args}\n`);
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', `sh ${file}`, '/dev/null'], { encoding: 'utf8', timeout: (limitS + 30) * 1000 }, (_e, stdout, stderr) => {
      child.stdin?.end();
      resolve(stdout + stderr);
    });
  });
}

/** Shell code for the container: prints the terminal's size until it is rows×cols (at most
 * `tries` times, 0.2 s apart), then `size R C` once more. Without the resize wiring the size
 * never changes and the last line is the old one. */
const untilSize = (rows: number, cols: number, tries: number) =>
  `i=0; while s=$(stty size); [ "$s" != "${rows} ${cols}" ] && [ $i -lt ${tries} ]; do i=$((i+1)); sleep 0.2; done; echo "size $s"; sleep 0.5`;

test('CRI exec -it and attach -it: the terminal takes the client\'s window size', { skip, timeout: 300_000 }, async (t) => {
  const { client: c, socket: sock, tmp } = await criFixture(t, 'tty');
  const podConfig = { metadata: { name: 'tty', namespace: 'ns', uid: 'uid-tty' }, linux: { securityContext: { namespaceOptions: { network: 'NODE' } } } };
  const { podSandboxId } = await c.runtime.RunPodSandbox({ config: podConfig }) as { podSandboxId: string };

  // exec -it: the exec's own pty.
  const { containerId: sleeper } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: { metadata: { name: 'sleeper' }, image: { image: 'busybox' }, command: ['sleep', '1000'] } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId: sleeper });
  const out = await inTerminal(tmp, sock, 33, 101, `exec -it ${sleeper} sh -c '${untilSize(33, 101, 100)}'`, 60);
  assert.match(out, /^size 33 101\r?$/m, out);
  // A non-terminal exec has no size to take, and still runs.
  const plain = await new Promise<string>((resolve) => execFile(CRICTL!, ['--runtime-endpoint', `unix://${sock}`, '--timeout', '60s', 'exec', sleeper, 'echo', 'plain'], { encoding: 'utf8' }, (_e, o) => resolve(o)));
  assert.equal(plain, 'plain\n');

  // attach -it: the container's own terminal. It prints its size once it is the client's and
  // exits, which ends the attach (timeout is only the backstop).
  const { containerId: shell } = await c.runtime.CreateContainer({ podSandboxId, sandboxConfig: podConfig, config: {
    metadata: { name: 'shell' }, image: { image: 'busybox' }, tty: true, stdin: true,
    command: ['sh', '-c', untilSize(41, 123, 300)],
  } }) as { containerId: string };
  await c.runtime.StartContainer({ containerId: shell });
  const attached = await inTerminal(tmp, sock, 41, 123, `attach -it ${shell}`, 60);
  assert.match(attached, /^size 41 123\r?$/m, attached);
});
