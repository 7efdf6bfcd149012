// The parser against BuildKit's data-driven cases (frontend/dockerfile/parser/testfiles: each a
// Dockerfile and the AST dump expected; testfiles-negative: files that must not parse), plus
// heredocs, directives and line numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { args, chompHeredoc, dump, parseDockerfile, DockerfileParseError } from '../../../src/build/parser/index.ts';

const dir = new URL('./testdata/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, dir), 'utf8');

for (const name of readdirSync(new URL('parser/', dir))) {
  test(`testfiles/${name}`, () => {
    const r = parseDockerfile(read(`parser/${name}/Dockerfile`));
    assert.equal(r.children.map((c) => `(${dump(c)})\n`).join(''), read(`parser/${name}/result`));
  });
}

for (const name of readdirSync(new URL('parser-negative/', dir))) {
  test(`testfiles-negative/${name}`, () => {
    assert.throws(() => parseDockerfile(read(`parser-negative/${name}/Dockerfile`)), DockerfileParseError);
  });
}

test('line numbers and the file named in errors', () => {
  const r = parseDockerfile('# syntax=docker/dockerfile:1\nFROM a\n\nRUN echo \\\n  b \\\n  c\nENV A=1\n');
  assert.deepEqual(r.children.map((c) => [c.value, c.startLine, c.endLine]), [['FROM', 2, 2], ['RUN', 4, 6], ['ENV', 7, 7]]);
  assert.equal(r.directives.get('syntax')?.value, 'docker/dockerfile:1');
  assert.throws(() => parseDockerfile('FROM a\nENV\nENV x\n', 'dir/Dockerfile.dev'), (e: DockerfileParseError) => e.line === 3 && /dir\/Dockerfile.dev:3: ENV must have two arguments/.test(e.message));
  assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n', 'D'), /D:2: unterminated heredoc/);
  assert.throws(() => parseDockerfile('# escape=x\nFROM a\n'), /invalid escape token/);
  assert.throws(() => parseDockerfile('# escape=`\n# escape=`\nFROM a\n'), /only one escape parser directive/);
});

test('heredocs: several per line, quoted delimiters, <<- chomping, fd prefixes', () => {
  const r = parseDockerfile([
    'FROM busybox',
    'RUN <<EOF',
    'echo $HOME',
    'EOF',
    "COPY <<'A' <<\"B\" /dest/",
    'one $x',
    'A',
    'two',
    'B',
    'RUN 3<<-END cat <&3',
    '\t\tindented',
    '\tEND',
    'RUN ["echo", "<<EOF"]',
    '',
  ].join('\n'));
  const [, run, copy, fd, json] = r.children;
  assert.deepEqual(run.heredocs, [{ name: 'EOF', fileDescriptor: 0, chomp: false, expand: true, content: 'echo $HOME\n' }]);
  assert.deepEqual(copy.heredocs.map((h) => [h.name, h.expand, h.content]), [['A', false, 'one $x\n'], ['B', false, 'two\n']]);
  assert.deepEqual(args(copy), ['<<\'A\'', '<<"B"', '/dest/']);
  assert.equal(fd.heredocs[0].fileDescriptor, 3);
  assert.equal(chompHeredoc(fd.heredocs[0].content), 'indented\n');
  assert.equal(json.heredocs.length, 0);
  assert.equal(run.endLine, 4);
});

test('ONBUILD holds its instruction as a child; flags are split off', () => {
  const r = parseDockerfile('FROM a\nONBUILD RUN --mount=type=cache,target=/c echo hi\nCOPY --from=b --chown=1:1 x y\n');
  assert.equal(dump(r.children[1]), 'onbuild (run ["--mount=type=cache,target=/c"] "echo hi")');
  assert.deepEqual(r.children[2].flags, ['--from=b', '--chown=1:1']);
});
