// The image commands (owned by the image engineer): entries here appear as `berth image NAME`
// (IMAGE_COMMANDS) and as top-level commands (IMAGE_TOP_LEVEL: pull, push, images, rmi, tag,
// save, load, login, logout), each loading its own berth/image-*.ts file.
import type { Entry } from './context.ts';
import { QUERY_LOADERS } from './queries.ts';

const e = {
  pull: { about: 'Download an image from a registry', load: () => import('./image-pull.ts') },
  push: { about: 'Upload an image to a registry', load: () => import('./image-push.ts') },
  ls: { about: 'List images', load: QUERY_LOADERS.imageLs },
  rm: { about: 'Remove one or more images', load: () => import('./image-rm.ts') },
  tag: { about: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: () => import('./image-tag.ts') },
  inspect: { about: 'Display detailed information on one or more images', load: QUERY_LOADERS.imageInspect },
  history: { about: 'Show the history of an image', load: () => import('./image-history.ts') },
  save: { about: 'Save one or more images to a tar archive (streamed to STDOUT by default)', load: () => import('./image-save.ts') },
  load: { about: 'Load an image from a tar archive or STDIN', load: () => import('./image-load.ts') },
  prune: { about: 'Remove unused images', load: () => import('./image-prune.ts') },
  login: { about: 'Log in to a registry', load: () => import('./image-login.ts') },
  logout: { about: 'Log out from a registry', load: () => import('./image-logout.ts') },
} satisfies Record<string, Entry>;

export const IMAGE_COMMANDS: Record<string, Entry> = {
  pull: e.pull, push: e.push, ls: e.ls, list: { ...e.ls, hidden: true }, rm: e.rm, remove: { ...e.rm, hidden: true },
  tag: e.tag, inspect: e.inspect, history: e.history, save: e.save, load: e.load, prune: e.prune,
};

export const IMAGE_TOP_LEVEL: Record<string, Entry> = {
  pull: e.pull, push: e.push, images: e.ls, rmi: e.rm, tag: e.tag, save: e.save, load: e.load, history: { ...e.history, hidden: true },
  login: e.login, logout: e.logout,
};
