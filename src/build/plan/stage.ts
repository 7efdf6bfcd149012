// One stage, instruction by instruction: ARG and ENV scoping, expansion where docker expands
// (not in RUN, CMD, ENTRYPOINT, SHELL or HEALTHCHECK, whose shells expand), and the image config
// after each step. Pure: the base image's config is given.
import { posix } from 'node:path';
import { isGitSource } from '../context/git.ts';
import { chompHeredoc, parseDockerfile } from '../parser/index.ts';
import { parseInstruction, type Instruction, type RunMount } from '../instructions/index.ts';
import { envFromList, Lexer } from '../shell/lex.ts';
import { DEFAULT_PATH_ENV } from '../../oci/env.ts';
import { DEFAULT_SHELL, envGet, envSet, type RunConfig } from './config.ts';
import { parseRunMount } from './mounts.ts';
import { PlanError, PROXY_ARGS, stageIndex, type StageDef } from './stages.ts';
import type { CopyFrom, StagePlan, Step, StepOp } from './steps.ts';

export interface StageContext {
  stages: StageDef[];
  globalArgs: Map<string, string | undefined>;
  buildArgs: Record<string, string>;
  predefined: Record<string, string>;
  /** The base image's config (or a stage's final config); undefined for scratch. */
  baseConfig?: RunConfig;
  escapeToken: string;
  /** Names of build args used anywhere (to warn about unused ones). */
  usedArgs: Set<string>;
}

const clone = <T>(v: T): T => structuredClone(v);

