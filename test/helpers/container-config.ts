// A complete ContainerConfig for tests that write container records straight into a store
// (filters, the listing's caches): every field set, `over` on top.
import type { ContainerConfig } from '../../src/engine/types.ts';

export function containerConfig(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    image: 'busybox', imageName: 'docker.io/library/busybox:latest', imageId: 'sha256:aaaa1111', chainId: 'sha256:c', entrypoint: [], cmd: ['sh'],
    env: [], workingDir: '/', user: '', hostname: 'h', domainname: '', tty: false, openStdin: false, labels: {}, mounts: [], publish: [],
    networkMode: 'bridge', networkAliases: [], extraHosts: [], dns: [], dnsSearch: [], dnsOptions: [], shmSize: 0, readOnly: false,
    capAdd: [], capDrop: [], privileged: false, seccomp: 'default', noNewPrivileges: false, restart: { name: 'no', maximumRetryCount: 0 },
    init: false, stopSignal: 'SIGTERM', stopTimeout: 10, runtime: '/bin/true', autoRemove: false, logSizeMax: 0, ...over,
  };
}
