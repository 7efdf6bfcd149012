// Errors about a bundle or its config.json, carrying every problem found so that a user can fix
// the file in one pass instead of one error per run.

export interface SpecProblem {
  /** Where in config.json, e.g. `linux.namespaces[2].type` ('' for the document itself). */
  path: string;
  message: string;
  /** For JSON syntax errors: 1-based position in the file. */
  line?: number;
  column?: number;
}

function describe(p: SpecProblem): string {
  const at = p.line !== undefined ? `line ${p.line} column ${p.column}: ` : '';
  return p.path ? `${at}${p.path}: ${p.message}` : `${at}${p.message}`;
}

export class SpecError extends Error {
  override name = 'SpecError';
  readonly file: string;
  readonly problems: SpecProblem[];
  constructor(file: string, problems: SpecProblem[]) {
    const head = problems.length === 1 ? `${file}: ` : `${file}: ${problems.length} problems:\n  `;
    super(head + problems.map(describe).join('\n  '));
    this.file = file;
    this.problems = problems;
  }
}

/** The bundle itself is unusable: no config.json, no rootfs, unreadable. */
export class BundleError extends Error {
  override name = 'BundleError';
  readonly bundle: string;
  readonly path: string;
  constructor(bundle: string, path: string, message: string, options?: { cause?: unknown }) {
    super(`bundle ${bundle}: ${message}`, options);
    this.bundle = bundle;
    this.path = path;
  }
}
