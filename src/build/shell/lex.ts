// Word expansion as BuildKit's Dockerfile frontend does it: a small POSIX-shell subset applied to
// instruction arguments before they are used: quotes, the escape token, $NAME and ${NAME...} with
// the operators :- - :+ + :? ? # ## % %% / //. It never runs anything: it only substitutes from
// the given variables (the stage's ARG and ENV values at that point).
//
// Options follow the frontend's: rawQuotes keeps the quote characters in the result (used to
// check heredoc delimiters), rawEscapes keeps escape tokens, skipUnsetEnv leaves references to
// unset variables as written (ONBUILD and the heredoc scan).

export interface Env { get(name: string): string | undefined }

export function envFromList(list: string[]): Env & { keys(): string[] } {
  const m = new Map<string, string>();
  const keys: string[] = [];
  for (const e of list) {
    const i = e.indexOf('=');
    const k = i < 0 ? e : e.slice(0, i);
    keys.push(k);
    m.set(k, i < 0 ? '' : e.slice(i + 1));
  }
  return { get: (n) => m.get(n), keys: () => keys };
}

export class ExpansionError extends Error {
  override name = 'ExpansionError';
}

export interface LexOptions {
  escapeToken?: string; rawQuotes?: boolean; rawEscapes?: boolean; skipUnsetEnv?: boolean;
  /** Quotes are plain characters (heredoc bodies: only $ references are substituted). */
  skipProcessQuotes?: boolean;
}

export interface WordResult { result: string; matched: Set<string>; unmatched: Set<string> }

const EOF = '';
const isSpace = (c: string) => c !== EOF && /^\s$/u.test(c);
const isLetter = (c: string) => /^\p{L}$/u.test(c);
const isDigit = (c: string) => /^\p{Nd}$/u.test(c);
const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** Splits text into words as they are built: unquoted spaces from expansion end a word. */
class Words {
  words: string[] = [];
  buf = '';
  inWord = false;
  addChar(c: string): void {
    if (isSpace(c)) {
      if (this.inWord && this.buf.length) { this.words.push(this.buf); this.buf = ''; this.inWord = false; }
    } else this.addRaw(c);
  }
  addRaw(s: string): void { this.buf += s; this.inWord = true; }
  addString(s: string): void { for (const c of s) this.addChar(c); }
  done(): string[] {
    if (this.buf.length) { this.words.push(this.buf); this.buf = ''; this.inWord = false; }
    return this.words;
  }
}

export class Lexer {
  readonly escape: string;
  readonly opts: LexOptions;
  constructor(opts: LexOptions = {}) {
    this.escape = opts.escapeToken ?? '\\';
    this.opts = opts;
  }

  /** One word: quotes removed, variables substituted, spaces kept. */
  processWord(word: string, env: Env): WordResult {
    const s = new Scan(this, word, env);
    return { result: s.run(word).result, matched: s.matched, unmatched: s.unmatched };
  }

  /** Words split on unquoted whitespace (as for a shell-form argument list). */
  processWords(word: string, env: Env): string[] {
    return new Scan(this, word, env).run(word).words;
  }
}

class Scan {
  chars: string[];
  pos = 0;
  rawEscapes: boolean;
  matched = new Set<string>();
  unmatched = new Set<string>();
  readonly lex: Lexer;
  readonly env: Env;
  constructor(lex: Lexer, word: string, env: Env) {
    this.lex = lex;
    this.env = env;
    this.chars = Array.from(word);
    this.rawEscapes = !!lex.opts.rawEscapes;
  }
  peek(): string { return this.pos < this.chars.length ? this.chars[this.pos] : EOF; }
  next(): string { return this.pos < this.chars.length ? this.chars[this.pos++] : EOF; }

  run(source: string): { result: string; words: string[] } {
    try {
      return this.until(EOF, this.rawEscapes);
    } catch (e) {
      if (e instanceof ExpansionError) throw new ExpansionError(`failed to process "${source}": ${e.message}`);
      throw e;
    }
  }

  getEnv(name: string): string | undefined {
    const v = this.env.get(name);
    (v === undefined ? this.unmatched : this.matched).add(name);
    return v;
  }

  until(stop: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      const quotes = !this.lex.opts.skipProcessQuotes;
      while (this.peek() !== EOF) {
        const c = this.peek();
        if (stop !== EOF && c === stop) { this.next(); return { result, words: words.done() }; }
        if (c === '$') {
          const v = this.dollar(); result += v; words.addString(v);
        } else if (c === '<') {
          const v = this.maybeHeredoc(); result += v; words.addRaw(v);
        } else if (quotes && c === "'") {
          const v = this.single(); result += v; words.addRaw(v);
        } else if (quotes && c === '"') {
          const v = this.double(); result += v; words.addRaw(v);
        } else {
          let ch = this.next();
          if (ch === this.lex.escape) {
            if (this.rawEscapes) { words.addRaw(ch); result += ch; }
            ch = this.next();
            if (ch === EOF) break;
            words.addRaw(ch);
          } else words.addChar(ch);
          result += ch;
        }
      }
      if (stop !== EOF) throw new ExpansionError(`unexpected end of statement while looking for matching ${stop}`);
      return { result, words: words.done() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  single(): string {
    const raw = this.lex.opts.rawQuotes;
    let out = raw ? this.next() : (this.next(), '');
    for (;;) {
      const c = this.next();
      if (c === EOF) throw new ExpansionError('unexpected end of statement while looking for matching single-quote');
      if (c === "'") return raw ? out + c : out;
      out += c;
    }
  }

  double(): string {
    const raw = this.lex.opts.rawQuotes;
    let out = raw ? this.next() : (this.next(), '');
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new ExpansionError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') { const c = this.next(); return raw ? out + c : out; }
      if (p === '$') { out += this.dollar(); continue; }
      let c = this.next();
      if (c === this.lex.escape) {
        if (this.rawEscapes) out += c;
        const n = this.peek();
        if (n === EOF) continue;
        if (n === '"' || n === '$' || n === this.lex.escape) c = this.next();
      }
      out += c;
    }
  }

  name(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const c = this.peek();
      if (!name && isDigit(c)) {
        while (isDigit(this.peek())) name += this.next();
        return name;
      }
      if (!name && SPECIAL.has(c)) return this.next();
      if (!isLetter(c) && !isDigit(c) && c !== '_') break;
      name += this.next();
    }
    return name;
  }

