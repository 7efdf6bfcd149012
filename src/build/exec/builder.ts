// Executing a plan through the engine: stages as a graph (each starts when the stages it needs
// are done; independent ones run at the same time), steps in order within a stage, each looked up
// in the cache by its key first. The engine does every file-system and process operation.
import { type BuildService, type BuildMount, type CacheSource, type BuildState, type Engine, type HistoryEntry, type ImageConfig, type WorkRoot } from '../../engine/index.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { hashEntries, readIgnore, resolveSources, SourceError, type SourceEntry } from '../context/sources.ts';
import { planBuild, platformString, type BuildPlan, type Platform, type RunConfig, type StagePlan, type Step, type StepOp } from '../plan/index.ts';
import { fetchRemote, isRemote } from '../context/remote.ts';
import { isGitSource, parseGitSource, resolveGitCommit, withGitCheckout } from '../context/git.ts';
import { stepKey } from './cache-key.ts';
import type { BuildListener } from './progress.ts';
import { BuildFailure, type BuildRequest, type BuildResult } from './request.ts';
import { buildPlatforms, type PartResult, type PlatformPart } from './multi.ts';
import { exportCache, pushTags } from './publish.ts';

interface StageResult { state: BuildState; key: string; config: RunConfig; history: HistoryEntry[]; base?: ImageConfig; created: string; platform: Platform }

