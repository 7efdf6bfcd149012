// docker's --change (commit, import) and commit's Config body: typed changes to an image's run
// config, applied here. Fronts turn docker's words (Dockerfile instructions, JSON fields) into
// these; the engine decides what each does to the config.
import { posix } from 'node:path';
import type { ImageRunConfig } from '../image/types.ts';

export type ConfigChange =
  /** argv; `shell`: the instruction's shell form, run through the config's shell. */
  | { kind: 'cmd' | 'entrypoint'; argv: string[]; shell: boolean }
  | { kind: 'env' | 'label'; pairs: [string, string][] }
  /** PORT[/PROTO] (tcp by default). */
  | { kind: 'expose'; ports: string[] }
  | { kind: 'volume'; paths: string[] }
  | { kind: 'user' | 'workdir' | 'stopsignal'; value: string }
  | { kind: 'onbuild'; expression: string };

const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** `cfg` with `changes` applied in order (a new object). */
export function applyConfigChanges(cfg: ImageRunConfig, changes: readonly ConfigChange[]): ImageRunConfig {
  const out: ImageRunConfig = { ...cfg };
  for (const c of changes) {
    switch (c.kind) {
      case 'cmd': case 'entrypoint': {
        const argv = c.shell ? [...(out.Shell ?? DEFAULT_SHELL), c.argv.join(' ')] : c.argv;
        if (c.kind === 'cmd') out.Cmd = argv;
        else { out.Entrypoint = argv; if (!c.shell) break; out.Cmd = null; } // a shell-form entrypoint ignores CMD, as docker's
        break;
      }
      case 'env': {
        let env = [...(out.Env ?? [])];
        for (const [k, v] of c.pairs) {
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`; else env = [...env, `${k}=${v}`];
        }
        out.Env = env;
        break;
      }
      case 'label': out.Labels = { ...(out.Labels ?? {}), ...Object.fromEntries(c.pairs) }; break;
      case 'expose': out.ExposedPorts = { ...(out.ExposedPorts ?? {}), ...Object.fromEntries(c.ports.map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])) }; break;
      case 'volume': out.Volumes = { ...(out.Volumes ?? {}), ...Object.fromEntries(c.paths.map((p) => [p, {}])) }; break;
      case 'user': out.User = c.value; break;
      case 'workdir': out.WorkingDir = posix.resolve(out.WorkingDir || '/', c.value); break;
      case 'stopsignal': out.StopSignal = c.value; break;
      default: out.OnBuild = [...(out.OnBuild ?? []), c.expression]; // onbuild
    }
  }
  return out;
}
