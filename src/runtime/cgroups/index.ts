// Public face of the runtime's cgroup support (v1 and v2, cgroupfs driver only).
export { detectCgroups, hierarchyDir, parseMountinfo, parseSelfCgroup } from './detect.ts';
export { planCgroup, planUpdate, parseCgroupsPath, V2_CONTROLLERS } from './plan.ts';
export type { PlannedCgroup, CgroupPathSpec } from './plan.ts';
export { sharesToWeight, blkioToIoWeight, swapToV2 } from './map-v2.ts';
export { DEFAULT_DEVICE_RULES, deviceRules } from './devices.ts';
export { applyCgroup, removeCgroup, updateCgroup, controllerDirs } from './apply.ts';
export { freeze, thaw, freezerState } from './freezer.ts';
export type { FreezerState } from './freezer.ts';
export { cgroupPids, cgroupStats, parseFlatKeyed, parseBlkioV1, parseIoStat } from './stats.ts';
export { applyWrites } from './fsops.ts';
export {
  CgroupError, CgroupConfigError, CgroupPathError, CgroupHostError, CgroupFsError, CgroupFreezeError,
} from './errors.ts';
export { V1_CONTROLLERS } from './types.ts';
export type {
  CgroupHost, CgroupMount, V1Controller, LinuxResources, LinuxCgroupConfig, LinuxDeviceNode, LinuxDeviceCgroup,
  LinuxMemory, LinuxCPU, LinuxBlockIO, CgroupStats, BlkioEntry, MemoryEntry,
} from './types.ts';
export type { CgroupWrite } from './write.ts';
