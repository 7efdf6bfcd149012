// berthd's spare network namespace (src/engine/pods/spare-netns.ts), on real namespaces and the
// real bridge/host-local CNI plugins: none at first, one made in the background, taken once,
// adopted from a stopped berthd (one kept, more removed), dropped at the end without leaving a
// mount behind; attached ahead (a veth on the bridge, an address lease, a record on disk) and
// released without a trace, from a record a stopped berthd left too; a configuration whose ADD
// fails is not tried ahead again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, isNetns, removeNetns } from '../../../src/network/index.ts';
import { aheadPart, chainBeginsWith, SpareNetns, type SpareOptions } from '../../../src/engine/pods/spare-netns.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';
import { isMountPoint } from '../../../src/util/proc.ts';

const skip = !isRoot && 'needs root';
const hasBridge = existsSync('/usr/lib/cni/bridge') && existsSync('/usr/lib/cni/host-local');

async function until(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function options(tmp: string, confDir = join(tmp, 'net.d')): SpareOptions {
  return { netnsDir: join(tmp, 'netns'), cniConfDir: confDir, recordFile: join(tmp, 'root', 'pod-spare.json'), ifName: 'eth0' };
}

test('spare netns: made ahead, taken once, adopted, dropped', { skip }, async (t) => {
  const tmp = makeTemp('berth-test-spare-');
  const dir = join(tmp, 'netns');
  t.after(async () => {
    for (const n of existsSync(dir) ? readdirSync(dir) : []) await removeNetns(join(dir, n)).catch(() => {});
    removeTemp(tmp);
  });
  const spare = new SpareNetns(options(tmp));
  assert.equal(spare.take(), undefined, 'none before the first refill');
  spare.refill();
  spare.refill(); // one on its way: no second
  let got: string | undefined;
  await until('a spare is made', () => (got = spare.take()?.path) !== undefined);
  assert.ok(isNetns(got!), 'the spare is a pinned network namespace');
  assert.equal(spare.take(), undefined, 'taken once');
  await removeNetns(got!);

  // Asked to attach without a CNI configuration: a plain spare.
  spare.refill({ attach: true });
  let plain: { path: string; cni?: unknown } | undefined;
  await until('a plain spare is made', () => (plain = spare.take()) !== undefined);
  assert.equal(plain!.cni, undefined);
  await removeNetns(plain!.path);

  // Left by a berthd that stopped without settling: the next one adopts one, removes the rest.
  const left = [await createNetns('berth-spare-aaaa', dir), await createNetns('berth-spare-bbbb', dir)];
  const next = new SpareNetns(options(tmp));
  const adopted = next.take()?.path;
  assert.ok(adopted && left.includes(adopted));
  await until('the other leftover is removed', () => readdirSync(dir).length === 1);
  await removeNetns(adopted!);

  next.refill();
  await next.drop();
  assert.equal(next.take(), undefined);
  assert.deepEqual(readdirSync(dir), [], 'no spare left');
  assert.equal(isMountPoint(dir), false, 'the netns directory carries no mount once empty');
});

test('spare netns attached ahead: the CNI configuration\'s leading plugins, released without a trace', { skip: skip || (!hasBridge && 'needs the bridge and host-local CNI plugins') }, async (t) => {
  const tmp = makeTemp('berth-test-sparecni-');
  const dir = join(tmp, 'netns');
  const tag = String(process.pid % 200);
  const bridge = `bspare${tag}`;
  const confDir = join(tmp, 'net.d');
  mkdirSync(confDir);
  const conflist = { cniVersion: '1.0.0', name: `spare${tag}`, plugins: [
    { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: `10.251.${tag}.0/24` }]], dataDir: join(tmp, 'ipam') } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ] };
  writeFileSync(join(confDir, '10-spare.conflist'), JSON.stringify(conflist));
  const leases = () => { try { return readdirSync(join(tmp, 'ipam', `spare${tag}`)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)); } catch { return []; } };
  const veths = () => spawnSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).stdout.trim();
  t.after(async () => {
    for (const n of existsSync(dir) ? readdirSync(dir) : []) await removeNetns(join(dir, n)).catch(() => {});
    spawnSync('ip', ['link', 'del', bridge]);
    removeTemp(tmp);
  });

  // What can run ahead: the plugins before the first that takes a capability.
  const ahead = aheadPart(conflist as never);
  assert.deepEqual(ahead.plugins.map((p) => p.type), ['bridge']);
  assert.ok(chainBeginsWith(conflist as never, ahead));
  assert.ok(!chainBeginsWith({ ...conflist, name: 'other' } as never, ahead), 'another network does not fit');

  const o = options(tmp, confDir);
  const spare = new SpareNetns(o);
  spare.refill({ attach: true });
  let got: ReturnType<SpareNetns['take']>;
  await until('an attached spare is made', () => existsSync(o.recordFile));
  got = spare.take();
  assert.ok(got?.cni, 'the spare comes with its attachment');
  assert.equal(existsSync(o.recordFile), false, 'taken: the record is the taker\'s now');
  assert.deepEqual(got.cni.conflist.plugins.map((p) => p.type), ['bridge']);
  assert.match(got.cni.result.ips?.[0]?.address ?? '', new RegExp(`^10\\.251\\.${tag}\\.\\d+/24$`));
  assert.equal(leases().length, 1, 'one address leased');
  assert.match(veths(), /veth/, 'its veth is on the bridge');
  spare.release(got);
  await spare.drop();
  assert.deepEqual(leases(), [], 'released: the lease is gone');
  await until('the veth goes with the netns', () => veths() === '');
  assert.deepEqual(readdirSync(dir), []);

  // An attached spare a stopped berthd left (its record on disk): the next one releases it.
  const first = new SpareNetns(o);
  first.refill({ attach: true });
  await until('an attached spare is made', () => existsSync(o.recordFile));
  assert.equal(leases().length, 1);
  const after = new SpareNetns(o);
  assert.equal(after.take(), undefined, 'an attached leftover is released, not adopted');
  await after.drop();
  assert.deepEqual(leases(), [], 'the leftover\'s lease is released');
  assert.equal(existsSync(o.recordFile), false);
  await until('no netns left', () => readdirSync(dir).length === 0);
  await until('the veth goes with the netns', () => veths() === '');

  // A configuration whose ADD fails: released, and plain spares from then on.
  writeFileSync(join(confDir, '10-spare.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'broken', plugins: [{ type: 'no-such-cni-plugin' }] }));
  const broken = new SpareNetns(o);
  broken.refill({ attach: true });
  await broken.drop();
  assert.deepEqual(readdirSync(dir), [], 'a failed ADD ahead leaves no netns');
  broken.refill({ attach: true });
  let plain: ReturnType<SpareNetns['take']>;
  await until('a plain spare is made', () => (plain = broken.take()) !== undefined);
  assert.equal(plain!.cni, undefined, 'not tried ahead again');
  await removeNetns(plain!.path);
  assert.equal(existsSync(o.recordFile), false);
});
