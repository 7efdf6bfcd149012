// Instructions → stages: global ARGs, FROM resolved (its image name expanded with the global
// args), stage names, and the graph of which stage needs which (FROM <stage>, COPY --from,
// RUN --mount from=), so that only the stages the target needs are built.
import type { Instruction, Of } from '../instructions/index.ts';
import { envFromList, Lexer } from '../shell/lex.ts';

export class PlanError extends Error {
  override name = 'PlanError';
}

export interface StageDef {
  index: number;
  name?: string;
  from: Of<'from'>;
  /** FROM's image after expansion: an image reference, "scratch", or another stage's name. */
  base: string;
  platform?: string;
  instructions: Instruction[];
}

export interface Platform { os: string; architecture: string; variant?: string }

export const platformString = (p: Platform) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;

/** The args docker defines without an ARG instruction (global scope). */
export function predefinedArgs(target: Platform, build: Platform): Record<string, string> {
  return {
    TARGETPLATFORM: platformString(target), TARGETOS: target.os, TARGETARCH: target.architecture, TARGETVARIANT: target.variant ?? '',
    BUILDPLATFORM: platformString(build), BUILDOS: build.os, BUILDARCH: build.architecture, BUILDVARIANT: build.variant ?? '',
  };
}

/** Proxy args: usable by RUN without an ARG, kept out of history and the cache key. */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export interface StageGraph {
  globalArgs: Map<string, string | undefined>;
  stages: StageDef[];
  /** Index of the target stage. */
  target: number;
  /** Stage indices needed for the target, dependencies first. */
  order: number[];
  /** Per stage, the stages it needs directly. */
  deps: Map<number, Set<number>>;
}

export function stageIndex(stages: StageDef[], ref: string, before: number): number | undefined {
  const lower = ref.toLowerCase();
  const byName = stages.findIndex((s, i) => i < before && s.name === lower);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return undefined;
}

export function buildStages(instrs: Instruction[], buildArgs: Record<string, string>, predefined: Record<string, string>, target?: string): StageGraph {
  const globalArgs = new Map<string, string | undefined>();
  const stages: StageDef[] = [];
  const lex = new Lexer();
  for (const ins of instrs) {
    if (ins.kind === 'from') {
      const env = envFromList([
        ...Object.entries(predefined).map(([k, v]) => `${k}=${v}`),
        ...[...globalArgs].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`),
      ]);
      const expand = (s: string) => {
        try { return lex.processWord(s, env).result; } catch (e) { throw new PlanError(`${ins.file}:${ins.line}: FROM: ${(e as Error).message}`); }
      };
      const base = expand(ins.image);
      if (!base) throw new PlanError(`${ins.file}:${ins.line}: FROM: base name (${ins.image}) should not be blank`);
      if (ins.stageName && stages.some((s) => s.name === ins.stageName)) throw new PlanError(`${ins.file}:${ins.line}: duplicate stage name "${ins.stageName}"`);
      stages.push({ index: stages.length, name: ins.stageName, from: ins, base, platform: ins.platform ? expand(ins.platform) : undefined, instructions: [] });
    } else if (!stages.length) {
      if (ins.kind !== 'arg') throw new PlanError(`${ins.file}:${ins.line}: no build stage in current context (${ins.kind.toUpperCase()} before the first FROM)`);
      for (const a of ins.args) {
        const env = envFromList([...globalArgs].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`));
        const def = a.value === undefined ? undefined : lex.processWord(a.value, env).result;
        globalArgs.set(a.key, a.key in buildArgs ? buildArgs[a.key] : def);
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  if (!stages.length) throw new PlanError('the Dockerfile has no FROM instruction');
  let t = stages.length - 1;
  if (target !== undefined) {
    const i = stages.findIndex((s) => s.name === target.toLowerCase());
    if (i < 0) throw new PlanError(`target stage "${target}" could not be found`);
    t = i;
  }
  const deps = new Map<number, Set<number>>();
  for (const s of stages) {
    const d = new Set<number>();
    const base = stageIndex(stages, s.base, s.index);
    if (base !== undefined) d.add(base);
    for (const ins of s.instructions) {
      const refs: string[] = [];
      if (ins.kind === 'copy' && ins.from) refs.push(ins.from);
      if (ins.kind === 'run') for (const m of ins.mounts) { const f = /(?:^|,)from=([^,]+)/.exec(m); if (f) refs.push(f[1]); }
      for (const r of refs) {
        const i = stageIndex(stages, r, s.index);
        if (i !== undefined) d.add(i);
        else if (stages.some((x) => x.name === r.toLowerCase())) throw new PlanError(`${ins.file}:${ins.line}: stage "${r}" is used before it is defined`);
      }
    }
    deps.set(s.index, d);
  }
  const order: number[] = [];
  const visit = (i: number) => {
    if (order.includes(i)) return;
    for (const d of deps.get(i) ?? []) visit(d);
    order.push(i);
  };
  visit(t);
  return { globalArgs, stages, target: t, order, deps };
}
