// Parser nodes → typed instructions. Errors name the file, the line and the instruction.
import { args as argList, type Node } from '../parser/index.ts';
import { Flags } from './flags.ts';
import type { HeredocFile, Instruction, KeyValue, Source } from './types.ts';

export class InstructionError extends Error {
  override name = 'InstructionError';
  readonly file: string;
  readonly line: number;
  constructor(src: Source, instruction: string, detail: string) {
    super(`${src.file}:${src.line}: ${instruction.toUpperCase()}: ${detail}`);
    this.file = src.file;
    this.line = src.line;
  }
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("30s", "1m30s") in nanoseconds. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  let total = 0;
  let rest = s;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`time: invalid duration "${s}"`);
    total += Number(m[1]) * UNIT_NS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

function pairs(n: Node): KeyValue[] {
  const a = argList(n);
  const out: KeyValue[] = [];
  for (let i = 0; i + 1 < a.length; i += 3) out.push({ key: a[i], value: a[i + 1] });
  return out;
}

function heredocs(n: Node): HeredocFile[] {
  return n.heredocs.map((h) => ({ name: h.name, content: h.content, expand: h.expand, chomp: h.chomp, fd: h.fileDescriptor }));
}

export function parseInstruction(n: Node, file: string): Instruction {
  const src: Source = { file, line: n.startLine, original: n.original.trim() };
  const kind = n.value.toLowerCase();
  const fail = (d: string): never => { throw new InstructionError(src, kind, d); };
  const a = argList(n);
  const flags = (decl: Record<string, 'string' | 'bool' | 'strings'>) => {
    const f = new Flags(kind.toUpperCase(), n.flags);
    for (const [k, v] of Object.entries(decl)) f.declare(k, v);
    try { return f.parse(); } catch (e) { return fail((e as Error).message.replace(/^\w+: /, '')); }
  };
  const exactlyOne = () => { if (a.length !== 1) fail(`requires exactly one argument`); return a[0]; };
  const noFlags = () => { if (n.flags.length) flags({}); };
  switch (kind) {
    case 'from': {
      const f = flags({ platform: 'string' });
      if (a.length !== 1 && !(a.length === 3 && a[1].toLowerCase() === 'as')) fail('requires either one or three arguments');
      const stageName = a.length === 3 ? a[2].toLowerCase() : undefined;
      if (stageName !== undefined && !/^[a-z][a-z0-9-_.]*$/.test(stageName)) fail(`invalid name for build stage: "${a[2]}", name can't start with a number or contain symbols`);
      return { ...src, kind, image: a[0], stageName, platform: f.string('platform') };
    }
    case 'arg': {
      noFlags();
      if (!a.length) fail('requires at least one argument');
      return { ...src, kind, args: a.map((w) => { const i = w.indexOf('='); return i < 0 ? { key: w } : { key: w.slice(0, i), value: w.slice(i + 1) }; }) };
    }
    case 'env': case 'label': {
      noFlags();
      const p = pairs(n);
      if (!p.length) fail('requires at least one argument');
      return { ...src, kind, pairs: p };
    }
    case 'maintainer': noFlags(); return { ...src, kind, maintainer: exactlyOne() };
    case 'run': {
      const f = flags({ mount: 'strings', network: 'string', security: 'string' });
      if (!a.length && !n.json) fail('requires at least one argument');
      const net = f.string('network');
      if (net !== undefined && !['default', 'none', 'host'].includes(net)) fail(`unsupported network mode "${net}"`);
      const sec = f.string('security');
      if (sec !== undefined && !['insecure', 'sandbox'].includes(sec)) fail(`unsupported security mode "${sec}"`);
      return { ...src, kind, cmd: a, prependShell: !n.json, heredocs: heredocs(n), mounts: f.strings('mount'), network: net, security: f.string('security') };
    }
    case 'cmd': case 'entrypoint': noFlags(); return { ...src, kind, cmd: a, prependShell: !n.json };
    case 'shell': {
      noFlags();
      if (!n.json) fail('requires the arguments to be in JSON form');
      if (!a.length) fail('requires at least one argument');
      return { ...src, kind, shell: a };
    }
    case 'copy': case 'add': {
      const f = flags(kind === 'copy'
        ? { chown: 'string', chmod: 'string', from: 'string', link: 'bool', parents: 'bool', exclude: 'strings' }
        : { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool', exclude: 'strings' });
      if (a.length < 2) fail(`requires at least two arguments, but only one was provided. Destination could not be determined`);
      const docs = heredocs(n);
      const names = new Set(docs.map((h) => h.name));
      const sources = a.slice(0, -1).filter((s) => !(s.startsWith('<<') && names.has(s.replace(/^<<-?/, '').replace(/^(['"])(.*)\1$/, '$2'))));
      return {
        ...src, kind, sources, dest: a[a.length - 1], heredocs: docs, from: f.string('from'), chown: f.string('chown'), chmod: f.string('chmod'),
        link: f.bool('link'), parents: f.bool('parents'), excludes: f.strings('exclude'), checksum: f.string('checksum'),
        keepGitDir: f.bool('keep-git-dir'), unpack: f.bool('unpack'),
      };
    }
    case 'workdir': noFlags(); return { ...src, kind, path: exactlyOne() };
    case 'user': noFlags(); return { ...src, kind, user: exactlyOne() };
    case 'stopsignal': noFlags(); return { ...src, kind, signal: exactlyOne() };
    case 'expose': noFlags(); if (!a.length) fail('requires at least one argument'); return { ...src, kind, ports: a };
    case 'volume': {
      noFlags();
      if (!a.length) fail('requires at least one argument');
      const v = a.map((s) => s.trim());
      if (v.some((s) => s === '')) fail('VOLUME specified can not be an empty string');
      return { ...src, kind, volumes: v };
    }
    case 'healthcheck': {
      if (!a.length) fail('requires at least one argument');
      const typ = a[0].toUpperCase();
      if (typ === 'NONE') {
        if (a.length > 1) fail('HEALTHCHECK NONE takes no arguments');
        noFlags();
        return { ...src, kind, test: 'NONE' };
      }
      if (typ !== 'CMD') fail(`Unknown type "${a[0]}" in HEALTHCHECK (try CMD)`);
      if (a.length < 2) fail('Missing command after HEALTHCHECK CMD');
      const f = flags({ interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' });
      const dur = (name: string) => {
        const v = f.string(name);
        if (v === undefined) return undefined;
        let d = 0;
        try { d = parseDuration(v); } catch (e) { fail((e as Error).message); }
        if (d !== 0 && d < 1e6) fail(`Interval "${name}" cannot be less than 1ms`);
        return d;
      };
      const r = f.string('retries');
      const retries = r === undefined ? undefined : Number(r);
      if (retries !== undefined && (!Number.isInteger(retries))) fail(`invalid --retries value: ${r}`);
      if (retries !== undefined && retries < 0) fail(`--retries cannot be negative (${retries})`);
      const test = n.json ? ['CMD', ...a.slice(1)] : ['CMD-SHELL', a.slice(1).join(' ')];
      return { ...src, kind, test, interval: dur('interval'), timeout: dur('timeout'), startPeriod: dur('start-period'), startInterval: dur('start-interval'), retries };
    }
    case 'onbuild': {
      const inner = n.next?.children[0];
      if (!inner) fail('requires at least one argument');
      const t = inner!.value.toUpperCase();
      if (t === 'ONBUILD') fail('Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
      if (t === 'FROM' || t === 'MAINTAINER') fail(`${t} isn't allowed as an ONBUILD trigger`);
      return { ...src, kind, expression: inner!.original.trim() };
    }
    default:
      return fail(`unknown instruction: ${n.value}`);
  }
}

/** All instructions of a parsed file; the first error stops (with its file:line). */
export function parseInstructions(children: Node[], file: string): Instruction[] {
  return children.map((c) => parseInstruction(c, file));
}
