// A readable dump of a plan for `berth-runtime create --dry-run`: one numbered line per step
// (numbers match the INDEX of helper error records), with flags and capability masks spelled out.
import { capNames } from '../../oci/index.ts';
import type { HookSpec, IdMap, RuntimePlan, Step } from '../plan.ts';
import { flagNames } from './mount-options.ts';

const q = (s: string) => (s === '' || /[\s"'\\]/.test(s) ? JSON.stringify(s) : s);
const caps = (m: bigint) => (m === 0n ? '-' : capNames(m).map((c) => c.slice(4)).join(','));

function stepText(s: Step): string {
  switch (s.op) {
    case 'setns': return `${s.ns} ${q(s.path)}`;
    case 'timens-offset': return `${s.clock} ${s.secs}s ${s.nanosecs}ns`;
    case 'clone': case 'unshare': return s.namespaces.join(' ') || '(no new namespaces)';
    case 'sethostname': case 'setdomainname': return q(s.name);
    case 'root-propagation': return flagNames(s.flags);
    case 'bind-rootfs': case 'rootfs-parent-private': return q(s.path);
    case 'mount':
      return `${q(s.source)} on ${q(s.target)} type ${s.fstype || '-'} flags ${flagNames(s.flags)}` +
        `${s.data ? ` data ${q(s.data)}` : ''} create ${s.create}${s.copyUp ? ' copyup' : ''}`;
    case 'remount': case 'propagate': return `${q(s.target)} ${flagNames(s.flags)}`;
    case 'mkdir': return `${q(s.target)} mode ${s.mode.toString(8)}`;
    case 'mknod': return `${q(s.target)} ${s.type} ${s.major}:${s.minor} mode ${s.mode.toString(8)} owner ${s.uid}:${s.gid}`;
    case 'bind-dev': return `${q(s.source)} on ${q(s.target)}`;
    case 'symlink': return `${q(s.target)} -> ${q(s.linkTarget)}`;
    case 'sync': case 'report': case 'session-keyring': return s.name;
    case 'find-exec': return `${q(s.path)} in ${q(s.searchPath)}`;
    case 'hook': return `${[s.path, ...s.args.slice(1)].map(q).join(' ')}${s.timeout ? ` (timeout ${s.timeout}s)` : ''}${s.env.length ? ` env ${s.env.map(q).join(' ')}` : ''}`;
    case 'console-connect': case 'console-dial': return q(s.socket);
    case 'exec-fifo': case 'exec-fifo-early': case 'chroot': return q(s.path);
    case 'mask': case 'readonly': return q(s.target);
    case 'sysctl': return `${s.key}=${q(s.value)}`;
    case 'console-setup': case 'console-pty': return `${s.rows}x${s.cols}`;
    case 'rlimit': return `resource ${s.resource} soft ${s.soft} hard ${s.hard}`;
    case 'oom-score-adj': return String(s.value);
    case 'personality': return `0x${s.domain.toString(16)}`;
    case 'ioprio': return `class ${s.klass} level ${s.level}`;
    case 'scheduler': return `policy ${s.policy} priority ${s.priority} nice ${s.nice} flags 0x${s.flags.toString(16)}${s.policy === 6 ? ` runtime ${s.runtime} deadline ${s.deadline} period ${s.period}` : ''}`;
    case 'caps-bounding': case 'caps-ambient': return caps(s.mask);
    case 'setgroups': return s.gids.length ? s.gids.join(' ') : '(none)';
    case 'setresgid': return String(s.gid);
    case 'setresuid': return String(s.uid);
    case 'caps': return `effective ${caps(s.effective)} permitted ${caps(s.permitted)} inheritable ${caps(s.inheritable)}`;
    case 'umask': return s.mask.toString(8).padStart(4, '0');
    case 'chdir': return q(s.path);
    case 'close-fds': return `from ${s.keepBelow}`;
    case 'seccomp': return `flags ${s.flags} filter ${s.filter.length / 8} instructions`;
    case 'exec': return `${s.args.map(q).join(' ')}${s.path !== s.args[0] ? ` (path ${q(s.path)})` : ''} env ${s.env.map(q).join(' ')}`;
    default: return '';
  }
}

const maps = (m: IdMap[]) => m.map((x) => `${x.containerID}->${x.hostID}+${x.size}`).join(' ');
const hooks = (h: HookSpec[]) => h.map((x) => [x.path, ...(x.args ?? []).slice(1)].map(q).join(' ')).join('; ');

export function renderPlan(plan: RuntimePlan): string {
  const out: string[] = [`plan for ${plan.id} (bundle ${plan.bundle})`];
  const width = String(plan.steps.length - 1).length;
  plan.steps.forEach((s, i) => {
    const text = stepText(s);
    out.push(`  ${String(i).padStart(width)} ${s.op}${text ? ' ' + text : ''}`);
  });
  if (plan.uidMappings.length) out.push(`uid map: ${maps(plan.uidMappings)}`);
  if (plan.gidMappings.length) out.push(`gid map: ${maps(plan.gidMappings)}`);
  if (plan.setgroups) out.push(`setgroups: ${plan.setgroups}`);
  if (plan.cgroup) {
    out.push(`cgroup v${plan.cgroup.version}:`);
    for (const d of plan.cgroup.dirs) out.push(`  dir ${d}`);
    for (const w of plan.cgroup.writes) out.push(`  write ${w.path} = ${q(w.value)}${w.optional ? ' (optional)' : ''}`);
    if (plan.cgroup.devices) out.push(`  device program: ${plan.cgroup.devices.map((d) => `${d.allow ? 'allow' : 'deny'} ${d.rule}`).join(', ')}`);
  }
  for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop'] as const) {
    if (plan.hooks[kind].length) out.push(`${kind} hooks: ${hooks(plan.hooks[kind])}`);
  }
  if (plan.preserveFds) out.push(`preserved fds: 3..${2 + plan.preserveFds}`);
  return out.join('\n') + '\n';
}
