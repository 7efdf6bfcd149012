// berth version
import { execFileSync } from 'node:child_process';
import type { Command } from './context.ts';
import { parseFlags, str, type FlagDef } from './flags.ts';

export const BERTH_VERSION = '0.1.0';

const FLAGS: FlagDef[] = [{ name: 'format', short: 'f', kind: 'string', help: "'json' or a template" }];

function tool(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim(); } catch { return 'not found'; }
}

const cmd: Command = {
  usage: 'berth version [OPTIONS]',
  about: 'Show the berth version information',
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    const info = {
      Version: BERTH_VERSION, ApiVersion: '1.43', NodeVersion: process.version, Os: 'linux', Arch: process.arch,
      Conmon: tool('conmon', ['--version']), Runtime: tool(ctx.globals.runtime ?? 'berth-runtime', ['--version']),
    };
    if (str(p, 'format') === 'json') { ctx.out(`${JSON.stringify(info)}\n`); return 0; }
    ctx.out(`Client: berth\n Version:      ${info.Version}\n API version:  ${info.ApiVersion}\n Node version: ${info.NodeVersion}\n OS/Arch:      ${info.Os}/${info.Arch}\n\nEngine: daemonless\n conmon:       ${info.Conmon}\n runtime:      ${info.Runtime}\n`);
    return 0;
  },
};
export default cmd;
