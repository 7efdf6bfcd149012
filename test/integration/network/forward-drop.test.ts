// berth's per-network rules under a FORWARD policy of DROP (as docker sets it), in a private
// network namespace: the scenario (forward-drop.scenario.ts) runs under `unshare -n`, so the
// host's own FORWARD chain is never touched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { removeNetns } from '../../../src/network/index.ts';
import { isRoot, makeTemp, removeTemp } from '../../helpers/rootfs.ts';

const scenario = join(import.meta.dirname, 'forward-drop.scenario.ts');

test('FORWARD policy DROP: same bridge, outside (masqueraded) and published ports pass, other networks do not',
  { skip: !isRoot && 'needs root' }, async (t) => {
    const root = makeTemp('berth-test-fwd-');
    const netnsDir = join(root, 'netns');
    mkdirSync(netnsDir);
    t.after(async () => {
      // The scenario cleans up itself; this is for a scenario that died half-way.
      for (const f of readdirSync(netnsDir)) await removeNetns(join(netnsDir, f)).catch(() => undefined);
      removeTemp(root);
    });
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('unshare', ['-n', process.execPath, scenario, join(root, 'state'), netnsDir], { timeout: 60_000 }, (err, so, se) => {
        if (err) reject(new Error(`${err.message}\n${se}`));
        else resolve(so);
      });
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.policy, '-P FORWARD DROP');
    assert.equal(r.sameBridge, true, 'same-bridge traffic passes');
    // The outside namespace has no route to the subnet: a reply proves the masquerade.
    assert.equal(r.outside, true, 'egress to the outside through FORWARD and MASQUERADE');
    assert.equal(r.otherNetwork, false, 'network 1 must not reach network 2');
    assert.equal(r.otherNetworkBack, false, 'network 2 must not reach network 1');
    assert.match(String(r.published), /published/, 'a published port answers from outside');
    assert.equal(r.outsideWithoutRules, false, 'without the rules, the DROP policy stops egress');
    // Bridged traffic passes through FORWARD only with bridge-nf-call-iptables on.
    if (r.bridgeNf) assert.equal(r.sameBridgeWithoutRules, false, 'without the rules, bridged traffic is dropped too');
    assert.equal(r.reensured, true);
    assert.equal(r.outsideAgain, true, 'rules back, egress back');
    assert.match(String(r.rules), /-A BERTH-FORWARD -i berth-[0-9a-f]{9} -m comment --comment "berth network n1" -j ACCEPT/);
    assert.deepEqual(readdirSync(netnsDir), [], 'the scenario removed its namespaces');
    t.diagnostic(String(r.rules));
  });
