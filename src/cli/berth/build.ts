// berth build [OPTIONS] PATH | -: an image from a Dockerfile (docker build's flags). The CLI reads
// the context and the Dockerfile, hands them to the builder and renders its progress as
// BuildKit's plain lines on stderr (only the image ID on stdout with -q).
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { build, BuildFailure, parseCacheOption, parseOutput } from '../../build/index.ts';
import type { PullPolicy } from '../../engine/index.ts';
import { plainRenderer, ttyRenderer, type Renderer } from '../present/index.ts';
import type { Command } from './context.ts';
import { FlagError, bool, list, parseBytes, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [
  { name: 'tag', short: 't', kind: 'list', help: 'Name and optionally a tag (format: "name:tag")' },
  { name: 'file', short: 'f', kind: 'string', help: 'Name of the Dockerfile (default: "PATH/Dockerfile")' },
  { name: 'build-arg', kind: 'list', help: 'Set build-time variables' },
  { name: 'target', kind: 'string', help: 'Set the target build stage to build' },
  { name: 'no-cache', kind: 'bool', help: 'Do not use cache when building the image' },
  { name: 'pull', kind: 'bool', help: 'Always attempt to pull all referenced images' },
  { name: 'label', kind: 'list', help: 'Set metadata for an image' },
  { name: 'iidfile', kind: 'string', help: 'Write the image ID to the file' },
  { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress the build output and print image ID on success' },
  { name: 'secret', kind: 'list', help: 'Secret to expose to the build (format: "id=mysecret,src=/local/secret")' },
  { name: 'network', kind: 'string', help: 'Set the networking mode for the RUN instructions during build (default "default")' },
  { name: 'progress', kind: 'string', help: 'Set type of progress output ("auto", "plain", "tty", "quiet")' },
  { name: 'output', short: 'o', kind: 'string', help: 'Output destination (format: "type=local,dest=path"; types image, docker, oci, local, tar)' },
  { name: 'ssh', kind: 'list', help: 'SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")' },
  { name: 'allow', kind: 'list', help: 'Allow extra privileged entitlement (e.g., "security.insecure")' },
  { name: 'add-host', kind: 'list', help: 'Add a custom host-to-IP mapping ("host:ip")' },
  { name: 'shm-size', kind: 'string', help: 'Size of /dev/shm for RUN steps' },
  // The classic builder's flags, accepted as BuildKit accepts them (no effect here).
  { name: 'rm', kind: 'bool', help: 'Remove intermediate containers after a successful build (always)' },
  { name: 'force-rm', kind: 'bool', help: 'Always remove intermediate containers (always)' },
  { name: 'compress', kind: 'bool', help: 'Accepted for compatibility (the context is not sent anywhere)' },
  { name: 'disable-content-trust', kind: 'bool', help: 'Accepted for compatibility (no content trust)' },
  { name: 'push', kind: 'bool', help: 'Push the image to its registry after the build (shorthand for --output=type=registry)' },
  { name: 'cache-from', kind: 'list', help: 'External cache sources (format: "type=local,src=path", "type=registry,ref=REF" or an image REF)' },
  { name: 'cache-to', kind: 'string', help: 'Cache export destination (format: "type=local,dest=path", "type=registry,ref=REF" or "type=inline")' },
  { name: 'platform', kind: 'string', help: 'Set target platform for build (one os/arch[/variant]; RUN needs an emulator for a foreign one)' },
];

function kv(items: string[], flag: string, env = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of items) {
    const eq = i.indexOf('=');
    if (eq === 0) throw new FlagError(`invalid argument "${i}" for "${flag}"`);
    if (eq < 0) {
      // --build-arg NAME takes the value from the environment (and is skipped when unset).
      if (env) { if (process.env[i] !== undefined) out[i] = process.env[i]!; } else out[i] = '';
    } else out[i.slice(0, eq)] = i.slice(eq + 1);
  }
  return out;
}

function secrets(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of items) {
    const f = Object.fromEntries(s.split(',').map((x) => { const i = x.indexOf('='); return i < 0 ? [x, ''] : [x.slice(0, i), x.slice(i + 1)]; }));
    const id = f.id;
    const src = f.src ?? f.source ?? (f.env ? undefined : undefined);
    if (!id) throw new FlagError(`--secret ${s}: id= is required`);
    if (f.env) {
      const v = process.env[f.env];
      if (v === undefined) throw new FlagError(`--secret ${s}: environment variable ${f.env} is not set`);
      const tmp = mkdtempSync(join(tmpdir(), 'berth-secret-'));
      writeFileSync(join(tmp, 'secret'), v, { mode: 0o600 });
      process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
      out[id] = join(tmp, 'secret');
    } else {
      if (!src) throw new FlagError(`--secret ${s}: src= is required`);
      out[id] = resolve(src);
    }
  }
  return out;
}

