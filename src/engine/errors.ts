// Typed engine errors. `exitCode` is what the CLI exits with (docker: 125 for the engine's own
// failures, 126 when the command cannot be invoked, 127 when it is not found).

export class EngineError extends Error {
  override name = 'EngineError';
  exitCode = 125;
}

export class NoSuchContainerError extends EngineError {
  override name = 'NoSuchContainerError';
  readonly ref: string;
  constructor(ref: string) {
    super(`No such container: ${ref}`);
    this.ref = ref;
  }
}

export class AmbiguousContainerError extends EngineError {
  override name = 'AmbiguousContainerError';
  constructor(ref: string, count: number) {
    super(`multiple IDs found with provided prefix: ${ref} (${count} containers)`);
  }
}

export class NameConflictError extends EngineError {
  override name = 'NameConflictError';
  readonly containerName: string;
  constructor(name: string, holder: string) {
    super(`Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`);
    this.containerName = name;
  }
}

export class InvalidNameError extends EngineError {
  override name = 'InvalidNameError';
  constructor(name: string) {
    super(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
}

export class ContainerStateError extends EngineError {
  override name = 'ContainerStateError';
}

export class ImageUnknownError extends EngineError {
  override name = 'ImageUnknownError';
  readonly image: string;
  constructor(image: string, why = 'not found locally (and --pull never)') {
    super(`Unable to find image '${image}': ${why}`);
    this.image = image;
  }
}

export class MountSpecError extends EngineError {
  override name = 'MountSpecError';
  readonly spec: string;
  constructor(spec: string, why: string) {
    super(`invalid mount spec "${spec}": ${why}`);
    this.spec = spec;
  }
}

export class RuntimeNotFoundError extends EngineError {
  override name = 'RuntimeNotFoundError';
  constructor(runtime: string) {
    super(`OCI runtime "${runtime}" not found (not an executable path nor on PATH)`);
  }
}

export class StartError extends EngineError {
  override name = 'StartError';
  constructor(message: string, exitCode = 125) {
    super(message);
    this.exitCode = exitCode;
  }
}

export class VolumeError extends EngineError {
  override name = 'VolumeError';
}

export class NoSuchVolumeError extends VolumeError {
  override name = 'NoSuchVolumeError';
  constructor(name: string) {
    super(`no such volume: ${name}`);
  }
}

export class VolumeInUseError extends VolumeError {
  override name = 'VolumeInUseError';
  constructor(name: string, ids: string[]) {
    super(`remove ${name}: volume is in use - [${ids.join(', ')}]`);
  }
}

/** A filter the engine does not know, or a value it cannot read (docker: 400 Bad Request). */
export class InvalidFilterError extends EngineError {
  override name = 'InvalidFilterError';
}

export class NoSuchNetworkError extends EngineError {
  override name = 'NoSuchNetworkError';
  constructor(name: string) {
    super(`network ${name} not found`);
  }
}

/** host and none: every engine has them, and they cannot be removed or joined later (docker: 403). */
export class PredefinedNetworkError extends EngineError {
  override name = 'PredefinedNetworkError';
}

/** An archive that would replace a directory with a non-directory or the other way round, when
 * the caller forbids it (docker's noOverwriteDirNonDir, which `docker cp` sets). */
export class PathTypeConflictError extends EngineError {
  override name = 'PathTypeConflictError';
}

/** A path that does not exist inside a container (docker cp, the archive endpoints). */
export class NoSuchPathError extends EngineError {
  override name = 'NoSuchPathError';
  constructor(ref: string, path: string) {
    super(`Could not find the file ${path} in container ${ref}`);
  }
}
