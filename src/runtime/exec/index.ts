// `exec`: run another process inside a running container (runc's exec).
//
//   planExec(process, ctx) → Step[]            pure: joins, clone, process steps, exec
//   processFromFlags(id, base, overrides)      the container's process with runc's exec flags
//   parseProcessJson(id, text, file)           a --process file
//   prepareExec(opts) → { record, process, steps }   reads state, config, /proc; no effects
//   execProcess(opts) → exit code (0 once exec'd when detached)
export { planExec, JOIN_ORDER } from './plan.ts';
export type { ExecPlanContext, NsJoin } from './plan.ts';
export { processFromFlags, parseProcessJson, applyToProcessJson } from './process.ts';
export type { ExecOverrides } from './process.ts';
export { execProcess, prepareExec, namespacesToJoin, containerSpec, wantsTerminal } from './run.ts';
export type { ExecOptions } from './run.ts';
export { ExecError, ExecProgramError, ExecSpecError } from './errors.ts';
export type { ExecProblem } from './errors.ts';
