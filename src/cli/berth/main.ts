// The berth command line: global options, the command table, the command's run. The entry point
// (src/cli/berth-main.ts) runs it for argv, or as a berthd worker; berthd itself runs it for a
// read-only command (servedInProcess), with the caller's streams (src/util/caller.ts).
import { currentCaller } from '../../util/caller.ts';
import { writeErr, writeOut } from '../stdio.ts';
import { helpText, parseFlags } from './flags.ts';
import { makeContext } from './context.ts';
import { GLOBAL_FLAGS, globalsOf } from './globals.ts';
import { enterUserNamespace, helperPath, runCommand, selfCommand } from './invoke.ts';
import { queryCommand } from './queries.ts';
import { COMMANDS, GROUPS } from './table.ts';

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
  const globals = globalsOf(g);
  let [name, ...rest] = g.args;
  if (g.bools.get('version')) { name = 'version'; rest = []; }
  if (!name || name === 'help' || g.bools.get('help')) {
    writeOut(usage());
    return 0;
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
    return await runCommand(cmd, name, ctx);
  } finally {
    // berthd's process lives on: a command it served closes its engine (the databases).
    if (currentCaller()) ctx.dispose();
  }
}

/** Whether berthd may run `argv` in its own process (src/daemon/serve-query.ts): a read-only
 * command (queries.ts), which only reads the stores and prints, in a few milliseconds, where a
 * worker costs a Node start. */
export function servedInProcess(argv: readonly string[]): boolean {
  return queryCommand(argv) !== undefined;
}
