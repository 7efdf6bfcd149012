// The part of Go's text/template that docker's --format strings use, with docker's functions
// (docker/cli templates: json, split, join, title, lower, upper, pad, truncate, println) and
// text/template's builtins (print, printf, println, index, len, eq, ne, lt, le, gt, ge, and,
// or, not). Actions: {{.A.B}}, {{$}}, {{$v}}, pipelines {{.X | json}}, parentheses,
// {{if}}/{{else if}}/{{else}}/{{end}}, {{range}} (with `$i, $v :=`), {{with}}, {{- trim -}}.
// Values print as Go prints an interface{}: lists `[a b]`, maps `map[k:v]`, null `<nil>`, a
// missing key `<no value>`.

export class TemplateError extends Error {
  override name = 'TemplateError';
  constructor(message: string) { super(`template: ${message}`); }
}

type Arg =
  | { k: 'field'; base: 'dot' | string; path: string[] }   // .A.B, $.A, $v.A
  | { k: 'lit'; v: unknown }
  | { k: 'fn'; name: string }
  | { k: 'pipe'; pipe: Pipe; path: string[] };
type Cmd = Arg[];
interface Pipe { decl: string[]; cmds: Cmd[] }
type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; pipe: Pipe }
  | { t: 'if' | 'with' | 'range'; pipe: Pipe; body: Node[]; alt: Node[] };
export interface Template { nodes: Node[]; source: string }

// ── lexing and parsing ──

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|((?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|(-?\d+(?:\.\d+)?)|(:=|\||\(|\)(?:(?:\.[A-Za-z_][A-Za-z0-9_]*)+)?|,)|([A-Za-z_][A-Za-z0-9_]*))/y;

function tokenize(action: string, src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.length) {
    if (/^\s*$/.test(action.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(action);
    if (!m) throw new TemplateError(`${JSON.stringify(src)}: bad syntax in action {{${action}}}`);
    out.push(m[0].trim());
  }
  return out;
}

class Parser {
  private i = 0;
  private toks: string[];
  private src: string;
  constructor(toks: string[], src: string) { this.toks = toks; this.src = src; }
  private bad(what: string): never { throw new TemplateError(`${JSON.stringify(this.src)}: ${what}`); }
  pipe(): Pipe {
    const decl: string[] = [];
    const save = this.i;
    while (this.toks[this.i]?.startsWith('$') && /^\$[A-Za-z0-9_]*$/.test(this.toks[this.i])) {
      decl.push(this.toks[this.i++]);
      if (this.toks[this.i] === ',') { this.i++; continue; }
      if (this.toks[this.i] === ':=') { this.i++; break; }
      decl.length = 0; this.i = save; break;
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const cmd: Cmd = [];
      while (this.i < this.toks.length && this.toks[this.i] !== '|' && !this.toks[this.i].startsWith(')')) cmd.push(this.operand());
      if (!cmd.length) this.bad('missing value for command');
      cmds.push(cmd);
      if (this.toks[this.i] !== '|') break;
      this.i++;
    }
    return { decl, cmds };
  }
  private operand(): Arg {
    const t = this.toks[this.i++];
    if (t === '(') {
      const pipe = this.pipe();
      const close = this.toks[this.i++];
      if (!close?.startsWith(')')) this.bad('unclosed left paren');
      return { k: 'pipe', pipe, path: close.slice(1).split('.').filter(Boolean) };
    }
    if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) as string };
    if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
    if (t === '.') return { k: 'field', base: 'dot', path: [] };
    if (t.startsWith('.')) return { k: 'field', base: 'dot', path: t.slice(1).split('.') };
    if (t.startsWith('$')) { const [v, ...path] = t.split('.'); return { k: 'field', base: v, path }; }
    if (/^-?\d/.test(t)) return { k: 'lit', v: Number(t) };
    if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
    if (t === 'nil') return { k: 'lit', v: null };
    if (t in FUNCS) return { k: 'fn', name: t };
    return this.bad(`function "${t}" not defined`);
  }
  done(): void { if (this.i < this.toks.length) this.bad(`unexpected "${this.toks[this.i]}" in operand`); }
}

