// What the executor does for each instruction, with every variable already expanded. A step's
// `key` (its instruction, expanded arguments and the environment it runs with) feeds the cache key;
// the executor adds the parent's key and, for COPY/ADD, the content hash of what was read.
import type { RunMount } from '../instructions/index.ts';
import type { RunConfig } from './config.ts';

export type CopyFrom = { kind: 'context' } | { kind: 'stage'; index: number } | { kind: 'image'; ref: string };

export type StepOp =
  | { op: 'run'; argv: string[]; env: string[]; user: string; workdir: string; /** RUN --network (absent: the build's --network, else default). */ network?: 'default' | 'none' | 'host'; mounts: RunMount[]; scripts?: { target: string; content: string }[]; security?: 'insecure' | 'sandbox' }
  | { op: 'copy'; add: boolean; from: CopyFrom; sources: string[]; dest: string; destIsDir: boolean; chown?: string; chmod?: string; excludes: string[]; parents: boolean; user: string; inline: { name: string; content: string }[]; workdir: string; checksum?: string; link?: boolean; /** ADD of a git repository: keep its .git. */ keepGitDir?: boolean }
  | { op: 'mkdir'; path: string; user: string }
  | { op: 'config' };

export interface Step {
  file: string;
  line: number;
  /** For progress lines: the instruction as written. */
  instruction: string;
  /** The history entry's created_by. */
  createdBy: string;
  op: StepOp;
  /** The image config after this step. */
  config: RunConfig;
}

export interface StagePlan {
  index: number;
  name?: string;
  /** Where the stage starts: an image (already resolved by the caller), scratch, or a stage. */
  base: { kind: 'image'; ref: string } | { kind: 'scratch' } | { kind: 'stage'; index: number };
  platform?: string;
  steps: Step[];
  /** The final config (the image's when this is the target). */
  config: RunConfig;
  /** Build args the stage declared and used (for history and the cache key). */
  args: Record<string, string>;
  /** MAINTAINER's value: the image's author. */
  author?: string;
}
