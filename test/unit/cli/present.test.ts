// The presentation helpers every berth command uses, against what docker prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignTabs, bytesSize, execute, formatDocs, formatItems, goTime, goValue, humanDuration, humanSize, layoutTable, parseTemplate, timeAgo, TemplateError,
} from '../../../src/cli/present/index.ts';

const tpl = (src: string, data: unknown, strict = false) => execute(parseTemplate(src), data, { strict });

test('humanSize: go-units HumanSizeWithPrecision(n, 3), decimal', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1000), '1kB');
  assert.equal(humanSize(1234), '1.23kB');
  assert.equal(humanSize(4_261_296), '4.26MB');
  assert.equal(humanSize(12_500_000), '12.5MB');
  assert.equal(humanSize(100_000_000), '100MB');
  assert.equal(humanSize(1_500_000_000), '1.5GB');
  assert.equal(humanSize(999_999), '1e+03kB', 'Go %.3g switches to an exponent at 3 digits');
});

test('bytesSize: go-units BytesSize, binary with %.4g', () => {
  assert.equal(bytesSize(0), '0B');
  assert.equal(bytesSize(1024), '1KiB');
  assert.equal(bytesSize(1536 * 1024), '1.5MiB');
  assert.equal(bytesSize(2_040_109_465), '1.9GiB');
  assert.equal(bytesSize(123_456_789), '117.7MiB');
});

test('humanDuration: go-units HumanDuration', () => {
  const s = 1000, m = 60 * s, h = 60 * m, d = 24 * h;
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(1 * s), '1 second');
  assert.equal(humanDuration(59 * s), '59 seconds');
  assert.equal(humanDuration(60 * s), 'About a minute');
  assert.equal(humanDuration(119 * s), 'About a minute');
  assert.equal(humanDuration(2 * m), '2 minutes');
  assert.equal(humanDuration(59 * m), '59 minutes');
  assert.equal(humanDuration(60 * m), 'About an hour');
  assert.equal(humanDuration(89 * m), 'About an hour');
  assert.equal(humanDuration(90 * m), '2 hours', 'hours round half up');
  assert.equal(humanDuration(47 * h), '47 hours');
  assert.equal(humanDuration(48 * h), '2 days');
  assert.equal(humanDuration(13 * d), '13 days');
  assert.equal(humanDuration(14 * d), '2 weeks');
  assert.equal(humanDuration(60 * d), '2 months');
  assert.equal(humanDuration(730 * d), '2 years');
  const now = Date.parse('2024-01-01T03:00:00Z');
  assert.equal(timeAgo('2024-01-01T00:00:00Z', now), '3 hours ago');
  assert.equal(timeAgo(undefined, now), 'N/A');
  assert.equal(goTime('2024-01-01T00:00:00.123Z'), '2024-01-01 00:00:00 +0000 UTC');
});

test('tables: tabwriter minwidth 10, padding 3, last column unpadded', () => {
  assert.equal(layoutTable([['REPOSITORY', 'TAG', 'SIZE'], ['busybox', 'latest', '4.26MB']]), 'REPOSITORY   TAG       SIZE\nbusybox      latest    4.26MB\n');
  assert.equal(layoutTable([['CONTAINER ID', 'NAMES'], ['0123456789ab', 'a…']]), 'CONTAINER ID   NAMES\n0123456789ab   a…\n');
  assert.equal(alignTabs('A\tB\nlonger value\tC\n'), 'A              B\nlonger value   C\n');
});

test('templates: fields, Go values, docker functions', () => {
  const data = { ID: 'abc', Name: 'hello world', Config: { Cmd: ['sh', '-c'], Labels: { b: '2', a: '1' }, Env: null }, N: 3 };
  assert.equal(tpl('{{.ID}}\\t{{.Config.Cmd}}', data), 'abc\t[sh -c]');
  assert.equal(tpl('{{json .Config.Cmd}}', data), '["sh","-c"]');
  assert.equal(tpl('{{ .Config.Labels }}', data), 'map[a:1 b:2]');
  assert.equal(tpl('{{.Config.Env}} {{.Config.Nope}}', data), '<nil> <no value>');
  assert.equal(tpl('{{upper .ID}}-{{lower "X"}}-{{title .Name}}', data), 'ABC-x-Hello World');
  assert.equal(tpl('{{join .Config.Cmd ","}}|{{split "a:b" ":"}}|{{index .Config.Labels "a"}}|{{index .Config.Cmd 1}}|{{len .Config.Cmd}}', data), 'sh,-c|[a b]|1|-c|2');
  assert.equal(tpl('[{{pad .ID 1 2}}][{{truncate .Name 5}}][{{truncate "ab" 5}}]', data), '[ abc  ][hello][ab]');
  assert.equal(tpl('{{.ID | upper}} {{.Config.Cmd | json}} {{printf "%s=%d" .ID .N}}', data), 'ABC ["sh","-c"] abc=3');
  assert.equal(tpl('{{println .ID}}', data), 'abc\n');
  assert.equal(tpl('{{json .}}', { A: 1 }), '{"A":1}');
  assert.equal(tpl('{{.Label "b"}}|{{.Label "nope"}}', { Labels: 'a=1,b=x=y' }, true), 'x=y|');
});

