// Errors name the profile field at fault (e.g. `syscalls[3].args[0].op`) so that a user can find
// it in config.json.

export class SeccompProfileError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`seccomp: ${field}: ${message}`);
    this.name = 'SeccompProfileError';
    this.field = field;
  }
}

export class SeccompUnsupportedError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`seccomp: ${field}: ${message}`);
    this.name = 'SeccompUnsupportedError';
    this.field = field;
  }
}

/** The compiled program broke a classic-BPF limit (e.g. more than 4096 instructions). */
export class SeccompProgramError extends Error {
  constructor(message: string) {
    super(`seccomp: ${message}`);
    this.name = 'SeccompProgramError';
  }
}
