// docker ps: the containers, newest first, running ones unless `all`, narrowed by docker's
// container filters. Every filter is checked before any container is looked at: an unknown key
// or an unreadable value is an InvalidFilterError (the API's 400), never an empty list.
import type { StoreCore } from '../store-core.ts';
import { InvalidFilterError, NoSuchContainerError } from '../errors.ts';
import { boolFilter, checkFilters, labelMatches } from '../filters.ts';
import { networkName } from '../network-name.ts';
import type { Filters, ListOptions } from '../requests.ts';
import type { ContainerState, ListedContainer } from '../types.ts';

export const CONTAINER_FILTERS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'network', 'volume', 'before', 'since', 'health', 'is-task', 'publish', 'expose', 'pod'] as const;

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

/** A port filter value: PORT[/PROTO] or START-END[/PROTO] (tcp when no protocol is given). */
interface PortRange { from: number; to: number; proto: string }

function parsePortFilter(key: string, v: string): PortRange {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/.exec(v);
  const from = Number(m?.[1]), to = m?.[2] ? Number(m[2]) : from;
  if (!m || from < 1 || to > 65535 || to < from) throw new InvalidFilterError(`invalid filter '${key}=${v}': expected PORT[/PROTO] or START-END[/PROTO]`);
  return { from, to, proto: m[3] ?? 'tcp' };
}

const inRange = (r: PortRange, port: number, proto: string) => port >= r.from && port <= r.to && proto === r.proto;

/** What a container is matched against: the parsed filters (values checked once). */
export interface ContainerMatcher { (rec: ListedContainer): boolean; needsAll: boolean }

/** Checks `filters` and returns the predicate; `needsAll`: a status or exited filter was
 * given, so stopped containers are listed without `all` (as docker's ps does). */
export function containerMatcher(core: StoreCore, filters: Filters): ContainerMatcher {
  checkFilters(filters, CONTAINER_FILTERS);
  for (const v of filters.status ?? []) if (!STATUSES.includes(v)) throw new InvalidFilterError(`invalid filter 'status=${v}': expected one of ${STATUSES.join(', ')}`);
  for (const v of filters.exited ?? []) if (!/^-?\d+$/.test(v)) throw new InvalidFilterError(`invalid filter 'exited=${v}': expected an exit code`);
  for (const v of filters.health ?? []) if (!HEALTH.includes(v)) throw new InvalidFilterError(`invalid filter 'health=${v}': expected one of ${HEALTH.join(', ')}`);
  for (const v of filters['is-task'] ?? []) boolFilter('is-task', v);
  const names: RegExp[] = (filters.name ?? []).map((v) => {
    try { return new RegExp(v); } catch { throw new InvalidFilterError(`invalid filter 'name=${v}': not a regular expression`); }
  });
  // before/since name a container: created strictly before / after it.
  const anchor = (key: string, v: string) => {
    try { return core.store.resolve(v).created; } catch (e) {
      if (e instanceof NoSuchContainerError) throw new InvalidFilterError(`invalid filter '${key}=${v}': no such container`);
      throw e;
    }
  };
  const before = (filters.before ?? []).map((v) => anchor('before', v));
  const since = (filters.since ?? []).map((v) => anchor('since', v));
  const publish = (filters.publish ?? []).map((v) => parsePortFilter('publish', v));
  const expose = (filters.expose ?? []).map((v) => parsePortFilter('expose', v));

  const test = (r: ListedContainer): boolean => {
    const c = r.config, s = r.state;
    const status = s.status === 'running' && s.paused ? 'paused' : s.status;
    const any = <T>(vals: T[] | undefined, f: (v: T) => boolean) => vals === undefined || vals.some(f);
    const published = c.publish.map((p) => ({ port: p.containerPort, proto: p.protocol as string }));
    const exposed = [...published, ...(c.exposedPorts ?? []).map((e) => { const [p, proto = 'tcp'] = e.split('/'); return { port: Number(p), proto }; })];
    const nets = [networkName(c.networkMode), c.networkMode, ...(c.extraNetworks ?? []), ...Object.keys(s.networks)];
    return any(filters.id, (v) => r.id.startsWith(v))
      && (names.length === 0 || names.some((re) => re.test(r.name)))
      // Labels are the exception: every label= given must hold (docker; compose relies on it).
      && (filters.label ?? []).every((v) => labelMatches(c.labels, v))
      && any(filters.status, (v) => v === status)
      && any(filters.exited, (v) => s.status === 'exited' && s.exitCode === Number(v))
      && any(filters.ancestor, (v) => c.image === v || c.imageName === v || c.imageId.startsWith(v) || c.imageId.startsWith(`sha256:${v}`))
      && any(filters.network, (v) => nets.includes(v))
      && any(filters.volume, (v) => c.mounts.some((m) => m.source === v || m.target === v))
      // podman's: the pod's id (or a prefix) or name.
      && any(filters.pod, (v) => !!c.pod && (c.pod.podId.startsWith(v) || c.pod.podName === v))
      && before.every((t) => r.created < t) && since.every((t) => r.created > t)
      // berth runs no health checks: every container's health is "none".
      && any(filters.health, (v) => v === 'none')
      // nor swarm tasks: is-task=true matches nothing.
      && any(filters['is-task'], (v) => !boolFilter('is-task', v))
      && (publish.length === 0 || publish.some((p) => published.some((x) => inRange(p, x.port, x.proto))))
      && (expose.length === 0 || expose.some((p) => exposed.some((x) => inRange(p, x.port, x.proto))));
  };
  const needsAll = !!filters.status || !!filters.exited;
  return Object.assign(test, { needsAll });
}

/** docker ps: newest first; running (and restarting) only unless `all`, a filter that needs
 * stopped ones, or `last`; at most `last` of them. */
export function listContainers(core: StoreCore, opts: ListOptions = {}): ListedContainer[] {
  const match = containerMatcher(core, opts.filters ?? {});
  const all = opts.all || match.needsAll || opts.last !== undefined;
  const live = (s: ContainerState) => s.status === 'running' || s.status === 'restarting';
  // Stopped ones stay stopped: without `all` only the live ones are read and brought up to date.
  let recs = core.refreshAll(core.store.list(all ? undefined : live));
  if (!all) recs = recs.filter((r) => live(r.state));
  recs = recs.filter(match);
  if (opts.last !== undefined && opts.last >= 0) recs = recs.slice(0, opts.last);
  return recs;
}
