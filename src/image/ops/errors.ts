// Typed failures of the image commands. Messages follow docker's wording where users (and
// scripts) know it; each error carries the reference or ID it is about.

export class ImageOpError extends Error {
  override name = 'ImageOpError';
}

/** A reference or ID that names no stored image. */
export class NoSuchImageError extends ImageOpError {
  override name = 'NoSuchImageError';
  readonly ref: string;
  constructor(ref: string) {
    super(`No such image: ${ref}`);
    this.ref = ref;
  }
}

/** A short ID that matches more than one image. */
export class AmbiguousImageError extends ImageOpError {
  override name = 'AmbiguousImageError';
  readonly ref: string;
  constructor(ref: string, ids: string[]) {
    super(`image ID prefix ${ref} is ambiguous: it matches ${ids.length} images (${ids.map((i) => i.slice(7, 19)).join(', ')})`);
    this.ref = ref;
  }
}

/** rmi/prune refused: the image is used by containers or named in several repositories. */
export class ImageConflictError extends ImageOpError {
  override name = 'ImageConflictError';
  readonly ref: string;
  constructor(ref: string, message: string) {
    super(`conflict: unable to ${message}`);
    this.ref = ref;
  }
}

/** A command-line value the operation cannot use (a bad filter, format or platform). */
export class InvalidImageArgumentError extends ImageOpError {
  override name = 'InvalidImageArgumentError';
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(message);
    this.argument = argument;
  }
}
