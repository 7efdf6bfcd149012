import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, dockerMaskedPaths, thermalThrottlePaths } from '../../../src/oci/docker-defaults.ts';
import { buildSpec, type SpecInputs } from '../../../src/engine/index.ts';
import { specFromImage } from '../../../src/image/index.ts';

test('docker 28 masks /proc/interrupts and powercap; /proc/sys and friends are read-only', () => {
  for (const p of ['/proc/interrupts', '/proc/kcore', '/proc/keys', '/sys/firmware', '/sys/devices/virtual/powercap']) assert.ok(DOCKER_MASKED_PATHS.includes(p), p);
  assert.deepEqual([...DOCKER_READONLY_PATHS], ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);
});

test('per-CPU thermal_throttle directories are masked where the host has them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cpu-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of ['cpu0', 'cpu1', 'cpu10', 'cpufreq']) mkdirSync(join(dir, c));
  for (const c of ['cpu10', 'cpu0', 'cpufreq']) mkdirSync(join(dir, c, 'thermal_throttle'));
  assert.deepEqual(thermalThrottlePaths(dir), [`${dir}/cpu0/thermal_throttle`, `${dir}/cpu10/thermal_throttle`]);
  assert.deepEqual(dockerMaskedPaths().slice(0, DOCKER_MASKED_PATHS.length), [...DOCKER_MASKED_PATHS]);
});

test('the engine and the image layer write the same security defaults', (t) => {
  const rootfs = mkdtempSync(join(tmpdir(), 'berth-rootfs-'));
  t.after(() => rmSync(rootfs, { recursive: true, force: true }));
  const fromImage = specFromImage({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Cmd: ['sh'] } }, rootfs, 'c'.repeat(64));
  const inp = {
    id: 'c1', rootfs, user: { uid: 0, gid: 0, additionalGids: [], home: '/root' }, netnsPath: '', hostsPath: '/h', hostnamePath: '/hn', resolvConfPath: '/r', mountSources: [],
    config: {
      image: 'busybox', entrypoint: [], cmd: ['sh'], env: [], tty: false, hostname: 'c1', workingDir: '', mounts: [], capAdd: [], capDrop: [], privileged: false,
      readOnly: false, noNewPrivileges: false, shmSize: 67108864, networkMode: 'none', init: false,
    },
  } as unknown as SpecInputs;
  const fromEngine = buildSpec(inp);
  assert.deepEqual(fromEngine.linux!.maskedPaths, fromImage.linux!.maskedPaths);
  assert.deepEqual(fromEngine.linux!.readonlyPaths, fromImage.linux!.readonlyPaths);
  assert.deepEqual(fromEngine.process!.capabilities!.bounding, fromImage.process!.capabilities!.bounding);
  assert.ok(fromEngine.linux!.maskedPaths!.includes('/proc/interrupts'));
});
