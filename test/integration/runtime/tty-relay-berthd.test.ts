// The terminal relay (tty-relay.test.ts) with berth-runtime as build/berth-runtime-client and
// berthd running: `run` with a terminal and no --console-socket, and `exec -t`, are left to the
// plain runtime (they need the caller's terminal), and must behave exactly as there.
process.env.BERTH_TEST_RUNTIME_PATH = 'berthd';
await import('./tty-relay.test.ts');
