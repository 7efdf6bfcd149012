import { expectArgs, parseArgs } from '../args.ts';
import { getState } from '../../runtime/container.ts';
import { writeOut } from '../stdio.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime state - output the state of a container

USAGE:
   berth-runtime state <container-id>
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'state', 1);
  writeOut(`${JSON.stringify(getState(ctx.root, p.args[0]), null, '  ')}\n`);
  return 0;
}
