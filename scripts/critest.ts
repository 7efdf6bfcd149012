// CRI conformance: runs cri-tools' critest (v1.26.1, built by hand outside the repository:
// $BERTH_CRITEST, PATH, or /opt/cri-tools/build/bin/linux/amd64/critest) against a berthd of its
// own, with every fixed upstream image critest pulls served by stand-ins (test/helpers/
// cri-standins.ts) from a local docker-registry through berth's registry mirrors. Everything lives
// under one temp dir; the finally block removes pods, berthd, the registry, mounts, cgroups and
// the bridge. Takes 10-20 minutes on the 2-core VM. docs/conformance.md records the figures.
//
//   node scripts/critest.ts [--focus REGEX] [--skip REGEX] [--keep-report FILE.xml]
//
// Exit status: 0 when every spec passed but the one pinned to an upstream digest, 1 otherwise,
// 2 when critest or a peer tool is missing (with the reason on stderr).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { makeTemp, removeTemp } from '../test/helpers/rootfs.ts';
import { startRegistry, type RegistryInstance } from '../test/helpers/registry.ts';
import { buildAndPushStandIns, mirrorConfig } from '../test/helpers/cri-standins.ts';
import { cgroupDirs, killMentioning, mountsUnder, pidsMentioning, removeCgroupTree, unmountUnder, which } from '../test/integration/interop/support.ts';

const { values } = parseArgs({ options: { focus: { type: 'string' }, skip: { type: 'string' }, 'keep-report': { type: 'string' } } });
const TOP = resolve(import.meta.dirname, '..');
const BERTH = join(TOP, 'dist/berth.mjs');
const DEFAULT = '/opt/cri-tools/build/bin/linux/amd64/critest';
const CRITEST = process.env.BERTH_CRITEST || (existsSync(DEFAULT) ? DEFAULT : which('critest'));
/** The one spec no stand-in can pass: it pulls test-image-digest by its upstream digest. */
export const DIGEST_SPEC = 'public image with digest should be pulled and removed';

const missing = process.getuid?.() !== 0 ? 'needs root'
  : !CRITEST ? 'critest not found: build cri-tools v1.26.1 (make critest) and set BERTH_CRITEST, or put critest on PATH'
  : !existsSync('/usr/bin/docker-registry') ? 'needs Debian\'s docker-registry'
  : !which('skopeo') ? 'needs skopeo'
  : !existsSync(BERTH) ? `no ${BERTH}: run scripts/build.sh`
  : undefined;
if (missing) {
  console.error(`critest: skipped: ${missing}`);
  process.exit(2);
}

interface Spec { name: string; status: 'passed' | 'failed' | 'skipped'; message: string }

