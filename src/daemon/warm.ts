// What a berthd worker runs while it waits, besides loading every command: the pure functions a
// container start spends its CPU on, on inputs like a real start's, so that V8 has compiled them
// to machine code before a command needs them (a worker runs one command: without this, those
// run cold in the interpreter, e.g. the seccomp cache key's SHA-256 takes 5 ms instead of 0.5).
// Pure only: the host is read (probeHost), nothing is written; no store, no cache, no process.
import { DOCKER_DEFAULT_CAPS } from '../oci/docker-defaults.ts';
import { defaultSpec, renderSpec } from '../oci/defaults.ts';
import type { Spec } from '../oci/spec.ts';
import { planCgroup } from '../runtime/cgroups/plan.ts';
import { probeHost } from '../runtime/host.ts';
import { encodeSteps } from '../runtime/plan.ts';
import { planCreate } from '../runtime/planner.ts';
import { cacheKey } from '../runtime/seccomp/cache.ts';
import { dockerDefaultProfile } from '../runtime/seccomp/default-profile.ts';
import { sha256Hex } from '../util/sha256.ts';

/** Runs the hot pure paths `rounds` times; returns a digest so that nothing is optimised away. */
export function exerciseHotPaths(rounds = 20): string {
  let acc = '';
  const host = probeHost();
  for (let i = 0; i < rounds; i++) {
    const seccomp = dockerDefaultProfile({ caps: DOCKER_DEFAULT_CAPS });
    const key = cacheKey(seccomp, { nativeArch: process.arch });
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.linux = { ...spec.linux, seccomp };
    const id = `warm${i}`;
    const plan = planCreate(spec, {
      id, bundle: '/warm', rootfs: '/warm/rootfs', stateDir: `/warm/state/${id}`, execFifo: `/warm/state/${id}/exec.fifo`,
      preserveFds: 0, seccompFilter: { flags: 0, filter: Buffer.alloc(8 * 200) },
      cgroup: planCgroup(spec.linux ?? {}, id, host.cgroup),
    }, host);
    acc = sha256Hex(`${acc}${key}${i}${encodeSteps(plan.steps).length}${renderSpec(spec).length}`);
  }
  return acc;
}
