// BERTH_TRACE=1: milestones of a command on stderr, in ms since the process started (Node's
// performance.timeOrigin), for finding where a slow command spends its time without a profiler.
const on = !!process.env.BERTH_TRACE;

export function trace(what: string): void {
  if (on) process.stderr.write(`berth-trace ${performance.now().toFixed(1)} ${what}\n`);
}
