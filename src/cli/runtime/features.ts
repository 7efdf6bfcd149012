import { expectArgs, parseArgs } from '../args.ts';
import { hostFeatures } from '../../runtime/ops/features.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime features - show the enabled features

USAGE:
   berth-runtime features
`;

export async function main(_ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'features', 0);
  const doc = hostFeatures();
  process.stdout.write(`${JSON.stringify(doc, null, '    ')}\n`);
  return 0;
}
