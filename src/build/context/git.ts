// ADD of a git repository, as BuildKit reads it: `git://…`, `ssh://…`, `git@host:path`,
// `github.com/…`, or an http(s) URL whose path ends in `.git`; a `#ref:subdir` fragment names a
// branch, tag or full commit (default: the remote's HEAD) and a directory of the repository. The
// ref is resolved to a commit first (`git ls-remote`): the cache key is that commit, so an
// unchanged branch is a cache hit without fetching. The checkout is shallow when the server
// allows fetching a commit by its id, else the refs are fetched whole. Files get git's modes
// (0644, or 0755 when executable); submodules are checked out too; `.git` (the repository's and
// the submodules') is removed unless --keep-git-dir.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execFileAsync } from '../../util/exec.ts';
import { SourceError } from './sources.ts';

export interface GitSource {
  /** What git is given (the fragment and query removed). */
  remote: string;
  /** A branch, tag, commit or full ref name (`?tag=`/`?branch=` give refs/tags/…, refs/heads/…). */
  ref?: string;
  /** A directory of the repository, without leading or trailing slashes ('' for its root). */
  subdir: string;
  /** From the query form: the commit the ref must name, keep-git-dir, submodules=false. */
  checksum?: string;
  keepGitDir?: boolean;
  submodules?: boolean;
}

/** The URL without its `#fragment` and `?query` (BuildKit's query form, Dockerfile 1.18). */
const bare = (s: string) => s.split('#')[0].split('?')[0];

export function isGitSource(s: string): boolean {
  if (/^(git:\/\/|ssh:\/\/|git@)/.test(s) || s.startsWith('github.com/')) return true;
  return /^https?:\/\//i.test(s) && /\.git\/?$/.test(bare(s));
}

const QUERY_KEYS = new Set(['ref', 'tag', 'branch', 'checksum', 'commit', 'subdir', 'keep-git-dir', 'submodules']);
const bool = (s: string, k: string, v: string) => {
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new SourceError(`${s}: ${k}=${v}: expected true or false`);
};

/** `URL#ref:subdir`, or `URL?ref=|tag=|branch=…&subdir=…&checksum=…&keep-git-dir=…&submodules=…`. */
export function parseGitSource(s: string): GitSource {
  const hash = s.indexOf('#');
  const frag = hash < 0 ? '' : s.slice(hash + 1);
  let remote = hash < 0 ? s : s.slice(0, hash);
  const q = remote.indexOf('?');
  const query = q < 0 ? undefined : new URLSearchParams(remote.slice(q + 1));
  if (q >= 0) remote = remote.slice(0, q);
  if (remote.startsWith('github.com/')) remote = `https://${remote}`;
  if (remote.startsWith('-')) throw new SourceError(`${s}: invalid git reference`);
  const clean = (d: string) => posix.normalize(`/${d}`).replace(/^\/+|\/+$/g, '');
  if (!query) {
    const colon = frag.indexOf(':');
    const ref = colon < 0 ? frag : frag.slice(0, colon);
    if (ref.startsWith('-')) throw new SourceError(`${s}: invalid git reference`);
    return { remote, ...(ref ? { ref } : {}), subdir: clean(colon < 0 ? '' : frag.slice(colon + 1)) };
  }
  if (frag) throw new SourceError(`${s}: give the ref and subdir either as a #fragment or as a ?query, not both`);
  for (const k of query.keys()) if (!QUERY_KEYS.has(k)) throw new SourceError(`${s}: unknown git URL query "${k}" (${[...QUERY_KEYS].join(', ')})`);
  const given = (['ref', 'tag', 'branch'] as const).filter((k) => query.has(k));
  if (given.length > 1) throw new SourceError(`${s}: only one of ref, tag and branch`);
  const v = given.length ? query.get(given[0])! : '';
  const ref = given[0] === 'tag' ? `refs/tags/${v}` : given[0] === 'branch' ? `refs/heads/${v}` : v;
  if (v.startsWith('-')) throw new SourceError(`${s}: invalid git reference`);
  const checksum = query.get('checksum') ?? query.get('commit') ?? undefined;
  return {
    remote, ...(ref ? { ref } : {}), subdir: clean(query.get('subdir') ?? ''),
    ...(checksum ? { checksum } : {}),
    ...(query.has('keep-git-dir') ? { keepGitDir: bool(s, 'keep-git-dir', query.get('keep-git-dir')!) } : {}),
    ...(query.has('submodules') ? { submodules: bool(s, 'submodules', query.get('submodules')!) } : {}),
  };
}

/** Where a URL is shown, in a message or alone (credentials in it never are). */
export function redactGitURL(u: string): string {
  return u.replace(/([a-z+]+:\/\/)[^@/\s]*@/gi, '$1***@');
}

async function git(args: string[], cwd?: string): Promise<string> {
  try {
    const r = await execFileAsync('git', args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', LC_ALL: 'C' } });
    return r.stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string; code?: string | number };
    if (err.code === 'ENOENT') throw new SourceError('ADD of a git repository needs git on the host (Debian package git)');
    throw new SourceError(redactGitURL((err.stderr ?? err.message).trim().split('\n').filter(Boolean).slice(-3).join('; ')));
  }
}

