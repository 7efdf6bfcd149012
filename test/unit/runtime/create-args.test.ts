// runc's create/run command line, parsed once for the CLI and the relay (src/runtime/create-args.ts).
import assert from 'node:assert/strict';
import test from 'node:test';
import { CreateArgsError, parseCreateCommand } from '../../../src/runtime/create-args.ts';

const ctx = { command: 'create' as const, root: '/st', cwd: '/work' };

test('create: every option form runc accepts, paths resolved against cwd', () => {
  const c = parseCreateCommand(['--bundle', 'b', '-pid-file=p/pid', '--console-socket', '/c.sock', '--no-pivot', 'ctr', '--no-new-keyring=false', '--preserve-fds', '2'], ctx);
  assert.deepEqual(c.options, {
    root: '/st', id: 'ctr', bundle: '/work/b', pidFile: '/work/p/pid', consoleSocket: '/c.sock', preserveFds: 2, noPivot: true, noNewKeyring: false,
  });
  assert.equal(c.dryRun, false);
  assert.deepEqual([...c.given].sort(), ['bundle', 'console-socket', 'no-new-keyring', 'no-pivot', 'pid-file', 'preserve-fds']);
  assert.equal(parseCreateCommand(['-b', 'x', 'id'], ctx).options.bundle, '/work/x');
  assert.equal(parseCreateCommand(['id'], ctx).options.bundle, '/work');
  assert.equal(parseCreateCommand(['--', '-odd-id'], ctx).options.id, '-odd-id');
  assert.equal(parseCreateCommand(['--dry-run', 'id'], ctx).dryRun, true);
});

test('run: --detach/-d and runc\'s no-op options; create-only options refused', () => {
  const r = { ...ctx, command: 'run' as const };
  assert.equal(parseCreateCommand(['-d', '--keep', '--no-subreaper', 'id'], r).detach, true);
  assert.throws(() => parseCreateCommand(['--dry-run', 'id'], r), /flag provided but not defined: -dry-run/);
  assert.throws(() => parseCreateCommand(['-d', 'id'], ctx), /flag provided but not defined: -d/);
});

test('bad command lines: a CreateArgsError naming the fault', () => {
  const bad = (argv: string[], re: RegExp) => assert.throws(() => parseCreateCommand(argv, ctx), (e: unknown) => e instanceof CreateArgsError && re.test(e.message));
  bad([], /"create" requires exactly 1 argument/);
  bad(['a', 'b'], /"create" requires exactly 1 argument/);
  bad(['--bundle'], /flag needs an argument: -bundle/);
  bad(['--no-pivot=maybe', 'x'], /invalid boolean value "maybe"/);
  bad(['--preserve-fds', '-1', 'x'], /must be a non-negative integer/);
  bad(['--nope', 'x'], /flag provided but not defined: -nope/);
});
