// BERTH_TRACE=1: milestones of a command on stderr, in ms since the process started (Node's
// performance.timeOrigin), for finding where a slow command spends its time without a profiler.
// Read at each call, not at load: a berthd worker takes its client's environment later.
export function trace(what: string): void {
  if (process.env.BERTH_TRACE) process.stderr.write(`berth-trace ${performance.now().toFixed(1)} ${what}\n`);
}
