// Tables and --format handling as docker's CLI does them: Go's tabwriter with docker's settings
// (minwidth 10, padding 3, the last column unpadded), and the `json` / `table` / `table TEMPLATE`
// / bare TEMPLATE forms of --format.
import { parseTemplate, headerOf, execute, type Template } from './template.ts';

/** Rows laid out as docker's tabwriter: every column but the last max(10, widest cell + 3) wide. */
export function layoutTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) widths.push(Math.max(10, ...rows.map((r) => [...(r[c] ?? '')].length + 3)));
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

/** Documents (inspect) printed with a template, one result per line; no template: JSON array. */
export function formatDocs(docs: readonly unknown[], format: string | undefined): string {
  if (!format) return `${JSON.stringify(docs, null, 4)}\n`;
  if (format === 'json') return `${JSON.stringify(docs)}\n`;
  const tpl = parseTemplate(format);
  return docs.map((d) => `${execute(tpl, d)}\n`).join('');
}
