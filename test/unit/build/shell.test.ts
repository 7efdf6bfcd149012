// Word expansion against BuildKit's data-driven cases (frontend/dockerfile/shell/envVarTest and
// wordsTest: inputs and expected outputs), plus the operators those files do not cover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Lexer, envFromList, ExpansionError } from '../../../src/build/shell/lex.ts';

const data = (f: string) => readFileSync(new URL(`./testdata/${f}`, import.meta.url), 'utf8');

test('envVarTest: every Unix (U) and all-platform (A) case', () => {
  const lex = new Lexer();
  const env = envFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  let n = 0;
  for (const [i, raw] of data('envVarTest').split('\n').entries()) {
    if (raw.startsWith('#') || !raw.trim()) continue;
    const [plat, src, exp] = raw.trim().split('|').map((s) => s.trim());
    if (plat === 'W') continue;
    n++;
    if (exp === 'error') {
      assert.throws(() => lex.processWord(src, env), ExpansionError, `line ${i + 1}: ${src}`);
    } else {
      assert.equal(lex.processWord(src, env).result, exp, `line ${i + 1}: ${src}`);
    }
  }
  assert.ok(n > 200, `${n} cases`);
});

test('wordsTest: splitting into words, normal and raw-quote/skip-unset modes', () => {
  for (const mode of ['normal', 'onlySet'] as const) {
    const lex = new Lexer(mode === 'onlySet' ? { rawQuotes: true, skipUnsetEnv: true } : {});
    const envs: string[] = [];
    let n = 0;
    for (const [i, line] of data('wordsTest').split('\n').entries()) {
      if (line.startsWith('#') || line === '') continue;
      if (line.startsWith('ENV ')) { envs.push(line.slice(3).replace(/^ +/, '')); continue; }
      const parts = line.split('|');
      assert.equal(parts.length, 2, `line ${i + 1}`);
      const expected = parts[1].replace(/^ +/, '').split(',');
      let got: string[];
      try { got = lex.processWords(parts[0].trim(), envFromList(envs)); } catch { got = ['error']; }
      // The Go test reads the file once: its second mode sees an exhausted scanner.
      if (mode === 'onlySet') break;
      assert.deepEqual(got, expected, `line ${i + 1}: ${parts[0]}`);
      n++;
    }
    if (mode === 'normal') assert.ok(n > 20);
  }
});

test('mandatory variables: ${V:?msg} and ${V?msg}', () => {
  const lex = new Lexer();
  assert.equal(lex.processWord('${VAR:?message here$ARG}', envFromList(['VAR=plain', 'ARG=x'])).result, 'plain');
  assert.throws(() => lex.processWord('${VAR:?message here$ARG}', envFromList(['VAR=', 'ARG=x'])), /message herex/);
  assert.throws(() => lex.processWord('${VAR:?message here$ARG}', envFromList(['ARG=x'])), /message herex/);
  assert.equal(lex.processWord('${VAR?message here$ARG}', envFromList(['VAR=', 'ARG=x'])).result, '');
  assert.throws(() => lex.processWord('${VAR?message here$ARG}', envFromList(['ARG=x'])), /message herex/);
});

test('prefix/suffix trimming and substitution', () => {
  const lex = new Lexer();
  const env = envFromList(['FOO=abc.tar.gz', 'P=/usr/local/bin', 'X=aXbXc']);
  const w = (s: string) => lex.processWord(s, env).result;
  assert.equal(w('${FOO%.*}'), 'abc.tar');
  assert.equal(w('${FOO%%.*}'), 'abc');
  assert.equal(w('${FOO#*.}'), 'tar.gz');
  assert.equal(w('${FOO##*.}'), 'gz');
  assert.equal(w('${P#/usr}'), '/local/bin');
  assert.equal(w('${P%/bin}'), '/usr/local');
  assert.equal(w('${FOO#zzz}'), 'abc.tar.gz');
  assert.equal(w('${X/X/-}'), 'a-bXc');
  assert.equal(w('${X//X/-}'), 'a-b-c');
  assert.equal(w('${X//?X/}'), 'c');
  assert.equal(w('${UNSET/a/b}'), '');
  assert.throws(() => w('${FOO:#x}'), /unsupported modifier/);
  assert.throws(() => w('${X/X}'), /missing/);
});

test('matched and unmatched names are reported (for the unused-build-arg check and cache keys)', () => {
  const r = new Lexer().processWord('$A ${B:-x} $C', envFromList(['A=1', 'C=3']));
  assert.equal(r.result, '1 x 3');
  assert.deepEqual([...r.matched].sort(), ['A', 'C']);
  assert.deepEqual([...r.unmatched], ['B']);
});

test('skipUnsetEnv keeps references to unset names; backtick escape token', () => {
  const lex = new Lexer({ skipUnsetEnv: true });
  assert.equal(lex.processWord('$A-${B}-${C:-d}', envFromList(['A=1'])).result, '1-${B}-${C:-d}');
  const bt = new Lexer({ escapeToken: '`' });
  assert.equal(bt.processWord('a`$B c\\d', envFromList(['B=x'])).result, 'a$B c\\d');
});

test('TestProcessWithMatches cases: results, errors, matched and unmatched names', () => {
  const cases = JSON.parse(readFileSync(new URL('./testdata/processWithMatches.json', import.meta.url), 'utf8')) as
    { input: string; envs: Record<string, string>; expected: string; expectedErr: boolean; matches: string[]; unmatched: string[] }[];
  assert.ok(cases.length >= 40);
  const lex = new Lexer();
  for (const c of cases) {
    const env = envFromList(Object.entries(c.envs).map(([k, v]) => `${k}=${v}`));
    if (c.expectedErr) {
      assert.throws(() => lex.processWord(c.input, env), ExpansionError, c.input);
      continue;
    }
    const r = lex.processWord(c.input, env);
    assert.equal(r.result, c.expected, c.input);
    assert.deepEqual([...r.matched].sort(), c.matches, `matched: ${c.input}`);
    assert.deepEqual([...r.unmatched].sort(), c.unmatched, `unmatched: ${c.input}`);
  }
});
