// BERTH_BUILD_TRACE=1: each build phase's wall time (work root, copy, run, the commit's unmount,
// tar, pack, compress, blob write) on stderr, for profiling builds (docs/benchmarks.md).
const on = !!process.env.BERTH_BUILD_TRACE;

/** Writes `label` with the milliseconds since `t0` (a performance.now() value) when tracing. */
export function traceSince(label: string, t0: number): void {
  if (on) process.stderr.write(`[build-trace] ${label} ${(performance.now() - t0).toFixed(1)} ms\n`);
}
