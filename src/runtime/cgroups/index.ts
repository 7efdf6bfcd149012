// Public face of the runtime's cgroup support (v1 and v2, cgroupfs driver only).
//
//   detectCgroups(mountinfo?, selfCgroup?) → CgroupHost      pure (reads /proc/self/* if not given);
//                                 the only parser of the layout (probeHost uses it too)
//   hierarchies(host) → CgroupMount[]   each mounted hierarchy once
//   planCgroup(linux, id, host) → CgroupPlan & { warnings }   pure; throws CgroupConfigError/PathError
//   applyCgroup(plan, pid)        mkdir, writes, pid → procs; undoes its dirs on failure
//   prepareCgroup(plan) + joinCgroup(plan, pid)   the same in two halves (create overlaps the
//                                 first with the helper's start-up)
//   updateCgroup(plan, resources) new limits for `update` (device rules untouched)
//   removeCgroup(plan | dirs)     rmdir leaf-first with EBUSY retries; kills nothing
//   cgroupPids / freeze / thaw / freezerState / cgroupStats
//
// Choices: a hybrid host (v1 controllers + cgroup2 at /sys/fs/cgroup/unified) is treated as
// v1 and its cgroup2 tree is left alone. No cgroupsPath → "<id>" relative, like runc: under the
// runtime's own cgroup on v1, under its parent on v2. "slice:prefix:name" is refused (no systemd
// driver). v2 device rules become plan.devices, which create turns into an eBPF program
// (src/runtime/devbpf) attached to the cgroup before the init joins it.
export { detectCgroups, hierarchies, hierarchyDir, parseMountinfo, parseSelfCgroup } from './detect.ts';
export { planCgroup, planUpdate, parseCgroupsPath, V2_CONTROLLERS } from './plan.ts';
export type { PlannedCgroup, CgroupPathSpec } from './plan.ts';
export { sharesToWeight, blkioToIoWeight, swapToV2 } from './map-v2.ts';
export { DEFAULT_DEVICE_RULES, deviceRules } from './devices.ts';
export { applyCgroup, prepareCgroup, joinCgroup, removeCgroup, updateCgroup, controllerDirs, keepAttachWarm } from './apply.ts';
export { freeze, thaw, freezerState } from './freezer.ts';
export type { FreezerState } from './freezer.ts';
export { cgroupPids, cgroupStats, parseFlatKeyed, parseBlkioV1, parseIoStat } from './stats.ts';
export { applyWrites } from './fsops.ts';
export {
  CgroupError, CgroupConfigError, CgroupPathError, CgroupHostError, CgroupFsError, CgroupFreezeError,
} from './errors.ts';
export { V1_CONTROLLERS } from './types.ts';
export type {
  CgroupHost, CgroupMount, V1Controller, LinuxCgroupConfig, CgroupStats, BlkioEntry, MemoryEntry,
} from './types.ts';
export type { CgroupWrite } from './write.ts';
