import { test } from 'node:test';
import assert from 'node:assert/strict';
import { namesBridge, networkRules, parseSave, planEnsure, planRemove, ruleLine } from '../../../src/network/rules.ts';

const n1 = { name: 'web', bridge: 'berth-abc', subnet: '10.89.3.0/24', internal: false };
const n2 = { name: 'db', bridge: 'berth-abcd', subnet: '10.89.4.0/24', internal: true };

const EMPTY = `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -j DOCKER-USER
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
COMMIT
`;

/** The dump iptables-save would print after restoring `input` on top of `base` with --noflush
 * (only the operations planEnsure emits: chain declarations, -I CHAIN 1, -A, -D). */
function applied(base: string, input: string): string {
  const tables = parseSave(base);
  let cur = '';
  for (const line of input.split('\n')) {
    if (line.startsWith('*')) cur = line.slice(1);
    const t = tables.get(cur)!;
    if (line.startsWith(':')) t.chains.add(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) t.rules.push(line);
    else if (line.startsWith('-D ')) t.rules.splice(t.rules.indexOf(`-A${line.slice(2)}`), 1);
    else if (line.startsWith('-I ')) {
      const [, chain, , ...rest] = line.split(' ');
      const at = t.rules.findIndex((r) => r.split(' ')[1] === chain);
      t.rules.splice(at < 0 ? t.rules.length : at, 0, ['-A', chain, ...rest].join(' '));
    }
  }
  return [...tables].map(([name, t]) => [`*${name}`, ...[...t.chains].map((c) => `:${c} - [0:0]`), ...t.rules, 'COMMIT'].join('\n')).join('\n') + '\n';
}

test('from nothing: chains, hooks at the top of FORWARD, and every rule of the network', () => {
  const plan = planEnsure(parseSave(EMPTY), n1)!;
  assert.match(plan, /^:BERTH-FORWARD - \[0:0\]$/m);
  assert.match(plan, /^:BERTH-POSTROUTING - \[0:0\]$/m);
  assert.match(plan, /^-I FORWARD 1 -m comment --comment "berth networks" -j BERTH-FORWARD$/m);
  assert.match(plan, /^-A POSTROUTING -m comment --comment "berth networks" -j BERTH-POSTROUTING$/m);
  for (const r of networkRules(n1)) assert.ok(plan.includes(ruleLine(r)), ruleLine(r));
  assert.match(plan, /^-A BERTH-POSTROUTING -s 10\.89\.3\.0\/24 ! -d 224\.0\.0\.0\/4 ! -o berth-abc -m comment --comment "berth network web" -j MASQUERADE$/m);
  // The built-in chains are never declared (that would flush them).
  assert.doesNotMatch(plan, /^:FORWARD/m);
});

test('in place means nothing to do; a second network leaves the first alone', () => {
  const once = applied(EMPTY, planEnsure(parseSave(EMPTY), n1)!);
  assert.equal(planEnsure(parseSave(once), n1), undefined);
  assert.match(once.split('\n').filter((l) => l.startsWith('-A FORWARD'))[0], /BERTH-FORWARD/, 'our hook is above DOCKER-USER');
  const plan2 = planEnsure(parseSave(once), n2)!;
  assert.doesNotMatch(plan2, /^:/m, 'chains exist already');
  assert.doesNotMatch(plan2, /^-D/m);
  assert.doesNotMatch(plan2, /berth network web/);
  const twice = applied(once, plan2);
  assert.equal(planEnsure(parseSave(twice), n1), undefined);
  assert.equal(planEnsure(parseSave(twice), n2), undefined);
  // The isolation jump stays first in BERTH-FORWARD, before any network's ACCEPT.
  assert.match(twice.split('\n').find((l) => l.startsWith('-A BERTH-FORWARD'))!, /-j BERTH-ISOLATION-STAGE-1$/);
});

test('an internal network: no masquerade, same-bridge ACCEPT before its DROPs', () => {
  const lines = networkRules(n2).map((r) => ruleLine(r));
  assert.ok(!lines.some((l) => l.includes('MASQUERADE')));
  const fwd = lines.filter((l) => l.startsWith('-A BERTH-FORWARD '));
  assert.deepEqual(fwd.map((l) => l.split(' -j ')[1]), ['ACCEPT', 'DROP', 'DROP']);
  assert.match(fwd[0], /-i berth-abcd -o berth-abcd /);
});

test('a doubled or stray rule of the network is replaced by the exact set', () => {
  const once = applied(EMPTY, planEnsure(parseSave(EMPTY), n1)!);
  const masq = ruleLine(networkRules(n1).find((r) => r.chain === 'BERTH-POSTROUTING')!);
  const doubled = once.replace(masq, `${masq}\n${masq}`);
  const plan = planEnsure(parseSave(doubled), n1)!;
  assert.equal(plan.split('\n').filter((l) => l === `-D${masq.slice(2)}`).length, 2);
  assert.equal(planEnsure(parseSave(applied(doubled, plan)), n1), undefined);
  assert.doesNotMatch(plan, /^\*filter/m, 'the filter table is not touched');
  // Same bridge, old subnet (a network re-made under that name): the old rule goes.
  const stale = once.replace('10.89.3.0/24', '10.89.9.0/24');
  assert.match(planEnsure(parseSave(stale), n1)!, /^-D BERTH-POSTROUTING -s 10\.89\.9\.0\/24 /m);
});

test('removal deletes only our chains\' rules for that bridge', () => {
  const both = applied(applied(EMPTY, planEnsure(parseSave(EMPTY), n1)!), planEnsure(parseSave(EMPTY), n2)!)
    .replace('COMMIT', '-A CNI-ISOLATION-STAGE-2 -o berth-abc -j DROP\nCOMMIT');
  const plan = planRemove(parseSave(both), n1.bridge)!;
  const deletes = plan.split('\n').filter((l) => l.startsWith('-D '));
  assert.equal(deletes.length, networkRules(n1).length);
  assert.ok(deletes.every((l) => l.includes('"berth network web"')));
  const after = applied(both, plan);
  assert.equal(planRemove(parseSave(after), n1.bridge), undefined);
  assert.equal(planEnsure(parseSave(after), n2), undefined, 'the other network keeps its rules');
});

test('namesBridge matches whole interface names only', () => {
  assert.ok(namesBridge('-A BERTH-FORWARD -i berth-abc -j ACCEPT', 'berth-abc'));
  assert.ok(namesBridge('-A BERTH-POSTROUTING -s 10.0.0.0/8 ! -o berth-abc -j MASQUERADE', 'berth-abc'));
  assert.ok(!namesBridge('-A BERTH-FORWARD -i berth-abcd -j ACCEPT', 'berth-abc'));
  assert.ok(!namesBridge('-A BERTH-FORWARD -m comment --comment "-i berth-abc" -j ACCEPT', 'berth-abc'));
});
