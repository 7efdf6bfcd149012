// berth cp CONTAINER:SRC DEST | SRC CONTAINER:DEST (engine.containers.copyFrom / copyTo).
import type { Command } from './context.ts';
import { FlagError, parseFlags } from './flags.ts';

function split(arg: string): { ref?: string; path: string } {
  const i = arg.indexOf(':');
  if (i > 0 && !arg.startsWith('/') && !arg.startsWith('.')) return { ref: arg.slice(0, i), path: arg.slice(i + 1) };
  return { path: arg };
}

const cmd: Command = {
  usage: 'berth cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH',
  about: 'Copy files/folders between a container and the local filesystem',
  async run(ctx) {
    const p = parseFlags(ctx.argv, [{ name: 'archive', short: 'a', kind: 'bool' }, { name: 'follow-link', short: 'L', kind: 'bool' }]);
    if (p.args.length !== 2) throw new FlagError('requires exactly 2 arguments');
    const src = split(p.args[0]), dst = split(p.args[1]);
    if (!!src.ref === !!dst.ref) throw new FlagError('copying between containers or within the host is not supported: one side must be CONTAINER:PATH');
    if (src.ref) ctx.engine().containers.copyFrom(src.ref, src.path, dst.path);
    else ctx.engine().containers.copyTo(dst.ref!, src.path, dst.path);
    return 0;
  },
};
export default cmd;
