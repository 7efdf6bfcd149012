// execFile as a promise. promisify(execFile) reads node:child_process's export: done at a
// module's top level it loads child_process (with net, dgram and all of node:stream, ~5 ms) on
// every CLI start that initialises the module, whether or not anything is run. Made on first use.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { promisify } from 'node:util';

/** execFile's options (cwd, env, maxBuffer, timeout...); the output is always text. */
export type ExecOptions = Omit<ExecFileOptions, 'encoding'>;

let execFileP: ((file: string, args: string[], opts: ExecFileOptions & { encoding: 'utf8' }) => Promise<{ stdout: string; stderr: string }>) | undefined;

/** Runs `file` with `args`; resolves with its output, rejects when it fails (execFile's error,
 * with its stdout and stderr). */
export function execFileAsync(file: string, args: string[], opts: ExecOptions = {}): Promise<{ stdout: string; stderr: string }> {
  execFileP ??= promisify(execFile);
  return execFileP(file, args, { ...opts, encoding: 'utf8' });
}
