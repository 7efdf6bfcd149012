// Typed failures of the content store and the image metadata.

export class DigestMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, what = 'blob') {
    super(`${what}: digest mismatch: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

export class SizeMismatchError extends Error {
  readonly digest: string;
  readonly expected: number;
  readonly actual: number;
  constructor(digest: string, expected: number, actual: number) {
    super(`blob ${digest}: size mismatch: expected ${expected} bytes, got ${actual}`);
    this.name = 'SizeMismatchError';
    this.digest = digest;
    this.expected = expected;
    this.actual = actual;
  }
}

export class BlobNotFoundError extends Error {
  readonly digest: string;
  constructor(digest: string) {
    super(`blob ${digest} not found in the content store`);
    this.name = 'BlobNotFoundError';
    this.digest = digest;
  }
}

export class InvalidDigestError extends Error {
  readonly digest: string;
  constructor(digest: string) {
    super(`invalid digest ${JSON.stringify(digest)}: berth stores sha256:<64 hex> only`);
    this.name = 'InvalidDigestError';
    this.digest = digest;
  }
}

export { LockTimeoutError } from '../../util/lock.ts';

export class ImageNotFoundError extends Error {
  readonly ref: string;
  constructor(ref: string) {
    super(`image ${ref} not known`);
    this.name = 'ImageNotFoundError';
    this.ref = ref;
  }
}
