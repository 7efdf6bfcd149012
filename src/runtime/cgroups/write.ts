// The pieces shared by both mappings: a write, and the context a mapping runs in.
import { posix } from 'node:path';
import { CgroupConfigError } from './errors.ts';
import type { Device } from '../../oci/spec.ts';

export interface CgroupWrite { path: string; value: string; optional?: boolean }

export interface MapOptions {
  /** Include device rules (creation). `update` leaves the device list alone, as runc does. */
  devices: boolean;
  /** Append DEFAULT_DEVICE_RULES after the spec's rules (default true). */
  defaultDevices?: boolean;
  /** linux.devices: nodes created in the container are allowed in the devices cgroup. */
  deviceNodes?: Device[];
}

/** Collects writes and notes; `dir(controller, field)` finds the directory for a controller. */
export class WriteList {
  readonly writes: CgroupWrite[] = [];
  readonly warnings: string[] = [];
  readonly #dirFor: (controller: string) => string | undefined;
  constructor(dirFor: (controller: string) => string | undefined) {
    this.#dirFor = dirFor;
  }
  dir(controller: string, field: string, value: unknown): string {
    const d = this.#dirFor(controller);
    if (d === undefined) throw new CgroupConfigError(field, value, `needs the ${controller} cgroup controller, which this host does not provide`);
    return d;
  }
  add(dir: string, file: string, value: string | number | bigint, optional = false): void {
    const w: CgroupWrite = { path: posix.join(dir, file), value: String(value) };
    if (optional) w.optional = true;
    this.writes.push(w);
  }
  warn(msg: string): void {
    this.warnings.push(msg);
  }
}
