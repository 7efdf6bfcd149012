// Dockerfile text → instruction nodes, as BuildKit's parser reads it: directives at the top, the
// escape token (\ or `) for line continuations, comments skipped (also inside continued lines),
// empty continuation lines tolerated with a warning, heredocs (<<EOF, <<-EOF, quoted delimiters,
// several per line) after RUN/COPY/ADD, and each instruction's own argument form.
import { Lexer } from '../shell/lex.ts';
import { DirectiveReader } from './directives.ts';
import { extractFlags, LINE_PARSERS, LineParseError } from './line-parsers.ts';
import { node, type Heredoc, type Node } from './node.ts';

export class DockerfileParseError extends Error {
  override name = 'DockerfileParseError';
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  constructor(file: string, line: number, detail: string) {
    super(`${file}:${line}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

export interface ParseResult {
  /** Instructions in order. */
  children: Node[];
  escapeToken: string;
  directives: Map<string, { value: string; line: number }>;
  warnings: { message: string; line: number }[];
}

const HEREDOC_COMMANDS = new Set(['add', 'copy', 'run']);

function lineFromInstruction(text: string, escape: string, comments: string[]): Node {
  const t = text.trim();
  const m = /^(\S+)(?:[\t\v\f\r ]+([\s\S]*))?$/.exec(t);
  const cmd = m?.[1] ?? '';
  const { flags, rest } = m?.[2] !== undefined ? extractFlags(m[2], escape) : { flags: [], rest: '' };
  const lower = cmd.toLowerCase();
  let n: Node;
  if (lower === 'onbuild') {
    n = node(cmd);
    const inner = rest.trim();
    if (inner) { const child = lineFromInstruction(inner, escape, []); const holder = node(''); holder.children.push(child); n.next = holder; }
  } else {
    const p = LINE_PARSERS[lower];
    n = node(cmd);
    if (p) { const r = p(rest.trim(), escape); n.next = r.next; n.json = r.json; }
  }
  n.original = text;
  n.flags = flags;
  n.comments = comments;
  return n;
}

function canHaveHeredoc(n: Node): boolean {
  let target = n;
  if (n.value.toLowerCase() === 'onbuild' && n.next?.children.length) target = n.next.children[0];
  return HEREDOC_COMMANDS.has(target.value.toLowerCase()) && !target.json;
}

const HEREDOC_WORD = /^(\d*)<<(-?)\s*([^<]*)$/;

/** A `<<[-]WORD` token → the heredoc it opens (quoted word: no expansion of the body). */
export function parseHeredocToken(word: string): Omit<Heredoc, 'content'> | null {
  const m = HEREDOC_WORD.exec(word);
  if (!m || !m[3]) return null;
  const empty = { get: () => undefined };
  const plain = new Lexer({ skipUnsetEnv: true }).processWords(m[3], empty);
  if (plain.length !== 1) return null;
  const raw = new Lexer({ skipUnsetEnv: true, rawQuotes: true }).processWords(m[3], empty);
  if (raw.length !== 1) throw new LineParseError(`internal lexing of heredoc produced inconsistent results: ${m[3]}`);
  const quotes = (s: string) => (s.match(/['"]/g) ?? []).length;
  return { name: plain[0], fileDescriptor: Number(m[1] || 0), chomp: m[2] === '-', expand: quotes(plain[0]) === quotes(raw[0]) };
}

function heredocsOf(line: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = new Lexer({ rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).processWords(line, { get: () => undefined });
  } catch { words = []; }
  return words.map(parseHeredocToken).filter((h): h is Omit<Heredoc, 'content'> => h !== null);
}

export function parseDockerfile(text: string, file = 'Dockerfile'): ParseResult {
  const lines = text.split(/(?<=\n)/);
  if (lines.length && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  const directives = new DirectiveReader();
  let escape = '\\';
  let cont = continuation(escape);
  const children: Node[] = [];
  const warnings: { message: string; line: number }[] = [];
  let comments: string[] = [];
  let idx = 0;
  const fail = (line: number, e: unknown): never => {
    throw new DockerfileParseError(file, line, (e as Error).message);
  };
  /** Trims the newline (and, for an instruction's first line, leading space); notes directives. */
  const process = (raw: string, stripLeft: boolean, lineNo: number): { text: string; directive: boolean } => {
    let t = raw.replace(/[\r\n]+$/, '');
    if (stripLeft) t = t.replace(/^\s+/, '');
    let directive = false;
    try {
      const d = directives.read(t);
      if (d) {
        directive = true;
        if (d.name === 'escape') {
          if (d.value !== '`' && d.value !== '\\') throw new Error(`invalid escape token '${d.value}' does not match \` or \\`);
          escape = d.value;
          cont = continuation(escape);
        }
      }
    } catch (e) { fail(lineNo, e); }
    return { text: isComment(t) ? '' : t, directive };
  };
  while (idx < lines.length) {
    const raw = lines[idx];
    if (isComment(raw)) {
      const c = raw.replace(/^\s*#/, '').trim();
      comments = c ? [...comments, c] : [];
    }
    const first = process(raw, true, idx + 1);
    if (first.directive) comments = comments.slice(0, -1);
    idx++;
    const startLine = idx;
    let [bytes, endOfLine] = trimContinuation(first.text, cont);
    if (endOfLine && bytes === '') continue;
    let buf = bytes;
    let emptyCont = false;
    while (!endOfLine && idx < lines.length) {
      const next = lines[idx];
      const p = process(next, false, idx + 1);
      idx++;
      if (isComment(next)) continue;
      if (p.text.trim() === '') { emptyCont = true; continue; }
      [bytes, endOfLine] = trimContinuation(p.text, cont);
      buf += bytes;
    }
    if (emptyCont) warnings.push({ message: `Empty continuation line found in: ${buf}`, line: idx });
    let child: Node;
    try { child = lineFromInstruction(buf, escape, comments); } catch (e) { fail(startLine, e); }
    child = child!;
    if (canHaveHeredoc(child) && buf.includes('<<')) {
      let docs: Omit<Heredoc, 'content'>[] = [];
      try { docs = heredocsOf(buf); } catch (e) { fail(startLine, e); }
      for (const h of docs) {
        let content = '';
        let done = false;
        while (idx < lines.length) {
          const l = lines[idx++];
          let candidate = l.replace(/[\r\n]+$/, '');
          if (h.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === h.name) { done = true; break; }
          content += l;
        }
        if (!done) fail(startLine, new Error('unterminated heredoc'));
        child.heredocs.push({ ...h, content });
      }
    }
    child.startLine = startLine;
    child.endLine = idx;
    children.push(child);
    comments = [];
  }
  if (!children.length) throw new DockerfileParseError(file, idx, 'file with no instructions');
  return { children, escapeToken: escape, directives: directives.values, warnings };
}

function isComment(line: string): boolean {
  return /^\s*#/.test(line);
}

function continuation(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : '`';
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

function trimContinuation(line: string, re: RegExp): [string, boolean] {
  if (re.test(line)) return [line.replace(re, '$1'), false];
  return [line, true];
}

/** `<<-` bodies: leading tabs removed from every line. */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, '');
}
