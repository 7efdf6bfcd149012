import { expectArgs, parseArgs } from '../args.ts';
import { startContainer } from '../../runtime/container.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime start - executes the user defined process in a created container

USAGE:
   berth-runtime start <container-id>
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'start', 1);
  await startContainer(ctx.root, p.args[0], ctx.log.warn);
  return 0;
}
