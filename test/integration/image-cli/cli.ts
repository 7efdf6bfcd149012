// Runs the real `berth` CLI (node src/cli/berth-main.ts) against a temp root, run root, login
// store and registries config, so that nothing of the host's berth state is read or written.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../src/cli/berth-main.ts', import.meta.url));

export interface CliResult { code: number; stdout: string; stderr: string }

export interface Berth {
  root: string;
  authFile: string;
  (args: string[], opts?: { input?: string | Buffer; stdoutFile?: number }): Promise<CliResult>;
}

/** A `berth` bound to the state dirs under `dir`. */
export function berthIn(dir: string): Berth {
  const root = join(dir, 'root');
  const authFile = join(dir, 'auth.json');
  const env = {
    ...process.env, BERTH_AUTH_FILE: authFile, BERTH_REGISTRIES_CONFIG: join(dir, 'registries.json'), DOCKER_CONFIG: join(dir, 'docker'),
    BERTH_SNAPSHOTTER: 'copy',
  };
  // asynchronous: the tests' own servers (registries, token servers) must keep answering
  const run = async (args: string[], opts: { input?: string | Buffer; stdoutFile?: number } = {}): Promise<CliResult> => {
    const child = spawn(process.execPath, [MAIN, '--root', root, '--run-root', join(dir, 'run'), ...args], {
      env, stdio: ['pipe', opts.stdoutFile ?? 'pipe', 'pipe'], timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin!.on('error', () => { /* exited before reading */ });
    child.stdin!.end(opts.input ?? '');
    const t0 = Date.now();
    const [code] = (await once(child, 'close')) as [number | null];
    if (process.env.BERTH_TEST_TIMING) process.stderr.write(`berth ${args.join(' ')}: ${Date.now() - t0} ms\n`);
    return { code: code ?? -1, stdout, stderr };
  };
  return Object.assign(run, { root, authFile });
}

/** Fails with the CLI's output when the exit status is not `code`. */
export function expectCode(r: CliResult, code: number, what: string): CliResult {
  if (r.code !== code) throw new Error(`${what}: exit ${r.code}, expected ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}
