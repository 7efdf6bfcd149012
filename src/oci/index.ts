// The OCI runtime-spec layer: config.json types, parsing/validation, bundles, defaults.
export type * from './spec.ts';
export { OCI_VERSION } from './spec.ts';
export { SpecError, BundleError } from './errors.ts';
export type { SpecProblem } from './errors.ts';
export { parseSpec, loadBundle, NAMESPACE_TYPES, PROPAGATIONS } from './validate.ts';
export type { Bundle } from './validate.ts';
export { defaultSpec, renderSpec } from './defaults.ts';
export type { DefaultSpecOptions } from './defaults.ts';
export { mergeEnv, withDefaultPath, hasEnv, envKey, DEFAULT_PATH_ENV } from './env.ts';
export { resolveUser, parsePasswd, parseGroup, UserLookupError } from './user.ts';
export type { ResolvedUser } from './user.ts';
export { DOCKER_DEFAULT_CAPS, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, dockerMaskedPaths, thermalThrottlePaths } from './docker-defaults.ts';
export { CAPABILITIES, LAST_KNOWN_CAP, capMask, capNames } from './capabilities.ts';
export { RLIMITS, RLIM_INFINITY } from './rlimits.ts';
