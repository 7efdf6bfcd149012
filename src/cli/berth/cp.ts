// berth cp CONTAINER:SRC DEST | SRC CONTAINER:DEST. A running container is seen through its
// init's /proc/<pid>/root (volumes included); a stopped one through its root filesystem.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { copyTree, resolveIn } from '../../engine/copy.ts';
import type { Command, Context } from './context.ts';
import { FlagError, parseFlags } from './flags.ts';

function split(arg: string): { ref?: string; path: string } {
  const i = arg.indexOf(':');
  if (i > 0 && !arg.startsWith('/') && !arg.startsWith('.')) return { ref: arg.slice(0, i), path: arg.slice(i + 1) };
  return { path: arg };
}

/** Where `from` lands when copied to `to`: inside it when it is a directory (docker cp's rule). */
function targetOf(from: string, to: string): string {
  return statSync(to, { throwIfNoEntry: false })?.isDirectory() ? join(to, basename(from)) : to;
}

function containerRoot(ctx: Context, ref: string): string {
  const engine = ctx.engine();
  const rec = engine.get(ref);
  return rec.state.status === 'running' && rec.state.pid ? `/proc/${rec.state.pid}/root` : join(engine.dir(rec.id), 'rootfs');
}

const cmd: Command = {
  usage: 'berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH',
  about: 'Copy files/folders between a container and the local filesystem',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'archive', short: 'a', kind: 'bool' }, { name: 'follow-link', short: 'L', kind: 'bool' }]);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    const src = split(p.args[0]), dst = split(p.args[1]);
    if (!!src.ref === !!dst.ref) throw new FlagError('copying between containers or within the host is not supported: one side must be CONTAINER:PATH');
    if (src.ref) {
      const from = resolveIn(containerRoot(ctx, src.ref), src.path);
      if (!existsSync(from)) throw new Error(`Could not find the file ${src.path} in container ${src.ref}`);
      copyTree(from, targetOf(from, resolve(dst.path)));
    } else {
      const from = resolve(src.path);
      if (!existsSync(from)) throw new Error(`lstat ${from}: no such file or directory`);
      const target = targetOf(from, resolveIn(containerRoot(ctx, dst.ref!), dst.path));
      if (!existsSync(dirname(target))) throw new Error(`Could not find the file ${dirname(dst.path)} in container ${dst.ref}`);
      copyTree(from, target);
    }
    return 0;
  },
};
export default cmd;
