// Streaming tar: reader (ustar, GNU, PAX incl. xattrs) and writer.
export { TarParser, parsePax } from './reader.ts';
export type { TarHandler } from './reader.ts';
export { encodeHeader, packTar, paddingFor, END_OF_ARCHIVE } from './writer.ts';
export type { WriteEntry, HeaderOptions, PackItem, PackBody } from './writer.ts';
export { TarFormatError, TruncatedTarError } from './entry.ts';
export type { TarEntry, EntryType } from './entry.ts';
export { readTarEntries } from './collect.ts';
export type { CollectedEntry } from './collect.ts';
