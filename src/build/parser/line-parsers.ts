// How each instruction's argument text becomes an argument chain. Quotes are kept here; they are
// removed later, during expansion (ENV/LABEL/ARG values) or not at all (RUN's shell form).
import { node, type Node } from './node.ts';

export class LineParseError extends Error {
  override name = 'LineParseError';
}

const WS = /[\t\v\f\r ]+/;
const isSpace = (c: string) => /^\s$/u.test(c);

/** Space-separated words; quotes and escapes are kept in the words, a trailing escape dropped. */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const cs = Array.from(rest);
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false;
  let buf = '';
  for (let i = 0; i <= cs.length; i++) {
    const end = i === cs.length;
    let c = end ? '' : cs[i];
    if (phase === 'spaces') {
      if (end) break;
      if (isSpace(c)) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOK || buf) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isSpace(c)) {
        phase = 'spaces';
        if (blankOK || buf) words.push(buf);
        buf = ''; blankOK = false;
        continue;
      }
      if (c === "'" || c === '"') { quote = c; blankOK = true; phase = 'quote'; }
      if (c === escape) {
        if (i + 1 === cs.length) continue;
        buf += c;
        c = cs[++i];
      }
      buf += c;
      continue;
    }
    if (c === quote) phase = 'word';
    if (c === escape && quote !== "'") {
      if (i + 1 === cs.length) { phase = 'word'; continue; }
      buf += c;
      c = cs[++i];
    }
    buf += c;
  }
  return words;
}

function chain(values: string[]): Node | undefined {
  let head: Node | undefined;
  for (let i = values.length - 1; i >= 0; i--) head = node(values[i], head);
  return head;
}

/** ENV and LABEL: `KEY value` (old form) or `K=V K2=V2`: each pair as key, value, separator. */
function nameVal(rest: string, key: string, escape: string): Node | undefined {
  const words = parseWords(rest, escape);
  if (!words.length) return undefined;
  if (!words[0].includes('=')) {
    const m = /^(\S+?)[\t\v\f\r ]+([\s\S]*)$/.exec(rest);
    if (!m) throw new LineParseError(`${key} must have two arguments`);
    return chain([m[1], m[2], '']);
  }
  const flat: string[] = [];
  for (const w of words) {
    const i = w.indexOf('=');
    if (i < 0) throw new LineParseError(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`);
    flat.push(w.slice(0, i), w.slice(i + 1), '=');
  }
  return chain(flat);
}

function whitespaceList(rest: string): Node | undefined {
  return rest ? chain(rest.split(WS)) : undefined;
}

function parseJSON(rest: string): { node?: Node; json: true } | { notArray: true } {
  rest = rest.replace(/^\s+/, '');
  if (!rest.startsWith('[')) return { notArray: true };
  let v: unknown;
  try { v = JSON.parse(rest); } catch { return { notArray: true }; }
  if (!Array.isArray(v)) return { notArray: true };
  if (!v.every((x) => typeof x === 'string')) throw new LineParseError('when using JSON array syntax, arrays must be comprised of strings only');
  return { node: chain(v as string[]), json: true };
}

export interface Parsed { next?: Node; json: boolean }

type LineParser = (rest: string, escape: string) => Parsed;

const maybeJSON: LineParser = (rest) => {
  if (!rest) return { json: false };
  const j = parseJSON(rest);
  if ('json' in j) return { next: j.node, json: true };
  return { next: node(rest), json: false };
};

const maybeJSONToList: LineParser = (rest) => {
  const j = parseJSON(rest);
  if ('json' in j) return { next: j.node, json: true };
  return { next: whitespaceList(rest), json: false };
};

const healthcheck: LineParser = (rest, escape) => {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!m || !rest || /^\s/.test(rest)) return { json: false };
  const cmd = maybeJSON(m[2], escape);
  return { next: node(m[1], cmd.next), json: cmd.json };
};

export const LINE_PARSERS: Record<string, LineParser> = {
  add: maybeJSONToList,
  arg: (rest, e) => ({ next: chain(parseWords(rest, e)), json: false }),
  cmd: maybeJSON,
  copy: maybeJSONToList,
  entrypoint: maybeJSON,
  env: (rest, e) => ({ next: nameVal(rest, 'ENV', e), json: false }),
  expose: (rest) => ({ next: whitespaceList(rest), json: false }),
  from: (rest) => ({ next: whitespaceList(rest), json: false }),
  healthcheck,
  label: (rest, e) => ({ next: nameVal(rest, 'LABEL', e), json: false }),
  maintainer: (rest) => ({ next: rest ? node(rest) : undefined, json: false }),
  run: maybeJSON,
  shell: maybeJSON,
  stopsignal: (rest) => ({ next: rest ? node(rest) : undefined, json: false }),
  user: (rest) => ({ next: rest ? node(rest) : undefined, json: false }),
  volume: maybeJSONToList,
  workdir: (rest) => ({ next: rest ? node(rest) : undefined, json: false }),
};

/** `--flag` words before the arguments (quotes and escapes removed), and the rest of the line. */
export function extractFlags(line: string, escape: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let buf = '';
  let quote = '';
  let blankOK = false;
  for (let i = 0; i <= line.length; i++) {
    const end = i === line.length;
    let c = end ? '' : line[i];
    if (phase === 'spaces') {
      if (end) break;
      if (isSpace(c)) continue;
      if (c !== '-' || i + 1 === line.length || line[i + 1] !== '-') return { flags, rest: line.slice(i) };
      phase = 'word';
    }
    if (end) {
      if (buf !== '--' && (blankOK || buf)) flags.push(buf);
      break;
    }
    if (phase === 'word') {
      if (isSpace(c)) {
        phase = 'spaces';
        if (buf === '--') return { flags, rest: line.slice(i) };
        if (blankOK || buf) flags.push(buf);
        buf = ''; blankOK = false;
        continue;
      }
      if (c === "'" || c === '"') { quote = c; blankOK = true; phase = 'quote'; continue; }
      if (c === escape) {
        if (i + 1 === line.length) continue;
        c = line[++i];
      }
      buf += c;
      continue;
    }
    if (c === quote) { phase = 'word'; continue; }
    if (c === escape) {
      if (i + 1 === line.length) { phase = 'word'; continue; }
      c = line[++i];
    }
    buf += c;
  }
  return { flags, rest: '' };
}

