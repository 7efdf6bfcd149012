import { expectArgs, parseArgs } from '../args.ts';
import { resumeContainer } from '../../runtime/ops/pause.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime resume - resumes all processes that have been previously paused

USAGE:
   berth-runtime resume <container-id>
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'resume', 1);
  await resumeContainer(ctx.root, p.args[0]);
  return 0;
}
