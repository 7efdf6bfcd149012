// Human output as docker's CLI prints it: sizes with three significant digits in decimal units,
// ages in words ("2 hours ago"), and columns laid out like Go's tabwriter (minwidth 10,
// padding 3, the last column unpadded).

/** 4261296 → "4.26MB", 1234 → "1.23kB", 999 → "999B" (docker's units.HumanSizeWithPrecision(n, 3)). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** The age of a timestamp in docker's words, e.g. "About an hour", "3 days", "2 years". */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(m / 60);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.floor(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24 / 30)} months`;
  return `${Math.floor(h / 24 / 365)} years`;
}

/** "2 hours ago", or "N/A" for an unknown time. */
export function createdSince(created: string | undefined, now = Date.now()): string {
  const t = created ? Date.parse(created) : NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** Go's time.Time String() as docker prints CreatedAt: "2024-01-01 00:00:00 +0000 UTC". */
export function goTime(created: string | undefined): string {
  const t = created ? new Date(created) : null;
  if (!t || Number.isNaN(t.getTime())) return '';
  return `${t.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '')} +0000 UTC`;
}

/** Rows laid out as docker's tabwriter does: each column max(10, widest cell + 3) wide. */
export function layoutTable(rows: string[][]): string {
  if (rows.length === 0) return '';
  const cols = Math.max(...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < cols - 1; c++) widths.push(Math.max(10, ...rows.map((r) => (r[c] ?? '').length + 3)));
  return rows.map((r) => r.map((cell, c) => (c < cols - 1 ? cell.padEnd(widths[c]) : cell)).join('').trimEnd()).join('\n') + '\n';
}

/** docker's short image ID: 12 hex characters of the config digest. */
export function shortImageId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
