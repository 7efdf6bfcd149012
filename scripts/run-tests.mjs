// The test runner behind scripts/test.sh: node:test, but no test file can hang the suite.
//
//   node scripts/run-tests.mjs [--concurrent DIR]... [DIR | FILE]...
//
// Each positional file (every *.test.ts under a positional DIR) runs alone, one after another, in
// a `node --test` of its own; the files under a --concurrent DIR run together in one `node --test`
// with a file per core (unit tests: no root, no shared state). Every such run is its own process
// group and has a deadline (BERTH_TEST_FILE_TIMEOUT seconds, default 900): a run that overruns is
// killed, group and all, and reported with its file names. A file that stays up after its last
// test is ended by scripts/test-guard.mjs (BERTH_TEST_EXIT_GRACE seconds, default 60). When a run
// ends, anything still left in its process group (a helper a test never killed) is listed, killed
// and fails the run: one test's failure never leaves a child running into the next.
// The closing lines are node's TAP summary summed over all runs (`# pass N`, `# fail N`) and
// `N passed, N failed`; the exit code is 1 when any test or run failed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const TEST_TIMEOUT_MS = 300_000; // one test (node's --test-timeout)
const fileTimeout = Number(process.env.BERTH_TEST_FILE_TIMEOUT || 900) * 1000;
const GUARD = new URL('./test-guard.mjs', import.meta.url).href;
const COUNTS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];

function testFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true }).map(String).filter((f) => f.endsWith('.test.ts')).map((f) => join(path, f)).sort();
}

/** Runs to run: { files, concurrency }. */
function plan(argv) {
  const runs = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--concurrent') {
      const files = testFiles(argv[++i]);
      if (files.length) runs.push({ files, concurrency: Math.max(2, availableParallelism()) });
    } else for (const f of testFiles(argv[i])) runs.push({ files: [f], concurrency: 1 });
  }
  return runs;
}

/** Live processes of process group `pgid`: "PID (comm) cmdline". Zombies are already gone. */
function groupMembers(pgid) {
  const out = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // After the last ')' (comm may hold anything): state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push(`${p} ${cmd.slice(0, 120)}`);
    } catch { /* gone meanwhile */ }
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let current; // the running child, for a signal to the runner itself

/** One `node --test` run: its TAP counts, its problems, the files of its failing tests. */
async function runOne({ files, concurrency }, tapFile) {
  const name = files.length === 1 ? files[0] : `${files.length} files under ${relative('.', files[0]).split('/').slice(0, 2).join('/')}`;
  const child = spawn(process.execPath, [
    '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${TEST_TIMEOUT_MS}`, '--import', GUARD,
    '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  current = child;
  const problems = [];
  const problem = (p) => { problems.push(p); console.log(`\n# PROBLEM ${p}`); };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    const members = groupMembers(child.pid);
    problem(`${name}: still running after ${fileTimeout / 1000} s (BERTH_TEST_FILE_TIMEOUT); killed:\n    ${members.join('\n    ')}`);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }, fileTimeout);
  const code = await new Promise((res) => child.on('exit', (c, s) => res(s ?? c)));
  clearTimeout(timer);
  current = undefined;
  // What the run left in its group: give exiting processes a moment, then kill the rest.
  let left = groupMembers(child.pid);
  for (let i = 0; i < 10 && left.length; i++) { await sleep(100); left = groupMembers(child.pid); }
  if (left.length) {
    if (!timedOut) problem(`${name}: left processes running after it ended (killed):\n    ${left.join('\n    ')}`);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  const counts = Object.fromEntries(COUNTS.map((k) => [k, 0]));
  let tap = '';
  try { tap = readFileSync(tapFile, 'utf8'); } catch { /* killed before writing */ }
  let summarised = false;
  for (const m of tap.matchAll(/^# (\w+) (\d+)$/gm)) if (m[1] in counts) { counts[m[1]] = Number(m[2]); summarised = true; }
  if (code !== 0 && !timedOut && !problems.length && counts.fail === 0) problem(`${name}: exited with ${code}`);
  // A run that ended without its summary, or with a problem no test reported, counts as a failure.
  if (!summarised || (problems.length && counts.fail === 0)) counts.fail += 1;
  return { counts, problems, failed: failedFiles(tap), details: failureDetails(tap) };
}

/** The failing leaf tests of a TAP report with node's diagnostics (error, expected, actual),
 * each cut to 40 lines: printed again at the very end, where a log's tail shows them. */
function failureDetails(tap) {
  const out = [];
  for (const m of tap.matchAll(/^(\s*)not ok \d+ - (.*)\n\1  ---\n([\s\S]*?)^\1  \.\.\.$/gm)) {
    const body = m[3];
    if (/failureType: 'subtestsFailed'/.test(body)) continue; // a parent: its failing child is listed
    let lines = body.split('\n').map((l) => l.slice(m[1].length + 2)).filter((l) => !/^(duration_ms|type|location):/.test(l));
    const stack = lines.findIndex((l) => l.startsWith('stack:'));
    if (stack >= 0) lines = lines.slice(0, stack + 3);
    out.push(`# ✖ ${m[2]}\n${lines.slice(0, 40).map((l) => `#   ${l}`).join('\n')}`);
  }
  return out;
}

/** The files of the failing tests in a TAP report (node writes each test's location). */
function failedFiles(tap) {
  const out = new Set();
  for (const block of tap.split(/^(?=\s*(?:not )?ok \d+ )/m)) {
    const loc = /^\s*not ok \d+ [\s\S]*?^\s*location: '(.+?):\d+:\d+'/m.exec(block);
    if (loc) out.add(relative('.', loc[1]));
  }
  return [...out];
}

const runs = plan(process.argv.slice(2));
if (!runs.length) { console.error('run-tests: no test files'); process.exit(2); }
const tmp = mkdtempSync(join(tmpdir(), 'berth-run-tests-'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current) try { process.kill(-current.pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
}
const total = Object.fromEntries(COUNTS.map((k) => [k, 0]));
const problems = [];
const failed = [];
const details = [];
try {
  for (const [i, run] of runs.entries()) {
    const r = await runOne(run, join(tmp, `${i}.tap`));
    for (const k of COUNTS) total[k] += r.counts[k];
    problems.push(...r.problems);
    details.push(...r.details);
    if (r.counts.fail || r.problems.length) failed.push(...(r.failed.length ? r.failed : run.files));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`\n# runs ${runs.length}, files ${runs.reduce((n, r) => n + r.files.length, 0)}`);
if (details.length) console.log(`# failures:\n${details.join('\n')}`);
if (failed.length) console.log(`# failed in: ${[...new Set(failed)].join(' ')}`);
for (const p of problems) console.log(`# PROBLEM ${p}`);
for (const k of COUNTS) console.log(`# ${k} ${total[k]}`);
console.log(`${total.pass} passed, ${total.fail} failed`);
process.exit(total.fail || problems.length ? 1 : 0);
