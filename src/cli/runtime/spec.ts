import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bool, expectArgs, parseArgs, str } from '../args.ts';
import { defaultSpec, renderSpec } from '../../oci/index.ts';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime spec - create a new specification file

USAGE:
   berth-runtime spec [command options]

OPTIONS:
   --bundle value, -b value  path to the root of the bundle directory
   --rootless                generate a configuration for a rootless container
`;

export async function main(_ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, [
    { name: 'bundle', aliases: ['b'], type: 'string' },
    { name: 'rootless', type: 'bool' },
  ]);
  expectArgs(p, 'spec', 0);
  const path = join(str(p, 'bundle') ?? '.', 'config.json');
  if (existsSync(path)) throw new Error('File config.json exists. Remove it first to generate a new one');
  writeFileSync(path, renderSpec(defaultSpec({ rootless: bool(p, 'rootless') })), { mode: 0o666 });
  return 0;
}
