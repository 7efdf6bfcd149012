// berth-runtime: an OCI runtime with runc's command line (src/cli/runtime/dispatch.ts). This is
// the plain runtime, run by Node; build/berth-runtime-client (native/runtime-client.c), the
// berth-runtime on PATH, has berthd serve most commands and execs this for the rest.
import { runRuntimeCommand } from './runtime/dispatch.ts';
import { flushStdio } from './stdio.ts';

// No top-level await: the build bundles this file as CommonJS (scripts/build.sh says why).
// What a slow reader has not taken from process.stdout yet (events, ps) goes out before the exit.
void runRuntimeCommand(process.argv.slice(2), { cwd: process.cwd(), env: process.env }).then(async (code) => {
  await flushStdio();
  process.exit(code);
});
