// A small subset of Go's text/template, enough for the --format strings people use with image
// commands: `{{.Field}}`, nested `{{.Config.Cmd}}`, `{{json .}}` / `{{json .Field}}`,
// `{{upper .F}}`, `{{lower .F}}`, `{{join .List ","}}`, and the `table` prefix that adds a
// header row and aligns columns. Values print as Go prints them: lists as `[a b]`, maps as
// `map[k:v]`, null as `<nil>`.
import { layoutTable } from './format.ts';
import { InvalidImageArgumentError } from './errors.ts';

type Piece = { text: string } | { fn: string; path: string[]; arg?: string };

function parsePath(expr: string, format: string): string[] {
  if (expr === '.') return [];
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(expr)) throw new InvalidImageArgumentError('format', `template: unsupported expression "${expr}" in ${JSON.stringify(format)} (use {{.Field}}, {{json .}}, {{upper .F}}, {{lower .F}}, {{join .F ","}})`);
  return expr.slice(1).split('.');
}

export function parseTemplate(format: string): Piece[] {
  const pieces: Piece[] = [];
  const unescape = (s: string) => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let rest = format;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open === -1) { if (rest) pieces.push({ text: unescape(rest) }); break; }
    if (open > 0) pieces.push({ text: unescape(rest.slice(0, open)) });
    const close = rest.indexOf('}}', open);
    if (close === -1) throw new InvalidImageArgumentError('format', `template: unclosed action in ${JSON.stringify(format)}`);
    const action = rest.slice(open + 2, close).trim().replace(/^-\s*|\s*-$/g, '');
    const m = /^(json|upper|lower|join|println)\s+(\S+)(?:\s+"((?:[^"\\]|\\.)*)")?$/.exec(action);
    if (m) pieces.push({ fn: m[1], path: parsePath(m[2], format), arg: m[3] === undefined ? undefined : JSON.parse(`"${m[3]}"`) as string });
    else pieces.push({ fn: 'print', path: parsePath(action, format) });
    rest = rest.slice(close + 2);
  }
  return pieces;
}

/** Go's fmt %v of a JSON-ish value. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return String(v);
}

function lookup(data: unknown, path: string[], format: string): unknown {
  let v = data;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in (v as object))) {
      throw new InvalidImageArgumentError('format', `template: ${JSON.stringify(format)}: can't evaluate field ${key}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function render(pieces: Piece[], data: unknown, format = ''): string {
  let out = '';
  for (const p of pieces) {
    if ('text' in p) { out += p.text; continue; }
    const v = lookup(data, p.path, format);
    switch (p.fn) {
      case 'json': out += JSON.stringify(v ?? null); break;
      case 'upper': out += goValue(v).toUpperCase(); break;
      case 'lower': out += goValue(v).toLowerCase(); break;
      case 'join': out += Array.isArray(v) ? v.map(goValue).join(p.arg ?? '') : goValue(v); break;
      case 'println': out += goValue(v) + '\n'; break;
      default: out += goValue(v);
    }
  }
  return out;
}

/**
 * Formats `items` with a --format value: `json` (one JSON object per line), `table` (the
 * default columns given), `table TEMPLATE` (header row from `headers` + aligned columns) or a
 * bare template (one line per item, no header).
 */
export function formatItems(items: readonly object[], format: string | undefined, defaultTable: string, headers: Record<string, string>): string {
  const f = format ?? 'table';
  if (f === 'json') return items.map((i) => JSON.stringify(i) + '\n').join('');
  const isTable = f === 'table' || f.startsWith('table ');
  const tpl = f === 'table' ? defaultTable : isTable ? f.slice(6) : f;
  const pieces = parseTemplate(tpl);
  if (!isTable) return items.map((i) => render(pieces, i, tpl) + '\n').join('');
  const header = pieces.map((p) => ('text' in p ? p.text : headers[p.path.join('.')] ?? p.path.join('.').toUpperCase())).join('');
  const lines = [header, ...items.map((i) => render(pieces, i, tpl))];
  return layoutTable(lines.map((l) => l.split('\t')));
}
