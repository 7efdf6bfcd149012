// What a process sees inside a container (inside.test.ts) when berth-runtime is
// build/berth-runtime-client served by berthd: the console socket, --preserve-fds, hooks and
// cgroup limits must come out the same as with the plain runtime.
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./inside.test.ts');
