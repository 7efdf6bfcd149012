// The launcher scripts/build.sh installs as dist/NAME.mjs (with a #! line for Node) in front of
// the CommonJS bundle dist/lib/NAME.cjs. It runs the bundle through vm.Script with a V8 code
// cache of its own, one per command, made when the process exits: unlike Node's compile cache
// (made right after compiling, so holding only the top-level code) it then holds the bytecode
// of every function the command ran, which otherwise is compiled lazily on every start.
// Keyed by the bundle's size, mtime and inode (V8 itself only checks the source length) and
// Node's version; V8 rejects a cache made with other flags, and a rejected or missing cache is
// written again. Everything here is best effort: without a writable cache dir it just runs.
// berth's read-only commands (ps, inspect, images, image inspect) run from a smaller bundle,
// dist/lib/berth-query.cjs (src/cli/berth-query-main.ts: the engine's query face, without the
// runtime, network or build code), when one sits beside berth's: its runQuery answers a command
// line or hands it on (undefined, nothing printed) to the full bundle, loaded then in this process.
// No ESM imports: process.getBuiltinModule builds no ESM facades.
const fs = process.getBuiltinModule('node:fs');
const vm = process.getBuiltinModule('node:vm');
const path = process.getBuiltinModule('node:path');
const { createRequire } = process.getBuiltinModule('node:module');

const here = import.meta.dirname;
const name = path.basename(import.meta.filename, '.mjs');

// The command word picks the cache (`state` needs far less code than `run`); a global option's
// value that happens to be a command name only picks another cache.
const COMMANDS = new Set(['create', 'start', 'run', 'state', 'kill', 'delete', 'list', 'ls', 'spec', 'exec', 'ps', 'pause', 'resume', 'events', 'update', 'features',
  // berth's (the engine's) own: `container cleanup` is conmon's exit command after every run.
  'cleanup', 'rm', 'stop', 'logs', 'inspect', 'pull', 'load', 'images']);
// A berthd worker (src/daemon/worker.ts) loads every command before its argv is known.
const command = process.env.BERTH_DAEMON_WORKER === '1' ? 'worker' : process.argv.slice(2).find((a) => COMMANDS.has(a)) ?? 'other';
// berth's read-only commands (src/cli/berth/queries.ts decides on the whole line): ps, inspect,
// images, and container/image ls|list|ps|inspect. Judged on the command word (after the global
// options; three take a value), so that `run IMG ls` never loads the query bundle first.
const QUERY_SUBWORDS = new Set(['ps', 'ls', 'list', 'inspect']);
function isQueryLine(args) {
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += ['--root', '--run-root', '--runtime'].includes(args[i]) ? 2 : 1;
  const [word, sub] = args.slice(i, i + 2);
  return word === 'ps' || word === 'inspect' || word === 'images' || ((word === 'container' || word === 'image') && QUERY_SUBWORDS.has(sub));
}

// Builtins a command may never touch are loaded on first use, not when the bundle starts: the
// bundle's modules `require` their imports as they initialise (the engine's graph pulls in crypto,
// zlib, worker_threads, http…: ~15 ms of module loading a `run` of a local image has no use for).
// esbuild's CommonJS output reads imports as properties (`import_node_zlib.createGunzip(…)`), so a
// proxy that loads the module at its first property access is transparent.
const LAZY = new Set(['node:crypto', 'node:zlib', 'node:worker_threads', 'node:http', 'node:https', 'node:dgram',
  'node:readline/promises', 'node:stream/promises', 'node:fs/promises', 'node:sqlite',
  // child_process loads net, dgram and all of node:stream (~5 ms): `ps` and `inspect` spawn nothing.
  'node:child_process', 'node:net', 'node:stream', 'node:os', 'node:timers/promises', 'node:readline']);
