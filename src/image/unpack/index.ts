// Layer application: streaming decompression, tar reading and safe extraction.
export { unpackLayer } from './unpack.ts';
export type { UnpackOptions, UnpackResult } from './unpack.ts';
export { cleanName, LayerApplier } from './apply.ts';
export type { ApplyOptions, WhiteoutMode } from './apply.ts';
export { detectCompression, sniffCompression, decompressStream } from './decompress.ts';
export { HostileLayerError, UnpackError, DiffIdMismatchError } from './errors.ts';