test('templates: if/else if/else, range with variables, with, trim markers', () => {
  const data = { Running: false, Paused: true, Nets: { bridge: { IP: '10.0.0.2' }, a: { IP: '10.1.0.2' } }, L: ['x', 'y'], E: [] };
  assert.equal(tpl('{{if .Running}}up{{else if .Paused}}paused{{else}}down{{end}}', data), 'paused');
  assert.equal(tpl('{{range .Nets}}{{.IP}} {{end}}', data), '10.1.0.2 10.0.0.2 ');
  assert.equal(tpl('{{range $k, $v := .Nets}}{{$k}}={{$v.IP}};{{end}}', data), 'a=10.1.0.2;bridge=10.0.0.2;');
  assert.equal(tpl('{{range $i, $e := .L}}{{$i}}{{$e}}{{end}}{{range .E}}x{{else}}empty{{end}}', data), '0x1yempty');
  assert.equal(tpl('{{with .Nets.bridge}}{{.IP}}{{end}}{{with .Nope}}no{{else}}-{{end}}', data), '10.0.0.2-');
  assert.equal(tpl('{{if eq .Nets.a.IP "10.1.0.2"}}yes{{end}} {{if and .Paused (not .Running)}}p{{end}} {{$.Paused}}', data), 'yes p true');
  assert.equal(tpl('a  {{- "b" -}}  c', data), 'abc');
});

test('template errors are typed and say what is wrong', () => {
  assert.throws(() => parseTemplate('{{.ID'), (e: unknown) => e instanceof TemplateError && /unclosed action/.test((e as Error).message));
  assert.throws(() => parseTemplate('{{nosuch .ID}}'), /function "nosuch" not defined/);
  assert.throws(() => parseTemplate('{{range .X}}'), /unexpected EOF/);
  assert.throws(() => tpl('{{.Nope}}', { ID: 1 }, true), /can't evaluate field Nope/);
  assert.throws(() => tpl('{{.ID.X}}', { ID: 'a' }), /can't evaluate field X in type string/);
});

test('formatItems and formatDocs: json, table, table TEMPLATE, bare template', () => {
  const items = [{ Repository: 'busybox', Tag: 'latest' }, { Repository: 'alpine', Tag: '3' }];
  const headers = { Repository: 'REPOSITORY', Tag: 'TAG' };
  assert.equal(formatItems(items, 'json', '', headers), '{"Repository":"busybox","Tag":"latest"}\n{"Repository":"alpine","Tag":"3"}\n');
  assert.equal(formatItems(items, '{{.Repository}}:{{.Tag}}', '', headers), 'busybox:latest\nalpine:3\n');
  assert.equal(formatItems(items, 'table {{.Repository}}\t{{.Tag}}', '', headers), 'REPOSITORY   TAG\nbusybox      latest\nalpine       3\n');
  assert.equal(formatItems(items, 'table {{upper .Repository}}\\t{{.Tag}}', '', headers), 'REPOSITORY   TAG\nBUSYBOX      latest\nALPINE       3\n');
  assert.equal(formatItems(items, undefined, '{{.Tag}}', headers), 'TAG\nlatest\n3\n');
  assert.equal(formatDocs([{ Id: 'x', State: { Running: true } }], '{{.Id}} {{.State.Running}}'), 'x true\n');
  assert.equal(formatDocs([{ A: 1 }], undefined), '[\n    {\n        "A": 1\n    }\n]\n');
  assert.equal(goValue([]), '[]');
});
