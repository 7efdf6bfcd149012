// Stand-ins for the fixed upstream images critest v1.26 pulls (registry.k8s.io/e2e-test-images/*
// and gcr.io/k8s-staging-cri-tools/*), built offline from Debian's busybox and a few host
// binaries, pushed to a local registry under their original repository paths so that a registry
// mirror (registries.json "mirrors") serves them under their original names.
//
// What each spec needs of them (cri-tools pkg/validate):
// - busybox: sh, sleep, top, id, ls, pidof, hostname, touch, chmod, ping, mount, grep...; `pgrep`
//   (execSync timeout) and `ipcs` (HostIpc), which Debian's busybox lacks: the host's procps and
//   util-linux binaries are added with their shared libraries. Applets are hard links, not
//   symlinks: MaskedPaths masks /bin/ls, and a mask on a symlink lands on busybox itself. The
//   busybox is Debian's dynamic one (package `busybox`, with its libraries), not busybox-static:
//   the static build's shell runs applets without exec ("standalone"), so `sh -c ls` never
//   touches the masked /bin/ls.
// - nginx (web server on :80; NamespaceOption pid specs): a process named `nginx` that writes
//   /var/run/nginx.pid and has "nginx: master process" in its command line; busybox httpd serves.
// - hostnet-nginx-amd64: the same on :12003 (host network port-forward).
// - httpd: prints "Command line: 'httpd -D FOREGROUND'" (the multi-container log spec) and serves
//   on :80.
// - nonewprivs: prints "Effective uid: N" from a set-user-ID-root program (GNU id).
// - test-image-*: distinct images, tags of one image, USER variants, a predefined group.
// The digest-pinned test-image-digest@sha256:9700... cannot be reproduced and is not built.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { tarGzDir } from './images.ts';

const execFileP = promisify(execFile);
const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

export const K8S_E2E = 'registry.k8s.io/e2e-test-images';
export const CRI_TOOLS = 'gcr.io/k8s-staging-cri-tools';

