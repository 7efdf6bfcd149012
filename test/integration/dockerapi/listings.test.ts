// What the engine lists and measures, through the real docker CLI against berthd and through
// the berth CLI (one engine, both fronts agree): the host and none networks beside bridge, and
// containers run in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { isRoot } from '../../helpers/rootfs.ts';
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

test('nothing is left behind once berthd stops', { skip }, async () => {
  await fx.assertClean();
});
