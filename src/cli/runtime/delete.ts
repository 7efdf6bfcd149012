import { bool, expectArgs, parseArgs } from '../args.ts';
import { deleteContainer } from '../../runtime/container.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime delete - delete any resources held by the container often used with detached container

USAGE:
   berth-runtime delete [command options] <container-id>

OPTIONS:
   --force, -f  Forcibly deletes the container if it is still running (uses SIGKILL)
`;

export async function main(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [{ name: 'force', aliases: ['f'], type: 'bool' }]);
  expectArgs(p, 'delete', 1);
  await deleteContainer(ctx.root, p.args[0], { force: bool(p, 'force') }, ctx.log.warn);
  return 0;
}
