// Slot for the image commands (owned by the image engineer): entries added here appear as
// `berth image NAME` (IMAGE_COMMANDS) and as top-level commands (IMAGE_TOP_LEVEL: pull, push,
// images, rmi, tag, save, load, login, logout), each loading its own berth/image-*.ts file.
import type { Entry } from './table.ts';

export const IMAGE_COMMANDS: Record<string, Entry> = {};
export const IMAGE_TOP_LEVEL: Record<string, Entry> = {};
