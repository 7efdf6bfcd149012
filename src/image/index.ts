// The image library's public face. Engineer E adds the exports of references, registry, auth,
// pull and push here.
export * from './types.ts';
export * from './store/index.ts';
export * from './snapshots/index.ts';
export { unpackLayer, detectCompression, HostileLayerError, UnpackError, DiffIdMismatchError } from './unpack/index.ts';
export type { UnpackOptions, UnpackResult } from './unpack/index.ts';
export { TarParser, packTar, encodeHeader, readTarEntries, TarFormatError, TruncatedTarError } from './tar/index.ts';
export type { TarEntry, TarHandler, WriteEntry, PackItem } from './tar/index.ts';
export * from './layout/index.ts';
export * from './archive/index.ts';
export { prepareBundle, specFromImage, imageUser, BundleUserError } from './bundle.ts';
export type { BundleOptions, PreparedBundle } from './bundle.ts';
export { resolveInRoot, RootPathError } from './rootpath.ts';
// references, registry client, credentials, pull/push, progress (engineer E)
export * from './reference.ts';
export * from './registry/index.ts';
export * from './auth/index.ts';
export { pull } from './pull.ts';
export type { PullOptions, PullResult } from './pull.ts';
export { pullAndUnpack } from './pullunpack.ts';
export type { PullAndUnpackOptions, PullAndUnpackResult } from './pullunpack.ts';
export { push, PushError } from './push.ts';
export { login, logout } from './login.ts';
export type { LoginOptions } from './login.ts';
export type { PushOptions, PushResult } from './push.ts';
export { createProgress, quietProgress, formatBytes, renderLayerLine } from './progress.ts';
export type { Progress, ProgressEvent, ProgressMode, LayerAction } from './progress.ts';
// the image commands' operations (pull, push, images, rmi, tag, inspect, history, save, load, prune, login)
export * from './ops/index.ts';
