// The OCI runtime interface's contract (ociruntime.test.ts) with berth-runtime as
// build/berth-runtime-client served by berthd: the binary's output and errors, which the
// interface parses, must be the plain runtime's (test/integration/runtime/support.ts starts a
// berthd for this file).
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./ociruntime.test.ts');
