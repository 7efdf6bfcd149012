// The registry client's public face.
export { RegistryClient, MANIFEST_ACCEPT } from './client.ts';
export type { RegistryClientOptions, FetchedManifest, BlobTransferOptions, UploadOptions } from './client.ts';
export { Authorizer, repositoryScope } from './auth.ts';
export { parseChallenges } from './challenge.ts';
export type { Challenge } from './challenge.ts';
export { readRegistriesConfig, registriesConfigPath, isLoopbackHost, schemesFor, RegistriesConfigError } from './config.ts';
export type { RegistriesConfig, Scheme } from './config.ts';
export { RegistryError, RegistryAuthError, RegistryDigestError, UnsupportedManifestError, isRetryableNetworkError, isRetryableStatus } from './errors.ts';
export type { RegistryErrorEntry } from './errors.ts';
export { parsePlatform, formatPlatform, normalizePlatform, platformMatches, selectManifest, InvalidPlatformError } from './platform.ts';
export { parallel } from './parallel.ts';
export { send, readBody } from './transport.ts';
export type { HttpRequest, HttpResponse } from './transport.ts';
