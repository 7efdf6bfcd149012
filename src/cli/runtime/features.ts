import { expectArgs, parseArgs } from '../args.ts';
import { features } from '../../runtime/ops/features.ts';
import { ARCHES } from '../../runtime/seccomp/index.ts';
import { OCI_VERSION } from '../../runtime/state.ts';
import { existsSync, readFileSync } from 'node:fs';
import type { CommandContext } from './context.ts';

export const usage = `NAME:
   berth-runtime features - show the enabled features

USAGE:
   berth-runtime features
`;

export async function main(_ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parseArgs(argv, []);
  expectArgs(p, 'features', 0);
  let seccomp = false;
  try { seccomp = /^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8')) && existsSync('/proc/sys/kernel/seccomp'); } catch { /* no seccomp */ }
  const doc = features({ ociVersionMax: OCI_VERSION, seccompArchs: Object.keys(ARCHES).sort(), seccompEnabled: seccomp });
  process.stdout.write(`${JSON.stringify(doc, null, '    ')}\n`);
  return 0;
}
