// BERTH_TRACE=1: milestones of a command on stderr, in ms since the process started (Node's
// performance.timeOrigin), for finding where a slow command spends its time without a profiler.
// Read at each call, not at load: a berthd worker takes its client's environment later.
export function trace(what: string): void {
  if (process.env.BERTH_TRACE) process.stderr.write(`berth-trace ${performance.now().toFixed(1)} ${what}\n`);
}

/** `label` with the milliseconds since `t0` (a performance.now() value). The builder's phases
 * use it: BERTH_BUILD_TRACE=1 traces them without the rest (docs/build.md). */
export function traceSince(label: string, t0: number): void {
  if (!process.env.BERTH_TRACE && !process.env.BERTH_BUILD_TRACE) return;
  const now = performance.now();
  process.stderr.write(`berth-trace ${now.toFixed(1)} ${label} took ${(now - t0).toFixed(1)} ms\n`);
}
