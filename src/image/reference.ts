// Image references: the docker reference grammar (distribution/reference) with the same
// normalisation docker applies, so `busybox`, `library/busybox` and
// `docker.io/library/busybox:latest` all name one thing.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component ( "/" path-component )*
//   domain     := host [ ":" port ]        host: dns labels joined by ".", or [ipv6]
//   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest     := algorithm ":" hex

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
export const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_MAX = 255;

const DOMAIN_LABEL = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*|${IPV6})(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const KNOWN_DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** A fully normalised reference: `domain` and `path` are always set; tag and digest as given
 * (parseReference adds the `latest` tag when neither is present). */
export interface Reference {
  /** Registry host, with port when present: `docker.io`, `localhost:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/busybox`, `a/b`. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Why a reference string was refused; `input` is the text as the user typed it. */
export class InvalidReferenceError extends Error {
  readonly input: string;
  readonly reason: string;
  constructor(input: string, reason: string) {
    super(`invalid reference "${input}": ${reason}`);
    this.name = 'InvalidReferenceError';
    this.input = input;
    this.reason = reason;
  }
}

/** Checks a digest string (algorithm and hex length); returns the reason it is bad or null. */
export function digestProblem(d: string): string | null {
  if (!DIGEST_RE.test(d)) return `digest "${d}" is not of the form algorithm:hex`;
  const [alg, hex] = d.split(':', 2) as [string, string];
  const want = KNOWN_DIGEST_LENGTHS[alg];
  if (want === undefined) return `digest algorithm "${alg}" is not supported (sha256, sha384, sha512)`;
  if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) return `digest "${d}" must have ${want} lowercase hex characters after "${alg}:"`;
  return null;
}

/** Splits `name` into domain and remainder the way docker does: the first component is a
 * domain when it contains "." or ":", is "localhost", or has uppercase letters (so the name
 * check below rejects `Foo/bar` as a bad repository rather than a bad host). */
function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf('/');
  if (i === -1) return { domain: DEFAULT_DOMAIN, path: name };
  const first = name.slice(0, i);
  if (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first) {
    return { domain: DEFAULT_DOMAIN, path: name };
  }
  return { domain: first, path: name.slice(i + 1) };
}

/** Parses and normalises a reference. Adds tag `latest` when neither tag nor digest is given
 * (set `defaultTag: false` to keep a bare name, e.g. for `berth images NAME`). */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): Reference {
  const s = input.trim();
  if (s === '') throw new InvalidReferenceError(input, 'empty reference');
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const bad = digestProblem(digest);
    if (bad) throw new InvalidReferenceError(input, bad);
  }
  let tag: string | undefined;
  // A tag is after the last ":" that follows the last "/" (a ":" before it is a port).
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw new InvalidReferenceError(input, `tag "${tag}" must be 1-128 characters of letters, digits, "_", "." and "-", not starting with "." or "-"`);
    }
  }
  if (rest === '') throw new InvalidReferenceError(input, 'missing repository name');
  if (/^[a-f0-9]{64}$/.test(rest)) throw new InvalidReferenceError(input, 'a 64-character hex string is an image ID, not a repository name');
  if (rest.length > NAME_TOTAL_MAX) throw new InvalidReferenceError(input, `repository name longer than ${NAME_TOTAL_MAX} characters`);
  let { domain, path } = splitDomain(rest);
  if (!DOMAIN_RE.test(domain)) throw new InvalidReferenceError(input, `registry host "${domain}" is not a valid host[:port]`);
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (path === '') throw new InvalidReferenceError(input, 'missing repository path after the registry host');
  for (const comp of path.split('/')) {
    if (PATH_COMPONENT_RE.test(comp)) continue;
    if (comp.toLowerCase() !== comp && PATH_COMPONENT_RE.test(comp.toLowerCase())) {
      throw new InvalidReferenceError(input, `repository name "${path}" must be lowercase`);
    }
    throw new InvalidReferenceError(input, comp === ''
      ? `repository name "${path}" has an empty path component`
      : `repository path component "${comp}" may only hold lowercase letters, digits and single separators (".", "_", "__", "-")`);
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  const ref: Reference = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined && opts.defaultTag !== false) ref.tag = DEFAULT_TAG;
  return ref;
}

/** `domain/path`: the repository, without tag or digest. */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised string: `docker.io/library/busybox:latest`, `h:5000/a@sha256:…`. */
export function formatReference(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The short form docker shows: drops `docker.io/` and `library/`. */
export function familiarName(ref: Reference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) && ref.path.split('/').length === 2
      ? ref.path.slice(OFFICIAL_REPO_PREFIX.length)
      : ref.path;
  }
  if (ref.tag !== undefined) name += `:${ref.tag}`;
  if (ref.digest !== undefined) name += `@${ref.digest}`;
  return name;
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function manifestReference(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The host the registry API really lives on (docker.io's API is registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/** Normalises a reference string in one go (convenience for CLI and tests). */
export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}
