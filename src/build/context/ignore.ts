// .dockerignore with docker's rules (moby/patternmatcher): one pattern a line, `#` comments,
// `!` exceptions (the last matching pattern wins), patterns cleaned like paths with a leading `/`
// dropped, `*` and `?` within one path element, `**` across any number of them, `[...]` classes,
// `\` escapes; a pattern matching a directory matches everything below it.
import { posix } from 'node:path';

export interface IgnorePattern { text: string; exclusion: boolean; re: RegExp; dirs: number }

export class IgnoreSyntaxError extends Error {
  override name = 'IgnoreSyntaxError';
}

export function parseIgnoreFile(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (!line) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
      if (!line) throw new IgnoreSyntaxError('illegal exclusion pattern: "!"');
    }
    let p = posix.normalize(line);
    if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
    out.push({ text: p, exclusion, re: compile(p), dirs: p.split('/').length });
  }
  return out;
}

function compile(pattern: string): RegExp {
  let re = '^';
  const cs = Array.from(pattern);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (c === '*') {
      if (cs[i + 1] === '*') {
        i++;
        if (cs[i + 1] === '/') i++;
        re += i + 1 >= cs.length ? '.*' : '(.*/)?';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      const n = cs[++i];
      if (n === undefined) throw new IgnoreSyntaxError(`invalid pattern "${pattern}": trailing backslash`);
      re += n.replace(/[.+()|^$*?[\]{}\\]/g, '\\$&');
    } else if (c === '[') {
      const end = cs.indexOf(']', i + 1);
      if (end < 0) throw new IgnoreSyntaxError(`invalid pattern "${pattern}": unterminated [`);
      // Passed to the regular expression as written: `[^...]` negates, `!` is a plain character.
      const cls = cs.slice(i + 1, end).join('');
      re += `[${cls.replace(/\\(?!.)/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+()|^$]/g, '\\$&');
  }
  try { return new RegExp(`${re}$`, 'u'); } catch (e) { throw new IgnoreSyntaxError(`invalid pattern "${pattern}": ${(e as Error).message}`); }
}

/** Whether a path relative to the context (a/b/c) is excluded: the last matching pattern decides;
 * a pattern also matches when it matches one of the path's parent directories. */
export function isIgnored(path: string, patterns: IgnorePattern[]): boolean {
  const parts = path.split('/');
  let ignored = false;
  for (const p of patterns) {
    if (p.exclusion === !ignored) continue;
    let hit = p.re.test(path);
    if (!hit) {
      for (let n = 1; n < parts.length && !hit; n++) hit = p.re.test(parts.slice(0, n).join('/'));
    }
    if (hit) ignored = !p.exclusion;
  }
  return ignored;
}

/** Whether a walk must still enter an ignored directory (an exception may re-include below it). */
export function mayContainExceptions(dir: string, patterns: IgnorePattern[]): boolean {
  return patterns.some((p) => p.exclusion && (p.text.startsWith(`${dir}/`) || p.text.includes('*') || p.text.includes('?') || p.text.includes('[')));
}