/** --ssh default (the caller's $SSH_AUTH_SOCK) or ID=SOCKET. */
function sshSockets(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of items) {
    const [id, path] = s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, process.env.SSH_AUTH_SOCK ?? ''];
    if (!path) throw new FlagError(`--ssh ${s}: no socket given and SSH_AUTH_SOCK is not set`);
    out[id] = resolve(path);
  }
  return out;
}

function allow(items: string[]): boolean {
  for (const a of items) if (a !== 'security.insecure' && a !== 'network.host') throw new FlagError(`--allow ${a}: expected security.insecure or network.host`);
  return items.includes('security.insecure');
}

const cmd: Command = {
  usage: 'berth build [OPTIONS] PATH | -',
  about: 'Build an image from a Dockerfile',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('"berth build" requires exactly 1 argument');
    const quiet = bool(p, 'quiet') || str(p, 'progress') === 'quiet';
    const platform = str(p, 'platform');
    const engine = ctx.engine();
    let tmp: string | undefined;
    let outTmp: string | undefined;
    try {
      let contextDir: string;
      let dockerfile: string;
      let dockerfileName = 'Dockerfile';
      let dockerfilePath: string | undefined;
      const fileFlag = str(p, 'file');
      if (p.args[0] === '-') {
        if (fileFlag === '-') throw new FlagError('invalid argument: can\'t use stdin for both build context and dockerfile');
        tmp = mkdtempSync(join(tmpdir(), 'berth-build-context-'));
        contextDir = tmp;
        const input = readFileSync(0);
        // A Dockerfile alone on stdin, or a tar of the context (docker tells them apart the same way).
        if (input.length >= 262 && input.subarray(257, 262).toString() === 'ustar') execFileSync('tar', ['-x', '-C', tmp], { input, maxBuffer: 1 << 30 });
        else writeFileSync(join(tmp, 'Dockerfile'), input);
      } else {
        contextDir = resolve(p.args[0]);
        try { if (!statSync(contextDir).isDirectory()) throw new Error(); } catch { throw new FlagError(`unable to prepare context: path "${p.args[0]}" not found`); }
      }
      if (fileFlag === '-') {
        dockerfile = readFileSync(0, 'utf8');
        dockerfileName = 'Dockerfile';
      } else {
        dockerfilePath = fileFlag ? (isAbsolute(fileFlag) ? fileFlag : resolve(p.args[0] === '-' ? contextDir : process.cwd(), fileFlag)) : join(contextDir, 'Dockerfile');
        if (fileFlag && !isAbsolute(fileFlag) && p.args[0] !== '-') {
          // docker resolves -f relative to the current directory, falling back to the context.
          try { statSync(dockerfilePath); } catch { dockerfilePath = join(contextDir, fileFlag); }
        }
        try { dockerfile = readFileSync(dockerfilePath, 'utf8'); } catch { throw new FlagError(`failed to read dockerfile: open ${dockerfilePath}: no such file or directory`); }
        const rel = relative(contextDir, dockerfilePath);
        dockerfileName = rel && !rel.startsWith('..') ? rel : dockerfilePath;
      }
      const buildArgs = kv(list(p, 'build-arg'), '--build-arg', true);
      if (buildArgs.SOURCE_DATE_EPOCH === undefined && process.env.SOURCE_DATE_EPOCH) buildArgs.SOURCE_DATE_EPOCH = process.env.SOURCE_DATE_EPOCH;
      const net = str(p, 'network');
      if (net !== undefined && !['default', 'none', 'host'].includes(net)) throw new FlagError(`--network ${net}: only default, none and host are supported`);
      const outputs: { id: number; text: string }[] = [];
      // dest=- : written to a scratch file, then streamed to stdout (never to a terminal).
      let output = str(p, 'output') !== undefined ? parseOutput(str(p, 'output')!) : undefined;
      let toStdout: string | undefined;
      if (output && 'dest' in output && output.dest === '-') {
        if (process.stdout.isTTY) throw new FlagError('refusing to write the build output to a terminal: redirect it or give dest=FILE');
        outTmp = mkdtempSync(join(tmpdir(), 'berth-build-output-'));
        toStdout = join(outTmp, 'output.tar');
        output = { ...output, dest: toStdout };
      }
      // Ctrl-C or a TERM cancels: the running step is killed and the build cleans up after itself.
      const abort = new AbortController();
      const cancel = () => abort.abort();
      process.once('SIGINT', cancel);
      process.once('SIGTERM', cancel);
      const mode = str(p, 'progress') ?? 'auto';
      if (!['auto', 'plain', 'tty', 'quiet'].includes(mode)) throw new FlagError(`--progress ${mode}: expected auto, plain, tty or quiet`);
      const tty = mode === 'tty' || (mode === 'auto' && process.stderr.isTTY);
      const render: Renderer | undefined = quiet ? undefined : tty ? ttyRenderer(process.stderr) : plainRenderer(ctx.err);
      const res = await build(engine, {
        contextDir, dockerfile, dockerfileName, dockerfilePath, tags: list(p, 'tag'), buildArgs, target: str(p, 'target'),
        noCache: bool(p, 'no-cache'), pull: (bool(p, 'pull') ? 'always' : 'missing') as PullPolicy, labels: kv(list(p, 'label'), '--label'),
        secrets: secrets(list(p, 'secret')), network: net as 'default' | 'none' | 'host' | undefined,
        ...(output ? { output } : {}),
        push: bool(p, 'push'),
        ...(platform ? { platform } : {}),
        extraHosts: list(p, 'add-host').map((h) => { if (!/^[^:]+:.+$/.test(h)) throw new FlagError(`invalid argument "${h}" for "--add-host" flag: bad format for add-host: "${h}"`); return h; }),
        ...(str(p, 'shm-size') !== undefined ? { shmSize: parseBytes(str(p, 'shm-size')!, '--shm-size') } : {}),
        signal: abort.signal,
        ssh: sshSockets(list(p, 'ssh')),
        allowInsecure: allow(list(p, 'allow')),
        cacheFrom: list(p, 'cache-from').map((c) => parseCacheOption(c, '--cache-from')),
        ...(str(p, 'cache-to') !== undefined ? { cacheTo: parseCacheOption(str(p, 'cache-to')!, '--cache-to') } : {}),
      }, (e) => {
        if (e.type === 'output') outputs.push({ id: e.id, text: e.text });
        if (quiet && e.type === 'error') {
          for (const o of outputs.filter((x) => x.id === e.id)) ctx.err(o.text);
        }
        render?.event(e);
      }).finally(() => render?.finish());
      if (toStdout) await pipeline(createReadStream(toStdout), process.stdout, { end: false });
      const iid = str(p, 'iidfile');
      if (iid) writeFileSync(iid, res.id);
      // stdout carries the output tar with -o -: the ID then goes nowhere (docker does the same).
      if (quiet) { if (!toStdout) ctx.out(`${res.id}\n`); } else {
        ctx.err(`writing image ${res.id} done\n`);
        for (const t of list(p, 'tag')) ctx.err(`naming to ${t} done\n`);
      }
      return 0;
    } catch (e) {
      if (e instanceof BuildFailure) { ctx.err(`ERROR: ${e.message}\n`); return e.exitCode; }
      throw e;
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      if (outTmp) rmSync(outTmp, { recursive: true, force: true });
    }
  },
};
export default cmd;
