// System endpoints: /_ping (what clients negotiate the API version from), /version, /info.
import { release } from 'node:os';
import type { ApiContext } from './context.ts';
import { API_VERSION, MIN_API_VERSION } from './router.ts';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
export const goArch = (a = process.arch) => ARCH[a] ?? a;

function pingHeaders(): Record<string, string> {
  return { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux', 'Builder-Version': '1', 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' };
}

export async function ping(ctx: ApiContext): Promise<void> {
  ctx.sendText(200, 'OK', pingHeaders());
}

export async function version(ctx: ApiContext): Promise<void> {
  const v = ctx.server.version;
  const details = { ApiVersion: API_VERSION, Arch: goArch(), BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: process.version, KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' };
  ctx.sendJSON(200, {
    Platform: { Name: 'berth' },
    Components: [{ Name: 'Engine', Version: v, Details: details }],
    Version: v, ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, GitCommit: '', GoVersion: process.version,
    Os: 'linux', Arch: goArch(), KernelVersion: release(), BuildTime: '',
  });
}

export async function info(ctx: ApiContext): Promise<void> {
  const i = ctx.engine.system.info();
  ctx.sendJSON(200, {
    ID: '', Containers: i.containers, ContainersRunning: i.running - i.paused, ContainersPaused: i.paused, ContainersStopped: i.stopped,
    Images: i.images, Driver: i.storageDriver, DriverStatus: [],
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true, SwapLimit: true, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: false, CPUSet: false, PidsLimit: true,
    IPv4Forwarding: true, BridgeNfIptables: true, BridgeNfIp6tables: true, Debug: false, NFd: 0, OomKillDisable: false, NGoroutines: 0,
    SystemTime: new Date().toISOString(), LoggingDriver: 'json-file', CgroupDriver: 'cgroupfs', CgroupVersion: i.cgroupVersion, NEventsListener: 0,
    KernelVersion: i.kernelVersion, OperatingSystem: 'berth (Linux)', OSVersion: '', OSType: 'linux', Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    IndexServerAddress: 'https://index.docker.io/v1/', RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
    NCPU: i.ncpu, MemTotal: i.memTotal, GenericResources: null, DockerRootDir: i.root, HttpProxy: '', HttpsProxy: '', NoProxy: '',
    Name: i.name, Labels: [], ExperimentalBuild: false, ServerVersion: ctx.server.version,
    Runtimes: { [i.defaultRuntime]: { path: i.defaultRuntime } }, DefaultRuntime: i.defaultRuntime,
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true, Isolation: '', InitBinary: 'berth-tiny-init', ContainerdCommit: { ID: '' }, RuncCommit: { ID: '' }, InitCommit: { ID: '' },
    // Rootless (docs/rootless.md) is said as a rootless dockerd says it.
    SecurityOptions: ['name=seccomp,profile=builtin', ...(i.rootless ? ['name=rootless'] : [])], Warnings: [],
  });
}
