// CRI conformance in the suite: scripts/critest.ts runs cri-tools' critest v1.26.1 (built by hand
// outside the repository; skipped with the reason when absent) against a berthd of its own, the
// upstream images served by stand-ins through registry mirrors. Every spec must pass but the one
// that pulls an upstream image by its exact digest (docs/conformance.md); afterwards nothing of
// the run is left on the host. About two minutes on the 2-core VM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TOP } from '../engine/harness.ts';
import { mountsUnder, pidsMentioning } from '../interop/support.ts';

const DEFAULT = '/opt/cri-tools/build/bin/linux/amd64/critest';
const found = process.env.BERTH_CRITEST || (existsSync(DEFAULT) ? DEFAULT : spawnSync('sh', ['-c', 'command -v critest'], { encoding: 'utf8' }).stdout.trim());
const skip = process.getuid?.() !== 0 ? 'needs root'
  : !found ? 'critest not found: build cri-tools v1.26.1 (make critest) and set BERTH_CRITEST, or put critest on PATH'
  : !existsSync('/usr/bin/docker-registry') ? 'needs Debian\'s docker-registry'
  : false;

test('critest v1.26.1: every spec passes but the upstream-digest pull, and the run leaves nothing behind', { skip, timeout: 1_200_000 }, async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, [join(TOP, 'scripts/critest.ts')], { env: { ...process.env, BERTH_CRITEST: found }, timeout: 1_100_000, maxBuffer: 64 << 20 },
      (e, stdout, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out: stdout + stderr }));
  });
  assert.equal(r.code, 0, r.out);
  const m = /critest: (\d+) passed, (\d+) failed, (\d+) skipped \(of (\d+)\)/.exec(r.out);
  assert.ok(m, r.out);
  assert.deepEqual([Number(m[1]), Number(m[2])], [79, 1], r.out);
  assert.match(r.out, /FAILED .*public image with digest should be pulled and removed/);

  const names = /work dir (\S+), bridge (\S+), network (\S+),/.exec(r.out);
  assert.ok(names, `the run names its work dir, bridge and network:\n${r.out}`);
  const [, work, bridge, network] = names;
  assert.ok(!existsSync(work), `${work} removed`);
  assert.deepEqual(pidsMentioning(work + '/'), []);
  assert.deepEqual(mountsUnder(work), []);
  assert.ok(!existsSync(`/sys/class/net/${bridge}`), `bridge ${bridge} removed`);
  const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout ?? '';
  assert.ok(!rules.includes(`"${network}"`), `no iptables rule of CNI network ${network} left`);
});
