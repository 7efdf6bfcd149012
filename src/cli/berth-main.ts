// berth: a docker-style CLI over the daemonless engine (src/engine). Global options come first;
// each command lives in berth/<name>.ts and is loaded only when used.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineError } from '../engine/index.ts';
import { FlagError, helpText, parseFlags, type FlagDef } from './berth/flags.ts';
import { makeContext, type Globals } from './berth/context.ts';
import { COMMANDS, GROUPS } from './berth/table.ts';
import { reportDone, serveAsWorker, WORKER_ENV } from '../daemon/worker.ts';

const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'root', kind: 'string', help: 'Persistent state directory (default /var/lib/berth, or $BERTH_ROOT)' },
  { name: 'run-root', kind: 'string', help: 'Runtime state directory (default /run/berth, or $BERTH_RUN_ROOT)' },
  { name: 'runtime', kind: 'string', help: 'Default OCI runtime (berth-runtime, runc, crun or a path)' },
  { name: 'debug', short: 'D', kind: 'bool', help: 'Print stack traces of errors' },
  { name: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
  { name: 'help', kind: 'bool', help: 'Print usage' },
];

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length), ...Object.keys(GROUPS).map((c) => c.length)) + 3;
  return `
Usage:  berth [OPTIONS] COMMAND

A daemonless container engine

Commands:
${Object.entries(COMMANDS).filter(([, c]) => !c.hidden).map(([n, c]) => `  ${n.padEnd(w)}${c.about}`).join('\n')}

Management Commands:
${Object.entries(GROUPS).map(([n, g]) => `  ${n.padEnd(w)}${g.about}`).join('\n')}

Global Options:
${GLOBAL_FLAGS.map((d) => `  ${`${d.short ? `-${d.short}, ` : '    '}--${d.name}`.padEnd(20)} ${d.help}`).join('\n')}
`;
}

/** How this CLI runs itself again (conmon's exit command): node + this script. */
function selfCommand(): string[] {
  const script = process.argv[1] ? resolve(process.argv[1]) : '';
  return script ? [process.execPath, script] : [];
}

/** A helper binary from build/ (berth-attach, berth-tiny-init), found from the script's path. */
function helperPath(name: string, env: string): string {
  if (process.env[env]) return process.env[env]!;
  // From the script's path (src/cli/berth-main.ts, dist/berth.mjs or dist/lib/berth.*): works
  // for the sources, an ESM bundle and a CommonJS one (which has no import.meta).
  const here = dirname(resolve(process.argv[1] ?? '.'));
  for (const rel of ['../../build', '../build', '../../../build']) {
    const p = resolve(here, rel, name);
    if (existsSync(p)) return p;
  }
  return name;
}

async function main(argv: string[]): Promise<number> {
  let g;
  try {
    g = parseFlags(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch (e) {
    process.stderr.write(`berth: ${(e as Error).message}\nSee 'berth --help'.\n`);
    return 125;
  }
  if (g.bools.get('version')) argv = ['version'];
  const globals: Globals = { root: g.strings.get('root'), runRoot: g.strings.get('run-root'), runtime: g.strings.get('runtime'), debug: g.bools.get('debug') ?? false };
  let [name, ...rest] = g.args;
  if (g.bools.get('version')) { name = 'version'; rest = []; }
  if (!name || name === 'help' || g.bools.get('help')) {
    process.stdout.write(usage());
    return name || g.bools.get('help') ? 0 : 0;
  }
  let entry = COMMANDS[name];
  if (!entry && GROUPS[name]) {
    const group = GROUPS[name];
    const [sub, ...subRest] = rest;
    const target = sub ? group.commands[sub] ?? group.commands[group.aliases?.[sub] ?? ''] : undefined;
    if (!target) {
      const w = Math.max(...Object.keys(group.commands).map((c) => c.length)) + 3;
      process.stdout.write(`\nUsage:  berth ${name} COMMAND\n\n${group.about}\n\nCommands:\n${Object.entries(group.commands).filter(([, c]) => !c.hidden).map(([n, c]) => `  ${n.padEnd(w)}${c.about}`).join('\n')}\n`);
      if (sub && sub !== '--help') { process.stderr.write(`berth: '${name} ${sub}' is not a berth command.\n`); return 125; }
      return 0;
    }
    entry = target;
    name = `${name} ${sub}`;
    rest = subRest;
  }
  if (!entry) {
    process.stderr.write(`berth: '${name}' is not a berth command.\nSee 'berth --help'\n`);
    return 125;
  }
  const cmd = (await entry.load()).default;
  // run/create/exec stop at the image or container: a --help after it belongs to the command run.
  if (rest[0] === '--help' || (rest.includes('--help') && !['run', 'create', 'exec', 'container run', 'container create', 'container exec'].includes(name))) {
    process.stdout.write(helpText(cmd.usage, cmd.about, cmd.flags ?? []));
    return 0;
  }
  const ctx = makeContext(rest, globals, selfCommand(), helperPath('berth-attach', 'BERTH_ATTACH'), helperPath('berth-tiny-init', 'BERTH_INIT'));
  try {
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`berth: ${e.message}\nSee 'berth ${name} --help'.\n`);
      return 125;
    }
    if (globals.debug) process.stderr.write(`${(e as Error).stack}\n`);
    const msg = (e as Error).message;
    process.stderr.write(`berth: ${msg.startsWith('Error') ? msg : `Error response from daemon: ${msg}`}\n`);
    return e instanceof EngineError ? e.exitCode : 125;
  }
}

/** A berthd worker loads every command before it waits, and starts its mount server (a fork
 * of this process costs the more the bigger it is): a command then starts from there. */
async function warmWorker(): Promise<void> {
  const entries = [...Object.values(COMMANDS), ...Object.values(GROUPS).flatMap((g) => Object.values(g.commands))];
  await Promise.all(entries.map((e) => e.load()));
  // Loaded here, not at the top: a plain CLI start must not initialise the planner's modules.
  const [{ prepareWorker }, { exerciseHotPaths }] = await Promise.all([import('../engine/index.ts'), import('../daemon/warm.ts')]);
  await prepareWorker();
  try { exerciseHotPaths(); } catch { /* only a warm-up */ }
}

// No top-level await: scripts/build.sh bundles this as CommonJS (modules initialised lazily,
// so a command loads only the code and builtins it uses).
const asWorker = process.env[WORKER_ENV] === '1' && typeof process.send === 'function';
void (asWorker ? serveAsWorker(warmWorker, main) : main(process.argv.slice(2))).then(async (code) => {
  process.exitCode = code;
  if (asWorker) await reportDone(code);
  // Nothing should keep a finished command alive (sqlite handles, timers of a follower).
  setImmediate(() => process.exit(code));
});
