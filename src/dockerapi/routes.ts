// Docker's paths and the handler of each (one file per resource, as podman's compat layer).
import { attachContainer, attachWebSocket } from './containers-attach.ts';
import { createContainer } from './containers-create.ts';
import { inspectContainer, listContainers } from './containers-inspect.ts';
import {
  killContainer, pauseContainer, removeContainer, resizeContainer, restartContainer, startContainer, stopContainer,
  unpauseContainer, waitContainer,
} from './containers-lifecycle.ts';
import { containerLogs } from './containers-logs.ts';
import { commitContainer, renameContainer, updateContainer } from './containers-change.ts';
import { containerChanges, exportContainer, getArchive, headArchive, putArchive } from './containers-files.ts';
import { containerStats, containerTop } from './containers-observe.ts';
import { auth, events, pruneContainers, pruneImages, pruneNetworks, systemDf } from './system-more.ts';
import { createExec, inspectExec, resizeExec, startExec } from './exec.ts';
import { createImage, imageHistoryHandler, inspectImageHandler, listImagesHandler, loadImages, pushImageHandler, removeImageHandler, saveImages, searchImages, tagImageHandler } from './images.ts';
import { connectNetworkHandler, createNetworkHandler, disconnectNetworkHandler, inspectNetworkHandler, listNetworksHandler, removeNetworkHandler } from './networks.ts';
import { createVolume, inspectVolume, listVolumes, pruneVolumesHandler, removeVolume } from './volumes.ts';
import type { Route } from './router.ts';
import { info, ping, version } from './system.ts';
import { buildImage } from './build.ts';

const r = (method: string, pattern: string, handler: Route['handler']): Route => ({ method, pattern, handler });

export const ROUTES: Route[] = [
  r('GET', '/_ping', ping),
  r('HEAD', '/_ping', ping),
  r('GET', '/version', version),
  r('GET', '/info', info),
  r('GET', '/events', events),
  r('GET', '/system/df', systemDf),
  r('POST', '/auth', auth),

  r('POST', '/containers/create', createContainer),
  r('GET', '/containers/json', listContainers),
  r('POST', '/containers/prune', pruneContainers),
  r('GET', '/containers/{id}/json', inspectContainer),
  r('POST', '/containers/{id}/start', startContainer),
  r('POST', '/containers/{id}/stop', stopContainer),
  r('POST', '/containers/{id}/restart', restartContainer),
  r('POST', '/containers/{id}/kill', killContainer),
  r('POST', '/containers/{id}/pause', pauseContainer),
  r('POST', '/containers/{id}/unpause', unpauseContainer),
  r('POST', '/containers/{id}/wait', waitContainer),
  r('DELETE', '/containers/{id}', removeContainer),
  r('POST', '/containers/{id}/resize', resizeContainer),
  r('POST', '/containers/{id}/attach', attachContainer),
  r('GET', '/containers/{id}/attach/ws', attachWebSocket),
  r('GET', '/containers/{id}/logs', containerLogs),
  r('GET', '/containers/{id}/stats', containerStats),
  r('GET', '/containers/{id}/top', containerTop),
  r('GET', '/containers/{id}/archive', getArchive),
  r('HEAD', '/containers/{id}/archive', headArchive),
  r('PUT', '/containers/{id}/archive', putArchive),
  r('GET', '/containers/{id}/export', exportContainer),
  r('GET', '/containers/{id}/changes', containerChanges),
  r('POST', '/containers/{id}/rename', renameContainer),
  r('POST', '/containers/{id}/update', updateContainer),
  r('POST', '/commit', commitContainer),
  r('POST', '/build', buildImage),
  r('POST', '/containers/{id}/exec', createExec),
  r('POST', '/exec/{id}/start', startExec),
  r('POST', '/exec/{id}/resize', resizeExec),
  r('GET', '/exec/{id}/json', inspectExec),

  r('POST', '/images/create', createImage),
  r('GET', '/images/json', listImagesHandler),
  r('POST', '/images/prune', pruneImages),
  r('GET', '/images/get', saveImages),
  r('POST', '/images/load', loadImages),
  r('GET', '/images/search', searchImages),
  r('GET', '/images/{name*}/get', saveImages),
  r('GET', '/images/{name*}/json', inspectImageHandler),
  r('GET', '/images/{name*}/history', imageHistoryHandler),
  r('POST', '/images/{name*}/tag', tagImageHandler),
  r('POST', '/images/{name*}/push', pushImageHandler),
  r('DELETE', '/images/{name*}', removeImageHandler),

  r('GET', '/networks', listNetworksHandler),
  r('POST', '/networks/create', createNetworkHandler),
  r('POST', '/networks/prune', pruneNetworks),
  r('GET', '/networks/{id}', inspectNetworkHandler),
  r('DELETE', '/networks/{id}', removeNetworkHandler),
  r('POST', '/networks/{id}/connect', connectNetworkHandler),
  r('POST', '/networks/{id}/disconnect', disconnectNetworkHandler),

  r('GET', '/volumes', listVolumes),
  r('POST', '/volumes/create', createVolume),
  r('POST', '/volumes/prune', pruneVolumesHandler),
  r('GET', '/volumes/{name}', inspectVolume),
  r('DELETE', '/volumes/{name}', removeVolume),
];