/** The specs of a ginkgo JUnit report. */
function readJunit(path: string): Spec[] {
  const xml = readFileSync(path, 'utf8');
  const out: Spec[] = [];
  for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const name = m[1].replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    if (/^\[(BeforeSuite|AfterSuite|SynchronizedBeforeSuite|SynchronizedAfterSuite|ReportAfterSuite|ReportBeforeSuite)\]/.test(name)) continue;
    const body = m[2] ?? '';
    const status = /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
    const msg = /<failure message="([^"]*)"/.exec(body)?.[1] ?? '';
    out.push({ name, status, message: msg.replace(/&#xA;/g, ' ').replace(/&#34;/g, '"').slice(0, 300) });
  }
  return out;
}

const work = makeTemp('berth-critest-');
const tag = String(process.pid % 200);
const bridge = `bcrit${tag}`;
const cgroupParent = `berth-critest-${process.pid}`;
let registry: RegistryInstance | undefined;
let daemon: ChildProcess | undefined;
let code = 1;
console.log(`critest: work dir ${work}, bridge ${bridge}, network critest${tag}, cgroup parent ${cgroupParent}`);
try {
  registry = await startRegistry();
  const t0 = Date.now();
  const pushed = await buildAndPushStandIns(join(work, 'images'), registry.host);
  console.log(`critest: ${pushed.length} stand-in image names pushed to ${registry.host} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(join(work, 'registries.json'), mirrorConfig(registry.host));

  const conf = join(work, 'net.d');
  mkdirSync(conf);
  writeFileSync(join(conf, '10-critest.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: `critest${tag}`, plugins: [
    { type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: `10.252.${tag}.0/24` }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(work, 'ipam') } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ] }));
  const sock = join(work, 'cri.sock');
  const env = { ...process.env, BERTH_CNI_CONF_DIR: conf, BERTH_CGROUP_PARENT: cgroupParent, BERTH_DAEMON_SOCKET: '', BERTH_REGISTRIES_CONFIG: join(work, 'registries.json') };
  const log = join(work, 'berthd.log');
  const fd = openSync(log, 'w');
  daemon = spawn(process.execPath, [BERTH, '--root', join(work, 'root'), '--run-root', join(work, 'run'), 'system', 'service',
    '--socket', join(work, 'berthd.sock'), '--docker-socket', '', '--cri-socket', `unix://${sock}`], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  for (const end = Date.now() + 30_000; !existsSync(sock);) {
    if (daemon.exitCode !== null || Date.now() > end) throw new Error(`berthd did not start: ${readFileSync(log, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  const report = join(work, 'junit.xml');
  const args = ['--runtime-endpoint', `unix://${sock}`, '--image-endpoint', `unix://${sock}`, '--ginkgo.no-color', `--ginkgo.junit-report=${report}`,
    ...(values.focus ? [`--ginkgo.focus=${values.focus}`] : []), ...(values.skip ? [`--ginkgo.skip=${values.skip}`] : [])];
  console.log(`critest: running ${CRITEST} ${args.join(' ')}`);
  const r = spawnSync(CRITEST!, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60 * 60_000, maxBuffer: 256 << 20, cwd: work });
  writeFileSync(join(work, 'critest.out'), (r.stdout ?? '') + (r.stderr ?? ''));
  if (!existsSync(report)) throw new Error(`critest wrote no report (exit ${r.status}): ${(r.stderr || r.stdout || '').slice(-3000)}`);
  if (values['keep-report']) copyFileSync(report, values['keep-report']);
  const specs = readJunit(report);
  const count = (s: Spec['status']) => specs.filter((x) => x.status === s).length;
  console.log(`critest: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped (of ${specs.length})`);
  for (const s of specs.filter((x) => x.status === 'failed')) console.log(`  FAILED ${s.name}\n    ${s.message}`);
  const unexpected = specs.filter((x) => x.status === 'failed' && !x.name.includes(DIGEST_SPEC));
  code = unexpected.length ? 1 : 0;
  if (code && process.env.BERTH_CRITEST_KEEP) console.log(`critest: kept ${work} (berthd.log, critest.out)`);
} catch (e) {
  console.error(`critest: ${(e as Error).stack ?? e}`);
} finally {
  if (daemon && daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    await new Promise((r) => { daemon!.once('exit', r); setTimeout(r, 15_000); });
  }
  // What critest's own clean-up and berthd's stop should have removed: reported as a failure.
  const leaks = [
    ...pidsMentioning(`${work}/`).map((p) => `process ${p}: ${readFileSync(`/proc/${p}/cmdline`, 'latin1').replace(/\0/g, ' ').slice(0, 120)}`),
    ...mountsUnder(work).filter((m) => m !== join(work, 'run', 'netns')).map((m) => `mount ${m}`),
    ...cgroupDirs(cgroupParent).flatMap((d) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `cgroup ${join(d, e.name)}`)),
  ];
  if (leaks.length) {
    console.log(`critest: LEAKED after the run:\n  ${leaks.join('\n  ')}`);
    code = 1;
  }
  // conmons and containers of this run (their command lines name the temp dir), then the rest.
  killMentioning(`${work}/`);
  removeCgroupTree(cgroupParent);
  unmountUnder(work);
  spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  await registry?.stop();
  if (code === 0 || !process.env.BERTH_CRITEST_KEEP) removeTemp(work);
  else unmountUnder(work);
}
process.exit(code);