export function parseTemplate(source: string): Template {
  const src = source.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const parts: ({ text: string } | { action: string })[] = [];
  let rest = src;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open === -1) { parts.push({ text: rest }); break; }
    const close = rest.indexOf('}}', open);
    if (close === -1) throw new TemplateError(`${JSON.stringify(source)}: unclosed action`);
    let text = rest.slice(0, open);
    let action = rest.slice(open + 2, close);
    if (action.startsWith('- ')) { text = text.replace(/\s+$/, ''); action = action.slice(2); }
    parts.push({ text }, { action });
    rest = rest.slice(close + 2);
    if (action.endsWith(' -')) rest = rest.replace(/^\s+/, '');
  }
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j];
    if ('action' in p && p.action.endsWith(' -')) p.action = p.action.slice(0, -2);
  }
  let pos = 0;
  const pipeOf = (text: string): Pipe => {
    const parser = new Parser(tokenize(text, source), source);
    const pipe = parser.pipe();
    parser.done();
    return pipe;
  };
  // if/with/range up to its {{end}}; an {{else if}} nests the next `if` in the alternative,
  // and that nested one consumes the shared {{end}}.
  const control = (kind: 'if' | 'with' | 'range', pipe: Pipe): Node => {
    const body = block(['else', 'end']);
    let alt: Node[] = [];
    if (body.end === 'else') alt = block(['end']).nodes;
    else if (body.end.startsWith('else ')) {
      const m = /^else\s+(if|with)\b\s*(.*)$/s.exec(body.end);
      if (!m) throw new TemplateError(`${JSON.stringify(source)}: unexpected {{${body.end}}}`);
      alt = [control(m[1] as 'if' | 'with', pipeOf(m[2]))];
    }
    return { t: kind, pipe, body: body.nodes, alt };
  };
  function block(ends: string[]): { nodes: Node[]; end: string } {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const p = parts[pos++];
      if ('text' in p) { if (p.text) nodes.push({ t: 'text', s: p.text }); continue; }
      const a = p.action.trim();
      if (a.startsWith('/*')) continue;
      const kw = /^(if|with|range|else|end)\b\s*(.*)$/s.exec(a);
      if (kw && (kw[1] === 'end' || kw[1] === 'else')) {
        if (!ends.includes(kw[1])) throw new TemplateError(`${JSON.stringify(source)}: unexpected {{${kw[1]}}}`);
        return { nodes, end: kw[2] ? `${kw[1]} ${kw[2]}` : kw[1] };
      }
      if (!kw) nodes.push({ t: 'action', pipe: pipeOf(a) });
      else nodes.push(control(kw[1] as 'if' | 'with' | 'range', pipeOf(kw[2])));
    }
    if (ends.length) throw new TemplateError(`${JSON.stringify(source)}: unexpected EOF`);
    return { nodes, end: '' };
  }
  return { nodes: block([]).nodes, source };
}

// ── values ──

/** Go's %v of a JSON-ish value (text/template prints interface{} values this way). */
export function goValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? '<nil>' : goValue(x))).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : goValue(v));
const cmp = (a: unknown, b: unknown): number => (typeof a === 'number' && typeof b === 'number' ? a - b : str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);

function printf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([vsdqfgxt%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(str(a));
    if (verb === 'd') return String(Math.trunc(Number(a)));
    if (verb === 'x') return typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex');
    return str(a);
  });
}

/** docker's functions and text/template's builtins. A pipeline's value comes as the last argument. */
const FUNCS: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  split: (s, sep) => str(s).split(str(sep)),
  join: (l, sep) => (Array.isArray(l) ? l.map(str).join(str(sep)) : str(l)),
  title: (s) => str(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase()),
  lower: (s) => str(s).toLowerCase(),
  upper: (s) => str(s).toUpperCase(),
  pad: (s, pre, suf) => (str(s) === '' ? '' : ' '.repeat(Number(pre)) + str(s) + ' '.repeat(Number(suf))),
  truncate: (s, n) => { const t = str(s); return Buffer.byteLength(t) < Number(n) ? t : Buffer.from(t).subarray(0, Number(n)).toString(); },
  print: (...a) => a.map(str).join(''),
  println: (...a) => `${a.map(str).join(' ')}\n`,
  printf: (f, ...a) => printf(str(f), ...a),
  index: (v, ...keys) => keys.reduce<unknown>((o, k) => {
    if (o === null || o === undefined) throw new TemplateError('index of untyped nil');
    if (Array.isArray(o)) { const i = Number(k); if (!(i >= 0 && i < o.length)) throw new TemplateError(`index out of range: ${i}`); return o[i]; }
    if (typeof o === 'object') return (o as Record<string, unknown>)[str(k)];
    throw new TemplateError(`can't index item of type ${typeof o}`);
  }, v),
  len: (v) => (Array.isArray(v) ? v.length : typeof v === 'string' ? Buffer.byteLength(v) : v && typeof v === 'object' ? Object.keys(v).length : (() => { throw new TemplateError(`len of ${goValue(v)}`); })()),
  eq: (a, ...b) => b.some((x) => cmp(a, x) === 0 && typeof a === typeof x),
  ne: (a, b) => !(cmp(a, b) === 0 && typeof a === typeof b),
  lt: (a, b) => cmp(a, b) < 0,
  le: (a, b) => cmp(a, b) <= 0,
  gt: (a, b) => cmp(a, b) > 0,
  ge: (a, b) => cmp(a, b) >= 0,
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (v) => !truthy(v),
};

// ── execution ──

interface Scope { dot: unknown; vars: Map<string, unknown>; strict: boolean; src: string }

