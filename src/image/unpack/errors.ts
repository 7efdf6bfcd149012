// Typed failures of layer unpacking. Every one names the layer entry it is about.

/** The layer tries to do something that could touch files outside its directory, or that the options forbid. */
export class HostileLayerError extends Error {
  readonly entry: string;
  readonly reason: string;
  constructor(entry: string, reason: string) {
    super(`refusing layer entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = 'HostileLayerError';
    this.entry = entry;
    this.reason = reason;
  }
}

/** A filesystem operation failed while applying an entry. */
export class UnpackError extends Error {
  readonly entry: string;
  readonly code: string | undefined;
  constructor(entry: string, message: string, code?: string) {
    super(`unpacking ${JSON.stringify(entry)}: ${message}`);
    this.name = 'UnpackError';
    this.entry = entry;
    this.code = code;
  }
}

export class DiffIdMismatchError extends Error {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`layer diffID mismatch: the image config says ${expected}, the uncompressed layer is ${actual}`);
    this.name = 'DiffIdMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}
