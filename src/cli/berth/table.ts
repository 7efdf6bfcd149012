// The command table: top-level commands, and management groups (berth container ls, …).
// The image commands (pull, push, images, rmi, tag, save, load, login, logout, `image …`) come
// from image-table.ts, which the image engineer owns.
import type { Entry } from './context.ts';
export type { Entry } from './context.ts';
import { IMAGE_COMMANDS, IMAGE_TOP_LEVEL } from './image-table.ts';
import { QUERY_LOADERS } from './queries.ts';

export interface Group { about: string; commands: Record<string, Entry>; aliases?: Record<string, string> }

const c = {
  run: { about: 'Create and run a new container from an image', load: () => import('./run.ts') },
  create: { about: 'Create a new container', load: () => import('./create.ts') },
  start: { about: 'Start one or more stopped containers', load: () => import('./start.ts') },
  stop: { about: 'Stop one or more running containers', load: () => import('./stop.ts') },
  restart: { about: 'Restart one or more containers', load: () => import('./restart.ts') },
  kill: { about: 'Kill one or more running containers', load: () => import('./kill.ts') },
  pause: { about: 'Pause all processes within one or more containers', load: () => import('./pause.ts') },
  unpause: { about: 'Unpause all processes within one or more containers', load: () => import('./pause.ts').then((m) => ({ default: m.unpause })) },
  update: { about: 'Update configuration of one or more containers', load: () => import('./update.ts') },
  export: { about: "Export a container's filesystem as a tar archive", load: () => import('./export.ts') },
  commit: { about: "Create a new image from a container's changes", load: () => import('./commit.ts') },
  build: { about: 'Build an image from a Dockerfile', load: () => import('./build.ts') },
  rm: { about: 'Remove one or more containers', load: () => import('./rm.ts') },
  ps: { about: 'List containers', load: QUERY_LOADERS.ps },
  logs: { about: 'Fetch the logs of a container', load: () => import('./logs.ts') },
  wait: { about: 'Block until one or more containers stop, then print their exit codes', load: () => import('./wait.ts') },
  inspect: { about: 'Return low-level information on berth objects', load: QUERY_LOADERS.inspect },
  exec: { about: 'Execute a command in a running container', load: () => import('./exec.ts') },
  attach: { about: "Attach local standard input, output, and error streams to a running container", load: () => import('./attach.ts') },
  port: { about: 'List port mappings or a specific mapping for the container', load: () => import('./port.ts') },
  rename: { about: 'Rename a container', load: () => import('./rename.ts') },
  top: { about: 'Display the running processes of a container', load: () => import('./top.ts') },
  stats: { about: "Display a snapshot of containers' resource usage statistics", load: () => import('./stats.ts') },
  cp: { about: 'Copy files/folders between a container and the local filesystem', load: () => import('./cp.ts') },
  events: { about: 'Get real time events from the engine', load: () => import('./events.ts') },
  version: { about: 'Show the berth version information', load: () => import('./version.ts') },
  info: { about: 'Display system-wide information', load: () => import('./info.ts') },
} satisfies Record<string, Entry>;

export const COMMANDS: Record<string, Entry> = { ...c, ...IMAGE_TOP_LEVEL };

export const GROUPS: Record<string, Group> = {
  container: {
    about: 'Manage containers',
    commands: {
      run: c.run, create: c.create, start: c.start, stop: c.stop, restart: c.restart, kill: c.kill, pause: c.pause, unpause: c.unpause, update: c.update, export: c.export, commit: c.commit, rm: c.rm, ls: c.ps,
      logs: c.logs, wait: c.wait, inspect: { about: 'Display detailed information on one or more containers', load: QUERY_LOADERS.inspect },
      exec: c.exec, attach: c.attach, port: c.port, rename: c.rename, top: c.top, stats: c.stats, cp: c.cp,
      prune: { about: 'Remove all stopped containers', load: () => import('./container-prune.ts') },
      cleanup: { about: 'Release the resources of an exited container (run by conmon)', hidden: true, load: () => import('./cleanup.ts') },
    },
    aliases: { list: 'ls', ps: 'ls', remove: 'rm' },
  },
  network: {
    about: 'Manage networks',
    commands: {
      create: { about: 'Create a network', load: () => import('./network-create.ts') },
      ls: { about: 'List networks', load: () => import('./network-ls.ts') },
      inspect: { about: 'Display detailed information on one or more networks', load: () => import('./network-inspect.ts') },
      rm: { about: 'Remove one or more networks', load: () => import('./network-rm.ts') },
      connect: { about: 'Connect a container to a network', load: () => import('./network-connect.ts') },
      disconnect: { about: 'Disconnect a container from a network', load: () => import('./network-disconnect.ts') },
    },
    aliases: { list: 'ls', remove: 'rm' },
  },
  volume: {
    about: 'Manage volumes',
    commands: {
      create: { about: 'Create a volume', load: () => import('./volume-create.ts') },
      ls: { about: 'List volumes', load: () => import('./volume-ls.ts') },
      inspect: { about: 'Display detailed information on one or more volumes', load: () => import('./volume-inspect.ts') },
      rm: { about: 'Remove one or more volumes', load: () => import('./volume-rm.ts') },
      prune: { about: 'Remove unused anonymous volumes (all unused with -a)', load: () => import('./volume-prune.ts') },
    },
    aliases: { list: 'ls', remove: 'rm' },
  },
  pod: {
    about: 'Manage pods (sandboxes of shared namespaces that containers join)',
    commands: {
      create: { about: 'Create a new empty pod', load: () => import('./pod-create.ts') },
      ls: { about: 'List pods', load: () => import('./pod-ls.ts') },
      inspect: { about: 'Display detailed information on one or more pods', load: () => import('./pod-inspect.ts') },
      start: { about: 'Start one or more pods', load: () => import('./pod-each.ts').then((m) => ({ default: m.start })) },
      stop: { about: 'Stop one or more pods', load: () => import('./pod-each.ts').then((m) => ({ default: m.stop })) },
      rm: { about: 'Remove one or more pods', load: () => import('./pod-each.ts').then((m) => ({ default: m.rm })) },
    },
    aliases: { list: 'ls', ps: 'ls', remove: 'rm' },
  },
  system: {
    about: 'Manage berth',
    commands: {
      df: { about: 'Show berth disk usage', load: () => import('./system-df.ts') },
      prune: { about: 'Remove unused data', load: () => import('./system-prune.ts') },
      info: { about: 'Display system-wide information', load: () => import('./info.ts') },
      events: { about: 'Get real time events from the engine', load: () => import('./events.ts') },
      service: { about: 'Run berthd: serve berth commands from warm workers', load: () => import('./system-service.ts') },
    },
  },
  builder: {
    about: 'Manage builds',
    commands: {
      build: c.build,
      prune: { about: 'Remove build cache', load: () => import('./builder-prune.ts') },
    },
  },
  image: {
    about: 'Manage images',
    commands: {
      ...IMAGE_COMMANDS,
      build: c.build,
      'build-busybox': { about: "Create the built-in busybox image from the host's busybox-static", load: () => import('./build-busybox.ts') },
    },
  },
};
