// POST /build (the classic protocol docker's legacy builder speaks, DOCKER_BUILDKIT=0): the body
// is the context as a tar (plain or compressed), the query carries docker build's options; the
// answer is a JSON message stream: the build's progress as `stream` lines ("Step N/M : …",
// " ---> Using cache", the steps' output), the image ID as `aux`, then "Successfully built" and
// "Successfully tagged", or an `error` message. The builder (src/build) does the work.
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { build, BuildFailure, type BuildEvent } from '../build/index.ts';
import { execFileAsync } from '../util/exec.ts';
import type { ApiContext } from './context.ts';
import { badRequest } from './errors.ts';
import { auxMessage, errorMessage, streamMessage } from './jsonmessage.ts';

function jsonMap(ctx: ApiContext, name: string): Record<string, string> {
  const raw = ctx.query.get(name);
  if (!raw) return {};
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw badRequest(`${name}: not JSON`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${name}: expected a JSON object`);
  // A null build arg value means "from the client's environment": the CLI resolves those itself.
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null).map(([k, x]) => [k, String(x)]));
}

export async function buildImage(ctx: ApiContext): Promise<void> {
  const dir = mkdtempSync(join(ctx.engine.images.tmpDir(), 'build-'));
  try {
    const archive = join(dir, 'context.tar');
    await pipeline(ctx.req, createWriteStream(archive)).catch((e: Error) => { throw badRequest(`reading the build context: ${e.message}`); });
    const contextDir = join(dir, 'context');
    mkdirSync(contextDir);
    // GNU tar recognises gzip, bzip2 and xz contexts itself when reading a file.
    await execFileAsync('tar', ['-x', '-f', archive, '-C', contextDir, '--no-same-owner']).catch((e: Error) => { throw badRequest(`unpacking the build context: ${e.message}`); });
    rmSync(archive, { force: true });
    const dockerfileName = ctx.query.get('dockerfile') || 'Dockerfile';
    let dockerfile: string;
    try { dockerfile = readFileSync(join(contextDir, dockerfileName), 'utf8'); } catch { throw badRequest(`Cannot locate specified Dockerfile: ${dockerfileName}`); }
    const net = ctx.query.get('networkmode') || 'default';
    const quiet = ctx.flag('q');
    const res = ctx.stream('application/json');
    const steps = new Map<number, string>();
    const emit = (e: BuildEvent) => {
      if (quiet && e.type !== 'error') return;
      switch (e.type) {
        case 'step': steps.set(e.id, e.instruction); res.write(streamMessage(`Step ${e.index}/${e.total} : ${e.instruction.split('\n')[0]}\n`)); break;
        case 'cached': res.write(streamMessage(' ---> Using cache\n')); break;
        case 'output': res.write(streamMessage(e.text)); break;
        case 'warning': res.write(streamMessage(`[Warning] ${e.message}\n`)); break;
        case 'info': res.write(streamMessage(`${e.message}\n`)); break;
        default: break;
      }
    };
    try {
      const tags = ctx.query.getAll('t');
      const r = await build(ctx.engine, {
        contextDir, dockerfile, dockerfileName, dockerfilePath: join(contextDir, dockerfileName), tags,
        buildArgs: jsonMap(ctx, 'buildargs'), ...(ctx.query.get('target') ? { target: ctx.query.get('target')! } : {}),
        noCache: ctx.flag('nocache'), pull: ctx.flag('pull') ? 'always' : 'missing', labels: jsonMap(ctx, 'labels'), secrets: {},
        network: net === 'none' || net === 'host' ? net : 'default', signal: ctx.signal,
        ...(ctx.query.get('shmsize') ? { shmSize: Number(ctx.query.get('shmsize')) } : {}),
        ...(ctx.query.get('platform') ? { platform: ctx.query.get('platform')! } : {}),
      }, emit);
      res.write(auxMessage({ ID: r.id }));
      // Quiet: the ID is the only output (the CLI prints what the stream carried).
      if (quiet) res.write(streamMessage(`${r.id}\n`));
      else {
        res.write(streamMessage(`Successfully built ${r.id.slice('sha256:'.length, 'sha256:'.length + 12)}\n`));
        for (const t of tags) res.write(streamMessage(`Successfully tagged ${t}\n`));
      }
    } catch (e) {
      res.write(errorMessage(e instanceof BuildFailure ? e.message : (e as Error).message));
    }
    res.end();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