  dollar(): string {
    this.next();
    const skip = this.lex.opts.skipUnsetEnv;
    if (this.peek() !== '{') {
      const name = this.name();
      if (!name) return '$';
      const v = this.getEnv(name);
      if (v === undefined && skip) return `$${name}`;
      return v ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new ExpansionError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ExpansionError('syntax error: bad substitution');
    const name = this.name();
    let ch = this.next();
    let op = ch;
    let nullIsUnset = false;
    if (ch === '}') {
      const v = this.getEnv(name);
      if (v === undefined && skip) return `\${${name}}`;
      return v ?? '';
    }
    if (ch === '/') return this.replace(name);
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      op += ch;
    }
    if (!['+', '-', '?', '#', '%'].includes(ch)) throw new ExpansionError(`unsupported modifier (${op}) in substitution`);
    const trims = ch === '#' || ch === '%';
    if (nullIsUnset && trims) throw new ExpansionError(`unsupported modifier (${op}) in substitution`);
    let word: string;
    try {
      word = this.until('}', trims).result;
    } catch (e) {
      if (this.peek() === EOF) throw new ExpansionError("syntax error: missing '}'");
      throw e;
    }
    const v = this.getEnv(name);
    if (skip && v === undefined) return `\${${name}${op}${word}}`;
    const empty = v === undefined || (nullIsUnset && v === '');
    switch (ch) {
      case '-': return empty ? word : v!;
      case '+': return empty ? '' : word;
      case '?':
        if (v === undefined) throw new ExpansionError(`${name}: ${word || 'is not allowed to be unset'}`);
        if (nullIsUnset && v === '') throw new ExpansionError(`${name}: ${word || 'is not allowed to be empty'}`);
        return v;
      default: {
        const greedy = word.startsWith(ch);
        if (greedy) word = word.slice(1);
        return trim(v ?? '', word, ch === '#' ? 'prefix' : 'suffix', greedy);
      }
    }
  }

  replace(name: string): string {
    const all = this.peek() === '/';
    if (all) this.next();
    let pattern: string, replacement: string;
    try { pattern = this.until('/', true).result; } catch (e) {
      if (this.peek() === EOF) throw new ExpansionError("syntax error: missing '/' in ${}");
      throw e;
    }
    try { replacement = this.until('}', true).result; } catch (e) {
      if (this.peek() === EOF) throw new ExpansionError("syntax error: missing '}'");
      throw e;
    }
    const v = this.getEnv(name);
    if (this.lex.opts.skipUnsetEnv && v === undefined) return `\${${name}/${pattern}/${replacement}}`;
    const re = patternToRegex(pattern, true, false, all);
    const value = v ?? '';
    return all ? value.replace(re, () => replacement) : value.replace(re, () => replacement);
  }

  maybeHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let space = '';
    while (this.peek() === ' ' || this.peek() === '\t') space += this.next();
    return `<<${space}`;
  }
}

/** A shell glob (`*`, `?`, `\` escapes) as a regular expression. */
export function patternToRegex(pattern: string, greedy: boolean, anchored: boolean, global = false, whole = false): RegExp {
  const cs = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (c === '*') { out += greedy ? '[\\s\\S]*' : '[\\s\\S]*?'; continue; }
    if (c === '?') { out += '[\\s\\S]'; continue; }
    if (c === '\\') {
      const n = cs[i + 1];
      if (n === '}' || n === '/') continue;
      if (n !== '*' && n !== '?' && n !== '\\') throw new ExpansionError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${n ?? ''}'`);
      out += `\\${n}`; i++;
      continue;
    }
    out += c.replace(/[[\]{}.+()|^$]/g, '\\$&');
  }
  if (whole) out += '$';
  return new RegExp(out, `u${global ? 'g' : ''}`);
}

/** ${V#p} ${V##p} ${V%p} ${V%%p}: the shortest (or, greedy, longest) matching prefix or suffix. */
function trim(value: string, pattern: string, side: 'prefix' | 'suffix', greedy: boolean): string {
  const re = patternToRegex(pattern, true, true, false, true);
  const cs = Array.from(value);
  const n = cs.length;
  const lengths = greedy ? Array.from({ length: n + 1 }, (_, i) => n - i) : Array.from({ length: n + 1 }, (_, i) => i);
  for (const len of lengths) {
    const part = side === 'prefix' ? cs.slice(0, len).join('') : cs.slice(n - len).join('');
    if (re.test(part)) return side === 'prefix' ? cs.slice(len).join('') : cs.slice(0, n - len).join('');
  }
  return value;
}
