// Why an `exec` could not run: the container's status, a bad process description, or a step the
// helper reported. Messages follow runc's where callers (conmon, podman) may match on them.

export interface ExecProblem { path: string; message: string }

/** The process asked for cannot be run as described (process.json fields or flags). */
export class ExecSpecError extends Error {
  override name = 'ExecSpecError';
  readonly id: string;
  readonly problems: ExecProblem[];
  constructor(id: string, problems: ExecProblem[]) {
    super(`exec in ${id}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.id = id;
    this.problems = problems;
  }
}

/** The helper failed to start the process (a join, a process step or the exec itself). */
export class ExecError extends Error {
  override name = 'ExecError';
  readonly id: string;
  readonly step: number | undefined;
  readonly op: string | undefined;
  constructor(id: string, message: string, step?: number, op?: string, options?: { cause?: unknown }) {
    super(`exec failed in ${id}${step !== undefined ? `: step ${step} (${op})` : ''}: ${message}`, options);
    this.id = id;
    this.step = step;
    this.op = op;
  }
}

/** The program is missing (exit 127, as a shell reports it) or not executable (126), found out
 * in the container before anything ran. The message is runc's. */
export class ExecProgramError extends ExecError {
  override name = 'ExecProgramError';
  readonly exitCode: 126 | 127;
  constructor(id: string, detail: string, notFound: boolean, step?: number, options?: { cause?: unknown }) {
    super(id, detail, step, 'find-exec', options);
    this.message = `exec failed: unable to start container process: ${detail}`;
    this.exitCode = notFound ? 127 : 126;
  }
}
