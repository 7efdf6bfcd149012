// A tar entry as berth sees it, independent of the header format that carried it.

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'contiguous';

export interface TarEntry {
  /** Path as stored (after PAX/GNU long-name overrides), not normalised. */
  name: string;
  type: EntryType;
  /** Permission bits and setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Bytes of data that follow the header (0 for everything but files). */
  size: number;
  /** Seconds since the epoch, possibly fractional (PAX). */
  mtime: number;
  atime?: number;
  /** Target of a symlink or hard link. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX SCHILY.xattr.* (or LIBARCHIVE.xattr.*) records. */
  xattrs: Map<string, Buffer>;
  /** Any other PAX records, for the curious. */
  pax?: Record<string, string>;
}

export class TarFormatError extends Error {
  /** Byte offset in the (uncompressed) archive where the problem was found. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`tar: ${message} (at byte ${offset})`);
    this.name = 'TarFormatError';
    this.offset = offset;
  }
}

export class TruncatedTarError extends TarFormatError {
  constructor(what: string, offset: number) {
    super(`archive ends early, inside ${what}`, offset);
    this.name = 'TruncatedTarError';
  }
}
