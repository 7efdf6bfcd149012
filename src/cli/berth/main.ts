// The berth command line: global options, the command table, the command's run. The entry point
// (src/cli/berth-main.ts) runs it for argv, or as a berthd worker; berthd itself runs it for a
// read-only command (servedInProcess), with the caller's streams (src/util/caller.ts).
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EngineError, enginePaths } from '../../engine/index.ts';
import { currentCaller } from '../../util/caller.ts';
import { userNamespaceArgv } from '../../util/userns.ts';
import { writeErr, writeOut } from '../stdio.ts';
import { FlagError, helpText, parseFlags, type FlagDef } from './flags.ts';
import { makeContext, type Entry, type Globals } from './context.ts';
import { COMMANDS, GROUPS } from './table.ts';

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'root', kind: 'string', help: 'Persistent state directory (default /var/lib/berth, rootless ~/.local/share/berth, or $BERTH_ROOT)' },
  { name: 'run-root', kind: 'string', help: 'Runtime state directory (default /run/berth, rootless $XDG_RUNTIME_DIR/berth, or $BERTH_RUN_ROOT)' },
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

/** Without root, every command runs as root of the user's own user namespace: this process is
 * replaced by berth-userns, which joins (or makes) it and runs this command again inside. */
function enterUserNamespace(globals: Globals): void {
  const runRoot = enginePaths({ root: globals.root, runRoot: globals.runRoot }).runRoot;
  const argv = userNamespaceArgv(helperPath('berth-userns', 'BERTH_USERNS'), runRoot, [...selfCommand(), ...process.argv.slice(2)]);
  if (!argv) return;
  try {
    process.execve!(argv[0], argv, process.env);
  } catch (e) {
    writeErr(`berth: cannot enter the user namespace through ${argv[0]}: ${(e as Error).message}\n`);
    process.exit(125);
  }
}

/** Runs one berth command line (argv without the program) as the CLI does; resolves with its exit
 * status. Also what berthd runs in its own process for a read-only command (servedInProcess). */
export async function main(argv: string[]): Promise<number> {
  let g;
  try {
    g = parseFlags(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch (e) {
    writeErr(`berth: ${(e as Error).message}\nSee 'berth --help'.\n`);
    return 125;
  }
  if (g.bools.get('version')) argv = ['version'];
  const globals: Globals = { root: g.strings.get('root'), runRoot: g.strings.get('run-root'), runtime: g.strings.get('runtime'), debug: g.bools.get('debug') ?? false };
  let [name, ...rest] = g.args;
  if (g.bools.get('version')) { name = 'version'; rest = []; }
  if (!name || name === 'help' || g.bools.get('help')) {
    writeOut(usage());
    return name || g.bools.get('help') ? 0 : 0;
  }
  let entry = COMMANDS[name];
  if (!entry && GROUPS[name]) {
    const group = GROUPS[name];
    const [sub, ...subRest] = rest;
    const target = sub ? group.commands[sub] ?? group.commands[group.aliases?.[sub] ?? ''] : undefined;
    if (!target) {
      const w = Math.max(...Object.keys(group.commands).map((c) => c.length)) + 3;
      writeOut(`\nUsage:  berth ${name} COMMAND\n\n${group.about}\n\nCommands:\n${Object.entries(group.commands).filter(([, c]) => !c.hidden).map(([n, c]) => `  ${n.padEnd(w)}${c.about}`).join('\n')}\n`);
      if (sub && sub !== '--help') { writeErr(`berth: '${name} ${sub}' is not a berth command.\n`); return 125; }
      return 0;
    }
    entry = target;
    name = `${name} ${sub}`;
    rest = subRest;
  }
  if (!entry) {
    writeErr(`berth: '${name}' is not a berth command.\nSee 'berth --help'\n`);
    return 125;
  }
  // (A command berthd serves in its own process: its client entered the namespace already.)
  if (name !== 'version' && !currentCaller()) enterUserNamespace(globals);
  const cmd = (await entry.load()).default;
  // run/create/exec stop at the image or container: a --help after it belongs to the command run.
  if (rest[0] === '--help' || (rest.includes('--help') && !['run', 'create', 'exec', 'container run', 'container create', 'container exec'].includes(name))) {
    writeOut(helpText(cmd.usage, cmd.about, cmd.flags ?? []));
    return 0;
  }
  const ctx = makeContext(rest, globals, selfCommand(), helperPath('berth-attach', 'BERTH_ATTACH'), helperPath('berth-tiny-init', 'BERTH_INIT'));
  try {
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof FlagError) {
      writeErr(`berth: ${e.message}\nSee 'berth ${name} --help'.\n`);
      return 125;
    }
    if (globals.debug) writeErr(`${(e as Error).stack}\n`);
    const msg = (e as Error).message;
    writeErr(`berth: ${msg.startsWith('Error') ? msg : `Error response from daemon: ${msg}`}\n`);
    return e instanceof EngineError ? e.exitCode : 125;
  } finally {
    // berthd's process lives on: a command it served closes its engine (the databases).
    if (currentCaller()) ctx.dispose();
  }
}

/** The commands berthd may run in its own process for a client (src/daemon/serve-query.ts):
 * they only read the stores and print, in a few milliseconds, where a worker costs a Node start.
 * By their table entries' loaders (aliases and hidden names share them). Sizes (`-s`) are left
 * to workers: walking a container's files has no bound. */
let readOnly: Set<Entry['load']> | undefined;

/** Whether berthd may serve `argv` in its own process: a read-only command, without --help,
 * --version or a size. */
export function servedInProcess(argv: readonly string[]): boolean {
  readOnly ??= new Set([COMMANDS.ps, COMMANDS.inspect, COMMANDS.images, GROUPS.container.commands.inspect, GROUPS.image.commands.inspect].map((e) => e.load));
  let g;
  try {
    g = parseFlags(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch {
    return false;
  }
  if (g.bools.get('version') || g.bools.get('help')) return false;
  if (argv.some((a) => a === '--help' || a === '--size' || a.startsWith('--size=') || /^-[a-zA-Z]*s[a-zA-Z]*$/.test(a))) return false;
  const [name, sub] = g.args;
  if (name === undefined) return false;
  const group = GROUPS[name];
  const entry = !group ? COMMANDS[name] : sub === undefined ? undefined : group.commands[sub] ?? group.commands[group.aliases?.[sub] ?? ''];
  return entry !== undefined && readOnly.has(entry.load);
}
