// Preloaded into every test file's process by scripts/run-tests.mjs (node --import). A file whose
// tests are all done but whose process stays up (a child, server or timer still holding the event
// loop) would otherwise keep the suite waiting until the file's deadline: this ends it, names the
// file and what held it open, and fails it. The runner then kills whatever the file left running.
import { after } from 'node:test';

const grace = Number(process.env.BERTH_TEST_EXIT_GRACE || 60) * 1000;

// At the top level, after() runs once the file's last test has finished. The timer is unref'd: it
// only fires when something else keeps the process alive that long.
after(() => {
  setTimeout(() => {
    const file = process.argv[1] ?? '(unknown file)';
    process.stderr.write(`\n[test-guard] ${file}: still running ${grace / 1000} s after its last test ` +
      `(open: ${process.getActiveResourcesInfo().join(', ') || 'nothing visible'}); ending it as failed\n`);
    process.exit(1);
  }, grace).unref();
});
