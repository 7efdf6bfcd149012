// BERTH_BUILD_TRACE=1: each build phase's wall time (work root, copy, run, the commit's unmount,
// tar, pack, compress, blob write) and when it ended (ms since the process started) on stderr,
// for profiling builds (docs/benchmarks.md).
const on = !!process.env.BERTH_BUILD_TRACE;

/** Writes `label` with the milliseconds since `t0` (a performance.now() value) when tracing. */
export function traceSince(label: string, t0: number): void {
  if (!on) return;
  const now = performance.now();
  process.stderr.write(`[build-trace] ${now.toFixed(0).padStart(6)} ms: ${label} took ${(now - t0).toFixed(1)} ms\n`);
}
