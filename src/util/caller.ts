// A command run in a long-lived process (berthd) on behalf of a client process: its output and
// error streams and its environment are the client's, not this process's. Commands that may be
// served this way write through src/cli/stdio.ts and read the environment hooks inherit through
// callerEnv(); both look here first. Several served commands can be in flight at once, so the
// caller is carried by the async context, never by a global.
import type { AsyncLocalStorage } from 'node:async_hooks';

export interface Caller {
  /** The client's environment (hooks without an env of their own inherit it). */
  env: NodeJS.ProcessEnv;
  out(data: Buffer): void;
  err(data: Buffer): void;
}

// Made on first use: the plain CLI never serves anyone and need not load node:async_hooks.
let store: AsyncLocalStorage<Caller> | undefined;

/** The caller the current async context works for; undefined in a plain CLI process. */
export function currentCaller(): Caller | undefined {
  return store?.getStore();
}

/** Runs `fn` (and everything it awaits or starts) on behalf of `caller`. */
export function asCaller<T>(caller: Caller, fn: () => T): T {
  store ??= new (process.getBuiltinModule('node:async_hooks').AsyncLocalStorage)<Caller>();
  return store.run(caller, fn);
}

/** The environment a child process of the command inherits by default. */
export function callerEnv(): NodeJS.ProcessEnv {
  return currentCaller()?.env ?? process.env;
}
