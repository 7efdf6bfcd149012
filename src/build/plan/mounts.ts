// RUN --mount=type=bind|cache|tmpfs|secret|ssh,... (BuildKit's CSV form).
import type { RunMount } from '../instructions/index.ts';

export function parseRunMount(spec: string): RunMount {
  const m: RunMount = { type: 'bind', target: '', readonly: true };
  let ro: boolean | undefined;
  for (const field of spec.split(',')) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).trim().toLowerCase();
    const value = i < 0 ? undefined : field.slice(i + 1);
    const need = () => { if (value === undefined) throw new Error(`invalid mount field "${field}": needs a value`); return value; };
    switch (key) {
      case 'type': {
        const t = need();
        if (!['bind', 'cache', 'tmpfs', 'secret', 'ssh'].includes(t)) throw new Error(`unsupported mount type "${t}"`);
        m.type = t as RunMount['type'];
        break;
      }
      case 'target': case 'dst': case 'destination': m.target = need(); break;
      case 'source': case 'src': m.source = need(); break;
      case 'from': m.from = need(); break;
      case 'id': m.id = need(); break;
      case 'readonly': case 'ro': ro = value === undefined || value === 'true'; break;
      case 'readwrite': case 'rw': ro = !(value === undefined || value === 'true'); break;
      case 'sharing': {
        const s = need();
        if (!['shared', 'private', 'locked'].includes(s)) throw new Error(`unsupported sharing value "${s}"`);
        m.sharing = s as RunMount['sharing'];
        break;
      }
      case 'mode': m.mode = parseInt(need(), 8); if (Number.isNaN(m.mode)) throw new Error(`invalid mode "${value}"`); break;
      case 'uid': m.uid = Number(need()); break;
      case 'gid': m.gid = Number(need()); break;
      case 'size': m.size = Number(need()); break;
      case 'required': m.required = value === undefined || value === 'true'; break;
      case 'env': m.env = need(); break;
      default: throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.type === 'secret') {
    if (!m.id && m.source) m.id = m.source;
    if (!m.target && !m.env) m.target = `/run/secrets/${m.id ?? ''}`;
  }
  if (m.type === 'ssh' && !m.target) m.target = '/run/buildkit/ssh_agent.0';
  if (!m.target && !(m.type === 'secret' && m.env)) throw new Error('mount target is required');
  if (m.type === 'cache') { m.id ??= m.target; m.sharing ??= 'shared'; }
  m.readonly = ro ?? (m.type === 'bind' || m.type === 'secret' || m.type === 'ssh');
  return m;
}
