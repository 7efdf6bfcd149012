// No host descriptor reaches the container (fd-leak.test.ts)
// when berth-runtime is build/berth-runtime-client served by berthd
// (test/integration/runtime/support.ts starts one for this file; BERTH_TEST_RUNTIME_PATH=berthd
// runs any file using those fixtures this way).
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./fd-leak.test.ts');
