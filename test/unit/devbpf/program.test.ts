// The generated cgroup v2 device program, run in the TypeScript eBPF interpreter against the
// v1 semantics it must reproduce: default allow, later rules override earlier ones per access
// letter, wildcards, and the rule list every container gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, deviceProgram, deviceProgramBytes, DeviceRuleError, runDeviceProgram, type DeviceRequest, type DeviceRuleText } from '../../../src/runtime/devbpf/index.ts';
import { deviceRules } from '../../../src/runtime/cgroups/devices.ts';

const allow = (rule: string): DeviceRuleText => ({ allow: true, rule });
const deny = (rule: string): DeviceRuleText => ({ allow: false, rule });
const dev = (type: 'b' | 'c', major: number, minor: number, access: string): DeviceRequest => ({ type, major, minor, access });
const check = (rules: DeviceRuleText[], req: DeviceRequest) => runDeviceProgram(deviceProgram(rules), req);

/** The same decision, computed the slow way: per requested letter, the last matching rule. */
function reference(rules: DeviceRuleText[], req: DeviceRequest): number {
  for (const letter of req.access) {
    let verdict = true;
    for (const r of rules) {
      const f = r.rule.split(' ');
      const letters = f[0] === 'a' ? 'rwm' : f[2];
      if (!letters.includes(letter)) continue;
      if (f[0] !== 'a') {
        const [ma, mi] = f[1].split(':');
        if (f[0] !== req.type || (ma !== '*' && Number(ma) !== req.major) || (mi !== '*' && Number(mi) !== req.minor)) continue;
      }
      verdict = r.allow;
    }
    if (!verdict) return 0;
  }
  return 1;
}

test('no rules allow everything; deny-all then allows open exactly those', () => {
  assert.equal(check([], dev('c', 1, 3, 'rw')), 1);
  const rules = [deny('a'), allow('c 1:3 rwm'), allow('c 136:* rw'), allow('b *:* m')];
  assert.equal(check(rules, dev('c', 1, 3, 'rwm')), 1);
  assert.equal(check(rules, dev('c', 1, 5, 'r')), 0);
  assert.equal(check(rules, dev('c', 136, 7, 'rw')), 1);
  assert.equal(check(rules, dev('c', 136, 7, 'm')), 0, 'pts: no mknod');
  assert.equal(check(rules, dev('b', 8, 0, 'm')), 1);
  assert.equal(check(rules, dev('b', 8, 0, 'r')), 0);
  assert.equal(check(rules, dev('c', 1, 3, '')), 1, 'nothing asked, nothing refused');
});

test('later rules override earlier ones letter by letter', () => {
  const rules = [allow('c 1:3 rwm'), deny('c 1:3 w')];
  assert.equal(check(rules, dev('c', 1, 3, 'r')), 1);
  assert.equal(check(rules, dev('c', 1, 3, 'w')), 0);
  assert.equal(check(rules, dev('c', 1, 3, 'rw')), 0, 'one refused letter refuses the request');
  assert.equal(check([deny('c 1:3 rwm'), allow('c 1:3 r')], dev('c', 1, 3, 'r')), 1);
  assert.equal(check([deny('a'), allow('c 1:3 r'), allow('c 1:3 w')], dev('c', 1, 3, 'rw')), 1);
  assert.equal(check([allow('c 1:3 rw'), deny('a')], dev('c', 1, 3, 'r')), 0, 'a final deny-all wins');
});

test('the container default rule list matches the reference on every device and access', () => {
  const rules = [deny('a'), ...deviceRules([{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 9, access: 'w' }], [], true).map((r) => ({ allow: r.allow, rule: r.rule }))];
  const prog = deviceProgram(rules);
  let n = 0;
  for (const type of ['b', 'c'] as const) {
    for (const [major, minor] of [[1, 3], [1, 5], [1, 9], [1, 8], [5, 0], [5, 1], [5, 2], [10, 200], [10, 229], [136, 0], [136, 99], [8, 0], [4, 1]]) {
      for (const access of ['r', 'w', 'm', 'rw', 'rwm', 'wm']) {
        assert.equal(runDeviceProgram(prog, dev(type, major, minor, access)), reference(rules, dev(type, major, minor, access)), `${type} ${major}:${minor} ${access}`);
        n++;
      }
    }
  }
  assert.equal(n, 156);
  assert.equal(runDeviceProgram(prog, dev('c', 10, 229, 'rw')), 1, 'spec allow');
  assert.equal(runDeviceProgram(prog, dev('c', 4, 1, 'r')), 0, 'not listed');
  // The defaults come after the spec's rules (as for v1), so they win over its deny of 1:9 w.
  assert.equal(runDeviceProgram(prog, dev('c', 1, 9, 'w')), 1);
});

test('bytes round-trip; bad rules are refused with the rule named', () => {
  const rules = [deny('a'), allow('c 1:3 rwm')];
  assert.deepEqual(decode(deviceProgramBytes(rules)), deviceProgram(rules));
  assert.equal(deviceProgramBytes(rules).length % 8, 0);
  assert.throws(() => deviceProgram([allow('c 1:3 rx')]), (e: unknown) => e instanceof DeviceRuleError && /"c 1:3 rx".*"x"/.test(e.message));
  assert.throws(() => deviceProgram([allow('x 1:3 r')]), DeviceRuleError);
  assert.throws(() => deviceProgram([allow('c 1 r')]), /MAJOR:MINOR/);
});
