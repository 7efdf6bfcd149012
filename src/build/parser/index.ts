// The Dockerfile parser's public face.
export { parseDockerfile, DockerfileParseError, chompHeredoc, parseHeredocToken } from './parser.ts';
export type { ParseResult } from './parser.ts';
export { args, dump } from './node.ts';
export type { Node, Heredoc } from './node.ts';
export { parseWords } from './line-parsers.ts';
