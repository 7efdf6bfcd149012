// The planner: stage graph and pruning, ARG/ENV scoping and expansion, per-instruction config
// effects, instruction validation errors with file:line, RUN mounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBuild, parseRunMount, type RunConfig } from '../../../src/build/plan/index.ts';

const amd64 = { os: 'linux', architecture: 'amd64' };
const base: RunConfig = { Env: ['PATH=/bin', 'HOME=/root'], Cmd: ['sh'] };
const plan = (dockerfile: string, extra: { buildArgs?: Record<string, string>; target?: string } = {}) =>
  planBuild({ dockerfile, platform: amd64, buildPlatform: amd64, imageConfig: async () => base, ...extra });

test('unused stages are pruned; stage refs by name and index; dependencies first', async () => {
  const p = await plan('FROM busybox AS a\nRUN a\nFROM busybox AS unused\nRUN u\nFROM busybox AS b\nCOPY --from=a /x /x\nFROM b\nCOPY --from=0 /y /y\n');
  assert.deepEqual(p.graph.order, [0, 2, 3]);
  const last = p.stages.get(3)!;
  assert.deepEqual(last.base, { kind: 'stage', index: 2 });
  assert.deepEqual(last.steps[0].op.op === 'copy' && last.steps[0].op.from, { kind: 'stage', index: 0 });
  const t = await plan('FROM busybox AS a\nRUN a\nFROM busybox AS b\nRUN b\n', { target: 'a' });
  assert.deepEqual(t.graph.order, [0]);
  await assert.rejects(plan('FROM busybox AS a\nRUN a\n', { target: 'nope' }), /target stage "nope" could not be found/);
});

test('global ARG in FROM, redeclared in a stage, overridden by --build-arg; ENV wins over ARG', async () => {
  const df = 'ARG TAG=1.0\nARG IMG=busybox:${TAG}\nFROM ${IMG}\nARG TAG\nARG LOCAL=x\nENV LOCAL=fromenv\nRUN echo $TAG\nLABEL v=${TAG}-${LOCAL}\n';
  const seen: string[] = [];
  const p = await planBuild({ dockerfile: df, platform: amd64, buildPlatform: amd64, buildArgs: { TAG: '2.0' }, imageConfig: async (r) => { seen.push(r); return base; } });
  assert.deepEqual(seen, ['busybox:2.0']);
  const s = p.stages.get(0)!;
  const run = s.steps.find((x) => x.op.op === 'run')!;
  assert.ok(run.op.op === 'run' && run.op.env.includes('TAG=2.0') && run.op.env.includes('LOCAL=fromenv') && !run.op.env.includes('LOCAL=x'));
  assert.equal(run.createdBy, 'RUN |1 TAG=2.0 /bin/sh -c echo $TAG # buildkit');
  assert.equal(s.config.Labels?.v, '2.0-fromenv');
  assert.ok(!s.config.Env?.some((e) => e.startsWith('TAG=')), 'ARG values stay out of the image env');
});

