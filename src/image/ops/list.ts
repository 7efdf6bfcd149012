// `images`: one row per tag (or per repository known only by digest, or one <none> row for an
// untagged image), newest first, with docker's filters. SIZE is the image's content size: its
// config plus its layers as stored (compressed), the bytes a pull moves.
import { parseReference, repositoryName } from '../reference.ts';
import type { ImageStore } from '../store/open.ts';
import type { ImageConfig, Manifest } from '../types.ts';
import { InvalidImageArgumentError } from './errors.ts';
import { nameParts, type StoredImage } from './names.ts';
import { findImage, storedImages } from './resolve.ts';

export interface ImageSummary {
  /** Config digest. */
  id: string;
  /** Familiar repository (`busybox`) or `<none>`. */
  repository: string;
  tag: string;
  /** The repository digest, or `<none>`. */
  digest: string;
  /** From the image config (or when berth stored it, when the config has none). */
  created: string;
  size: number;
  dangling: boolean;
  labels: Record<string, string>;
  tags: string[];
  digests: string[];
}

export interface ListOptions {
  /** `[REPOSITORY[:TAG]]`: only that repository (and tag). */
  reference?: string;
  /** `key=value` filters: reference, dangling, before, since, label. */
  filters?: string[];
  /** docker shows intermediate images with -a; berth has none, so -a changes nothing. */
  all?: boolean;
}

interface ParsedFilters { reference: string[]; dangling?: boolean; before?: string; since?: string; label: string[] }

export function parseFilters(filters: readonly string[]): ParsedFilters {
  const out: ParsedFilters = { reference: [], label: [] };
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new InvalidImageArgumentError('filter', `bad format of filter (expected name=value): ${f}`);
    const key = f.slice(0, eq).toLowerCase();
    const value = f.slice(eq + 1);
    if (key === 'reference') out.reference.push(value);
    else if (key === 'dangling') {
      if (!['true', 'false', '1', '0'].includes(value.toLowerCase())) throw new InvalidImageArgumentError('filter', `invalid filter 'dangling=${value}': expected true or false`);
      out.dangling = ['true', '1'].includes(value.toLowerCase());
    } else if (key === 'before') out.before = value;
    else if (key === 'since') out.since = value;
    else if (key === 'label') out.label.push(value);
    else throw new InvalidImageArgumentError('filter', `invalid filter '${key}' (images support reference, dangling, before, since, label)`);
  }
  return out;
}

/** Go's path.Match for reference patterns: `*` and `?` do not cross "/". */
export function globMatch(pattern: string, s: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\[!/g, '[^');
  return new RegExp(`^${re}$`).test(s);
}

function referenceMatches(pattern: string, familiar: string, tag: string): boolean {
  return globMatch(pattern, familiar) || (tag !== '<none>' && globMatch(pattern, `${familiar}:${tag}`));
}

/** Milliseconds of an RFC 3339 time (any fraction length); 0 when missing or unreadable. */
function time(s: string): number {
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

export async function imageContentSize(store: ImageStore, im: StoredImage): Promise<number> {
  return contentSize(store, im);
}

function contentSize(store: ImageStore, im: StoredImage): number {
  try {
    const man = store.content.readJsonSync<Manifest>(im.primary.manifestDigest);
    return man.config.size + man.layers.reduce((n, l) => n + l.size, 0);
  } catch {
    return 0;
  }
}

function summaries(store: ImageStore, im: StoredImage): ImageSummary[] {
  let cfg: Partial<ImageConfig> = {};
  try { cfg = store.content.readJsonSync<ImageConfig>(im.id); } catch { /* shown with what the record knows */ }
  const size = contentSize(store, im);
  const base = {
    id: im.id, created: cfg.created ?? im.stored, size, dangling: im.tags.length === 0,
    labels: cfg.config?.Labels ?? {}, tags: im.tags, digests: im.digests,
  };
  const digestOf = (repo: string) => {
    const d = im.digests.find((n) => nameParts(n).repository === repo);
    return d ? nameParts(d).digest! : '<none>';
  };
  const rows: ImageSummary[] = [];
  const repos = new Set<string>();
  for (const t of im.tags) {
    const p = nameParts(t);
    repos.add(p.repository!);
    rows.push({ ...base, repository: p.familiar!, tag: p.tag!, digest: digestOf(p.repository!) });
  }
  for (const d of im.digests) {
    const p = nameParts(d);
    if (repos.has(p.repository!)) continue;
    repos.add(p.repository!);
    rows.push({ ...base, repository: p.familiar!, tag: '<none>', digest: p.digest! });
  }
  if (rows.length === 0) rows.push({ ...base, repository: '<none>', tag: '<none>', digest: '<none>' });
  return rows;
}

export async function listImages(store: ImageStore, opts: ListOptions = {}): Promise<ImageSummary[]> {
  const f = parseFilters(opts.filters ?? []);
  const images = storedImages(store);
  const createdOf = async (ref: string) => {
    const found = findImage(store, ref);
    return time(summaries(store, found.image)[0].created);
  };
  const before = f.before ? await createdOf(f.before) : undefined;
  const since = f.since ? await createdOf(f.since) : undefined;
  let want: { repo: string; tag?: string } | undefined;
  if (opts.reference) {
    const r = parseReference(opts.reference, { defaultTag: false });
    want = { repo: repositoryName(r), tag: r.tag };
  }
  const rows: ImageSummary[] = [];
  for (const im of images) {
    for (const row of summaries(store, im)) {
      if (f.dangling !== undefined && row.dangling !== f.dangling) continue;
      if (f.reference.length && !f.reference.some((p) => referenceMatches(p, row.repository, row.tag))) continue;
      if (before !== undefined && !(time(row.created) < before)) continue;
      if (since !== undefined && !(time(row.created) > since)) continue;
      if (f.label.length && !f.label.every((l) => {
        const eq = l.indexOf('=');
        return eq === -1 ? l in row.labels : row.labels[l.slice(0, eq)] === l.slice(eq + 1);
      })) continue;
      if (want) {
        if (row.repository === '<none>') continue;
        const full = repositoryName(parseReference(row.repository, { defaultTag: false }));
        if (full !== want.repo || (want.tag !== undefined && row.tag !== want.tag)) continue;
      }
      rows.push(row);
    }
  }
  rows.sort((a, b) => time(b.created) - time(a.created) || (a.repository + a.tag).localeCompare(b.repository + b.tag));
  return rows;
}

