// Node has no mknod(2) or setxattr(2). Device nodes, fifos, overlay whiteouts and xattrs are
// rare in layers, so they are queued and applied in one batch per layer by a short python3
// program (Debian's /usr/bin/python3), which re-checks that each parent directory resolves to
// itself (no symlink on the way) before touching anything.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UnpackError } from './errors.ts';

export type SysOp =
  | { op: 'mknod'; path: string; entry: string; type: 'c' | 'b' | 'p'; major: number; minor: number; mode: number; uid?: number; gid?: number; mtimeNs: string; atimeNs: string }
  | { op: 'setxattr'; path: string; entry: string; name: string; value: string /* base64 */ };

const SCRIPT = String.raw`
import os, sys, json, base64, stat
os.umask(0)
kinds = {'c': stat.S_IFCHR, 'b': stat.S_IFBLK, 'p': stat.S_IFIFO}
for op in json.load(sys.stdin):
    p = op['path']
    d = os.path.dirname(p)
    try:
        if os.path.realpath(d) != d:
            print(json.dumps({'entry': op['entry'], 'error': 'parent directory resolves elsewhere (symlink)'}), file=sys.stderr); sys.exit(3)
        if op['op'] == 'mknod':
            if os.path.lexists(p) and not os.path.isdir(p) or os.path.islink(p):
                os.unlink(p)
            os.mknod(p, op['mode'] | kinds[op['type']], os.makedev(op['major'], op['minor']))
            if 'uid' in op:
                os.lchown(p, op['uid'], op['gid'])
                if op['mode'] & 0o6000: os.chmod(p, op['mode'])
            os.utime(p, ns=(int(op['atimeNs']), int(op['mtimeNs'])), follow_symlinks=False)
        else:
            os.setxattr(p, op['name'], base64.b64decode(op['value']), follow_symlinks=False)
    except OSError as e:
        print(json.dumps({'entry': op['entry'], 'error': '%s: %s' % (op['op'], e.strerror), 'code': e.errno}), file=sys.stderr); sys.exit(3)
`;

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function runSysOps(ops: SysOp[]): void {
  if (!ops.length) return;
  try {
    execFileSync(PYTHON, ['-I', '-S', '-c', SCRIPT], { input: JSON.stringify(ops), stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 1 << 20 });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    let info: { entry?: string; error?: string } = {};
    try { info = JSON.parse(stderr.split('\n').pop() ?? '{}'); } catch { /* not ours */ }
    if (info.entry) throw new UnpackError(info.entry, info.error ?? 'failed');
    throw new UnpackError(ops[0].entry, `special-file helper failed: ${stderr || (e as Error).message}`);
  }
}
