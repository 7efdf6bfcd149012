// What the engine lists and measures, through the real docker CLI against berthd and through
// the berth CLI (one engine, both fronts agree): the host and none networks beside bridge, and
// containers run in them; container and volume sizes (ps -s, inspect --size, system df -v).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isRoot } from '../../helpers/rootfs.ts';
import { waitFor } from '../engine/harness.ts';
import { useApiFixture, type ApiDaemon, type Berth, DOCKER } from './harness.ts';

const skip = !isRoot ? 'needs root' : !existsSync(DOCKER) ? `needs the docker CLI at ${DOCKER}` : false;

let b: Berth;
let api: ApiDaemon;
const fx = useApiFixture(skip, (f) => ({ b, api } = f));

/** Interface names in a /proc/net/dev text. */
const interfaces = (dev: string) => dev.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();

test('network ls and inspect show bridge, host and none; the berth CLI lists the same', { skip }, async () => {
  const rows = (await api.ok(['network', 'ls', '--no-trunc', '--format', '{{.Name}} {{.Driver}} {{.Scope}} {{.ID}}'])).trim().split('\n');
  const byName = new Map(rows.map((r) => [r.split(' ')[0], r.split(' ')]));
  assert.deepEqual([...byName.keys()].sort(), ['bridge', 'host', 'none'], rows.join('\n'));
  assert.deepEqual(byName.get('host')!.slice(1, 3), ['host', 'local']);
  assert.deepEqual(byName.get('none')!.slice(1, 3), ['null', 'local']);
  // The berth CLI (the engine's own names: the default network is `berth`) lists them with the same ids.
  const mine = (await b.ok(['network', 'ls', '--no-trunc', '--format', '{{.Name}} {{.Driver}} {{.ID}}'])).trim().split('\n').sort();
  assert.deepEqual(mine.filter((l) => /^(host|none) /.test(l)), [`host host ${byName.get('host')![3]}`, `none null ${byName.get('none')![3]}`]);
  assert.equal(JSON.parse(await b.ok(['network', 'inspect', '--format', '{{json .IPAM.Config}}', 'host'])).length, 0);

  assert.equal((await api.ok(['network', 'inspect', '--format', '{{.Name}} {{.Driver}} {{len .IPAM.Config}} {{.Id}}', 'none'])).trim(), `none null 0 ${byName.get('none')![3]}`);
  // By id prefix, as docker resolves them.
  assert.equal((await api.ok(['network', 'inspect', '--format', '{{.Name}}', byName.get('host')![3].slice(0, 12)])).trim(), 'host');
  assert.equal((await api.ok(['network', 'ls', '--filter', 'driver=null', '--format', '{{.Name}}'])).trim(), 'none');
  assert.equal((await api.ok(['network', 'ls', '--filter', 'type=custom', '-q'])).trim(), '');
  assert.equal((await api.ok(['network', 'ls', '--filter', 'dangling=true', '-q'])).trim(), '');

  // Neither removed, made again, nor joined later: docker's 403 and words.
  const rm = await api.docker(['network', 'rm', 'host']);
  assert.notEqual(rm.code, 0);
  assert.match(rm.stderr, /host is a pre-defined network and cannot be removed/);
  const mk = await api.docker(['network', 'create', 'none']);
  assert.notEqual(mk.code, 0);
  assert.match(mk.stderr, /network with name none already exists/);
  const berthRm = await b.run(['network', 'rm', 'none']);
  assert.notEqual(berthRm.code, 0);
  assert.match(berthRm.stderr, /none is a pre-defined network and cannot be removed/);
  const raw = await api.http('DELETE', '/v1.44/networks/none');
  assert.deepEqual([raw.status, JSON.parse(raw.body)], [403, { message: 'none is a pre-defined network and cannot be removed' }]);
});

test('run --network host and --network none: the host\'s interfaces, or a loopback only', { skip }, async () => {
  const onHost = await api.ok(['run', '--rm', '--network', 'host', 'busybox', 'cat', '/proc/net/dev']);
  assert.deepEqual(interfaces(onHost), interfaces(readFileSync('/proc/net/dev', 'utf8')));
  const onNone = await api.ok(['run', '--rm', '--network', 'none', 'busybox', 'cat', '/proc/net/dev']);
  assert.deepEqual(interfaces(onNone), ['lo']);

  await api.ok(['run', '-d', '--name', 'hostbox', '--network', 'host', 'busybox', 'sleep', '300']);
  await api.ok(['create', '--name', 'nonebox', '--network', 'none', 'busybox', 'true']);
  try {
    assert.equal((await api.ok(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'host'])).trim(), 'hostbox');
    assert.equal((await api.ok(['network', 'inspect', '--format', '{{range .Containers}}{{.Name}} {{end}}', 'none'])).trim(), 'nonebox');
    const nets = '{{.HostConfig.NetworkMode}}:{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}};{{end}}';
    assert.equal((await api.ok(['inspect', '--format', nets, 'hostbox'])).trim(), 'host:host=;');
    assert.equal((await api.ok(['inspect', '--format', nets, 'nonebox'])).trim(), 'none:none=;');
    assert.equal((await api.ok(['ps', '--filter', 'network=host', '--format', '{{.Names}} {{.Networks}}'])).trim(), 'hostbox host');
    const join = await api.docker(['network', 'connect', 'host', 'nonebox']);
    assert.notEqual(join.code, 0);
    assert.match(join.stderr, /cannot be disconnected from host network or connected to host network/);
  } finally {
    await api.ok(['rm', '-f', 'hostbox', 'nonebox']);
  }
});