/** One stand-in: its repository path (registry domain included) and tags, files and config. */
export interface StandIn {
  repo: string;
  tags: string[];
  /** Files of its own layer: path → [content, mode]. */
  files?: Record<string, [string, number]>;
  user?: string;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  ports?: number[];
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// nginx's pid semantics for the namespace specs; `comm` of a script is its file name, so pidof
// finds "nginx"; the re-exec puts the master-process title into /proc/PID/cmdline.
const NGINX = `#!/bin/sh
# berth's stand-in for nginx (critest): busybox httpd serves /usr/share/nginx/html
if [ "$1" != "nginx: master process" ]; then exec /usr/sbin/nginx "nginx: master process" "$@"; fi
echo $$ > /var/run/nginx.pid
httpd -f -p "\${NGINX_PORT:-80}" -h /usr/share/nginx/html &
trap 'kill $! 2>/dev/null; exit 0' TERM INT QUIT
wait
`;
const HTTPD = `#!/bin/sh
# berth's stand-in for httpd-foreground (critest): the log line the spec looks for, then busybox httpd
echo "AH00094: Command line: 'httpd -D FOREGROUND'" >&2
exec httpd -f -p 80 -h /usr/local/apache2/htdocs
`;
const NNP = `#!/bin/sh
# berth's stand-in for the nonewprivs image: the effective uid of a set-user-ID-root program
echo "Effective uid: $(/usr/local/bin/nnp-euid -u)"
`;
const PAGE = '<html><body><h1>Welcome to nginx!</h1></body></html>\n';

export function standIns(): StandIn[] {
  const e2e = (name: string, tag: string, rest: Omit<StandIn, 'repo' | 'tags'> = {}): StandIn => ({ repo: `${K8S_E2E}/${name}`, tags: [tag], ...rest });
  const cri = (name: string, tags: string[], rest: Omit<StandIn, 'repo' | 'tags'> = {}): StandIn => ({ repo: `${CRI_TOOLS}/${name}`, tags, ...rest });
  const nginxFiles: StandIn['files'] = { 'usr/sbin/nginx': [NGINX, 0o755], 'usr/share/nginx/html/index.html': [PAGE, 0o644] };
  const testFile = (n: string): StandIn['files'] => ({ [n]: [`${n}\n`, 0o644] });
  return [
    e2e('busybox', '1.29-2', { cmd: ['sh'] }),
    e2e('nginx', '1.14-2', { files: nginxFiles, cmd: ['nginx', '-g', 'daemon off;'], ports: [80] }),
    e2e('httpd', '2.4.39-4', { files: { 'usr/local/bin/httpd-foreground': [HTTPD, 0o755], 'usr/local/apache2/htdocs/index.html': [PAGE, 0o644] }, cmd: ['httpd-foreground'], ports: [80] }),
    e2e('nonewprivs', '1.3', { files: { 'usr/local/bin/nnp': [NNP, 0o755] }, cmd: ['/usr/local/bin/nnp'] }),
    cri(`hostnet-nginx-amd64`, ['latest'], { files: nginxFiles, env: ['NGINX_PORT=12003'], cmd: ['nginx', '-g', 'daemon off;'], ports: [12003] }),
    cri('test-image-latest', ['latest'], { files: testFile('test-image-latest') }),
    cri('test-image-tag', ['test', 'all'], { files: testFile('test-image-tag') }),
    cri('test-image-1', ['latest'], { files: testFile('test-image-1') }),
    cri('test-image-2', ['latest'], { files: testFile('test-image-2') }),
    cri('test-image-3', ['latest'], { files: testFile('test-image-3') }),
    cri('test-image-tags', ['1', '2', '3'], { files: testFile('test-image-tags') }),
    cri('test-image-user-uid', ['latest'], { user: '1002' }),
    cri('test-image-user-username', ['latest'], { user: 'www-data' }),
    cri('test-image-user-uid-group', ['latest'], { user: '1003:1003' }),
    cri('test-image-user-username-group', ['latest'], { user: 'www-data:www-data' }),
    cri('test-image-predefined-group', ['latest'], {
      user: '1000',
      files: {
        'etc/passwd': [`${PASSWD}default-user:x:1000:1000:Linux User,,,:/home/default-user:/bin/sh\n`, 0o644],
        'etc/group': [`${GROUP}default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n`, 0o644],
      },
    }),
  ];
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nwww-data:x:33:\nusers:x:100:\nnogroup:x:65534:\n';

/** Copies a host program and the shared libraries `ldd` lists into `root`, at the same paths. */
function addHostProgram(root: string, program: string, as = program, mode = 0o755): void {
  const out = execFileSync('ldd', [program], { encoding: 'utf8' });
  for (const m of out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) {
    const lib = m[1];
    const dest = join(root, lib);
    if (existsSync(dest)) continue;
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(lib, dest);
  }
  const dest = join(root, as);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(program, dest);
  chmodSync(dest, mode);
}

/** Debian's dynamic busybox: from $BERTH_DYNAMIC_BUSYBOX, else its package in apt's cache, else
 * fetched with `apt-get download busybox` into `work`; unpacked there. */
export function dynamicBusybox(work: string): string {
  if (process.env.BERTH_DYNAMIC_BUSYBOX) return process.env.BERTH_DYNAMIC_BUSYBOX;
  const cache = '/var/cache/apt/archives';
  let deb = existsSync(cache) ? readdirSync(cache).find((f) => /^busybox_.*_amd64\.deb$/.test(f)) : undefined;
  if (deb) deb = join(cache, deb);
  else {
    mkdirSync(work, { recursive: true });
    try {
      execFileSync('apt-get', ['download', '-q', 'busybox'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`Debian's busybox package is needed for the stand-ins (not in ${cache}, and \`apt-get download busybox\` failed: ${String((e as { stderr?: unknown }).stderr ?? e).trim()}); or set BERTH_DYNAMIC_BUSYBOX to a dynamic busybox binary`);
    }
    deb = join(work, readdirSync(work).find((f) => /^busybox_.*\.deb$/.test(f))!);
  }
  const dir = join(work, 'busybox-deb');
  mkdirSync(dir, { recursive: true });
  execFileSync('dpkg-deb', ['-x', deb, dir]);
  return join(dir, 'bin/busybox');
}

/** The shared base: Debian's busybox with hard-linked applets, pgrep, ipcs and a set-uid id. */
export function makeStandInBase(root: string, busybox: string): string {
  for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'home', 'var/run', 'var/www', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'sbin']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  addHostProgram(root, busybox, '/bin/busybox');
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) linkSync(join(root, 'bin/busybox'), join(root, 'bin', a));
  addHostProgram(root, '/usr/bin/pgrep');
  addHostProgram(root, '/usr/bin/ipcs');
  addHostProgram(root, '/usr/bin/id', '/usr/local/bin/nnp-euid', 0o4755);
  writeFileSync(join(root, 'etc/passwd'), PASSWD);
  writeFileSync(join(root, 'etc/group'), GROUP);
  return root;
}

interface Blob { digest: string; size: number; diffId: string }

function putBlob(layout: string, data: Buffer): string {
  const d = sha(data);
  writeFileSync(join(layout, 'blobs', 'sha256', d.slice(7)), data);
  return d;
}

function layer(layout: string, dir: string): Blob {
  const gz = tarGzDir(dir);
  return { digest: putBlob(layout, gz), size: gz.length, diffId: sha(gunzipSync(gz)) };
}

/** Builds every stand-in into one OCI layout under `work` (ref names `<n>`), and pushes each
 * to `registryHost` under its repository path without the upstream domain. */
export async function buildAndPushStandIns(work: string, registryHost: string, list = standIns()): Promise<string[]> {
  const layout = join(work, 'layout');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const base = layer(layout, makeStandInBase(join(work, 'base'), dynamicBusybox(join(work, 'deb'))));
  const refs: { name: string; digest: string; size: number }[] = [];
  list.forEach((s, i) => {
    const layers = [base];
    if (s.files) {
      const dir = join(work, `top${i}`);
      for (const [p, [content, mode]] of Object.entries(s.files)) {
        mkdirSync(dirname(join(dir, p)), { recursive: true });
        writeFileSync(join(dir, p), content);
        chmodSync(join(dir, p), mode);
      }
      layers.push(layer(layout, dir));
    }
    const config = {
      created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
      config: {
        Env: [PATH_ENV, ...(s.env ?? [])], ...(s.cmd ? { Cmd: s.cmd } : {}), ...(s.entrypoint ? { Entrypoint: s.entrypoint } : {}),
        ...(s.user ? { User: s.user } : {}), ...(s.ports ? { ExposedPorts: Object.fromEntries(s.ports.map((p) => [`${p}/tcp`, {}])) } : {}),
        Labels: { 'org.berth.stand-in-for': s.repo },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, j) => ({ created: '2024-01-01T00:00:00Z', created_by: `berth critest stand-in layer ${j}` })),
    };
    const cfg = Buffer.from(JSON.stringify(config));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: putBlob(layout, cfg), size: cfg.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }));
    refs.push({ name: String(i), digest: putBlob(layout, manifest), size: manifest.length });
  });
  writeFileSync(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: refs.map((r) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: r.digest, size: r.size, annotations: { 'org.opencontainers.image.ref.name': r.name } })),
  }));
  const pushed: string[] = [];
  for (const [i, s] of list.entries()) {
    const path = s.repo.slice(s.repo.indexOf('/') + 1);
    for (const tag of s.tags) {
      await execFileP('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${i}`, `docker://${registryHost}/${path}:${tag}`]);
      pushed.push(`${s.repo}:${tag}`);
    }
  }
  return pushed;
}

/** registries.json sending both upstream registries to the local one. */
export function mirrorConfig(registryHost: string): string {
  return JSON.stringify({ mirrors: { 'registry.k8s.io': [registryHost], 'gcr.io': [registryHost] } });
}
