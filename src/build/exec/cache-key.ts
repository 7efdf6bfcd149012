// Cache keys from the plan: a step's key is the hash of its parent's key, the step's operation with
// every value expanded (command, environment, user, working directory, network, mounts, COPY's
// destination and flags) and, for COPY/ADD and bind mounts, the content hash of what they read.
// Config-only instructions (ENV, LABEL, CMD...) are not in the chain: they change no files, and
// what they change that a later step sees (ENV, USER, WORKDIR) is in that step's own key.
import { createHash } from 'node:crypto';
import type { StepOp } from '../plan/index.ts';

export function stepKey(parent: string, op: StepOp, contentHash = ''): string {
  const body = op.op === 'copy'
    ? { ...op, from: op.from.kind === 'stage' ? 'stage' : op.from, inline: undefined, contentHash }
    : { ...op, contentHash };
  return `sha256:${createHash('sha256').update(`${parent}\n${JSON.stringify(body)}`).digest('hex')}`;
}
