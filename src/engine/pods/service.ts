// engine.pods: create, start, stop, remove, inspect and list pods.
import type { Engine } from '../engine.ts';
import { podNetworkStatus, type PodNetworkStatus } from './cni-config.ts';

export class PodService {
  readonly #engine: Engine;
  constructor(engine: Engine) { this.#engine = engine; }

  /** Whether pods can be networked: a CNI configuration is installed. */
  networkStatus(): PodNetworkStatus {
    return podNetworkStatus(this.#engine.paths.cniConfDir);
  }
}
