// conmon-exec.test.ts with berth-runtime as build/berth-runtime-client served by berthd: exec's helper
// started by the client in the caller's tree, its status and signals as with the plain runtime.
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./conmon-exec.test.ts');
