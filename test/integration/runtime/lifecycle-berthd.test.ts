// The lifecycle tests again, on the other path: berth-runtime as build/berth-runtime-client with
// berthd serving it (support.ts starts one for this file). Every case must behave as with the
// plain runtime: exit codes, output, state, signals, cleanup.
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./lifecycle.test.ts');
