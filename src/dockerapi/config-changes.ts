// docker's `changes` (commit and import --change: Dockerfile instructions, one per value) and
// commit's Config body, turned into the engine's typed config changes. The builder's parser
// reads the instructions, as it reads a Dockerfile's.
import { parseDockerfile, parseInstruction } from '../build/index.ts';
import type { ConfigChange } from '../engine/index.ts';
import { badRequest } from './errors.ts';
import { obj, str, strList, strMap, strSlice, type Obj } from './validate.ts';

/** The instructions docker accepts as a change. */
const CHANGE_KINDS = ['cmd', 'entrypoint', 'env', 'expose', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir'];

/** The `changes` query values (each one instruction; empty values are skipped). */
export function parseChanges(values: string[]): ConfigChange[] {
  const out: ConfigChange[] = [];
  for (const text of values.map((v) => v.trim()).filter(Boolean)) {
    let instr;
    try {
      const parsed = parseDockerfile(`${text}\n`, 'change');
      if (parsed.children.length !== 1) throw new Error('one instruction per change');
      instr = parseInstruction(parsed.children[0], 'change');
    } catch (e) {
      throw badRequest(`invalid change ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
    if (!CHANGE_KINDS.includes(instr.kind)) throw badRequest(`${instr.kind.toUpperCase()} is not a valid change command`);
    switch (instr.kind) {
      case 'cmd': case 'entrypoint': out.push({ kind: instr.kind, argv: instr.cmd, shell: instr.prependShell }); break;
      case 'env': case 'label': out.push({ kind: instr.kind, pairs: instr.pairs.map((p) => [p.key, p.value]) }); break;
      case 'expose': out.push({ kind: 'expose', ports: instr.ports }); break;
      case 'volume': out.push({ kind: 'volume', paths: instr.volumes }); break;
      case 'user': out.push({ kind: 'user', value: instr.user }); break;
      case 'workdir': out.push({ kind: 'workdir', value: instr.path }); break;
      case 'stopsignal': out.push({ kind: 'stopsignal', value: instr.signal }); break;
      case 'onbuild': out.push({ kind: 'onbuild', expression: instr.expression }); break;
    }
  }
  return out;
}

/** POST /commit's body (a ContainerConfig): the fields it sets override the container's
 * (Env and Labels merge, ExposedPorts and Volumes add), as dockerd merges them. */
export function bodyChanges(body: unknown): ConfigChange[] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('json: cannot unmarshal into Go value of type container.Config');
  const b = body as Obj;
  const out: ConfigChange[] = [];
  const cmd = strSlice(b, 'Cmd', 'Config.Cmd');
  if (cmd?.length) out.push({ kind: 'cmd', argv: cmd, shell: false });
  const ep = strSlice(b, 'Entrypoint', 'Config.Entrypoint');
  if (ep?.length) out.push({ kind: 'entrypoint', argv: ep, shell: false });
  const env = strList(b, 'Env', 'Config.Env');
  if (env?.length) out.push({ kind: 'env', pairs: env.map((e) => { const i = e.indexOf('='); return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)]; }) });
  const labels = strMap(b, 'Labels', 'Config.Labels');
  if (labels && Object.keys(labels).length) out.push({ kind: 'label', pairs: Object.entries(labels) });
  const ports = obj(b, 'ExposedPorts', 'Config.ExposedPorts');
  if (ports && Object.keys(ports).length) out.push({ kind: 'expose', ports: Object.keys(ports) });
  const vols = obj(b, 'Volumes', 'Config.Volumes');
  if (vols && Object.keys(vols).length) out.push({ kind: 'volume', paths: Object.keys(vols) });
  for (const [field, kind] of [['User', 'user'], ['WorkingDir', 'workdir'], ['StopSignal', 'stopsignal']] as const) {
    const v = str(b, field, `Config.${field}`);
    if (v) out.push({ kind, value: v });
  }
  for (const o of strList(b, 'OnBuild', 'Config.OnBuild') ?? []) out.push({ kind: 'onbuild', expression: o });
  return out;
}
