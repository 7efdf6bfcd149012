// docker's rows for `images` and `image history`: the image layer's summaries and history items
// as the strings docker prints (sizes, ages, short IDs), with the headers of its tables.
import type { HistoryItem, ImageSummary } from '../../engine/index.ts';
import { shortId } from '../../engine/query.ts';
import { goTime, humanSize, timeAgo } from './units.ts';

/** The fields docker's `images --format` knows, as strings. */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

export function imageRow(s: ImageSummary, opts: { noTrunc?: boolean; now?: number } = {}): ImageRow {
  return {
    Containers: 'N/A',
    CreatedAt: goTime(s.created),
    CreatedSince: timeAgo(s.created, opts.now),
    Digest: s.digest,
    ID: opts.noTrunc ? s.id : shortId(s.id),
    Repository: s.repository,
    SharedSize: 'N/A',
    Size: humanSize(s.size),
    Tag: s.tag,
    UniqueSize: 'N/A',
    VirtualSize: humanSize(s.size),
  };
}

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT',
  Size: 'SIZE', VirtualSize: 'VIRTUAL SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', Containers: 'CONTAINERS',
};

/** docker's default table, with the DIGEST column when asked. */
export function defaultImageTable(digests: boolean): string {
  return digests
    ? '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
    : '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
}

export interface HistoryRow { ID: string; CreatedAt: string; CreatedSince: string; CreatedBy: string; Size: string; Comment: string }

/** `created_by` cut to 45 characters with an ellipsis unless noTrunc, as docker does. */
export function historyRow(h: HistoryItem, opts: { noTrunc?: boolean; human?: boolean; now?: number } = {}): HistoryRow {
  const human = opts.human ?? true;
  let by = h.createdBy.replace(/\s+/g, ' ');
  if (!opts.noTrunc && by.length > 45) by = by.slice(0, 44) + '…';
  return {
    ID: h.id === '<missing>' || opts.noTrunc ? h.id : shortId(h.id),
    CreatedAt: h.created,
    CreatedSince: human ? timeAgo(h.created, opts.now) : h.created,
    CreatedBy: by,
    Size: human ? humanSize(h.size) : String(h.size),
    Comment: h.comment,
  };
}

export const HISTORY_HEADERS: Record<string, string> = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };
export const HISTORY_TABLE = '{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
