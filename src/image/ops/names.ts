// What an image record's name says. Records are named three ways:
//   `domain/path:tag`        a tag (RepoTags)
//   `domain/path@sha256:…`   a repository digest (RepoDigests): what a registry called it
//   `sha256:…`               the image ID alone: an untagged (dangling) image kept by ID
// An image (docker's notion, identified by its config digest) is every record sharing one
// config digest.
import { familiarName, parseReference, repositoryName, type Reference } from '../reference.ts';
import type { ImageRecord } from '../store/metadata.ts';
import { isDigest } from '../types.ts';

export type NameKind = 'tag' | 'digest' | 'id';

export interface NameParts {
  kind: NameKind;
  /** Full repository `docker.io/library/busybox` (tag and digest kinds). */
  repository?: string;
  /** What docker shows: `busybox`, `127.0.0.1:5000/app`. */
  familiar?: string;
  tag?: string;
  digest?: string;
}

export function nameParts(name: string): NameParts {
  if (isDigest(name)) return { kind: 'id', digest: name };
  let r: Reference;
  try { r = parseReference(name, { defaultTag: false }); } catch { return { kind: 'id', digest: name }; }
  const repo: Reference = { domain: r.domain, path: r.path };
  const familiar = familiarName(repo);
  if (r.tag !== undefined) return { kind: 'tag', repository: repositoryName(r), familiar, tag: r.tag };
  return { kind: 'digest', repository: repositoryName(r), familiar, digest: r.digest };
}

/** docker's familiar form of a whole record name: `busybox:latest`, `busybox@sha256:…`. */
export function familiarRecordName(name: string): string {
  const p = nameParts(name);
  if (p.kind === 'id') return name;
  return p.kind === 'tag' ? `${p.familiar}:${p.tag}` : `${p.familiar}@${p.digest}`;
}

/** One image: the records sharing a config digest. */
export interface StoredImage {
  /** The image ID: the config digest. */
  id: string;
  records: ImageRecord[];
  /** Full tag names, sorted. */
  tags: string[];
  /** Full `repo@digest` names, sorted. */
  digests: string[];
  /** The record to read the manifest from (a tag when there is one). */
  primary: ImageRecord;
  /** When berth first stored any name of it (the earliest record). */
  stored: string;
}

export function groupRecords(records: readonly ImageRecord[]): StoredImage[] {
  const by = new Map<string, ImageRecord[]>();
  for (const r of records) {
    const list = by.get(r.configDigest);
    if (list) list.push(r); else by.set(r.configDigest, [r]);
  }
  const out: StoredImage[] = [];
  for (const [id, recs] of by) {
    const tags = recs.filter((r) => nameParts(r.name).kind === 'tag').map((r) => r.name).sort();
    const digests = recs.filter((r) => nameParts(r.name).kind === 'digest').map((r) => r.name).sort();
    const primary = recs.find((r) => nameParts(r.name).kind === 'tag') ?? recs.find((r) => nameParts(r.name).kind === 'digest') ?? recs[0];
    const stored = recs.map((r) => r.created).sort()[0];
    out.push({ id, records: recs, tags, digests, primary, stored });
  }
  return out;
}

/** The full stored name a user's reference means (`busybox` → `docker.io/library/busybox:latest`). */
export function normalizeName(ref: string): string {
  if (isDigest(ref)) return ref;
  const r = parseReference(ref);
  // name:tag@digest is looked up by its digest, as docker does
  if (r.tag !== undefined && r.digest !== undefined) delete r.tag;
  return r.digest ? `${repositoryName(r)}@${r.digest}` : `${repositoryName(r)}:${r.tag}`;
}
