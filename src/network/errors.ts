// Typed errors for the network library. Each carries the piece of input or state a user needs to
// fix the problem (which network, which plugin, which spec).

export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** A network name, subnet, gateway or other creation parameter is unusable. */
export class InvalidNetworkConfigError extends NetworkError {
  override name = 'InvalidNetworkConfigError';
  field: string;
  value: unknown;
  constructor(field: string, value: unknown, reason: string) {
    super(`invalid network ${field} ${JSON.stringify(value)}: ${reason}`);
    this.field = field;
    this.value = value;
  }
}

export class NetworkNotFoundError extends NetworkError {
  override name = 'NetworkNotFoundError';
  network: string;
  constructor(network: string) {
    super(`network ${JSON.stringify(network)} not found`);
    this.network = network;
  }
}

export class NetworkExistsError extends NetworkError {
  override name = 'NetworkExistsError';
  network: string;
  constructor(network: string) {
    super(`network ${JSON.stringify(network)} already exists`);
    this.network = network;
  }
}

/** removeNetwork while containers are still attached. */
export class NetworkInUseError extends NetworkError {
  override name = 'NetworkInUseError';
  network: string;
  containers: string[];
  constructor(network: string, containers: string[]) {
    super(`network ${JSON.stringify(network)} has active endpoints: ${containers.join(', ')}`);
    this.network = network;
    this.containers = containers;
  }
}

/** No free subnet in the pool, or a requested subnet overlaps another network or host route. */
export class SubnetConflictError extends NetworkError {
  override name = 'SubnetConflictError';
  subnet: string;
  conflictsWith: string;
  constructor(subnet: string, conflictsWith: string) {
    super(`subnet ${subnet} overlaps ${conflictsWith}`);
    this.subnet = subnet;
    this.conflictsWith = conflictsWith;
  }
}

export class SubnetPoolExhaustedError extends NetworkError {
  override name = 'SubnetPoolExhaustedError';
  pool: string;
  constructor(pool: string) {
    super(`no free /24 left in the pool ${pool} (every candidate overlaps a network or host route)`);
    this.pool = pool;
  }
}

/** A CNI plugin failed: carries the CNI error code/msg/details of the spec's error object. */
export class CniPluginError extends NetworkError {
  override name = 'CniPluginError';
  plugin: string;
  command: string;
  network: string;
  code: number | undefined;
  details: string | undefined;
  stderr: string;
  constructor(o: { plugin: string; command: string; network: string; code?: number; msg: string; details?: string; stderr?: string }) {
    super(`CNI ${o.command} of plugin ${o.plugin} on network ${JSON.stringify(o.network)} failed: ${o.msg}` +
      (o.details ? ` (${o.details})` : '') + (o.code !== undefined ? ` [code ${o.code}]` : ''));
    this.plugin = o.plugin;
    this.command = o.command;
    this.network = o.network;
    this.code = o.code;
    this.details = o.details;
    this.stderr = o.stderr ?? '';
  }
}

export class CniPluginNotFoundError extends NetworkError {
  override name = 'CniPluginNotFoundError';
  plugin: string;
  searched: string[];
  constructor(plugin: string, searched: string[]) {
    super(`CNI plugin ${JSON.stringify(plugin)} not found in ${searched.join(':')}`);
    this.plugin = plugin;
    this.searched = searched;
  }
}

/** DEL ran through every plugin but some failed; the attachment record is kept so DEL can be retried. */
export class DetachError extends NetworkError {
  override name = 'DetachError';
  network: string;
  containerId: string;
  errors: Error[];
  constructor(network: string, containerId: string, errors: Error[]) {
    super(`detaching ${containerId} from ${JSON.stringify(network)}: ${errors.map((e) => e.message).join('; ')}`);
    this.network = network;
    this.containerId = containerId;
    this.errors = errors;
  }
}

export class AlreadyAttachedError extends NetworkError {
  override name = 'AlreadyAttachedError';
  constructor(network: string, containerId: string, ifName: string) {
    super(`container ${containerId} is already attached to ${JSON.stringify(network)} as ${ifName}`);
  }
}

export class NotAttachedError extends NetworkError {
  override name = 'NotAttachedError';
  constructor(network: string, containerId: string, ifName: string) {
    super(`container ${containerId} is not attached to ${JSON.stringify(network)} as ${ifName}`);
  }
}

/** A -p/--publish spec that does not parse. */
export class PublishSpecError extends NetworkError {
  override name = 'PublishSpecError';
  spec: string;
  constructor(spec: string, reason: string) {
    super(`invalid port publish spec ${JSON.stringify(spec)}: ${reason}`);
    this.spec = spec;
  }
}

/** A host port is taken, by another process on the host or by another berth container. */
export class PortInUseError extends NetworkError {
  override name = 'PortInUseError';
  hostIP: string;
  hostPort: number;
  protocol: string;
  by: string;
  constructor(hostIP: string, hostPort: number, protocol: string, by: string) {
    super(`host port ${hostIP || '0.0.0.0'}:${hostPort}/${protocol} is already in use (${by})`);
    this.hostIP = hostIP;
    this.hostPort = hostPort;
    this.protocol = protocol;
    this.by = by;
  }
}

export class NetnsError extends NetworkError {
  override name = 'NetnsError';
  path: string;
  constructor(path: string, reason: string) {
    super(`network namespace ${path}: ${reason}`);
    this.path = path;
  }
}

export class LockTimeoutError extends NetworkError {
  override name = 'LockTimeoutError';
  path: string;
  constructor(path: string, ms: number) {
    super(`timed out after ${ms} ms waiting for lock ${path}`);
    this.path = path;
  }
}

/** iptables (or iptables-save/-restore) is missing or refused berth's host rules. */
export class HostFirewallError extends NetworkError {
  override name = 'HostFirewallError';
  /** The command line that failed, e.g. ["iptables-restore", "-w", "--noflush"]. */
  command: string[];
  stderr: string;
  constructor(command: string[], reason: string, stderr = '') {
    super(`host firewall: ${command.join(' ')} failed: ${reason}` + (stderr.trim() ? ` (${stderr.trim()})` : ''));
    this.command = command;
    this.stderr = stderr;
  }
}
