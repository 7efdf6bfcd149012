// Tables and --format handling as docker's CLI does them: Go's tabwriter with docker's settings
// (minwidth 10, padding 3, the last column unpadded), and the `json` / `table` / `table TEMPLATE`
// / bare TEMPLATE forms of --format.
import { parseTemplate, headerOf, execute, type Template } from './template.ts';

/** Rows laid out as Go's tabwriter with docker's settings: every column but the last
 * max(minWidth, widest cell + padding) wide (runc's `list` uses minWidth 12). */
export function layoutTable(rows: string[][], opts: { minWidth?: number; padding?: number } = {}): string {
  if (rows.length === 0) return '';
  const min = opts.minWidth ?? 10, pad = opts.padding ?? 3;
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) widths.push(Math.max(min, ...rows.map((r) => [...(r[c] ?? '')].length + pad)));
  return rows.map((r) => r.map((cell, c) => (c < r.length - 1 ? cell + ' '.repeat(widths[c] - [...cell].length) : cell)).join('').trimEnd()).join('\n') + '\n';
}

/** Lines that contain tabs, laid out as a table (docker pipes table output through tabwriter). */
export function alignTabs(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return layoutTable(lines.map((l) => l.split('\t')));
}

export function isTableFormat(format: string | undefined): boolean {
  return format === undefined || format === '' || format === 'table' || format.startsWith('table ');
}

/**
 * `items` printed for a --format value: `json` (one JSON object per line), `table` or none (the
 * default columns), `table TEMPLATE` (a header row from `headers`, then aligned columns) or a
 * bare TEMPLATE (one line per item, no header). Unknown fields are errors, as docker's typed
 * row contexts make them.
 */
export function formatItems(items: readonly object[], format: string | undefined, defaultTable: string, headers: Record<string, string>): string {
  const f = format || 'table';
  if (f === 'json') return items.map((i) => JSON.stringify(i) + '\n').join('');
  const isTable = isTableFormat(f);
  const src = f === 'table' ? defaultTable : isTable ? f.slice(6) : f;
  const tpl: Template = parseTemplate(src);
  if (!isTable) return items.map((i) => execute(tpl, i, { strict: true }) + '\n').join('');
  const lines = [headerOf(tpl, headers), ...items.map((i) => execute(tpl, i, { strict: true }))];
  return layoutTable(lines.map((l) => l.split('\t')));
}

/** Documents (inspect) printed with a template, one result per line; none or `json`: docker's
 * indented JSON array. */
export function formatDocs(docs: readonly unknown[], format: string | undefined): string {
  if (!format || format === 'json') return `${JSON.stringify(docs, null, 4)}\n`;
  const tpl = parseTemplate(format);
  return docs.map((d) => `${execute(tpl, d)}\n`).join('');
}
