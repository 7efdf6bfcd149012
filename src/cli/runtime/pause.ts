import { expectArgs, parseArgs } from '../args.ts';
import { pauseContainer } from '../../runtime/ops/pause.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime pause - pause suspends all processes inside the container

USAGE:
   berth-runtime pause <container-id>
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'pause', 1);
  await pauseContainer(ctx.root, p.args[0]);
  return 0;
}