const isCommit = (r: string) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(r);

/** The commit a source's ref names on its remote now. */
export async function resolveGitCommit(src: GitSource): Promise<string> {
  if (src.ref && isCommit(src.ref)) return src.ref;
  const where = redactGitURL(src.remote);
  let out: string;
  try { out = await git(['ls-remote', '--', src.remote, ...(src.ref ? [] : ['HEAD'])]); } catch (e) {
    throw new SourceError(`failed to read git repository ${where}: ${(e as Error).message}`);
  }
  const refs = new Map(out.split('\n').filter(Boolean).map((l) => { const [sha, name] = l.split('\t'); return [name, sha] as const; }));
  if (!src.ref) {
    const head = refs.get('HEAD');
    if (!head) throw new SourceError(`git repository ${where} has no HEAD`);
    return head;
  }
  const r = src.ref;
  // A branch first, then a tag (its commit when annotated), then a full ref name.
  const sha = refs.get(`refs/heads/${r}`) ?? refs.get(`refs/tags/${r}^{}`) ?? refs.get(`refs/tags/${r}`) ?? refs.get(`${r}^{}`) ?? refs.get(r) ?? refs.get(`refs/${r}`);
  if (!sha) throw new SourceError(`git repository ${where}: ref "${r}" not found`);
  return sha;
}

/** Checks `commit` out into `dir` (created) and returns the directory to copy (the subdir). */
export async function checkoutGit(src: GitSource, commit: string, dir: string, keepGitDir: boolean): Promise<string> {
  const where = redactGitURL(src.remote);
  mkdirSync(dir, { recursive: true });
  await git(['init', '-q', dir]);
  await git(['remote', 'add', 'origin', src.remote], dir);
  try {
    await git(['fetch', '-q', '--depth=1', '--no-tags', 'origin', commit], dir);
  } catch {
    // Servers that refuse a commit by id (allowReachableSHA1InWant off): every branch and tag.
    try { await git(['fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'], dir); } catch (e) {
      throw new SourceError(`failed to fetch ${where}: ${(e as Error).message}`);
    }
  }
  const branch = src.ref?.startsWith('refs/heads/') ? src.ref.slice('refs/heads/'.length) : src.ref && !isCommit(src.ref) && !src.ref.startsWith('refs/') ? src.ref : undefined;
  try {
    await git(['-c', 'advice.detachedHead=false', 'checkout', '-q', ...(keepGitDir && branch ? ['-B', branch] : []), commit], dir);
  } catch (e) {
    throw new SourceError(`git repository ${where}: commit ${commit} cannot be checked out: ${(e as Error).message}`);
  }
  // Submodules, as BuildKit checks them out (their remotes over the network only, never file://).
  if (src.submodules !== false && existsSync(join(dir, '.gitmodules'))) {
    try { await git(['-c', 'protocol.file.allow=never', 'submodule', 'update', '--init', '--recursive'], dir); } catch (e) {
      throw new SourceError(`git repository ${where}: submodules: ${(e as Error).message}`);
    }
  }
  if (!keepGitDir) removeGitDirs(dir);
  normalizeModes(dir, keepGitDir);
  // The subdir resolved: a symlink in the repository must not lead the copy out of the checkout.
  let root: string;
  try { root = realpathSync(join(dir, src.subdir)); } catch { throw new SourceError(`git repository ${where}: no directory "${src.subdir}" at ${commit}`); }
  const top = realpathSync(dir);
  if (root !== top && !root.startsWith(`${top}/`)) throw new SourceError(`git repository ${where}: "${src.subdir}" leads out of the repository`);
  if (!lstatSync(root).isDirectory()) throw new SourceError(`git repository ${where}: "${src.subdir}" is not a directory`);
  return root;
}

/** `.git` of the repository and of its submodules (a directory, or a file naming one). */
function removeGitDirs(dir: string): void {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (n === '.git') { rmSync(p, { recursive: true, force: true }); continue; }
    if (lstatSync(p).isDirectory()) removeGitDirs(p);
  }
}

/** Git keeps only "executable or not": files 0755/0644 and directories 0755 whatever the umask. */
function normalizeModes(dir: string, skipGit: boolean): void {
  for (const n of readdirSync(dir)) {
    if (skipGit && n === '.git') continue; // the repository's and its submodules' (kept as git wrote them)
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) { chmodSync(p, 0o755); normalizeModes(p, skipGit); } else chmodSync(p, st.mode & 0o100 ? 0o755 : 0o644);
  }
}

/** The checkout of `commit` (its subdir) in a scratch directory while `fn` runs. */
export async function withGitCheckout<T>(src: GitSource, commit: string, keepGitDir: boolean, fn: (root: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-build-git-'));
  try {
    return await fn(await checkoutGit(src, commit, join(dir, 'repo'), keepGitDir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
