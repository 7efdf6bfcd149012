// ADD https://…: the file fetched into a scratch directory (mode 0600 and the server's
// Last-Modified time, as docker does), checked against --checksum when one is given. The entry
// then goes through the same copy as a context file (never unpacked: ADD unpacks local tars only).
import { createHash } from 'node:crypto';
import { chmodSync, utimesSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { SourceError, type SourceEntry } from './sources.ts';

export const isRemote = (s: string) => /^https?:\/\//i.test(s);

export async function fetchRemote(url: string, dir: string, index: number, checksum?: string): Promise<SourceEntry> {
  if (checksum !== undefined && !/^sha256:[0-9a-f]{64}$/.test(checksum)) throw new SourceError(`invalid checksum "${checksum}": expected sha256:<64 hex digits>`);
  let res: Response;
  try { res = await fetch(url, { redirect: 'follow' }); } catch (e) { throw new SourceError(`failed to load ${url}: ${(e as Error).message}`); }
  if (!res.ok) throw new SourceError(`failed to load ${url}: ${res.status} ${res.statusText}`);
  const body = Buffer.from(await res.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (checksum !== undefined && digest !== checksum) throw new SourceError(`digest mismatch for ${url}: expected ${checksum}, got ${digest}`);
  const name = posix.basename(new URL(res.url || url).pathname) || 'index.html';
  const file = join(dir, `${index}-${name}`);
  writeFileSync(file, body);
  chmodSync(file, 0o600);
  const modified = Date.parse(res.headers.get('last-modified') ?? '');
  if (!Number.isNaN(modified)) utimesSync(file, modified / 1000, modified / 1000);
  return { src: file, rel: name, type: 'file', remote: true };
}
