import { bool, expectArgs, parseArgs } from '../args.ts';
import { killContainer } from '../../runtime/container.ts';
import { parseSignal } from '../../runtime/signals.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime kill - kill sends the specified signal (default: SIGTERM) to the container's init process

USAGE:
   berth-runtime kill [command options] <container-id> [signal]

OPTIONS:
   --all, -a  send the specified signal to all processes inside the container
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [{ name: 'all', aliases: ['a'], type: 'bool' }]);
  expectArgs(p, 'kill', 1, 2);
  killContainer(ctx.root, p.args[0], parseSignal(p.args[1] ?? 'SIGTERM'), bool(p, 'all'));
  return 0;
}
