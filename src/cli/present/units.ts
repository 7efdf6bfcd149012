// Sizes, durations and times as docker's CLI prints them (go-units and Go's time formatting):
// the one set every berth command uses.

import { bytesSize, goG, humanSizeWithPrecision } from '../../util/units.ts';

export { bytesSize, goG };

/** docker's sizes in images, history, df, prune, stats I/O: go-units HumanSizeWithPrecision(n, 3),
 * decimal units: 4261296 → "4.26MB", 1234 → "1.23kB", 999 → "999B". `precision` 4 is go-units'
 * HumanSize (docker's volume sizes in system df -v: 4096 → "4.096kB"). */
export function humanSize(n: number, precision = 3): string {
  return humanSizeWithPrecision(n, precision);
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks"... */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** "2 hours ago" for a timestamp, "N/A" when unknown (docker's CreatedSince, RunningFor). */
export function timeAgo(at: string | undefined, now = Date.now()): string {
  const t = at ? Date.parse(at) : NaN;
  if (!Number.isFinite(t) || t <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/** Go's time.Time String() as docker prints CreatedAt: "2024-01-01 00:00:00 +0000 UTC". */
export function goTime(at: string | undefined): string {
  const t = at ? new Date(at) : null;
  if (!t || Number.isNaN(t.getTime())) return '';
  return `${t.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace(/Z$/, '')} +0000 UTC`;
}
