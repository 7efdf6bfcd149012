// berth-runtime's command line: global options, then one command (each in its own file here,
// imported only when used, so `state` or `kill` never load the planner or the seccomp compiler).
// The plain CLI (src/cli/berth-runtime-main.ts) and berthd serving the native client
// (src/daemon/runtime-serve.ts) both run commands through runRuntimeCommand.
import { resolve } from 'node:path';
import { bool, parseArgs, str, UsageError, type FlagSpec } from '../args.ts';
import { createLogger, type LogFormat } from '../log.ts';
import { writeErr, writeOut } from '../stdio.ts';
import { NotServedError, type Command, type ServedBy } from './context.ts';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.2.0';
const DEFAULT_ROOT = '/run/berth-runtime';

const commands: Record<string, { about: string; load: () => Promise<Command> }> = {
  create: { about: 'create a container', load: () => import('./create.ts') },
  start: { about: 'executes the user defined process in a created container', load: () => import('./start.ts') },
  run: { about: 'create and run a container', load: () => import('./run.ts') },
  state: { about: 'output the state of a container', load: () => import('./state.ts') },
  kill: { about: 'kill sends the specified signal (default: SIGTERM) to the container\'s init process', load: () => import('./kill.ts') },
  delete: { about: 'delete any resources held by the container often used with detached container', load: () => import('./delete.ts') },
  list: { about: 'lists containers started by berth-runtime with the given root', load: () => import('./list.ts') },
  spec: { about: 'create a new specification file', load: () => import('./spec.ts') },
  exec: { about: 'execute new process inside the container', load: () => import('./exec.ts') },
  ps: { about: 'ps displays the processes running inside a container', load: () => import('./ps.ts') },
  pause: { about: 'pause suspends all processes inside the container', load: () => import('./pause.ts') },
  resume: { about: 'resumes all processes that have been previously paused', load: () => import('./resume.ts') },
  events: { about: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics', load: () => import('./events.ts') },
  update: { about: 'update container resource constraints', load: () => import('./update.ts') },
  features: { about: 'show the enabled features', load: () => import('./features.ts') },
};
const aliases: Record<string, string> = { ls: 'list' };

/** The commands berthd runs for the native client. The others hold the caller's streams for
 * long (events), read files named relative to it (spec, update -r) or spawn programs onto its
 * output (ps): the client execs the plain runtime for them, as for `run` and `exec` with a
 * terminal to relay. */
export const SERVED_COMMANDS: ReadonlySet<string> = new Set(['create', 'run', 'exec', 'start', 'state', 'kill', 'delete', 'list', 'pause', 'resume']);

const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'root', type: 'string' },
  { name: 'log', type: 'string' },
  { name: 'log-format', type: 'string' },
  { name: 'debug', type: 'bool' },
  { name: 'systemd-cgroup', type: 'bool' },
  // Accepted for compatibility with runc's callers; they change nothing here.
  { name: 'rootless', type: 'string' },
  { name: 'criu', type: 'string' },
  { name: 'help', aliases: ['h'], type: 'bool' },
  { name: 'version', aliases: ['v'], type: 'bool' },
];

function globalHelp(): string {
  const w = Math.max(...Object.keys(commands).map((c) => c.length)) + 3;
  return `NAME:
   berth-runtime - Open Container Initiative runtime

USAGE:
   berth-runtime [global options] command [command options] [arguments...]

VERSION:
   ${VERSION}

COMMANDS:
${Object.entries(commands).map(([n, c]) => `   ${n.padEnd(w)}${c.about}`).join('\n')}
   ${'help'.padEnd(w)}shows a list of commands or help for one command

GLOBAL OPTIONS:
   --debug                 enable debug logging
   --log value             set the log file to write berth-runtime logs to (default is stderr)
   --log-format value      set the log format ('text' (default), or 'json') (default: "text")
   --root value            root directory for storage of container state (default: "${DEFAULT_ROOT}")
   --systemd-cgroup        accepted for compatibility; systemd slice cgroup paths are refused
   --help, -h              show help
   --version, -v           print the version
`;
}

export interface Invocation {
  cwd: string;
  env: NodeJS.ProcessEnv;
  served?: ServedBy;
}

/** Runs one berth-runtime command line (argv without the program name); resolves with its exit
 * status. Served: throws NotServedError, before any effect, for what the plain runtime must do. */
export async function runRuntimeCommand(argv: string[], inv: Invocation): Promise<number> {
  let g;
  try {
    g = parseArgs(argv, GLOBAL_FLAGS, { stopAtFirstArg: true });
  } catch (e) {
    writeErr(`berth-runtime: ${(e as Error).message}\n`);
    return 1;
  }
  const format = (str(g, 'log-format') ?? 'text') as LogFormat;
  const logFile = str(g, 'log');
  const log = createLogger({ file: logFile === undefined ? undefined : resolve(inv.cwd, logFile), format: format === 'json' ? 'json' : 'text', debug: bool(g, 'debug'), prefix: 'berth-runtime' });
  if (format !== 'text' && format !== 'json') {
    log.error(`invalid log-format: ${format}`);
    return 1;
  }
  if (bool(g, 'version')) {
    writeOut(`berth-runtime version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
    return 0;
  }
  let [name, ...rest] = g.args;
  if (name === 'help' || (!name && bool(g, 'help'))) {
    if (rest[0] && (commands[rest[0]] || aliases[rest[0]])) {
      name = rest[0];
      rest = ['--help'];
    } else {
      writeOut(globalHelp());
      return 0;
    }
  }
  if (!name) {
    writeOut(globalHelp());
    return 0;
  }
  const canonical = aliases[name] ?? name;
  const cmd = commands[canonical];
  if (!cmd) {
    log.error(`No help topic for '${name}'`);
    return 1;
  }
  if (inv.served && !SERVED_COMMANDS.has(canonical)) throw new NotServedError(`${canonical} runs in the plain runtime`);
  const mod = await cmd.load();
  // exec and ps pass what follows the container id to the program: only earlier words count.
  const firstArg = rest.findIndex((a) => !a.startsWith('-'));
  const own = (name === 'exec' || name === 'ps') && firstArg >= 0 ? rest.slice(0, firstArg) : rest;
  if (own.includes('--help') || own.includes('-h') || own.includes('-help')) {
    writeOut(mod.usage);
    return 0;
  }
  // Absolute: paths under the root are handed to the helper, whose cwd is not ours for long.
  const ctx = {
    root: resolve(inv.cwd, str(g, 'root') ?? DEFAULT_ROOT), log, debug: bool(g, 'debug'), systemdCgroup: bool(g, 'systemd-cgroup'),
    cwd: inv.cwd, env: inv.env, served: inv.served,
  };
  try {
    return await mod.main(ctx, rest);
  } catch (e) {
    if (e instanceof NotServedError) throw e;
    if (e instanceof UsageError) {
      log.error(`${name}: ${e.message}`);
      writeErr(`\n${mod.usage}`);
      return 1;
    }
    log.error(ctx.debug && e instanceof Error && e.stack ? e.stack : (e as Error).message ?? String(e));
    return 1;
  }
}
