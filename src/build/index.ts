// The Dockerfile builder's public face: parse → type → plan → execute (through the engine).
export { build } from './exec/builder.ts';
export { BuildFailure, parseCacheOption, parseOutput } from './exec/request.ts';
export type { BuildRequest, BuildResult, BuildOutput } from './exec/request.ts';
export type { BuildEvent, BuildListener } from './exec/progress.ts';
export { planBuild, PlanError } from './plan/index.ts';
export { parseDockerfile, DockerfileParseError } from './parser/index.ts';
export { InstructionError, parseInstruction } from './instructions/index.ts';
export type { Instruction } from './instructions/index.ts';
