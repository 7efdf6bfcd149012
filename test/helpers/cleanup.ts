// Clean-up that survives its own failures. node:test runs a test's after hooks in the order they
// were added and stops at the first that throws: a fixture's leak check failing would skip every
// hook added after it, such as the one killing a helper process, and that helper then keeps the
// test file's process (and the suite) alive. Here a test's clean-ups run last-added first (a helper
// started after its fixture is killed before the fixture is removed) and all of them run; the
// errors are thrown together at the end.
import type { ChildProcess } from 'node:child_process';
import { after as fileAfter } from 'node:test';

interface Hooks { after(fn: () => void | Promise<void>): void }

const stacks = new WeakMap<object, (() => unknown)[]>();

/** Runs `fn` when the test ends (after hooks), before the clean-ups deferred earlier. */
export function defer(t: Hooks, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const s: (() => unknown)[] = [];
    stacks.set(t, (stack = s));
    t.after(async () => {
      const errors: unknown[] = [];
      while (s.length) {
        try { await s.pop()!(); } catch (e) { errors.push(e); }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length) throw new AggregateError(errors, `${errors.length} clean-ups failed: ${errors.map(String).join('; ')}`);
    });
  }
  stack.push(fn);
}

/** Kills `child` (SIGKILL) and waits for it when the test ends, before the clean-ups deferred
 * earlier (the fixture it works in). */
export function killOnEnd(t: Hooks, child: ChildProcess): void {
  defer(t, async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  });
}

/** The clean-ups of a test file's own set-up, made in a `before` hook. node runs a root `after`
 * registered while a `before` hook runs at once, so this registers the one that runs them now,
 * as the file loads: they run after the file's tests, last-added first, all of them, and their
 * failures fail the file. */
export function fileCleanups(): Hooks {
  const file = { after: fileAfter };
  defer(file, () => {});
  return { after: (fn) => defer(file, fn) };
}
