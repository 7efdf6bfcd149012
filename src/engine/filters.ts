// docker's filters as the engine takes them: key → values (`--filter k=v`, repeatable, or the
// API's JSON map). Values of one key are alternatives (any may match), except label=, whose
// values must all hold (as docker's); keys all must match.
import { InvalidFilterError } from './errors.ts';
import { parseSince } from './logs.ts';
import type { Filters } from './requests.ts';

/** `k=v` strings (the CLI's --filter) → Filters; a string without `=` is an InvalidFilterError. */
export function parseFilterList(items: readonly string[]): Filters {
  const out: Filters = {};
  for (const f of items) {
    const i = f.indexOf('=');
    if (i <= 0) throw new InvalidFilterError(`bad format of filter (expected name=value): ${f}`);
    (out[f.slice(0, i)] ??= []).push(f.slice(i + 1));
  }
  return out;
}

/** Refuses a key outside `known`, as docker does ("invalid filter 'x'"). */
export function checkFilters(filters: Filters, known: readonly string[]): void {
  for (const k of Object.keys(filters)) if (!known.includes(k)) throw new InvalidFilterError(`invalid filter '${k}'`);
}

/** label=K matches a K label of any value; label=K=V only that value. */
export function labelMatches(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  const k = filter.slice(0, i);
  return k in labels && labels[k] === filter.slice(i + 1);
}

/** A filter's boolean value (true/1, false/0), else an InvalidFilterError. */
export function boolFilter(key: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidFilterError(`invalid filter '${key}=${v}': expected true or false`);
}

export const PRUNE_FILTERS = ['until', 'label', 'label!'];

/** A predicate over (created, labels) for docker's prune filters, checked first. */
export function pruneMatcher(filters: Filters): (created: string, labels: Record<string, string>) => boolean {
  checkFilters(filters, PRUNE_FILTERS);
  const until = (filters.until ?? []).map((v) => {
    try { return parseSince(v); } catch (e) { throw new InvalidFilterError(`invalid filter 'until=${v}': ${(e as Error).message}`); }
  });
  return (created, labels) => {
    const t = BigInt(Date.parse(created)) * 1_000_000n;
    return until.every((u) => t < u)
      && (filters.label ?? []).every((l) => labelMatches(labels, l))
      && !(filters['label!'] ?? []).some((l) => labelMatches(labels, l));
  };
}
