// Typed failures of registry traffic. Each carries what a user needs to act: the registry,
// the repository, the operation and what the registry said.

/** One entry of the distribution spec's error body: {"errors":[{code,message,detail}]}. */
export interface RegistryErrorEntry { code: string; message?: string; detail?: unknown }

export class RegistryError extends Error {
  readonly registry: string;
  readonly operation: string;
  readonly status: number | undefined;
  readonly errors: RegistryErrorEntry[];
  constructor(registry: string, operation: string, message: string, opts: { status?: number; errors?: RegistryErrorEntry[]; cause?: unknown } = {}) {
    super(`${registry}: ${operation}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegistryError';
    this.registry = registry;
    this.operation = operation;
    this.status = opts.status;
    this.errors = opts.errors ?? [];
  }
  /** True when the registry said the thing is not there (404 or a *_UNKNOWN code). */
  get notFound(): boolean {
    return this.status === 404 || this.errors.some((e) => /_UNKNOWN$/.test(e.code));
  }
}

/** The registry refused us: no credentials, wrong credentials, or no access to the repository. */
export class RegistryAuthError extends RegistryError {
  constructor(registry: string, operation: string, message: string, opts: { status?: number; errors?: RegistryErrorEntry[]; cause?: unknown } = {}) {
    super(registry, operation, message, opts);
    this.name = 'RegistryAuthError';
  }
}

/** Content whose sha256 is not the digest it was asked for or announced with. Nothing of it
 * is kept. */
export class RegistryDigestError extends Error {
  readonly registry: string;
  readonly what: string;
  readonly expected: string;
  readonly actual: string;
  constructor(registry: string, what: string, expected: string, actual: string) {
    super(`${registry}: ${what}: content digest ${actual} does not match expected ${expected}; discarded`);
    this.name = 'RegistryDigestError';
    this.registry = registry;
    this.what = what;
    this.expected = expected;
    this.actual = actual;
  }
}

/** A manifest berth cannot use (schema1, unknown media type, no matching platform...). */
export class UnsupportedManifestError extends Error {
  readonly reference: string;
  constructor(reference: string, message: string) {
    super(`${reference}: ${message}`);
    this.name = 'UnsupportedManifestError';
    this.reference = reference;
  }
}

/** Network-level failures worth another attempt (the peer hung up, a proxy cut us). */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'BERTH_TIMEOUT', 'BERTH_SHORT_BODY']);
export function isRetryableNetworkError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Parses a registry error body, tolerating non-JSON bodies (proxies, HTML pages). */
export function parseErrorBody(body: Buffer): { errors: RegistryErrorEntry[]; text: string } {
  const text = body.toString('utf8').slice(0, 2000).trim();
  try {
    const j = JSON.parse(text) as { errors?: unknown };
    if (Array.isArray(j.errors)) {
      const errors = j.errors.filter((x): x is RegistryErrorEntry => typeof x === 'object' && x !== null && typeof (x as RegistryErrorEntry).code === 'string');
      return { errors, text: errors.map((x) => `${x.code}${x.message ? `: ${x.message}` : ''}`).join('; ') || text };
    }
  } catch { /* not JSON */ }
  return { errors: [], text };
}