test('ENV pairs expand against the env before the instruction; WORKDIR relative; EXPOSE ranges; CMD/ENTRYPOINT forms', async () => {
  const p = await plan('FROM busybox\nENV A=1\nENV A=2 B=$A\nWORKDIR /app\nWORKDIR sub/$A\nEXPOSE 80 53/udp 8000-8001\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT ["/init"]\nCMD echo hi\nUSER nobody\nVOLUME /data\nSTOPSIGNAL SIGINT\nHEALTHCHECK --interval=5s --retries=2 CMD true\n');
  const c = p.stages.get(0)!.config;
  assert.ok(c.Env!.includes('A=2') && c.Env!.includes('B=1'));
  assert.equal(c.WorkingDir, '/app/sub/2');
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp']);
  assert.deepEqual(c.Entrypoint, ['/init']);
  assert.deepEqual(c.Cmd, ['/bin/bash', '-c', 'echo hi']);
  assert.equal(c.User, 'nobody');
  assert.deepEqual(c.Volumes, { '/data': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.equal((await plan('FROM busybox\nMAINTAINER Jane <j@example.com>\n')).stages.get(0)!.author, 'Jane <j@example.com>');
  assert.deepEqual(c.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 });
  const ep = await plan('FROM busybox\nENTRYPOINT ["/x"]\n');
  assert.equal(ep.stages.get(0)!.config.Cmd, null, 'ENTRYPOINT resets the inherited CMD');
});

test('COPY: destination relative to WORKDIR, several sources need a directory, heredoc files', async () => {
  const p = await plan('FROM busybox\nWORKDIR /w\nARG N=5\nCOPY a b dir/\nCOPY <<EOF /f.txt\nn=$N\nEOF\n');
  const [, , c1, c2] = p.stages.get(0)!.steps;
  assert.ok(c1.op.op === 'copy' && c1.op.dest === '/w/dir' && c1.op.destIsDir);
  assert.ok(c2.op.op === 'copy' && c2.op.inline[0].content === 'n=5\n' && c2.op.sources.length === 0);
  await assert.rejects(plan('FROM busybox\nCOPY a b /file\n'), /Dockerfile:2: COPY: When using COPY with more than one source file/);
});

test('empty continuation lines are warnings with their line', async () => {
  const p = await plan('FROM busybox\nRUN echo a \\\n\n  b\n');
  assert.equal(p.warnings.length, 1);
  assert.match(p.warnings[0], /^Dockerfile:4: Empty continuation line found in: RUN echo a/);
});

test('errors name file, line and instruction', async () => {
  await assert.rejects(plan('FROM busybox\nCOPY --bogus=1 a b\n'), /Dockerfile:2: COPY: unknown flag: --bogus/);
  await assert.rejects(plan('FROM busybox\nSHELL sh -c\n'), /Dockerfile:2: SHELL: requires the arguments to be in JSON form/);
  await assert.rejects(plan('FROM busybox\nNOPE x\n'), /Dockerfile:2: NOPE: unknown instruction/i);
  await assert.rejects(plan('RUN x\n'), /no build stage/);
  await assert.rejects(plan('FROM busybox\nLABEL a=${b\n'), /Dockerfile:2: LABEL: failed to process "\$\{b"/);
  await assert.rejects(plan('FROM busybox\nEXPOSE 80-70\n'), /invalid port range/);
});

test('RUN heredoc runs its body with the shell; predefined platform args need ARG in a stage', async () => {
  const p = await plan('FROM busybox\nARG TARGETARCH\nRUN <<EOF\necho $TARGETARCH\nEOF\nRUN cat <<EOF > /x\nhi\nEOF\n');
  const [, r1, r2] = p.stages.get(0)!.steps;
  assert.ok(r1.op.op === 'run' && r1.op.argv[2] === 'echo $TARGETARCH\n' && r1.op.env.includes('TARGETARCH=amd64'));
  assert.ok(r2.op.op === 'run' && r2.op.argv[2] === 'cat <<EOF > /x\nhi\nEOF');
});

test('ONBUILD triggers of the base image run first', async () => {
  const p = await planBuild({ dockerfile: 'FROM parent\nRUN b\n', platform: amd64, buildPlatform: amd64, imageConfig: async () => ({ ...base, OnBuild: ['RUN a'] }) });
  const s = p.stages.get(0)!;
  assert.deepEqual(s.steps.map((x) => x.op.op === 'run' && x.op.argv[2]), ['a', 'b']);
  assert.equal(s.config.OnBuild, undefined);
});

test('RUN --mount parsing', () => {
  assert.deepEqual(parseRunMount('type=cache,target=/root/.cache,sharing=locked,mode=0700'), { type: 'cache', target: '/root/.cache', readonly: false, id: '/root/.cache', sharing: 'locked', mode: 0o700 });
  assert.deepEqual(parseRunMount('type=secret,id=tok,env=TOKEN'), { type: 'secret', target: '', readonly: true, id: 'tok', env: 'TOKEN' });
  assert.equal(parseRunMount('type=secret,id=tok').target, '/run/secrets/tok');
  assert.throws(() => parseRunMount('type=nfs,target=/x'), /unsupported mount type/);
});