export function planStage(def: StageDef, ctx: StageContext): StagePlan {
  const base: StagePlan['base'] = def.base.toLowerCase() === 'scratch' ? { kind: 'scratch' }
    : stageIndex(ctx.stages, def.base, def.index) !== undefined ? { kind: 'stage', index: stageIndex(ctx.stages, def.base, def.index)! }
    : { kind: 'image', ref: def.base };
  let config: RunConfig = clone(ctx.baseConfig ?? {});
  if (!config.Env) config.Env = base.kind === 'scratch' ? [DEFAULT_PATH_ENV] : [];
  const triggers = config.OnBuild ?? [];
  config.OnBuild = undefined;
  const lex = new Lexer({ escapeToken: ctx.escapeToken });
  const args = new Map<string, string>();
  const steps: Step[] = [];
  let author: string | undefined;

  let instructions: Instruction[] = def.instructions;
  if (triggers.length) {
    const trig = triggers.map((t) => parseInstruction(parseDockerfile(t, `${def.base} ONBUILD`).children[0], `${def.base} ONBUILD`));
    instructions = [...trig, ...instructions];
  }

  /** Expansion sees the stage's args, then the config's env (ENV wins over ARG). */
  const envForExpansion = () => envFromList([...[...args].map(([k, v]) => `${k}=${v}`), ...(config.Env ?? [])]);
  for (const ins of instructions) {
    const where = `${ins.file}:${ins.line}`;
    const fail = (msg: string): never => { throw new PlanError(`${where}: ${ins.kind.toUpperCase()}: ${msg}`); };
    const ex = (s: string): string => {
      try {
        const r = lex.processWord(s, envForExpansion());
        for (const m of r.matched) ctx.usedArgs.add(m);
        return r.result;
      } catch (e) { return fail((e as Error).message); }
    };
    const exWords = (s: string[]) => s.map(ex);
    const step = (op: StepOp, createdBy = ins.original): void => {
      steps.push({ file: ins.file, line: ins.line, instruction: ins.original, createdBy, op, config: clone(config) });
    };
    const shell = config.Shell?.length ? config.Shell : DEFAULT_SHELL;
    const workdir = config.WorkingDir || '/';
    switch (ins.kind) {
      case 'arg':
        for (const a of ins.args) {
          let v: string | undefined = a.value === undefined ? undefined : ex(a.value);
          if (a.key in ctx.buildArgs) v = ctx.buildArgs[a.key];
          else if (v === undefined && ctx.globalArgs.get(a.key) !== undefined) v = ctx.globalArgs.get(a.key);
          else if (v === undefined && a.key in ctx.predefined) v = ctx.predefined[a.key];
          if (v !== undefined) args.set(a.key, v);
          ctx.usedArgs.add(a.key);
        }
        step({ op: 'config' });
        break;
      case 'env': {
        // All pairs expand against the env from before this instruction (docker's one-instruction rule).
        const vals = ins.pairs.map((p) => [ex(p.key), ex(p.value)] as const);
        let env = config.Env ?? [];
        for (const [k, v] of vals) { if (!k) fail('ENV names can not be blank'); env = envSet(env, k, v); }
        config = { ...config, Env: env };
        step({ op: 'config' }, `ENV ${vals.map(([k, v]) => `${k}=${v}`).join(' ')}`);
        break;
      }
      case 'label': {
        const labels = { ...(config.Labels ?? {}) };
        for (const p of ins.pairs) labels[ex(p.key)] = ex(p.value);
        config = { ...config, Labels: labels };
        step({ op: 'config' });
        break;
      }
      case 'maintainer':
        author = ins.maintainer;
        step({ op: 'config' });
        break;
      case 'workdir': {
        const p = ex(ins.path);
        const path = posix.resolve(workdir, p);
        config = { ...config, WorkingDir: path };
        step({ op: 'mkdir', path, user: config.User ?? '' }, `WORKDIR ${path}`);
        break;
      }
      case 'user':
        config = { ...config, User: ex(ins.user) };
        step({ op: 'config' });
        break;
      case 'expose': {
        const ports = { ...(config.ExposedPorts ?? {}) };
        for (const raw of exWords(ins.ports)) for (const p of expandPorts(raw, fail)) ports[p] = {};
        config = { ...config, ExposedPorts: ports };
        step({ op: 'config' });
        break;
      }
      case 'volume': {
        const vols = { ...(config.Volumes ?? {}) };
        for (const v of exWords(ins.volumes)) { if (!v) fail('VOLUME specified can not be an empty string'); vols[v] = {}; }
        config = { ...config, Volumes: vols };
        step({ op: 'config' });
        break;
      }
      case 'stopsignal':
        config = { ...config, StopSignal: ex(ins.signal) };
        step({ op: 'config' });
        break;
      case 'shell':
        config = { ...config, Shell: [...ins.shell] };
        step({ op: 'config' });
        break;
      case 'cmd': case 'entrypoint': {
        const cmd = ins.prependShell ? [...shell, ins.cmd.join(' ')] : [...ins.cmd];
        if (ins.kind === 'cmd') config = { ...config, Cmd: cmd };
        else {
          config = { ...config, Entrypoint: cmd };
          // ENTRYPOINT resets a CMD inherited from the base image (docker's rule).
          if (!steps.some((s) => s.instruction.toUpperCase().startsWith('CMD'))) config.Cmd = null;
        }
        step({ op: 'config' }, `${ins.kind.toUpperCase()} ${JSON.stringify(cmd)}`);
        break;
      }
      case 'healthcheck':
        config = {
          ...config,
          Healthcheck: ins.test === 'NONE' ? { Test: ['NONE'] } : {
            Test: ins.test, ...(ins.interval ? { Interval: ins.interval } : {}), ...(ins.timeout ? { Timeout: ins.timeout } : {}),
            ...(ins.startPeriod ? { StartPeriod: ins.startPeriod } : {}), ...(ins.startInterval ? { StartInterval: ins.startInterval } : {}),
            ...(ins.retries ? { Retries: ins.retries } : {}),
          },
        };
        step({ op: 'config' });
        break;
      case 'onbuild':
        config = { ...config, OnBuild: [...(config.OnBuild ?? []), ins.expression] };
        step({ op: 'config' });
        break;
      case 'run': {
        let argv: string[];
        let scripts: { target: string; content: string }[] | undefined;
        const docs = ins.heredocs;
        if (ins.prependShell) {
          const line = ins.cmd.join(' ');
          if (docs.length === 1 && /^<<-?\s*['"]?[^'"]+['"]?$/.test(line.trim())) {
            const h = docs[0];
            const body = h.chomp ? chompHeredoc(h.content) : h.content;
            // A script with its own interpreter (#!) runs as a file, as BuildKit does.
            if (body.startsWith('#!')) { scripts = [{ target: `/dev/pipes/${h.name}`, content: body }]; argv = [`/dev/pipes/${h.name}`]; }
            else argv = [...shell, body];
          } else if (docs.length) {
            argv = [...shell, [line, ...docs.map((h) => `${h.content}${h.name}`)].join('\n')];
          } else argv = [...shell, line];
        } else argv = [...ins.cmd];
        const mounts: RunMount[] = ins.mounts.map((m) => { try { return parseRunMount(ex(m)); } catch (e) { return fail((e as Error).message); } });
        // RUN sees the declared args (unless ENV overrides them) and the proxy args.
        let env = config.Env ?? [];
        const argPairs = [...args].filter(([k]) => envGet(env, k) === undefined);
        for (const [k, v] of argPairs) env = [...env, `${k}=${v}`];
        for (const p of PROXY_ARGS) if (p in ctx.buildArgs && envGet(env, p) === undefined) env = [...env, `${p}=${ctx.buildArgs[p]}`];
        const shown = argPairs.filter(([k]) => !PROXY_ARGS.includes(k));
        const createdBy = `RUN ${shown.length ? `|${shown.length} ${shown.map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}${argv.join(' ')} # buildkit`;
        step({ op: 'run', argv, env, user: config.User ?? '', workdir, ...(ins.network ? { network: ins.network as 'default' | 'none' | 'host' } : {}), mounts, ...(scripts ? { scripts } : {}), ...(ins.security ? { security: ins.security as 'insecure' | 'sandbox' } : {}) }, createdBy);
        break;
      }
      case 'copy': case 'add': {
        let from: CopyFrom = { kind: 'context' };
        if (ins.kind === 'copy' && ins.from) {
          const f = ex(ins.from);
          const i = stageIndex(ctx.stages, f, def.index);
          from = i !== undefined ? { kind: 'stage', index: i } : { kind: 'image', ref: f };
        }
        const sources = exWords(ins.sources);
        const destRaw = ex(ins.dest);
        const inline = ins.heredocs.map((h) => {
          let content = h.chomp ? chompHeredoc(h.content) : h.content;
          if (h.expand) content = new Lexer({ escapeToken: ctx.escapeToken, skipProcessQuotes: true }).processWord(content, envForExpansion()).result;
          return { name: h.name, content };
        });
        const destIsDir = destRaw.endsWith('/') || destRaw.endsWith('/.') || destRaw === '.';
        const dest = posix.resolve(workdir, destRaw);
        if (sources.length + inline.length > 1 && !destIsDir) fail(`When using ${ins.kind.toUpperCase()} with more than one source file, the destination must be a directory and end with a /`);
        const git = ins.kind === 'add' && sources.some(isGitSource);
        if (git && (sources.length !== 1 || inline.length || ins.from)) fail('ADD of a git repository takes it as the only source (no --from, no other files)');
        if (ins.checksum && !git && !sources.every((s) => /^https?:\/\//i.test(s))) fail('--checksum can only be used with HTTP(S) and git sources');
        if (ins.checksum && git && !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(ex(ins.checksum))) fail(`--checksum of a git source must be a full commit id, not "${ex(ins.checksum)}"`);
        step({
          op: 'copy', add: ins.kind === 'add', from, sources, dest, destIsDir,
          ...(ins.chown ? { chown: ex(ins.chown) } : {}), ...(ins.chmod ? { chmod: ex(ins.chmod) } : {}),
          excludes: exWords(ins.excludes), parents: ins.parents, user: config.User ?? '', inline, workdir, ...(ins.checksum ? { checksum: ex(ins.checksum) } : {}), ...(ins.link ? { link: true } : {}),
          ...(git && ins.keepGitDir ? { keepGitDir: true } : {}),
        }, `${ins.kind.toUpperCase()} ${[...(ins.chown ? [`--chown=${ex(ins.chown)}`] : []), ...(ins.chmod ? [`--chmod=${ex(ins.chmod)}`] : []), ...sources, ...inline.map((h) => h.name), destRaw].join(' ')} # buildkit`);
        break;
      }
      case 'from':
        fail('unexpected FROM');
    }
  }
  return { index: def.index, name: def.name, base, platform: def.platform, steps, config, args: Object.fromEntries(args), ...(author !== undefined ? { author } : {}) };
}

/** EXPOSE 80, 80/udp, 8000-8002/tcp → docker's "port/proto" keys. */
export function expandPorts(raw: string, fail: (m: string) => never): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(raw);
  if (!m) return fail(`invalid containerPort: ${raw}`);
  const lo = Number(m[1]), hi = m[2] ? Number(m[2]) : lo;
  if (hi < lo || hi > 65535) return fail(`invalid port range: ${raw}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  return out;
}
