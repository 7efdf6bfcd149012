// The build plan: a Dockerfile's text → stages (the graph to build) → steps with every value
// expanded. Pure; the executor (src/build/exec) runs it through the engine.
import { parseDockerfile } from '../parser/index.ts';
import { parseInstructions } from '../instructions/index.ts';
import { buildStages, predefinedArgs, type Platform, type StageGraph } from './stages.ts';
import { planStage } from './stage.ts';
import type { RunConfig } from './config.ts';
import type { StagePlan } from './steps.ts';

export { buildStages, predefinedArgs, PlanError, PROXY_ARGS, platformString } from './stages.ts';
export type { StageDef, StageGraph, Platform } from './stages.ts';
export { planStage, expandPorts } from './stage.ts';
export type { StepOp, Step, StagePlan, CopyFrom } from './steps.ts';
export type { RunConfig } from './config.ts';
export { parseRunMount } from './mounts.ts';

export interface PlanInput {
  dockerfile: string;
  file?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  platform: Platform;
  buildPlatform: Platform;
  /** The config of an image named in FROM (the caller resolves, pulling if needed). */
  imageConfig: (ref: string, platform?: string) => Promise<RunConfig>;
}

export interface BuildPlan {
  graph: StageGraph;
  /** Planned stages (only those the target needs), by index. */
  stages: Map<number, StagePlan>;
  /** Build args given but never declared or used. */
  unusedArgs: string[];
  /** The parser's warnings (empty continuation lines), with their line. */
  warnings: string[];
}

export async function planBuild(inp: PlanInput): Promise<BuildPlan> {
  const file = inp.file ?? 'Dockerfile';
  const parsed = parseDockerfile(inp.dockerfile, file);
  const instrs = parseInstructions(parsed.children, file);
  const buildArgs = inp.buildArgs ?? {};
  const predefined = predefinedArgs(inp.platform, inp.buildPlatform);
  const graph = buildStages(instrs, buildArgs, predefined, inp.target);
  const stages = new Map<number, StagePlan>();
  const usedArgs = new Set<string>([...graph.globalArgs.keys()]);
  for (const i of graph.order) {
    const def = graph.stages[i];
    const baseStage = [...(graph.deps.get(i) ?? [])].find((d) => graph.stages[d] && stages.get(d) && (graph.stages[d].name === def.base.toLowerCase() || String(d) === def.base));
    const baseConfig = def.base.toLowerCase() === 'scratch' ? undefined
      : baseStage !== undefined ? stages.get(baseStage)!.config
      : await inp.imageConfig(def.base, def.platform);
    stages.set(i, planStage(def, { stages: graph.stages, globalArgs: graph.globalArgs, buildArgs, predefined, baseConfig, escapeToken: parsed.escapeToken, usedArgs }));
  }
  // Proxy args, SOURCE_DATE_EPOCH and BuildKit's own (BUILDKIT_*) never need declaring.
  const unusedArgs = Object.keys(buildArgs).filter((k) => !usedArgs.has(k) && !k.endsWith('_PROXY') && !k.endsWith('_proxy') && k !== 'SOURCE_DATE_EPOCH' && !k.startsWith('BUILDKIT_'));
  return { graph, stages, unusedArgs, warnings: parsed.warnings.map((w) => `${file}:${w.line}: ${w.message} (empty continuation lines will become errors in a future release)`) };
}
