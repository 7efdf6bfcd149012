// The parser's output: one node per instruction, its arguments as a chain (`next`), ONBUILD's
// inner instruction as a child. Lines are 1-based and inclusive, for error messages.

export interface Heredoc {
  name: string;
  fileDescriptor: number;
  /** False when the delimiter was quoted: the body is then taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body. */
  chomp: boolean;
  content: string;
}

export interface Node {
  value: string;
  next?: Node;
  children: Node[];
  heredocs: Heredoc[];
  /** `json: true` for the exec (JSON array) form. */
  json: boolean;
  original: string;
  flags: string[];
  startLine: number;
  endLine: number;
  /** The comment lines right above the instruction. */
  comments: string[];
}

export function node(value: string, next?: Node): Node {
  return { value, next, children: [], heredocs: [], json: false, original: '', flags: [], startLine: 0, endLine: 0, comments: [] };
}

/** The arguments of an instruction as a list. */
export function args(n: Node): string[] {
  const out: string[] = [];
  for (let a = n.next; a; a = a.next) out.push(a.value);
  return out;
}

const goQuote = (s: string) => JSON.stringify(s).replace(/\\u0000/g, '\\x00').replace(/\\u([0-9a-f]{4})/g, (m, h: string) => {
  const c = parseInt(h, 16);
  return c < 0x20 || c === 0x7f ? `\\x${h.slice(2)}` : String.fromCharCode(c);
});

/** The s-expression form BuildKit's parser tests compare against (its AST dump). */
export function dump(n: Node): string {
  let s = n.value.toLowerCase();
  if (n.flags.length) s += ` [${n.flags.map(goQuote).join(' ')}]`;
  for (const c of n.children) s += `(${dump(c)})\n`;
  for (let a = n.next; a; a = a.next) s += ` ${a.children.length ? dump(a) : goQuote(a.value)}`;
  return s.trim();
}
