// berth export [-o FILE] CONTAINER: the container's filesystem (its overlay: image layers plus
// what the container changed; no volumes, no /proc) as a tar stream, as docker export does.
// GNU tar does the archiving (numeric owners, extended attributes, sparse files, hard links).
import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';
import { join, resolve } from 'node:path';
import { isMounted } from '../../engine/rootfs.ts';
import { EngineError } from '../../engine/errors.ts';
import type { Command } from './context.ts';
import { FlagError, parseFlags, str, type FlagDef } from './flags.ts';

const FLAGS: FlagDef[] = [{ name: 'output', short: 'o', kind: 'string', help: 'Write to a file, instead of STDOUT' }];

const cmd: Command = {
  usage: 'berth export [OPTIONS] CONTAINER',
  about: "Export a container's filesystem as a tar archive",
  flags: FLAGS,
  async run(ctx) {
    const p = parseFlags(ctx.argv, FLAGS);
    if (p.args.length !== 1) throw new FlagError('requires exactly 1 argument');
    const out = str(p, 'output');
    if (!out && isatty(1)) throw new FlagError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const engine = ctx.engine();
    const rec = engine.get(p.args[0]);
    const rootfs = join(engine.dir(rec.id), 'rootfs');
    if (!isMounted(rootfs)) throw new EngineError(`the filesystem of container ${rec.id} is not mounted`);
    const args = ['--numeric-owner', '--xattrs', '--xattrs-include=*', '--sparse', '-C', rootfs, '-cf', out ? resolve(out) : '-', '.'];
    const code = await new Promise<number>((res, rej) => {
      const tar = spawn('tar', args, { stdio: ['ignore', out ? 'ignore' : 'inherit', 'pipe'] });
      let err = '';
      tar.stderr!.on('data', (d) => { err += d; });
      tar.on('error', rej);
      tar.on('close', (c, sig) => {
        if (c === 0) res(0);
        else rej(new EngineError(`exporting ${rec.name}: tar ${sig ?? `exited ${c}`}${err.trim() ? `: ${err.trim()}` : ''}`));
      });
    });
    return code;
  },
};
export default cmd;
