// Runs OCI hooks in the runtime's namespaces: the container state as JSON on stdin, args[0] as
// argv0 (as execve sees it), env as given (the runtime's own environment when absent, as runc's
// exec.Cmd does), and a timeout in seconds after which the hook is killed.
import type { HookSpec } from './plan.ts';
import { HookError } from './errors.ts';
import { callerEnv } from '../util/caller.ts';

export function runHook(kind: string, hook: HookSpec, stateJson: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = hook.args ?? [];
    let child;
    try {
      // Fetched here, not imported: node:child_process pulls in net and the streams (~5 ms), and
      // state, kill, list and delete reach this module but rarely have a hook to run.
      const { spawn } = process.getBuiltinModule('node:child_process');
      child = spawn(hook.path, args.slice(1), {
        argv0: args[0] ?? hook.path,
        env: hook.env ? Object.fromEntries(hook.env.map((kv) => {
          const i = kv.indexOf('=');
          return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
        })) : callerEnv(),
        stdio: ['pipe', 'ignore', 'pipe'],
      });
    } catch (e) {
      reject(new HookError(kind, hook.path, (e as Error).message));
      return;
    }
    let stderr = '';
    let timedOut = false;
    const timer = hook.timeout && hook.timeout > 0
      ? setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, hook.timeout * 1000)
      : undefined;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
    // A hook that doesn't read its stdin must not fail the write.
    child.stdin!.on('error', () => {});
    child.stdin!.end(stateJson);
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new HookError(kind, hook.path, e.message));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) reject(new HookError(kind, hook.path, `timed out after ${hook.timeout}s`));
      else if (code === 0) resolve();
      else {
        const why = code !== null ? `exit status ${code}` : `killed by ${signal}`;
        reject(new HookError(kind, hook.path, stderr.trim() ? `${why}, stderr: ${stderr.trim()}` : why));
      }
    });
  });
}

/** Runs hooks one after the other; the first failure stops the rest. */
export async function runHooks(kind: string, hooks: readonly HookSpec[] | undefined, stateJson: string): Promise<void> {
  for (const h of hooks ?? []) await runHook(kind, h, stateJson);
}

/** Runs every hook; failures are returned (for poststart/poststop, where they are warnings). */
export async function runHooksCollect(kind: string, hooks: readonly HookSpec[] | undefined, stateJson: string): Promise<HookError[]> {
  const errs: HookError[] = [];
  for (const h of hooks ?? []) {
    try { await runHook(kind, h, stateJson); } catch (e) { errs.push(e as HookError); }
  }
  return errs;
}