function walk(v: unknown, path: string[], s: Scope, top: boolean): unknown {
  let cur = v;
  for (const key of path) {
    if (cur === undefined || cur === null) return undefined;
    if (typeof cur !== 'object' || Array.isArray(cur)) throw new TemplateError(`${JSON.stringify(s.src)}: can't evaluate field ${key} in type ${Array.isArray(cur) ? 'slice' : typeof cur}`);
    if (!(key in (cur as object)) && s.strict && top && cur === s.vars.get('$')) throw new TemplateError(`${JSON.stringify(s.src)}: can't evaluate field ${key}`);
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function evalArg(a: Arg, s: Scope): unknown {
  switch (a.k) {
    case 'lit': return a.v;
    case 'fn': return FUNCS[a.name]();
    case 'pipe': return walk(runPipe(a.pipe, s), a.path, s, false);
    case 'field': {
      if (a.base === 'dot') return walk(s.dot, a.path, s, true);
      if (!s.vars.has(a.base)) throw new TemplateError(`${JSON.stringify(s.src)}: undefined variable: ${a.base}`);
      return walk(s.vars.get(a.base), a.path, s, a.base === '$');
    }
  }
}

/** docker's `{{.Label "key"}}` on list rows: the value of one label from the row's Labels
 * ("k=v,k2=v2" as the rows print them, or an object), '' when absent. */
function label(row: unknown, key: string): string {
  const labels = row && typeof row === 'object' ? (row as Record<string, unknown>).Labels : undefined;
  if (labels && typeof labels === 'object') return str((labels as Record<string, unknown>)[key] ?? '');
  for (const kv of typeof labels === 'string' && labels ? labels.split(',') : []) {
    const eq = kv.indexOf('=');
    if ((eq < 0 ? kv : kv.slice(0, eq)) === key) return eq < 0 ? '' : kv.slice(eq + 1);
  }
  return '';
}

function runPipe(p: Pipe, s: Scope): unknown {
  let val: unknown;
  p.cmds.forEach((cmd, i) => {
    const [head, ...rest] = cmd;
    if (head.k === 'fn') {
      const args = rest.map((a) => evalArg(a, s));
      if (i > 0) args.push(val);
      val = FUNCS[head.name](...args);
    } else if (head.k === 'field' && head.path.length === 1 && head.path[0] === 'Label' && rest.length === 1 && i === 0) {
      val = label(head.base === 'dot' ? s.dot : s.vars.get(head.base), str(evalArg(rest[0], s)));
    } else {
      if (rest.length || i > 0) throw new TemplateError(`${JSON.stringify(s.src)}: can't give argument to non-function`);
      val = evalArg(head, s);
    }
  });
  if (p.decl.length === 1) s.vars.set(p.decl[0], val);
  return val;
}

function run(nodes: Node[], s: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') { out += n.s; continue; }
    if (n.t === 'action') { const v = runPipe(n.pipe, s); if (!n.pipe.decl.length) out += goValue(v); continue; }
    const v = runPipe({ ...n.pipe, decl: n.t === 'range' ? [] : n.pipe.decl }, s);
    if (n.t === 'if') { out += run(truthy(v) ? n.body : n.alt, s); continue; }
    if (n.t === 'with') { out += truthy(v) ? run(n.body, { ...s, dot: v }) : run(n.alt, s); continue; }
    const entries: [unknown, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x])
      : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
    if (v !== undefined && v !== null && typeof v !== 'object') throw new TemplateError(`${JSON.stringify(s.src)}: range can't iterate over ${goValue(v)}`);
    if (!entries.length) { out += run(n.alt, s); continue; }
    for (const [k, x] of entries) {
      const vars = new Map(s.vars);
      if (n.pipe.decl.length === 1) vars.set(n.pipe.decl[0], x);
      if (n.pipe.decl.length === 2) { vars.set(n.pipe.decl[0], k); vars.set(n.pipe.decl[1], x); }
      out += run(n.body, { ...s, dot: x, vars });
    }
  }
  return out;
}

/** Runs the template on `data`. strict: a missing top-level field is an error (docker's typed
 * list rows), else it prints `<no value>` (inspect documents are maps). */
export function execute(t: Template, data: unknown, opts: { strict?: boolean } = {}): string {
  return run(t.nodes, { dot: data, vars: new Map([['$', data]]), strict: opts.strict ?? false, src: t.source });
}

/** The header line of a `table` template: each action shows the header of the field it names. */
export function headerOf(t: Template, headers: Record<string, string>): string {
  const first = (p: Pipe): string[] | undefined => {
    for (const c of p.cmds) for (const a of c) {
      if (a.k === 'field' && a.base === 'dot') return a.path;
      if (a.k === 'pipe') { const r = first(a.pipe); if (r) return r; }
    }
    return undefined;
  };
  return t.nodes.map((n) => {
    if (n.t === 'text') return n.s;
    if (n.t !== 'action') return '';
    const path = first(n.pipe)?.join('.') ?? '';
    return headers[path] ?? path.toUpperCase();
  }).join('');
}