export async function build(engine: Engine, req: BuildRequest, emit: BuildListener): Promise<BuildResult> {
  const svc = engine.build();
  try {
    const platforms = (req.platform ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    if (platforms.length > 1) return await buildPlatforms(svc, req, platforms, emit, buildWith);
    return await buildWith(svc, req, emit);
  } finally {
    await svc.close();
  }
}

/** One build (`part` set: one platform of several, see multi.ts: its progress ids follow
 * `idBase`, its stages are labelled with the platform, its image is unnamed and not pushed). */
async function buildWith(svc: BuildService, req: BuildRequest, emit: BuildListener, part?: PlatformPart): Promise<BuildResult & { part?: PartResult }> {
  await svc.cleanStale();
  const host = svc.host() as Platform;
  // The target platform (--platform): TARGETPLATFORM and the default of every FROM. A stage's
  // own platform (FROM --platform, else its base stage's, else the target) picks its base image's
  // manifest and decides whether its RUN steps can run here.
  const platformOf = (spec: string) => { try { return svc.platform(spec); } catch (e) { throw new BuildFailure((e as Error).message); } };
  const target = req.platform ? platformOf(req.platform) : host;
  const baseSpec = (declared?: string) => declared ?? (req.platform ? platformString(target) : undefined);
  const epochArg = req.buildArgs.SOURCE_DATE_EPOCH;
  const epoch = epochArg !== undefined && epochArg !== '' ? Number(epochArg) : undefined;
  if (epoch !== undefined && (!Number.isInteger(epoch) || epoch < 0)) throw new BuildFailure(`invalid SOURCE_DATE_EPOCH: ${epochArg}`);
  const epochTime = epoch !== undefined ? new Date(epoch * 1000).toISOString() : undefined;
  const bases = new Map<string, Awaited<ReturnType<BuildService['baseImage']>>>();
  const baseImage = async (ref: string, platform?: string) => {
    const k = `${ref}|${platform ?? ''}`;
    if (!bases.has(k)) {
      try { bases.set(k, await svc.baseImage(ref, req.pull, platform)); } catch (e) { throw new BuildFailure(`failed to resolve source metadata for ${ref}: ${(e as Error).message}`); }
    }
    return bases.get(k)!;
  };
  let plan: BuildPlan;
  try {
    plan = await planBuild({
      dockerfile: req.dockerfile, file: req.dockerfileName, buildArgs: req.buildArgs, target: req.target, platform: target, buildPlatform: host,
      imageConfig: async (ref, platform) => (await baseImage(ref, baseSpec(platform))).config.config ?? {},
    });
  } catch (e) {
    // Syntax, instruction and plan errors already name the file and line.
    throw e instanceof BuildFailure ? e : new BuildFailure((e as Error).message);
  }
  const warnings = [...plan.warnings, ...(plan.unusedArgs.length ? [`one or more build-args [${plan.unusedArgs.join(' ')}] were not consumed`] : [])];
  for (const w of warnings) emit({ type: 'warning', message: w });
  const ignore = readIgnore(req.contextDir, req.dockerfilePath);
  // Imported caches (read once) and the records this build used, for --cache-to.
  // A registry cache that cannot be read is a warning, as with BuildKit (a first build has none).
  const imported: CacheSource[] = [];
  for (const spec of req.cacheFrom ?? []) {
    try { imported.push(await svc.cache.open(spec, target)); } catch (e) {
      if (spec.type === 'local') throw new BuildFailure((e as Error).message);
      emit({ type: 'warning', message: `--cache-from ${spec.ref}: not imported: ${(e as Error).message}` });
    }
  }
  const used = new Map<string, BuildState>();
  // Cancelled by the caller, or by the build itself when a stage fails: stages running beside it
  // stop (their RUN killed) and are waited for, so nothing is left behind when build() returns.
  const ctrl = new AbortController();
  const signal = ctrl.signal;
  if (req.signal?.aborted) ctrl.abort();
  req.signal?.addEventListener('abort', () => ctrl.abort(), { once: true });
  // zstd layers are cached apart from gzip ones (the default keeps its keys).
  const compression = req.output?.type === 'image' ? req.output.compression : undefined;
  const keyOf = (parent: string, op: StepOp, content = '') => stepKey(parent, op, compression === 'zstd' ? `${content}|zstd` : content);
  let nextId = (part?.idBase ?? 0) + 1;
  const total = [...plan.stages.values()].reduce((n, s) => n + s.steps.length + 1, 0);
  /** A RUN on the build's own network namespace (made once per build, ~0.3 s here). */
  const usesBuildNetwork = (st: Step) => st.op.op === 'run' && (st.op.network ?? req.network ?? 'default') === 'default';
  // Once the last of them is done (run or cached) the namespace goes, beside the steps still to
  // come, rather than after the image is written.
  let networkRunsLeft = [...plan.stages.values()].reduce((n, s) => n + s.steps.filter(usesBuildNetwork).length, 0);
  let counter = 0;

  const results = new Map<number, Promise<StageResult>>();
  // The first stage to fail fails the build at once: every stage started is one the target needs.
  let firstError: unknown;
  const fail = (e: unknown) => {
    if (firstError === undefined) firstError = e;
    ctrl.abort();
  };
  const runStage = (index: number): Promise<StageResult> => {
    let p = results.get(index);
    if (!p) {
      // Every stage it needs starts now (independent stages build at the same time), but a stage
      // waits only for its base before its first step: a COPY --from or RUN --mount from= waits
      // for its source stage when it comes to it.
      for (const d of plan.graph.deps.get(index) ?? []) runStage(d).catch(fail);
      p = buildStage(plan.stages.get(index)!);
      results.set(index, p);
    }
    return p;
  };

  const stageLabel = (s: StagePlan) => `${part ? `${part.label} ` : ''}${s.name ?? `stage-${s.index}`}`;

  async function buildStage(s: StagePlan): Promise<StageResult> {
    const label = stageLabel(s);
    const id0 = nextId++;
    emit({ type: 'step', id: id0, stage: label, index: ++counter, total, instruction: `FROM ${plan.graph.stages[s.index].base}` });
    let state: BuildState, key: string, history: HistoryEntry[], base: ImageConfig | undefined;
    // History times: a step that made a layer has the time it first ran (from its cache record);
    // a config-only step the time of the layer before it. A fully cached rebuild is the same image.
    let created = epochTime ?? new Date().toISOString();
    let platform = s.platform ? platformOf(s.platform) : target;
    if (s.base.kind === 'scratch') { state = { layers: [] }; key = 'scratch'; history = []; }
    else if (s.base.kind === 'stage') {
      const r = await runStage(s.base.index);
      ({ state, key, history, base, created } = r);
      if (!s.platform) platform = r.platform;
      history = [...history];
    } else {
      const b = await baseImage(s.base.ref, baseSpec(s.platform));
      state = b.state; key = `image:${b.manifestDigest}`; history = [...(b.config.history ?? [])]; base = b.config;
      created = epochTime ?? b.config.created ?? created;
    }
    emit({ type: 'done', id: id0, seconds: 0 });
    for (const [i, step] of s.steps.entries()) {
      if (signal.aborted) throw new BuildFailure('build cancelled', 130);
      const id = nextId++;
      emit({ type: 'step', id, stage: label, index: ++counter, total, instruction: step.instruction });
      const t0 = performance.now();
      if (step.op.op === 'config') {
        history.push({ created, created_by: step.createdBy, comment: 'buildkit.dockerfile.v0', empty_layer: true });
        emit({ type: 'done', id, seconds: 0 });
        continue;
      }
      try {
        const before = state.layers.length;
        ({ state, key } = await runStep(step, state, key, id, platform, s.steps.slice(i).some(usesBuildNetwork)));
        if (usesBuildNetwork(step) && --networkRunsLeft === 0) svc.releaseNetwork();
        if (state.layers.length !== before) created = epochTime ?? state.created ?? new Date().toISOString();
        history.push({ created, created_by: step.createdBy, comment: 'buildkit.dockerfile.v0', ...(state.layers.length === before ? { empty_layer: true } : {}) });
      } catch (e) {
        const msg = e instanceof BuildFailure || e instanceof SourceError ? e.message : `${(e as Error).message}`;
        emit({ type: 'error', id, message: msg });
        throw e instanceof BuildFailure ? e : new BuildFailure(`${step.file}:${step.line}: ${step.instruction.split('\n')[0]}: ${msg}`);
      }
      emit({ type: 'done', id, seconds: (performance.now() - t0) / 1000 });
    }
    return { state, key, config: s.config, history, base, created, platform };
  }

  /** Sources of a COPY (from the context, a stage or an image), read while `fn` runs. */
  async function withSources<T>(op: Extract<StepOp, { op: 'copy' }>, platform: Platform, fn: (entries: SourceEntry[]) => Promise<T>): Promise<T> {
    const inline: SourceEntry[] = op.inline.map((h) => ({ content: h.content, rel: h.name, type: 'file' as const, single: op.sources.length + op.inline.length === 1 }));
    const local = op.sources.filter((s) => !(op.add && isRemote(s)));
    const remote = op.add ? op.sources.filter(isRemote) : [];
    const resolve = (root: string, ign?: ReturnType<typeof readIgnore>) =>
      [...(local.length ? resolveSources(root, local, { ignore: ign, excludes: op.excludes, parents: op.parents }) : []), ...inline];
    if (remote.length) {
      const dir = mkdtempSync(join(tmpdir(), 'berth-build-add-'));
      try {
        const fetched = await Promise.all(remote.map((u, i) => fetchRemote(u, dir, i, op.checksum)));
        if (fetched.length === 1 && local.length + inline.length === 0) fetched[0].single = true;
        return await fn([...fetched, ...resolve(req.contextDir, ignore)]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (op.from.kind === 'context') return fn(resolve(req.contextDir, ignore));
    const src = op.from.kind === 'stage' ? (await runStage(op.from.index)).state : (await baseImage(op.from.ref, req.platform || platform !== target ? platformString(platform) : undefined)).state;
    return svc.withView(src, (root) => fn(resolve(root)));
  }

  /** `netAhead`: this step or a later one of its stage runs on the build's network: on a cache
   * miss the namespace starts being made now, beside this step's work. */
  async function runStep(step: Step, state: BuildState, parentKey: string, id: number, platform: Platform, netAhead: boolean): Promise<{ state: BuildState; key: string }> {
    const op = step.op;
    const finish = async (key: string, work: (w: WorkRoot) => Promise<void>, base: BuildState = state, onBuilt?: (s: BuildState) => void) => {
      if (!req.noCache) {
        let hit = await svc.cache.get(key);
        for (const c of imported) {
          if (hit) break;
          const rec = c.records.get(key);
          if (rec && await svc.cache.adopt(c, key, rec)) hit = rec;
        }
        if (hit) { emit({ type: 'cached', id }); used.set(key, hit); return { state: hit, key }; }
      }
      if (netAhead) svc.prepareNetwork();
      const w = await svc.workRoot(base);
      let next: BuildState;
      try { await work(w); } catch (e) { await w.discard(); throw e; }
      next = { ...(await w.commit({ epoch, ...(compression ? { compression } : {}) })), created: epochTime ?? new Date().toISOString() };
      svc.cache.put(key, next);
      onBuilt?.(next);
      used.set(key, next);
      return { state: next, key };
    };
    if (op.op === 'mkdir') {
      return finish(keyOf(parentKey, op), async (w) => {
        await w.copy({ entries: [], dest: op.path, destIsDir: true, chown: op.user || undefined });
      });
    }
    if (op.op === 'copy') {
      // The same step with other sources (an edited context) ran before: its files may be linked.
      const stepOnly = keyOf(op.link ? 'link' : parentKey, op.link ? { ...op, workdir: '' } : op, 'last');
      const remember = (s: BuildState) => svc.cache.setLast(stepOnly, s);
      const place = async (content: string, copy: (w: WorkRoot) => Promise<void>) => {
        if (!op.link) return finish(keyOf(parentKey, op, content), copy, state, remember);
        // --link: the files become a layer of their own, made over an empty root and keyed
        // without the parent, then put on top of it: a changed base reuses the layer.
        const linkKey = keyOf('link', { ...op, workdir: '' }, content);
        const made = await finish(linkKey, copy, { layers: [] }, remember);
        return { state: { layers: [...state.layers, ...made.state.layers], ...(made.state.created ? { created: made.state.created } : {}) }, key: keyOf(parentKey, op, linkKey) };
      };
      if (op.add && op.sources.length === 1 && isGitSource(op.sources[0])) {
        // Keyed by the commit the ref names now: fetched only when the step misses the cache.
        const src = parseGitSource(op.sources[0]);
        const commit = await resolveGitCommit(src);
        const checksum = op.checksum ?? src.checksum;
        if (checksum && checksum !== commit) throw new SourceError(`${op.sources[0]}: expected commit ${checksum}, the ref names ${commit}`);
        const keep = !!(op.keepGitDir || src.keepGitDir);
        return place(`git:${commit}:${src.subdir}:${keep ? 'keep-git-dir' : ''}:${src.submodules === false ? 'no-submodules' : ''}`, (w) => withGitCheckout(src, commit, keep, (root) =>
          w.copy({ entries: resolveSources(root, ['.']), dest: op.dest, destIsDir: true, chown: op.chown, chmod: op.chmod }, svc.cache.last(stepOnly))));
      }
      return withSources(op, platform, async (entries) => place(hashEntries(entries), (w) =>
        w.copy({ entries: entries.map((e) => ({ ...e, extract: op.add && op.from.kind === 'context' && !e.remote })), dest: op.dest, destIsDir: op.destIsDir, chown: op.chown, chmod: op.chmod }, svc.cache.last(stepOnly))));
    }
    if (op.op !== 'run') throw new Error(`unexpected step ${op.op}`);
    // RUN --network wins over the build's --network; the one used is part of the key.
    const network = op.network ?? req.network ?? 'default';
    return runWithMounts(op, async (mounts, contentHash, extraEnv) => {
      const key = keyOf(parentKey, { ...op, network }, contentHash);
      return finish(key, async (w) => {
        if (signal.aborted) throw new BuildFailure('build cancelled', 130);
        const foreign = svc.cannotRun(platform);
        if (foreign) throw new BuildFailure(`${step.file}:${step.line}: ${foreign}`);
        if (op.security === 'insecure' && !req.allowInsecure) throw new BuildFailure(`${step.file}:${step.line}: RUN --security=insecure needs --allow security.insecure`);
        const code = await w.run({ argv: op.argv, env: [...op.env, ...extraEnv], user: op.user, workdir: op.workdir, network, mounts, privileged: op.security === 'insecure', ...(req.extraHosts?.length ? { extraHosts: req.extraHosts } : {}), ...(req.shmSize ? { shmSize: req.shmSize } : {}) }, (chunk, stream) => {
          emit({ type: 'output', id, stream, text: chunk.toString('utf8') });
        }, signal);
        if (signal.aborted) throw new BuildFailure('build cancelled', 130);
        if (code !== 0) throw new BuildFailure(`${step.file}:${step.line}: process "${op.argv.join(' ')}" did not complete successfully: exit code: ${code}`, 1);
      });
    });
  }

  /** RUN --mount: each mount made ready (cache dirs, secrets, binds from the context or a stage). */
  async function runWithMounts<T>(op: Extract<StepOp, { op: 'run' }>, fn: (m: BuildMount[], contentHash: string, env: string[]) => Promise<T>): Promise<T> {
    const mounts: BuildMount[] = [];
    const hashes: string[] = [];
    const env: string[] = [];
    let i = 0;
    const scriptDir = op.scripts?.length ? mkdtempSync(join(tmpdir(), 'berth-build-script-')) : undefined;
    for (const [n, s] of (op.scripts ?? []).entries()) {
      const f = join(scriptDir!, String(n));
      writeFileSync(f, s.content, { mode: 0o755 });
      mounts.push({ type: 'bind', source: f, target: s.target, readOnly: true });
    }
    const next = async (): Promise<T> => {
      if (i >= op.mounts.length) return fn(mounts, hashes.join(','), env);
      const m = op.mounts[i++];
      const target = posix.resolve(op.workdir, m.target || '/');
      switch (m.type) {
        case 'cache': {
          const c = await svc.cache.mount(m.id ?? target, m.sharing ?? 'shared', { uid: m.uid, gid: m.gid, mode: m.mode });
          mounts.push({ type: 'bind', source: c.path, target, readOnly: m.readonly });
          try { return await next(); } finally { c.release(); }
        }
        case 'tmpfs':
          mounts.push({ type: 'tmpfs', source: 'tmpfs', target, readOnly: false, options: m.size ? [`size=${m.size}`] : [] });
          return next();
        case 'secret': {
          const path = req.secrets[m.id ?? ''];
          if (!path) {
            if (m.required) throw new BuildFailure(`secret ${m.id} not found (pass it with --secret id=${m.id},src=FILE)`);
            return next();
          }
          if (m.env) env.push(`${m.env}=${readFileSync(path, 'utf8')}`);
          if (m.target) mounts.push({ type: 'bind', source: path, target, readOnly: true });
          return next();
        }
        case 'ssh': {
          const sock = req.ssh?.[m.id ?? 'default'];
          if (!sock) {
            if (m.required) throw new BuildFailure(`no SSH agent socket "${m.id ?? 'default'}" (pass one with --ssh ${m.id ?? 'default'}[=SOCKET])`);
            return next();
          }
          mounts.push({ type: 'bind', source: sock, target, readOnly: false });
          env.push(`SSH_AUTH_SOCK=${target}`);
          return next();
        }
        case 'bind': {
          const sub = posix.normalize(`/${m.source ?? ''}`).slice(1);
          if (!m.from) {
            hashes.push(hashEntries(resolveSources(req.contextDir, [sub || '.'], { ignore })));
            mounts.push({ type: 'bind', source: join(req.contextDir, sub), target, readOnly: true });
            return next();
          }
          const idx = plan.graph.stages.findIndex((s) => s.name === m.from!.toLowerCase());
          const src = idx >= 0 ? (await runStage(idx)).state : (await baseImage(m.from)).state;
          return svc.withView(src, async (root) => {
            hashes.push(hashEntries(resolveSources(root, [sub || '.'])));
            mounts.push({ type: 'bind', source: join(root, sub), target, readOnly: true });
            return next();
          });
        }
      }
    };
    try {
      return await next();
    } finally {
      if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
    }
  }

  let final: StageResult;
  try {
    final = await runStage(plan.graph.target);
  } catch (e) {
    fail(e);
    await Promise.allSettled([...results.values()]);
    throw firstError;
  }
  const created = final.created;
  const config: RunConfig = { ...final.config, Labels: { ...(final.config.Labels ?? {}), ...req.labels } };
  if (!Object.keys(config.Labels!).length) delete config.Labels;
  const author = plan.stages.get(plan.graph.target)?.author;
  const image: ImageConfig = {
    created, ...(author !== undefined ? { author } : {}), architecture: final.platform.architecture, os: final.platform.os, ...(final.platform.variant ? { variant: final.platform.variant } : {}),
    config: config as ImageConfig['config'], rootfs: { type: 'layers', diff_ids: [] }, history: final.history,
  };
  const out = await svc.writeImage(final.state, image, req.tags, { ...(part ? { unnamed: true } : {}), ...(req.cacheTo?.type === 'inline' ? { inlineCache: used } : {}) });
  if (part) return { ...out, warnings, part: { used, state: final.state, platform: final.platform, lastId: nextId - 1 } };
  await pushTags(svc, req, emit);
  await exportCache(svc, req, used, [final.state], emit);
  const o = req.output;
  if (o && o.type !== 'image') {
    try {
      if (o.type === 'docker') await svc.exportImage(out.id, o.dest, 'docker-archive');
      else if (o.type === 'oci') await svc.exportImage(out.id, o.dest, o.tar ? 'oci-archive' : 'oci-dir');
      else await svc.exportRootfs(final.state, o.dest, o.type === 'tar');
    } catch (e) { throw new BuildFailure(`exporting to ${o.dest}: ${(e as Error).message}`); }
    emit({ type: 'info', message: `exported ${o.type} to ${o.dest}` });
  }
  return { ...out, warnings };
}