const realRequire = createRequire(path.join(here, 'lib', `${name}.cjs`));
function lazyBuiltin(id) {
  let mod;
  const load = () => (mod ??= realRequire(id));
  return new Proxy(Object.create(null), {
    get: (_, k) => load()[k],
    has: (_, k) => k in load(),
    set: (_, k, v) => { load()[k] = v; return true; },
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, k) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), k);
      if (d) d.configurable = true; // a proxy may not report a non-configurable key its target lacks
      return d;
    },
  });
}
const lazyRequire = Object.assign((id) => (LAZY.has(id) ? lazyBuiltin(id) : realRequire(id)), realRequire);

/** Runs dist/lib/BUNDLENAME.cjs with its code cache for `key` (written at exit when keep(status)
 * says the run was one worth keeping); returns its module.exports. */
function runBundle(bundleName, key = command, keep = (status) => status === 0) {
  const bundle = path.join(here, 'lib', `${bundleName}.cjs`);

  const st = fs.statSync(bundle, { bigint: true });
  // The tree's cache is its owner's. Anyone else (a user of a shared install, or root of a
  // rootless user namespace, where the owner shows as another id) keeps one of their own.
  const userCache = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, '.cache') : '');
  const cacheDir = st.uid === BigInt(process.geteuid()) || !userCache
    ? path.join(here, '..', 'build', 'v8-cache', bundleName)
    : path.join(userCache, 'berth', 'v8-cache', bundleName);
  const cacheFile = path.join(cacheDir, `${key}-${st.size}-${st.mtimeNs}-${st.ino}-${process.version}-${process.arch}`);
  let cachedData;
  try {
    const fd = fs.openSync(cacheFile, 'r');
    try {
      // Bytecode runs with our privileges: trust a cache only as far as the bundle itself.
      const owner = fs.fstatSync(fd).uid;
      if (owner === process.geteuid() || BigInt(owner) === st.uid) cachedData = fs.readFileSync(fd);
    } finally { fs.closeSync(fd); }
  } catch { /* first run of this command */ }

  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  // A berthd worker's cache grows instead: each worker runs one command after the same warm-up, and
  // the first worker to run a given command word adds that command's functions (written after its
  // client has its answer; <cache>.commands lists the words in it, so that a command seen before
  // costs no serialisation at all).
  const grow = command === 'worker' && cachedData && !script.cachedDataRejected;
  if (!cachedData || script.cachedDataRejected || grow) {
    // Only a successful run's cache (but where keep says otherwise): one made on an error path
    // lacks the functions the command normally runs, and an accepted cache is never replaced
    // (but for a worker's, grown).
    process.once('exit', (code) => {
      if (!keep(code)) return;
      try {
        let words = '';
        if (command === 'worker') {
          // The worker took its client's argv by now.
          const word = process.argv.slice(2).find((a) => COMMANDS.has(a)) ?? 'other';
          try { words = fs.readFileSync(`${cacheFile}.commands`, 'utf8'); } catch { /* none yet */ }
          if (words.split('\n').includes(word)) return;
          // What this process's cache holds: what it loaded, or (booted without one) its own.
          words = grow ? `${words}${word}\n` : `${word}\n`;
        }
        const data = script.createCachedData();
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, cacheFile);
        if (words) fs.writeFileSync(`${cacheFile}.commands`, words);
      } catch { /* read-only tree, or another user's: run without */ }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, lazyRequire, module, bundle, path.dirname(bundle));
  return module.exports;
}

const argv = process.argv.slice(2);
let code;
if (name === 'berth' && command !== 'worker' && isQueryLine(argv) && fs.existsSync(path.join(here, 'lib', 'berth-query.cjs'))) {
  const query = runBundle('berth-query', command, (status) => status === 0 && code !== undefined);
  // A failure of its own (not of the command) leaves the command line to the full CLI.
  code = await query.runQuery(argv).catch(() => undefined);
  // Handed on: the full bundle runs what the query bundle could not (a missing name, sizes,
  // --help), often failing, under a cache of its own written whatever the status (these runs
  // are all the full bundle's runs of this word; a cache only from successes would never be).
  if (code === undefined) runBundle(name, `${command}-handed`, () => true);
} else runBundle(name);
if (code !== undefined) {
  process.exitCode = code;
  // As the full CLI: nothing keeps a finished command alive.
  setImmediate(() => process.exit(code));
}
