// podman driving berth-runtime (podman.test.ts) when berth-runtime is build/berth-runtime-client
// served by berthd (test/integration/runtime/support.ts starts one for this file).
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./podman.test.ts');
