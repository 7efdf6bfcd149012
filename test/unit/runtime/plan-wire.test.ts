// The plan's wire format (docs/plan-format.md): records of u32le field count, then u32le length
// + bytes per field. encodeSteps packs every record into one buffer; check the exact bytes and
// that the runtime's own reader gets the fields back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecord, encodeSteps, RecordReader, stepFields, type Step } from '../../../src/runtime/plan.ts';

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const field = (b: Buffer) => Buffer.concat([u32(b.length), b]);

test('encodeRecord writes the count, then length-prefixed UTF-8 strings and raw buffers', () => {
  const raw = Buffer.from([0, 255, 1]);
  const got = encodeRecord(['state', 'é✓', '', raw]);
  const want = Buffer.concat([u32(4), field(Buffer.from('state')), field(Buffer.from('é✓', 'utf8')), field(Buffer.alloc(0)), field(raw)]);
  assert.deepEqual(got, want);
});

test('encodeSteps is the plan header then one record per step, and reads back field for field', () => {
  const steps: Step[] = [
    { op: 'clone', namespaces: ['pid', 'mount'] },
    { op: 'sethostname', name: 'hôte' },
    { op: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: '', create: 'dir' },
    { op: 'seccomp', flags: 0, filter: Buffer.from([6, 0, 0, 0, 0, 0, 255, 127]) },
    { op: 'exec', path: '/bin/true', args: ['true', 'ünï'], env: ['A=1'] },
  ];
  const wire = encodeSteps(steps);
  const want = Buffer.concat([encodeRecord(['plan', '1', String(steps.length)]), ...steps.map((s) => encodeRecord(stepFields(s)))]);
  assert.deepEqual(wire, want);
  // Fed in uneven chunks, as a socket would deliver it.
  const reader = new RecordReader();
  const recs: string[][] = [];
  for (let i = 0; i < wire.length; i += 7) recs.push(...reader.push(wire.subarray(i, i + 7)));
  assert.equal(recs.length, steps.length + 1);
  assert.deepEqual(recs[0], ['plan', '1', '5']);
  assert.deepEqual(recs[2], ['sethostname', 'hôte']);
  assert.deepEqual(recs[5], ['exec', '/bin/true', '2', 'true', 'ünï', 'A=1']);
});
