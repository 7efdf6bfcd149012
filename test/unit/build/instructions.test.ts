// Nodes → typed instructions: flags declared per instruction, argument counts, HEALTHCHECK
// durations, ONBUILD restrictions, JSON/shell forms; errors name file, line and instruction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDockerfile } from '../../../src/build/parser/index.ts';
import { parseDuration, parseInstructions, type Instruction } from '../../../src/build/instructions/index.ts';

const parse = (text: string): Instruction[] => parseInstructions(parseDockerfile(text, 'Df').children, 'Df');
const one = (line: string) => parse(`FROM scratch\n${line}\n`)[1];

test('typed forms and flags', () => {
  assert.deepEqual(one('RUN ["echo", "a b"]'), { file: 'Df', line: 2, original: 'RUN ["echo", "a b"]', kind: 'run', cmd: ['echo', 'a b'], prependShell: false, heredocs: [], mounts: [], network: undefined, security: undefined });
  const copy = one('COPY --from=build --chown=1:2 --chmod=755 --link --exclude=*.md --exclude=x a b /d/');
  assert.ok(copy.kind === 'copy');
  assert.deepEqual([copy.from, copy.chown, copy.chmod, copy.link, copy.excludes, copy.sources, copy.dest], ['build', '1:2', '755', true, ['*.md', 'x'], ['a', 'b'], '/d/']);
  const add = one('ADD --checksum=sha256:abc --keep-git-dir=false https://x/y /z');
  assert.ok(add.kind === 'add' && add.checksum === 'sha256:abc' && add.keepGitDir === false);
  const from = parse('FROM --platform=linux/amd64 busybox AS Build\n')[0];
  assert.ok(from.kind === 'from' && from.stageName === 'build' && from.platform === 'linux/amd64');
  const arg = one('ARG A B=2 C=');
  assert.ok(arg.kind === 'arg');
  assert.deepEqual(arg.args, [{ key: 'A' }, { key: 'B', value: '2' }, { key: 'C', value: '' }]);
  const hc = one('HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=4 CMD ["curl", "x"]');
  assert.deepEqual(hc.kind === 'healthcheck' && [hc.test, hc.interval, hc.timeout, hc.startPeriod, hc.startInterval, hc.retries], [['CMD', 'curl', 'x'], 90e9, 500e6, 2e9, 1e9, 4]);
  assert.deepEqual(one('HEALTHCHECK NONE'), { file: 'Df', line: 2, original: 'HEALTHCHECK NONE', kind: 'healthcheck', test: 'NONE' });
  const ob = one('ONBUILD COPY --chown=1 . /app');
  assert.ok(ob.kind === 'onbuild' && ob.expression === 'COPY --chown=1 . /app');
});

test('errors', () => {
  const bad: [string, RegExp][] = [
    ['COPY x', /Df:2: COPY: requires at least two arguments/],
    ['COPY --from x y', /Df:2: COPY: missing a value on flag: --from/],
    ['COPY --nope=1 a b', /Df:2: COPY: unknown flag: --nope/],
    ['COPY --from=a --from=b x y', /duplicate flag specified: --from/],
    ['COPY --link=maybe a b', /expecting boolean value for flag --link, not: maybe/],
    ['ADD --from=x a b', /ADD: unknown flag: --from/],
    ['RUN --network=bridge true', /unsupported network mode "bridge"/],
    ['RUN --security=weird true', /unsupported security mode "weird"/],
    ['ENV --x=1 A=b', /ENV: unknown flag: --x/],
    ['HEALTHCHECK --interval=1 CMD x', /invalid duration "1"/],
    ['HEALTHCHECK --timeout=10us CMD x', /cannot be less than 1ms/],
    ['HEALTHCHECK --retries=-1 CMD x', /--retries cannot be negative/],
    ['HEALTHCHECK NONE x', /HEALTHCHECK NONE takes no arguments/],
    ['HEALTHCHECK PING x', /Unknown type "PING" in HEALTHCHECK/],
    ['HEALTHCHECK CMD', /Missing command after HEALTHCHECK CMD/],
    ['ONBUILD ONBUILD RUN x', /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/],
    ['ONBUILD FROM x', /FROM isn't allowed as an ONBUILD trigger/],
    ['SHELL /bin/sh', /SHELL: requires the arguments to be in JSON form/],
    ['VOLUME [""]', /VOLUME specified can not be an empty string/],
    ['ARG', /ARG: requires at least one argument/],
    ['FROM a b', /FROM: requires either one or three arguments/],
    ['FROM a AS 1x', /invalid name for build stage/],
    ['BOGUS x', /Df:2: BOGUS: unknown instruction: BOGUS/],
  ];
  for (const [line, re] of bad) assert.throws(() => one(line), re, line);
});

test('Go durations', () => {
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('1h2m3s'), 3723e9);
  assert.equal(parseDuration('1.5s'), 1.5e9);
  assert.equal(parseDuration('250µs'), 250e3);
  assert.throws(() => parseDuration('5'), /invalid duration/);
  assert.throws(() => parseDuration('5x'), /invalid duration/);
});
