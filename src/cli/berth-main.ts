// berth: a docker-style CLI over the daemonless engine (src/engine). Global options come first;
// each command lives in berth/<name>.ts and is loaded only when used; berth/main.ts runs a
// command line. This entry runs argv, or waits as a berthd worker.
import { main } from './berth/main.ts';
import { COMMANDS, GROUPS } from './berth/table.ts';
import { reportDone, serveAsWorker, WORKER_ENV } from '../daemon/worker.ts';
import { flushStdio } from './stdio.ts';

/** A berthd worker loads every command before it waits, and starts its mount server (a fork
 * of this process costs the more the bigger it is): a command then starts from there. */
async function warmWorker(): Promise<void> {
  const entries = [...Object.values(COMMANDS), ...Object.values(GROUPS).flatMap((g) => Object.values(g.commands))];
  await Promise.all(entries.map((e) => e.load()));
  // Loaded here, not at the top: a plain CLI start must not initialise the planner's modules.
  const [{ prepareWorker }, { exerciseHotPaths }] = await Promise.all([import('../engine/index.ts'), import('../daemon/warm.ts')]);
  await prepareWorker();
  try { exerciseHotPaths(); } catch { /* only a warm-up */ }
}

// No top-level await: scripts/build.sh bundles this as CommonJS (modules initialised lazily,
// so a command loads only the code and builtins it uses).
const asWorker = process.env[WORKER_ENV] === '1' && typeof process.send === 'function';
void (asWorker ? serveAsWorker(warmWorker, main) : main(process.argv.slice(2))).then(async (code) => {
  process.exitCode = code;
  // What a slow reader has not taken yet is still queued in process.stdout (stdio.ts).
  await flushStdio();
  if (asWorker) await reportDone(code);
  // Nothing should keep a finished command alive (sqlite handles, timers of a follower).
  setImmediate(() => process.exit(code));
});