interface Sized { Names: string[]; SizeRw?: number; SizeRootFs?: number }

test('sizes: ps -s, size=1, inspect --size, system df -v, measured by the engine and shown alike by both CLIs', { skip }, async () => {
  // One writes 3 MB into its writable layer, the other nothing; a volume gets 2 MB.
  await api.ok(['run', '-d', '--name', 'sized', 'busybox', 'sh', '-c', 'head -c 3000000 /dev/zero > /big && echo ready && sleep 300']);
  await api.ok(['run', '-d', '--name', 'lean', 'busybox', 'sleep', '300']);
  await api.ok(['run', '--rm', '-v', 'dfvol:/v', 'busybox', 'sh', '-c', 'head -c 2000000 /dev/zero > /v/f']);
  try {
    await waitFor(async () => (await api.ok(['logs', 'sized'])).includes('ready'), 60_000);
    const listed = JSON.parse((await api.http('GET', '/v1.44/containers/json?size=1')).body) as Sized[];
    const sized = listed.find((c) => c.Names[0] === '/sized')!, lean = listed.find((c) => c.Names[0] === '/lean')!;
    assert.ok(sized.SizeRw! >= 3_000_000 && sized.SizeRw! < 3_200_000, `SizeRw ${sized.SizeRw}`);
    assert.ok(lean.SizeRw! < 200_000, `SizeRw ${lean.SizeRw}`);
    // The image's part of the root filesystem is the same for both, and busybox's size.
    const image = sized.SizeRootFs! - sized.SizeRw!;
    assert.equal(lean.SizeRootFs! - lean.SizeRw!, image);
    assert.ok(image > 500_000, `image part ${image}`);
    // Not measured unless asked for (docker's fields are absent then).
    assert.equal('SizeRw' in (JSON.parse((await api.http('GET', '/v1.44/containers/json')).body) as Sized[])[0], false);
    assert.equal('SizeRw' in (JSON.parse((await api.http('GET', '/v1.44/containers/sized/json')).body) as object), false);
    assert.equal((await api.ok(['inspect', '--size', '--format', '{{.SizeRw}} {{.SizeRootFs}}', 'sized'])).trim(), `${sized.SizeRw} ${sized.SizeRootFs}`);

    const fmt = ['--format', '{{.Names}} {{.Size}}'];
    const dockerPs = (await api.ok(['ps', '-s', ...fmt])).trim().split('\n').sort();
    assert.match(dockerPs.find((l) => l.startsWith('sized '))!, /^sized 3(\.\d+)?MB \(virtual \d+(\.\d+)?MB\)$/);
    assert.deepEqual((await b.ok(['ps', '-s', ...fmt])).trim().split('\n').sort(), dockerPs);
    assert.match(await b.ok(['ps', '-s']), /SIZE\n(.|\n)*3(\.\d+)?MB \(virtual/);

    const df = JSON.parse((await api.http('GET', '/v1.44/system/df')).body) as { Containers: Sized[]; Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[] };
    assert.equal(df.Containers.find((c) => c.Names[0] === '/sized')!.SizeRw, sized.SizeRw);
    const vol = df.Volumes.find((v) => v.Name === 'dfvol')!;
    assert.ok(vol.UsageData.Size >= 2_000_000 && vol.UsageData.Size < 2_100_000, `volume ${vol.UsageData.Size}`);
    assert.equal(vol.UsageData.RefCount, 0);
    for (const text of [await api.ok(['system', 'df', '-v']), await b.ok(['system', 'df', '-v'])]) {
      assert.match(text, /Containers space usage:(.|\n)*3(\.\d+)?MB .* sized\n/, text);
      assert.match(text, /Local Volumes space usage:(.|\n)*dfvol +0 +2(\.\d+)?MB/, text);
    }
    assert.match(await api.ok(['system', 'df', '--format', '{{.Type}} {{.Size}}']), /^Containers 3(\.\d+)?MB$/m);
  } finally {
    await api.ok(['rm', '-f', 'sized', 'lean']);
    await api.ok(['volume', 'rm', 'dfvol']);
  }
});

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
