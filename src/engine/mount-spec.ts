// docker's textual mount specs (`-v`/Binds, `--tmpfs`/Tmpfs) as MountSpecs: one parser for
// every front (the CLI's flags and the Docker API's HostConfig).
import { isAbsolute } from 'node:path';
import { MountSpecError } from './errors.ts';
import type { MountSpec } from './types.ts';

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** docker's bind syntax SRC:DST[:OPTS] | DST (anonymous volume): `-v` and HostConfig.Binds. */
export function parseBindSpec(spec: string): MountSpec {
  const parts = spec.split(':');
  if (parts.length === 1) {
    if (!isAbsolute(parts[0])) throw new MountSpecError(spec, 'destination must be an absolute path');
    return { type: 'volume', source: '', target: parts[0], readOnly: false, options: [], anonymous: true };
  }
  if (parts.length > 3) throw new MountSpecError(spec, 'too many colons');
  const [src, dst, opts = ''] = parts;
  if (!src || !dst) throw new MountSpecError(spec, 'empty section between colons');
  let ro = false;
  const options: string[] = [];
  for (const o of opts.split(',').filter(Boolean)) {
    if (o === 'ro') ro = true;
    else if (o === 'rw') ro = false;
    else if (PROPAGATION.includes(o)) options.push(o);
    else if (o === 'z' || o === 'Z' || o === 'nocopy') { /* SELinux relabel / nocopy: nothing to do here */ }
    else throw new MountSpecError(spec, `invalid mode: ${o}`);
  }
  if (isAbsolute(src)) return { type: 'bind', source: src, target: dst, readOnly: ro, options };
  return { type: 'volume', source: src, target: dst, readOnly: ro, options: [] };
}

/** docker's tmpfs syntax /path[:opts]: `--tmpfs` and HostConfig.Tmpfs (path and options apart). */
export function parseTmpfsSpec(spec: string): MountSpec {
  const i = spec.indexOf(':');
  const target = i < 0 ? spec : spec.slice(0, i);
  const opts = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
  if (!isAbsolute(target)) throw new MountSpecError(spec, 'destination must be an absolute path');
  const ro = opts.includes('ro');
  return { type: 'tmpfs', source: '', target, readOnly: ro, options: opts.filter((o) => o !== 'ro' && o !== 'rw') };
}

