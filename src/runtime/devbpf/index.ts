// Device control on cgroup v2: an eBPF program generated from the v1-style device rules, an
// interpreter to check it, and attaching it to a cgroup through build/berth-devbpf.
export { deviceProgram, deviceProgramBytes, parseRule, DeviceRuleError, ACC, DEV } from './program.ts';
export type { DeviceRuleText, ParsedRule } from './program.ts';
export { runDeviceProgram, BpfInterpError } from './interp.ts';
export type { DeviceRequest } from './interp.ts';
export { encode, decode } from './insn.ts';
export type { Insn } from './insn.ts';
export { attachDeviceProgram, DeviceAttachError } from './attach.ts';
